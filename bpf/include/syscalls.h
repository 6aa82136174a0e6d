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
	__u32 slots;       /* entries of the `slots` array the probe may give out (< SYS_NO_SLOT); 0: none */
	__u64 slow_ns;     /* a call at least this long is sent to the agent as a record; 0: none */
};

/*
 * A thread's slots: its task storage holds SYS_WAYS ways, each a syscall and the slot of `slots`
 * that holds the thread's figures for it. A syscall's way is fixed by its number; the first
 * syscall met on a way gets it, the others of that way, and every syscall met once the slots are
 * all taken, are counted in the `stats` hash instead.
 */
#define SYS_WAYS 32
#define SYS_NO_SLOT 0xffff /* a way whose syscall is counted in the hash */

/* Power-of-two latency buckets: bucket i holds calls of [2^i, 2^(i+1)) ns, the last everything longer. */
#define SYS_BUCKETS 36

/* One thread (root-namespace tid and creation time, so a reused tid is another thread) and syscall. */
struct sys_key {
	__u32 tid;
	__u32 nr;
	__u64 thread_start; /* task->start_time */
};

/*
 * Cumulative figures of one thread and syscall: in a slot of the mmap'able `slots` array while the
 * thread lives (if it got one), else in the `stats` hash; a thread's exit moves its slots' figures
 * into the hash, where the agent reads them a last time. Only the thread itself writes its
 * figures, one call at a time: plain stores, no atomics. The longest call is kept per epoch (the
 * agent moves `epoch` on before each read): max_ns is that of epoch `epoch`, prev_max_ns that of
 * the epoch before the entry's last, so the agent reads the longest call of the epoch it just closed.
 * A slot also says whose figures it holds (owner, tid, nr, thread_start; unused in the hash, whose
 * key says it): owner is 0 while the slot is free, is written last when the slot is taken and
 * cleared first when it is given back, and is never the same for two occupants, so that a copy
 * taken between two equal reads of it is of one occupant.
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
	__u64 owner;        /* slots only: this occupancy's number (alloc.owners); 0: free */
	__u32 tid;          /* slots only: the key */
	__u32 nr;
	__u64 thread_start;
};

/* How the probe has given out slots (.data.alloc, read by the agent through mmap before each walk). */
struct sys_alloc {
	__u64 fresh;  /* slots taken for the first time (may overshoot config.slots): those in use are below it */
	__u64 owners; /* slots taken so far, freed ones again included: the last owner number */
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
	SYS_STATS_FULL = 0,   /* a call not counted, or a slot's figures not moved at its thread's exit: the stats hash was full */
	SYS_ERRORS_FULL = 1,  /* an error not counted by errno: the errors hash was full */
	SYS_THREADS_FULL = 2, /* a thread's calls not counted: the threads hash was full, its exit could not be marked */
	SYS_SLOW_LOST = 3,    /* a slow call's record lost: the ring buffer was full */
	SYS_COUNTERS = 4,
};

#endif
