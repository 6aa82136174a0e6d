package org.ebpfagent.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.ebpfagent.it.Recordings.Totals;
import org.ebpfagent.it.workload.SchedWorkload;
import org.ebpfagent.it.workload.Truth;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.ebpfagent.it.SchedAccuracyIT.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Inside a PID namespace (as in a container) the JVM sees itself as pid 1 and its threads under
 * small tids, while the kernel's tracepoints see root-namespace ids. The agent must filter on the
 * kernel's tgid and report the tids the JVM sees, with the same numbers as the kernel's own
 * accounting, read in the namespace through its /proc.
 *
 * <p>The kernel ids are checked independently: the JVM is the child of the {@code unshare}
 * process, and /proc/KERNEL_PID/status and /proc/KERNEL_PID/task/KERNEL_TID/status (read from the
 * root namespace) list each id in every namespace ({@code NSpid: 1142 1}).
 */
class PidNamespaceIT {
    static final Pattern ATTACHED = Pattern.compile("to pid (\\d+) \\(kernel tgid (\\d+)\\)");

    static AgentRun.Result result;
    static String attached;
    static long kernelPid;
    static long[] nsPid;
    /** Namespace tid -> kernel tid of the JVM's threads alive when the workload finished. */
    static Map<Long, Long> kernelTidOf = new HashMap<>();
    static List<Truth> truths;
    static List<String> slept;
    static Map<Long, Totals> agent;

    @BeforeAll
    static void run() throws Exception {
        AgentRun.Running child = AgentRun.of(SchedWorkload.class)
                // 4 spinners on 2 cores: run-queue waits long enough for a 5% comparison to mean something
                .args("4", "1000", "1", "20", "10", "1", "500", "0")
                .agentOptions("interval=500ms")
                .under("unshare", "--pid", "--fork", "--mount-proc")
                .start();
        try {
            attached = child.awaitStderr("sched probe attached", Duration.ofSeconds(30));
            kernelPid = Long.parseLong(Files.readString(
                    Path.of("/proc/" + child.pid() + "/task/" + child.pid() + "/children")).trim());
            nsPid = nsPid(Path.of("/proc/" + kernelPid + "/status"));
            child.send("go");
            child.awaitStdout("WORKLOAD DONE", Duration.ofSeconds(30));
            // The workers are parked and the JVM exits 300 ms from now: map their ids meanwhile.
            try (Stream<Path> tasks = Files.list(Path.of("/proc/" + kernelPid + "/task"))) {
                for (Path task : tasks.toList()) {
                    long[] ids = nsPid(task.resolve("status"));
                    kernelTidOf.put(ids[ids.length - 1], ids[0]);
                }
            }
        } finally {
            result = child.finish(Duration.ofSeconds(60));
        }
        assertEquals(0, result.exitCode(), () -> "workload failed: " + result.stderr());
        truths = result.stdout().stream().filter(l -> l.startsWith("TRUTH ")).map(Truth::parse).toList();
        assertEquals(5, truths.size(), () -> "truth lines: " + result.stdout());
        slept = result.stdout().stream().filter(l -> l.startsWith("SLEPT ")).toList();
        assertEquals(1, slept.size(), () -> "sleeper lines: " + result.stdout());
        agent = Recordings.schedulingByTid(result.recording());
        System.out.println(attached + "\nNSpid of the JVM: " + Arrays.toString(nsPid));
        truths.forEach(t -> System.out.println(t.line() + " (kernel tid " + kernelTidOf.get((long) t.tid())
                + ")\n  agent: " + agent.get((long) t.tid())));
    }

    @Test
    void agentNamesBothIdsOfTheJvm() {
        Matcher m = ATTACHED.matcher(attached);
        assertTrue(m.find(), attached);
        long pid = Long.parseLong(m.group(1));
        long tgid = Long.parseLong(m.group(2));
        assertNotEquals(pid, tgid, attached);
        assertEquals(nsPid[nsPid.length - 1], pid, "pid as the JVM sees it");
        // The test sees root-namespace ids only if it runs in the root PID namespace (not in a container).
        assumeTrue(nsPid.length == 2, "the test itself runs in a PID namespace: NSpid of the JVM " + Arrays.toString(nsPid));
        assertEquals(kernelPid, tgid, "kernel tgid: the root-namespace pid of unshare's child");
        assertEquals(nsPid[0], tgid, "kernel tgid per NSpid");
    }

