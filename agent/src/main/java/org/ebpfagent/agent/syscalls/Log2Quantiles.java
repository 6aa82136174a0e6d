package org.ebpfagent.agent.syscalls;

/**
 * Quantiles of call times estimated from a log2 histogram: bucket i holds the calls of
 * [2^i, 2^(i+1)) ns (bucket 0 from 0), the last bucket everything longer. The estimate lies in the
 * bucket that holds the true quantile, placed inside it by rank (linear interpolation), and never
 * above the longest call: at most a factor of two from the truth, exact when that bucket holds one
 * distinct time that is also the longest.
 */
final class Log2Quantiles {
    private Log2Quantiles() {}

    /**
     * @param counts calls per bucket
     * @param calls  their sum
     * @param q      the quantile, 0 &lt; q &le; 1
     * @param max    the longest call, which no estimate exceeds (unless it is below the bucket: unknown)
     */
    static long estimate(long[] counts, long calls, double q, long max) {
        if (calls <= 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(q * calls)); // 1-based rank of the quantile's call
        long below = 0;
        for (int b = 0; b < counts.length; b++) {
            long n = counts[b];
            if (n <= 0 || below + n < rank) {
                below += Math.max(0, n);
                continue;
            }
            long low = b == 0 ? 0 : 1L << b;
            long high = b == counts.length - 1 ? Math.max(low, max) : 1L << (b + 1);
            // The k-th of n calls in the bucket is placed at the middle of the k-th n-th of it:
            // inside [low, high), never on the bucket's upper edge, which belongs to the next.
            long estimate = low + (long) ((high - low) * ((rank - below - 0.5) / n));
            return max >= low ? Math.min(estimate, max) : estimate;
        }
        return max; // counts short of calls (a read racing the kernel's writes): the longest is an upper bound
    }

    /** The shortest time the highest non-empty bucket holds: no call was shorter than the longest call. */
    static long floorOfLongest(long[] counts) {
        for (int b = counts.length - 1; b > 0; b--) {
            if (counts[b] > 0) {
                return 1L << b;
            }
        }
        return 0;
    }
}
