// SPDX-License-Identifier: GPL-2.0
/*
 * memsched: the sampling scanner.
 *
 * Follows "Efficient online construction of miss rate curves" (seed 004)
 * with SHARDS-style spatial sampling: one frame in every block of
 * sample_period frames, at an offset picked by a hash of the block (kvm.c).
 * An LRU of those pages is kept; each scan finds which of them were
 * accessed (accessed bits of the VM's secondary MMU), moves them to the MRU
 * end and adds their stack distances, scaled by the period, into a
 * histogram from which the miss-rate curve is read. A page just found
 * accessed may be left untraced for untrace_scans scans before its accessed
 * bit is re-armed, which saves work on hot pages.
 *
 * The sample set never exceeds MSCHED_SAMPLES_MAX frames: a VM that
 * declares a huge address space is sampled more sparsely, so the host
 * memory it costs (charged to the VMM's memory cgroup) stays bounded.
 *
 * Scans run in a work item with a CPU quota, never in notifier callbacks.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include <linux/memcontrol.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "memsched.h"
#include "trace.h"

static const struct msched_knobs msched_default_knobs = {
	.sample_period = 16,
	.sample_seed = 0,
	.scan_interval_ms = 1000,
	.cpu_quota_ms = 100,
	.untrace_scans = 0,
	.active_scans = 2,
	.idle_scans = 30,
	.wss_scans = 5,
	.mrc_decay_scans = 0,
};

/* Keep msched_live_bytes equal to what the sampling state holds. */
static void msched_sample_account(struct msched_vm *vm, size_t bytes)
{
	atomic64_add((s64)bytes - (s64)vm->state_bytes, &msched_live_bytes);
	vm->state_bytes = bytes;
}

static size_t msched_sample_bytes(struct msched_vm *vm)
{
	return (size_t)vm->nr_samples * sizeof(*vm->samples) +
	       (vm->lru_mem ? msched_lru_mem_bytes(vm->lru.max_slots) : 0) +
	       (vm->mrc_mem ? msched_mrc_mem_bytes(vm->mrc.nr_buckets) : 0) +
	       (vm->free_slots ? (size_t)vm->lru.max_slots * sizeof(u32) : 0);
}

/* Free everything the sampling state owns; leaves knobs and stats alone. */
static void msched_sample_free(struct msched_vm *vm)
{
	kvfree(vm->samples);
	kvfree(vm->free_slots);
	kvfree(vm->lru_mem);
	kvfree(vm->mrc_mem);
	vm->samples = NULL;
	vm->free_slots = NULL;
	vm->lru_mem = NULL;
	vm->mrc_mem = NULL;
	vm->nr_samples = 0;
	vm->nr_free_slots = 0;
	msched_sample_account(vm, 0);
}

/*
 * The sampling state is charged to the VMM's memory cgroup, whether it is
 * built by the attach (the writer's task) or by the scan (a kworker).
 */
static struct mem_cgroup *msched_sample_charge_begin(struct msched_vm *vm,
						     struct mem_cgroup **old)
{
	struct mem_cgroup *memcg = get_mem_cgroup_from_mm(vm->mm);

	*old = set_active_memcg(memcg);
	return memcg;
}

static void msched_sample_charge_end(struct mem_cgroup *memcg,
				     struct mem_cgroup *old)
{
	set_active_memcg(old);
	mem_cgroup_put(memcg);
}

/* Build the sampling state from scratch with the current knobs. */
static int __msched_sample_build(struct msched_vm *vm)
{
	struct mem_cgroup *memcg, *old_memcg;
	struct msched_sample *samples;
	u64 guest_pages, gen, bucket_pages, period;
	u32 nr, max_slots, i;
	int ret;

	lockdep_assert_held(&vm->lock);
	memcg = msched_sample_charge_begin(vm, &old_memcg);
	ret = msched_kvm_collect_samples(vm->kvm, vm->knobs.sample_period,
					 vm->knobs.sample_seed, &samples, &nr,
					 &guest_pages, &period, &gen);
	if (ret) {
		msched_sample_charge_end(memcg, old_memcg);
		return ret;
	}

	/* Room for memslots to grow a little before a full rebuild. */
	max_slots = nr + nr / 4 + 64;
	vm->lru_mem = msched_fallible(kvzalloc(msched_lru_mem_bytes(max_slots),
					       GFP_KERNEL_ACCOUNT));
	vm->mrc_mem = msched_fallible(kvzalloc(
			msched_mrc_mem_bytes(MSCHED_MRC_BUCKETS),
			GFP_KERNEL_ACCOUNT));
	vm->free_slots = msched_fallible(kvmalloc_array(max_slots, sizeof(u32),
							GFP_KERNEL_ACCOUNT));
	msched_sample_charge_end(memcg, old_memcg);
	vm->samples = samples;
	if (!vm->lru_mem || !vm->mrc_mem || !vm->free_slots) {
		msched_sample_free(vm);
		return -ENOMEM;
	}
	bucket_pages = max_t(u64, 1, DIV_ROUND_UP(guest_pages, MSCHED_MRC_BUCKETS));
	if (msched_lru_init(&vm->lru, vm->lru_mem, max_slots) ||
	    msched_mrc_init(&vm->mrc, vm->mrc_mem, MSCHED_MRC_BUCKETS, bucket_pages)) {
		msched_sample_free(vm);
		return -EINVAL;
	}
	for (i = 0; i < nr; i++)
		samples[i].slot = i;
	vm->nr_free_slots = 0;
	for (i = max_slots; i > nr; i--)
		vm->free_slots[vm->nr_free_slots++] = i - 1;

	vm->nr_samples = nr;
	vm->guest_pages = guest_pages;
	vm->period_eff = period;
	vm->memslots_gen = gen;
	vm->scan_cursor = 0;
	msched_sample_account(vm, msched_sample_bytes(vm));
	return 0;
}

