// SPDX-License-Identifier: GPL-2.0
/*
 * memschedfs: DRAM <-> PMEM tiering of a file's pages.
 *
 * Accesses come from the file's access source (access.h). By default it is
 * the trap: each scan unmaps every page of the file (one
 * unmap_mapping_pages() call; KVM zaps its SPTEs through its MMU notifier),
 * so the next access to a page, from a process or from a guest, faults
 * into msched_fs_fault(), which sets the page's bit in mf->touched. While
 * the file is the guest RAM of an attached VM, the VM lends it KVM's
 * accessed bits instead (kvm_access.c), and nothing is unmapped. The
 * next scan feeds what the source saw to the policy engine of lib/msched_tier
 * (heat with hysteresis, DRAM budget, token-bucket rate limit) and carries
 * out its plan: demotions to the PMEM node first, then promotions to the
 * DRAM node, each as one batch (fs_move.c). Lock rules: Documentation/design/locking.rst.
 */
#define pr_fmt(fmt) "memschedfs: " fmt

#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/xarray.h>

#include "memsched.h"
#include "fs.h"
#include "trace.h"

/* Heat: a page touched in two scans running is hot; three idle scans cool it. */
#define MSCHED_FS_HEAT_INC	64
#define MSCHED_FS_DECAY_SHIFT	1

/*
 * The heat and the touched bitmap are indexed by page, so they follow the
 * file's size (2 bytes and 1 bit a page), which its owner sets with
 * ftruncate() whatever is resident: tiering handles files up to 64 GiB
 * (34 MiB of state). The scratch arrays of a scan follow the resident
 * pages.
 */
#define MSCHED_FS_TIER_MAX_PAGES	(16U << 20)

static void msched_fs_tier_params(struct msched_file *mf,
				  struct msched_tier_params *p, u32 nr_pages)
{
	memset(p, 0, sizeof(*p));
	p->dram_budget_pages = mf->dram_budget == MSCHED_FS_BUDGET_MAX ?
			       nr_pages : mf->dram_budget;
	p->promote_heat = mf->promote_heat;
	p->demote_heat = mf->demote_heat;
	p->heat_inc = MSCHED_FS_HEAT_INC;
	p->decay_shift = MSCHED_FS_DECAY_SHIFT;
	p->rate_mib_per_s = mf->rate_mib_per_s;
	p->scan_interval_ms = mf->scan_ms;
	p->page_size = PAGE_SIZE;
}

/* Free the scratch arrays of one scan. */
static void msched_fs_tier_free_scratch(struct msched_fs_tierer *tr)
{
	kvfree(tr->pages);
	kvfree(tr->moves);
	kvfree(tr->idx);
	tr->pages = NULL;
	tr->moves = NULL;
	tr->idx = NULL;
}

static void msched_fs_tier_free(struct msched_fs_tierer *tr)
{
	msched_fs_tier_free_scratch(tr);
	kvfree(tr->heat);
	memset(tr, 0, sizeof(*tr));
}

/* Scratch for one scan: room for @nr resident pages. */
static int msched_fs_tier_alloc_scratch(struct msched_fs_tierer *tr, u32 nr)
{
	nr = max(nr, 1U);
	tr->pages = msched_fallible(kvmalloc_array(nr, sizeof(*tr->pages),
						   GFP_KERNEL_ACCOUNT));
	tr->moves = msched_fallible(kvmalloc_array(nr, sizeof(*tr->moves),
						   GFP_KERNEL_ACCOUNT));
	tr->idx = msched_fallible(kvmalloc_array(nr, sizeof(*tr->idx),
						 GFP_KERNEL_ACCOUNT));
	if (!tr->pages || !tr->moves || !tr->idx) {
		msched_fs_tier_free_scratch(tr);
		return -ENOMEM;
	}
	return 0;
}

