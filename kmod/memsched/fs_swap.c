// SPDX-License-Identifier: GPL-2.0
/*
 * memschedfs: hypervisor swap of a file's pages to the swap device
 * (swap_dev.c).
 *
 * A page is in one of three places: resident (a folio in the page cache),
 * being written (a folio in the page cache, locked and under writeback, and
 * an entry in mf->swap_map marked XA_MARK_0), or out (no folio, an entry in
 * mf->swap_map holding its slot). The slot map is the file's own xarray,
 * never value entries in the page cache: on 6.1 drop_caches and the
 * workingset shadow shrinker would erase those (a silent zero page).
 *
 * Swap-out (msched_fs_swap_out(), files/<ino>/swap_out) is a pipeline:
 * select the coldest resident pages (lib/msched_swap, from the heat of the
 * file's tiering engine); per batch of swap/batch_pages, trylock each
 * folio, unmap the batch's span with one unmap_mapping_pages() call (one
 * TLB flush and one MMU-notifier round trip; KVM zaps its SPTEs), keep the
 * folios that are still unmapped and that nobody else holds (reference
 * count: the page cache's and ours), give them runs of contiguous slots,
 * publish the slots in swap_map (in flight) and start writeback. A work
 * item then writes one bio per run of contiguous slots, under one plug,
 * while the preparer goes on with the next batch (at most
 * swap/queue_depth batches in flight; swap/pipeline 0 waits for each). The
 * folios stay locked through the write, so a fault or a move of one of
 * them waits for it. The last bio's completion queues the batch's
 * completion work, which ends writeback and, per folio whose write
 * succeeded, takes it out of the page cache if nobody took a reference
 * meanwhile (folio_ref_freeze(), the check migration uses) and frees it; a
 * folio whose write failed, or that became busy, stays resident and intact
 * and its slots are freed.
 *
 * A huge (2 MiB) folio is one candidate weighing 512 pages and goes out
 * whole: swap_map still holds one entry per page (512, all published
 * before the write), its slots are one contiguous run when the device has
 * one (msched_swap_slots_get_contig(): one bio, one 2 MiB bvec), else
 * several runs (counted as fragmented), all or nothing. It leaves the page
 * cache as filemap_unaccount_folio() would (NR_FILE_THPS). With fewer
 * than 512 slots free it stays whole in memory (nr_swap_huge_skips) and
 * the 4 KiB folios after it still go out. Its range comes back as one huge
 * folio on the first access to it (msched_fs_swap_in_huge(), with
 * swap/huge_readback 1, the default), else as 4 KiB pages
 * (msched_fs_swap_in()).
 *
 * Swap-in (msched_fs_swap_in(), from the fault path) reads the page back
 * into a new folio, locked and !uptodate in the page cache during the
 * read, together with up to swap/readahead_pages neighbours whose slots
 * continue its run, in one bio. A read that fails leaves the page out
 * (SIGBUS for that access); a zero page is never made up.
 *
 * Truncate, punch hole and evict free the slots of the range without
 * reading them (msched_fs_swap_free_range()); an entry whose write is in
 * flight is only erased, and its completion, finding it gone, frees the
 * slot and leaves the folio to the truncation.
 *
 * Lock order (Documentation/design/locking.rst): move_lock ->
 * msched_swap_rwsem (read) -> invalidate_lock (shared) -> folio locks
 * (trylock only, while others are held) -> swap_map's xa_lock -> the page
 * cache's xa_lock (irq) / msched_swap_lock.
 */
#define pr_fmt(fmt) "memschedfs: " fmt

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/vmstat.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "../compat.h"
#include "msched_swap.h"
#include "memsched.h"
#include "fs.h"
#include "swap.h"
#include "trace.h"

/* Batches of every file in flight now (debugfs live_swap_batches). */
atomic64_t msched_live_swap_batches = ATOMIC64_INIT(0);

/* Selection rounds of one swap_out: busy pages are replaced by others. */
#define MSCHED_FS_SWAP_ROUNDS	4

struct msched_fs_swapper;

/**
 * struct msched_swap_batch - one write batch of a swap_out.
 * @sw: the swap_out it belongs to
 * @submit_work: builds and submits the bios
 * @done_work: the completion, after the last bio
 * @pending: bios not completed yet, plus one while @submit_work builds them
 * @active: in flight (under the swapper's lock)
 * @nr: pages
 * @nr_runs: bios
 * @held: scratch of the preparer: the batch's folios, one entry per folio
 * @folios: per page, its folio (locked, referenced and under writeback;
 *	the pages of a huge folio are consecutive entries, in index order)
 * @idx: per page, its index in the file
 * @slots: per page, its slot
 * @failed: bitmap per page: its write failed (set by end_io)
 * @submit_ns: when the batch was handed to submission
 * @done_ns: when its last bio completed
 */
struct msched_swap_batch {
	struct msched_fs_swapper *sw;
	struct work_struct submit_work;
	struct work_struct done_work;
	atomic_t pending;
	bool active;
	u32 nr;
	u32 nr_runs;
	struct folio **held;
	struct folio **folios;
	pgoff_t *idx;
	u64 *slots;
	unsigned long *failed;
	u64 submit_ns;
	u64 done_ns;
};

/**
 * struct msched_fs_swapper - the state of one swap_out call.
 * @mf: the file
 * @k: the knobs, read at the start
 * @lock: protects @inflight, @out, @errors, @busy and the batches' @active;
 *	the preparer waits on @wq under it
 * @wq: the preparer waits here for a batch to complete
 * @inflight: batches in flight
 * @batches: @k.queue_depth batches, allocated on first use
 * @out: pages that left memory
 * @errors: pages whose write failed
 * @busy: pages selected but kept (in use), at prepare time or completion
 * @nospc: the device ran out of slots
 * @huge_nospc: a huge folio was kept whole for want of 512 free slots
 *	(the 4 KiB pages after it still go out while slots are left)
 */
struct msched_fs_swapper {
	struct msched_file *mf;
	struct msched_swap_knobs k;
	spinlock_t lock;
	wait_queue_head_t wq;
	u32 inflight;
	struct msched_swap_batch *batches;
	u64 out;
	u64 errors;
	u64 busy;
	bool nospc;
	bool huge_nospc;
};

/**
 * msched_fs_swap_init() - set up a new inode's swap state.
 * @mf: the file
 *
 * Context: process context (inode allocation).
 */
void msched_fs_swap_init(struct msched_file *mf)
{
	xa_init(&mf->swap_map);
	atomic64_set(&mf->nr_swapped, 0);
}

/**
 * msched_fs_swap_free_range() - free the slots of pages that are out, in a
 * range of a file, without reading them.
 * @mf: the file
 * @first: first page index
 * @last: last page index (inclusive; ULONG_MAX for the end of the file)
 *
 * Call it before the page cache of the range is truncated. An entry whose
 * write is in flight is only erased: its completion frees the slot, and
 * leaves the folio (locked until then) to the truncation.
 *
 * Context: process context. Caller holds the mapping's invalidate lock
 * exclusive; takes the swap_map's lock and msched_swap_lock.
 */
