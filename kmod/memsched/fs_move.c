// SPDX-License-Identifier: GPL-2.0
/*
 * memschedfs: moving a file's pages between NUMA nodes.
 *
 * A batch of pages is first unmapped from every mapping with one
 * unmap_mapping_pages() call per run of consecutive pages (a huge
 * folio's 512 count as consecutive, so a run of huge folios is one call):
 * the MMU notifier fires once per run, KVM zaps its SPTEs and the next guest access
 * refaults through msched_fs_fault(). Then each page is moved under its
 * folio lock and with its PG_lru held (msched_fs_lru_hold()):
 * migrate_folio() freezes the old folio's reference count at exactly ours
 * plus the page cache's and swaps the new folio into the page cache, so a
 * page that anyone else holds (GUP in flight, KVM mid-fault, a page still
 * in a per-CPU LRU batch, the kernel's own migration) is skipped and
 * retried later, never copied while in use. The new folio stays locked
 * and unmapped until its copy is complete, so a fault waits for it: no
 * reader ever sees stale or torn data. Lock order: Documentation/design/locking.rst.
 */
#define pr_fmt(fmt) "memschedfs: " fmt

#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/xarray.h>

#include "../compat.h"
#include "memsched.h"
#include "fs.h"
#include "trace.h"

enum { MOVED, ALREADY, GONE, BUSY, NOMEM, NOROOM };

/*
 * Take @src off the LRU for the length of a move, the way the kernel's own
 * LRU users do (mm/mlock.c, folio_batch_move_lru(), compaction): whoever
 * clears PG_lru owns the folio's LRU linkage until it sets the flag again,
 * and every other path that would change that linkage or read
 * folio->mlock_count (isolation by compaction, CMA or memory offline,
 * mlock, the LRU batches) must clear PG_lru first, so it leaves the folio
 * alone meanwhile. memschedfs folios sit on the unevictable LRU, which in
 * 6.1 is a count, not a list: folio->lru holds mlock_count, and
 * lruvec_del_folio() does list_del() only for folios without
 * PG_unevictable. folio_migrate_flags() clears PG_unevictable on the old
 * folio; while it is clear the folio must not be PG_lru, or an isolation
 * would list_del() garbage. With PG_lru held here, nobody isolates it, and
 * the flag is put back before PG_lru is: the folio goes back to the LRU
 * exactly as it was counted (LRU_UNEVICTABLE), and its final put takes it
 * off through __page_cache_release() without touching folio->lru.
 * Returns false when the folio is not on the LRU (still in a per-CPU LRU
 * batch, or isolated by the kernel's migration): try later.
 */
static bool msched_fs_lru_hold(struct folio *src)
{
	if (!folio_test_clear_lru(src))
		return false;
	/* The mapping is unevictable from its creation: lru_add_fn() set it. */
	if (WARN_ON_ONCE(!folio_test_unevictable(src))) {
		folio_set_lru(src);
		return false;
	}
	return true;
}

static void msched_fs_lru_release(struct folio *src)
{
	/*
	 * The same word as PG_lru, so anyone who sees PG_lru again (an atomic
	 * test-and-clear) sees PG_unevictable too.
	 */
	folio_set_unevictable(src);
	folio_set_lru(src);
}

/*
 * Move the folio holding page @idx to @nid, whole: a huge folio moves as
 * one folio of the same order (migrate_folio() handles large folios: one
 * page-cache entry, one freeze, one copy), never split. *@nr_pages is set
 * to the pages it holds. Caller holds the invalidate lock shared.
 * The new page is allocated before the old one is locked, as the kernel's
 * migration does (migrate_folio_unmap()): an allocation may reclaim, or
 * wait for kswapd when the node is short of memory, and the old page's
 * lock must not be held meanwhile, or a fault on it waits as long.
 * With @reserve (a promotion under a DRAM budget), the folio's pages are
 * reserved in the budget once it is locked and its order is final, before
 * it is unmapped again, for the length of the move: all of them or it is
 * neither unmapped nor moved (NOROOM), so the budget holds whatever the
 * folio became since the plan looked.
 */
