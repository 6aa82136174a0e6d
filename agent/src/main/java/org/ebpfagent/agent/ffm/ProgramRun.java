package org.ebpfagent.agent.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A loaded raw_tp program run on demand with {@code BPF_PROG_TEST_RUN}, synchronously in the
 * calling thread, with up to 12 u64 arguments (its context). The options and arguments live in
 * native memory allocated once, so a run allocates nothing on the Java heap: tests and benchmarks
 * use it to make a program produce exactly the data they then read, and
 * {@link BpfObject#testRun} runs a program once through it.
 *
 * <p>Ownership: created by {@link #of} from a loaded {@link BpfObject}, valid while the object is
 * open, closed by its creator. Not thread-safe: one thread sets the arguments and runs.
 */
public final class ProgramRun implements AutoCloseable {
    private static final int MAX_ARGS = 12;       // MAX_BPF_FUNC_ARGS: the raw_tp context limit
    private static final long OPTS_SIZE = 80;     // struct bpf_test_run_opts in libbpf 1.1
    private static final long CTX_IN = 32;
    private static final long CTX_SIZE_IN = 48;
    private static final long RETVAL = 56;
    private static final long FLAGS = 68;
    private static final long CPU = 72;
    private static final int TEST_RUN_ON_CPU = 1; // BPF_F_TEST_RUN_ON_CPU

    private final Libbpf libbpf;
    private final String program;
    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment opts;
    private final MemorySegment args;
    private int cpu = -1;

    private ProgramRun(Libbpf libbpf, String program, int fd, int argCount) {
        this.libbpf = libbpf;
        this.program = program;
        this.fd = fd;
        this.opts = arena.allocate(OPTS_SIZE, 8);
        this.args = arena.allocate(argCount * 8L, 8);
        opts.set(JAVA_LONG, 0, OPTS_SIZE);
        if (argCount > 0) {
            opts.set(ADDRESS, CTX_IN, args);
            opts.set(JAVA_INT, CTX_SIZE_IN, argCount * 8);
        }
    }

    /** Binds {@code program} of a loaded object, taking {@code argCount} (0..12) arguments. */
    public static ProgramRun of(BpfObject object, String program, int argCount) throws BpfException {
        if (argCount < 0 || argCount > MAX_ARGS) {
            throw new IllegalArgumentException("a raw_tp program takes 0 to " + MAX_ARGS + " arguments, not " + argCount);
        }
        if (!object.isLoaded()) {
            throw new IllegalStateException("test run " + program + ": object " + object.name() + " is not loaded");
        }
        Libbpf libbpf = Libbpf.get();
        int fd = (int) libbpf.programFd.call(object.program(program));
        if (fd < 0) {
            throw BpfException.of("test run", program, fd);
        }
        return new ProgramRun(libbpf, program, fd, argCount);
    }

    /** Sets argument {@code index} (the program's {@code ctx[index]}) for the following runs. */
    public ProgramRun arg(int index, long value) {
        args.setAtIndex(JAVA_LONG, index, value);
        return this;
    }

    /** Makes the kernel run the program on {@code cpu} (BPF_F_TEST_RUN_ON_CPU) instead of the calling thread. */
    public ProgramRun onCpu(int cpu) {
        this.cpu = cpu;
        opts.set(JAVA_INT, FLAGS, TEST_RUN_ON_CPU);
        opts.set(JAVA_INT, CPU, cpu);
        return this;
    }

    /** Runs the program once and returns its return value. */
    public int run() throws BpfException {
        int err = (int) libbpf.progTestRunOpts.call(fd, opts.address());
        if (err < 0) {
            throw BpfException.of("test run", program + (cpu >= 0 ? " on cpu " + cpu : ""), err);
        }
        return opts.get(JAVA_INT, RETVAL);
    }

    @Override
    public synchronized void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
