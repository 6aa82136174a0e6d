package org.ebpfagent.agent.sched;

import java.util.ArrayList;

import org.ebpfagent.agent.ffm.BpfException;
import org.ebpfagent.agent.ffm.MapBatchReader;
import org.ebpfagent.agent.ffm.MapKeyBatch;
import org.ebpfagent.agent.ffm.MapValue;
import org.ebpfagent.agent.ffm.ProgramInfo;
import org.ebpfagent.agent.ffm.StructView;
import org.ebpfagent.agent.metrics.Metrics;
import org.ebpfagent.agent.probe.Attachment;
import org.ebpfagent.agent.probe.EventClock;
import org.ebpfagent.agent.probe.PollStats;
import org.ebpfagent.agent.probe.Recorder;
import org.ebpfagent.agent.probe.SyscallNames;
import org.ebpfagent.agent.threads.ThreadRegistry;
import org.ebpfagent.agent.threads.ThreadResolver;
import org.ebpfagent.agent.util.IntMap;
import org.ebpfagent.agent.util.Log;
import org.ebpfagent.events.ThreadOffCpu;
import org.ebpfagent.events.ThreadScheduling;

import static org.ebpfagent.agent.sched.ThreadSchedLayout.*;

/**
 * Turns the scheduler probe's cumulative per-thread counters into one {@code ebpf.ThreadScheduling}
 * event per thread per interval in which it had activity, and its off-CPU time by reason into one
 * {@code ebpf.ThreadOffCpu} event per thread and reason that moved.
 *
 * <p>Each poll first drains the {@code exited} map (lookup-and-delete: a thread's last report),
 * then reads the live threads ({@link LiveThreads}: the mmap'd slot array under tp_btf, the
 * {@code threads} hash under raw_tp; just before, the probe's walk notes the threads that run
 * where their entries say they wait, see {@link TimesSoFar}) and the {@code off_cpu} reasons (lookup: counters stay
 * cumulative in the kernel, so a lost poll loses nothing). The off-CPU span a thread is in when
 * its entry is read counts for the reason it began with; if the span ends before the reasons are
 * read, the reasons already hold it (their sum exceeds the entry's offCpu) and it is not added
 * twice. The reasons of an exited thread are reported once more; those in the off_cpu map are
 * then deleted from it. Time a thread has spent in its current state since its last transition
 * is added at read time, so a thread that runs or sleeps through a whole interval is
 * still reported in that interval. A steady-state poll allocates nothing: buffers, slots and event
 * objects are reused. Not thread-safe: {@link #poll} is called under the poller's lock.
 */
public final class SchedRecorder implements Recorder {
    private static final Log LOG = Log.named("ebpf-agent");
    private static final int BATCH = 1024;
    /** A slot unseen for this many polls lost its exit record (exited map full): forget it. */
    private static final int STALE_POLLS = 3;
    /** Polls in which a new thread not yet tied to a java.lang.Thread is looked for with a scan. */
    private static final int RESOLVE_POLLS = 3;
    /** Polls a new thread that has not run at all waits for its identity before it is reported unnamed. */
    private static final int NEVER_RAN_POLLS = 50;

