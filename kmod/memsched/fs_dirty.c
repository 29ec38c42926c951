// SPDX-License-Identifier: GPL-2.0
/*
 * memschedfs: dirty-page epochs of a file, consistent at one instant
 * (include/memsched_dirty.h is the API; Documentation/design/dirty-epochs.rst
 * the argument; Documentation/design/locking.rst the locks).
 *
 * The write side lives in fs.c: ->page_mkwrite records each page that
 * becomes writable in the tracker's current epoch, after copying aside
 * (COW) the contents of a page of the frozen epoch that was not copied
 * yet; a hole punch does the same for its range. Here: starting and
 * stopping the tracking, the cut that freezes an epoch, and what the
 * consumer (rdma_failover) reads of a frozen epoch. Also the kernel's
 * access to a file's pages for the standby side (msched_file_*()).
 *
 * The cut: down_write(dirty_rwsem), so every writer that has not recorded
 * its write waits; then each page written in the epoch has its folio lock
 * taken and dropped (waiting for a write fault that recorded its write and
 * is installing its PTE under the folio lock), and its mappings are
 * zapped, one unmap_mapping_pages() per run of pages, which reaches KVM
 * through the MMU notifier; then the epoch is frozen and up_write. At
 * that instant every write so far is in the pages, and every later one
 * faults and first copies a frozen page aside.
 */
#define pr_fmt(fmt) "memschedfs: " fmt

#include <linux/bitmap.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/pagevec.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include <memsched_dirty.h>
#include "../compat.h"
#include "memsched.h"
#include "fs.h"
#include "trace.h"

/*
 * A tracker holds four bitmaps of one bit per page of the file, charged to
 * the caller's memory cgroup: 512 MiB of them at this bound, a 16 TiB file.
 */
#define MSCHED_DIRTY_MAX_PAGES	(1ULL << 32)

static unsigned long *msched_dirty_bitmap(pgoff_t nr)
{
	return msched_fallible(kvcalloc(BITS_TO_LONGS(max_t(pgoff_t, nr, 1)),
					sizeof(unsigned long), GFP_KERNEL_ACCOUNT));
}

static void msched_dirty_free_cows(struct msched_dirty *d)
{
	struct page *page;
	unsigned long idx;

	xa_for_each(&d->cow, idx, page) {
		xa_erase(&d->cow, idx);
		__free_page(page);
		cond_resched();
	}
}

static void msched_dirty_free(struct msched_dirty *d)
{
	msched_dirty_free_cows(d);
	xa_destroy(&d->cow);
	kvfree(d->cur);
	kvfree(d->pending);
	kvfree(d->eset);
	kvfree(d->redo);
	kfree(d);
}

/* Each page of @folio counts as written in the current epoch. */
static void msched_dirty_mark_folio(struct msched_dirty *d,
				    struct folio *folio)
{
	pgoff_t idx = folio->index;

	if (idx < d->nr_pages)
		msched_dirty_fill(d->cur, idx,
				  min_t(pgoff_t, idx + folio_nr_pages(folio),
					d->nr_pages));
}

/*
 * Write-protect every page of the file in memory, once, when the tracking
 * starts: pages written before it may have writable PTEs, which must fault
 * on their next write. Runs after the tracker is published, writers not
 * stopped. Each folio's lock is taken and dropped first: a write fault
 * that made its page writable before the tracker existed (so did not
 * record it) holds the lock until its PTE is in, so after this every
 * writable PTE either predates it, and the zap below removes it, or came
 * through ->page_mkwrite with the tracker published, and is in the epoch.
 * A page pinned for DMA (FOLL_PIN) before the start may be written by its
 * device without any fault: it goes in the current epoch too, so every cut
 * settles it and, while the pin lasts, ships it again (see
 * msched_dirty_settle_folio()). Pins taken later fault first (a write pin on
 * a write-protected page goes through ->page_mkwrite), so they are seen.
 */
static void msched_dirty_protect_all(struct msched_dirty *d)
{
	struct address_space *mapping = d->mf->vfs_inode.i_mapping;
	struct folio_batch fbatch;
	pgoff_t start = 0;
	unsigned int i;

	folio_batch_init(&fbatch);
	while (filemap_get_folios(mapping, &start, ULONG_MAX, &fbatch)) {
		for (i = 0; i < folio_batch_count(&fbatch); i++) {
			struct folio *folio = fbatch.folios[i];

			folio_lock(folio);
			if (folio_maybe_dma_pinned(folio))
				msched_dirty_mark_folio(d, folio);
			folio_unlock(folio);
		}
		folio_batch_release(&fbatch);
		cond_resched();
	}
	unmap_mapping_pages(mapping, 0, d->nr_pages, false);
}

