package org.ebpfagent.agent.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * One libbpf {@code bpf_object}: opened from an ELF image in memory, configured, loaded, then used
 * to attach programs and find maps. Lifecycle: {@link #open}, configure ({@link #setAutoload},
 * {@link BpfMap#setMaxEntries}, {@link BpfMap#initialValue}), {@link #load}, {@link #attach},
 * {@link #close}. Owns every map and program fd libbpf created for it; links must be closed first.
 */
public final class BpfObject implements AutoCloseable {
    private final Libbpf libbpf;
    private final Arena arena = Arena.ofShared();
    private final String name;
    private MemorySegment object;
    private boolean loaded;
    /** The image, to repeat a failed load on a copy ({@link #explainLoad}); dropped once loaded. */
    private byte[] elf;
    /** Record readers by BTF type, size and class: built (and checked) once per object. */
    private final Map<List<Object>, RecordReader<?>> readers = new ConcurrentHashMap<>();

    private BpfObject(Libbpf libbpf, String name, MemorySegment object, byte[] elf) {
        this.libbpf = libbpf;
        this.name = name;
        this.object = object;
        this.elf = elf;
    }

    /** Opens (parses, does not load) an object file image; {@code name} appears in errors and logs. */
    public static BpfObject open(String name, byte[] elf) throws BpfException {
        Libbpf libbpf = Libbpf.get();
        try (Arena call = Arena.ofConfined()) {
            // libbpf keeps no pointer into the image after open: it copies what it needs.
            MemorySegment image = call.allocate(elf.length, 8);
            image.copyFrom(MemorySegment.ofArray(elf));
            MemorySegment opts = call.allocate(16, 8); // bpf_object_open_opts up to object_name
            opts.set(JAVA_LONG, 0, 16);
            opts.set(ADDRESS, 8, call.allocateFrom(name));
            MemorySegment state = Libbpf.callState(call);
            LibbpfLog.clearWarnings();
            long obj = libbpf.objectOpenMem.callErrno(state, image.address(), elf.length, opts.address(), 0, 0, 0);
            if (obj == 0) {
                throw BpfException.of("open", name, Libbpf.errno(state));
            }
            return new BpfObject(libbpf, name, MemorySegment.ofAddress(obj), elf);
        }
    }

    public String name() {
        return name;
    }

    /** Names of all programs in the object, in ELF order. */
    public List<String> programNames() {
        List<String> names = new ArrayList<>();
        long prog = 0;
        while ((prog = libbpf.objectNextProgram.call(object().address(), prog)) != 0) {
            names.add(MemorySegment.ofAddress(libbpf.programName.call(prog)).reinterpret(256).getString(0));
        }
        return names;
    }

    /** Chooses whether {@link #load} loads a program; only before load. */
    public void setAutoload(String program, boolean autoload) throws BpfException {
        int err = (int) libbpf.programSetAutoload.call(program(program), autoload ? 1 : 0);
        if (err < 0) {
            throw BpfException.of("set autoload", program, err);
        }
    }

    /** A map of this object by name ({@code .rodata} and {@code .bss} included). */
    public BpfMap map(String mapName) throws BpfException {
        long map;
        try (Arena call = Arena.ofConfined()) {
            map = libbpf.objectFindMap.call(object().address(), call.allocateFrom(mapName).address());
        }
        if (map == 0) {
            throw BpfException.of("find map", mapName + " in " + name, Errno.ENOENT);
        }
        return new BpfMap(libbpf, mapName, MemorySegment.ofAddress(map), this);
    }

    /**
     * Resolves the declaration of a struct that is no map's key or value (a ring-buffer record)
     * against this object's BTF, by the struct's name. Fails naming the struct and every member
     * that is missing or of another size.
     */
    public StructLayout bindStruct(CStruct type) throws BpfException {
        Btf btf = Btf.of(libbpf, this);
        int id = btf != null ? btf.find(type.name(), Btf.STRUCT) : -1;
        if (id < 0) {
            throw new BpfException("check layout", "struct " + type.name() + " in " + name, Errno.ENOENT,
                    "the object's BTF has no struct " + type.name());
        }
        java.util.List<String> problems = new java.util.ArrayList<>();
        StructLayout layout = StructLayout.bind(btf, id, type, 0, "", problems);
        if (!problems.isEmpty()) {
            throw new BpfException("check layout", "struct " + type.name() + " in " + name, Errno.EINVAL,
                    String.join("; ", problems));
        }
        return layout;
    }

    /** Loads every program still set to autoload, relocating CO-RE against the kernel's BTF. */
    public void load() throws BpfException {
        LibbpfLog.clearWarnings();
        int err = (int) libbpf.objectLoad.call(object().address());
        if (err < 0) {
            if (LibbpfLog.route(libbpf)) {
                explainLoad();
            }
            throw withLibbpfReason("load", name, err);
        }
        loaded = true;
        elf = null;
    }

    /**
     * The load failed while libbpf was silent: loads a copy of the object, configured as this one
     * was, with libbpf's messages now routed to the agent, so that the failure can quote libbpf's
     * reason. libbpf loads an object only once, hence the copy; it fails as the original did.
     */
    private void explainLoad() {
        try (BpfObject copy = open(name, elf)) {
            copy.configureLike(this);
            copy.load();
        } catch (BpfException | RuntimeException e) {
            // the copy's failure has left libbpf's reason in LibbpfLog
        }
    }

    /**
     * Gives this object, opened from the same image as {@code original}, the configuration that
     * libbpf holds for {@code original}: which programs load, and each map's creation, size and
     * initial data.
     */
    private void configureLike(BpfObject original) {
        long from = 0;
        long to = 0;
        while ((from = libbpf.objectNextProgram.call(original.object().address(), from)) != 0
                && (to = libbpf.objectNextProgram.call(object().address(), to)) != 0) {
            libbpf.programSetAutoload.call(to, (byte) libbpf.programAutoload.call(from));
        }
        from = 0;
        to = 0;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment size = call.allocate(JAVA_LONG);
            while ((from = libbpf.objectNextMap.call(original.object().address(), from)) != 0
                    && (to = libbpf.objectNextMap.call(object().address(), to)) != 0) {
                libbpf.mapSetAutocreate.call(to, (byte) libbpf.mapAutocreate.call(from));
                libbpf.mapSetMaxEntries.call(to, (int) libbpf.mapMaxEntries.call(from));
                long data = libbpf.mapInitialValue.call(from, size.address());
                if (data != 0) {
                    libbpf.mapSetInitialValue.call(to, data, size.get(JAVA_LONG, 0));
                }
            }
        }
    }

    /** Attaches a loaded program where its section name says (tp_btf/..., raw_tp/...). */
    public BpfLink attach(String program) throws BpfException {
        requireLoaded("attach " + program);
        LibbpfLog.clearWarnings();
        long prog = program(program);
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = Libbpf.callState(call);
            long link = libbpf.programAttach.callErrno(state, prog, 0, 0, 0, 0, 0);
            if (link == 0 && LibbpfLog.route(libbpf)) { // libbpf was silent: once more, to hear why
                link = libbpf.programAttach.callErrno(state, prog, 0, 0, 0, 0, 0);
            }
            if (link == 0) {
                throw withLibbpfReason("attach", program, Libbpf.errno(state));
            }
            return new BpfLink(libbpf, program, link);
        }
    }

    /**
     * Runs a loaded iterator program ({@code SEC("iter/...")}) once over everything it iterates:
     * attaches it, runs it, detaches it. Returns the bytes the program wrote.
     */
    public long runIterator(String program) throws BpfException {
        try (BpfIterator iterator = iterator(program, 0)) {
            return iterator.run();
        }
    }

    /**
     * Attaches a loaded iterator program to be run as often as needed. An iter/task program with
     * {@code pid} > 0 (a process id as the caller's PID namespace sees it) walks that process's
     * threads only; kernels before 6.1 cannot limit a task iterator and refuse the attach (E2BIG).
     */
    public BpfIterator iterator(String program, int pid) throws BpfException {
        requireLoaded("attach " + program);
        LibbpfLog.clearWarnings();
        long prog = program(program);
        try (Arena call = Arena.ofConfined()) {
            // union bpf_iter_link_info: task = { u32 tid; u32 pid; u32 pid_fd; }, 16 bytes in all
            MemorySegment linkInfo = call.allocate(16, 8);
            linkInfo.set(JAVA_INT, 4, pid);
            // struct bpf_iter_attach_opts { size_t sz; union bpf_iter_link_info *link_info; __u32 link_info_len; }
            MemorySegment opts = call.allocate(24, 8);
            opts.set(JAVA_LONG, 0, 24);
            if (pid > 0) {
                opts.set(JAVA_LONG, 8, linkInfo.address());
                opts.set(JAVA_INT, 16, (int) linkInfo.byteSize());
            }
            MemorySegment state = Libbpf.callState(call);
            long link = libbpf.programAttachIter.callErrno(state, prog, opts.address(), 0, 0, 0, 0);
            if (link == 0 && LibbpfLog.route(libbpf)) { // libbpf was silent: once more, to hear why
                link = libbpf.programAttachIter.callErrno(state, prog, opts.address(), 0, 0, 0, 0);
            }
            if (link == 0) {
                throw withLibbpfReason("attach", program, Libbpf.errno(state));
            }
            BpfLink attached = new BpfLink(libbpf, program, link);
            try {
                return new BpfIterator(libbpf, attached);
            } catch (RuntimeException e) {
                attached.close();
                throw e;
            }
        }
    }

    /** A reusable reader of a loaded program's kernel statistics. */
    public ProgramInfo programInfo(String program) throws BpfException {
        requireLoaded("info " + program);
        int fd = (int) libbpf.programFd.call(program(program));
        return new ProgramInfo(libbpf, program, fd);
    }

    /**
     * Runs a loaded program once, synchronously, in the calling thread (BPF_PROG_TEST_RUN) and
     * returns its return value. Only for program types that support it, such as raw_tp.
     */
    public int testRun(String program) throws BpfException {
        return testRun(program, new long[0], -1);
    }

    /**
     * Runs a loaded raw_tp program once with {@code args} as its context (the tracepoint's u64
     * arguments) and returns its return value. With {@code cpu >= 0} the kernel runs it on that
     * CPU (BPF_F_TEST_RUN_ON_CPU), otherwise in the calling thread.
     */
    public int testRun(String program, long[] args, int cpu) throws BpfException {
        requireLoaded("test run " + program);
        try (ProgramRun run = ProgramRun.of(this, program, args.length)) {
            for (int i = 0; i < args.length; i++) {
                run.arg(i, args[i]);
            }
            if (cpu >= 0) {
                run.onCpu(cpu);
            }
            return run.run();
        }
    }

    /** Frees the object, its programs and maps. Idempotent; links must be destroyed before. */
    @Override
    public void close() {
        if (object == null) {
            return;
        }
        try {
            libbpf.objectClose.call(object.address());
        } finally {
            object = null;
            arena.close();
        }
    }

    /** The reader of {@code type} from BTF type {@code typeId} of this object (0: untyped, {@code size} bytes). */
    @SuppressWarnings("unchecked")
    <T> RecordReader<T> reader(Btf btf, int typeId, int size, Class<T> type) {
        List<Object> key = List.of(typeId, size, type);
        RecordReader<?> r = readers.get(key);
        if (r == null) {
            r = RecordReader.of(btf, typeId, size, type);
            readers.put(key, r);
        }
        return (RecordReader<T>) r;
    }

    boolean isLoaded() {
        return loaded;
    }

    MemorySegment object() {
        if (object == null) {
            throw new IllegalStateException("bpf object " + name + " is closed");
        }
        return object;
    }

    /** The address of the libbpf {@code bpf_program} named {@code program}. */
    long program(String program) throws BpfException {
        long prog;
        try (Arena call = Arena.ofConfined()) {
            prog = libbpf.objectFindProgram.call(object().address(), call.allocateFrom(program).address());
        }
        if (prog == 0) {
            throw BpfException.of("find program", program + " in " + name, Errno.ENOENT);
        }
        return prog;
    }

    private void requireLoaded(String step) {
        if (!loaded) {
            throw new IllegalStateException(step + ": object " + name + " is not loaded");
        }
    }

    private static BpfException withLibbpfReason(String step, String target, int errno) {
        String reason = LibbpfLog.cause();
        String hint = BpfException.hint(step, Math.abs(errno));
        if (!reason.isEmpty()) {
            hint = hint.isEmpty() ? "libbpf: " + reason : hint + "; libbpf: " + reason;
        }
        return new BpfException(step, target, errno, hint);
    }
}
