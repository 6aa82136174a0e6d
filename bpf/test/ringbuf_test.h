/*
 * What crosses the boundary between ringbuf_test.bpf.c and its readers (the agent's RingBuffer
 * tests and benchmark in Java, benchmarks/c/ringbuf_bench.c in C).
 */
#ifndef EBPF_AGENT_RINGBUF_TEST_H
#define EBPF_AGENT_RINGBUF_TEST_H

/*
 * The `produce` program's arguments: BPF_PROG_TEST_RUN passes them as the raw_tp context,
 * an array of u64.
 */
enum produce_arg {
	ARG_COUNT = 0,         /* records to write */
	ARG_SIZE = 1,          /* record size in bytes: 64 or 1024 (the reserve size must be constant) */
	ARG_FIRST_SEQ = 2,     /* sequence number of the first record */
	ARG_DISCARD_EVERY = 3, /* discard (reserve, then bpf_ringbuf_discard) each record whose
				  sequence number is a multiple of this; 0: none */
	PRODUCE_ARGS = 4,
};

/* Index of each u64 in the mmap'able `counters` array. */
enum counter {
	COUNTER_LOST = 0,    /* bpf_ringbuf_reserve failures: records the ring had no room for */
	COUNTER_HOLDING = 1, /* 1 while `hold_busy` has a record reserved and not yet submitted */
	COUNTER_RELEASE = 2, /* set by `release`: `hold_busy` submits its held record */
	COUNTERS = 3,
};

/*
 * A record: 64 or 1024 bytes. word[i] = seq * PAYLOAD_MUL + i for 2 <= i < size / 8, so a reader
 * can check every byte it was given.
 */
struct test_record {
	__u64 seq;
	__u64 size;
	__u64 word[];
};

#define PAYLOAD_MUL 0x9E3779B97F4A7C15ULL

#endif
