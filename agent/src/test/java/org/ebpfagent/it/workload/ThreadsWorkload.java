package org.ebpfagent.it.workload;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * Threads that stay. On {@code grow N} it starts threads named idle-K until N of them are alive,
 * each noting its tid and then parked for good (a switch out, off CPU from then on); once all have
 * noted their tids it prints {@code GROWN n=N tasks=T tids=A,B,...} (all of its idle threads so
 * far; T: this process's threads, from /proc/self/task). On {@code exit} it exits with 0.
 */
public final class ThreadsWorkload {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        int[] tids = new int[0];
        String line;
        while ((line = in.readLine()) != null && line.startsWith("grow ")) {
            int n = Integer.parseInt(line.substring(5));
            int had = tids.length;
            tids = java.util.Arrays.copyOf(tids, n);
            int[] all = tids;
            CountDownLatch noted = new CountDownLatch(n - had);
            for (int i = had; i < n; i++) {
                int k = i;
                Thread.ofPlatform().daemon().name("idle-" + i).start(() -> {
                    all[k] = Truth.currentTid();
                    noted.countDown();
                    while (true) {
                        LockSupport.park();
                    }
                });
            }
            noted.await();
            StringBuilder out = new StringBuilder("GROWN n=").append(n).append(" tasks=").append(tasks()).append(" tids=");
            for (int i = 0; i < n; i++) {
                out.append(i == 0 ? "" : ",").append(all[i]);
            }
            System.out.println(out);
            System.out.flush();
        }
        System.exit(0);
    }

    private static long tasks() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/task"))) {
            return s.count();
        }
    }
}
