package org.ebpfagent.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import org.ebpfagent.it.workload.OwnOtelWorkload;
import org.ebpfagent.sample.SampleApp;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OTLP exporter against a receiver inside the test (OpenTelemetry's protobuf classes decoding
 * the requests): the sample app runs under the agent with every probe, {@code otlp=} pushing after
 * every poll, and a JFR recording; then every data point the receiver decoded is compared with the
 * same figure summed from the recording's events.
 *
 * <p>How the two are lined up: each push carries the snapshot of one poll, and its
 * {@code ebpf.agent.polls} says which; the recording has one {@code ebpf.AgentStatistics} per poll
 * from its first on, and the polls before it are found from the pushed poll times
 * ({@link PrometheusIT.Recorded#pollOffset}). So, as in PrometheusIT,
 * the increase of a series between two pushes must equal the events of the polls in between, within
 * what the two boundary polls carried (an event read by the next poll while it ran falls on the
 * other side in the recording): a tolerance derived from the data, series by series.
 */
class OtlpIT {
    static final int BUCKETS = PrometheusIT.BUCKETS;

    @Test
    void theCollectorReceivesTheFiguresTheRecordingHolds() throws Exception {
        AgentRun.Result result;
        List<OtlpReceiver.Received> received;
        long pid;
        try (OtlpReceiver receiver = OtlpReceiver.start()) {
            AgentRun.Running app = AgentRun.of(SampleApp.class).classPath(AgentRun.classesOf(SampleApp.class))
                    .agentOptions("probes=sched+tcp+syscalls,otlpEvery=1,otlp=" + receiver.url())
                    .args("--duration=30").start();
            pid = app.pid();
            String line = app.awaitStderr("metrics: OTLP pushes to", Duration.ofSeconds(60));
            assertTrue(line.contains(receiver.url()) && line.contains("service.name=org.ebpfagent.sample.SampleApp"), line);
            result = app.finish(Duration.ofSeconds(180));
            received = receiver.received();
            assertEquals(List.of(), receiver.refused(), "requests the receiver could not take");
        }
        assertEquals(0, result.exitCode(), () -> "the sample app's exit code; stderr: " + result.stderr());
        assertTrue(result.agentLines().stream().noneMatch(l -> l.startsWith("WARN") || l.startsWith("ERROR")),
                () -> "agent lines: " + result.agentLines());
        assertTrue(result.stderr().stream().noneMatch(l -> l.toLowerCase().contains("opentelemetry")),
                () -> "the SDK logged on the application's stderr: " + result.stderr());

        List<OtlpPush> pushes = new ArrayList<>();
        received.forEach(r -> pushes.add(OtlpPush.of(r.request())));
        pushes.sort(Comparator.comparingLong(OtlpPush::polls));
        int bytes = received.stream().mapToInt(OtlpReceiver.Received::bytes).max().orElse(0);
        System.out.printf("%d pushes received, polls %d..%d, up to %d points and %d bytes each%n", pushes.size(),
                pushes.get(0).polls(), pushes.get(pushes.size() - 1).polls(),
                pushes.stream().mapToInt(p -> p.values().size()).max().orElse(0), bytes);
        // On a busy machine pushes are dropped while one is slow (the first loads the SDK): the
        // comparison below needs two pushes far enough apart, which it checks itself.
        assertTrue(pushes.size() >= 2, "pushes received: " + pushes.size());

        checkResource(pushes, pid);
        checkShape(pushes);

        OtlpPush last = pushes.get(pushes.size() - 1);
        Set<String> names = new TreeSet<>();
        pushes.forEach(p -> p.values().keySet().forEach(k -> names.add(k.substring(0, k.indexOf('{')))));
        List<String> families = new ArrayList<>(PrometheusIT.FAMILIES);
        families.addAll(List.of("ebpf_otlp_pushes_total", "ebpf_otlp_pushes_failed_total", "ebpf_otlp_pushes_dropped_total",
                "ebpf_otlp_points_total", "ebpf_otlp_push_time_seconds_total"));
        for (String family : families) {
            assertTrue(names.contains(family), "no data point of " + family + "; the pushes have " + names);
        }
        // The exporter's own count, as of the last push's poll, has every push the receiver took but
        // that one and the one that may still have been in flight then (one at a time: the ones
        // before it had ended).
        assertTrue(last.values().get("ebpf_otlp_pushes_total{}") >= pushes.size() - 2, () -> "ebpf.otlp.pushes: "
                + last.values().get("ebpf_otlp_pushes_total{}") + " of " + pushes.size());

        // Cardinality: one point per thread group, bounded by the cap (nothing folded in this app).
        Set<String> groups = new TreeSet<>();
        last.values().keySet().stream().filter(k -> k.contains("thread_group=\""))
                .forEach(k -> groups.add(k.replaceAll(".*thread_group=\"([^\"]*)\".*", "$1")));
        System.out.println(groups.size() + " thread groups: " + groups);
        assertEquals(last.values().get("ebpf_agent_thread_groups{}"), (long) groups.size(),
                "thread groups in the points against the agent's own count");
        assertTrue(groups.size() <= 64 && !groups.contains("(other)"), groups::toString);

        compareWithTheRecording(pushes, new PrometheusIT.Recorded(result.recording()));
    }

    /**
     * An application with its own OpenTelemetry SDK (the real, unrelocated one, registered as the
     * global OpenTelemetry) exporting to the same receiver: its metric arrives whole under its own
     * resource, the agent's under the agent's, neither mixes into the other, and no line of either
     * SDK's logging appears. With {@code metricsGroups=4} the agent's thread groups are capped, the
     * rest folded into {@code (other)} and counted.
     */
    @Test
    void anApplicationsOwnOpenTelemetryIsNotDisturbed() throws Exception {
        AgentRun.Result result;
        List<OtlpReceiver.Received> received;
        try (OtlpReceiver receiver = OtlpReceiver.start()) {
            String classPath = String.join(":", new java.util.LinkedHashSet<String>(List.of(
                    AgentRun.WORKLOAD_CLASSES,
                    AgentRun.classesOf(io.opentelemetry.api.GlobalOpenTelemetry.class),
                    AgentRun.classesOf(io.opentelemetry.context.Context.class),
                    AgentRun.classesOf(io.opentelemetry.common.ComponentLoader.class),
                    AgentRun.classesOf(io.opentelemetry.sdk.resources.Resource.class),
                    AgentRun.classesOf(io.opentelemetry.sdk.metrics.SdkMeterProvider.class),
                    AgentRun.classesOf(io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter.class),
                    AgentRun.classesOf(io.opentelemetry.exporter.internal.otlp.metrics.MetricsRequestMarshaler.class),
                    AgentRun.classesOf(io.opentelemetry.exporter.internal.FailedExportException.class),
                    AgentRun.classesOf(io.opentelemetry.exporter.sender.jdk.internal.JdkHttpSenderProvider.class))));
            AgentRun.Running app = AgentRun.of(OwnOtelWorkload.class).classPath(classPath)
                    .agentOptions("interval=200ms,otlpEvery=1,metricsGroups=4,otlpService=agent-side,otlp=" + receiver.url())
                    .args(receiver.url()).start();
            app.awaitStdout("workload ran", Duration.ofSeconds(60));
            // Until both have pushed a few times: the application every 500 ms, the agent every 200 ms.
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline && (count(receiver, "agent-side") < 5 || count(receiver, "own-otel-app") < 3)) {
                Thread.sleep(100);
            }
            app.send("stop");
            result = app.finish(Duration.ofSeconds(60));
            received = receiver.received();
            assertEquals(List.of(), receiver.refused());
        }
        assertEquals(0, result.exitCode(), () -> "exit code; stderr: " + result.stderr());
        assertTrue(result.stdout().contains("workload done"), result::toString);
        assertTrue(result.agentLines().stream().noneMatch(l -> l.startsWith("WARN") || l.startsWith("ERROR")),
                () -> "agent lines: " + result.agentLines());
        assertTrue(result.stderr().stream().noneMatch(l -> l.toLowerCase().contains("opentelemetry")
                || l.contains("SEVERE") || l.contains("WARNING:")), () -> "stderr: " + result.stderr());

        long appRequests = -1;
        int appPushes = 0;
        List<OtlpPush> agent = new ArrayList<>();
        for (OtlpReceiver.Received r : received) {
            String service = serviceName(r.request());
            if (service.equals("agent-side")) {
                agent.add(OtlpPush.of(r.request()));
                continue;
            }
            assertEquals("own-otel-app", service, "a push from neither");
            appPushes++;
            for (var rm : r.request().getResourceMetricsList()) {
                for (var sm : rm.getScopeMetricsList()) {
                    // its own metric, and its SDK's metrics of its exporter (it is the global OpenTelemetry)
                    assertTrue(!sm.getScope().getName().contains("ebpf"), sm.getScope().getName());
                    for (Metric m : sm.getMetricsList()) {
                        assertTrue(!m.getName().startsWith("ebpf."), "an agent metric in the application's push: "
                                + m.getName());
                        if (sm.getScope().getName().equals("own-app")) {
                            assertEquals("app.requests", m.getName());
                            appRequests = m.getSum().getDataPoints(0).getAsInt();
                        }
                    }
                }
            }
        }
        System.out.printf("%d pushes of the application (app.requests %d), %d of the agent%n", appPushes, appRequests,
                agent.size());
        assertEquals(OwnOtelWorkload.REQUESTS, appRequests, "the application's own counter, as it counted it");
        assertTrue(agent.size() >= 5, "the agent's pushes: " + agent.size());
        agent.sort(Comparator.comparingLong(OtlpPush::polls));
        OtlpPush last = agent.get(agent.size() - 1);
        Set<String> groups = new TreeSet<>();
        last.values().keySet().stream().filter(k -> k.contains("thread_group=\""))
                .forEach(k -> groups.add(k.replaceAll(".*thread_group=\"([^\"]*)\".*", "$1")));
        System.out.println("thread groups with metricsGroups=4: " + groups + ", folded: "
                + last.values().get("ebpf_agent_thread_groups_folded_total{}"));
        assertTrue(groups.contains("(other)") && groups.size() == 5, "4 groups and (other): " + groups);
        assertEquals(4L, last.values().get("ebpf_agent_thread_groups{}"));
        assertTrue(last.values().get("ebpf_agent_thread_groups_folded_total{}") >= 6,
                "at least the workload's six names folded: " + last.values().get("ebpf_agent_thread_groups_folded_total{}"));
    }

    /**
     * The agent jar holds OpenTelemetry relocated only: no class, class reference or service file
     * under io.opentelemetry (an application's own SDK finds none of the agent's), no OkHttp or
     * Kotlin, and the JDK sender's provider registered under its relocated name.
     */
    @Test
    void theAgentJarHoldsOpenTelemetryRelocatedOnly() throws Exception {
        Pattern unrelocated = Pattern.compile("(?<!shaded/)io/opentelemetry/");
        int classes = 0;
        String provider = null;
        try (var jar = new java.util.jar.JarFile(AgentRun.AGENT_JAR.toFile())) {
            for (var e : java.util.Collections.list(jar.entries())) {
                String name = e.getName();
                assertTrue(!name.startsWith("io/") && !name.startsWith("okhttp3/") && !name.startsWith("kotlin/")
                        && !name.startsWith("META-INF/services/io."), "an unrelocated entry: " + name);
                if (name.startsWith("org/ebpfagent/shaded/io/opentelemetry/") && name.endsWith(".class")) {
                    classes++;
                }
                if (name.endsWith(".class")) {
                    String text = new String(jar.getInputStream(e).readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
                    assertTrue(!unrelocated.matcher(text).find(), "a reference to an unrelocated class in " + name);
                }
                if (name.equals("META-INF/services/org.ebpfagent.shaded.io.opentelemetry.sdk.common.export.HttpSenderProvider")) {
                    provider = new String(jar.getInputStream(e).readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
                }
            }
        }
        System.out.println(classes + " relocated OpenTelemetry classes; HTTP sender: " + provider);
        assertTrue(classes > 100, "relocated OpenTelemetry classes: " + classes);
        assertEquals("org.ebpfagent.shaded.io.opentelemetry.exporter.sender.jdk.internal.JdkHttpSenderProvider", provider);
    }

    private static int count(OtlpReceiver receiver, String service) {
        return (int) receiver.received().stream().filter(r -> serviceName(r.request()).equals(service)).count();
    }

    private static String serviceName(io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest request) {
        return request.getResourceMetrics(0).getResource().getAttributesList().stream()
                .filter(kv -> kv.getKey().equals("service.name")).map(kv -> kv.getValue().getStringValue())
                .findFirst().orElse("");
    }

    /** Who the pushes say they come from: this child, this host, in semantic-convention names. */
    private static void checkResource(List<OtlpPush> pushes, long pid) throws Exception {
        Map<String, String> r = pushes.get(0).resource();
        System.out.println("resource: " + r);
        assertEquals("org.ebpfagent.sample.SampleApp", r.get("service.name"), "the main class");
        assertEquals(Long.toString(pid), r.get("process.pid"));
        assertEquals(Files.readString(Path.of("/proc/sys/kernel/hostname")).strip(), r.get("host.name"));
        assertEquals("amd64", System.getProperty("os.arch"), "this test expects an x86_64 JVM");
        assertEquals("amd64", r.get("host.arch"));
        assertEquals("linux", r.get("os.type"));
        assertEquals("java", r.get("telemetry.sdk.language"));
        assertTrue(r.get("service.instance.id").matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}"),
                r::toString);
        for (OtlpPush p : pushes) {
            assertEquals(r, p.resource(), "every push from the same resource");
        }
    }

    /**
     * Cumulative temporality, monotonic sums, the histograms' explicit bounds (2^(b+1) - 1 ns),
     * one start time for every point of the run, and no cumulative value ever going down.
     */
    private static void checkShape(List<OtlpPush> pushes) {
        long start = pushes.get(0).startEpochNanos();
        Map<String, Long> previous = new HashMap<>();
        for (OtlpPush p : pushes) {
            assertEquals(start, p.startEpochNanos(), "one start time for the whole run");
            assertTrue(start < p.epochNanos(), "start before the point's time");
            for (Metric m : p.metrics()) {
                assertTrue(m.getName().startsWith("ebpf.") && !m.getDescription().isEmpty(), m.getName());
                switch (m.getDataCase()) {
                    case SUM -> {
                        assertEquals(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE,
                                m.getSum().getAggregationTemporality(), m.getName());
                        assertTrue(m.getSum().getIsMonotonic(), m.getName());
                    }
                    case HISTOGRAM -> {
                        assertEquals(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE,
                                m.getHistogram().getAggregationTemporality(), m.getName());
                        for (HistogramDataPoint h : m.getHistogram().getDataPointsList()) {
                            assertEquals(BUCKETS, h.getBucketCountsCount(), m.getName());
                            assertEquals(BUCKETS - 1, h.getExplicitBoundsCount(), m.getName());
                            for (int b = 0; b < BUCKETS - 1; b++) {
                                assertEquals(((1L << (b + 1)) - 1) / 1e9, h.getExplicitBounds(b), m.getName());
                            }
                            assertEquals(h.getBucketCountsList().stream().mapToLong(Long::longValue).sum(), h.getCount());
                        }
                    }
                    case GAUGE -> assertTrue(m.getName().startsWith("ebpf.agent."), "a gauge: " + m.getName());
                    default -> throw new AssertionError(m.getName() + ": " + m.getDataCase());
                }
            }
            for (var e : p.values().entrySet()) {
                String k = e.getKey();
                boolean cumulative = k.contains("_total{") || k.contains("_count{") || k.contains("_sum{")
                        || k.contains("_bucket{");
                Long before = previous.put(k, e.getValue());
                if (cumulative && before != null) {
                    assertTrue(e.getValue() >= before, k + " went down from " + before + " to " + e.getValue());
                }
            }
        }
    }

    private static void compareWithTheRecording(List<OtlpPush> pushes, PrometheusIT.Recorded rec) {
        // Polls before the recording's first, from the pushed poll counts and poll times.
        List<PrometheusIT.PollCount> seen = new ArrayList<>();
        for (OtlpPush p : pushes) {
            seen.add(new PrometheusIT.PollCount(p.polls(), p.values().get("ebpf_agent_poll_time_seconds_total{}")));
        }
        int offset = rec.pollOffset(seen);

        // The first push whose polls all began inside the recording, and the last push of a poll the
        // recording holds: the JVM's exit may come after JFR's last chunk, and a push with it.
        int lastRecorded = offset + rec.pollEnds.length;
        OtlpPush first = pushes.stream().filter(p -> p.polls() >= offset + PrometheusIT.FIRST_COMPARED_POLL).findFirst().orElseThrow();
        OtlpPush last = pushes.stream().filter(p -> p.polls() <= lastRecorded).reduce((a, b) -> b).orElseThrow();
        int p1 = Math.toIntExact(first.polls());
        int p2 = Math.toIntExact(last.polls());
        System.out.printf("polls before the recording %d, in it %d, compared polls %d..%d%n", offset,
                rec.pollEnds.length, p1 + 1, p2);
        // Every family must move over the compared polls (checked below); a few polls are enough for
        // that in this app. On a machine busy enough, the first push (it loads the SDK) took 15 s
        // and the pushes meanwhile were dropped: a longer run leaves enough after it.
        assertTrue(p2 - p1 >= 4, "too few polls between two pushes to compare: " + p1 + ".." + p2);

        Map<String, Map<Integer, Long>> expected = rec.figures(offset);
        Set<String> keys = new TreeSet<>();
        for (String k : last.values().keySet()) {
            if (compared(k)) {
                keys.add(k);
            }
        }
        keys.addAll(expected.keySet());
        SeriesAgreement agreement = SeriesAgreement.of(keys,
                k -> last.values().getOrDefault(k, 0L) - first.values().getOrDefault(k, 0L), expected, p1, p2, "pushed");
        agreement.assertAgrees(OtlpIT::compared);
        int exact = agreement.exact();
        assertTrue(exact * 10 >= keys.size() * 9, "fewer than 90% of the series equal to the recording: " + exact
                + " of " + keys.size());
    }

    /** The series the recording says something about (not the agent's or the exporter's health, nor the syscall buckets). */
    private static boolean compared(String key) {
        return !key.startsWith("ebpf_agent_") && !key.startsWith("ebpf_otlp_")
                && !key.startsWith("ebpf_syscall_duration_seconds_bucket{");
    }
}
