package org.ebpfagent.agent.cli;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import org.ebpfagent.agent.cli.Comparison.Row;
import org.ebpfagent.agent.cli.Comparison.Verdict;

/** A comparison as a text table for a terminal or CI log, or as a markdown table for a CI to post. */
final class CompareReport {
    private CompareReport() {}

    static String text(Comparison c) {
        StringBuilder s = new StringBuilder();
        s.append("ebpf-agent compare: ").append(verdict(c)).append('\n');
        s.append(side("base", c.baseName, c.baseSeconds, c, true)).append('\n');
        s.append(side("head", c.headName, c.headSeconds, c, false)).append('\n');
        s.append("rates are per second of measured time; waitShare = runQueueWait / (onCpu + runQueueWait)\n");
        if (hasSyscalls(c)) {
            s.append("syscall p99: an upper bound from the intervals' p50, p99 and max (docs/ci-regression.md)\n");
        }
        s.append('\n');
        String format = "%-30s %-22s %10s %10s %10s %8s  %s%n";
        s.append(String.format(Locale.ROOT, format, "group [threads base/head]", "metric", "base", "head", "delta", "rel",
                "gate"));
        String group = null;
        for (Row r : shown(c)) {
            String label = "";
            if (!r.group().equals(group)) {
                group = r.group();
                label = truncate((r.jvmInternal() ? "*" : "") + printable(r.group()), 30 - 4 - digits(r))
                        + " [" + r.baseThreads() + "/" + r.headThreads() + "]";
            }
            s.append(String.format(Locale.ROOT, format, label, r.metric().label() + " " + r.metric().unit(),
                    r.baseThreads() == 0 ? "-" : value(r, r.base()), r.headThreads() == 0 ? "-" : value(r, r.head()),
                    delta(r), relative(r), gate(r)).stripTrailing()).append('\n');
        }
        List<Row> regressions = c.regressions();
        if (!regressions.isEmpty()) {
            s.append("\nregressions:\n");
            regressions.forEach(r -> s.append("  ").append(sentence(r)).append('\n'));
        }
        s.append("\n* no java.lang.Thread (JVM-internal: GC, JIT compiler, VM thread); floor: under ")
                .append(percent(c.thresholds.minShare())).append(" of the process's amount (waitShare: in either run; sums: in both), shown but not gated\n");
        return s.toString();
    }

    static String markdown(Comparison c) {
        StringBuilder s = new StringBuilder();
        s.append("### ebpf-agent compare: ").append(verdict(c)).append("\n\n");
        s.append(side("base", "`" + code(c.baseName) + "`", c.baseSeconds, c, true)).append("  \n");
        s.append(side("head", "`" + code(c.headName) + "`", c.headSeconds, c, false)).append("  \n");
        s.append("rates per second of measured time; waitShare = runQueueWait / (onCpu + runQueueWait); ")
                .append(limits(c)).append("\n\n");
        List<Row> regressions = c.regressions();
        if (!regressions.isEmpty()) {
            s.append("| regression | base | head | delta | limit |\n|---|--:|--:|--:|--:|\n");
            for (Row r : regressions) {
                s.append("| `").append(code(r.group())).append("` ").append(r.metric().label()).append(' ')
                        .append(r.metric().unit()).append(" | ").append(value(r, r.base())).append(" | ").append(value(r, r.head())).append(" | **")
                        .append(delta(r)).append("** | ").append(Thresholds.describe(r.metric(), r.limit())).append(" |\n");
            }
            s.append('\n');
        }
        // Every group, folded: a CI comment stays short, and nothing is hidden from whoever unfolds it.
        s.append("<details><summary>all groups and metrics</summary>\n\n");
        s.append("| group | threads | metric | base | head | delta | rel | gate |\n|---|--:|---|--:|--:|--:|--:|---|\n");
        String group = null;
        for (Row r : shown(c)) {
            boolean first = !r.group().equals(group);
            group = r.group();
            s.append("| ").append(first ? (r.jvmInternal() ? "\\*" : "") + "`" + code(r.group()) + "`" : "")
                    .append(" | ").append(first ? r.baseThreads() + "/" + r.headThreads() : "")
                    .append(" | ").append(r.metric().label()).append(' ').append(r.metric().unit())
                    .append(" | ").append(r.baseThreads() == 0 ? "-" : value(r, r.base()))
                    .append(" | ").append(r.headThreads() == 0 ? "-" : value(r, r.head()))
                    .append(" | ").append(delta(r)).append(" | ").append(relative(r))
                    .append(" | ").append(r.verdict() == Verdict.REGRESSION ? "**" + gate(r) + "**" : gate(r)).append(" |\n");
        }
        s.append("\n\\* no java.lang.Thread (JVM-internal); floor: under ").append(percent(c.thresholds.minShare()))
                .append(" of the process's amount (waitShare: in either run; sums: in both), shown but not gated\n\n</details>\n");
        return s.toString();
    }

