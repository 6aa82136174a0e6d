package org.ebpfagent.agent.sched;

/**
 * One thread's {@code struct thread_sched} (ThreadSchedLayout offsets) as a source hands it over:
 * valid only during the call that received it.
 */
interface ThreadEntry {
    /** When the entry was copied from the kernel (System.nanoTime, CLOCK_MONOTONIC): what its values are as of. */
    long readAt();

    long longAt(int offset);

    int intAt(int offset);

    /** A NUL-terminated string of at most {@code max} bytes (allocates). */
    String stringAt(int offset, int max);
}
