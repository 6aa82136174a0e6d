package org.ebpfagent.agent.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A map of a {@link BpfObject}: sized and seeded before load, read after. Owned by its object:
 * valid until the object is closed, and never closed by itself.
 */
public final class BpfMap {
    /** Entries per bpf() call of the one-line reads. */
    private static final int ENTRIES_BATCH = 4096;
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
        return update(key, value, 1 /* BPF_NOEXIST */);
    }

    /** Adds or replaces an entry (BPF_ANY) of a loaded map; key and value are the C bytes, in native order. */
    public void put(byte[] key, byte[] value) throws BpfException {
        update(key, value, 0 /* BPF_ANY */);
    }

    private boolean update(byte[] key, byte[] value, int flags) throws BpfException {
        if (key.length != keySize() || value.length != valueSize()) {
            throw new IllegalArgumentException(name + ": key " + key.length + " / value " + value.length
                    + " bytes, the map has " + keySize() + " / " + valueSize());
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment k = call.allocate(key.length);
            MemorySegment v = call.allocate(value.length);
            MemorySegment.copy(MemorySegment.ofArray(key), 0, k, 0, key.length);
            MemorySegment.copy(MemorySegment.ofArray(value), 0, v, 0, value.length);
            int err = (int) libbpf.mapUpdateElem.call(fd(), k.address(), v.address(), flags);
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

    /** A map's key and value layouts, as {@link #bind} resolved them. */
    public record Layout(StructLayout key, StructLayout value) {}

    /**
     * Resolves the Java declarations of the map's key and value against the BTF the compiler
     * recorded for them: each declared member's offset (and, for arrays of structs, length) from
     * the BTF, its size checked against what Java reads it as, the struct's name against the
     * declaration's. Fails naming the map and every member that is missing or of another size.
     * Works from open on (the BTF is the object file's).
     */
    public Layout bind(CStruct key, CStruct value) throws BpfException {
        List<String> problems = new ArrayList<>();
        StructLayout k = resolve("key: ", call(libbpf.mapBtfKeyTypeId), keySize(), key, problems);
        StructLayout v = resolve("value: ", call(libbpf.mapBtfValueTypeId), valueSize(), value, problems);
        if (!problems.isEmpty()) {
            throw layoutError(problems);
        }
        return new Layout(k, v);
    }

    /**
     * Resolves the declaration of a global variable of this data-section map ({@code .rodata},
     * {@code .bss}, {@code .data.NAME}) against the section's BTF: the layout's base is the
     * variable's offset in the section. Fails unless the section's BTF size is the map's value
     * size, the variable exists, and its struct has the declared members at their declared sizes.
     */
    public StructLayout bindVariable(String variable, CStruct type) throws BpfException {
        List<String> problems = new ArrayList<>();
        Btf btf = btf();
        int section = btf == null ? -1 : btf.find(name, Btf.DATASEC);
        if (section < 0) {
            throw layoutError(List.of("no BTF data section " + name));
        }
        long size = btf.size(section);
        if (size != valueSize()) {
            problems.add("section " + name + " is " + size + " bytes in BTF, " + valueSize() + " in the map");
        }
        for (Btf.Var var : btf.vars(section)) {
            if (var.name().equals(variable)) {
                StructLayout layout = StructLayout.bind(btf, var.type(), type, var.offset(), variable + ": ", problems);
                if (!problems.isEmpty()) {
                    throw layoutError(problems);
                }
                return layout;
            }
        }
        problems.add("section " + name + " has no variable " + variable);
        throw layoutError(problems);
    }

    /**
     * A writable view of a variable in this data section's initial value, to configure it before
     * load (libbpf copies it into the map at load); {@code layout} from {@link #bindVariable}.
     */
    public StructView initialValue(StructLayout layout) throws BpfException {
        if (owner.isLoaded()) {
            throw new IllegalStateException("map " + name + ": initial value set after load");
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment size = call.allocate(JAVA_LONG);
            long data = libbpf.mapInitialValue.call(map.address(), size.address());
            long actual = size.get(JAVA_LONG, 0);
            if (data == 0 || layout.base() + layout.size() > actual) {
                throw new BpfException("configure", name, Errno.EINVAL, "section is " + actual
                        + " bytes, " + layout + " does not fit in it");
            }
            return StructView.of(layout).point(MemorySegment.ofAddress(data).reinterpret(actual), 0);
        }
    }

    /**
     * Reads the whole map (batch lookups) into a list of entries in one line, keys and values as
     * {@code keyType} and {@code valueType}: records whose components are matched to the BTF
     * struct's members by name, or boxed numbers for scalar keys and values (the rules are
     * RecordReader's). For a per-CPU map, use {@link #perCpuEntries}. Allocates the entries and a
     * reader per call: for the agent's polls use a {@link MapBatchReader} with a {@link StructView}.
     *
     * @throws BpfException ("check layout") naming the map, record, component and BTF type if a
     *         component has no member or does not fit it; or if a read fails
     */
    public <K, V> List<MapEntry<K, V>> entries(Class<K> keyType, Class<V> valueType) throws BpfException {
        if (isPerCpu()) {
            throw new IllegalStateException("map " + name + " is per-CPU: read it with perCpuEntries");
        }
        RecordReader<K> keys = reader("key: ", libbpf.mapBtfKeyTypeId, keySize(), keyType);
        RecordReader<V> values = reader("value: ", libbpf.mapBtfValueTypeId, valueSize(), valueType);
        try (MapBatchReader batch = MapBatchReader.lookup(this, ENTRIES_BATCH)) {
            int n = batch.readAll();
            List<MapEntry<K, V>> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(new MapEntry<>(batch.key(i, keys), batch.value(i, 0, values)));
            }
            return out;
        }
    }

    /** As {@link #entries}, for a per-CPU map: each key with every possible CPU's value, in CPU order. */
    public <K, V> List<MapEntry<K, List<V>>> perCpuEntries(Class<K> keyType, Class<V> valueType) throws BpfException {
        if (!isPerCpu()) {
            throw new IllegalStateException("map " + name + " is not per-CPU: read it with entries");
        }
        RecordReader<K> keys = reader("key: ", libbpf.mapBtfKeyTypeId, keySize(), keyType);
        RecordReader<V> values = reader("value: ", libbpf.mapBtfValueTypeId, valueSize(), valueType);
        try (MapBatchReader batch = MapBatchReader.lookup(this, ENTRIES_BATCH)) {
            int n = batch.readAll();
            List<MapEntry<K, List<V>>> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                List<V> perCpu = new ArrayList<>(batch.cpus());
                for (int cpu = 0; cpu < batch.cpus(); cpu++) {
                    perCpu.add(batch.value(i, cpu, values));
                }
                out.add(new MapEntry<>(batch.key(i, keys), List.copyOf(perCpu)));
            }
            return out;
        }
    }

    /**
     * Reads global variable {@code variable} of this loaded data-section map ({@code .bss},
     * {@code .data.NAME}) into {@code type}, as {@link #entries} reads values.
     */
    public <T> T variable(String variable, Class<T> type) throws BpfException {
        Btf btf = btf();
        int section = btf == null ? -1 : btf.find(name, Btf.DATASEC);
        Btf.Var var = section < 0 ? null
                : btf.vars(section).stream().filter(v -> v.name().equals(variable)).findFirst().orElse(null);
        if (var == null) {
            throw layoutError(List.of("no variable " + variable + " in BTF data section " + name));
        }
        RecordReader<T> reader;
        try {
            reader = owner.reader(btf, var.type(), (int) btf.size(var.type()), type);
        } catch (IllegalArgumentException e) {
            throw layoutError(List.of(variable + ": " + e.getMessage()));
        }
        try (MapValue value = newValueReader()) {
            if (!value.read(0)) {
                throw BpfException.of("lookup", name, Errno.ENOENT);
            }
            return value.read(var.offset(), reader);
        }
    }

    private <T> RecordReader<T> reader(String role, CFunction typeIdOf, int size, Class<T> type) throws BpfException {
        int typeId = call(typeIdOf);
        try {
            return owner.reader(typeId == 0 ? null : btf(), typeId, size, type);
        } catch (IllegalArgumentException e) {
            throw layoutError(List.of(role + e.getMessage()));
        }
    }

    private StructLayout resolve(String role, int typeId, int mapSize, CStruct java, List<String> problems) {
        if (typeId == 0) {
            // A map declared with sizes only (__uint(key_size, ...)): its size is all there is.
            if (!java.isScalar()) {
                problems.add(role + "no BTF type to find the members of " + java + " in");
            } else if (mapSize != java.scalarSize()) {
                problems.add(role + mapSize + " bytes in the map, the agent reads " + java.scalarSize() + " (" + java.name() + ")");
            }
            return java.isScalar() ? StructLayout.scalar(java, mapSize) : null;
        }
        Btf btf = btf();
        long size = btf.size(typeId);
        if (size != mapSize) {
            problems.add(role + mapSize + " bytes in the map, " + size + " in BTF " + btf.describe(typeId));
        }
        return StructLayout.bind(btf, typeId, java, 0, role, problems);
    }

    private Btf btf() {
        return Btf.of(libbpf, owner);
    }

    private BpfException layoutError(List<String> problems) {
        return new BpfException("check layout", "map " + name, Errno.EINVAL, summary(problems));
    }

    /** Joins problems into one hint, the first few in full. */
    private static String summary(List<String> problems) {
        int shown = 4;
        if (problems.size() <= shown) {
            return String.join("; ", problems);
        }
        return String.join("; ", problems.subList(0, shown)) + "; and " + (problems.size() - shown) + " more";
    }

    /** A reusable buffer to look up single values of this map by an int key. */
    public MapValue newValueReader() {
        return new MapValue(libbpf, this);
    }

    private int call(CFunction f) {
        return (int) f.call(map.address());
    }
}