void msched_fs_swap_free_range(struct msched_file *mf, pgoff_t first,
			       pgoff_t last)
{
	XA_STATE(xas, &mf->swap_map, first);
	u64 run = 0, len = 0, slot;
	void *entry;

	lockdep_assert_held_write(&mf->vfs_inode.i_mapping->invalidate_lock);
	xas_lock(&xas);
	xas_for_each(&xas, entry, last) {
		bool inflight = xas_get_mark(&xas, XA_MARK_0);

		slot = xa_to_value(entry);
		xas_store(&xas, NULL);
		if (!inflight) {	/* else the completion frees the slot */
			atomic64_dec(&mf->nr_swapped);
			if (len && slot == run + len) {
				len++;
			} else {
				if (len)
					msched_swap_slots_put(run, len);
				run = slot;
				len = 1;
			}
		}
		if (need_resched()) {
			/*
			 * Not xas_pause(): after a store that emptied a node
			 * the walk stands on the parent, and a pause there
			 * skips the rest of the emptied node's range (63
			 * slots leaked, seen on the debug kernel).
			 */
			unsigned long next = xas.xa_index + 1;

			xas_unlock(&xas);
			cond_resched();
			xas_lock(&xas);
			xas_set(&xas, next);
		}
	}
	xas_unlock(&xas);
	if (len)
		msched_swap_slots_put(run, len);
}

/**
 * msched_fs_swap_evict() - free every slot of a file being evicted, and
 * its swap map.
 * @mf: the file; nobody else holds it, so no write of it is in flight
 *
 * Context: process context (evict_inode); takes the invalidate lock.
 */
void msched_fs_swap_evict(struct msched_file *mf)
{
	struct address_space *mapping = mf->vfs_inode.i_mapping;

	/* A swap_out holds a reference (or is a callback of files/<ino>/). */
	WARN_ON_ONCE(xa_marked(&mf->swap_map, XA_MARK_0));
	filemap_invalidate_lock(mapping);
	msched_fs_swap_free_range(mf, 0, ULONG_MAX);
	filemap_invalidate_unlock(mapping);
	xa_destroy(&mf->swap_map);
}

/*
 * Take @folio (locked, unmapped, ours: folio_ref_count() is its pages, the
 * page cache's references, plus ours) out of the page cache, as
 * filemap_remove_folio() does, which is not exported: only if nobody else
 * took a reference (frozen at the page cache's plus ours). A huge folio
 * leaves whole (its multi-index entry, NR_FILE_THPS and the mapping's
 * THP count, as filemap_unaccount_folio()). ->free_folio is not called:
 * the caller does its accounting. Returns false, and changes nothing,
 * when the folio is busy.
 */
static bool msched_fs_swap_remove_folio(struct address_space *mapping,
					struct folio *folio)
{
	long nr = folio_nr_pages(folio);
	XA_STATE(xas, &mapping->i_pages, folio->index);

	if (folio->mapping != mapping || folio_mapped(folio))
		return false;
	xas_set_order(&xas, folio->index, folio_order(folio));
	xas_lock_irq(&xas);
	if (xas_load(&xas) != folio || !folio_ref_freeze(folio, nr + 1)) {
		xas_unlock_irq(&xas);
		return false;
	}
	xas_store(&xas, NULL);
	xas_init_marks(&xas);
	folio->mapping = NULL;
	mapping->nrpages -= nr;
	__lruvec_stat_mod_folio(folio, NR_FILE_PAGES, -nr);
	if (folio_test_pmd_mappable(folio)) {
		__lruvec_stat_mod_folio(folio, NR_FILE_THPS, -nr);
		filemap_nr_thps_dec(mapping);
	}
	xas_unlock_irq(&xas);
	folio_ref_unfreeze(folio, 1);	/* the page cache's reference is gone */
	/* Dirty only so that the page cache never dropped it; nothing to account. */
	folio_clear_dirty(folio);
	return true;
}

enum { SWAP_OUT, SWAP_ERROR, SWAP_BUSY, SWAP_GONE };

/* Free the slots @slots[0..@n) of a batch, one call per contiguous run. */
static void msched_fs_swap_put_slots(const u64 *slots, u32 n)
{
	u32 i, j;

	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && slots[j] == slots[j - 1] + 1; j++)
			;
		msched_swap_slots_put(slots[i], j - i);
	}
}

/*
 * The write of @folio (locked, referenced, writeback ended), its @nr pages
 * @idx[] to @slots[], completed: free the folio if every one of its
 * entries still holds its slot, or keep it whole and free every slot.
 * Drops the lock and the reference.
 */
static int msched_fs_swap_finish_one(struct msched_file *mf,
				     struct folio *folio, const pgoff_t *idx,
				     const u64 *slots, u32 nr, bool failed)
{
	struct address_space *mapping = mf->vfs_inode.i_mapping;
	XA_STATE(xas, &mf->swap_map, idx[0]);
	int nid = folio_nid(folio), ret = SWAP_OUT;
	u32 k;

	xas_lock(&xas);
	for (k = 0; k < nr; k++) {
		xas_set(&xas, idx[k]);
		if (xas_load(&xas) != xa_mk_value(slots[k])) {
			ret = SWAP_GONE; /* truncated meanwhile: erased, slot ours */
			break;
		}
	}
	if (ret == SWAP_OUT && failed)
		ret = SWAP_ERROR;
	else if (ret == SWAP_OUT && !msched_fs_swap_remove_folio(mapping, folio))
		ret = SWAP_BUSY;
	for (k = 0; k < nr; k++) {
		/* xas_load() walks to the entry: the mark needs its node. */
		xas_set(&xas, idx[k]);
		if (xas_load(&xas) != xa_mk_value(slots[k]))
			continue;	/* gone (a punch erased it) */
		if (ret == SWAP_OUT)
			xas_clear_mark(&xas, XA_MARK_0);
		else
			xas_store(&xas, NULL);
	}
	if (ret == SWAP_OUT)
		atomic64_add(nr, &mf->nr_swapped);
	xas_unlock(&xas);
	if (ret != SWAP_OUT) {
		msched_fs_swap_put_slots(slots, nr);
	} else {
		msched_fs_live_pages_add(-(long)nr);
		msched_fs_note_moved(mf, nid, NUMA_NO_NODE, nr);
	}
	folio_unlock(folio);
	folio_put(folio);	/* the last reference when it went out */
	return ret;
}