/* Size the policy state and the touched bitmap for a file of @nr pages. */
static int msched_fs_tier_resize(struct msched_file *mf, u32 nr)
{
	struct msched_fs_tierer *tr = &mf->tier;
	struct msched_tier_params p;
	unsigned long *bits, *old;

	if (nr == tr->nr_pages && tr->heat)
		return 0;
	msched_fs_tier_free(tr);
	if (nr > MSCHED_FS_TIER_MAX_PAGES)
		return -E2BIG;
	tr->heat = msched_fallible(kvmalloc(max_t(u64, msched_tier_mem_bytes(nr),
						  2), GFP_KERNEL_ACCOUNT));
	bits = msched_fallible(kvcalloc(BITS_TO_LONGS(max(nr, 1U)),
					sizeof(long), GFP_KERNEL_ACCOUNT));
	msched_fs_tier_params(mf, &p, nr);
	if (!tr->heat || !bits || msched_tier_init(&tr->t, &p, tr->heat, nr)) {
		kvfree(bits);
		msched_fs_tier_free(tr);
		return -ENOMEM;
	}
	tr->nr_pages = nr;
	spin_lock(&mf->track_lock);
	old = mf->touched;
	mf->touched = bits;
	mf->touched_bits = nr;
	spin_unlock(&mf->track_lock);
	kvfree(old);
	return 0;
}

/* Whether a huge folio holds page @idx now (lockless, a hint). */
static bool msched_fs_is_huge_at(struct msched_file *mf, pgoff_t idx)
{
	struct folio *folio;
	bool huge;

	if (!mf->huge)
		return false;
	rcu_read_lock();
	folio = xa_load(&mf->vfs_inode.i_mapping->i_pages, idx);
	huge = folio && !xa_is_value(folio) && folio_test_large(folio);
	rcu_read_unlock();
	return huge;
}

/*
 * The index that keeps the heat of page @idx: the first index of its 2 MiB
 * range when a huge folio holds it (the scan tests a folio at its first
 * index), else @idx. Lockless: a folio split or freed meanwhile only
 * costs one mark on the range's first index, inside the file.
 */
static pgoff_t msched_fs_heat_index(struct msched_file *mf, pgoff_t idx)
{
	return msched_fs_is_huge_at(mf, idx) ? round_down(idx, MSCHED_FS_HUGE_NR) :
					       idx;
}

/**
 * msched_fs_heat_pages() - the pages whose accesses count for the heat
 * kept at @idx: those of the huge folio starting there, else one.
 * @mf: the file
 * @idx: an index the scan tests (a folio's first index)
 *
 * Context: any; lockless (a folio split meanwhile: one scan looks at a
 * whole 2 MiB range for it).
 * Return: MSCHED_FS_HUGE_NR or 1.
 */
unsigned long msched_fs_heat_pages(struct msched_file *mf, pgoff_t idx)
{
	return !(idx & (MSCHED_FS_HUGE_NR - 1)) && msched_fs_is_huge_at(mf, idx) ?
	       MSCHED_FS_HUGE_NR : 1;
}

static void msched_fs_set_touched(struct msched_file *mf, pgoff_t idx)
{
	spin_lock(&mf->track_lock);
	if (idx < mf->touched_bits)
		__set_bit(idx, mf->touched);
	spin_unlock(&mf->track_lock);
}

/**
 * msched_fs_note_touch() - record that a page was faulted in or written.
 * @mf: the file
 * @idx: the page; a page of a huge folio is recorded at the folio's
 *	 first index, where the scan looks
 * @new: the fault allocated the page (first touch)
 *
 * Context: the fault path; takes @mf->track_lock (a spinlock).
 */
void msched_fs_note_touch(struct msched_file *mf, pgoff_t idx, bool new)
{
	msched_fs_set_touched(mf, msched_fs_heat_index(mf, idx));
	if (!new && READ_ONCE(mf->tiering))
		msched_fs_count(mf, MSCHED_FS_ST_TRAPS, 1);
}

/**
 * msched_fs_mark_touched_range() - record an access seen elsewhere (a
 * sampled region KVM found young) for the file's tiering: which of its
 * pages was accessed is not known, so all of them are marked, each folio
 * once, a huge folio at its first index (heat is kept per 2 MiB there).
 * @mf: the file
 * @idx: the first page
 * @nr: pages
 *
 * Context: any process context; takes @mf->track_lock (a spinlock) per
 * folio.
 */
