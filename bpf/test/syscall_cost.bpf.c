// SPDX-License-Identifier: GPL-2.0
/*
 * Variants of the syscall probe (tp_btf only), built from this one source with -D switches by
 * scripts/bench-syscall-variants.sh, to find where the probe's cost per syscall goes: the kernel's
 * share (turning syscall tracing on, calling a program) and each part of the probe's own. Each
 * stage adds one part to the one before; the last follows src/syscalls.bpf.c, and switches swap
 * one of its parts for a candidate replacement.
 *
 *   -DSTAGE=0  programs that do nothing (the floor: what attaching costs by itself)
 *   -DSTAGE=1  the tgid filter only
 *   -DSTAGE=2  filter, and the thread's task storage (entry: created, the syscall stored; exit: read)
 *   -DSTAGE=3  filter, storage and the two clock reads (entry stores the time, exit takes the difference)
 *   -DSTAGE=4  as 3, and the thread's figures for the syscall found (see FIGURES), calls and time counted
 *   -DSTAGE=5  everything the probe does (default)
 *   -DENTER_ONLY  (with STAGE=0) a program on sys_enter only: the difference to STAGE=0 is the
 *                 cost of one program's call, the rest is the kernel's syscall tracing itself
 * Where the figures are (STAGE 4 and 5):
 *   -DFIGURES=0   in an array of slots, one per thread and syscall; the thread's task storage holds
 *                 32 ways (syscall -> slot), a syscall whose way another holds goes to the stats
 *                 hash (the probe now; slots are never given back here: it prices a call's path)
 *   -DFIGURES=1   in the stats hash, looked up at every call (made on a miss): the probe before
 *   -DFIGURES=2   in slots; the thread's task storage keeps a direct-mapped cache (syscall -> slot,
 *                 16 ways) and a hash keyed by thread and syscall gives the slot on a miss
 * Switches on STAGE=5:
 *   -DEPOCH=0  the longest call's epoch from a one-entry array map (the probe)
 *   -DEPOCH=1  from a global variable
 *   -DNO_HIST  no histogram bucket
 *   -DNO_EPOCH no epoch at all (longest call kept forever: not a correct probe, it prices the test)
 *   -DSMALL_KEY   (with FIGURES=1) the stats hash keyed by 8 bytes (tid, syscall) instead of 16
 *                 (tid, syscall, thread start): the price of the key's size
 *   -DHIST=1      the histogram's bucket without branches (the top bit smeared down, then counted)
 * Switches on any stage from 1:
 *   -DFILTER_TASK the tgid from current's task_struct instead of bpf_get_current_pid_tgid
 * And a probe that times nothing:
 *   -DEXIT_ONLY   one program, on sys_exit: calls and errors per thread and syscall (the syscall's
 *                 number from the registers), no task storage, no clock
 */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "syscalls.h"

#ifndef STAGE
#define STAGE 5
#endif
#ifndef EPOCH
#define EPOCH 0
#endif
#ifndef HIST
#define HIST 0
#endif
#ifndef FIGURES
#define FIGURES 0
#endif
#if FIGURES == 0
#define SLOT_TABLE
#elif FIGURES == 2
#define SLOT_CACHE
#endif

#define ERESTARTSYS 512
#define ERESTART_RESTARTBLOCK 516
#define MAX_ERRNO 4095

char LICENSE[] SEC("license") = "GPL";

const volatile struct sys_config config = {};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SYS_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

#define CACHE_WAYS 16

struct sys_inflight {
	__u64 start_ns;
	__u64 thread_start;
	__u32 nr;
	__u32 registered;
#ifdef SLOT_CACHE
	struct {
		__u32 nr_plus1; /* 0: empty */
		__u32 slot;
	} cache[CACHE_WAYS];
#endif
#ifdef SLOT_TABLE
	struct {
		__u16 nr_plus1; /* 0: empty */
		__u16 slot;
	} ways[32];
#endif
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sys_inflight);
} inflight SEC(".maps");

#ifdef SMALL_KEY
struct stats_key {
	__u32 tid;
	__u32 nr;
};
#else
#define stats_key sys_key
#endif

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, struct stats_key);
	__type(value, struct sys_stats);
} stats SEC(".maps");

