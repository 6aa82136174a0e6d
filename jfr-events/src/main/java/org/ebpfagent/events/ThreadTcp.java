package org.ebpfagent.events;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** The TCP activity of one thread of this JVM during the event's interval. */
@Name("ebpf.ThreadTcp")
@Label("Thread TCP")
@Category({"eBPF", "TCP"})
@Description("TCP payload bytes, connects and accepts of one thread during the event's interval, and "
        + "retransmits on the connections it owns, measured by the kernel's socket and TCP tracepoints")
@StackTrace(false)
public final class ThreadTcp extends Event {

    @Label("Java Thread")
    @Description("The java.lang.Thread measured, or null for a thread without one")
    public Thread javaThread;

    @Label("Thread Name")
    @Description("The Java thread name, or the OS thread name when there is no java.lang.Thread")
    public String threadName;

    @Label("OS Thread Id")
    @Description("Linux thread id as the JVM's own PID namespace sees it (gettid)")
    public long tid;

    @Label("Bytes Sent")
    @Description("Payload bytes the thread wrote to TCP sockets")
    @DataAmount(DataAmount.BYTES)
    public long bytesSent;

    @Label("Bytes Received")
    @Description("Payload bytes the thread read from TCP sockets (peeks not counted)")
    @DataAmount(DataAmount.BYTES)
    public long bytesReceived;

    @Label("Connects")
    @Description("Connect attempts of the thread that were established")
    public long connects;

    @Label("Connect Failures")
    @Description("Connect attempts of the thread that failed")
    public long connectFailures;

    @Label("Accepts")
    @Description("Accepted connections the thread was the first to read or write")
    public long accepts;

    @Label("Retransmits")
    @Description("Segments retransmitted on connections the thread owns")
    public long retransmits;
}
