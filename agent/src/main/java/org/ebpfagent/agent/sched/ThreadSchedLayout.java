package org.ebpfagent.agent.sched;

/**
 * Byte offsets of {@code struct thread_sched}, {@code struct sched_counters} and the off_cpu map's structs (bpf/include/sched.h).
 * The probe checks {@link #SIZE} against the map's value size when it loads.
 */
final class ThreadSchedLayout {
    static final int ON_CPU = 0;
    static final int RUNQ_WAIT = 8;
    static final int OFF_CPU = 16;
    static final int VOLUNTARY = 24;
    static final int INVOLUNTARY = 32;
    static final int MIGRATIONS = 40;
    static final int FIRST_SEEN = 48;
    static final int SINCE = 56;
    static final int EXEC_SEEN = 72;
    static final int STATE = 80;
    static final int NS_TID = 84;
    static final int COMM = 88;
    static final int COMM_SIZE = 16;
    static final int OFF_SYSCALL = 104;
    static final int OFF_KIND = 108;
    static final int SIZE = 112;

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
    static final int REASON_FIRST_SEEN = 0;
    static final int REASON_TID = 8;
    static final int REASON_SYSCALL = 12;
    static final int REASON_KIND = 16;
    static final int REASON_KEY_SIZE = 24;
    static final int REASON_NS = 0;
    static final int REASON_SPANS = 8;
    static final int REASON_VALUE_SIZE = 16;

    /** enum off_cpu_kind, as ebpf.ThreadOffCpu names it */
    static final String[] WAIT_KINDS = {"other", "sleeping", "uninterruptible"};

    /** struct sched_config in .rodata */
    static final int CONFIG_SIZE = 8;

    private ThreadSchedLayout() {}
}
