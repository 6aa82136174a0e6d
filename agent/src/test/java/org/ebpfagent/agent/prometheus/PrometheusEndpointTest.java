package org.ebpfagent.agent.prometheus;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import org.ebpfagent.agent.metrics.Log2Buckets;
import org.ebpfagent.agent.metrics.Metric;
import org.ebpfagent.agent.metrics.Metrics;
import org.ebpfagent.agent.metrics.Row;
import org.ebpfagent.agent.metrics.Rows;
import org.ebpfagent.agent.metrics.Table;
import org.ebpfagent.agent.metrics.ThreadRow;
import org.ebpfagent.agent.metrics.Unit;
import org.ebpfagent.agent.probe.PollStats;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The endpoint over real HTTP, with figures written the way the recorders write them. */
class PrometheusEndpointTest {
    static final Table THREADS = Table.perThreadGroup("demo");
    static final Metric TIME = THREADS.counter("demo.time", Unit.NANOSECONDS, "Time");
    static final Metric SENT = THREADS.counter("demo.sent", Unit.BYTES, "Bytes");
    static final Metric CALLS = THREADS.counter("demo.calls", Unit.COUNT, "Calls");
    static final Table LATENCY = Table.process("demo.latencies", "syscall");
    static final Metric DURATION = LATENCY.histogram("demo.duration", Unit.NANOSECONDS, "Call time",
            Log2Buckets.bounds(4));

    private static String scrape(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        return r.body();
    }

    @Test
    void servesThePublishedFiguresInBaseUnitsOnLoopback() throws Exception {
        Metrics m = new Metrics(8);
        Rows rows = m.rows(THREADS);
        Row pool = new ThreadRow().of(rows, "pool-1-thread-1");
        pool.add(TIME, 1_500_000_000L);
        pool.add(SENT, 1024);
        pool.add(CALLS, 3);
        Row read = m.rows(LATENCY).row(null, "read");
        read.observe(DURATION, 1);  // bucket 0, <= 1 ns
        read.observe(DURATION, 5);  // bucket 2, <= 7 ns
        read.observe(DURATION, 99); // bucket 3, +Inf
        try (PrometheusEndpoint e = PrometheusEndpoint.start(m, null, 0)) {
            assertTrue(e.url().startsWith("http://127.0.0.1:"), e.url());
            assertTrue(e.scope().startsWith("loopback only"), e.scope());
            String before = scrape(e.url());
            assertTrue(!before.contains("ebpf_demo"), "nothing published before the first poll:\n" + before);

            m.afterPoll(new PollStats(), 2_000_000, 0, 7);
            pool.add(CALLS, 100); // after the publish: not seen until the next
            String text = scrape(e.url());
            List<String> lines = text.lines().toList();
            assertTrue(lines.contains("ebpf_demo_time_seconds_total{thread_group=\"pool-#-thread-#\"} 1.5"), text);
            assertTrue(lines.contains("ebpf_demo_sent_bytes_total{thread_group=\"pool-#-thread-#\"} 1024.0"), text);
            assertTrue(lines.contains("ebpf_demo_calls_total{thread_group=\"pool-#-thread-#\"} 3.0"), text);
            assertTrue(lines.contains("# TYPE ebpf_demo_time_seconds_total counter"), text);
            assertTrue(lines.contains("ebpf_demo_duration_seconds_bucket{syscall=\"read\",le=\"1.0E-9\"} 1"), text);
            assertTrue(lines.contains("ebpf_demo_duration_seconds_bucket{syscall=\"read\",le=\"3.0E-9\"} 1"), text);
            assertTrue(lines.contains("ebpf_demo_duration_seconds_bucket{syscall=\"read\",le=\"7.0E-9\"} 2"), text);
            assertTrue(lines.contains("ebpf_demo_duration_seconds_bucket{syscall=\"read\",le=\"+Inf\"} 3"), text);
            assertTrue(lines.contains("ebpf_demo_duration_seconds_count{syscall=\"read\"} 3"), text);
            assertTrue(lines.contains("ebpf_demo_duration_seconds_sum{syscall=\"read\"} 1.05E-7"), text);
            assertTrue(lines.contains("ebpf_agent_polls_total 1.0"), text);
            assertTrue(lines.contains("ebpf_agent_poll_time_seconds_total 0.002"), text);
            assertTrue(lines.contains("ebpf_agent_probes_attached 7.0"), text);
            assertTrue(lines.contains("ebpf_agent_thread_groups_folded_total 0.0"), text);
            assertTrue(lines.contains("ebpf_prometheus_scrapes_refused_total 0.0"), text);
        }
    }

    @Test
    void aPortInUseOrAnUnknownHostIsOneClearFailure() throws Exception {
        Metrics m = new Metrics(8);
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            var e = assertThrows(PrometheusEndpoint.StartFailed.class,
                    () -> PrometheusEndpoint.start(m, null, taken.getLocalPort()));
            assertTrue(e.getMessage().startsWith("cannot listen on 127.0.0.1:" + taken.getLocalPort()), e.getMessage());
            assertTrue(e.getMessage().contains("metrics=PORT"), e.getMessage());
        }
        var e = assertThrows(PrometheusEndpoint.StartFailed.class,
                () -> PrometheusEndpoint.start(m, "no-such-host.invalid", 0));
        assertTrue(e.getMessage().startsWith("unknown host 'no-such-host.invalid'"), e.getMessage());
        // Not this host's address: bind refuses it.
        var f = assertThrows(PrometheusEndpoint.StartFailed.class, () -> PrometheusEndpoint.start(m, "192.0.2.1", 0));
        assertTrue(f.getMessage().startsWith("cannot listen on 192.0.2.1:0"), f.getMessage());
    }
}