/**
 * msched_sample_setup() - default knobs and initial sampling state of a VM.
 * @vm: a VM being attached (claimed by the attach; its directory does not
 *	exist yet).
 *
 * Context: process context, may sleep; takes @vm->lock (and kvm->srcu
 * inside it). The caller holds no memsched lock.
 * Return: 0 or -ENOMEM.
 */
int msched_sample_setup(struct msched_vm *vm)
{
	int ret;

	mutex_lock(&vm->lock);
	vm->knobs = msched_default_knobs;
	ret = __msched_sample_build(vm);
	if (!ret)
		__msched_sample_snapshot(vm);
	mutex_unlock(&vm->lock);
	return ret;
}

/**
 * msched_sample_teardown() - free a VM's sampling state.
 * @vm: a VM whose scan work is no longer running.
 *
 * Context: process context.
 */
void msched_sample_teardown(struct msched_vm *vm)
{
	msched_sample_free(vm);
}

/**
 * __msched_sample_reset() - drop all sampling history and rebuild the sample
 * set with the current knobs (after sample_period or sample_seed changed).
 * @vm: an attached VM.
 *
 * Context: process context, may sleep; caller holds @vm->lock.
 * Return: 0 or -ENOMEM (the VM then has no samples until the next reset).
 */
int __msched_sample_reset(struct msched_vm *vm)
{
	int ret;

	lockdep_assert_held(&vm->lock);
	msched_sample_free(vm);
	memset(&vm->stats, 0, sizeof(vm->stats));
	ret = __msched_sample_build(vm);
	vm->nr_priming = vm->nr_samples;
	__msched_sample_snapshot(vm);
	return ret;
}

/*
 * The memslots changed: re-list the sampled frames and carry the LRU state of
 * frames that are still there, so that QEMU remapping a BAR does not wipe a
 * VM's history. Falls back to a full reset when the new set does not fit.
 */
static int __msched_sample_rebuild(struct msched_vm *vm)
{
	struct msched_sample *new, *old = vm->samples;
	struct mem_cgroup *memcg, *old_memcg;
	u64 guest_pages, gen, bucket_pages, period;
	u32 nr, i = 0, j = 0;
	int ret;

	lockdep_assert_held(&vm->lock);
	memcg = msched_sample_charge_begin(vm, &old_memcg);
	ret = msched_kvm_collect_samples(vm->kvm, vm->knobs.sample_period,
					 vm->knobs.sample_seed, &new, &nr,
					 &guest_pages, &period, &gen);
	msched_sample_charge_end(memcg, old_memcg);
	if (ret)
		return ret;
	bucket_pages = max_t(u64, 1, DIV_ROUND_UP(guest_pages, MSCHED_MRC_BUCKETS));
	/* Another period samples other frames: nothing to carry over. */
	if (nr > vm->lru.max_slots || bucket_pages != vm->mrc.bucket_pages ||
	    period != vm->period_eff) {
		kvfree(new);
		return __msched_sample_reset(vm);
	}

	/* Both lists are sorted by gfn: merge. */
	while (i < vm->nr_samples || j < nr) {
		if (!((i + j) & 4095))
			cond_resched();
		if (j == nr || (i < vm->nr_samples && old[i].gfn < new[j].gfn)) {
			msched_lru_forget(&vm->lru, old[i].slot);
			vm->free_slots[vm->nr_free_slots++] = old[i].slot;
			i++;
		} else if (i == vm->nr_samples || new[j].gfn < old[i].gfn) {
			new[j++].slot = U32_MAX;	/* assigned below */
		} else {
			new[j].slot = old[i].slot;
			new[j++].retrace_scan = old[i++].retrace_scan;
		}
	}
	for (j = 0; j < nr; j++) {
		if (new[j].slot != U32_MAX)
			continue;
		if (WARN_ON_ONCE(!vm->nr_free_slots)) {
			kvfree(new);
			return __msched_sample_reset(vm);
		}
		new[j].slot = vm->free_slots[--vm->nr_free_slots];
	}
	kvfree(old);
	vm->samples = new;
	vm->nr_samples = nr;
	vm->guest_pages = guest_pages;
	vm->memslots_gen = gen;
	vm->scan_cursor = 0;
	vm->stats.nr_rebuilds++;
	msched_sample_account(vm, msched_sample_bytes(vm));
	trace_msched_rebuild(vm->pid, gen, guest_pages, nr);
	return 0;
}

