package org.ebpfagent.jmc;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.openjdk.jmc.common.item.IItem;
import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.item.IItemIterable;
import org.openjdk.jmc.common.item.IMemberAccessor;
import org.openjdk.jmc.common.item.ItemFilters;
import org.openjdk.jmc.common.unit.IQuantity;
import org.openjdk.jmc.common.unit.UnitLookup;
import org.openjdk.jmc.common.util.IPreferenceValueProvider;
import org.openjdk.jmc.common.util.TypedPreference;
import org.openjdk.jmc.flightrecorder.JfrAttributes;
import org.openjdk.jmc.flightrecorder.rules.IResult;
import org.openjdk.jmc.flightrecorder.rules.ResultBuilder;
import org.openjdk.jmc.flightrecorder.rules.TypedResult;
import org.openjdk.jmc.flightrecorder.rules.util.JfrRuleTopics;

/**
 * Syscall error storms and slow syscalls, from the syscall probe's events. A storm is one thread
 * failing one syscall with one errno faster than a limit (errors per second of the intervals in
 * which it failed): typically a non-blocking call polled in a loop (EAGAIN), or a lookup of files
 * that are not there (ENOENT), each failure a trip into the kernel for nothing. Slow syscalls
 * (ebpf.SlowSyscall) inform, naming the longest, unless they are all calls made to wait.
 */
public final class SyscallProblemsRule extends EbpfRule {
    public static final String ID = "EbpfSyscallProblems";
    static final int LISTED = 5;
    /** Slow calls outside waits inform; they never warn, since the probe cannot tell a stall from a long read the application asked for. */
    static final double SLOW_SCORE = 50;
    /** Intervals shorter than this in all count as this long, so a few errors in a thread's first short interval are no storm. */
    static final long MIN_SPAN_NS = 1_000_000_000L;
    /**
     * Syscalls whose purpose is to wait (for a lock, a timer, a signal, a child, readiness or a
     * connection): their slow calls are the application idling, not the kernel being slow.
     */
    static final Set<String> WAITS = Set.of("futex", "futex_waitv", "epoll_wait", "epoll_pwait", "epoll_pwait2",
            "poll", "ppoll", "select", "pselect6", "nanosleep", "clock_nanosleep", "rt_sigsuspend", "rt_sigtimedwait",
            "pause", "wait4", "waitid", "accept", "accept4", "io_getevents", "io_pgetevents", "io_uring_enter",
            "semtimedop", "msgrcv", "mq_timedreceive", "sched_yield");

    public static final TypedPreference<IQuantity> ERROR_RATE_LIMIT = new TypedPreference<>(
            "ebpf.syscalls.errorRate", "Errors per second for a warning",
            "When one thread's calls of one syscall failed with one errno more often than this per second (over "
                    + "the intervals in which they failed), the rule warns; from a fifth of it on, it informs.",
            UnitLookup.NUMBER.getPersister(), UnitLookup.NUMBER_UNITY.quantity(1000));

    public static final TypedResult<IQuantity> WORST_ERROR_RATE = new TypedResult<>("syscallWorstErrorRate",
            "Worst Syscall Error Rate", "The most errors per second of one syscall and errno in one thread.",
            UnitLookup.NUMBER, IQuantity.class);
    public static final TypedResult<IQuantity> SLOW_CALLS = new TypedResult<>("syscallSlowCalls", "Slow Syscalls",
            "ebpf.SlowSyscall events outside syscalls made to wait.", UnitLookup.NUMBER, IQuantity.class);

    public SyscallProblemsRule() {
        super(ID, "Syscall Error Storms and Slow Syscalls (eBPF)", JfrRuleTopics.JAVA_APPLICATION,
                EbpfEvents.THREAD_SYSCALLS, List.of(ERROR_RATE_LIMIT),
                List.of(TypedResult.SCORE, WORST_ERROR_RATE, SLOW_CALLS));
    }

    /** One thread's failures of one syscall with one errno. */
    record StormKey(ThreadKey thread, String syscall, String errno) {}

    static final class Storm {
        final StormKey key;
        long count;
        long spanNs;

        Storm(StormKey key) {
            this.key = key;
        }

        double rate() {
            return count * 1e9 / Math.max(spanNs, MIN_SPAN_NS);
        }

        String describe() {
            return String.format(Locale.ROOT, "%s %s %s: %d errors, %.0f per second", key.thread(), key.syscall(),
                    key.errno(), count, rate());
        }
    }

    /** One ebpf.SlowSyscall. */
    record Slow(ThreadKey thread, String syscall, long ns, String result) {
        String describe() {
            return String.format(Locale.ROOT, "%s %s %s (%s)", thread, syscall, CpuStarvationRule.ms(ns), result);
        }
    }

