package org.ebpfagent.sample;

import java.util.concurrent.locks.ReentrantLock;

/** Threads {@code pool-worker-N} that all take one shared lock to do a little CPU work, so they block on each other. */
final class ContendedPool extends Workload {

    // About 100 µs of CPU on a current x86 core (~2 ns per mix round): long enough that the lock is usually held when
    // another worker wants it, short enough that each worker gets many turns per second.
    private static final int WORK_PER_LOCK = 50_000;

    // Fair, so the lock is handed to the longest waiter on release. An unfair lock lets the releasing
    // thread barge straight back in, which starves the others and hides the context switches we want.
    private final ReentrantLock lock = new ReentrantLock(true);

    // Written under the lock after each operation so the work is observable and cannot be optimised away.
    @SuppressWarnings("unused")
    private long sink;

    ContendedPool(int threads) {
        super("pool-worker", threads, "lock ops");
    }

    @Override
    protected long work() {
        long x = Thread.currentThread().threadId();
        long ops = 0;
        while (running()) {
            lock.lock();
            try {
                x = Busywork.mix(x ^ sink, WORK_PER_LOCK);
                sink = x;
            } finally {
                lock.unlock();
            }
            ops++;
        }
        return ops;
    }
}
