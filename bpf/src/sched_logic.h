/*
 * The scheduler probe's logic, included twice by sched.bpf.c: once with KIND btf and RD() a
 * direct load (tp_btf programs get BTF-typed task pointers), once with KIND raw and RD() a
 * bpf_probe_read_kernel (raw_tp). Both are relocated by CO-RE. SLOTS 1 (tp_btf) keeps a thread's
 * state in a slot of the mmap'able array (in the hash keyed by tid once every slot is taken),
 * SLOTS 0 (raw_tp) in the hash. The direct loads matter: the filter runs for every context
 * switch on the machine, and a helper call per field read was measured to dominate its cost.
 */
static __always_inline bool FN(is_target)(struct task_struct *t)
{
	return RD(t, tgid) == config.target_tgid;
}

/*
 * The time of an event on CLOCK_MONOTONIC (bpf_ktime_get_ns), read cheaply: bpf_ktime_get_ns
 * was measured at ~60 ns per call on this VM, a third of the probe's cost per event, while the
 * clock of the run queue the event happens under (the current CPU's for a switch, the woken
 * task's for a wakeup, locked and brought up to date by the scheduler just before the
 * tracepoint) is a few loads. That clock is sched_clock, the one the kernel's own run-queue
 * delay (schedstat) is measured with; it is moved onto CLOCK_MONOTONIC by an offset taken again
 * every CLOCK_SYNC_NS, so the agent compares times with its own clock as before. Kernels
 * without CONFIG_FAIR_GROUP_SCHED have no path from a task to its run queue: they pay the call.
 */
static __always_inline __u64 FN(now)(struct task_struct *t)
{
	if (!bpf_core_field_exists(t->se.cfs_rq))
		return bpf_ktime_get_ns();
	struct cfs_rq *cfs_rq = RD(t, se.cfs_rq);
	struct rq *rq = cfs_rq ? RD(cfs_rq, rq) : NULL;
	__u64 clock = rq ? RD(rq, clock) : 0;

	if (!clock)
		return bpf_ktime_get_ns();
	struct clock_sync *sync = &clock_sync;

	/*
	 * The first sync has nothing to be checked against, and may come from a clock that was not
	 * up to date (seen: every time stamp 8 ms late for the first 100 ms after a late attach). For
	 * CLOCK_SYNC_NS after it every event syncs, and the least offset wins: a stale clock only
	 * ever makes the offset larger.
	 */
	bool settling = !sync->first_synced_at || (__s64)(clock - sync->first_synced_at) < CLOCK_SYNC_NS;

	if (settling || (__s64)(clock - sync->synced_at) > CLOCK_SYNC_NS) {
		__u64 offset = bpf_ktime_get_ns() - clock;
		__u64 drift = clock > sync->synced_at ? (clock - sync->synced_at) / CLOCK_DRIFT_DIVISOR : 0;

		if (!sync->first_synced_at)
			sync->first_synced_at = clock;

		/*
		 * The clock is the run queue's as the scheduler last brought it up to date: never
		 * ahead, but behind for an event it did not update it for (a wakeup of a thread still
		 * on its CPU), and an offset taken then is too large by as much (seen: 7 ms, the
		 * intervals after it off by that). The true offset moves no faster than NTP may slew
		 * CLOCK_MONOTONIC; a larger step up is such a clock, passed over for the next event's.
		 * Racing CPUs each store an offset good to the same few microseconds.
		 */
		if (!sync->synced_at || offset <= sync->offset_ns + drift + CLOCK_READ_NS) {
			sync->offset_ns = offset;
			sync->synced_at = clock;
		}
	}
	return clock + sync->offset_ns;
}

