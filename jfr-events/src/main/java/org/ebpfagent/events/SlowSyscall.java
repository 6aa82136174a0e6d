package org.ebpfagent.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * One syscall of this JVM that took longer than the agent's slowSyscall threshold. The event's
 * start and duration are the call's own, from the kernel's clock (the agent sets both from the
 * record; JFR keeps them as given).
 */
@Name("ebpf.SlowSyscall")
@Label("Slow Syscall")
@Category({"eBPF", "Syscalls"})
@Description("A syscall of this JVM that took longer than the agent's slowSyscall option (default 10 ms), "
        + "timed in the kernel from entry to exit")
@StackTrace(false)
public final class SlowSyscall extends Event {

    @Label("Java Thread")
    @Description("The java.lang.Thread that made the call, or null for a JVM thread without one")
    public Thread javaThread;

    @Label("Thread Name")
    @Description("The Java thread name, or the OS thread name when there is no java.lang.Thread")
    public String threadName;

    @Label("OS Thread Id")
    @Description("Linux thread id as the JVM's own PID namespace sees it (gettid)")
    public long tid;

    @Label("Syscall")
    @Description("The syscall's name, or syscall_<n>")
    public String syscall;

    @Label("Time")
    @Description("Time from entry to exit")
    @Timespan(Timespan.NANOSECONDS)
    public long time;

    @Label("Result")
    @Description("The return value, or the errno's name for an error (e.g. ETIMEDOUT, or ERESTARTSYS for a "
            + "call a signal interrupted)")
    public String result;

}
