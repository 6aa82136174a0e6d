package org.ebpfagent.agent.sched;

import java.util.Arrays;

import org.ebpfagent.events.ThreadScheduling;

/**
 * Spare {@link ThreadScheduling} events, begun at the end of every poll. A thread first seen in
 * the next poll takes one, so its first event starts where the interval did and not at the moment
 * the agent noticed it. Events of exited threads come back here, so thread churn allocates no
 * events. Not thread-safe.
 */
final class EventPool {
    private static final int MIN_SPARES = 16;

    private ThreadScheduling[] spares = new ThreadScheduling[MIN_SPARES];
    private int count;
    private int takenSinceRestart;
    /**
     * Whether the spares' begin() took effect: JFR ignores begin() while no recording has the event
     * enabled, and an event committed after that would claim a zero-length interval.
     */
    private boolean begunEnabled;

    ThreadScheduling take() {
        takenSinceRestart++;
        if (count == 0) {
            ThreadScheduling e = new ThreadScheduling(); // more new threads than spares: starts now
            e.begin();
            return e;
        }
        ThreadScheduling e = spares[--count];
        spares[count] = null;
        return e;
    }

    /** Whether the spares handed out since the last restart were begun while JFR had them enabled. */
    boolean begunEnabled() {
        return begunEnabled;
    }

    void give(ThreadScheduling e) {
        e.javaThread = null;
        if (count == spares.length) {
            spares = Arrays.copyOf(spares, count * 2);
        }
        spares[count++] = e;
    }

    /** Called at the end of a poll: the spares' interval starts now; keep as many as were needed. */
    void restart() {
        int wanted = Math.max(MIN_SPARES, 2 * takenSinceRestart);
        while (count < wanted) {
            give(new ThreadScheduling());
        }
        for (int i = 0; i < count; i++) {
            spares[i].begin();
        }
        begunEnabled = count > 0 && spares[0].isEnabled();
        takenSinceRestart = 0;
    }
}
