package org.ebpfagent.agent.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A map of a {@link BpfObject}: sized and seeded before load, read after. Owned by its object:
 * valid until the object is closed, and never closed by itself.
 */
public final class BpfMap {
    private final Libbpf libbpf;
    private final String name;
    private final MemorySegment map;
    private final BpfObject owner;

    BpfMap(Libbpf libbpf, String name, MemorySegment map, BpfObject owner) {
        this.libbpf = libbpf;
        this.name = name;
        this.map = map;
        this.owner = owner;
    }

    public String name() {
        return name;
    }

    public int keySize() {
        return call(libbpf.mapKeySize);
    }

    public int valueSize() {
        return call(libbpf.mapValueSize);
    }

    public int maxEntries() {
        return call(libbpf.mapMaxEntries);
    }

    /** The map's file descriptor once loaded; owned by the object. */
    public int fd() {
        if (!owner.isLoaded()) {
            throw new IllegalStateException("map " + name + ": object not loaded");
        }
        return call(libbpf.mapFd);
    }

    /** Resizes the map before load. */
    public void setMaxEntries(int entries) throws BpfException {
        int err;
        try {
            err = (int) libbpf.mapSetMaxEntries.invokeExact(map, entries);
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
        if (err < 0) {
            throw BpfException.of("resize", name, err);
        }
    }

    /**
     * Writes {@code bytes} at {@code offset} of a global-data map's (.rodata, .data) initial
     * value, before load. Fails unless the section is exactly {@code sectionSize} bytes: a layout
     * change on the C side must not silently shift what Java writes.
     */
    public void setInitialBytes(long offset, byte[] bytes, long sectionSize) throws BpfException {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment size = call.allocate(JAVA_LONG);
            MemorySegment data = (MemorySegment) libbpf.mapInitialValue.invokeExact(map, size);
            long actual = size.get(JAVA_LONG, 0);
            if (data.equals(MemorySegment.NULL) || actual != sectionSize) {
                throw new BpfException("configure", name, Errno.EINVAL,
                        "section is " + actual + " bytes, the agent expects " + sectionSize
                                + ": the object and the agent disagree on its layout");
            }
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, data.reinterpret(actual), offset, bytes.length);
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
    }

    /** A reusable buffer to look up single values of this map by an int key. */
    public MapValue newValueReader() {
        return new MapValue(libbpf, this);
    }

    private int call(java.lang.invoke.MethodHandle h) {
        try {
            return (int) h.invokeExact(map);
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
    }
}
