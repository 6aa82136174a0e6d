package org.ebpfagent.agent.cli;

import java.nio.file.Path;

import org.ebpfagent.agent.cli.CompareTest.Run;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.ebpfagent.agent.cli.CompareTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * compare's syscall gates end to end through Main, on real recordings with chosen figures: head
 * calls futex three times as often, its reads' p99 rose from 2 to 5 ms, its errors stayed, and a
 * rare openat went from 1 call to 5.
 */
class SyscallCompareTest {
    @TempDir
    static Path dir;
    static Path base;
    static Path head;

    @BeforeAll
    static void record() throws Exception {
        base = record("base.jfr", 1000, 2000, 1);
        head = record("head.jfr", 3000, 5000, 5);
    }

    /** One worker: futex calls, read's p99 (µs) in both of its intervals, openat calls. */
    static Path record(String name, long futexCalls, long readP99Us, long openatCalls) throws Exception {
        try (SyscallRecording r = new SyscallRecording()) {
            r.scheduling("worker-0", 100, 50);
            r.syscalls("worker-0", 100, "futex", futexCalls, 0, 0, futexCalls * 100, 5000, 50, 2000);
            for (int i = 0; i < 2; i++) {
                r.syscalls("worker-0", 100, "read", 500, 5, 1, 10_000, readP99Us + 100, 10, readP99Us);
            }
            r.errors("worker-0", 100, "read", "EAGAIN", 11, 10);
            r.syscalls("worker-0", 100, "openat", openatCalls, 0, 0, openatCalls * 20, 20, 20, 20);
            return r.dump(dir.resolve(name));
        }
    }

    static Path schedulingOnly(String name) throws Exception {
        try (SyscallRecording r = new SyscallRecording()) {
            return r.scheduling("worker-0", 100, 50).dump(dir.resolve(name));
        }
    }

    @Test
    void aSyscallOverItsLimitFailsTheGate() {
        Run r = run("compare", base, head, "--fail-on", "syscall:futex.calls=+20%,syscall:read.p99=+50%");
        assertEquals(4, r.exit(), r.out() + r.err());
        assertTrue(r.out().startsWith("ebpf-agent compare: REGRESSION, 2 of 2 gated checks over their limit\n"), r.out());
        assertTrue(r.out().contains("\n  (syscall read) p99 2.00 -> 5.00 ms (+3.00, +150%), limit +50%\n"), r.out());
        assertTrue(r.out().contains("\n  (syscall futex) calls "), r.out());
        assertTrue(r.out().contains("syscall p99: an upper bound"), r.out());
    }

    @Test
    void errorsThatStayedAndCallsThatFellPass() {
        Run r = run("compare", base, head, "--fail-on", "syscall:*.errors=+100%");
        assertEquals(0, r.exit(), r.out() + r.err());
        // The process's total and read (the only syscall with errors) are judged; the others hold
        // none of the process's errors, so they are under the floor.
        assertTrue(r.out().startsWith("ebpf-agent compare: no regression, "), r.out());
        String junit = run("compare", base, head, "--fail-on", "syscall:*.errors=+100%", "--format", "junit").out();
        assertTrue(junit.contains("<testcase classname=\"(process syscalls)\" name=\"errors\" time=\"0\"/>"), junit);
        assertTrue(junit.contains("<testcase classname=\"(syscall read)\" name=\"errors\" time=\"0\"/>"), junit);
        assertTrue(junit.contains("<testcase classname=\"(syscall futex)\" name=\"errors\" time=\"0\">\n"
                + "      <skipped message=\"below the noise floor"), junit);
        assertEquals(0, run("compare", head, base, "--fail-on", "syscall:futex.calls=+0%,syscall:read.p99=+0%").exit());
        assertEquals(0, run("compare", base, base, "--fail-on", "syscall:*.calls=+0%,syscall:*.time=+0%").exit());
    }

    @Test
    void aWildcardSparesRareSyscallsUnlessNamed() {
        Run any = run("compare", base, head, "--fail-on", "syscall:*.calls=+20%");
        assertEquals(4, any.exit());
        assertTrue(any.out().contains("\n  (syscall futex) calls "), any.out());
        assertFalse(any.out().contains("\n  (syscall openat) calls "), "1 -> 5 calls is under the floor: " + any.out());
        assertTrue(any.out().matches("(?s).*\n\\(syscall openat\\) \\[1/1\\] +calls /s [^\n]* floor\n.*"), any.out());
        Run named = run("compare", base, head, "--fail-on", "syscall:*.calls=+20%,syscall:openat.calls=+20%");
        assertTrue(named.out().contains("\n  (syscall openat) calls "), named.out());
    }

    @Test
    void junitNamesTheSyscallAndMetric() {
        Run r = run("compare", base, head, "--fail-on", "syscall:read.p99=+50%", "--format", "junit");
        assertEquals(4, r.exit());
        assertTrue(r.out().contains("<testcase classname=\"(syscall read)\" name=\"p99\" time=\"0\">"), r.out());
    }

    @Test
    void badSyscallLimitsExitTwoNamingTheForm() {
        String[][] cases = {
            {"syscall:futex=+20%", "--fail-on takes syscall:NAME.METRIC"},
            {"syscall:futex.latency=+20%", "unknown syscall metric 'latency' in 'syscall:futex.latency' (accepted: "
                    + "calls, errors, time, p99)"},
            {"syscall:fu*.calls=+20%", "'fu*' is not a syscall name"},
            {"syscall:futex.calls=+20pp", "syscall:futex.calls: give the limit in %, e.g. syscall:futex.calls=+10%"},
            {"syscall:futex.calls=+1%,syscall:FUTEX.calls=+2%", "--fail-on syscall:futex.calls is given twice"},
            {"futex.calls=+20%", "unknown metric 'futex.calls' (accepted: onCpu, "},
            {"syscall:futx.calls=+20%", "--fail-on syscall:futx.calls: neither recording has syscall 'futx' "
                    + "(their busiest: futex, read, openat)"},
        };
        for (String[] c : cases) {
            Run r = run("compare", base, head, "--fail-on", c[0]);
            assertEquals(2, r.exit(), c[0] + ": " + r.out() + r.err());
            assertTrue(r.err().startsWith("ebpf-agent compare: ") && r.err().contains(c[1]), c[0] + ": " + r.err());
        }
        Run unknown = run("compare", base, head, "--fail-on", "cpu=+10%");
        assertTrue(unknown.err().contains("syscall:NAME.METRIC (NAME a syscall such as futex or read, or * for each; "
                + "METRIC one of calls, errors, time, p99)"), unknown.err());
    }

    @Test
    void aSyscallGateOnRecordingsWithoutTheProbeIsRefused() throws Exception {
        Path plain = schedulingOnly("sched-only.jfr");
        Run r = run("compare", plain, plain, "--fail-on", "syscall:*.errors=+10%");
        assertEquals(2, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("neither recording has syscall events"), r.err());
        Run ungated = run("compare", plain, plain);
        assertFalse(ungated.out().contains("syscall"), "no syscall rows without syscall events: " + ungated.out());
    }

    @Test
    void oneRecordingWithoutSyscallEventsIsOneSided() throws Exception {
        Path plain = schedulingOnly("sched-only-2.jfr");
        Run r = run("compare", plain, head, "--fail-on", "syscall:*.calls=+10%");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().matches("(?s).*\n\\(process syscalls\\) \\[0/1\\] +calls /s +- [^\n]* only in head\n.*"),
                r.out());
    }
}
