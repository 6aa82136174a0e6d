package org.ebpfagent.agent.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class P99BoundTest {

    @Test
    void oneIntervalIsItsOwnP99AndNoneIsZero() {
        P99Bound b = new P99Bound();
        assertEquals(0, b.value());
        b.add(1000, 10, 900, 5000);
        assertEquals(900, b.value());
    }

    @Test
    void oneSlowIntervalAmongManyQuietOnesDoesNotCarryIt() {
        P99Bound b = new P99Bound();
        for (int i = 0; i < 99; i++) {
            b.add(100, 10, 20, 30);
        }
        b.add(100, 10, 50_000, 60_000); // a bad second: its p99 is 50 µs, but it holds 1% of the calls
        // Above 10 ns at most half of the slow interval's 100 calls can lie, and 1% of the 99
        // quiet ones': 50 + 99 > 100 allowed. Above 30 ns (the quiet maxima) only the slow
        // interval's half: 50 <= 100.
        assertEquals(30, b.value());
    }

    @Test
    void neverBelowTheTrueP99NorAboveTheLargestIntervalP99() {
        Random random = new Random(42);
        for (int round = 0; round < 200; round++) {
            P99Bound b = new P99Bound();
            List<Long> all = new ArrayList<>();
            long largestP99 = 0;
            int intervals = 1 + random.nextInt(20);
            for (int i = 0; i < intervals; i++) {
                int n = 1 + random.nextInt(random.nextBoolean() ? 5 : 500);
                long scale = 1L << random.nextInt(20);
                long[] times = new long[n];
                for (int k = 0; k < n; k++) {
                    times[k] = (long) (scale * Math.exp(3 * random.nextGaussian()));
                    all.add(times[k]);
                }
                Arrays.sort(times);
                long p99 = rank(times, 0.99);
                b.add(n, rank(times, 0.5), p99, times[n - 1]);
                largestP99 = Math.max(largestP99, p99);
            }
            long[] sorted = all.stream().mapToLong(Long::longValue).sorted().toArray();
            long truth = rank(sorted, 0.99);
            long bound = b.value();
            assertTrue(bound >= truth, "round " + round + ": bound " + bound + " under the true p99 " + truth);
            assertTrue(bound <= largestP99, "round " + round + ": bound " + bound + " over " + largestP99);
        }
    }

    /** Nearest rank, as the probe's estimate aims at and Samples computes. */
    private static long rank(long[] sorted, double q) {
        return sorted[(int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
    }
}
