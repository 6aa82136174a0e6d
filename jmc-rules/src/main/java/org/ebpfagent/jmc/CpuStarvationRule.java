package org.ebpfagent.jmc;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.openjdk.jmc.common.item.IItemCollection;
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
 * Threads that wait for a CPU: of the time a thread was ready to run, the share it spent in the
 * run queue, {@code runQueueWait / (onCpu + runQueueWait)}. Off-CPU time is left out of the
 * denominator on purpose: a thread that sleeps or blocks is not asking for a CPU, so counting it
 * would make a mostly idle thread look healthy however long it queues each time it wakes.
 */
public final class CpuStarvationRule extends EbpfRule {
    public static final String ID = "EbpfCpuStarvation";
    static final int LISTED = 5;

    public static final TypedPreference<IQuantity> WAIT_SHARE_LIMIT = new TypedPreference<>(
            "ebpf.starvation.waitShare", "Run-queue wait share for a warning",
            "A thread that waited for a CPU more than this share of the time it was ready to run is reported "
                    + "as a warning; from half of it on, as information.",
            UnitLookup.PERCENTAGE.getPersister(), UnitLookup.PERCENT.quantity(10));
    public static final TypedPreference<IQuantity> MIN_DEMAND = new TypedPreference<>(
            "ebpf.starvation.minDemand", "Minimum CPU demand",
            "Only threads that were ready to run (running or waiting) for at least this share of the analysed "
                    + "time are judged, so a thread that needed a few milliseconds of CPU and waited for some of "
                    + "them does not raise a warning. Lower it to judge light, latency-sensitive threads too.",
            UnitLookup.PERCENTAGE.getPersister(), UnitLookup.PERCENT.quantity(5));

    public static final TypedResult<IQuantity> WORST_WAIT_SHARE = new TypedResult<>("worstWaitShare",
            "Worst Wait Share", "The largest run-queue wait share of a judged thread: it sets the severity.",
            UnitLookup.PERCENTAGE, IQuantity.class);
    public static final TypedResult<String> WORST_THREAD = new TypedResult<>("worstThread", "Worst Thread",
            "Of the threads over the limit, the one that lost the most time waiting for a CPU (if none is over, "
                    + "the one with the largest share), as name [tid].", UnitLookup.PLAIN_TEXT, String.class);
    public static final TypedResult<IQuantity> PROCESS_WAIT_SHARE = new TypedResult<>("processWaitShare",
            "Process Wait Share", "Run-queue wait share of all the process's measured threads together.",
            UnitLookup.PERCENTAGE, IQuantity.class);

    private static final List<String> FIELDS = List.of(
            EbpfEvents.ON_CPU, EbpfEvents.RUN_QUEUE_WAIT, EbpfEvents.INVOLUNTARY_SWITCHES);
    private static final int ON = 0, WAIT = 1, INVOLUNTARY = 2;

    public CpuStarvationRule() {
        super(ID, "CPU Starvation (eBPF)", JfrRuleTopics.JAVA_APPLICATION, EbpfEvents.THREAD_SCHEDULING,
                List.of(WAIT_SHARE_LIMIT, MIN_DEMAND), List.of(TypedResult.SCORE, WORST_WAIT_SHARE, WORST_THREAD,
                        PROCESS_WAIT_SHARE));
    }

    /** One thread's figures over the analysed time. */
    record Demand(ThreadKey thread, long onCpu, long runQueueWait, long involuntary) {
        long wanted() {
            return onCpu + runQueueWait;
        }

        double share() {
            return wanted() == 0 ? 0 : (double) runQueueWait / wanted();
        }

        String describe() {
            return String.format(Locale.ROOT, "%s waited %.1f%% (%s in the run queue, %s on a CPU, %d preemption%s)",
                    thread, 100 * share(), ms(runQueueWait), ms(onCpu), involuntary, involuntary == 1 ? "" : "s");
        }
    }

