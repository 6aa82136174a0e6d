// SPDX-License-Identifier: GPL-2.0
/*
 * Prices variants of the syscall probe against each other and against nothing attached, from the
 * side of the process that makes the syscalls: this program times a tight loop of its own syscalls
 * (getppid, and 1-byte reads of /dev/zero) while one variant at a time is attached to
 * raw_syscalls' sys_enter/sys_exit (tp_btf), its filter aimed either at this process ("own") or at
 * a child that sleeps throughout ("other"). What a variant adds to every syscall is then the loop's
 * time with it minus the loop's time with nothing attached, in the same round.
 *
 * A window is one variant with one target. Each round loads every window's object afresh, then
 * makes BATCHES passes over the windows: a pass attaches each window's programs in turn, runs a
 * short warm-up and one batch of CALLS calls of each syscall, and detaches them again. The passes
 * run the windows in an order that starts elsewhere each time and is reversed every other pass,
 * so that the machine's drift over the round (this harness shares it with other work) falls on
 * every window alike: with one window after another, each for its whole time, the differences
 * between windows of one round were dominated by that drift. A window's figure for the round is
 * its median batch's ns per call, by the thread's CPU time (which leaves out other processes'
 * turns on the CPU and the hypervisor's steal; the programs run in the calling thread and are
 * charged to it) and by wall time. The kernel's BPF statistics are not enabled: they add clock
 * reads of their own to every program run.
 *
 * Another process's programs on sys_enter/sys_exit (anything else that attaches a syscall probe)
 * would add their cost to every window and turn the kernel's syscall tracing on for the "nothing
 * attached" window too: before and after each of a window's batches, the BPF links of the
 * machine are listed, and the window is marked with the most such links seen; likewise with
 * kernel.bpf_stats_enabled. The caller leaves such windows out.
 *
 * Usage: syscall_variants ROUNDS CALLS BATCHES VARIANT.o|none...   (as root)
 * A variant's label is its file name without ".o"; "none" attaches nothing. Its tp_btf programs are
 * loaded and attached (an object's raw_tp twins are not); its .rodata variable `config` starts with
 * the target tgid (u32), and if it is 16 bytes or more has slow_ns (u64) at offset 8, set to 10 ms
 * (the agent's default slowSyscall). Prints one line per window and syscall:
 *   round label target syscall cpu_ns wall_ns foreign_links stats_enabled
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#define MAX_VARIANTS 32
#define MAX_PROGS 8
#define MAX_BATCHES 101
#define SLOW_NS 10000000ULL
#define WARM_UP_CALLS 2000

struct variant {
	const char *path;
	const char *label;
	struct bpf_object *obj;
	struct bpf_program *progs[MAX_PROGS];
	struct bpf_link *links[MAX_PROGS];
	__u32 link_ids[MAX_PROGS];
	int nprogs;
};

/* Sets the start of the .rodata variable `config`: the target tgid and, if it has one, slow_ns. */
static int set_config(struct bpf_object *obj, unsigned int tgid)
{
	struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map = NULL, *m;

	bpf_object__for_each_map(m, obj) {
		const char *name = bpf_map__name(m);
		size_t len = strlen(name);

		if (len >= 7 && strcmp(name + len - 7, ".rodata") == 0)
			map = m;
	}
	int sec_id = btf ? btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC) : -1;

	if (!map || sec_id < 0)
		return -ENOENT;
	const struct btf_type *sec = btf__type_by_id(btf, sec_id);
	const struct btf_var_secinfo *vs = btf_var_secinfos(sec);

	for (int i = 0; i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *var = btf__type_by_id(btf, vs->type);

		if (strcmp(btf__name_by_offset(btf, var->name_off), "config") != 0)
			continue;
		size_t size;
		const void *initial = bpf_map__initial_value(map, &size);

		if (!initial || vs->offset + vs->size > size || vs->size < sizeof(tgid))
			return -EINVAL;
		char copy[size];
		unsigned long long slow = SLOW_NS;

		memcpy(copy, initial, size);
		memcpy(copy + vs->offset, &tgid, sizeof(tgid));
		if (vs->size >= 16)
			memcpy(copy + vs->offset + 8, &slow, sizeof(slow));
		return bpf_map__set_initial_value(map, copy, size);
	}
	return -ENOENT;
}