    /** The workers' events carry the tids the JVM sees, with the kernel's numbers for them. */
    @Test
    void eventsCarryNamespaceTidsWithTheKernelsNumbers() {
        for (Truth t : truths) {
            Long kernelTid = kernelTidOf.get((long) t.tid());
            assertNotNull(kernelTid, () -> t.name() + ": namespace tid " + t.tid() + " not among " + kernelTidOf);
            assertNotEquals((long) t.tid(), (long) kernelTid, t.name() + ": namespace and kernel tid coincide");
            Totals a = agent.get((long) t.tid());
            assertNotNull(a, () -> "no event with namespace tid " + t.tid() + " for " + t.name() + "; tids: " + agent.keySet());
            assertEquals(t.name(), a.threadName, "threadName of tid " + t.tid());
            assertEquals(t.name(), a.javaThreadName, "javaThread of tid " + t.tid());
            assertClose(t.name() + " onCpu", t.onCpu(), a.onCpu);
            assertClose(t.name() + " runQueueWait", t.runQueueWait(), a.runQueueWait);
            assertEquals(t.voluntary(), a.voluntary, t.name() + " voluntary switches");
            assertEquals(t.involuntary(), a.involuntary, t.name() + " involuntary switches");
        }
    }

    /**
     * The sleeper exits: its last report, through the exit map, carries its namespace tid too.
     * It lives about 200 ms, less than the 500 ms interval, so it may start and end between two
     * polls, unresolved to its java.lang.Thread; its name comes from the kernel then.
     */
    @Test
    void exitedThreadCarriesItsNamespaceTid() {
        String[] f = slept.get(0).split(" ");
        long tid = Long.parseLong(f[2].substring(4));
        long wall = Long.parseLong(f[3].substring(5));
        Totals a = agent.get(tid);
        assertNotNull(a, () -> "no event with namespace tid " + tid + " for the sleeper; tids: " + agent.keySet());
        System.out.println(slept.get(0) + "\n  agent: " + a);
        assertEquals("sleeper-0", a.threadName);
        // Each of the 20 sleeps blocks at least once.
        assertTrue(a.voluntary >= 20, "sleeper voluntary switches " + a.voluntary);
        // Its sleeps are off-CPU time (a sleep never undershoots its 10 ms), and what else their
        // wall time holds is the wait for a CPU after each wakeup: 4 spinners share its 2 cores, and
        // on a busy machine other processes too, so the split is loose but the sum is not.
        assertTrue(a.offCpu >= 20 * 10_000_000L * 99 / 100 && a.offCpu <= wall * 102 / 100 + 5_000_000,
                "sleeper off-CPU " + a.offCpu / 1e6 + " ms, asked 200 ms, its sleeps took " + wall / 1e6 + " ms");
        assertTrue(a.offCpu + a.runQueueWait >= wall * 97 / 100, "sleeper off-CPU " + a.offCpu / 1e6 + " ms + run-queue wait "
                + a.runQueueWait / 1e6 + " ms, its sleeps took " + wall / 1e6 + " ms");
    }

    /** No event carries a root-namespace id: every tid is one the JVM can see. */
    @Test
    void noEventCarriesAKernelTid() {
        assertFalse(kernelTidOf.isEmpty());
        for (long kernelTid : kernelTidOf.values()) {
            assertFalse(kernelTidOf.containsKey(kernelTid), "kernel tid " + kernelTid + " is also a namespace tid");
            assertFalse(agent.containsKey(kernelTid), () -> "event with kernel tid " + kernelTid + ": " + agent.get(kernelTid));
        }
        assertFalse(agent.containsKey(kernelPid), "event with the kernel pid");
        for (long tid : agent.keySet()) {
            assertTrue(tid < kernelPid, "tid " + tid + " is not a small namespace tid (kernel pid " + kernelPid + ")");
        }
    }

    /** The NSpid line of a /proc status file: the id in each PID namespace, outermost first. */
    static long[] nsPid(Path status) throws IOException {
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("NSpid:")) {
                return Arrays.stream(line.substring(6).trim().split("\\s+")).mapToLong(Long::parseLong).toArray();
            }
        }
        throw new AssertionError("no NSpid in " + status);
    }
}
