package org.ebpfagent.agent.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * Reads a whole map the classic way: {@code bpf_map_get_next_key} from the previous key, then
 * {@code bpf_map_lookup_elem} for the key it returns, two bpf() calls per entry. Slower than
 * {@link MapBatchReader} (kept as the reference the benchmarks compare against, and for kernels
 * without batch operations).
 *
 * <p>A key deleted between the two calls is skipped. If the previous key is deleted while the
 * walk is under way, the kernel restarts a hash map from its first key, so a map that changes
 * during the walk may be seen partly twice; batch reads do not have that weakness.
 * Created after the object is loaded. Not thread-safe; owns its buffers until {@link #close}.
 */
public final class MapKeyIterator implements AutoCloseable {

    /** Receives each entry; reads it through the iterator's accessors, valid only during the call. */
    @FunctionalInterface
    public interface Sink {
        void onEntry(MapKeyIterator entry);
    }

    private final Libbpf libbpf;
    private final BpfMap map;
    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment previous;
    private final MemorySegment next;
    private final MemorySegment value;
    private final int cpuStride;
    private long calls;

    private MapKeyIterator(Libbpf libbpf, BpfMap map) {
        this.libbpf = libbpf;
        this.map = map;
        this.fd = map.fd();
        int keySize = Math.max(8, map.keySize());
        this.previous = arena.allocate(keySize, 8);
        this.next = arena.allocate(keySize, 8);
        this.value = arena.allocate(map.entryValueBytes(), 8);
        this.cpuStride = map.cpuStride();
    }

    public static MapKeyIterator of(BpfMap map) throws BpfException {
        return new MapKeyIterator(Libbpf.get(), map);
    }

    /** Walks the whole map and returns the number of entries handed to {@code sink}. */
    public int read(Sink sink) throws BpfException {
        int total = 0;
        long from = 0; // NULL asks for the first key
        while (true) {
            int err = (int) libbpf.mapGetNextKey.call(fd, from, next.address());
            calls++;
            if (err == -Errno.ENOENT) {
                return total; // past the last key
            }
            if (err < 0) {
                throw BpfException.of("get next key", map.name(), err);
            }
            err = (int) libbpf.mapLookupElem.call(fd, next.address(), value.address());
            calls++;
            if (err == 0) {
                sink.onEntry(this);
                total++;
            } else if (err != -Errno.ENOENT) {
                throw BpfException.of("lookup", map.name(), err);
            }
            MemorySegment.copy(next, 0, previous, 0, previous.byteSize());
            from = previous.address();
        }
    }

    /** The current entry's key, for maps with 4-byte keys. */
    public int keyInt() {
        return next.get(JAVA_INT_UNALIGNED, 0);
    }

    /** A field of the current entry's value (for a per-CPU map: CPU 0's). */
    public long valueLong(long offset) {
        return value.get(JAVA_LONG_UNALIGNED, offset);
    }

    public long valueLong(int cpu, long offset) {
        return value.get(JAVA_LONG_UNALIGNED, (long) cpu * cpuStride + offset);
    }

    /** bpf() calls made since this iterator was created. */
    public long calls() {
        return calls;
    }

    @Override
    public void close() {
        arena.close();
    }
}
