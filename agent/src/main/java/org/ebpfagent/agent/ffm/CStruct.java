package org.ebpfagent.agent.ffm;

import java.util.ArrayList;
import java.util.List;

/**
 * The Java side's declaration of a C struct that crosses from a BPF program to the agent: its
 * fields in C order, each placed at its natural alignment as the C compiler places it, and the
 * struct's size rounded up to its largest alignment. {@link BpfMap#bind} checks it against the
 * object's BTF, so a struct changed in C and not in Java fails at load instead of being misread.
 *
 * <p>Field names are the C member names (that is what the check matches on); {@link #offset}
 * turns them into the byte offsets the readers take. Immutable and thread-safe.
 *
 * <pre>{@code
 * static final CStruct VALUE = CStruct.named("ThreadSchedLayout").u64("on_cpu_ns").u32("state").bytes("comm", 16).build();
 * static final int ON_CPU = VALUE.offset("on_cpu_ns");
 * }</pre>
 */
public final class CStruct {
    /** A bare {@code __u32} key or value: no members, only its size is checked. */
    public static final CStruct U32 = new CStruct("u32", List.of(), 4);
    /** A bare {@code __u64}. */
    public static final CStruct U64 = new CStruct("u64", List.of(), 8);

    /** One member: C name, byte offset, byte size. */
    public record Field(String name, int offset, int size) {}

    private final String name;
    private final List<Field> fields;
    private final int size;

    private CStruct(String name, List<Field> fields, int size) {
        this.name = name;
        this.fields = List.copyOf(fields);
        this.size = size;
    }

    /** Starts a declaration; {@code name} (the Java class that holds it) appears in mismatch errors. */
    public static Builder named(String name) {
        return new Builder(name);
    }

    public String name() {
        return name;
    }

    public List<Field> fields() {
        return fields;
    }

    /** sizeof the struct, tail padding included. */
    public int size() {
        return size;
    }

    /** The byte offset of member {@code field}; fails if the struct has no such member. */
    public int offset(String field) {
        for (Field f : fields) {
            if (f.name.equals(field)) {
                return f.offset;
            }
        }
        throw new IllegalArgumentException(name + " has no field " + field);
    }

    @Override
    public String toString() {
        return name + fields + " (" + size + " bytes)";
    }

    /** Appends members in C declaration order. Not thread-safe; used once per declaration. */
    public static final class Builder {
        private final String name;
        private final List<Field> fields = new ArrayList<>();
        private int next;
        private int align = 1;

        private Builder(String name) {
            this.name = name;
        }

        public Builder u64(String field) {
            return add(field, 8, 8);
        }

        public Builder u32(String field) {
            return add(field, 4, 4);
        }

        public Builder u16(String field) {
            return add(field, 2, 2);
        }

        public Builder u8(String field) {
            return add(field, 1, 1);
        }

        /** A {@code char[n]} or {@code __u8[n]} member. */
        public Builder bytes(String field, int n) {
            return add(field, n, 1);
        }

        public CStruct build() {
            return new CStruct(name, fields, roundUp(next, align));
        }

        private Builder add(String field, int size, int alignment) {
            for (Field f : fields) {
                if (f.name.equals(field)) {
                    throw new IllegalArgumentException(name + ": field " + field + " declared twice");
                }
            }
            int offset = roundUp(next, alignment);
            fields.add(new Field(field, offset, size));
            next = offset + size;
            align = Math.max(align, alignment);
            return this;
        }

        private static int roundUp(int n, int alignment) {
            return (n + alignment - 1) / alignment * alignment;
        }
    }
}
