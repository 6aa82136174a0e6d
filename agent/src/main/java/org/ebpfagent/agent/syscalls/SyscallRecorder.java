package org.ebpfagent.agent.syscalls;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.ebpfagent.agent.ffm.BpfException;
import org.ebpfagent.agent.ffm.MapBatchReader;
import org.ebpfagent.agent.ffm.MapKeyBatch;
import org.ebpfagent.agent.ffm.MapValue;
import org.ebpfagent.agent.ffm.ProgramInfo;
import org.ebpfagent.agent.ffm.RingBuffer;
import org.ebpfagent.agent.ffm.StructView;
import org.ebpfagent.agent.metrics.Metrics;
import org.ebpfagent.agent.probe.Attachment;
import org.ebpfagent.agent.probe.ErrnoNames;
import org.ebpfagent.agent.probe.EventClock;
import org.ebpfagent.agent.probe.PollStats;
import org.ebpfagent.agent.probe.Recorder;
import org.ebpfagent.agent.probe.SyscallNames;
import org.ebpfagent.agent.threads.ThreadRegistry;
import org.ebpfagent.events.SlowSyscall;
import org.ebpfagent.events.ThreadSyscallErrors;
import org.ebpfagent.events.ThreadSyscalls;

import static org.ebpfagent.agent.syscalls.SyscallLayout.*;

/**
 * Turns the syscall probe's maps and records into events, once per poll: per thread and syscall
 * that moved, one {@code ebpf.ThreadSyscalls} event for the interval since its last report, one
 * {@code ebpf.ThreadSyscallErrors} per errno that moved; per record of a slow call, one
 * {@code ebpf.SlowSyscall} spanning the call.
 *
 * <p>A poll: moves the probe's epoch on (the longest call of each entry is then that of the epoch
 * just closed); reads the threads (their names, and which have exited); walks the slots in use
 * (through mmap, no syscall: a slot is copied between two reads of its owner, and one that changed
 * meanwhile is left for the next poll); reads every entry of the stats and errors hashes in
 * batches; reports the differences; drains the ring; and last deletes the entries of threads that
 * had exited before the read began, whose figures are final and now reported. Figures are
 * cumulative wherever they are, so an entry read from a slot and later from the hash (where its
 * thread's exit moves it) is reported once. Threads are named through the {@link ThreadRegistry} by the tid the JVM sees
 * and their creation time. Not thread-safe: the poller calls {@link #poll}.
 */
public final class SyscallRecorder implements Recorder {
    private static final int BATCH = 256;
    /**
     * Polls in which what a new thread did waits for the thread's Java identity: a thread
     * registers itself as it starts running Java code, a poll later on a busy machine, and its
     * first syscalls come before that. Figures are cumulative, so nothing is lost by waiting.
     */
    private static final int RESOLVE_POLLS = 3;

