package org.ebpfagent.sample;

import java.util.ArrayList;
import java.util.List;

/** A group of named platform threads that all run the same loop until the workload is stopped. */
abstract class Workload {

    private final String unit;
    private final List<Thread> threads = new ArrayList<>();
    private final long[] counts;
    // Volatile so a worker sees stop() on its next loop check without any locking.
    private volatile boolean running = true;

    /** Creates {@code threadCount} threads named {@code prefix-0}, {@code prefix-1}, …; {@code unit} labels the counts. */
    Workload(String prefix, int threadCount, String unit) {
        this.unit = unit;
        this.counts = new long[threadCount];
        // Platform threads, not virtual: each one must be its own kernel task so the profiler's per-task
        // scheduler data maps to exactly one Java thread, found by name. Daemon so that a failure in main
        // can never leave the JVM hanging on workers.
        var builder = Thread.ofPlatform().name(prefix + "-", 0).daemon(true);
        for (int i = 0; i < threadCount; i++) {
            int index = i;
            // Written once at the end; Thread.join() makes the value visible to the joining thread.
            threads.add(builder.unstarted(() -> counts[index] = runSafely()));
        }
    }

    /** Runs the work loop while {@link #running()} is true and returns the number of units done. */
    protected abstract long work() throws InterruptedException;

    /** Whether the workload is still meant to run; workers check this between units. */
    protected final boolean running() {
        return running;
    }

    void start() {
        threads.forEach(Thread::start);
    }

    void stop() {
        running = false;
    }

    /** Waits for every thread to finish and returns what each one did, in thread order. */
    List<ThreadResult> join() throws InterruptedException {
        var results = new ArrayList<ThreadResult>(threads.size());
        for (int i = 0; i < threads.size(); i++) {
            var thread = threads.get(i);
            thread.join();
            results.add(new ThreadResult(thread.getName(), counts[i], unit));
        }
        return results;
    }

    private long runSafely() {
        try {
            return work();
        } catch (InterruptedException e) {
            // Nobody interrupts workers today; if someone does, treat it as a stop request.
            Thread.currentThread().interrupt();
            return 0;
        }
    }
}
