package org.ebpfagent.agent.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.ebpfagent.agent.threads.ThreadGroups;

/**
 * Base and head side by side, per thread group and for the whole process, each metric judged
 * against its threshold.
 */
final class Comparison {
    /** The whole-process row's name, which {@link ThreadGroups} never gives a group of threads. */
    static final String PROCESS = ThreadGroups.PROCESS;
    /** The row group of the TCP probe's whole-process figures. */
    static final String TCP = "(process tcp)";
    /** The row group of every syscall together; each syscall's own is "(syscall NAME)". */
    static final String SYSCALLS = "(process syscalls)";

    enum Verdict {
        /** Rose more than its threshold. */
        REGRESSION,
        /** Gated and within its threshold. */
        PASS,
        /** Under the noise floor (see belowFloor): shown, never failed. */
        BELOW_FLOOR,
        /** The group exists in one run only, so there is nothing to compare; the process row carries its cost. */
        ONE_SIDED,
        /** No threshold for this metric. */
        UNGATED
    }

    /** One group's metric in both runs. Threads: how many distinct tids the group had in each run. */
    record Row(String group, boolean jvmInternal, int baseThreads, int headThreads, Gauge metric,
               double base, double head, Double limit, Verdict verdict) {
        double delta() {
            return head - base;
        }

        /** head / base - 1; infinite when something rose from zero, which exceeds any percentage. */
        double relative() {
            return Comparison.relative(base, head);
        }
    }

    static double relative(double base, double head) {
        return base == 0 ? (head == 0 ? 0 : Double.POSITIVE_INFINITY) : head / base - 1;
    }

    /** The rise as a threshold measures it: percent of base, or percentage points for a share. */
    static double rise(Gauge m, double base, double head) {
        return 100 * (m.isShare() ? head - base : relative(base, head));
    }

    final String baseName;
    final String headName;
    final double baseSeconds;
    final double headSeconds;
    final Thresholds thresholds;
    final List<Row> rows = new ArrayList<>();

    private Comparison(String baseName, String headName, double baseSeconds, double headSeconds, Thresholds thresholds) {
        this.baseName = baseName;
        this.headName = headName;
        this.baseSeconds = baseSeconds;
        this.headSeconds = headSeconds;
        this.thresholds = thresholds;
    }

    static Comparison of(String baseName, SchedRecording base, String headName, SchedRecording head, Thresholds thresholds) {
        Comparison c = new Comparison(baseName, headName, base.seconds(), head.seconds(), thresholds);
        c.addGroup(PROCESS, base.process, head.process, base.process, head.process);
        Set<String> names = new HashSet<>(base.groups.keySet());
        names.addAll(head.groups.keySet());
        // Busiest first: what a reader wants to see is where the CPU went in either run.
        List<String> order = names.stream().sorted(Comparator.comparingDouble((String g) -> -Math.max(
                runnablePerSecond(base.groups.get(g), c.baseSeconds),
                runnablePerSecond(head.groups.get(g), c.headSeconds))).thenComparing(g -> g)).toList();
        for (String g : order) {
            c.addGroup(g, base.groups.get(g), head.groups.get(g), base.process, head.process);
        }
        if (!base.tcp.isEmpty() || !head.tcp.isEmpty()) {
            c.addTcp(base.tcp, head.tcp);
        }
        if (!base.syscalls.isEmpty() || !head.syscalls.isEmpty()) {
            c.addSyscalls(base.syscalls, head.syscalls);
        }
        return c;
    }

    static String syscallGroup(String syscall) {
        return "(syscall " + syscall + ")";
    }

    /**
     * The syscall probe's figures: every syscall together (no p99: it would mix syscalls), then
     * each syscall, the most time per second in either run first. A syscall's row is judged on its
     * own limit, else on the one for every syscall; under the latter it must hold --min-share of
     * the process's amount in one run (the same floor as thread groups), a syscall named on its
     * own is always judged.
     */
    private void addSyscalls(SyscallTotals b, SyscallTotals h) {
        for (SyscallMetric m : SyscallMetric.values()) {
            if (m != SyscallMetric.P99) {
                rows.add(syscallRow(SYSCALLS, m, b.isEmpty() ? null : b.all, h.isEmpty() ? null : h.all,
                        thresholds.limit(SyscallGate.ANY, m), false, b.all, h.all));
            }
        }
        Set<String> names = new HashSet<>(b.bySyscall.keySet());
        names.addAll(h.bySyscall.keySet());
        List<String> order = names.stream().sorted(Comparator.comparingDouble((String n) -> -Math.max(
                timePerSecond(b.bySyscall.get(n), baseSeconds), timePerSecond(h.bySyscall.get(n), headSeconds)))
                .thenComparing(n -> n)).toList();
        for (String n : order) {
            for (SyscallMetric m : SyscallMetric.values()) {
                rows.add(syscallRow(syscallGroup(n), m, b.bySyscall.get(n), h.bySyscall.get(n), thresholds.limit(n, m),
                        !thresholds.named(n, m), b.all, h.all));
            }
        }
    }

