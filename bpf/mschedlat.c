// SPDX-License-Identifier: GPL-2.0
/*
 * mschedlat: log2 histograms of memsched's latencies, from its tracepoints
 * (mschedlat.bpf.c): scan duration, move-batch latency, balloon
 * target-to-settled latency, swap write latency, swap-in latency; for all
 * VMs or per VM.
 */
#include <argp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "mschedlat.h"
#include "mschedlat.skel.h"
#include "msched_helpers.h"

static struct env {
	pid_t pid;
	bool per_vm;
	bool ms;
	bool timestamp;
	long interval;
	long count;
} env = {
	.interval = 99999999,
	.count = -1,
};

static bool exiting;

const char argp_program_doc[] =
"Summarize memsched's latencies as log2 histograms.\n"
"\n"
"USAGE: mschedlat [-p PID] [-P] [-m] [-T] [-v] [INTERVAL [COUNT]]\n"
"\n"
"Histograms: scan duration (msched_scan), move-batch latency of memschedfs\n"
"(msched_fs_move), balloon target-to-settled latency\n"
"(msched_balloon_reached), hypervisor swap's write latency per batch\n"
"(msched_swap_write_done) and swap-in latency per fault (msched_swap_in);\n"
"with rdma_failover loaded, replication epoch latency: commit (primary,\n"
"rfo_epoch_commit) and apply (standby, rfo_epoch_apply). A file (a\n"
"replica's file) counts for the VM whose RAM it is; with -P, epochs have\n"
"one histogram per replica. Counts are for the interval; without one,\n"
"until Ctrl-C.\n"
"\n"
"EXAMPLES:\n"
"    mschedlat            # until Ctrl-C\n"
"    mschedlat 1 10       # ten 1 s intervals\n"
"    mschedlat -P         # one histogram per VM\n"
"    mschedlat -p 1234 -m # one VM, milliseconds\n";

static const struct argp_option opts[] = {
	{ "pid", 'p', "PID", 0, "only this VM (its VMM's pid) and its RAM file", 0 },
	{ "per-vm", 'P', NULL, 0, "one histogram per VM (files: per owning VM)", 0 },
	{ "milliseconds", 'm', NULL, 0, "milliseconds instead of microseconds", 0 },
	{ "timestamp", 'T', NULL, 0, "print the time with each interval", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "show the full help", 0 },
	{},
};

static long parse_num(const char *arg, long min, struct argp_state *state,
		      const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || *end || end == arg || v < min)
		argp_error(state, "invalid %s: %s (accepted: an integer >= %ld)", what, arg, min);
	return v;
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	static int pos_args;

	switch (key) {
	case 'h':
		argp_state_help(state, stderr, ARGP_HELP_STD_HELP);
		break;
	case 'p':
		env.pid = parse_num(arg, 1, state, "PID");
		break;
	case 'P':
		env.per_vm = true;
		break;
	case 'm':
		env.ms = true;
		break;
	case 'T':
		env.timestamp = true;
		break;
	case ARGP_KEY_ARG:
		if (pos_args == 0)
			env.interval = parse_num(arg, 1, state, "interval");
		else if (pos_args == 1)
			env.count = parse_num(arg, 1, state, "count");
		else
			argp_error(state, "too many arguments: %s (accepted: [INTERVAL [COUNT]])", arg);
		pos_args++;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* Each map key's histogram now and at the last print. */
struct row {
	struct mschedlat_key key;
	struct mschedlat_hist now, prev;
	bool seen;		/* in the map at the last read */
};
static struct row rows[MSCHEDLAT_MAX_KEYS];
static int nr_rows;

/*
 * A histogram printed: a kind, and a VM (pid), a file (ino), a replica
 * (name) or all (0, "").
 */
struct group {
	__u32 kind;
	bool is_file;
	__u64 id;
	char name[MSCHEDLAT_NAME_LEN];
	struct mschedlat_hist h;
	__u64 total;
};
static struct group groups[MSCHEDLAT_MAX_KEYS + MSCHEDLAT_NR_KINDS];
static int nr_groups;
static bool epochs;	/* rdma_failover's programs are loaded */

static struct row *row_of(const struct mschedlat_key *key)
{
	int i;

	for (i = 0; i < nr_rows; i++)
		if (!memcmp(&rows[i].key, key, sizeof(*key)))
			return &rows[i];
	if (nr_rows == MSCHEDLAT_MAX_KEYS)
		return NULL;
	memset(&rows[nr_rows], 0, sizeof(rows[0]));
	rows[nr_rows].key = *key;
	return &rows[nr_rows++];
}

static struct group *group_of(__u32 kind, bool is_file, __u64 id,
			      const char *name)
{
	int i;

	for (i = 0; i < nr_groups; i++)
		if (groups[i].kind == kind && groups[i].is_file == is_file &&
		    groups[i].id == id &&
		    !strncmp(groups[i].name, name, MSCHEDLAT_NAME_LEN))
			return &groups[i];
	memset(&groups[nr_groups], 0, sizeof(groups[0]));
	groups[nr_groups].kind = kind;
	groups[nr_groups].is_file = is_file;
	groups[nr_groups].id = id;
	strncpy(groups[nr_groups].name, name, MSCHEDLAT_NAME_LEN - 1);
	return &groups[nr_groups++];
}

static int cmp_group(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->is_file != y->is_file)
		return x->is_file ? 1 : -1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return strncmp(x->name, y->name, MSCHEDLAT_NAME_LEN);
}

