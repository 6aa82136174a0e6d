package org.ebpfagent.agent.threads;

import org.ebpfagent.agent.ffm.Linux;
import org.ebpfagent.agent.util.IntMap;

/**
 * Maps Linux thread ids (as the JVM's PID namespace sees them) to the {@link Thread}s that ran on
 * them, each with the moment it was registered (CLOCK_MONOTONIC, {@link System#nanoTime}), taken
 * while the thread was alive. The kernel reuses tids, so one tid may name a thread that ended and
 * the one that took its tid: a lookup says which by the kernel's lifetime of the thread it asks
 * about (from its creation, up to its exit if it has exited), which only that thread's
 * registration falls in.
 *
 * <p>Threads are held until {@link #forget}: the agent reports a thread's exit after the thread
 * has ended, and a short-lived thread's Thread object may by then be unreachable for the
 * application (held weakly, a garbage collection in between would take it). The agent forgets a
 * thread once it has reported its exit (or given up on it), so the registry holds the live
 * threads and those that ended since the last poll. Thread-safe: threads register themselves as
 * they start, scans register the others, the poller looks them up.
 */
public final class ThreadRegistry {
    /** One thread registered under a tid, and the one registered under it before (newest first). */
    private static final class Registration {
        final Thread thread;
        final long at;
        Registration older;

        Registration(Thread thread, long at, Registration older) {
            this.thread = thread;
            this.at = at;
            this.older = older;
        }
    }

    private final IntMap<Registration> byTid = new IntMap<>(256);
    /** Forgotten during the current poll, and during the previous one (dropped after this one). */
    private int[] queuedTids = new int[64];
    private long[] queuedUpTo = new long[64];
    private int queued;
    private int[] dueTids = new int[64];
    private long[] dueUpTo = new long[64];
    private int due;
    private volatile int version;

    /** Registers the calling thread under its own tid. */
    public void registerCurrentThread() {
        register(Thread.currentThread(), Linux.gettid(), System.nanoTime());
    }

    /** Registers {@code thread} under {@code tid}, seen alive on it at {@code at} (System.nanoTime). */
    public synchronized void register(Thread thread, int tid, long at) {
        Registration newest = byTid.get(tid);
        if (newest != null && newest.thread == thread) {
            return; // registered already (at its start, or by an earlier scan)
        }
        byTid.put(tid, new Registration(thread, at, newest));
        version++;
    }

    /**
     * The thread registered for {@code tid} while it was alive between {@code from} and
     * {@code to} (System.nanoTime), or null.
     */
    public synchronized Thread lookup(int tid, long from, long to) {
        for (Registration r = byTid.get(tid); r != null; r = r.older) {
            if (r.at >= from && r.at <= to) {
                return r.thread;
            }
        }
        return null;
    }

    /**
     * Drops the threads of {@code tid} that were registered up to {@code upTo} and have ended, at
     * the end of the next poll ({@link #afterPoll}): every probe then has one whole poll to name
     * what the thread did just before its exit (a connection it closed, a syscall it made), in
     * whichever order the probes are polled.
     */
    public synchronized void forget(int tid, long upTo) {
        if (queued == queuedTids.length) {
            queuedTids = java.util.Arrays.copyOf(queuedTids, queued * 2);
            queuedUpTo = java.util.Arrays.copyOf(queuedUpTo, queued * 2);
        }
        queuedTids[queued] = tid;
        queuedUpTo[queued] = upTo;
        queued++;
    }

    /** Called after every poll: drops what was forgotten during the poll before this one. */
    public synchronized void afterPoll() {
        for (int i = 0; i < due; i++) {
            drop(dueTids[i], dueUpTo[i]);
        }
        int[] tids = dueTids;
        long[] upTo = dueUpTo;
        dueTids = queuedTids;
        dueUpTo = queuedUpTo;
        due = queued;
        queuedTids = tids;
        queuedUpTo = upTo;
        queued = 0;
    }

    private void drop(int tid, long upTo) {
        Registration keep = null;
        Registration last = null;
        for (Registration r = byTid.get(tid); r != null; r = r.older) {
            if (r.at <= upTo && !r.thread.isAlive()) {
                continue;
            }
            Registration copy = new Registration(r.thread, r.at, null);
            if (last == null) {
                keep = copy;
            } else {
                last.older = copy;
            }
            last = copy;
        }
        if (keep == null) {
            byTid.remove(tid);
        } else {
            byTid.put(tid, keep);
        }
    }

    /** Changes whenever a mapping is added, so a failed lookup is retried only when it may succeed. */
    public int version() {
        return version;
    }

    /** Tids with at least one thread registered. */
    public synchronized int size() {
        return byTid.size();
    }
}
