package org.ebpfagent.agent.probe;

/**
 * Syscall names by number for the architecture the JVM runs on (x86-64 or AArch64), from the
 * tables generated out of the kernel's UAPI headers (scripts/gen-syscall-table.sh). A number the
 * table lacks (a syscall newer than the headers, or another architecture) is named
 * {@code syscall_<n>}. Names are interned once, so naming allocates nothing.
 */
public final class SyscallNames {
    /** The reason of a thread that left the CPU outside a syscall. */
    public static final String NONE = "none";
    private static final String[] NAMES = NameTable.load(SyscallNames.class, table(System.getProperty("os.arch")), 512);

    private SyscallNames() {}

    static String table(String osArch) {
        return switch (osArch) {
            case "amd64", "x86_64" -> "syscalls-x86_64.txt";
            case "aarch64", "arm64" -> "syscalls-aarch64.txt";
            default -> "syscalls-" + osArch + ".txt"; // none: every syscall is then named by number
        };
    }

    /** The syscall's name; {@link #NONE} for a negative number (not in a syscall). */
    public static String name(int nr) {
        if (nr < 0) {
            return NONE;
        }
        String name = nr < NAMES.length ? NAMES[nr] : null;
        return name != null ? name : "syscall_" + nr; // newer than the table: rare, allocates
    }
}
