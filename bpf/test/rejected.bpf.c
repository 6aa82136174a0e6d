// SPDX-License-Identifier: GPL-2.0
/* A program the verifier must reject: it dereferences a map value without a NULL check. */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

SEC("raw_tp/sched_switch")
int unchecked(void *ctx)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&counts, &key);

	*v += 1; /* no NULL check: "invalid mem access 'map_value_or_null'" */
	return 0;
}
