package org.ebpfagent.agent.ffm;

import java.io.BufferedReader;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The Linux thread id behind a HotSpot {@code JavaThread}, read through the JVM's own
 * serviceability table ({@code gHotSpotVMStructs}, the table the Serviceability Agent and
 * async-profiler use): the offsets of {@code Thread::_osthread} and {@code OSThread::_thread_id}
 * come from the running JVM, never from a hard-coded layout. Thread-safe (read-only).
 */
public final class HotSpotVm {
    private static final long MAX_OFFSET = 1 << 20; // sanity bound for offsets read from the table
    private static final byte[] THREAD = cString("Thread");
    private static final byte[] JAVA_THREAD = cString("JavaThread");
    private static final byte[] OS_THREAD = cString("OSThread");
    private static final byte[] OSTHREAD = cString("_osthread");
    private static final byte[] THREAD_ID = cString("_thread_id");

    private final long osThreadOffset;
    private final long threadIdOffset;

    private HotSpotVm(long osThreadOffset, long threadIdOffset) {
        this.osThreadOffset = osThreadOffset;
        this.threadIdOffset = threadIdOffset;
    }

    /** Binds to the running HotSpot JVM, or explains why it cannot (another JVM, a stripped libjvm). */
    public static HotSpotVm open() throws BpfException {
        SymbolLookup jvm = libjvm();
        MemorySegment entries = symbol(jvm, "gHotSpotVMStructs").get(ADDRESS, 0).reinterpret(Long.MAX_VALUE);
        long stride = symbol(jvm, "gHotSpotVMStructEntryArrayStride").get(JAVA_LONG, 0);
        long typeNameAt = symbol(jvm, "gHotSpotVMStructEntryTypeNameOffset").get(JAVA_LONG, 0);
        long fieldNameAt = symbol(jvm, "gHotSpotVMStructEntryFieldNameOffset").get(JAVA_LONG, 0);
        long offsetAt = symbol(jvm, "gHotSpotVMStructEntryOffsetOffset").get(JAVA_LONG, 0);
        long osThread = -1;
        long threadId = -1;
        // Names are compared in place, byte by byte: most differ in their first byte, and the table
        // has thousands of entries, walked once while the agent starts.
        for (long e = 0; ; e += stride) {
            long typeName = entries.get(JAVA_LONG, e + typeNameAt);
            if (typeName == 0) {
                break;
            }
            long fieldName = entries.get(JAVA_LONG, e + fieldNameAt);
            if (fieldName == 0) {
                continue;
            }
            if (isString(fieldName, OSTHREAD) && (isString(typeName, THREAD) || isString(typeName, JAVA_THREAD))) {
                osThread = entries.get(JAVA_LONG, e + offsetAt);
            } else if (isString(fieldName, THREAD_ID) && isString(typeName, OS_THREAD)) {
                threadId = entries.get(JAVA_LONG, e + offsetAt);
            }
        }
        if (osThread < 0 || osThread > MAX_OFFSET || threadId < 0 || threadId > MAX_OFFSET) {
            throw new BpfException("find", "Thread::_osthread, OSThread::_thread_id", Errno.ENOENT,
                    "this JVM's serviceability table lacks them");
        }
        return new HotSpotVm(osThread, threadId);
    }

    /**
     * The Linux tid of the JavaThread at {@code javaThread} (the value of java.lang.Thread's
     * {@code eetop}), or -1. The caller must know the thread is alive before and after the call:
     * HotSpot frees a JavaThread only after its thread has terminated.
     */
    public int osThreadId(long javaThread) {
        if (javaThread == 0) {
            return -1;
        }
        long osThread = MemorySegment.ofAddress(javaThread).reinterpret(osThreadOffset + 8).get(JAVA_LONG, osThreadOffset);
        if (osThread == 0) {
            return -1;
        }
        return MemorySegment.ofAddress(osThread).reinterpret(threadIdOffset + 4).get(JAVA_INT, threadIdOffset);
    }

    /** Whether the NUL-terminated string at {@code address} is {@code expected} (ASCII, NUL-terminated). */
    private static boolean isString(long address, byte[] expected) {
        MemorySegment s = MemorySegment.ofAddress(address).reinterpret(expected.length);
        for (int i = 0; i < expected.length; i++) {
            if (s.get(JAVA_BYTE, i) != expected[i]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] cString(String s) {
        return (s + "\0").getBytes(StandardCharsets.US_ASCII);
    }

    /** The running JVM's own libjvm.so, for its exported symbols. */
    static SymbolLookup libjvm() throws BpfException {
        Path libjvm = libjvmPath();
        if (libjvm == null) {
            throw new BpfException("find", "libjvm.so", Errno.ENOENT, "not a HotSpot JVM");
        }
        return SymbolLookup.libraryLookup(libjvm, Arena.global()); // already loaded: same handle
    }

    static MemorySegment symbol(SymbolLookup lookup, String name) throws BpfException {
        Optional<MemorySegment> symbol = lookup.find(name);
        if (symbol.isEmpty()) {
            throw new BpfException("find", name, Errno.ENOENT, "libjvm.so does not export it");
        }
        return symbol.get().reinterpret(8);
    }

    /** The path of the libjvm.so this process runs on, or null. */
    private static Path libjvmPath() {
        try (BufferedReader maps = Files.newBufferedReader(Path.of("/proc/self/maps"))) {
            for (String line; (line = maps.readLine()) != null; ) {
                if (line.endsWith("/libjvm.so")) {
                    return Path.of(line.substring(line.indexOf('/')));
                }
            }
        } catch (IOException e) {
            // no maps: not Linux as the agent knows it
        }
        return null;
    }
}
