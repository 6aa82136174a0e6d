package org.ebpfagent.agent.cli;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The --fail-on limits (how far each metric may rise from base to head) and the --min-share noise floor. */
final class Thresholds {
    /**
     * Default noise floor: a group under 5% of the process's amount of a metric in both runs is not
     * judged on it. At 1%, groups as small as the main thread or the agent's setup thread were
     * gated, and in identical 1.5 s runs their waitShare moved by up to 48 points.
     */
    static final double DEFAULT_MIN_SHARE = 0.05;
    private static final Pattern LIMIT = Pattern.compile("\\+?(\\d+(?:\\.\\d+)?)(%|pp)");

    private final Map<Gauge, Double> limits = new LinkedHashMap<>();
    private double minShare = DEFAULT_MIN_SHARE;

    /**
     * Adds the limits of one --fail-on value: comma-separated METRIC=+N% (waitShare: +Npp,
     * percentage points), METRIC being a gauge's label or a {@link SyscallGate} key.
     */
    void add(String spec) {
        for (String part : spec.split(",", -1)) {
            String item = part.trim();
            int eq = item.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--fail-on takes METRIC=+N%[,...] (waitShare=+Npp), not '" + item + "'");
            }
            String key = item.substring(0, eq).trim();
            Gauge m = SyscallGate.isSyscallKey(key) ? SyscallGate.parse(key) : Gauge.byLabel(key);
            String value = item.substring(eq + 1).trim();
            Matcher v = LIMIT.matcher(value);
            if (!v.matches()) {
                throw new IllegalArgumentException("--fail-on " + m.label() + ": '" + value + "' is not an increase like "
                        + example(m) + " (only rises are gated)");
            }
            String unit = m.isShare() ? "pp" : "%";
            if (!v.group(2).equals(unit)) {
                // A share's rise is ambiguous in %: relative to itself, or points of the whole? Ask for pp.
                throw new IllegalArgumentException("--fail-on " + m.label() + ": give the limit in " + unit + ", e.g. " + example(m));
            }
            if (limits.putIfAbsent(m, Double.parseDouble(v.group(1))) != null) {
                throw new IllegalArgumentException("--fail-on " + m.label() + " is given twice");
            }
        }
    }

    /** Sets the noise floor from a percentage, "1%" or "1". */
    void minShare(String spec) {
        String s = spec.trim();
        try {
            double pct = Double.parseDouble(s.endsWith("%") ? s.substring(0, s.length() - 1) : s);
            if (pct >= 0 && pct <= 100) {
                minShare = pct / 100;
                return;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--min-share takes a percentage from 0% to 100%, e.g. 1%, not '" + spec + "'");
    }

    double minShare() {
        return minShare;
    }

    /** The limit for a metric: percent of the base value, or percentage points for the share; null when not gated. */
    Double limit(Gauge m) {
        return limits.get(m);
    }

    /**
     * The limit for one syscall's metric: its own (syscall:read.p99), else the one for every
     * syscall (syscall:*.p99); null when neither is given. {@code syscall} "*" asks for the latter only.
     */
    Double limit(String syscall, SyscallMetric m) {
        Double own = limits.get(new SyscallGate(syscall, m));
        return own != null ? own : limits.get(new SyscallGate(SyscallGate.ANY, m));
    }

    /** Whether a syscall's limit for {@code m} is its own, not the one for every syscall. */
    boolean named(String syscall, SyscallMetric m) {
        return !syscall.equals(SyscallGate.ANY) && limits.containsKey(new SyscallGate(syscall, m));
    }

    /** The syscall limits given, in the order given. */
    java.util.List<SyscallGate> syscallGates() {
        return limits.keySet().stream().filter(g -> g instanceof SyscallGate).map(g -> (SyscallGate) g).toList();
    }

    Map<Gauge, Double> all() {
        return Collections.unmodifiableMap(limits);
    }

    static String describe(Gauge m, double limit) {
        return String.format(Locale.ROOT, "+%s%s", trim(limit), m.isShare() ? "pp" : "%");
    }

    private static String example(Gauge m) {
        return m.label() + (m.isShare() ? "=+5pp" : "=+10%");
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }
}
