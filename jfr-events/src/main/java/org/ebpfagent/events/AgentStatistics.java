package org.ebpfagent.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/** What ebpf-agent itself did during one poll interval, so its cost and losses are visible. */
@Name("ebpf.AgentStatistics")
@Label("Agent Statistics")
@Category({"eBPF", "Agent"})
@Description("Work done and data lost by ebpf-agent during the event's interval")
@StackTrace(false)
public final class AgentStatistics extends Event {

    @Label("Probes Attached")
    @Description("BPF programs attached to tracepoints")
    public int probesAttached;

    @Label("Threads Tracked")
    @Description("Threads of this process present in the kernel's per-thread maps")
    public long threadsTracked;

    @Label("Entries Read")
    @Description("Map entries read in this interval: copied from a hash map, or walked in the mapped slot array")
    public long entriesRead;

    @Label("Read Calls")
    @Description("Syscalls made in this interval to read the probes: bpf() map reads, and the scheduler probe's walk over the threads")
    public long readCalls;

    @Label("Events Written")
    @Description("ebpf.ThreadScheduling events committed in this interval")
    public long eventsWritten;

    @Label("Poll Time")
    @Description("Time the agent spent reading maps and writing events in this interval")
    @Timespan(Timespan.NANOSECONDS)
    public long pollTime;

    @Label("Errors")
    @Description("Failed map reads in this interval")
    public long errors;

    @Label("Threads Dropped")
    @Description("Scheduler events of threads the kernel could not track (maxThreads tracked already, or no memory) "
            + "(cumulative; one per event of such a thread, not one per thread)")
    public long threadsDropped;

    @Label("Exits Dropped")
    @Description("Thread exits whose final counters were lost because the exit map was full (cumulative)")
    public long exitsDropped;

    @Label("Off-CPU Reasons Dropped")
    @Description("Off-CPU spans not attributed to a reason because the reason map was full (cumulative); "
            + "their time still counts in ebpf.ThreadScheduling offCpu")
    public long reasonsDropped;

    @Label("Probe Misses")
    @Description("Tracepoint hits the kernel skipped because the program was already running on that CPU "
            + "(recursion misses, cumulative)")
    public long probeMisses;

    @Label("Switch-Ins Unseen")
    @Description("Switch-ins of this process's threads for which the kernel ran no sched_switch program "
            + "(cumulative); their time was split by the kernel's own stamp of the switch-in (sched_info), "
            + "so nothing is lost, but a steady rise says the tracepoint is unreliable on this kernel")
    public long switchInsUnseen;

    @Label("Records Lost")
    @Description("Per-connection records (TCP) lost because the probe's ring buffer was full (cumulative)")
    public long recordsLost;

    @Label("Connections Dropped")
    @Description("TCP connections or listening sockets of this JVM the probe could not track because its map was "
            + "full (cumulative)")
    public long connectionsDropped;

    @Label("Slow Syscalls Lost")
    @Description("Slow-syscall records lost because the syscall probe's ring buffer was full (cumulative)")
    public long slowSyscallsLost;

    @Label("Syscall Entries Dropped")
    @Description("Syscall calls or errors of this JVM the probe could not count because its per-thread map was "
            + "full (cumulative)")
    public long syscallEntriesDropped;
}
