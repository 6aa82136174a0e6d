package org.ebpfagent.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** The errors one syscall of one thread of this JVM returned with one errno during the event's interval. */
@Name("ebpf.ThreadSyscallErrors")
@Label("Thread Syscall Errors")
@Category({"eBPF", "Syscalls"})
@Description("How often one syscall of one thread failed with one errno during the event's interval")
@StackTrace(false)
public final class ThreadSyscallErrors extends Event {

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
    @Description("The syscall's name, or syscall_<n>")
    public String syscall;

    @Label("Errno")
    @Description("The error's name (EAGAIN, EBADF, ...), or errno_<n> for a number without one")
    public String errno;

    @Label("Errno Number")
    @Description("The error number (positive, as errno holds it)")
    public int errnoNumber;

    @Label("Count")
    @Description("Calls that returned this error in the interval")
    public long count;
}
