package org.ebpfagent.agent.metrics;

/**
 * A thread's group, and its row in a per-thread-group table, kept with the recorder's state of the
 * thread: the group is looked up again only when the name the recorder reports the thread under
 * changes (compared by identity: {@code Thread.getName()} gives the same String until the thread
 * is renamed), so steady reports cost no lookup and no allocation. One per thread and table (it
 * keeps one row). Not thread-safe: the poller's.
 */
public final class ThreadRow {
    private String name;
    private Groups.Group group;
    private Row row;

    /** The group of a thread called {@code threadName}. */
    public Groups.Group group(Groups groups, String threadName) {
        if (group == null || threadName != name) {
            name = threadName;
            group = groups.of(threadName);
            row = null;
        }
        return group;
    }

    /** The row of the group of a thread called {@code threadName}, in a table without labels of its own. */
    public Row of(Rows rows, String threadName) {
        Groups.Group g = group(rows.groups(), threadName);
        if (row == null) {
            row = rows.row(g);
        }
        return row;
    }

    /** The group of the thread as of the last call; null before. */
    public Groups.Group group() {
        return group;
    }
}
