// SPDX-License-Identifier: GPL-2.0
/*
 * Scheduler probe: per thread of one process, on-CPU time, run-queue wait,
 * off-CPU time, voluntary and involuntary switches and migrations.
 *
 * A small state machine per thread, driven by tracepoints:
 *   wakeup          OFF_CPU  -> RUNNABLE  (off-CPU time ends, run-queue wait starts)
 *   switch in       RUNNABLE -> RUNNING   (run-queue wait ends)
 *   switch out      RUNNING  -> RUNNABLE if still runnable (preempted, yielded)
 *                            -> OFF_CPU  otherwise (blocked, sleeping)
 * Waits are timed with bpf_ktime_get_ns() at the tracepoints. Time on a CPU is the growth of
 * the scheduler's own task->se.sum_exec_runtime, caught up with at every event: the kernel
 * charges a span from its run-queue clock, read a few microseconds before the tracepoint fires
 * (timing the tracepoints instead is off by percents for threads that switch every few tens of
 * microseconds), and the sched_switch stream itself sometimes shows a task switched out twice
 * with no switch-in between (seen on 6.18 with an independent bpftrace count too). Reading the
 * runtime keeps on-CPU time exact whatever switch-in the stream leaves out.
 * Only threads whose root-namespace tgid is the configured one ever touch the
 * maps; idle (tgid 0) can never match because target_tgid is never 0.
 *
 * Every program exists twice: tp_btf (preferred) and raw_tp (fallback for
 * kernels without tp_btf); the agent loads one set and disables the other.
 */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "sched.h"

char LICENSE[] SEC("license") = "GPL";

const volatile struct sched_config config = {};

struct sched_counters counters = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32768); /* resized by the agent before load */
	__type(key, __u32);
	__type(value, struct thread_sched);
} threads SEC(".maps");

/* Final counters of threads that exited since the agent last looked. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct thread_sched);
} exited SEC(".maps");

static __always_inline bool is_target(struct task_struct *t)
{
	return BPF_CORE_READ(t, tgid) == config.target_tgid;
}

static __always_inline long task_state(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ((struct task_struct___pre514 *)t, state);
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

/* Adds the CPU time the kernel charged the task since the probe last looked. */
static __always_inline __u64 catch_up_on_cpu(struct thread_sched *s, struct task_struct *t)
{
	__u64 exec = BPF_CORE_READ(t, se.sum_exec_runtime);
	__u64 ran = exec - s->exec_seen;

	s->on_cpu_ns += ran;
	s->exec_seen = exec;
	return ran;
}

static __always_inline struct thread_sched *entry(struct task_struct *t, __u64 now)
{
	__u32 tid = BPF_CORE_READ(t, pid);
	struct thread_sched *s = bpf_map_lookup_elem(&threads, &tid);

	if (s)
		return s;
	/* An exiting thread was already reported; do not bring it back. */
	if (BPF_CORE_READ(t, flags) & PF_EXITING)
		return NULL;
	struct thread_sched init = {
		.first_seen_ns = now,
		.since_ns = now,
		.nvcsw = BPF_CORE_READ(t, nvcsw),
		.exec_seen = BPF_CORE_READ(t, se.sum_exec_runtime),
		.ns_tid = ns_tid(t),
	};
	bpf_probe_read_kernel(init.comm, sizeof(init.comm), &t->comm);
	if (bpf_map_update_elem(&threads, &tid, &init, BPF_NOEXIST) == -E2BIG)
		__sync_fetch_and_add(&counters.threads_full, 1);
	return bpf_map_lookup_elem(&threads, &tid);
}

static __always_inline void switch_out(struct task_struct *prev, bool preempt, __u64 now)
{
	struct thread_sched *s = entry(prev, now);

	if (!s)
		return;
	__u64 ran = catch_up_on_cpu(s, prev);
	/*
	 * Its switch-in was not seen: since since_ns it waited (RUNNABLE) and then ran for `ran`;
	 * or it was off-CPU, then waited and ran, and that wait cannot be split off (OFF_CPU).
	 */
	if (s->state == TS_RUNNABLE && now - s->since_ns > ran)
		s->runq_wait_ns += now - s->since_ns - ran;
	else if (s->state == TS_OFF_CPU && now - s->since_ns > ran)
		s->off_cpu_ns += now - s->since_ns - ran;
	/*
	 * The kernel has already counted this switch in nvcsw or nivcsw; which
	 * one moved is the kernel's own verdict (sched_yield and a pending signal
	 * make the tracepoint arguments ambiguous). A new entry read nvcsw after
	 * the increment, so its first switch falls back to the task state.
	 */
	unsigned long nvcsw = BPF_CORE_READ(prev, nvcsw);
	/*
	 * A preempted task stays on its run queue even if it had already set a
	 * sleeping state (preempted on its way into schedule()): it waits for a CPU.
	 */
	bool runnable = preempt || task_state(prev) == 0;
	bool voluntary = s->state == TS_UNKNOWN && s->since_ns == now ? !runnable : nvcsw != s->nvcsw;

	s->nvcsw = nvcsw;
	/*
	 * The name as of now: a thread that lives less than a poll interval is gone before the
	 * agent could look it up, and its exit record must still say who it was.
	 */
	bpf_probe_read_kernel(s->comm, sizeof(s->comm), &prev->comm);
	if (voluntary)
		s->voluntary++;
	else
		s->involuntary++;
	s->state = runnable ? TS_RUNNABLE : TS_OFF_CPU;
	s->since_ns = now;
}

