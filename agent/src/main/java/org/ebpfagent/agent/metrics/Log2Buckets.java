package org.ebpfagent.agent.metrics;

/**
 * Power-of-two buckets of nanoseconds, as the syscall probe keeps its call times: bucket 0 holds
 * 0 and 1 ns, bucket i (0 &lt; i &lt; n - 1) [2^i, 2^(i+1)) ns, the last everything longer.
 */
public final class Log2Buckets {
    private Log2Buckets() {}

    /** Inclusive upper bounds of {@code n} such buckets: 2^(i+1) - 1 ns, the last unbounded. */
    public static long[] bounds(int n) {
        long[] b = new long[n];
        for (int i = 0; i < n - 1; i++) {
            b[i] = (1L << (i + 1)) - 1;
        }
        b[n - 1] = Long.MAX_VALUE;
        return b;
    }
}