/* A batch's last bio completed: settle each page (process context). */
static void msched_fs_swap_done(struct work_struct *work)
{
	struct msched_swap_batch *b = container_of(work, struct msched_swap_batch,
						   done_work);
	struct msched_fs_swapper *sw = b->sw;
	struct msched_file *mf = sw->mf;
	u32 i, e, fn, n[4] = {}, failed = 0, huge = 0, frag = 0, ret;
	u64 write_ns = b->done_ns - b->submit_ns;

	/*
	 * Writeback ends here, once per folio, not in end_io: a huge folio
	 * written by several bios must not end it at its first. Nobody
	 * waits on it meanwhile: the folio stays locked until settled.
	 */
	for (i = 0; i < b->nr; i = e) {
		struct folio *folio = b->folios[i];
		bool f;

		fn = folio_nr_pages(folio);
		e = i + fn;
		failed += bitmap_weight(b->failed, e) -
			  (i ? bitmap_weight(b->failed, i) : 0);
		f = find_next_bit(b->failed, e, i) < e;
		folio_end_writeback(folio);
		ret = msched_fs_swap_finish_one(mf, folio, b->idx + i,
						b->slots + i, fn, f);
		n[ret] += fn;
		if (ret == SWAP_OUT && fn > 1) {
			huge++;
			if (b->slots[e - 1] != b->slots[i] + fn - 1)
				frag++;
		}
	}
	msched_fs_count(mf, MSCHED_FS_ST_SWAP_OUT_HUGE, huge);
	msched_fs_count(mf, MSCHED_FS_ST_SWAP_OUT_HUGE_FRAG, frag);
	if (failed)
		pr_warn_ratelimited("%s: %u of %u pages failed to write to the swap device; they stay in memory, intact\n",
				    mf->name, failed, b->nr);
	msched_fs_count(mf, MSCHED_FS_ST_SWAP_OUT, n[SWAP_OUT]);
	msched_fs_count(mf, MSCHED_FS_ST_SWAP_WRITE_BYTES,
			(u64)(b->nr - failed) << PAGE_SHIFT);
	msched_fs_count(mf, MSCHED_FS_ST_SWAP_WRITE_ERRORS, failed);
	msched_fs_count(mf, MSCHED_FS_ST_SWAP_BUSY, n[SWAP_BUSY]);
	msched_fs_count(mf, MSCHED_FS_ST_SWAP_WRITE_NS, write_ns);
	trace_msched_swap_write_done(mf->vfs_inode.i_ino, b->nr, failed,
				     n[SWAP_BUSY], write_ns);

	spin_lock_irq(&sw->lock);
	sw->out += n[SWAP_OUT];
	sw->errors += failed;
	sw->busy += n[SWAP_BUSY];
	b->active = false;
	sw->inflight--;
	atomic64_dec(&msched_live_swap_batches);
	wake_up(&sw->wq);
	/* The preparer frees @sw once it sees this under the lock. */
	spin_unlock_irq(&sw->lock);
}

/* Any context (hardirq included): record, pass the baton. */
static void msched_fs_swap_end_write(struct bio *bio)
{
	struct msched_swap_bio *sb = container_of(bio, struct msched_swap_bio,
						  bio);
	struct msched_swap_batch *b = sb->batch;
	u32 i;

	/* Writeback ends per folio in msched_fs_swap_done(). */
	if (bio->bi_status)
		for (i = sb->first; i < sb->first + sb->nr; i++)
			set_bit(i, b->failed);
	bio_put(bio);
	if (atomic_dec_and_test(&b->pending)) {
		b->done_ns = ktime_get_ns();
		msched_swap_queue_work(&b->done_work);
	}
}

/*
 * The bio starting at page @i of @b: pages @i..*@end (exclusive) have
 * contiguous slots and take at most BIO_MAX_VECS bvecs (one per piece of a
 * folio). Returns the bvecs.
 */
static u32 msched_fs_swap_run(const struct msched_swap_batch *b, u32 i,
			      u32 *end)
{
	u32 j, vecs = 1;

	for (j = i + 1; j < b->nr && b->slots[j] == b->slots[j - 1] + 1; j++) {
		if (b->folios[j] != b->folios[j - 1]) {
			if (vecs == BIO_MAX_VECS)
				break;
			vecs++;
		}
	}
	*end = j;
	return vecs;
}

/* Pages a batch can hold: batch_pages, plus a huge folio that ends it. */
static u32 msched_fs_swap_batch_cap(const struct msched_fs_swapper *sw)
{
	return sw->k.batch_pages + MSCHED_FS_HUGE_NR - 1;
}

/*
 * Build and submit one bio per run of contiguous slots, under one plug,
 * one bio at a time (a mempool wait flushes the plug, so the bio_set
 * always makes progress).
 */
static void msched_fs_swap_submit(struct work_struct *work)
{
	struct msched_swap_batch *b = container_of(work, struct msched_swap_batch,
						   submit_work);
	struct blk_plug plug;
	u32 i, j;

	blk_start_plug(&plug);
	for (i = 0; i < b->nr; i = j) {
		struct msched_swap_bio *sb;
		struct bio *bio;
		u32 vecs = msched_fs_swap_run(b, i, &j), k, e;

		bio = msched_swap_bio_alloc(vecs, REQ_OP_WRITE | REQ_SWAP |
					    REQ_SYNC | REQ_IDLE);
		sb = container_of(bio, struct msched_swap_bio, bio);
		bio->bi_iter.bi_sector = b->slots[i] << (PAGE_SHIFT - SECTOR_SHIFT);
		bio->bi_end_io = msched_fs_swap_end_write;
		sb->batch = b;
		sb->first = i;
		/* One bvec per piece of a folio (F5: it may span 2 MiB). */
		for (sb->nr = 0, k = i; k < j; k = e) {
			struct folio *f = b->folios[k];
			u32 len;

			for (e = k + 1; e < j && b->folios[e] == f; e++)
				;
			len = (e - k) << PAGE_SHIFT;
			if (bio_add_page(bio, folio_page(f, b->idx[k] - f->index),
					 len, 0) != len)
				break;	/* full: the rest goes in the next bio */
			sb->nr += e - k;
		}
		if (WARN_ON_ONCE(!sb->nr)) {	/* cannot happen: room for one */
			bio->bi_status = BLK_STS_RESOURCE;
			sb->nr = 1;
			atomic_inc(&b->pending);
			bio_endio(bio);
			j = i + 1;
			continue;
		}
		j = i + sb->nr;
		atomic_inc(&b->pending);
		submit_bio(bio);
	}
	blk_finish_plug(&plug);
	if (atomic_dec_and_test(&b->pending)) {
		b->done_ns = ktime_get_ns();
		msched_fs_swap_done(&b->done_work);
	}
}

static void msched_fs_swap_free_batches(struct msched_fs_swapper *sw)
{
	u32 i;

	if (!sw->batches)
		return;
	for (i = 0; i < sw->k.queue_depth; i++) {
		kvfree(sw->batches[i].held);
		kvfree(sw->batches[i].folios);
		kvfree(sw->batches[i].idx);
		kvfree(sw->batches[i].slots);
		bitmap_free(sw->batches[i].failed);
	}
	kfree(sw->batches);
	sw->batches = NULL;
}

/*
 * Wait until fewer than @max batches are in flight; returns a free batch
 * (allocating its arrays on first use), or NULL on -ENOMEM. The wait is
 * the pipeline's stall.
 */
static struct msched_swap_batch *msched_fs_swap_get_batch(struct msched_fs_swapper *sw,
							  u32 max)
{
	struct msched_swap_batch *b = NULL;
	u64 t0 = ktime_get_ns();
	u32 i, n = msched_fs_swap_batch_cap(sw);

	spin_lock_irq(&sw->lock);
	wait_event_lock_irq(sw->wq, sw->inflight < max, sw->lock);
	for (i = 0; i < sw->k.queue_depth; i++) {
		if (!sw->batches[i].active) {
			b = &sw->batches[i];
			break;
		}
	}
	spin_unlock_irq(&sw->lock);
	msched_fs_count(sw->mf, MSCHED_FS_ST_SWAP_STALL_NS, ktime_get_ns() - t0);
	if (WARN_ON_ONCE(!b) || b->folios)
		return b;
	b->held = msched_fallible(kvmalloc_array(n, sizeof(*b->held),
						 GFP_KERNEL));
	b->folios = msched_fallible(kvmalloc_array(n, sizeof(*b->folios),
						   GFP_KERNEL));
	b->idx = msched_fallible(kvmalloc_array(n, sizeof(*b->idx),
						GFP_KERNEL));
	b->slots = msched_fallible(kvmalloc_array(n, sizeof(*b->slots),
						  GFP_KERNEL));
	b->failed = msched_fallible(bitmap_alloc(n, GFP_KERNEL));
	if (!b->held || !b->folios || !b->idx || !b->slots || !b->failed) {
		kvfree(b->held);
		kvfree(b->folios);
		kvfree(b->idx);
		kvfree(b->slots);
		bitmap_free(b->failed);
		b->held = NULL;
		b->folios = NULL;
		b->idx = NULL;
		b->slots = NULL;
		b->failed = NULL;
		return NULL;
	}
	b->sw = sw;
	INIT_WORK(&b->submit_work, msched_fs_swap_submit);
	INIT_WORK(&b->done_work, msched_fs_swap_done);
	return b;
}

