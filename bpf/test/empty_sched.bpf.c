// SPDX-License-Identifier: GPL-2.0
/*
 * Programs that do nothing, on the tracepoints the sched probe uses: the baseline for measuring
 * the probe's own cost per run (what the kernel spends calling any program, and timing it, when
 * kernel.bpf_stats_enabled is on).
 */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/sched_switch")
int BPF_PROG(empty_switch)
{
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(empty_wakeup)
{
	return 0;
}
