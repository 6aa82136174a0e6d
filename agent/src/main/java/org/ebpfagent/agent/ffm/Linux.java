package org.ebpfagent.agent.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.function.IntFunction;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** The Linux calls the agent needs besides libbpf. */
public final class Linux {
    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    private static final int MAP_SHARED = 1;
    private static final MemorySegment MAP_FAILED = MemorySegment.ofAddress(-1L);
    private static final int CLOCK_BOOTTIME = 7;
    private static final MethodHandle GETTID;
    private static final MethodHandle CLOCK_GETTIME; // (clock, timespec*) -> int
    private static final MethodHandle MMAP;   // (state, addr, length, prot, flags, fd, offset) -> void*
    private static final MethodHandle MUNMAP; // (addr, length) -> int
    static final long PAGE_SIZE;

    static {
        Linker linker = Linker.nativeLinker();
        var libc = linker.defaultLookup();
        GETTID = linker.downcallHandle(libc.find("gettid").orElseThrow(), FunctionDescriptor.of(JAVA_INT));
        MMAP = linker.downcallHandle(libc.find("mmap").orElseThrow(),
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG),
                Linker.Option.captureCallState("errno"));
        CLOCK_GETTIME = linker.downcallHandle(libc.find("clock_gettime").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        MUNMAP = linker.downcallHandle(libc.find("munmap").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        MethodHandle pageSize = linker.downcallHandle(libc.find("getpagesize").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT));
        try {
            PAGE_SIZE = (int) pageSize.invokeExact();
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
    }

    private Linux() {}

    /** The calling thread's Linux thread id, as its PID namespace sees it. */
    public static int gettid() {
        try {
            return (int) GETTID.invokeExact();
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
    }

    /**
     * CLOCK_BOOTTIME in nanoseconds: the clock /proc's process start times count on (since boot,
     * suspended time included).
     */
    public static long bootTimeNanos() {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment timespec = call.allocate(16, 8);
            int err = (int) CLOCK_GETTIME.invokeExact(CLOCK_BOOTTIME, timespec);
            if (err != 0) {
                throw new IllegalStateException("clock_gettime(CLOCK_BOOTTIME) failed");
            }
            return timespec.get(JAVA_LONG, 0) * 1_000_000_000L + timespec.get(JAVA_LONG, 8);
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
    }

    /**
     * Maps {@code length} bytes of a BPF map's fd at {@code offset} (MAP_SHARED), unmapped when
     * {@code owner} closes. A failure names the map, with {@code hint} for the errno.
     */
    static MemorySegment mmap(String map, int fd, long length, int prot, long offset, Arena owner,
                              IntFunction<String> hint) throws BpfException {
        MemorySegment address;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = Libbpf.callState(call);
            address = (MemorySegment) MMAP.invokeExact(state, MemorySegment.NULL, length, prot, MAP_SHARED, fd, offset);
            if (address.equals(MAP_FAILED)) {
                int errno = Libbpf.errno(state);
                throw new BpfException("mmap", map, errno, hint.apply(errno));
            }
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
        return address.reinterpret(length, owner, mapped -> unmap(mapped, length));
    }

    private static void unmap(MemorySegment address, long length) {
        try {
            int unused = (int) MUNMAP.invokeExact(address, length);
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
    }
}