/* Give a folio back untouched: it stays resident. */
static void msched_fs_swap_unhold(struct folio *folio)
{
	folio_unlock(folio);
	folio_put(folio);
}

/*
 * Lock the folios @sel[0..@nr) (first indexes) that are still resident
 * and idle, until they hold swap/batch_pages pages (at least one folio),
 * unmap their span once, and keep those that nobody maps or holds.
 * *@used is set to the entries of @sel looked at. Returns how many folios
 * are in @b->held, locked and referenced; adds the rest's pages to *busy.
 */
static u32 msched_fs_swap_lock_batch(struct msched_fs_swapper *sw,
				     struct msched_swap_batch *b,
				     const u32 *sel, u32 nr, u32 *used,
				     u64 *busy)
{
	struct address_space *mapping = sw->mf->vfs_inode.i_mapping;
	struct folio *folio, *last;
	u32 i, n = 0, kept = 0, pages = 0;

	for (i = 0; i < nr && pages < sw->k.batch_pages; i++) {
		folio = msched_compat_get_folio(mapping, sel[i]);
		if (!folio)
			continue;	/* gone meanwhile */
		if (!folio_trylock(folio)) {
			*busy += folio_nr_pages(folio);
			folio_put(folio);
			continue;
		}
		/* Gone, split, or a huge folio bigger than a batch holds. */
		if (folio->mapping != mapping || folio->index != sel[i] ||
		    folio_nr_pages(folio) > MSCHED_FS_HUGE_NR ||
		    !folio_test_uptodate(folio) || folio_test_writeback(folio)) {
			(*busy) += folio_nr_pages(folio);
			msched_fs_swap_unhold(folio);
			continue;
		}
		b->held[n++] = folio;
		pages += folio_nr_pages(folio);
	}
	*used = i;
	if (!n)
		return 0;
	/* One TLB flush and one MMU-notifier round trip (a PMD goes whole). */
	last = b->held[n - 1];
	unmap_mapping_pages(mapping, b->held[0]->index,
			    last->index + folio_nr_pages(last) - b->held[0]->index,
			    false);
	for (i = 0; i < n; i++) {
		folio = b->held[i];
		/*
		 * Mapped again, mlocked, or held (GUP, KVM mid-fault, LRU
		 * batch): anything beyond the page cache's and ours.
		 */
		if (folio_mapped(folio) || folio_test_mlocked(folio) ||
		    folio_ref_count(folio) != folio_nr_pages(folio) + 1) {
			(*busy) += folio_nr_pages(folio);
			msched_fs_swap_unhold(folio);
			continue;
		}
		b->held[kept++] = folio;
	}
	return kept;
}

/* Add the @fn pages of @folio, from slot @slots[0..], to @b at page @p. */
static void msched_fs_swap_add_pages(struct msched_swap_batch *b, u32 p,
				     struct folio *folio)
{
	u32 k, fn = folio_nr_pages(folio);

	for (k = 0; k < fn; k++) {
		b->folios[p + k] = folio;
		b->idx[p + k] = folio->index + k;
	}
}

/*
 * Slots for the huge folio @folio at page @p of @b: one run of its size
 * if the device has one, else several runs (fragmented), all or nothing.
 * Returns false (nothing allocated) when fewer slots are free.
 */
static bool msched_fs_swap_huge_slots(struct msched_fs_swapper *sw,
				      struct msched_swap_batch *b, u32 p,
				      struct folio *folio)
{
	u32 k, got, fn = folio_nr_pages(folio);
	u64 start;

	if (msched_swap_slots_get_contig(fn, &start) == fn) {
		for (k = 0; k < fn; k++)
			b->slots[p + k] = start + k;
		return true;
	}
	for (k = 0; k < fn; ) {
		got = msched_swap_slots_get(fn - k, &start);
		if (!got)
			break;
		for (; got; got--, k++)
			b->slots[p + k] = start++;
	}
	if (k == fn)
		return true;
	msched_fs_swap_put_slots(b->slots + p, k);
	return false;
}

/*
 * Give the @n locked folios of @b->held slots (a run per run of
 * consecutive 4 KiB indexes, split where the allocator returns a shorter
 * run; a huge folio one run of 512 if it can), lay their pages out in @b,
 * publish them in swap_map as in flight and start writeback. Folios left
 * without slots (the device is full) or entries (no memory) are given
 * back. Returns the pages kept.
 */
static u32 msched_fs_swap_assign(struct msched_fs_swapper *sw,
				 struct msched_swap_batch *b, u32 n)
{
	struct msched_file *mf = sw->mf;
	u32 f = 0, g, p = 0, q, k, fn, got, kept = 0;
	u64 start;

	while (f < n) {
		struct folio *folio = b->held[f];

		if (sw->nospc) {
			msched_fs_swap_unhold(folio);	/* no slot */
			f++;
			continue;
		}
		if (folio_test_large(folio)) {
			if (!msched_fs_swap_huge_slots(sw, b, p, folio)) {
				/*
				 * Fewer than 512 free: it stays whole, and
				 * the 4 KiB folios after it may still fit.
				 */
				msched_fs_count(mf, MSCHED_FS_ST_SWAP_HUGE_SKIPS, 1);
				sw->huge_nospc = true;
				msched_fs_swap_unhold(folio);
				f++;
				continue;
			}
			msched_fs_swap_add_pages(b, p, folio);
			p += folio_nr_pages(folio);
			f++;
			continue;
		}
		/* A run of consecutive 4 KiB folios. */
		for (g = f + 1; g < n && !folio_test_large(b->held[g]) &&
		     b->held[g]->index == b->held[g - 1]->index + 1; g++)
			;
		while (f < g) {
			got = msched_swap_slots_get(g - f, &start);
			if (!got) {
				sw->nospc = true;
				break;
			}
			for (; got; got--, f++, p++) {
				msched_fs_swap_add_pages(b, p, b->held[f]);
				b->slots[p] = start++;
			}
		}
	}
	/* Publish, folio by folio; @q walks the pages kept. */
	xa_lock(&mf->swap_map);
	for (k = 0, q = 0; k < p; k += fn) {
		struct folio *folio = b->folios[k];
		void *old = NULL;
		u32 m;

		fn = folio_nr_pages(folio);
		for (m = 0; m < fn; m++) {
			old = __xa_cmpxchg(&mf->swap_map, b->idx[k + m], NULL,
					   xa_mk_value(b->slots[k + m]), GFP_NOIO);
			if (old)
				break;
			__xa_set_mark(&mf->swap_map, b->idx[k + m], XA_MARK_0);
		}
		if (old) {
			/* -ENOMEM, or (a bug) an entry for a resident page */
			WARN_ON_ONCE(!xa_is_err(old));
			while (m--)
				__xa_erase(&mf->swap_map, b->idx[k + m]);
			xa_unlock(&mf->swap_map);
			msched_fs_swap_put_slots(b->slots + k, fn);
			msched_fs_swap_unhold(folio);
			msched_fs_count(mf, MSCHED_FS_ST_SWAP_BUSY, fn);
			spin_lock_irq(&sw->lock);
			sw->busy += fn;
			spin_unlock_irq(&sw->lock);
			xa_lock(&mf->swap_map);
			continue;
		}
		for (m = 0; m < fn; m++, q++) {
			b->folios[q] = folio;
			b->idx[q] = b->idx[k + m];
			b->slots[q] = b->slots[k + m];
		}
		kept += fn;
	}
	xa_unlock(&mf->swap_map);
	for (k = 0; k < kept; k += folio_nr_pages(b->folios[k]))
		folio_start_writeback(b->folios[k]);
	return kept;
}

