package org.ebpfagent.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * Why one thread of this JVM was off-CPU during the event's interval: its off-CPU time for one
 * reason, the syscall it blocked in and how it slept. A thread with several reasons in an interval
 * has one event per reason; their times add up to the thread's {@code ebpf.ThreadScheduling} offCpu.
 */
@Name("ebpf.ThreadOffCpu")
@Label("Thread Off-CPU Reason")
@Category({"eBPF", "Scheduler"})
@Description("Time one thread spent switched out while not runnable, for one reason: the syscall it "
        + "was blocked in and whether it slept interruptibly or not, during the event's interval")
@StackTrace(false)
public final class ThreadOffCpu extends Event {

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
    @Description("The syscall the thread was blocked in (futex, read, epoll_wait, ...), or 'none' when it "
            + "left the CPU outside a syscall (a page fault that had to wait, a stop)")
    public String syscall;

    @Label("Wait Kind")
    @Description("'sleeping' (interruptible: waiting for an event, a lock, a timer, data), 'uninterruptible' "
            + "(typically disk I/O, page-ins, kernel locks) or 'other' (stopped, traced, frozen)")
    public String waitKind;

    @Label("Off CPU")
    @Description("Off-CPU time for this reason in the interval")
    @Timespan(Timespan.NANOSECONDS)
    public long offCpu;

    @Label("Blocks")
    @Description("Off-CPU spans for this reason that ended in the interval")
    public long blocks;
}
