// SPDX-License-Identifier: GPL-2.0
/*
 * Prices variants of the scheduler probe against each other under one workload: loads each
 * variant object given, filtered to one process, attaches it for a window and closes it again,
 * one variant at a time, round-robin, repeated, while a counting object (sched_own_events.bpf.o)
 * stays attached throughout and says how many events in each window concerned that process. The
 * kernel's own statistics (BPF_ENABLE_STATS: run_time_ns and run_cnt per program) give each
 * variant's time. Each window loads its variant afresh: with all of them loaded once at the
 * start, two copies of one object measured 15-40 ns per switch apart, the one loaded first
 * faster, in 10 of 10 repetitions.
 *
 * Usage: sched_variants TGID SECONDS REPS COUNTER.o VARIANT.o...   (as root)
 * Prints one line per repetition, variant and program:
 *   rep label program runs run_time_ns switches switches_own switches_both_own wakeups wakeups_own
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define MAX_VARIANTS 32
#define MAX_PROGS 8
#define NR_COUNTS 5

struct variant {
	const char *label;
	struct bpf_object *obj;
	struct bpf_program *progs[MAX_PROGS];
	int nprogs;
};

static int set_target(struct bpf_object *obj, unsigned int tgid)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		const char *name = bpf_map__name(map);
		size_t len = strlen(name), size;

		if (len >= 7 && strcmp(name + len - 7, ".rodata") == 0) {
			const void *initial = bpf_map__initial_value(map, &size);
			char copy[size];

			if (!initial || size < sizeof(tgid))
				return -EINVAL;
			memcpy(copy, initial, size);
			memcpy(copy, &tgid, sizeof(tgid)); /* sched_config.target_tgid comes first */
			return bpf_map__set_initial_value(map, copy, size);
		}
	}
	return -ENOENT;
}

static long pid_max(void)
{
	FILE *f = fopen("/proc/sys/kernel/pid_max", "r");
	long n = 32768;

	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = 32768;
		fclose(f);
	}
	return n;
}

static int open_variant(struct variant *v, const char *path, unsigned int tgid)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	const char *slash = strrchr(path, '/');
	int err;

	v->label = slash ? slash + 1 : path;
	v->obj = bpf_object__open_file(path, NULL);
	if (!v->obj) {
		fprintf(stderr, "%s: open: %s\n", path, strerror(errno));
		return -1;
	}
	if ((err = set_target(v->obj, tgid))) {
		fprintf(stderr, "%s: configure: no .rodata config (%s)\n", path, strerror(-err));
		return -1;
	}
	/* An array indexed by tid must hold every tid. */
	map = bpf_object__find_map_by_name(v->obj, "threads");
	if (map && bpf_map__type(map) == BPF_MAP_TYPE_ARRAY && bpf_map__max_entries(map) == 32768)
		bpf_map__set_max_entries(map, pid_max());
	/* The agent's own object carries raw_tp twins of its programs: keep only tp_btf. */
	bpf_object__for_each_program(prog, v->obj) {
		bool btf = strncmp(bpf_program__section_name(prog), "tp_btf/", 7) == 0;

		bpf_program__set_autoload(prog, btf);
		if (btf && v->nprogs < MAX_PROGS)
			v->progs[v->nprogs++] = prog;
	}
	if ((err = bpf_object__load(v->obj))) {
		fprintf(stderr, "%s: load: %s\n", path, strerror(-err));
		return -1;
	}
	/*
	 * The agent's slot array before it gave out never-used slots itself (.data.alloc): its free
	 * slots are handed out from a stack the loader fills.
	 */
	map = bpf_object__find_map_by_name(v->obj, "free_slots");
	if (map && !bpf_object__find_map_by_name(v->obj, ".data.alloc")) {
		for (__u32 slot = bpf_map__max_entries(map); slot-- > 0;) {
			if (bpf_map_update_elem(bpf_map__fd(map), NULL, &slot, 0)) {
				fprintf(stderr, "%s: fill free_slots: %s\n", path, strerror(errno));
				return -1;
			}
		}
	}
	return 0;
}

