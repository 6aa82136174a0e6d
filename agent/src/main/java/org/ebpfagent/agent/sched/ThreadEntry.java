package org.ebpfagent.agent.sched;

/**
 * One thread's {@code struct thread_sched} (ThreadSchedLayout offsets) as a source hands it over:
 * valid only during the call that received it.
 */
interface ThreadEntry {
    long longAt(int offset);

    int intAt(int offset);

    /** A NUL-terminated string of at most {@code max} bytes (allocates). */
    String stringAt(int offset, int max);
}
