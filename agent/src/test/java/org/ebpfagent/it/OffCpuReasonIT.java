package org.ebpfagent.it;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedThread;
import org.ebpfagent.it.Recordings.Totals;
import org.ebpfagent.it.workload.OffCpuWorkload;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ebpf.ThreadOffCpu against a workload whose blocking is known: a thread that blocks in read(2)
 * exactly N times for about G ms each, and a thread that sleeps N times; the workload times each
 * block with its own clock. Reasons of a thread add up to its ebpf.ThreadScheduling offCpu.
 */
class OffCpuReasonIT {
    static final int READS = 40;
    static final long GAP_MS = 25;
    static final int SLEEPS = 60;
    static final long SLEEP_MS = 15;

    static AgentRun.Result result;
    static Map<Long, Map<String, long[]>> reasons; // tid -> "syscall/kind" -> {offCpu, blocks}
    static Map<Long, Totals> scheduling;
    static List<RecordedEvent> offCpuEvents;
    static List<Integer> reasonTidsAfter;

    @BeforeAll
    static void run() throws Exception {
        AgentRun.Running child = AgentRun.of(OffCpuWorkload.class)
                .args(String.valueOf(READS), String.valueOf(GAP_MS), String.valueOf(SLEEPS), String.valueOf(SLEEP_MS))
                .agentOptions("interval=300ms")
                .start();
        try {
            child.awaitStderr("sched probe attached", Duration.ofSeconds(30));
            child.send("go");
            child.awaitStdout("DONE", Duration.ofSeconds(60));
            // The next polls read the exited threads' last reasons and delete them from the map:
            // wait for that, since on a busy machine the 300 ms polls may come late.
            int mapId = ChildMaps.mapId(child.pid(), "off_cpu");
            long tid = Long.parseLong(child.awaitStdout("MANY ", Duration.ofSeconds(1)).substring("MANY tid=".length()));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            do {
                Thread.sleep(100);
                reasonTidsAfter = ThreadChurnIT.reasonTids(mapId);
            } while (reasonTidsAfter.contains((int) tid) && System.nanoTime() < deadline);
            child.send("exit");
        } finally {
            result = child.finish(Duration.ofSeconds(60));
        }
        assertEquals(0, result.exitCode(), () -> "workload failed: " + result.stderr());
        offCpuEvents = Recordings.events(result.recording(), "ebpf.ThreadOffCpu");
        reasons = new HashMap<>();
        for (RecordedEvent e : offCpuEvents) {
            long[] r = reasons.computeIfAbsent(e.getLong("tid"), k -> new HashMap<>())
                    .computeIfAbsent(e.getString("syscall") + "/" + e.getString("waitKind"), k -> new long[2]);
            r[0] += e.getLong("offCpu");
            r[1] += e.getLong("blocks");
        }
        scheduling = Recordings.schedulingByTid(result.recording());
        reasons.forEach((tid, byReason) -> {
            StringBuilder b = new StringBuilder("tid " + tid + " (" + name(tid) + "):");
            byReason.forEach((k, v) -> b.append(' ').append(k).append('=').append(v[0] / 1000).append("us/").append(v[1]));
            System.out.println(b);
        });
    }

    static String name(long tid) {
        Totals t = scheduling.get(tid);
        return t == null ? "?" : t.threadName;
    }

    /** "KEY tid=.. n=.. wall=.." printed by the workload. */
    static long[] line(String prefix) {
        String l = result.stdout().stream().filter(s -> s.startsWith(prefix + " ")).findFirst().orElseThrow();
        String[] f = l.split(" ");
        return new long[] {Long.parseLong(f[1].substring(4)), Long.parseLong(f[2].substring(f[2].indexOf('=') + 1)),
                Long.parseLong(f[3].substring(5))};
    }

    @Test
    void readerBlockedInReadExactlyOncePerRead() {
        long[] truth = line("READER");
        long[] read = reasons.getOrDefault(truth[0], Map.of()).get("read/sleeping");
        assertNotNull(read, "no read/sleeping reason for the reader: " + reasons.get(truth[0]));
        assertEquals(READS, read[1], "blocks in read");
        assertWithin("read", read[0], READS * GAP_MS * 1_000_000, truth);
    }

    @Test
    void sleeperBlockedInFutexOncePerSleep() {
        long[] truth = line("SLEEPER");
        long[] futex = reasons.getOrDefault(truth[0], Map.of()).get("futex/sleeping");
        assertNotNull(futex, "no futex/sleeping reason for the sleeper: " + reasons.get(truth[0]));
        // A sleep is one futex wait; a safepoint, a JIT deoptimisation or a JFR handshake met on
        // the way back from a sleep adds another (0-6 seen per 60 sleeps).
        assertTrue(futex[1] >= SLEEPS && futex[1] <= SLEEPS + 10, "futex blocks " + futex[1] + ", sleeps " + SLEEPS);
        assertWithin("futex", futex[0], SLEEPS * SLEEP_MS * 1_000_000, truth);
    }

