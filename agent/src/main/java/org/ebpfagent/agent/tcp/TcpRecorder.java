package org.ebpfagent.agent.tcp;

import jdk.jfr.FlightRecorder;
import org.ebpfagent.agent.ffm.BpfException;
import org.ebpfagent.agent.ffm.MapBatchReader;
import org.ebpfagent.agent.ffm.MapKeyBatch;
import org.ebpfagent.agent.ffm.ProgramInfo;
import org.ebpfagent.agent.ffm.RingBuffer;
import org.ebpfagent.agent.ffm.StructView;
import org.ebpfagent.agent.metrics.Metrics;
import org.ebpfagent.agent.probe.Attachment;
import org.ebpfagent.agent.probe.ErrnoNames;
import org.ebpfagent.agent.probe.EventClock;
import org.ebpfagent.agent.probe.PollStats;
import org.ebpfagent.agent.probe.Recorder;
import org.ebpfagent.agent.threads.ThreadRegistry;
import org.ebpfagent.agent.util.IntMap;
import org.ebpfagent.agent.util.Log;
import org.ebpfagent.events.TcpConnect;
import org.ebpfagent.events.TcpConnection;
import org.ebpfagent.events.ThreadTcp;

import static org.ebpfagent.agent.tcp.TcpLayout.*;

/**
 * Turns the TCP probe's records and maps into events, once per poll: the ring's records become
 * {@code ebpf.TcpConnect} (a connect finished) and {@code ebpf.TcpConnection} (a connection
 * closed) events spanning what the kernel timed; the per-thread counters become one
 * {@code ebpf.ThreadTcp} event per thread and interval with activity, read from the threads hash
 * for live threads and from the ring for threads that exited (their last interval ends at the
 * exit). At the end of every recording chunk, JFR's periodic thread writes each open
 * connection's figures so far ({@link OpenConnections}).
 *
 * <p>The work per record and per thread is in methods of its own: the poller runs once per
 * interval, so a loop body would be interpreted until its loop had turned some ten thousand
 * times, and a method called per record is compiled after a few hundred calls.
 *
 * <p>Owner threads are named through the {@link ThreadRegistry}, by the tid the JVM sees and the
 * thread's creation time, so a reused tid never gets another thread's name. Not thread-safe: the
 * poller calls {@link #poll}; the chunk-end hook has its own reader and clock.
 */
public final class TcpRecorder implements Recorder {
    private final AddressCache addresses = new AddressCache();
    private static final Log LOG = Log.named("ebpf-agent");
    private static final int BATCH = 256;

    private final TcpProbe probe;
    private final ThreadRegistry registry;
    private final EventClock clock = new EventClock();
    /**
     * The events, their timings and the chunk-end hook: null until JFR is up ({@link
     * #startEvents}), so that without a recording the agent loads no event class. Written only
     * while the clock runs, which it does once they are all made.
     */
    private EventClock.Timing connectTiming;
    private EventClock.Timing connectionTiming;
    private EventClock.Timing threadTiming;
    private TcpConnect connect;
    private TcpConnection connection;
    private ThreadTcp threadEvent;
    private OpenConnections open;
    private final MapBatchReader threadReader;
    private final MapKeyBatch exitedThreads;
    private final MapBatchReader.Sink onThreads = this::onThreads;
    /** By root-namespace tid; a tid the kernel reused holds a chain, newest first. */
    private final IntMap<ThreadState> threads = new IntMap<>(256);
    /** The state of a thread met first in its exit record: used for that record only. */
    private final ThreadState exiting = new ThreadState(0, 0);
    /** Views of a ring record, and of the threads map's keys and values (read, and queued to delete). */
    private final StructView record;
    private final StructView exitRecord;
    private final StructView threadKey;
    private final StructView threadValue;
    private final StructView exitedKey;
    private PollStats stats;
    /** The metrics the reports add to; null without metrics. */
    private final TcpFigures figures;
    /** Records taken from the ring so far: with those lost, they must add up to those submitted. */
    private long recordsRead;
    /** Monotonic ns of the previous poll's read: where a thread's first interval starts at the earliest. */
    private long previousRead;

