// SPDX-License-Identifier: GPL-2.0
/*
 * mschedsnoop: one event per memsched decision, through a ring buffer:
 * tiering plans (msched_fs_plan), balloon targets and their settling
 * (msched_balloon_target, msched_balloon_reached), balloon transfers
 * (msched_balloon_transfer), attach and detach, hypervisor swap's
 * selections (msched_swap_out) and write batches (msched_swap_write_done),
 * the scheduler's decisions (msched_sched_decision) and, when user space
 * loads those programs (-P), its periods (msched_sched_period), and
 * rdma_failover's committed epochs (rfo_epoch_commit; left off when
 * rdma_failover is not loaded).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "mschedsnoop.h"
#include "msched_bpf.h"

const volatile pid_t targ_pid = 0;	/* 0: every VM (files' events: user space filters) */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* Events lost to a full ring buffer (user space reports them). */
__u64 nr_lost = 0;

static __always_inline struct mschedsnoop_event *reserve(u32 type, s32 pid)
{
	struct mschedsnoop_event *e;

	if (targ_pid && pid && pid != targ_pid)
		return NULL;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&nr_lost, 1);
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = bpf_ktime_get_ns();
	e->type = type;
	e->pid = pid;
	return e;
}

/* msched_fs_plan(ino, resident, dram, demote_planned, demoted, promote_planned, promoted, stalls) */
static __always_inline int on_plan(u64 *ctx)
{
	struct mschedsnoop_event *e = reserve(MSCHEDSNOOP_PLAN, 0);
	int i;

	if (!e)
		return 0;
	e->ino = MSCHED_ARG_U64(0);
	for (i = 0; i < 6; i++)
		e->v[i] = (u32)ctx[i + 1];
	e->v[6] = MSCHED_ARG_U64(7);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* msched_swap_out(ino, want, candidates, selected, force, below) */
static __always_inline int on_swap_out(u64 *ctx)
{
	struct mschedsnoop_event *e = reserve(MSCHEDSNOOP_SWAP_OUT, 0);

	if (!e)
		return 0;
	e->ino = MSCHED_ARG_U64(0);
	e->v[0] = MSCHED_ARG_U64(1);
	e->v[1] = MSCHED_ARG_U32(2);
	e->v[2] = MSCHED_ARG_U32(3);
	e->v[3] = MSCHED_ARG_BOOL(4);
	e->v[4] = MSCHED_ARG_U32(5);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* msched_swap_write_done(ino, pages, errors, busy, write_ns) */
static __always_inline int on_swap_write_done(u64 *ctx)
{
	struct mschedsnoop_event *e = reserve(MSCHEDSNOOP_SWAP_WRITE, 0);

	if (!e)
		return 0;
	e->ino = MSCHED_ARG_U64(0);
	e->v[0] = MSCHED_ARG_U32(1);
	e->v[1] = MSCHED_ARG_U32(2);
	e->v[2] = MSCHED_ARG_U32(3);
	e->v[3] = MSCHED_ARG_U64(4);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* msched_balloon_target(pid, target, actual); _reached(pid, target, latency_us) */
static __always_inline int balloon(u64 *ctx, u32 type)
{
	struct mschedsnoop_event *e = reserve(type, MSCHED_ARG_S32(0));

	if (!e)
		return 0;
	e->v[0] = MSCHED_ARG_U64(1);
	e->v[1] = MSCHED_ARG_U64(2);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

static __always_inline int on_target(u64 *ctx)
{
	return balloon(ctx, MSCHEDSNOOP_BALLOON_TARGET);
}

static __always_inline int on_reached(u64 *ctx)
{
	return balloon(ctx, MSCHEDSNOOP_BALLOON_REACHED);
}

/* msched_balloon_transfer(from, to, asked, moved) */
static __always_inline int on_transfer(u64 *ctx)
{
	s32 from = MSCHED_ARG_S32(0), to = MSCHED_ARG_S32(1);
	struct mschedsnoop_event *e;

	/* -p: a transfer from or to the VM */
	e = reserve(MSCHEDSNOOP_TRANSFER, targ_pid && to == targ_pid ? to : from);
	if (!e)
		return 0;
	e->pid = from;
	e->pid2 = to;
	e->v[0] = MSCHED_ARG_U64(2);
	e->v[1] = MSCHED_ARG_U64(3);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* msched_attach(pid, nr_features) */
static __always_inline int on_attach(u64 *ctx)
{
	struct mschedsnoop_event *e = reserve(MSCHEDSNOOP_ATTACH, MSCHED_ARG_S32(0));

	if (!e)
		return 0;
	e->v[0] = MSCHED_ARG_U32(1);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* msched_detach(pid, reason) */
static __always_inline int on_detach(u64 *ctx)
{
	struct mschedsnoop_event *e = reserve(MSCHEDSNOOP_DETACH, MSCHED_ARG_S32(0));

	if (!e)
		return 0;
	bpf_probe_read_kernel_str(e->reason, sizeof(e->reason), (const void *)ctx[1]);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/*
 * msched_sched_decision(pid, period, action, mechanism, pages,
 * target_dram_pages, actual_dram_pages, reason): the three words are strings the tracepoint copies
 * (__string); its arguments point at them.
 */
static __always_inline int on_sched_decision(u64 *ctx)
{
	struct mschedsnoop_event *e = reserve(MSCHEDSNOOP_SCHED_DECISION, MSCHED_ARG_S32(0));

	if (!e)
		return 0;
	e->v[0] = MSCHED_ARG_U64(1);
	bpf_probe_read_kernel_str(e->action, sizeof(e->action), (const void *)ctx[2]);
	bpf_probe_read_kernel_str(e->mechanism, sizeof(e->mechanism), (const void *)ctx[3]);
	e->v[1] = MSCHED_ARG_U64(4);
	e->v[2] = MSCHED_ARG_U64(5);
	e->v[3] = MSCHED_ARG_U64(6);
	bpf_probe_read_kernel_str(e->reason, sizeof(e->reason), (const void *)ctx[7]);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* msched_sched_period(period, policy, nr_vms, pool_pages, target_pages, overcommitted) */
static __always_inline int on_sched_period(u64 *ctx)
{
	struct mschedsnoop_event *e = reserve(MSCHEDSNOOP_SCHED_PERIOD, 0);

	if (!e)
		return 0;
	e->v[0] = MSCHED_ARG_U64(0);
	bpf_probe_read_kernel_str(e->policy, sizeof(e->policy), (const void *)ctx[1]);
	e->v[1] = MSCHED_ARG_U32(2);
	e->v[2] = MSCHED_ARG_U64(3);
	e->v[3] = MSCHED_ARG_U64(4);
	e->v[4] = (u64)(s64)MSCHED_ARG_S32(5);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* rfo_epoch_commit(name, epoch, pages, batches, cut_ns, stall_max_ns, latency_us, full) */
static __always_inline int on_epoch_commit(u64 *ctx)
{
	struct mschedsnoop_event *e = reserve(MSCHEDSNOOP_EPOCH_COMMIT, 0);

	if (!e)
		return 0;
	bpf_probe_read_kernel_str(e->reason, sizeof(e->reason), (const void *)ctx[0]);
	e->v[0] = MSCHED_ARG_U64(1);
	e->v[1] = MSCHED_ARG_U64(2);
	e->v[2] = MSCHED_ARG_U32(3);
	e->v[3] = MSCHED_ARG_U64(6);
	e->v[4] = MSCHED_ARG_BOOL(7);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

MSCHED_TP(msched_fs_plan, on_plan)
MSCHED_TP(msched_balloon_target, on_target)
MSCHED_TP(msched_balloon_reached, on_reached)
MSCHED_TP(msched_balloon_transfer, on_transfer)
MSCHED_TP(msched_attach, on_attach)
MSCHED_TP(msched_detach, on_detach)
MSCHED_TP(msched_swap_out, on_swap_out)
MSCHED_TP(msched_swap_write_done, on_swap_write_done)
MSCHED_TP(msched_sched_decision, on_sched_decision)
MSCHED_TP(msched_sched_period, on_sched_period)
MSCHED_TP(rfo_epoch_commit, on_epoch_commit)

char LICENSE[] SEC("license") = "GPL";
