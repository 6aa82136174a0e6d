package org.ebpfagent.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;

import jdk.jfr.consumer.RecordedEvent;
import org.ebpfagent.it.workload.MetricsWorkload;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OTLP exporter's bad paths, in a child JVM under the real agent: a collector that refuses the
 * connection (a closed port), one that accepts and never answers, a host that does not resolve,
 * and a URL the option refuses. Each gives one line (WARN, or the option's ERROR), the application
 * exits 0 on time, the recording is written, and the poller keeps polling at its interval (its
 * {@code ebpf.AgentStatistics} events are the oracle). The exporter's own counts are read through
 * the Prometheus endpoint of the same run.
 */
class OtlpFailureIT {
    static final long INTERVAL_MILLIS = 100;
    /** The exporter's request timeout (OtlpSender.TIMEOUT). */
    static final Duration PUSH_TIMEOUT = Duration.ofSeconds(10);

    @Test
    void aRefusingCollectorIsOneWarningAndEverythingCarriesOn() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        String warn = carriesOn("http://127.0.0.1:" + port + "/v1/metrics", null);
        assertTrue(warn.contains("otlp: push to http://127.0.0.1:" + port + "/v1/metrics failed: connection refused"),
                warn);
    }

    @Test
    void anUnknownHostIsOneWarningAndEverythingCarriesOn() throws Exception {
        String warn = carriesOn("http://no-such-host.invalid:4318/v1/metrics", null);
        assertTrue(warn.contains("failed: unknown host 'no-such-host.invalid'"), warn);
    }

    /**
     * A collector that accepts every connection and never answers: one request in flight at a
     * time, each ended by the timeout, the pushes in between dropped and counted; and the JVM
     * exits at once when the application ends, with a request in flight.
     */
    @Test
    void aHangingCollectorHoldsOneRequestAndNeverTheExit() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Socket> accepted = new CopyOnWriteArrayList<>();
            List<Instant> acceptedAt = new CopyOnWriteArrayList<>();
            Thread acceptor = Thread.ofPlatform().daemon().start(() -> {
                try {
                    while (true) {
                        Socket s = silent.accept(); // held open, never read, never answered
                        accepted.add(s);
                        acceptedAt.add(Instant.now());
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            String warn = carriesOn("http://127.0.0.1:" + silent.getLocalPort() + "/v1/metrics", accepted);
            assertTrue(warn.contains("failed: no answer within 10 s"), warn);
            System.out.println("connections the silent collector accepted: " + acceptedAt);
            for (Socket s : accepted) {
                s.close();
            }
            silent.close();
            acceptor.join(5000);
        }
    }

    @Test
    void aBadUrlIsOneErrorNamingTheOption() throws Exception {
        AgentRun.Running child = AgentRun.of(MetricsWorkload.class).agentOptions("otlp=ftp://collector:4318").start();
        child.awaitStdout("workload ran", Duration.ofSeconds(60));
        child.send("stop");
        AgentRun.Result r = child.finish(Duration.ofSeconds(60));
        assertEquals(0, r.exitCode(), () -> "exit code; stderr: " + r.stderr());
        List<String> lines = r.agentLines().stream().filter(l -> l.startsWith("WARN") || l.startsWith("ERROR")).toList();
        assertEquals(1, lines.size(), () -> "agent lines: " + r.agentLines());
        assertTrue(lines.get(0).contains("bad value 'ftp://collector:4318' for option 'otlp' (accepted: an http or "
                + "https URL"), lines.get(0));
        assertTrue(Files.size(r.recording()) > 0, "the recording");
    }

    /**
     * Runs the workload pushing to {@code url} with the Prometheus endpoint on; returns the agent's
     * one WARN line. With {@code hanging} (the connections a silent collector accepted), the
     * application is stopped right after a new request reached it, and must exit long before that
     * request's timeout.
     */
    private static String carriesOn(String url, List<Socket> hanging) throws Exception {
        AgentRun.Running child = AgentRun.of(MetricsWorkload.class)
                .agentOptions("metrics=0,otlpEvery=1,interval=" + INTERVAL_MILLIS + "ms,otlp=" + url).start();
        Matcher m = MetricsEndpointIT.ENDPOINT.matcher(child.awaitStderr("metrics: Prometheus endpoint on", Duration.ofSeconds(60)));
        assertTrue(m.find());
        String endpoint = m.group(1);
        child.awaitStderr("otlp: push to", Duration.ofSeconds(60).plus(PUSH_TIMEOUT));
        // The window over which the poller is watched while pushes keep failing.
        Instant from = Instant.now();
        Duration window = Duration.ofSeconds(3);
        Thread.sleep(window.toMillis());
        Instant to = Instant.now();
        String figures = MetricsEndpointIT.awaitScrape(endpoint, "ebpf_otlp_pushes_failed_total", Duration.ofSeconds(30));
        long failed = MetricsEndpointIT.value(figures, "ebpf_otlp_pushes_failed_total");
        long dropped = MetricsEndpointIT.value(figures, "ebpf_otlp_pushes_dropped_total");
        long pushes = MetricsEndpointIT.value(figures, "ebpf_otlp_pushes_total");
        int otlpThreads = MetricsEndpointIT.threadsNamed(child.pid(), "ebpf-agent-otlp");
        System.out.printf("%s: failed %d, dropped %d, accepted %d; exporter threads %d%n", url, failed, dropped, pushes,
                otlpThreads);
        assertEquals(0, pushes);
        assertTrue(otlpThreads <= 2, "the exporter's threads: " + otlpThreads);
        long stopNanos;
        if (hanging == null) {
            assertTrue(failed >= 2, "pushes kept being tried (and failing): " + failed);
            stopNanos = System.nanoTime();
            child.send("stop");
        } else {
            // One request at a time: the first timed out (the WARN), the next one is in flight.
            int before = hanging.size();
            assertTrue(before <= 2, "connections while one request may be in flight: " + before);
            assertTrue(dropped >= 1, "pushes dropped while one was in flight: " + dropped);
            long deadline = System.nanoTime() + PUSH_TIMEOUT.multipliedBy(3).toNanos();
            while (hanging.size() == before && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(hanging.size() > before, "a new request after the timeout");
            stopNanos = System.nanoTime();
            child.send("stop");
        }
        AgentRun.Result r = child.finish(Duration.ofSeconds(60));
        Duration exit = Duration.ofNanos(System.nanoTime() - stopNanos);
        System.out.println("exit " + exit.toMillis() + " ms after stop");
        if (hanging != null) {
            // A request just reached the silent collector: had the exit waited for it, it would take
            // its whole timeout.
            assertTrue(exit.compareTo(PUSH_TIMEOUT.minusSeconds(1)) < 0, "exit took " + exit + " with a request in flight");
        }
        String all = "\nstdout: " + r.stdout() + "\nstderr: " + r.stderr();
        assertEquals(0, r.exitCode(), () -> "the application's exit code" + all);
        assertTrue(r.stdout().contains("workload done"), () -> "the application did not finish" + all);
        List<String> warnings = r.agentLines().stream().filter(l -> l.startsWith("WARN") || l.startsWith("ERROR")).toList();
        assertEquals(1, warnings.size(), () -> "agent warnings" + all);
        for (String l : r.stderr()) {
            assertTrue(!l.startsWith("\tat ") && !l.contains("Exception in thread") && !l.contains("SEVERE")
                    && !l.toLowerCase().contains("opentelemetry"), () -> "a stack trace or the SDK's own logging" + all);
        }
        long spinnerOnCpu = Recordings.events(r.recording(), "ebpf.ThreadScheduling").stream()
                .filter(e -> "spinner-0".equals(e.getString("threadName"))).mapToLong(e -> e.getLong("onCpu")).sum();
        assertTrue(spinnerOnCpu > 0, "spinner-0's on-CPU time in the recording");
        MetricsEndpointIT.Polls polls = MetricsEndpointIT.Polls.between(r.recording(), from, to);
        long maxGap = polls.longestGapMillis();
        long expected = Duration.between(from, to).toMillis() / INTERVAL_MILLIS;
        System.out.printf("polls while pushes failed: %d in %d ms (%d expected), longest gap %d ms%n", polls.count(),
                Duration.between(from, to).toMillis(), expected, maxGap);
        // A stalled poller would leave the window without a poll; a busy machine may delay some.
        assertTrue(polls.count() >= expected / 3, "polls while pushes failed: " + polls.count() + " of " + expected);
        assertTrue(maxGap < window.toMillis() / 2, "longest gap between polls: " + maxGap + " ms");
        System.out.println(warnings.get(0));
        return warnings.get(0);
    }
}
