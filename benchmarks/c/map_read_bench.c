// SPDX-License-Identifier: GPL-2.0
/*
 * Per-entry cost of reading a BPF map from C with libbpf: the baseline the agent's Java (FFM)
 * readers are compared with (the JMH benchmarks of this module, MapReadBenchmark.java), on the
 * same object (bpf/test/bench_maps.bpf.c), the same maps and the same N. scripts/bench.sh builds
 * and runs both and writes docs/bench-map-read.md.
 *
 *   gcc -O2 -Wall -o map_read_bench map_read_bench.c -lbpf
 *   ./map_read_bench [-r reps] [-p path]... bench_maps.bpf.o [N...]   (as root, or with CAP_BPF)
 *
 * -r: repetitions per path and N (default 21); -p: measure only this path (repeatable; default
 * all of them).
 *
 * For each N (default 1000 10000 100000) the hash map holds keys 0..N-1 (value 7k) and the mmap'd
 * array's first N values (7i) are summed. Each repetition loads the object afresh, fills the map
 * (one bpf_map_update_elem per key, like the Java side; not timed) and reads all N entries once;
 * the result is the median over the repetitions (CLOCK_MONOTONIC) divided by N. Output, one line
 * per path and N:
 *
 *   c,<path>,<N>,<ns per entry>
 *
 * paths: hash_lookup_per_key       bpf_map_lookup_elem for keys 0..N-1
 *        hash_get_next_key_lookup  bpf_map_get_next_key + bpf_map_lookup_elem (classic iteration)
 *        hash_lookup_batch         bpf_map_lookup_batch, 4096 entries per call
 *        hash_lookup_and_delete_batch  bpf_map_lookup_and_delete_batch, 4096 per call
 *        array_mmap_read           plain loads from the BPF_F_MMAPABLE array mmap'd PROT_READ,
 *                                  MAP_SHARED (no syscall per entry)
 *        array_mmap_read_acquire   the same with acquire loads (__atomic_load_n, __ATOMIC_ACQUIRE)
 *        percpu_hash_lookup_batch  bpf_map_lookup_batch, 4096 per call, on a per-CPU hash (one u64
 *                                  per possible CPU under each key, 7k + cpu), summed over CPUs
 * Lines starting with '#' are comments (setup, checks).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define BATCH 4096
/* A sample of the mmap'd paths lasts at least this many entries (tens of microseconds at N=1000
 * would otherwise be dominated by the clock's own cost). */
#define MMAP_MIN_ENTRIES_PER_SAMPLE 2000000L

static uint32_t keys_buf[BATCH];
static uint64_t values_buf[BATCH];
static volatile uint64_t sink; /* keeps every value read observable */

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
	fprintf(stderr, "map_read_bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static void check(const char *path, long n, long got)
{
	if (got != n) {
		fprintf(stderr, "map_read_bench: %s read %ld entries, expected %ld\n", path, got, n);
		exit(1);
	}
}

/* Keys 0..n-1 with value 7*k, one bpf_map_update_elem each (not timed): the way the Java side
 * fills and refills, so that both read maps built alike. */
static void fill(int fd, long n)
{
	for (uint32_t k = 0; k < (uint32_t)n; k++) {
		uint64_t v = 7 * (uint64_t)k;
		int err = bpf_map_update_elem(fd, &k, &v, BPF_ANY);
		if (err)
			die("bpf_map_update_elem", err);
	}
}

static int ncpus; /* possible CPUs: a per-CPU map holds one value for each */
static uint64_t *percpu_buf; /* ncpus values per key, for a per-CPU fill or a BATCH of keys */

/* Keys 0..n-1 with value 7*k + cpu on each possible CPU. */
static void fill_percpu(int fd, long n)
{
	for (uint32_t k = 0; k < (uint32_t)n; k++) {
		for (int c = 0; c < ncpus; c++)
			percpu_buf[c] = 7 * (uint64_t)k + (uint64_t)c;
		int err = bpf_map_update_elem(fd, &k, percpu_buf, BPF_ANY);
		if (err)
			die("bpf_map_update_elem percpu", err);
	}
}

/* Whole per-CPU map, BATCH keys per call, every CPU's value summed. */
static long batch_percpu(int fd)
{
	uint64_t in_token = 0, out_token = 0, s = 0;
	long total = 0;
	int first = 1;
	for (;;) {
		__u32 count = BATCH;
		int err = bpf_map_lookup_batch(fd, first ? NULL : &in_token, &out_token,
					       keys_buf, percpu_buf, &count, NULL);
		if (err && err != -ENOENT)
			die("bpf_map_lookup_batch percpu", err);
		for (__u32 i = 0; i < count * (__u32)ncpus; i++)
			s += percpu_buf[i];
		total += count;
		if (err == -ENOENT)
			break;
		in_token = out_token;
		first = 0;
	}
	sink += s;
	return total;
}

static long per_key(int fd, long n)
{
	uint64_t v, s = 0;
	long found = 0;
	for (uint32_t k = 0; k < (uint32_t)n; k++) {
		if (bpf_map_lookup_elem(fd, &k, &v) == 0) {
			s += v;
			found++;
		}
	}
	sink += s;
	return found;
}

static long next_key(int fd)
{
	uint32_t key, next;
	uint64_t v, s = 0;
	long found = 0;
	const void *prev = NULL;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (bpf_map_lookup_elem(fd, &next, &v) == 0) {
			s += v;
			found++;
		}
		key = next;
		prev = &key;
	}
	sink += s;
	return found;
}

