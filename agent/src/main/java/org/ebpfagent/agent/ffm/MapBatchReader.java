package org.ebpfagent.agent.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Reads a whole hash or array map with {@code BPF_MAP_LOOKUP_BATCH} (or lookup-and-delete),
 * handing each chunk the kernel returns to a {@link Sink} before reading the next.
 *
 * <p>Buffers are allocated once and reused, so a steady-state {@link #read} allocates nothing on
 * the Java heap; they grow only when a hash bucket holds more entries than the batch (the kernel
 * answers ENOSPC then). The end of the map arrives as ENOENT, possibly with a last partial chunk.
 * Created after the object is loaded. Not thread-safe; owns its native buffers until {@link #close}.
 */
public final class MapBatchReader implements AutoCloseable {

    /** Receives each chunk; reads it through the reader's accessors, valid only during the call. */
    @FunctionalInterface
    public interface Sink {
        void onBatch(MapBatchReader batch);
    }

    private final Libbpf libbpf;
    private final BpfMap map;
    private final int fd;
    private final MethodHandle operation;
    private final String step;
    private final int keySize;
    private final int valueSize;
    private final Arena control = Arena.ofShared();
    private final MemorySegment inToken;
    private final MemorySegment outToken;
    private final MemorySegment countIo;
    private Arena buffers;
    private MemorySegment keys;
    private MemorySegment values;
    private int capacity;
    private int count;
    private long calls;
    private long entries;

    private MapBatchReader(Libbpf libbpf, BpfMap map, boolean delete, int batchSize) {
        this.libbpf = libbpf;
        this.map = map;
        this.fd = map.fd();
        this.operation = delete ? libbpf.mapLookupAndDeleteBatch : libbpf.mapLookupBatch;
        this.step = delete ? "lookup and delete batch" : "lookup batch";
        this.keySize = map.keySize();
        this.valueSize = map.valueSize();
        // Hash maps use a bucket index as the token, array maps a key: size it for either.
        int tokenSize = Math.max(8, keySize);
        this.inToken = control.allocate(tokenSize, 8);
        this.outToken = control.allocate(tokenSize, 8);
        this.countIo = control.allocate(JAVA_INT);
        allocate(batchSize);
    }

    /** A reader that leaves entries in the map. */
    public static MapBatchReader lookup(BpfMap map, int batchSize) throws BpfException {
        return new MapBatchReader(Libbpf.get(), map, false, batchSize);
    }

    /** A reader that removes each entry it returns. */
    public static MapBatchReader lookupAndDelete(BpfMap map, int batchSize) throws BpfException {
        return new MapBatchReader(Libbpf.get(), map, true, batchSize);
    }

    /** Reads the whole map, chunk by chunk, and returns the number of entries read. */
    public int read(Sink sink) throws BpfException {
        int total = 0;
        boolean first = true;
        while (true) {
            countIo.set(JAVA_INT, 0, capacity);
            MemorySegment in = first ? MemorySegment.NULL : inToken;
            int err;
            try {
                err = (int) operation.invokeExact(fd, in, outToken,
                        keys, values, countIo, MemorySegment.NULL);
            } catch (Throwable t) {
                throw Libbpf.rethrow(t);
            }
            calls++;
            int n = countIo.get(JAVA_INT, 0);
            if (err < 0 && err != -Errno.ENOENT) {
                if (err == -Errno.ENOSPC && n == 0) {
                    allocate(capacity * 2); // one bucket outgrew the batch; retry the same position
                    continue;
                }
                throw BpfException.of(step, map.name(), err);
            }
            if (n > 0) {
                count = n;
                entries += n;
                total += n;
                sink.onBatch(this);
            }
            if (err == -Errno.ENOENT) {
                return total;
            }
            MemorySegment.copy(outToken, 0, inToken, 0, inToken.byteSize());
            first = false;
        }
    }

    /** Entries in the current chunk. */
    public int count() {
        return count;
    }

    /** The key of entry {@code i} of the current chunk, for maps with 4-byte keys. */
    public int keyInt(int i) {
        return keys.get(JAVA_INT, (long) i * keySize);
    }

    /** A field of entry {@code i}'s key, for maps with struct keys. */
    public int keyInt(int i, long offset) {
        return keys.get(JAVA_INT, (long) i * keySize + offset);
    }

    public long keyLong(int i, long offset) {
        return keys.get(JAVA_LONG, (long) i * keySize + offset);
    }

    public long valueLong(int i, long offset) {
        return values.get(JAVA_LONG, (long) i * valueSize + offset);
    }

    public int valueInt(int i, long offset) {
        return values.get(JAVA_INT, (long) i * valueSize + offset);
    }

    /** A NUL-terminated string of at most {@code max} bytes in entry {@code i}'s value (allocates). */
    public String valueString(int i, long offset, int max) {
        MemorySegment bytes = values.asSlice((long) i * valueSize + offset, max);
        long len = 0;
        while (len < max && bytes.get(java.lang.foreign.ValueLayout.JAVA_BYTE, len) != 0) {
            len++;
        }
        return new String(bytes.asSlice(0, len).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Entries per bpf() call at most, as currently sized. */
    public int capacity() {
        return capacity;
    }

    /** bpf() calls made since this reader was created. */
    public long calls() {
        return calls;
    }

    /** Entries read since this reader was created. */
    public long entries() {
        return entries;
    }

    @Override
    public void close() {
        control.close();
        buffers.close();
    }

    private void allocate(int entries) {
        Arena next = Arena.ofShared();
        keys = next.allocate((long) entries * keySize, 8);
        values = next.allocate((long) entries * valueSize, 8);
        if (buffers != null) {
            buffers.close();
        }
        buffers = next;
        capacity = entries;
    }
}