static void read_map(struct mschedlat_bpf *obj)
{
	int fd = bpf_map__fd(obj->maps.hists);
	struct mschedlat_key key, *prev = NULL;
	struct row *r;
	int i, n, s;

	for (i = 0; i < nr_rows; i++)
		rows[i].seen = false;
	while (!bpf_map_get_next_key(fd, prev, &key)) {
		prev = &key;
		r = row_of(&key);
		if (r && !bpf_map_lookup_elem(fd, &key, &r->now))
			r->seen = true;
	}
	/*
	 * A VM that detached is gone from the map (mschedlat.bpf.c): drop its
	 * rows. One whose pid came back within the interval restarted from 0.
	 */
	for (i = n = 0; i < nr_rows; i++) {
		r = &rows[i];
		if (!r->seen)
			continue;
		for (s = 0; s < MSCHEDLAT_MAX_SLOTS; s++)
			if (r->now.slots[s] < r->prev.slots[s])
				break;
		if (s < MSCHEDLAT_MAX_SLOTS)
			memset(&r->prev, 0, sizeof(r->prev));
		rows[n++] = *r;
	}
	nr_rows = n;
	if (msched_verbose && obj->bss->nr_lost)
		fprintf(stderr, "mschedlat: %llu events not counted so far (map full)\n",
			(unsigned long long)obj->bss->nr_lost);
}

/* Histograms of rdma_failover's replicas (name), not of VMs or files. */
static bool kind_is_epoch(__u32 kind)
{
	return kind == MSCHEDLAT_EPOCH_COMMIT || kind == MSCHEDLAT_EPOCH_APPLY;
}

/* Histograms of memschedfs files (id: inode), not of VMs (id: pid). */
static bool kind_is_file(__u32 kind)
{
	return kind == MSCHEDLAT_MOVE || kind == MSCHEDLAT_SWAP_WRITE ||
	       kind == MSCHEDLAT_SWAP_IN;
}

