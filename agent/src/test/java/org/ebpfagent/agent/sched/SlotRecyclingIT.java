package org.ebpfagent.agent.sched;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

import org.ebpfagent.agent.ffm.MapValue;
import org.ebpfagent.agent.probe.KernelTgid;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tp_btf probe's per-thread entries go back when threads exit. 3,000 short-lived threads of
 * this JVM through 256 slots: every slot given out is then either free (popped from the kernel's
 * stack, each once) or in use by a thread that still exists (/proc/self/task), no thread went
 * without an entry (threads beyond the slots have the hash), and the slots given out stayed below
 * the most threads alive at once (freed slots are reused first), far below 3,000. And through 32
 * slots, the threads beyond them leave the hash as they exit. Every churn thread's exit record
 * names it by tid.
 */
class SlotRecyclingIT {
    static final int SLOTS = 256;
    /** Room in the hash for threads beyond the slots (threads an earlier test left behind, still exiting). */
    static final int MAX_THREADS = 4096;
    static final int FEW_SLOTS = 32;
    static final int HASH_WAVES = 10;
    static final int WAVES = 30;
    static final int WAVE = 100;

    @Test
    void everySlotComesBack() throws Exception {
        try (SchedProbe probe = SchedProbe.open(KernelTgid.discover(), MAX_THREADS, SLOTS, "tp_btf");
             SlotThreads live = (SlotThreads) probe.liveThreads();
             HashThreads exits = HashThreads.lookupAndDelete(probe.exited, probe.layouts.threadSched());
             MapValue counters = probe.counters.newValueReader()) {
            int tasksBefore = tasks().size();
            Set<Integer> churnTids = new HashSet<>();
            Set<Integer> exitedTids = new HashSet<>();
            churn(WAVES, exits, churnTids, exitedTids, () -> { });
            Thread.sleep(100); // the last exits are through
            exits.read(e -> exitedTids.add(e.fields().u32(ThreadSchedLayout.TID)));

            int givenOut = live.highWater(); // a thread met from here on may take a slot above
            int[] free = probe.takeFreeSlots(); // from here on, a new thread finds no freed slot
            List<Integer> inUse = new ArrayList<>();
            List<Integer> inUseTids = new ArrayList<>();
            List<String> described = new ArrayList<>();
            live.read(e -> {
                if (live.index() >= 0) { // else an entry of the hash
                    inUse.add(live.index());
                }
                inUseTids.add(e.fields().u32(ThreadSchedLayout.TID));
                described.add("slot " + live.index() + " tid " + e.fields().u32(ThreadSchedLayout.TID) + " '"
                        + e.fields().string(ThreadSchedLayout.COMM) + "' state " + e.fields().u32(ThreadSchedLayout.STATE)
                        + " first_seen " + e.fields().u64(ThreadSchedLayout.FIRST_SEEN) + " vol " + e.fields().u64(ThreadSchedLayout.VOLUNTARY));
            });
            int[] freedMeanwhile = probe.takeFreeSlots(); // a thread that exited during the read
            int givenOutAfter = live.highWater();
            assertTrue(counters.read(0));
            long threadsFull = counters.view(probe.layouts.counters()).u64(ThreadSchedLayout.THREADS_FULL);

            Set<Integer> tasks = tasks();
            // A thread whose slot was read in use may have exited since (its exit record says so):
            // it was alive when its slot was read, which is all a slot in use claims.
            exits.read(e -> exitedTids.add(e.fields().u32(ThreadSchedLayout.TID)));
            System.out.printf("slots: %d given out, %d free, %d in use (%d more freed during the read), %d threads of this "
                    + "JVM (%d before the churn); churn threads %d, exit records of them %d%n", givenOut, free.length,
                    inUse.size(), freedMeanwhile.length, tasks.size(), tasksBefore, churnTids.size(),
                    intersection(churnTids, exitedTids));
            assertEquals(0, threadsFull, "threads that found no entry");
            Set<Integer> seen = new TreeSet<>();
            for (int[] popped : new int[][] {free, freedMeanwhile}) {
                for (int slot : popped) {
                    assertTrue(seen.add(slot), "slot " + slot + " was on the free stack twice");
                }
            }
            for (int slot : seen) {
                assertTrue(slot < givenOutAfter, "slot " + slot + " was freed but never given out (" + givenOutAfter + " were)");
            }
            seen.addAll(inUse);
            Set<Integer> all = new TreeSet<>();
            for (int i = 0; i < givenOut; i++) {
                all.add(i);
            }
            all.removeAll(seen);
            assertEquals(Set.of(), all, "slots neither free nor in use: leaked");
            // A wave's threads may still be exiting while the next one starts: at most two waves and
            // this JVM's own threads were alive at once.
            assertTrue(givenOutAfter <= 2 * WAVE + tasksBefore, givenOutAfter + " slots given out for " + tasksBefore
                    + " threads and waves of " + WAVE);
            List<Integer> gone = inUseTids.stream().filter(t -> !tasks.contains(t) && !exitedTids.contains(t)).toList();
            assertEquals(List.of(), gone, "slots held by tids that are no thread of this JVM; slots in use: " + described);
            assertEquals(WAVES * WAVE, churnTids.size(), "distinct churn tids");
            assertEquals(churnTids.size(), intersection(churnTids, exitedTids), "churn threads with an exit record");
        }
    }