    private final SchedProbe probe;
    private final ThreadRegistry registry;
    private final ThreadResolver resolver;
    private final LiveThreads live;
    private final HashThreads exits;
    private final MapBatchReader reasonReader;
    private final MapKeyBatch deadReasons;
    private final MapValue counters;
    private final StructView counted;
    /** Views of a thread's inline reason, and of the off_cpu map's keys and values. */
    private final StructView inlineReason;
    private final StructView reasonKey;
    private final StructView reasonTotal;
    private final StructView deadKey;
    private final IntMap<ThreadSlot> slots = new IntMap<>(1024);
    private final TimesSoFar soFar = new TimesSoFar();
    /** When this poll's sched_walk began (Long.MAX_VALUE: none ran), and the walks that failed. */
    private long walkedAt = Long.MAX_VALUE;
    private long walkFailures;
    private final java.util.function.Consumer<ThreadEntry> onLive = this::onLive;
    private final java.util.function.Consumer<ThreadEntry> onExit = this::onExit;
    private final MapBatchReader.Sink onReasons = this::onReasons;
    private final java.util.function.Consumer<ThreadSlot> commit = this::commit;
    /** Exited this poll: their reasons are read and reported once more, then deleted. */
    private final ArrayList<ThreadSlot> retiring = new ArrayList<>();
    /**
     * One event object per type, reused: each commit gets its interval from the clock. Null until
     * JFR is up ({@link #startEvents}): without a recording the agent loads no event class.
     */
    private ThreadScheduling schedEvent;
    private ThreadOffCpu offCpuEvent;
    private final EventClock clock = new EventClock();
    private EventClock.Timing schedTiming;
    private EventClock.Timing offCpuTiming;
    /** The metrics the reports add to; null without metrics. */
    private final SchedFigures figures;
    /** When recent polls read the live threads, to tell a reason whose thread is long gone. */
    private final long[] liveReads = new long[STALE_POLLS];
    private final java.util.function.Consumer<ThreadSlot> findStale = this::findStale;
    private int[] stale = new int[64];
    private int staleCount;
    private long pollNumber;
    private long slotsCreated;
    private long lastScanPoll = -1;
    private long slotsRemoved;
    private long firstReports;
    private long now;
    private PollStats stats;

    /** @param metrics where reports are added up for exporters; null: nowhere */
    public SchedRecorder(SchedProbe probe, ThreadRegistry registry, ThreadResolver resolver, Metrics metrics)
            throws BpfException {
        this.probe = probe;
        this.figures = metrics == null ? null : new SchedFigures(metrics);
        this.registry = registry;
        this.resolver = resolver;
        this.live = probe.liveThreads();
        this.exits = HashThreads.lookupAndDelete(probe.exited, probe.layouts.threadSched());
        this.reasonReader = MapBatchReader.lookup(probe.offCpu, BATCH);
        this.deadReasons = MapKeyBatch.of(probe.offCpu, 64);
        this.counters = probe.counters.newValueReader();
        this.counted = counters.view(probe.layouts.counters());
        this.inlineReason = StructView.of(probe.layouts.threadSched().element(REASONS));
        this.reasonKey = StructView.of(probe.layouts.offCpuKey());
        this.reasonTotal = StructView.of(probe.layouts.offCpuTotal());
        this.deadKey = StructView.of(probe.layouts.offCpuKey());
    }

    @Override
    public void startEvents() throws EventClock.Unsupported {
        schedTiming = EventClock.timing(ThreadScheduling.class);
        offCpuTiming = EventClock.timing(ThreadOffCpu.class);
        clock.start(new ThreadScheduling());
        offCpuEvent = new ThreadOffCpu();
        schedEvent = new ThreadScheduling();
    }

    @Override
    public String name() {
        return "sched";
    }

    @Override
    public Attachment attachment() {
        return probe.attachment;
    }

    @Override
    public void poll(PollStats stats) throws BpfException {
        this.stats = stats;
        pollNumber++;
        long calls = live.calls() + exits.calls() + reasonReader.calls() + deadReasons.calls() + walkCalls();
        long entries = live.entries() + exits.entries() + reasonReader.entries();
        /*
         * Each event's interval ends where its values were taken, on CLOCK_MONOTONIC (the clock of
         * bpf_ktime_get_ns): an exited thread's at its exit, a live thread's when its entry was
         * copied (the time in its current state is counted up to then). The mark ties that clock
         * to JFR's for this poll's commits.
         */
        now = clock.mark();
        // Read everything first, with nothing slow between the reads (a thread lookup may scan
        // the JVM's threads); then commit, each thread's events one after the other, so that a
        // recording starting or a chunk ending meanwhile rarely falls between them.
        exits.read(onExit);
        walk();
        stats.threadsTracked += live.read(onLive);
        reasonReader.read(onReasons);
        liveReads[(int) (pollNumber % STALE_POLLS)] = now;
        slots.forEachValue(commit);
        for (int i = 0; i < retiring.size(); i++) {
            ThreadSlot gone = retiring.get(i);
            commit(gone);
            forgetReasons(gone);
            registry.forget(gone.nsTid, gone.readAt);
        }
        retiring.clear();
        sweepStale();
        deadReasons.deleteAll();
        if (counters.read(0)) {
            stats.threadsDropped += counted.u64(THREADS_FULL);
            stats.exitsDropped += counted.u64(EXITS_FULL);
            stats.reasonsDropped += counted.u64(REASONS_FULL);
            stats.switchInsUnseen += counted.u64(SWITCH_INS_UNSEEN);
        }

        for (int i = 0; i < probe.attachment.programs().size(); i++) {
            ProgramInfo program = probe.attachment.programs().get(i);
            program.refresh();
            stats.probeMisses += program.recursionMisses();
        }
        stats.readCalls += live.calls() + exits.calls() + reasonReader.calls() + deadReasons.calls() + walkCalls() - calls
                + 1 + probe.attachment.programs().size();
        stats.entriesRead += live.entries() + exits.entries() + reasonReader.entries() - entries;
    }

