package org.ebpfagent.agent.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * One value of a map, read or written by key into a buffer allocated once ({@code bpf_map_lookup_elem}).
 * Created after the object is loaded. Used for small maps such as {@code .bss} counters;
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

    MapValue(Libbpf libbpf, BpfMap map) {
        this.libbpf = libbpf;
        this.map = map;
        this.fd = map.fd();
        this.key = arena.allocate(Math.max(8, map.keySize()), 8);
        this.value = arena.allocate(map.valueSize(), 8);
    }

    /** Reads the value stored under {@code k}; false if there is none. */
    public boolean read(int k) throws BpfException {
        key.set(JAVA_INT, 0, k);
        int err;
        try {
            err = (int) libbpf.mapLookupElem.invokeExact(fd, key, value);
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
        if (err == -Errno.ENOENT) {
            return false;
        }
        if (err < 0) {
            throw BpfException.of("lookup", map.name(), err);
        }
        return true;
    }

    public long longAt(long offset) {
        return value.get(JAVA_LONG, offset);
    }

    /** Sets a field of the buffer, to be stored by {@link #write}. */
    public void setLong(long offset, long v) {
        value.set(JAVA_LONG, offset, v);
    }

    /** Stores the buffer under {@code k} (BPF_ANY: create or replace). */
    public void write(int k) throws BpfException {
        key.set(JAVA_INT, 0, k);
        int err;
        try {
            err = (int) libbpf.mapUpdateElem.invokeExact(fd, key, value, 0L);
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
        if (err < 0) {
            throw BpfException.of("update", map.name(), err);
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