/*
 * A program updates an entry field by field while the agent may be copying it on another CPU.
 * Two copies that agree tell only that nothing was written between them: a writer held up in the
 * middle of its update (a hypervisor that takes its virtual CPU away for milliseconds, seen on
 * this kind of VM) leaves the entry half-written for every copy the agent takes meanwhile, e.g.
 * on_cpu_ns with the span just ended but still RUNNING since its start, which counts the span
 * twice (seen: 112 ms on-CPU in a 96 ms interval, then as much short in the next ones). The
 * agent takes no copy while `writing` is set. Writes to one entry never race: the scheduler
 * serializes a thread's switches, wakeups and migrations, and its exit runs in the thread
 * itself. x86 keeps stores in program order; the barriers keep the compiler from moving them.
 */
static __always_inline void FN(begin_write)(struct thread_sched *s)
{
	*(volatile __u64 *)&s->writing = 1;
	asm volatile("" ::: "memory");
}

static __always_inline void FN(end_write)(struct thread_sched *s)
{
	asm volatile("" ::: "memory");
	*(volatile __u64 *)&s->writing = 0;
}

static __always_inline long FN(task_state)(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return RD(t, __state);
	return RD((struct task_struct___pre514 *)t, state);
}

/*
 * Migrations as the kernel counts them (se.nr_migrations, moved by set_task_cpu() as its tracepoint
 * fires), since the entry was made: like nvcsw, the kernel's own count is exact where a tracepoint
 * the probe misses is not (a migration in an interrupt that lands while a program on the same CPU
 * holds task storage finds it busy). Caught up at every switch-out and at exit.
 */
static __always_inline void FN(catch_up_migrations)(struct thread_sched *s, struct task_struct *t)
{
	s->migrations = RD(t, se.nr_migrations) - s->migrations_base;
}

/*
 * Time in the current state, never negative. A thread's time stamps come from the run queue clock
 * of the CPU an event ran on plus an offset that each sync may lower (and exit reads
 * bpf_ktime_get_ns()): one can come before the state's start by a few microseconds, and an
 * unsigned difference would wrap (seen: short threads' on-CPU gone at exit, 9,561 of 10,000).
 */
static __always_inline __u64 FN(elapsed)(const struct thread_sched *s, __u64 now)
{
	return now > s->since_ns ? now - s->since_ns : 0;
}

/* A new state starts at `now`, or where the last one started if that is later: spans never overlap. */
static __always_inline void FN(enter)(struct thread_sched *s, __u32 state, __u64 now)
{
	s->state = state;
	if (now > s->since_ns)
		s->since_ns = now;
}

/*
 * Adds the CPU time the kernel charged the task since the probe last looked, at most the time
 * since since_ns: a thread met while it ran on another CPU (a wakeup racing its sleep) had a
 * runtime charged only up to that CPU's last tick, and the rest, from before the probe met it,
 * must not land in its first interval (seen: 7.7 ms after a late attach).
 */
static __always_inline __u64 FN(catch_up_on_cpu)(struct thread_sched *s, struct task_struct *t, __u64 now)
{
	__u64 exec = RD(t, se.sum_exec_runtime);
	__u64 ran = exec - s->exec_seen;
	__u64 since = FN(elapsed)(s, now);

	if (ran > since)
		ran = since;

	s->on_cpu_ns += ran;
	s->exec_seen = exec;
	return ran;
}

/*
 * The syscall the current task is in, from the user registers the kernel saved at entry. x86-64
 * keeps the syscall number in orig_ax, but an exception (a page fault) leaves its error code
 * there; only the syscall instruction leaves the user return address in both ip and cx.
 */
static __always_inline __s32 FN(current_syscall)(struct task_struct *prev)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(CURRENT_BTF(prev));
	long nr = RD(regs, orig_ax);

	return nr >= 0 && RD(regs, ip) == RD(regs, cx) ? (__s32)nr : -1;
}

/*
 * A span with this reason starts: its index among the entry's inline reasons, claimed if new, or
 * -1 when all are taken by other reasons (the span's time then goes to the off_cpu map).
 */
static __always_inline __s32 FN(reason_index)(struct thread_sched *s, __s32 syscall, __u32 kind)
{
	for (int i = 0; i < INLINE_REASONS; i++) {
		struct off_cpu_reason *r = &s->reasons[i];

		if (r->kind_plus_1 == 0) {
			r->syscall = syscall;
			asm volatile("" ::: "memory"); /* the syscall is stored before the claim */
			r->kind_plus_1 = kind + 1;
			return i;
		}
		if (r->syscall == syscall && r->kind_plus_1 == kind + 1)
			return i;
	}
	return -1;
}