    /**
     * Runs the sched_walk, which notes the threads that run where their entries say they wait.
     * Best effort: without it this poll reads such a thread as its entry says, as before the walk
     * existed, and nothing read is lost.
     */
    private void walk() {
        walkedAt = Long.MAX_VALUE;
        if (probe.walk == null) {
            return;
        }
        long started = System.nanoTime();
        try {
            probe.walk.run();
            walkedAt = started;
        } catch (BpfException e) {
            if (walkFailures++ == 0) {
                LOG.warn("sched probe: the walk over the threads failed ({}); will keep trying", e.getMessage());
            } else {
                LOG.debug("sched probe: the walk over the threads failed: {}", e.getMessage());
            }
        }
    }

    /** System calls of the walk so far: three a run. */
    private long walkCalls() {
        return probe.walk != null ? 3 * probe.walk.runs() : 0;
    }

    /**
     * Possibly a Java thread so new that the JVM has not yet linked it to its Thread object nor
     * named it (the kernel knows a thread from clone(), the thread registers itself when it starts
     * running Java code, later on a busy machine): its reports wait while it is unresolved, for its
     * first RESOLVE_POLLS polls. Counters are cumulative, nothing is lost (the first report's
     * interval starts where the kernel first saw the thread), and an exit record in between is
     * reported at once, with the name the thread ended with.
     */
    private boolean deferred(ThreadSlot slot) {
        if (slot.thread != null || slot.exited) {
            return false;
        }
        long polls = pollNumber - slot.createdPoll;
        // A thread that has not run yet has had no chance to name itself or to be registered (seen
        // on a busy machine: a new thread 1.5 s in the run queue, reported all along as "java").
        return polls < RESOLVE_POLLS || (slot.readOnCpu == 0 && polls < NEVER_RAN_POLLS);
    }

    /** Commits what this poll read of a thread, unless its first report waits for its Java identity. */
    private void commit(ThreadSlot slot) {
        if (slot.readPoll != pollNumber) {
            return; // not read this poll: its exit record is on its way, or it is stale
        }
        resolve(slot);
        if (deferred(slot)) {
            return;
        }
        if (!slot.reported) { // its first report may allocate (its Java identity, a metrics row)
            slot.reported = true;
            firstReports++;
        }
        boolean inRecording = clock.inRecording(slot.reportedUntil);
        long offCpuBefore = slot.offCpu;
        if (report(slot, inRecording)) {
            reportReasons(slot, inRecording, slot.offCpu - offCpuBefore);
        }
    }

    private void onLive(ThreadEntry entry) {
        ThreadSlot slot = slot(entry);
        StructView e = entry.fields();
        long at = entry.readAt();
        TimesSoFar t = soFar.of(e, at, walkedAt);
        OffCpuReasons reasons = slot.reasons;
        readInlineReasons(e, inlineReason, reasons);
        reasons.currentNs = 0;
        reasons.liveOffCpu = e.u64(OFF_CPU);
        if (t.offCpuSpan > 0) { // the span in progress counts, for the reason it began with
            reasons.currentSyscall = e.u32(OFF_SYSCALL);
            reasons.currentKind = e.u32(OFF_KIND);
            reasons.currentNs = t.offCpuSpan;
            reasons.find(reasons.currentSyscall, reasons.currentKind);
        }
        read(slot, t.onCpu, t.runQueueWait, t.offCpu,
                e.u64(STOLEN), e.u64(VOLUNTARY), e.u64(INVOLUNTARY), e.u64(MIGRATIONS), at);
    }