#if defined(SLOT_CACHE) || defined(SLOT_TABLE)
#define SLOTS 4096
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, SLOTS);
	__type(key, __u32);
	__type(value, struct sys_stats);
} slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SLOTS);
	__type(key, struct sys_key);
	__type(value, __u32);
} slot_of SEC(".maps");

__u32 next_slot = 0;
#endif

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
	__uint(max_entries, 8192);
	__type(key, struct sys_thread_key);
	__type(value, struct sys_thread);
} threads SEC(".maps");

#if EPOCH == 0
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} epoch SEC(".maps");
#else
__u64 epoch = 0;
#endif

static __always_inline void count(__u32 index)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &index);

	if (c)
		__sync_fetch_and_add(c, 1);
}

static __always_inline bool own_process(void)
{
#ifdef FILTER_TASK
	return bpf_get_current_task_btf()->tgid == config.target_tgid;
#else
	return (bpf_get_current_pid_tgid() >> 32) == config.target_tgid;
#endif
}

static __always_inline __u32 ns_tid(struct task_struct *t)
{
	struct pid *pid = BPF_CORE_READ(t, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct upid up = {};

	bpf_core_read(&up, sizeof(up), &pid->numbers[level & 31]);
	return up.nr;
}

#if HIST == 1
/* floor(log2(v)) for v > 0: the bits below the top one set, then counted (SWAR popcount). */
static __always_inline __u32 log2_u64(__u64 v)
{
	v |= v >> 1;
	v |= v >> 2;
	v |= v >> 4;
	v |= v >> 8;
	v |= v >> 16;
	v |= v >> 32;
	v -= (v >> 1) & 0x5555555555555555ULL;
	v = (v & 0x3333333333333333ULL) + ((v >> 2) & 0x3333333333333333ULL);
	v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return ((v * 0x0101010101010101ULL) >> 56) - 1;
}
#else
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
#endif

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

static __noinline struct sys_stats *new_stats(struct stats_key *key)
{
	struct sys_stats zero = {};

	if (bpf_map_update_elem(&stats, key, &zero, BPF_NOEXIST) == -E2BIG) {
		count(SYS_STATS_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(&stats, key);
}

#ifdef SLOT_CACHE
/* A miss in the thread's cache: the slot from the hash, or a new one; then cached. */
static __noinline struct sys_stats *slot_miss(struct sys_key *key, struct sys_inflight *in)
{
	__u32 *found = bpf_map_lookup_elem(&slot_of, key);
	__u32 slot;

	if (found) {
		slot = *found;
	} else {
		slot = next_slot++;
		if (slot >= SLOTS || bpf_map_update_elem(&slot_of, key, &slot, BPF_NOEXIST)) {
			count(SYS_STATS_FULL);
			return NULL;
		}
	}
	__u32 way = key->nr & (CACHE_WAYS - 1);

	in->cache[way].nr_plus1 = key->nr + 1;
	in->cache[way].slot = slot;
	return bpf_map_lookup_elem(&slots, &slot);
}
#endif

static __noinline void count_error(struct sys_key *key, long err)
{
	struct sys_error_key ekey = {
		.tid = key->tid, .nr = (__u16)key->nr, .err = (__u16)err, .thread_start = key->thread_start,
	};
	__u64 *n = bpf_map_lookup_elem(&errors, &ekey);

	if (n) {
		*n += 1;
		return;
	}
	__u64 one = 1;

	if (bpf_map_update_elem(&errors, &ekey, &one, BPF_NOEXIST) == -E2BIG)
		count(SYS_ERRORS_FULL);
}

static __always_inline int on_enter(long id)
{
#if STAGE >= 1
	if (!own_process())
		return 0;
#if STAGE >= 2
	struct task_struct *t = bpf_get_current_task_btf();
	struct sys_inflight *in = bpf_task_storage_get(&inflight, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (!in)
		return 0;
	if (!in->thread_start)
		in->thread_start = t->start_time;
	in->nr = (__u32)id;
#if STAGE >= 3
	in->start_ns = bpf_ktime_get_ns();
#else
	in->start_ns = 1;
#endif
#endif
#endif
	return 0;
}

static __always_inline int on_exit(long ret)
{
#if STAGE >= 1
	if (!own_process())
		return 0;
#if STAGE >= 2
	struct task_struct *t = bpf_get_current_task_btf();
	struct sys_inflight *in = bpf_task_storage_get(&inflight, t, 0, 0);

	if (!in || !in->start_ns)
		return 0;
	__u64 start_ns = in->start_ns;
#if STAGE >= 3
	__u64 ns = bpf_ktime_get_ns() - start_ns;
#else
	__u64 ns = start_ns;
#endif

	in->start_ns = 0;
#if STAGE == 2 || STAGE == 3
	in->registered += ns; /* the time must be used; nothing reads it */
#endif
#if STAGE >= 4
	if (!in->registered && !register_thread(t, in))
		return 0;
	struct sys_key key = { .tid = t->pid, .nr = in->nr, .thread_start = in->thread_start };
#ifdef SLOT_TABLE
	__u32 way = (key.nr * 2654435761U) >> 27;
	struct sys_stats *s = NULL;

	if (in->ways[way].nr_plus1 == key.nr + 1) {
		__u32 slot = in->ways[way].slot;

		s = bpf_map_lookup_elem(&slots, &slot);
	} else if (!in->ways[way].nr_plus1 && next_slot < SLOTS) {
		__u32 slot = next_slot++;

		in->ways[way].nr_plus1 = key.nr + 1;
		in->ways[way].slot = slot;
		s = bpf_map_lookup_elem(&slots, &slot);
	}
	if (!s) {
		s = bpf_map_lookup_elem(&stats, &key);
		if (!s)
			s = new_stats(&key);
		if (!s)
			return 0;
	}
#elif defined(SLOT_CACHE)
	__u32 way = key.nr & (CACHE_WAYS - 1);
	struct sys_stats *s = NULL;

	if (in->cache[way].nr_plus1 == key.nr + 1) {
		__u32 slot = in->cache[way].slot;

		s = bpf_map_lookup_elem(&slots, &slot);
	}
	if (!s) {
		s = slot_miss(&key, in);
		if (!s)
			return 0;
	}
#else
#ifdef SMALL_KEY
	struct stats_key skey = { .tid = key.tid, .nr = key.nr };
#else
#define skey key
#endif
	struct sys_stats *s = bpf_map_lookup_elem(&stats, &skey);

	if (!s) {
		s = new_stats(&skey);
		if (!s)
			return 0;
	}
#endif
#if STAGE == 4
	s->total_ns += ns;
	s->calls++;
#else
#ifndef NO_EPOCH
#if EPOCH == 0
	__u32 zero = 0;
	__u64 *now_epoch = bpf_map_lookup_elem(&epoch, &zero);
	__u32 e = now_epoch ? (__u32)*now_epoch : 0;
#else
	__u32 e = (__u32)epoch;
#endif

	if (s->epoch != e) {
		s->prev_max_ns = s->max_ns;
		s->prev_epoch = s->epoch;
		s->max_ns = 0;
		s->epoch = e;
	}
#endif
	if (ns > s->max_ns)
		s->max_ns = ns;
#ifndef NO_HIST
	__u32 bucket = ns ? log2_u64(ns) : 0;

	if (bucket >= SYS_BUCKETS)
		bucket = SYS_BUCKETS - 1;
	s->hist[bucket]++;
#endif
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
	if (config.slow_ns && ns >= config.slow_ns)
		count(SYS_SLOW_LOST); /* the probe sends a record; rare, and not what is priced here */
#endif
#endif
#endif
#endif
	return 0;
}

#ifdef EXIT_ONLY
struct exit_only_key {
	__u32 tid;
	__u32 nr;
};

struct exit_only_stats {
	__u64 calls;
	__u64 errors;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, struct exit_only_key);
	__type(value, struct exit_only_stats);
} counts SEC(".maps");

static __noinline struct exit_only_stats *new_counts(struct exit_only_key *key)
{
	struct exit_only_stats zero = {};

	bpf_map_update_elem(&counts, key, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&counts, key);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	if (!own_process())
		return 0;
	struct exit_only_key key = { .tid = (__u32)bpf_get_current_pid_tgid(), .nr = (__u32)regs->orig_ax };
	struct exit_only_stats *s = bpf_map_lookup_elem(&counts, &key);

	if (!s) {
		s = new_counts(&key);
		if (!s)
			return 0;
	}
	s->calls++;
	if (ret < 0 && ret >= -MAX_ERRNO)
		s->errors++;
	return 0;
}
#else
SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	return on_enter(id);
}
#endif

#if !defined(ENTER_ONLY) && !defined(EXIT_ONLY)
SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	return on_exit(ret);
}
#endif
