// SPDX-License-Identifier: GPL-2.0
/*
 * Maps for the map-read benchmarks (benchmarks/c/map_read_bench.c and the benchmarks module's JMH
 * benchmarks): filled and read from user space only, the same object for C and Java.
 */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

/* Not in kernel_types.h, which declares only what the probes use. */
#define BPF_F_MMAPABLE (1U << 10) /* array map: the fd can be mmap'd, values read with no syscall */
#define BPF_MAP_TYPE_PERCPU_HASH 5

#define BENCH_ENTRIES 131072 /* room for the largest run (100,000 entries) */

/* The hash's value: 8 bytes as for C (a u64), a struct with a member for the agent's layout paths. */
struct bench_value {
	__u64 value;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BENCH_ENTRIES);
	__type(key, __u32);
	__type(value, struct bench_value);
} hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BENCH_ENTRIES);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
} mmap_array SEC(".maps");

/* One u64 per possible CPU under each key: a batch read copies them all. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, BENCH_ENTRIES);
	__type(key, __u32);
	__type(value, __u64);
} percpu_hash SEC(".maps");
