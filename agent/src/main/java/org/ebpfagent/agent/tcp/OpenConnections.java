package org.ebpfagent.agent.tcp;

import org.ebpfagent.agent.ffm.BpfException;
import org.ebpfagent.agent.ffm.BpfMap;
import org.ebpfagent.agent.ffm.MapBatchReader;
import org.ebpfagent.agent.ffm.StructLayout;
import org.ebpfagent.agent.ffm.StructView;
import org.ebpfagent.agent.probe.EventClock;
import org.ebpfagent.agent.threads.ThreadRegistry;
import org.ebpfagent.agent.util.Log;
import org.ebpfagent.events.TcpConnection;

import static org.ebpfagent.agent.tcp.TcpLayout.*;

/**
 * JFR's chunk-end hook for {@code ebpf.TcpConnection} (period {@code endChunk} in ebpf.jfc):
 * writes every open connection of this JVM with its figures so far and {@code open = true}, so
 * that a chunk of a service whose connections live longer than it (a connection pool) still
 * holds them. Runs on JFR's periodic thread with its own map reader and clock; never throws.
 */
final class OpenConnections implements Runnable, AutoCloseable {
    private final AddressCache addresses = new AddressCache();
    private static final Log LOG = Log.named("ebpf-agent");

    private final ThreadRegistry registry;
    private final MapBatchReader reader;
    private final StructView conn;
    private final TcpConnection event = new TcpConnection();
    private final EventClock clock = new EventClock();
    private final EventClock.Timing timing;
    private boolean closed;
    private boolean warned;

    OpenConnections(BpfMap conns, StructLayout conn, ThreadRegistry registry) throws BpfException, EventClock.Unsupported {
        this.conn = StructView.of(conn);
        this.registry = registry;
        this.timing = EventClock.timing(TcpConnection.class);
        clock.start(new TcpConnection());
        this.reader = MapBatchReader.lookup(conns, 256);
    }

    @Override
    public synchronized void run() {
        if (closed) {
            return;
        }
        try {
            clock.mark();
            reader.read(this::onBatch);
        } catch (BpfException | RuntimeException e) {
            if (!warned) {
                warned = true;
                LOG.warn("tcp probe: open connections not written at a chunk's end: {}", e.getMessage());
            }
        }
    }

    private void onBatch(MapBatchReader b) {
        long now = System.nanoTime();
        for (int i = 0; i < b.count(); i++) {
            StructView c = b.value(i, conn);
            long established = c.u64(ESTABLISHED);
            if (established == 0 || c.u64(CLOSED) != 0) {
                continue; // still connecting (its ebpf.TcpConnect comes when it finishes), or closed already
            }
            TcpConnection e = event;
            long start = c.u64(START);
            ConnectionFields.fill(e, c, now, true, registry, addresses);
            clock.setInterval(e, timing, clock.ticks(start), clock.ticks(now));
            e.commit();
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        reader.close();
    }
}
