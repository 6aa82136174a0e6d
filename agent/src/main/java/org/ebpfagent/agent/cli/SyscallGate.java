package org.ebpfagent.agent.cli;

/**
 * A --fail-on key for the syscall probe's figures, {@code syscall:NAME.METRIC}: one syscall's
 * metric, or with NAME {@code *} every syscall's and the process's total. It is the key of the
 * limit; the rows it judges carry the {@link SyscallMetric} itself.
 */
record SyscallGate(String syscall, SyscallMetric metric) implements Gauge {
    static final String PREFIX = "syscall:";
    static final String ANY = "*";
    static final String SYNTAX = "syscall:NAME.METRIC (NAME a syscall such as futex or read, or * for each; "
            + "METRIC one of " + SyscallMetric.labels() + ")";

    /** Whether a --fail-on key is meant as a syscall one. */
    static boolean isSyscallKey(String key) {
        return key.regionMatches(true, 0, PREFIX, 0, PREFIX.length());
    }

    /** Parses {@code syscall:NAME.METRIC}; the message of a bad one names the form and the metrics. */
    static SyscallGate parse(String key) {
        String rest = key.substring(PREFIX.length());
        int dot = rest.lastIndexOf('.');
        if (dot <= 0 || dot == rest.length() - 1) {
            throw new IllegalArgumentException("--fail-on takes " + SYNTAX + ", e.g. syscall:futex.calls=+20%, not '"
                    + key + "'");
        }
        String name = rest.substring(0, dot).trim().toLowerCase(java.util.Locale.ROOT);
        SyscallMetric m = SyscallMetric.byLabel(rest.substring(dot + 1).trim());
        if (m == null) {
            throw new IllegalArgumentException("unknown syscall metric '" + rest.substring(dot + 1).trim() + "' in '"
                    + key + "' (accepted: " + SyscallMetric.labels() + ")");
        }
        // Syscall names are lower case identifiers (syscall_<n> for unnamed numbers); a pattern
        // other than the single * would suggest a matching that is not done.
        if (!name.equals(ANY) && !name.matches("[a-z0-9_]+")) {
            throw new IllegalArgumentException("--fail-on " + key + ": '" + name + "' is not a syscall name "
                    + "(e.g. futex, epoll_wait, syscall_451) or *");
        }
        return new SyscallGate(name, m);
    }

    @Override
    public String label() {
        return PREFIX + syscall + "." + metric.label();
    }

    @Override
    public String unit() {
        return metric.unit();
    }

    @Override
    public boolean isShare() {
        return false;
    }
}
