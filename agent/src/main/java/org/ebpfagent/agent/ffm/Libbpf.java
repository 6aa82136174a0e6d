package org.ebpfagent.agent.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Downcall handles for the libbpf 1.x functions the agent uses, bound to the system's
 * {@code libbpf.so.1} once per JVM. libbpf 1.x returns {@code -errno} from int functions and NULL
 * with errno set from pointer functions; the latter capture errno.
 */
final class Libbpf {
    static final String DEFAULT_LIBRARY = "libbpf.so.1";
    private static volatile String library = DEFAULT_LIBRARY;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    final MethodHandle objectOpenMem;      // (state, buf, size, opts) -> bpf_object*
    final MethodHandle objectLoad;         // (obj) -> int
    final MethodHandle objectClose;        // (obj) -> void
    final MethodHandle objectFindProgram;  // (obj, name) -> bpf_program*
    final MethodHandle objectNextProgram;  // (obj, prev) -> bpf_program*
    final MethodHandle objectFindMap;      // (obj, name) -> bpf_map*
    final MethodHandle programName;        // (prog) -> char*
    final MethodHandle programSetAutoload; // (prog, bool) -> int
    final MethodHandle programAutoload;    // (prog) -> bool
    final MethodHandle programFd;          // (prog) -> int
    final MethodHandle programAttach;      // (state, prog) -> bpf_link*
    final MethodHandle linkDestroy;        // (link) -> int
    final MethodHandle mapFd;              // (map) -> int
    final MethodHandle mapKeySize;         // (map) -> u32
    final MethodHandle mapValueSize;       // (map) -> u32
    final MethodHandle mapMaxEntries;      // (map) -> u32
    final MethodHandle mapSetMaxEntries;   // (map, u32) -> int
    final MethodHandle mapInitialValue;    // (map, size_t*) -> void*
    final MethodHandle mapLookupElem;      // (fd, key, value) -> int
    final MethodHandle mapUpdateElem;      // (fd, key, value, flags) -> int
    final MethodHandle mapLookupAndDeleteElem; // (fd, key, value) -> int
    final MethodHandle mapSetAutocreate;   // (map, bool) -> int
    final MethodHandle mapLookupBatch;     // (fd, in, out, keys, values, count*, opts) -> int
    final MethodHandle mapLookupAndDeleteBatch;
    final MethodHandle mapDeleteBatch;     // (fd, keys, count*, opts) -> int
    final MethodHandle progTestRunOpts;    // (fd, opts) -> int
    final MethodHandle objGetInfoByFd;     // (fd, info, len*) -> int
    final MethodHandle setPrint;           // (fn) -> fn
    final MethodHandle mapType;            // (map) -> enum bpf_map_type
    final MethodHandle mapBtfKeyTypeId;    // (map) -> u32
    final MethodHandle mapBtfValueTypeId;  // (map) -> u32
    final MethodHandle mapGetNextKey;      // (fd, key, next) -> int
    final MethodHandle objectBtf;          // (obj) -> struct btf*
    final MethodHandle btfTypeById;        // (btf, id) -> const struct btf_type*
    final MethodHandle btfNameByOffset;    // (btf, offset) -> const char*
    final MethodHandle btfResolveSize;     // (btf, id) -> s64
    final MethodHandle numPossibleCpus;    // () -> int

    private static volatile Libbpf instance;

