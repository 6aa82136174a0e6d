package org.ebpfagent.agent.sched;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * x86-64 syscall names by number, from the table generated out of the kernel's UAPI header
 * (scripts/gen-syscall-table.sh). Names are interned once, so naming a reason allocates nothing.
 */
final class Syscalls {
    /** The reason of a thread that left the CPU outside a syscall. */
    static final String NONE = "none";
    private static final String[] NAMES = load();

    private Syscalls() {}

    static String name(int nr) {
        if (nr < 0) {
            return NONE;
        }
        String name = nr < NAMES.length ? NAMES[nr] : null;
        return name != null ? name : "syscall_" + nr; // newer than the table: rare, allocates
    }

    private static String[] load() {
        String[] names = new String[512];
        try (InputStream in = Syscalls.class.getResourceAsStream("syscalls-x86_64.txt")) {
            if (in == null) {
                return names;
            }
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            for (String line; (line = lines.readLine()) != null; ) {
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                int space = line.indexOf(' ');
                int nr = Integer.parseInt(line.substring(0, space));
                if (nr >= names.length) {
                    names = java.util.Arrays.copyOf(names, nr * 2);
                }
                names[nr] = line.substring(space + 1).intern();
            }
        } catch (IOException | RuntimeException e) {
            // A damaged table only costs names: reasons are then shown by number.
        }
        return names;
    }
}
