package org.ebpfagent.jmc;

import static org.ebpfagent.jmc.CpuStarvationRuleTest.evaluate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.unit.UnitLookup;
import org.openjdk.jmc.common.util.IPreferenceValueProvider;
import org.openjdk.jmc.flightrecorder.rules.IResult;
import org.openjdk.jmc.flightrecorder.rules.RuleRegistry;
import org.openjdk.jmc.flightrecorder.rules.Severity;
import org.openjdk.jmc.flightrecorder.rules.TypedResult;

class SyscallProblemsRuleTest {

    /**
     * 5,000 EAGAIN from read in one short interval: a rate over at least one second, 5,000 per
     * second, five times the limit; 10 ENOENT of another thread are no storm.
     */
    @Test
    void anErrorStormWarnsAndNamesThreadSyscallAndErrno() throws Exception {
        IItemCollection items;
        try (SyntheticRecording r = new SyntheticRecording()) {
            r.syscalls("poller", 7, "read", 6000, 5000);
            r.syscallErrors("poller", 7, "read", "EAGAIN", 5000, 5);
            r.syscallErrors("loader", 8, "openat", "ENOENT", 10, 5);
            items = r.load();
        }
        IResult r = evaluate(new SyscallProblemsRule(), items, IPreferenceValueProvider.DEFAULT_VALUES);
        assertEquals(Severity.WARNING, r.getSeverity(), r.getSummary());
        assertEquals(5000, r.getResult(SyscallProblemsRule.WORST_ERROR_RATE).doubleValue(), 1e-6);
        assertEquals(TcpProblemsRule.scoreUnbounded(5000, 1000), r.getResult(TypedResult.SCORE).doubleValue(), 1e-9);
        assertEquals("poller [7] failed read with EAGAIN 5000 times per second, more than 1000.", r.getSummary());
        assertTrue(r.getExplanation().startsWith("Most frequent errors: poller [7] read EAGAIN: 5000 errors, 5000 per "
                + "second. "), r.getExplanation());
        assertFalse(r.getExplanation().contains("ENOENT"), "10 per second is under a fifth of the limit");
        assertTrue(r.getSolution().contains("EAGAIN in a loop"), r.getSolution());
    }

    @Test
    void aHigherLimitMakesTheSameStormInformation() throws Exception {
        IItemCollection items;
        try (SyntheticRecording r = new SyntheticRecording()) {
            r.syscalls("poller", 7, "read", 6000, 5000);
            r.syscallErrors("poller", 7, "read", "EAGAIN", 5000, 5);
            items = r.load();
        }
        IResult r = evaluate(new SyscallProblemsRule(), items, CpuStarvationRuleTest.prefs(Map.of(
                SyscallProblemsRule.ERROR_RATE_LIMIT, UnitLookup.NUMBER_UNITY.quantity(10_000))));
        assertEquals(Severity.INFO, r.getSeverity(), r.getSummary());
        assertNull(r.getSolution());
    }

    @Test
    void slowSyscallsInformWithTheLongestButWaitsDoNot() throws Exception {
        IItemCollection slow;
        IItemCollection waits;
        try (SyntheticRecording r = new SyntheticRecording()) {
            r.syscalls("writer", 9, "fsync", 3, 0);
            r.slowSyscall("writer", 9, "fsync", 40, "0");
            r.slowSyscall("writer", 9, "fsync", 250, "0");
            r.slowSyscall("pool-1", 10, "futex", 5000, "ETIMEDOUT");
            slow = r.load();
        }
        try (SyntheticRecording r = new SyntheticRecording()) {
            r.syscalls("pool-1", 10, "futex", 3, 0);
            r.slowSyscall("pool-1", 10, "futex", 5000, "ETIMEDOUT");
            r.slowSyscall("selector", 11, "epoll_wait", 1000, "0");
            waits = r.load();
        }
        IResult r = evaluate(new SyscallProblemsRule(), slow, IPreferenceValueProvider.DEFAULT_VALUES);
        assertEquals(Severity.INFO, r.getSeverity(), r.getSummary());
        assertEquals(2, r.getResult(SyscallProblemsRule.SLOW_CALLS).doubleValue(), 1e-9);
        assertEquals("No syscall failed. 2 slow syscalls outside waits; the longest: writer [9] fsync 250.0 ms (0).",
                r.getSummary());
        assertTrue(r.getExplanation().contains("Longest slow syscalls: writer [9] fsync 250.0 ms (0); writer [9] fsync "
                + "40.0 ms (0). 1 slow calls of syscalls made to wait"), r.getExplanation());

        IResult quiet = evaluate(new SyscallProblemsRule(), waits, IPreferenceValueProvider.DEFAULT_VALUES);
        assertEquals(Severity.OK, quiet.getSeverity(), quiet.getSummary());
        assertTrue(quiet.getExplanation().startsWith("2 slow calls of syscalls made to wait"), quiet.getExplanation());
    }

    @Test
    void notApplicableWithoutSyscallEventsAndRegistered() throws Exception {
        IItemCollection items;
        try (SyntheticRecording r = new SyntheticRecording()) {
            r.scheduling("t", 1, 10, 0, 10);
            items = r.load();
        }
        assertEquals(Severity.NA, evaluate(new SyscallProblemsRule(), items, IPreferenceValueProvider.DEFAULT_VALUES)
                .getSeverity());
        assertTrue(RuleRegistry.getRules().stream().anyMatch(x -> x.getId().equals(SyscallProblemsRule.ID)));
    }
}
