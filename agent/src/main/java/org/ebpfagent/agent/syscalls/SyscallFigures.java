package org.ebpfagent.agent.syscalls;

import org.ebpfagent.agent.metrics.Groups;
import org.ebpfagent.agent.metrics.Log2Buckets;
import org.ebpfagent.agent.metrics.Metric;
import org.ebpfagent.agent.metrics.Metrics;
import org.ebpfagent.agent.metrics.Row;
import org.ebpfagent.agent.metrics.Rows;
import org.ebpfagent.agent.metrics.Table;
import org.ebpfagent.agent.metrics.ThreadRow;
import org.ebpfagent.agent.metrics.Unit;
import org.ebpfagent.agent.probe.ErrnoNames;
import org.ebpfagent.agent.probe.SyscallNames;

import static org.ebpfagent.agent.syscalls.SyscallLayout.BUCKETS;

/**
 * The syscall probe's metrics: per thread group and syscall what its {@code ebpf.ThreadSyscalls}
 * events carry, added up; per syscall (for the whole process: per thread group it would multiply
 * the series by 37) the probe's own log2 histogram of call times; per syscall and errno the
 * errors of its {@code ebpf.ThreadSyscallErrors} events.
 */
final class SyscallFigures {
    static final Table CALLS = Table.perThreadGroup("syscall", "syscall");
    static final Metric COUNT = CALLS.counter("syscall.calls", Unit.COUNT, "Syscalls that returned");
    static final Metric ERRORS = CALLS.counter("syscall.errors", Unit.COUNT,
            "Syscalls that returned an error (-4095..-1), restart codes not included");
    static final Metric RESTARTS = CALLS.counter("syscall.restarts", Unit.COUNT,
            "Syscalls that returned a restart code: interrupted by a signal");
    static final Metric TIME = CALLS.counter("syscall.time", Unit.NANOSECONDS, "Time in syscalls, entry to exit");

    static final Table DURATION = Table.process("syscall.durations", "syscall");
    static final Metric CALL_TIME = DURATION.histogram("syscall.duration", Unit.NANOSECONDS,
            "Time per syscall, entry to exit, in the probe's power-of-two buckets", Log2Buckets.bounds(BUCKETS));

    static final Table ERRNO = Table.process("syscall.errnos", "syscall", "errno");
    static final Metric ERRNO_COUNT = ERRNO.counter("syscall.errno", Unit.COUNT, "Syscall errors by errno");

    private final Rows calls;
    private final Rows durations;
    private final Rows errnos;

    SyscallFigures(Metrics metrics) {
        this.calls = metrics.rows(CALLS);
        this.durations = metrics.rows(DURATION);
        this.errnos = metrics.rows(ERRNO);
    }

    /** The rows of one thread's calls of one syscall, found at their first report. */
    static final class CallRows {
        Groups.Group group;
        Row call;
        Row duration;
    }

    /**
     * One ebpf.ThreadSyscalls report: the differences it carries, and the calls per bucket of the
     * interval ({@code buckets}, a difference of the kernel's cumulative counts).
     */
    void report(ThreadRow thread, CallRows rows, String name, int nr, long count, long errors, long restarts, long time,
                long[] buckets) {
        Groups.Group group = thread.group(calls.groups(), name);
        if (rows.call == null || rows.group != group) {
            rows.group = group;
            rows.call = calls.row(group, SyscallNames.name(nr));
        }
        Row r = rows.call;
        r.add(COUNT, count);
        r.add(ERRORS, errors);
        r.add(RESTARTS, restarts);
        r.add(TIME, time);
        if (rows.duration == null) {
            rows.duration = durations.row(null, SyscallNames.name(nr));
        }
        Row d = rows.duration;
        for (int b = 0; b < buckets.length; b++) {
            if (buckets[b] > 0) {
                d.addBucket(CALL_TIME, b, buckets[b]);
            }
        }
        d.addSum(CALL_TIME, time);
    }

    /** The row of errors of one syscall and errno. */
    Row errno(int nr, int errno) {
        return errnos.row(null, SyscallNames.name(nr), ErrnoNames.name(errno));
    }

    void errors(Row errno, long count) {
        errno.add(ERRNO_COUNT, count);
    }
}
