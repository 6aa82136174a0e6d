package org.ebpfagent.it;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import jdk.jfr.consumer.RecordedEvent;
import org.ebpfagent.agent.probe.BpftoolBtf;
import org.ebpfagent.agent.sched.SchedProbe;
import org.ebpfagent.it.workload.ThreadsWorkload;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kernel memory the agent's maps hold, with default options, read from outside the JVM: the
 * {@code memlock} that /proc/PID/fdinfo gives for each BPF map descriptor of the child
 * ({@link ChildMaps}). A JVM with a few hundred threads: at most 4 MiB in all. Then 3,000 threads,
 * more than the slot array holds: every one is reported (the workload's own list of tids against
 * the recording), none dropped, and the memory grew by at least the entries the kernel made for
 * the threads beyond the slots. And in both, a poll's work (ebpf.AgentStatistics entriesRead)
 * follows the threads the JVM has, not the capacity (maxThreads 32,768 by default).
 */
class KernelMemoryIT {
    static final int FEW = 300;
    static final int MANY = 3000;
    static final long BUDGET = 4L << 20;
    static final long PHASE_MS = 4000;

    static Phase few;
    static Phase many;
    static AgentRun.Result result;
    static List<RecordedEvent> statistics;
    static Set<Long> reported;

    /** One state of the child: its maps, its threads, when it held them, and its idle threads' tids. */
    record Phase(List<ChildMaps.BpfMapInfo> maps, int hashEntries, int tasks, Instant from, Instant to, int[] tids) {}

    @BeforeAll
    static void run() throws Exception {
        AgentRun.Running child = AgentRun.of(ThreadsWorkload.class).start(); // default agent options
        try {
            child.awaitStderr("sched probe attached", Duration.ofSeconds(30));
            few = grow(child, FEW);
            many = grow(child, MANY);
            child.send("exit");
        } finally {
            result = child.finish(Duration.ofSeconds(60));
        }
        assertEquals(0, result.exitCode(), () -> "workload failed: " + result.stderr());
        statistics = Recordings.events(result.recording(), "ebpf.AgentStatistics");
        reported = new HashSet<>();
        for (RecordedEvent e : Recordings.events(result.recording(), "ebpf.ThreadScheduling")) {
            reported.add(e.getLong("tid"));
        }
        System.out.println(FEW + " idle threads, " + few.tasks + " in all, " + few.hashEntries + " in the threads hash:"
                + ChildMaps.table(few.maps));
        System.out.println(MANY + " idle threads, " + many.tasks + " in all, " + many.hashEntries + " in the threads hash:"
                + ChildMaps.table(many.maps));
    }

    /** Grows the workload to {@code n} idle threads, lets a few polls pass, and reads its maps. */
    private static Phase grow(AgentRun.Running child, int n) throws Exception {
        child.send("grow " + n);
        String grown = child.awaitStdout("GROWN n=" + n + " ", Duration.ofSeconds(60));
        Instant from = Instant.now();
        int tasksFrom = ThreadChurnIT.tasks(child.pid()).size();
        Thread.sleep(PHASE_MS);
        List<ChildMaps.BpfMapInfo> maps = ChildMaps.of(child.pid());
        int hashEntries = ThreadChurnIT.entryTids(ChildMaps.named(maps, "threads").id()).size();
        int tasks = Math.max(tasksFrom, ThreadChurnIT.tasks(child.pid()).size());
        Instant to = Instant.now();
        int[] tids = Arrays.stream(grown.substring(grown.indexOf("tids=") + 5).split(",")).mapToInt(Integer::parseInt).toArray();
        assertEquals(n, tids.length, "tids the workload printed");
        return new Phase(maps, hashEntries, tasks, from, to, tids);
    }

    @Test
    void aFewHundredThreadsHoldAtMostFourMiB() {
        long total = ChildMaps.memlock(few.maps);
        assertTrue(total <= BUDGET, String.format("%,d bytes of kernel memory for %d threads:%s", total, few.tasks,
                ChildMaps.table(few.maps)));
        assertEquals(0, few.hashEntries, "threads in the hash while the slots had room");
    }

    /**
     * Past the slot array the threads go to the hash, whose entries the kernel allocates as they
     * come: the memory grows by at least their values.
     */
    @Test
    void memoryGrowsWithTheThreads() throws Exception {
        assertTrue(many.hashEntries >= MANY - SchedProbe.SLOTS,
                many.hashEntries + " entries in the threads hash for " + MANY + " threads and " + SchedProbe.SLOTS + " slots");
        long grew = ChildMaps.named(many.maps, "threads").memlock() - ChildMaps.named(few.maps, "threads").memlock();
        long grewInAll = ChildMaps.memlock(many.maps) - ChildMaps.memlock(few.maps);
        String what = "for " + many.hashEntries + " entries the threads hash grew by " + grew + " bytes, the maps in all by "
                + grewInAll;
        System.out.println(what);
        // sizeof(struct thread_sched), from the object's BTF: what an entry of the threads hash holds at least
        long entry = BpftoolBtf.of("sched").get("thread_sched size");
        assertTrue(grew >= (long) many.hashEntries * entry, what);
        assertTrue(grewInAll >= (long) many.hashEntries * entry, what);
    }

    /** No thread dropped: each of the workload's threads is in the recording under its tid. */
    @Test
    void everyThreadIsReported() {
        List<Integer> missing = new ArrayList<>();
        for (int tid : many.tids) {
            if (!reported.contains((long) tid)) {
                missing.add(tid);
            }
        }
        assertEquals(List.of(), missing, missing.size() + " of the workload's " + MANY + " threads not reported");
        RecordedEvent last = statistics.stream().max((a, b) -> a.getEndTime().compareTo(b.getEndTime())).orElseThrow();
        assertEquals(0, last.getLong("threadsDropped"), "threadsDropped");
        assertEquals(0, last.getLong("exitsDropped"), "exitsDropped");
        assertEquals(0, statistics.stream().mapToLong(e -> e.getLong("errors")).sum(), "poll errors");
    }

    /**
     * A poll reads the slots given out (at most the most threads alive at once) and the hash's
     * entries, plus exit records and reasons beyond a thread's first four: about the threads the
     * JVM has, whatever maxThreads is. The margin covers JVM threads that come and go (compiler,
     * GC) and those few reasons; every workload thread is read in every poll.
     */
    @Test
    void aPollReadsTheThreadsThatLiveNotTheCapacity() {
        for (Phase p : List.of(few, many)) {
            List<RecordedEvent> polls = statistics.stream()
                    .filter(e -> !e.getStartTime().isBefore(p.from) && !e.getEndTime().isAfter(p.to)).toList();
            assertFalse(polls.size() < 2, "polls inside " + p.from + " .. " + p.to + ": " + polls.size());
            for (RecordedEvent e : polls) {
                long read = e.getLong("entriesRead");
                String what = "poll at " + e.getEndTime() + " with " + p.tids.length + " idle threads, " + p.tasks
                        + " in all: entriesRead " + read + ", threadsTracked " + e.getLong("threadsTracked");
                System.out.println(what);
                assertTrue(read >= p.tids.length, what);
                assertTrue(read <= p.tasks + 100, what);
            }
        }
    }
}
