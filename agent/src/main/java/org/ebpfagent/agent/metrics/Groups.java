package org.ebpfagent.agent.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.ebpfagent.agent.threads.ThreadGroups;

/**
 * The thread groups figures are kept for: a thread's name with its counters replaced by '#'
 * ({@link ThreadGroups}, as {@code compare} groups threads), up to a cap; the groups met after the
 * cap is reached are folded into one, {@value ThreadGroups#OTHER}, and counted. Groups are never
 * forgotten (their counters stay cumulative), so the cap bounds every table's rows per label
 * values. Used by the poller only; a {@link Group} is immutable.
 */
public final class Groups {
    /** The default cap: more than the pools and JVM threads of a typical service (the sample app under the agent has 24, the JVM's own included). */
    public static final int DEFAULT_MAX = 64;
    /** Folded names remembered, so that a name folded again is not counted twice; past this each fold counts. */
    static final int FOLDED_REMEMBERED = 4096;

    /** One thread group: its name and its index among the groups (the folded group is 0). */
    public static final class Group {
        private final String name;
        final int index;

        private Group(String name, int index) {
            this.name = name;
            this.index = index;
        }

        public String name() {
            return name;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private final int max;
    private final ThreadGroups grouping = new ThreadGroups();
    private final Map<String, Group> byName = new HashMap<>();
    private final List<Group> all = new ArrayList<>();
    private final Group other = new Group(ThreadGroups.OTHER, 0);
    private final Set<String> folded = new HashSet<>();
    private long foldedCount;

    public Groups(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("at least one thread group, not " + max);
        }
        this.max = max;
        all.add(other);
    }

    /** The group of a thread called {@code threadName}. Allocates: callers keep the answer per thread ({@link ThreadRow}). */
    public Group of(String threadName) {
        String name = grouping.groupOf(threadName);
        Group g = byName.get(name);
        if (g != null) {
            return g;
        }
        if (byName.size() < max) {
            g = new Group(name, all.size());
            byName.put(name, g);
            all.add(g);
            return g;
        }
        if (folded.size() < FOLDED_REMEMBERED) {
            if (folded.add(name)) {
                foldedCount++;
            }
        } else if (!folded.contains(name)) {
            foldedCount++;
        }
        return other;
    }

    /** Groups with their own name (the folded one not included). */
    public int size() {
        return byName.size();
    }

    /** The cap on {@link #size()}. */
    public int max() {
        return max;
    }

    /** Distinct group names folded into {@value ThreadGroups#OTHER} (exact for the first {@value #FOLDED_REMEMBERED}). */
    public long folded() {
        return foldedCount;
    }

    /** Groups handed out so far, the folded one included: indexes are below this. */
    int count() {
        return all.size();
    }
}
