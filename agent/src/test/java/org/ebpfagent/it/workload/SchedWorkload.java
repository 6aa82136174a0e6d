package org.ebpfagent.it.workload;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A workload with known scheduling: spinners that contend for the CPUs, sleepers that sleep
 * N x M ms, and workers taking turns on one lock. It waits for "go" on stdin (so the agent is
 * attached before any worker exists), runs, parks every spinner and locker, prints each one's
 * /proc truth and its life from start() to the park (a LIFE line), and exits with the requested
 * code while they are still parked, so their counters are final both in /proc and in the agent's
 * last poll. Sleepers print how long their sleeps took
 * and exit, so the agent reports them through its thread-exit path.
 *
 * <p>Arguments: spinners spinMillis sleepers sleeps sleepMillis lockers lockOps exitCode
 */
public final class SchedWorkload {
    static volatile long sink;

    public static void main(String[] args) throws Exception {
        int spinners = Integer.parseInt(args[0]);
        long spinMillis = Long.parseLong(args[1]);
        int sleepers = Integer.parseInt(args[2]);
        int sleeps = Integer.parseInt(args[3]);
        long sleepMillis = Long.parseLong(args[4]);
        int lockers = Integer.parseInt(args[5]);
        int lockOps = Integer.parseInt(args[6]);
        int exitCode = Integer.parseInt(args[7]);

        new BufferedReader(new InputStreamReader(System.in)).readLine(); // "go"
        int workers = spinners + sleepers + lockers;
        CountDownLatch done = new CountDownLatch(workers);
        List<Worker> all = new ArrayList<>();
        List<Thread> exiting = new ArrayList<>();
        ReentrantLock lock = new ReentrantLock(true);
        for (int i = 0; i < spinners; i++) {
            all.add(new Worker("spinner-" + i, done, () -> spin(spinMillis)));
        }
        for (int i = 0; i < sleepers; i++) {
            exiting.add(new Thread(() -> {
                int tid = Truth.currentTid();
                long start = System.nanoTime();
                for (int n = 0; n < sleeps; n++) {
                    try {
                        Thread.sleep(sleepMillis);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                long wall = System.nanoTime() - start;
                System.out.println("SLEPT name=" + Thread.currentThread().getName() + " tid=" + tid + " wall=" + wall);
                done.countDown();
            }, "sleeper-" + i));
        }
        for (int i = 0; i < lockers; i++) {
            all.add(new Worker("locker-" + i, done, () -> {
                for (int n = 0; n < lockOps; n++) {
                    lock.lock();
                    try {
                        spinNanos(50_000);
                    } finally {
                        lock.unlock();
                    }
                }
            }));
        }
        for (Worker w : all) {
            w.started = System.nanoTime();
            w.start();
        }
        exiting.forEach(Thread::start);
        done.await();
        for (Thread t : exiting) {
            t.join();
        }
        for (Worker w : all) {
            while (w.getState() != Thread.State.WAITING) { // parked for good: its counters are final
                Thread.sleep(1);
            }
        }
        Thread.sleep(20);
        for (Worker w : all) {
            System.out.println(Truth.of(w.getName(), w.tid).line());
            System.out.println("LIFE name=" + w.getName() + " nanos=" + (w.parked - w.started));
        }
        System.out.println("WORKLOAD DONE");
        System.out.flush();
        Thread.sleep(300);
        System.exit(exitCode);
    }

    static void spin(long millis) {
        long end = System.nanoTime() + millis * 1_000_000;
        long x = 1;
        while (System.nanoTime() < end) {
            for (int i = 0; i < 10_000; i++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
            }
        }
        sink = x;
    }

    static void spinNanos(long nanos) {
        long end = System.nanoTime() + nanos;
        long x = 1;
        while (System.nanoTime() < end) {
            x = x * 6364136223846793005L + 1442695040888963407L;
        }
        sink += x;
    }

    /**
     * A worker thread that records its own tid, works, then parks until the JVM exits. Its life up
     * to the park, from the start() call, bounds the time it can have been runnable.
     */
    static final class Worker extends Thread {
        volatile int tid;
        volatile long started;
        volatile long parked;

        Worker(String name, CountDownLatch done, Runnable work) {
            super(() -> {
                Worker self = (Worker) Thread.currentThread();
                self.tid = Truth.currentTid();
                work.run();
                done.countDown();
                self.parked = System.nanoTime();
                while (true) {
                    LockSupport.park();
                }
            }, name);
            setDaemon(true);
        }
    }
}
