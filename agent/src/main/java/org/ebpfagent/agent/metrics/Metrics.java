package org.ebpfagent.agent.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.ebpfagent.agent.probe.PollStats;

/**
 * The agent's figures: the tables the loaded probes declared and the agent's health, with the
 * thread groups they share. Recorders register their tables when they are made ({@link #rows})
 * and write rows during polls; after each poll the poller calls {@link #afterPoll}, which
 * publishes a copy ({@link #latest}) that exporters read on their own threads: a scrape or a push
 * never takes a lock the poller holds, never reads a map, never sees a poll half done.
 *
 * <p>An exporter that pushes (rather than being read) is told of each publish through a
 * {@link Listener}, on the poller's thread.
 *
 * <p>Thread-safety: {@link #rows} and {@link #afterPoll} are called under the poller's lock (or
 * before the poller starts); {@link #latest} and {@link #listen} from anywhere.
 */
public final class Metrics {
    private final Groups groups;
    private final List<Rows> tables = new ArrayList<>();
    private final AgentFigures agent;
    private final long startEpochNanos = epochNanos();
    private volatile MetricsSnapshot latest;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    /**
     * Told of each publish, on the poller's thread and under its lock: it must neither block nor
     * throw, nor allocate more than a few objects (it runs at every poll).
     */
    public interface Listener {
        /** Just before the copy: the moment to write rows of the listener's own (figures it keeps in atomics). */
        default void beforePublish() {
        }

        /** Just after: {@code snapshot} is now {@link #latest()}. */
        void published(MetricsSnapshot snapshot);
    }

    /** @param maxGroups the cap on thread groups (the rest are folded into one) */
    public Metrics(int maxGroups) {
        this.groups = new Groups(maxGroups);
        this.agent = new AgentFigures(rows(AgentFigures.AGENT));
        this.latest = new MetricsSnapshot(List.of(), 0, startEpochNanos, startEpochNanos);
    }

    /** The values of {@code table}, registered at its first call (a table registered twice is one). */
    public synchronized Rows rows(Table table) {
        for (Rows r : tables) {
            if (r.table() == table) {
                return r;
            }
            for (Metric m : r.table().metrics()) {
                for (Metric n : table.metrics()) {
                    if (m.name().equals(n.name())) {
                        throw new IllegalArgumentException("metric " + n + " of table " + table
                                + " is already in table " + r.table());
                    }
                }
            }
        }
        Rows r = new Rows(table, groups);
        tables.add(r);
        return r;
    }

    /** Tells {@code listener} of every publish from now on. */
    public void listen(Listener listener) {
        listeners.add(listener);
    }

    public Groups groups() {
        return groups;
    }

    /** After each poll: adds the poll to the agent's health figures and publishes every table. */
    public synchronized void afterPoll(PollStats stats, long pollNanos, long failed, int probesAttached) {
        agent.afterPoll(stats, pollNanos, failed, probesAttached);
        for (Listener l : listeners) {
            l.beforePublish();
        }
        List<TableSnapshot> copies = new ArrayList<>(tables.size());
        for (Rows r : tables) {
            copies.add(r.snapshot());
        }
        MetricsSnapshot published = new MetricsSnapshot(List.copyOf(copies), latest.polls() + 1, startEpochNanos,
                epochNanos());
        latest = published;
        for (Listener l : listeners) {
            l.published(published);
        }
    }

    /** What the last poll published (before the first: no tables). */
    public MetricsSnapshot latest() {
        return latest;
    }

    private static long epochNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
