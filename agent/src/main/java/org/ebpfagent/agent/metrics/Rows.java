package org.ebpfagent.agent.metrics;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The values of one {@link Table} in one {@link Metrics}: a row per thread group and label values,
 * made at first use and kept (counters stay cumulative). All rows' values live in one array, so
 * publishing the table is one copy. Rows are made and written by the poller only.
 */
public final class Rows {
    private final Table table;
    private final Groups groups;
    private final int width;
    /** Row i's values at [i * width, (i + 1) * width). Replaced, never shrunk, when it grows. */
    long[] data;
    /** The rows in the order made; entries below {@link #count} never change. */
    private Row[] rows = new Row[16];
    private int count;
    /** Rows of a per-thread-group table without labels of its own, by group index. */
    private Row[] byGroup = new Row[16];
    private final Map<Key, Row> byKey = new HashMap<>();

    private record Key(int group, List<String> labels) {}

    Rows(Table table, Groups groups) {
        this.table = table;
        this.groups = groups;
        this.width = table.seal();
        this.data = new long[16 * width];
    }

    public Table table() {
        return table;
    }

    /** The groups rows of this table are kept for. */
    public Groups groups() {
        return groups;
    }

    /** The row of {@code group} in a per-thread-group table without labels of its own. */
    public Row row(Groups.Group group) {
        if (!table.perThreadGroup() || table.labels().size() != 1) {
            throw new IllegalArgumentException("table " + table + " has labels " + table.labels());
        }
        if (group.index >= byGroup.length) {
            byGroup = Arrays.copyOf(byGroup, Math.max(byGroup.length * 2, group.index + 1));
        }
        Row r = byGroup[group.index];
        if (r == null) {
            r = add(group, new String[0]);
            byGroup[group.index] = r;
        }
        return r;
    }

    /** The one row of a table of the whole process without labels. */
    public Row row() {
        return row(null, new String[0]);
    }

    /**
     * The row of {@code group} (null for a table of the whole process) and the values of the
     * table's own labels. Looked up in a hash (and allocates): callers keep the row.
     */
    public Row row(Groups.Group group, String... labels) {
        int own = table.labels().size() - (table.perThreadGroup() ? 1 : 0);
        if (labels.length != own || (group == null) == table.perThreadGroup()) {
            throw new IllegalArgumentException("table " + table + " has labels " + table.labels());
        }
        Key key = new Key(group == null ? -1 : group.index, List.of(labels));
        Row r = byKey.get(key);
        if (r == null) {
            r = add(group, labels.clone());
            byKey.put(key, r);
        }
        return r;
    }

    private Row add(Groups.Group group, String[] labels) {
        if (count == rows.length) {
            rows = Arrays.copyOf(rows, count * 2);
        }
        if ((count + 1) * width > data.length) {
            data = Arrays.copyOf(data, data.length * 2);
        }
        Row r = new Row(this, count * width, group, labels);
        rows[count++] = r;
        return r;
    }

    /** A copy of the values as they are now, for exporters. */
    TableSnapshot snapshot() {
        return new TableSnapshot(table, rows, count, Arrays.copyOf(data, count * width), width);
    }
}
