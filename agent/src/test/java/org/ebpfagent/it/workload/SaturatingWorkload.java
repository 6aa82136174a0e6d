package org.ebpfagent.it.workload;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

import jdk.jfr.Recording;
import jdk.jfr.RecordingState;

/**
 * Saturates the CPUs from the JVM's first moments: the spinners start in the main class's static
 * initializer, before main and while the agent is still attaching, so every thread's first interval
 * is a busy one. After "go" on stdin (sent once the agent has attached, however long that took on a
 * busy machine), for runMillis: workers taking turns on a fair lock (short waits), sleepers, and
 * short-lived threads started throughout (each lives ~30 ms), so that intervals begin and end with
 * threads' starts and exits as well as with polls.
 *
 * <p>Arguments: runMillis [secondRecording]: with a path, a second recording of the agent's
 * events starts halfway through the run (the line "LATE <epoch ns>" says when) and is written
 * there at the end.
 */
public final class SaturatingWorkload {
    static volatile boolean stop;
    static final List<Thread> STARTED = new ArrayList<>();

    static {
        int cpus = Runtime.getRuntime().availableProcessors();
        for (int i = 0; i < 2 * cpus; i++) {
            start("hog-" + i, () -> {
                while (!stop) {
                    SchedWorkload.spinNanos(1_000_000);
                }
            });
        }
    }

    public static void main(String[] args) throws Exception {
        long runMillis = Long.parseLong(args[0]);
        Recording late = args.length > 1 ? new Recording() : null;
        new BufferedReader(new InputStreamReader(System.in)).readLine(); // "go"
        ReentrantLock lock = new ReentrantLock(true);
        for (int i = 0; i < 3; i++) {
            start("locker-" + i, () -> {
                while (!stop) {
                    lock.lock();
                    try {
                        SchedWorkload.spinNanos(20_000);
                    } finally {
                        lock.unlock();
                    }
                }
            });
        }
        for (int i = 0; i < 2; i++) {
            start("sleeper-" + i, () -> {
                while (!stop) {
                    sleep(7);
                }
            });
        }
        long begin = System.nanoTime();
        long end = begin + runMillis * 1_000_000;
        int n = 0;
        while (System.nanoTime() < end) {
            if (late != null && late.getState() == RecordingState.NEW && System.nanoTime() - begin > runMillis * 500_000) {
                late.enable("ebpf.ThreadScheduling").withoutStackTrace();
                late.enable("ebpf.ThreadOffCpu").withoutStackTrace();
                late.start();
                Instant started = late.getStartTime();
                System.out.println("LATE " + (started.getEpochSecond() * 1_000_000_000L + started.getNano()));
            }
            Thread t = start("short-" + n++, () -> {
                long until = System.nanoTime() + 30_000_000;
                while (System.nanoTime() < until) {
                    SchedWorkload.spinNanos(2_000_000);
                    sleep(3);
                }
            });
            sleep(45);
            t.join();
        }
        stop = true;
        synchronized (STARTED) {
            for (Thread t : STARTED) {
                t.join();
            }
        }
        if (late != null) {
            late.stop();
            late.dump(Path.of(args[1]));
        }
    }

    private static Thread start(String name, Runnable body) {
        Thread t = new Thread(body, name);
        synchronized (STARTED) {
            STARTED.add(t);
        }
        t.start();
        return t;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
