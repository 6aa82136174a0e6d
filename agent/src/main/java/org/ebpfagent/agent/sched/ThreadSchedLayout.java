package org.ebpfagent.agent.sched;

import org.ebpfagent.agent.ffm.CStruct;

/**
 * {@code struct thread_sched}, {@code struct sched_counters} and the off_cpu map's
 * {@code struct off_cpu_key} / {@code struct off_cpu_total} (bpf/include/sched.h) as Java reads
 * them. The probe binds the slots (or threads), exited and off_cpu maps to these at load, which checks every
 * field's offset and size against the object's BTF: a field added or moved in sched.h and not here
 * fails the load, naming the map and the field.
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
            .u64("start_ns")
            .u32("state")
            .u32("ns_tid")
            .bytes("comm", 16)
            .u32("off_syscall") // __s32: the sizes and offsets are what the check compares
            .u32("off_kind")
            .u32("tid")
            .u32("off_index")
            .bytes("reasons", ThreadSchedLayout.INLINE_REASONS * ThreadSchedLayout.REASON_SIZE)
            .build();

    static final CStruct OFF_CPU_KEY = CStruct.named("OffCpuKey")
            .u64("first_seen_ns")
            .u32("tid")
            .u32("syscall")
            .u32("kind")
            .u32("pad")
            .build();

    static final CStruct OFF_CPU_TOTAL = CStruct.named("OffCpuTotal")
            .u64("ns")
            .u64("spans")
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
    static final int START = THREAD_SCHED.offset("start_ns");
    static final int STATE = THREAD_SCHED.offset("state");
    static final int NS_TID = THREAD_SCHED.offset("ns_tid");
    static final int COMM = THREAD_SCHED.offset("comm");
    static final int COMM_SIZE = 16;
    /** struct off_cpu_reason reasons[INLINE_REASONS]: a thread's first reasons, inside its entry */
    static final int INLINE_REASONS = 4;
    static final int REASON_SIZE = 24;
    static final int INLINE_REASON_SYSCALL = 0;
    static final int INLINE_REASON_KIND_PLUS_1 = 4;
    static final int INLINE_REASON_NS = 8;
    static final int INLINE_REASON_SPANS = 16;
    static final int REASONS = THREAD_SCHED.offset("reasons");
    static final int OFF_SYSCALL = THREAD_SCHED.offset("off_syscall");
    static final int OFF_KIND = THREAD_SCHED.offset("off_kind");
    static final int TID = THREAD_SCHED.offset("tid");
    static final int SIZE = THREAD_SCHED.size();

    /** enum thread_state */
    static final int RUNNING = 1;
    static final int RUNNABLE = 2;
    static final int OFF_CPU_STATE = 3;

    /** struct sched_counters in .bss */
    static final int COUNTERS_THREADS_FULL = 0;
    static final int COUNTERS_EXITS_FULL = 8;
    static final int COUNTERS_REASONS_FULL = 16;
    static final int COUNTERS_SIZE = 24;

    /** struct off_cpu_key and struct off_cpu_total, the off_cpu map's key and value */
    static final int REASON_FIRST_SEEN = OFF_CPU_KEY.offset("first_seen_ns");
    static final int REASON_TID = OFF_CPU_KEY.offset("tid");
    static final int REASON_SYSCALL = OFF_CPU_KEY.offset("syscall");
    static final int REASON_KIND = OFF_CPU_KEY.offset("kind");
    static final int REASON_NS = OFF_CPU_TOTAL.offset("ns");
    static final int REASON_SPANS = OFF_CPU_TOTAL.offset("spans");

    /** enum off_cpu_kind, as ebpf.ThreadOffCpu names it */
    static final String[] WAIT_KINDS = {"other", "sleeping", "uninterruptible"};

    /** struct sched_config in .rodata */
    static final int CONFIG_SIZE = 16;

    /** struct thread_alloc in .data.alloc (tp_btf) */
    static final int ALLOC_FRESH = 0;
    static final int ALLOC_IN_HASH = 8;
    static final int ALLOC_SIZE = 16;

    private ThreadSchedLayout() {}
}
