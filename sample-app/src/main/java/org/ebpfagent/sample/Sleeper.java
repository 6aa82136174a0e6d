package org.ebpfagent.sample;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Mostly idle threads {@code sleeper-N} that sleep 10 ms at a time, giving lots of off-CPU time and
 * little CPU. How late each wakeup comes (the overshoot past 10 ms) is the app's latency figure:
 * it grows with everything that stands between a timer firing and the thread running again.
 */
final class Sleeper extends Workload {

    private static final long SLEEP_MILLIS = 10;
    private static final int MAX_MICROS = 100_000;

    // Overshoot histogram in microseconds, shared by all sleepers; the last bucket holds the rest.
    private final AtomicLongArray overshootMicros = new AtomicLongArray(MAX_MICROS + 1);

    Sleeper(int threads) {
        super("sleeper", threads, "sleeps");
    }

    @Override
    protected long work() throws InterruptedException {
        long sleeps = 0;
        while (running()) {
            long start = System.nanoTime();
            Thread.sleep(SLEEP_MILLIS);
            long late = (System.nanoTime() - start) / 1000 - SLEEP_MILLIS * 1000;
            overshootMicros.incrementAndGet((int) Math.max(0, Math.min(MAX_MICROS, late)));
            sleeps++;
        }
        return sleeps;
    }

    /** "wakeup latency p50 N us, p99 N us, max N us over N sleeps", or "" with no sleeps. */
    String latencySummary() {
        long total = 0;
        for (int i = 0; i <= MAX_MICROS; i++) {
            total += overshootMicros.get(i);
        }
        if (total == 0) {
            return "";
        }
        long p50 = -1;
        long p99 = -1;
        long max = 0;
        long seen = 0;
        for (int i = 0; i <= MAX_MICROS; i++) {
            long n = overshootMicros.get(i);
            seen += n;
            if (p50 < 0 && seen * 2 >= total) {
                p50 = i;
            }
            if (p99 < 0 && seen * 100 >= total * 99) {
                p99 = i;
            }
            if (n > 0) {
                max = i;
            }
        }
        return "wakeup latency p50 %d us, p99 %d us, max %d us over %d sleeps".formatted(p50, p99, max, total);
    }
}