    private final SyscallProbe probe;
    private final ThreadRegistry registry;
    private final EventClock clock = new EventClock();
    /**
     * The events and their timings: null until JFR is up ({@link #startEvents}), so that without a
     * recording the agent loads no event class. Written only while the clock runs, which it does
     * once they are all made.
     */
    private EventClock.Timing callsTiming;
    private EventClock.Timing errorsTiming;
    private EventClock.Timing slowTiming;
    private ThreadSyscalls callsEvent;
    private ThreadSyscallErrors errorsEvent;
    private SlowSyscall slowEvent;
    private final MapValue epochValue;
    private final MapBatchReader threadReader;
    private final MapBatchReader statsReader;
    private final MapBatchReader errorReader;
    private final MapKeyBatch goneThreads;
    private final MapKeyBatch goneStats;
    private final MapKeyBatch goneErrors;
    private final StructView threadKey;
    private final StructView threadValue;
    private final StructView statsKey;
    private final StructView statsValue;
    private final StructView errorKey;
    private final StructView record;
    /** A slot's copy, and the view of it. */
    private final byte[] slotCopy;
    private final StructView slotValue;
    private final long ownerOffset;
    /** .data.alloc's struct sys_alloc, live. */
    private final StructView alloc;
    private final StructView goneThreadKey;
    private final StructView goneStatsKey;
    private final StructView goneErrorKey;
    private final Map<ThreadKey, ThreadInfo> threads = new HashMap<>();
    private final Map<EntryKey, CallState> calls = new HashMap<>();
    private final Map<EntryKey, ErrorState> errors = new HashMap<>();
    private final EntryKey probeKey = new EntryKey();
    private final ThreadKey probeThread = new ThreadKey();
    private final List<ThreadInfo> exited = new ArrayList<>();
    /** Slow calls of threads not yet tied to their java.lang.Thread, for at most RESOLVE_POLLS polls. */
    private final List<SlowCall> pendingSlow = new ArrayList<>();
    private long pollNumber;
    private final long[] buckets = new long[BUCKETS];
    private final MapBatchReader.Sink onThreads = this::onThreads;
    private final MapBatchReader.Sink onStats = this::onStats;
    private final MapBatchReader.Sink onErrors = this::onErrors;
    private PollStats stats;
    /** The metrics the reports add to; null without metrics. */
    private final SyscallFigures figures;
    private long epoch;
    private long readAt;
    /** Monotonic ns of the previous poll's read: where an entry's first interval starts at the earliest. */
    private long previousRead;

    /** A thread of the probe's maps: root-namespace tid and creation time. Mutable for lookups. */
    private static final class ThreadKey {
        int tid;
        long start;

        ThreadKey set(int tid, long start) {
            this.tid = tid;
            this.start = start;
            return this;
        }

        ThreadKey copy() {
            return new ThreadKey().set(tid, start);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ThreadKey k && k.tid == tid && k.start == start;
        }

        @Override
        public int hashCode() {
            return tid * 31 + Long.hashCode(start);
        }
    }

    /** A thread, syscall (and for errors, errno in the high half of {@code code}). Mutable for lookups. */
    private static final class EntryKey {
        int tid;
        int code;
        long start;

        EntryKey set(int tid, int code, long start) {
            this.tid = tid;
            this.code = code;
            this.start = start;
            return this;
        }

        EntryKey copy() {
            return new EntryKey().set(tid, code, start);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof EntryKey k && k.tid == tid && k.code == code && k.start == start;
        }

        @Override
        public int hashCode() {
            return (tid * 31 + code) * 31 + Long.hashCode(start);
        }
    }

    private static final class ThreadInfo {
        final ThreadKey key;
        long firstPoll;
        int nsTid;
        String osName;
        Thread thread;
        boolean exited;
        /** Its group's row (with metrics on). */
        org.ebpfagent.agent.metrics.ThreadRow figures;

        ThreadInfo(ThreadKey key) {
            this.key = key;
        }

        String name() {
            return thread != null ? thread.getName() : osName;
        }
    }

    /** A slow call taken from the ring, kept until its thread is named. */
    private record SlowCall(ThreadKey thread, int nr, long ret, long startNs, long ns, long poll) {}

    /** What was reported of one thread and syscall so far. */
    private static final class CallState {
        final ThreadInfo thread;
        long calls;
        long errors;
        long restarts;
        long totalNs;
        final long[] hist = new long[BUCKETS];
        long reportedUntil;
        long reportedUntilTicks;
        /** Its metrics rows (with metrics on). */
        SyscallFigures.CallRows figures;

        CallState(ThreadInfo thread) {
            this.thread = thread;
        }
    }

    private static final class ErrorState {
        final CallState call;
        long count;
        long reportedUntil;
        long reportedUntilTicks;
        /** Its metrics row (with metrics on). */
        org.ebpfagent.agent.metrics.Row figures;

        ErrorState(CallState call) {
            this.call = call;
        }
    }

