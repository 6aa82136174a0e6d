package org.ebpfagent.agent.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * Reader of a {@code BPF_MAP_TYPE_RINGBUF} map, straight from the ring's memory mapped into this
 * process: no copy, no syscall and no upcall per record. The caller pulls records one by one:
 *
 * <pre>{@code
 * while (ring.next()) {
 *     long seq = ring.longAt(0);                 // fields of the current record
 *     ...                                        // or ring.records() at ring.recordOffset()
 * }                                              // false: nothing ready; the position is committed
 * }</pre>
 *
 * <p>Layout (as the kernel maps it): at file offset 0 one read-write page whose first 8 bytes are
 * the consumer position; at offset one page, read-only, a page whose first 8 bytes are the
 * producer position, followed by the data region twice in a row, so that a record that wraps
 * around the end of the ring is contiguous in memory. Each record starts at an 8-byte-aligned
 * position with an 8-byte header: a 32-bit length whose bit 31 (busy) says the producer has not
 * committed it yet and bit 30 (discard) that it was dropped, then the record page offset the kernel
 * uses. The next record starts at the length plus the header rounded up to 8.
 *
 * <p>Ordering: the producer position and each record's length are read with acquire loads (what
 * the kernel wrote before committing them is visible after), the consumer position is published
 * with a release store (the record's bytes are read before the producer may reuse them).
 * {@link #next()} stops at a busy record: records are consumed in order, and one still being
 * written holds back those after it even if they are committed.
 *
 * <p>Commits are batched: the consumer position is stored when {@link #next()} finds nothing more
 * to read, and on the way whenever a quarter of the ring has been read since the last store, so a
 * producer that runs during a long drain gets room back. A record stays valid until the following
 * {@link #next()} or {@link #commit()}: the producer may overwrite it after that.
 *
 * <p>Lost records: the kernel counts nothing when {@code bpf_ringbuf_reserve} fails; the BPF
 * program must count its failed reservations itself in a u64 of a {@code BPF_F_MMAPABLE} array,
 * which {@link #lost()} reads (no syscall).
 *
 * <p>Waiting for data: none. The agent drains on its poll interval, so the ring is sized for the
 * records of one interval and no wakeup is needed; programs may submit with
 * {@code BPF_RB_NO_WAKEUP} to spare the kernel an irq_work per drain. A caller that needs to block
 * would use epoll on the map fd, which this reader does not do.
 *
 * <p>Ownership: created by {@link #of} from a loaded object and closed ({@code munmap}) by its
 * creator; the mappings hold their own reference on the kernel map, so they outlive the
 * {@link BpfObject}. The counters array is the caller's. Thread-safety: one consumer thread;
 * {@link #close} may come from another thread (the memory belongs to a shared arena: a read after
 * close throws {@link IllegalStateException}, and the JDK never unmaps under a read in progress).
 */
public final class RingBuffer implements AutoCloseable {
    private static final int MAP_TYPE_RINGBUF = 27;
    private static final int BUSY = 1 << 31;
    private static final int DISCARD = 1 << 30;
    private static final int LENGTH = ~(BUSY | DISCARD);
    private static final int HEADER = 8;
    private static final VarHandle LONG = JAVA_LONG.varHandle(); // (segment, offset) -> long
    private static final VarHandle INT = JAVA_INT.varHandle();   // (segment, offset) -> int


    private final String name;
    private final Arena arena;
    private final MemorySegment consumerPage; // read-write
    private final MemorySegment producerPage; // read-only
    private final MemorySegment data;         // read-only, the ring twice
    private final MemorySegment records;      // read-only view handed to callers
    private final long mask;
    private final long commitBytes;
    private final MmapArray counters;
    private final int lostIndex;

    private long position;  // where the next record to look at starts
    private long producer;  // producer position as last read
    private long committed; // consumer position as last stored
    private long recordOffset;
    private int recordLength = -1; // -1: no current record

    private RingBuffer(String name, Arena arena, MemorySegment consumerPage, MemorySegment producerSide,
                       long capacity, MmapArray counters, int lostIndex) {
        this.name = name;
        this.arena = arena;
        this.consumerPage = consumerPage;
        this.producerPage = producerSide.asSlice(0, Linux.PAGE_SIZE);
        this.data = producerSide.asSlice(Linux.PAGE_SIZE, 2 * capacity);
        this.records = data.asReadOnly();
        this.mask = capacity - 1;
        this.commitBytes = capacity / 4;
        this.counters = counters;
        this.lostIndex = lostIndex;
        this.position = (long) LONG.getAcquire(consumerPage, 0L);
        this.committed = position;
        this.producer = position;
    }

    /**
     * Maps a loaded ring-buffer map. {@code counters} is the {@code BPF_F_MMAPABLE} u64 array in
     * which the BPF program counts its failed reservations at {@code lostIndex}.
     */
    public static RingBuffer of(BpfMap ring, MmapArray counters, int lostIndex) throws BpfException {
        if (counters.stride() != 8 || lostIndex < 0 || lostIndex >= counters.entries()) {
            throw new IllegalArgumentException("lost-record counter: " + counters + " has no u64 at index " + lostIndex);
        }
        int fd = ring.fd();
        requireRingbuf(ring.name(), fd);
        long capacity = Integer.toUnsignedLong(ring.maxEntries());
        Arena arena = Arena.ofShared();
        try {
            MemorySegment consumer = Linux.mmap(ring.name(), fd, Linux.PAGE_SIZE, Linux.PROT_READ | Linux.PROT_WRITE, 0, arena,
                    errno -> BpfException.hint("mmap", errno));
            MemorySegment producer = Linux.mmap(ring.name(), fd, Linux.PAGE_SIZE + 2 * capacity, Linux.PROT_READ,
                    Linux.PAGE_SIZE, arena, errno -> BpfException.hint("mmap", errno));
            return new RingBuffer(ring.name(), arena, consumer, producer, capacity, counters, lostIndex);
        } catch (BpfException | RuntimeException e) {
            arena.close(); // unmaps whatever was mapped
            throw e;
        }
    }

    /**
     * Moves to the next committed record, skipping discarded ones. Returns false, and stores the
     * consumer position, when there is none: the ring is empty or the next record is still being
     * written. Ends the previous record's validity.
     */
    public boolean next() {
        long pos = position;
        if (pos - committed >= commitBytes) {
            commitAt(pos);
        }
        while (true) {
            if (pos == producer) {
                producer = (long) LONG.getAcquire(producerPage, 0L);
                if (pos == producer) {
                    return drained(pos);
                }
            }
            int header = (int) INT.getAcquire(data, pos & mask);
            if ((header & BUSY) != 0) {
                return drained(pos);
            }
            int length = header & LENGTH;
            if (length > mask + 1 - HEADER) {
                throw new IllegalStateException("ring " + name + ": record of " + length
                        + " bytes at position " + pos + " is larger than the ring");
            }
            long following = pos + ((length + HEADER + 7) & ~7L);
            if ((header & DISCARD) == 0) {
                recordOffset = (pos & mask) + HEADER;
                recordLength = length;
                position = following;
                return true;
            }
            pos = following;
        }
    }

    /** Offset of the current record's first byte in {@link #records()}. */
    public long recordOffset() {
        return recordOffset;
    }

    /** Length in bytes of the current record, as the program reserved or output it. */
    public int recordLength() {
        return recordLength;
    }

    /**
     * The data region, read-only, mapped twice: the current record is the {@link #recordLength()}
     * bytes at {@link #recordOffset()}, contiguous even where it wraps around the ring's end.
     */
    public MemorySegment records() {
        return records;
    }

    /** The 8 bytes at {@code offset} of the current record (native byte order). */
    public long longAt(long offset) {
        return data.get(JAVA_LONG_UNALIGNED, recordOffset + java.util.Objects.checkIndex(offset, recordLength - 7L));
    }

    /** The byte at {@code offset} of the current record (to tell records of several structs apart). */
    public byte byteAt(long offset) {
        return data.get(JAVA_BYTE, recordOffset + java.util.Objects.checkIndex(offset, (long) recordLength));
    }

    /** The 4 bytes at {@code offset} of the current record (native byte order). */
    public int intAt(long offset) {
        return data.get(JAVA_INT_UNALIGNED, recordOffset + java.util.Objects.checkIndex(offset, recordLength - 3L));
    }

    /**
     * Points {@code into} at the current record and returns it; fails if the record is shorter
     * than the view's struct (a record of another type, or a program out of step with the layout).
     */
    public StructView record(StructView into) {
        StructLayout layout = into.layout();
        if (recordLength < layout.base() + layout.size()) {
            throw new IllegalStateException("ring " + name + ": a record of " + recordLength + " bytes read as "
                    + layout);
        }
        return into.point(data, recordOffset);
    }

    /**
     * Stores the consumer position now, the current record included: the producer may reuse its
     * space at once. For a caller that stops before {@link #next()} returns false.
     */
    public void commit() {
        recordLength = -1;
        commitAt(position);
    }

    /** Bytes the producer has reserved past the records read so far (committed or still busy). */
    public long pending() {
        producer = (long) LONG.getAcquire(producerPage, 0L);
        return producer - position;
    }

    /** The ring's data size in bytes (the map's max_entries). */
    public long capacity() {
        return mask + 1;
    }

    /** Records the BPF program could not reserve room for, since it was loaded. */
    public long lost() {
        return counters.valueLongAcquire(lostIndex);
    }

    /** Unmaps the ring; later reads throw {@link IllegalStateException}. Idempotent. */
    @Override
    public synchronized void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "RingBuffer[" + name + ", " + capacity() + " bytes]";
    }

    private boolean drained(long pos) {
        position = pos;
        recordLength = -1;
        if (pos != committed) {
            commitAt(pos);
        }
        return false;
    }

    private void commitAt(long pos) {
        LONG.setRelease(consumerPage, 0L, pos);
        committed = pos;
    }

    private static void requireRingbuf(String name, int fd) throws BpfException {
        Libbpf libbpf = Libbpf.get();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment info = call.allocate(40, 8); // struct bpf_map_info up to name[]; type first
            MemorySegment length = call.allocate(JAVA_INT);
            length.set(JAVA_INT, 0, (int) info.byteSize());
            int err = (int) libbpf.objGetInfoByFd.call(fd, info.address(), length.address());
            if (err < 0) {
                throw BpfException.of("map info", name, err);
            }
            int type = info.get(JAVA_INT, 0);
            if (type != MAP_TYPE_RINGBUF) {
                throw new BpfException("mmap", name, Errno.EINVAL,
                        "map type " + type + " is not BPF_MAP_TYPE_RINGBUF (" + MAP_TYPE_RINGBUF + ")");
            }
        }
    }


}