static int attach_all(struct variant *v, struct bpf_link **links)
{
	for (int i = 0; i < v->nprogs; i++) {
		links[i] = bpf_program__attach(v->progs[i]);
		if (!links[i]) {
			fprintf(stderr, "%s: attach %s: %s\n", v->label, bpf_program__name(v->progs[i]),
				strerror(errno));
			return -1;
		}
	}
	return 0;
}

static void prog_stats(struct bpf_program *prog, unsigned long long *cnt, unsigned long long *ns)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	*cnt = *ns = 0;
	if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) == 0) {
		*cnt = info.run_cnt;
		*ns = info.run_time_ns;
	}
}

static void counts(int map_fd, int ncpus, unsigned long long out[NR_COUNTS])
{
	unsigned long long per_cpu[ncpus];

	for (__u32 k = 0; k < NR_COUNTS; k++) {
		out[k] = 0;
		if (bpf_map_lookup_elem(map_fd, &k, per_cpu) == 0)
			for (int c = 0; c < ncpus; c++)
				out[k] += per_cpu[c];
	}
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int main(int argc, char **argv)
{
	static struct variant variants[MAX_VARIANTS];
	struct variant counter = {};
	struct bpf_link *counter_links[MAX_PROGS];
	int nvariants = argc - 5, ncpus = libbpf_num_possible_cpus();

	if (argc < 6 || nvariants > MAX_VARIANTS) {
		fprintf(stderr, "usage: %s TGID SECONDS REPS COUNTER.o VARIANT.o...\n", argv[0]);
		return 2;
	}
	unsigned int tgid = strtoul(argv[1], NULL, 10);
	long window_ms = (long)(atof(argv[2]) * 1000);
	int reps = atoi(argv[3]);

	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
	int stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0) {
		fprintf(stderr, "enable stats: %s\n", strerror(errno));
		return 1;
	}
	if (open_variant(&counter, argv[4], tgid) || attach_all(&counter, counter_links))
		return 1;
	int counts_fd = bpf_object__find_map_fd_by_name(counter.obj, "counts");

	for (int rep = 0; rep < reps; rep++) {
		for (int j = 0; j < nvariants; j++) {
			/*
			 * A different variant goes first in each repetition, and every other repetition
			 * runs them in reverse order: each variant then follows both its neighbours equally
			 * often (which one ran just before was measured to move a variant by 15-30 ns).
			 */
			int k = (rep % 2 ? nvariants - 1 - j : j) + rep;
			struct variant *v = &variants[k % nvariants];
			struct bpf_link *links[MAX_PROGS];
			unsigned long long c0[MAX_PROGS], t0[MAX_PROGS], c1, t1, e0[NR_COUNTS], e1[NR_COUNTS];

			memset(v, 0, sizeof(*v));
			if (open_variant(v, argv[5 + k % nvariants], tgid) || attach_all(v, links))
				return 1;
			sleep_ms(300); /* entries catch up with threads the variant did not see meanwhile */
			for (int p = 0; p < v->nprogs; p++)
				prog_stats(v->progs[p], &c0[p], &t0[p]);
			counts(counts_fd, ncpus, e0);
			sleep_ms(window_ms);
			counts(counts_fd, ncpus, e1);
			for (int p = 0; p < v->nprogs; p++) {
				prog_stats(v->progs[p], &c1, &t1);
				printf("%d %s %s %llu %llu", rep, v->label, bpf_program__name(v->progs[p]),
				       c1 - c0[p], t1 - t0[p]);
				for (int k = 0; k < NR_COUNTS; k++)
					printf(" %llu", e1[k] - e0[k]);
				printf("\n");
			}
			fflush(stdout);
			for (int p = 0; p < v->nprogs; p++)
				bpf_link__destroy(links[p]);
			bpf_object__close(v->obj);
		}
	}
	return 0;
}