    /** A thread's final counters, its interval ending at its exit: to report, then forget the thread. */
    private void onExit(ThreadEntry entry) {
        ThreadSlot slot = slot(entry);
        StructView e = entry.fields();
        readInlineReasons(e, inlineReason, slot.reasons);
        read(slot, e.u64(ON_CPU), e.u64(RUNQ_WAIT), e.u64(OFF_CPU), e.u64(STOLEN),
                e.u64(VOLUNTARY), e.u64(INVOLUNTARY), e.u64(MIGRATIONS), e.u64(SINCE));
        slots.remove(slot.tid); // a new thread may take the tid in this very poll
        slotsRemoved++;
        slot.exited = true;
        slot.reasons.currentNs = 0;
        retiring.add(slot);
    }

    /**
     * The reasons kept in the thread's own entry (its first INLINE_REASONS). A reason is claimed
     * (kind_plus_1 set, after its syscall) before any time is added to it; an unclaimed one is empty.
     */
    private static void readInlineReasons(StructView e, StructView reason, OffCpuReasons reasons) {
        for (int i = 0; i < e.length(REASONS); i++) {
            e.element(REASONS, i, reason);
            int kindPlus1 = reason.u32(INLINE_KIND_PLUS_1);
            if (kindPlus1 == 0) {
                return; // claimed in order: the rest are empty
            }
            int r = reasons.find(reason.u32(INLINE_SYSCALL), kindPlus1 - 1);
            reasons.kernelNs[r] = reason.u64(INLINE_NS);
            reasons.kernelBlocks[r] = reason.u64(INLINE_SPANS);
        }
    }

    /** Cumulative off-CPU time by reason beyond a thread's inline ones, keyed by thread (tid and first_seen) and reason. */
    private void onReasons(MapBatchReader b) {
        for (int i = 0; i < b.count(); i++) {
            StructView key = b.key(i, reasonKey);
            int tid = key.u32(KEY_TID);
            long firstSeen = key.u64(KEY_FIRST_SEEN);
            ThreadSlot slot = slots.get(tid);
            if (slot == null || slot.firstSeen != firstSeen) {
                slot = retiringSlot(tid, firstSeen);
            }
            if (slot == null) {
                // Not met yet: new since the live threads were read, or gone before that read with its
                // exit record still to be drained. A thread first seen before the read STALE_POLLS
                // polls ago has been met if it ever will: its exit record was lost, and its slot
                // removed as stale; delete its reasons.
                if (pollNumber > STALE_POLLS && firstSeen < liveReads[(int) (pollNumber % STALE_POLLS)]) {
                    deleteReason(firstSeen, tid, key.u32(KEY_SYSCALL), key.u32(KEY_KIND));
                }
                continue;
            }
            OffCpuReasons reasons = slot.reasons;
            int r = reasons.find(key.u32(KEY_SYSCALL), key.u32(KEY_KIND));
            StructView total = b.value(i, reasonTotal);
            reasons.kernelNs[r] = total.u64(TOTAL_NS);
            reasons.kernelBlocks[r] = total.u64(TOTAL_SPANS);
            reasons.inMap[r] = true;
        }
    }

    private ThreadSlot retiringSlot(int tid, long firstSeen) {
        for (int i = 0; i < retiring.size(); i++) {
            ThreadSlot s = retiring.get(i);
            if (s.tid == tid && s.firstSeen == firstSeen) {
                return s;
            }
        }
        return null;
    }

