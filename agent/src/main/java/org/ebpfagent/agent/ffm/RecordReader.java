package org.ebpfagent.agent.ffm;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * Reads one key or value of a map into a Java object: a record whose components are matched to
 * the BTF struct's members by name, or a boxed number for a scalar. Built once per BTF type and
 * class (checking every component against its member), then applied to each entry.
 *
 * <p>Naming: a component matches the member of its own name ({@code on_cpu_ns}), else of its
 * name in snake case ({@code onCpuNs} to {@code on_cpu_ns}; digits join the word before them,
 * {@code ipv4Addr} to {@code ipv4_addr}, or, failing that, stand alone, {@code kindPlus1} to
 * {@code kind_plus_1}). Types, each needing a member that fits: {@code long} (an integer of 1 to
 * 8 bytes, sign-extended if the BTF says signed, zero-extended otherwise), {@code int} (1 to 4),
 * {@code short} (1, 2), {@code byte} and {@code boolean} (1), their boxes; {@code String} (a
 * {@code char[n]}, up to its first NUL, UTF-8); {@code byte[]} (any member, its raw bytes);
 * a record (a struct member); an array of any of these (an array member, every element).
 * Immutable and thread-safe.
 */
final class RecordReader<T> {
    /** Reads a part of an entry starting at {@code at}. */
    private interface Part {
        Object read(MemorySegment memory, long at);
    }

    private final Class<T> type;
    private final Part part;

    private RecordReader(Class<T> type, Part part) {
        this.type = type;
        this.part = part;
    }

    /**
     * A reader of {@code type} from BTF type {@code typeId} ({@code 0}: a map declared with sizes
     * only, read as a bare number of {@code size} bytes).
     *
     * @throws IllegalArgumentException naming the record, the component and the BTF type, if a
     *         component has no member or does not fit it
     */
    static <T> RecordReader<T> of(Btf btf, int typeId, int size, Class<T> type) {
        return new RecordReader<>(type, part(btf, typeId, size, type, type.getSimpleName()));
    }

    T read(MemorySegment memory, long at) {
        return type.cast(part.read(memory, at));
    }

