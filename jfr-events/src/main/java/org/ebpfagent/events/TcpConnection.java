package org.ebpfagent.events;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * One TCP connection of this JVM: written when it closes, with its final figures, and at the end
 * of every recording chunk while it is open ({@code open = true}, figures so far). The event spans
 * the connection's life up to its close (or up to the chunk's end).
 */
@Name("ebpf.TcpConnection")
@Label("TCP Connection")
@Category({"eBPF", "TCP"})
@Description("A TCP connection of this JVM on the thread that owns it: lifetime, exact payload bytes, "
        + "retransmits, smoothed RTT and resets, measured by the kernel's socket and TCP tracepoints")
@StackTrace(false)
public final class TcpConnection extends Event {

    @Label("Java Thread")
    @Description("The owner: the java.lang.Thread that connected, or for an accepted connection the first "
            + "one that read or wrote it; null for a thread without one or when no thread used it")
    public Thread javaThread;

    @Label("Thread Name")
    @Description("The Java thread name, or the OS thread name when there is no java.lang.Thread")
    public String threadName;

    @Label("OS Thread Id")
    @Description("The owner's Linux thread id as the JVM's own PID namespace sees it; 0 when none is known")
    public long tid;

    @Label("Role")
    @Description("client (this JVM connected), server (accepted on a listening socket of this JVM), or "
            + "found (already open when the probe attached, first seen at a read or write)")
    public String role;

    @Label("Local Address")
    public String localAddress;

    @Label("Local Port")
    public int localPort;

    @Label("Remote Address")
    public String remoteAddress;

    @Label("Remote Port")
    public int remotePort;

    @Label("Lifetime")
    @Description("From the connect (client), the handshake's end (server) or first sight (found) to the close, "
            + "or to the end of the chunk while open")
    @Timespan(Timespan.NANOSECONDS)
    public long lifetime;

    @Label("Bytes Sent")
    @Description("Payload bytes this JVM wrote to the connection")
    @DataAmount(DataAmount.BYTES)
    public long bytesSent;

    @Label("Bytes Received")
    @Description("Payload bytes this JVM read from the connection (peeks not counted)")
    @DataAmount(DataAmount.BYTES)
    public long bytesReceived;

    @Label("Retransmits")
    @Description("Segments retransmitted; at close, the kernel's own total for the connection")
    public long retransmits;

    @Label("Smoothed RTT")
    @Description("The kernel's smoothed round-trip time at close; 0 while open")
    @Timespan(Timespan.NANOSECONDS)
    public long srtt;

    @Label("Resets Sent")
    public long resetsSent;

    @Label("Resets Received")
    public long resetsReceived;

    @Label("Closed By")
    @Description("local (this JVM sent the first FIN or a reset), remote, or unknown; empty while open")
    public String closedBy;

    @Label("Open")
    @Description("True for a connection still open at the end of a chunk: its figures so far")
    public boolean open;
}
