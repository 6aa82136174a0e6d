package org.ebpfagent.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * One connect attempt of this JVM that finished, established or failed. The event spans the
 * attempt: from the SYN (connect()) to the handshake's end or the failure, as the kernel timed it.
 */
@Name("ebpf.TcpConnect")
@Label("TCP Connect")
@Category({"eBPF", "TCP"})
@Description("A TCP connect attempt of this JVM, from connect() to established or failed, measured by the "
        + "kernel's socket tracepoints")
@StackTrace(false)
public final class TcpConnect extends Event {

    @Label("Java Thread")
    @Description("The java.lang.Thread that called connect(), or null for a thread without one")
    public Thread javaThread;

    @Label("Thread Name")
    @Description("The Java thread name, or the OS thread name when there is no java.lang.Thread")
    public String threadName;

    @Label("OS Thread Id")
    @Description("Linux thread id as the JVM's own PID namespace sees it (gettid)")
    public long tid;

    @Label("Local Address")
    @Description("IPv4 or IPv6 address; IPv4-mapped IPv6 addresses are written as IPv4")
    public String localAddress;

    @Label("Local Port")
    public int localPort;

    @Label("Remote Address")
    @Description("IPv4 or IPv6 address; IPv4-mapped IPv6 addresses are written as IPv4")
    public String remoteAddress;

    @Label("Remote Port")
    public int remotePort;

    @Label("Connect Time")
    @Description("From the SYN sent (connect()) to the connection established or the attempt failed")
    @Timespan(Timespan.NANOSECONDS)
    public long connectTime;

    @Label("Result")
    @Description("established, the errno name of the failure (ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, ...), "
            + "or closed (the socket was closed while connecting, with no error)")
    public String result;

    @Label("SYN Retransmits")
    @Description("SYNs sent again because no answer came")
    public long synRetransmits;
}