/* Huge folios in a batch (for its tracepoint). */
static u32 msched_fs_swap_nr_huge(const struct msched_swap_batch *b)
{
	u32 i, fn, huge = 0;

	for (i = 0; i < b->nr; i += fn) {
		fn = folio_nr_pages(b->folios[i]);
		huge += fn > 1;
	}
	return huge;
}

/* Bios a batch will take: runs of contiguous slots, BIO_MAX_VECS at most. */
static u32 msched_fs_swap_runs(const struct msched_swap_batch *b)
{
	u32 i, j, runs = 0;

	for (i = 0; i < b->nr; i = j, runs++)
		msched_fs_swap_run(b, i, &j);
	return runs;
}

/*
 * Write out the pages @sel[0..@nr) (ascending), batch by batch. Returns 0,
 * or -EINTR on a fatal signal (batches in flight still complete).
 */
static int msched_fs_swap_write(struct msched_fs_swapper *sw, const u32 *sel,
				u32 nr)
{
	struct msched_file *mf = sw->mf;
	struct address_space *mapping = mf->vfs_inode.i_mapping;
	u32 depth = sw->k.pipeline ? sw->k.queue_depth : 1;
	struct msched_swap_batch *b;
	u32 i = 0, used, n;
	u64 t0, busy;

	while (i < nr && !sw->nospc) {
		if (fatal_signal_pending(current))
			return -EINTR;
		b = msched_fs_swap_get_batch(sw, depth);
		if (!b)
			return -ENOMEM;
		t0 = ktime_get_ns();
		busy = 0;
		filemap_invalidate_lock_shared(mapping);
		n = msched_fs_swap_lock_batch(sw, b, sel + i, nr - i, &used,
					      &busy);
		if (n)
			n = msched_fs_swap_assign(sw, b, n);
		filemap_invalidate_unlock_shared(mapping);
		i += used;
		msched_fs_count(mf, MSCHED_FS_ST_SWAP_BUSY, busy);
		spin_lock_irq(&sw->lock);
		sw->busy += busy;
		spin_unlock_irq(&sw->lock);
		if (!n)
			continue;
		b->nr = n;
		b->nr_runs = msched_fs_swap_runs(b);
		bitmap_zero(b->failed, n);
		atomic_set(&b->pending, 1);	/* dropped when all bios are out */
		spin_lock_irq(&sw->lock);
		b->active = true;
		sw->inflight++;
		spin_unlock_irq(&sw->lock);
		atomic64_inc(&msched_live_swap_batches);
		msched_fs_count(mf, MSCHED_FS_ST_SWAP_WRITE_BATCHES, 1);
		msched_fs_count(mf, MSCHED_FS_ST_SWAP_PREPARE_NS,
				ktime_get_ns() - t0);
		trace_msched_swap_batch(mf->vfs_inode.i_ino, n, b->nr_runs,
					ktime_get_ns() - t0,
					msched_fs_swap_nr_huge(b));
		b->submit_ns = ktime_get_ns();
		msched_swap_queue_work(&b->submit_work);
	}
	return 0;
}

/* Wait for every batch in flight: its pages are settled after this. */
static void msched_fs_swap_drain(struct msched_fs_swapper *sw)
{
	spin_lock_irq(&sw->lock);
	wait_event_lock_irq(sw->wq, !sw->inflight, sw->lock);
	spin_unlock_irq(&sw->lock);
}

/*
 * The resident folios of @mf that swap_out may take (index < 2^32, the
 * selection's range), by first index, ascending, in a new array: *@nr
 * entries; *@pages gets a second array of the pages each weighs (a huge
 * folio 512). A huge folio goes out whole.
 */
static u32 *msched_fs_swap_candidates(struct msched_file *mf, int nid,
				      u32 *nr, u32 **pages)
{
	struct address_space *mapping = mf->vfs_inode.i_mapping;
	XA_STATE(xas, &mapping->i_pages, 0);
	pgoff_t end = min_t(pgoff_t, msched_fs_nr_pages(&mf->vfs_inode), U32_MAX);
	u32 cap = min_t(unsigned long, READ_ONCE(mapping->nrpages) + 64, end);
	struct folio *folio;
	u32 *cand, *w, n = 0;

	*pages = NULL;
	cand = msched_fallible(kvmalloc_array(max(cap, 1U), sizeof(*cand),
					      GFP_KERNEL));
	w = msched_fallible(kvmalloc_array(max(cap, 1U), sizeof(*w),
					   GFP_KERNEL));
	if (!cand || !w) {
		kvfree(cand);
		kvfree(w);
		return NULL;
	}
	rcu_read_lock();
	xas_for_each(&xas, folio, end ? end - 1 : 0) {
		if (xas_retry(&xas, folio) || xa_is_value(folio) || !end)
			continue;
		if (n == cap)
			break;	/* faulted in during the walk: next time */
		if ((nid == NUMA_NO_NODE || folio_nid(folio) == nid) &&
		    folio->index == xas.xa_index) {
			w[n] = folio_nr_pages(folio);
			cand[n++] = xas.xa_index;
		}
		msched_fs_xas_resched(&xas);
	}
	rcu_read_unlock();
	*nr = n;
	*pages = w;
	return cand;
}

/*
 * Drop the entries of @sel (ascending, a subset of @cand) from @cand and
 * their weights from @w.
 */
static u32 msched_fs_swap_drop_tried(u32 *cand, u32 *w, u32 nr_cand,
				     const u32 *sel, u32 nr_sel)
{
	u32 i, j = 0, n = 0;

	for (i = 0; i < nr_cand; i++) {
		while (j < nr_sel && sel[j] < cand[i])
			j++;
		if (j < nr_sel && sel[j] == cand[i])
			continue;
		w[n] = w[i];
		cand[n++] = cand[i];
	}
	return n;
}

