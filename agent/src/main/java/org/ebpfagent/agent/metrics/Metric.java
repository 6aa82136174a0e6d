package org.ebpfagent.agent.metrics;

/**
 * One figure of a {@link Table}: a counter, a gauge or a histogram, declared once (a static
 * constant of the probe's own figures class) and written through a {@link Row}. Immutable.
 *
 * <p>The name is exporter-neutral: the probe, a dot, the figure in snake case, without unit or
 * suffix ({@code sched.on_cpu}, {@code tcp.sent}); the Prometheus exporter makes it
 * {@code ebpf_sched_on_cpu_seconds_total}. Values are longs in {@link #unit()}.
 */
public final class Metric {
    /** How a metric's values behave. */
    public enum Kind {
        /** Only grows: a cumulative total since the agent started. */
        COUNTER,
        /** The current value of something that goes up and down. */
        GAUGE,
        /** Cumulative counts per bucket of the values observed, and their sum. */
        HISTOGRAM
    }

    private final Table table;
    private final String name;
    private final String help;
    private final Unit unit;
    private final Kind kind;
    /** Where its values start in a row. */
    final int offset;
    /** Inclusive upper bounds of a histogram's buckets, the last Long.MAX_VALUE (+Inf); null otherwise. */
    private final long[] bounds;

    Metric(Table table, String name, String help, Unit unit, Kind kind, int offset, long[] bounds) {
        this.table = table;
        this.name = name;
        this.help = help;
        this.unit = unit;
        this.kind = kind;
        this.offset = offset;
        this.bounds = bounds;
    }

    public Table table() {
        return table;
    }

    /** E.g. {@code sched.on_cpu}: no unit, no {@code _total}. */
    public String name() {
        return name;
    }

    /** One sentence saying what it counts. */
    public String help() {
        return help;
    }

    public Unit unit() {
        return unit;
    }

    public Kind kind() {
        return kind;
    }

    /** A histogram's buckets (0 for a counter or a gauge). */
    public int buckets() {
        return bounds == null ? 0 : bounds.length;
    }

    /** Bucket {@code b}'s inclusive upper bound, in {@link #unit()}; {@link Long#MAX_VALUE} for the last (+Inf). */
    public long bound(int b) {
        return bounds[b];
    }

    /** Longs a row holds for it: one, or a histogram's bucket counts and its sum. */
    int width() {
        return bounds == null ? 1 : bounds.length + 1;
    }

    /** The bucket {@code value} falls in. */
    int bucketOf(long value) {
        int b = 0;
        while (value > bounds[b]) {
            b++;
        }
        return b;
    }

    @Override
    public String toString() {
        return name;
    }
}