    /** What was reported of one thread so far; the thread is its root-namespace tid and creation time. */
    private static final class ThreadState {
        int tid;
        long startNs;
        ThreadState next;
        long bytesSent;
        long bytesReceived;
        long connects;
        long connectFailures;
        long accepts;
        long retransmits;
        long reportedUntil;
        long reportedUntilTicks;
        Thread thread;
        String osName;
        /** Its metrics row; null without metrics (made at its first report). */
        org.ebpfagent.agent.metrics.ThreadRow figures;

        ThreadState(int tid, long startNs) {
            reset(tid, startNs);
        }

        ThreadState reset(int tid, long startNs) {
            this.tid = tid;
            this.startNs = startNs;
            next = null;
            bytesSent = bytesReceived = connects = connectFailures = accepts = retransmits = 0;
            reportedUntil = reportedUntilTicks = 0;
            thread = null;
            osName = null;
            figures = null;
            return this;
        }
    }

    /** @param metrics where reports are added up for exporters; null: nowhere */
    public TcpRecorder(TcpProbe probe, ThreadRegistry registry, Metrics metrics) throws BpfException {
        this.probe = probe;
        this.figures = metrics == null ? null : new TcpFigures(metrics);
        this.registry = registry;
        this.threadReader = MapBatchReader.lookup(probe.threads, BATCH);
        this.exitedThreads = MapKeyBatch.of(probe.threads, 64);
        this.previousRead = clock.markNanos();
        this.record = StructView.of(probe.conn);
        this.exitRecord = StructView.of(probe.threadExit);
        this.threadKey = StructView.of(probe.thread.key());
        this.threadValue = StructView.of(probe.thread.value());
        this.exitedKey = StructView.of(probe.thread.key());
    }

    @Override
    public void startEvents() throws EventClock.Unsupported, BpfException {
        OpenConnections hook = null;
        try {
            connectTiming = EventClock.timing(TcpConnect.class);
            connectionTiming = EventClock.timing(TcpConnection.class);
            threadTiming = EventClock.timing(ThreadTcp.class);
            connect = new TcpConnect();
            connection = new TcpConnection();
            threadEvent = new ThreadTcp();
            hook = new OpenConnections(probe.conns, probe.conn, registry);
            FlightRecorder.addPeriodicEvent(TcpConnection.class, hook);
            open = hook;
            clock.start(new ThreadTcp());
        } catch (EventClock.Unsupported | BpfException | RuntimeException e) {
            if (hook != null) { // the poller says that there are no events
                close(hook);
            }
            throw e;
        }
    }

    @Override
    public String name() {
        return "tcp";
    }

    @Override
    public Attachment attachment() {
        return probe.attachment;
    }

    @Override
    public void poll(PollStats stats) throws BpfException {
        this.stats = stats;
        clock.mark();
        drainRecords();
        long calls = threadReader.calls();
        long entries = threadReader.entries();
        threadReader.read(onThreads);
        exitedThreads.deleteAll();
        stats.readCalls += threadReader.calls() - calls + 1;
        stats.entriesRead += threadReader.entries() - entries;
        stats.recordsLost += probe.counter(CNT_RECORDS_LOST);
        stats.connectionsDropped += probe.counter(CNT_CONNS_FULL) + probe.counter(CNT_LISTENERS_FULL);
        stats.threadsDropped += probe.counter(CNT_THREADS_FULL);
        if (LOG.isTraceEnabled()) { // every record taken or counted lost: submitted = read + in the ring
            LOG.trace("tcp: records submitted {}, read {}, lost {}", probe.submitted(), recordsRead,
                    probe.counter(CNT_RECORDS_LOST));
        }
        for (ProgramInfo program : probe.attachment.programs()) {
            program.refresh();
            // The state-change and free pairs cover each other's misses (tcp.bpf.c): the kernel
            // skips a program only while that same program runs on the CPU, and the other one then
            // runs: a change is lost only if both are skipped, which one nesting cannot do.
            if (!program.name().startsWith("inet_sock_set_state") && !program.name().startsWith("tcp_destroy_sock")) {
                stats.probeMisses += program.recursionMisses();
            }
        }
        this.stats = null;
    }

    /**
     * An event per record in the ring: connects that finished, connections that closed, threads
     * that exited.
     */
    private void drainRecords() {
        RingBuffer ring = probe.records;
        while (ring.next()) {
            recordsRead++;
            onRecord(ring);
        }
    }

