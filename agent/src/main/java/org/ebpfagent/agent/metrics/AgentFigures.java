package org.ebpfagent.agent.metrics;

import org.ebpfagent.agent.probe.PollStats;

/**
 * The agent's own health, as {@code ebpf.AgentStatistics} reports it per poll: polls and their
 * time, what they read and wrote, and every loss the probes count (cumulative in the kernel, so
 * set, not added). Also the thread groups in use and those folded for the cap.
 */
final class AgentFigures {
    static final Table AGENT = Table.process("agent");
    static final Metric POLLS = AGENT.counter("agent.polls", Unit.COUNT, "Polls of the probes' maps");
    static final Metric POLL_TIME = AGENT.counter("agent.poll_time", Unit.NANOSECONDS,
            "Time the polls took (reading maps and writing events)");
    static final Metric POLL_ERRORS = AGENT.counter("agent.poll_errors", Unit.COUNT, "Probe polls whose map read failed");
    static final Metric EVENTS_WRITTEN = AGENT.counter("agent.events_written", Unit.COUNT, "JFR events the polls committed");
    static final Metric READ_CALLS = AGENT.counter("agent.map_read_calls", Unit.COUNT, "syscalls the polls made to read the probes (bpf() map reads, the walk over the threads)");
    static final Metric ENTRIES_READ = AGENT.counter("agent.map_entries_read", Unit.COUNT, "Map entries the polls read");
    static final Metric THREADS_TRACKED = AGENT.gauge("agent.threads_tracked", Unit.COUNT,
            "Threads of this process in the kernel's per-thread maps at the last poll");
    static final Metric PROBES_ATTACHED = AGENT.gauge("agent.probes_attached", Unit.COUNT, "BPF programs attached");
    static final Metric THREADS_DROPPED = AGENT.counter("agent.threads_dropped", Unit.COUNT,
            "Scheduler events of threads the kernel could not track (maxThreads reached, or no memory)");
    static final Metric EXITS_DROPPED = AGENT.counter("agent.exits_dropped", Unit.COUNT,
            "Thread exits whose final counters were lost (exit map full)");
    static final Metric REASONS_DROPPED = AGENT.counter("agent.reasons_dropped", Unit.COUNT,
            "Off-CPU spans not attributed to a reason (reason map full)");
    static final Metric PROBE_MISSES = AGENT.counter("agent.probe_misses", Unit.COUNT,
            "Tracepoint hits the kernel skipped because the program was already running on that CPU");
    static final Metric RECORDS_LOST = AGENT.counter("agent.records_lost", Unit.COUNT,
            "TCP probe records lost to a full ring buffer");
    static final Metric CONNECTIONS_DROPPED = AGENT.counter("agent.connections_dropped", Unit.COUNT,
            "TCP connections or listening sockets the TCP probe could not track (map full)");
    static final Metric SLOW_SYSCALLS_LOST = AGENT.counter("agent.slow_syscalls_lost", Unit.COUNT,
            "Slow-syscall records lost to a full ring buffer");
    static final Metric SYSCALL_ENTRIES_DROPPED = AGENT.counter("agent.syscall_entries_dropped", Unit.COUNT,
            "Syscall calls or errors the syscall probe could not count (map full)");
    static final Metric THREAD_GROUPS = AGENT.gauge("agent.thread_groups", Unit.COUNT,
            "Thread groups with series of their own");
    static final Metric THREAD_GROUPS_FOLDED = AGENT.counter("agent.thread_groups_folded", Unit.COUNT,
            "Thread groups folded into the group (other) because the cap (metricsGroups) was reached");

    private final Row row;
    private final Groups groups;

    AgentFigures(Rows rows) {
        this.row = rows.row();
        this.groups = rows.groups();
    }

    /** After a poll: {@code pollNanos} it took, {@code failed} probes whose read failed. */
    void afterPoll(PollStats s, long pollNanos, long failed, int probesAttached) {
        Row r = row;
        r.add(POLLS, 1);
        r.add(POLL_TIME, pollNanos);
        r.add(POLL_ERRORS, failed);
        r.add(EVENTS_WRITTEN, s.eventsWritten);
        r.add(READ_CALLS, s.readCalls);
        r.add(ENTRIES_READ, s.entriesRead);
        r.set(THREADS_TRACKED, s.threadsTracked);
        r.set(PROBES_ATTACHED, probesAttached);
        r.set(THREADS_DROPPED, s.threadsDropped);
        r.set(EXITS_DROPPED, s.exitsDropped);
        r.set(REASONS_DROPPED, s.reasonsDropped);
        r.set(PROBE_MISSES, s.probeMisses);
        r.set(RECORDS_LOST, s.recordsLost);
        r.set(CONNECTIONS_DROPPED, s.connectionsDropped);
        r.set(SLOW_SYSCALLS_LOST, s.slowSyscallsLost);
        r.set(SYSCALL_ENTRIES_DROPPED, s.syscallEntriesDropped);
        r.set(THREAD_GROUPS, groups.size());
        r.set(THREAD_GROUPS_FOLDED, groups.folded());
    }
}