/* An off-CPU span of `ns` ended: add it to the thread and to its reason. */
static __always_inline void FN(add_off_cpu)(struct thread_sched *s, __u32 tid, __u64 ns)
{
	__s32 index = s->off_index;

	s->off_cpu_ns += ns;
	if (index >= 0 && index < INLINE_REASONS) {
		s->reasons[index].ns += ns;
		s->reasons[index].spans++;
		return;
	}
	struct off_cpu_key key = {
		.first_seen_ns = s->first_seen_ns,
		.tid = tid,
		.syscall = s->off_syscall,
		.kind = s->off_kind,
	};
	struct off_cpu_total *total = bpf_map_lookup_elem(&off_cpu, &key);

	if (!total) {
		struct off_cpu_total zero = {};

		if (bpf_map_update_elem(&off_cpu, &key, &zero, BPF_NOEXIST) == -E2BIG) {
			__sync_fetch_and_add(&counters.reasons_full, 1);
			return;
		}
		total = bpf_map_lookup_elem(&off_cpu, &key);
		if (!total)
			return;
	}
	/* Only this thread's own span ends touch its entries, one at a time. */
	total->ns += ns;
	total->spans++;
}

/*
 * A thread found not RUNNING where it certainly runs (its own switch-out, its exit): its last
 * switch-in fired no program. This kernel does that now and then (traced: a switch-out seen, the
 * next one tens of ms later, nothing between, no recursion miss), and the time the thread then ran
 * was counted as the wait it was in (seen: short threads with less time on CPU than they read
 * for themselves, down to 28 us where their median was 200 us). The kernel stamps every switch-in in sched_info.last_arrival, on the run-queue
 * clock FN(now) reads: the wait ends there, and the thread runs since. Without CONFIG_SCHED_INFO
 * (no stamp), close_unseen_wait() splits by the charged runtime instead.
 */
#ifndef UNSEEN_SLACK_NS
/* What the run-queue clock and the synced offset may put a stamp late by (the offset's own drift). */
#define UNSEEN_SLACK_NS 20000
#endif

/*
 * Where the thread's last switch-in was, on the probe's clock, if it is one no program saw: after
 * the wait (`state` RUNNABLE or OFF_CPU) that began at `since`, and with all the runtime charged
 * since the probe last looked (`exec_seen`) fitting after it. 0 otherwise.
 */
static __always_inline __u64 FN(unseen_switch_in)(struct task_struct *t, __u32 state, __u64 since, __u64 exec_seen,
						  __u64 now)
{
	if (state != TS_RUNNABLE && state != TS_OFF_CPU)
		return 0;
	/* The stamp is on the run-queue clock: only an offset FN(now) has taken moves it onto ours. */
	if (!bpf_core_field_exists(t->sched_info.last_arrival) || !clock_sync.synced_at)
		return 0;
	__u64 arrival = RD(t, sched_info.last_arrival);

	if (!arrival)
		return 0;
	arrival += clock_sync.offset_ns;
	if (arrival <= since || arrival > now)
		return 0; /* a stamp from before the wait began: the switch-in was not the one missed */
	/*
	 * The runtime charged since the probe last looked must fit after the stamp. More means the
	 * thread also ran before it (a switch-out missed as well): that run is not the wait's, and
	 * close_unseen_wait's split by charged runtime keeps it on-CPU.
	 */
	if (RD(t, se.sum_exec_runtime) - exec_seen > now - arrival + UNSEEN_SLACK_NS)
		return 0;
	return arrival;
}

