package org.ebpfagent.agent.ffm;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * A cursor over one struct in memory: reads (and, where the memory is writable, writes) the
 * members a {@link CStruct} declares, at the offsets its {@link StructLayout} resolved from the
 * BTF, e.g. {@code view.u64(ON_CPU)}. The readers point it at each entry in turn
 * ({@link MapBatchReader#value(int, StructView)}, {@link MmapArray#point}, ...): created once, it
 * reads a whole map with no allocation, the path for the agent's polls. For whole maps into Java
 * records in one line, see {@link BpfMap#entries}.
 *
 * <p>Valid while the memory it points at is: a batch reader's chunk until the next read, a
 * mapping until it is closed. Not thread-safe.
 */
public final class StructView {
    private final StructLayout layout;
    private MemorySegment segment;
    private long base;

    private StructView(StructLayout layout) {
        this.layout = layout;
    }

    /** A view of {@code layout}, pointing nowhere until a reader points it at an entry. */
    public static StructView of(StructLayout layout) {
        return new StructView(layout);
    }

    /** A view over {@code bytes}: a map value copied into the Java heap. */
    public static StructView over(StructLayout layout, byte[] bytes) {
        return new StructView(layout).point(MemorySegment.ofArray(bytes), 0);
    }

    public StructLayout layout() {
        return layout;
    }

    /** Points the view at the map value starting at {@code value} of {@code memory} (the struct is at layout.base() in it). */
    StructView point(MemorySegment memory, long value) {
        this.segment = memory;
        this.base = value + layout.base();
        return this;
    }

    /** The struct's bytes, copied. */
    public byte[] toByteArray() {
        return segment.asSlice(base, layout.size()).toArray(JAVA_BYTE);
    }

    public long u64(CStruct.Field f) {
        return segment.get(JAVA_LONG_UNALIGNED, at(f));
    }

    /** A 4-byte member as Java's int: its bits, so a {@code __s32} reads signed, a {@code __u32} needs toUnsignedLong above 2^31. */
    public int u32(CStruct.Field f) {
        return segment.get(JAVA_INT_UNALIGNED, at(f));
    }

    public short u16(CStruct.Field f) {
        return segment.get(JAVA_SHORT_UNALIGNED, at(f));
    }

    public byte u8(CStruct.Field f) {
        return segment.get(JAVA_BYTE, at(f));
    }

    /** The 8 bytes at {@code offset} of a bytes member, as a long (to compare a name without decoding it). */
    public long u64At(CStruct.Field f, int offset) {
        if (offset < 0 || offset + 8 > f.size) {
            throw new IndexOutOfBoundsException(f + " is " + f.size + " bytes, cannot read 8 at " + offset);
        }
        return segment.get(JAVA_LONG_UNALIGNED, at(f) + offset);
    }

    /** The u32 at byte {@code offset} inside member {@code f} (an array read as bytes). */
    public int u32At(CStruct.Field f, int offset) {
        if (offset < 0 || offset + 4 > f.size) {
            throw new IndexOutOfBoundsException(f + ": u32 at " + offset);
        }
        return segment.get(JAVA_INT_UNALIGNED, at(f) + offset);
    }

    /** A {@code char[n]} member up to its first NUL, as UTF-8 (allocates). */
    public String string(CStruct.Field f) {
        long at = at(f);
        int len = 0;
        while (len < f.size && segment.get(JAVA_BYTE, at + len) != 0) {
            len++;
        }
        byte[] bytes = new byte[len];
        MemorySegment.copy(segment, JAVA_BYTE, at, bytes, 0, len);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    public void setU64(CStruct.Field f, long v) {
        segment.set(JAVA_LONG_UNALIGNED, at(f), v);
    }

    public void setU32(CStruct.Field f, int v) {
        segment.set(JAVA_INT_UNALIGNED, at(f), v);
    }

    public void setU16(CStruct.Field f, short v) {
        segment.set(JAVA_SHORT_UNALIGNED, at(f), v);
    }

    /** Writes {@code s} as UTF-8 into a {@code char[n]} member, NUL-padded; fails if it does not fit with its NUL. */
    public void setString(CStruct.Field f, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        if (bytes.length >= f.size) {
            throw new IllegalArgumentException(f + " holds " + (f.size - 1) + " bytes and a NUL, not \"" + s + "\"");
        }
        long at = at(f);
        segment.asSlice(at, f.size).fill((byte) 0);
        MemorySegment.copy(bytes, 0, segment, JAVA_BYTE, at, bytes.length);
    }

    /** The length of an array-of-structs member. */
    public int length(CStruct.Field array) {
        return layout.length(array);
    }

    /**
     * Points {@code element} (a view of this array's element layout) at element {@code i} of the
     * array-of-structs member {@code array}, and returns it.
     */
    public StructView element(CStruct.Field array, int i, StructView element) {
        StructLayout e = layout.element(array);
        if (element.layout != e) {
            throw new IllegalArgumentException("a view of " + element.layout + " cannot show an element of " + array);
        }
        if (i < 0 || i >= layout.length(array)) {
            throw new IndexOutOfBoundsException(array + "[" + i + "] of " + layout.length(array));
        }
        return element.point(segment, base + layout.offset(array) + (long) i * e.size());
    }

    private long at(CStruct.Field f) {
        return base + layout.offset(f);
    }

    @Override
    public String toString() {
        return "StructView[" + layout + "]";
    }
}