    @Override
    protected IResult evaluate(IItemCollection items, IPreferenceValueProvider vp) throws MissingAttributeException {
        double limit = vp.getPreferenceValue(ERROR_RATE_LIMIT).doubleValue();
        List<Storm> storms = storms(items);
        List<Slow> slow = new ArrayList<>();
        long waits = 0;
        for (Slow s : slow(items)) {
            if (WAITS.contains(s.syscall())) {
                waits++;
            } else {
                slow.add(s);
            }
        }
        double worstRate = storms.isEmpty() ? 0 : storms.get(0).rate();
        double score = Math.max(storms.isEmpty() ? 0 : TcpProblemsRule.scoreUnbounded(worstRate, limit),
                slow.isEmpty() ? 0 : SLOW_SCORE);
        ResultBuilder r = result(vp, score).addResult(WORST_ERROR_RATE, UnitLookup.NUMBER_UNITY.quantity(worstRate))
                .addResult(SLOW_CALLS, UnitLookup.NUMBER_UNITY.quantity(slow.size()));

        List<String> summary = new ArrayList<>();
        if (worstRate > limit) {
            Storm w = storms.get(0);
            summary.add(String.format(Locale.ROOT, "%s failed %s with %s %.0f times per second, more than %.0f.",
                    w.key.thread(), w.key.syscall(), w.key.errno(), worstRate, limit));
        } else {
            summary.add(storms.isEmpty() ? "No syscall failed." : String.format(Locale.ROOT,
                    "No syscall error storm: at most %.0f errors per second of one syscall and errno in a thread.",
                    worstRate));
        }
        if (!slow.isEmpty()) {
            summary.add(String.format(Locale.ROOT, "%d slow syscalls outside waits; the longest: %s.", slow.size(),
                    slow.get(0).describe()));
        }
        StringBuilder explanation = new StringBuilder();
        List<Storm> listed = storms.stream().filter(s -> s.rate() >= limit / 5).limit(LISTED).toList();
        if (!listed.isEmpty()) {
            explanation.append("Most frequent errors: ");
            listed.forEach(s -> explanation.append(s == listed.get(0) ? "" : "; ").append(s.describe()));
            explanation.append(". ");
        }
        if (!slow.isEmpty()) {
            explanation.append("Longest slow syscalls: ");
            slow.stream().limit(LISTED).forEach(s -> explanation.append(s == slow.get(0) ? "" : "; ")
                    .append(s.describe()));
            explanation.append(". ");
        }
        if (waits > 0) {
            explanation.append(waits).append(" slow calls of syscalls made to wait (futex, epoll_wait, poll, sleeps, "
                    + "accept, ...) are not judged: they are threads idling. ");
        }
        explanation.append("An error is a call that returned -1..-4095 (the errno); calls interrupted by a signal "
                + "and restarted (ERESTARTSYS and its kin) are not errors. A rate is the errors over the poll "
                + "intervals in which they happened (at least one second in all). Slow syscalls are those at least "
                + "the agent's slowSyscall option long (ebpf.SlowSyscall).");
        r.setSummary(String.join(" ", summary)).setExplanation(explanation.toString());
        if (worstRate > limit) {
            r.setSolution("Find the code making the failing call (JFR's execution samples or a profiler with native "
                    + "frames, in the named thread): EAGAIN in a loop is a non-blocking socket or pipe read or "
                    + "accepted without waiting for readiness; ENOENT or EACCES storms are lookups of files that "
                    + "are not there (class path or configuration scanning); EINTR storms are signals. Each failure "
                    + "costs a trip into the kernel for nothing.");
        }
        return r.build();
    }

    /** Every thread, syscall and errno with errors, most per second first. */
    private static List<Storm> storms(IItemCollection items) throws MissingAttributeException {
        Map<StormKey, Storm> byKey = new LinkedHashMap<>();
        for (IItemIterable iterable : items.apply(ItemFilters.type(EbpfEvents.THREAD_SYSCALL_ERRORS))) {
            var type = iterable.getType();
            var thread = ThreadKey.OF.forType(type);
            IMemberAccessor<?, IItem> syscall = EventSums.field(type, EbpfEvents.SYSCALL);
            IMemberAccessor<?, IItem> errno = EventSums.field(type, EbpfEvents.ERRNO);
            IMemberAccessor<?, IItem> count = EventSums.field(type, EbpfEvents.COUNT);
            IMemberAccessor<IQuantity, IItem> duration = JfrAttributes.DURATION.getAccessor(type);
            for (IItem item : iterable) {
                StormKey k = new StormKey(thread.apply(item), String.valueOf(syscall.getMember(item)),
                        String.valueOf(errno.getMember(item)));
                Storm s = byKey.computeIfAbsent(k, Storm::new);
                s.count += EventSums.toLong(count.getMember(item));
                s.spanNs += duration == null ? 0 : EventSums.toLong(duration.getMember(item));
            }
        }
        List<Storm> out = new ArrayList<>(byKey.values());
        out.sort(Comparator.comparingDouble(Storm::rate).reversed());
        return out;
    }

    /** Every slow syscall, longest first. */
    private static List<Slow> slow(IItemCollection items) throws MissingAttributeException {
        List<Slow> out = new ArrayList<>();
        for (IItemIterable iterable : items.apply(ItemFilters.type(EbpfEvents.SLOW_SYSCALL))) {
            var type = iterable.getType();
            var thread = ThreadKey.OF.forType(type);
            IMemberAccessor<?, IItem> syscall = EventSums.field(type, EbpfEvents.SYSCALL);
            IMemberAccessor<?, IItem> time = EventSums.field(type, EbpfEvents.TIME);
            IMemberAccessor<?, IItem> result = EventSums.field(type, EbpfEvents.RESULT);
            for (IItem item : iterable) {
                out.add(new Slow(thread.apply(item), String.valueOf(syscall.getMember(item)),
                        EventSums.toLong(time.getMember(item)), String.valueOf(result.getMember(item))));
            }
        }
        out.sort(Comparator.comparingLong(Slow::ns).reversed());
        return out;
    }
}