static __always_inline void FN(catch_up_switch_in)(struct thread_sched *s, struct task_struct *t, __u64 now)
{
	__u64 arrival = FN(unseen_switch_in)(t, s->state, s->since_ns, s->exec_seen, now);

	if (!arrival)
		return;
	if (s->state == TS_RUNNABLE)
		s->runq_wait_ns += arrival - s->since_ns;
	else
		FN(add_off_cpu)(s, RD(t, pid), arrival - s->since_ns);
	s->state = TS_RUNNING;
	s->since_ns = arrival;
	__sync_fetch_and_add(&counters.switch_ins_unseen, 1);
}

/*
 * A running thread at its switch-out or exit. Its switch-in seen (RUNNING), it held the CPU since
 * since_ns, and what of that the kernel did not charge (`ran`) went to interrupts and steal. Its
 * switch-in not seen and not stamped (catch_up_switch_in), since since_ns it waited (RUNNABLE) and then ran for `ran`; or it was
 * off-CPU, then waited and ran, and that wait cannot be split off (OFF_CPU). What is not `ran`
 * goes to the wait it was in.
 */
static __always_inline void FN(close_unseen_wait)(struct thread_sched *s, __u32 tid, __u64 now, __u64 ran)
{
	__u64 span = FN(elapsed)(s, now);

	if (span <= ran)
		return;
	if (s->state == TS_RUNNING) /* its switch-in was seen: what the kernel did not charge was stolen */
		s->stolen_ns += span - ran;
	else if (s->state == TS_RUNNABLE)
		s->runq_wait_ns += span - ran;
	else if (s->state == TS_OFF_CPU)
		FN(add_off_cpu)(s, tid, span - ran);
}

#if SLOTS
/* The entry a reference names, if it is still the thread's: its first_seen_ns must match. */
static __always_inline struct thread_sched *FN(entry_of)(struct task_struct *t, struct slot_ref *ref)
{
	__u32 slot = ref->slot;
	struct thread_sched *s;

	if (slot == IN_HASH) {
		__u32 tid = RD(t, pid);

		s = bpf_map_lookup_elem(&threads, &tid);
	} else {
		s = bpf_map_lookup_elem(&slots, &slot);
	}
	return s && s->first_seen_ns == ref->first_seen_ns ? s : NULL;
}

/*
 * A slot for a new thread: the one freed last, else the next never used, else IN_HASH. Both
 * keep the slots in use low: below the most threads that lived at once.
 */
static __always_inline __u32 FN(take_slot)(void)
{
	__u32 slot;

	if (!bpf_map_pop_elem(&free_slots, &slot))
		return slot;
	if (alloc.fresh >= config.slots)
		return IN_HASH;
	__u64 fresh = __sync_fetch_and_add(&alloc.fresh, 1);

	return fresh < config.slots ? (__u32)fresh : IN_HASH;
}

/*
 * A thread that found no slot: an entry in the `threads` hash, allocated now. Task storage says
 * so (IN_HASH) first, as for a slot. If the hash refuses (full, or out of memory), the reference
 * goes again, so that the thread's next event tries again.
 */
static __always_inline struct thread_sched *FN(new_hash_entry)(struct task_struct *t, struct thread_sched *init)
{
	if (!config.hash_threads) {
		__sync_fetch_and_add(&counters.threads_full, 1);
		return NULL;
	}
	struct slot_ref want = { .slot = IN_HASH, .first_seen_ns = init->first_seen_ns };
	struct slot_ref *ref = bpf_task_storage_get(&slot_of, t, &want, BPF_LOCAL_STORAGE_GET_F_CREATE);

	/* Refused (no memory), or the thread got an entry meanwhile on another CPU. */
	if (!ref || ref->slot != IN_HASH || ref->first_seen_ns != want.first_seen_ns)
		return NULL;
	__u32 tid = init->tid;
	long err = bpf_map_update_elem(&threads, &tid, init, BPF_NOEXIST);

	if (!err) {
		__sync_fetch_and_add(&alloc.in_hash, 1);
	} else if (err == -EEXIST) {
		/* An earlier thread's entry under this tid, whose delete at exit failed: counted already. */
		err = bpf_map_update_elem(&threads, &tid, init, BPF_EXIST);
	}
	if (err) {
		bpf_task_storage_delete(&slot_of, t);
		__sync_fetch_and_add(&counters.threads_full, 1);
		return NULL;
	}
	return bpf_map_lookup_elem(&threads, &tid);
}

