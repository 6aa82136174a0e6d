// SPDX-License-Identifier: GPL-2.0
/*
 * Variants of the scheduler probe's logic (tp_btf only), built from this one source with -D
 * switches by scripts/bench-sched-variants.sh, to find where the probe's in-kernel time per event
 * goes. The logic follows src/sched_logic.h; only what a switch names differs.
 *
 *   -DSTORE=1  per-thread state in a BPF_MAP_TYPE_HASH keyed by tid (what the probe does)
 *   -DSTORE=2  BPF_MAP_TYPE_TASK_STORAGE (bpf_task_storage_get, F_CREATE on a thread's first event)
 *   -DSTORE=3  a BPF_F_MMAPABLE array indexed by a slot that task storage keeps per thread
 *   -DSTORE=4  a BPF_F_MMAPABLE array indexed by tid directly (sized to pid_max by the loader)
 *   -DSTAGE=0  do nothing (the baseline: the kernel's cost of calling and timing a program)
 *   -DSTAGE=1  the tgid filter only
 *   -DSTAGE=2  filter and bpf_ktime_get_ns
 *   -DSTAGE=3  filter, clock and the entry lookups, nothing read or written in them
 *   -DSTAGE=4  everything (default)
 *   -DNO_COMM  no comm reads at switch-out
 *   -DNO_NVCSW no nvcsw read (every switch-out classified by the task state)
 *   -DCLOCK_FROM_TASK  no bpf_ktime_get_ns: use the task's sum_exec_runtime as a stand-in clock
 *                      (not a correct probe; it prices the helper call)
 *   -DCLOCK_RQ  no bpf_ktime_get_ns: the clock of the run queue the event happens under
 *               (rq->clock, sched_clock based, updated by the scheduler just before the
 *               tracepoint: the clock the kernel's own schedstat run_delay is measured with)
 */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "sched.h"

#ifndef STORE
#define STORE 1
#endif
#ifndef STAGE
#define STAGE 4
#endif

#define MAP_TYPE_ARRAY 2
#define MAP_TYPE_TASK_STORAGE 29
#define MAP_F_NO_PREALLOC 1
#define MAP_F_MMAPABLE (1U << 10)
#define STORAGE_GET_F_CREATE 1

char LICENSE[] SEC("license") = "GPL";

const volatile struct sched_config config = {};

struct sched_counters counters = {};
__u32 next_slot = 0;

#if STORE == 1
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32768);
	__type(key, __u32);
	__type(value, struct thread_sched);
} threads SEC(".maps");
#elif STORE == 2
struct {
	__uint(type, MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, MAP_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct thread_sched);
} threads SEC(".maps");
#elif STORE == 3
struct {
	__uint(type, MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, MAP_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32);
} thread_slot SEC(".maps");

struct {
	__uint(type, MAP_TYPE_ARRAY);
	__uint(map_flags, MAP_F_MMAPABLE);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct thread_sched);
} threads SEC(".maps");
#elif STORE == 4
struct {
	__uint(type, MAP_TYPE_ARRAY);
	__uint(map_flags, MAP_F_MMAPABLE);
	__uint(max_entries, 32768); /* pid_max, set by the loader */
	__type(key, __u32);
	__type(value, struct thread_sched);
} threads SEC(".maps");
#endif

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct thread_sched);
} exited SEC(".maps");

