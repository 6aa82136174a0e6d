package org.ebpfagent.jmc;

import static org.ebpfagent.jmc.CpuStarvationRuleTest.evaluate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.item.ItemFilters;
import org.openjdk.jmc.common.unit.UnitLookup;
import org.openjdk.jmc.common.util.IPreferenceValueProvider;
import org.openjdk.jmc.flightrecorder.rules.IResult;
import org.openjdk.jmc.flightrecorder.rules.Severity;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit;

class UninterruptibleWaitRuleTest {

    @Test
    void aThreadInFsyncForMuchOfTheTimeWarnsWithItsSyscalls() throws Exception {
        IItemCollection items;
        try (SyntheticRecording r = new SyntheticRecording()) {
            r.offCpu("writer", 11, "fsync", "uninterruptible", 120, 30, 200);
            r.offCpu("writer", 11, "pwrite64", "uninterruptible", 10, 2, 0);
            r.offCpu("writer", 11, "futex", "sleeping", 40, 3, 0);
            r.offCpu("reader", 12, "read", "uninterruptible", 4, 1, 0);
            items = r.load();
        }
        IResult r = evaluate(new UninterruptibleWaitRule(), items, IPreferenceValueProvider.DEFAULT_VALUES);
        // 130 ms of uninterruptible wait over the events' span: a little more than the 200 ms
        // slept on a quiet machine, up to a few hundred more on a busy one (a share of 65% to 30%).
        IItemCollection offCpu = items.apply(ItemFilters.type(EbpfEvents.THREAD_OFF_CPU));
        long window = RulesToolkit.getLatestEndTime(offCpu).subtract(RulesToolkit.getEarliestStartTime(offCpu))
                .clampedLongValueIn(UnitLookup.NANOSECOND);
        assertTrue(window >= 200 * SyntheticRecording.MS, "window " + window + " ns");
        assertEquals(130.0 * SyntheticRecording.MS / window,
                r.getResult(UninterruptibleWaitRule.WORST_SHARE).doubleValueIn(UnitLookup.PERCENT_UNITY), 1e-9);
        assertEquals(Severity.WARNING, r.getSeverity(), r.getSummary());
        assertEquals("writer [11]", r.getResult(UninterruptibleWaitRule.WORST_THREAD));
        assertTrue(r.getSummary().startsWith("writer [11] spent "), r.getSummary());
        assertTrue(r.getExplanation().contains("(130.0 ms in 32 waits: fsync 120.0 ms, pwrite64 10.0 ms)"), r.getExplanation());
        assertTrue(r.getExplanation().contains("reader [12]"), r.getExplanation());
    }

    @Test
    void sleepingReasonsAloneAreOk() throws Exception {
        IItemCollection items;
        try (SyntheticRecording r = new SyntheticRecording()) {
            r.offCpu("pool-1", 21, "futex", "sleeping", 90, 9, 100);
            r.offCpu("selector", 22, "epoll_wait", "sleeping", 95, 2, 0);
            items = r.load();
        }
        IResult r = evaluate(new UninterruptibleWaitRule(), items, IPreferenceValueProvider.DEFAULT_VALUES);
        assertEquals(Severity.OK, r.getSeverity(), r.getSummary());
        assertEquals("No thread waited uninterruptibly (no disk I/O or kernel-lock waits).", r.getSummary());
    }

    @Test
    void notApplicableWithoutOffCpuEvents() throws Exception {
        IItemCollection items;
        try (SyntheticRecording r = new SyntheticRecording()) {
            r.scheduling("t", 1, 10, 0, 10);
            items = r.load();
        }
        IResult r = evaluate(new UninterruptibleWaitRule(), items, IPreferenceValueProvider.DEFAULT_VALUES);
        assertEquals(Severity.NA, r.getSeverity(), r.getSummary());
    }
}
