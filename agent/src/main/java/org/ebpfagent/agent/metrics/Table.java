package org.ebpfagent.agent.metrics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The declaration of metrics that share their labels: per thread group (the first label,
 * {@value #THREAD_GROUP}) and the table's own labels ({@code syscall}, ...), or for the whole
 * process. A probe declares its tables as static constants of its own figures class; a
 * {@link Metrics} keeps their values ({@link Rows}). Metrics may be added until the table is first
 * used by a {@link Metrics}.
 */
public final class Table {
    /** The label every per-thread-group table starts with. */
    public static final String THREAD_GROUP = "thread_group";

    private final String name;
    private final boolean perThreadGroup;
    private final List<String> labels;
    private final List<Metric> metrics = new ArrayList<>();
    private int width;
    private volatile boolean sealed;

    private Table(String name, boolean perThreadGroup, String... labels) {
        this.name = name;
        this.perThreadGroup = perThreadGroup;
        List<String> all = new ArrayList<>();
        if (perThreadGroup) {
            all.add(THREAD_GROUP);
        }
        all.addAll(List.of(labels));
        this.labels = List.copyOf(all);
    }

    /** Rows per thread group and the values of {@code labels}. */
    public static Table perThreadGroup(String name, String... labels) {
        return new Table(name, true, labels);
    }

    /** Rows for the whole process, per the values of {@code labels} (none: one row). */
    public static Table process(String name, String... labels) {
        return new Table(name, false, labels);
    }

    public Metric counter(String name, Unit unit, String help) {
        return add(name, help, unit, Metric.Kind.COUNTER, null);
    }

    public Metric gauge(String name, Unit unit, String help) {
        return add(name, help, unit, Metric.Kind.GAUGE, null);
    }

    /** @param bounds inclusive upper bounds, increasing, the last {@link Long#MAX_VALUE} */
    public Metric histogram(String name, Unit unit, String help, long[] bounds) {
        if (bounds.length == 0 || bounds[bounds.length - 1] != Long.MAX_VALUE) {
            throw new IllegalArgumentException(name + ": the last bucket must be unbounded");
        }
        for (int i = 1; i < bounds.length; i++) {
            if (bounds[i] <= bounds[i - 1]) {
                throw new IllegalArgumentException(name + ": bucket bounds must increase");
            }
        }
        return add(name, help, unit, Metric.Kind.HISTOGRAM, bounds.clone());
    }

    private synchronized Metric add(String metricName, String help, Unit unit, Metric.Kind kind, long[] bounds) {
        if (sealed) {
            throw new IllegalStateException("table " + name + " is in use: declare " + metricName + " before");
        }
        Metric m = new Metric(this, metricName, help, unit, kind, width, bounds);
        metrics.add(m);
        width += m.width();
        return m;
    }

    /** Called when a Metrics first keeps values for it: its layout is fixed from then on. */
    synchronized int seal() {
        sealed = true;
        return width;
    }

    public String name() {
        return name;
    }

    public boolean perThreadGroup() {
        return perThreadGroup;
    }

    /** The label names, {@value #THREAD_GROUP} first for a per-thread-group table. */
    public List<String> labels() {
        return labels;
    }

    public List<Metric> metrics() {
        return Collections.unmodifiableList(metrics);
    }

    @Override
    public String toString() {
        return name;
    }
}