    /**
     * Off-CPU time in a syscall lies between what the workload asked for (a read waits for the next
     * byte, GAP ms after the last; a sleep lasts at least its time) and the wall time the workload
     * measured around the calls, which also holds the wait for a CPU after each wakeup; with that
     * wait added it must cover nearly all of the wall time.
     */
    static void assertWithin(String syscall, long offCpu, long asked, long[] truth) {
        long wall = truth[2];
        long runQueueWait = scheduling.get(truth[0]).runQueueWait;
        System.out.printf("%s: off-CPU %d us, asked %d us, wall %d us, thread's run-queue wait %d us%n",
                syscall, offCpu / 1000, asked / 1000, wall / 1000, runQueueWait / 1000);
        assertTrue(offCpu >= asked * 0.98, "off-CPU in " + syscall + " " + offCpu + " ns < 98% of " + asked + " ns asked");
        assertTrue(offCpu <= wall, "off-CPU in " + syscall + " " + offCpu + " ns > the calls' wall time " + wall);
        assertTrue(offCpu + runQueueWait >= wall * 0.97,
                "off-CPU " + offCpu + " + run-queue wait " + runQueueWait + " ns < 97% of the calls' wall time " + wall);
    }

    /** The reasons split the thread's off-CPU time; they neither lose nor invent any. */
    @Test
    void reasonsAddUpToOffCpuPerThread() {
        int compared = 0;
        for (Map.Entry<Long, Totals> e : scheduling.entrySet()) {
            long offCpu = e.getValue().offCpu;
            long sum = reasons.getOrDefault(e.getKey(), Map.of()).values().stream().mapToLong(v -> v[0]).sum();
            assertTrue(Math.abs(offCpu - sum) <= offCpu / 100 + 1_000_000,
                    e.getValue().threadName + ": reasons sum to " + sum + " ns, offCpu is " + offCpu + " ns");
            compared += offCpu > 0 ? 1 : 0;
        }
        assertTrue(compared >= 5, "threads with off-CPU time: " + compared);
    }

    /**
     * Every voluntary switch (the kernel's nvcsw, which ebpf.ThreadScheduling reports exactly) starts
     * an off-CPU span, which ends before the thread exits: the workload's threads, all exited, have
     * exactly as many blocks over their reasons as voluntary switches.
     */
    @Test
    void blocksOfExitedThreadsEqualTheirVoluntarySwitches() {
        for (String who : List.of("READER", "SLEEPER")) {
            long tid = line(who)[0];
            long blocks = reasons.get(tid).values().stream().mapToLong(v -> v[1]).sum();
            assertEquals(scheduling.get(tid).voluntary, blocks, who + " blocks over all reasons " + reasons.get(tid).keySet());
        }
    }

    /**
     * A thread with more reasons than its entry holds: the rest go through the off_cpu map, are
     * reported like the others (blocks over all reasons still equal its voluntary switches, their
     * time its offCpu), and the map holds none of them once the thread has exited.
     */
    @Test
    void reasonsBeyondTheEntrysGoThroughTheMapAndLeaveWithTheThread() {
        long tid = Long.parseLong(result.stdout().stream().filter(l -> l.startsWith("MANY ")).findFirst().orElseThrow()
                .substring("MANY tid=".length()));
        Map<String, long[]> byReason = reasons.get(tid);
        assertNotNull(byReason, "no reasons for many-reasons");
        assertTrue(byReason.size() > 4, "distinct reasons " + byReason.keySet() + ": the off_cpu map was not needed");
        assertEquals(scheduling.get(tid).voluntary, byReason.values().stream().mapToLong(v -> v[1]).sum(),
                "blocks over all reasons " + byReason.keySet());
        long offCpu = scheduling.get(tid).offCpu;
        long sum = byReason.values().stream().mapToLong(v -> v[0]).sum();
        assertTrue(Math.abs(offCpu - sum) <= offCpu / 100 + 1_000_000, "reasons sum to " + sum + " ns, offCpu " + offCpu);
        assertFalse(reasonTidsAfter.contains((int) tid), "off_cpu map still holds the exited thread: " + reasonTidsAfter);
    }

    @Test
    void eventsNameTheJavaThread() {
        long reader = line("READER")[0];
        List<RecordedEvent> mine = offCpuEvents.stream().filter(e -> e.getLong("tid") == reader).toList();
        assertFalse(mine.isEmpty());
        for (RecordedEvent e : mine) {
            RecordedThread t = e.getThread("javaThread");
            assertNotNull(t, "javaThread of " + e);
            assertEquals("pipe-reader", t.getJavaName());
            assertEquals("pipe-reader", e.getString("threadName"));
        }
    }

    @Test
    void nothingDropped() throws Exception {
        List<RecordedEvent> statistics = Recordings.events(result.recording(), "ebpf.AgentStatistics");
        assertFalse(statistics.isEmpty());
        for (RecordedEvent s : statistics) {
            assertEquals(0, s.getLong("reasonsDropped"), "reasonsDropped");
            assertEquals(0, s.getLong("errors"), "poll errors");
        }
    }
}
