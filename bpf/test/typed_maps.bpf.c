// SPDX-License-Identifier: GPL-2.0
/*
 * Maps for the typed-map, per-CPU and batch-reader tests. `layout` has a struct value the tests
 * bind right and wrong; `put` is run with BPF_PROG_TEST_RUN on a chosen CPU and writes what its
 * arguments say into the per-CPU maps, so the tests know each CPU's value exactly. The other maps
 * are filled from user space.
 */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

/* Not in kernel_types.h, which declares only what the probes use. */
#define BPF_MAP_TYPE_PERCPU_HASH 5
#define BPF_MAP_TYPE_PERCPU_ARRAY 6
#define BPF_MAP_TYPE_LRU_HASH 9
#define BPF_MAP_TYPE_LRU_PERCPU_HASH 10

struct layout_value {
	__u64 total_ns;
	__u32 count;
	__u32 flags;
	__u64 last_ns;
	char name[12];
	/* 4 bytes of tail padding: sizeof is 40 */
};

/* 12 bytes: per CPU the kernel copies 16, the value rounded up to 8. */
struct cpu_value {
	__u32 key;
	__u32 cpu;
	__u32 tag;
};

struct test_value {
	__u64 a;
	__u64 b;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct layout_value);
} layout SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct cpu_value);
} cpu_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, struct cpu_value);
} cpu_array SEC(".maps");

/* Summed over CPUs by the reader: each CPU adds its tag. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} cpu_total SEC(".maps");

#define BATCH_ENTRIES 16384

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BATCH_ENTRIES);
	__type(key, __u32);
	__type(value, struct test_value);
} hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BATCH_ENTRIES);
	__type(key, __u32);
	__type(value, struct test_value);
} lru_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, BATCH_ENTRIES);
	__type(key, __u32);
	__type(value, struct cpu_value);
} percpu_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, BATCH_ENTRIES);
	__type(key, __u32);
	__type(value, struct cpu_value);
} lru_percpu_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 10000);
	__type(key, __u32);
	__type(value, struct test_value);
} array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 10000);
	__type(key, __u32);
	__type(value, struct cpu_value);
} percpu_array SEC(".maps");

/* args[0]: key, args[1]: tag. Writes {key, this CPU, tag} for this CPU only. */
SEC("raw_tp")
int put(__u64 *ctx)
{
	__u32 key = ctx[0];
	struct cpu_value v = {
		.key = key,
		.cpu = bpf_get_smp_processor_id(),
		.tag = ctx[1],
	};
	struct cpu_value *slot;
	__u32 zero = 0;
	__u64 *total;

	bpf_map_update_elem(&cpu_hash, &key, &v, BPF_ANY);
	slot = bpf_map_lookup_elem(&cpu_array, &key);
	if (slot)
		*slot = v;
	total = bpf_map_lookup_elem(&cpu_total, &zero);
	if (total)
		*total += v.tag;
	return v.cpu;
}
