package org.ebpfagent.agent.cli;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

import org.ebpfagent.agent.cli.Report.Reason;
import org.ebpfagent.agent.cli.Report.ThreadRow;

/** Prints a {@link Report} as a text table, a markdown table or JSON. */
final class ReportWriter {
    /** Reasons named per thread in the tables (JSON has all). */
    private static final int TOP_REASONS = 3;

    private ReportWriter() {}

    static void text(Report r, PrintStream out) {
        double seconds = seconds(r);
        out.printf(Locale.ROOT, "ebpf-agent report: %s, %d threads over %.1f s%n", r.file.getFileName(), r.threads.size(), seconds);
        SchedTotals p = r.process;
        out.printf(Locale.ROOT, "process: on-CPU %.2f s (%.2f CPUs), run-queue wait %.2f s (wait %.1f%%), off-CPU %.2f s; "
                        + "%d voluntary, %d involuntary switches, %d migrations%n",
                p.onCpu / 1e9, p.onCpu / 1e9 / seconds, p.runQueueWait / 1e9, waitPercent(p), p.offCpu / 1e9,
                p.voluntary, p.involuntary, p.migrations);
        if (r.hasReasons) {
            out.println("off-CPU reasons: " + reasons(r.processTopReasons(), p.offCpu, 5));
        }
        out.println();
        out.printf(Locale.ROOT, "%-32s %10s %9s %10s %6s %8s %8s %6s  %s%n", "thread [tid]", "on-CPU ms", "runq ms",
                "off-CPU ms", "wait%", "vol sw", "invol sw", "migr", "top off-CPU reasons (share of off-CPU, blocks)");
        for (ThreadRow t : r.sortedThreads()) {
            SchedTotals s = t.totals;
            out.printf(Locale.ROOT, "%-32s %10.1f %9.1f %10.1f %5.1f%% %8d %8d %6d  %s%n",
                    truncate((s.java ? "" : "*") + t.name + " [" + t.tid + "]", 32), s.onCpu / 1e6, s.runQueueWait / 1e6,
                    s.offCpu / 1e6, waitPercent(s), s.voluntary, s.involuntary, s.migrations,
                    reasons(t.topReasons(), s.offCpu, TOP_REASONS));
        }
        out.println();
        out.println("* no java.lang.Thread (a JVM-internal thread: GC, JIT compiler, VM thread)");
        out.println("wait% = run-queue wait / (on-CPU + run-queue wait): how much of the time a thread wanted a CPU it waited for one");
        r.tcp.text(out);
        r.syscalls.text(out);
        agent(r, out);
    }

    static void markdown(Report r, PrintStream out) {
        double seconds = seconds(r);
        SchedTotals p = r.process;
        out.printf(Locale.ROOT, "## ebpf-agent report: `%s`%n%n", r.file.getFileName());
        out.printf(Locale.ROOT, "%d threads over %.1f s. Process: on-CPU **%.2f s** (%.2f CPUs), run-queue wait **%.2f s** "
                        + "(wait %.1f%%), off-CPU %.2f s; %d voluntary, %d involuntary switches, %d migrations.%n%n",
                r.threads.size(), seconds, p.onCpu / 1e9, p.onCpu / 1e9 / seconds, p.runQueueWait / 1e9, waitPercent(p),
                p.offCpu / 1e9, p.voluntary, p.involuntary, p.migrations);
        if (r.hasReasons) {
            out.println("Off-CPU reasons: " + reasons(r.processTopReasons(), p.offCpu, 5) + ".");
            out.println();
        }
        out.println("| thread | tid | on-CPU ms | runq ms | off-CPU ms | wait% | vol sw | invol sw | migr | top off-CPU reasons |");
        out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        for (ThreadRow t : r.sortedThreads()) {
            SchedTotals s = t.totals;
            out.printf(Locale.ROOT, "| %s%s | %d | %.1f | %.1f | %.1f | %.1f%% | %d | %d | %d | %s |%n",
                    s.java ? "" : "\\*", t.name.replace("|", "\\|"), t.tid, s.onCpu / 1e6, s.runQueueWait / 1e6,
                    s.offCpu / 1e6, waitPercent(s), s.voluntary, s.involuntary, s.migrations,
                    reasons(t.topReasons(), s.offCpu, TOP_REASONS));
        }
        out.println();
        out.println("\\* no java.lang.Thread (GC, JIT compiler, VM thread). wait% = run-queue wait / (on-CPU + run-queue wait).");
        out.println();
        r.tcp.markdown(out);
        r.syscalls.markdown(out);
        agent(r, out);
    }