void msched_fs_mark_touched_range(struct msched_file *mf, pgoff_t idx,
				  unsigned long nr)
{
	pgoff_t end = idx + nr;

	if (!mf->huge) {		/* 4 KiB folios only: one lock */
		spin_lock(&mf->track_lock);
		if (idx < mf->touched_bits)
			bitmap_set(mf->touched, idx,
				   min_t(pgoff_t, end, mf->touched_bits) - idx);
		spin_unlock(&mf->track_lock);
		return;
	}
	while (idx < end) {
		if (msched_fs_is_huge_at(mf, idx)) {
			msched_fs_set_touched(mf, round_down(idx, MSCHED_FS_HUGE_NR));
			idx = round_down(idx, MSCHED_FS_HUGE_NR) + MSCHED_FS_HUGE_NR;
		} else {
			msched_fs_set_touched(mf, idx++);
		}
	}
}

/**
 * msched_fs_test_and_clear_touched() - whether a page was faulted in or
 * marked touched since the last call for it; clears the mark.
 * @mf: the file
 * @idx: the page
 *
 * Context: any process context; takes @mf->track_lock (a spinlock).
 * Return: true if it was.
 */
bool msched_fs_test_and_clear_touched(struct msched_file *mf, pgoff_t idx)
{
	bool was;

	spin_lock(&mf->track_lock);
	was = idx < mf->touched_bits && __test_and_clear_bit(idx, mf->touched);
	spin_unlock(&mf->track_lock);
	return was;
}

/*
 * Gather one direction of the plan as ascending page indexes and move it;
 * *@planned is set to the pages it planned (a huge folio counts all its).
 * Promotions are first cut to the prefix whose pages fit in the budget's
 * room now (as main cut the batch to its reservation), so that the batch
 * unmap of msched_fs_move() never zaps a folio the budget has no room
 * for; each folio then reserves its pages when it moves, by its size then
 * (msched_fs_move() with reserve), the exact check: faults may have taken
 * some room since, a folio may have been split or made huge since, and
 * the budget is a hard limit.
 */
static u32 msched_fs_tier_do(struct msched_file *mf, int n, u8 to, int nid,
			     u32 *planned)
{
	struct msched_fs_tierer *tr = &mf->tier;
	u64 budget = READ_ONCE(mf->dram_budget), room = U64_MAX, fit = 0;
	bool reserve = to == MSCHED_TIER_DRAM && budget != MSCHED_FS_BUDGET_MAX;
	u32 k = 0, w;
	long moved;
	int i;

	if (reserve) {
		s64 dram = atomic64_read(&mf->nr_dram);

		room = budget > max_t(s64, dram, 0) ?
		       budget - max_t(s64, dram, 0) : 0;
	}
	*planned = 0;
	for (i = 0; i < n; i++) {
		if (tr->moves[i].to != to)
			continue;
		w = msched_tier_move_pages(&tr->moves[i]);
		*planned += w;
		if (fit + w > room) {	/* the prefix that fits, no further */
			room = fit;
			continue;
		}
		fit += w;
		tr->idx[k++] = tr->moves[i].idx;
	}
	if (!k || nid == NUMA_NO_NODE)
		return 0;
	/* The planner emits moves in page order within a direction. */
	moved = msched_fs_move(mf, tr->idx, k, nid, reserve);
	/* Each folio moved counted itself (msched_fs_note_moved()). */
	return moved < 0 ? 0 : moved;
}

/*
 * Lower @mf->nr_dram to what a complete walk found on DRAM (@walked), plus
 * what may have arrived while it walked: pages faulted or migrated in
 * (arrivals since @arrivals0) and faults holding a reservation. Writers
 * mark a fault in flight before reserving, count an arrival before the
 * reservation ends or the count rises; this reads in the opposite order
 * (count, in flight, arrivals), so a page the count holds is in the bound
 * once or twice, never missed, and @nr_dram stays at or above the truth. It
 * is never raised here: every arrival raised it already. Caller holds
 * move_lock (no memsched move runs during the walk).
 */
static void msched_fs_dram_recount(struct msched_file *mf, u64 walked,
				   s64 arrivals0)
{
	s64 old = atomic64_read(&mf->nr_dram), bound;

	lockdep_assert_held(&mf->move_lock);
	do {
		smp_rmb();
		bound = walked + atomic64_read(&mf->nr_dram_inflight);
		smp_rmb();
		bound += atomic64_read(&mf->nr_dram_arrivals) - arrivals0;
		if (bound >= old)
			return;
	} while (!atomic64_try_cmpxchg(&mf->nr_dram, &old, bound));
}