static int msched_fs_move_one(struct msched_file *mf, pgoff_t idx, int nid,
			      bool reserve, long *nr_pages)
{
	struct address_space *mapping = mf->vfs_inode.i_mapping;
	u64 budget = READ_ONCE(mf->dram_budget);
	bool taken = false;
	struct folio *src, *dst;
	unsigned int order = 0;
	int ret = MOVED;
	void *entry;

	/*
	 * A look without the lock first, so that a page gone or already on
	 * @nid costs no allocation and is not counted as short of memory;
	 * both are checked again under the lock.
	 */
	rcu_read_lock();
	entry = xa_load(&mapping->i_pages, idx);
	if (entry && !xa_is_value(entry)) {
		if (folio_nid(entry) == nid)
			ret = ALREADY;
		order = folio_order(entry);	/* checked again locked */
	}
	rcu_read_unlock();
	*nr_pages = 1L << order;
	if (!entry || xa_is_value(entry))
		return GONE;
	if (ret == ALREADY)
		return ALREADY;
	/* No 2 MiB allocation for a folio the budget cannot take anyway. */
	if (reserve && atomic64_read(&mf->nr_dram) + *nr_pages > (s64)budget)
		return NOROOM;
	dst = msched_fallible(__folio_alloc(GFP_HIGHUSER_MOVABLE |
					    __GFP_THISNODE | __GFP_NOWARN |
					    __GFP_NORETRY, order, nid, NULL));
	if (!dst)
		return NOMEM;
	src = msched_compat_lock_folio(mapping, idx);
	if (!src) {
		ret = GONE;
		goto out_put_dst;
	}
	if (src->mapping != mapping) {
		ret = GONE;
		goto out_src;
	}
	/*
	 * Being written to the swap device (fs_swap.c; migrate_folio()
	 * BUG()s on writeback), or a failed swap-in about to be removed.
	 */
	if (folio_test_writeback(src) || !folio_test_uptodate(src)) {
		ret = BUSY;
		goto out_src;
	}
	if (folio_nid(src) == nid) {
		ret = ALREADY;
		goto out_src;
	}
	if (folio_order(src) != order) {	/* split, or new: look again */
		ret = BUSY;
		goto out_src;
	}
	/*
	 * Reserved before the unmap below: a folio the budget has no room
	 * for is left mapped, not zapped for nothing.
	 */
	if (reserve) {
		taken = msched_fs_dram_take(mf, *nr_pages, budget);
		if (!taken) {	/* never across the budget */
			ret = NOROOM;
			goto out_src;
		}
	}
	if (folio_mapped(src))	/* refaulted since the batch was unmapped */
		unmap_mapping_pages(mapping, src->index, folio_nr_pages(src),
				    false);
	if (folio_mapped(src) || folio_test_mlocked(src)) {
		ret = BUSY;
		goto out_src;
	}
	if (!msched_fs_lru_hold(src)) {
		ret = BUSY;
		goto out_src;
	}
	__folio_set_locked(dst);
	/*
	 * Our reference stands for the isolation reference of the kernel's
	 * migration: migrate_folio() freezes the count at ours plus the page
	 * cache's, so any other holder (GUP, KVM mid-fault) makes it -EAGAIN.
	 */
	if (migrate_folio(mapping, dst, src, MIGRATE_SYNC) != MIGRATEPAGE_SUCCESS) {
		folio_set_lru(src);	/* untouched: the freeze failed */
		folio_unlock(dst);
		ret = BUSY;
		goto out_src;
	}
	src->mapping = NULL;	/* as move_to_new_folio() does */
	msched_fs_lru_release(src);
	folio_add_lru(dst);
	/* Counted as arrived: nr_dram holds it twice until the give-back. */
	msched_fs_note_moved(mf, folio_nid(src), folio_nid(dst), *nr_pages);
	folio_unlock(dst);
out_src:
	if (taken)
		atomic64_sub(*nr_pages, &mf->nr_dram);
	folio_unlock(src);
	folio_put(src);
out_put_dst:
	folio_put(dst);
	return ret;
}

