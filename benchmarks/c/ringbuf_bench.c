// SPDX-License-Identifier: GPL-2.0
/*
 * Records per second a BPF ring buffer is read at from C with libbpf (ring_buffer__consume): the
 * baseline for the agent's Java reader (RingBufferBenchmark.java in this module), on the same
 * object (bpf/test/ringbuf_test.bpf.c), the same ring size and the same record sizes.
 * scripts/bench-ringbuf.sh builds and runs both.
 *
 *   gcc -O2 -Wall -o ringbuf_bench ringbuf_bench.c -lbpf
 *   ./ringbuf_bench [-r reps] [-m ring_bytes] ringbuf_test.bpf.o [record_size...]  (as root)
 *
 * -r: repetitions per record size (default 21); -m: ring size, a power of 2 (default 16 MiB).
 * Record sizes: 64 and/or 1024 (default both).
 *
 * A repetition fills the ring to capacity, K = (ring_bytes - 1) / round_up(size + 8, 8) records
 * (the kernel refuses a reservation that would bring the producer ring_bytes ahead of the
 * consumer), by running the `produce` program once with BPF_PROG_TEST_RUN, then drains it with one
 * ring_buffer__consume. The two are timed apart (CLOCK_MONOTONIC), so the consumer's cost is not
 * buried under the producer's; the callback does what the Java side's loop does per record: reads
 * its sequence number and checks it is the next one. Every repetition checks K records arrived in
 * order and none was lost. Output, per record size, the medians over the repetitions:
 *
 *   c,ringbuf_consume,<size>,<ns per record>,<records per second>
 *   c,ringbuf_produce,<size>,<ns per record>,<records per second>     (BPF side, for reference)
 *   c,ringbuf_end_to_end,<size>,<ns per record>,<records per second>  (produce + consume)
 *
 * Lines starting with '#' are comments.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../../bpf/test/ringbuf_test.h"

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "ringbuf_bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

struct reader {
	uint64_t expected; /* next sequence number */
	long out_of_order;
};

static int on_record(void *ctx, void *data, size_t size)
{
	struct reader *r = ctx;
	const struct test_record *rec = data;

	(void)size;
	if (rec->seq != r->expected)
		r->out_of_order++;
	r->expected = rec->seq + 1;
	return 0;
}

int main(int argc, char **argv)
{
	int reps = 21, opt;
	long ring_bytes = 16L << 20;
	while ((opt = getopt(argc, argv, "r:m:")) != -1) {
		if (opt == 'r') {
			reps = atoi(optarg);
		} else if (opt == 'm') {
			ring_bytes = atol(optarg);
		} else {
			fprintf(stderr, "usage: %s [-r reps] [-m ring_bytes] ringbuf_test.bpf.o [size...]\n", argv[0]);
			return 2;
		}
	}
	if (optind >= argc || reps < 1 || ring_bytes < 4096 || (ring_bytes & (ring_bytes - 1))) {
		fprintf(stderr, "usage: %s [-r reps] [-m ring_bytes] ringbuf_test.bpf.o [size...]\n", argv[0]);
		return 2;
	}
	const char *path = argv[optind++];
	long default_sizes[] = {64, 1024};
	long *sizes = default_sizes;
	int nsizes = 2;
	if (optind < argc) {
		nsizes = argc - optind;
		sizes = calloc(nsizes, sizeof(long));
		for (int i = 0; i < nsizes; i++)
			sizes[i] = atol(argv[optind + i]);
	}

	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!obj)
		die("open", errno);
	struct bpf_map *ring = bpf_object__find_map_by_name(obj, "ring");
	struct bpf_map *counters = bpf_object__find_map_by_name(obj, "counters");
	if (!ring || !counters)
		die("find maps ring, counters", ENOENT);
	int err = bpf_map__set_max_entries(ring, (uint32_t)ring_bytes);
	if (err)
		die("resize ring", err);
	err = bpf_object__load(obj);
	if (err)
		die("load", err);
	struct bpf_program *produce = bpf_object__find_program_by_name(obj, "produce");
	if (!produce)
		die("find program produce", ENOENT);
	int prog = bpf_program__fd(produce);

	struct reader reader = {0};
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(ring), on_record, &reader, NULL);
	if (!rb)
		die("ring_buffer__new", errno);

	printf("# libbpf %u.%u, ring %ld bytes, %d repetitions, median\n",
	       libbpf_major_version(), libbpf_minor_version(), ring_bytes, reps);
	double *consume = calloc(reps, sizeof(double));
	double *fill = calloc(reps, sizeof(double));
	double *both = calloc(reps, sizeof(double));
	uint64_t seq = 0;
	for (int si = 0; si < nsizes; si++) {
		long size = sizes[si];
		if (size != 64 && size != 1024) {
			fprintf(stderr, "ringbuf_bench: record size %ld: the program writes 64 or 1024\n", size);
			return 2;
		}
		long k = (ring_bytes - 1) / ((size + 8 + 7) / 8 * 8);
		for (int r = 0; r < reps; r++) {
			__u64 args[PRODUCE_ARGS] = {0};
			args[ARG_COUNT] = (uint64_t)k;
			args[ARG_SIZE] = (uint64_t)size;
			args[ARG_FIRST_SEQ] = seq;
			LIBBPF_OPTS(bpf_test_run_opts, run, .ctx_in = args, .ctx_size_in = sizeof(args));
			double t0 = now_ns();
			err = bpf_prog_test_run_opts(prog, &run);
			double t1 = now_ns();
			if (err)
				die("test run produce", err);
			if ((long)(int)run.retval != k) {
				fprintf(stderr, "ringbuf_bench: produce wrote %d of %ld records\n", (int)run.retval, k);
				return 1;
			}
			reader.expected = seq;
			double t2 = now_ns();
			int got = ring_buffer__consume(rb);
			double t3 = now_ns();
			if (got != k || reader.out_of_order || reader.expected != seq + (uint64_t)k) {
				fprintf(stderr, "ringbuf_bench: consumed %d of %ld records, %ld out of order\n",
					got, k, reader.out_of_order);
				return 1;
			}
			seq += (uint64_t)k;
			fill[r] = (t1 - t0) / (double)k;
			consume[r] = (t3 - t2) / (double)k;
			both[r] = fill[r] + consume[r];
		}
		uint32_t lost_key = COUNTER_LOST;
		uint64_t lost = 0;
		err = bpf_map_lookup_elem(bpf_map__fd(counters), &lost_key, &lost);
		if (err || lost) {
			fprintf(stderr, "ringbuf_bench: %llu records lost (lookup: %d)\n", (unsigned long long)lost, err);
			return 1;
		}
		printf("# size %ld: %ld records per repetition\n", size, k);
		double c = median(consume, reps), f = median(fill, reps), b = median(both, reps);
		printf("c,ringbuf_consume,%ld,%.2f,%.0f\n", size, c, 1e9 / c);
		printf("c,ringbuf_produce,%ld,%.2f,%.0f\n", size, f, 1e9 / f);
		printf("c,ringbuf_end_to_end,%ld,%.2f,%.0f\n", size, b, 1e9 / b);
		fflush(stdout);
	}
	ring_buffer__free(rb);
	bpf_object__close(obj);
	return 0;
}
