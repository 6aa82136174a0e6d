package org.ebpfagent.agent.sched;

import org.ebpfagent.agent.metrics.Groups;
import org.ebpfagent.agent.metrics.Metric;
import org.ebpfagent.agent.metrics.Metrics;
import org.ebpfagent.agent.metrics.Row;
import org.ebpfagent.agent.metrics.Rows;
import org.ebpfagent.agent.metrics.Table;
import org.ebpfagent.agent.metrics.ThreadRow;
import org.ebpfagent.agent.metrics.Unit;
import org.ebpfagent.agent.probe.SyscallNames;

import static org.ebpfagent.agent.sched.ThreadSchedLayout.WAIT_KINDS;

/**
 * The scheduler probe's metrics per thread group: what its {@code ebpf.ThreadScheduling} and
 * {@code ebpf.ThreadOffCpu} events carry, added up. The recorder hands each event's differences
 * here as it commits them (or would, outside a recording); rows are found once per thread and
 * reason and kept with the thread, so a steady report allocates nothing.
 */
final class SchedFigures {
    static final Table THREADS = Table.perThreadGroup("sched");
    static final Metric ON_CPU = THREADS.counter("sched.on_cpu", Unit.NANOSECONDS, "Time the threads ran on a CPU");
    static final Metric RUN_QUEUE_WAIT = THREADS.counter("sched.run_queue_wait", Unit.NANOSECONDS,
            "Time the threads were runnable but waited for a CPU");
    static final Metric STOLEN = THREADS.counter("sched.stolen", Unit.NANOSECONDS,
            "Part of the run-queue wait the hypervisor gave the CPU to another guest (steal time)");
    static final Metric OFF_CPU = THREADS.counter("sched.off_cpu", Unit.NANOSECONDS,
            "Time the threads were off the CPU, blocked or sleeping");
    static final Metric VOLUNTARY = THREADS.counter("sched.voluntary_switches", Unit.COUNT,
            "Context switches where the thread gave up the CPU (blocked, slept)");
    static final Metric INVOLUNTARY = THREADS.counter("sched.involuntary_switches", Unit.COUNT,
            "Context switches where the thread was preempted");
    static final Metric MIGRATIONS = THREADS.counter("sched.migrations", Unit.COUNT, "Moves of a thread to another CPU");

    static final Table REASONS = Table.perThreadGroup("sched.off_cpu_reasons", "syscall", "wait_kind");
    static final Metric REASON_TIME = REASONS.counter("sched.off_cpu_reason", Unit.NANOSECONDS,
            "Off-CPU time by the syscall the thread blocked in (none: outside a syscall) and how it waited");
    static final Metric REASON_BLOCKS = REASONS.counter("sched.off_cpu_blocks", Unit.COUNT,
            "Off-CPU spans that ended, by syscall and how the thread waited");

    private final Rows threads;
    private final Rows reasons;

    SchedFigures(Metrics metrics) {
        this.threads = metrics.rows(THREADS);
        this.reasons = metrics.rows(REASONS);
    }

    /** One thread's report: the differences its ebpf.ThreadScheduling event carries. */
    void report(ThreadSlot s, String name, long onCpu, long runQueueWait, long stolen, long offCpu,
                long voluntary, long involuntary, long migrations) {
        if (s.figures == null) {
            s.figures = new ThreadRow();
        }
        Row r = s.figures.of(threads, name);
        r.add(ON_CPU, onCpu);
        r.add(RUN_QUEUE_WAIT, runQueueWait);
        r.add(STOLEN, stolen);
        r.add(OFF_CPU, offCpu);
        r.add(VOLUNTARY, voluntary);
        r.add(INVOLUNTARY, involuntary);
        r.add(MIGRATIONS, migrations);
    }

    /** One reason of a thread that moved, after the thread's {@link #report} of the same poll. */
    void reason(ThreadSlot s, int reason, long offCpu, long blocks) {
        OffCpuReasons r = s.reasons;
        Groups.Group group = s.figures.group();
        if (r.figureRows == null || r.figureRows.length < r.count) {
            r.figureRows = new Row[r.syscall.length];
            r.figuresGroup = group;
        } else if (r.figuresGroup != group) { // the thread was renamed into another group
            java.util.Arrays.fill(r.figureRows, null);
            r.figuresGroup = group;
        }
        Row row = r.figureRows[reason];
        if (row == null) {
            int kind = r.kind[reason];
            row = reasons.row(group, SyscallNames.name(r.syscall[reason]),
                    kind >= 0 && kind < WAIT_KINDS.length ? WAIT_KINDS[kind] : WAIT_KINDS[0]);
            r.figureRows[reason] = row;
        }
        row.add(REASON_TIME, offCpu);
        row.add(REASON_BLOCKS, blocks);
    }
}