/* The reason why fewer than @want pages went out: -errno, logged. */
static long msched_fs_swap_short(struct msched_fs_swapper *sw, u64 want,
				 bool force, bool aged, u64 eligible, bool quiet)
{
	struct msched_file *mf = sw->mf;

	if (quiet)
		return sw->nospc || sw->huge_nospc ? -ENOSPC :
		       sw->errors ? -EIO : -EAGAIN;

	if (sw->nospc) {
		pr_info("%s: swap_out: %llu of %llu pages went out: the swap device is full (%llu pages in use)\n",
			mf->name, sw->out, want, msched_swap_used_pages());
		return -ENOSPC;
	}
	if (sw->huge_nospc) {
		pr_info("%s: swap_out: %llu of %llu pages went out: the swap device has fewer than %lu free slots for a huge folio (%llu pages in use; it stays whole in memory, stats/nr_swap_huge_skips)\n",
			mf->name, sw->out, want, MSCHED_FS_HUGE_NR,
			msched_swap_used_pages());
		return -ENOSPC;
	}
	if (sw->errors) {
		pr_info("%s: swap_out: %llu of %llu pages went out: %llu pages failed to write (they stay in memory, intact)\n",
			mf->name, sw->out, want, sw->errors);
		return -EIO;
	}
	if (!force && !aged)
		pr_info("%s: swap_out: no page went out: no page has an age yet (accepted: PAGES force, or tiering 1 for a few scans first)\n",
			mf->name);
	else if (eligible < want)
		pr_info("%s: swap_out: %llu of %llu pages went out: only %llu resident pages %s\n",
			mf->name, sw->out, want, eligible,
			force ? "in all" : "outside the working set (heat < demote_heat)");
	else
		pr_info("%s: swap_out: %llu of %llu pages went out: %llu pages were busy (mapped again, pinned or locked)\n",
			mf->name, sw->out, want, sw->busy);
	return -EAGAIN;
}

/**
 * msched_fs_swap_out() - swap out pages of a file, coldest first.
 * @mf: the file
 * @want: pages to swap out, >= 1
 * @flags: MSCHED_FS_SWAP_FORCE: take pages of the working set too (heat
 *	>= demote_heat), and pages with no age yet (no tiering scan ran);
 *	MSCHED_FS_SWAP_QUIET: log nothing (the scheduler records its own
 *	reasons); MSCHED_FS_SWAP_DRAM: only pages on the file's DRAM node;
 *	MSCHED_FS_SWAP_MAX: never more than @want pages (a huge folio that
 *	would pass it stays; msched_swap_select_max()), where without it
 *	the last folio may take the total up to 511 pages past @want
 * @nr_out: if not NULL, set to the pages that went out (also on failure)
 *
 * Pages go out as described at the top of this file; the call returns once
 * every write it started completed. Pages that went out stay out when the
 * call fails; files/<ino>/swapped_pages and stats/ say how many.
 *
 * Context: process context; may sleep. Takes @mf->move_lock (killable),
 * then the swap device (msched_swap_hold()) and the invalidate lock
 * (shared) per batch. The caller holds a reference on the inode, or is a
 * callback of files/<ino>/.
 * Return: @want when that many pages went out; otherwise -ENODEV (no swap
 * device), -ENOSPC (the device is full), -EIO (writes failed), -EAGAIN
 * (fewer cold or idle pages than @want), -EINTR, -ENOMEM or -ENOENT (the
 * file is being evicted); each logged with how many went out and why,
 * unless MSCHED_FS_SWAP_QUIET.
 */
long msched_fs_swap_out(struct msched_file *mf, u64 want, unsigned int flags,
			u64 *nr_out)
{
	bool force = flags & MSCHED_FS_SWAP_FORCE;
	bool quiet = flags & MSCHED_FS_SWAP_QUIET;
	struct msched_fs_swapper sw = { .mf = mf };
	u32 *cand = NULL, *w = NULL, *sel = NULL, nr_cand = 0, nr_sel, below;
	u32 round;
	u64 eligible = 0, left, sel_pages;
	bool aged;
	long ret;

	if (nr_out)
		*nr_out = 0;
	if (!want)
		return 0;
	if (mutex_lock_killable(&mf->move_lock))
		return -EINTR;
	if (mf->dying) {
		ret = -ENOENT;
		goto out_unlock;
	}
	ret = msched_swap_hold();
	if (ret) {
		if (ret == -ENODEV && !quiet)
			pr_info("%s: swap_out: no swap device (accepted: once a block device is written to swap/device)\n",
				mf->name);
		goto out_unlock;
	}
	msched_swap_get_knobs(&sw.k);
	spin_lock_init(&sw.lock);
	init_waitqueue_head(&sw.wq);
	sw.batches = msched_fallible(kcalloc(sw.k.queue_depth,
					     sizeof(*sw.batches), GFP_KERNEL));
	cand = msched_fs_swap_candidates(mf, flags & MSCHED_FS_SWAP_DRAM ?
					 READ_ONCE(mf->dram_node) : NUMA_NO_NODE,
					 &nr_cand, &w);
	sel = msched_fallible(kvmalloc_array(max_t(u64, min_t(u64, want, nr_cand), 1),
					     sizeof(*sel), GFP_KERNEL));
	if (!sw.batches || !cand || !sel) {
		ret = -ENOMEM;
		goto out_free;
	}
	/* Heat comes from the tiering engine: none before its first scan. */
	aged = !!mf->tier.heat;
	below = force ? MSCHED_SWAP_FORCE : mf->demote_heat;
	ret = 0;
	for (round = 0; round < MSCHED_FS_SWAP_ROUNDS; round++) {
		u64 out0 = sw.out;

		left = want - sw.out;
		nr_sel = (flags & MSCHED_FS_SWAP_MAX ? msched_swap_select_max :
			  msched_swap_select)(aged ? mf->tier.heat : NULL,
					      aged ? mf->tier.nr_pages : 0,
					      cand, w, nr_cand,
					      min_t(u64, left, U32_MAX), below,
					      sel, &sel_pages);
		trace_msched_swap_out(mf->vfs_inode.i_ino, left, nr_cand,
				      (u32)sel_pages, force, below);
		if (!round)
			eligible = sel_pages;
		else
			eligible += sel_pages;
		if (!nr_sel)
			break;
		ret = msched_fs_swap_write(&sw, sel, nr_sel);
		msched_fs_swap_drain(&sw);
		if (ret || sw.out >= want || sw.nospc || sw.errors ||
		    sw.out == out0)
			break;
		/* Busy pages are left; others of the candidates replace them. */
		nr_cand = msched_fs_swap_drop_tried(cand, w, nr_cand, sel,
						    nr_sel);
		cond_resched();
	}
	msched_fs_swap_drain(&sw);
	if (!ret)
		ret = sw.out >= want ? (long)want :
			msched_fs_swap_short(&sw, want, force, aged, eligible,
					     quiet);
	if (nr_out)
		*nr_out = sw.out;

out_free:
	kvfree(sel);
	kvfree(w);
	kvfree(cand);
	msched_fs_swap_free_batches(&sw);
	msched_swap_release();
out_unlock:
	mutex_unlock(&mf->move_lock);
	return ret;
}

/* A folio being read back, and whether it holds a DRAM reservation. */
struct msched_swap_ra {
	struct folio *folio;
	bool reserved;
};

/*
 * Take a folio of a failed read out of the page cache (it is locked,
 * !uptodate and unmapped), as truncation would; its slot stays.
 */
