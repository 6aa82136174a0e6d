// SPDX-License-Identifier: GPL-2.0
/*
 * Maps for the typed-map, per-CPU and batch-reader tests. `layout` is a plain hash of structs;
 * `put` is run with BPF_PROG_TEST_RUN on a chosen CPU and writes what its
 * arguments say into the per-CPU maps, so the tests know each CPU's value exactly. The other maps
 * are filled from user space. `fill` writes `rich` and `rich_array` from C, so the compiler, not the
 * agent, places every member the record-read tests check.
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

/* Nested in rich_value, alone and as an array. */
struct sample {
	__u32 id;
	__s32 delta;
};

/* Every kind of member the one-line record reads take; 72 bytes. */
struct rich_value {
	__u64 total_ns;
	__s32 offset;          /* negative values: sign-extended into a long */
	__u16 port;            /* above 32767: zero-extended into an int */
	__u8 enabled;          /* a boolean */
	char name[9];          /* a String */
	__u8 raw[4];           /* a byte[] */
	struct sample samples[3];
	struct sample last;
	__u64 kind_plus_1;     /* a digit standing alone in snake case */
};

struct rich_key {
	__u32 tid;
	__u16 cpu;
	__u16 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct rich_key);
	__type(value, struct rich_value);
} rich SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct rich_value);
} rich_array SEC(".maps");

/* Set by the test before load through the agent's view of .rodata. */
struct fill_config {
	__u32 scale;
	__u32 pad;
};
const volatile struct fill_config fill_config = { .scale = 1 };

/* Runs of `fill`, read back from .bss in one line. */
struct fill_counters {
	__u64 runs;
	__u64 entries;
};
struct fill_counters fill_counters = {};

/*
 * args[0]: k. Writes the value below under key {tid: 1000 + k, cpu: k, pad: 0} of `rich`, and
 * under k of `rich_array` if k < 4.
 */
SEC("raw_tp")
int fill(__u64 *ctx)
{
	__u32 k = ctx[0];
	struct rich_key key = { .tid = 1000 + k, .cpu = k };
	struct rich_value v = {};
	int i;

	v.total_ns = (__u64)k * fill_config.scale;
	v.offset = -(__s32)k - 1;
	v.port = 40000 + k;
	v.enabled = k & 1;
	v.name[0] = 'n';
	v.name[1] = '-';
	v.name[2] = '0' + k % 10;
	v.raw[0] = k;
	v.raw[1] = 0xff;
	v.raw[2] = 0x80;
	v.raw[3] = 7;
	for (i = 0; i < 3; i++) {
		v.samples[i].id = k * 10 + i;
		v.samples[i].delta = -i;
	}
	v.last.id = k;
	v.last.delta = -2 * (__s32)k;
	v.kind_plus_1 = k + 1;
	bpf_map_update_elem(&rich, &key, &v, BPF_ANY);
	if (k < 4)
		bpf_map_update_elem(&rich_array, &k, &v, BPF_ANY);
	__sync_fetch_and_add(&fill_counters.runs, 1);
	__sync_fetch_and_add(&fill_counters.entries, k < 4 ? 2 : 1);
	return 0;
}

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
