package org.ebpfagent.agent.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * The 99th percentile of a syscall's time over several poll intervals, from what each interval's
 * event kept: its calls, p50, p99 and max (the per-call times themselves are gone, and a p99 of
 * p99s means nothing). It is the smallest time t such that, by those figures, at most 1% of all
 * the calls could have taken longer than t: an interval whose max is at most t adds no call above
 * it, one whose p99 is at most t at most 1% of its calls, one whose p50 is at most t at most half,
 * any other all of them. So it is an upper bound of the true p99 (up to the error of each
 * interval's own estimate), exact for one interval (its p99Time), never above the largest of the
 * intervals' p99s, and one outlier interval among many quiet ones does not carry it.
 */
final class P99Bound {
    /** One interval's figures: calls, p50, p99, max. */
    private final List<long[]> intervals = new ArrayList<>();
    private long calls;

    void add(long calls, long p50, long p99, long max) {
        if (calls <= 0) {
            return;
        }
        // Kept ordered (p50 <= p99 <= max) whatever the estimates say, so the bound stays a bound.
        long m = Math.max(max, 0);
        long q99 = Math.min(Math.max(p99, 0), m);
        intervals.add(new long[] {calls, Math.min(Math.max(p50, 0), q99), q99, m});
        this.calls += calls;
    }

    /** The bound in ns; 0 without calls. */
    long value() {
        if (intervals.isEmpty()) {
            return 0;
        }
        if (intervals.size() == 1) {
            return intervals.getFirst()[2];
        }
        // The calls that may lie above t only fall as t rises, at each interval's p50 (all -> half),
        // p99 (half -> 1%) and max (1% -> none): sweep those steps in order, one sort, no quadratic scan.
        int n = intervals.size();
        long[] at = new long[3 * n];
        // In hundredths of a call, so the sums are exact.
        long[] drop = new long[3 * n];
        Integer[] order = new Integer[3 * n];
        for (int i = 0; i < n; i++) {
            long[] iv = intervals.get(i);
            at[3 * i] = iv[1];
            drop[3 * i] = 50 * iv[0];
            at[3 * i + 1] = iv[2];
            drop[3 * i + 1] = 49 * iv[0];
            at[3 * i + 2] = iv[3];
            drop[3 * i + 2] = iv[0];
        }
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, java.util.Comparator.comparingLong(i -> at[i]));
        long above = 100 * calls;
        long allowed = calls;
        for (int k = 0; k < order.length; k++) {
            above -= drop[order[k]];
            boolean lastAtThisTime = k + 1 == order.length || at[order[k + 1]] != at[order[k]];
            if (lastAtThisTime && above <= allowed) {
                return at[order[k]];
            }
        }
        return at[order[order.length - 1]]; // not reached: above every max, no call is left above
    }
}