static __always_inline void switch_in(struct task_struct *next, __u64 now)
{
	struct thread_sched *s = entry(next, now);

	if (!s)
		return;
	if (s->state == TS_RUNNABLE)
		s->runq_wait_ns += now - s->since_ns;
	else if (s->state == TS_OFF_CPU) /* its wakeup was not seen: the wait cannot be split */
		s->off_cpu_ns += now - s->since_ns;
	catch_up_on_cpu(s, next); /* nothing, unless a switch-out was missed */
	s->state = TS_RUNNING;
	s->since_ns = now;
}

static __always_inline int on_switch(bool preempt, struct task_struct *prev, struct task_struct *next)
{
	bool prev_ours = is_target(prev), next_ours = is_target(next);

	if (!prev_ours && !next_ours)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	if (prev_ours)
		switch_out(prev, preempt, now);
	if (next_ours)
		switch_in(next, now);
	return 0;
}

static __always_inline int on_wakeup(struct task_struct *p)
{
	if (!is_target(p))
		return 0;
	__u64 now = bpf_ktime_get_ns();
	struct thread_sched *s = entry(p, now);

	if (!s)
		return 0;
	/* A wakeup of a thread still RUNNING raced with it going to sleep: nothing changes. */
	if (s->state == TS_OFF_CPU) {
		s->off_cpu_ns += now - s->since_ns;
	} else if (s->state != TS_UNKNOWN) {
		return 0;
	}
	s->state = TS_RUNNABLE;
	s->since_ns = now;
	return 0;
}

static __always_inline __u32 task_cpu(struct task_struct *t)
{
	if (bpf_core_field_exists(t->thread_info.cpu))
		return BPF_CORE_READ(t, thread_info.cpu);
	return BPF_CORE_READ(t, cpu);
}

/* set_task_cpu() fires the tracepoint before it checks that the CPU changes; count real moves. */
static __always_inline int on_migrate(struct task_struct *p, int dest_cpu)
{
	if (!is_target(p) || task_cpu(p) == (__u32)dest_cpu)
		return 0;
	struct thread_sched *s = entry(p, bpf_ktime_get_ns());

	if (s)
		s->migrations++;
	return 0;
}

/* Fires in the exiting thread itself, after PF_EXITING is set and before its last switch. */
static __always_inline int on_exit(struct task_struct *p)
{
	if (!is_target(p))
		return 0;
	__u32 tid = BPF_CORE_READ(p, pid);
	struct thread_sched *s = bpf_map_lookup_elem(&threads, &tid);

	if (!s)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	/* The exiting thread is current: its runtime is up to date to its last tick or switch. */
	catch_up_on_cpu(s, p);
	s->since_ns = now;
	bpf_probe_read_kernel(s->comm, sizeof(s->comm), &p->comm);
	if (bpf_map_update_elem(&exited, &tid, s, BPF_ANY))
		__sync_fetch_and_add(&counters.exits_full, 1);
	bpf_map_delete_elem(&threads, &tid);
	return 0;
}

#define SCHED_PROGS(kind, sec)                                                                     \
	SEC(sec "/sched_switch")                                                                   \
	int BPF_PROG(sched_switch_##kind, bool preempt, struct task_struct *prev,                  \
		     struct task_struct *next)                                                     \
	{                                                                                          \
		return on_switch(preempt, prev, next);                                                    \
	}                                                                                          \
	SEC(sec "/sched_wakeup")                                                                   \
	int BPF_PROG(sched_wakeup_##kind, struct task_struct *p)                                   \
	{                                                                                          \
		return on_wakeup(p);                                                               \
	}                                                                                          \
	SEC(sec "/sched_wakeup_new")                                                               \
	int BPF_PROG(sched_wakeup_new_##kind, struct task_struct *p)                               \
	{                                                                                          \
		return on_wakeup(p);                                                               \
	}                                                                                          \
	SEC(sec "/sched_migrate_task")                                                             \
	int BPF_PROG(sched_migrate_task_##kind, struct task_struct *p, int dest_cpu)               \
	{                                                                                          \
		return on_migrate(p, dest_cpu);                                                    \
	}                                                                                          \
	SEC(sec "/sched_process_exit")                                                             \
	int BPF_PROG(sched_process_exit_##kind, struct task_struct *p)                             \
	{                                                                                          \
		return on_exit(p);                                                                 \
	}

SCHED_PROGS(btf, "tp_btf")
SCHED_PROGS(raw, "raw_tp")