    /** @param metrics where reports are added up for exporters; null: nowhere */
    public SyscallRecorder(SyscallProbe probe, ThreadRegistry registry, Metrics metrics) throws BpfException {
        this.probe = probe;
        this.figures = metrics == null ? null : new SyscallFigures(metrics);
        this.registry = registry;
        this.epochValue = probe.epoch.newValueReader();
        this.threadReader = MapBatchReader.lookup(probe.threads, BATCH);
        this.statsReader = MapBatchReader.lookup(probe.stats, BATCH);
        this.errorReader = MapBatchReader.lookup(probe.errors, BATCH);
        this.goneThreads = MapKeyBatch.of(probe.threads, 64);
        this.goneStats = MapKeyBatch.of(probe.stats, 256);
        this.goneErrors = MapKeyBatch.of(probe.errors, 64);
        this.threadKey = StructView.of(probe.threadLayout.key());
        this.threadValue = StructView.of(probe.threadLayout.value());
        this.statsKey = StructView.of(probe.statsLayout.key());
        this.statsValue = StructView.of(probe.statsLayout.value());
        this.errorKey = StructView.of(probe.errorLayout.key());
        this.record = StructView.of(probe.slow);
        this.slotCopy = new byte[probe.statsLayout.value().size()];
        this.slotValue = StructView.over(probe.statsLayout.value(), slotCopy);
        this.ownerOffset = probe.statsLayout.value().offset(OWNER);
        this.alloc = probe.alloc.point(0, StructView.of(probe.allocLayout));
        this.goneThreadKey = StructView.of(probe.threadLayout.key());
        this.goneStatsKey = StructView.of(probe.statsLayout.key());
        this.goneErrorKey = StructView.of(probe.errorLayout.key());
        this.previousRead = clock.markNanos();
    }

    @Override
    public void startEvents() throws EventClock.Unsupported {
        callsTiming = EventClock.timing(ThreadSyscalls.class);
        errorsTiming = EventClock.timing(ThreadSyscallErrors.class);
        slowTiming = EventClock.timing(SlowSyscall.class);
        callsEvent = new ThreadSyscalls();
        errorsEvent = new ThreadSyscallErrors();
        slowEvent = new SlowSyscall();
        clock.start(new ThreadSyscalls());
    }

    @Override
    public String name() {
        return "syscalls";
    }

    @Override
    public Attachment attachment() {
        return probe.attachment;
    }

    @Override
    public void poll(PollStats stats) throws BpfException {
        this.stats = stats;
        pollNumber++;
        clock.mark();
        // The epoch just closed holds the longest calls of the interval that ends with this read.
        epochValue.setLong(0, ++epoch);
        epochValue.write(0);
        long calls0 = threadReader.calls() + statsReader.calls() + errorReader.calls();
        long entries0 = threadReader.entries() + statsReader.entries() + errorReader.entries();
        threadReader.read(onThreads);
        readAt = System.nanoTime();
        int slotsInUse = walkSlots();
        statsReader.read(onStats);
        errorReader.read(onErrors);
        drainRecords();
        forgetExited();
        stats.readCalls += threadReader.calls() + statsReader.calls() + errorReader.calls() - calls0 + 1;
        stats.entriesRead += threadReader.entries() + statsReader.entries() + errorReader.entries() - entries0
                + slotsInUse;
        stats.slowSyscallsLost += probe.counter(CNT_SLOW_LOST);
        stats.syscallEntriesDropped += probe.counter(CNT_STATS_FULL) + probe.counter(CNT_ERRORS_FULL)
                + probe.counter(CNT_THREADS_FULL);
        for (ProgramInfo program : probe.attachment.programs()) {
            program.refresh();
            stats.probeMisses += program.recursionMisses();
        }
        previousRead = readAt;
        this.stats = null;
    }

