// SPDX-License-Identifier: GPL-2.0
/*
 * mschedtop: per-VM and per-file counters from memsched's tracepoints
 * msched_scan, msched_balloon_batch, msched_balloon_stats, msched_fs_move,
 * hypervisor swap's msched_swap_batch, msched_swap_write_done and
 * msched_swap_in, the scheduler's msched_sched_decision, and rdma_failover's
 * rfo_epoch_commit and rfo_epoch_apply (user space leaves those two off
 * when rdma_failover is not loaded). Counters are cumulative; user space
 * prints the differences. A VM's entry is deleted when it detaches (msched_detach),
 * so that exited VMs do not fill the map and a reused pid starts from zero.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "mschedtop.h"
#include "msched_bpf.h"

const volatile pid_t targ_pid = 0;	/* 0: every VM */

/* Events not counted because a map was full (user space reports them). */
__u64 nr_lost = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MSCHEDTOP_MAX_VMS);
	__type(key, u32);
	__type(value, struct mschedtop_vm);
} vms SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MSCHEDTOP_MAX_FILES);
	__type(key, u64);
	__type(value, struct mschedtop_file);
} files SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MSCHEDTOP_MAX_REPLICAS);
	__type(key, struct mschedtop_replica_key);
	__type(value, struct mschedtop_replica);
} replicas SEC(".maps");

static __always_inline struct mschedtop_vm *vm_of(s32 pid)
{
	static const struct mschedtop_vm zero;
	u32 key = pid;
	struct mschedtop_vm *v;

	if (targ_pid && pid != targ_pid)
		return NULL;
	v = bpf_map_lookup_elem(&vms, &key);
	if (v)
		return v;
	bpf_map_update_elem(&vms, &key, &zero, BPF_NOEXIST);
	v = bpf_map_lookup_elem(&vms, &key);
	if (!v)
		__sync_fetch_and_add(&nr_lost, 1);
	return v;
}

/* msched_scan(pid, scan, nr_scanned, nr_young, ns, truncated, wss_pages) */
static __always_inline int on_scan(u64 *ctx)
{
	struct mschedtop_vm *v = vm_of(MSCHED_ARG_S32(0));

	if (!v)
		return 0;
	__sync_fetch_and_add(&v->nr_scans, 1);
	__sync_fetch_and_add(&v->nr_pages_scanned, MSCHED_ARG_U32(2));
	__sync_fetch_and_add(&v->nr_young_pages, MSCHED_ARG_U32(3));
	v->wss_pages = MSCHED_ARG_U64(6);
	return 0;
}

/* msched_balloon_batch(pid, inflate, nr, released, ns) */
static __always_inline int on_balloon_batch(u64 *ctx)
{
	struct mschedtop_vm *v = vm_of(MSCHED_ARG_S32(0));

	if (!v)
		return 0;
	__sync_fetch_and_add(&v->nr_balloon_msgs, 1);
	if (MSCHED_ARG_BOOL(1))
		__sync_fetch_and_add(&v->nr_inflated_pages, MSCHED_ARG_U32(2));
	else
		__sync_fetch_and_add(&v->nr_deflated_pages, MSCHED_ARG_U32(2));
	return 0;
}

/* msched_balloon_stats(pid, type, nr) */
static __always_inline int on_balloon_stats(u64 *ctx)
{
	struct mschedtop_vm *v = vm_of(MSCHED_ARG_S32(0));

	if (v)
		__sync_fetch_and_add(&v->nr_balloon_msgs, 1);
	return 0;
}

/*
 * msched_sched_decision(pid, period, action, mechanism, pages,
 * target_dram_pages, actual_dram_pages, reason): reclaims and returns are counted (as the VM's
 * sched/stats/nr_decisions), holds are not; the mechanism of the last.
 */
static __always_inline int on_sched_decision(u64 *ctx)
{
	char action[MSCHEDTOP_MECH_LEN] = {};
	struct mschedtop_vm *v;

	bpf_probe_read_kernel_str(action, sizeof(action), (const void *)ctx[2]);
	if (action[0] == 'h')	/* hold */
		return 0;
	v = vm_of(MSCHED_ARG_S32(0));
	if (!v)
		return 0;
	bpf_probe_read_kernel_str(v->sched_mechanism, sizeof(v->sched_mechanism),
				  (const void *)ctx[3]);
	__sync_fetch_and_add(&v->nr_sched_decisions, 1);
	return 0;
}

static __always_inline struct mschedtop_file *file_of(u64 ino)
{
	static const struct mschedtop_file zero;
	struct mschedtop_file *f;

	f = bpf_map_lookup_elem(&files, &ino);
	if (f)
		return f;
	bpf_map_update_elem(&files, &ino, &zero, BPF_NOEXIST);
	f = bpf_map_lookup_elem(&files, &ino);
	if (!f)
		__sync_fetch_and_add(&nr_lost, 1);
	return f;
}

