// SPDX-License-Identifier: GPL-2.0
/*
 * Syscall probe: per thread of one process and syscall, calls, errors (by errno in a hash of their
 * own), restarts, total and longest time and a log2 latency histogram; and a record of every call
 * that took longer than config.slow_ns.
 *
 * raw_syscalls' sys_enter and sys_exit run for every syscall on the machine, so the first thing
 * each program does is the cheapest test that can reject another process: the tgid of `current`
 * against the configured one. For this process, entry stores the syscall and the time in the
 * thread's task storage; exit takes them, and adds the call to the thread's entry for that
 * syscall. Nothing is left behind by a call that never returns (exit, exit_group, a successful
 * execve) or a thread that dies: task storage is freed with its task, and a thread's exit marks its
 * entry in `threads`, after which the agent reads its figures once more and deletes them. A reused
 * tid is another thread: keys hold the task's creation time.
 *
 * Every program exists twice: tp_btf (preferred) and raw_tp (fallback); the agent loads one set.
 * Both read `current` only, through bpf_get_current_task_btf.
 */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "syscalls.h"

char LICENSE[] SEC("license") = "GPL";

#define BPF_MAP_TYPE_RINGBUF 27
#define BPF_RB_NO_WAKEUP 1
/* include/linux/errno.h: the kernel's restart codes, never seen by a process that is not traced. */
#define ERESTARTSYS 512
#define ERESTART_RESTARTBLOCK 516
#define MAX_ERRNO 4095

const volatile struct sys_config config = {};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, SYS_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count(__u32 index)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &index);

	if (c)
		__sync_fetch_and_add(c, 1);
}

/* What a thread is doing: the syscall it is in and since when, and whether it has a `threads` entry. */
struct sys_inflight {
	__u64 start_ns;     /* 0: not in a syscall the probe saw enter */
	__u64 thread_start; /* task->start_time */
	__u32 nr;
	__u32 registered;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sys_inflight);
} inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536); /* threads x syscalls in use; the buckets cost 16 bytes per entry of capacity */
	__type(key, struct sys_key);
	__type(value, struct sys_stats);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 4096);
	__type(key, struct sys_error_key);
	__type(value, __u64);
} errors SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 8192); /* the JVM's threads that made syscalls; the agent may lower it to maxThreads */
	__type(key, struct sys_thread_key);
	__type(value, struct sys_thread);
} threads SEC(".maps");

/* The epoch the longest calls are kept for; the agent moves it on before each read. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} epoch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 128 << 10); /* 2,700 slow calls between two polls (48 bytes each with the header) */
} records SEC(".maps");

static __always_inline bool own_process(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == config.target_tgid;
}

/* The tid as seen from the deepest PID namespace the thread lives in: the JVM's. */
static __always_inline __u32 ns_tid(struct task_struct *t)
{
	struct pid *pid = BPF_CORE_READ(t, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct upid up = {};

	bpf_core_read(&up, sizeof(up), &pid->numbers[level & 31]);
	return up.nr;
}

/* floor(log2(v)) for v > 0, without a loop. */
static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) r += 1;
	return r;
}

