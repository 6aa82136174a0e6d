package org.ebpfagent.agent.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The libbpf 1.x functions the agent uses, bound to the system's {@code libbpf.so.1} once per
 * JVM, each called through {@link CFunction}. libbpf 1.x returns {@code -errno} from int
 * functions and NULL with errno set from pointer functions; the latter capture errno.
 */
final class Libbpf {
    static final String DEFAULT_LIBRARY = "libbpf.so.1";
    private static volatile String library = DEFAULT_LIBRARY;

    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final long ERRNO = CALL_STATE.byteOffset(MemoryLayout.PathElement.groupElement("errno"));

    final CFunction objectOpenMem;      // (buf, size, opts) -> bpf_object*, errno
    final CFunction objectLoad;         // (obj) -> int
    final CFunction objectClose;        // (obj) -> void
    final CFunction objectFindProgram;  // (obj, name) -> bpf_program*
    final CFunction objectNextProgram;  // (obj, prev) -> bpf_program*
    final CFunction objectFindMap;      // (obj, name) -> bpf_map*
    final CFunction programName;        // (prog) -> char*
    final CFunction programSetAutoload; // (prog, bool) -> int
    final CFunction programAutoload;    // (prog) -> bool
    final CFunction objectNextMap;      // (obj, prev) -> bpf_map*
    final CFunction mapAutocreate;      // (map) -> bool
    final CFunction mapSetInitialValue; // (map, data, size) -> int
    final CFunction programFd;          // (prog) -> int
    final CFunction programAttach;      // (prog) -> bpf_link*, errno
    final CFunction programAttachIter;  // (prog, opts) -> bpf_link*, errno
    final CFunction linkDestroy;        // (link) -> int
    final CFunction linkFd;             // (link) -> int
    final CFunction iterCreate;         // (link fd) -> int fd or -errno
    final CFunction mapFd;              // (map) -> int
    final CFunction mapKeySize;         // (map) -> u32
    final CFunction mapValueSize;       // (map) -> u32
    final CFunction mapMaxEntries;      // (map) -> u32
    final CFunction mapSetMaxEntries;   // (map, u32) -> int
    final CFunction mapInitialValue;    // (map, size_t*) -> void*
    final CFunction mapLookupElem;      // (fd, key, value) -> int
    final CFunction mapUpdateElem;      // (fd, key, value, flags) -> int
    final CFunction mapLookupAndDeleteElem; // (fd, key, value) -> int
    final CFunction mapSetAutocreate;   // (map, bool) -> int
    final CFunction mapLookupBatch;     // (fd, in, out, keys, values, count*, opts) -> int
    final CFunction mapLookupAndDeleteBatch;
    final CFunction mapDeleteBatch;     // (fd, keys, count*, opts) -> int
    final CFunction progTestRunOpts;    // (fd, opts) -> int
    final CFunction objGetInfoByFd;     // (fd, info, len*) -> int
    final CFunction setPrint;           // (fn) -> fn
    final CFunction mapType;            // (map) -> enum bpf_map_type
    final CFunction mapBtfKeyTypeId;    // (map) -> u32
    final CFunction mapBtfValueTypeId;  // (map) -> u32
    final CFunction mapGetNextKey;      // (fd, key, next) -> int
    final CFunction objectBtf;          // (obj) -> struct btf*
    final CFunction btfTypeById;        // (btf, id) -> const struct btf_type*
    final CFunction btfNameByOffset;    // (btf, offset) -> const char*
    final CFunction btfResolveSize;     // (btf, id) -> s64
    final CFunction btfFindByNameKind;  // (btf, name, kind) -> s32 id or -errno
    final CFunction numPossibleCpus;    // () -> int

    private static volatile Libbpf instance;