    /**
     * With 32 slots, most of each wave of 100 threads alive at once gets entries of the threads
     * hash; as they exit, their entries leave it: afterwards the probe's count of threads there
     * (.data.alloc in_hash) is what the hash holds, all of it live threads of this JVM, every
     * churn thread has its exit record, and none went without an entry.
     */
    @Test
    void threadsBeyondTheSlotsLeaveTheHashAsTheyExit() throws Exception {
        try (SchedProbe probe = SchedProbe.open(KernelTgid.discover(), MAX_THREADS, FEW_SLOTS, "tp_btf");
             SlotThreads live = (SlotThreads) probe.liveThreads();
             HashThreads exits = HashThreads.lookupAndDelete(probe.exited, probe.layouts.threadSched());
             MapValue counters = probe.counters.newValueReader()) {
            Set<Integer> churnTids = new HashSet<>();
            Set<Integer> exitedTids = new HashSet<>();
            long[] mostInHash = {0};
            churn(HASH_WAVES, exits, churnTids, exitedTids,
                    () -> mostInHash[0] = Math.max(mostInHash[0], live.threadsInHash()));
            Thread.sleep(100); // the last exits are through
            exits.read(e -> exitedTids.add(e.fields().u32(ThreadSchedLayout.TID)));

            List<Integer> hashTids = new ArrayList<>();
            long inHash;
            int tries = 0;
            do { // a thread of this JVM starting or ending during the read moves the count: read again
                hashTids.clear();
                inHash = live.threadsInHash();
                live.read(e -> {
                    if (live.index() < 0) {
                        hashTids.add(e.fields().u32(ThreadSchedLayout.TID));
                    }
                });
            } while (inHash != live.threadsInHash() && ++tries < 10);
            exits.read(e -> exitedTids.add(e.fields().u32(ThreadSchedLayout.TID))); // exited since the read
            Set<Integer> tasks = tasks();
            assertTrue(counters.read(0));
            System.out.printf("threads hash: at most %d threads while a wave lived, %d after (%d read), %d threads of this "
                    + "JVM; churn threads %d, exit records of them %d%n", mostInHash[0], inHash, hashTids.size(),
                    tasks.size(), churnTids.size(), intersection(churnTids, exitedTids));
            assertEquals(0, counters.view(probe.layouts.counters()).u64(ThreadSchedLayout.THREADS_FULL), "threads that found no entry");
            assertTrue(mostInHash[0] >= WAVE - FEW_SLOTS, "threads in the hash with " + WAVE + " alive and " + FEW_SLOTS
                    + " slots: " + mostInHash[0]);
            assertEquals(inHash, hashTids.size(), "the probe's count of threads in the hash against its entries");
            List<Integer> gone = hashTids.stream().filter(t -> !tasks.contains(t) && !exitedTids.contains(t)).toList();
            assertEquals(List.of(), gone, "hash entries of tids that are no thread of this JVM");
            assertEquals(HASH_WAVES * WAVE, churnTids.size(), "distinct churn tids");
            assertEquals(churnTids.size(), intersection(churnTids, exitedTids), "churn threads with an exit record");
        }
    }

    /**
     * Waves of WAVE threads, all alive at once (then {@code whileAlive} runs), each blocking once;
     * notes their tids and drains the exit records after each wave.
     */
    private static void churn(int waves, HashThreads exits, Set<Integer> churnTids, Set<Integer> exitedTids,
                              Runnable whileAlive) throws Exception {
        for (int w = 0; w < waves; w++) {
            List<Thread> wave = new ArrayList<>();
            int[] tids = new int[WAVE];
            CountDownLatch started = new CountDownLatch(WAVE);
            CountDownLatch release = new CountDownLatch(1);
            for (int i = 0; i < WAVE; i++) {
                int k = i;
                wave.add(Thread.ofPlatform().name("churn-" + w + "-" + i).start(() -> {
                    tids[k] = tid();
                    started.countDown();
                    try {
                        release.await(); // off CPU once: a switch out and a wakeup
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            started.await();
            whileAlive.run();
            release.countDown();
            for (Thread t : wave) {
                t.join();
            }
            for (int t : tids) {
                churnTids.add(t);
            }
            exits.read(e -> exitedTids.add(e.fields().u32(ThreadSchedLayout.TID))); // exited holds 8,192
        }
    }

    private static int intersection(Set<Integer> a, Set<Integer> b) {
        return (int) a.stream().filter(b::contains).count();
    }

    private static int tid() {
        try {
            return Integer.parseInt(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Set<Integer> tasks() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/task"))) {
            Set<Integer> out = new TreeSet<>();
            s.forEach(p -> out.add(Integer.parseInt(p.getFileName().toString())));
            return out;
        }
    }
}
