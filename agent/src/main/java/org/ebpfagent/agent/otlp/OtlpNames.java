package org.ebpfagent.agent.otlp;

import java.util.Map;

import org.ebpfagent.agent.metrics.Metric;
import org.ebpfagent.agent.metrics.Unit;

/**
 * A metric's OTLP name, unit and attribute names, the OpenTelemetry way: {@code ebpf.} and the
 * model's dotted name, no unit or {@code _total} in it ({@code sched.on_cpu} is
 * {@code ebpf.sched.on_cpu}); the unit in UCUM ({@code s}, {@code By}, {@code {count}}); times in
 * seconds, as the semantic conventions want durations. A collector's Prometheus exporter turns
 * these back into the names the agent's own endpoint serves ({@code ebpf_sched_on_cpu_seconds_total}).
 *
 * <p>Attributes take a semantic-convention name where one means the same thing, and otherwise the
 * label's name in the {@code ebpf.} namespace, never squatting a namespace the conventions own: a
 * thread group is not a {@code thread.name} (it is many threads, and {@code thread.*} is theirs),
 * nor Java's {@code ThreadGroup}, so it is {@code ebpf.thread_group}.
 */
final class OtlpNames {
    static final String PREFIX = "ebpf.";
    /** Labels with a semantic-convention counterpart: an errno names the class of error a call ended with. */
    private static final Map<String, String> SEMCONV = Map.of("errno", "error.type");

    private OtlpNames() {}

    static String name(Metric m) {
        return PREFIX + m.name();
    }

    static String unit(Unit unit) {
        return switch (unit) {
            case NANOSECONDS -> "s";
            case BYTES -> "By";
            case COUNT -> "{count}";
        };
    }

    /** The attribute a table's label becomes. */
    static String attribute(String label) {
        String semconv = SEMCONV.get(label);
        return semconv != null ? semconv : PREFIX + label;
    }

    /** A raw value in the exported unit: ns to seconds (a division, correctly rounded), others as they are. */
    static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