    /**
     * Commits, per reason that moved, the difference since the last report (never negative), for
     * the interval of the thread's ebpf.ThreadScheduling report in this poll. {@code room}: the
     * off-CPU time that report carried, which the reasons split and do not exceed.
     */
    private void reportReasons(ThreadSlot s, boolean inRecording, long room) {
        OffCpuReasons reasons = s.reasons;
        if (reasons.currentNs > 0 && reasons.kernelSum() > reasons.liveOffCpu) {
            reasons.currentNs = 0; // the span in progress ended meanwhile: the kernel's totals hold it
        }
        for (int r = 0; r < reasons.count; r++) {
            long ns = reasons.kernelNs[r];
            if (reasons.currentNs > 0 && reasons.syscall[r] == reasons.currentSyscall
                    && reasons.kind[r] == reasons.currentKind) {
                ns += reasons.currentNs;
            }
            // The reasons split the off-CPU time of the thread's report, no more: what it held
            // back, they hold back too.
            ns = Math.max(reasons.reportedNs[r], Math.min(ns, reasons.reportedNs[r] + room));
            room -= ns - reasons.reportedNs[r];
            long blocks = Math.max(reasons.kernelBlocks[r], reasons.reportedBlocks[r]);
            if (ns == reasons.reportedNs[r] && blocks == reasons.reportedBlocks[r]) {
                continue;
            }
            if (figures != null) {
                figures.reason(s, r, ns - reasons.reportedNs[r], blocks - reasons.reportedBlocks[r]);
            }
            ThreadOffCpu e = offCpuEvent;
            // The same interval as the thread's ebpf.ThreadScheduling: they join, and they add up.
            if (inRecording && e != null && e.isEnabled()) {
                Thread thread = s.thread;
                e.javaThread = thread;
                e.threadName = thread != null ? thread.getName() : s.osName;
                e.tid = s.nsTid;
                e.syscall = SyscallNames.name(reasons.syscall[r]);
                int kind = reasons.kind[r];
                e.waitKind = kind >= 0 && kind < WAIT_KINDS.length ? WAIT_KINDS[kind] : WAIT_KINDS[0];
                e.offCpu = ns - reasons.reportedNs[r];
                e.blocks = blocks - reasons.reportedBlocks[r];
                clock.setInterval(e, offCpuTiming, s.intervalStart, s.intervalEnd);
                e.commit();
                e.javaThread = null;
                stats.eventsWritten++;
            }
            reasons.reportedNs[r] = ns;
            reasons.reportedBlocks[r] = blocks;
        }
    }

    /**
     * Queues a gone thread's reasons in the off_cpu map for deletion (its inline ones went with its
     * entry; deleting a missing key would cost the batch a bpf() call of its own).
     */
    private void forgetReasons(ThreadSlot s) {
        OffCpuReasons reasons = s.reasons;
        for (int r = 0; r < reasons.count; r++) {
            if (reasons.inMap[r]) {
                deleteReason(s.firstSeen, s.tid, reasons.syscall[r], reasons.kind[r]);
            }
        }
    }

    /** Queues one off_cpu key for the delete batch at the end of the poll. */
    private void deleteReason(long firstSeen, int tid, int syscall, int kind) {
        StructView key = deadReasons.add(deadKey);
        key.setU64(KEY_FIRST_SEEN, firstSeen);
        key.setU32(KEY_TID, tid);
        key.setU32(KEY_SYSCALL, syscall);
        key.setU32(KEY_KIND, kind);
    }

    private ThreadSlot slot(ThreadEntry entry) {
        StructView e = entry.fields();
        int tid = e.u32(TID);
        long firstSeen = e.u64(FIRST_SEEN);
        ThreadSlot slot = slots.get(tid);
        if (slot == null || slot.firstSeen != firstSeen) { // new thread, or a new thread on a reused tid
            if (slot != null) { // its exit record was lost (counted in exitsDropped)
                forgetReasons(slot);
            }
            slot = new ThreadSlot(tid, e.u32(NS_TID), firstSeen);
            slot.startNs = e.u64(START);
            slot.createdPoll = pollNumber;
            slots.put(tid, slot);
            slotsCreated++;
        }
        slot.lastSeenPoll = pollNumber;
        long lo = e.u64At(COMM, 0);
        long hi = e.u64At(COMM, 8);
        if (slot.osName == null || lo != slot.commLo || hi != slot.commHi) { // new, or renamed
            slot.commLo = lo;
            slot.commHi = hi;
            slot.osName = e.string(COMM);
        }
        return slot;
    }