static void print_interval(void)
{
	static const char *const titles[] = {
		[MSCHEDLAT_SCAN] = "scan duration",
		[MSCHEDLAT_MOVE] = "move-batch latency",
		[MSCHEDLAT_BALLOON] = "balloon target-to-settled latency",
		[MSCHEDLAT_SWAP_WRITE] = "swap write latency",
		[MSCHEDLAT_SWAP_IN] = "swap-in latency",
		[MSCHEDLAT_EPOCH_COMMIT] = "epoch commit latency",
		[MSCHEDLAT_EPOCH_APPLY] = "epoch apply latency",
	};
	char ts[16], name[64];
	struct group *g;
	struct row *r;
	pid_t owner;
	__u32 k;
	int i, s;

	msched_refresh_owners();
	nr_groups = 0;
	/*
	 * Every kind has its "all" histogram, even when empty (the epochs'
	 * when rdma_failover's programs are loaded).
	 */
	if (!env.per_vm)
		for (k = 0; k < MSCHEDLAT_NR_KINDS; k++)
			if (epochs || !kind_is_epoch(k))
				group_of(k, false, 0, "");
	for (i = 0; i < nr_rows; i++) {
		r = &rows[i];
		if (kind_is_epoch(r->key.kind))
			owner = msched_replica_owner(r->key.name);
		else if (kind_is_file(r->key.kind))
			owner = msched_ino_owner(r->key.id);
		else
			owner = (pid_t)r->key.id;
		if (env.pid && owner != env.pid)
			continue;
		if (!env.per_vm)
			g = group_of(r->key.kind, false, 0, "");
		else if (kind_is_epoch(r->key.kind))
			g = group_of(r->key.kind, false, 0, r->key.name);
		else if (owner)
			g = group_of(r->key.kind, false, owner, "");
		else
			g = group_of(r->key.kind, true, r->key.id, "");
		for (s = 0; s < MSCHEDLAT_MAX_SLOTS; s++) {
			g->h.slots[s] += r->now.slots[s] - r->prev.slots[s];
			g->total += r->now.slots[s] - r->prev.slots[s];
		}
		r->prev = r->now;
	}
	qsort(groups, nr_groups, sizeof(groups[0]), cmp_group);

	if (env.timestamp)
		printf("%-8s\n", msched_now(ts, sizeof(ts)));
	for (i = 0; i < nr_groups; i++) {
		g = &groups[i];
		if (env.per_vm && !g->total)
			continue;
		printf("%s (", titles[g->kind]);
		if (g->is_file)
			printf("file %llu, no VM", g->id);
		else if (g->name[0])
			printf("replica %.*s", MSCHEDLAT_NAME_LEN, g->name);
		else if (g->id)
			printf("pid %llu %s", g->id, msched_vm_name(g->id, name, sizeof(name)));
		else
			printf(env.pid ? "pid %d" : "all", env.pid);
		printf(", %llu events)\n", g->total);
		msched_print_log2_hist(g->h.slots, MSCHEDLAT_MAX_SLOTS,
				       env.ms ? "msecs" : "usecs");
		printf("\n");
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static const struct argp_child children[] = {
		{ &msched_common_argp, 0, "Common options:", 0 },
		{},
	};
	static const struct argp argp = {
		.options = opts,
		.parser = parse_arg,
		.args_doc = "[INTERVAL [COUNT]]",
		.doc = argp_program_doc,
		.children = children,
	};
	struct mschedlat_bpf *obj = NULL;
	struct timespec next;
	int err;

	err = msched_argp_parse(&argp, argc, argv);
	if (err)
		return 2;
	libbpf_set_print(msched_libbpf_print);

	if (msched_check_loaded("mschedlat"))
		return 1;
	obj = mschedlat_bpf__open();
	if (!obj) {
		fprintf(stderr, "mschedlat: failed to open the BPF object\n");
		return 1;
	}
	obj->rodata->targ_pid = env.pid;
	obj->rodata->targ_ms = env.ms;
	err = msched_choose_attach(obj->obj, "mschedlat");
	if (err)
		goto cleanup;
	epochs = msched_attach_has(obj->progs.rfo_epoch_commit_btf,
				   obj->progs.rfo_epoch_commit_raw);
	err = mschedlat_bpf__load(obj);
	if (err) {
		fprintf(stderr, "mschedlat: failed to load the BPF programs: %s\n", strerror(-err));
		goto cleanup;
	}
	err = mschedlat_bpf__attach(obj);
	if (err) {
		fprintf(stderr, "mschedlat: failed to attach to memsched's tracepoints: %s\n",
			strerror(-err));
		goto cleanup;
	}
	msched_block_signals();
	printf("Tracing memsched's latencies... Hit Ctrl-C to end.\n");
	fflush(stdout);

	while (env.count) {
		/* SIGINT/SIGTERM ends the wait */
		clock_gettime(CLOCK_MONOTONIC, &next);
		next.tv_sec += env.interval;
		exiting = msched_wait_until(&next);
		read_map(obj);
		print_interval();
		if (exiting)
			break;
		if (env.count > 0)
			env.count--;
	}

	if (obj->bss->nr_lost)
		fprintf(stderr, "mschedlat: %llu events not counted (map full: more than %d histograms)\n",
			(unsigned long long)obj->bss->nr_lost, MSCHEDLAT_MAX_KEYS);

cleanup:
	mschedlat_bpf__destroy(obj);
	return err != 0;
}
