package org.ebpfagent.jmc;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.item.ItemFilters;
import org.openjdk.jmc.common.unit.IQuantity;
import org.openjdk.jmc.common.unit.UnitLookup;
import org.openjdk.jmc.common.util.IPreferenceValueProvider;
import org.openjdk.jmc.flightrecorder.rules.IResult;
import org.openjdk.jmc.flightrecorder.rules.TypedResult;
import org.openjdk.jmc.flightrecorder.rules.util.JfrRuleTopics;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit;

/**
 * Whether the ebpf figures are complete and what they cost: any data the agent lost (threads it
 * could not track, exits whose last figures were lost, tracepoint hits the kernel skipped, failed
 * map reads) makes every other ebpf result an underestimate, so it is a warning that names the
 * counter and what to do about it.
 */
public final class AgentHealthRule extends EbpfRule {
    public static final String ID = "EbpfAgentHealth";
    static final double LOSS_SCORE = 80;
    
    public static final TypedResult<IQuantity> LOST = new TypedResult<>("lost", "Data Lost",
            "Threads dropped, exits dropped, probe misses, syscall records lost or dropped and failed map reads, "
                    + "added up.", UnitLookup.NUMBER,
            IQuantity.class);
    /**
     * A counter of lost data and what to do about it. Cumulative counters count since the agent
     * started (the latest value is the total); the others count per poll (summed). A counter the
     * recording's event type lacks (an older agent) is skipped.
     */
    record Loss(String field, boolean cumulative, String meaning) {}

    static final List<Loss> LOSSES = List.of(
            new Loss(EbpfEvents.THREADS_DROPPED, true, "the kernel's per-thread map was full, so threads that "
                    + "started then were not measured (raise the agent option maxThreads)"),
            new Loss(EbpfEvents.EXITS_DROPPED, true, "the exit map was full, so the last interval of threads that "
                    + "exited was lost (many threads exiting between two polls: a shorter interval helps)"),
            new Loss(EbpfEvents.REASONS_DROPPED, true, "the off-CPU reason map was full, so some off-CPU time "
                    + "is not split by syscall (it still counts as off-CPU; raise maxThreads)"),
            new Loss(EbpfEvents.PROBE_MISSES, true, "the kernel skipped tracepoint hits because the program was "
                    + "already running on that CPU, so some switches were not seen"),
            new Loss(EbpfEvents.SLOW_SYSCALLS_LOST, true, "the syscall probe's ring buffer was full, so some slow "
                    + "syscalls have no ebpf.SlowSyscall event (their calls and time still count in ebpf.ThreadSyscalls)"),
            new Loss(EbpfEvents.SYSCALL_ENTRIES_DROPPED, true, "the syscall probe's per-thread map was full, so some "
                    + "calls or errors were not counted"),
            new Loss(EbpfEvents.ERRORS, false, "map reads failed (the agent's log on stderr says why)"));

    public AgentHealthRule() {
        super(ID, "eBPF Agent Health", JfrRuleTopics.RECORDING, EbpfEvents.AGENT_STATISTICS,
                List.of(), List.of(TypedResult.SCORE, LOST));
    }

    @Override
    protected IResult evaluate(IItemCollection items, IPreferenceValueProvider vp) throws MissingAttributeException {
        IItemCollection events = items.apply(ItemFilters.type(EbpfEvents.AGENT_STATISTICS));
        EventSums<String> polls = EventSums.of(events, EbpfEvents.AGENT_STATISTICS, type -> item -> "agent",
                List.of(EbpfEvents.POLL_TIME));
        long pollNs = polls.total()[0];
        long windowNs = RulesToolkit.getLatestEndTime(events).subtract(RulesToolkit.getEarliestStartTime(events))
                .clampedLongValueIn(UnitLookup.NANOSECOND);

        List<String> counters = new ArrayList<>();
        List<String> losses = new ArrayList<>();
        long lost = 0;
        for (Loss loss : LOSSES) {
            EventSums<String> s;
            try {
                s = EventSums.of(events, EbpfEvents.AGENT_STATISTICS, type -> item -> "agent", List.of(loss.field()));
            } catch (MissingAttributeException older) {
                continue;
            }
            long n = loss.cumulative() ? s.max()[0] : s.total()[0];
            if (n > 0) {
                counters.add(loss.field() + " " + n);
                losses.add(loss.field() + " " + n + ": " + loss.meaning());
                lost += n;
            }
        }
        // Poll time is wall-clock time: on a crowded machine it includes the poller's own wait for a
        // CPU, so it is reported as a figure, not judged as the agent's CPU cost.
        String cost = String.format(Locale.ROOT, "The agent polled %d times over %s; the polls took %s in all.",
                polls.events(), CpuStarvationRule.ms(windowNs), CpuStarvationRule.ms(pollNs));

        if (!losses.isEmpty()) {
            return result(vp, LOSS_SCORE).addResult(LOST, UnitLookup.NUMBER_UNITY.quantity(lost))
                    .setSummary("The eBPF agent lost data: " + String.join("; ", counters)
                            + ". Its figures for this recording are incomplete.")
                    .setExplanation(String.join(". ", losses) + ". " + cost
                            + " The drop and miss counters count since the agent started.")
                    .setSolution("Follow the hint given with each counter; the other eBPF results of this recording "
                            + "understate what happened.")
                    .build();
        }
        return result(vp, 0).addResult(LOST, UnitLookup.NUMBER_UNITY.quantity(0))
                .setSummary("The eBPF agent lost no data.")
                .setExplanation("No threads or exits dropped, no tracepoint hits missed, no failed map reads. " + cost)
                .build();
    }
}
