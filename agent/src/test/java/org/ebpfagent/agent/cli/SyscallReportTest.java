package org.ebpfagent.agent.cli;

import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.ebpfagent.agent.cli.CompareTest.Run;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.ebpfagent.agent.cli.CompareTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The report's syscall section and flame --kind syscalls, on a recording with chosen figures. */
class SyscallReportTest {
    @TempDir
    static Path dir;
    static Path rec;
    static Path schedOnly;

    @BeforeAll
    static void record() throws Exception {
        try (SyscallRecording r = new SyscallRecording()) {
            r.scheduling("worker-0", 100, 50).scheduling("poller", 101, 5);
            r.syscalls("worker-0", 100, "futex", 1000, 0, 3, 100_000, 5000, 50, 2000);
            r.syscalls("worker-0", 100, "read", 500, 5, 1, 10_000, 3100, 10, 3000);
            r.syscalls("worker-0", 100, "read", 500, 0, 0, 10_000, 40, 10, 30);
            r.syscalls("worker-0", 100, "write", 50, 0, 0, 1000, 31, 10, 30);
            r.syscalls("worker-0", 100, "openat", 5, 0, 0, 100, 31, 10, 30);
            r.syscalls("poller", 101, "epoll_wait", 20, 0, 0, 1_000_000, 500_000, 10_000, 400_000);
            r.errors("worker-0", 100, "read", "EAGAIN", 11, 5);
            r.slow("poller", 101, "epoll_wait", 500, "3");
            r.slow("worker-0", 100, "read", 12, "EAGAIN");
            r.statistics(2, 7);
            rec = r.dump(dir.resolve("syscalls.jfr"));
        }
        try (SyscallRecording r = new SyscallRecording()) {
            schedOnly = r.scheduling("worker-0", 100, 50).dump(dir.resolve("sched.jfr"));
        }
    }

    @Test
    void textShowsThreadsSyscallsErrnosAndSlowCalls() {
        Run r = run("report", rec);
        assertEquals(0, r.exit(), r.err());
        String out = r.out();
        // read's two intervals of 500 calls: the first's p99 is 3 ms, the second's calls never pass
        // 40 µs. At most 10 calls (1%) may lie above the p99; above 40 µs up to half of the first
        // interval's calls could (250), above 3 ms only its 1% (5): the bound is 3 ms.
        assertTrue(out.contains("\nworker-0 [100]                   futex                      1000        0       100.0      2.000\n"
                + "                                 read                       1000        5        20.0      3.000\n"), out);
        assertTrue(out.contains("\nepoll_wait                   20        0        0      1000.0    500.000    400.000      1       1\n"), out);
        assertTrue(out.contains("\nread                 EAGAIN                    5       1\n"), out);
        assertTrue(out.contains("Slow syscalls (ebpf.SlowSyscall, at least the agent's slowSyscall option): 2; the longest:\n"
                + "  poller [101] epoll_wait 500.000 ms, 3, at "), out);
        assertTrue(out.contains("agent, syscall probe: 2 slow-syscall records lost, 7 syscall entries dropped"), out);
        assertFalse(out.contains("TCP probe"), out);
    }

    @Test
    void jsonHoldsEveryFigureInNanoseconds() throws Exception {
        JsonNode root = new ObjectMapper().readTree(run("report", rec, "--format", "json").out());
        JsonNode read = root.get("syscalls").get("process").get(2);
        assertEquals("read", read.get("syscall").asText());
        assertEquals(1000, read.get("calls").asLong());
        assertEquals(20_000_000, read.get("totalTimeNs").asLong());
        assertEquals(3_100_000, read.get("maxTimeNs").asLong());
        assertEquals(3_000_000, read.get("p99TimeBoundNs").asLong());
        assertEquals(1, read.get("slow").asLong());
        assertEquals(4, root.get("syscalls").get("threads").get(1).get("syscalls").size(), "all of a thread's syscalls");
        assertEquals("EAGAIN", root.get("syscalls").get("errors").get(0).get("errno").asText());
        assertEquals(2, root.get("syscalls").get("slowCount").asLong());
        assertEquals(500_000_000, root.get("syscalls").get("slowest").get(0).get("timeNs").asLong());
        assertEquals(7, root.get("agent").get("syscallEntriesDropped").asLong());
        assertEquals(2, root.get("agent").get("slowSyscallsLost").asLong());
    }

    @Test
    void markdownHasTheTables() {
        String md = run("report", rec, "--format", "markdown").out();
        assertTrue(md.contains("### Syscalls per thread"), md);
        assertTrue(md.contains("| epoll_wait | 20 | 0 | 0 | 1000.0 | 500.000 | 400.000 | 1 | 1 |"), md);
        assertTrue(md.contains("### Syscall errors"), md);
    }

    @Test
    void withoutSyscallEventsTheSectionIsLeftOut() throws Exception {
        Run r = run("report", schedOnly);
        assertEquals(0, r.exit());
        assertFalse(r.out().contains("yscall"), r.out());
        assertFalse(run("report", schedOnly, "--format", "json").out().contains("\"syscalls\""));
    }

    @Test
    void flameOfSyscallTimePerThread() throws Exception {
        Run r = run("flame", rec, "--kind", "syscalls", "--format", "collapsed");
        assertEquals(0, r.exit(), r.err());
        assertEquals("worker-0;syscall:futex 100000\nworker-0;syscall:read 20000\nworker-0;syscall:write 1000\n"
                + "worker-0;syscall:openat 100\npoller;syscall:epoll_wait 1000000\n", r.out().replace("\r", ""));
        assertEquals("poller;syscall:epoll_wait 1000000\n", run("flame", rec, "--kind=syscalls", "--format",
                "collapsed", "--threads", "poll.*").out());
        Path html = dir.resolve("syscalls.html");
        assertEquals(0, run("flame", rec, "--kind", "syscalls", "-o", html).exit());
        assertTrue(Files.readString(html).contains("syscall:epoll_wait"));

        Run bad = run("flame", rec, "--kind", "sys", "-o", html);
        assertEquals(2, bad.exit());
        assertTrue(bad.err().startsWith("ebpf-agent flame: --kind takes states, syscalls, not 'sys'"), bad.err());
        Run none = run("flame", schedOnly, "--kind", "syscalls", "--format", "collapsed");
        assertEquals(1, none.exit());
        assertTrue(none.err().contains("holds no ebpf.ThreadSyscalls events"), none.err());
    }
}
