package org.ebpfagent.agent.sched;

import org.ebpfagent.agent.ffm.CStruct;
import org.ebpfagent.agent.ffm.CStruct.Field;

/**
 * The structs of bpf/include/sched.h that the agent reads or writes, and of each only the members
 * it uses. Offsets, sizes and array lengths come from the object's BTF when the probe binds its
 * maps at load ({@link SchedLayouts}); a member missing or resized in sched.h fails the load,
 * naming the map and the member.
 */
final class ThreadSchedLayout {
    /** struct off_cpu_reason: one of a thread's first off-CPU reasons, inside its entry */
    static final CStruct OFF_CPU_REASON = CStruct.named("off_cpu_reason");
    static final Field INLINE_SYSCALL = OFF_CPU_REASON.u32("syscall");
    static final Field INLINE_KIND_PLUS_1 = OFF_CPU_REASON.u32("kind_plus_1");
    static final Field INLINE_NS = OFF_CPU_REASON.u64("ns");
    static final Field INLINE_SPANS = OFF_CPU_REASON.u64("spans");

    /** struct thread_sched: a thread's entry in the slots array, the threads hash, the exited hash */
    static final CStruct THREAD_SCHED = CStruct.named("thread_sched");
    static final Field ON_CPU = THREAD_SCHED.u64("on_cpu_ns");
    static final Field RUNQ_WAIT = THREAD_SCHED.u64("runq_wait_ns");
    static final Field OFF_CPU = THREAD_SCHED.u64("off_cpu_ns");
    static final Field VOLUNTARY = THREAD_SCHED.u64("voluntary");
    static final Field INVOLUNTARY = THREAD_SCHED.u64("involuntary");
    static final Field MIGRATIONS = THREAD_SCHED.u64("migrations");
    static final Field STOLEN = THREAD_SCHED.u64("stolen_ns");
    static final Field FIRST_SEEN = THREAD_SCHED.u64("first_seen_ns");
    static final Field SINCE = THREAD_SCHED.u64("since_ns");
    static final Field START = THREAD_SCHED.u64("start_ns");
    /** Not 0 while a program writes the entry: no copy of it is taken then. */
    static final Field WRITING = THREAD_SCHED.u64("writing");
    /** The sched_walk's note: the thread runs after a switch-in no program saw, which ended the wait begun at this since_ns. */
    static final Field SEEN_RUNNING_FOR = THREAD_SCHED.u64("seen_running_for");
    /** The note's switch-in: the kernel's stamp of it. */
    static final Field SEEN_RUNNING_AT = THREAD_SCHED.u64("seen_running_at");
    /** When the sched_walk made the note. */
    static final Field NOTED = THREAD_SCHED.u64("noted_ns");
    static final Field STATE = THREAD_SCHED.u32("state");
    static final Field NS_TID = THREAD_SCHED.u32("ns_tid");
    /** Read as two longs to see a rename without decoding it, and as a string when it changed. */
    static final Field COMM = THREAD_SCHED.bytes("comm", 16);
    static final Field OFF_SYSCALL = THREAD_SCHED.u32("off_syscall");
    static final Field OFF_KIND = THREAD_SCHED.u32("off_kind");
    static final Field TID = THREAD_SCHED.u32("tid");
    static final Field REASONS = THREAD_SCHED.structs("reasons", OFF_CPU_REASON);

    /** struct off_cpu_key and struct off_cpu_total: the off_cpu map's key and value */
    static final CStruct OFF_CPU_KEY = CStruct.named("off_cpu_key");
    static final Field KEY_FIRST_SEEN = OFF_CPU_KEY.u64("first_seen_ns");
    static final Field KEY_TID = OFF_CPU_KEY.u32("tid");
    static final Field KEY_SYSCALL = OFF_CPU_KEY.u32("syscall");
    static final Field KEY_KIND = OFF_CPU_KEY.u32("kind");
    static final CStruct OFF_CPU_TOTAL = CStruct.named("off_cpu_total");
    static final Field TOTAL_NS = OFF_CPU_TOTAL.u64("ns");
    static final Field TOTAL_SPANS = OFF_CPU_TOTAL.u64("spans");

    /** struct sched_counters, variable counters in .bss */
    static final CStruct SCHED_COUNTERS = CStruct.named("sched_counters");
    static final Field THREADS_FULL = SCHED_COUNTERS.u64("threads_full");
    static final Field EXITS_FULL = SCHED_COUNTERS.u64("exits_full");
    static final Field REASONS_FULL = SCHED_COUNTERS.u64("reasons_full");
    static final Field SWITCH_INS_UNSEEN = SCHED_COUNTERS.u64("switch_ins_unseen");

    /** struct sched_config, variable config in .rodata */
    static final CStruct SCHED_CONFIG = CStruct.named("sched_config");
    static final Field TARGET_TGID = SCHED_CONFIG.u32("target_tgid");
    static final Field CONFIG_SLOTS = SCHED_CONFIG.u32("slots");
    static final Field HASH_THREADS = SCHED_CONFIG.u32("hash_threads");

    /** struct thread_alloc, variable alloc in .data.alloc (tp_btf) */
    static final CStruct THREAD_ALLOC = CStruct.named("thread_alloc");
    static final Field FRESH = THREAD_ALLOC.u64("fresh");
    static final Field IN_HASH = THREAD_ALLOC.u64("in_hash");

    /** enum thread_state */
    static final int RUNNING = 1;
    static final int RUNNABLE = 2;
    static final int OFF_CPU_STATE = 3;

    /** enum off_cpu_kind, as ebpf.ThreadOffCpu names it */
    static final String[] WAIT_KINDS = {"other", "sleeping", "uninterruptible"};

    private ThreadSchedLayout() {}
}
