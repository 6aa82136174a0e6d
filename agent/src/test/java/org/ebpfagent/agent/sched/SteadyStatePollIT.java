package org.ebpfagent.agent.sched;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import jdk.jfr.Recording;
import org.ebpfagent.agent.metrics.Metrics;
import org.ebpfagent.agent.metrics.TableSnapshot;
import org.ebpfagent.agent.probe.KernelTgid;
import org.ebpfagent.agent.probe.PollStats;
import org.ebpfagent.agent.threads.ThreadRegistry;
import org.ebpfagent.agent.threads.ThreadResolver;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The poll path in this very JVM, with 1,000 live threads and a JFR recording running: a
 * steady-state poll allocates nothing on the Java heap (ThreadMXBean's per-thread allocation
 * counter is the oracle) and the time a poll takes is recorded for docs/performance.md.
 */
class SteadyStatePollIT {
    static final int THREADS = 1000;
    static final int POLLS = 50;

    @Test
    void steadyStatePollAllocatesNothingWithAThousandThreads() throws Exception {
        run(null, "steady-state-poll.txt");
    }

    /** With metrics on, the recorder also adds every report to its thread group's row: still nothing allocated. */
    @Test
    void steadyStatePollWithMetricsAllocatesNothingEither() throws Exception {
        Metrics metrics = new Metrics(64);
        run(metrics, "steady-state-poll-metrics.txt");
        assertEquals(0, metrics.latest().polls(), "the recorder publishes nothing: the poller does");
        metrics.afterPoll(new PollStats(), 0, 0, 0);
        TableSnapshot sched = metrics.latest().tables().stream().filter(t -> t.table() == SchedFigures.THREADS)
                .findFirst().orElseThrow();
        long sleeperSwitches = 0;
        for (int row = 0; row < sched.size(); row++) {
            if (sched.label(row, 0).equals("sleeper-#")) {
                sleeperSwitches = sched.value(row, SchedFigures.VOLUNTARY);
            }
        }
        // Each of the 1,000 sleepers wakes every 100 ms for the 300 warm-up and 50 measured polls.
        assertTrue(sleeperSwitches >= THREADS * 10L, "voluntary switches of group sleeper-#: " + sleeperSwitches);
    }

