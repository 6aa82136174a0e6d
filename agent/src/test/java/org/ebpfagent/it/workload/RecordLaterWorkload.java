package org.ebpfagent.it.workload;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;

import jdk.jfr.Configuration;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;

/**
 * A JVM started without a recording that starts one later, as {@code jcmd JFR.start} would.
 * Prints READY, then per line on stdin:
 * <ul>
 * <li>{@code check}: {@code JFR-UP true|false}, whether JFR's Java side has been set up;
 * <li>{@code record JFC FILE}: starts a recording with those settings, runs a thread
 * {@code late-spinner} that spins for 1.5 s and prints its kernel accounting ({@link Truth}) as
 * it ends, waits 1.5 s more (polls of the agent), stops the recording, dumps it to FILE and
 * prints RECORDED;
 * <li>anything else: returns.
 * </ul>
 */
public final class RecordLaterWorkload {
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

    private static void record(Path jfc, Path file) throws Exception {
        try (Recording r = new Recording(Configuration.create(jfc))) {
            r.start();
            Thread spinner = new Thread(() -> {
                SchedWorkload.spinNanos(1_500_000_000L);
                try {
                    System.out.println(Truth.of("late-spinner", Truth.currentTid()).line());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "late-spinner");
            spinner.start();
            spinner.join();
            Thread.sleep(1500);
            r.stop();
            r.dump(file);
        }
    }
}