    private void onRecord(RingBuffer ring) {
        int kind = ring.byteAt(0) & 0xff;
        if (kind == REC_THREAD_EXIT) {
            onThreadExit(ring.record(exitRecord)); // its state is dropped whether or not a recording runs
            return;
        }
        // No recording: no event (nothing to write into, and ticks mean nothing), but the
        // metrics still count the connect.
        boolean write = clock.running();
        if (!write && figures == null) {
            return;
        }
        if (kind == REC_CONNECT) {
            StructView r = ring.record(record);
            if (figures != null && r.u32(RESULT) == 0) {
                figures.established(r.u64(ESTABLISHED) - r.u64(START));
            }
            if (write) {
                commitConnect(r);
            }
        } else if (kind == REC_CLOSE && write) {
            commitConnection(ring.record(record));
        }
    }

    private void commitConnect(StructView r) {
        TcpConnect e = connect;
        long start = r.u64(START);
        int result = r.u32(RESULT);
        long end = result == 0 ? r.u64(ESTABLISHED) : r.u64(CLOSED);
        Thread owner = owner(r.u32(OWNER_NS_TID), r.u64(OWNER_START));
        e.javaThread = owner;
        e.threadName = owner != null ? owner.getName() : r.string(OWNER_COMM);
        e.tid = r.u32(OWNER_NS_TID);
        int family = r.u16(FAMILY) & 0xffff;
        e.localAddress = addresses.address(family, r.u64At(LOCAL_ADDR, 0), r.u64At(LOCAL_ADDR, 8));
        e.remoteAddress = addresses.address(family, r.u64At(REMOTE_ADDR, 0), r.u64At(REMOTE_ADDR, 8));
        e.localPort = r.u16(LOCAL_PORT) & 0xffff;
        e.remotePort = r.u16(REMOTE_PORT) & 0xffff;
        e.connectTime = end - start;
        e.result = result == 0 ? "established" : result < 0 ? "closed" : ErrnoNames.name(result);
        e.synRetransmits = Integer.toUnsignedLong(r.u32(SYN_RETRANSMITS));
        clock.setInterval(e, connectTiming, clock.ticks(start), clock.ticks(end));
        e.commit();
        stats.eventsWritten++;
    }

    private void commitConnection(StructView r) {
        TcpConnection e = connection;
        long start = r.u64(START);
        long end = r.u64(CLOSED);
        ConnectionFields.fill(e, r, end, false, registry, addresses);
        clock.setInterval(e, connectionTiming, clock.ticks(start), clock.ticks(end));
        e.commit();
        stats.eventsWritten++;
    }

    private static void close(OpenConnections hook) {
        try {
            FlightRecorder.removePeriodicEvent(hook);
        } catch (RuntimeException e) {
            LOG.debug("tcp: chunk-end hook not removed: {}", e.toString());
        }
        hook.close();
    }

    private Thread owner(int nsTid, long startNs) {
        return registry.lookup(nsTid, startNs, Long.MAX_VALUE);
    }

    private void onThreads(MapBatchReader b) {
        long readAt = System.nanoTime(); // the chunk was copied by the call that just returned
        for (int i = 0; i < b.count(); i++) {
            onThread(b.key(i, threadKey), b.value(i, threadValue), readAt);
        }
        previousRead = readAt;
    }

    /** A live thread's entry (or one whose exit record found the ring full: it is deleted then). */
    private void onThread(StructView k, StructView v, long readAt) {
        int tid = k.u32(KEY_TID);
        long startNs = k.u64(KEY_START);
        ThreadState s = state(tid, startNs);
        if (s == null) {
            s = new ThreadState(tid, startNs);
            s.reportedUntil = Math.max(previousRead, startNs);
            s.next = threads.get(tid);
            threads.put(tid, s);
        }
        int nsTid = v.u32(T_NS_TID);
        if (s.thread == null) {
            s.thread = registry.lookup(nsTid, startNs, Long.MAX_VALUE);
        }
        if (s.thread == null && s.osName == null) {
            s.osName = v.string(T_COMM);
        }
        report(s, nsTid, v.u64(T_BYTES_SENT), v.u64(T_BYTES_RECEIVED), v.u64(T_CONNECTS), v.u64(T_CONNECT_FAILURES),
                v.u64(T_ACCEPTS), v.u64(T_RETRANSMITS), readAt);
        if (v.u32(T_EXITED) != 0) {
            StructView gone = exitedThreads.add(exitedKey);
            gone.setU32(KEY_TID, tid);
            gone.setU64(KEY_START, startNs);
            remove(s);
            registry.forget(nsTid, readAt); // (the scheduler probe does too when it is loaded)
        }
    }

