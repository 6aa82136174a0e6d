package org.ebpfagent.sample;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Entry point: runs the spinning, sleeping, lock-contending and TCP echo workloads for a while, then prints what each thread did. */
public final class SampleApp {

    private SampleApp() {
    }

    public static void main(String[] args) throws InterruptedException {
        Options options;
        try {
            options = Options.parse(args);
        } catch (Options.UsageException e) {
            System.err.println("sample-app: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (options.help()) {
            System.out.println(Options.USAGE);
            return;
        }

        var sleeper = new Sleeper(options.sleepers());
        var workloads = List.of(
                new Spinner(options.spinners()),
                sleeper,
                new ContendedPool(options.poolWorkers()),
                new EchoClients(options.echoClients()));

        // Progress goes to stderr so stdout holds only the summary; the pid lets a profiler attach.
        System.err.printf("sample-app: pid %d, running for %d s%n", ProcessHandle.current().pid(), options.durationSeconds());
        workloads.forEach(Workload::start);
        Thread.sleep(Duration.ofSeconds(options.durationSeconds()));

        // Stop everything first, then join, so all workloads wind down in parallel.
        workloads.forEach(Workload::stop);
        var results = new ArrayList<ThreadResult>();
        for (var workload : workloads) {
            results.addAll(workload.join());
        }

        System.out.printf("sample-app: ran %d s with %s, %s, %s, %s%n", options.durationSeconds(),
                count(options.spinners(), "spinner"), count(options.sleepers(), "sleeper"),
                count(options.poolWorkers(), "pool worker"), count(options.echoClients(), "echo client"));
        results.forEach(result -> System.out.println(result.toLine()));
        String latency = sleeper.latencySummary();
        if (!latency.isEmpty()) {
            System.out.println("  " + latency);
        }
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