/* Whole map, BATCH entries per call; ENOENT ends it, possibly with a last partial chunk. */
static long batch(int fd, int delete)
{
	uint64_t in_token = 0, out_token = 0, s = 0;
	long total = 0;
	int first = 1;
	for (;;) {
		__u32 count = BATCH;
		int err = delete
			? bpf_map_lookup_and_delete_batch(fd, first ? NULL : &in_token, &out_token,
							  keys_buf, values_buf, &count, NULL)
			: bpf_map_lookup_batch(fd, first ? NULL : &in_token, &out_token,
					       keys_buf, values_buf, &count, NULL);
		if (err && err != -ENOENT)
			die(delete ? "bpf_map_lookup_and_delete_batch" : "bpf_map_lookup_batch", err);
		for (__u32 i = 0; i < count; i++)
			s += values_buf[i];
		total += count;
		if (err == -ENOENT)
			break;
		in_token = out_token;
		first = 0;
	}
	sink += s;
	return total;
}

static uint64_t sum_plain(const uint64_t *a, long n)
{
	uint64_t s = 0;
	for (long i = 0; i < n; i++)
		s += a[i];
	return s;
}

static uint64_t sum_acquire(const uint64_t *a, long n)
{
	uint64_t s = 0;
	for (long i = 0; i < n; i++)
		s += __atomic_load_n(&a[i], __ATOMIC_ACQUIRE);
	return s;
}

/* ns per entry of one sample: enough passes over a[0..n) to last MMAP_MIN_ENTRIES_PER_SAMPLE. */
static double mmap_sample(const uint64_t *a, long n, int acquire)
{
	long passes = MMAP_MIN_ENTRIES_PER_SAMPLE / n;
	if (passes < 1)
		passes = 1;
	uint64_t s = 0;
	double t0 = now_ns();
	for (long p = 0; p < passes; p++) {
		/* The kernel may change the values at any time: every pass must load them again. */
		__asm__ __volatile__("" : : "r"(a) : "memory");
		s += acquire ? sum_acquire(a, n) : sum_plain(a, n);
	}
	double t = now_ns() - t0;
	sink += s;
	return t / ((double)passes * (double)n);
}

static const char *const PATHS[] = {
	"hash_lookup_per_key", "hash_get_next_key_lookup", "hash_lookup_batch",
	"hash_lookup_and_delete_batch", "array_mmap_read", "array_mmap_read_acquire",
	"percpu_hash_lookup_batch",
};
#define IS_MMAP(p) ((p) == 4 || (p) == 5)
#define PERCPU_PATH 6
#define NPATHS (int)(sizeof(PATHS) / sizeof(PATHS[0]))

static int selected[NPATHS];

static int path_index(const char *name)
{
	for (int i = 0; i < NPATHS; i++)
		if (!strcmp(PATHS[i], name))
			return i;
	return -1;
}

/* One instance of the maps: the object loaded afresh, the hash holding keys 0..n-1, the array's
 * first n values set and the array mapped. */
struct instance {
	struct bpf_object *obj;
	int hash;
	int percpu;
	const uint64_t *values;
	size_t length;
};

