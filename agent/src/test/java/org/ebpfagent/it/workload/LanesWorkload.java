package org.ebpfagent.it.workload;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Named threads doing known kinds of work, all alive to the end, for a test of where JMC shows
 * each thread's events. After "go" on stdin, at once:
 * <ul>
 * <li>{@code lane-spinner} spins for {@code spinMillis} (on CPU, sampled by JFR);
 * <li>{@code lane-sleeper} sleeps {@code rounds} times for 30 ms (jdk.ThreadSleep, slow syscalls);
 * <li>{@code lane-parker} parks {@code rounds} times for 30 ms (jdk.ThreadPark);
 * <li>{@code lane-client} connects {@code rounds} times to {@code lane-server} over loopback and
 *     sends 100 bytes on each connection, which the server reads to the end;
 * <li>the main thread asks for a full GC (work of the JVM's own threads, which have no java.lang.Thread).
 * </ul>
 * Then it prints {@code LANES tids name=TID,...} and {@code LANES DONE}, and exits at the next line on stdin.
 * Arguments: spinMillis rounds
 */
public final class LanesWorkload {
    static volatile long sink;

    public static void main(String[] args) throws Exception {
        long spinMillis = Long.parseLong(args[0]);
        int rounds = Integer.parseInt(args[1]);
        ServerSocket server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in));
        stdin.readLine(); // "go"
        String[] names = {"lane-spinner", "lane-sleeper", "lane-parker", "lane-client", "lane-server"};
        int[] tids = new int[names.length];
        CountDownLatch done = new CountDownLatch(names.length);
        CountDownLatch exit = new CountDownLatch(1);
        Runnable[] work = {
            () -> {
                long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(spinMillis);
                long x = 1;
                while (System.nanoTime() < end) {
                    for (int i = 0; i < 10_000; i++) {
                        x = x * 6364136223846793005L + 1442695040888963407L;
                    }
                }
                sink = x;
            },
            () -> {
                for (int i = 0; i < rounds; i++) {
                    try {
                        Thread.sleep(30);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            },
            () -> {
                for (int i = 0; i < rounds; i++) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(30));
                }
            },
            () -> {
                try {
                    for (int i = 0; i < rounds; i++) {
                        try (Socket s = new Socket(server.getInetAddress(), server.getLocalPort())) {
                            s.getOutputStream().write(new byte[100]);
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            },
            () -> {
                try {
                    byte[] buffer = new byte[1024];
                    for (int i = 0; i < rounds; i++) {
                        try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                            while (in.read(buffer) >= 0) {
                                // to the client's close
                            }
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            },
        };
        for (int i = 0; i < names.length; i++) {
            int k = i;
            Thread t = new Thread(() -> {
                tids[k] = Truth.currentTid();
                try {
                    work[k].run();
                } finally {
                    done.countDown();
                }
                // Alive to the end, so every event of the thread can still name its java.lang.Thread.
                awaitQuietly(exit);
            }, names[i]);
            t.setDaemon(true);
            t.start();
        }
        System.gc();
        done.await();
        StringBuilder line = new StringBuilder("LANES tids");
        for (int i = 0; i < names.length; i++) {
            line.append(i == 0 ? " " : ",").append(names[i]).append('=').append(tids[i]);
        }
        System.out.println(line);
        System.out.println("LANES DONE");
        System.out.flush();
        stdin.readLine();
        exit.countDown();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
