// SPDX-License-Identifier: GPL-2.0
/*
 * Syscall probe: per thread of one process and syscall, calls, errors (by errno in a hash of their
 * own), restarts, total and longest time and a log2 latency histogram; and a record of every call
 * that took longer than config.slow_ns.
 *
 * raw_syscalls' sys_enter and sys_exit run for every syscall on the machine, so the first thing
 * each program does is the cheapest test that can reject another process: the tgid of `current`
 * against the configured one. For this process, entry stores the syscall and the time in the
 * thread's task storage; exit takes them, and adds the call to the thread's figures for that
 * syscall: in the slot of the `slots` array that the thread's task storage names for it, else in
 * the `stats` hash (a hash lookup cost ~25-30 ns more per call than the slot, performance.md).
 * Nothing is left behind by a call that never returns (exit, exit_group, a successful execve) or a
 * thread that dies: task storage is freed with its task, and a thread's exit moves its slots'
 * figures into the hash, gives the slots back and marks its entry in `threads`, after which the
 * agent reads its figures once more and deletes them. A reused tid is another thread: keys hold
 * the task's creation time.
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

/* Slots for a loader that sets only the tgid (the agent sizes the maps and sets all of config). */
#define DEFAULT_SLOTS 2048

const volatile struct sys_config config = { .slots = DEFAULT_SLOTS };

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

/* A way of a thread's slots: a syscall and the slot holding its figures (syscalls.h). */
struct sys_way {
	__u16 nr_plus1; /* 0: no syscall met on this way yet */
	__u16 slot;     /* SYS_NO_SLOT: the syscall is counted in the hash */
};

/*
 * What a thread is doing: the syscall it is in and since when, whether it has a `threads` entry;
 * and where its figures are.
 */
struct sys_inflight {
	__u64 start_ns;     /* 0: not in a syscall the probe saw enter */
	__u64 thread_start; /* task->start_time */
	__u32 nr;
	__u32 registered;
	struct sys_way ways[SYS_WAYS];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sys_inflight);
} inflight SEC(".maps");

/* Figures of threads and syscalls, read by the agent through mmap (syscalls.h, struct sys_stats). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, DEFAULT_SLOTS); /* sized by the agent before load, with free_slots and config.slots */
	__type(key, __u32);
	__type(value, struct sys_stats);
} slots SEC(".maps");

/* Slots given back by exited threads, taken again first: the slots in use stay low. */
struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, DEFAULT_SLOTS);
	__type(value, __u32);
} free_slots SEC(".maps");

struct sys_alloc alloc SEC(".data.alloc") = {};

/* Figures that found no slot, and those of exited threads until the agent has read them. */
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

/* A thread's first call of a syscall without a slot: its hash entry. Out of line, as it happens once per thread and syscall. */
static __noinline struct sys_stats *new_stats(struct sys_key *key)
{
	struct sys_stats zero = {};

	if (bpf_map_update_elem(&stats, key, &zero, BPF_NOEXIST) == -E2BIG) {
		count(SYS_STATS_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(&stats, key);
}

/* The way of a syscall among a thread's SYS_WAYS (a multiplicative hash: the top 5 bits). */
static __always_inline __u32 way_of(__u32 nr)
{
	return ((nr * 2654435761U) >> 27) & (SYS_WAYS - 1);
}

/*
 * The first syscall met on a way: a slot, the one given back last, else one never used; or, with
 * none left, the hash for this syscall from now on. Out of line: once per thread and syscall. The
 * slot is filled before its owner is written (x86 keeps stores in order; the barrier keeps the
 * compiler from moving them), so that the agent, reading concurrently, never takes the slot's
 * figures for the new occupant's before they are.
 */
static __noinline struct sys_stats *new_slot(struct sys_inflight *in, struct sys_key *key)
{
	struct sys_way *way = &in->ways[way_of(key->nr)];
	__u32 slot;

	way->nr_plus1 = key->nr + 1;
	way->slot = SYS_NO_SLOT;
	if (bpf_map_pop_elem(&free_slots, &slot)) {
		if (alloc.fresh >= config.slots)
			return NULL;
		__u64 fresh = __sync_fetch_and_add(&alloc.fresh, 1);

		if (fresh >= config.slots)
			return NULL;
		slot = fresh;
	}
	struct sys_stats *s = bpf_map_lookup_elem(&slots, &slot);

	if (!s) {
		bpf_map_push_elem(&free_slots, &slot, 0); /* (not expected: config.slots is the array's size) */
		return NULL;
	}
	__u64 owner = __sync_fetch_and_add(&alloc.owners, 1) + 1;

	__builtin_memset(s, 0, sizeof(*s));
	s->tid = key->tid;
	s->nr = key->nr;
	s->thread_start = key->thread_start;
	asm volatile("" ::: "memory");
	*(volatile __u64 *)&s->owner = owner;
	way->slot = slot;
	return s;
}

/*
 * The thread's figures for the syscall: its slot, else its hash entry (made now if need be). A
 * number beyond 16 bits (no syscall has one; syscall(2) passes any) never gets a way.
 */
static __always_inline struct sys_stats *stats_of(struct sys_inflight *in, struct sys_key *key)
{
	struct sys_way *way = &in->ways[way_of(key->nr)];
	struct sys_stats *s = NULL;

	if (key->nr >= SYS_NO_SLOT) {
		/* the hash */
	} else if (way->nr_plus1 == key->nr + 1) {
		if (way->slot != SYS_NO_SLOT) {
			__u32 slot = way->slot;

			s = bpf_map_lookup_elem(&slots, &slot);
		}
	} else if (!way->nr_plus1) {
		s = new_slot(in, key);
	}
	if (s)
		return s;
	s = bpf_map_lookup_elem(&stats, key);
	return s ? s : new_stats(key);
}

/*
 * At the thread's exit: each slot's figures into the hash, where the agent reads them once more;
 * the slot given back (owner cleared first, see new_slot). A later call of the thread (none is
 * expected) goes to the hash.
 */
static __noinline void give_back_slots(struct sys_inflight *in)
{
	for (__u32 i = 0; i < SYS_WAYS; i++) {
		struct sys_way *way = &in->ways[i];
		__u32 slot = way->slot;

		if (!way->nr_plus1 || slot == SYS_NO_SLOT)
			continue;
		way->slot = SYS_NO_SLOT;
		struct sys_stats *s = bpf_map_lookup_elem(&slots, &slot);

		if (!s)
			continue;
		struct sys_key key = { .tid = s->tid, .nr = s->nr, .thread_start = s->thread_start };

		if (bpf_map_update_elem(&stats, &key, s, BPF_NOEXIST))
			count(SYS_STATS_FULL);
		*(volatile __u64 *)&s->owner = 0;
		asm volatile("" ::: "memory");
		bpf_map_push_elem(&free_slots, &slot, 0);
	}
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
	struct sys_stats *s = stats_of(in, &key);

	if (!s)
		return 0;
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

/*
 * Fires in the exiting thread itself: its slots' figures go into the hash and its entry in
 * `threads` is marked for the agent to finish, in that order, so that the agent, which reads
 * `threads` first, finds the figures of a thread marked exited in the hash.
 */
static __always_inline int on_thread_exit(void)
{
	if (!own_process())
		return 0;
	struct task_struct *t = bpf_get_current_task_btf();
	struct sys_inflight *in = bpf_task_storage_get(&inflight, t, 0, 0);

	if (!in || !in->registered)
		return 0;
	give_back_slots(in);
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
