package org.ebpfagent.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/** How the kernel scheduled one thread of this JVM during the interval the event spans. */
@Name("ebpf.ThreadScheduling")
@Label("Thread Scheduling")
@Category({"eBPF", "Scheduler"})
@Description("Time on a CPU, waiting for a CPU and off-CPU, with context switches and migrations, "
        + "of one thread during the event's interval, measured by the kernel's scheduler tracepoints")
@StackTrace(false)
public final class ThreadScheduling extends Event {

    @Label("Java Thread")
    @Description("The java.lang.Thread measured, or null for a JVM thread without one (GC, JIT compiler)")
    public Thread javaThread;

    @Label("Thread Name")
    @Description("The Java thread name, or the OS thread name when there is no java.lang.Thread")
    public String threadName;

    @Label("OS Thread Id")
    @Description("Linux thread id as the JVM's own PID namespace sees it (gettid)")
    public long tid;

    @Label("On CPU")
    @Description("Time the thread ran on a CPU")
    @Timespan(Timespan.NANOSECONDS)
    public long onCpu;

    @Label("Stolen")
    @Description("Time the thread held a CPU that went to interrupts handled there or to another guest "
            + "of the hypervisor (steal): not charged as the thread's CPU time, nor a wait. The spans "
            + "of a running thread add to this at its switch-out. On CPU + Stolen + Run Queue Wait + "
            + "Off CPU is the time the thread lived in the interval")
    @Timespan(Timespan.NANOSECONDS)
    public long stolen;

    @Label("Run Queue Wait")
    @Description("Time the thread was runnable but waited for a CPU (after a wakeup or a preemption)")
    @Timespan(Timespan.NANOSECONDS)
    public long runQueueWait;

    @Label("Off CPU")
    @Description("Time the thread was switched out while not runnable (blocked or sleeping) until woken")
    @Timespan(Timespan.NANOSECONDS)
    public long offCpu;

    @Label("Voluntary Switches")
    @Description("Context switches in which the thread gave up the CPU (blocked, slept, waited)")
    public long voluntarySwitches;

    @Label("Involuntary Switches")
    @Description("Context switches in which the thread was preempted or yielded while still runnable")
    public long involuntarySwitches;

    @Label("Migrations")
    @Description("Times the thread was moved to another CPU")
    public long migrations;
}
