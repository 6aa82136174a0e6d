package org.ebpfagent.agent.threads;

import java.lang.ref.WeakReference;

import org.ebpfagent.agent.ffm.Linux;
import org.ebpfagent.agent.util.IntMap;

/**
 * Maps Linux thread ids (as the JVM's PID namespace sees them) to the {@link Thread} running on
 * them, held weakly so the registry never keeps a finished thread alive. Thread-safe; registration
 * happens on thread start, lookups on the agent's poller.
 *
 * <p>A tid the kernel hands to a new thread replaces the old mapping when that thread registers;
 * {@link #forget} drops a mapping only if its thread is gone, so a quick reuse is never undone.
 */
public final class ThreadRegistry {
    private final IntMap<WeakReference<Thread>> byTid = new IntMap<>(256);
    private volatile int version;

    /** Registers the calling thread under its own tid. */
    public void registerCurrentThread() {
        register(Thread.currentThread(), Linux.gettid());
    }

    public synchronized void register(Thread thread, int tid) {
        WeakReference<Thread> existing = byTid.get(tid);
        if (existing != null && existing.get() == thread) {
            return; // an overriding run() that calls super.run() registers twice
        }
        byTid.put(tid, new WeakReference<>(thread));
        version++;
    }

    /** The registered thread's reference for {@code tid}, or null; the referent may be cleared. */
    public synchronized WeakReference<Thread> lookup(int tid) {
        return byTid.get(tid);
    }

    /** Drops the mapping of {@code tid} if its thread has terminated or been collected. */
    public synchronized void forget(int tid) {
        WeakReference<Thread> ref = byTid.get(tid);
        if (ref != null) {
            Thread t = ref.get();
            if (t == null || !t.isAlive()) {
                byTid.remove(tid);
            }
        }
    }

    /** Changes whenever a mapping is added, so a failed lookup is retried only when it may succeed. */
    public int version() {
        return version;
    }

    public synchronized int size() {
        return byTid.size();
    }
}