/* The fault trap as an access source: the touched bits, re-armed by unmap. */
static bool msched_fs_trap_young(struct msched_access_src *src, u64 idx,
				 u32 nr)
{
	return msched_fs_test_and_clear_touched(container_of(src,
					struct msched_file, trap_src), idx);
}

static void msched_fs_trap_rearm(struct msched_access_src *src, u64 start,
				 u64 nr)
{
	struct msched_file *mf = container_of(src, struct msched_file, trap_src);

	/* The next touch of any page faults and is seen. */
	unmap_mapping_pages(mf->vfs_inode.i_mapping, start, nr, false);
	msched_fs_count(mf, MSCHED_FS_ST_TRAP_REARMS, 1);
}

static const struct msched_access_ops msched_fs_trap_ops = {
	.name = "trap",
	.young = msched_fs_trap_young,
	.rearm = msched_fs_trap_rearm,
};

static void msched_fs_rearm(struct msched_access_src *src, u32 nr)
{
	if (src->ops->rearm)
		src->ops->rearm(src, 0, nr);
}

/*
 * One scan: observe, plan, move, re-arm the source. Holds move_lock.
 * Return: 0; -E2BIG when the file is too large for tiering, -ENOMEM.
 */
static int msched_fs_scan(struct msched_file *mf)
{
	struct address_space *mapping = mf->vfs_inode.i_mapping;
	struct msched_fs_tierer *tr = &mf->tier;
	XA_STATE(xas, &mapping->i_pages, 0);
	struct msched_access_src *src = mf->access;
	struct msched_tier_params p;
	u32 nr, cap, n = 0, i, dram = 0, resident = 0, up, down, nup, ndown;
	u64 stalls0, budget0;
	s64 arrivals0;
	bool cut = false;
	struct folio *folio;
	int dram_node = mf->dram_node, pmem_node = mf->pmem_node, moves, ret;

	nr = min_t(pgoff_t, msched_fs_nr_pages(&mf->vfs_inode),
		   MSCHED_FS_TIER_MAX_PAGES + 1);
	/* Rules between knobs are checked here, where they are used. */
	msched_fs_tier_params(mf, &p, nr);
	if (msched_tier_validate(&p)) {
		msched_fs_count(mf, MSCHED_FS_ST_KNOB_CONFLICTS, 1);
		pr_info_ratelimited("%s: demote_heat (%u) must be below promote_heat (%u); no pages move until it is\n",
				    mf->name, mf->demote_heat, mf->promote_heat);
		msched_fs_rearm(src, nr);
		return 0;
	}
	ret = msched_fs_tier_resize(mf, nr);
	if (ret)
		return ret;
	ret = msched_tier_set_params(&tr->t, &p) ? -EINVAL : 0;
	if (ret)
		return ret;
	/* Pages faulted in during the walk beyond this wait for the next scan. */
	cap = min_t(unsigned long, READ_ONCE(mapping->nrpages) + 64, max(nr, 1U));
	ret = msched_fs_tier_alloc_scratch(tr, cap);
	if (ret)
		return ret;
	arrivals0 = atomic64_read(&mf->nr_dram_arrivals);
	smp_rmb();	/* pairs with the ordered increments of arrivals */
	rcu_read_lock();
	xas_for_each(&xas, folio, nr ? nr - 1 : 0) {
		struct msched_tier_page *pg;

		if (xas_retry(&xas, folio) || xa_is_value(folio) || !nr)
			continue;
		if (n == cap) {
			cut = true;
			break;
		}
		pg = &tr->pages[n++];
		pg->idx = xas.xa_index;
		pg->tier = folio_nid(folio) == dram_node ? MSCHED_TIER_DRAM :
							   MSCHED_TIER_PMEM;
		pg->flags = 0;
		/* One entry a folio, weighing its pages in budget and tokens. */
		pg->order = folio_order(folio);
		resident += folio_nr_pages(folio);
		if (pg->tier == MSCHED_TIER_DRAM)
			dram += folio_nr_pages(folio);
		msched_fs_xas_resched(&xas);
	}
	rcu_read_unlock();
	/* A walk cut short at @cap did not see the whole file. */
	if (!cut)
		msched_fs_dram_recount(mf, dram, arrivals0);
	for (i = 0; i < n; i++) {
		msched_tier_observe(&tr->t, tr->pages[i].idx,
				    msched_access_young(src, tr->pages[i].idx, 1));
		if ((i & 1023) == 1023)
			cond_resched();
	}

	stalls0 = tr->t.stats.nr_rate_stalls;
	budget0 = tr->t.stats.nr_budget_demotions;
	/* Without a slow tier the scan only ages pages (for swap_out). */
	moves = pmem_node == NUMA_NO_NODE ? 0 :
		msched_tier_plan(&tr->t, tr->pages, n, tr->moves, cap);
	if (moves < 0)
		moves = 0;
	down = msched_fs_tier_do(mf, moves, MSCHED_TIER_PMEM, pmem_node, &ndown);
	up = msched_fs_tier_do(mf, moves, MSCHED_TIER_DRAM, dram_node, &nup);
	/*
	 * The plan and the moves count pages (a huge folio is one entry of
	 * MSCHED_FS_HUGE_NR pages). A folio split since the walk moves only
	 * the page at the index, one made huge since moves more: refund
	 * what was planned and did not move, never below zero.
	 */
	msched_tier_refund(&tr->t, (ndown - min(down, ndown)) +
				   (nup - min(up, nup)));
	msched_fs_count(mf, MSCHED_FS_ST_SCANS, 1);
	msched_fs_count(mf, MSCHED_FS_ST_DEMOTIONS, down);
	msched_fs_count(mf, MSCHED_FS_ST_PROMOTIONS, up);
	msched_fs_count(mf, MSCHED_FS_ST_RATE_STALLS,
			tr->t.stats.nr_rate_stalls - stalls0);
	msched_fs_count(mf, MSCHED_FS_ST_BUDGET_DEMOTIONS,
			tr->t.stats.nr_budget_demotions - budget0);
	trace_msched_fs_plan(mf->vfs_inode.i_ino, resident, dram, ndown, down, nup, up,
			     tr->t.stats.nr_rate_stalls - stalls0);

	msched_fs_tier_free_scratch(tr);
	msched_fs_rearm(src, nr);
	return 0;
}

