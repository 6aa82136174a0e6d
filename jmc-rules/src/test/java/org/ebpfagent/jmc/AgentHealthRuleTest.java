package org.ebpfagent.jmc;

import static org.ebpfagent.jmc.CpuStarvationRuleTest.evaluate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.util.IPreferenceValueProvider;
import org.openjdk.jmc.flightrecorder.rules.IResult;
import org.openjdk.jmc.flightrecorder.rules.Severity;

class AgentHealthRuleTest {

    @Test
    void lossesWarnAndNameTheCounters() throws Exception {
        IItemCollection items;
        try (SyntheticRecording r = new SyntheticRecording()) {
            // Cumulative counters grow; errors are per interval.
            r.statistics(1_000_000, 0, 0, 0, 0);
            r.statistics(1_000_000, 1, 3, 0, 0);
            r.statistics(1_000_000, 0, 7, 0, 0);
            items = r.load();
        }
        IResult r = evaluate(new AgentHealthRule(), items, IPreferenceValueProvider.DEFAULT_VALUES);
        assertEquals(Severity.WARNING, r.getSeverity(), r.getSummary());
        assertEquals(8, r.getResult(AgentHealthRule.LOST).longValue());
        assertEquals("The eBPF agent lost data: threadsDropped 7; errors 1. Its figures for this recording are incomplete.",
                r.getSummary());
        assertTrue(r.getExplanation().contains("raise the agent option maxThreads"), r.getExplanation());
    }

    @Test
    void theSyscallProbesLossesAreNamed() throws Exception {
        IItemCollection items;
        try (SyntheticRecording r = new SyntheticRecording()) {
            r.syscallStatistics(2, 0);
            r.syscallStatistics(5, 9);
            items = r.load();
        }
        IResult r = evaluate(new AgentHealthRule(), items, IPreferenceValueProvider.DEFAULT_VALUES);
        assertEquals(Severity.WARNING, r.getSeverity(), r.getSummary());
        assertEquals("The eBPF agent lost data: slowSyscallsLost 5; syscallEntriesDropped 9. Its figures for this "
                + "recording are incomplete.", r.getSummary());
    }

    @Test
    void okWhenNothingWasLost() throws Exception {
        IItemCollection items;
        try (SyntheticRecording r = new SyntheticRecording()) {
            r.statistics(50_000, 0, 0, 0, 0);
            Thread.sleep(20);
            r.statistics(50_000, 0, 0, 0, 0);
            items = r.load();
        }
        IResult r = evaluate(new AgentHealthRule(), items, IPreferenceValueProvider.DEFAULT_VALUES);
        assertEquals(Severity.OK, r.getSeverity(), r.getSummary());
        assertEquals(0, r.getResult(AgentHealthRule.LOST).longValue());
        assertTrue(r.getExplanation().contains("the polls took 0.1 ms in all"), r.getExplanation());
    }
}
