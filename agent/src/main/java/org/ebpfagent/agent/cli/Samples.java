package org.ebpfagent.agent.cli;

import java.util.Arrays;

/** Values kept one by one for exact quantiles (nearest rank), e.g. connect times in ns. */
final class Samples {
    private long[] values = new long[64];
    private int count;

    void add(long v) {
        if (count == values.length) {
            values = Arrays.copyOf(values, count * 2);
        }
        values[count++] = v;
    }

    /** The q-quantile by nearest rank; 0 without any value. */
    long quantile(double q) {
        if (count == 0) {
            return 0;
        }
        long[] sorted = Arrays.copyOf(values, count);
        Arrays.sort(sorted);
        return sorted[(int) Math.min(count - 1, Math.max(0, Math.ceil(q * count) - 1))];
    }
}