/*
 * The pages from @idx to the end of its folio, for the batch unmap: a run
 * of consecutive folios (huge ones too) is one unmap_mapping_pages() call,
 * one MMU-notifier round trip. A lockless look at the page cache, whose
 * folios are aligned to their size; a file that never had a huge folio
 * (every file of a huge=never mount) has only single pages and is not
 * looked at. A folio split or made huge since is handled by the move
 * itself (msched_fs_move_one() unmaps a folio still mapped).
 */
static pgoff_t msched_fs_move_span(struct msched_file *mf, pgoff_t idx)
{
	struct folio *folio;
	pgoff_t span = 1;

	if (!READ_ONCE(mf->had_huge))
		return 1;
	rcu_read_lock();
	folio = xa_load(&mf->vfs_inode.i_mapping->i_pages, idx);
	if (folio && !xa_is_value(folio))
		span = folio_nr_pages(folio) -
		       (idx & (folio_nr_pages(folio) - 1));
	rcu_read_unlock();
	return span;
}

/**
 * msched_fs_move() - move pages of a file to a node.
 * @mf: the file
 * @idx: page indexes, ascending
 * @nr: number of entries in @idx
 * @nid: target node (must have memory)
 * @reserve: promotions under the DRAM budget: each folio's pages are
 *	     reserved in @mf->dram_budget when it moves (by its size then),
 *	     and a folio the budget has no room for is not moved
 *
 * Pages that are gone (truncated) or already on @nid are skipped; pages in
 * use are retried once at the end of the batch and then counted in
 * stats/nr_move_busy_pages, pages the node has no room for in
 * stats/nr_move_nomem_pages. An index inside a huge folio moves the whole
 * folio, and every page of it counts (as moved, busy or short of memory)
 * once: further indexes of the same folio in @idx are passed over. Folios
 * the budget has no room for are skipped, not counted.
 *
 * Context: process context; may sleep. Caller holds @mf->move_lock.
 * Return: the number of pages moved, or -EINTR on a fatal signal.
 */
long msched_fs_move(struct msched_file *mf, const pgoff_t *idx, u32 nr,
		    int nid, bool reserve)
{
	struct address_space *mapping = mf->vfs_inode.i_mapping;
	u64 t0 = ktime_get_ns();
	u32 i, j, busy = 0, nomem = 0, nr_retry = 0;
	pgoff_t *retry = NULL, done;
	long moved = 0, pages;
	int pass, r;

	lockdep_assert_held(&mf->move_lock);
	filemap_invalidate_lock_shared(mapping);
	for (i = 0; i < nr; i = j) {	/* one unmap per run of pages */
		pgoff_t end = idx[i] + msched_fs_move_span(mf, idx[i]);

		for (j = i + 1; j < nr && idx[j] == end; j++)
			end += msched_fs_move_span(mf, idx[j]);
		unmap_mapping_pages(mapping, idx[i], end - idx[i], false);
	}
	for (pass = 0; pass < 2; pass++) {
		const pgoff_t *list = pass ? retry : idx;
		u32 n = pass ? nr_retry : nr;

		if (pass && n)
			cond_resched();	/* let per-CPU LRU batches drain */
		done = 0;
		for (i = 0; i < n; i++) {
			if (fatal_signal_pending(current)) {
				filemap_invalidate_unlock_shared(mapping);
				kfree(retry);
				return -EINTR;
			}
			/* Another index of the folio just handled: counted. */
			if (i && list[i] < done)
				continue;
			r = msched_fs_move_one(mf, list[i], nid, reserve,
					       &pages);
			/* Folios are aligned to their size in the page cache. */
			done = round_down(list[i], pages) + pages;
			if (r == MOVED) {
				moved += pages;
			} else if (r == BUSY && !pass) {
				if (!retry)
					retry = msched_fallible(kmalloc_array(
						nr, sizeof(*retry), GFP_KERNEL));
				if (retry)
					retry[nr_retry++] = list[i];
				else
					busy += pages;
			} else if (r == BUSY) {
				busy += pages;
			} else if (r == NOMEM) {
				nomem += pages;
			}
			if (!(i & 63))
				cond_resched();
		}
	}
	filemap_invalidate_unlock_shared(mapping);
	kfree(retry);
	msched_fs_count(mf, MSCHED_FS_ST_MOVED, moved);
	msched_fs_count(mf, MSCHED_FS_ST_MOVE_BUSY, busy);
	msched_fs_count(mf, MSCHED_FS_ST_MOVE_NOMEM, nomem);
	trace_msched_fs_move(mf->vfs_inode.i_ino, nid, nr, moved, busy, nomem,
			     ktime_get_ns() - t0);
	return moved;
}