static __always_inline __u32 ns_tid(struct task_struct *t)
{
	struct pid *pid = BPF_CORE_READ(t, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct upid up = {};

	bpf_core_read(&up, sizeof(up), &pid->numbers[level & 31]);
	return up.nr;
}

static __always_inline bool is_target(struct task_struct *t)
{
	return t->tgid == config.target_tgid;
}

static __always_inline __u64 clock(struct task_struct *t)
{
#ifdef CLOCK_FROM_TASK
	return t->se.sum_exec_runtime;
#elif defined(CLOCK_RQ)
	/* The run queue locked for this event: the current CPU's for a switch, the task's for a wakeup. */
	return t->se.cfs_rq->rq->clock; /* the agent's probe adds a move onto CLOCK_MONOTONIC */
#else
	return bpf_ktime_get_ns();
#endif
}

static __always_inline long task_state(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return t->__state;
	return ((struct task_struct___pre514 *)t)->state;
}

static __always_inline __u64 catch_up_on_cpu(struct thread_sched *s, struct task_struct *t)
{
	__u64 exec = t->se.sum_exec_runtime;
	__u64 ran = exec - s->exec_seen;

	s->on_cpu_ns += ran;
	s->exec_seen = exec;
	return ran;
}

/* The entry if the thread has one; no creation. */
static __always_inline struct thread_sched *find(struct task_struct *t)
{
#if STORE == 1
	__u32 tid = t->pid;
	return bpf_map_lookup_elem(&threads, &tid);
#elif STORE == 2
	return bpf_task_storage_get(&threads, t, 0, 0);
#elif STORE == 3
	__u32 *slot = bpf_task_storage_get(&thread_slot, t, 0, 0);
	if (!slot)
		return NULL;
	__u32 i = *slot;
	return bpf_map_lookup_elem(&threads, &i);
#elif STORE == 4
	__u32 tid = t->pid;
	struct thread_sched *s = bpf_map_lookup_elem(&threads, &tid);
	return s && s->first_seen_ns ? s : NULL;
#endif
}

static __always_inline struct thread_sched *entry(struct task_struct *t, __u64 now)
{
	struct thread_sched *s = find(t);

	if (s)
		return s;
	if (t->flags & PF_EXITING)
		return NULL;
	struct thread_sched init = {
		.first_seen_ns = now ? now : 1,
		.since_ns = now,
		.nvcsw = t->nvcsw,
		.exec_seen = t->se.sum_exec_runtime,
		.ns_tid = ns_tid(t),
	};
	bpf_probe_read_kernel(init.comm, sizeof(init.comm), &t->comm);
#if STORE == 1
	__u32 tid = t->pid;
	if (bpf_map_update_elem(&threads, &tid, &init, BPF_NOEXIST) == -E2BIG)
		__sync_fetch_and_add(&counters.threads_full, 1);
	return bpf_map_lookup_elem(&threads, &tid);
#elif STORE == 2
	return bpf_task_storage_get(&threads, t, &init, STORAGE_GET_F_CREATE);
#elif STORE == 3
	/*
	 * Slots are never given back, and two CPUs may race to hand out the same one: the bench
	 * only prices the per-event path (clang 14 for BPF v1 cannot use a fetch-add's result).
	 */
	__u32 slot = next_slot++;
	if (slot >= 4096) {
		__sync_fetch_and_add(&counters.threads_full, 1);
		return NULL;
	}
	s = bpf_map_lookup_elem(&threads, &slot);
	if (!s)
		return NULL;
	*s = init;
	if (!bpf_task_storage_get(&thread_slot, t, &slot, STORAGE_GET_F_CREATE))
		return NULL;
	return s;
#elif STORE == 4
	__u32 tid = t->pid;
	s = bpf_map_lookup_elem(&threads, &tid);
	if (!s)
		return NULL;
	*s = init;
	return s;
#endif
}

static __always_inline void switch_out(struct task_struct *prev, bool preempt, __u64 now)
{
	struct thread_sched *s = entry(prev, now);

	if (!s)
		return;
#if STAGE >= 4
	__u64 ran = catch_up_on_cpu(s, prev);

	if (s->state == TS_RUNNABLE && now - s->since_ns > ran)
		s->runq_wait_ns += now - s->since_ns - ran;
	else if (s->state == TS_OFF_CPU && now - s->since_ns > ran)
		s->off_cpu_ns += now - s->since_ns - ran;
	bool runnable = preempt || task_state(prev) == 0;
#ifdef NO_NVCSW
	bool voluntary = !runnable;
#else
	unsigned long nvcsw = prev->nvcsw;
	bool voluntary = s->state == TS_UNKNOWN && s->since_ns == now ? !runnable : nvcsw != s->nvcsw;

	s->nvcsw = nvcsw;
#endif
#ifndef NO_COMM
	if (s->voluntary + s->involuntary < 4)
		bpf_probe_read_kernel(s->comm, sizeof(s->comm), &prev->comm);
#endif
	if (voluntary)
		s->voluntary++;
	else
		s->involuntary++;
	s->state = runnable ? TS_RUNNABLE : TS_OFF_CPU;
	s->since_ns = now;
#endif
}

static __always_inline void switch_in(struct task_struct *next, __u64 now)
{
	struct thread_sched *s = entry(next, now);

	if (!s)
		return;
#if STAGE >= 4
	if (s->state == TS_RUNNABLE)
		s->runq_wait_ns += now - s->since_ns;
	else if (s->state == TS_OFF_CPU)
		s->off_cpu_ns += now - s->since_ns;
	catch_up_on_cpu(s, next);
	s->state = TS_RUNNING;
	s->since_ns = now;
#endif
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
#if STAGE >= 1
	bool prev_ours = is_target(prev), next_ours = is_target(next);

	if (!prev_ours && !next_ours)
		return 0;
#if STAGE >= 2
	__u64 now = clock(prev);
	asm volatile("" ::"r"(now)); /* STAGE 2 must not drop the clock read */
#if STAGE >= 3
	if (prev_ours)
		switch_out(prev, preempt, now);
	if (next_ours)
		switch_in(next, now);
#endif
#endif
#endif
	return 0;
}

static __always_inline int on_wakeup(struct task_struct *p)
{
#if STAGE >= 1
	if (!is_target(p))
		return 0;
#if STAGE >= 2
	__u64 now = clock(p);
	asm volatile("" ::"r"(now));
#if STAGE >= 3
	struct thread_sched *s = entry(p, now);

	if (!s)
		return 0;
#if STAGE >= 4
	if (s->state == TS_OFF_CPU) {
		s->off_cpu_ns += now - s->since_ns;
	} else if (s->state != TS_UNKNOWN) {
		return 0;
	}
	s->state = TS_RUNNABLE;
	s->since_ns = now;
#endif
#endif
#endif
#endif
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(sched_wakeup, struct task_struct *p)
{
	return on_wakeup(p);
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(sched_wakeup_new, struct task_struct *p)
{
	return on_wakeup(p);
}

static __always_inline __u32 task_cpu(struct task_struct *t)
{
	if (bpf_core_field_exists(t->thread_info.cpu))
		return t->thread_info.cpu;
	return t->cpu;
}

SEC("tp_btf/sched_migrate_task")
int BPF_PROG(sched_migrate_task, struct task_struct *p, int dest_cpu)
{
#if STAGE >= 4
	if (!is_target(p) || task_cpu(p) == (__u32)dest_cpu)
		return 0;
	struct thread_sched *s = entry(p, clock(p));

	if (s)
		s->migrations++;
#endif
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit, struct task_struct *p)
{
#if STAGE >= 4
	if (!is_target(p))
		return 0;
	__u32 tid = p->pid;
	struct thread_sched *s = find(p);

	if (!s)
		return 0;
	catch_up_on_cpu(s, p);
	s->since_ns = clock(p);
	bpf_probe_read_kernel(s->comm, sizeof(s->comm), &p->comm);
	if (bpf_map_update_elem(&exited, &tid, s, BPF_ANY))
		__sync_fetch_and_add(&counters.exits_full, 1);
#if STORE == 1
	bpf_map_delete_elem(&threads, &tid);
#elif STORE == 2
	bpf_task_storage_delete(&threads, p);
#elif STORE == 3
	s->first_seen_ns = 0;
	bpf_task_storage_delete(&thread_slot, p);
#elif STORE == 4
	s->first_seen_ns = 0;
#endif
#endif
	return 0;
}