    /**
     * Finds the slot's java.lang.Thread. Java threads that start while the agent runs register
     * themselves as they start (ThreadResolver.watchStarts), so the registry knows a new thread
     * already, or within the few polls a young slot's report waits for it (the kernel sees a
     * thread at its clone(), the registration runs just before its run()); a thread still missing
     * then has no java.lang.Thread (a GC or JIT thread), and no scan could find it. Until starts
     * are watched (or where they cannot be), a miss on a slot in its first RESOLVE_POLLS polls
     * triggers a scan of the JVM's threads instead, at most one per poll: HotSpot lists a thread
     * microseconds after its clone(). Later, the lookup is retried only when the registry changes.
     */
    private void resolve(ThreadSlot slot) {
        if (slot.thread != null) {
            return;
        }
        int version = registry.version();
        boolean young = pollNumber - slot.createdPoll < RESOLVE_POLLS;
        if (slot.registryVersion == version && !young) {
            return;
        }
        // The thread that had this tid while the kernel's thread lived: not one that had it before
        // or has it since.
        long to = slot.exited ? slot.readAt : Long.MAX_VALUE;
        Thread thread = registry.lookup(slot.nsTid, slot.startNs, to);
        if (thread == null && young && !resolver.watchingStarts() && lastScanPoll != pollNumber) {
            resolver.scan();
            lastScanPoll = pollNumber;
            thread = registry.lookup(slot.nsTid, slot.startNs, to);
            version = registry.version();
        }
        slot.thread = thread;
        slot.registryVersion = version;
    }

    /** Keeps what was read of a thread, as of {@code end}, for this poll's report. */
    private void read(ThreadSlot s, long onCpu, long runQueueWait, long offCpu, long stolen,
                      long voluntary, long involuntary, long migrations, long end) {
        s.readOnCpu = onCpu;
        s.readStolen = stolen;
        s.readRunQueueWait = runQueueWait;
        s.readOffCpu = offCpu;
        s.readVoluntary = voluntary;
        s.readInvoluntary = involuntary;
        s.readMigrations = migrations;
        s.readAt = end;
        s.readPoll = pollNumber;
    }