    private void onThreads(MapBatchReader b) {
        for (int i = 0; i < b.count(); i++) {
            StructView k = b.key(i, threadKey);
            ThreadInfo t = threads.get(probeThread.set(k.u32(T_TID), k.u64(T_THREAD_START)));
            StructView v = b.value(i, threadValue);
            if (t == null) {
                t = new ThreadInfo(probeThread.copy());
                t.nsTid = v.u32(T_NS_TID);
                t.firstPoll = pollNumber;
                threads.put(t.key, t);
            }
            if (t.thread == null) {
                t.thread = registry.lookup(t.nsTid, t.key.start, Long.MAX_VALUE);
                if (t.thread == null && t.osName == null && !waiting(t)) {
                    // (an exited thread's tid may be another's already: the name read at its start then)
                    t.osName = t.exited || v.u32(T_EXITED) != 0 ? v.string(T_COMM) : osName(t.nsTid, v);
                }
            }
            if (!t.exited && v.u32(T_EXITED) != 0) {
                t.exited = true; // final: its entries are read once more below, then deleted
                exited.add(t);
            }
        }
    }

    /** Whether what the thread did still waits for its Java identity. */
    private boolean waiting(ThreadInfo t) {
        return t.thread == null && !t.exited && pollNumber - t.firstPoll < RESOLVE_POLLS;
    }

