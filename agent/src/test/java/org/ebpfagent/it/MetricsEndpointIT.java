package org.ebpfagent.it;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import jdk.jfr.consumer.RecordedEvent;
import org.ebpfagent.it.workload.MetricsWorkload;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The metrics endpoint's bad paths, in a child JVM under the real agent: a port already in use and
 * a host that does not resolve each give one WARN line while the probes, the recording and the
 * application carry on (main returns: exit code 0); clients that send half a request, never read
 * the answer, or connect and say nothing hold at most the endpoint's two scrape threads, and the
 * poller keeps polling at its interval meanwhile (its {@code ebpf.AgentStatistics} events are the
 * oracle); once they go, scrapes are served again.
 */
class MetricsEndpointIT {
    static final Pattern ENDPOINT = Pattern.compile("metrics: Prometheus endpoint on (http://127\\.0\\.0\\.1:(\\d+)/metrics)");
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void aPortInUseIsOneWarningAndTheRecordingCarriesOn() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            String warn = carriesOnWithOneWarning("metrics=" + port);
            assertTrue(warn.contains("metrics endpoint not started: cannot listen on 127.0.0.1:" + port), warn);
            assertTrue(warn.contains("metrics=PORT"), warn);
        }
    }

    @Test
    void anUnknownHostIsOneWarningAndTheRecordingCarriesOn() throws Exception {
        String warn = carriesOnWithOneWarning("metrics=no-such-host.invalid:9404");
        assertTrue(warn.contains("metrics endpoint not started: unknown host 'no-such-host.invalid'"), warn);
    }

    /** Runs the workload with {@code options}; returns the agent's one WARN line. */
    private static String carriesOnWithOneWarning(String options) throws Exception {
        AgentRun.Running child = AgentRun.of(MetricsWorkload.class).agentOptions(options + ",interval=100ms").start();
        child.awaitStderr("sched probe attached", Duration.ofSeconds(60));
        child.send("stop");
        AgentRun.Result r = child.finish(Duration.ofSeconds(60));
        String all = "\nstdout: " + r.stdout() + "\nstderr: " + r.stderr();
        assertEquals(0, r.exitCode(), () -> "the application's exit code" + all);
        assertTrue(r.stdout().contains("workload done"), () -> "the application did not finish" + all);
        List<String> warnings = r.agentLines().stream().filter(l -> l.startsWith("WARN") || l.startsWith("ERROR")).toList();
        assertEquals(1, warnings.size(), () -> "agent warnings" + all);
        assertTrue(r.agentLines().stream().noneMatch(l -> l.contains("metrics: Prometheus endpoint on")), all);
        for (String l : r.stderr()) {
            assertTrue(!l.startsWith("\tat ") && !l.contains("Exception in thread"), () -> "stack trace" + all);
        }
        // The recording was written, with the probe's events: the spinner's time on the CPU.
        long spinnerOnCpu = Recordings.events(r.recording(), "ebpf.ThreadScheduling").stream()
                .filter(e -> "spinner-0".equals(e.getString("threadName"))).mapToLong(e -> e.getLong("onCpu")).sum();
        assertTrue(spinnerOnCpu > 0, "spinner-0's on-CPU time in the recording");
        assertTrue(Recordings.events(r.recording(), "ebpf.AgentStatistics").size() >= 1, "polls in the recording");
        System.out.println(warnings.get(0));
        return warnings.get(0);
    }

    @Test
    void hangingScrapersHoldTwoThreadsAtMostAndNeverThePoller() throws Exception {
        long intervalMillis = 100;
        AgentRun.Running child = AgentRun.of(MetricsWorkload.class)
                .agentOptions("metrics=0,interval=" + intervalMillis + "ms").start();
        Matcher m = ENDPOINT.matcher(child.awaitStderr("metrics: Prometheus endpoint on", Duration.ofSeconds(60)));
        assertTrue(m.find());
        String url = m.group(1);
        int port = Integer.parseInt(m.group(2));
        child.awaitStderr("sched probe attached", Duration.ofSeconds(60));
        awaitScrape(url, "ebpf_sched_on_cpu_seconds_total{thread_group=\"spinner-#\"}", Duration.ofSeconds(60));

        List<Socket> hanging = new ArrayList<>();
        Instant from;
        Instant to;
        Duration window = Duration.ofSeconds(4);
        int scrapeThreads;
        try {
            for (int i = 0; i < 3; i++) { // half a request: each holds a scrape thread reading the rest
                hanging.add(connect(port, 0, "GET /metr"));
            }
            for (int i = 0; i < 3; i++) { // a whole request, the answer never read, through a small window
                hanging.add(connect(port, 1024, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
            }
            for (int i = 0; i < 20; i++) { // connected, silent
                hanging.add(connect(port, 0, ""));
            }
            from = Instant.now();
            // A scrape meanwhile is answered or refused, never left waiting.
            long t0 = System.nanoTime();
            try {
                HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
                        HttpResponse.BodyHandlers.discarding());
            } catch (IOException e) {
                System.out.println("scrape while hung: " + e);
            }
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(20).toNanos(), "a scrape waited for the hung ones");
            Thread.sleep(window.toMillis()); // the window over which the poller is observed
            scrapeThreads = threadsNamed(child.pid(), "ebpf-agent-metr");
            to = Instant.now();
        } finally {
            for (Socket s : hanging) {
                s.close();
            }
        }
        assertTrue(scrapeThreads <= 2, "scrape threads with " + hanging.size() + " hanging clients: " + scrapeThreads);
        // Their threads come back: scrapes are served again, and say some were refused (at least
        // one of the three half requests found both threads held).
        String after = awaitScrape(url, "ebpf_agent_polls_total", Duration.ofSeconds(60));
        Matcher refused = Pattern.compile("(?m)^ebpf_prometheus_scrapes_refused_total (\\S+)$").matcher(after);
        assertTrue(refused.find() && Double.parseDouble(refused.group(1)) >= 1, after);
        child.send("stop");
        AgentRun.Result r = child.finish(Duration.ofSeconds(60));
        assertEquals(0, r.exitCode(), () -> "exit code; stderr: " + r.stderr());

        Polls polls = Polls.between(r.recording(), from, to);
        long maxGap = polls.longestGapMillis();
        long expected = Duration.between(from, to).toMillis() / intervalMillis;
        System.out.printf("polls while %d clients hung: %d in %d ms (every %d ms expected: %d), longest gap %d ms, "
                + "scrape threads %d%n", hanging.size(), polls.count(), Duration.between(from, to).toMillis(),
                intervalMillis, expected, maxGap, scrapeThreads);
        // A stalled poller would leave the whole window without a poll; a busy machine may delay
        // some: at least a third of the polls, and no gap of half the window.
        assertTrue(polls.count() >= expected / 3, "polls while clients hung: " + polls.count() + " of " + expected);
        assertTrue(maxGap < window.toMillis() / 2, "longest gap between polls: " + maxGap + " ms");
    }

    private static Socket connect(int port, int receiveBuffer, String send) throws IOException {
        Socket s = new Socket();
        if (receiveBuffer > 0) {
            s.setReceiveBufferSize(receiveBuffer);
        }
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        if (!send.isEmpty()) {
            OutputStream out = s.getOutputStream();
            out.write(send.getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
        return s;
    }

    /** Scrapes until the answer holds {@code text}. */
    /**
     * The polls the recording shows ending in [from, to] (its ebpf.AgentStatistics events), and the
     * longest time without one in that window: what a poller stalled by an exporter would show.
     */
    record Polls(int count, long longestGapMillis) {
        static Polls between(Path recording, Instant from, Instant to) throws IOException {
            List<Instant> ends = Recordings.events(recording, "ebpf.AgentStatistics").stream()
                    .map(RecordedEvent::getEndTime).filter(t -> !t.isBefore(from) && !t.isAfter(to)).sorted().toList();
            long gap = 0;
            Instant previous = from;
            for (Instant t : ends) {
                gap = Math.max(gap, Duration.between(previous, t).toMillis());
                previous = t;
            }
            return new Polls(ends.size(), Math.max(gap, Duration.between(previous, to).toMillis()));
        }
    }

    /** The value of the sample {@code name} (without labels) in a scrape, rounded. */
    static long value(String scrape, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + " (\\S+)$").matcher(scrape);
        assertTrue(m.find(), name + " in " + scrape.length() + " chars");
        return Math.round(Double.parseDouble(m.group(1)));
    }

    static String awaitScrape(String url, String text, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains(text)) {
                    return r.body();
                }
                last = r.statusCode() + " " + r.body().length() + " chars";
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no scrape with '" + text + "' within " + timeout + "; last: " + last);
    }

    /** Threads of process {@code pid} whose name starts with {@code prefix}. */
    static int threadsNamed(long pid, String prefix) throws IOException {
        int n = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    if (Files.readString(t.resolve("comm")).startsWith(prefix)) {
                        n++;
                    }
                } catch (IOException gone) {
                    // the thread ended
                }
            }
        }
        return n;
    }
}
