package org.ebpfagent.agent.cli;

import java.util.HashSet;
import java.util.Set;

import jdk.jfr.consumer.RecordedEvent;

/** One syscall's ebpf.ThreadSyscalls figures summed over some events (of one thread, or of the process). */
final class SyscallStats {
    final String syscall;
    long calls;
    long errors;
    long restarts;
    long totalTime;
    long maxTime;
    /** ebpf.SlowSyscall events of this syscall. */
    long slow;
    final Set<Long> tids = new HashSet<>();
    private final P99Bound p99 = new P99Bound();

    SyscallStats(String syscall) {
        this.syscall = syscall == null ? "?" : syscall;
    }

    void add(RecordedEvent e) {
        add(e.getLong("tid"), e.getLong("calls"), e.getLong("errors"), e.getLong("restarts"), e.getLong("totalTime"),
                e.getLong("maxTime"), e.getLong("p50Time"), e.getLong("p99Time"));
    }

    void add(long tid, long calls, long errors, long restarts, long totalTime, long maxTime, long p50, long p99) {
        this.calls += calls;
        this.errors += errors;
        this.restarts += restarts;
        this.totalTime += totalTime;
        this.maxTime = Math.max(this.maxTime, maxTime);
        this.p99.add(calls, p50, p99, maxTime);
        tids.add(tid);
    }

    /** An upper bound of the p99 over all the intervals added, ns (see {@link P99Bound}). */
    long p99() {
        return p99.value();
    }
}