/*
 * Gives the thread an entry. The reference goes into task storage before the slot is written,
 * and the slot's first_seen_ns is written last: the agent, reading the array concurrently, skips
 * a slot whose first_seen_ns is 0 and drops one whose first_seen_ns changed under its read.
 * x86 keeps stores in program order; the barrier keeps the compiler from moving them.
 */
static __always_inline struct thread_sched *FN(new_entry)(struct task_struct *t, struct thread_sched *init)
{
	__u32 slot = FN(take_slot)();

	if (slot == IN_HASH)
		return FN(new_hash_entry)(t, init);
	struct slot_ref want = { .slot = slot, .first_seen_ns = init->first_seen_ns };
	struct slot_ref *ref = bpf_task_storage_get(&slot_of, t, &want, BPF_LOCAL_STORAGE_GET_F_CREATE);
	struct thread_sched *s = bpf_map_lookup_elem(&slots, &slot);

	/* Refused (no memory), or the thread got an entry meanwhile on another CPU: give it back. */
	if (!ref || ref->slot != slot || !s) {
		bpf_map_push_elem(&free_slots, &slot, 0);
		return NULL;
	}
	__u64 first_seen = init->first_seen_ns;

	init->first_seen_ns = 0;
	*s = *init;
	asm volatile("" ::: "memory");
	*(volatile __u64 *)&s->first_seen_ns = first_seen;
	return s;
}
#else
/* The thread's entry; one whose first_seen_ns is 0 is an exited thread's that was not deleted. */
static __always_inline struct thread_sched *FN(find)(struct task_struct *t)
{
	__u32 tid = RD(t, pid);
	struct thread_sched *s = bpf_map_lookup_elem(&threads, &tid);

	return s && s->first_seen_ns ? s : NULL;
}
#endif

/* A thread met for the first time: its entry. */
static __always_inline struct thread_sched *FN(new_thread)(struct task_struct *t, __u64 now)
{
	/* An exiting thread was already reported; do not bring it back. */
	if (RD(t, flags) & PF_EXITING)
		return NULL;
	struct thread_sched init = {
		.first_seen_ns = now,
		.since_ns = now,
		.nvcsw = RD(t, nvcsw),
		.exec_seen = RD(t, se.sum_exec_runtime),
		.migrations_base = RD(t, se.nr_migrations),
		.start_ns = RD(t, start_time),
		.ns_tid = ns_tid(t),
		.tid = RD(t, pid),
	};
	bpf_probe_read_kernel(init.comm, sizeof(init.comm), &t->comm);
#if SLOTS
	return FN(new_entry)(t, &init);
#else
	__u32 tid = init.tid;

	/* Replaces an exited thread's entry left behind; fails when the hash is full or out of memory. */
	if (bpf_map_update_elem(&threads, &tid, &init, BPF_ANY)) {
		__sync_fetch_and_add(&counters.threads_full, 1);
		return NULL;
	}
	return bpf_map_lookup_elem(&threads, &tid);
#endif
}

/*
 * The entry of a thread that is not in a slot: in the threads hash (tp_btf: it found no free
 * slot), or new. Out of line (a BPF subprogram): a thread is new once and few are in the hash, and
 * the path every other event takes stays short. `ref` is the thread's task storage (tp_btf), or
 * NULL.
 */
static __noinline struct thread_sched *FN(other_entry)(struct task_struct *t, struct slot_ref *ref, __u64 now)
{
#if SLOTS
	if (ref && ref->slot == IN_HASH) {
		struct thread_sched *s = FN(entry_of)(t, ref);

		if (s)
			return s;
	}
#endif
	return FN(new_thread)(t, now);
}

#if SLOTS
/*
 * The thread's entry. In a slot, the common case, it is a task-storage lookup and an array index:
 * IN_HASH is past the array's end, so its lookup finds nothing, and that path has no test of its own.
 */
