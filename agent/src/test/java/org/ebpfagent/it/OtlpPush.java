package org.ebpfagent.it;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * One decoded push of the agent, its data points keyed as the agent's Prometheus endpoint names
 * the same series ({@code ebpf.sched.on_cpu} in s, a monotonic sum, is
 * {@code ebpf_sched_on_cpu_seconds_total}, as a collector's Prometheus exporter names it too; the
 * attributes back to the model's labels: {@code ebpf.thread_group} is {@code thread_group},
 * {@code error.type} is {@code errno}), so that the recording's oracle of PrometheusIT applies
 * unchanged. Times in ns (rounded from seconds), histogram buckets cumulative
 * with {@code le} as the bucket's index.
 */
record OtlpPush(Map<String, String> resource, long polls, long epochNanos, long startEpochNanos,
                Map<String, Long> values, List<Metric> metrics) {

    static final Map<String, String> LABELS = Map.of("ebpf.thread_group", "thread_group", "ebpf.syscall", "syscall",
            "ebpf.wait_kind", "wait_kind", "error.type", "errno");

    /** The push in {@code request}, which must hold the agent's resource and scope alone. */
    static OtlpPush of(ExportMetricsServiceRequest request) {
        assertEquals(1, request.getResourceMetricsCount(), "one resource per push");
        ResourceMetrics rm = request.getResourceMetrics(0);
        Map<String, String> resource = new TreeMap<>();
        for (KeyValue kv : rm.getResource().getAttributesList()) {
            resource.put(kv.getKey(), text(kv.getValue()));
        }
        assertEquals(1, rm.getScopeMetricsCount(), "one scope per push");
        ScopeMetrics sm = rm.getScopeMetrics(0);
        assertEquals("ebpf-agent", sm.getScope().getName());
        Map<String, Long> values = new HashMap<>();
        long time = -1;
        long start = -1;
        for (Metric m : sm.getMetricsList()) {
            String base = m.getName().replace('.', '_') + switch (m.getUnit()) {
                case "s" -> "_seconds";
                case "By" -> "_bytes";
                case "{count}" -> "";
                default -> throw new AssertionError("unit " + m.getUnit() + " of " + m.getName());
            };
            boolean seconds = m.getUnit().equals("s");
            switch (m.getDataCase()) {
                case SUM -> {
                    for (NumberDataPoint p : m.getSum().getDataPointsList()) {
                        values.put(PrometheusIT.key(base + "_total", labels(p.getAttributesList())), number(p, seconds));
                        time = same(time, p.getTimeUnixNano(), m);
                        start = same(start, p.getStartTimeUnixNano(), m);
                    }
                }
                case GAUGE -> {
                    for (NumberDataPoint p : m.getGauge().getDataPointsList()) {
                        values.put(PrometheusIT.key(base, labels(p.getAttributesList())), number(p, seconds));
                        time = same(time, p.getTimeUnixNano(), m);
                    }
                }
                case HISTOGRAM -> {
                    for (HistogramDataPoint p : m.getHistogram().getDataPointsList()) {
                        TreeMap<String, String> l = labels(p.getAttributesList());
                        values.put(PrometheusIT.key(base + "_count", l), p.getCount());
                        values.put(PrometheusIT.key(base + "_sum", l), seconds ? Math.round(p.getSum() * 1e9)
                                : Math.round(p.getSum()));
                        long cumulative = 0;
                        for (int b = 0; b < p.getBucketCountsCount(); b++) {
                            cumulative += p.getBucketCounts(b);
                            TreeMap<String, String> withLe = new TreeMap<>(l);
                            withLe.put("le", Integer.toString(b));
                            values.put(PrometheusIT.key(base + "_bucket", withLe), cumulative);
                        }
                        time = same(time, p.getTimeUnixNano(), m);
                        start = same(start, p.getStartTimeUnixNano(), m);
                    }
                }
                default -> fail("metric " + m.getName() + " of type " + m.getDataCase());
            }
        }
        Long polls = values.get("ebpf_agent_polls_total{}");
        assertTrue(polls != null, "no ebpf.agent.polls in a push: " + values.keySet());
        return new OtlpPush(resource, polls, time, start, values, sm.getMetricsList());
    }

    Instant at() {
        return Instant.ofEpochSecond(0, epochNanos);
    }

    private static long same(long seen, long now, Metric m) {
        assertTrue(seen < 0 || seen == now, "points of one push at different times: " + m.getName());
        return now;
    }

    private static long number(NumberDataPoint p, boolean seconds) {
        return switch (p.getValueCase()) {
            case AS_INT -> p.getAsInt();
            case AS_DOUBLE -> seconds ? Math.round(p.getAsDouble() * 1e9) : Math.round(p.getAsDouble());
            default -> throw new AssertionError("a point without a value: " + p);
        };
    }

    private static TreeMap<String, String> labels(List<KeyValue> attributes) {
        TreeMap<String, String> l = new TreeMap<>();
        for (KeyValue kv : attributes) {
            String name = LABELS.get(kv.getKey());
            assertTrue(name != null, "an attribute not in the documented set: " + kv.getKey());
            l.put(name, text(kv.getValue()));
        }
        return l;
    }

    static String text(AnyValue v) {
        return switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case INT_VALUE -> Long.toString(v.getIntValue());
            case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
            case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
            default -> v.toString();
        };
    }
}
