package org.ebpfagent.it.workload;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.Selector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Threads that block for known reasons a known number of times. "pipe-reader" reads a pipe one
 * byte at a time, {@code reads} times, while "pipe-writer" writes each byte {@code gapMillis} ms
 * after the reader went to sleep for it, so every read blocks once in read(2); the reader sums the
 * wall time of its reads. "sleeper"
 * calls Thread.sleep {@code sleeps} times (HotSpot sleeps a platform thread on a futex) and sums
 * their wall time. "many-reasons" blocks in five different ways (a sleep, a pipe read, a selector,
 * a timed datagram receive, a blocking one), more than the probe keeps inside a thread's entry,
 * so some of its reasons go to the off_cpu map. Each prints one line and exits; the main thread
 * then waits for "exit" on stdin.
 *
 * <p>Arguments: reads gapMillis sleeps sleepMillis
 */
public final class OffCpuWorkload {

    interface Io {
        void run() throws Exception;
    }

    /** Runs {@code io} on another thread 5 ms from now, so the caller is blocked when it happens. */
    static void delayed(Io io) {
        Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(5);
                io.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** x86-64 read(2), as the first field of /proc/PID/task/TID/syscall shows it. */
    static final String READ_SYSCALL = "0";

    /**
     * Returns once thread {@code tid} sleeps in read(2): state S in its stat, and read as the
     * syscall it is in. Only data on the pipe wakes it, and only the caller writes any.
     */
    static void awaitBlockedInRead(int tid) throws Exception {
        Path task = Path.of("/proc/self/task/" + tid);
        while (true) {
            String stat = Files.readString(task.resolve("stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            if (state == 'S' && Files.readString(task.resolve("syscall")).startsWith(READ_SYSCALL + " ")) {
                return;
            }
            Thread.sleep(1);
        }
    }

    public static void main(String[] args) throws Exception {
        int reads = Integer.parseInt(args[0]);
        long gapMillis = Long.parseLong(args[1]);
        int sleeps = Integer.parseInt(args[2]);
        long sleepMillis = Long.parseLong(args[3]);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        in.readLine(); // "go": the agent is attached

        Pipe pipe = Pipe.open();
        int[] readerTid = new int[1];
        CountDownLatch readerStarted = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            int tid = Truth.currentTid();
            readerTid[0] = tid;
            readerStarted.countDown();
            ByteBuffer one = ByteBuffer.allocateDirect(1);
            long blocked = 0;
            try {
                for (int i = 0; i < reads; i++) {
                    one.clear();
                    long t0 = System.nanoTime();
                    if (pipe.source().read(one) != 1) {
                        throw new IllegalStateException("short read");
                    }
                    blocked += System.nanoTime() - t0;
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            System.out.println("READER tid=" + tid + " reads=" + reads + " wall=" + blocked);
        }, "pipe-reader");
        Thread writer = new Thread(() -> {
            ByteBuffer one = ByteBuffer.allocateDirect(1);
            try {
                readerStarted.await();
                for (int i = 0; i < reads; i++) {
                    // Each byte goes out only once the reader waits for it, so every read blocks
                    // however late a busy machine runs the reader.
                    awaitBlockedInRead(readerTid[0]);
                    Thread.sleep(gapMillis);
                    one.clear();
                    one.put((byte) i).flip();
                    pipe.sink().write(one);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "pipe-writer");
        Thread sleeper = new Thread(() -> {
            int tid = Truth.currentTid();
            long slept = 0;
            try {
                for (int i = 0; i < sleeps; i++) {
                    long t0 = System.nanoTime();
                    Thread.sleep(sleepMillis);
                    slept += System.nanoTime() - t0;
                }
            } catch (InterruptedException e) {
                return;
            }
            System.out.println("SLEEPER tid=" + tid + " sleeps=" + sleeps + " wall=" + slept);
        }, "sleeper");
        Thread many = new Thread(() -> {
            int tid = Truth.currentTid();
            try (Selector selector = Selector.open();
                 DatagramSocket timed = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                 DatagramChannel channel = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                Pipe own = Pipe.open();
                timed.setSoTimeout(5);
                ByteBuffer one = ByteBuffer.allocate(1);
                for (int i = 0; i < 5; i++) {
                    Thread.sleep(5);
                    delayed(() -> own.sink().write(ByteBuffer.wrap(new byte[] {1})));
                    one.clear();
                    own.source().read(one);
                    selector.select(5);
                    try {
                        timed.receive(new DatagramPacket(new byte[1], 1));
                    } catch (SocketTimeoutException expected) {
                        // the wait was the point
                    }
                    java.net.SocketAddress to = channel.getLocalAddress();
                    delayed(() -> DatagramChannel.open().send(ByteBuffer.wrap(new byte[] {1}), to));
                    one.clear();
                    channel.receive(one);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            System.out.println("MANY tid=" + tid);
        }, "many-reasons");
        reader.start();
        writer.start();
        sleeper.start();
        many.start();
        reader.join();
        writer.join();
        sleeper.join();
        many.join();
        System.out.println("DONE");
        System.out.flush();
        in.readLine(); // "exit", after the test let the agent poll the exits
    }
}
