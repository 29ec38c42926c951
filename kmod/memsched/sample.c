// SPDX-License-Identifier: GPL-2.0
/*
 * memsched: the sampling scanner.
 *
 * Follows "Efficient online construction of miss rate curves"
 * with SHARDS-style spatial sampling: one frame in every block of
 * sample_period frames, at an offset picked by a hash of the block (kvm.c).
 * Where KVM maps guest RAM with 2 MiB entries, one accessed bit answers for
 * 2 MiB: there a sample is a whole 2 MiB region (the sampling granularity,
 * sample_granularity_pages), young if any of its pages was accessed, and
 * the estimates come in multiples of it.
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
#include "access.h"
#include "sample.h"
#include "trace.h"

static const struct msched_knobs msched_default_knobs = {
	.sample_period = 16,
	.sample_granularity_pages = 0,
	.sample_seed = 0,
	.scan_interval_ms = 1000,
	.cpu_quota_ms = 100,
	.untrace_scans = 0,
	.active_scans = 2,
	.idle_scans = 30,
	.wss_scans = 5,
	.mrc_decay_scans = 0,
};

/* Bytes of sampling state of all VMs; returns to zero when all is freed. */
atomic64_t msched_live_bytes = ATOMIC64_INIT(0);

/* Keep msched_live_bytes equal to what the sampling state holds. */
static void msched_sample_account(struct msched_sampler *s, size_t bytes)
{
	atomic64_add((s64)bytes - (s64)s->state_bytes, &msched_live_bytes);
	s->state_bytes = bytes;
}

static size_t msched_sample_bytes(struct msched_sampler *s)
{
	return (size_t)s->nr_samples * sizeof(*s->samples) +
	       (s->lru_mem ? msched_lru_mem_bytes(s->lru.max_slots) : 0) +
	       (s->mrc_mem ? msched_mrc_mem_bytes(s->mrc.nr_buckets) : 0) +
	       (s->free_slots ? (size_t)s->lru.max_slots * sizeof(u32) : 0);
}

/* Free everything the sampling state owns; leaves knobs and stats alone. */
static void msched_sample_free(struct msched_sampler *s)
{
	kvfree(s->samples);
	kvfree(s->free_slots);
	kvfree(s->lru_mem);
	kvfree(s->mrc_mem);
	s->samples = NULL;
	s->free_slots = NULL;
	s->lru_mem = NULL;
	s->mrc_mem = NULL;
	s->nr_samples = 0;
	s->nr_free_slots = 0;
	msched_sample_account(s, 0);
}

/*
 * The sampling state is charged to the VMM's memory cgroup, whether it is
 * built by the attach (the writer's task) or by the scan (a kworker).
 */
static struct mem_cgroup *msched_sample_charge_begin(struct msched_sampler *s,
						     struct mem_cgroup **old)
{
	struct mem_cgroup *memcg = get_mem_cgroup_from_mm(s->vm->mm);

	*old = set_active_memcg(memcg);
	return memcg;
}

static void msched_sample_charge_end(struct mem_cgroup *memcg,
				     struct mem_cgroup *old)
{
	set_active_memcg(old);
	mem_cgroup_put(memcg);
}

/*
 * Pages between two points of the miss-rate curve: 256 buckets over the
 * guest, a multiple of the granularity.
 */
static u64 msched_sample_bucket_pages(u64 guest_pages, u32 gran)
{
	return roundup(max_t(u64, 1, DIV_ROUND_UP(guest_pages,
						  MSCHED_MRC_BUCKETS)), gran);
}

/* The frames of @smp's region: to the next multiple of the granularity. */
static u32 msched_sample_nr(const struct msched_sampler *s,
			    const struct msched_sample *smp)
{
	return s->gran_eff - (u32)(smp->gfn & (s->gran_eff - 1));
}

