// SPDX-License-Identifier: GPL-2.0
/*
 * Scheduler probe: per thread of one process, on-CPU time, run-queue wait,
 * off-CPU time and why (the syscall a thread blocked in), voluntary and involuntary switches
 * and migrations.
 *
 * A small state machine per thread, driven by tracepoints:
 *   wakeup          OFF_CPU  -> RUNNABLE  (off-CPU time ends, run-queue wait starts)
 *   switch in       RUNNABLE -> RUNNING   (run-queue wait ends)
 *   switch out      RUNNING  -> RUNNABLE if still runnable (preempted, yielded)
 *                            -> OFF_CPU  otherwise (blocked, sleeping)
 * Waits are timed at the tracepoints, on the run queue's clock moved onto CLOCK_MONOTONIC (see
 * now() in sched_logic.h). Time on a CPU is the growth of
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
 * kernels without tp_btf); the agent loads one set and disables the other, and creates only
 * that set's per-thread maps: slots with task storage and the threads hash for threads beyond
 * the slots (tp_btf), or the threads hash alone (raw_tp).
 */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "sched.h"

char LICENSE[] SEC("license") = "GPL";

/* Sizes for a loader that sets only the tgid (the agent sizes the maps and sets all of config). */
#define DEFAULT_SLOTS 1024
#define DEFAULT_HASH_THREADS 32768

const volatile struct sched_config config = { .slots = DEFAULT_SLOTS, .hash_threads = DEFAULT_HASH_THREADS };

struct sched_counters counters = {};

/*
 * tp_btf: a thread's state lives in a slot of `slots`, an array the agent reads through mmap with
 * no syscall; the thread's task storage says which slot (a task-storage lookup and an array index
 * cost ~40 ns less per switch than a hash lookup by tid, performance.md). A thread's first event
 * takes the slot last freed (`free_slots`, a stack), or else the next slot never used
 * (alloc.fresh), its exit gives it back: the slots in use stay below the most threads that
 * lived at once, and the agent walks only those. The array is small (the agent sizes it for a
 * JVM of a few hundred threads): a thread that finds every slot taken gets an entry in the
 * `threads` hash instead, allocated when the thread comes and freed when it goes, so kernel
 * memory follows the threads the JVM has up to maxThreads.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct slot_ref);
} slot_of SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, DEFAULT_SLOTS); /* resized by the agent before load, with `slots` */
	__type(value, __u32);
} free_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, DEFAULT_SLOTS); /* resized by the agent before load */
	__type(key, __u32);
	__type(value, struct thread_sched);
} slots SEC(".maps");

struct thread_alloc alloc SEC(".data.alloc") = {};

/*
 * Keyed by tid: the threads that found no free slot (tp_btf), or every thread (raw_tp: raw_tp
 * programs get untyped task pointers, which task storage does not take for a woken task, not
 * `current`). Entries are allocated on demand: an empty hash costs its buckets only.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, DEFAULT_HASH_THREADS); /* resized by the agent before load */
	__type(key, __u32);
	__type(value, struct thread_sched);
} threads SEC(".maps");

/* Final counters of threads that exited since the agent last looked. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct thread_sched);
} exited SEC(".maps");

/* Off-CPU time per thread and reason beyond the reasons kept in the thread's entry. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 32768); /* resized by the agent before load */
	__type(key, struct off_cpu_key);
	__type(value, struct off_cpu_total);
} off_cpu SEC(".maps");

/*
 * CLOCK_MONOTONIC minus the run queues' clock, and when it was taken (see now() in
 * sched_logic.h). 100 ms keeps the offset's drift (NTP slews CLOCK_MONOTONIC by at most 500 ppm)
 * under 50 us. Own section: the agent checks .bss against struct sched_counters.
 */
#define CLOCK_SYNC_NS 100000000LL
/* NTP slews CLOCK_MONOTONIC by at most 500 ppm: 1/2000 of the time between two syncs. */
#define CLOCK_DRIFT_DIVISOR 2000
/* What reading the two clocks one after the other may put between them. */
#define CLOCK_READ_NS 2000
struct clock_sync {
	__u64 offset_ns;
	__u64 synced_at;
	__u64 first_synced_at; /* the probe's first sync: the CLOCK_SYNC_NS after it take the least offset of every event */
};
struct clock_sync clock_sync SEC(".data.clock_sync") = {};

/* The tid as seen from the deepest PID namespace the thread lives in: the JVM's. */
static __always_inline __u32 ns_tid(struct task_struct *t)
{
	struct pid *pid = BPF_CORE_READ(t, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct upid up = {};

	bpf_core_read(&up, sizeof(up), &pid->numbers[level & 31]);
	return up.nr;
}

#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)
#define FN(name) CAT(name, KIND)

#define KIND btf
#define RD(t, f) ((t)->f)
#define SLOTS 1
#define CURRENT_BTF(prev) (prev) /* prev is current, and already a BTF pointer */
#include "sched_logic.h"
#undef KIND
#undef RD
#undef SLOTS
#undef CURRENT_BTF

#define KIND raw
#define RD(t, f) BPF_CORE_READ(t, f)
#define SLOTS 0
#define CURRENT_BTF(prev) bpf_get_current_task_btf() /* raw_tp's prev is untyped */
#include "sched_logic.h"
#undef KIND
#undef RD
#undef SLOTS
#undef CURRENT_BTF

#define SCHED_PROGS(kind, sec)                                                                     \
	SEC(sec "/sched_switch")                                                                   \
	int BPF_PROG(sched_switch_##kind, bool preempt, struct task_struct *prev,                  \
		     struct task_struct *next)                                                     \
	{                                                                                          \
		return CAT(on_switch, kind)(preempt, prev, next);                                  \
	}                                                                                          \
	SEC(sec "/sched_wakeup")                                                                   \
	int BPF_PROG(sched_wakeup_##kind, struct task_struct *p)                                   \
	{                                                                                          \
		return CAT(on_wakeup, kind)(p);                                                    \
	}                                                                                          \
	SEC(sec "/sched_wakeup_new")                                                               \
	int BPF_PROG(sched_wakeup_new_##kind, struct task_struct *p)                               \
	{                                                                                          \
		return CAT(on_wakeup, kind)(p);                                                    \
	}                                                                                          \
	SEC(sec "/sched_migrate_task")                                                             \
	int BPF_PROG(sched_migrate_task_##kind, struct task_struct *p, int dest_cpu)               \
	{                                                                                          \
		return CAT(on_migrate, kind)(p, dest_cpu);                                         \
	}                                                                                          \
	SEC(sec "/sched_process_exit")                                                             \
	int BPF_PROG(sched_process_exit_##kind, struct task_struct *p)                             \
	{                                                                                          \
		return CAT(on_exit, kind)(p);                                                      \
	}                                                                                          \
	SEC("iter/task")                                                                           \
	int sched_walk_##kind(struct bpf_iter__task *ctx)                                          \
	{                                                                                          \
		struct task_struct *task = ctx->task; /* read once: the check is on this copy */  \
		return task ? CAT(on_walk, kind)(task) : 0;                                        \
	}

SCHED_PROGS(btf, "tp_btf")
SCHED_PROGS(raw, "raw_tp")
