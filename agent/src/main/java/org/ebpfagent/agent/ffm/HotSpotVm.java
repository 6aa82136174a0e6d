package org.ebpfagent.agent.ffm;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
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
        for (long e = 0; ; e += stride) {
            MemorySegment typeName = entries.get(ADDRESS, e + typeNameAt);
            if (typeName.equals(MemorySegment.NULL)) {
                break;
            }
            MemorySegment fieldName = entries.get(ADDRESS, e + fieldNameAt);
            if (fieldName.equals(MemorySegment.NULL)) {
                continue;
            }
            String type = typeName.reinterpret(256).getString(0);
            String field = fieldName.reinterpret(256).getString(0);
            if ((type.equals("Thread") || type.equals("JavaThread")) && field.equals("_osthread")) {
                osThread = entries.get(JAVA_LONG, e + offsetAt);
            } else if (type.equals("OSThread") && field.equals("_thread_id")) {
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

    /** The running JVM's own libjvm.so, for its exported symbols. */
    static SymbolLookup libjvm() throws BpfException {
        Path libjvm = libjvmPath().orElseThrow(() -> new BpfException("find", "libjvm.so", Errno.ENOENT,
                "not a HotSpot JVM"));
        return SymbolLookup.libraryLookup(libjvm, Arena.global()); // already loaded: same handle
    }

    static MemorySegment symbol(SymbolLookup lookup, String name) throws BpfException {
        return lookup.find(name).orElseThrow(() -> new BpfException("find", name, Errno.ENOENT,
                "libjvm.so does not export it")).reinterpret(8);
    }

    private static Optional<Path> libjvmPath() {
        try (var lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.filter(l -> l.endsWith("/libjvm.so"))
                    .map(l -> Path.of(l.substring(l.indexOf('/'))))
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
