package org.ebpfagent.agent.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * One value of a map, read or written by key into a buffer allocated once ({@code bpf_map_lookup_elem}).
 * For a per-CPU map the buffer holds every possible CPU's value, each rounded up to 8 bytes, as the
 * kernel copies them; the single-value accessors then address CPU 0. Created after the object is loaded. Used for small maps such as {@code .bss} counters;
 * not thread-safe; owns its buffer until
 * {@link #close}.
 */
public final class MapValue implements AutoCloseable {
    private final Libbpf libbpf;
    private final BpfMap map;
    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment key;
    private final MemorySegment value;
    private final int cpuStride;
    private final int cpus;

    MapValue(Libbpf libbpf, BpfMap map) {
        this.libbpf = libbpf;
        this.map = map;
        this.fd = map.fd();
        this.key = arena.allocate(Math.max(8, map.keySize()), 8);
        this.cpuStride = map.cpuStride();
        this.cpus = map.valueCpus();
        this.value = arena.allocate(map.entryValueBytes(), 8);
    }

    /** Reads the value stored under {@code k}; false if there is none. */
    public boolean read(int k) throws BpfException {
        key.set(JAVA_INT, 0, k);
        int err = (int) libbpf.mapLookupElem.call(fd, key.address(), value.address());
        if (err == -Errno.ENOENT) {
            return false;
        }
        if (err < 0) {
            throw BpfException.of("lookup", map.name(), err);
        }
        return true;
    }

    public long longAt(long offset) {
        return value.get(JAVA_LONG_UNALIGNED, offset);
    }

    /** A field of CPU {@code cpu}'s value, for per-CPU maps. */
    public long longAt(int cpu, long offset) {
        return value.get(JAVA_LONG_UNALIGNED, (long) cpu * cpuStride + offset);
    }

    public int intAt(int cpu, long offset) {
        return value.get(JAVA_INT_UNALIGNED, (long) cpu * cpuStride + offset);
    }

    /** A 64-bit field summed over every CPU's value. */
    public long sumLong(long offset) {
        long s = 0;
        for (int cpu = 0; cpu < cpus; cpu++) {
            s += value.get(JAVA_LONG_UNALIGNED, (long) cpu * cpuStride + offset);
        }
        return s;
    }

    /** Values per key: the possible CPUs for a per-CPU map, else 1. */
    public int cpus() {
        return cpus;
    }

    /** Sets a field of CPU {@code cpu}'s value in the buffer (per-CPU maps), to be stored by {@link #write}. */
    public void setLong(int cpu, long offset, long v) {
        value.set(JAVA_LONG_UNALIGNED, (long) cpu * cpuStride + offset, v);
    }

    public void setInt(int cpu, long offset, int v) {
        value.set(JAVA_INT_UNALIGNED, (long) cpu * cpuStride + offset, v);
    }

    /** Sets a field of the buffer, to be stored by {@link #write}. */
    public void setLong(long offset, long v) {
        value.set(JAVA_LONG_UNALIGNED, offset, v);
    }

    /** A view of the buffer's value (CPU 0's for a per-CPU map), valid until {@link #close}; read it after {@link #read}. */
    public StructView view(StructLayout layout) {
        return StructView.of(layout).point(value, 0);
    }

    <T> T read(long offset, RecordReader<T> reader) {
        return reader.read(value, offset);
    }

    /** Stores the buffer under {@code k} (BPF_ANY: create or replace). */
    public void write(int k) throws BpfException {
        key.set(JAVA_INT, 0, k);
        int err = (int) libbpf.mapUpdateElem.call(fd, key.address(), value.address(), 0);
        if (err < 0) {
            throw BpfException.of("update", map.name(), err);
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
