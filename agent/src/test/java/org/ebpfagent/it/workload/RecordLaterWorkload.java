package org.ebpfagent.it.workload;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import jdk.jfr.Configuration;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;

/**
 * A JVM started without a recording that starts one later, as {@code jcmd JFR.start} would.
 * Prints READY, then per line on stdin:
 * <ul>
 * <li>{@code check}: {@code JFR-UP true|false}, whether JFR's Java side has been set up;
 * <li>{@code record JFC FILE}: starts a recording with those settings, runs a thread
 * {@code early-connector} that opens and closes {@link #CONNECTS} loopback connections, one
 * {@code early-spinner} that spins for 0.1 s, then one {@code late-spinner} that spins for 1.5 s,
 * each parked for good after its spin and its kernel accounting ({@link Truth}) printed then, waits
 * 1.5 s more (polls of the agent), stops the recording, dumps it to FILE and prints RECORDED;
 * <li>anything else: returns.
 * </ul>
 */
public final class RecordLaterWorkload {
    /** Connections opened by {@code early-connector}. */
    public static final int CONNECTS = 20;
    public static void main(String[] args) throws Exception {
        System.out.println("READY");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        for (String line; (line = in.readLine()) != null; ) {
            String[] cmd = line.split(" ");
            if (cmd[0].equals("check")) {
                System.out.println("JFR-UP " + FlightRecorder.isInitialized());
            } else if (cmd[0].equals("record")) {
                record(Path.of(cmd[1]), Path.of(cmd[2]));
                System.out.println("RECORDED");
            } else {
                return;
            }
        }
    }

    /** Runs a thread {@code name} that opens and closes {@code n} loopback connections; waits for it. */
    private static void connect(String name, int n) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress())) {
            Thread client = new Thread(() -> {
                for (int i = 0; i < n; i++) {
                    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                         Socket accepted = server.accept()) {
                        s.getOutputStream().write(1);
                        accepted.getInputStream().read();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }, name);
            client.start();
            client.join();
        }
    }

    /**
     * Runs a thread {@code name} that spins for {@code nanos}, then parks for good; once it is parked
     * prints its {@link Truth}. Read from the parked thread, the kernel's counters are final and
     * cover all the thread's on-CPU time, as the recording does. A thread that read its own counters
     * ran on past the reading while it built and printed its line and exited: once 2.3 ms beside a
     * 45 ms spin, more than the 5% the test allows.
     */
    private static void spin(String name, long nanos) throws Exception {
        AtomicInteger tid = new AtomicInteger();
        Thread spinner = new Thread(() -> {
            tid.set(Truth.currentTid());
            SchedWorkload.spinNanos(nanos);
            while (true) {
                LockSupport.park();
            }
        }, name);
        spinner.setDaemon(true);
        spinner.start();
        while (spinner.getState() != Thread.State.WAITING) {
            Thread.sleep(1);
        }
        Thread.sleep(20); // WAITING is set before the thread leaves the CPU
        System.out.println(Truth.of(name, tid.get()).line());
    }

    private static void record(Path jfc, Path file) throws Exception {
        try (Recording r = new Recording(Configuration.create(jfc))) {
            r.start();
            connect("early-connector", CONNECTS); // likely all before the agent's first poll with events
            spin("early-spinner", 100_000_000L);
            spin("late-spinner", 1_500_000_000L);
            Thread.sleep(1500);
            r.stop();
            r.dump(file);
        }
    }
}
