package org.ebpfagent.agent.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The BTF of one BPF object, read through libbpf's parsed copy ({@code bpf_object__btf}): only
 * what binding layouts needs (structs and their members, arrays, integers, data sections).
 *
 * <p>A {@code struct btf_type} is 12 bytes (name_off, info, size or type); after it come, by kind,
 * an encoding word (INT), a {@code struct btf_array} (ARRAY: type, index_type, nelems), or
 * {@code vlen} 12-byte records: {@code struct btf_member} (STRUCT, UNION: name_off, type, offset
 * in bits; with info's kind_flag set the high 8 bits of the offset are a bitfield size) or
 * {@code struct btf_var_secinfo} (DATASEC: type, offset, size). Valid while its object is open.
 */
final class Btf {
    static final int INT = 1;
    static final int ARRAY = 3;
    static final int STRUCT = 4;
    static final int UNION = 5;
    static final int ENUM = 6;
    static final int TYPEDEF = 8;
    static final int VOLATILE = 9;
    static final int CONST = 10;
    static final int RESTRICT = 11;
    static final int VAR = 14;
    static final int DATASEC = 15;
    static final int TYPE_TAG = 18;
    static final int ENUM64 = 19;
    private static final int HEADER = 12;
    private static final int RECORD = 12;
    private static final int INT_SIGNED = 1;

    /** A struct or union member: its C name, type, and byte offset (-1 for a bitfield). */
    record Member(String name, int type, int offset) {}

    /** A variable of a data section: name, type, byte offset in the section. */
    record Var(String name, int type, int offset) {}

    private final Libbpf libbpf;
    private final long btf;

    private Btf(Libbpf libbpf, long btf) {
        this.libbpf = libbpf;
        this.btf = btf;
    }

    /** The object's BTF, or null if it has none. */
    static Btf of(Libbpf libbpf, BpfObject object) {
        long btf = libbpf.objectBtf.call(object.object().address());
        return btf == 0 ? null : new Btf(libbpf, btf);
    }

    /** The id of the type of kind {@code kind} named {@code name}, or -1. */
    int find(String name, int kind) {
        try (Arena call = Arena.ofConfined()) {
            int id = (int) libbpf.btfFindByNameKind.call(btf, call.allocateFrom(name).address(), kind);
            return id > 0 ? id : -1;
        }
    }

    int kind(int id) {
        return (info(id) >>> 24) & 0x1f;
    }

    /** The type's own name ("" if anonymous). */
    String name(int id) {
        return string(type(id).get(JAVA_INT, 0));
    }

    /** The type under typedefs, const, volatile, restrict and type tags. */
    int resolve(int id) {
        for (int depth = 0; depth < 32; depth++) {
            switch (kind(id)) {
                case TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG, VAR -> id = type(id).get(JAVA_INT, 8);
                default -> {
                    return id;
                }
            }
        }
        return id;
    }

    /** sizeof the type, in bytes. */
    long size(int id) {
        return libbpf.btfResolveSize.call(btf, id);
    }

    /** True for a signed integer (INT with the signed encoding, or a signed enum). */
    boolean signed(int id) {
        int t = resolve(id);
        return switch (kind(t)) {
            case INT -> ((type(t, 4).get(JAVA_INT, HEADER) >>> 24) & INT_SIGNED) != 0;
            case ENUM, ENUM64 -> (info(t) >>> 31) != 0;
            default -> false;
        };
    }

    /** True for the types a number is read from: integers and enums (after modifiers). */
    boolean integer(int id) {
        int k = kind(resolve(id));
        return k == INT || k == ENUM || k == ENUM64;
    }

    /** An array type's element type (id of an ARRAY). */
    int arrayElement(int id) {
        return type(id, 12).get(JAVA_INT, HEADER);
    }

    /** An array type's element count (id of an ARRAY). */
    int arrayLength(int id) {
        return type(id, 12).get(JAVA_INT, HEADER + 8);
    }

    /** The members of a struct or union, in C order. */
    List<Member> members(int id) {
        int vlen = vlen(id);
        boolean kindFlag = (info(id) >>> 31) != 0;
        MemorySegment records = type(id, (long) vlen * RECORD);
        List<Member> members = new ArrayList<>(vlen);
        for (int i = 0; i < vlen; i++) {
            long at = HEADER + (long) i * RECORD;
            int raw = records.get(JAVA_INT, at + 8);
            int bits = kindFlag ? raw & 0xffffff : raw;
            boolean bitfield = (kindFlag && raw >>> 24 != 0) || bits % 8 != 0;
            members.add(new Member(string(records.get(JAVA_INT, at)), records.get(JAVA_INT, at + 4),
                    bitfield ? -1 : bits / 8));
        }
        return members;
    }

    /** The variables of a data section ({@code .rodata}, {@code .bss}, ...), with their offsets. */
    List<Var> vars(int id) {
        int vlen = vlen(id);
        MemorySegment records = type(id, (long) vlen * RECORD);
        List<Var> vars = new ArrayList<>(vlen);
        for (int i = 0; i < vlen; i++) {
            long at = HEADER + (long) i * RECORD;
            int var = records.get(JAVA_INT, at);
            vars.add(new Var(name(var), var, records.get(JAVA_INT, at + 4)));
        }
        return vars;
    }

    /** "struct thread_sched", "__u32", "char[16]" and so on, for messages. */
    String describe(int id) {
        int t = resolve(id);
        return switch (kind(t)) {
            case STRUCT -> "struct " + orAnonymous(name(t));
            case UNION -> "union " + orAnonymous(name(t));
            case ARRAY -> describe(arrayElement(t)) + "[" + arrayLength(t) + "]";
            case DATASEC -> "section " + name(t);
            default -> {
                String own = name(id);
                yield own.isEmpty() ? orAnonymous(name(t)) : own;
            }
        };
    }

    private static String orAnonymous(String name) {
        return name.isEmpty() ? "(anonymous)" : name;
    }

    private int info(int id) {
        return type(id).get(JAVA_INT, 4);
    }

    private int vlen(int id) {
        return info(id) & 0xffff;
    }

    private MemorySegment type(int id) {
        return type(id, 0);
    }

    /** The type's header and the {@code extra} bytes that follow it. */
    private MemorySegment type(int id, long extra) {
        long t = libbpf.btfTypeById.call(btf, id);
        if (t == 0) {
            throw new IllegalStateException("BTF type " + id + " not found");
        }
        return MemorySegment.ofAddress(t).reinterpret(HEADER + extra);
    }

    private String string(int offset) {
        long s = libbpf.btfNameByOffset.call(btf, offset);
        return s == 0 ? "" : MemorySegment.ofAddress(s).reinterpret(Integer.MAX_VALUE).getString(0);
    }
}
