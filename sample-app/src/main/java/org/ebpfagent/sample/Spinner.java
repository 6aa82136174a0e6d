package org.ebpfagent.sample;

/** CPU-bound threads {@code spinner-N} that never block, so with more of them than cores they wait in the run queue. */
final class Spinner extends Workload {

    // One batch is about 2 ms of CPU on a current x86 core: coarse enough that the stop check costs nothing,
    // fine enough that a stop is seen almost immediately. Counting batches gives "M iterations".
    private static final int BATCH = 1_000_000;

    // Written after every batch so the computation has an observable effect and cannot be optimised away.
    @SuppressWarnings("unused")
    private volatile long sink;

    Spinner(int threads) {
        super("spinner", threads, "M iterations");
    }

    @Override
    protected long work() {
        long x = Thread.currentThread().threadId();
        long batches = 0;
        while (running()) {
            x = Busywork.mix(x, BATCH);
            sink = x;
            batches++;
        }
        return batches;
    }
}
