package org.ebpfagent.agent.metrics;

/**
 * One table's values as the poller published them after a poll. Immutable: exporters read it on
 * their own threads, as long as they like, without any lock.
 */
public final class TableSnapshot {
    private final Table table;
    /** Shared with the live table: its entries below {@link #size} never change. */
    private final Row[] rows;
    private final int size;
    private final long[] values;
    private final int width;

    TableSnapshot(Table table, Row[] rows, int size, long[] values, int width) {
        this.table = table;
        this.rows = rows;
        this.size = size;
        this.values = values;
        this.width = width;
    }

    public Table table() {
        return table;
    }

    /** Rows (series per metric). */
    public int size() {
        return size;
    }

    /** Label {@code i} of row {@code row}, in the order of {@link Table#labels()}: the thread group first, if any. */
    public String label(int row, int i) {
        Row r = rows[row];
        if (table.perThreadGroup()) {
            return i == 0 ? r.group().name() : r.labels()[i - 1];
        }
        return r.labels()[i];
    }

    /** A counter's or a gauge's value. */
    public long value(int row, Metric m) {
        return values[row * width + m.offset];
    }

    /** Observations in bucket {@code b} of a histogram (not cumulative). */
    public long bucket(int row, Metric m, int b) {
        return values[row * width + m.offset + b];
    }

    /** A histogram's sum. */
    public long sum(int row, Metric m) {
        return values[row * width + m.offset + m.buckets()];
    }

    /** A histogram's observations: its buckets' sum. */
    public long count(int row, Metric m) {
        long n = 0;
        for (int b = 0; b < m.buckets(); b++) {
            n += bucket(row, m, b);
        }
        return n;
    }
}
