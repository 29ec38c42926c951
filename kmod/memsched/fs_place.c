// SPDX-License-Identifier: GPL-2.0
/*
 * memschedfs: where a file's new page goes. A page is allocated on the
 * file's DRAM node while the file is under its DRAM budget, else on its
 * PMEM node; under a budget the DRAM page is reserved first, so that
 * concurrent faults, swap-ins and promotions never take more than the
 * budget together. Used by the fault path (fs.c) and by swap-in
 * (fs_swap.c), which both sit above this file.
 */
#define pr_fmt(fmt) "memschedfs: " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/pagemap.h>

#include "memsched.h"
#include "fs.h"
#include "swap.h"

/* Pages of every memschedfs file in a page cache now (debugfs). */
static atomic64_t msched_live_fs_pages = ATOMIC64_INIT(0);

/**
 * msched_fs_live_pages_add() - count pages that enter a memschedfs page
 * cache (@nr > 0) or leave it (@nr < 0).
 * @nr: pages
 *
 * Context: any.
 */
void msched_fs_live_pages_add(long nr)
{
	atomic64_add(nr, &msched_live_fs_pages);
}

/**
 * msched_fs_live_pages() - pages of every memschedfs file in a page cache.
 *
 * Context: any.
 * Return: the count (debugfs live_fs_pages; 0 once every file is gone).
 */
u64 msched_fs_live_pages(void)
{
	return atomic64_read(&msched_live_fs_pages);
}

/*
 * Pick the node of a new folio of @nr pages: DRAM while the budget has room
 * for all of them, else PMEM. Under a budget the DRAM pages are reserved
 * first (@reserved), so that concurrent faults and promotions can never
 * take more than the budget together.
 */
static int msched_fs_place(struct msched_file *mf, long nr, bool *reserved)
{
	int pmem = READ_ONCE(mf->pmem_node);
	u64 budget = READ_ONCE(mf->dram_budget);

	*reserved = false;
	if (pmem == NUMA_NO_NODE || budget == MSCHED_FS_BUDGET_MAX)
		return READ_ONCE(mf->dram_node);
	/* In flight before reserved: see msched_fs_dram_recount(). */
	atomic64_add(nr, &mf->nr_dram_inflight);
	smp_mb__after_atomic();
	if (!msched_fs_dram_take(mf, nr, budget)) {	/* never across the tiers */
		/* Out of flight after the count fell, as msched_fs_place_settle(). */
		smp_mb__before_atomic();
		atomic64_sub(nr, &mf->nr_dram_inflight);
		return pmem;
	}
	*reserved = true;
	return READ_ONCE(mf->dram_node);
}

static void msched_fs_place_settle(struct msched_file *mf, struct folio *folio,
				   bool reserved, long nr)
{
	bool on_dram = folio && folio_nid(folio) == READ_ONCE(mf->dram_node);

	if (on_dram)
		msched_fs_dram_arrived(mf, reserved, nr);
	else if (reserved)
		atomic64_sub(nr, &mf->nr_dram);	/* not used, or fell back */
	if (reserved) {
		/* The arrival (or the give-back) is seen before the flight ends. */
		smp_mb__before_atomic();
		atomic64_sub(nr, &mf->nr_dram_inflight);
	}
}

/**
 * msched_fs_place_done() - a new page of a file (from
 * msched_fs_alloc_folio()) is in the page cache, or not: settle its DRAM
 * reservation and count its arrival.
 * @mf: the file
 * @folio: the page, in the page cache; NULL when allocation or insertion
 *	failed, or the page was taken out again before it was ever used
 * @reserved: what msched_fs_alloc_folio() set
 *
 * The arrival is counted before the reservation ends, and before the count
 * rises for an unreserved page (ordered), so that msched_fs_dram_recount()
 * sees the page in one of them or in both, never in neither.
 *
 * Context: any process context.
 */
void msched_fs_place_done(struct msched_file *mf, struct folio *folio,
			  bool reserved)
{
	msched_fs_place_settle(mf, folio, reserved, 1);
}

/**
 * msched_fs_place_huge_done() - msched_fs_place_done() for a folio from
 * msched_fs_alloc_huge_folio(): its MSCHED_FS_HUGE_NR pages at once.
 * @mf: the file
 * @folio: the huge folio, in the page cache; NULL when it did not get
 *	there or was taken out again unused
 * @reserved: what msched_fs_alloc_huge_folio() set
 *
 * Context: any process context.
 */
void msched_fs_place_huge_done(struct msched_file *mf, struct folio *folio,
			       bool reserved)
{
	msched_fs_place_settle(mf, folio, reserved, MSCHED_FS_HUGE_NR);
}

