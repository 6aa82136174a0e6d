package org.ebpfagent.agent.probe;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * errno names by number (x86-64 and AArch64 share them), from the table generated out of the
 * kernel's UAPI headers (scripts/gen-errno-table.sh). A number the table lacks is named
 * {@code errno_<n>}.
 */
public final class ErrnoNames {
    private static final String[] NAMES = load();

    private ErrnoNames() {}

    /** The name of a positive or negative errno value, e.g. {@code ECONNREFUSED} for 111 or -111. */
    public static String name(int errno) {
        int n = Math.abs(errno);
        String name = n < NAMES.length ? NAMES[n] : null;
        return name != null ? name : "errno_" + n;
    }

    private static String[] load() {
        String[] names = new String[256];
        try (InputStream in = ErrnoNames.class.getResourceAsStream("errno.txt")) {
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
            // A damaged table only costs names: errors are then shown by number.
        }
        return names;
    }
}