/**
 * msched_dirty_start() - start tracking the dirty pages of a memschedfs
 * file.
 * @file: an open regular file of memschedfs
 *
 * The first epoch holds every page of the file, [0, nr_pages). The file's
 * size cannot change until msched_dirty_stop() (-EBUSY, logged). Every
 * page in memory is write-protected once, here, without stopping writers.
 *
 * Context: process context; may sleep. Takes the inode lock and the file's
 * cut rwsem.
 * Return: the tracker, which holds a reference to @file; ERR_PTR(-EINVAL)
 * when @file is not a memschedfs regular file, ERR_PTR(-EBUSY) when it is
 * tracked already, ERR_PTR(-EFBIG) for a file over 2^32 pages
 * (the tracker's bitmaps are sized by the file), ERR_PTR(-ENOMEM).
 */
struct msched_dirty *msched_dirty_start(struct file *file)
{
	struct msched_file *mf;
	struct msched_dirty *d;
	struct inode *inode;
	int err = -ENOMEM;

	if (!file || !msched_fs_is_file(file))
		return ERR_PTR(-EINVAL);
	inode = file_inode(file);
	mf = MSCHED_FILE(inode);
	d = msched_fallible(kzalloc(sizeof(*d), GFP_KERNEL));
	if (!d)
		return ERR_PTR(-ENOMEM);
	d->mf = mf;
	mutex_init(&d->lock);
	xa_init(&d->cow);
	atomic64_set(&d->nr_cow_pages, 0);
	atomic64_set(&d->stall_ns, 0);
	atomic64_set(&d->nr_dirty_huge_folios, 0);

