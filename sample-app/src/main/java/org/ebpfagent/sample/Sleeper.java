package org.ebpfagent.sample;

/** Mostly idle threads {@code sleeper-N} that sleep 10 ms at a time, giving lots of off-CPU time and little CPU. */
final class Sleeper extends Workload {

    private static final long SLEEP_MILLIS = 10;

    Sleeper(int threads) {
        super("sleeper", threads, "sleeps");
    }

    @Override
    protected long work() throws InterruptedException {
        long sleeps = 0;
        while (running()) {
            Thread.sleep(SLEEP_MILLIS);
            sleeps++;
        }
        return sleeps;
    }
}
