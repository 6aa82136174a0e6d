package org.ebpfagent.agent.sched;

import java.util.function.Consumer;

import org.ebpfagent.agent.ffm.BpfException;
import org.ebpfagent.agent.ffm.BpfMap;
import org.ebpfagent.agent.ffm.MapBatchReader;
import org.ebpfagent.agent.ffm.StructLayout;
import org.ebpfagent.agent.ffm.StructView;

/**
 * The entries of a hash map of {@code struct thread_sched} keyed by tid, read with batch lookups
 * (or lookup-and-delete, which empties the map as it reads). An entry whose first_seen_ns is 0
 * is skipped: its thread is exiting, and its final copy is in {@code exited} (drained before the
 * live entries are read) or will be. Owns its reader's buffers.
 */
final class HashThreads implements LiveThreads, ThreadEntry {
    private static final int BATCH = 1024;

    private final MapBatchReader reader;
    private final StructView entry;
    private final MapBatchReader.Sink onBatch = this::onBatch;
    private Consumer<ThreadEntry> sink;
    private long readAt;
    private int handed;

    private final boolean deletes;

    private HashThreads(MapBatchReader reader, StructLayout layout, boolean deletes) {
        this.reader = reader;
        this.deletes = deletes;
        this.entry = StructView.of(layout);
    }

    static HashThreads lookup(BpfMap map, StructLayout layout) throws BpfException {
        return new HashThreads(MapBatchReader.lookup(map, BATCH), layout, false);
    }

    static HashThreads lookupAndDelete(BpfMap map, StructLayout layout) throws BpfException {
        return new HashThreads(MapBatchReader.lookupAndDelete(map, BATCH), layout, true);
    }

    @Override
    public int read(Consumer<ThreadEntry> sink) throws BpfException {
        this.sink = sink;
        handed = 0;
        try {
            reader.read(onBatch);
            return handed;
        } finally {
            this.sink = null;
        }
    }

    private void onBatch(MapBatchReader b) {
        readAt = System.nanoTime(); // the chunk was copied by the call that just returned
        for (int i = 0; i < b.count(); i++) {
            // A live entry copied while a program was writing it is half-written: read next poll.
            // (A lookup-and-delete reads final copies, made after the writes; and must not skip.)
            StructView e = b.value(i, entry);
            if (e.u64(ThreadSchedLayout.FIRST_SEEN) != 0 && (deletes || e.u64(ThreadSchedLayout.WRITING) == 0)) {
                handed++;
                sink.accept(this);
            }
        }
    }

    @Override
    public long readAt() {
        return readAt;
    }

    @Override
    public StructView fields() {
        return entry;
    }

    @Override
    public long calls() {
        return reader.calls();
    }

    @Override
    public long entries() {
        return reader.entries();
    }

    @Override
    public void close() {
        reader.close();
    }
}