static void msched_fs_scan_work(struct work_struct *work)
{
	struct msched_file *mf = container_of(to_delayed_work(work),
					      struct msched_file, scan_work);
	int ret;

	mutex_lock(&mf->move_lock);
	if (mf->tiering && !mf->dying) {
		ret = msched_fs_scan(mf);
		if (ret == -E2BIG) {
			/* Until the file shrinks and tiering is written again. */
			pr_warn("%s: tiering stopped: the file has more than %u pages (64 GiB), the most tiering handles (accepted: a smaller file)\n",
				mf->name, MSCHED_FS_TIER_MAX_PAGES);
		} else {
			queue_delayed_work(system_unbound_wq, &mf->scan_work,
					   msecs_to_jiffies(mf->scan_ms));
		}
	}
	mutex_unlock(&mf->move_lock);
}

/**
 * msched_fs_tier_init() - set up the tiering state of a new inode.
 * @mf: the file
 *
 * Context: process context (inode allocation).
 */
void msched_fs_tier_init(struct msched_file *mf)
{
	INIT_DELAYED_WORK(&mf->scan_work, msched_fs_scan_work);
	mf->trap_src.ops = &msched_fs_trap_ops;
	mf->access = &mf->trap_src;
}

/**
 * msched_fs_lend_access() - have the file's tiering read accesses from @src
 * instead of its own fault trap.
 * @mf: the file
 * @src: a source lent by the attached VM whose guest RAM the file is
 *
 * Context: process context; takes @mf->move_lock.
 * Return: true; false when another source is lent already (another VM maps
 * the file as guest RAM), which keeps it.
 */
bool msched_fs_lend_access(struct msched_file *mf, struct msched_access_src *src)
{
	bool lent;

	mutex_lock(&mf->move_lock);
	lent = mf->access == &mf->trap_src;
	if (lent)
		mf->access = src;
	mutex_unlock(&mf->move_lock);
	return lent;
}

/**
 * msched_fs_return_access() - take back a source msched_fs_lend_access()
 * lent; the file's tiering goes back to its fault trap.
 * @mf: the file
 * @src: the source lent
 *
 * Waits for a scan in progress, so @src is no longer used once this
 * returns.
 *
 * Context: process context; takes @mf->move_lock.
 */
