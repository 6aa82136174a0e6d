package org.ebpfagent.agent.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One figure compare can gate on: the scheduler's per thread group ({@link Metric}), the TCP
 * probe's for the process ({@link TcpMetric}), the syscall probe's per syscall ({@link
 * SyscallMetric}, keyed in --fail-on by {@link SyscallGate}). Labels are unique across the first
 * two, which {@link #all()} lists; syscall ones are reached through their syscall: prefix.
 */
interface Gauge {
    /** The name --fail-on takes, e.g. {@code runQueueWait}. */
    String label();

    /** How values print, e.g. {@code ms/s}. */
    String unit();

    /** A fraction (0..1) whose rise is given in percentage points; otherwise a rise is in percent. */
    boolean isShare();

    /** Every gauge, scheduler first. */
    static List<Gauge> all() {
        List<Gauge> all = new ArrayList<>(List.of(Metric.values()));
        all.addAll(List.of(TcpMetric.values()));
        return all;
    }

    static Gauge byLabel(String label) {
        for (Gauge g : all()) {
            if (g.label().equalsIgnoreCase(label)) {
                return g;
            }
        }
        throw new IllegalArgumentException("unknown metric '" + label + "' (accepted: " + labels() + ", "
                + SyscallGate.SYNTAX + ")");
    }

    static String labels() {
        return all().stream().map(Gauge::label).collect(Collectors.joining(", "));
    }
}
