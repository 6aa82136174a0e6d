// SPDX-License-Identifier: GPL-2.0
/*
 * Drives the agent's ring-buffer reader (RingBuffer) in its tests and in the ring-buffer benchmark
 * (RingBufferBenchmark in Java, benchmarks/c/ringbuf_bench.c in C): the programs are run with
 * BPF_PROG_TEST_RUN, synchronously in the calling thread, so the test decides exactly which
 * records exist. Layout and arguments: ringbuf_test.h.
 *
 * Failed reservations are counted in an mmap'able array, the way a probe reports lost records:
 * the reader sees the count without a syscall.
 */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>
#include "ringbuf_test.h"

char LICENSE[] SEC("license") = "GPL";

/* Not in kernel_types.h, which declares only what the probes use. */
#define BPF_MAP_TYPE_RINGBUF 27
#define BPF_F_MMAPABLE (1U << 10)
#define BPF_RB_NO_WAKEUP 1 /* the reader polls on its own schedule: no wakeup per record */
#define SPIN_LOOPS (1U << 23) /* bpf_loop's maximum */
#define HOLD_LOOPS 32 /* bpf_loop calls before a held record is submitted unreleased */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20); /* tests shrink it before load */
} ring SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, COUNTERS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct produce_state {
	__u64 seq;
	__u64 discard_every;
	__u64 written; /* reserved successfully, submitted or discarded */
};

static __always_inline void count(__u32 index, __u64 delta)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &index);

	if (c)
		__sync_fetch_and_add(c, delta);
}

/* One record of SIZE bytes (a constant: the verifier wants a constant reserve size). */
#define DEFINE_EMIT(SIZE)                                                           \
	static long emit_##SIZE(__u64 index, struct produce_state *s)               \
	{                                                                           \
		__u64 seq = s->seq++;                                               \
		struct test_record *r = bpf_ringbuf_reserve(&ring, SIZE, 0);        \
		if (!r) {                                                           \
			count(COUNTER_LOST, 1);                                     \
			return 0;                                                   \
		}                                                                   \
		s->written++;                                                       \
		r->seq = seq;                                                       \
		r->size = SIZE;                                                     \
		for (int i = 2; i < (SIZE) / 8; i++)                                \
			r->word[i - 2] = seq * PAYLOAD_MUL + i;                     \
		if (s->discard_every && seq % s->discard_every == 0)                \
			bpf_ringbuf_discard(r, BPF_RB_NO_WAKEUP);                   \
		else                                                                \
			bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);                    \
		return 0;                                                           \
	}

DEFINE_EMIT(64)
DEFINE_EMIT(1024)

/* Writes args[ARG_COUNT] records; returns how many it could reserve, or -1 for a bad size. */
SEC("raw_tp")
int produce(__u64 *args)
{
	struct produce_state s = {
		.seq = args[ARG_FIRST_SEQ],
		.discard_every = args[ARG_DISCARD_EVERY],
	};
	__u64 n = args[ARG_COUNT];

	if (n > SPIN_LOOPS)
		return -1;
	if (args[ARG_SIZE] == 64)
		bpf_loop(n, emit_64, &s, 0);
	else if (args[ARG_SIZE] == 1024)
		bpf_loop(n, emit_1024, &s, 0);
	else
		return -1;
	return s.written;
}

static long released(__u64 index, void *ctx)
{
	__u32 key = COUNTER_RELEASE;
	__u64 *release = bpf_map_lookup_elem(&counters, &key);

	if (release && *(volatile __u64 *)release)
		return 1; /* stops the loop */
	return 0;
}

/*
 * Record args[ARG_FIRST_SEQ] submitted, the next one reserved and written, then held
 * (counters[COUNTER_HOLDING] = 1 meanwhile) until the `release` program runs, then submitted, then
 * the one after it submitted: a reader running meanwhile finds a record with the busy bit set
 * after a committed one, for as long as it needs to look however busy the machine is. The hold
 * ends anyway after about half a second (HOLD_LOOPS x SPIN_LOOPS checks, measured here): the
 * program keeps its CPU meanwhile. Records are 64 bytes.
 */
SEC("raw_tp")
int hold_busy(__u64 *args)
{
	__u64 seq = args[ARG_FIRST_SEQ];
	__u32 holding = COUNTER_HOLDING, release_key = COUNTER_RELEASE;
	__u64 *flag = bpf_map_lookup_elem(&counters, &holding);
	__u64 *release = bpf_map_lookup_elem(&counters, &release_key);
	struct test_record *r;

	if (!flag || !release)
		return -1;
	*release = 0;
	for (int k = 0; k < 3; k++, seq++) {
		r = bpf_ringbuf_reserve(&ring, 64, 0);
		if (!r) {
			count(COUNTER_LOST, 1);
			return -1;
		}
		r->seq = seq;
		r->size = 64;
		for (int i = 2; i < 64 / 8; i++)
			r->word[i - 2] = seq * PAYLOAD_MUL + i;
		if (k == 1) {
			/* clang 14 has no BPF store-release; a volatile store stays in program
			 * order, and x86 keeps stores in order. */
			*(volatile __u64 *)flag = 1;
			for (int n = 0; n < HOLD_LOOPS && !*(volatile __u64 *)release; n++)
				bpf_loop(SPIN_LOOPS, released, 0, 0);
			*(volatile __u64 *)flag = 0;
		}
		bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	}
	return 0;
}

/* Ends the hold of `hold_busy`, running meanwhile on another CPU. */
SEC("raw_tp")
int release(void *ctx)
{
	count(COUNTER_RELEASE, 1);
	return 0;
}
