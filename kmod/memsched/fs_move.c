// SPDX-License-Identifier: GPL-2.0
/*
 * memschedfs: moving a file's pages between NUMA nodes.
 *
 * A batch of pages is first unmapped from every mapping with one
 * unmap_mapping_pages() call per run of consecutive pages: the MMU notifier
 * fires once per run, KVM zaps its SPTEs and the next guest access
 * refaults through msched_fs_fault(). Then each page is moved under its
 * folio lock: folio_migrate_mapping() freezes the old folio's reference
 * count at exactly ours plus the page cache's and swaps the new folio into
 * the page cache, so a page that anyone else holds (GUP in flight, KVM
 * mid-fault, a page still in a per-CPU LRU batch) is skipped and retried
 * later, never copied while in use. The new folio stays locked and unmapped
 * until its copy is complete, so a fault waits for it: no reader ever sees
 * stale or torn data. Lock order: docs/locking.rst.
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

enum { MOVED, ALREADY, GONE, BUSY, NOMEM };

/* Move the page at @idx to @nid. Caller holds the invalidate lock shared. */
static int msched_fs_move_one(struct msched_file *mf, pgoff_t idx, int nid)
{
	struct address_space *mapping = mf->vfs_inode.i_mapping;
	struct folio *src, *dst;
	bool unevictable;
	int ret = MOVED;

	src = msched_compat_lock_folio(mapping, idx);
	if (!src)
		return GONE;
	if (src->mapping != mapping) {
		ret = GONE;
		goto out_src;
	}
	if (folio_nid(src) == nid) {
		ret = ALREADY;
		goto out_src;
	}
	if (folio_mapped(src))	/* refaulted since the batch was unmapped */
		unmap_mapping_pages(mapping, idx, 1, false);
	if (folio_mapped(src) || folio_test_mlocked(src)) {
		ret = BUSY;
		goto out_src;
	}
	dst = __folio_alloc(GFP_HIGHUSER_MOVABLE | __GFP_THISNODE |
			    __GFP_NOWARN | __GFP_NORETRY, 0, nid, NULL);
	if (!dst) {
		ret = NOMEM;
		goto out_src;
	}
	__folio_set_locked(dst);
	unevictable = folio_test_unevictable(src);
	if (folio_migrate_mapping(mapping, dst, src, 0) != MIGRATEPAGE_SUCCESS) {
		folio_unlock(dst);
		folio_put(dst);
		ret = BUSY;
		goto out_src;
	}
	folio_migrate_copy(dst, src);
	/*
	 * folio_migrate_flags() hands PG_unevictable over to dst; src is still
	 * on the unevictable LRU (folio_isolate_lru() is not exported) and is
	 * taken off it by its final put, which must find the flag.
	 */
	if (unevictable && folio_test_lru(src))
		folio_set_unevictable(src);
	src->mapping = NULL;	/* as move_to_new_folio() does */
	folio_add_lru(dst);
	if (folio_nid(dst) == READ_ONCE(mf->dram_node))
		atomic64_inc(&mf->nr_dram);
	else if (folio_nid(src) == READ_ONCE(mf->dram_node))
		atomic64_dec(&mf->nr_dram);
	folio_unlock(dst);
	folio_put(dst);
out_src:
	folio_unlock(src);
	folio_put(src);
	return ret;
}

/**
 * msched_fs_move() - move pages of a file to a node.
 * @mf: the file
 * @idx: page indexes, ascending
 * @nr: number of entries in @idx
 * @nid: target node (must have memory)
 *
 * Pages that are gone (truncated) or already on @nid are skipped; pages in
 * use are retried once at the end of the batch and then counted in
 * stats/move_busy.
 *
 * Context: process context; may sleep. Caller holds @mf->move_lock.
 * Return: the number of pages moved, or -EINTR on a fatal signal.
 */
long msched_fs_move(struct msched_file *mf, const pgoff_t *idx, u32 nr,
		    int nid)
{
	struct address_space *mapping = mf->vfs_inode.i_mapping;
	u64 t0 = ktime_get_ns();
	u32 i, j, busy = 0, nomem = 0, nr_retry = 0;
	pgoff_t *retry = NULL;
	long moved = 0;
	int pass, r;

	lockdep_assert_held(&mf->move_lock);
	filemap_invalidate_lock_shared(mapping);
	for (i = 0; i < nr; i = j) {	/* one unmap per run of pages */
		for (j = i + 1; j < nr && idx[j] == idx[j - 1] + 1; j++)
			;
		unmap_mapping_pages(mapping, idx[i], j - i, false);
	}
	for (pass = 0; pass < 2; pass++) {
		const pgoff_t *list = pass ? retry : idx;
		u32 n = pass ? nr_retry : nr;

		if (pass && n)
			cond_resched();	/* let per-CPU LRU batches drain */
		for (i = 0; i < n; i++) {
			if (fatal_signal_pending(current)) {
				filemap_invalidate_unlock_shared(mapping);
				kfree(retry);
				return -EINTR;
			}
			r = msched_fs_move_one(mf, list[i], nid);
			if (r == MOVED) {
				moved++;
			} else if (r == BUSY && !pass) {
				if (!retry)
					retry = kmalloc_array(nr, sizeof(*retry),
							      GFP_KERNEL);
				if (retry)
					retry[nr_retry++] = list[i];
				else
					busy++;
			} else if (r == BUSY) {
				busy++;
			} else if (r == NOMEM) {
				nomem++;
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

	idx = kvmalloc_array(batch, sizeof(*idx), GFP_KERNEL);
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
		ret = msched_fs_move(mf, idx, n, nid);
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
 * msched_fs_node_pages() - count a file's resident pages per node.
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
			counts[folio_nid(folio)]++;
		n++;
		msched_fs_xas_resched(&xas);
	}
	rcu_read_unlock();
	*resident = n;
	return 0;
}
