package org.ebpfagent.agent.otlp;

import java.util.concurrent.atomic.AtomicLong;

import org.ebpfagent.agent.metrics.Metric;
import org.ebpfagent.agent.metrics.Row;
import org.ebpfagent.agent.metrics.Table;
import org.ebpfagent.agent.metrics.Unit;

/**
 * The OTLP exporter's own health, among the agent's figures (so in the pushes themselves and on
 * the Prometheus endpoint if it runs): pushes accepted, failed and dropped. Counted in atomics by
 * the push thread and the poller, copied into the table by the poller just before each publish.
 */
final class OtlpFigures {
    static final Table OTLP = Table.process("otlp");
    static final Metric PUSHES = OTLP.counter("otlp.pushes", Unit.COUNT, "OTLP pushes the collector accepted");
    static final Metric FAILED = OTLP.counter("otlp.pushes_failed", Unit.COUNT,
            "OTLP pushes that failed: connection refused, no answer in time, or an error status");
    static final Metric DROPPED = OTLP.counter("otlp.pushes_dropped", Unit.COUNT,
            "OTLP pushes skipped because the one before was still in flight (a slow or hanging collector); "
                    + "the next push carries their figures, all cumulative");
    static final Metric POINTS = OTLP.counter("otlp.points", Unit.COUNT, "Data points in the pushes the collector accepted");
    static final Metric PUSH_TIME = OTLP.counter("otlp.push_time", Unit.NANOSECONDS,
            "Time the pushes took on the exporter's thread: converting the figures, sending, waiting for the answer");

    final AtomicLong pushes = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    final AtomicLong points = new AtomicLong();
    final AtomicLong pushNanos = new AtomicLong();

    /** Copies the counts into {@code row} (a row of {@link #OTLP}); on the poller's thread. */
    void copyTo(Row row) {
        row.set(PUSHES, pushes.get());
        row.set(FAILED, failed.get());
        row.set(DROPPED, dropped.get());
        row.set(POINTS, points.get());
        row.set(PUSH_TIME, pushNanos.get());
    }
}
