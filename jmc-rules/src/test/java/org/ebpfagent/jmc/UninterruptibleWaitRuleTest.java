package org.ebpfagent.jmc;

import static org.ebpfagent.jmc.CpuStarvationRuleTest.evaluate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.unit.UnitLookup;
import org.openjdk.jmc.common.util.IPreferenceValueProvider;
import org.openjdk.jmc.flightrecorder.rules.IResult;
import org.openjdk.jmc.flightrecorder.rules.Severity;

class UninterruptibleWaitRuleTest {

    @Test
    void aThreadInFsyncForMuchOfTheTimeWarnsWithItsSyscalls() throws Exception {
        IItemCollection items;
        try (SyntheticRecording r = new SyntheticRecording()) {
            r.offCpu("writer", 11, "fsync", "uninterruptible", 60, 30, 100);
            r.offCpu("writer", 11, "pwrite64", "uninterruptible", 5, 2, 0);
            r.offCpu("writer", 11, "futex", "sleeping", 20, 3, 0);
            r.offCpu("reader", 12, "read", "uninterruptible", 2, 1, 0);
            items = r.load();
        }
        IResult r = evaluate(new UninterruptibleWaitRule(), items, IPreferenceValueProvider.DEFAULT_VALUES);
        assertEquals(Severity.WARNING, r.getSeverity(), r.getSummary());
        assertEquals("writer [11]", r.getResult(UninterruptibleWaitRule.WORST_THREAD));
        // 65 ms of uninterruptible wait over a window of a little more than 100 ms.
        double share = r.getResult(UninterruptibleWaitRule.WORST_SHARE).doubleValueIn(UnitLookup.PERCENT_UNITY);
        assertTrue(share > 0.5 && share <= 0.65, "share " + share);
        assertTrue(r.getSummary().startsWith("writer [11] spent "), r.getSummary());
        assertTrue(r.getExplanation().contains("(65.0 ms in 32 waits: fsync 60.0 ms, pwrite64 5.0 ms)"), r.getExplanation());
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