static void instance_open(struct instance *in, const char *object, long n, int path)
{
	in->obj = bpf_object__open_file(object, NULL);
	if (!in->obj)
		die("bpf_object__open_file", errno);
	int err = bpf_object__load(in->obj);
	if (err)
		die("bpf_object__load", err);
	struct bpf_map *hash = bpf_object__find_map_by_name(in->obj, "hash");
	struct bpf_map *values = bpf_object__find_map_by_name(in->obj, "mmap_array");
	struct bpf_map *percpu = bpf_object__find_map_by_name(in->obj, "percpu_hash");
	if (!hash || !values || !percpu)
		die("find maps hash, mmap_array, percpu_hash", ENOENT);
	if (n > (long)bpf_map__max_entries(hash) || n > (long)bpf_map__max_entries(values)) {
		fprintf(stderr, "map_read_bench: N=%ld is more than the maps hold\n", n);
		exit(2);
	}
	in->hash = bpf_map__fd(hash);
	in->percpu = bpf_map__fd(percpu);
	in->values = NULL;
	if (path == PERCPU_PATH) {
		fill_percpu(in->percpu, n);
		return;
	}
	if (!IS_MMAP(path)) {
		fill(in->hash, n);
		return;
	}
	int fd = bpf_map__fd(values);
	fill(fd, n);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	in->length = ((size_t)bpf_map__max_entries(values) * sizeof(uint64_t) + page - 1) / page * page;
	void *m = mmap(NULL, in->length, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		die("mmap array", errno);
	in->values = m;
	if (in->values[n - 1] != 7 * (uint64_t)(n - 1))
		die("mmap'd array holds unexpected values", EINVAL);
}

static void instance_close(struct instance *in)
{
	if (in->values)
		munmap((void *)in->values, in->length);
	bpf_object__close(in->obj);
}

int main(int argc, char **argv)
{
	int reps = 21, any = 0, opt;
	while ((opt = getopt(argc, argv, "r:p:")) != -1) {
		if (opt == 'r') {
			reps = atoi(optarg);
		} else if (opt == 'p' && path_index(optarg) >= 0) {
			selected[path_index(optarg)] = 1;
			any = 1;
		} else {
			fprintf(stderr, "usage: %s [-r reps] [-p path]... bench_maps.bpf.o [N...]\n", argv[0]);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: %s [-r reps] [-p path]... bench_maps.bpf.o [N...]\n", argv[0]);
		return 2;
	}
	if (!any)
		for (int i = 0; i < NPATHS; i++)
			selected[i] = 1;
	if (reps < 1)
		reps = 1;
	const char *object = argv[optind++];
	long default_sizes[] = {1000, 10000, 100000};
	long *sizes = default_sizes;
	int nsizes = 3;
	if (optind < argc) {
		nsizes = argc - optind;
		sizes = calloc(nsizes, sizeof(long));
		for (int i = 0; i < nsizes; i++)
			sizes[i] = atol(argv[optind + i]);
	}

	printf("# libbpf %u.%u, %d repetitions, each on a freshly loaded object, median\n",
	       libbpf_major_version(), libbpf_minor_version(), reps);
	double *t = calloc(reps, sizeof(double));
	ncpus = libbpf_num_possible_cpus();
	if (ncpus < 1)
		die("libbpf_num_possible_cpus", ncpus);
	percpu_buf = calloc((size_t)BATCH * ncpus, sizeof(uint64_t));
	for (int si = 0; si < nsizes; si++) {
		long n = sizes[si];
		if (n < 1) {
			fprintf(stderr, "map_read_bench: N=%ld\n", n);
			return 2;
		}
		for (int p = 0; p < NPATHS; p++) {
			if (!selected[p])
				continue;
			for (int r = 0; r < reps; r++) {
				/* A new map per repetition: where the kernel places the entries moves the
				 * cost of a whole-map read by up to 10% from one map to the next. */
				struct instance in;
				instance_open(&in, object, n, p);
				if (IS_MMAP(p)) { /* the mmap'd array: samples of many passes, timed inside */
					t[r] = mmap_sample(in.values, n, p == 5) * (double)n;
				} else {
					double t0 = now_ns();
					long got = p == 0 ? per_key(in.hash, n)
						 : p == 1 ? next_key(in.hash)
						 : p == PERCPU_PATH ? batch_percpu(in.percpu)
						 : batch(in.hash, p == 3);
					t[r] = now_ns() - t0;
					check(PATHS[p], n, got);
				}
				instance_close(&in);
			}
			printf("c,%s,%ld,%.*f\n", PATHS[p], n, IS_MMAP(p) ? 2 : 1, median(t, reps) / n);
			fflush(stdout);
		}
	}
	return 0;
}
