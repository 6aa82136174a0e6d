package org.ebpfagent.jmc;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.openjdk.jmc.common.item.IItem;
import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.item.IItemIterable;
import org.openjdk.jmc.common.item.IMemberAccessor;
import org.openjdk.jmc.common.item.ItemFilters;
import org.openjdk.jmc.common.unit.IQuantity;
import org.openjdk.jmc.common.unit.UnitLookup;
import org.openjdk.jmc.common.util.IPreferenceValueProvider;
import org.openjdk.jmc.common.util.TypedPreference;
import org.openjdk.jmc.flightrecorder.rules.IResult;
import org.openjdk.jmc.flightrecorder.rules.ResultBuilder;
import org.openjdk.jmc.flightrecorder.rules.TypedResult;
import org.openjdk.jmc.flightrecorder.rules.util.JfrRuleTopics;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit;

/**
 * Threads blocked in uninterruptible waits: off-CPU in TASK_UNINTERRUPTIBLE, which on Linux means
 * waiting for disk I/O (fsync, a read that misses the page cache, a page-in) or for some kernel
 * locks. Such a wait cannot be cut short, not even by a signal, and counts toward the load average.
 * Judged as a share of the analysed time, per thread, with the syscalls it happened in.
 */
public final class UninterruptibleWaitRule extends EbpfRule {
    public static final String ID = "EbpfUninterruptibleWait";
    static final int LISTED = 5;

    public static final TypedPreference<IQuantity> SHARE_LIMIT = new TypedPreference<>(
            "ebpf.uninterruptible.share", "Uninterruptible share for a warning",
            "A thread that spent more than this share of the analysed time in uninterruptible waits (disk I/O, "
                    + "page-ins, kernel locks) is reported as a warning; from a fifth of it on, as information.",
            UnitLookup.PERCENTAGE.getPersister(), UnitLookup.PERCENT.quantity(10));

    public static final TypedResult<IQuantity> WORST_SHARE = new TypedResult<>("worstUninterruptibleShare",
            "Worst Uninterruptible Share", "The largest share of the analysed time a thread spent in "
                    + "uninterruptible waits: it sets the severity.", UnitLookup.PERCENTAGE, IQuantity.class);
    public static final TypedResult<String> WORST_THREAD = new TypedResult<>("worstUninterruptibleThread",
            "Worst Thread", "The thread with the most uninterruptible wait, as name [tid].", UnitLookup.PLAIN_TEXT,
            String.class);

    public UninterruptibleWaitRule() {
        super(ID, "Uninterruptible Waits (eBPF)", JfrRuleTopics.JAVA_APPLICATION, EbpfEvents.THREAD_OFF_CPU,
                List.of(SHARE_LIMIT), List.of(TypedResult.SCORE, WORST_SHARE, WORST_THREAD));
    }

    /** One thread's uninterruptible time, in all and per syscall. */
    static final class Waits {
        final ThreadKey thread;
        long ns;
        long blocks;
        final Map<String, long[]> bySyscall = new LinkedHashMap<>();

        Waits(ThreadKey thread) {
            this.thread = thread;
        }