    /**
     * The OS name of a thread without a java.lang.Thread (GC, compiler, VM threads): the kernel's
     * now, as the name the probe read at the thread's first syscall may precede the one the JVM
     * gave it; that one if the thread is gone.
     */
    private static String osName(int nsTid, StructView v) {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/task/" + nsTid + "/comm")).strip();
        } catch (java.io.IOException | RuntimeException e) {
            return v.string(T_COMM);
        }
    }

    /** The thread of an entry; one the threads map did not hold when it was read is met on the next poll. */
    private ThreadInfo thread(int tid, long start) {
        return threads.get(probeThread.set(tid, start));
    }

    /** The slots given out so far, each in use copied and reported; returns how many were in use. */
    private int walkSlots() {
        int walk = (int) Math.min(alloc.u64(FRESH), probe.slots.entries()); // fresh may overshoot the array
        int inUse = 0;
        for (int i = 0; i < walk; i++) {
            if (probe.slots.snapshot(i, ownerOffset, slotCopy) != 0) {
                inUse++;
                onEntry(slotValue.u32(SLOT_TID), slotValue.u32(SLOT_NR), slotValue.u64(SLOT_THREAD_START), slotValue,
                        false);
            }
        }
        return inUse;
    }

    private void onStats(MapBatchReader b) {
        for (int i = 0; i < b.count(); i++) {
            StructView k = b.key(i, statsKey);
            onEntry(k.u32(KEY_TID), k.u32(KEY_NR), k.u64(KEY_THREAD_START), b.value(i, statsValue), true);
        }
    }

    /** One thread and syscall's figures, from a slot or from the hash ({@code inHash}). */
    private void onEntry(int tid, int nr, long start, StructView value, boolean inHash) {
        ThreadInfo t = thread(tid, start);
        if (t == null) {
            return; // registered after the threads were read: next poll
        }
        if (t.exited && !inHash) {
            return; // (not expected: a thread's exit moves its slots' figures into the hash before it is marked)
        }
        if (waiting(t)) {
            return; // its figures are cumulative: reported once it is named
        }
        CallState s = calls.get(probeKey.set(tid, nr, start));
        if (s == null) {
            s = new CallState(t);
            s.reportedUntil = Math.max(previousRead, start);
            calls.put(probeKey.copy(), s);
        }
        report(s, nr, value);
        if (t.exited) {
            StructView gone = goneStats.add(goneStatsKey);
            gone.setU32(KEY_TID, tid);
            gone.setU32(KEY_NR, nr);
            gone.setU64(KEY_THREAD_START, start);
            calls.remove(probeKey.set(tid, nr, start));
        }
    }

    /** Commits what moved since the entry's last report, for the interval since then. */
    private void report(CallState s, int nr, StructView v) {
        long callsNow = v.u64(CALLS);
        if (callsNow == s.calls) {
            return;
        }
        long errorsNow = v.u64(ERRORS);
        long restartsNow = v.u64(RESTARTS);
        long totalNow = v.u64(TOTAL_NS);
        long n = 0;
        for (int b = 0; b < BUCKETS; b++) {
            long count = Integer.toUnsignedLong(v.u32At(HIST, b * 4));
            buckets[b] = count - s.hist[b];
            s.hist[b] = count;
            n += Math.max(0, buckets[b]);
        }
        long closed = epoch - 1; // the epoch the calls of this interval finished in
        long max = (v.u32(EPOCH) & 0xffffffffL) == (closed & 0xffffffffL) ? v.u64(MAX_NS)
                : (v.u32(PREV_EPOCH) & 0xffffffffL) == (closed & 0xffffffffL) ? v.u64(PREV_MAX_NS) : 0;
        max = Math.max(max, Log2Quantiles.floorOfLongest(buckets));
        long startTicks = s.reportedUntilTicks != 0 ? s.reportedUntilTicks : clock.ticks(s.reportedUntil);
        long endTicks = Math.max(clock.ticks(readAt), startTicks);
        if (clock.running() && clock.inRecording(s.reportedUntil)) {
            ThreadSyscalls e = callsEvent;
            ThreadInfo t = s.thread;
            e.javaThread = t.thread;
            e.threadName = t.name();
            e.tid = t.nsTid;
            e.syscall = SyscallNames.name(nr);
            e.number = nr;
            e.calls = callsNow - s.calls;
            e.errors = errorsNow - s.errors;
            e.restarts = restartsNow - s.restarts;
            e.totalTime = totalNow - s.totalNs;
            e.maxTime = max;
            e.p50Time = Log2Quantiles.estimate(buckets, n, 0.50, max);
            e.p99Time = Log2Quantiles.estimate(buckets, n, 0.99, max);
            clock.setInterval(e, callsTiming, startTicks, endTicks);
            e.commit();
            e.javaThread = null;
            stats.eventsWritten++;
        }
        if (figures != null) { // with or without a recording
            ThreadInfo t = s.thread;
            if (t.figures == null) {
                t.figures = new org.ebpfagent.agent.metrics.ThreadRow();
            }
            if (s.figures == null) {
                s.figures = new SyscallFigures.CallRows();
            }
            for (int b = 0; b < BUCKETS; b++) {
                buckets[b] = Math.max(0, buckets[b]); // a read racing the kernel's update catches up later
            }
            figures.report(t.figures, s.figures, t.name(), nr, callsNow - s.calls, errorsNow - s.errors,
                    restartsNow - s.restarts, totalNow - s.totalNs, buckets);
        }
        s.calls = callsNow;
        s.errors = errorsNow;
        s.restarts = restartsNow;
        s.totalNs = totalNow;
        s.reportedUntil = readAt;
        s.reportedUntilTicks = clock.running() ? endTicks : 0;
    }

    private void onErrors(MapBatchReader b) {
        for (int i = 0; i < b.count(); i++) {
            StructView k = b.key(i, errorKey);
            int tid = k.u32(E_TID);
            int nr = k.u16(E_NR) & 0xffff;
            int err = k.u16(E_ERR) & 0xffff;
            long start = k.u64(E_THREAD_START);
            long count = b.valueLong(i, 0);
            ThreadInfo t = thread(tid, start);
            if (t != null && waiting(t)) {
                continue;
            }
            CallState call = t == null ? null : calls.get(probeKey.set(tid, nr, start));
            int code = err << 16 | nr;
            ErrorState s = errors.get(probeKey.set(tid, code, start));
            if (s == null) {
                if (call == null && (t == null || !t.exited)) {
                    continue; // its call is reported first, on this poll or the next
                }
                s = new ErrorState(call);
                s.reportedUntil = Math.max(previousRead, start);
                errors.put(probeKey.copy(), s);
            }
            if (count != s.count) {
                reportErrors(s, t, nr, err, count);
            }
            if (t != null && t.exited) {
                StructView gone = goneErrors.add(goneErrorKey);
                gone.setU32(E_TID, tid);
                gone.setU16(E_NR, (short) nr);
                gone.setU16(E_ERR, (short) err);
                gone.setU64(E_THREAD_START, start);
                errors.remove(probeKey.set(tid, code, start));
            }
        }
    }

    private void reportErrors(ErrorState s, ThreadInfo t, int nr, int err, long count) {
        long startTicks = s.reportedUntilTicks != 0 ? s.reportedUntilTicks : clock.ticks(s.reportedUntil);
        long endTicks = Math.max(clock.ticks(readAt), startTicks);
        if (clock.running() && clock.inRecording(s.reportedUntil) && t != null) {
            ThreadSyscallErrors e = errorsEvent;
            e.javaThread = t.thread;
            e.threadName = t.name();
            e.tid = t.nsTid;
            e.syscall = SyscallNames.name(nr);
            e.errno = ErrnoNames.name(err);
            e.errnoNumber = err;
            e.count = count - s.count;
            clock.setInterval(e, errorsTiming, startTicks, endTicks);
            e.commit();
            e.javaThread = null;
            stats.eventsWritten++;
        }
        if (figures != null) { // with or without a recording
            if (s.figures == null) {
                s.figures = figures.errno(nr, err);
            }
            figures.errors(s.figures, count - s.count);
        }
        s.count = count;
        s.reportedUntil = readAt;
        s.reportedUntilTicks = clock.running() ? endTicks : 0;
    }

    /**
     * Commits an event per slow call in the ring, or keeps it while its thread waits for its Java
     * identity; then commits the kept calls whose threads are named now or have waited enough.
     */
    private void drainRecords() {
        RingBuffer ring = probe.records;
        while (ring.next()) {
            if (!clock.running()) {
                continue; // no recording: nothing to write into, and ticks mean nothing
            }
            StructView r = ring.record(record);
            SlowCall call = new SlowCall(new ThreadKey().set(r.u32(S_TID), r.u64(S_THREAD_START)), r.u32(S_NR),
                    r.u64(S_RET), r.u64(S_START), r.u64(S_NS), pollNumber);
            ThreadInfo t = threads.get(call.thread());
            if (t == null || waiting(t)) {
                pendingSlow.add(call);
            } else {
                commitSlow(call, t);
            }
        }
        for (int i = 0; i < pendingSlow.size(); i++) {
            SlowCall call = pendingSlow.get(i);
            ThreadInfo t = threads.get(call.thread());
            // A thread not met yet (its record came before its first read: seen on a busy
            // machine, a SlowSyscall without its thread's name) gets the same polls to be met.
            if (t != null ? !waiting(t) : pollNumber - call.poll() >= RESOLVE_POLLS) {
                commitSlow(call, t);
                pendingSlow.remove(i--);
            }
        }
    }

    private void commitSlow(SlowCall call, ThreadInfo t) {
        if (!clock.running()) {
            return;
        }
        SlowSyscall e = slowEvent;
        e.javaThread = t != null ? t.thread : null;
        e.threadName = t != null ? t.name() : null;
        e.tid = t != null ? t.nsTid : call.thread().tid;
        e.syscall = SyscallNames.name(call.nr());
        e.time = call.ns();
        long ret = call.ret();
        e.result = ret < 0 && ret >= -4095 ? ErrnoNames.name((int) -ret) : Long.toString(ret);
        clock.setInterval(e, slowTiming, clock.ticks(call.startNs()), clock.ticks(call.startNs() + call.ns()));
        e.commit();
        e.javaThread = null;
        stats.eventsWritten++;
    }

    /** Deletes the entries of threads whose exit was marked before this poll read them: they are reported. */
    private void forgetExited() throws BpfException {
        for (ThreadInfo t : exited) {
            StructView gone = goneThreads.add(goneThreadKey);
            gone.setU32(T_TID, t.key.tid);
            gone.setU64(T_THREAD_START, t.key.start);
            threads.remove(t.key);
        }
        exited.clear();
        goneStats.deleteAll();
        goneErrors.deleteAll();
        goneThreads.deleteAll();
    }

    @Override
    public void close() {
        epochValue.close();
        threadReader.close();
        statsReader.close();
        errorReader.close();
        goneThreads.close();
        goneStats.close();
        goneErrors.close();
        probe.close();
    }
}
