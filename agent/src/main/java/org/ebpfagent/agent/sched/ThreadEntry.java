package org.ebpfagent.agent.sched;

import org.ebpfagent.agent.ffm.StructView;

/** One thread's {@code struct thread_sched} as a source hands it over: valid only during the call that received it. */
interface ThreadEntry {
    /** When the entry was copied from the kernel (System.nanoTime, CLOCK_MONOTONIC): what its values are as of. */
    long readAt();

    /** The entry's members ({@link ThreadSchedLayout} fields). */
    StructView fields();
}
