package org.ebpfagent.agent.sched;

import java.util.function.Consumer;

import org.ebpfagent.agent.ffm.BpfException;
import org.ebpfagent.agent.ffm.BpfMap;
import org.ebpfagent.agent.ffm.MapBatchReader;

/**
 * The entries of a hash map of {@code struct thread_sched} keyed by tid, read with batch lookups
 * (or lookup-and-delete, which empties the map as it reads). An entry whose first_seen_ns is 0
 * is skipped: its thread is exiting, and its final copy is in {@code exited} (drained before the
 * live entries are read) or will be. Owns its reader's buffers.
 */
final class HashThreads implements LiveThreads, ThreadEntry {
    private static final int BATCH = 1024;

    private final MapBatchReader reader;
    private final MapBatchReader.Sink onBatch = this::onBatch;
    private Consumer<ThreadEntry> sink;
    private MapBatchReader batch;
    private int i;
    private long readAt;
    private int handed;

    private HashThreads(MapBatchReader reader) {
        this.reader = reader;
    }

    static HashThreads lookup(BpfMap map) throws BpfException {
        return new HashThreads(MapBatchReader.lookup(map, BATCH));
    }

    static HashThreads lookupAndDelete(BpfMap map) throws BpfException {
        return new HashThreads(MapBatchReader.lookupAndDelete(map, BATCH));
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
            this.batch = null;
        }
    }

    private void onBatch(MapBatchReader b) {
        batch = b;
        readAt = System.nanoTime(); // the chunk was copied by the call that just returned
        for (i = 0; i < b.count(); i++) {
            if (b.valueLong(i, ThreadSchedLayout.FIRST_SEEN) != 0) {
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
    public long longAt(int offset) {
        return batch.valueLong(i, offset);
    }

    @Override
    public int intAt(int offset) {
        return batch.valueInt(i, offset);
    }

    @Override
    public String stringAt(int offset, int max) {
        return batch.valueString(i, offset, max);
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