/* msched_fs_move(ino, nid, nr, moved, busy, nomem, ns) */
static __always_inline int on_fs_move(u64 *ctx)
{
	struct mschedtop_file *f = file_of(MSCHED_ARG_U64(0));
	s64 moved = (s64)ctx[3];

	if (!f)
		return 0;
	__sync_fetch_and_add(&f->nr_move_batches, 1);
	if (moved > 0)
		__sync_fetch_and_add(&f->nr_moved_pages, moved);
	__sync_fetch_and_add(&f->move_ns, MSCHED_ARG_U64(6));
	return 0;
}

/* msched_swap_batch(ino, pages, runs, prepare_ns, huge): one write batch submitted */
static __always_inline int on_swap_batch(u64 *ctx)
{
	struct mschedtop_file *f = file_of(MSCHED_ARG_U64(0));

	if (f)
		__sync_fetch_and_add(&f->nr_swap_write_batches, 1);
	return 0;
}

/*
 * msched_swap_write_done(ino, pages, errors, busy, write_ns): of @pages
 * written, @errors failed and @busy were in use again (both stay in
 * memory); the others left memory. (A page truncated while its write was
 * in flight is in neither: it counts here as out, not in the file's
 * stats/nr_swapped_out_pages.)
 */
static __always_inline int on_swap_write_done(u64 *ctx)
{
	struct mschedtop_file *f = file_of(MSCHED_ARG_U64(0));
	u32 pages = MSCHED_ARG_U32(1), errors = MSCHED_ARG_U32(2);
	u32 busy = MSCHED_ARG_U32(3);

	if (!f)
		return 0;
	if (pages > errors + busy)
		__sync_fetch_and_add(&f->nr_swapped_out_pages, pages - errors - busy);
	__sync_fetch_and_add(&f->nr_swap_write_errors, errors);
	return 0;
}

/* msched_swap_in(ino, idx, nr, err, latency_ns, huge): nr is 0 when the read failed */
static __always_inline int on_swap_in(u64 *ctx)
{
	struct mschedtop_file *f = file_of(MSCHED_ARG_U64(0));

	if (f)
		__sync_fetch_and_add(&f->nr_swapped_in_pages, MSCHED_ARG_U32(2));
	return 0;
}

/* msched_detach(pid, reason): the VM's counters go with it */
static __always_inline int on_detach(u64 *ctx)
{
	u32 key = (u32)MSCHED_ARG_S32(0);

	bpf_map_delete_elem(&vms, &key);
	return 0;
}

/*
 * An epoch of replica ctx[0] (a string): (name, epoch, pages, ...) with
 * latency_us argument @lat and full argument @full.
 */
static __always_inline int on_epoch(u64 *ctx, u32 side, u64 lat, bool full)
{
	static const struct mschedtop_replica zero;
	struct mschedtop_replica_key key = {};
	struct mschedtop_replica *r;

	bpf_probe_read_kernel_str(key.name, sizeof(key.name), (const void *)ctx[0]);
	key.side = side;
	r = bpf_map_lookup_elem(&replicas, &key);
	if (!r) {
		bpf_map_update_elem(&replicas, &key, &zero, BPF_NOEXIST);
		r = bpf_map_lookup_elem(&replicas, &key);
		if (!r) {
			__sync_fetch_and_add(&nr_lost, 1);
			return 0;
		}
	}
	__sync_fetch_and_add(&r->nr_epochs, 1);
	__sync_fetch_and_add(&r->nr_pages, MSCHED_ARG_U64(2));
	if (full)
		__sync_fetch_and_add(&r->nr_full_epochs, 1);
	__sync_fetch_and_add(&r->latency_us, lat);
	r->last_epoch = MSCHED_ARG_U64(1);
	return 0;
}

/* rfo_epoch_commit(name, epoch, pages, batches, cut_ns, stall_max_ns, latency_us, full) */
static __always_inline int on_epoch_commit(u64 *ctx)
{
	return on_epoch(ctx, MSCHEDTOP_PRIMARY, MSCHED_ARG_U64(6), MSCHED_ARG_BOOL(7));
}

/* rfo_epoch_apply(name, epoch, pages, batches, latency_us, full) */
static __always_inline int on_epoch_apply(u64 *ctx)
{
	return on_epoch(ctx, MSCHEDTOP_STANDBY, MSCHED_ARG_U64(4), MSCHED_ARG_BOOL(5));
}

MSCHED_TP(msched_scan, on_scan)
MSCHED_TP(msched_balloon_batch, on_balloon_batch)
MSCHED_TP(msched_balloon_stats, on_balloon_stats)
MSCHED_TP(msched_fs_move, on_fs_move)
MSCHED_TP(msched_swap_batch, on_swap_batch)
MSCHED_TP(msched_swap_write_done, on_swap_write_done)
MSCHED_TP(msched_swap_in, on_swap_in)
MSCHED_TP(msched_sched_decision, on_sched_decision)
MSCHED_TP(msched_detach, on_detach)
MSCHED_TP(rfo_epoch_commit, on_epoch_commit)
MSCHED_TP(rfo_epoch_apply, on_epoch_apply)

char LICENSE[] SEC("license") = "GPL";
