package org.ebpfagent.agent.sched;

import org.ebpfagent.agent.ffm.CStruct;

/**
 * {@code struct thread_sched} and {@code struct sched_counters} (bpf/include/sched.h) as Java
 * reads them. The probe binds the threads and exited maps to {@link #THREAD_SCHED} at load, which
 * checks every field's offset and size against the object's BTF: a field added or moved in sched.h
 * and not here fails the load, naming the map and the field.
 */
final class ThreadSchedLayout {
    static final CStruct THREAD_SCHED = CStruct.named("ThreadSchedLayout")
            .u64("on_cpu_ns")
            .u64("runq_wait_ns")
            .u64("off_cpu_ns")
            .u64("voluntary")
            .u64("involuntary")
            .u64("migrations")
            .u64("first_seen_ns")
            .u64("since_ns")
            .u64("nvcsw")
            .u64("exec_seen")
            .u32("state")
            .u32("ns_tid")
            .bytes("comm", 16)
            .build();

    static final int ON_CPU = THREAD_SCHED.offset("on_cpu_ns");
    static final int RUNQ_WAIT = THREAD_SCHED.offset("runq_wait_ns");
    static final int OFF_CPU = THREAD_SCHED.offset("off_cpu_ns");
    static final int VOLUNTARY = THREAD_SCHED.offset("voluntary");
    static final int INVOLUNTARY = THREAD_SCHED.offset("involuntary");
    static final int MIGRATIONS = THREAD_SCHED.offset("migrations");
    static final int FIRST_SEEN = THREAD_SCHED.offset("first_seen_ns");
    static final int SINCE = THREAD_SCHED.offset("since_ns");
    static final int EXEC_SEEN = THREAD_SCHED.offset("exec_seen");
    static final int STATE = THREAD_SCHED.offset("state");
    static final int NS_TID = THREAD_SCHED.offset("ns_tid");
    static final int COMM = THREAD_SCHED.offset("comm");
    static final int COMM_SIZE = 16;
    static final int SIZE = THREAD_SCHED.size();

    /** enum thread_state */
    static final int RUNNING = 1;
    static final int RUNNABLE = 2;
    static final int OFF_CPU_STATE = 3;

    /** struct sched_counters in .bss */
    static final int COUNTERS_THREADS_FULL = 0;
    static final int COUNTERS_EXITS_FULL = 8;
    static final int COUNTERS_SIZE = 16;

    /** struct sched_config in .rodata */
    static final int CONFIG_SIZE = 8;

    private ThreadSchedLayout() {}
}
