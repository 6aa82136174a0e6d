package org.ebpfagent.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How long each step of the agent's set-up took, in wall time and in CPU time of the setup thread
 * (from /proc/thread-self/schedstat), for the debug log: {@code sched probe 95 ms (cpu 61)}. Does
 * nothing unless enabled. Not thread-safe: the setup thread's own.
 */
final class SetupTimes {
    private final boolean enabled;
    private final StringBuilder steps = new StringBuilder();
    private long wall;
    private long cpu;

    SetupTimes(boolean enabled) {
        this.enabled = enabled;
        if (enabled) {
            wall = System.nanoTime();
            cpu = threadCpuNanos();
        }
    }

    /** Ends the step called {@code name}, begun when the previous one ended. */
    void step(String name) {
        if (!enabled) {
            return;
        }
        long w = System.nanoTime();
        long c = threadCpuNanos();
        if (!steps.isEmpty()) {
            steps.append(", ");
        }
        steps.append(name).append(' ').append((w - wall) / 1_000_000)
                .append(" ms (cpu ").append((c - cpu) / 1_000_000).append(')');
        wall = w;
        cpu = c;
    }

    @Override
    public String toString() {
        return steps.toString();
    }

    /** The calling thread's time on a CPU so far, or 0 if /proc does not say. */
    private static long threadCpuNanos() {
        try {
            String schedstat = Files.readString(Path.of("/proc/thread-self/schedstat"));
            return Long.parseLong(schedstat.substring(0, schedstat.indexOf(' ')));
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