	inode_lock(inode);
	if (mf->dirty) {
		err = -EBUSY;
		goto out_unlock;
	}
	d->nr_pages = msched_fs_nr_pages(inode);
	if (d->nr_pages > MSCHED_DIRTY_MAX_PAGES) {
		pr_info_ratelimited("%s: dirty tracking of %lu pages refused (accepted: files up to %llu pages)\n",
				    mf->name, d->nr_pages, MSCHED_DIRTY_MAX_PAGES);
		err = -EFBIG;
		goto out_unlock;
	}
	d->cur = msched_dirty_bitmap(d->nr_pages);
	d->pending = msched_dirty_bitmap(d->nr_pages);
	d->eset = msched_dirty_bitmap(d->nr_pages);
	d->redo = msched_dirty_bitmap(d->nr_pages);
	if (!d->cur || !d->pending || !d->eset || !d->redo)
		goto out_unlock;
	bitmap_set(d->redo, 0, d->nr_pages);	/* the first epoch: all */
	d->redo_any = true;
	d->file = get_file(file);
	down_write(&mf->dirty_rwsem);
	mf->dirty = d;
	up_write(&mf->dirty_rwsem);
	inode_unlock(inode);
	msched_dirty_protect_all(d);
	return d;

out_unlock:
	inode_unlock(inode);
	msched_dirty_free(d);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_GPL(msched_dirty_start);

/**
 * msched_dirty_stop() - stop tracking and free the tracker.
 * @d: the tracker (NULL or an ERR_PTR: nothing to do)
 *
 * Safe while the file's writers fault: once it returns, none of them sees
 * the tracker. The file's reference is dropped; its size may change again.
 *
 * Context: process context; may sleep. Waits for the tracker's other calls
 * in flight and for writers recording a write.
 */
void msched_dirty_stop(struct msched_dirty *d)
{
	struct msched_file *mf;
	struct inode *inode;

	if (IS_ERR_OR_NULL(d))
		return;
	mf = d->mf;
	inode = &mf->vfs_inode;
	mutex_lock(&d->lock);
	inode_lock(inode);
	down_write(&mf->dirty_rwsem);
	mf->dirty = NULL;
	up_write(&mf->dirty_rwsem);
	inode_unlock(inode);
	mutex_unlock(&d->lock);
	fput(d->file);
	msched_dirty_free(d);
}
EXPORT_SYMBOL_GPL(msched_dirty_stop);

/*
 * For a cut: wait until no write fault that recorded the folio holding
 * page @idx before the cut is still making it writable (such a fault holds
 * the folio lock until its PTE or PMD is in). A folio locked for a
 * swap-out's write or a swap-in's read is not waited for: it is unmapped,
 * and stays so while locked (a mapping is only installed under the folio
 * lock, by our fault handler), and waiting would stall writers for a disk
 * I/O. A pinned folio (FOLL_PIN: a device may write it without a fault)
 * is shipped again, all its pages, in the next epoch too. Returns the
 * index after the folio (a huge folio's 512 pages are settled at once),
 * or @idx + 1 when there is none.
 */
static pgoff_t msched_dirty_settle_folio(struct msched_dirty *d,
					 struct address_space *mapping,
					 pgoff_t idx)
{
	struct folio *folio;
	pgoff_t first, end;

	folio = msched_compat_get_folio(mapping, idx);
	if (!folio)
		return idx + 1;
	first = folio->index;
	end = first + folio_nr_pages(folio);
	if (idx < first || idx >= end) {	/* moved or split meanwhile */
		first = idx;
		end = idx + 1;
	}
	if (!folio_trylock(folio)) {
		if (folio_test_writeback(folio) || !folio_test_uptodate(folio)) {
			folio_put(folio);
			return end;
		}
		folio_lock(folio);
	}
	/*
	 * @d->pending is empty during the cut and becomes the next epoch's
	 * @cur: the pages count as written again after the instant. Plain
	 * bit operations: writers are excluded by the rwsem, consumers by
	 * @d->lock.
	 */
	if (folio_maybe_dma_pinned(folio))
		bitmap_set(d->pending, first,
			   min_t(pgoff_t, end, d->nr_pages) - first);
	folio_unlock(folio);
	folio_put(folio);
	return end;
}

/*
 * Runs of written pages closer than this are write-protected together:
 * the clean pages between them lose their mappings too (a read refaults),
 * which costs less than one more MMU-notifier round trip and TLB flush.
 */
#define MSCHED_DIRTY_RUN_GAP	8

/*
 * Write-protect every page written in the epoch (@d->cur), with the cut
 * rwsem held for write. Their PTEs are zapped, one unmap_mapping_pages()
 * per run of pages: one TLB flush and one MMU-notifier call (KVM zaps its
 * SPTEs) per run, where folio_mkclean() would cost both per page. Once a
 * page's folio lock was taken and dropped here, nobody can make the page
 * writable again before the cut ends (->page_mkwrite waits for the
 * rwsem), so zapping after that wait is as good as write-protecting
 * under the lock; the next access faults, and a write goes through
 * ->page_mkwrite.
 */
static void msched_dirty_protect_epoch(struct msched_dirty *d)
{
	struct address_space *mapping = d->mf->vfs_inode.i_mapping;
	pgoff_t idx, next, start = 0, end = 0;	/* the run: [start, end) */
	unsigned int n = 0;
	bool run = false;

	/*
	 * By folio, not by bit: a huge folio's 512 bits take one lookup and
	 * one lock, and its run is 512-aligned, so the zap takes its PMD
	 * whole (zap_huge_pmd(), one KVM notifier per run).
	 */
	for (idx = find_first_bit(d->cur, d->nr_pages); idx < d->nr_pages;
	     idx = find_next_bit(d->cur, d->nr_pages, next)) {
		next = msched_dirty_settle_folio(d, mapping, idx);
		/* The next bit to look at: after the folio, within the file. */
		next = min_t(pgoff_t, max(next, idx + 1), d->nr_pages);
		if (run && idx <= end + MSCHED_DIRTY_RUN_GAP) {
			end = idx + 1;
		} else {
			if (run)
				unmap_mapping_pages(mapping, start, end - start,
						    false);
			start = idx;
			end = idx + 1;
			run = true;
		}
		end = next;	/* the rest of the folio: zapped whole anyway */
		if (!(++n & 255))
			cond_resched();
	}
	if (run)
		unmap_mapping_pages(mapping, start, end - start, false);
}

/**
 * msched_dirty_cut() - end the current epoch at one instant and freeze it.
 * @d: the tracker
 * @epoch: set to the number of the frozen epoch (1 for the first cut)
 *
 * Every page written since the last cut is write-protected while the
 * file's writers wait, then the epoch is frozen: its pages, read with
 * msched_dirty_copy(), are the file as it was at that instant. Writers
 * that faulted meanwhile waited (the writer stall, in the stats and the
 * msched_dirty_cut tracepoint).
 *
 * Context: process context; may sleep. Takes the file's cut rwsem for
 * write and the folio locks of the epoch's pages under it.
 * Return: the number of pages of the frozen epoch (>= 0), or -EBUSY while
 * the previous one is frozen (not committed or aborted).
 */
long msched_dirty_cut(struct msched_dirty *d, u64 *epoch)
{
	struct msched_file *mf = d->mf;
	u64 t0, t1, stall_max = 0;
	unsigned long *tmp;
	u64 huge, huge_total;
	s64 first;
	long n;

	mutex_lock(&d->lock);
	if (d->frozen) {
		mutex_unlock(&d->lock);
		return -EBUSY;
	}
	t0 = ktime_get_ns();
	down_write(&mf->dirty_rwsem);
	msched_dirty_protect_epoch(d);
	/* @pending was empty (commit and abort empty it): the next @cur. */
	tmp = d->pending;
	d->pending = d->cur;
	d->cur = tmp;
	if (d->redo_any) {
		bitmap_or(d->pending, d->pending, d->redo, d->nr_pages);
		bitmap_zero(d->redo, d->nr_pages);
		d->redo_any = false;
	}
	d->frozen = true;
	d->epoch++;
	/* The instant: every write so far is in, none after this. */
	t1 = ktime_get_ns();
	/* Writers count under the rwsem (read): exact for this epoch. */
	huge_total = atomic64_read(&d->nr_dirty_huge_folios);
	huge = huge_total - d->huge_at_cut;
	d->huge_at_cut = huge_total;
	first = atomic64_xchg(&mf->dirty_first_wait_ns, S64_MAX);
	up_write(&mf->dirty_rwsem);

	if (first != S64_MAX && first < t1)
		stall_max = t1 - first;
	bitmap_copy(d->eset, d->pending, d->nr_pages);
	n = bitmap_weight(d->pending, d->nr_pages);
	d->frozen_pages = n;
	d->nr_cuts++;
	d->nr_dirty_pages += n;
	d->last_cut_ns = t1 - t0;
	d->last_stall_max_ns = stall_max;
	*epoch = d->epoch;
	trace_msched_dirty_cut(mf->vfs_inode.i_ino, d->epoch, n, huge, t1 - t0,
			       stall_max);
	mutex_unlock(&d->lock);
	return n;
}
EXPORT_SYMBOL_GPL(msched_dirty_cut);

/**
 * msched_dirty_next() - the next page of the frozen epoch to copy.
 * @d: the tracker
 * @from: the first index to look at
 * @idx: set to the first frozen, not yet copied page index >= @from
 *
 * Context: process context; may sleep (the tracker's lock).
 * Return: 0, or -ENOENT when there is none (or no epoch is frozen).
 */
long msched_dirty_next(struct msched_dirty *d, pgoff_t from, pgoff_t *idx)
{
	long ret = -ENOENT;
	pgoff_t i;

	mutex_lock(&d->lock);
	if (d->frozen && from < d->nr_pages) {
		i = find_next_bit(d->pending, d->nr_pages, from);
		if (i < d->nr_pages) {
			*idx = i;
			ret = 0;
		}
	}
	mutex_unlock(&d->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(msched_dirty_next);

static void msched_dirty_copy_page(void *dst, struct page *page)
{
	void *src = kmap_local_page(page);

	memcpy(dst, src, PAGE_SIZE);
	kunmap_local(src);
}

/**
 * msched_dirty_copy() - copy a page of the frozen epoch as it was at the
 * cut.
 * @d: the tracker
 * @idx: a frozen page index not copied yet
 * @dst: PAGE_SIZE bytes
 *
 * From its COW copy if a write came first, else from the page itself under
 * its folio lock (no write can have landed since the cut: it would have
 * made a COW copy); a page out on the swap device is read back, a hole is
 * zeros (nothing is allocated). The page is then copied: later writes do
 * not copy it aside, and its COW copy is freed.
 *
 * Context: process context; may sleep (a swap-in). Takes the tracker's
 * lock, the invalidate lock (shared), the folio lock.
 * Return: 0; -ENOENT when @idx is not a pending page of a frozen epoch;
 * -EIO (the page could not be read back from the swap device) or -ENOMEM,
 * and the page stays pending.
 */
int msched_dirty_copy(struct msched_dirty *d, pgoff_t idx, void *dst)
{
	struct address_space *mapping = d->mf->vfs_inode.i_mapping;
	struct folio *folio = NULL;
	struct page *cow;
	int err = 0;

	mutex_lock(&d->lock);
	if (!d->frozen || idx >= d->nr_pages || !test_bit(idx, d->pending)) {
		mutex_unlock(&d->lock);
		return -ENOENT;
	}
	filemap_invalidate_lock_shared(mapping);
	/* Stable once there: only the calls serialized by our lock drop it. */
	cow = xa_load(&d->cow, idx);
	if (!cow) {
		folio = msched_fs_find_folio(d->mf, idx);
		if (IS_ERR(folio)) {
			err = PTR_ERR(folio);
			goto out;
		}
		/* A writer may have copied it aside before we locked it. */
		cow = xa_load(&d->cow, idx);
	}
	if (cow)
		msched_dirty_copy_page(dst, cow);
	else if (folio)
		msched_dirty_copy_page(dst, folio_file_page(folio, idx));
	else
		memset(dst, 0, PAGE_SIZE);	/* a hole */
	xa_lock(&d->cow);
	__clear_bit(idx, d->pending);
	cow = __xa_erase(&d->cow, idx);
	xa_unlock(&d->cow);
	if (folio) {
		folio_unlock(folio);
		folio_put(folio);
	}
	if (cow)
		__free_page(cow);
out:
	filemap_invalidate_unlock_shared(mapping);
	mutex_unlock(&d->lock);
	return err;
}
EXPORT_SYMBOL_GPL(msched_dirty_copy);

/* Drop the frozen epoch: no page pending, no COW copy left. */
static void msched_dirty_drop(struct msched_dirty *d)
{
	lockdep_assert_held(&d->lock);
	xa_lock(&d->cow);
	bitmap_zero(d->pending, d->nr_pages);
	xa_unlock(&d->cow);
	msched_dirty_free_cows(d);
	d->frozen = false;
	d->frozen_pages = 0;
}

/**
 * msched_dirty_commit() - the frozen epoch reached the peer: drop it.
 * @d: the tracker
 *
 * Its pages not copied yet and its COW copies are dropped; the next cut
 * can happen. Nothing happens when no epoch is frozen.
 *
 * Context: process context; may sleep (the tracker's lock).
 */
void msched_dirty_commit(struct msched_dirty *d)
{
	mutex_lock(&d->lock);
	if (d->frozen) {
		msched_dirty_drop(d);
		d->nr_commits++;
	}
	mutex_unlock(&d->lock);
}
EXPORT_SYMBOL_GPL(msched_dirty_commit);

/**
 * msched_dirty_abort() - the frozen epoch did not reach the peer: its
 * pages are dirty again.
 * @d: the tracker
 *
 * Every page of the epoch, copied or not, is in the next cut's epoch.
 * Nothing happens when no epoch is frozen.
 *
 * Context: process context; may sleep (the tracker's lock).
 */
void msched_dirty_abort(struct msched_dirty *d)
{
	mutex_lock(&d->lock);
	if (d->frozen) {
		/* Write-protected by their cut: the next cut needs not. */
		bitmap_or(d->redo, d->redo, d->eset, d->nr_pages);
		d->redo_any = true;
		msched_dirty_drop(d);
		d->nr_aborts++;
	}
	mutex_unlock(&d->lock);
}
EXPORT_SYMBOL_GPL(msched_dirty_abort);

/**
 * msched_dirty_read_stats() - read a tracker's counters.
 * @d: the tracker
 * @st: filled in
 *
 * Context: process context; may sleep (the tracker's lock).
 */
void msched_dirty_read_stats(struct msched_dirty *d,
			     struct msched_dirty_stats *st)
{
	mutex_lock(&d->lock);
	st->epoch = d->epoch;
	st->nr_pages = d->nr_pages;
	st->frozen_pages = d->frozen_pages;
	st->nr_cuts = d->nr_cuts;
	st->nr_dirty_pages = d->nr_dirty_pages;
	st->nr_cow_pages = atomic64_read(&d->nr_cow_pages);
	st->nr_commits = d->nr_commits;
	st->nr_aborts = d->nr_aborts;
	st->stall_ns = atomic64_read(&d->stall_ns);
	st->last_stall_max_ns = d->last_stall_max_ns;
	st->last_cut_ns = d->last_cut_ns;
	st->nr_dirty_huge_folios = atomic64_read(&d->nr_dirty_huge_folios);
	mutex_unlock(&d->lock);
}
EXPORT_SYMBOL_GPL(msched_dirty_read_stats);

/**
 * msched_file_is_memschedfs() - whether a file is a memschedfs regular
 * file.
 * @file: an open file
 *
 * Context: any.
 * Return: true when it is.
 */
bool msched_file_is_memschedfs(struct file *file)
{
	return file && msched_fs_is_file(file);
}
EXPORT_SYMBOL_GPL(msched_file_is_memschedfs);

/**
 * msched_file_nr_pages() - a memschedfs file's size in pages.
 * @file: an open memschedfs regular file
 *
 * Context: any.
 * Return: the size in pages (a partial last page counts), 0 when @file is
 * not a memschedfs regular file.
 */
pgoff_t msched_file_nr_pages(struct file *file)
{
	if (!msched_file_is_memschedfs(file))
		return 0;
	return msched_fs_nr_pages(file_inode(file));
}
EXPORT_SYMBOL_GPL(msched_file_nr_pages);

/**
 * msched_file_read_page() - read a page of a memschedfs file.
 * @file: an open memschedfs regular file
 * @idx: the page index
 * @dst: PAGE_SIZE bytes
 *
 * A page out on the swap device is read back; a hole reads as zeros and
 * stays a hole.
 *
 * Context: process context; may sleep. Takes the invalidate lock (shared)
 * and the folio lock.
 * Return: 0; -EINVAL (not memschedfs, or @idx beyond the size); -EIO or
 * -ENOMEM (reading it back failed).
 */
int msched_file_read_page(struct file *file, pgoff_t idx, void *dst)
{
	struct address_space *mapping;
	struct msched_file *mf;
	struct folio *folio;
	int err = 0;

	if (!msched_file_is_memschedfs(file))
		return -EINVAL;
	mf = MSCHED_FILE(file_inode(file));
	mapping = mf->vfs_inode.i_mapping;
	filemap_invalidate_lock_shared(mapping);
	if (idx >= msched_fs_nr_pages(&mf->vfs_inode)) {
		err = -EINVAL;
		goto out;
	}
	folio = msched_fs_find_folio(mf, idx);
	if (IS_ERR(folio)) {
		err = PTR_ERR(folio);
	} else if (!folio) {
		memset(dst, 0, PAGE_SIZE);
	} else {
		msched_dirty_copy_page(dst, folio_file_page(folio, idx));
		folio_unlock(folio);
		folio_put(folio);
	}
out:
	filemap_invalidate_unlock_shared(mapping);
	return err;
}
EXPORT_SYMBOL_GPL(msched_file_read_page);

/**
 * msched_file_write_page() - write a page of a memschedfs file.
 * @file: an open memschedfs regular file
 * @idx: the page index
 * @src: PAGE_SIZE bytes
 *
 * The page is allocated (or read back) as a fault would, and counted as a
 * touch as a fault is. On a tracked file the write is recorded as a
 * write fault's is (COW of a frozen page, then the current epoch).
 *
 * Context: process context; may sleep. Takes the invalidate lock (shared),
 * the cut rwsem (read) and the folio lock, in that order.
 * Return: 0; -EINVAL (not memschedfs, or @idx beyond the size); -ENOMEM;
 * -EIO (the page could not be read back from the swap device).
 */
int msched_file_write_page(struct file *file, pgoff_t idx, const void *src)
{
	struct address_space *mapping;
	struct msched_file *mf;
	struct folio *folio;
	bool new = false;
	void *kaddr;
	int err = 0;

	if (!msched_file_is_memschedfs(file))
		return -EINVAL;
	mf = MSCHED_FILE(file_inode(file));
	mapping = mf->vfs_inode.i_mapping;
	filemap_invalidate_lock_shared(mapping);
	if (idx >= msched_fs_nr_pages(&mf->vfs_inode)) {
		err = -EINVAL;
		goto out;
	}
	down_read(&mf->dirty_rwsem);
	folio = msched_fs_get_folio(mf, idx, &new);
	if (IS_ERR(folio)) {
		err = PTR_ERR(folio);
		goto out_up;
	}
	if (mf->dirty)
		err = msched_fs_dirty_note_write(mf->dirty, folio);
	if (!err) {
		kaddr = kmap_local_folio(folio, (size_t)(idx - folio->index) <<
					 PAGE_SHIFT);
		memcpy(kaddr, src, PAGE_SIZE);
		kunmap_local(kaddr);
		flush_dcache_folio(folio);
	}
	folio_unlock(folio);
	folio_put(folio);
out_up:
	up_read(&mf->dirty_rwsem);
out:
	filemap_invalidate_unlock_shared(mapping);
	if (!err)
		msched_fs_note_touch(mf, idx, new);
	return err;
}
EXPORT_SYMBOL_GPL(msched_file_write_page);
