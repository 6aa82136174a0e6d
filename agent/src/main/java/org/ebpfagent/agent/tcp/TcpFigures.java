package org.ebpfagent.agent.tcp;

import org.ebpfagent.agent.metrics.Log2Buckets;
import org.ebpfagent.agent.metrics.Metric;
import org.ebpfagent.agent.metrics.Metrics;
import org.ebpfagent.agent.metrics.Row;
import org.ebpfagent.agent.metrics.Rows;
import org.ebpfagent.agent.metrics.Table;
import org.ebpfagent.agent.metrics.ThreadRow;
import org.ebpfagent.agent.metrics.Unit;

/**
 * The TCP probe's metrics: per thread group what its {@code ebpf.ThreadTcp} events carry, added
 * up, and for the whole process a histogram of the connect times of its {@code ebpf.TcpConnect}
 * events that established (power-of-two buckets of ns, as the syscall probe's; per thread group it
 * would multiply the series by 36 buckets).
 */
final class TcpFigures {
    static final int CONNECT_BUCKETS = 36;

    static final Table THREADS = Table.perThreadGroup("tcp");
    static final Metric SENT = THREADS.counter("tcp.sent", Unit.BYTES, "Payload bytes the threads wrote to TCP sockets");
    static final Metric RECEIVED = THREADS.counter("tcp.received", Unit.BYTES,
            "Payload bytes the threads read from TCP sockets");
    static final Metric CONNECTS = THREADS.counter("tcp.connects", Unit.COUNT, "Connects the threads started that were established");
    static final Metric CONNECT_FAILURES = THREADS.counter("tcp.connect_failures", Unit.COUNT,
            "Connects the threads started that failed");
    static final Metric ACCEPTS = THREADS.counter("tcp.accepts", Unit.COUNT,
            "Accepted connections the threads were the first to read or write");
    static final Metric RETRANSMITS = THREADS.counter("tcp.retransmits", Unit.COUNT,
            "Segments retransmitted on connections the threads own");

    static final Table CONNECT = Table.process("tcp.connect");
    static final Metric CONNECT_TIME = CONNECT.histogram("tcp.connect_duration", Unit.NANOSECONDS,
            "Time from SYN sent to established, of the connects of this process that established",
            Log2Buckets.bounds(CONNECT_BUCKETS));

    private final Rows threads;
    private final Row connect;

    TcpFigures(Metrics metrics) {
        this.threads = metrics.rows(THREADS);
        this.connect = metrics.rows(CONNECT).row();
    }

    /** One thread's report: the differences its ebpf.ThreadTcp event carries. */
    void report(ThreadRow row, String name, long sent, long received, long connects, long failures, long accepts,
                long retransmits) {
        Row r = row.of(threads, name);
        r.add(SENT, sent);
        r.add(RECEIVED, received);
        r.add(CONNECTS, connects);
        r.add(CONNECT_FAILURES, failures);
        r.add(ACCEPTS, accepts);
        r.add(RETRANSMITS, retransmits);
    }

    /** A connect that established, in {@code nanos}. */
    void established(long nanos) {
        connect.observe(CONNECT_TIME, nanos);
    }
}
