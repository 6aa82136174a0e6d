package org.ebpfagent.agent.syscalls;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The histogram estimate against the exact quantile of random samples: always in the true quantile's bucket. */
class Log2QuantilesTest {
    private static int bucket(long ns) {
        return ns <= 1 ? 0 : Math.min(35, 63 - Long.numberOfLeadingZeros(ns));
    }

    @Test
    void theEstimateLiesInTheBucketOfTheTrueQuantileAndNeverAboveTheLongest() {
        Random random = new Random(42);
        for (int trial = 0; trial < 2000; trial++) {
            int n = 1 + random.nextInt(300);
            long[] samples = new long[n];
            long[] counts = new long[36];
            for (int i = 0; i < n; i++) {
                samples[i] = (long) Math.exp(random.nextDouble() * 25); // 1 ns to 72 ms, spread over the buckets
                counts[bucket(samples[i])]++;
            }
            Arrays.sort(samples);
            long max = samples[n - 1];
            for (double q : new double[] {0.5, 0.99}) {
                long exact = samples[(int) Math.ceil(q * n) - 1];
                long estimate = Log2Quantiles.estimate(counts, n, q, max);
                assertEquals(bucket(exact), bucket(estimate), "q " + q + ", exact " + exact + ", estimate " + estimate);
                assertTrue(estimate <= max, "above the longest call");
            }
        }
    }

    @Test
    void oneTimeRepeatedIsItsOwnQuantile() {
        long[] counts = new long[36];
        counts[23] = 100; // 100 calls of 10.08 ms
        assertEquals(10_080_000, Log2Quantiles.estimate(counts, 100, 0.5, 10_080_000));
        assertEquals(10_080_000, Log2Quantiles.estimate(counts, 100, 0.99, 10_080_000));
        assertEquals(0, Log2Quantiles.estimate(new long[36], 0, 0.5, 0));
    }
}
