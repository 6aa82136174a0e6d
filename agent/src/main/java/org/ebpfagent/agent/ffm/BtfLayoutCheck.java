package org.ebpfagent.agent.ffm;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Compares a {@link CStruct} with the BTF type the compiler recorded for a map's key or value:
 * total size, then each Java field's offset and size against the C member of the same name.
 *
 * <p>BTF is read through libbpf's parsed copy ({@code bpf_object__btf}); a {@code struct btf_type}
 * is 12 bytes (name_off, info, size or type) followed, for a struct or union, by {@code vlen}
 * 12-byte {@code struct btf_member}s (name_off, type, offset in bits). When {@code info}'s top bit
 * (kind_flag) is set the member offset packs a bitfield size in its high 8 bits.
 */
final class BtfLayoutCheck {
    private static final int KIND_STRUCT = 4;
    private static final int KIND_UNION = 5;
    private static final int KIND_TYPEDEF = 8;
    private static final int KIND_VOLATILE = 9;
    private static final int KIND_CONST = 10;
    private static final int KIND_RESTRICT = 11;
    private static final int KIND_TYPE_TAG = 18;
    private static final int TYPE_HEADER = 12;
    private static final int MEMBER_SIZE = 12;
    private static final int MAX_REPORTED = 4;

    private final Libbpf libbpf;
    private final MemorySegment btf;

    BtfLayoutCheck(Libbpf libbpf, MemorySegment btf) {
        this.libbpf = libbpf;
        this.btf = btf;
    }

    /**
     * The mismatches between the BTF type {@code typeId} and {@code java}, each phrased for an
     * error message ("field runq_wait_ns at offset 8 in BTF struct thread_sched, 16 in
     * ThreadSchedLayout"); empty if they agree.
     */
    List<String> compare(int typeId, CStruct java) {
        List<String> problems = new ArrayList<>();
        long size = resolveSize(typeId);
        int structId = skipModifiers(typeId);
        String cName = describe(typeId);
        if (size != java.size()) {
            problems.add("size " + size + " bytes in BTF " + cName + ", " + java.size() + " in " + java.name());
        }
        if (java.fields().isEmpty()) {
            return problems;
        }
        MemorySegment type = type(structId);
        int kind = kind(type);
        if (kind != KIND_STRUCT && kind != KIND_UNION) {
            problems.add("BTF type " + cName + " is not a struct, " + java.name() + " declares fields");
            return problems;
        }
        int vlen = vlen(type);
        boolean kindFlag = (info(type) >>> 31) != 0;
        MemorySegment members = type.reinterpret(TYPE_HEADER + (long) vlen * MEMBER_SIZE).asSlice(TYPE_HEADER);
        for (CStruct.Field field : java.fields()) {
            int member = find(members, vlen, field.name());
            if (member < 0) {
                problems.add("field " + field.name() + " of " + java.name() + " is not in BTF " + cName);
                continue;
            }
            int memberType = members.get(JAVA_INT, (long) member * MEMBER_SIZE + 4);
            int rawOffset = members.get(JAVA_INT, (long) member * MEMBER_SIZE + 8);
            int bitOffset = kindFlag ? rawOffset & 0xffffff : rawOffset;
            int bitfieldSize = kindFlag ? rawOffset >>> 24 : 0;
            if (bitfieldSize != 0 || bitOffset % 8 != 0) {
                problems.add("field " + field.name() + " is a bitfield in BTF " + cName + ": not readable as bytes");
                continue;
            }
            int offset = bitOffset / 8;
            if (offset != field.offset()) {
                problems.add("field " + field.name() + " at offset " + offset + " in BTF " + cName + ", "
                        + field.offset() + " in " + java.name());
            }
            long memberSize = resolveSize(memberType);
            if (memberSize != field.size()) {
                problems.add("field " + field.name() + " is " + memberSize + " bytes in BTF " + cName + ", "
                        + field.size() + " in " + java.name());
            }
        }
        return problems;
    }

    /** Joins problems into one hint, the first few in full. */
    static String summary(List<String> problems) {
        if (problems.size() <= MAX_REPORTED) {
            return String.join("; ", problems);
        }
        return String.join("; ", problems.subList(0, MAX_REPORTED))
                + "; and " + (problems.size() - MAX_REPORTED) + " more";
    }

    private int find(MemorySegment members, int vlen, String name) {
        for (int i = 0; i < vlen; i++) {
            if (name(members.get(JAVA_INT, (long) i * MEMBER_SIZE)).equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private int skipModifiers(int id) {
        for (int depth = 0; depth < 32; depth++) {
            MemorySegment t = type(id);
            switch (kind(t)) {
                case KIND_TYPEDEF, KIND_VOLATILE, KIND_CONST, KIND_RESTRICT, KIND_TYPE_TAG -> id = t.get(JAVA_INT, 8);
                default -> {
                    return id;
                }
            }
        }
        return id;
    }

    /** "struct thread_sched", "typedef __u32" and so on, for messages. */
    private String describe(int id) {
        MemorySegment t = type(id);
        String n = name(t.get(JAVA_INT, 0));
        String kind = switch (kind(t)) {
            case KIND_STRUCT -> "struct ";
            case KIND_UNION -> "union ";
            default -> "";
        };
        return n.isEmpty() ? kind + "(anonymous)" : kind + n;
    }

    private MemorySegment type(int id) {
        long t = libbpf.btfTypeById.call(btf.address(), id);
        if (t == 0) {
            throw new IllegalStateException("BTF type " + id + " not found");
        }
        return MemorySegment.ofAddress(t).reinterpret(TYPE_HEADER);
    }

    private long resolveSize(int id) {
        return libbpf.btfResolveSize.call(btf.address(), id);
    }

    private String name(int offset) {
        long s = libbpf.btfNameByOffset.call(btf.address(), offset);
        return s == 0 ? "" : MemorySegment.ofAddress(s).reinterpret(Integer.MAX_VALUE).getString(0);
    }

    private static int info(MemorySegment type) {
        return type.get(JAVA_INT, 4);
    }

    private static int kind(MemorySegment type) {
        return (info(type) >>> 24) & 0x1f;
    }

    private static int vlen(MemorySegment type) {
        return info(type) & 0xffff;
    }
}
