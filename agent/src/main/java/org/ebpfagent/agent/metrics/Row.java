package org.ebpfagent.agent.metrics;

/**
 * One row of a table: the values of its metrics for one thread group and label values. Recorders
 * get a row once (per thread, syscall, ...) and keep it; writing is a few array stores, no lookup
 * and no allocation. Written by the poller only (under its lock); exporters read the copies the
 * poller publishes.
 */
public final class Row {
    private final Rows rows;
    /** Where the row's values start in the table's storage. */
    final int base;
    private final Groups.Group group;
    private final String[] labels;

    Row(Rows rows, int base, Groups.Group group, String[] labels) {
        this.rows = rows;
        this.base = base;
        this.group = group;
        this.labels = labels;
    }

    /** Adds to a counter (or a gauge). */
    public void add(Metric m, long delta) {
        rows.data[base + m.offset] += delta;
    }

    /** Sets a gauge, or a counter the kernel keeps cumulative itself. */
    public void set(Metric m, long value) {
        rows.data[base + m.offset] = value;
    }

    /** Adds {@code count} observations to bucket {@code b} of a histogram. */
    public void addBucket(Metric m, int b, long count) {
        rows.data[base + m.offset + b] += count;
    }

    /** Adds to a histogram's sum. */
    public void addSum(Metric m, long delta) {
        rows.data[base + m.offset + m.buckets()] += delta;
    }

    /** One observation of a histogram: its bucket and its sum. */
    public void observe(Metric m, long value) {
        long[] d = rows.data;
        d[base + m.offset + m.bucketOf(value)]++;
        d[base + m.offset + m.buckets()] += value;
    }

    /** Null for a table of the whole process. */
    public Groups.Group group() {
        return group;
    }

    /** The label values after the thread group's; never modified. */
    String[] labels() {
        return labels;
    }
}
