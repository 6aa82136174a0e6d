package org.ebpfagent.it.workload;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Short-lived threads, the way services start them: after "go" on stdin, {@code waves} waves of
 * {@code perWave} threads started at once, each living about {@code lifeMillis} (a short spin,
 * then a sleep), the next wave starting as the last one ends. Each thread prints
 * "SHORT name=... tid=... javaId=..." as it ends, so the test knows every one of them.
 *
 * <p>Arguments: waves perWave lifeMillis
 */
public final class ShortThreadWorkload {
    static volatile long sink;

    public static void main(String[] args) throws Exception {
        int waves = Integer.parseInt(args[0]);
        int perWave = Integer.parseInt(args[1]);
        long lifeMillis = Long.parseLong(args[2]);
        new BufferedReader(new InputStreamReader(System.in)).readLine(); // "go"
        long tasksBefore = Files.list(Path.of("/proc/self/task")).count();
        int n = 0;
        for (int w = 0; w < waves; w++) {
            List<Thread> wave = new ArrayList<>();
            for (int i = 0; i < perWave; i++) {
                wave.add(Thread.ofPlatform().name("short-" + n++).start(() -> {
                    long start = System.nanoTime();
                    int tid = Truth.currentTid();
                    SchedWorkload.spinNanos(1_000_000);
                    long rest = lifeMillis * 1_000_000 - (System.nanoTime() - start);
                    if (rest > 0) {
                        try {
                            Thread.sleep(rest / 1_000_000, (int) (rest % 1_000_000));
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    Thread me = Thread.currentThread();
                    synchronized (ShortThreadWorkload.class) {
                        System.out.println("SHORT name=" + me.getName() + " tid=" + tid + " javaId=" + me.threadId());
                    }
                }));
            }
            for (Thread t : wave) {
                t.join();
            }
        }
        // join() returns when the Java thread is done; the kernel thread exits a moment later, and
        // the agent's last poll (at the JVM's exit) must find its exit.
        for (int i = 0; i < 200 && Files.list(Path.of("/proc/self/task")).count() > tasksBefore; i++) {
            Thread.sleep(10);
        }
        System.out.flush();
    }
}
