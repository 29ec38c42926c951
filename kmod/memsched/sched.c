// SPDX-License-Identifier: GPL-2.0
/*
 * memsched scheduler: the period. Every period_ms, while enabled, it reads
 * each attached VM (its size, the pages it holds, its active pages and
 * miss-rate curve from the sampler), divides the pool with lib/msched_alloc
 * (policy shares or mrc), and has sched_act.c move each VM toward its
 * target. One work item on msched_wq runs it, under msched_sched_lock,
 * which also guards every VM's state (struct msched_sched_vm), the knobs
 * and the counters. A VM's state is created at attach and freed at detach
 * under the same lock, so a VM that exits mid-period leaves nothing
 * behind: detach waits for the period.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "sched.h"
#include "sample.h"
#include "trace.h"

DEFINE_MUTEX(msched_sched_lock);
LIST_HEAD(msched_sched_vms);

struct msched_sched_knobs msched_sched_knobs = {
	.enabled = false,
	.policy = MSCHED_ALLOC_SHARES,
	.period_ms = 1000,
	.pool_pages = 0,		/* auto */
	.idle_tax_pct = 75,
	.min_step_pages = 1024,
	.rate_limit_mib_per_s = 256,
	.balloon_timeout_ms = 30000,	/* a nested guest may take ~20 s to start */
};

struct msched_sched_stats msched_sched_stats;

static struct delayed_work msched_sched_work;
static bool msched_sched_stopping;

/* Points of a miss-rate curve the scheduler reads (the sampler's buckets). */
#define MSCHED_SCHED_POINTS	(MSCHED_MRC_BUCKETS + 1)

/**
 * msched_sched_auto_pool() - the pool when pool_pages is auto: the memory
 * of the host's nodes with CPUs (DRAM; PMEM onlined as a CPU-less node is
 * not pooled), less a reserve for the host of one eighth, at least 64 MiB.
 *
 * Context: any.
 * Return: pages.
 */
u64 msched_sched_auto_pool(void)
{
	u64 dram = 0, reserve;
	int nid, z;

	for_each_node_state(nid, N_MEMORY) {
		if (!node_state(nid, N_CPU))
			continue;
		for (z = 0; z < MAX_NR_ZONES; z++)
			dram += zone_managed_pages(&NODE_DATA(nid)->node_zones[z]);
	}
	if (!dram)
		dram = totalram_pages();
	reserve = max_t(u64, dram / 8, (64ULL << 20) >> PAGE_SHIFT);
	return dram > reserve ? dram - reserve : 0;
}

/**
 * msched_sched_pool() - the pool in effect.
 *
 * Context: msched_sched_lock held.
 * Return: pages.
 */
u64 msched_sched_pool(void)
{
	lockdep_assert_held(&msched_sched_lock);
	return msched_sched_knobs.pool_pages ?: msched_sched_auto_pool();
}

/**
 * msched_sched_min_sum() - the reservations of the attached VMs.
 * @except: a VM to leave out, or NULL.
 *
 * Context: msched_sched_lock held.
 * Return: the sum of their min_pages.
 */
u64 msched_sched_min_sum(const struct msched_sched_vm *except)
{
	struct msched_sched_vm *sv;
	u64 sum = 0;

	lockdep_assert_held(&msched_sched_lock);
	list_for_each_entry(sv, &msched_sched_vms, node)
		if (sv != except)
			sum += sv->min_pages;
	return sum;
}

/*
 * One VM's inputs: size, pages held, active pages, miss curve. Until the
 * sampler's history covers the working set's window (after attach, or a
 * reset that wiped it: a change of sample_period, sample_seed or
 * granularity), its estimate is not ready: every page it holds counts as
 * active and it gets no curve, so it keeps its share without the idle tax
 * instead of looking idle. Counted per period, traced when it changes.
 */
static void sched_observe(struct msched_sched_vm *sv, u64 period,
			  struct msched_alloc_vm *a, u32 *ppm, u64 *miss)
{
	struct msched_sample_view v;
	u64 young, scans, refs, measured;
	bool ready, first = !sv->seen;
	u32 i;

	msched_sample_read(sv->vm, &v, ppm, MSCHED_SCHED_POINTS);
	sv->guest_pages = v.guest_pages;
	sv->actual_dram_pages = msched_sched_actual(sv, v.guest_pages);
	/* A reset of the sampler's counters starts the deltas again. */
	if (v.nr_scans < sv->last_scans || v.nr_young_pages < sv->last_young)
		sv->last_scans = sv->last_young = 0;
	scans = v.nr_scans - sv->last_scans;
	young = v.nr_young_pages - sv->last_young;
	/* The first look has no period to count over: no curve yet. */
	if (!sv->seen)
		scans = 0;
	sv->seen = true;
	sv->last_scans = v.nr_scans;
	sv->last_young = v.nr_young_pages;
	ready = msched_alloc_estimate_ready(v.nr_scans, v.wss_scans);
	if (first || ready != sv->estimate_ready)
		trace_msched_sched_estimate(sv->vm->pid, period, ready,
					    v.nr_scans, v.wss_scans,
					    v.wss_pages);
	sv->estimate_ready = ready;
	if (!ready)
		sv->stats.nr_unready_periods++;
	measured = ready ? v.wss_pages : sv->actual_dram_pages;
	sv->active_pages = msched_alloc_smooth_active(sv->active_pages, measured);

