import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The syscall probe's benchmark workload (scripts/bench-syscalls.sh): one thread making syscalls
 * through FFM downcalls to libc, as fast as it can, timed in batches. Kinds:
 *   getppid  the cheapest syscall there is (glibc does not cache it), so the probe's share is
 *            as large as it gets;
 *   read     read(2) of 1 byte from /dev/zero: a syscall with a file descriptor and a copy.
 * Warms every kind up first (so that the loop and the downcall stubs are compiled), then, if
 * --go=FILE is given, prints READY and waits for FILE to exist: the caller creates it once the
 * agent has attached, so that no batch is timed with the probe half loaded. Then BATCHES rounds,
 * each timing CALLS calls of every kind in turn (kinds interleaved, so drift hits them alike),
 * and prints one line per kind:
 *   RESULT kind wall-ns-per-call cpu-ns-per-call
 * each the median over the batches. CPU is the thread's own (the scheduler's charge), which on a
 * VM leaves out the hypervisor's steal and the time other processes held the CPU; wall time does
 * not. With --hold=FILE it then waits for FILE to exist before it exits, so that the caller can
 * read the kernel's statistics of the agent's programs, which go with the JVM.
 * Usage: java --enable-native-access=ALL-UNNAMED scripts/SyscallBench.java
 *            [--calls=N] [--batches=B] [--go=FILE] [--hold=FILE] getppid|read...
 *        (default 200000 calls, 15 batches, getppid)
 */
public class SyscallBench {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle GETPPID = downcall("getppid", FunctionDescriptor.of(ValueLayout.JAVA_INT));
    private static final MethodHandle READ = downcall("read",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    // open(2) is variadic in C (the mode); passed none, which the variadic option must be told.
    private static final MethodHandle OPEN = downcall("open",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final int O_RDONLY = 0;

    /** Where read() puts its byte; allocated once, so the loop only calls. */
    private static MemorySegment buffer;
    private static int zeroFd = -1;

    public static void main(String[] args) throws Throwable {
        long calls = 200_000;
        int batches = 15;
        Path go = null;
        Path hold = null;
        List<String> kinds = new ArrayList<>();
        for (String arg : args) {
            if (arg.startsWith("--calls=")) {
                calls = Long.parseLong(arg.substring("--calls=".length()));
            } else if (arg.startsWith("--batches=")) {
                batches = Integer.parseInt(arg.substring("--batches=".length()));
            } else if (arg.startsWith("--go=")) {
                go = Path.of(arg.substring("--go=".length()));
            } else if (arg.startsWith("--hold=")) {
                hold = Path.of(arg.substring("--hold=".length()));
            } else if (arg.equals("getppid") || arg.equals("read")) {
                kinds.add(arg);
            } else {
                System.err.println("usage: SyscallBench [--calls=N] [--batches=B] [--go=FILE] [--hold=FILE] getppid|read...");
                System.exit(2);
            }
        }
        if (kinds.isEmpty()) {
            kinds.add("getppid");
        }
        buffer = Arena.global().allocate(1);
        if (kinds.contains("read")) {
            zeroFd = (int) OPEN.invokeExact(Arena.global().allocateFrom("/dev/zero"), O_RDONLY);
            if (zeroFd < 0) {
                throw new IllegalStateException("open /dev/zero failed");
            }
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();

        // Several passes of every kind: C2 compiles the loop after a few thousand iterations and
        // each pass ends with an on-stack replacement or a fresh entry into compiled code.
        for (int i = 0; i < 5; i++) {
            for (String kind : kinds) {
                loop(kind, calls);
            }
        }
        if (go != null) {
            System.out.println("READY");
            System.out.flush();
            while (!Files.exists(go)) {
                Thread.sleep(10);
            }
        }

        double[][] wall = new double[kinds.size()][batches];
        double[][] cpu = new double[kinds.size()][batches];
        for (int b = 0; b < batches; b++) {
            for (int k = 0; k < kinds.size(); k++) {
                long c0 = threads.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                loop(kinds.get(k), calls);
                long t1 = System.nanoTime();
                long c1 = threads.getCurrentThreadCpuTime();
                wall[k][b] = (double) (t1 - t0) / calls;
                cpu[k][b] = (double) (c1 - c0) / calls;
            }
        }
        for (int k = 0; k < kinds.size(); k++) {
            System.out.printf("RESULT %s %.1f %.1f%n", kinds.get(k), median(wall[k]), median(cpu[k]));
        }
        System.out.flush();
        while (hold != null && !Files.exists(hold)) {
            Thread.sleep(10);
        }
    }

    private static void loop(String kind, long calls) throws Throwable {
        long sink = 0;
        if (kind.equals("getppid")) {
            for (long i = 0; i < calls; i++) {
                sink += (int) GETPPID.invokeExact();
            }
        } else {
            for (long i = 0; i < calls; i++) {
                sink += (long) READ.invokeExact(zeroFd, buffer, 1L);
            }
        }
        // A result the loop must have computed, checked so that neither call can be dropped.
        if (sink == Long.MIN_VALUE) {
            System.out.println(sink);
        }
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new IllegalStateException("libc has no " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }
}