static __always_inline struct thread_sched *FN(entry)(struct task_struct *t, __u64 now)
{
	struct slot_ref *ref = bpf_task_storage_get(&slot_of, t, 0, 0);

	if (__builtin_expect(ref != NULL, 1)) {
		__u32 slot = ref->slot;
		struct thread_sched *s = bpf_map_lookup_elem(&slots, &slot);

		if (__builtin_expect(s && s->first_seen_ns == ref->first_seen_ns, 1))
			return s;
	}
	return FN(other_entry)(t, ref, now);
}
#else
static __always_inline struct thread_sched *FN(entry)(struct task_struct *t, __u64 now)
{
	struct thread_sched *s = FN(find)(t);

	return s ? s : FN(other_entry)(t, NULL, now);
}
#endif

static __always_inline void FN(switch_out)(struct task_struct *prev, bool preempt, __u64 now)
{
	struct thread_sched *s = FN(entry)(prev, now);

	if (!s)
		return;
	FN(begin_write)(s);
	FN(catch_up_switch_in)(s, prev, now);
	FN(close_unseen_wait)(s, RD(prev, pid), now, FN(catch_up_on_cpu)(s, prev, now));
	/*
	 * The kernel has already counted this switch in nvcsw or nivcsw; which
	 * one moved is the kernel's own verdict (sched_yield and a pending signal
	 * make the tracepoint arguments ambiguous). A new entry read nvcsw after
	 * the increment, so its first switch falls back to the task state.
	 */
	unsigned long nvcsw = RD(prev, nvcsw);

	FN(catch_up_migrations)(s, prev);
	/*
	 * A preempted task stays on its run queue even if it had already set a
	 * sleeping state (preempted on its way into schedule()): it waits for a CPU.
	 */
	long task_state = FN(task_state)(prev);
	bool runnable = preempt || task_state == 0;
	bool voluntary = s->state == TS_UNKNOWN && s->since_ns == now ? !runnable : nvcsw != s->nvcsw;

	s->nvcsw = nvcsw;
	/*
	 * The name the thread gave itself: a thread that lives less than a poll interval is gone
	 * before the agent could look it up, and its report must still say who it was. The JVM
	 * names a thread as it starts, so its first few switches are enough (and exit reads it again).
	 */
	if (s->voluntary + s->involuntary < 4)
		bpf_probe_read_kernel(s->comm, sizeof(s->comm), &prev->comm);
	if (voluntary)
		s->voluntary++;
	else
		s->involuntary++;
	if (!runnable) { /* sched_switch runs in prev's context: current is prev */
		s->off_syscall = FN(current_syscall)(prev);
		s->off_kind = task_state & TASK_UNINTERRUPTIBLE ? OFF_UNINTERRUPTIBLE
			      : task_state & TASK_INTERRUPTIBLE ? OFF_SLEEPING
								  : OFF_OTHER;
		s->off_index = FN(reason_index)(s, s->off_syscall, s->off_kind);
	}
	FN(enter)(s, runnable ? TS_RUNNABLE : TS_OFF_CPU, now);
	FN(end_write)(s);
}

static __always_inline void FN(switch_in)(struct task_struct *next, __u64 now)
{
	struct thread_sched *s = FN(entry)(next, now);

	if (!s)
		return;
	FN(begin_write)(s);
	if (s->state == TS_RUNNABLE)
		s->runq_wait_ns += FN(elapsed)(s, now);
	else if (s->state == TS_OFF_CPU) /* its wakeup was not seen: the wait cannot be split */
		FN(add_off_cpu)(s, RD(next, pid), FN(elapsed)(s, now));
	FN(catch_up_on_cpu)(s, next, ~0ULL); /* nothing, unless a switch-out was missed */
	FN(enter)(s, TS_RUNNING, now);
	FN(end_write)(s);
}