/**
 * msched_fs_move_all() - move every resident page of a file to a node.
 * @mf: the file
 * @nid: target node (must have memory)
 *
 * Context: process context; may sleep. Caller holds @mf->move_lock.
 * Return: the number of pages moved, or -errno.
 */
long msched_fs_move_all(struct msched_file *mf, int nid)
{
	XA_STATE(xas, &mf->vfs_inode.i_mapping->i_pages, 0);
	const u32 batch = 4096;
	long moved = 0, ret;
	struct folio *folio;
	pgoff_t *idx;
	u32 n;

	idx = msched_fallible(kvmalloc_array(batch, sizeof(*idx), GFP_KERNEL));
	if (!idx)
		return -ENOMEM;
	for (;;) {
		n = 0;
		rcu_read_lock();
		xas_for_each(&xas, folio, ULONG_MAX) {
			if (xas_retry(&xas, folio) || xa_is_value(folio))
				continue;
			if (folio_nid(folio) == nid)
				continue;
			idx[n++] = xas.xa_index;
			if (n == batch)
				break;
		}
		xas_pause(&xas);
		rcu_read_unlock();
		if (!n)
			break;
		ret = msched_fs_move(mf, idx, n, nid, false);
		if (ret < 0) {
			moved = ret;
			break;
		}
		moved += ret;
		if (n < batch)
			break;
	}
	kvfree(idx);
	return moved;
}

/**
 * msched_fs_node_pages() - count a file's resident pages per node, in
 * base pages (a huge folio counts its MSCHED_FS_HUGE_NR).
 * @mf: the file
 * @counts: nr_node_ids entries, zeroed by the caller, incremented here;
 *	    NULL when only the total is wanted
 * @resident: set to the total
 *
 * Context: process context; may sleep. A snapshot: pages may move or be
 * faulted in meanwhile.
 * Return: 0.
 */
int msched_fs_node_pages(struct msched_file *mf, u64 *counts, u64 *resident)
{
	XA_STATE(xas, &mf->vfs_inode.i_mapping->i_pages, 0);
	struct folio *folio;
	u64 n = 0;

	rcu_read_lock();
	xas_for_each(&xas, folio, ULONG_MAX) {
		if (xas_retry(&xas, folio) || xa_is_value(folio))
			continue;
		if (counts)
			counts[folio_nid(folio)] += folio_nr_pages(folio);
		n += folio_nr_pages(folio);
		msched_fs_xas_resched(&xas);
	}
	rcu_read_unlock();
	*resident = n;
	return 0;
}

/**
 * msched_fs_count_huge_folios() - count a file's huge folios now.
 * @mf: the file
 *
 * A walk of the page cache rather than a counter: the kernel may split a
 * huge folio itself (a failed migration, a truncate), and no callback
 * says so. A file that never had a huge folio (every file of a
 * huge=never mount) has none, and is not walked.
 *
 * Context: process context; may sleep. A snapshot.
 * Return: the number of huge folios in the page cache.
 */
u64 msched_fs_count_huge_folios(struct msched_file *mf)
{
	XA_STATE(xas, &mf->vfs_inode.i_mapping->i_pages, 0);
	struct folio *folio;
	u64 n = 0;

	if (!READ_ONCE(mf->had_huge))
		return 0;
	rcu_read_lock();
	xas_for_each(&xas, folio, ULONG_MAX) {
		if (xas_retry(&xas, folio) || xa_is_value(folio))
			continue;
		n += folio_test_large(folio);
		msched_fs_xas_resched(&xas);
	}
	rcu_read_unlock();
	return n;
}
