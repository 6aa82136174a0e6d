package org.ebpfagent.agent.probe;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * A "NUMBER NAME" table generated from the kernel's UAPI headers (scripts/gen-*-table.sh), as an
 * array indexed by number. Names are interned once, so naming allocates nothing.
 */
public final class NameTable {
    private NameTable() {}

    /**
     * The table in resource {@code resource} next to {@code anchor}, at least {@code size} long;
     * a missing or damaged table gives what could be read (names are then shown by number).
     */
    public static String[] load(Class<?> anchor, String resource, int size) {
        String[] names = new String[size];
        try (InputStream in = anchor.getResourceAsStream(resource)) {
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
            // a damaged table only costs names
        }
        return names;
    }
}