static __always_inline int FN(on_switch)(bool preempt, struct task_struct *prev, struct task_struct *next)
{
	bool prev_ours = FN(is_target)(prev), next_ours = FN(is_target)(next);

	if (!prev_ours && !next_ours)
		return 0;
	__u64 now = FN(now)(prev);
	if (prev_ours)
		FN(switch_out)(prev, preempt, now);
	if (next_ours)
		FN(switch_in)(next, now);
	return 0;
}

/* Whether the task is on a CPU right now (CONFIG_SMP's on_cpu; without it, never known). */
static __always_inline bool FN(on_a_cpu)(struct task_struct *t)
{
	if (!bpf_core_field_exists(t->on_cpu))
		return false;
	return RD(t, on_cpu) != 0;
}

static __always_inline int FN(on_wakeup)(struct task_struct *p)
{
	if (!FN(is_target)(p))
		return 0;
	__u64 now = FN(now)(p);
	struct thread_sched *s = FN(entry)(p, now);

	/* A wakeup of a thread still RUNNING raced with it going to sleep: nothing changes. */
	if (!s || (s->state != TS_OFF_CPU && s->state != TS_UNKNOWN))
		return 0;
	FN(begin_write)(s);
	__u32 state = TS_RUNNABLE;

	if (s->state == TS_OFF_CPU) {
		FN(add_off_cpu)(s, RD(p, pid), FN(elapsed)(s, now));
	} else if (FN(on_a_cpu)(p)) {
		/*
		 * Met first at a wakeup: on a CPU still (after a late attach, threads a safepoint
		 * stopped are woken so), it never left it, and it is running, not waiting for a CPU
		 * (counted as a wait until its next switch-out, such a spinner's 8 ms went into two
		 * intervals).
		 */
		state = TS_RUNNING;
	}
	FN(enter)(s, state, now);
	FN(end_write)(s);
	return 0;
}

static __always_inline __u32 FN(task_cpu)(struct task_struct *t)
{
	if (bpf_core_field_exists(t->thread_info.cpu))
		return RD(t, thread_info.cpu);
	return RD(t, cpu);
}

/* set_task_cpu() fires the tracepoint before it checks that the CPU changes; count real moves. */
static __always_inline int FN(on_migrate)(struct task_struct *p, int dest_cpu)
{
	if (!FN(is_target)(p) || FN(task_cpu)(p) == (__u32)dest_cpu)
		return 0;
	/*
	 * Not FN(now): a migration fires on the task's old run queue, whose clock may not have moved
	 * while that CPU idled, and an offset taken from it would put every timestamp after it ahead
	 * by that much until the next sync. The time matters only for a thread met first here.
	 */
	struct thread_sched *s = FN(entry)(p, bpf_ktime_get_ns());

	/*
	 * The kernel's own count, with this move: the tracepoint fires before set_task_cpu() counts
	 * it. A move whose tracepoint the probe missed is caught up at the next switch-out.
	 */
	if (s)
		s->migrations = RD(p, se.nr_migrations) + 1 - s->migrations_base;
	return 0;
}

/*
 * Fires in the exiting thread itself, after PF_EXITING is set and before its last switch. The
 * final copy goes to `exited`; then the thread lets go of its state, so its last switch-out finds
 * none and (PF_EXITING) creates none. The entry is marked gone (first_seen_ns = 0) before its
 * copy is stored in `exited`: the agent, which drains `exited` before it reads the live entries,
 * never sees a thread both exited and live. A slot is pushed back last, so a thread that takes
 * it next cannot write it earlier.
 */
