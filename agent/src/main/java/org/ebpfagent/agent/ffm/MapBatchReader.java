package org.ebpfagent.agent.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * Reads a whole hash or array map with {@code BPF_MAP_LOOKUP_BATCH} (or lookup-and-delete):
 * either chunk by chunk, handing each chunk the kernel returns to a {@link Sink} ({@link #read}),
 * or all of it at once into buffers that stay valid until the next read ({@link #readAll}).
 *
 * <p>Buffers are allocated once and reused, so a steady-state read allocates nothing on the Java
 * heap; they grow only when a hash bucket holds more entries than the batch (the kernel answers
 * ENOSPC then, having copied nothing) or, for {@link #readAll}, when the map holds more entries
 * than ever before. The end of the map arrives as ENOENT, possibly with a last partial chunk.
 *
 * <p>Per-CPU maps ({@link BpfMap#isPerCpu}) return every possible CPU's value for each key, each
 * rounded up to 8 bytes: read one CPU's with {@link #valueLong(int, int, long)} or the sum over
 * CPUs with {@link #sumLong}. Values are read unaligned, so any value size works.
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
    private final CFunction operation;
    private final boolean delete;
    private final boolean array;
    private final String step;
    private final int keySize;
    private final int stride;
    private final int cpuStride;
    private final int cpus;
    private final Arena control = Arena.ofShared();
    private final MemorySegment inToken;
    private final MemorySegment outToken;
    private final MemorySegment countIo;
    private Arena buffers;
    private MemorySegment keys;
    private MemorySegment values;
    private int capacity;
    private Arena wholeBuffers;
    private MemorySegment wholeKeys;
    private MemorySegment wholeValues;
    private int wholeCapacity;
    // What the accessors read: the current chunk, or the whole map after readAll.
    private MemorySegment viewKeys;
    private MemorySegment viewValues;
    private int count;
    private long calls;
    private long entries;
    private long grows;

    private MapBatchReader(Libbpf libbpf, BpfMap map, boolean delete, int batchSize) {
        this.libbpf = libbpf;
        this.map = map;
        this.fd = map.fd();
        this.delete = delete;
        this.array = MapTypes.isArray(map.type());
        this.operation = delete ? libbpf.mapLookupAndDeleteBatch : libbpf.mapLookupBatch;
        this.step = delete ? "lookup and delete batch" : "lookup batch";
        this.keySize = map.keySize();
        this.cpus = map.valueCpus();
        this.cpuStride = map.cpuStride();
        this.stride = map.entryValueBytes();
        // Hash maps use a bucket index as the token, array maps a key: size it for either.
        int tokenSize = Math.max(8, keySize);
        this.inToken = control.allocate(tokenSize, 8);
        this.outToken = control.allocate(tokenSize, 8);
        this.countIo = control.allocate(JAVA_INT);
        allocate(Math.max(1, batchSize));
    }

    /** A reader that leaves entries in the map. */
    public static MapBatchReader lookup(BpfMap map, int batchSize) throws BpfException {
        return new MapBatchReader(Libbpf.get(), map, false, batchSize);
    }

    /**
     * A reader that removes each entry it returns. Hash maps only: the kernel has no
     * lookup-and-delete for arrays and answers ENOTSUPP, which {@link #read} reports as such.
     */
    public static MapBatchReader lookupAndDelete(BpfMap map, int batchSize) throws BpfException {
        return new MapBatchReader(Libbpf.get(), map, true, batchSize);
    }

    /** Reads the whole map, chunk by chunk, and returns the number of entries read. */
    public int read(Sink sink) throws BpfException {
        viewKeys = keys;
        viewValues = values;
        return run(sink);
    }

    /**
     * Reads the whole map into this reader's buffers, one batch call per chunk, and returns the
     * number of entries; entry {@code i < count()} is then read with the accessors until the next
     * read. The buffers grow to the largest map seen and are kept.
     */
    public int readAll() throws BpfException {
        int total = run(null);
        count = total;
        viewKeys = wholeKeys;
        viewValues = wholeValues;
        return total;
    }

    private int run(Sink sink) throws BpfException {
        int total = 0;
        boolean first = true;
        while (true) {
            countIo.set(JAVA_INT, 0, capacity);
            long in = first ? 0 : inToken.address();
            int err = (int) operation.call(fd, in, outToken.address(), keys.address(), values.address(),
                    countIo.address(), 0);
            calls++;
            int n = countIo.get(JAVA_INT, 0);
            if (err < 0 && err != -Errno.ENOENT) {
                if (err == -Errno.ENOSPC && n == 0) {
                    grows++;
                    allocate(capacity * 2); // one bucket outgrew the batch; retry the same position
                    continue;
                }
                if (delete && array && (err == -Errno.ENOTSUPP || err == -Errno.EOPNOTSUPP)) {
                    throw new BpfException(step, map.name(), err,
                            "array maps cannot delete entries, the kernel has no lookup-and-delete for them: read with lookup");
                }
                throw BpfException.of(step, map.name(), err);
            }
            if (n > 0) {
                if (sink == null) {
                    keep(total, n);
                } else {
                    count = n;
                    sink.onBatch(this);
                }
                entries += n;
                total += n;
            }
            if (err == -Errno.ENOENT) {
                return total;
            }
            MemorySegment.copy(outToken, 0, inToken, 0, inToken.byteSize());
            first = false;
        }
    }

    /** Appends the chunk just read to the whole-map buffers, growing them (keeping what they hold). */
    private void keep(int at, int n) {
        if (at + n > wholeCapacity) {
            int size = Math.max(Math.max(at + n, wholeCapacity * 2), capacity);
            Arena next = Arena.ofShared();
            MemorySegment k = next.allocate((long) size * keySize, 8);
            MemorySegment v = next.allocate((long) size * stride, 8);
            if (wholeBuffers != null) {
                MemorySegment.copy(wholeKeys, 0, k, 0, (long) at * keySize);
                MemorySegment.copy(wholeValues, 0, v, 0, (long) at * stride);
                wholeBuffers.close();
            }
            wholeBuffers = next;
            wholeKeys = k;
            wholeValues = v;
            wholeCapacity = size;
        }
        MemorySegment.copy(keys, 0, wholeKeys, (long) at * keySize, (long) n * keySize);
        MemorySegment.copy(values, 0, wholeValues, (long) at * stride, (long) n * stride);
    }

    /** Entries in the current chunk, or in the whole map after {@link #readAll}. */
    public int count() {
        return count;
    }

    /** Points {@code into} at entry {@code i}'s key and returns it. */
    public StructView key(int i, StructView into) {
        return into.point(viewKeys, (long) i * keySize);
    }

    /** Points {@code into} at entry {@code i}'s value (for a per-CPU map: CPU 0's) and returns it. */
    public StructView value(int i, StructView into) {
        return into.point(viewValues, (long) i * stride);
    }

    /** Points {@code into} at CPU {@code cpu}'s value of entry {@code i}, for per-CPU maps, and returns it. */
    public StructView value(int i, int cpu, StructView into) {
        return into.point(viewValues, (long) i * stride + (long) cpu * cpuStride);
    }

    <T> T key(int i, RecordReader<T> reader) {
        return reader.read(viewKeys, (long) i * keySize);
    }

    <T> T value(int i, int cpu, RecordReader<T> reader) {
        return reader.read(viewValues, (long) i * stride + (long) cpu * cpuStride);
    }

    /** The key of entry {@code i}, for maps with 4-byte keys. */
    public int keyInt(int i) {
        return viewKeys.get(JAVA_INT_UNALIGNED, (long) i * keySize);
    }

    /** A field of entry {@code i}'s key, for maps with struct keys. */
    public int keyInt(int i, long offset) {
        return viewKeys.get(JAVA_INT_UNALIGNED, (long) i * keySize + offset);
    }

    public long keyLong(int i, long offset) {
        return viewKeys.get(JAVA_LONG_UNALIGNED, (long) i * keySize + offset);
    }

    /** A field of entry {@code i}'s value (for a per-CPU map: CPU 0's). */
    public long valueLong(int i, long offset) {
        return viewValues.get(JAVA_LONG_UNALIGNED, (long) i * stride + offset);
    }

    public int valueInt(int i, long offset) {
        return viewValues.get(JAVA_INT_UNALIGNED, (long) i * stride + offset);
    }

    /** A field of CPU {@code cpu}'s value of entry {@code i}, for per-CPU maps. */
    public long valueLong(int i, int cpu, long offset) {
        return viewValues.get(JAVA_LONG_UNALIGNED, (long) i * stride + (long) cpu * cpuStride + offset);
    }

    public int valueInt(int i, int cpu, long offset) {
        return viewValues.get(JAVA_INT_UNALIGNED, (long) i * stride + (long) cpu * cpuStride + offset);
    }

    /** A 64-bit field of entry {@code i} summed over every CPU's value (wrapping, as u64 does). */
    public long sumLong(int i, long offset) {
        long base = (long) i * stride + offset;
        long s = 0;
        for (int cpu = 0; cpu < cpus; cpu++) {
            s += viewValues.get(JAVA_LONG_UNALIGNED, base + (long) cpu * cpuStride);
        }
        return s;
    }

    /** A 32-bit field of entry {@code i}, read as unsigned, summed over every CPU's value. */
    public long sumInt(int i, long offset) {
        long base = (long) i * stride + offset;
        long s = 0;
        for (int cpu = 0; cpu < cpus; cpu++) {
            s += Integer.toUnsignedLong(viewValues.get(JAVA_INT_UNALIGNED, base + (long) cpu * cpuStride));
        }
        return s;
    }

    /** Values per key: the possible CPUs for a per-CPU map, else 1. */
    public int cpus() {
        return cpus;
    }

    /** A NUL-terminated string of at most {@code max} bytes in entry {@code i}'s value (allocates). */
    public String valueString(int i, long offset, int max) {
        MemorySegment bytes = viewValues.asSlice((long) i * stride + offset, max);
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

    /** Times a bucket larger than the batch made the kernel answer ENOSPC and the batch doubled. */
    public long grows() {
        return grows;
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
        if (wholeBuffers != null) {
            wholeBuffers.close();
        }
    }

    private void allocate(int entries) {
        Arena next = Arena.ofShared();
        keys = next.allocate((long) entries * keySize, 8);
        values = next.allocate((long) entries * stride, 8);
        if (buffers != null) {
            buffers.close();
        }
        buffers = next;
        capacity = entries;
        viewKeys = keys;
        viewValues = values;
    }
}