static __u32 link_id(struct bpf_link *link)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(bpf_link__fd(link), &info, &len) ? 0 : info.id;
}

static int load(struct variant *v, unsigned int tgid)
{
	struct bpf_program *prog;
	int err;

	v->nprogs = 0;
	v->obj = bpf_object__open_file(v->path, NULL);
	if (!v->obj) {
		fprintf(stderr, "%s: open: %s\n", v->path, strerror(errno));
		return -1;
	}
	if ((err = set_config(v->obj, tgid))) {
		fprintf(stderr, "%s: configure: no .rodata variable config (%s)\n", v->path, strerror(-err));
		return -1;
	}
	bpf_object__for_each_program(prog, v->obj) {
		bool btf = strncmp(bpf_program__section_name(prog), "tp_btf/", 7) == 0;

		bpf_program__set_autoload(prog, btf);
		if (btf && v->nprogs < MAX_PROGS)
			v->progs[v->nprogs++] = prog;
	}
	if ((err = bpf_object__load(v->obj))) {
		fprintf(stderr, "%s: load: %s\n", v->path, strerror(-err));
		return -1;
	}
	return 0;
}

static int attach(struct variant *v)
{
	for (int i = 0; i < v->nprogs; i++) {
		v->links[i] = bpf_program__attach(v->progs[i]);
		if (!v->links[i]) {
			fprintf(stderr, "%s: attach %s: %s\n", v->path, bpf_program__name(v->progs[i]),
				strerror(errno));
			return -1;
		}
		v->link_ids[i] = link_id(v->links[i]);
	}
	return 0;
}

static void detach(struct variant *v)
{
	for (int i = v->nprogs; i-- > 0;) {
		bpf_link__destroy(v->links[i]);
		v->links[i] = NULL;
		v->link_ids[i] = 0;
	}
}

static void unload(struct variant *v)
{
	bpf_object__close(v->obj);
	v->obj = NULL;
	v->nprogs = 0;
}

/* Links of the machine on sys_enter or sys_exit that are not the variant's own. */
static int foreign_links(const struct variant *v)
{
	__u32 id = 0;
	int n = 0;

	while (bpf_link_get_next_id(id, &id) == 0) {
		bool mine = false;

		for (int i = 0; v && i < v->nprogs; i++)
			mine |= v->link_ids[i] == id;
		if (mine)
			continue;
		int fd = bpf_link_get_fd_by_id(id);

		if (fd < 0)
			continue; /* gone meanwhile */
		char name[64] = "";
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);

		info.raw_tracepoint.tp_name = (__u64)(unsigned long)name;
		info.raw_tracepoint.tp_name_len = sizeof(name);
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && info.type == BPF_LINK_TYPE_RAW_TRACEPOINT &&
		    (strcmp(name, "sys_enter") == 0 || strcmp(name, "sys_exit") == 0))
			n++;
		close(fd);
	}
	return n;
}

static int stats_enabled(void)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "r");
	int on = 0;

	if (f) {
		if (fscanf(f, "%d", &on) != 1)
			on = 0;
		fclose(f);
	}
	return on;
}

static double ns(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1e9 + (b->tv_nsec - a->tv_nsec);
}

enum { GETPPID, READ, NR_KINDS };
static const char *const KIND_NAMES[NR_KINDS] = { "getppid", "read" };

/* One batch of calls: ns per call by the thread's CPU time and by wall time. */
static void batch(int kind, long calls, int zero_fd, double *cpu, double *wall)
{
	struct timespec c0, c1, w0, w1;
	char byte;

	clock_gettime(CLOCK_MONOTONIC, &w0);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	if (kind == GETPPID) {
		for (long i = 0; i < calls; i++)
			syscall(SYS_getppid);
	} else {
		for (long i = 0; i < calls; i++)
			if (read(zero_fd, &byte, 1) != 1)
				abort();
	}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
	clock_gettime(CLOCK_MONOTONIC, &w1);
	*cpu = ns(&c0, &c1) / calls;
	*wall = ns(&w0, &w1) / calls;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *xs, int n)
{
	qsort(xs, n, sizeof(*xs), cmp_double);
	return n % 2 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
}

