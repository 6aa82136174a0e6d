package org.ebpfagent.agent.syscalls;

import org.ebpfagent.agent.ffm.CStruct;
import org.ebpfagent.agent.ffm.CStruct.Field;

/**
 * The structs of bpf/include/syscalls.h that the agent reads or writes, and of each only the
 * members it uses. Offsets and sizes come from the object's BTF when the probe binds its maps at
 * load; a member missing or resized in syscalls.h fails the load, naming the map and the member.
 */
final class SyscallLayout {
    /** SYS_BUCKETS: power-of-two latency buckets per thread and syscall */
    static final int BUCKETS = 36;

    /** struct sys_key and struct sys_stats: the stats hash's key and value */
    static final CStruct KEY = CStruct.named("sys_key");
    static final Field KEY_TID = KEY.u32("tid");
    static final Field KEY_NR = KEY.u32("nr");
    static final Field KEY_THREAD_START = KEY.u64("thread_start");
    static final CStruct STATS = CStruct.named("sys_stats");
    static final Field CALLS = STATS.u64("calls");
    static final Field ERRORS = STATS.u64("errors");
    static final Field RESTARTS = STATS.u64("restarts");
    static final Field TOTAL_NS = STATS.u64("total_ns");
    static final Field MAX_NS = STATS.u64("max_ns");
    static final Field PREV_MAX_NS = STATS.u64("prev_max_ns");
    static final Field EPOCH = STATS.u32("epoch");
    static final Field PREV_EPOCH = STATS.u32("prev_epoch");
    static final Field HIST = STATS.bytes("hist", BUCKETS * 4);
    /** In a slot of the slots array only: whose figures they are (0: a free slot), and the key */
    static final Field OWNER = STATS.u64("owner");
    static final Field SLOT_TID = STATS.u32("tid");
    static final Field SLOT_NR = STATS.u32("nr");
    static final Field SLOT_THREAD_START = STATS.u64("thread_start");

    /** struct sys_alloc, variable alloc in .data.alloc: slots given out */
    static final CStruct ALLOC = CStruct.named("sys_alloc");
    static final Field FRESH = ALLOC.u64("fresh");

    /** struct sys_error_key: the errors hash's key (its value is a bare u64 count) */
    static final CStruct ERROR_KEY = CStruct.named("sys_error_key");
    static final Field E_TID = ERROR_KEY.u32("tid");
    static final Field E_NR = ERROR_KEY.u16("nr");
    static final Field E_ERR = ERROR_KEY.u16("err");
    static final Field E_THREAD_START = ERROR_KEY.u64("thread_start");

    /** struct sys_thread_key and struct sys_thread: the threads hash's key and value */
    static final CStruct THREAD_KEY = CStruct.named("sys_thread_key");
    static final Field T_TID = THREAD_KEY.u32("tid");
    static final Field T_THREAD_START = THREAD_KEY.u64("thread_start");
    static final CStruct THREAD = CStruct.named("sys_thread");
    static final Field T_NS_TID = THREAD.u32("ns_tid");
    static final Field T_EXITED = THREAD.u32("exited");
    static final Field T_COMM = THREAD.bytes("comm", 16);

    /** struct sys_slow: a ring-buffer record */
    static final CStruct SLOW = CStruct.named("sys_slow");
    static final Field S_TID = SLOW.u32("tid");
    static final Field S_NR = SLOW.u32("nr");
    static final Field S_RET = SLOW.u64("ret");
    static final Field S_THREAD_START = SLOW.u64("thread_start");
    static final Field S_START = SLOW.u64("start_ns");
    static final Field S_NS = SLOW.u64("ns");

    /** struct sys_config, variable config in .rodata */
    static final CStruct CONFIG = CStruct.named("sys_config");
    static final Field TARGET_TGID = CONFIG.u32("target_tgid");
    static final Field SLOTS = CONFIG.u32("slots");
    static final Field SLOW_NS = CONFIG.u64("slow_ns");

    /** enum sys_counter: indexes of the counters array */
    static final int CNT_STATS_FULL = 0;
    static final int CNT_ERRORS_FULL = 1;
    static final int CNT_THREADS_FULL = 2;
    static final int CNT_SLOW_LOST = 3;

    private SyscallLayout() {}
}
