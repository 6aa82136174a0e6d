package org.ebpfagent.agent.prometheus;

import org.ebpfagent.agent.metrics.Metric;
import org.ebpfagent.agent.metrics.Unit;

/**
 * A metric's Prometheus name and unit: {@code ebpf_}, the name in snake case, the base unit as a
 * suffix ({@code _seconds}, {@code _bytes}); the client adds {@code _total} to a counter and
 * {@code _bucket}/{@code _sum}/{@code _count} to a histogram. {@code sched.on_cpu} in ns is
 * {@code ebpf_sched_on_cpu_seconds_total}.
 */
final class PrometheusNames {
    static final String PREFIX = "ebpf_";

    private PrometheusNames() {}

    /** The name without the suffixes the client adds. */
    static String name(Metric m) {
        String base = PREFIX + m.name().replace('.', '_');
        return switch (m.unit()) {
            case NANOSECONDS -> base + "_seconds";
            case BYTES -> base + "_bytes";
            case COUNT -> base;
        };
    }

    /** The client's unit, or null for a count. */
    static io.prometheus.metrics.model.snapshots.Unit unit(Unit unit) {
        return switch (unit) {
            case NANOSECONDS -> io.prometheus.metrics.model.snapshots.Unit.SECONDS;
            case BYTES -> io.prometheus.metrics.model.snapshots.Unit.BYTES;
            case COUNT -> null;
        };
    }

    /** A raw value in the base unit (a division, correctly rounded: 3 ns is 3.0E-9 s, not 3.0000000000000004E-9). */
    static double base(Unit unit, long value) {
        return unit == Unit.NANOSECONDS ? value / 1e9 : value;
    }
}
