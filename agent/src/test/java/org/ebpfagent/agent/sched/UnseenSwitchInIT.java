package org.ebpfagent.agent.sched;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.ebpfagent.agent.ffm.MapValue;
import org.ebpfagent.agent.ffm.StructView;
import org.ebpfagent.agent.probe.KernelTgid;
import org.ebpfagent.agent.probe.PollStats;
import org.ebpfagent.agent.threads.ThreadRegistry;
import org.ebpfagent.agent.threads.ThreadResolver;
import org.ebpfagent.it.workload.Truth;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.ebpfagent.agent.sched.ThreadSchedLayout.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A thread whose switch-in fired no program (this kernel does that now and then) is read as
 * running from that switch-in, not as still waiting. The lost event is made here: a spinner's
 * entry, while it runs, is set back to RUNNABLE since 1 ms before its last switch-in, as an unseen
 * preemption and switch-in leave it. 200 us later a poll of the recorder (its sched_walk, then its
 * read) notes the switch-in at the kernel's own stamp of it and reads the spinner with 1 ms of
 * run-queue wait (within 50 us; read as its entry says, it would be the time since the switch-in
 * on top) and with on-CPU time that matches the kernel's (the thread's CPU clock). A round in
 * which the spinner left its CPU (its own programs wrote the entry) proves nothing and is done
 * again. When the spinner ends, its exit repairs the entry (the probe's switch_ins_unseen counter
 * moves; the counter is the probe's, so that shows a repair, not whose).
 */
class UnseenSwitchInIT {
    private static final long POKED_WAIT = 1_000_000;
    /**
     * How long to look for a round in which the spinner keeps its CPU: on a quiet machine the
     * first rounds do; beside two busy loops on this 2-CPU machine, one round in tens to hundreds.
     */
    private static final long LOOK_NANOS = 30_000_000_000L;
    static volatile long sink;

    @ParameterizedTest
    @ValueSource(strings = {"tp_btf", "raw_tp"})
    void aThreadRunningAfterAnUnseenSwitchInIsReadAsRunning(String attach) throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger tid = new AtomicInteger();
        Thread spinner = new Thread(() -> {
            tid.set(Truth.currentTid());
            long x = 1;
            while (!stop.get()) {
                x = x * 6364136223846793005L + 1442695040888963407L;
            }
            sink = x;
        }, "unseen-spinner");
        ThreadRegistry registry = new ThreadRegistry();
        SchedProbe probe = SchedProbe.open(KernelTgid.discover(), 4096, 256, attach);
        try (SchedRecorder recorder = new SchedRecorder(probe, registry, ThreadResolver.create(registry, null), null); // closes the probe
             LiveThreads live = probe.liveThreads();
             MapValue counters = probe.counters.newValueReader()) {
            if (kernelAtLeast(6, 1)) {
                assertNotNull(probe.walk, "the walk over the threads attached");
            } else {
                assumeTrue(probe.walk != null, "Linux before 6.1 cannot limit a task iterator to one process: no walk");
            }
            // Past the probe's first 100 ms, whose clock offsets may still be lowered by milliseconds:
            // the spinner's switch-ins and their stamps are then on one settled offset.
            Thread.sleep(300);
            spinner.start();
            Thread.sleep(100);
            PollStats stats = new PollStats();
            int notRunning = 0;
            int switched = 0;
            String proven = null;
            long unseenBefore = 0;
            long deadline = System.nanoTime() + LOOK_NANOS;
            for (int round = 0; System.nanoTime() < deadline && proven == null; round++) {
                long[] switchesBefore = switches(tid.get());
                Copy before = copy(live, tid.get());
                if (before == null || before.view.u32(STATE) != RUNNING) {
                    notRunning++;
                    Thread.sleep(1);
                    continue;
                }
                unseenBefore = unseen(probe, counters);
                long switchIn = before.view.u64(SINCE);
                byte[] poked = before.bytes.clone();
                StructView p = StructView.over(probe.layouts.threadSched(), poked);
                p.setU32(STATE, RUNNABLE);
                p.setU64(SINCE, switchIn - POKED_WAIT);
                int rootTid = before.view.u32(TID);
                probe.writeEntry(before.slot, rootTid, poked);
                for (long t = System.nanoTime(); System.nanoTime() - t < 200_000; ) {
                    Thread.onSpinWait(); // the spinner runs on: its wait, read as the entry says, would grow
                }
                stats.reset();
                recorder.poll(stats);
                long cpu = mx.getThreadCpuTime(spinner.threadId());
                long cpuAt = System.nanoTime();
                Copy after = copy(live, tid.get());
                long[] switchesAfter = switches(tid.get());
                if (!java.util.Arrays.equals(switchesBefore, switchesAfter) || after == null
                        || after.view.u64(SINCE) != switchIn - POKED_WAIT) {
                    switched++; // its own programs wrote the entry: no lost event to look at
                    continue;
                }
                StructView e = after.view;
                assertEquals(switchIn - POKED_WAIT, e.u64(SEEN_RUNNING_FOR), "the wait the walk's note ends");
                long stamp = e.u64(SEEN_RUNNING_AT);
                // The kernel's stamp and the program's time of the same switch-in: one run-queue
                // clock reading, moved by offsets that each 100 ms sync may lower a little.
                assertTrue(Math.abs(stamp - switchIn) <= 50_000,
                        "switch-in noted at " + stamp + ", seen by the program at " + switchIn);
                ThreadSlot read = recorder.lastRead(rootTid);
                assertNotNull(read, "the poll read the spinner");
                long waited = read.readRunQueueWait - before.view.u64(RUNQ_WAIT);
                assertTrue(Math.abs(waited - POKED_WAIT) <= 50_000, "run-queue wait read: " + waited + " ns");
                // The thread's CPU clock, read after the poll: the spinner, on its CPU all along,
                // ran at most cpuAt - readAt of it after the read. The read counts wall time since
                // the switch-in, which also holds what the hypervisor stole; the CPU clock does not.
                long ranAfter = cpuAt - read.readAt;
                long ranSince = read.readAt - stamp;
                assertTrue(read.readOnCpu >= cpu - ranAfter - 1_000_000 && read.readOnCpu <= cpu + 1_000_000 + ranSince / 10,
                        String.format("on-CPU read %.3f ms; the thread's CPU clock %.3f ms, %.3f ms after the read; "
                                + "%.3f ms since the switch-in", read.readOnCpu / 1e6, cpu / 1e6, ranAfter / 1e6, ranSince / 1e6));
                proven = String.format("round %d: wait read %.3f ms, on-CPU read %.3f ms, the thread's CPU clock %.3f ms",
                        round, waited / 1e6, read.readOnCpu / 1e6, cpu / 1e6);
            }
            String raced = notRunning + " rounds found the spinner off its CPU, in " + switched + " it switched";
            System.out.println(attach + ": " + proven + "; " + raced);
            assertNotNull(proven, "no round without a switch of the spinner in " + LOOK_NANOS / 1_000_000_000L + " s: " + raced);
            stop.set(true);
            spinner.join();
            Thread.sleep(20);
            assertTrue(unseen(probe, counters) > unseenBefore, "the spinner's exit repaired its entry");
        } finally {
            stop.set(true);
            if (spinner.isAlive()) {
                spinner.join();
            }
        }
    }

    private record Copy(int slot, byte[] bytes, StructView view, long at) {}

    /** The thread's entry as the agent reads it, copied. */
    private static Copy copy(LiveThreads live, int tid) throws Exception {
        Copy[] found = new Copy[1];
        live.read(entry -> {
            if (entry.fields().u32(TID) == tid) {
                byte[] bytes = entry.fields().toByteArray();
                int slot = live instanceof SlotThreads s ? s.index() : -1;
                found[0] = new Copy(slot, bytes, StructView.over(entry.fields().layout(), bytes), entry.readAt());
            }
        });
        return found[0];
    }

    private static long unseen(SchedProbe probe, MapValue counters) throws Exception {
        assertTrue(counters.read(0));
        return counters.view(probe.layouts.counters()).u64(SWITCH_INS_UNSEEN);
    }

    /** Switch-ins (schedstat's third field) and switch-outs (status) of the thread so far. */
    private static long[] switches(int tid) throws Exception {
        String[] schedstat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/task/" + tid + "/schedstat"))
                .trim().split("\\s+");
        Truth truth = Truth.of("", tid);
        return new long[] {Long.parseLong(schedstat[2]), truth.voluntary() + truth.involuntary()};
    }

    private static boolean kernelAtLeast(int major, int minor) {
        String[] v = System.getProperty("os.version").split("[.-]");
        int ma = Integer.parseInt(v[0]);
        int mi = Integer.parseInt(v[1]);
        return ma > major || ma == major && mi >= minor;
    }
}
