/*
 * ABI of the scheduler probe: the structs that cross from sched.bpf.c to the
 * agent. Fixed-width fields, natural alignment, explicit padding. The Java side
 * (ThreadSchedLayout) names only the members it reads; their offsets and sizes come
 * from this object's BTF at load, so members may be added or moved here freely.
 */
#ifndef EBPF_AGENT_SCHED_H
#define EBPF_AGENT_SCHED_H

/* What a thread was doing since thread_sched.since_ns. */
enum thread_state {
	TS_UNKNOWN = 0,  /* seen first while switching out: the past is unknown */
	TS_RUNNING = 1,  /* on a CPU */
	TS_RUNNABLE = 2, /* woken or preempted, waiting in a run queue */
	TS_OFF_CPU = 3,  /* switched out while not runnable (blocked, sleeping) */
};

/* Read-only configuration, set by the agent before load (.rodata). */
struct sched_config {
	__u32 target_tgid;  /* the JVM's process id in the root PID namespace */
	__u32 slots;        /* tp_btf: entries of the `slots` array */
	__u32 hash_threads; /* tp_btf: threads the `threads` hash may hold once the slots are taken (0: none) */
	__u32 pad;
};

/*
 * How the tp_btf probe has given out per-thread entries (.data.alloc, read by the agent through
 * mmap before each walk of the slots).
 */
struct thread_alloc {
	__u64 fresh;   /* slots taken for the first time (may overshoot config.slots): those in use are below it */
	__u64 in_hash; /* threads whose entry is in the `threads` hash because no slot was free */
};

/* slot_ref.slot of a thread whose entry is in the `threads` hash, keyed by its tid. */
#define IN_HASH 0xffffffffU

#define INLINE_REASONS 4

/*
 * One off-CPU reason inside a thread's entry. Claimed at the switch-out that starts a span with
 * a reason not seen before (syscall first, then kind_plus_1 != 0 marks it claimed), added to
 * when the span ends: a reader never sees time under an unclaimed reason.
 */
struct off_cpu_reason {
	__s32 syscall;
	__u32 kind_plus_1; /* enum off_cpu_kind + 1; 0: unused */
	__u64 ns;
	__u64 spans;
};

/*
 * Per-thread cumulative counters: one slot of the mmap'able `slots` array per thread (tp_btf
 * programs; a thread that finds every slot taken gets an entry of the `threads` hash instead),
 * or one entry of the `threads` hash keyed by tid (raw_tp); `exited` holds the final copy, keyed
 * by tid. In a slot, first_seen_ns != 0 means in use, and is written last; an entry whose
 * first_seen_ns is 0 belongs to a thread that is exiting (its final copy is, or is about to be,
 * in `exited`).
 */
struct thread_sched {
	__u64 on_cpu_ns;
	__u64 runq_wait_ns;
	__u64 off_cpu_ns;
	__u64 voluntary;
	__u64 involuntary;
	__u64 migrations;
	/*
	 * Time the thread held a CPU that the kernel did not charge it: interrupts handled on its
	 * CPU and time the hypervisor gave that CPU to another guest (steal). on_cpu_ns is the
	 * scheduler's charge, which leaves both out, while waits are wall time; with this the
	 * thread's states add up to the wall time it lived.
	 */
	__u64 stolen_ns;
	__u64 first_seen_ns; /* tells a reused tid apart from the thread that had it before */
	__u64 since_ns;      /* when the current state began (bpf_ktime_get_ns) */
	__u64 nvcsw;         /* task->nvcsw after the last switch-out, to classify the next one */
	__u64 exec_seen;     /* task->se.sum_exec_runtime when the probe last looked */
	__u64 start_ns;      /* task->start_time: when the thread was created (CLOCK_MONOTONIC) */
	__u64 migrations_base; /* task->se.nr_migrations when the entry was made */
	/*
	 * 1 while a program is writing the entry (see begin_write in sched_logic.h): the agent takes
	 * no copy of an entry being written, however long the writer is held up.
	 */
	__u64 writing;
	/*
	 * A note of the agent's walk over the threads before each poll's read (on_walk in
	 * sched_logic.h, run as sched_walk_*), never written by the thread's own programs: the
	 * thread was found running after a switch-in no program saw, while the entry still said it
	 * waited since seen_running_for (that wait's since_ns). The agent uses a note only if the walk
	 * of the same poll made it (noted_ns) and since_ns is still seen_running_for.
	 */
	__u64 seen_running_for;
	__u64 seen_running_at; /* the kernel's stamp of that switch-in (sched_info.last_arrival), on since_ns's clock */
	__u64 noted_ns;        /* when the walk made the note (CLOCK_MONOTONIC) */
	__u32 state;         /* enum thread_state */
	__u32 ns_tid;        /* the tid as the JVM's own PID namespace sees it */
	char comm[16];       /* the OS thread name at the last switch-out or at exit */
	__s32 off_syscall;   /* while OFF_CPU: the syscall it blocked in, or -1 (not in a syscall) */
	__u32 off_kind;      /* while OFF_CPU: enum off_cpu_kind */
	__u32 tid;           /* the tid in the root PID namespace (a slot does not say whose it is) */
	__s32 off_index;     /* while OFF_CPU: its reason's index in reasons[], or -1 (in the off_cpu map) */
	/*
	 * Off-CPU time of the thread's first INLINE_REASONS reasons, kept in its own entry: ending a
	 * span then costs no map lookup, and the agent reads them with the rest of the entry. Further
	 * reasons go to the off_cpu map.
	 */
	struct off_cpu_reason reasons[INLINE_REASONS];
};

/*
 * What a thread's task storage holds (tp_btf): its slot (or IN_HASH), and the first_seen_ns the
 * entry was made with. An entry whose first_seen_ns differs has been handed to another thread
 * since: an exit whose task storage could not be deleted leaves such a stale reference behind.
 */
struct slot_ref {
	__u32 slot;
	__u32 pad;
	__u64 first_seen_ns;
};

/* How a thread that left the CPU without being runnable was waiting. */
enum off_cpu_kind {
	OFF_OTHER = 0,           /* stopped, traced, frozen, ... */
	OFF_SLEEPING = 1,        /* TASK_INTERRUPTIBLE: waiting for an event (futex, poll, read, sleep) */
	OFF_UNINTERRUPTIBLE = 2, /* TASK_UNINTERRUPTIBLE: typically disk I/O, page-ins, kernel locks */
};

/*
 * Off-CPU time by reason, cumulative: one entry per thread (tid and first_seen_ns, so a reused tid
 * starts new entries) and reason. The agent deletes a thread's entries after its exit.
 */
struct off_cpu_key {
	__u64 first_seen_ns;
	__u32 tid;
	__s32 syscall; /* -1: not in a syscall (a page fault, or preempted and then stopped) */
	__u32 kind;    /* enum off_cpu_kind */
	__u32 pad;
};

struct off_cpu_total {
	__u64 ns;    /* off-CPU time of spans that ended */
	__u64 spans; /* spans that ended */
};

/* What the probe could not record, cumulative (.bss). */
struct sched_counters {
	__u64 threads_full; /* an event of a thread that got no entry: no free slot, and the hash full or out of memory */
	__u64 exits_full;   /* an exiting thread found the exited map full */
	__u64 reasons_full; /* an off-CPU span found the off_cpu map full */
	__u64 switch_ins_unseen; /* a thread's switch-in fired no program; its time was repaired from the kernel's stamp of it */
};

#endif