/* One pass over the sampled pages, within the CPU quota. */
static void __msched_sample_scan(struct msched_vm *vm)
{
	const struct msched_knobs *k = &vm->knobs;
	u64 start = ktime_get_ns(), budget_ns, scan, pos, dur;
	u32 n = vm->nr_samples, i, idx = 0, nr_scanned = 0, nr_young = 0;
	bool truncated = false;

	lockdep_assert_held(&vm->lock);
	/* cpu_quota_ms of CPU per second of wall time, per scan interval. */
	budget_ns = (u64)k->cpu_quota_ms * k->scan_interval_ms * NSEC_PER_USEC;
	scan = msched_lru_batch_begin(&vm->lru);

	for (i = 0; i < n; i++) {
		struct msched_sample *s;

		idx = vm->scan_cursor + i;
		if (idx >= n)
			idx -= n;
		s = &vm->samples[idx];
		if (s->retrace_scan) {
			if (scan < s->retrace_scan)
				continue;
			/* Re-arm: accesses while untraced are not timed. */
			msched_kvm_age_page(vm->kvm, s->hva);
			s->retrace_scan = 0;
			continue;
		}
		nr_scanned++;
		if (vm->nr_priming) {
			msched_kvm_age_page(vm->kvm, s->hva);	/* re-arm only */
			vm->nr_priming--;
		} else if (msched_kvm_age_page(vm->kvm, s->hva)) {
			nr_young++;
			pos = msched_lru_access(&vm->lru, s->slot);
			msched_mrc_add(&vm->mrc, pos,
				       (u32)min_t(u64, vm->period_eff, U32_MAX));
			if (k->untrace_scans)
				s->retrace_scan = scan + k->untrace_scans;
		}
		if ((i & 63) == 63) {
			if (ktime_get_ns() - start > budget_ns) {
				truncated = true;
				break;
			}
			cond_resched();
		}
	}
	/* A truncated scan resumes where it stopped, so no page starves. */
	vm->scan_cursor = truncated ? idx + 1 : 0;
	if (vm->scan_cursor >= n)
		vm->scan_cursor = 0;

	if (k->mrc_decay_scans && !(scan % k->mrc_decay_scans))
		msched_mrc_decay(&vm->mrc);

	__msched_sample_snapshot(vm);
	dur = ktime_get_ns() - start;
	vm->stats.nr_scans++;
	vm->stats.nr_truncated_scans += truncated;
	vm->stats.nr_pages_scanned += nr_scanned;
	vm->stats.nr_young += nr_young;
	vm->stats.scan_ns_total += dur;
	vm->stats.last_scan_ns = dur;
	trace_msched_scan(vm->pid, scan, nr_scanned, nr_young, dur, truncated);
}

/**
 * msched_sample_work() - the periodic scan of one VM.
 * @work: &msched_vm.scan_work.
 *
 * Context: workqueue (msched_wq); takes vm->lock.
 */
void msched_sample_work(struct work_struct *work)
{
	struct msched_vm *vm = container_of(to_delayed_work(work),
					    struct msched_vm, scan_work);

	mutex_lock(&vm->lock);
	if (READ_ONCE(vm->dead))
		goto out_unlock;
	/* No sampling state left after a failed rebuild: try again. */
	if (!vm->lru_mem && __msched_sample_reset(vm))
		goto out_requeue;
	if (msched_kvm_memslots_gen(vm->kvm) != vm->memslots_gen &&
	    __msched_sample_rebuild(vm))
		goto out_requeue;
	__msched_sample_scan(vm);
out_requeue:
	if (!vm->lru_mem)
		pr_warn_ratelimited("pid %d: out of memory for the sample set, retrying\n",
				    vm->pid);
	queue_delayed_work(msched_wq, &vm->scan_work,
			   msecs_to_jiffies(vm->knobs.scan_interval_ms));
out_unlock:
	mutex_unlock(&vm->lock);
}

/**
 * __msched_sample_snapshot() - recompute @vm->snap: usage classes, page ages
 * and working set, scaled from the sampled pages to all guest pages (the
 * class counts add up exactly to the guest's pages).
 * @vm: an attached VM.
 *
 * Context: process context, may sleep; caller holds @vm->lock.
 */
void __msched_sample_snapshot(struct msched_vm *vm)
{
	struct msched_class *c = &vm->snap;
	struct msched_class_params p = {
		.now_scan = msched_lru_cur_batch(&vm->lru),
		.total_pages = vm->guest_pages,
		.active_scans = vm->knobs.active_scans,
		.idle_scans = vm->knobs.idle_scans,
		.wss_scans = vm->knobs.wss_scans,
	};
	u32 i;

	lockdep_assert_held(&vm->lock);
	msched_class_init(c, &p);
	if (vm->lru_mem)
		for (i = 0; i < vm->nr_samples; i++) {
			msched_class_add(c, msched_lru_slot_batch(&vm->lru,
								  vm->samples[i].slot));
			if ((i & 4095) == 4095)
				cond_resched();
		}
	msched_class_finalize(c);
}