static __always_inline int on_enter(long id)
{
	if (!own_process())
		return 0;
	struct task_struct *t = bpf_get_current_task_btf();
	struct sys_inflight *in = bpf_task_storage_get(&inflight, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (!in)
		return 0;
	if (!in->thread_start)
		in->thread_start = t->start_time;
	in->nr = (__u32)id;
	in->start_ns = bpf_ktime_get_ns();
	return 0;
}

/*
 * The thread's first call: an entry in `threads`, so that its exit can be marked. Out of line: it
 * happens once per thread. Without it the thread's calls are not counted (they could never be
 * deleted), and the next call tries again.
 */
static __noinline bool register_thread(struct task_struct *t, struct sys_inflight *in)
{
	struct sys_thread_key key = { .tid = t->pid, .thread_start = in->thread_start };
	struct sys_thread thread = { .ns_tid = ns_tid(t) };

	bpf_get_current_comm(thread.comm, sizeof(thread.comm));
	if (bpf_map_update_elem(&threads, &key, &thread, BPF_ANY)) {
		count(SYS_THREADS_FULL);
		return false;
	}
	in->registered = 1;
	return true;
}

/* A thread's first call of a syscall: its entry. Out of line, as it happens once per thread and syscall. */
static __noinline struct sys_stats *new_stats(struct sys_key *key)
{
	struct sys_stats zero = {};

	if (bpf_map_update_elem(&stats, key, &zero, BPF_NOEXIST) == -E2BIG) {
		count(SYS_STATS_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(&stats, key);
}

static __noinline void count_error(struct sys_key *key, long err)
{
	struct sys_error_key ekey = {
		.tid = key->tid, .nr = (__u16)key->nr, .err = (__u16)err, .thread_start = key->thread_start,
	};
	__u64 *n = bpf_map_lookup_elem(&errors, &ekey);

	if (n) {
		*n += 1; /* only this thread touches its keys */
		return;
	}
	__u64 one = 1;

	if (bpf_map_update_elem(&errors, &ekey, &one, BPF_NOEXIST) == -E2BIG)
		count(SYS_ERRORS_FULL);
}

/*
 * A slow call's record, copied into the ring (slow calls are rare: the copy costs nothing that
 * matters). Taking the record by pointer puts struct sys_slow into the object's BTF, where the
 * agent finds its layout.
 */
static __noinline void send_slow(struct sys_slow *r)
{
	if (bpf_ringbuf_output(&records, r, sizeof(*r), BPF_RB_NO_WAKEUP))
		count(SYS_SLOW_LOST);
}

static __always_inline int on_exit(long ret)
{
	if (!own_process())
		return 0;
	struct task_struct *t = bpf_get_current_task_btf();
	struct sys_inflight *in = bpf_task_storage_get(&inflight, t, 0, 0);

	if (!in || !in->start_ns)
		return 0; /* entered before the probe attached */
	__u64 start_ns = in->start_ns;
	__u64 ns = bpf_ktime_get_ns() - start_ns;

	in->start_ns = 0;
	if (!in->registered && !register_thread(t, in))
		return 0;
	struct sys_key key = { .tid = t->pid, .nr = in->nr, .thread_start = in->thread_start };
	struct sys_stats *s = bpf_map_lookup_elem(&stats, &key);

	if (!s) {
		s = new_stats(&key);
		if (!s)
			return 0;
	}
	__u32 zero = 0;
	__u64 *now_epoch = bpf_map_lookup_elem(&epoch, &zero);
	__u32 e = now_epoch ? (__u32)*now_epoch : 0;

	if (s->epoch != e) {
		s->prev_max_ns = s->max_ns;
		s->prev_epoch = s->epoch;
		s->max_ns = 0;
		s->epoch = e;
	}
	if (ns > s->max_ns)
		s->max_ns = ns;
	__u32 bucket = ns ? log2_u64(ns) : 0;

	if (bucket >= SYS_BUCKETS)
		bucket = SYS_BUCKETS - 1;
	s->hist[bucket]++;
	s->total_ns += ns;
	s->calls++;
	if (ret < 0 && ret >= -MAX_ERRNO) {
		if (-ret >= ERESTARTSYS && -ret <= ERESTART_RESTARTBLOCK) {
			s->restarts++;
		} else {
			s->errors++;
			count_error(&key, -ret);
		}
	}
	if (config.slow_ns && ns >= config.slow_ns) {
		struct sys_slow r = {
			.tid = key.tid, .nr = key.nr, .ret = ret, .thread_start = key.thread_start,
			.start_ns = start_ns, .ns = ns,
		};

		send_slow(&r);
	}
	return 0;
}

/* Fires in the exiting thread itself: its entry in `threads` is marked for the agent to finish. */
static __always_inline int on_thread_exit(void)
{
	if (!own_process())
		return 0;
	struct task_struct *t = bpf_get_current_task_btf();
	struct sys_inflight *in = bpf_task_storage_get(&inflight, t, 0, 0);

	if (!in || !in->registered)
		return 0;
	struct sys_thread_key key = { .tid = t->pid, .thread_start = in->thread_start };
	struct sys_thread *thread = bpf_map_lookup_elem(&threads, &key);

	if (thread)
		thread->exited = 1;
	in->registered = 0; /* a call after this (none is expected) registers again */
	return 0;
}

#define SYSCALL_PROGS(kind, sec)                                                                   \
	SEC(sec "/sys_enter")                                                                      \
	int BPF_PROG(sys_enter_##kind, struct pt_regs *regs, long id)                              \
	{                                                                                          \
		return on_enter(id);                                                               \
	}                                                                                          \
	SEC(sec "/sys_exit")                                                                       \
	int BPF_PROG(sys_exit_##kind, struct pt_regs *regs, long ret)                              \
	{                                                                                          \
		return on_exit(ret);                                                               \
	}                                                                                          \
	SEC(sec "/sched_process_exit")                                                             \
	int BPF_PROG(sched_process_exit_##kind, struct task_struct *p)                             \
	{                                                                                          \
		return on_thread_exit();                                                           \
	}

SYSCALL_PROGS(btf, "tp_btf")
SYSCALL_PROGS(raw, "raw_tp")
