// SPDX-License-Identifier: GPL-2.0
/*
 * Counts the scheduler events that concern one process, next to the variants of
 * sched_cost.bpf.c: a variant's run time is spread over every event on the machine, and this
 * count says how many of them it had real work for. Its own run time is its own program's.
 */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "sched.h"

#define MAP_TYPE_PERCPU_ARRAY 6

char LICENSE[] SEC("license") = "GPL";

const volatile struct sched_config config = {};

enum { SWITCHES, SWITCHES_OWN, SWITCHES_BOTH_OWN, WAKEUPS, WAKEUPS_OWN, NR_COUNTS };

struct {
	__uint(type, MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NR_COUNTS);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline void count(__u32 what)
{
	__u64 *n = bpf_map_lookup_elem(&counts, &what);

	if (n)
		(*n)++;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(count_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	bool p = prev->tgid == config.target_tgid, n = next->tgid == config.target_tgid;

	count(SWITCHES);
	if (p || n)
		count(SWITCHES_OWN);
	if (p && n)
		count(SWITCHES_BOTH_OWN);
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(count_wakeup, struct task_struct *t)
{
	count(WAKEUPS);
	if (t->tgid == config.target_tgid)
		count(WAKEUPS_OWN);
	return 0;
}
