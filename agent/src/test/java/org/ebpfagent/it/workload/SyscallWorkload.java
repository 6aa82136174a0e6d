package org.ebpfagent.it.workload;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Syscalls in exactly known numbers, each kind on a thread of its own, through FFM into libc (no
 * JVM code in between that could add calls of the same syscall). Commands on stdin:
 * <ul>
 * <li>{@code exact}: thread sys-getppid makes 10,000 getppid calls, sys-close 1,000 close(-1)
 * (each EBADF), sys-sleep 100 nanosleep(10 ms) (glibc implements it with clock_nanosleep); prints
 * {@code EXACT DONE getppid=TID close=TID sleep=TID sleptNs=NS shortestNs=NS longestNs=NS} (the 100 calls, and the shortest and longest of them, by the thread's own clock). The threads stay alive.</li>
 * <li>{@code churn N}: N short-lived threads, one after another in waves of 100, each one getppid;
 * prints {@code CHURN DONE}.</li>
 * <li>{@code mixed}: thread sys-mixed writes and reads a file, sends and receives over a loopback TCP
 * connection, waits on a selector (epoll) and parks and unparks (futex); prints {@code MIXED DONE tid=TID}.</li>
 * <li>{@code exit}: exits with 0.</li>
 * </ul>
 */
public final class SyscallWorkload {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle GETPPID = libc("getppid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle CLOSE = libc("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle NANOSLEEP = libc("nanosleep", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));

    private static MethodHandle libc(String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), d);
    }

    public static void main(String[] args) throws Throwable {
        // Every class the threads below use is loaded here first: loading one from the class path
        // opens, reads and closes its file on whichever thread needs it first (a close more on sys-close).
        Truth.currentTid();
        int warmed = (int) CLOSE.invokeExact(-1); // (no getppid: the JVM's count of those is exact)
        Thread warm = start("warm-up", () -> { });
        waitDone(warm);
        System.out.println("READY");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.equals("exact")) {
                int[] tids = new int[3];
                long[] sleptNs = new long[3];
                Thread a = start("sys-getppid", () -> {
                    tids[0] = Truth.currentTid();
                    for (int i = 0; i < 10_000; i++) {
                        int unused = (int) GETPPID.invokeExact();
                    }
                });
                Thread b = start("sys-close", () -> {
                    tids[1] = Truth.currentTid();
                    for (int i = 0; i < 1_000; i++) {
                        int unused = (int) CLOSE.invokeExact(-1);
                    }
                });
                Thread c = start("sys-sleep", () -> {
                    tids[2] = Truth.currentTid();
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment ts = arena.allocate(16, 8);
                        ts.set(JAVA_LONG, 0, 0);
                        ts.set(JAVA_LONG, 8, 10_000_000);
                        long t0 = System.nanoTime();
                        long shortest = Long.MAX_VALUE;
                        long longest = 0;
                        for (int i = 0; i < 100; i++) {
                            long t = System.nanoTime();
                            int unused = (int) NANOSLEEP.invokeExact(ts, MemorySegment.NULL);
                            t = System.nanoTime() - t;
                            shortest = Math.min(shortest, t);
                            longest = Math.max(longest, t);
                        }
                        sleptNs[0] = System.nanoTime() - t0;
                        sleptNs[1] = shortest;
                        sleptNs[2] = longest;
                    }
                });
                waitDone(a, b, c);
                System.out.println("EXACT DONE getppid=" + tids[0] + " close=" + tids[1] + " sleep=" + tids[2]
                        + " sleptNs=" + sleptNs[0] + " shortestNs=" + sleptNs[1] + " longestNs=" + sleptNs[2]);
            } else if (line.startsWith("churn ")) {
                int n = Integer.parseInt(line.substring(6));
                for (int done = 0; done < n; done += 100) {
                    Thread[] wave = new Thread[Math.min(100, n - done)];
                    for (int i = 0; i < wave.length; i++) {
                        wave[i] = new Thread(() -> {
                            try {
                                int unused = (int) GETPPID.invokeExact();
                            } catch (Throwable e) {
                                throw new IllegalStateException(e);
                            }
                        }, "churn-" + (done + i));
                        wave[i].start();
                    }
                    for (Thread t : wave) {
                        t.join();
                    }
                }
                System.out.println("CHURN DONE");
            } else if (line.equals("mixed")) {
                int[] tid = new int[1];
                Thread t = new Thread(() -> {
                    tid[0] = Truth.currentTid();
                    try {
                        mixed();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, "sys-mixed");
                t.start();
                t.join();
                System.out.println("MIXED DONE tid=" + tid[0]);
            } else if (line.equals("exit")) {
                break;
            }
            System.out.flush();
        }
        System.exit(0);
    }

    /** File, socket, epoll and futex calls of one thread. */
    private static void mixed() throws Exception {
        Path file = Files.createTempFile("sys-mixed", ".txt");
        for (int i = 0; i < 20; i++) {
            Files.writeString(file, "line " + i);
            Files.readString(file);
        }
        Files.delete(file);
        try (ServerSocketChannel server = ServerSocketChannel.open();
             Selector selector = Selector.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (SocketChannel client = SocketChannel.open(server.getLocalAddress());
                 SocketChannel accepted = server.accept()) {
                accepted.configureBlocking(false);
                accepted.register(selector, SelectionKey.OP_READ);
                ByteBuffer buf = ByteBuffer.allocate(64);
                for (int i = 0; i < 50; i++) {
                    client.write(ByteBuffer.wrap(("ping " + i).getBytes()));
                    selector.select(1000);
                    selector.selectedKeys().clear();
                    buf.clear();
                    accepted.read(buf);
                }
            }
        }
        Thread me = Thread.currentThread();
        Thread waker = new Thread(() -> {
            for (int i = 0; i < 20; i++) {
                LockSupport.parkNanos(2_000_000);
                LockSupport.unpark(me);
            }
        }, "sys-waker");
        waker.start();
        for (int i = 0; i < 20; i++) {
            LockSupport.parkNanos(50_000_000);
        }
        waker.join();
    }

    private interface Body {
        void run() throws Throwable;
    }

    private static Thread start(String name, Body body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
            LockSupport.park(); // stays alive: its figures are read live
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Waits until each thread has parked at its end. */
    private static void waitDone(Thread... threads) throws InterruptedException {
        for (Thread t : threads) {
            while (t.getState() != Thread.State.WAITING) {
                Thread.sleep(10);
            }
        }
    }
}
