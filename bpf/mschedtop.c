// SPDX-License-Identifier: GPL-2.0
/*
 * mschedtop: memsched's activity per VM and per memschedfs file, refreshed
 * every interval, from memsched's tracepoints (mschedtop.bpf.c).
 */
#include <argp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "mschedtop.h"
#include "mschedtop.skel.h"
#include "msched_helpers.h"

enum sort_col {
	SORT_SCANS, SORT_PAGES, SORT_YOUNG, SORT_WSS, SORT_BALLOON, SORT_MOVED,
	SORT_SWAP, SORT_DECS, SORT_PID,
};
static const char *const sort_names[] = {
	"scans", "pages", "young", "wss", "balloon", "moved", "swap", "decs", "pid",
};

static struct env {
	pid_t pid;
	enum sort_col sort;
	bool batch;
	long interval;
	long count;
} env = {
	.interval = 1,
	.count = -1,
};

static bool exiting;

const char argp_program_doc[] =
"Show memsched's activity per VM and per memschedfs file, every interval.\n"
"\n"
"USAGE: mschedtop [-p PID] [-s COL] [-b] [-v] [INTERVAL [COUNT]]\n"
"\n"
"Per VM: scans, scans/s, pages scanned, young % of them, working set\n"
"(pages, after the last scan), balloon messages, inflated and deflated\n"
"pages, pages memschedfs moved in the VM's RAM file, and its pages swapped\n"
"out and in, the scheduler's decisions to reclaim or return memory and\n"
"the mechanism of the last (balloon, demote, swap). Per file: move batches, pages moved, time moving, swap write\n"
"batches, pages swapped out, pages whose swap write failed, pages swapped\n"
"in. With rdma_failover loaded, per replica and side: replication epochs\n"
"committed (primary) or applied (standby), their pages, full epochs, mean\n"
"latency, the last epoch. Counts are for the interval; on SIGINT the\n"
"interval under way is printed before exiting.\n"
"\n"
"EXAMPLES:\n"
"    mschedtop            # every second, until Ctrl-C\n"
"    mschedtop -b 5 3     # three 5 s intervals, no screen clearing\n"
"    mschedtop -p 1234    # one VM\n"
"    mschedtop -s wss     # sort by working set\n";

