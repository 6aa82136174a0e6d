package org.ebpfagent.agent.sched;

import org.ebpfagent.agent.probe.NameTable;

/**
 * x86-64 syscall names by number, from the table generated out of the kernel's UAPI header
 * (scripts/gen-syscall-table.sh). Names are interned once, so naming a reason allocates nothing.
 */
final class Syscalls {
    /** The reason of a thread that left the CPU outside a syscall. */
    static final String NONE = "none";
    private static final String[] NAMES = NameTable.load(Syscalls.class, "syscalls-x86_64.txt", 512);

    private Syscalls() {}

    static String name(int nr) {
        if (nr < 0) {
            return NONE;
        }
        String name = nr < NAMES.length ? NAMES[nr] : null;
        return name != null ? name : "syscall_" + nr; // newer than the table: rare, allocates
    }
}
