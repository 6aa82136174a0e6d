package org.ebpfagent.agent.sched;

import java.util.function.Consumer;

import org.ebpfagent.agent.ffm.BpfException;

/**
 * Where a poll finds the per-thread entries the probe keeps: the mmap'd slot array and, beyond
 * it, a hash map (tp_btf, {@link SlotThreads}), or a hash map read in batches (raw_tp's live
 * threads, and the exited threads of both, {@link HashThreads}). Not thread-safe.
 */
interface LiveThreads extends AutoCloseable {
    /** Hands every live entry to {@code sink}, one at a time; returns how many. */
    int read(Consumer<ThreadEntry> sink) throws BpfException;

    /** bpf() calls made so far. */
    long calls();

    /** Entries read so far: copied from a map, or, in the slot array, walked (in use or not). */
    long entries();

    @Override
    void close();
}
