package org.ebpfagent.it.workload;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;

/**
 * Threads that block for known reasons a known number of times. "pipe-reader" reads a pipe one
 * byte at a time, {@code reads} times, while "pipe-writer" writes a byte every {@code gapMillis}
 * ms, so every read blocks once in read(2); the reader sums the wall time of its reads. "sleeper"
 * calls Thread.sleep {@code sleeps} times (HotSpot sleeps a platform thread on a futex) and sums
 * their wall time. Each prints one line and exits; the main thread then waits for "exit" on stdin.
 *
 * <p>Arguments: reads gapMillis sleeps sleepMillis
 */
public final class OffCpuWorkload {

    public static void main(String[] args) throws Exception {
        int reads = Integer.parseInt(args[0]);
        long gapMillis = Long.parseLong(args[1]);
        int sleeps = Integer.parseInt(args[2]);
        long sleepMillis = Long.parseLong(args[3]);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        in.readLine(); // "go": the agent is attached

        Pipe pipe = Pipe.open();
        Thread reader = new Thread(() -> {
            int tid = Truth.currentTid();
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
                for (int i = 0; i < reads; i++) {
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
        reader.start();
        writer.start();
        sleeper.start();
        reader.join();
        writer.join();
        sleeper.join();
        System.out.println("DONE");
        System.out.flush();
        in.readLine(); // "exit", after the test let the agent poll the exits
    }
}
