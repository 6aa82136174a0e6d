package org.ebpfagent.it;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jdk.jfr.consumer.RecordedEvent;
import org.ebpfagent.it.workload.SyscallWorkload;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The syscall probe's exact counts where the common case does not reach: with the raw_tp programs
 * (the fallback for kernels without tp_btf), and inside a PID namespace, where the thread ids the
 * events carry must be the ones the JVM sees (gettid in the namespace), not the kernel's root ones.
 */
class SyscallFlavoursIT {

    @Test
    void rawTracepointsCountAlike() throws Exception {
        Map<String, Long> tids = new HashMap<>();
        List<RecordedEvent> calls = exact(AgentRun.of(SyscallWorkload.class)
                .agentOptions("probes=syscalls,interval=200ms,attach=raw_tp"), tids, "raw_tp");
        assertCounts(calls, tids);
    }

    @Test
    void insideAPidNamespaceTheThreadsAreTheOnesTheJvmSees() throws Exception {
        Map<String, Long> tids = new HashMap<>();
        List<RecordedEvent> calls = exact(AgentRun.of(SyscallWorkload.class)
                .agentOptions("probes=syscalls,interval=200ms")
                .under("unshare", "--pid", "--fork", "--mount-proc"), tids, "tp_btf");
        assertTrue(tids.get("getppid") < 1000, "a namespace tid: " + tids);
        assertCounts(calls, tids);
    }

    private static List<RecordedEvent> exact(AgentRun run, Map<String, Long> tids, String flavour) throws Exception {
        AgentRun.Running child = run.start();
        try {
            String attached = child.awaitStderr("syscalls probe attached", Duration.ofSeconds(60));
            assertTrue(attached.contains(flavour), attached);
            child.awaitStdout("READY", Duration.ofSeconds(30));
            child.send("exact");
            String done = child.awaitStdout("EXACT DONE", Duration.ofSeconds(60));
            for (String kv : done.substring("EXACT DONE ".length()).split(" ")) {
                String[] p = kv.split("=");
                tids.put(p[0], Long.parseLong(p[1]));
            }
            Thread.sleep(500); // two polls: the figures are read while the threads still live
        } finally {
            child.send("exit");
        }
        AgentRun.Result result = child.finish(Duration.ofSeconds(60));
        assertEquals(0, result.exitCode(), () -> String.join("\n", result.stderr()));
        return Recordings.events(result.recording(), "ebpf.ThreadSyscalls");
    }

    private static void assertCounts(List<RecordedEvent> calls, Map<String, Long> tids) {
        assertEquals(10_000, sum(calls, tids.get("getppid"), "getppid", "calls"));
        assertEquals(1_000, sum(calls, tids.get("close"), "close", "calls"));
        assertEquals(1_000, sum(calls, tids.get("close"), "close", "errors"));
        assertEquals(100, sum(calls, tids.get("sleep"), "clock_nanosleep", "calls"));
        assertTrue(calls.stream().filter(e -> e.getLong("tid") == tids.get("getppid"))
                .allMatch(e -> "sys-getppid".equals(e.getString("threadName"))), "named by the JVM's thread");
    }

    private static long sum(List<RecordedEvent> events, long tid, String syscall, String field) {
        return events.stream().filter(e -> e.getLong("tid") == tid && e.getString("syscall").equals(syscall))
                .mapToLong(e -> e.getLong(field)).sum();
    }
}