    static void json(Report r, PrintStream out) {
        Json j = new Json(out);
        j.begin('{');
        j.field("recording", r.file.toString());
        j.field("seconds", seconds(r));
        j.key("process");
        totals(j, r.process);
        j.key("offCpuReasons");
        reasons(j, r.processTopReasons());
        j.key("threads").begin('[');
        for (ThreadRow t : r.sortedThreads()) {
            j.begin('{');
            j.field("name", t.name);
            j.field("tid", t.tid);
            j.field("javaThread", t.totals.java);
            j.key("scheduling");
            totals(j, t.totals);
            j.key("offCpuReasons");
            reasons(j, t.topReasons());
            j.end('}');
        }
        j.end(']');
        if (!r.tcp.isEmpty()) {
            r.tcp.json(j);
        }
        if (!r.syscalls.isEmpty()) {
            r.syscalls.json(j);
        }
        j.key("agent").begin('{');
        j.field("polls", r.polls);
        j.field("pollTimeMeanNs", r.polls == 0 ? 0 : r.pollTimeTotal / r.polls);
        j.field("pollTimeMaxNs", r.pollTimeMax);
        j.field("errors", r.errors);
        j.field("threadsDropped", r.threadsDropped);
        j.field("exitsDropped", r.exitsDropped);
        j.field("reasonsDropped", r.reasonsDropped);
        j.field("probeMisses", r.probeMisses);
        j.field("switchInsUnseen", r.switchInsUnseen);
        j.field("recordsLost", r.recordsLost);
        j.field("connectionsDropped", r.connectionsDropped);
        j.field("slowSyscallsLost", r.slowSyscallsLost);
        j.field("syscallEntriesDropped", r.syscallEntriesDropped);
        j.end('}');
        j.end('}');
        out.println();
    }

    private static void totals(Json j, SchedTotals s) {
        j.begin('{');
        j.field("onCpuNs", s.onCpu);
        j.field("runQueueWaitNs", s.runQueueWait);
        j.field("offCpuNs", s.offCpu);
        j.field("waitPercent", Math.round(waitPercent(s) * 100) / 100.0);
        j.field("voluntarySwitches", s.voluntary);
        j.field("involuntarySwitches", s.involuntary);
        j.field("migrations", s.migrations);
        j.end('}');
    }

    private static void reasons(Json j, List<Reason> reasons) {
        j.begin('[');
        for (Reason x : reasons) {
            j.begin('{');
            j.field("syscall", x.syscall);
            j.field("waitKind", x.waitKind);
            j.field("offCpuNs", x.offCpu);
            j.field("blocks", x.blocks);
            j.end('}');
        }
        j.end(']');
    }

    private static void agent(Report r, PrintStream out) {
        if (r.polls > 0) {
            out.printf(Locale.ROOT, "agent: %d polls, poll time mean %.2f ms, max %.2f ms; %d poll errors; dropped: %d threads, "
                            + "%d exits, %d off-CPU reasons; %d tracepoint hits missed; %d unseen switch-ins repaired%n",
                    r.polls, r.pollTimeTotal / 1e6 / r.polls, r.pollTimeMax / 1e6, r.errors, r.threadsDropped,
                    r.exitsDropped, r.reasonsDropped, r.probeMisses, r.switchInsUnseen);
            // A probe's own losses are named when it ran (its events are there) or lost something.
            if (!r.tcp.isEmpty() || r.recordsLost + r.connectionsDropped > 0) {
                out.printf(Locale.ROOT, "agent, TCP probe: %d records lost, %d connections dropped%n", r.recordsLost,
                        r.connectionsDropped);
            }
            if (!r.syscalls.isEmpty() || r.slowSyscallsLost + r.syscallEntriesDropped > 0) {
                out.printf(Locale.ROOT, "agent, syscall probe: %d slow-syscall records lost, %d syscall entries dropped%n",
                        r.slowSyscallsLost, r.syscallEntriesDropped);
            }
        }
        if (!r.hasReasons) {
            out.println("no ebpf.ThreadOffCpu events: off-CPU reasons need an agent that records them");
        }
    }

    /** "futex 61% (99), read 30% (40)": the largest reasons with their share of {@code offCpu}. */
    static String reasons(List<Reason> reasons, long offCpu, int max) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(max, reasons.size()); i++) {
            Reason x = reasons.get(i);
            double share = offCpu == 0 ? 0 : 100.0 * x.offCpu / offCpu;
            b.append(i == 0 ? "" : ", ").append(x.label()).append(' ')
                    .append(String.format(Locale.ROOT, share >= 10 || share == 0 ? "%.0f%%" : "%.1f%%", share))
                    .append(" (").append(x.blocks).append(')');
        }
        if (reasons.size() > max) {
            b.append(", +").append(reasons.size() - max).append(" more");
        }
        return b.toString();
    }

    static double waitPercent(SchedTotals s) {
        return s.onCpu + s.runQueueWait == 0 ? 0 : 100.0 * s.runQueueWait / (s.onCpu + s.runQueueWait);
    }

    private static double seconds(Report r) {
        return r.seconds();
    }

    static String truncate(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "~";
    }
}