/* Every window's variant loaded, for one round: [variant][target]. */
static int load_round(struct variant (*w)[2], int nvariants, const unsigned int targets[2])
{
	for (int i = 0; i < nvariants; i++)
		for (int t = 0; t < 2; t++)
			if (w[i][t].path && load(&w[i][t], targets[t]))
				return -1;
	return 0;
}

int main(int argc, char **argv)
{
	static struct variant windows[MAX_VARIANTS][2];
	int nvariants = argc - 4;

	if (argc < 5 || nvariants > MAX_VARIANTS) {
		fprintf(stderr, "usage: %s ROUNDS CALLS BATCHES VARIANT.o|none...\n", argv[0]);
		return 2;
	}
	int rounds = atoi(argv[1]);
	long calls = atol(argv[2]);
	int batches = atoi(argv[3]);

	if (rounds < 1 || calls < 1 || batches < 1 || batches > MAX_BATCHES) {
		fprintf(stderr, "rounds, calls >= 1; 1 <= batches <= %d\n", MAX_BATCHES);
		return 2;
	}
	for (int i = 0; i < nvariants; i++) {
		const char *path = argv[4 + i], *slash = strrchr(path, '/');
		char *label = strdup(slash ? slash + 1 : path);
		size_t len = strlen(label);

		if (len > 2 && strcmp(label + len - 2, ".o") == 0)
			label[len - 2] = '\0';
		for (int t = 0; t < 2; t++) {
			windows[i][t].path = strcmp(path, "none") == 0 ? NULL : path;
			windows[i][t].label = label;
		}
	}
	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
	int zero_fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);

	if (zero_fd < 0) {
		perror("/dev/zero");
		return 1;
	}
	/* The other process: asleep throughout, and gone with this one. */
	pid_t parent = getpid(), child = fork();

	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
		for (;;)
			pause();
	}
	const unsigned int targets[2] = { (unsigned int)parent, (unsigned int)child };
	static const char *const TARGET_NAMES[2] = { "own", "other" };
	int nwindows = nvariants * 2, status = 0;
	static double cpu[MAX_VARIANTS * 2][NR_KINDS][MAX_BATCHES], wall[MAX_VARIANTS * 2][NR_KINDS][MAX_BATCHES];
	static int foreign[MAX_VARIANTS * 2], stats[MAX_VARIANTS * 2];

	for (int round = 0; round < rounds && !status; round++) {
		if (load_round(windows, nvariants, targets)) {
			status = 1;
			break;
		}
		memset(foreign, 0, sizeof(foreign));
		memset(stats, 0, sizeof(stats));
		for (int b = 0; b < batches && !status; b++) {
			/*
			 * Each window gets one batch of each syscall per pass; the passes run the windows
			 * in an order that starts elsewhere each time and is reversed every other pass,
			 * so that every window sees the machine's drift across the round alike.
			 */
			int pass = round * batches + b;

			for (int j = 0; j < nwindows; j++) {
				int w = ((pass % 2 ? nwindows - 1 - j : j) + pass) % nwindows;
				struct variant *v = &windows[w / 2][w % 2];
				int f;

				if (v->path && attach(v)) {
					status = 1;
					break;
				}
				if ((f = foreign_links(v)) > foreign[w])
					foreign[w] = f;
				stats[w] |= stats_enabled();
				for (int k = 0; k < NR_KINDS; k++) {
					int kind = (k + pass) % NR_KINDS;
					double ignored;

					batch(kind, WARM_UP_CALLS, zero_fd, &ignored, &ignored);
					batch(kind, calls, zero_fd, &cpu[w][kind][b], &wall[w][kind][b]);
				}
				if ((f = foreign_links(v)) > foreign[w])
					foreign[w] = f;
				stats[w] |= stats_enabled();
				if (v->path)
					detach(v);
			}
		}
		for (int w = 0; w < nwindows && !status; w++)
			for (int kind = 0; kind < NR_KINDS; kind++)
				printf("%d %s %s %s %.2f %.2f %d %d\n", round, windows[w / 2][w % 2].label,
				       TARGET_NAMES[w % 2], KIND_NAMES[kind], median(cpu[w][kind], batches),
				       median(wall[w][kind], batches), foreign[w], stats[w]);
		fflush(stdout);
		for (int i = 0; i < nvariants; i++)
			for (int t = 0; t < 2; t++)
				if (windows[i][t].obj)
					unload(&windows[i][t]);
	}
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return status;
}