static void msched_fs_swap_drop_folio(struct msched_file *mf,
				      struct msched_swap_ra *ra)
{
	msched_compat_remove_folio(mf->vfs_inode.i_mapping, ra->folio);
	msched_fs_place_done(mf, NULL, ra->reserved);
	folio_unlock(ra->folio);
	folio_put(ra->folio);
}

/*
 * A new folio for page @idx, locked, !uptodate, in the page cache: NULL
 * when @idx is cached already or no memory is left (*@err says which).
 */
static struct folio *msched_fs_swap_new_folio(struct msched_file *mf,
					      pgoff_t idx, bool *reserved,
					      int *err)
{
	struct folio *folio;

	folio = msched_fs_alloc_folio(mf, 0, reserved);
	if (!folio) {
		*err = -ENOMEM;
		return NULL;
	}
	__folio_set_locked(folio);
	*err = filemap_add_folio(mf->vfs_inode.i_mapping, folio, idx,
				 GFP_KERNEL);
	if (*err) {	/* it unlocked the folio */
		msched_fs_place_done(mf, NULL, *reserved);
		folio_put(folio);
		return NULL;
	}
	msched_fs_live_pages_add(1);	/* ->free_folio drops it */
	return folio;
}

/*
 * Whether page @idx is out on slot @slot, with no write in flight. Only
 * a folio of ours, locked in the page cache at @idx, keeps the answer
 * true: until then a swap-in and a swap-out of the page by others can run
 * (both hold the invalidate lock shared, the write's completion none).
 */
static bool msched_fs_swap_is_out_at(struct msched_file *mf, pgoff_t idx,
				     u64 slot)
{
	void *entry;
	bool ok;

	xa_lock(&mf->swap_map);
	entry = xa_load(&mf->swap_map, idx);
	ok = entry == xa_mk_value(slot) &&
	     !xa_get_mark(&mf->swap_map, idx, XA_MARK_0);
	xa_unlock(&mf->swap_map);
	return ok;
}

/* Read @nr pages from @slot on into @folios (one bio); 0 or -errno. */
static int msched_fs_swap_read(struct msched_swap_ra *run, u32 nr, u64 slot)
{
	struct bio *bio;
	u32 i;
	int err;

	bio = msched_swap_bio_alloc(nr, REQ_OP_READ | REQ_SYNC | REQ_SWAP);
	bio->bi_iter.bi_sector = slot << (PAGE_SHIFT - SECTOR_SHIFT);
	for (i = 0; i < nr; i++) {
		if (bio_add_page(bio, &run[i].folio->page, PAGE_SIZE, 0) !=
		    PAGE_SIZE) {
			bio_put(bio);
			return -EIO;
		}
	}
	err = submit_bio_wait(bio);
	bio_put(bio);
	return err;
}

/*
 * Settle a run of pages read back: erase their entries, which must still
 * hold the slots the read used (their folios, locked in the page cache,
 * have held the indexes since the entries were checked), and free the
 * slots. A mismatch is a bug: its slot stays allocated, never freed twice.
 * Returns the pages settled.
 */
static u32 msched_fs_swap_settle(struct msched_file *mf,
				 struct msched_swap_ra *run, u32 nr, u64 first)
{
	u64 start = 0, len = 0;
	u32 i, done = 0;
	void *old;

	xa_lock(&mf->swap_map);
	for (i = 0; i < nr; i++) {
		old = __xa_cmpxchg(&mf->swap_map, run[i].folio->index,
				   xa_mk_value(first + i), NULL, 0);
		if (WARN_ON_ONCE(old != xa_mk_value(first + i)))
			continue;
		atomic64_dec(&mf->nr_swapped);
		done++;
		if (len && first + i == start + len) {
			len++;
			continue;
		}
		if (len)
			msched_swap_slots_put(start, len);
		start = first + i;
		len = 1;
	}
	xa_unlock(&mf->swap_map);
	if (len)
		msched_swap_slots_put(start, len);
	return done;
}

/*
 * A neighbour of a page being read back: page @idx, out at @slot. NULL
 * when it is not (checked again once its new folio holds the index),
 * cached already, or no memory is left.
 */
static struct folio *msched_fs_swap_neighbour(struct msched_file *mf,
					      pgoff_t idx, u64 slot,
					      bool *reserved)
{
	struct msched_swap_ra ra;
	int err;

	if (!msched_fs_swap_is_out_at(mf, idx, slot))
		return NULL;	/* cheap: most often no new folio */
	ra.folio = msched_fs_swap_new_folio(mf, idx, &ra.reserved, &err);
	if (!ra.folio)
		return NULL;
	if (!msched_fs_swap_is_out_at(mf, idx, slot)) {
		msched_fs_swap_drop_folio(mf, &ra);
		return NULL;
	}
	*reserved = ra.reserved;
	return ra.folio;
}

/**
 * msched_fs_swap_in_huge() - read the pages of a 2 MiB range that are out
 * into the range's new huge folio.
 * @mf: the file (huge=always)
 * @folio: a new huge folio of the range, zeroed, locked, !uptodate and in
 *	the page cache at the range's first index: it holds all 512 indexes,
 *	so nobody else can swap a page of the range in or out meanwhile, and
 *	the range's entries are stable (no punch: the caller holds the
 *	invalidate lock)
 * @nr_in: set to the pages read back
 *
 * One bio per run of contiguous slots over consecutive pages (a 2 MiB
 * folio that went out to one run: one bio, one bvec), each waited for. A
 * page without an entry (a hole, or punched while out) stays zero. On
 * success the entries are erased and the slots freed.
 *
 * Context: process context (the fault path); may sleep for the reads.
 * Caller holds the mapping's invalidate lock (shared or exclusive).
 * Return: 0: the pages out were read, @folio is still !uptodate (the
 * caller marks it); -ENOENT: no page of the range is out; -EAGAIN: a
 * write of the range is in flight (a bug, warned); -ENOMEM; -EIO: a read
 * failed, every entry is untouched (the pages stay out). @folio is
 * untouched but for its contents in every case.
 */
