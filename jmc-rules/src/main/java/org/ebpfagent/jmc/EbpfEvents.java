package org.ebpfagent.jmc;

/**
 * The ebpf.* event types and the fields the rules read, by their JFR names (see docs/events.md).
 * Rules look fields up by name, not by JMC content type: JMC reads a plain {@code long} as a raw
 * number and an annotated one as a quantity, and a unit annotation added later must not make a
 * rule blind.
 */
public final class EbpfEvents {
    private EbpfEvents() {}

    public static final String THREAD_SCHEDULING = "ebpf.ThreadScheduling";
    public static final String AGENT_STATISTICS = "ebpf.AgentStatistics";
    public static final String THREAD_OFF_CPU = "ebpf.ThreadOffCpu";

    // ebpf.ThreadScheduling (tid, threadName and javaThread also identify the thread in other per-thread events)
    public static final String JAVA_THREAD = "javaThread";
    public static final String THREAD_NAME = "threadName";
    public static final String TID = "tid";
    public static final String ON_CPU = "onCpu";
    public static final String RUN_QUEUE_WAIT = "runQueueWait";
    public static final String OFF_CPU = "offCpu";
    public static final String VOLUNTARY_SWITCHES = "voluntarySwitches";
    public static final String INVOLUNTARY_SWITCHES = "involuntarySwitches";
    public static final String MIGRATIONS = "migrations";

    // ebpf.ThreadOffCpu (and tid, threadName, javaThread, offCpu as above)
    public static final String SYSCALL = "syscall";
    public static final String WAIT_KIND = "waitKind";
    public static final String BLOCKS = "blocks";
    public static final String UNINTERRUPTIBLE = "uninterruptible";

    // ebpf.TcpConnect and ebpf.TcpConnection (and tid, threadName, javaThread as above)
    public static final String TCP_CONNECT = "ebpf.TcpConnect";
    public static final String TCP_CONNECTION = "ebpf.TcpConnection";
    public static final String REMOTE_ADDRESS = "remoteAddress";
    public static final String REMOTE_PORT = "remotePort";
    public static final String RESULT = "result";
    public static final String ESTABLISHED = "established";
    public static final String RETRANSMITS = "retransmits";
    public static final String OPEN = "open";

    // ebpf.ThreadSyscalls, ebpf.ThreadSyscallErrors, ebpf.SlowSyscall (and tid, threadName, javaThread,
    // syscall, result as above)
    public static final String THREAD_SYSCALLS = "ebpf.ThreadSyscalls";
    public static final String THREAD_SYSCALL_ERRORS = "ebpf.ThreadSyscallErrors";
    public static final String SLOW_SYSCALL = "ebpf.SlowSyscall";
    public static final String ERRNO = "errno";
    public static final String COUNT = "count";
    public static final String TIME = "time";

    // ebpf.AgentStatistics
    public static final String POLL_TIME = "pollTime";
    public static final String ERRORS = "errors";
    public static final String THREADS_DROPPED = "threadsDropped";
    public static final String EXITS_DROPPED = "exitsDropped";
    public static final String PROBE_MISSES = "probeMisses";
    public static final String REASONS_DROPPED = "reasonsDropped";
    public static final String SLOW_SYSCALLS_LOST = "slowSyscallsLost";
    public static final String SYSCALL_ENTRIES_DROPPED = "syscallEntriesDropped";
}