	*a = (struct msched_alloc_vm) {
		.shares = sv->shares,
		.max_pages = min(sv->max_pages, sv->guest_pages),
		.active_pages = sv->active_pages,
	};
	a->min_pages = min(sv->min_pages, a->max_pages);
	/*
	 * The VM's access rate: sampled pages found young per scan this
	 * period, times the pages each sample stands for. Per scan, so a VM
	 * scanned more often does not weigh more.
	 */
	refs = scans ? div64_u64(young * v.period, scans) : 0;
	if (!ready || v.nr_points < 2 || !refs)
		return;
	for (i = 0; i < v.nr_points; i++)
		miss[i] = min_t(u64, MSCHED_ALLOC_MISS_MAX,
				mul_u64_u32_div(refs, ppm[i], MSCHED_PPM_ONE));
	a->miss = miss;
	a->nr_miss = v.nr_points;
	a->miss_step_pages = max_t(u64, 1, v.mrc_step_pages);
}

/*
 * A VM takes part once complete, and no longer once its teardown began;
 * decided once per period (teardown sets dead without our lock).
 */
static bool sched_in_period(const struct msched_sched_vm *sv)
{
	return sv->in_period;
}

static void sched_period(void)
{
	struct msched_sched_knobs *k = &msched_sched_knobs;
	struct msched_alloc_params p = {
		.idle_tax_pct = k->idle_tax_pct,
		.policy = k->policy,
	};
	struct msched_alloc_vm *avm = NULL;
	struct msched_sched_vm *sv;
	u32 nr = 0, i = 0, *ppm = NULL;
	u64 *miss = NULL, sum = 0, period;
	void *scratch = NULL;
	int ret = 0;

	lockdep_assert_held(&msched_sched_lock);
	period = ++msched_sched_stats.nr_periods;
	p.pool_pages = msched_sched_pool();
	list_for_each_entry(sv, &msched_sched_vms, node) {
		sv->in_period = sv->live && !READ_ONCE(sv->vm->dead);
		nr += sv->in_period;
	}
	if (!nr)
		goto out_trace;
	avm = msched_fallible(kvcalloc(nr, sizeof(*avm), GFP_KERNEL));
	ppm = msched_fallible(kvmalloc_array(MSCHED_SCHED_POINTS, sizeof(*ppm),
					     GFP_KERNEL));
	miss = msched_fallible(kvmalloc_array((size_t)nr * MSCHED_SCHED_POINTS,
					      sizeof(*miss), GFP_KERNEL));
	if (!avm || !ppm || !miss) {
		ret = -ENOMEM;
		goto out_free;
	}
	list_for_each_entry(sv, &msched_sched_vms, node) {
		if (!sched_in_period(sv))
			continue;
		sched_observe(sv, period, &avm[i], ppm,
			      miss + (size_t)i * MSCHED_SCHED_POINTS);
		i++;
	}
	scratch = msched_fallible(kvmalloc(max_t(size_t, 1,
					msched_alloc_mem_bytes(avm, nr)), GFP_KERNEL));
	if (!scratch) {
		ret = -ENOMEM;
		goto out_free;
	}
	ret = msched_alloc(&p, avm, nr, scratch);
	if (ret < 0) {
		pr_warn_ratelimited("scheduler: the allocator refused this period's inputs (error %d); nothing moved\n",
				    ret);
		goto out_free;
	}
	if (ret == MSCHED_ALLOC_OVERCOMMITTED)
		msched_sched_stats.nr_overcommitted_periods++;
	i = 0;
	list_for_each_entry(sv, &msched_sched_vms, node) {
		if (!sched_in_period(sv))
			continue;
		sv->target_dram_pages = avm[i++].target_pages;
		sum += sv->target_dram_pages;
	}
out_trace:
	trace_msched_sched_period(period, k->policy == MSCHED_ALLOC_MRC ?
				  "mrc" : "shares", nr, p.pool_pages, sum,
				  ret == MSCHED_ALLOC_OVERCOMMITTED);
	list_for_each_entry(sv, &msched_sched_vms, node)
		if (sched_in_period(sv))
			msched_sched_act(sv, period, k, &msched_sched_stats);
out_free:
	if (ret == -ENOMEM)
		pr_warn_ratelimited("scheduler: out of memory for a period; nothing moved\n");
	kvfree(scratch);
	kvfree(miss);
	kvfree(ppm);
	kvfree(avm);
}

