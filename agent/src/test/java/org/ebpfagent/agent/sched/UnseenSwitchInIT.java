package org.ebpfagent.agent.sched;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.ebpfagent.agent.ffm.MapValue;
import org.ebpfagent.agent.ffm.StructView;
import org.ebpfagent.agent.probe.KernelTgid;
import org.ebpfagent.it.workload.Truth;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.ebpfagent.agent.sched.ThreadSchedLayout.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A thread whose switch-in fired no program (this kernel does that now and then) is read as
 * running from that switch-in, not as still waiting. The lost event is made here: a spinner's
 * entry, while it runs, is set back to RUNNABLE since 1 ms before its last switch-in, as an unseen
 * preemption and switch-in leave it. A millisecond later the walk before the read notes the switch-in at
 * the kernel's own stamp of it, and what the agent reads of the spinner is 1 ms of run-queue wait
 * (within 50 us; not 2 ms and more) and on-CPU time that matches the kernel's (schedstat). Its next
 * switch-out then repairs the entry itself (switch_ins_unseen). A round in which the spinner
 * left its CPU (the entry's own programs wrote it) proves nothing and is done again.
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
        try (SchedProbe probe = SchedProbe.open(KernelTgid.discover(), 4096, 256, attach);
             LiveThreads live = probe.liveThreads();
             MapValue counters = probe.counters.newValueReader()) {
            assertNotNull(probe.walk, "the walk over the threads attached");
            spinner.start();
            Thread.sleep(100);
            int notRunning = 0;
            int switched = 0;
            String proven = null;
            long deadline = System.nanoTime() + LOOK_NANOS;
            for (int round = 0; System.nanoTime() < deadline && proven == null; round++) {
                long[] switchesBefore = switches(tid.get());
                Copy before = copy(live, tid.get());
                if (before == null || before.view.u32(STATE) != RUNNING) {
                    notRunning++;
                    Thread.sleep(1);
                    continue;
                }
                long switchIn = before.view.u64(SINCE);
                byte[] poked = before.bytes.clone();
                StructView p = StructView.over(probe.layouts.threadSched(), poked);
                p.setU32(STATE, RUNNABLE);
                p.setU64(SINCE, switchIn - POKED_WAIT);
                probe.writeEntry(before.slot, before.view.u32(TID), poked);
                Thread.sleep(1); // read without the walk's note, the wait would be this much longer
                probe.walk.run();
                Copy after = copy(live, tid.get());
                long[] kernel = schedstat(tid.get());
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
                // clock reading, moved by offsets that each 100 ms sync may have adjusted a little.
                assertTrue(Math.abs(stamp - switchIn) <= 50_000,
                        "switch-in noted at " + stamp + ", seen by the program at " + switchIn);
                TimesSoFar t = new TimesSoFar().of(e, after.at);
                assertTrue(t.runningSinceNote);
                long waited = t.runQueueWait - e.u64(RUNQ_WAIT);
                assertTrue(Math.abs(waited - POKED_WAIT) <= 50_000, "run-queue wait read: " + waited + " ns");
                // schedstat's runtime is charged up to the last tick; the read counts wall time
                // since the switch-in, which also holds what the hypervisor stole.
                long ranSince = after.at - stamp;
                long slack = 5_000_000 + ranSince / 10;
                assertTrue(Math.abs(t.onCpu - kernel[0]) <= slack, String.format(
                        "on-CPU read %.3f ms, schedstat %.3f ms (slack %.3f ms)", t.onCpu / 1e6, kernel[0] / 1e6, slack / 1e6));
                proven = String.format("round %d: wait read %.3f ms, on-CPU read %.3f ms, schedstat %.3f ms",
                        round, waited / 1e6, t.onCpu / 1e6, kernel[0] / 1e6);
            }
            String raced = notRunning + " rounds found the spinner off its CPU, in " + switched + " it switched";
            System.out.println(attach + ": " + proven + "; " + raced);
            assertNotNull(proven, "no round without a switch of the spinner in " + LOOK_NANOS / 1_000_000_000L + " s: " + raced);
            stop.set(true);
            spinner.join();
            Thread.sleep(20);
            assertTrue(counters.read(0));
            assertTrue(counters.view(probe.layouts.counters()).u64(SWITCH_INS_UNSEEN) >= 1,
                    "the spinner's switch-out repaired its entry");
        } finally {
            stop.set(true);
            spinner.join();
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

    /** schedstat: time on a CPU, time waiting in a run queue, switch-ins. */
    private static long[] schedstat(int tid) throws Exception {
        String[] f = Files.readString(Path.of("/proc/self/task/" + tid + "/schedstat")).trim().split("\\s+");
        return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2])};
    }

    /** Switch-ins (schedstat) and switch-outs (status) of the thread so far. */
    private static long[] switches(int tid) throws Exception {
        Truth truth = Truth.of("", tid);
        return new long[] {schedstat(tid)[2], truth.voluntary() + truth.involuntary()};
    }
}