    @Override
    protected IResult evaluate(IItemCollection items, IPreferenceValueProvider vp) throws MissingAttributeException {
        double limit = vp.getPreferenceValue(WAIT_SHARE_LIMIT).doubleValueIn(UnitLookup.PERCENT_UNITY);
        double minDemand = vp.getPreferenceValue(MIN_DEMAND).doubleValueIn(UnitLookup.PERCENT_UNITY);
        IItemCollection events = items.apply(ItemFilters.type(EbpfEvents.THREAD_SCHEDULING));
        EventSums<ThreadKey> sums = EventSums.of(events, EbpfEvents.THREAD_SCHEDULING, ThreadKey.OF, FIELDS);
        long windowNs = RulesToolkit.getLatestEndTime(events).subtract(RulesToolkit.getEarliestStartTime(events))
                .clampedLongValueIn(UnitLookup.NANOSECOND);

        List<Demand> judged = new ArrayList<>();
        for (Map.Entry<ThreadKey, long[]> e : sums.byKey().entrySet()) {
            long[] v = e.getValue();
            Demand d = new Demand(e.getKey(), v[ON], v[WAIT], v[INVOLUNTARY]);
            if (d.wanted() > 0 && d.wanted() >= minDemand * windowNs) {
                judged.add(d);
            }
        }
        judged.sort(Comparator.comparingDouble(Demand::share).reversed());
        // Severity follows the largest share; threads are named by the time they lost, so a pool of
        // busy threads comes before a housekeeping thread that waited once for most of its 1 ms.
        Comparator<Demand> mostTimeLost = Comparator.comparingLong(Demand::runQueueWait).reversed();
        long[] all = sums.total();
        Demand process = new Demand(new ThreadKey(-1, "process"), all[ON], all[WAIT], all[INVOLUNTARY]);

        String processLine = String.format(Locale.ROOT,
                "All %d measured threads together waited %.1f%% of the time they were ready to run (%s in the "
                        + "run queue, %s on a CPU) over %s.",
                sums.byKey().size(), 100 * process.share(), ms(process.runQueueWait), ms(process.onCpu), ms(windowNs));
        String definition = String.format(Locale.ROOT,
                "Wait share is run-queue wait / (on-CPU + run-queue wait): of the time a thread was ready to run, "
                        + "how much it spent waiting for a CPU. Off-CPU time (blocked, sleeping, parked) is left out: "
                        + "a thread is not asking for a CPU then. Judged are the %d threads that were ready to run for "
                        + "at least %s of the %s analysed.",
                judged.size(), pct(minDemand), ms(windowNs));

        if (judged.isEmpty()) {
            return result(vp, 0).setSummary("No thread wanted a CPU long enough to be judged (at least "
                    + pct(minDemand) + " of the " + ms(windowNs) + " analysed).")
                    .setExplanation(definition + " " + processLine)
                    .addResult(PROCESS_WAIT_SHARE, percent(process.share())).build();
        }
        double worstShare = judged.get(0).share();
        List<Demand> over = judged.stream().filter(d -> d.share() > limit).sorted(mostTimeLost).toList();
        Demand worst = over.isEmpty() ? judged.get(0) : over.get(0);
        ResultBuilder r = result(vp, score(worstShare, limit))
                .addResult(WORST_WAIT_SHARE, percent(worstShare))
                .addResult(WORST_THREAD, worst.thread().toString())
                .addResult(PROCESS_WAIT_SHARE, percent(process.share()));
        if (over.isEmpty()) {
            return r.setSummary(String.format(Locale.ROOT,
                    "No thread waited for a CPU more than %s of the time it was ready to run; the most: %s.",
                    pct(limit), worst.describe()))
                    .setExplanation(definition + " " + processLine).build();
        }
        StringBuilder listed = new StringBuilder();
        for (int i = 0; i < Math.min(LISTED, over.size()); i++) {
            listed.append(i == 0 ? "" : "; ").append(over.get(i).describe());
        }
        if (over.size() > LISTED) {
            listed.append("; and ").append(over.size() - LISTED).append(" more");
        }
        return r.setSummary(String.format(Locale.ROOT,
                "%d of %d judged threads waited for a CPU more than %s of the time they were ready to run; "
                        + "most time lost: %s.", over.size(), judged.size(), pct(limit), worst.describe()))
                .setExplanation("Threads over the limit, most time lost first: " + listed + ". " + processLine + " "
                        + definition)
                .setSolution("More threads were ready to run than CPUs were free for them. The queue is made by "
                        + "every runnable task on the same CPUs, this JVM's or other processes': compare the "
                        + "runnable threads with the CPUs the process may use (a container's CPU limit included), "
                        + "size thread pools to those CPUs, or move the competing work elsewhere.")
                .build();
    }

    /**
     * JMC's 0-100 score from a wait share: OK below half the limit, INFO up to the limit, WARNING
     * above it, rising linearly to 100 at a thread that only ever waited.
     */
    static double score(double share, double limit) {
        double half = limit / 2;
        if (share < half) {
            return 25 * share / half;
        }
        if (share <= limit) {
            return 25 + 50 * (share - half) / half;
        }
        return Math.min(100, 75 + 25 * (share - limit) / (1 - limit));
    }

    static IQuantity percent(double share) {
        return UnitLookup.PERCENT_UNITY.quantity(share);
    }

    static String pct(double share) {
        return String.format(Locale.ROOT, "%.4g%%", 100 * share).replaceAll("\\.?0+%$", "%");
    }

    static String ms(long ns) {
        return ns >= 10_000_000_000L ? String.format(Locale.ROOT, "%.1f s", ns / 1e9)
                : String.format(Locale.ROOT, "%.1f ms", ns / 1e6);
    }
}
