// SPDX-License-Identifier: GPL-2.0
/*
 * mschedlat: log2 histograms (usecs) of memsched's scan durations
 * (msched_scan), move batches (msched_fs_move), balloon target-to-settled
 * latencies (msched_balloon_reached), hypervisor swap's write batches
 * (msched_swap_write_done) and swap-in faults (msched_swap_in), per VM or
 * per file, and rdma_failover's epochs (rfo_epoch_commit, rfo_epoch_apply;
 * left off by user space when rdma_failover is not loaded), per replica. A VM's
 * histograms are deleted when it detaches (msched_detach), so that exited
 * VMs do not fill the map and a reused pid starts from zero.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "mschedlat.h"
#include "msched_bpf.h"

const volatile pid_t targ_pid = 0;	/* 0: every VM (files: user space filters) */
const volatile bool targ_ms = false;	/* milliseconds instead of usecs */

/* Events not counted because the map was full (user space reports them). */
__u64 nr_lost = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MSCHEDLAT_MAX_KEYS);
	__type(key, struct mschedlat_key);
	__type(value, struct mschedlat_hist);
} hists SEC(".maps");

static __always_inline void record_key(struct mschedlat_key *key, u64 us)
{
	static const struct mschedlat_hist zero;
	struct mschedlat_hist *h;
	u32 slot;

	h = bpf_map_lookup_elem(&hists, key);
	if (!h) {
		bpf_map_update_elem(&hists, key, &zero, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&hists, key);
		if (!h) {
			__sync_fetch_and_add(&nr_lost, 1);
			return;
		}
	}
	if (targ_ms)
		us /= 1000;
	slot = msched_log2(us);
	if (slot >= MSCHEDLAT_MAX_SLOTS)
		slot = MSCHEDLAT_MAX_SLOTS - 1;
	/*
	 * clang may bound one copy of slot and index with another; the
	 * verifier then sees an unbounded index. A mask on the register
	 * used, after a barrier, is what it needs (MAX_SLOTS: a power of 2).
	 */
	asm volatile("" : "+r"(slot));
	slot &= MSCHEDLAT_MAX_SLOTS - 1;
	__sync_fetch_and_add(&h->slots[slot], 1);
}

static __always_inline void record(u32 kind, u64 id, u64 us)
{
	struct mschedlat_key key = { .id = id, .kind = kind };

	record_key(&key, us);
}

/* An epoch of replica ctx[0] (a string) that took @us */
static __always_inline void record_epoch(u64 *ctx, u32 kind, u64 us)
{
	struct mschedlat_key key = { .kind = kind };

	bpf_probe_read_kernel_str(key.name, sizeof(key.name), (const void *)ctx[0]);
	record_key(&key, us);
}

/* rfo_epoch_commit(name, epoch, pages, batches, cut_ns, stall_max_ns, latency_us, full) */
static __always_inline int on_epoch_commit(u64 *ctx)
{
	record_epoch(ctx, MSCHEDLAT_EPOCH_COMMIT, MSCHED_ARG_U64(6));
	return 0;
}

/* rfo_epoch_apply(name, epoch, pages, batches, latency_us, full) */
static __always_inline int on_epoch_apply(u64 *ctx)
{
	record_epoch(ctx, MSCHEDLAT_EPOCH_APPLY, MSCHED_ARG_U64(4));
	return 0;
}

/* msched_scan(pid, scan, nr_scanned, nr_young, ns, truncated, wss_pages) */
static __always_inline int on_scan(u64 *ctx)
{
	s32 pid = MSCHED_ARG_S32(0);

	if (!targ_pid || pid == targ_pid)
		record(MSCHEDLAT_SCAN, (u32)pid, MSCHED_ARG_U64(4) / 1000);
	return 0;
}

/* msched_fs_move(ino, nid, nr, moved, busy, nomem, ns) */
static __always_inline int on_fs_move(u64 *ctx)
{
	record(MSCHEDLAT_MOVE, MSCHED_ARG_U64(0), MSCHED_ARG_U64(6) / 1000);
	return 0;
}

/* msched_balloon_reached(pid, target, latency_us) */
static __always_inline int on_balloon_reached(u64 *ctx)
{
	s32 pid = MSCHED_ARG_S32(0);

	if (!targ_pid || pid == targ_pid)
		record(MSCHEDLAT_BALLOON, (u32)pid, MSCHED_ARG_U64(2));
	return 0;
}

/* msched_swap_write_done(ino, pages, errors, busy, write_ns): submit to completion */
static __always_inline int on_swap_write_done(u64 *ctx)
{
	record(MSCHEDLAT_SWAP_WRITE, MSCHED_ARG_U64(0), MSCHED_ARG_U64(4) / 1000);
	return 0;
}

/* msched_swap_in(ino, idx, nr, err, latency_ns, huge): a fault's read, failed ones too */
static __always_inline int on_swap_in(u64 *ctx)
{
	record(MSCHEDLAT_SWAP_IN, MSCHED_ARG_U64(0), MSCHED_ARG_U64(4) / 1000);
	return 0;
}

/* msched_detach(pid, reason): the VM's histograms go with it */
static __always_inline int on_detach(u64 *ctx)
{
	struct mschedlat_key key = { .id = (u32)MSCHED_ARG_S32(0) };

	key.kind = MSCHEDLAT_SCAN;
	bpf_map_delete_elem(&hists, &key);
	key.kind = MSCHEDLAT_BALLOON;
	bpf_map_delete_elem(&hists, &key);
	return 0;
}

MSCHED_TP(msched_scan, on_scan)
MSCHED_TP(msched_fs_move, on_fs_move)
MSCHED_TP(msched_balloon_reached, on_balloon_reached)
MSCHED_TP(msched_swap_write_done, on_swap_write_done)
MSCHED_TP(msched_swap_in, on_swap_in)
MSCHED_TP(msched_detach, on_detach)
MSCHED_TP(rfo_epoch_commit, on_epoch_commit)
MSCHED_TP(rfo_epoch_apply, on_epoch_apply)

char LICENSE[] SEC("license") = "GPL";
