package org.ebpfagent.agent.probe;

/**
 * errno names by number (x86-64 and AArch64 share them), from the table generated out of the
 * kernel's UAPI headers (scripts/gen-errno-table.sh). A number the table lacks is named
 * {@code errno_<n>}.
 */
public final class ErrnoNames {
    private static final String[] NAMES = NameTable.load(ErrnoNames.class, "errno.txt", 256);

    private ErrnoNames() {}

    /** The name of a positive or negative errno value, e.g. {@code ECONNREFUSED} for 111 or -111. */
    public static String name(int errno) {
        int n = Math.abs(errno);
        String name = n < NAMES.length ? NAMES[n] : null;
        return name != null ? name : "errno_" + n;
    }
}