/* Build the sampling state from scratch with the current knobs. */
static int __msched_sample_build(struct msched_sampler *s)
{
	struct mem_cgroup *memcg, *old_memcg;
	struct msched_sample *samples;
	u64 guest_pages, gen, bucket_pages, period;
	u32 nr, max_slots, i, gran;
	int ret;

	lockdep_assert_held(&s->lock);
	memcg = msched_sample_charge_begin(s, &old_memcg);
	ret = msched_kvm_collect_samples(s->vm->kvm, s->knobs.sample_period,
					 s->knobs.sample_granularity_pages,
					 s->knobs.sample_seed, &samples, &nr,
					 &guest_pages, &period, &gran, &gen);
	if (ret) {
		msched_sample_charge_end(memcg, old_memcg);
		return ret;
	}

	/* Room for memslots to grow a little before a full rebuild. */
	max_slots = nr + nr / 4 + 64;
	s->lru_mem = msched_fallible(kvzalloc(msched_lru_mem_bytes(max_slots),
					       GFP_KERNEL_ACCOUNT));
	s->mrc_mem = msched_fallible(kvzalloc(
			msched_mrc_mem_bytes(MSCHED_MRC_BUCKETS),
			GFP_KERNEL_ACCOUNT));
	s->free_slots = msched_fallible(kvmalloc_array(max_slots, sizeof(u32),
							GFP_KERNEL_ACCOUNT));
	msched_sample_charge_end(memcg, old_memcg);
	s->samples = samples;
	if (!s->lru_mem || !s->mrc_mem || !s->free_slots) {
		msched_sample_free(s);
		return -ENOMEM;
	}
	bucket_pages = msched_sample_bucket_pages(guest_pages, gran);
	if (msched_lru_init(&s->lru, s->lru_mem, max_slots) ||
	    msched_mrc_init(&s->mrc, s->mrc_mem, MSCHED_MRC_BUCKETS, bucket_pages)) {
		msched_sample_free(s);
		return -EINVAL;
	}
	for (i = 0; i < nr; i++)
		samples[i].slot = i;
	s->nr_free_slots = 0;
	for (i = max_slots; i > nr; i--)
		s->free_slots[s->nr_free_slots++] = i - 1;

	s->nr_samples = nr;
	s->guest_pages = guest_pages;
	s->period_eff = period;
	if (gran != s->gran_eff)
		trace_msched_sample_granularity(s->vm->pid,
						s->knobs.sample_granularity_pages,
						gran, period, nr);
	s->gran_eff = gran;
	s->memslots_gen = gen;
	s->scan_cursor = 0;
	msched_sample_account(s, msched_sample_bytes(s));
	return 0;
}

/**
 * __msched_sample_reset() - drop all sampling history and rebuild the sample
 * set with the current knobs (after sample_period, sample_seed or
 * sample_granularity_pages changed).
 * @s: the sampler of an attached VM.
 *
 * Context: process context, may sleep; caller holds @s->lock.
 * Return: 0 or -ENOMEM (the VM then has no samples until the next reset).
 */
int __msched_sample_reset(struct msched_sampler *s)
{
	int ret;

	lockdep_assert_held(&s->lock);
	msched_sample_free(s);
	memset(&s->stats, 0, sizeof(s->stats));
	ret = __msched_sample_build(s);
	s->nr_priming = s->nr_samples;
	__msched_sample_snapshot(s);
	return ret;
}

/*
 * The memslots changed: re-list the sampled frames and carry the LRU state of
 * frames that are still there, so that QEMU remapping a BAR does not wipe a
 * VM's history. Falls back to a full reset when the new set does not fit.
 */