    private Row syscallRow(String group, SyscallMetric m, SyscallStats b, SyscallStats h, Double limit,
                           boolean floored, SyscallStats baseAll, SyscallStats headAll) {
        SyscallStats none = new SyscallStats(group);
        SyscallStats bs = b == null ? none : b;
        SyscallStats hs = h == null ? none : h;
        double base = m.value(bs, baseSeconds);
        double head = m.value(hs, headSeconds);
        Verdict v;
        if (limit == null) {
            v = Verdict.UNGATED;
        } else if (b == null || h == null) {
            v = Verdict.ONE_SIDED;
        } else if (floored && share(m, bs, baseAll) < thresholds.minShare() && share(m, hs, headAll) < thresholds.minShare()) {
            v = Verdict.BELOW_FLOOR;
        } else {
            v = rise(m, base, head) > limit ? Verdict.REGRESSION : Verdict.PASS;
        }
        return new Row(group, false, bs.tids.size(), hs.tids.size(), m, base, head, limit, v);
    }

    private static double timePerSecond(SyscallStats s, double seconds) {
        return s == null ? 0 : s.totalTime / seconds;
    }

    private static double share(SyscallMetric m, SyscallStats one, SyscallStats all) {
        long total = m.weight(all);
        return total == 0 ? 0 : (double) m.weight(one) / total;
    }

    /** The TCP probe's figures for the whole process, in their own row group. */
    private void addTcp(TcpTotals b, TcpTotals h) {
        for (TcpMetric m : TcpMetric.values()) {
            double base = m.value(b, baseSeconds);
            double head = m.value(h, headSeconds);
            Double limit = thresholds.limit(m);
            Verdict v = limit == null ? Verdict.UNGATED : b.isEmpty() || h.isEmpty() ? Verdict.ONE_SIDED
                    : rise(m, base, head) > limit ? Verdict.REGRESSION : Verdict.PASS;
            rows.add(new Row(TCP, false, b.tids.size(), h.tids.size(), m, base, head, limit, v));
        }
    }

    private static double runnablePerSecond(SchedTotals t, double seconds) {
        return t == null ? 0 : (t.onCpu + t.runQueueWait) / seconds;
    }

    private void addGroup(String group, SchedTotals b, SchedTotals h,
                          SchedTotals baseProcess, SchedTotals headProcess) {
        SchedTotals none = new SchedTotals();
        SchedTotals bt = b == null ? none : b;
        SchedTotals ht = h == null ? none : h;
        boolean jvmInternal = !group.equals(PROCESS) && !bt.java && !ht.java;
        for (Metric m : Metric.values()) {
            double base = m.value(bt, baseSeconds);
            double head = m.value(ht, headSeconds);
            Double limit = thresholds.limit(m);
            Verdict v;
            if (limit == null) {
                v = Verdict.UNGATED;
            } else if (b == null || h == null) {
                v = Verdict.ONE_SIDED;
            } else if (!group.equals(PROCESS) && belowFloor(m, share(m, bt, baseProcess), share(m, ht, headProcess))) {
                v = Verdict.BELOW_FLOOR;
            } else {
                v = rise(m, base, head) > limit ? Verdict.REGRESSION : Verdict.PASS;
            }
            rows.add(new Row(group, jvmInternal, bt.tids.size(), ht.tids.size(), m, base, head, limit, v));
        }
    }

    /**
     * A sum (on-CPU, run-queue wait) is judged when the group holds the floor's share of the
     * process's amount in either run: growing from nothing into a large amount is the regression.
     * The wait share is a fraction of the group's own runnable time, and a fraction of a small
     * amount is noise: it is judged only when the group's runnable time holds the floor in both
     * runs. Two identical runs on a busy machine had the main thread (JVM start-up, 77 ms of
     * on-CPU per second) just over the floor in one and just under in the other, its share
     * moving from 12.5% to 46.5%.
     */
    private boolean belowFloor(Metric m, double baseShare, double headShare) {
        double floor = thresholds.minShare();
        return m.isShare() ? baseShare < floor || headShare < floor : baseShare < floor && headShare < floor;
    }

    private static double share(Metric m, SchedTotals group, SchedTotals process) {
        long total = m.weight(process);
        return total == 0 ? 0 : (double) m.weight(group) / total;
    }

    List<Row> regressions() {
        return rows.stream().filter(r -> r.verdict() == Verdict.REGRESSION).toList();
    }

    List<Row> gated() {
        return rows.stream().filter(r -> r.limit() != null).toList();
    }
}