        String describe(long windowNs) {
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%s %.1f%% (%s in %d waits: ", thread,
                    100.0 * ns / windowNs, CpuStarvationRule.ms(ns), blocks));
            List<Map.Entry<String, long[]>> calls = new ArrayList<>(bySyscall.entrySet());
            calls.sort(Comparator.comparingLong((Map.Entry<String, long[]> e) -> e.getValue()[0]).reversed());
            for (int i = 0; i < Math.min(3, calls.size()); i++) {
                b.append(i == 0 ? "" : ", ").append(calls.get(i).getKey()).append(' ')
                        .append(CpuStarvationRule.ms(calls.get(i).getValue()[0]));
            }
            return b.append(')').toString();
        }
    }

    @Override
    protected IResult evaluate(IItemCollection items, IPreferenceValueProvider vp) throws MissingAttributeException {
        double limit = vp.getPreferenceValue(SHARE_LIMIT).doubleValueIn(UnitLookup.PERCENT_UNITY);
        IItemCollection events = items.apply(ItemFilters.type(EbpfEvents.THREAD_OFF_CPU));
        long windowNs = Math.max(1, RulesToolkit.getLatestEndTime(events)
                .subtract(RulesToolkit.getEarliestStartTime(events)).clampedLongValueIn(UnitLookup.NANOSECOND));
        Map<ThreadKey, Waits> byThread = new LinkedHashMap<>();
        for (IItemIterable iterable : events) {
            var type = iterable.getType();
            var key = ThreadKey.OF.forType(type);
            IMemberAccessor<?, IItem> kind = EventSums.field(type, EbpfEvents.WAIT_KIND);
            IMemberAccessor<?, IItem> syscall = EventSums.field(type, EbpfEvents.SYSCALL);
            IMemberAccessor<?, IItem> offCpu = EventSums.field(type, EbpfEvents.OFF_CPU);
            IMemberAccessor<?, IItem> blocks = EventSums.field(type, EbpfEvents.BLOCKS);
            for (IItem item : iterable) {
                if (!EbpfEvents.UNINTERRUPTIBLE.equals(String.valueOf(kind.getMember(item)))) {
                    continue;
                }
                Waits w = byThread.computeIfAbsent(key.apply(item), Waits::new);
                long ns = EventSums.toLong(offCpu.getMember(item));
                long n = EventSums.toLong(blocks.getMember(item));
                w.ns += ns;
                w.blocks += n;
                long[] s = w.bySyscall.computeIfAbsent(String.valueOf(syscall.getMember(item)), k -> new long[2]);
                s[0] += ns;
                s[1] += n;
            }
        }
        String definition = "Uninterruptible waits are off-CPU time in TASK_UNINTERRUPTIBLE: on Linux, mostly waiting "
                + "for disk I/O (fsync, reads that miss the page cache, page-ins of memory-mapped files or swapped "
                + "memory) or for some kernel locks. Shares are of the " + CpuStarvationRule.ms(windowNs) + " analysed.";
        if (byThread.isEmpty()) {
            return result(vp, 0).setSummary("No thread waited uninterruptibly (no disk I/O or kernel-lock waits).")
                    .setExplanation(definition).addResult(WORST_SHARE, CpuStarvationRule.percent(0)).build();
        }
        List<Waits> sorted = new ArrayList<>(byThread.values());
        sorted.sort(Comparator.comparingLong((Waits w) -> w.ns).reversed());
        Waits worst = sorted.get(0);
        double share = (double) worst.ns / windowNs;
        ResultBuilder r = result(vp, score(share, limit))
                .addResult(WORST_SHARE, CpuStarvationRule.percent(share))
                .addResult(WORST_THREAD, worst.thread.toString());
        StringBuilder listed = new StringBuilder();
        for (int i = 0; i < Math.min(LISTED, sorted.size()); i++) {
            listed.append(i == 0 ? "" : "; ").append(sorted.get(i).describe(windowNs));
        }
        if (sorted.size() > LISTED) {
            listed.append("; and ").append(sorted.size() - LISTED).append(" more");
        }
        String summary = share > limit
                ? String.format(Locale.ROOT, "%s spent %.1f%% of the time in uninterruptible waits, more than %s.",
                        worst.thread, 100 * share, CpuStarvationRule.pct(limit))
                : String.format(Locale.ROOT, "No thread spent more than %s of the time in uninterruptible waits; "
                        + "the most: %s, %.1f%%.", CpuStarvationRule.pct(limit), worst.thread, 100 * share);
        r.setSummary(summary).setExplanation("Threads with uninterruptible waits, most first: " + listed + ". " + definition);
        if (share > limit) {
            r.setSolution("Find what the named syscalls wait for: fsync and fdatasync on a slow or busy device "
                    + "(batch the syncs, or move them off latency-sensitive threads), reads that miss the page cache "
                    + "(more memory for the cache, or read ahead), page-ins (a memory-mapped file or swap).");
        }
        return r.build();
    }

    /** JMC's 0-100 score: OK below a fifth of the limit, INFO up to the limit, WARNING above. */
    static double score(double share, double limit) {
        double low = limit / 5;
        if (share < low) {
            return 25 * share / low;
        }
        if (share <= limit) {
            return 25 + 50 * (share - low) / (limit - low);
        }
        return Math.min(100, 75 + 25 * (share - limit) / (1 - limit));
    }
}
