package org.ebpfagent.agent.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.util.function.IntFunction;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** The Linux calls the agent needs besides libbpf, from libc through {@link CFunction}. */
public final class Linux {
    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    private static final int MAP_SHARED = 1;
    private static final long MAP_FAILED = -1L;
    private static final int CLOCK_BOOTTIME = 7;
    private static final CFunction GETTID;        // () -> pid_t
    private static final CFunction MMAP;          // (addr, length, prot, flags, fd, offset) -> void*, errno
    private static final CFunction MUNMAP;        // (addr, length) -> int
    private static final CFunction CLOCK_GETTIME; // (clock, timespec*) -> int
    private static final CFunction READ;          // (fd, buf, count) -> ssize_t, errno
    private static final CFunction CLOSE;         // (fd) -> int
    static final long PAGE_SIZE;

    static {
        SymbolLookup libc = Linker.nativeLinker().defaultLookup();
        GETTID = CFunction.find(libc, "gettid");
        MMAP = CFunction.find(libc, "mmap");
        MUNMAP = CFunction.find(libc, "munmap");
        CLOCK_GETTIME = CFunction.find(libc, "clock_gettime");
        READ = CFunction.find(libc, "read");
        CLOSE = CFunction.find(libc, "close");
        PAGE_SIZE = (int) CFunction.find(libc, "getpagesize").call();
    }

    private Linux() {}

    /** The calling thread's Linux thread id, as its PID namespace sees it. */
    public static int gettid() {
        return (int) GETTID.call();
    }

    /**
     * CLOCK_BOOTTIME in nanoseconds: the clock /proc's process start times count on (since boot,
     * suspended time included).
     */
    public static long bootTimeNanos() {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment timespec = call.allocate(16, 8);
            if ((int) CLOCK_GETTIME.call(CLOCK_BOOTTIME, timespec.address()) != 0) {
                throw new IllegalStateException("clock_gettime(CLOCK_BOOTTIME) failed");
            }
            return timespec.get(JAVA_LONG, 0) * 1_000_000_000L + timespec.get(JAVA_LONG, 8);
        }
    }

    /**
     * Reads {@code fd} to its end into {@code buffer} and closes it: what running a BPF iterator
     * takes (each read runs the program over the next objects). Returns the bytes read, or -errno
     * of the read that failed. {@code state} holds errno of a failed read (Libbpf.callState).
     */
    static long drainAndClose(int fd, MemorySegment buffer, MemorySegment state) {
        try {
            long total = 0;
            while (true) {
                long n = READ.call(fd, buffer.address(), buffer.byteSize());
                if (n < 0) {
                    // Again, to learn errno: a call that captures it allocates until the JIT's last
                    // tier compiles it, and a poll runs this once. Retrying a failed read is
                    // harmless: an iterator's EAGAIN and EINTR ask for it, its other errors repeat.
                    n = READ.callErrno(state, fd, buffer.address(), buffer.byteSize(), 0, 0, 0);
                }
                if (n == 0) {
                    return total;
                }
                if (n < 0) {
                    int errno = Libbpf.errno(state);
                    // EAGAIN: an iterator stops after a million objects without output, to be read again
                    if (errno != Errno.EINTR && errno != Errno.EAGAIN) {
                        return -errno;
                    }
                    continue;
                }
                total += n;
            }
        } finally {
            CLOSE.call(fd);
        }
    }

    /**
     * Maps {@code length} bytes of a BPF map's fd at {@code offset} (MAP_SHARED), unmapped when
     * {@code owner} closes. A failure names the map, with {@code hint} for the errno.
     */
    static MemorySegment mmap(String map, int fd, long length, int prot, long offset, Arena owner,
                              IntFunction<String> hint) throws BpfException {
        long address;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = Libbpf.callState(call);
            address = MMAP.callErrno(state, 0, length, prot, MAP_SHARED, fd, offset);
            if (address == MAP_FAILED) {
                int errno = Libbpf.errno(state);
                throw new BpfException("mmap", map, errno, hint.apply(errno));
            }
        }
        return MemorySegment.ofAddress(address).reinterpret(length, owner, mapped -> MUNMAP.call(mapped.address(), length));
    }
}