static const struct argp_option opts[] = {
	{ "pid", 'p', "PID", 0, "only this VM (its VMM's pid)", 0 },
	{ "sort", 's', "COL", 0, "sort VMs by scans (default), pages, young, wss, balloon, moved, swap, decs or pid", 0 },
	{ "batch", 'b', NULL, 0, "do not clear the screen (logs, tests)", 0 },
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
	unsigned int i;

	switch (key) {
	case 'h':
		argp_state_help(state, stderr, ARGP_HELP_STD_HELP);
		break;
	case 'p':
		env.pid = parse_num(arg, 1, state, "PID");
		break;
	case 's':
		for (i = 0; i < sizeof(sort_names) / sizeof(sort_names[0]); i++)
			if (!strcmp(arg, sort_names[i]))
				break;
		if (i == sizeof(sort_names) / sizeof(sort_names[0]))
			argp_error(state, "invalid sort column: %s (accepted: scans, pages, young, wss, balloon, moved, swap, decs, pid)", arg);
		env.sort = i;
		break;
	case 'b':
		env.batch = true;
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

/* One VM's or file's counters now and at the last print. */
struct vm_row {
	__u32 pid;
	struct mschedtop_vm now, prev;
	__u64 moved;		/* pages moved in its RAM file, this interval */
	__u64 swapped_out;	/* pages of its RAM file swapped out, this interval */
	__u64 swapped_in;	/* ... and swapped in */
	bool seen;		/* in the map at the last read */
};
struct file_row {
	__u64 ino;
	struct mschedtop_file now, prev;
	bool seen;
};
struct replica_row {
	struct mschedtop_replica_key key;
	struct mschedtop_replica now, prev;
};
static struct vm_row vm_rows[MSCHEDTOP_MAX_VMS];
static struct file_row file_rows[MSCHEDTOP_MAX_FILES];
static struct replica_row replica_rows[MSCHEDTOP_MAX_REPLICAS];
static int nr_vm_rows, nr_file_rows, nr_replica_rows;
static bool epochs;	/* rdma_failover's programs are loaded */

static struct vm_row *vm_row(__u32 pid)
{
	int i;

	for (i = 0; i < nr_vm_rows; i++)
		if (vm_rows[i].pid == pid)
			return &vm_rows[i];
	if (nr_vm_rows == MSCHEDTOP_MAX_VMS)
		return NULL;
	memset(&vm_rows[nr_vm_rows], 0, sizeof(vm_rows[0]));
	vm_rows[nr_vm_rows].pid = pid;
	return &vm_rows[nr_vm_rows++];
}

static struct file_row *file_row(__u64 ino)
{
	int i;

	for (i = 0; i < nr_file_rows; i++)
		if (file_rows[i].ino == ino)
			return &file_rows[i];
	if (nr_file_rows == MSCHEDTOP_MAX_FILES)
		return NULL;
	memset(&file_rows[nr_file_rows], 0, sizeof(file_rows[0]));
	file_rows[nr_file_rows].ino = ino;
	return &file_rows[nr_file_rows++];
}

static struct replica_row *replica_row(const struct mschedtop_replica_key *key)
{
	int i;

	for (i = 0; i < nr_replica_rows; i++)
		if (!memcmp(&replica_rows[i].key, key, sizeof(*key)))
			return &replica_rows[i];
	if (nr_replica_rows == MSCHEDTOP_MAX_REPLICAS)
		return NULL;
	memset(&replica_rows[nr_replica_rows], 0, sizeof(replica_rows[0]));
	replica_rows[nr_replica_rows].key = *key;
	return &replica_rows[nr_replica_rows++];
}

static int cmp_replica(const void *a, const void *b)
{
	const struct replica_row *x = a, *y = b;
	int c = strncmp(x->key.name, y->key.name, MSCHEDTOP_NAME_LEN);

	return c ? c : (int)x->key.side - (int)y->key.side;
}

static void read_replicas(struct mschedtop_bpf *obj)
{
	int fd = bpf_map__fd(obj->maps.replicas);
	struct mschedtop_replica_key key, *prev = NULL;
	struct replica_row *r;

	while (!bpf_map_get_next_key(fd, prev, &key)) {
		prev = &key;
		r = replica_row(&key);
		if (r)
			bpf_map_lookup_elem(fd, &key, &r->now);
	}
	qsort(replica_rows, nr_replica_rows, sizeof(replica_rows[0]), cmp_replica);
}

static int read_maps(struct mschedtop_bpf *obj)
{
	int vfd = bpf_map__fd(obj->maps.vms), ffd = bpf_map__fd(obj->maps.files);
	__u32 pid, *pk = NULL;
	__u64 ino, *fk = NULL;
	struct vm_row *v;
	struct file_row *f;
	int i, n;

	for (i = 0; i < nr_vm_rows; i++)
		vm_rows[i].seen = false;
	while (!bpf_map_get_next_key(vfd, pk, &pid)) {
		pk = &pid;
		v = vm_row(pid);
		if (v && !bpf_map_lookup_elem(vfd, &pid, &v->now))
			v->seen = true;
	}
	while (!bpf_map_get_next_key(ffd, fk, &ino)) {
		fk = &ino;
		f = file_row(ino);
		if (f && !bpf_map_lookup_elem(ffd, &ino, &f->now))
			f->seen = true;
	}
	/*
	 * A VM that detached is gone from the map (mschedtop.bpf.c): drop its
	 * row. One whose pid came back within the interval restarted from 0.
	 */
	for (i = n = 0; i < nr_vm_rows; i++) {
		v = &vm_rows[i];
		if (!v->seen)
			continue;
		if (v->now.nr_scans < v->prev.nr_scans ||
		    v->now.nr_pages_scanned < v->prev.nr_pages_scanned ||
		    v->now.nr_young_pages < v->prev.nr_young_pages ||
		    v->now.nr_balloon_msgs < v->prev.nr_balloon_msgs ||
		    v->now.nr_inflated_pages < v->prev.nr_inflated_pages ||
		    v->now.nr_deflated_pages < v->prev.nr_deflated_pages ||
		    v->now.nr_sched_decisions < v->prev.nr_sched_decisions)
			memset(&v->prev, 0, sizeof(v->prev));
		vm_rows[n++] = *v;
	}
	nr_vm_rows = n;
	if (epochs)
		read_replicas(obj);
	if (msched_verbose && obj->bss->nr_lost)
		fprintf(stderr, "mschedtop: %llu events not counted so far (map full)\n",
			(unsigned long long)obj->bss->nr_lost);
	return 0;
}

#define D(r, field) ((r)->now.field - (r)->prev.field)

static __u64 sort_key(const struct vm_row *v)
{
	switch (env.sort) {
	case SORT_SCANS:   return D(v, nr_scans);
	case SORT_PAGES:   return D(v, nr_pages_scanned);
	case SORT_YOUNG:   return D(v, nr_pages_scanned) ?
			   D(v, nr_young_pages) * 10000 / D(v, nr_pages_scanned) : 0;
	case SORT_WSS:     return v->now.wss_pages;
	case SORT_BALLOON: return D(v, nr_inflated_pages) + D(v, nr_deflated_pages);
	case SORT_MOVED:   return v->moved;
	case SORT_SWAP:    return v->swapped_out + v->swapped_in;
	case SORT_DECS:    return D(v, nr_sched_decisions);
	case SORT_PID:     return ~(__u64)v->pid;	/* ascending */
	}
	return 0;
}

static int cmp_vm(const void *a, const void *b)
{
	__u64 ka = sort_key(a), kb = sort_key(b);

	return ka < kb ? 1 : ka > kb ? -1 : 0;
}

/* rdma_failover's replicas: one row per replica and side that had an epoch */
static void print_replicas(double secs)
{
	struct replica_row *r;
	char vm[16];
	pid_t owner;
	int i;

	printf("%-16s %-7s %-8s %7s %8s %9s %5s %8s %10s\n", "REPLICA", "SIDE",
	       "VM", "EPOCHS", "EPOCHS/s", "PAGES", "FULL", "LAT_US", "EPOCH");
	for (i = 0; i < nr_replica_rows; i++) {
		r = &replica_rows[i];
		owner = msched_replica_owner(r->key.name);
		if (env.pid && owner != env.pid)
			continue;
		if (owner)
			snprintf(vm, sizeof(vm), "%d", owner);
		else
			snprintf(vm, sizeof(vm), "-");
		printf("%-16.*s %-7s %-8s %7llu %8.1f %9llu %5llu %8llu %10llu\n",
		       MSCHEDTOP_NAME_LEN, r->key.name,
		       r->key.side == MSCHEDTOP_PRIMARY ? "primary" : "standby",
		       vm, D(r, nr_epochs),
		       secs > 0 ? D(r, nr_epochs) / secs : 0.0, D(r, nr_pages),
		       D(r, nr_full_epochs),
		       D(r, nr_epochs) ? D(r, latency_us) / D(r, nr_epochs) : 0,
		       r->now.last_epoch);
	}
}

static void print_interval(double secs)
{
	char ts[16], name[64];
	struct vm_row *v;
	struct file_row *f;
	pid_t owner;
	int i, nv = 0, nf = 0;

	msched_refresh_owners();
	for (i = 0; i < nr_vm_rows; i++) {
		vm_rows[i].moved = 0;
		vm_rows[i].swapped_out = 0;
		vm_rows[i].swapped_in = 0;
	}
	for (i = 0; i < nr_file_rows; i++) {
		f = &file_rows[i];
		owner = msched_ino_owner(f->ino);
		v = owner ? vm_row(owner) : NULL;
		if (v) {
			v->moved += D(f, nr_moved_pages);
			v->swapped_out += D(f, nr_swapped_out_pages);
			v->swapped_in += D(f, nr_swapped_in_pages);
		}
	}
	qsort(vm_rows, nr_vm_rows, sizeof(vm_rows[0]), cmp_vm);
	for (i = 0; i < nr_vm_rows; i++)
		nv += !env.pid || vm_rows[i].pid == (__u32)env.pid;
	for (i = 0; i < nr_file_rows; i++)
		nf += !env.pid || msched_ino_owner(file_rows[i].ino) == env.pid;

	if (!env.batch)
		printf("\033[H\033[2J");
	printf("%s mschedtop: %d VMs, %d files, interval %.2f s\n",
	       msched_now(ts, sizeof(ts)), nv, nf, secs);
	printf("%-8s %-16s %6s %7s %9s %6s %9s %6s %7s %7s %8s %8s %8s %5s %-7s\n",
	       "PID", "NAME", "SCANS", "SCANS/s", "PAGES", "YOUNG%", "WSS",
	       "BMSGS", "INFL", "DEFL", "MOVED", "SWOUT", "SWIN", "DECS", "MECH");
	for (i = 0; i < nr_vm_rows; i++) {
		v = &vm_rows[i];
		if (env.pid && v->pid != (__u32)env.pid)
			continue;
		printf("%-8u %-16.16s %6llu %7.1f %9llu %6.1f %9llu %6llu %7llu %7llu %8llu %8llu %8llu %5llu %-7.*s\n",
		       v->pid, msched_vm_name(v->pid, name, sizeof(name)),
		       D(v, nr_scans), secs > 0 ? D(v, nr_scans) / secs : 0.0,
		       D(v, nr_pages_scanned),
		       D(v, nr_pages_scanned) ?
		       100.0 * D(v, nr_young_pages) / D(v, nr_pages_scanned) : 0.0,
		       v->now.wss_pages, D(v, nr_balloon_msgs),
		       D(v, nr_inflated_pages), D(v, nr_deflated_pages), v->moved,
		       v->swapped_out, v->swapped_in, D(v, nr_sched_decisions),
		       MSCHEDTOP_MECH_LEN,
		       D(v, nr_sched_decisions) && v->now.sched_mechanism[0] ?
		       v->now.sched_mechanism : "-");
	}
	printf("%-10s %-8s %8s %9s %9s %8s %8s %6s %8s\n", "INO", "VM", "BATCHES",
	       "MOVED", "MOVE_MS", "SWBATCH", "SWOUT", "SWERR", "SWIN");
	for (i = 0; i < nr_file_rows; i++) {
		f = &file_rows[i];
		owner = msched_ino_owner(f->ino);
		if (env.pid && owner != env.pid)
			continue;
		if (owner)
			snprintf(name, sizeof(name), "%d", owner);
		else
			snprintf(name, sizeof(name), "-");
		printf("%-10llu %-8s %8llu %9llu %9.1f %8llu %8llu %6llu %8llu\n",
		       f->ino, name, D(f, nr_move_batches), D(f, nr_moved_pages),
		       D(f, move_ns) / 1e6, D(f, nr_swap_write_batches),
		       D(f, nr_swapped_out_pages), D(f, nr_swap_write_errors),
		       D(f, nr_swapped_in_pages));
	}
	if (epochs)
		print_replicas(secs);
	printf("\n");
	fflush(stdout);
	for (i = 0; i < nr_vm_rows; i++)
		vm_rows[i].prev = vm_rows[i].now;
	for (i = 0; i < nr_file_rows; i++)
		file_rows[i].prev = file_rows[i].now;
	for (i = 0; i < nr_replica_rows; i++)
		replica_rows[i].prev = replica_rows[i].now;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
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
	struct mschedtop_bpf *obj = NULL;
	struct timespec next;
	double t0, t1;
	int err;

	err = msched_argp_parse(&argp, argc, argv);
	if (err)
		return 2;
	libbpf_set_print(msched_libbpf_print);

	if (msched_check_loaded("mschedtop"))
		return 1;
	obj = mschedtop_bpf__open();
	if (!obj) {
		fprintf(stderr, "mschedtop: failed to open the BPF object\n");
		return 1;
	}
	obj->rodata->targ_pid = env.pid;
	err = msched_choose_attach(obj->obj, "mschedtop");
	if (err)
		goto cleanup;
	epochs = msched_attach_has(obj->progs.rfo_epoch_commit_btf,
				   obj->progs.rfo_epoch_commit_raw);
	err = mschedtop_bpf__load(obj);
	if (err) {
		fprintf(stderr, "mschedtop: failed to load the BPF programs: %s\n", strerror(-err));
		goto cleanup;
	}
	err = mschedtop_bpf__attach(obj);
	if (err) {
		fprintf(stderr, "mschedtop: failed to attach to memsched's tracepoints: %s\n",
			strerror(-err));
		goto cleanup;
	}
	msched_block_signals();
	if (env.batch) {
		printf("mschedtop: tracing memsched, every %ld s\n", env.interval);
		fflush(stdout);
	}

	clock_gettime(CLOCK_MONOTONIC, &next);
	t0 = mono();
	while (env.count) {
		/* One wakeup per interval; SIGINT/SIGTERM ends the wait. */
		next.tv_sec += env.interval;
		exiting = msched_wait_until(&next);
		t1 = mono();
		read_maps(obj);
		print_interval(t1 - t0);
		t0 = t1;
		if (exiting)
			break;
		if (env.count > 0)
			env.count--;
	}

	if (obj->bss->nr_lost)
		fprintf(stderr, "mschedtop: %llu events not counted (map full: more than %d VMs or %d files)\n",
			(unsigned long long)obj->bss->nr_lost, MSCHEDTOP_MAX_VMS,
			MSCHEDTOP_MAX_FILES);

cleanup:
	mschedtop_bpf__destroy(obj);
	return err != 0;
}
