package org.ebpfagent.agent.ffm;

import java.util.ArrayList;
import java.util.List;

/**
 * The Java side's declaration of a C struct it reads from a BPF object: the struct's C name and
 * the members Java reads, each with the size Java reads it as, and nothing else. Offsets, the
 * struct's size and array lengths come from the object's BTF when a map is bound
 * ({@link BpfMap#bind}, giving a {@link StructLayout}); a member missing there, or of another
 * size, fails the bind naming the map and the member. Members Java does not read are not
 * declared: C may add or move them freely.
 *
 * <pre>{@code
 * static final CStruct THREAD_SCHED = CStruct.named("thread_sched");
 * static final CStruct.Field ON_CPU = THREAD_SCHED.u64("on_cpu_ns");
 * ...
 * StructLayout layout = map.bind(CStruct.U32, THREAD_SCHED).value();
 * StructView entry = StructView.of(layout);   // then, per entry: entry.u64(ON_CPU)
 * }</pre>
 *
 * <p>Fields are declared once, in static initializers, before the first bind; a declaration is
 * then immutable and thread-safe.
 */
public final class CStruct {
    /** A bare {@code __u32} key or value: no members, only its size is checked. */
    public static final CStruct U32 = new CStruct("u32", 4);
    /** A bare {@code __u64}. */
    public static final CStruct U64 = new CStruct("u64", 8);

    /**
     * A member Java reads: its C name and the bytes Java reads it as ({@code size}), or, for an
     * array of structs, the element's declaration ({@code element}, size 0: the array's length
     * comes from the BTF). A handle: readers take it, a {@link StructLayout} gives its offset.
     */
    public static final class Field {
        final CStruct owner;
        final String name;
        final int index;
        final int size;
        final CStruct element;

        private Field(CStruct owner, String name, int index, int size, CStruct element) {
            this.owner = owner;
            this.name = name;
            this.index = index;
            this.size = size;
            this.element = element;
        }

        public String name() {
            return name;
        }

        @Override
        public String toString() {
            return owner.name + "." + name;
        }
    }

    private final String name;
    /** For U32, U64: the size of a value without members; 0 for a struct. */
    private final int scalarSize;
    private final List<Field> fields = new ArrayList<>();
    private volatile boolean frozen;

    private CStruct(String name, int scalarSize) {
        this.name = name;
        this.scalarSize = scalarSize;
    }

    /** Declares {@code struct name}; its BTF type must carry that name. */
    public static CStruct named(String name) {
        return new CStruct(name, 0);
    }

    /** The C struct name, or "u32"/"u64" for bare values. */
    public String name() {
        return name;
    }

    public Field u64(String member) {
        return add(member, 8, null);
    }

    /** A 4-byte member ({@code __u32}, {@code __s32}, a 4-byte enum). */
    public Field u32(String member) {
        return add(member, 4, null);
    }

    public Field u16(String member) {
        return add(member, 2, null);
    }

    public Field u8(String member) {
        return add(member, 1, null);
    }

    /** A {@code char[n]} or {@code __u8[n]} member that Java reads as exactly {@code n} bytes. */
    public Field bytes(String member, int n) {
        return add(member, n, null);
    }

    /** An array of {@code struct element.name()}, of the length the BTF says. */
    public Field structs(String member, CStruct element) {
        if (element.isScalar()) {
            throw new IllegalArgumentException(name + "." + member + ": " + element.name + " is not a struct");
        }
        return add(member, 0, element);
    }

    boolean isScalar() {
        return scalarSize != 0;
    }

    int scalarSize() {
        return scalarSize;
    }

    /** The declared fields, in declaration order; no more can be added afterwards. */
    List<Field> freeze() {
        frozen = true;
        return List.copyOf(fields);
    }

    private synchronized Field add(String member, int size, CStruct element) {
        if (frozen || isScalar()) {
            throw new IllegalStateException(name + ": field " + member + " declared after the first bind");
        }
        for (Field f : fields) {
            if (f.name.equals(member)) {
                throw new IllegalArgumentException(name + ": field " + member + " declared twice");
            }
        }
        Field f = new Field(this, member, fields.size(), size, element);
        fields.add(f);
        return f;
    }

    @Override
    public String toString() {
        return isScalar() ? name : "struct " + name;
    }
}