int msched_fs_swap_in_huge(struct msched_file *mf, struct folio *folio,
			   u32 *nr_in)
{
	pgoff_t first = folio->index, last = first + folio_nr_pages(folio) - 1;
	XA_STATE(xas, &mf->swap_map, first);
	u32 i, j, n = 0, nr = folio_nr_pages(folio);
	u64 *slots, start = 0, len = 0;
	bool inflight = false;
	void *entry, *old;
	int err = 0;

	*nr_in = 0;
	slots = kmalloc_array(nr, sizeof(*slots), GFP_NOIO | __GFP_NOWARN);
	if (!slots)
		return -ENOMEM;
	for (i = 0; i < nr; i++)
		slots[i] = U64_MAX;	/* no entry */
	xas_lock(&xas);
	xas_for_each(&xas, entry, last) {
		if (xas_get_mark(&xas, XA_MARK_0))
			inflight = true;
		slots[xas.xa_index - first] = xa_to_value(entry);
		n++;
	}
	xas_unlock(&xas);
	if (!n || WARN_ON_ONCE(inflight)) {	/* a write needs the folio */
		kfree(slots);
		return n ? -EAGAIN : -ENOENT;
	}
	for (i = 0; i < nr && !err; i = j) {
		struct bio *bio;

		if (slots[i] == U64_MAX) {
			j = i + 1;
			continue;
		}
		for (j = i + 1; j < nr && slots[j] != U64_MAX &&
		     slots[j] == slots[j - 1] + 1; j++)
			;
		bio = msched_swap_bio_alloc(1, REQ_OP_READ | REQ_SYNC | REQ_SWAP);
		bio->bi_iter.bi_sector = slots[i] << (PAGE_SHIFT - SECTOR_SHIFT);
		if (bio_add_page(bio, folio_page(folio, i), (j - i) << PAGE_SHIFT,
				 0) != (j - i) << PAGE_SHIFT)
			err = -EIO;
		else
			err = submit_bio_wait(bio);
		bio_put(bio);
	}
	if (err) {
		kfree(slots);
		return -EIO;
	}
	/* Settle: erase the entries (still ours: the folio held them). */
	xa_lock(&mf->swap_map);
	for (i = 0; i < nr; i++) {
		if (slots[i] == U64_MAX)
			continue;
		old = __xa_cmpxchg(&mf->swap_map, first + i,
				   xa_mk_value(slots[i]), NULL, 0);
		if (WARN_ON_ONCE(old != xa_mk_value(slots[i])))
			continue;	/* a bug: the slot stays allocated */
		atomic64_dec(&mf->nr_swapped);
		(*nr_in)++;
		if (len && slots[i] == start + len) {
			len++;
			continue;
		}
		if (len)
			msched_swap_slots_put(start, len);
		start = slots[i];
		len = 1;
	}
	xa_unlock(&mf->swap_map);
	if (len)
		msched_swap_slots_put(start, len);
	kfree(slots);
	return 0;
}

/**
 * msched_fs_swap_in() - read a page back from the swap device if it is
 * out.
 * @mf: the file
 * @folio: a new folio of the page, locked, !uptodate and in the page
 *	cache (so that nobody else can swap the page in or out meanwhile)
 * @reserved: whether msched_fs_alloc_folio() reserved a DRAM page for it
 *
 * With up to swap/readahead_pages neighbours whose slots continue the
 * page's run on the device, in one bio; they are left unlocked, uptodate
 * and dirty in the page cache. A failed read of several pages is retried
 * for the page alone; when that fails too, the page stays out (its slot is
 * kept) and -EIO says SIGBUS for this access.
 *
 * Context: process context (the fault path); may sleep for the read.
 * Caller holds the mapping's invalidate lock (shared or exclusive).
 * Return: 0: read back, @folio is uptodate, dirty and still locked, its
 * placement settled; -ENOENT: the page is not out, @folio is untouched
 * (the caller makes it a new page). Otherwise @folio was taken out of the
 * page cache, its placement settled, and unlocked and put: -EIO, or
 * -EAGAIN (look the page up again).
 */
int msched_fs_swap_in(struct msched_file *mf, struct folio *folio,
		      bool reserved)
{
	pgoff_t idx = folio->index, end = msched_fs_nr_pages(&mf->vfs_inode);
	pgoff_t lo = 0;
	struct msched_swap_ra one = { folio, reserved }, *run = &one;
	struct msched_swap_knobs k;
	u32 nr, fwd = 0, back = 0, i, f0;
	u64 t0 = ktime_get_ns(), slot;
	struct folio *nb;
	bool inflight, r;
	void *entry;
	int err;

	/* Stable from here: our folio holds the index. */
	xa_lock(&mf->swap_map);
	entry = xa_load(&mf->swap_map, idx);
	inflight = entry && xa_get_mark(&mf->swap_map, idx, XA_MARK_0);
	xa_unlock(&mf->swap_map);
	if (!entry)
		return -ENOENT;
	if (WARN_ON_ONCE(inflight)) {	/* a write needs the page's folio */
		msched_fs_swap_drop_folio(mf, &one);
		return -EAGAIN;
	}
	slot = xa_to_value(entry);

	msched_swap_get_knobs(&k);
	if (k.readahead_pages)
		run = kmalloc_array(k.readahead_pages + 1, sizeof(*run),
				    GFP_NOIO | __GFP_NOWARN);
	if (!run) {	/* no read-ahead then */
		run = &one;
		k.readahead_pages = 0;
	}
	/*
	 * @run holds the pages in file (and slot) order: the neighbours
	 * before @idx, @idx, the neighbours after. Forward neighbours first:
	 * memory is mostly touched upwards.
	 */
	run[0] = one;
	/*
	 * On a huge file, read-ahead stays inside the 2 MiB range: a
	 * neighbour range that went out whole keeps its huge read-back.
	 */
	if (mf->huge) {
		lo = round_down(idx, MSCHED_FS_HUGE_NR);
		end = min_t(pgoff_t, end, lo + MSCHED_FS_HUGE_NR);
	}
	while (fwd < k.readahead_pages && idx + fwd + 1 < end) {
		nb = msched_fs_swap_neighbour(mf, idx + fwd + 1, slot + fwd + 1,
					      &r);
		if (!nb)
			break;
		fwd++;
		run[fwd].folio = nb;
		run[fwd].reserved = r;
	}
	while (fwd + back < k.readahead_pages && idx - lo > back && slot > back) {
		nb = msched_fs_swap_neighbour(mf, idx - back - 1,
					      slot - back - 1, &r);
		if (!nb)
			break;
		back++;
		memmove(&run[1], &run[0], (back + fwd) * sizeof(*run));
		run[0].folio = nb;
		run[0].reserved = r;
	}
	f0 = back;
	nr = back + 1 + fwd;

	err = msched_fs_swap_read(run, nr, slot - back);
	if (err && nr > 1) {
		/* The neighbours stay out; retry the faulting page alone. */
		for (i = 0; i < nr; i++)
			if (i != f0)
				msched_fs_swap_drop_folio(mf, &run[i]);
		run[0] = run[f0];
		f0 = 0;
		nr = 1;
		back = 0;
		err = msched_fs_swap_read(run, 1, slot);
	}
	if (err) {
		/* One per SIGBUS: neighbours count when they are accessed. */
		msched_fs_count(mf, MSCHED_FS_ST_SWAP_READ_ERRORS, 1);
		pr_warn_ratelimited("%s: reading page %lu back from slot %llu of the swap device failed (error %d): SIGBUS for this access; the page stays out\n",
				    mf->name, idx, slot, err);
		msched_fs_swap_drop_folio(mf, &run[0]);
		trace_msched_swap_in(mf->vfs_inode.i_ino, idx, 0, err,
				     ktime_get_ns() - t0, false);
		if (run != &one)
			kfree(run);
		return -EIO;
	}
	for (i = 0; i < nr; i++) {
		folio_mark_uptodate(run[i].folio);
		folio_mark_dirty(run[i].folio);	/* never dropped by the page cache */
	}
	msched_fs_swap_settle(mf, run, nr, slot - back);
	for (i = 0; i < nr; i++) {
		msched_fs_place_done(mf, run[i].folio, run[i].reserved);
		if (i != f0) {
			folio_unlock(run[i].folio);
			folio_put(run[i].folio);
		}
	}
	msched_fs_count(mf, MSCHED_FS_ST_SWAP_IN, nr);
	msched_fs_count(mf, MSCHED_FS_ST_SWAP_READ_BYTES, (u64)nr << PAGE_SHIFT);
	trace_msched_swap_in(mf->vfs_inode.i_ino, idx, nr, 0,
			     ktime_get_ns() - t0, false);
	if (run != &one)
		kfree(run);
	return 0;
}