    private static boolean hasSyscalls(Comparison c) {
        return c.rows.stream().anyMatch(r -> r.metric() instanceof SyscallMetric);
    }

    /** The verdict and the regressions: what the CI log gets when the report itself went to a file. */
    static String brief(Comparison c) {
        StringBuilder s = new StringBuilder("ebpf-agent compare: " + verdict(c) + "\n");
        c.regressions().forEach(r -> s.append("  ").append(sentence(r)).append('\n'));
        return s.toString();
    }

    static String verdict(Comparison c) {
        int gated = c.gated().size();
        int failed = c.regressions().size();
        if (gated == 0) {
            return "no thresholds given (--fail-on), report only";
        }
        return failed > 0 ? "REGRESSION, " + failed + " of " + gated + " gated checks over their limit"
                : "no regression, " + gated + " gated checks";
    }

    static String sentence(Row r) {
        return printable(r.group()) + " " + r.metric().label() + " " + value(r, r.base()) + " -> " + value(r, r.head()) + " "
                + r.metric().unit() + " (" + delta(r) + (r.metric().isShare() ? "" : ", " + relative(r)) + "), limit "
                + Thresholds.describe(r.metric(), r.limit());
    }

    /** Rows worth a line: a metric that is zero in both runs says nothing. */
    private static List<Row> shown(Comparison c) {
        return c.rows.stream().filter(r -> r.base() != 0 || r.head() != 0 || r.verdict() == Verdict.REGRESSION).toList();
    }

    private static String side(String which, String name, double seconds, Comparison c, boolean base) {
        Row process = c.rows.getFirst(); // the whole process comes first, and holds every thread
        long groups = c.rows.stream().filter(r -> r != process && r.metric() == process.metric()
                && (base ? r.baseThreads() : r.headThreads()) > 0).count();
        return String.format(Locale.ROOT, "%s %s: %.2f s measured, %d threads in %d groups", which, name, seconds,
                base ? process.baseThreads() : process.headThreads(), groups);
    }

    private static String limits(Comparison c) {
        if (c.thresholds.all().isEmpty()) {
            return "no limits";
        }
        return "limits " + c.thresholds.all().entrySet().stream()
                .map(e -> e.getKey().label() + "=" + Thresholds.describe(e.getKey(), e.getValue()))
                .collect(Collectors.joining(", ")) + ", floor " + percent(c.thresholds.minShare()) + " of the process";
    }

    static String gate(Row r) {
        return switch (r.verdict()) {
            case REGRESSION -> "FAIL > " + Thresholds.describe(r.metric(), r.limit());
            case PASS -> "ok";
            case BELOW_FLOOR -> "floor";
            case ONE_SIDED -> r.baseThreads() == 0 ? "only in head" : "only in base";
            case UNGATED -> "";
        };
    }

    static String value(Row r, double v) {
        return number(r.metric().isShare() ? 100 * v : v);
    }

    static String delta(Row r) {
        double d = r.metric().isShare() ? 100 * r.delta() : r.delta();
        return (d >= 0 ? "+" : "") + number(d) + (r.metric().isShare() ? "pp" : "");
    }

    static String relative(Row r) {
        double rel = r.relative();
        if (Double.isInfinite(rel)) {
            return "from 0";
        }
        double pct = 100 * rel;
        return String.format(Locale.ROOT, Math.abs(pct) >= 10 ? "%+.0f%%" : "%+.1f%%", pct);
    }

    private static String number(double v) {
        double a = Math.abs(v);
        return String.format(Locale.ROOT, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : "%.2f", v);
    }

    private static String percent(double fraction) {
        String n = number(100 * fraction);
        return (n.contains(".") ? n.replaceAll("\\.?0+$", "") : n) + "%";
    }

    private static int digits(Row r) {
        return String.valueOf(r.baseThreads()).length() + String.valueOf(r.headThreads()).length();
    }

    private static String truncate(String s, int n) {
        return s.length() <= n ? s : s.substring(0, Math.max(1, n - 1)) + "~";
    }

    /** Inside a markdown code span in a table: a pipe would end the cell, a backtick the span. */
    private static String code(String s) {
        return printable(s).replace("`", "'").replace("|", "\\|");
    }

    /** A thread name may hold line breaks and other control characters, which would break a table row. */
    private static String printable(String s) {
        return s.replaceAll("\\p{Cntrl}", "?");
    }
}
