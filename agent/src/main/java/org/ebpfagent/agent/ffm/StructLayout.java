package org.ebpfagent.agent.ffm;

import java.util.List;

/**
 * A {@link CStruct} declaration resolved against one object's BTF: where each declared member
 * is, the struct's size, the length and element layout of each array of structs, and where the
 * struct starts in the map's value ({@link #base}: 0, or a variable's offset in a data section).
 * Made by {@link BpfMap#bind} and its siblings, which fail if a declared member is missing or of
 * another size; read through a {@link StructView}. Immutable and thread-safe.
 */
public final class StructLayout {
    private final CStruct decl;
    private final String btfName;
    private final int size;
    private final int base;
    private final int[] offsets;
    private final int[] lengths;
    private final StructLayout[] elements;

    private StructLayout(CStruct decl, String btfName, int size, int base, int fields) {
        this.decl = decl;
        this.btfName = btfName;
        this.size = size;
        this.base = base;
        this.offsets = new int[fields];
        this.lengths = new int[fields];
        this.elements = new StructLayout[fields];
    }

    /** A bare value of {@code size} bytes (U32, U64): no members. */
    static StructLayout scalar(CStruct decl, int size) {
        return new StructLayout(decl, decl.name(), size, 0, 0);
    }

    /**
     * Resolves {@code decl} against BTF type {@code typeId}, starting at {@code base} in the value;
     * adds each mismatch to {@code problems} (phrased after {@code role}, e.g. "value: ") and
     * returns null if there was any.
     */
    static StructLayout bind(Btf btf, int typeId, CStruct decl, int base, String role, List<String> problems) {
        int before = problems.size();
        int type = btf.resolve(typeId);
        String btfName = btf.describe(typeId);
        int size = (int) btf.size(typeId);
        if (decl.isScalar()) {
            if (size != decl.scalarSize()) {
                problems.add(role + "BTF " + btfName + " is " + size + " bytes, the agent reads " + decl.scalarSize()
                        + " (" + decl.name() + ")");
            }
            return problems.size() > before ? null : scalar(decl, size);
        }
        if (btf.kind(type) != Btf.STRUCT && btf.kind(type) != Btf.UNION || !btf.name(type).equals(decl.name())) {
            problems.add(role + "BTF type is " + btfName + ", the agent reads " + decl);
            return null;
        }
        List<CStruct.Field> fields = decl.freeze();
        List<Btf.Member> members = btf.members(type);
        StructLayout layout = new StructLayout(decl, btfName, size, base, fields.size());
        for (CStruct.Field field : fields) {
            Btf.Member member = members.stream().filter(m -> m.name().equals(field.name)).findFirst().orElse(null);
            String what = role + "member " + field.name + " of BTF " + btfName;
            if (member == null) {
                problems.add(role + "BTF " + btfName + " has no member " + field.name);
                continue;
            }
            if (member.offset() < 0) {
                problems.add(what + " is a bitfield: not readable as bytes");
                continue;
            }
            layout.offsets[field.index] = member.offset();
            if (field.element == null) {
                long memberSize = btf.size(member.type());
                if (memberSize != field.size) {
                    problems.add(what + " is " + memberSize + " bytes, the agent reads " + field.size);
                }
                continue;
            }
            int array = btf.resolve(member.type());
            if (btf.kind(array) != Btf.ARRAY) {
                problems.add(what + " is " + btf.describe(member.type()) + ", the agent reads an array of " + field.element);
                continue;
            }
            layout.lengths[field.index] = btf.arrayLength(array);
            layout.elements[field.index] = bind(btf, btf.arrayElement(array), field.element, 0,
                    role + field.name + "[]: ", problems);
        }
        return problems.size() > before ? null : layout;
    }

    /** The declaration this layout resolves. */
    public CStruct decl() {
        return decl;
    }

    /** sizeof the struct, tail padding included, as the BTF says. */
    public int size() {
        return size;
    }

    /** Where the struct starts in the map's value: 0, or its variable's offset in a data section. */
    public int base() {
        return base;
    }

    /** The byte offset of {@code field} in the struct (not counting {@link #base}). */
    public int offset(CStruct.Field field) {
        if (field.owner != decl) {
            throw new IllegalArgumentException(field + " is not a field of " + decl);
        }
        return offsets[field.index];
    }

    /** The length of an array-of-structs field, from the BTF. */
    public int length(CStruct.Field field) {
        offset(field);
        return lengths[field.index];
    }

    /** The layout of an array-of-structs field's elements. */
    public StructLayout element(CStruct.Field field) {
        offset(field);
        if (elements[field.index] == null) {
            throw new IllegalArgumentException(field + " is not an array of structs");
        }
        return elements[field.index];
    }

    @Override
    public String toString() {
        return "StructLayout[" + btfName + ", " + size + " bytes at " + base + "]";
    }
}