static int __msched_sample_rebuild(struct msched_sampler *s)
{
	struct msched_sample *new, *old = s->samples;
	struct mem_cgroup *memcg, *old_memcg;
	u64 guest_pages, gen, bucket_pages, period;
	u32 nr, i = 0, j = 0, gran;
	int ret;

	lockdep_assert_held(&s->lock);
	memcg = msched_sample_charge_begin(s, &old_memcg);
	ret = msched_kvm_collect_samples(s->vm->kvm, s->knobs.sample_period,
					 s->knobs.sample_granularity_pages,
					 s->knobs.sample_seed, &new, &nr,
					 &guest_pages, &period, &gran, &gen);
	msched_sample_charge_end(memcg, old_memcg);
	if (ret)
		return ret;
	bucket_pages = msched_sample_bucket_pages(guest_pages, gran);
	/*
	 * Another period or granularity samples other frames (or regions):
	 * nothing to carry over.
	 */
	if (nr > s->lru.max_slots || bucket_pages != s->mrc.bucket_pages ||
	    period != s->period_eff || gran != s->gran_eff) {
		kvfree(new);
		return __msched_sample_reset(s);
	}

	/* Both lists are sorted by gfn: merge. */
	while (i < s->nr_samples || j < nr) {
		if (!((i + j) & 4095))
			cond_resched();
		if (j == nr || (i < s->nr_samples && old[i].gfn < new[j].gfn)) {
			msched_lru_forget(&s->lru, old[i].slot);
			s->free_slots[s->nr_free_slots++] = old[i].slot;
			i++;
		} else if (i == s->nr_samples || new[j].gfn < old[i].gfn) {
			new[j++].slot = U32_MAX;	/* assigned below */
		} else {
			new[j].slot = old[i].slot;
			new[j++].retrace_scan = old[i++].retrace_scan;
		}
	}
	for (j = 0; j < nr; j++) {
		if (new[j].slot != U32_MAX)
			continue;
		if (WARN_ON_ONCE(!s->nr_free_slots)) {
			kvfree(new);
			return __msched_sample_reset(s);
		}
		new[j].slot = s->free_slots[--s->nr_free_slots];
	}
	kvfree(old);
	s->samples = new;
	s->nr_samples = nr;
	s->guest_pages = guest_pages;
	s->memslots_gen = gen;
	s->scan_cursor = 0;
	s->stats.nr_rebuilds++;
	msched_sample_account(s, msched_sample_bytes(s));
	trace_msched_rebuild(s->vm->pid, gen, guest_pages, nr);
	return 0;
}

