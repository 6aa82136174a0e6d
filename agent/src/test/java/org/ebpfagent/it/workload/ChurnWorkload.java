package org.ebpfagent.it.workload;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Many short-lived threads. On "go" it warms up (a GC and {@code warmup} threads named warmup-N)
 * and prints READY. On the next stdin line it starts {@code threads} threads named churn-0,
 * churn-1, ..., {@code wave} at a time, each doing a little work and exiting, and joins every
 * wave before starting the next. Each thread notes its tid and, as its last acts, its own time on
 * CPU from /proc/thread-self/schedstat and its voluntary switches from /proc/thread-self/status;
 * each wave is printed as {@code WAVE first=N tid,onCpu,voluntary=T,C,V T,C,V ...} (threads N,
 * N+1, ...). Then it prints
 * {@code CHURN DONE ran=N} and waits for one more line before exiting with 0.
 *
 * <p>Arguments: threads wave warmup
 */
public final class ChurnWorkload {
    static volatile long sink;

    public static void main(String[] args) throws Exception {
        int threads = Integer.parseInt(args[0]);
        int wave = Integer.parseInt(args[1]);
        int warmup = Integer.parseInt(args[2]);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        in.readLine(); // "go"
        // Warm-up: a collection and a few hundred threads, so that the JVM threads a churn wakes
        // (GC workers, Reference Handler, JFR's threads) have run before the baseline is taken.
        System.gc();
        for (int w = 0; w < warmup; w += wave) {
            Thread[] ts = new Thread[wave];
            for (int i = 0; i < wave; i++) {
                ts[i] = new Thread(() -> sink++, "warmup-" + (w + i));
                ts[i].start();
            }
            for (Thread t : ts) {
                t.join();
            }
        }
        System.out.println("READY");
        System.out.flush();
        in.readLine(); // start the churn
        AtomicInteger ran = new AtomicInteger();
        Thread[] batch = new Thread[wave];
        int[] tids = new int[wave];
        long[] cpu = new long[wave];
        long[] voluntary = new long[wave];
        for (int started = 0; started < threads; ) {
            int n = Math.min(wave, threads - started);
            for (int i = 0; i < n; i++) {
                int slot = i;
                batch[i] = new Thread(() -> {
                    tids[slot] = Truth.currentTid();
                    long x = 1;
                    for (int k = 0; k < 20_000; k++) {
                        x = x * 6364136223846793005L + 1442695040888963407L;
                    }
                    sink += x;
                    // Blocks, as a rule: leaves an off-CPU reason behind. Not always: a thread
                    // preempted for longer than the timeout before it sleeps finds it expired.
                    LockSupport.parkNanos(50_000);
                    ran.incrementAndGet();
                    voluntary[slot] = selfVoluntarySwitches();
                    cpu[slot] = selfOnCpu();
                }, "churn-" + (started + i));
                batch[i].start();
            }
            StringBuilder line = new StringBuilder("WAVE first=").append(started).append(" tid,onCpu,voluntary=");
            for (int i = 0; i < n; i++) {
                batch[i].join();
                batch[i] = null;
                line.append(i == 0 ? "" : " ").append(tids[i]).append(',').append(cpu[i]).append(',')
                        .append(voluntary[i]);
            }
            System.out.println(line);
            started += n;
        }
        System.out.println("CHURN DONE ran=" + ran.get());
        System.out.flush();
        in.readLine();
        System.exit(0);
    }

    /** The calling thread's time on CPU so far, from /proc/thread-self/schedstat (ns). */
    static long selfOnCpu() {
        try {
            String s = Files.readString(Path.of("/proc/thread-self/schedstat"));
            return Long.parseLong(s.substring(0, s.indexOf(' ')));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The calling thread's voluntary context switches so far, from /proc/thread-self/status. */
    static long selfVoluntarySwitches() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/thread-self/status"))) {
                if (line.startsWith("voluntary_ctxt_switches:")) {
                    return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                }
            }
            throw new IllegalStateException("no voluntary_ctxt_switches in /proc/thread-self/status");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