    private Libbpf(SymbolLookup lib) {
        var ptr = ADDRESS;
        var state = Linker.Option.captureCallState("errno");
        objectOpenMem = bind(lib, "bpf_object__open_mem", FunctionDescriptor.of(ptr, ptr, JAVA_LONG, ptr), state);
        objectLoad = bind(lib, "bpf_object__load", FunctionDescriptor.of(JAVA_INT, ptr));
        objectClose = bind(lib, "bpf_object__close", FunctionDescriptor.ofVoid(ptr));
        objectFindProgram = bind(lib, "bpf_object__find_program_by_name", FunctionDescriptor.of(ptr, ptr, ptr));
        objectNextProgram = bind(lib, "bpf_object__next_program", FunctionDescriptor.of(ptr, ptr, ptr));
        objectFindMap = bind(lib, "bpf_object__find_map_by_name", FunctionDescriptor.of(ptr, ptr, ptr));
        programName = bind(lib, "bpf_program__name", FunctionDescriptor.of(ptr, ptr));
        programSetAutoload = bind(lib, "bpf_program__set_autoload", FunctionDescriptor.of(JAVA_INT, ptr, JAVA_BOOLEAN));
        programAutoload = bind(lib, "bpf_program__autoload", FunctionDescriptor.of(JAVA_BOOLEAN, ptr));
        programFd = bind(lib, "bpf_program__fd", FunctionDescriptor.of(JAVA_INT, ptr));
        programAttach = bind(lib, "bpf_program__attach", FunctionDescriptor.of(ptr, ptr), state);
        linkDestroy = bind(lib, "bpf_link__destroy", FunctionDescriptor.of(JAVA_INT, ptr));
        mapFd = bind(lib, "bpf_map__fd", FunctionDescriptor.of(JAVA_INT, ptr));
        mapKeySize = bind(lib, "bpf_map__key_size", FunctionDescriptor.of(JAVA_INT, ptr));
        mapValueSize = bind(lib, "bpf_map__value_size", FunctionDescriptor.of(JAVA_INT, ptr));
        mapMaxEntries = bind(lib, "bpf_map__max_entries", FunctionDescriptor.of(JAVA_INT, ptr));
        mapSetMaxEntries = bind(lib, "bpf_map__set_max_entries", FunctionDescriptor.of(JAVA_INT, ptr, JAVA_INT));
        mapInitialValue = bind(lib, "bpf_map__initial_value", FunctionDescriptor.of(ptr, ptr, ptr));
        mapLookupElem = bind(lib, "bpf_map_lookup_elem", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ptr, ptr));
        mapUpdateElem = bind(lib, "bpf_map_update_elem", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ptr, ptr, JAVA_LONG));
        mapLookupAndDeleteElem = bind(lib, "bpf_map_lookup_and_delete_elem", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ptr, ptr));
        mapSetAutocreate = bind(lib, "bpf_map__set_autocreate", FunctionDescriptor.of(JAVA_INT, ptr, JAVA_BOOLEAN));
        var batch = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ptr, ptr, ptr, ptr, ptr, ptr);
        mapLookupBatch = bind(lib, "bpf_map_lookup_batch", batch);
        mapLookupAndDeleteBatch = bind(lib, "bpf_map_lookup_and_delete_batch", batch);
        mapDeleteBatch = bind(lib, "bpf_map_delete_batch", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ptr, ptr, ptr));
        progTestRunOpts = bind(lib, "bpf_prog_test_run_opts", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ptr));
        objGetInfoByFd = bind(lib, "bpf_obj_get_info_by_fd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ptr, ptr));
        setPrint = bind(lib, "libbpf_set_print", FunctionDescriptor.of(ptr, ptr));
        mapType = bind(lib, "bpf_map__type", FunctionDescriptor.of(JAVA_INT, ptr));
        mapBtfKeyTypeId = bind(lib, "bpf_map__btf_key_type_id", FunctionDescriptor.of(JAVA_INT, ptr));
        mapBtfValueTypeId = bind(lib, "bpf_map__btf_value_type_id", FunctionDescriptor.of(JAVA_INT, ptr));
        mapGetNextKey = bind(lib, "bpf_map_get_next_key", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ptr, ptr));
        objectBtf = bind(lib, "bpf_object__btf", FunctionDescriptor.of(ptr, ptr));
        btfTypeById = bind(lib, "btf__type_by_id", FunctionDescriptor.of(ptr, ptr, JAVA_INT));
        btfNameByOffset = bind(lib, "btf__name_by_offset", FunctionDescriptor.of(ptr, ptr, JAVA_INT));
        btfResolveSize = bind(lib, "btf__resolve_size", FunctionDescriptor.of(JAVA_LONG, ptr, JAVA_INT));
        numPossibleCpus = bind(lib, "libbpf_num_possible_cpus", FunctionDescriptor.of(JAVA_INT));
    }

    private int possibleCpus;

    /**
     * CPUs the kernel may ever bring online (not those online now): a per-CPU map holds one value
     * for each, and a read of one key copies them all.
     */
    int possibleCpus() {
        if (possibleCpus == 0) {
            int n;
            try {
                n = (int) numPossibleCpus.invokeExact();
            } catch (Throwable t) {
                throw rethrow(t);
            }
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
        return (int) ERRNO.get(callState, 0L);
    }

    private static MethodHandle bind(SymbolLookup lib, String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment symbol = lib.find(name).orElseThrow(() -> new java.util.NoSuchElementException(name));
        return LINKER.downcallHandle(symbol, fd, options);
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
