// SPDX-License-Identifier: GPL-2.0
/*
 * Tells the agent its own process id as the root PID namespace knows it.
 *
 * Inside a container, getpid() answers in the container's PID namespace while
 * task->tgid (what the probes filter on) is the root namespace's, and no file
 * inside the container maps one to the other. The agent runs this program once
 * with BPF_PROG_TEST_RUN, which executes it synchronously in the calling
 * thread: the helper sees the JVM itself and the return value is its tgid.
 * Nothing is attached.
 */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("raw_tp")
int whoami(void *ctx)
{
	return bpf_get_current_pid_tgid() >> 32;
}