/**
 * msched_fs_alloc_folio() - a new page for a file, on the node placement
 * picks (DRAM while under budget, else PMEM; anywhere when that is full).
 * @mf: the file
 * @extra: GFP flags added to the mapping's (__GFP_ZERO for a new page)
 * @reserved: set when a DRAM page of the budget was reserved for it
 *
 * Settle the placement with msched_fs_place_done() once the page is in
 * the page cache, or failed to get there; on NULL it is settled already.
 *
 * Context: process context; may sleep.
 * Return: the folio (one reference, not locked), or NULL (no memory).
 */
struct folio *msched_fs_alloc_folio(struct msched_file *mf, gfp_t extra,
				    bool *reserved)
{
	gfp_t gfp = mapping_gfp_mask(mf->vfs_inode.i_mapping) | extra;
	struct folio *folio;
	int nid;

	nid = msched_fs_place(mf, 1, reserved);
	folio = msched_fallible(__folio_alloc(gfp | __GFP_THISNODE | __GFP_NOWARN,
					      0, nid, NULL));
	if (!folio)	/* the node is full: anywhere beats failing the VM */
		folio = msched_fallible(__folio_alloc(gfp, 0, nid, NULL));
	if (!folio)
		msched_fs_place_done(mf, NULL, *reserved);
	return folio;
}

/**
 * msched_fs_alloc_huge_folio() - a new zeroed 2 MiB folio for a file, on
 * the node placement picks for MSCHED_FS_HUGE_NR pages: DRAM when the
 * budget has room for all of them, else PMEM.
 * @mf: the file
 * @reserved: set when DRAM pages of the budget were reserved for it
 *
 * Only that node, and opportunistic, with the mask of THP's default
 * defrag=madvise for a VMA without MADV_HUGEPAGE (GFP_TRANSHUGE_LIGHT):
 * no direct reclaim or compaction in the faulting task, and no kswapd or
 * kcompactd woken either, so a fallback never starts order-9 reclaim on
 * the node; only a free 2 MiB block or none. When there is none, the
 * caller falls back to 4 KiB pages (counted in nr_huge_fallbacks), which
 * are placed again page by page. Settle the placement with
 * msched_fs_place_huge_done(); on NULL it is settled already.
 *
 * Context: process context (the file's mapping); does not sleep: no
 * reclaim, and the zeroing of __GFP_ZERO does not reschedule.
 * Return: the folio (one reference, not locked), or NULL.
 */
struct folio *msched_fs_alloc_huge_folio(struct msched_file *mf,
					 bool *reserved)
{
	/* GFP_TRANSHUGE_LIGHT is GFP_HIGHUSER_MOVABLE, the mapping's mask. */
	gfp_t gfp = GFP_TRANSHUGE_LIGHT | __GFP_THISNODE | __GFP_ZERO;
	struct folio *folio;
	int nid;

	nid = msched_fs_place(mf, MSCHED_FS_HUGE_NR, reserved);
	folio = msched_fallible(__folio_alloc(gfp, MSCHED_FS_HUGE_ORDER, nid,
					      NULL));
	if (!folio)
		msched_fs_place_huge_done(mf, NULL, *reserved);
	return folio;
}

/**
 * msched_fs_node_free_pages() - free pages on a node now.
 * @nid: a node id, or NUMA_NO_NODE.
 *
 * Context: any.
 * Return: the free pages of @nid's zones (0 for NUMA_NO_NODE or a node
 * without memory).
 */
u64 msched_fs_node_free_pages(int nid)
{
	u64 free = 0;
	int z;

	if (nid == NUMA_NO_NODE || !node_state(nid, N_MEMORY))
		return 0;
	for (z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &NODE_DATA(nid)->node_zones[z];

		if (populated_zone(zone))
			free += zone_page_state(zone, NR_FREE_PAGES);
	}
	return free;
}

/**
 * msched_fs_read() - what the scheduler reads of a file: where its pages
 * are and what room its slow tier and the swap device have.
 * @mf: the file (the caller holds a reference on its inode).
 * @v: filled in.
 *
 * Context: process context (the swap device's lock is not bh-safe);
 * lockless reads of counters that move.
 */
void msched_fs_read(struct msched_file *mf, struct msched_fs_view *v)
{
	s64 dram = atomic64_read(&mf->nr_dram);

	v->resident_pages = READ_ONCE(mf->vfs_inode.i_mapping->nrpages);
	v->dram_pages = dram > 0 ? dram : 0;
	v->swapped_pages = atomic64_read(&mf->nr_swapped);
	v->dram_budget = READ_ONCE(mf->dram_budget);
	v->tiering = READ_ONCE(mf->tiering);
	v->pmem_free_pages = msched_fs_node_free_pages(READ_ONCE(mf->pmem_node));
	v->swap_free_pages = msched_swap_free_pages();
}
