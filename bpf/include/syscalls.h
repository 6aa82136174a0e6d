/*
 * ABI of the syscall probe: the structs that cross from syscalls.bpf.c to the agent. Fixed-width
 * fields, natural alignment, explicit padding. The Java side (SyscallLayout) names only the members
 * it reads; their offsets come from this object's BTF at load, so members may be added or moved.
 */
#ifndef EBPF_AGENT_SYSCALLS_H
#define EBPF_AGENT_SYSCALLS_H

/* Read-only configuration, set by the agent before load (.rodata). */
struct sys_config {
	__u32 target_tgid; /* the JVM's process id in the root PID namespace */
	__u32 pad;
	__u64 slow_ns;     /* a call at least this long is sent to the agent as a record; 0: none */
};

/* Power-of-two latency buckets: bucket i holds calls of [2^i, 2^(i+1)) ns, the last everything longer. */
#define SYS_BUCKETS 36

/* One thread (root-namespace tid and creation time, so a reused tid is another thread) and syscall. */
struct sys_key {
	__u32 tid;
	__u32 nr;
	__u64 thread_start; /* task->start_time */
};

/*
 * Cumulative figures of one thread and syscall (`stats` hash). Only the thread itself writes its
 * entries, one call at a time: plain stores, no atomics. The longest call is kept per epoch (the
 * agent moves `epoch` on before each read): max_ns is that of epoch `epoch`, prev_max_ns that of
 * the epoch before the entry's last, so the agent reads the longest call of the epoch it just closed.
 */
struct sys_stats {
	__u64 calls;
	__u64 errors;   /* returned -4095..-1, the restart codes excepted */
	__u64 restarts; /* returned -512..-516: the kernel restarts the call or turns it into EINTR */
	__u64 total_ns;
	__u64 max_ns;
	__u64 prev_max_ns;
	__u32 epoch;      /* the epoch max_ns belongs to */
	__u32 prev_epoch; /* the epoch prev_max_ns belongs to */
	__u32 hist[SYS_BUCKETS];
};

/* One thread, syscall and errno (`errors` hash, value: calls that returned it, cumulative). */
struct sys_error_key {
	__u32 tid;
	__u16 nr;
	__u16 err; /* positive */
	__u64 thread_start;
};

/* A thread that made syscalls (`threads` hash, keyed by tid and creation time). */
struct sys_thread_key {
	__u32 tid;
	__u32 pad;
	__u64 thread_start;
};

struct sys_thread {
	__u32 ns_tid;
	__u32 exited; /* set at the thread's exit: the agent reads its entries once more and deletes them */
	char comm[16];
};

/* A call that took at least config.slow_ns (`records` ring buffer). */
struct sys_slow {
	__u32 tid;
	__u32 nr;
	__s64 ret;
	__u64 thread_start;
	__u64 start_ns; /* entry, bpf_ktime_get_ns */
	__u64 ns;       /* entry to exit */
};

/* What the probe could not record, cumulative: indexes of the mmap'able `counters` array. */
enum sys_counter {
	SYS_STATS_FULL = 0,   /* a call not counted: the stats hash was full */
	SYS_ERRORS_FULL = 1,  /* an error not counted by errno: the errors hash was full */
	SYS_THREADS_FULL = 2, /* a thread's calls not counted: the threads hash was full, its exit could not be marked */
	SYS_SLOW_LOST = 3,    /* a slow call's record lost: the ring buffer was full */
	SYS_COUNTERS = 4,
};

#endif
