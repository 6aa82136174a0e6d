package org.ebpfagent.agent.tcp;

/**
 * Text of the addresses the probe records: IPv4 as dotted quads, IPv6 in the shortest form of
 * RFC 5952, and IPv4-mapped IPv6 (what Java's dual-stack sockets carry for IPv4 peers) as plain
 * IPv4. Addresses arrive as the kernel stores them (network byte order) read as little-endian longs.
 */
final class Endpoints {
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;

    private Endpoints() {}

    /** The address whose first 8 bytes are {@code lo} and next 8 {@code hi} (little-endian reads). */
    static String address(int family, long lo, long hi) {
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (lo >>> (8 * i));
            b[8 + i] = (byte) (hi >>> (8 * i));
        }
        if (family == AF_INET) {
            return ipv4(b, 0);
        }
        if (family != AF_INET6) {
            return "";
        }
        boolean mapped = true;
        for (int i = 0; i < 10; i++) {
            mapped &= b[i] == 0;
        }
        if (mapped && b[10] == (byte) 0xff && b[11] == (byte) 0xff) {
            return ipv4(b, 12);
        }
        return ipv6(b);
    }

    private static String ipv4(byte[] b, int at) {
        return (b[at] & 0xff) + "." + (b[at + 1] & 0xff) + "." + (b[at + 2] & 0xff) + "." + (b[at + 3] & 0xff);
    }

    private static String ipv6(byte[] b) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        // The longest run of two or more zero groups (the first of equals) becomes "::".
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }
}