    /**
     * Commits the difference between the cumulative values read this poll and those last
     * reported, for the interval from the last report (or from when the kernel first saw the
     * thread) to the moment they were read. Values never go backwards: a counter read while the
     * kernel was updating it may be ahead for one interval and is then caught up with, so the sum
     * over a recording is exact; the times together never exceed the interval (below). Returns
     * whether anything moved: only then can the thread's reasons have moved, and they are
     * reported for the same interval.
     */
    private boolean report(ThreadSlot s, boolean inRecording) {
        long end = Math.max(s.readAt, s.reportedUntil);
        // A thread is in one state at a time: its four times together advance by the interval's
        // length at most. What is due beyond it is held back (the value reported stays lower, so
        // it is due again at the next report) and reported as soon as an interval has room: when
        // a state was projected ahead of what the kernel later recorded (a thread read as waiting
        // since a switch whose successor the probe never saw, though it ran), that state is due
        // nothing until the kernel's value catches up, and the time goes out once, where it was
        // read first (without: the same 40 ms reported as run-queue wait, then as on-CPU).
        // Held from on-CPU first: off-CPU is split into reasons reported beside it.
        long room = end - s.reportedUntil;
        long dueOnCpu = Math.min(Math.max(0, s.readOnCpu - s.onCpu), room);
        room -= dueOnCpu;
        long dueStolen = Math.min(Math.max(0, s.readStolen - s.stolen), room);
        room -= dueStolen;
        long dueRunQueueWait = Math.min(Math.max(0, s.readRunQueueWait - s.runQueueWait), room);
        room -= dueRunQueueWait;
        long dueOffCpu = Math.min(Math.max(0, s.readOffCpu - s.offCpu), room);
        long onCpu = s.onCpu + dueOnCpu;
        long stolen = s.stolen + dueStolen;
        long runQueueWait = s.runQueueWait + dueRunQueueWait;
        long offCpu = s.offCpu + dueOffCpu;
        long voluntary = Math.max(s.readVoluntary, s.voluntary);
        long involuntary = Math.max(s.readInvoluntary, s.involuntary);
        long migrations = Math.max(s.readMigrations, s.migrations);
        ThreadScheduling e = schedEvent;
        boolean active = onCpu != s.onCpu || runQueueWait != s.runQueueWait || offCpu != s.offCpu
                || voluntary != s.voluntary || involuntary != s.involuntary || migrations != s.migrations
                || stolen != s.stolen;
        // Converted again (JFR's clock did not move at the last mark), the previous end can come
        // out a nanosecond earlier: an interval never starts before the thread's previous one ended.
        s.intervalStart = s.reportedUntilTicks != 0 ? s.reportedUntilTicks
                : Math.max(clock.ticks(s.reportedUntil), s.intervalEnd);
        s.intervalEnd = Math.max(clock.ticks(end), s.intervalStart);
        s.reportedUntil = end;
        s.reportedUntilTicks = clock.running() ? s.intervalEnd : 0;
        if (active && figures != null) { // with or without a recording
            figures.report(s, s.thread != null ? s.thread.getName() : s.osName, onCpu - s.onCpu,
                    runQueueWait - s.runQueueWait, stolen - s.stolen, offCpu - s.offCpu, voluntary - s.voluntary,
                    involuntary - s.involuntary, migrations - s.migrations);
        }
        // An interval begun before the recording would put time from before it into the
        // recording: its values are dropped, as that time is.
        if (active && inRecording && e != null && e.isEnabled()) {
            Thread thread = s.thread;
            e.javaThread = thread;
            e.threadName = thread != null ? thread.getName() : s.osName;
            e.tid = s.nsTid;
            e.onCpu = onCpu - s.onCpu;
            e.runQueueWait = runQueueWait - s.runQueueWait;
            e.offCpu = offCpu - s.offCpu;
            e.voluntarySwitches = voluntary - s.voluntary;
            e.involuntarySwitches = involuntary - s.involuntary;
            e.migrations = migrations - s.migrations;
            e.stolen = stolen - s.stolen;
            clock.setInterval(e, schedTiming, s.intervalStart, s.intervalEnd);
            e.commit();
            e.javaThread = null; // do not keep the thread reachable through the event
            stats.eventsWritten++;
        }
        s.onCpu = onCpu;
        s.runQueueWait = runQueueWait;
        s.offCpu = offCpu;
        s.voluntary = voluntary;
        s.involuntary = involuntary;
        s.migrations = migrations;
        s.stolen = stolen;
        return active;
    }

    private void sweepStale() {
        staleCount = 0;
        slots.forEachValue(findStale);
        for (int i = 0; i < staleCount; i++) {
            ThreadSlot gone = slots.remove(stale[i]);
            slotsRemoved++;
            forgetReasons(gone);
            registry.forget(gone.nsTid, Long.MAX_VALUE); // its exit record was lost: whatever ended
        }
    }

    private void findStale(ThreadSlot s) {
        if (pollNumber - s.lastSeenPoll >= STALE_POLLS) {
            if (staleCount == stale.length) {
                stale = java.util.Arrays.copyOf(stale, stale.length * 2);
            }
            stale[staleCount++] = s.tid;
        }
    }

    /** The thread with this root tid as the last poll that met it read it (tests), or null. */
    ThreadSlot lastRead(int tid) {
        return slots.get(tid);
    }

    /**
     * Threads met or reported for the first time, or gone, since this recorder was created: the
     * polls that may allocate.
     */
    long threadChanges() {
        return slotsCreated + slotsRemoved + firstReports;
    }

    @Override
    public void close() {
        live.close();
        exits.close();
        reasonReader.close();
        deadReasons.close();
        counters.close();
        probe.close();
    }
}