    private static Part part(Btf btf, int typeId, long size, Class<?> type, String what) {
        if (type.isRecord()) {
            return record(btf, typeId, type, what);
        }
        if (type == String.class) {
            int array = typeId == 0 ? 0 : btf.resolve(typeId);
            if (array == 0 || btf.kind(array) != Btf.ARRAY || btf.size(btf.arrayElement(array)) != 1) {
                throw mismatch(what, type, btf, typeId, size, "a String needs a char array");
            }
            int max = (int) size;
            return (m, at) -> {
                int len = 0;
                while (len < max && m.get(JAVA_BYTE, at + len) != 0) {
                    len++;
                }
                return new String(m.asSlice(at, len).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
            };
        }
        if (type == byte[].class) {
            return (m, at) -> m.asSlice(at, size).toArray(JAVA_BYTE);
        }
        if (type.isArray()) {
            int array = typeId == 0 ? 0 : btf.resolve(typeId);
            if (array == 0 || btf.kind(array) != Btf.ARRAY) {
                throw mismatch(what, type, btf, typeId, size, "an array needs an array member");
            }
            int element = btf.arrayElement(array);
            int n = btf.arrayLength(array);
            long stride = btf.size(element);
            Class<?> elementType = type.getComponentType();
            Part e = part(btf, element, stride, elementType, what + "[]");
            return (m, at) -> {
                Object out = Array.newInstance(elementType, n);
                for (int i = 0; i < n; i++) {
                    Array.set(out, i, e.read(m, at + i * stride));
                }
                return out;
            };
        }
        return number(btf, typeId, size, type, what);
    }

    private static Part number(Btf btf, int typeId, long size, Class<?> type, String what) {
        int widest;
        if (type == long.class || type == Long.class) {
            widest = 8;
        } else if (type == int.class || type == Integer.class) {
            widest = 4;
        } else if (type == short.class || type == Short.class) {
            widest = 2;
        } else if (type == byte.class || type == Byte.class || type == boolean.class || type == Boolean.class) {
            widest = 1;
        } else {
            throw new IllegalArgumentException(what + ": " + type.getSimpleName()
                    + " is not a readable type (long, int, short, byte, boolean, String, byte[], a record, or an array of these)");
        }
        if (typeId != 0 && !btf.integer(typeId)) {
            throw mismatch(what, type, btf, typeId, size, "not an integer");
        }
        if (size < 1 || size > widest || (size & (size - 1)) != 0) {
            throw mismatch(what, type, btf, typeId, size, "does not fit in " + type.getSimpleName());
        }
        boolean signed = typeId != 0 && btf.signed(typeId);
        Bits raw = switch ((int) size) {
            case 8 -> (m, at) -> m.get(JAVA_LONG_UNALIGNED, at);
            case 4 -> signed ? (m, at) -> m.get(JAVA_INT_UNALIGNED, at)
                    : (m, at) -> Integer.toUnsignedLong(m.get(JAVA_INT_UNALIGNED, at));
            case 2 -> signed ? (m, at) -> m.get(JAVA_SHORT_UNALIGNED, at)
                    : (m, at) -> Short.toUnsignedInt(m.get(JAVA_SHORT_UNALIGNED, at));
            default -> signed ? (m, at) -> m.get(JAVA_BYTE, at)
                    : (m, at) -> Byte.toUnsignedInt(m.get(JAVA_BYTE, at));
        };
        return switch (widest) {
            case 8 -> raw::read;
            case 4 -> (m, at) -> (int) raw.read(m, at);
            case 2 -> (m, at) -> (short) raw.read(m, at);
            default -> type == boolean.class || type == Boolean.class
                    ? (m, at) -> raw.read(m, at) != 0
                    : (m, at) -> (byte) raw.read(m, at);
        };
    }

    /** An integer member's value, widened to 64 bits. */
    private interface Bits {
        long read(MemorySegment memory, long at);
    }

    private static Part record(Btf btf, int typeId, Class<?> type, String what) {
        int struct = typeId == 0 ? 0 : btf.resolve(typeId);
        if (struct == 0 || (btf.kind(struct) != Btf.STRUCT && btf.kind(struct) != Btf.UNION)) {
            throw new IllegalArgumentException("record " + what + " needs a struct, BTF has "
                    + (typeId == 0 ? "no type (a map declared with sizes only)" : btf.describe(typeId)));
        }
        String structName = btf.describe(struct);
        List<Btf.Member> members = btf.members(struct);
        RecordComponent[] components = type.getRecordComponents();
        Part[] parts = new Part[components.length];
        long[] offsets = new long[components.length];
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            types[i] = c.getType();
            String component = "record " + type.getSimpleName() + ", component " + c.getName() + " ("
                    + c.getType().getSimpleName() + ")";
            Btf.Member member = member(members, c.getName());
            if (member == null) {
                throw new IllegalArgumentException(component + ": BTF " + structName + " has no member "
                        + String.join(" nor ", candidates(c.getName())));
            }
            if (member.offset() < 0) {
                throw new IllegalArgumentException(component + ": member " + member.name() + " of BTF "
                        + structName + " is a bitfield");
            }
            offsets[i] = member.offset();
            parts[i] = part(btf, member.type(), btf.size(member.type()), c.getType(),
                    component + ", member " + member.name() + " of BTF " + structName);
        }
        MethodHandle constructor;
        try {
            Constructor<?> canonical = type.getDeclaredConstructor(types);
            canonical.setAccessible(true);
            constructor = MethodHandles.lookup().unreflectConstructor(canonical)
                    .asSpreader(Object[].class, types.length)
                    .asType(MethodType.methodType(Object.class, Object[].class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalArgumentException("record " + type.getSimpleName() + ": its canonical constructor is not accessible: " + e, e);
        }
        return (m, at) -> {
            Object[] args = new Object[parts.length];
            for (int i = 0; i < parts.length; i++) {
                args[i] = parts[i].read(m, at + offsets[i]);
            }
            try {
                return (Object) constructor.invokeExact(args);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        };
    }

    private static Btf.Member member(List<Btf.Member> members, String component) {
        for (String name : candidates(component)) {
            for (Btf.Member m : members) {
                if (m.name().equals(name)) {
                    return m;
                }
            }
        }
        return null;
    }

    /** The member names a component may match, in order: itself, snake case, snake case with digits apart. */
    static List<String> candidates(String component) {
        StringBuilder snake = new StringBuilder();
        StringBuilder digitsApart = new StringBuilder();
        char previous = 0;
        for (char ch : component.toCharArray()) {
            if (Character.isUpperCase(ch)) {
                snake.append('_');
                digitsApart.append('_');
            } else if (Character.isDigit(ch) && previous != 0 && !Character.isDigit(previous)) {
                digitsApart.append('_');
            }
            snake.append(Character.toLowerCase(ch));
            digitsApart.append(Character.toLowerCase(ch));
            previous = ch;
        }
        List<String> out = new ArrayList<>(List.of(component));
        for (String s : List.of(snake.toString(), digitsApart.toString())) {
            if (!out.contains(s)) {
                out.add(s);
            }
        }
        return out;
    }

    private static IllegalArgumentException mismatch(String what, Class<?> type, Btf btf, int typeId, long size, String why) {
        String btfType = typeId == 0 ? "a value of " + size + " bytes (no BTF type)" : "BTF " + btf.describe(typeId) + ", " + size + " bytes";
        return new IllegalArgumentException(what + ": " + btfType + ": " + why);
    }
}
