package org.ebpfagent.agent.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A {@code BPF_F_MMAPABLE} array map mapped read-only into this process ({@code mmap} of the map
 * fd, {@code PROT_READ}, {@code MAP_SHARED}): values are read with plain loads, no syscall.
 * libbpf 1.1 mmaps no map for {@code bpf_object__load} users, so the agent maps the fd itself.
 *
 * <p>Layout: value {@code i} starts at {@code i * stride()}, the stride being the value size
 * rounded up to 8 bytes, as the kernel lays out array values.
 *
 * <p>Ownership: created by {@link #of} after the object is loaded and owned by its creator, who
 * calls {@link #close} ({@code munmap}) once the readers are done. The mapping holds its own
 * reference on the kernel map, so it stays valid even if the {@link BpfObject} is closed first.
 * The memory belongs to a shared arena: a read after {@link #close} throws
 * {@link IllegalStateException}, and the JDK never unmaps the memory under a read in progress.
 *
 * <p>Thread-safety: any number of threads may read at once; the object has no mutable state
 * besides being open or closed. The kernel (BPF programs) may write the values at any time: an
 * aligned 8-byte read is never torn, but plain reads of different values are not ordered against
 * each other (use {@link #valueLongAcquire} where that matters), and the JIT may hoist a plain
 * read out of a loop that reads the same value again and again: read each value once per pass.
 */
public final class MmapArray implements AutoCloseable {
    private static final int PROT_READ = 1;
    private static final VarHandle LONG = JAVA_LONG.varHandle(); // (segment, offset) -> long

    private final String name;
    private final Arena arena;
    private final MemorySegment values;
    private final int entries;
    private final int stride;

    private MmapArray(String name, Arena arena, MemorySegment values, int entries, int stride) {
        this.name = name;
        this.arena = arena;
        this.values = values;
        this.entries = entries;
        this.stride = stride;
    }

    /**
     * Maps all values of a loaded array map created with {@code BPF_F_MMAPABLE}. Fails with
     * EINVAL for an array without that flag, ENOTSUPP for a map type that cannot be mapped.
     */
    public static MmapArray of(BpfMap map) throws BpfException {
        int fd = map.fd();
        int entries = map.maxEntries();
        int stride = (map.valueSize() + 7) & ~7;
        long length = ((long) entries * stride + Linux.PAGE_SIZE - 1) / Linux.PAGE_SIZE * Linux.PAGE_SIZE;
        Arena arena = Arena.ofShared();
        MemorySegment values;
        try {
            values = Linux.mmap(map.name(), fd, length, Linux.PROT_READ, 0, arena, errno -> switch (errno) {
                case Errno.EINVAL -> "the array needs map_flags BPF_F_MMAPABLE";
                case Errno.ENOTSUPP -> "only BPF_F_MMAPABLE array maps can be mmap'd";
                default -> BpfException.hint("mmap", errno);
            });
        } catch (BpfException e) {
            arena.close();
            throw e;
        }
        return new MmapArray(map.name(), arena, values, entries, stride);
    }

    /** Number of values (the map's max_entries). */
    public int entries() {
        return entries;
    }

    /** Bytes from one value to the next: the value size rounded up to 8. */
    public int stride() {
        return stride;
    }

    /**
     * Value {@code index} of an array of 8-byte values (u64 counters), with a plain load. The
     * scale is the constant 8, so in a loop over the indexes the JIT hoists the bounds and
     * liveness checks and unrolls: about as fast as C (see docs/bench-map-read.md).
     *
     * @throws IllegalStateException if the values are not 8 bytes
     */
    public long valueLong(int index) {
        requireU64();
        return values.getAtIndex(JAVA_LONG, index);
    }

    /**
     * Value {@code index} of an array of 8-byte values, with an acquire load: reads after it in
     * program order are not reordered before it. For a value that guards others (a sequence
     * number, a ready flag); several times slower than {@link #valueLong(int)} in a loop, because
     * C2 neither unrolls nor hoists checks across it.
     *
     * @throws IllegalStateException if the values are not 8 bytes
     */
    public long valueLongAcquire(int index) {
        requireU64();
        return (long) LONG.getAcquire(values, (long) index * 8);
    }

    /**
     * The 8 bytes at {@code offset} (a multiple of 8) of value {@code index}, with a plain load,
     * for struct values. The index is scaled by the stride, which the JIT does not know: in a
     * tight loop this is 2-3x slower than {@link #valueLong(int)}.
     */
    public long valueLong(int index, long offset) {
        return values.get(JAVA_LONG, (long) index * stride + offset);
    }

    /**
     * Copies value {@code index} into {@code into} (its first {@code into.length} bytes, at most
     * the stride) if the 8-byte field at {@code guardOffset} is not 0 and still holds what it held
     * before the copy; returns that field, or 0 if the value was not copied. For values a writer
     * marks free with a 0 guard and writes the guard of a new occupant last: a copy returned with
     * a non-zero guard is of one occupant, never of two (the fields of that occupant may still be
     * from slightly different moments, as any concurrent read of counters is).
     */
    public long snapshot(int index, long guardOffset, byte[] into) {
        long base = (long) index * stride;
        long guard = (long) LONG.getAcquire(values, base + guardOffset);
        if (guard == 0) {
            return 0;
        }
        MemorySegment.copy(values, JAVA_BYTE, base, into, 0, Math.min(into.length, stride));
        VarHandle.loadLoadFence(); // the guard below is read after the copy
        return (long) LONG.get(values, base + guardOffset) == guard ? guard : 0;
    }

    /**
     * Points {@code into} at value {@code index} and returns it: plain loads of the live value,
     * which BPF programs may change between two reads (see {@link #snapshot} for a consistent copy).
     */
    public StructView point(int index, StructView into) {
        if (index < 0 || index >= entries) {
            throw new IndexOutOfBoundsException("map " + name + ": value " + index + " of " + entries);
        }
        return into.point(values, (long) index * stride);
    }

    /** Unmaps the values; later reads throw {@link IllegalStateException}. Idempotent. */
    @Override
    public synchronized void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    private void requireU64() {
        if (stride != 8) {
            throw new IllegalStateException("map " + name + ": values are " + stride + " bytes, not 8");
        }
    }

    @Override
    public String toString() {
        return "MmapArray[" + name + ", " + entries + " x " + stride + " bytes]";
    }

}