static void msched_sched_workfn(struct work_struct *work)
{
	mutex_lock(&msched_sched_lock);
	if (msched_sched_knobs.enabled && !msched_sched_stopping) {
		sched_period();
		queue_delayed_work(msched_wq, &msched_sched_work,
				   msecs_to_jiffies(msched_sched_knobs.period_ms));
	}
	mutex_unlock(&msched_sched_lock);
}

/**
 * msched_sched_kick() - the scheduler was turned on: forget requests of
 * before (their clock stood still) and run a period now. A disabled
 * scheduler's next period finds it disabled and stops.
 *
 * Context: msched_sched_lock held.
 */
void msched_sched_kick(void)
{
	struct msched_sched_vm *sv;

	lockdep_assert_held(&msched_sched_lock);
	if (!msched_sched_knobs.enabled || msched_sched_stopping)
		return;
	list_for_each_entry(sv, &msched_sched_vms, node)
		msched_sched_forget(sv);
	mod_delayed_work(msched_wq, &msched_sched_work, 0);
}

/**
 * msched_sched_off() - the scheduler was turned off: withdraw every VM's
 * request in flight (msched_sched_withdraw()), so that nothing moves after
 * the write returns. The next period finds the scheduler disabled and
 * stops; it cannot run meanwhile (the caller holds msched_sched_lock).
 *
 * Context: process context, may sleep; msched_sched_lock held.
 */
void msched_sched_off(void)
{
	struct msched_sched_vm *sv;

	lockdep_assert_held(&msched_sched_lock);
	list_for_each_entry(sv, &msched_sched_vms, node)
		msched_sched_withdraw(sv, msched_sched_stats.nr_periods);
}

/**
 * msched_sched_vm_attach() - give a VM being attached its scheduler state:
 * default shares, no reservation, no limit, and its target set to what it
 * holds until the first period.
 * @vm: the VM (not yet visible; its balloon and access features are).
 *
 * Context: process context, may sleep; takes msched_sched_lock.
 * Return: 0 or -ENOMEM.
 */
int msched_sched_vm_attach(struct msched_vm *vm)
{
	struct msched_sched_vm *sv;

	sv = msched_fallible(kzalloc(sizeof(*sv), GFP_KERNEL_ACCOUNT));
	if (!sv)
		return -ENOMEM;
	sv->vm = vm;
	sv->shares = MSCHED_SCHED_SHARES_DEFAULT;
	sv->max_pages = MSCHED_SCHED_NO_MAX;
	mutex_lock(&msched_sched_lock);
	sv->guest_pages = msched_kvm_guest_pages(vm->kvm);
	sv->actual_dram_pages = msched_sched_actual(sv, sv->guest_pages);
	sv->target_dram_pages = sv->actual_dram_pages;
	list_add_tail(&sv->node, &msched_sched_vms);
	msched_vm_set_feature(vm, MSCHED_FEAT_SCHED, sv);
	mutex_unlock(&msched_sched_lock);
	return 0;
}

/**
 * msched_sched_vm_start() - the VM is complete: periods take it from now.
 * @vm: the VM.
 *
 * Context: process context; takes msched_sched_lock.
 */
void msched_sched_vm_start(struct msched_vm *vm)
{
	mutex_lock(&msched_sched_lock);
	msched_sched_of(vm)->live = true;
	mutex_unlock(&msched_sched_lock);
}

/**
 * msched_sched_vm_detach() - drop a VM's scheduler state; waits for a
 * period in progress, so nothing of the VM is pending afterwards, and puts
 * back the DRAM budget its RAM file had before the scheduler lowered it
 * (msched_sched_release()).
 * @vm: the VM.
 *
 * Context: process context, may sleep; takes msched_sched_lock.
 */
void msched_sched_vm_detach(struct msched_vm *vm)
{
	struct msched_sched_vm *sv = msched_sched_of(vm);

	mutex_lock(&msched_sched_lock);
	msched_sched_release(sv, msched_sched_stats.nr_periods);
	list_del(&sv->node);
	msched_vm_set_feature(vm, MSCHED_FEAT_SCHED, NULL);
	mutex_unlock(&msched_sched_lock);
	kfree(sv);
}

/**
 * msched_sched_setup() - prepare the period (disabled).
 *
 * Context: module init, after msched_vm_init() (msched_wq).
 */
void msched_sched_setup(void)
{
	INIT_DELAYED_WORK(&msched_sched_work, msched_sched_workfn);
	msched_sched_stopping = false;
}

/**
 * msched_sched_stop() - stop the period for good; waits for one in
 * progress. VMs still attached keep their state until their ->detach.
 *
 * Context: module exit (or failed init), after the files are gone and
 * before msched_vm_exit().
 */
void msched_sched_stop(void)
{
	mutex_lock(&msched_sched_lock);
	msched_sched_stopping = true;
	mutex_unlock(&msched_sched_lock);
	cancel_delayed_work_sync(&msched_sched_work);
}
