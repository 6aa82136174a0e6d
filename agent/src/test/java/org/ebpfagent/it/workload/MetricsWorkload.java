package org.ebpfagent.it.workload;

import java.io.BufferedReader;
import java.io.InputStreamReader;

/**
 * A small application for the metrics endpoint's bad paths: a spinner and a sleeper, until a line
 * "stop" arrives on stdin; then main returns (exit code 0 if no thread the agent started keeps the
 * JVM alive).
 */
public final class MetricsWorkload {
    static volatile boolean running = true;
    static volatile long sink;

    public static void main(String[] args) throws Exception {
        Thread spinner = new Thread(() -> {
            long x = 1;
            while (running) {
                for (int i = 0; i < 100_000; i++) {
                    x = x * 6364136223846793005L + 1442695040888963407L;
                }
                sink = x;
                Thread.onSpinWait();
            }
        }, "spinner-0");
        Thread sleeper = new Thread(() -> {
            while (running) {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "sleeper-0");
        spinner.start();
        sleeper.start();
        System.out.println("workload ran");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        String line;
        while ((line = in.readLine()) != null && !line.equals("stop")) {
            // wait for the test
        }
        running = false;
        spinner.join();
        sleeper.join();
        System.out.println("workload done");
    }
}
