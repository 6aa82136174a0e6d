// SPDX-License-Identifier: GPL-2.0
/* Maps for the agent's map-reader tests: filled and read from user space only. */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct test_value {
	__u64 a;
	__u64 b;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct test_value);
} hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 5000);
	__type(key, __u32);
	__type(value, struct test_value);
} array SEC(".maps");
