package org.ebpfagent.agent.tcp;

/**
 * The text of addresses seen recently, so that a connection to a known peer costs no allocation
 * and JFR gets the same String again (which its string pool can then write once per chunk): a
 * direct-mapped table of 1,024 addresses, a new one replacing the one in its place. Not
 * thread-safe: one per reader.
 */
final class AddressCache {
    private static final int SIZE = 1024;

    private final long[] lo = new long[SIZE];
    private final long[] hi = new long[SIZE];
    private final int[] family = new int[SIZE];
    private final String[] text = new String[SIZE];

    /** {@link Endpoints#address}, remembered. */
    String address(int fam, long l, long h) {
        int i = (int) (mix(l * 31 + h + fam) & (SIZE - 1));
        if (text[i] != null && lo[i] == l && hi[i] == h && family[i] == fam) {
            return text[i];
        }
        String s = Endpoints.address(fam, l, h);
        lo[i] = l;
        hi[i] = h;
        family[i] = fam;
        text[i] = s;
        return s;
    }

    private static long mix(long x) {
        x ^= x >>> 33;
        x *= 0xff51afd7ed558ccdL;
        return x ^ (x >>> 33);
    }
}
