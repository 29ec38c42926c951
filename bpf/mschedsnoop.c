// SPDX-License-Identifier: GPL-2.0
/*
 * mschedsnoop: one line per memsched decision, from its tracepoints
 * (mschedsnoop.bpf.c): tiering plans, balloon targets and when they
 * settled, balloon transfers, attach and detach, hypervisor swap's
 * selections and write batches, the scheduler's decisions and (-P) its
 * periods, rdma_failover's committed replication epochs.
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
#include "mschedsnoop.h"
#include "mschedsnoop.skel.h"
#include "msched_helpers.h"

static struct env {
	pid_t pid;
	long duration;
	bool periods;
} env;

static volatile sig_atomic_t exiting;

const char argp_program_doc[] =
"Print memsched's decisions as they happen, one line each.\n"
"\n"
"USAGE: mschedsnoop [-p PID] [-d SECS] [-P] [-v]\n"
"\n"
"Events: plan (a memschedfs file's tiering plan: pages resident, on DRAM,\n"
"demoted/planned, promoted/planned), balloon_target (a target set),\n"
"balloon_reached (the guest settled on it, and how long it took), transfer\n"
"(balloon pages from one VM to another), attach, detach, swap_out (a\n"
"memschedfs file's swap-out selection: pages wanted, resident candidates,\n"
"selected, force, the heat bound), swap_write (a swap write batch\n"
"completed: pages, of which errors failed and busy were kept; its time),\n"
"sched_decision (the scheduler reclaims from a VM, returns memory to it,\n"
"or holds: the period, action, mechanism, pages, the VM's DRAM target and\n"
"actual DRAM pages, and the reason), with -P sched_period (a period: policy,\n"
"VMs, pool, the targets' sum, whether the minimums overcommit the pool),\n"
"with rdma_failover loaded epoch_commit (a primary replica committed a\n"
"replication epoch: replica, epoch, pages, batches, latency, full).\n"
"\n"
"EXAMPLES:\n"
"    mschedsnoop          # until Ctrl-C\n"
"    mschedsnoop -p 1234  # one VM and its RAM file\n"
"    mschedsnoop -d 10    # for 10 s\n"
"    mschedsnoop -P       # also one line per scheduler period\n";

static const struct argp_option opts[] = {
	{ "pid", 'p', "PID", 0, "only this VM (its VMM's pid) and its RAM file", 0 },
	{ "duration", 'd', "SECS", 0, "stop after SECS seconds", 0 },
	{ "periods", 'P', NULL, 0, "also one line per scheduler period (msched_sched_period)", 0 },
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
	switch (key) {
	case 'h':
		argp_state_help(state, stderr, ARGP_HELP_STD_HELP);
		break;
	case 'p':
		env.pid = parse_num(arg, 1, state, "PID");
		break;
	case 'd':
		env.duration = parse_num(arg, 1, state, "duration");
		break;
	case 'P':
		env.periods = true;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument: %s (mschedsnoop takes none)", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static void sig_handler(int sig)
{
	(void)sig;
	exiting = 1;
}

static int handle_event(void *ctx, void *data, size_t len)
{
	const struct mschedsnoop_event *e = data;
	char ts[16], name[64];
	pid_t owner;

	(void)ctx;
	if (len < sizeof(*e))
		return 0;
	msched_now(ts, sizeof(ts));
	switch (e->type) {
	case MSCHEDSNOOP_PLAN:
		msched_refresh_owners();
		owner = msched_ino_owner(e->ino);
		if (env.pid && owner != env.pid)
			break;
		printf("%-8s %-16s %-7d ino=%llu resident=%llu dram=%llu demote=%llu/%llu promote=%llu/%llu rate_stalls=%llu\n",
		       ts, "plan", owner, e->ino, e->v[0], e->v[1], e->v[3],
		       e->v[2], e->v[5], e->v[4], e->v[6]);
		break;
	case MSCHEDSNOOP_SWAP_OUT:
		msched_refresh_owners();
		owner = msched_ino_owner(e->ino);
		if (env.pid && owner != env.pid)
			break;
		if (e->v[4] == MSCHED_SWAP_BELOW_ANY)
			snprintf(name, sizeof(name), "any");
		else
			snprintf(name, sizeof(name), "%llu", e->v[4]);
		printf("%-8s %-16s %-7d ino=%llu want=%llu candidates=%llu selected=%llu force=%llu below=%s\n",
		       ts, "swap_out", owner, e->ino, e->v[0], e->v[1], e->v[2],
		       e->v[3], name);
		break;
	case MSCHEDSNOOP_SWAP_WRITE:
		msched_refresh_owners();
		owner = msched_ino_owner(e->ino);
		if (env.pid && owner != env.pid)
			break;
		printf("%-8s %-16s %-7d ino=%llu pages=%llu errors=%llu busy=%llu write_us=%llu\n",
		       ts, "swap_write", owner, e->ino, e->v[0], e->v[1], e->v[2],
		       e->v[3] / 1000);
		break;
	case MSCHEDSNOOP_BALLOON_TARGET:
		printf("%-8s %-16s %-7d target=%llu actual=%llu\n", ts,
		       "balloon_target", e->pid, e->v[0], e->v[1]);
		break;
	case MSCHEDSNOOP_BALLOON_REACHED:
		printf("%-8s %-16s %-7d target=%llu latency_us=%llu\n", ts,
		       "balloon_reached", e->pid, e->v[0], e->v[1]);
		break;
	case MSCHEDSNOOP_TRANSFER:
		printf("%-8s %-16s %-7d to=%d asked=%llu moved=%llu\n", ts,
		       "transfer", e->pid, e->pid2, e->v[0], e->v[1]);
		break;
	case MSCHEDSNOOP_ATTACH:
		printf("%-8s %-16s %-7d nr_features=%llu name=%s\n", ts, "attach",
		       e->pid, e->v[0], msched_vm_name(e->pid, name, sizeof(name)));
		break;
	case MSCHEDSNOOP_SCHED_DECISION:
		printf("%-8s %-16s %-7d period=%llu action=%s mechanism=%s pages=%llu target_dram=%llu actual_dram=%llu reason=%s\n",
		       ts, "sched_decision", e->pid, e->v[0], e->action,
		       e->mechanism, e->v[1], e->v[2], e->v[3], e->reason);
		break;
	case MSCHEDSNOOP_SCHED_PERIOD:
		printf("%-8s %-16s %-7s period=%llu policy=%s nr_vms=%llu pool=%llu targets=%llu overcommitted=%lld\n",
		       ts, "sched_period", "-", e->v[0], e->policy, e->v[1],
		       e->v[2], e->v[3], (long long)e->v[4]);
		break;
	case MSCHEDSNOOP_EPOCH_COMMIT:
		/* -p: the replicas whose file is the VM's RAM */
		if (env.pid) {
			msched_refresh_owners();
			if (msched_replica_owner(e->reason) != env.pid)
				break;
		}
		printf("%-8s %-16s %-7s replica=%s epoch=%llu pages=%llu batches=%llu latency_us=%llu full=%llu\n",
		       ts, "epoch_commit", "-", e->reason, e->v[0], e->v[1],
		       e->v[2], e->v[3], e->v[4]);
		break;
	case MSCHEDSNOOP_DETACH:
		printf("%-8s %-16s %-7d reason=\"%s\"\n", ts, "detach", e->pid,
		       e->reason);
		break;
	}
	fflush(stdout);
	return 0;
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
		.doc = argp_program_doc,
		.children = children,
	};
	struct mschedsnoop_bpf *obj = NULL;
	struct ring_buffer *rb = NULL;
	time_t end;
	int err;

	err = msched_argp_parse(&argp, argc, argv);
	if (err)
		return 2;
	libbpf_set_print(msched_libbpf_print);

	if (msched_check_loaded("mschedsnoop"))
		return 1;
	obj = mschedsnoop_bpf__open();
	if (!obj) {
		fprintf(stderr, "mschedsnoop: failed to open the BPF object\n");
		return 1;
	}
	obj->rodata->targ_pid = env.pid;
	if (!env.periods) {
		/* left off: msched_choose_attach() neither checks nor loads them */
		bpf_program__set_autoload(obj->progs.msched_sched_period_btf, false);
		bpf_program__set_autoload(obj->progs.msched_sched_period_raw, false);
	}
	err = msched_choose_attach(obj->obj, "mschedsnoop");
	if (err)
		goto cleanup;
	err = mschedsnoop_bpf__load(obj);
	if (err) {
		fprintf(stderr, "mschedsnoop: failed to load the BPF programs: %s\n", strerror(-err));
		goto cleanup;
	}
	err = mschedsnoop_bpf__attach(obj);
	if (err) {
		fprintf(stderr, "mschedsnoop: failed to attach to memsched's tracepoints: %s\n",
			strerror(-err));
		goto cleanup;
	}
	rb = ring_buffer__new(bpf_map__fd(obj->maps.events), handle_event, NULL, NULL);
	if (!rb) {
		err = -errno;
		fprintf(stderr, "mschedsnoop: failed to create the ring buffer: %s\n", strerror(errno));
		goto cleanup;
	}
	signal(SIGINT, sig_handler);
	signal(SIGTERM, sig_handler);
	printf("%-8s %-16s %-7s %s\n", "TIME", "EVENT", "PID", "DETAILS");
	fflush(stdout);

	end = env.duration ? time(NULL) + env.duration : 0;
	while (!exiting && (!end || time(NULL) < end)) {
		/* A signal ends the wait at once (-EINTR). */
		err = ring_buffer__poll(rb, 1000);
		if (err == -EINTR) {
			err = 0;
			break;
		}
		if (err < 0) {
			fprintf(stderr, "mschedsnoop: polling the ring buffer: %s\n", strerror(-err));
			goto cleanup;
		}
		err = 0;
	}
	/* What arrived before the signal still gets its line. */
	ring_buffer__consume(rb);
	if (obj->bss->nr_lost)
		fprintf(stderr, "mschedsnoop: %llu events lost (ring buffer full)\n",
			(unsigned long long)obj->bss->nr_lost);

cleanup:
	ring_buffer__free(rb);
	mschedsnoop_bpf__destroy(obj);
	return err != 0;
}