    private void run(Metrics metrics, String reportFile) throws Exception {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        List<Thread> sleepers = new ArrayList<>();
        ThreadRegistry registry = new ThreadRegistry();
        // Slots for every thread (the default 1,024 would leave a few dozen to the hash): the walk alone is timed.
        SchedProbe probe = SchedProbe.open(KernelTgid.discover(), 32768, 2 * SchedProbe.SLOTS, "tp_btf");
        // As the agent runs: Java threads register themselves as they start, so a new thread the
        // JVM starts by itself (a GC or JIT worker) costs a lookup, not a scan of 1,000 threads.
        ThreadResolver resolver = ThreadResolver.create(registry, null);
        resolver.watchStarts();
        try (SchedRecorder recorder = new SchedRecorder(probe, registry, resolver, metrics);
             // The raw_tp flavour beside it, for its hash of the same threads: how long reading
             // the live entries takes either way (its events are never read otherwise).
             SchedProbe rawProbe = SchedProbe.open(KernelTgid.discover(), 32768, "raw_tp");
             LiveThreads slotRead = probe.liveThreads();
             LiveThreads hashRead = rawProbe.liveThreads();
             Recording recording = new Recording()) {
            recording.enable("ebpf.ThreadScheduling");
            recording.start();
            recorder.startEvents(); // as the poller does once JFR is up
            for (int i = 0; i < THREADS; i++) { // each wakes every 100 ms: active in every interval
                Thread t = Thread.ofPlatform().daemon().name("sleeper-" + i).start(() -> {
                    try {
                        while (true) {
                            Thread.sleep(100);
                        }
                    } catch (InterruptedException e) {
                        // stop
                    }
                });
                sleepers.add(t);
            }
            PollStats stats = new PollStats();
            // Warm up: slots, event objects, and the JIT, whose C2 code is what removes the
            // transient objects of FFM downcalls (interpreted or C1 code allocates them).
            for (int i = 0; i < 300; i++) {
                stats.reset();
                recorder.poll(stats);
                Thread.sleep(10);
            }
            // The sched_walk's code runs once a poll, far less often than the per-thread code: 300
            // polls leave it short of C2, and its next tier came in the measured polls with one
            // poll's 880 bytes (most runs; 2,832 once). In the agent, polling once a second, that
            // happens once, some minutes in; here the walk gets a warm-up of its own.
            for (int i = 0; i < 3000; i++) {
                probe.walk.run();
            }
            long[] allocated = new long[POLLS];
            boolean[] newThreads = new boolean[POLLS];
            long[] nanos = new long[POLLS];
            long tracked = 0;
            long events = 0;
            for (int i = 0; i < POLLS; i++) {
                Thread.sleep(100);
                stats.reset();
                long changes = recorder.threadChanges();
                long before = mx.getCurrentThreadAllocatedBytes();
                long t0 = System.nanoTime();
                recorder.poll(stats);
                nanos[i] = System.nanoTime() - t0;
                allocated[i] = mx.getCurrentThreadAllocatedBytes() - before;
                newThreads[i] = recorder.threadChanges() != changes;
                tracked = Math.max(tracked, stats.threadsTracked);
                events += stats.eventsWritten;
            }
            long[] slotNanos = new long[POLLS];
            long[] hashNanos = new long[POLLS];
            int[] counts = new int[2];
            java.util.function.Consumer<ThreadEntry> none = e -> { };
            for (int i = 0; i < 300 + POLLS; i++) { // warm-up, then measured
                long t0 = System.nanoTime();
                counts[0] = slotRead.read(none);
                long t1 = System.nanoTime();
                counts[1] = hashRead.read(none);
                long t2 = System.nanoTime();
                if (i >= 300) {
                    slotNanos[i - 300] = t1 - t0;
                    hashNanos[i - 300] = t2 - t1;
                }
            }
            long[] walkNanos = new long[POLLS];
            for (int i = 0; i < 300 + POLLS; i++) { // warm-up, then measured
                long t0 = System.nanoTime();
                probe.walk.run();
                if (i >= 300) {
                    walkNanos[i - 300] = System.nanoTime() - t0;
                }
            }
            Arrays.sort(walkNanos);
            Arrays.sort(slotNanos);
            Arrays.sort(hashNanos);
            Arrays.sort(nanos);
            long zeroPolls = Arrays.stream(allocated).filter(a -> a == 0).count();
            long steadyPolls = 0;
            long steadyBytes = 0;
            for (int i = 0; i < POLLS; i++) {
                if (!newThreads[i]) {
                    steadyPolls++;
                    steadyBytes += allocated[i];
                }
            }
            String report = String.format(Locale.ROOT,
                    "threads tracked %d, events per poll %.0f, poll time median %.3f ms, p90 %.3f ms, "
                            + "polls allocating 0 bytes: %d of %d, polls meeting no thread start or exit: %d allocating %d bytes "
                            + "in all; allocated per poll: %s; reading the live entries alone (median, p90): "
                            + "slot array walk (%d slots walked, %d in use) %.1f us, %.1f us; hash batch lookup (%d entries) %.1f us, %.1f us; "
                            + "the walk over the threads before the read (sched_walk) %.1f us, %.1f us",
                    tracked, (double) events / POLLS, nanos[POLLS / 2] / 1e6, nanos[POLLS * 9 / 10] / 1e6,
                    zeroPolls, POLLS, steadyPolls, steadyBytes, Arrays.toString(allocated),
                    ((SlotThreads) slotRead).highWater(), counts[0], slotNanos[POLLS / 2] / 1e3, slotNanos[POLLS * 9 / 10] / 1e3,
                    counts[1], hashNanos[POLLS / 2] / 1e3, hashNanos[POLLS * 9 / 10] / 1e3,
                    walkNanos[POLLS / 2] / 1e3, walkNanos[POLLS * 9 / 10] / 1e3);
            System.out.println(report);
            Files.writeString(Path.of("target", reportFile), report + "\n");
            assertTrue(tracked >= THREADS, "only " + tracked + " threads tracked");
            // Both flavours saw the same threads: the slots in use and the hash's entries agree.
            assertTrue(Math.abs(counts[0] - counts[1]) <= 5, report);
            assertTrue(events >= (long) THREADS * POLLS * 9 / 10, "too few events: " + events);
            // A poll that meets a thread it has not seen, or a thread's exit (the JVM starts and
            // ends threads now and then), may allocate its slot, look the thread up or grow the
            // event pool; every other poll must allocate nothing.
            assertTrue(steadyPolls >= POLLS / 2, "too few steady polls to judge: " + report);
            long steadyZero = 0;
            for (int i = 0; i < POLLS; i++) {
                if (!newThreads[i] && allocated[i] == 0) {
                    steadyZero++;
                }
            }
            // Seen here: every steady poll at 0 bytes but, in some runs, one poll shortly after a
            // thread start at 72 bytes (suspected: code recompiled after the start's slow path).
            assertTrue(steadyZero >= steadyPolls - 1, report);
            assertTrue(steadyBytes < 1024, report);
        } finally {
            sleepers.forEach(Thread::interrupt);
            for (Thread t : sleepers) { // gone before the next test counts this JVM's threads
                t.join();
            }
        }
    }
}