void msched_fs_return_access(struct msched_file *mf, struct msched_access_src *src)
{
	mutex_lock(&mf->move_lock);
	if (mf->access == src)
		mf->access = &mf->trap_src;
	mutex_unlock(&mf->move_lock);
}

/**
 * msched_fs_tier_kick() - (re)start or stop the scan after a policy change.
 * @mf: the file
 *
 * Context: process context. Caller holds @mf->move_lock.
 */
void msched_fs_tier_kick(struct msched_file *mf)
{
	lockdep_assert_held(&mf->move_lock);
	if (mf->tiering && !mf->dying)
		mod_delayed_work(system_unbound_wq, &mf->scan_work, 0);
}

/**
 * msched_fs_tier_apply() - hand changed policy knobs to the engine.
 * @mf: the file
 *
 * Context: process context. Caller holds @mf->move_lock.
 * Return: 0, or -EINVAL if the engine rejects the parameters.
 */
int msched_fs_tier_apply(struct msched_file *mf)
{
	struct msched_tier_params p;

	lockdep_assert_held(&mf->move_lock);
	if (!mf->tier.heat)
		return 0;	/* the first scan initialises the engine */
	msched_fs_tier_params(mf, &p, mf->tier.nr_pages);
	/* Knobs that break a rule between them wait for the scan to say so. */
	if (msched_tier_validate(&p))
		return 0;
	return msched_tier_set_params(&mf->tier.t, &p) ? -EINVAL : 0;
}

/**
 * msched_fs_set_dram_budget() - set a file's DRAM budget and apply it (the
 * file dram_budget_pages, and the scheduler's demote mechanism).
 * @mf: the file
 * @budget: pages, or MSCHED_FS_BUDGET_MAX for none
 *
 * Context: process context; takes @mf->move_lock.
 * Return: 0, or -EINVAL if the engine rejects the parameters (the budget
 * is then left as it was).
 */
int msched_fs_set_dram_budget(struct msched_file *mf, u64 budget)
{
	u64 old;
	int ret;

	mutex_lock(&mf->move_lock);
	old = mf->dram_budget;
	WRITE_ONCE(mf->dram_budget, budget);
	ret = msched_fs_tier_apply(mf);
	if (ret)
		WRITE_ONCE(mf->dram_budget, old);	/* refused: as it was */
	else
		msched_fs_tier_kick(mf);
	mutex_unlock(&mf->move_lock);
	return ret;
}

/**
 * msched_fs_hold_dram_budget() - stop a lowered DRAM budget that the file
 * has not reached yet from demoting more: raise it to the pages on DRAM
 * now (the scheduler withdrawing its request). Taken under @mf->move_lock,
 * which the tiering scan holds while it moves, so no scan is half-way.
 * @mf: the file
 * @budget: the budget afterwards
 *
 * Context: process context; takes @mf->move_lock.
 * Return: 0 (also when there was nothing to raise), or -EINVAL if the
 * engine rejects the parameters (the budget is then left as it was).
 */
int msched_fs_hold_dram_budget(struct msched_file *mf, u64 *budget)
{
	s64 dram;
	u64 old;
	int ret = 0;

	mutex_lock(&mf->move_lock);
	old = mf->dram_budget;
	dram = atomic64_read(&mf->nr_dram);
	if (old != MSCHED_FS_BUDGET_MAX && dram > 0 && (u64)dram > old) {
		WRITE_ONCE(mf->dram_budget, dram);
		ret = msched_fs_tier_apply(mf);
		if (ret)
			WRITE_ONCE(mf->dram_budget, old);
	}
	*budget = mf->dram_budget;
	mutex_unlock(&mf->move_lock);
	return ret;
}

/**
 * msched_fs_tier_teardown() - stop the scan and free the tiering state.
 * @mf: the file, being evicted
 *
 * Context: process context; may sleep (waits for a running scan).
 */
void msched_fs_tier_teardown(struct msched_file *mf)
{
	mutex_lock(&mf->move_lock);
	mf->dying = true;
	mutex_unlock(&mf->move_lock);
	cancel_delayed_work_sync(&mf->scan_work);
	msched_fs_tier_free(&mf->tier);
	kvfree(mf->touched);
	mf->touched = NULL;
	mf->touched_bits = 0;
}
