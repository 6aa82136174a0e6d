package org.ebpfagent.agent.ffm;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.NoSuchElementException;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A C function of libbpf or libc, called through the one downcall shape that every call of the
 * agent shares: seven integer or pointer arguments in, one out, each a Java {@code long}
 * (pointers as addresses, {@code bool} as 0 or 1); arguments a function does not declare are
 * passed as 0 and ignored.
 *
 * <p>Why one shape: the JDK generates and compiles code for each distinct function shape it
 * links, about 15-20 ms of CPU apiece, and the agent's twenty-odd shapes were a third of its
 * start-up (docs/performance.md, "Start-up"); linking a second function of a known shape costs
 * next to nothing. The C calling conventions of x86-64 (System V) and AArch64 (AAPCS64) allow it:
 * integer and pointer arguments travel in 64-bit registers (on x86-64 the seventh on the stack,
 * which the caller removes), a function reads only the arguments and the width it declares, and
 * a narrower result is the low bits of the register: callers cast an {@code int} result with
 * {@code (int)}, a {@code bool} with {@code (byte)}.
 *
 * <p>The caller keeps the memory whose addresses it passes alive across the call (arguments come
 * from arenas the caller holds open). Thread-safe.
 */
final class CFunction {
    private static final FunctionDescriptor SHAPE = FunctionDescriptor.of(JAVA_LONG,
            JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);
    /** (function, a..g) -> result */
    private static final MethodHandle CALL = Linker.nativeLinker().downcallHandle(SHAPE);
    /** (function, call state, a..g) -> result, errno left in the call state */
    private static final MethodHandle CALL_ERRNO = Linker.nativeLinker().downcallHandle(SHAPE,
            Linker.Option.captureCallState("errno"));

    private final MemorySegment address;

    private CFunction(MemorySegment address) {
        this.address = address;
    }

    /** The function at {@code address} (a pointer from a function table). */
    static CFunction at(MemorySegment address) {
        return new CFunction(address);
    }

    /** The function {@code name} of {@code library}; NoSuchElementException if it lacks it. */
    static CFunction find(SymbolLookup library, String name) {
        Optional<MemorySegment> address = library.find(name);
        if (address.isEmpty()) {
            throw new NoSuchElementException(name);
        }
        return new CFunction(address.get());
    }

    long call() {
        return call(0, 0, 0, 0, 0, 0, 0);
    }

    long call(long a) {
        return call(a, 0, 0, 0, 0, 0, 0);
    }

    long call(long a, long b) {
        return call(a, b, 0, 0, 0, 0, 0);
    }

    long call(long a, long b, long c) {
        return call(a, b, c, 0, 0, 0, 0);
    }

    long call(long a, long b, long c, long d) {
        return call(a, b, c, d, 0, 0, 0);
    }

    long call(long a, long b, long c, long d, long e, long f, long g) {
        try {
            return (long) CALL.invokeExact(address, a, b, c, d, e, f, g);
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
    }

    /**
     * Calls the function and leaves the errno it set in {@code state} ({@link Libbpf#callState},
     * read with {@link Libbpf#errno}); for functions that report failure only through errno.
     */
    long callErrno(MemorySegment state, long a, long b, long c, long d, long e, long f) {
        try {
            return (long) CALL_ERRNO.invokeExact(address, state, a, b, c, d, e, f, 0L);
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
    }
}