/* One pass over the sampled pages, within the CPU quota. */
static void __msched_sample_scan(struct msched_sampler *s)
{
	const struct msched_knobs *k = &s->knobs;
	u64 start = ktime_get_ns(), budget_ns, scan, pos, dur;
	u32 n = s->nr_samples, i, idx = 0, nr_scanned = 0, nr_young = 0;
	bool truncated = false;

	lockdep_assert_held(&s->lock);
	/* cpu_quota_ms of CPU per second of wall time, per scan interval. */
	budget_ns = (u64)k->cpu_quota_ms * k->scan_interval_ms * NSEC_PER_USEC;
	scan = msched_lru_batch_begin(&s->lru);

	for (i = 0; i < n; i++) {
		struct msched_sample *smp;

		idx = s->scan_cursor + i;
		if (idx >= n)
			idx -= n;
		smp = &s->samples[idx];
		if (smp->retrace_scan) {
			if (scan < smp->retrace_scan)
				continue;
			/* Re-arm: accesses while untraced are not timed. */
			msched_access_young(s->src, smp->hva >> PAGE_SHIFT,
					    msched_sample_nr(s, smp));
			smp->retrace_scan = 0;
			continue;
		}
		nr_scanned++;
		if (s->nr_priming) {
			/* re-arm only */
			msched_access_young(s->src, smp->hva >> PAGE_SHIFT,
					    msched_sample_nr(s, smp));
			s->nr_priming--;
		} else if (msched_access_young(s->src, smp->hva >> PAGE_SHIFT,
					       msched_sample_nr(s, smp))) {
			nr_young++;
			pos = msched_lru_access(&s->lru, smp->slot);
			msched_mrc_add(&s->mrc, pos,
				       (u32)min_t(u64, s->period_eff, U32_MAX));
			if (k->untrace_scans)
				smp->retrace_scan = scan + k->untrace_scans;
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
	s->scan_cursor = truncated ? idx + 1 : 0;
	if (s->scan_cursor >= n)
		s->scan_cursor = 0;

	if (k->mrc_decay_scans && !(scan % k->mrc_decay_scans))
		msched_mrc_decay(&s->mrc);

	__msched_sample_snapshot(s);
	dur = ktime_get_ns() - start;
	s->stats.nr_scans++;
	s->stats.nr_truncated_scans += truncated;
	s->stats.nr_pages_scanned += nr_scanned;
	s->stats.nr_young_pages += nr_young;
	s->stats.nr_scan_ns += dur;
	s->last_scan_ns = dur;
	trace_msched_scan(s->vm->pid, scan, nr_scanned, nr_young, dur, truncated,
			  s->snap.wss_pages);
}

/* The periodic scan of one VM, on msched_wq; takes s->lock. */
static void msched_sample_work(struct work_struct *work)
{
	struct msched_sampler *s = container_of(to_delayed_work(work),
						struct msched_sampler,
						scan_work);

	mutex_lock(&s->lock);
	if (READ_ONCE(s->vm->dead))
		goto out_unlock;
	/* No sampling state left after a failed rebuild: try again. */
	if (!s->lru_mem && __msched_sample_reset(s))
		goto out_requeue;
	if (msched_kvm_memslots_gen(s->vm->kvm) != s->memslots_gen &&
	    __msched_sample_rebuild(s))
		goto out_requeue;
	__msched_sample_scan(s);
out_requeue:
	if (!s->lru_mem)
		pr_warn_ratelimited("pid %d: out of memory for the sample set, retrying\n",
				    s->vm->pid);
	queue_delayed_work(msched_wq, &s->scan_work,
			   msecs_to_jiffies(s->knobs.scan_interval_ms));
out_unlock:
	mutex_unlock(&s->lock);
}

/**
 * __msched_sample_snapshot() - recompute @s->snap: usage classes, page ages
 * and working set, scaled from the sampled pages to all guest pages (the
 * class counts add up exactly to the guest's pages), in multiples of the
 * sampling granularity.
 * @s: the sampler of an attached VM.
 *
 * The class thresholds are checked here, where they are used, not when
 * they are written: while active_scans is not below idle_scans, the
 * estimates stay as they were, stats/nr_knob_conflicts counts the skipped
 * refreshes and one (rate-limited) line says why. So knobs can be written
 * in any order.
 *
 * Context: process context, may sleep; caller holds @s->lock.
 */
void __msched_sample_snapshot(struct msched_sampler *s)
{
	struct msched_class *c = &s->snap;
	struct msched_class_params p = {
		.now_scan = msched_lru_cur_batch(&s->lru),
		.total_pages = s->guest_pages,
		.active_scans = s->knobs.active_scans,
		.idle_scans = s->knobs.idle_scans,
		.wss_scans = s->knobs.wss_scans,
		.unit = s->gran_eff,
	};
	u32 i;

	lockdep_assert_held(&s->lock);
	if (p.active_scans >= p.idle_scans) {
		s->stats.nr_knob_conflicts++;
		trace_msched_knob_conflict(s->vm->pid, p.active_scans,
					   p.idle_scans);
		pr_info_ratelimited("pid %d: active_scans (%llu) must be below idle_scans (%llu); estimates not refreshed until it is\n",
				    s->vm->pid, p.active_scans, p.idle_scans);
		return;
	}
	msched_class_init(c, &p);
	if (s->lru_mem)
		for (i = 0; i < s->nr_samples; i++) {
			msched_class_add(c, msched_lru_slot_batch(&s->lru,
								  s->samples[i].slot));
			if ((i & 4095) == 4095)
				cond_resched();
		}
	msched_class_finalize(c);
}

/**
 * msched_sample_read() - a VM's estimates, as the scheduler uses them.
 * @vm: an attached VM (between the sampler's attach and detach).
 * @v: filled in.
 * @ppm: where the miss-rate curve goes (miss ratio in ppm at k *
 *	@v->mrc_step_pages pages, k = 0 ..), or NULL.
 * @nr_points: room in @ppm.
 *
 * Context: process context, may sleep; takes the sampler's lock.
 */
void msched_sample_read(struct msched_vm *vm, struct msched_sample_view *v,
			u32 *ppm, u32 nr_points)
{
	struct msched_sampler *s = msched_vm_feature(vm, MSCHED_FEAT_SAMPLE);

	mutex_lock(&s->lock);
	v->guest_pages = s->guest_pages;
	v->wss_pages = s->snap.wss_pages;
	v->nr_scans = s->stats.nr_scans;
	v->wss_scans = s->knobs.wss_scans;
	v->nr_young_pages = s->stats.nr_young_pages;
	v->period = s->period_eff;
	v->mrc_step_pages = s->mrc.bucket_pages;
	v->nr_points = 0;
	if (ppm && s->mrc_mem && s->mrc.nr_refs)
		v->nr_points = msched_mrc_curve(&s->mrc, ppm, nr_points);
	mutex_unlock(&s->lock);
}

/**
 * msched_sample_attach() - give a VM being attached its sampler: default
 * knobs and the first sample set.
 * @vm: the VM (not yet visible).
 *
 * Context: process context, may sleep; takes the sampler's lock (and
 * kvm->srcu inside it).
 * Return: 0 or -ENOMEM.
 */
int msched_sample_attach(struct msched_vm *vm)
{
	struct msched_sampler *s;
	int ret;

	s = msched_fallible(kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT));
	if (!s)
		return -ENOMEM;
	s->vm = vm;
	s->src = msched_vm_access(vm);
	mutex_init(&s->lock);
	INIT_DELAYED_WORK(&s->scan_work, msched_sample_work);
	mutex_lock(&s->lock);
	s->knobs = msched_default_knobs;
	ret = __msched_sample_build(s);
	if (!ret)
		__msched_sample_snapshot(s);
	mutex_unlock(&s->lock);
	if (ret) {
		kfree(s);
		return ret;
	}
	msched_vm_set_feature(vm, MSCHED_FEAT_SAMPLE, s);
	trace_msched_sample_attach(vm->pid, s->guest_pages, s->nr_samples,
				   s->period_eff);
	pr_info("pid %d: sampling %llu guest pages, %u sampled (1/%llu, %u-page regions)\n",
		vm->pid, s->guest_pages, s->nr_samples, s->period_eff,
		s->gran_eff);
	return 0;
}

/**
 * msched_sample_start() - start scanning a VM that is now complete.
 * @vm: the VM.
 *
 * Context: process context.
 */
void msched_sample_start(struct msched_vm *vm)
{
	struct msched_sampler *s = msched_vm_feature(vm, MSCHED_FEAT_SAMPLE);

	queue_delayed_work(msched_wq, &s->scan_work, 0);
}

/**
 * msched_sample_detach() - stop scanning a VM and free its sampler.
 * @vm: the VM, whose sysfs files are gone.
 *
 * Context: process context, may sleep (waits for a scan in progress).
 */
void msched_sample_detach(struct msched_vm *vm)
{
	struct msched_sampler *s = msched_vm_feature(vm, MSCHED_FEAT_SAMPLE);

	cancel_delayed_work_sync(&s->scan_work);
	msched_sample_free(s);
	mutex_destroy(&s->lock);
	kfree(s);
	msched_vm_set_feature(vm, MSCHED_FEAT_SAMPLE, NULL);
}
