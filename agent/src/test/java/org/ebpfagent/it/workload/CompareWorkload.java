package org.ebpfagent.it.workload;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Spinners, alone or crowded by hogs, until one deadline; reports the CPU time the rest of the
 * machine took meanwhile.
 */
public final class CompareWorkload {
    /** USER_HZ: the unit of /proc/stat and /proc/PID/stat times, 100 on every Linux architecture Java runs on. */
    static final long TICKS_PER_SECOND = 100;
    static final long SETTLE_MILLIS = 500;
    static volatile long sink;

    /**
     * Arguments: spinners hogs spinMillis. Threads "spinner-i" and "hog-i" all start, then spin
     * together until the same deadline, so with hogs the spinners queue behind them. Waits for
     * "go" on stdin (the agent is attached by then), prints "OTHERS cpuMs=... wallMs=..." and
     * "WORKLOAD DONE", exits 0.
     */
    public static void main(String[] args) throws Exception {
        int spinners = Integer.parseInt(args[0]);
        int hogs = Integer.parseInt(args[1]);
        long millis = Long.parseLong(args[2]);
        new BufferedReader(new InputStreamReader(System.in)).readLine(); // "go"
        // The JIT is still compiling the agent's and JFR's startup code: let it finish on idle
        // CPUs rather than queue behind the spinners, where its wait would vary from run to run.
        Thread.sleep(SETTLE_MILLIS);
        // Every thread exists and waits before any spins: starting threads among spinning ones
        // would take the starter a share of the CPUs that shrinks with each thread started (192
        // hogs on 2 CPUs took it longer than the spin, and the last hogs never ran with the others).
        CountDownLatch go = new CountDownLatch(1);
        long[] deadline = new long[1];
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < hogs; i++) {
            threads.add(new Thread(() -> spinUntil(go, deadline), "hog-" + i));
        }
        for (int i = 0; i < spinners; i++) {
            threads.add(new Thread(() -> spinUntil(go, deadline), "spinner-" + i));
        }
        threads.forEach(Thread::start);
        long[] before = cpuTicks();
        long start = System.nanoTime();
        deadline[0] = start + millis * 1_000_000;
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        // Run-queue wait is exactly what a busy neighbour causes, so a test comparing two runs
        // needs to know whether one of them had one: all CPUs' busy time less this process's own.
        long[] after = cpuTicks();
        long others = (after[0] - before[0]) - (after[1] - before[1]);
        long wallMs = (System.nanoTime() - start) / 1_000_000;
        System.out.println("OTHERS cpuMs=" + others * 1000 / TICKS_PER_SECOND + " wallMs=" + wallMs);
        System.out.println("WORKLOAD DONE");
        System.out.flush();
    }

    /** {all CPUs' busy ticks, this process's ticks}. */
    static long[] cpuTicks() throws IOException {
        String[] cpu = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
        long busy = 0;
        for (int i = 1; i < cpu.length && i <= 8; i++) {
            if (i != 4 && i != 5) { // idle and iowait
                busy += Long.parseLong(cpu[i]);
            }
        }
        String self = Files.readString(Path.of("/proc/self/stat"));
        String[] f = self.substring(self.lastIndexOf(')') + 2).split(" "); // fields from 3 (state) on
        return new long[] {busy, Long.parseLong(f[11]) + Long.parseLong(f[12])}; // utime, stime: fields 14, 15
    }

    /** Waits for {@code go}, then spins until {@code deadline[0]} (written before go opens). */
    static void spinUntil(CountDownLatch go, long[] deadline) {
        try {
            go.await();
        } catch (InterruptedException e) {
            return;
        }
        long x = 1;
        while (System.nanoTime() < deadline[0]) {
            for (int i = 0; i < 10_000; i++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
            }
        }
        sink = x;
    }
}
