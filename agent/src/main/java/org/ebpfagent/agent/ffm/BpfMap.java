package org.ebpfagent.agent.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
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
        int err = (int) libbpf.mapSetMaxEntries.call(map.address(), entries);
        if (err < 0) {
            throw BpfException.of("resize", name, err);
        }
    }

    /**
     * Whether load creates the map (default yes). A map that only programs left unloaded use need
     * not exist, nor be supported by the kernel.
     */
    public void setAutocreate(boolean create) throws BpfException {
        int err = (int) libbpf.mapSetAutocreate.call(map.address(), create ? 1 : 0);
        if (err < 0) {
            throw BpfException.of("set autocreate", name, err);
        }
    }

    /** Pushes 4-byte values onto a loaded stack or queue map, in order. */
    public void push(int... ints) throws BpfException {
        int fd = fd();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment value = call.allocate(JAVA_INT);
            for (int v : ints) {
                value.set(JAVA_INT, 0, v);
                int err = (int) libbpf.mapUpdateElem.call(fd, 0, value.address(), 0);
                if (err < 0) {
                    throw BpfException.of("push", name, err);
                }
            }
        }
    }

    /**
     * Adds an entry unless its key exists (BPF_NOEXIST) to a loaded map; key and value are the
     * C bytes, in native order. Returns false if the key existed already.
     */
    public boolean putIfAbsent(byte[] key, byte[] value) throws BpfException {
        if (key.length != keySize() || value.length != valueSize()) {
            throw new IllegalArgumentException(name + ": key " + key.length + " / value " + value.length
                    + " bytes, the map has " + keySize() + " / " + valueSize());
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment k = call.allocate(key.length);
            MemorySegment v = call.allocate(value.length);
            MemorySegment.copy(MemorySegment.ofArray(key), 0, k, 0, key.length);
            MemorySegment.copy(MemorySegment.ofArray(value), 0, v, 0, value.length);
            int err = (int) libbpf.mapUpdateElem.call(fd(), k.address(), v.address(), 1 /* BPF_NOEXIST */);
            if (err == -Errno.EEXIST) {
                return false;
            }
            if (err < 0) {
                throw BpfException.of("update", name, err);
            }
            return true;
        }
    }

    /** Pops every 4-byte value of a loaded stack or queue map until it is empty; returns them in pop order. */
    public int[] popAll() throws BpfException {
        int[] out = new int[16];
        int n = 0;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment value = call.allocate(JAVA_INT);
            while (true) {
                int err = (int) libbpf.mapLookupAndDeleteElem.call(fd(), 0, value.address());
                if (err == -Errno.ENOENT) {
                    return java.util.Arrays.copyOf(out, n);
                }
                if (err < 0) {
                    throw BpfException.of("pop", name, err);
                }
                if (n == out.length) {
                    out = java.util.Arrays.copyOf(out, n * 2);
                }
                out[n++] = value.get(JAVA_INT, 0);
            }
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
            long data = libbpf.mapInitialValue.call(map.address(), size.address());
            long actual = size.get(JAVA_LONG, 0);
            if (data == 0 || actual != sectionSize) {
                throw new BpfException("configure", name, Errno.EINVAL,
                        "section is " + actual + " bytes, the agent expects " + sectionSize
                                + ": the object and the agent disagree on its layout");
            }
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, MemorySegment.ofAddress(data).reinterpret(actual),
                    offset, bytes.length);
        }
    }

    /** The map's {@code enum bpf_map_type} value ({@code BPF_MAP_TYPE_HASH} is 1, and so on). */
    public int type() {
        return call(libbpf.mapType);
    }

    /** True for the map types that hold one value per possible CPU under each key. */
    public boolean isPerCpu() {
        return switch (type()) {
            case MapTypes.PERCPU_HASH, MapTypes.PERCPU_ARRAY, MapTypes.LRU_PERCPU_HASH,
                 MapTypes.PERCPU_CGROUP_STORAGE -> true;
            default -> false;
        };
    }

    /** CPUs whose values a per-CPU map holds under each key (the possible CPUs); 1 for other maps. */
    public int valueCpus() {
        return isPerCpu() ? libbpf.possibleCpus() : 1;
    }

    /**
     * Bytes between one CPU's value and the next in what the kernel copies out for a per-CPU map
     * (the value size rounded up to 8); the value size for other maps.
     */
    public int cpuStride() {
        return isPerCpu() ? (valueSize() + 7) & ~7 : valueSize();
    }

    /** Bytes the kernel copies out per key: every CPU's value for a per-CPU map. */
    public int entryValueBytes() {
        return cpuStride() * valueCpus();
    }

    /**
     * Checks the map's key and value against the Java declarations of their C types, using the
     * BTF the compiler recorded for them: total size, then each declared field's offset and size.
     * Fails with every mismatch named (map, field, both offsets); returns this map so the check
     * and its use read as one line. Works from open on (the BTF is the object file's).
     */
    public BpfMap bind(CStruct key, CStruct value) throws BpfException {
        java.util.List<String> problems = new java.util.ArrayList<>();
        check("key", call(libbpf.mapBtfKeyTypeId), keySize(), key, problems);
        check("value", call(libbpf.mapBtfValueTypeId), valueSize(), value, problems);
        if (!problems.isEmpty()) {
            throw new BpfException("check layout", "map " + name, Errno.EINVAL, BtfLayoutCheck.summary(problems));
        }
        return this;
    }

    private void check(String role, int typeId, int mapSize, CStruct java, java.util.List<String> problems) {
        if (typeId == 0) {
            // A map declared with sizes only (__uint(key_size, ...)): its size is all there is.
            if (mapSize != java.size()) {
                problems.add(role + " is " + mapSize + " bytes in the map, " + java.size() + " in " + java.name());
            }
            if (!java.fields().isEmpty()) {
                problems.add(role + " has no BTF type to check the fields of " + java.name() + " against");
            }
            return;
        }
        MemorySegment btf = MemorySegment.ofAddress(libbpf.objectBtf.call(owner.object().address()));
        for (String p : new BtfLayoutCheck(libbpf, btf).compare(typeId, java)) {
            problems.add(role + ": " + p);
        }
    }

    /** A reusable buffer to look up single values of this map by an int key. */
    public MapValue newValueReader() {
        return new MapValue(libbpf, this);
    }

    private int call(CFunction f) {
        return (int) f.call(map.address());
    }
}