    /** A thread's exit record: what it did since its last report, up to its exit. */
    private void onThreadExit(StructView x) {
        int tid = x.u32(X_TID);
        long startNs = x.u64(X_START);
        long exited = x.u64(X_EXITED);
        int nsTid = x.u32(X_NS_TID);
        ThreadState s = state(tid, startNs);
        boolean known = s != null;
        if (!known) {
            s = exiting.reset(tid, startNs);
            s.reportedUntil = Math.max(previousRead, startNs);
        }
        if (s.thread == null) {
            s.thread = registry.lookup(nsTid, startNs, Long.MAX_VALUE);
        }
        if (s.thread == null && s.osName == null) {
            s.osName = x.string(X_COMM);
        }
        report(s, nsTid, x.u64(X_BYTES_SENT), x.u64(X_BYTES_RECEIVED), x.u64(X_CONNECTS), x.u64(X_CONNECT_FAILURES),
                x.u64(X_ACCEPTS), x.u64(X_RETRANSMITS), Math.max(exited, s.reportedUntil));
        if (known) {
            remove(s);
        }
        s.thread = null; // the scratch state holds no thread past its record
        registry.forget(nsTid, exited);
    }

    private ThreadState state(int tid, long startNs) {
        for (ThreadState s = threads.get(tid); s != null; s = s.next) {
            if (s.startNs == startNs) {
                return s;
            }
        }
        return null;
    }

    private void remove(ThreadState s) {
        ThreadState head = threads.get(s.tid);
        if (head == s) {
            if (s.next == null) {
                threads.remove(s.tid);
            } else {
                threads.put(s.tid, s.next);
            }
            return;
        }
        for (ThreadState p = head; p != null; p = p.next) {
            if (p.next == s) {
                p.next = s.next;
                return;
            }
        }
    }

    /** Commits what moved since the thread's last report, for the interval since then, up to {@code readAt}. */
    private void report(ThreadState s, int nsTid, long sent, long received, long connects, long failures,
                        long accepts, long retransmits, long readAt) {
        boolean moved = sent != s.bytesSent || received != s.bytesReceived || connects != s.connects
                || failures != s.connectFailures || accepts != s.accepts || retransmits != s.retransmits;
        if (!moved) {
            return;
        }
        long startTicks = s.reportedUntilTicks != 0 ? s.reportedUntilTicks : clock.ticks(s.reportedUntil);
        long endTicks = Math.max(clock.ticks(readAt), startTicks);
        if (clock.running() && clock.inRecording(s.reportedUntil)) {
            ThreadTcp e = threadEvent;
            e.javaThread = s.thread;
            e.threadName = s.thread != null ? s.thread.getName() : s.osName;
            e.tid = nsTid;
            e.bytesSent = sent - s.bytesSent;
            e.bytesReceived = received - s.bytesReceived;
            e.connects = connects - s.connects;
            e.connectFailures = failures - s.connectFailures;
            e.accepts = accepts - s.accepts;
            e.retransmits = retransmits - s.retransmits;
            clock.setInterval(e, threadTiming, startTicks, endTicks);
            e.commit();
            stats.eventsWritten++;
        }
        if (figures != null) { // with or without a recording
            if (s.figures == null) {
                s.figures = new org.ebpfagent.agent.metrics.ThreadRow();
            }
            figures.report(s.figures, s.thread != null ? s.thread.getName() : s.osName, sent - s.bytesSent,
                    received - s.bytesReceived, connects - s.connects, failures - s.connectFailures,
                    accepts - s.accepts, retransmits - s.retransmits);
        }
        s.bytesSent = sent;
        s.bytesReceived = received;
        s.connects = connects;
        s.connectFailures = failures;
        s.accepts = accepts;
        s.retransmits = retransmits;
        s.reportedUntil = readAt;
        s.reportedUntilTicks = clock.running() ? endTicks : 0;
    }

    @Override
    public void close() {
        if (open != null) {
            close(open);
        }
        threadReader.close();
        exitedThreads.close();
        probe.close();
    }
}
