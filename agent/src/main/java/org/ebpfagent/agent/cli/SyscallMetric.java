package org.ebpfagent.agent.cli;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * What compare measures per syscall, for the whole process: calls and errors per second of
 * measured time, the time spent in it per second (1000 ms/s: one thread in it all the time), and
 * an upper bound of its time's 99th percentile ({@link P99Bound}).
 */
enum SyscallMetric implements Gauge {
    CALLS("calls", "/s"),
    ERRORS("errors", "/s"),
    TIME("time", "ms/s"),
    P99("p99", "ms");

    private final String label;
    private final String unit;

    SyscallMetric(String label, String unit) {
        this.label = label;
        this.unit = unit;
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public String unit() {
        return unit;
    }

    @Override
    public boolean isShare() {
        return false;
    }

    double value(SyscallStats s, double seconds) {
        return switch (this) {
            case CALLS -> s.calls / seconds;
            case ERRORS -> s.errors / seconds;
            case TIME -> s.totalTime / 1e6 / seconds;
            case P99 -> s.p99() / 1e6;
        };
    }

    /**
     * The amount the noise floor compares with the process's: the sum itself, or for the p99 the
     * calls it is a percentile of (a p99 over a handful of calls is one call's luck).
     */
    long weight(SyscallStats s) {
        return switch (this) {
            case CALLS, P99 -> s.calls;
            case ERRORS -> s.errors;
            case TIME -> s.totalTime;
        };
    }

    static SyscallMetric byLabel(String label) {
        for (SyscallMetric m : values()) {
            if (m.label.equalsIgnoreCase(label)) {
                return m;
            }
        }
        return null;
    }

    static String labels() {
        return Arrays.stream(values()).map(SyscallMetric::label).collect(Collectors.joining(", "));
    }
}
