package org.ebpfagent.agent.metrics;

/**
 * A thread's row in a per-thread-group table, kept with the recorder's state of the thread: the
 * group is looked up again only when the name the recorder reports the thread under changes
 * (compared by identity: {@code Thread.getName()} gives the same String until the thread is
 * renamed), so steady reports cost no lookup and no allocation. Not thread-safe: the poller's.
 */
public final class ThreadRow {
    private String name;
    private Row row;

    /** The row of the group of a thread called {@code threadName}. */
    public Row of(Rows rows, String threadName) {
        if (row == null || threadName != name) {
            name = threadName;
            row = rows.row(rows.groups().of(threadName));
        }
        return row;
    }

    /** The group of the thread as of the last {@link #of}; null before. */
    public Groups.Group group() {
        return row == null ? null : row.group();
    }
}