    private Libbpf(SymbolLookup lib) {
        objectOpenMem = CFunction.find(lib, "bpf_object__open_mem");
        objectLoad = CFunction.find(lib, "bpf_object__load");
        objectClose = CFunction.find(lib, "bpf_object__close");
        objectFindProgram = CFunction.find(lib, "bpf_object__find_program_by_name");
        objectNextProgram = CFunction.find(lib, "bpf_object__next_program");
        objectFindMap = CFunction.find(lib, "bpf_object__find_map_by_name");
        programName = CFunction.find(lib, "bpf_program__name");
        programSetAutoload = CFunction.find(lib, "bpf_program__set_autoload");
        programAutoload = CFunction.find(lib, "bpf_program__autoload");
        objectNextMap = CFunction.find(lib, "bpf_object__next_map");
        mapAutocreate = CFunction.find(lib, "bpf_map__autocreate");
        mapSetInitialValue = CFunction.find(lib, "bpf_map__set_initial_value");
        programFd = CFunction.find(lib, "bpf_program__fd");
        programAttach = CFunction.find(lib, "bpf_program__attach");
        programAttachIter = CFunction.find(lib, "bpf_program__attach_iter");
        linkDestroy = CFunction.find(lib, "bpf_link__destroy");
        linkFd = CFunction.find(lib, "bpf_link__fd");
        iterCreate = CFunction.find(lib, "bpf_iter_create");
        mapFd = CFunction.find(lib, "bpf_map__fd");
        mapKeySize = CFunction.find(lib, "bpf_map__key_size");
        mapValueSize = CFunction.find(lib, "bpf_map__value_size");
        mapMaxEntries = CFunction.find(lib, "bpf_map__max_entries");
        mapSetMaxEntries = CFunction.find(lib, "bpf_map__set_max_entries");
        mapInitialValue = CFunction.find(lib, "bpf_map__initial_value");
        mapLookupElem = CFunction.find(lib, "bpf_map_lookup_elem");
        mapUpdateElem = CFunction.find(lib, "bpf_map_update_elem");
        mapLookupAndDeleteElem = CFunction.find(lib, "bpf_map_lookup_and_delete_elem");
        mapSetAutocreate = CFunction.find(lib, "bpf_map__set_autocreate");
        mapLookupBatch = CFunction.find(lib, "bpf_map_lookup_batch");
        mapLookupAndDeleteBatch = CFunction.find(lib, "bpf_map_lookup_and_delete_batch");
        mapDeleteBatch = CFunction.find(lib, "bpf_map_delete_batch");
        progTestRunOpts = CFunction.find(lib, "bpf_prog_test_run_opts");
        objGetInfoByFd = CFunction.find(lib, "bpf_obj_get_info_by_fd");
        setPrint = CFunction.find(lib, "libbpf_set_print");
        mapType = CFunction.find(lib, "bpf_map__type");
        mapBtfKeyTypeId = CFunction.find(lib, "bpf_map__btf_key_type_id");
        mapBtfValueTypeId = CFunction.find(lib, "bpf_map__btf_value_type_id");
        mapGetNextKey = CFunction.find(lib, "bpf_map_get_next_key");
        objectBtf = CFunction.find(lib, "bpf_object__btf");
        btfTypeById = CFunction.find(lib, "btf__type_by_id");
        btfNameByOffset = CFunction.find(lib, "btf__name_by_offset");
        btfResolveSize = CFunction.find(lib, "btf__resolve_size");
        btfFindByNameKind = CFunction.find(lib, "btf__find_by_name_kind");
        numPossibleCpus = CFunction.find(lib, "libbpf_num_possible_cpus");
    }

    private int possibleCpus;

    /**
     * CPUs the kernel may ever bring online (not those online now): a per-CPU map holds one value
     * for each, and a read of one key copies them all.
     */
    int possibleCpus() {
        if (possibleCpus == 0) {
            int n = (int) numPossibleCpus.call();
            if (n <= 0) {
                throw new IllegalStateException("libbpf_num_possible_cpus: " + Errno.name(n));
            }
            possibleCpus = n;
        }
        return possibleCpus;
    }

    /** Chooses the library (a name on the loader's path, or a file path) before first use. */
    static void use(String nameOrPath) {
        library = nameOrPath;
    }

    /** Binds libbpf on first use; later calls return the same bindings. */
    static Libbpf get() throws BpfException {
        Libbpf l = instance;
        if (l != null) {
            return l;
        }
        synchronized (Libbpf.class) {
            if (instance == null) {
                SymbolLookup lib;
                try {
                    lib = library.contains("/")
                            ? SymbolLookup.libraryLookup(java.nio.file.Path.of(library), Arena.global())
                            : SymbolLookup.libraryLookup(library, Arena.global());
                } catch (IllegalArgumentException e) {
                    throw new BpfException("load library", library, Errno.ENOENT,
                            "install libbpf >= 1.1: apt-get install libbpf1, dnf install libbpf");
                }
                try {
                    instance = new Libbpf(lib);
                } catch (java.util.NoSuchElementException e) {
                    throw new BpfException("bind", library, Errno.ENOSYS, "libbpf too old, needs >= 1.1: " + e.getMessage());
                }
                LibbpfLog.install(instance);
            }
            return instance;
        }
    }

    /** A segment holding the errno a capturing downcall leaves behind. */
    static MemorySegment callState(Arena arena) {
        return arena.allocate(CALL_STATE);
    }

    static int errno(MemorySegment callState) {
        return callState.get(JAVA_INT, ERRNO);
    }

    /** Rethrows what a downcall threw; downcalls themselves throw only on misuse of the binding. */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
