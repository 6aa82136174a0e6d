package org.ebpfagent.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;
import jdk.jfr.Unsigned;

/** One syscall of one thread of this JVM during the event's interval: how often, how often failed, how long. */
@Name("ebpf.ThreadSyscalls")
@Label("Thread Syscalls")
@Category({"eBPF", "Syscalls"})
@Description("Calls, errors and time of one syscall of one thread during the event's interval, measured "
        + "in the kernel at syscall entry and exit (raw_syscalls tracepoints)")
@StackTrace(false)
public final class ThreadSyscalls extends Event {

    @Label("Java Thread")
    @Description("The java.lang.Thread measured, or null for a JVM thread without one (GC, JIT compiler)")
    public Thread javaThread;

    @Label("Thread Name")
    @Description("The Java thread name, or the OS thread name when there is no java.lang.Thread")
    public String threadName;

    @Label("OS Thread Id")
    @Description("Linux thread id as the JVM's own PID namespace sees it (gettid)")
    public long tid;

    @Label("Syscall")
    @Description("The syscall's name from the kernel's table for this architecture, or syscall_<n> for a number it does not name")
    public String syscall;

    @Label("Syscall Number")
    @Description("The syscall's number on this architecture")
    @Unsigned
    public int number;

    @Label("Calls")
    @Description("Calls that returned in the interval")
    public long calls;

    @Label("Errors")
    @Description("Calls that returned an error (-4095..-1), the kernel's restart codes (-512..-516) not included")
    public long errors;

    @Label("Restarts")
    @Description("Calls interrupted by a signal that the kernel restarts or turns into EINTR (ERESTARTSYS, "
            + "ERESTARTNOINTR, ERESTARTNOHAND, ENOIOCTLCMD, ERESTART_RESTARTBLOCK): not errors of the application")
    public long restarts;

    @Label("Total Time")
    @Description("Time from entry to exit, summed over the calls")
    @Timespan(Timespan.NANOSECONDS)
    public long totalTime;

    @Label("Max Time")
    @Description("The longest call")
    @Timespan(Timespan.NANOSECONDS)
    public long maxTime;

    @Label("p50 Time")
    @Description("Median time per call, estimated from a log2 histogram: inside the power-of-two bucket "
            + "holding the true median, interpolated by rank, never above Max Time")
    @Timespan(Timespan.NANOSECONDS)
    public long p50Time;

    @Label("p99 Time")
    @Description("99th percentile of the time per call, estimated as p50Time is")
    @Timespan(Timespan.NANOSECONDS)
    public long p99Time;
}