static __always_inline int FN(on_exit)(struct task_struct *p)
{
	if (!FN(is_target)(p))
		return 0;
	__u32 tid = RD(p, pid);
#if SLOTS
	struct slot_ref *ref = bpf_task_storage_get(&slot_of, p, 0, 0);

	if (!ref)
		return 0;
	__u32 slot = ref->slot;
	struct thread_sched *s = FN(entry_of)(p, ref);
#else
	struct thread_sched *s = FN(find)(p);
#endif
	if (!s)
		return 0;
	__u64 now = bpf_ktime_get_ns();

	FN(begin_write)(s);
	FN(catch_up_switch_in)(s, p, now);
	/*
	 * The exiting thread is current: its runtime is charged up to its last tick or switch only, so
	 * the time since its switch-in that is not charged yet is its own on-CPU time (with whatever
	 * was stolen of it), not all stolen.
	 */
	__u64 ran = FN(catch_up_on_cpu)(s, p, now);
	__u64 span = FN(elapsed)(s, now);

	if (s->state == TS_RUNNING && span > ran)
		s->on_cpu_ns += span - ran;
	else
		FN(close_unseen_wait)(s, tid, now, ran);
	FN(enter)(s, TS_RUNNING, now);
	bpf_probe_read_kernel(s->comm, sizeof(s->comm), &p->comm);
	FN(catch_up_migrations)(s, p);
	FN(end_write)(s);
	struct thread_sched last = *s;

	last.writing = 0; /* a final copy: the compiler may have copied the field before it was cleared */

	asm volatile("" ::: "memory");
	*(volatile __u64 *)&s->first_seen_ns = 0;
	if (bpf_map_update_elem(&exited, &tid, &last, BPF_ANY))
		__sync_fetch_and_add(&counters.exits_full, 1);
#if SLOTS
	/* If the delete fails (-EBUSY), the reference stays behind stale: entry_of() rejects it. */
	bpf_task_storage_delete(&slot_of, p);
	if (slot != IN_HASH)
		bpf_map_push_elem(&free_slots, &slot, 0);
	else if (!bpf_map_delete_elem(&threads, &tid))
		__sync_fetch_and_add(&alloc.in_hash, -1);
#else
	bpf_map_delete_elem(&threads, &tid);
#endif
	return 0;
}

/* The thread's entry, if it has one; never a new one. */
static __always_inline struct thread_sched *FN(existing_entry)(struct task_struct *t)
{
#if SLOTS
	struct slot_ref *ref = bpf_task_storage_get(&slot_of, t, 0, 0);

	return ref ? FN(entry_of)(t, ref) : NULL;
#else
	return FN(find)(t);
#endif
}

/*
 * One thread of the agent's walk over this process's threads, run just before each poll reads
 * the entries (sched_walk_*: an iter/task iterator the agent attaches for its own process only,
 * Linux 6.1+). A thread whose switch-in fired no program keeps the wait it was in, in its entry,
 * while it runs, until its next switch-out repairs it (catch_up_switch_in); a spinner with a CPU
 * to itself may have none for seconds, and each poll until then counted its run as the wait
 * (seen: 380 ms of a 1.5 s spin reported as run-queue wait). The walk notes the switch-in beside
 * the entry's state, and the agent counts the wait up to it and on-CPU time after it, as the
 * repair will. It writes its note only, never the state: the thread's own switch-out may be
 * writing that on another CPU at this moment. It notes nothing while a program writes the entry,
 * nor when since_ns moved between its reads. (On 6.1, the one kernel that both limits the walk to
 * this process and has the older task-storage lock, a scheduler event of the walk's CPU that
 * lands during its task-storage lookup finds the storage busy and is missed, as one nested in
 * another program of the probe is: a window of about a microsecond a thread a poll.)
 */
static __always_inline int FN(on_walk)(struct task_struct *t)
{
	if (!FN(is_target)(t) || !FN(on_a_cpu)(t))
		return 0;
	struct thread_sched *s = FN(existing_entry)(t);

	if (!s || *(volatile __u64 *)&s->writing)
		return 0;
	__u64 since = *(volatile __u64 *)&s->since_ns;
	__u32 state = *(volatile __u32 *)&s->state;
	__u64 exec_seen = *(volatile __u64 *)&s->exec_seen;

	asm volatile("" ::: "memory");
	if (*(volatile __u64 *)&s->writing || *(volatile __u64 *)&s->since_ns != since)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	__u64 arrival = FN(unseen_switch_in)(t, state, since, exec_seen, now);

	if (arrival) {
		s->seen_running_for = since;
		s->seen_running_at = arrival;
		s->noted_ns = now;
	}
	return 0;
}
