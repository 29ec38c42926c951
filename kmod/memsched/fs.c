// SPDX-License-Identifier: GPL-2.0
/*
 * memschedfs: a file system whose files are VM RAM, as hugetlbfs is for huge
 * pages. Mount it, create a file, size it with ftruncate and give it to QEMU
 * (-object memory-backend-file,mem-path=FILE,share=on) or mmap it.
 *
 * Each page is an ordinary page-cache folio of the file: the page cache is
 * the one indirection entry per page, and folio_nid() says which tier holds
 * it. Pages are allocated on first touch by our own fault handler, on the
 * DRAM node while the file is under its DRAM budget and on the PMEM node
 * after. There is no fault-around, so every fault of a page that the
 * tiering scan unmapped reaches msched_fs_fault() and counts as an access.
 * Pages stay dirty and the mapping unevictable: the kernel never drops or
 * reclaims them. memsched moves them (fs_move.c), and so may the kernel's
 * own migration (memory offline, CMA, compaction), through
 * msched_fs_migrate_folio(); memsched may also swap them out to its swap
 * device (fs_swap.c), and a fault reads such a page back.
 *
 * Flat: regular files only, no directories, no read()/write() (mmap,
 * ftruncate and fallocate are what a VMM uses).
 */
#define pr_fmt(fmt) "memschedfs: " fmt

#include <linux/fs.h>
#include <linux/falloc.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/fsnotify.h>
#include <linux/highmem.h>
#include <linux/huge_mm.h>
#include <linux/idr.h>
#include <linux/ktime.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nodemask.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include <uapi/memsched.h>
#include "../compat.h"
#include "memsched.h"
#include "fs.h"
#include "swap.h"
#include "trace.h"

atomic64_t msched_live_fs_files = ATOMIC64_INIT(0);

/*
 * Inode numbers, which also name the files/<ino>/ directories: one space
 * for every memschedfs instance, numbers reused only after the directory
 * of their last owner is gone. get_next_ino() is shared with every other
 * pseudo file system and wraps, which would name two directories alike.
 */
static DEFINE_IDA(msched_fs_ino_ida);
#define MSCHED_FS_INO_MIN	1
#define MSCHED_FS_INO_MAX	INT_MAX

/*
 * Mount options, in fc->fs_private while parsing and in sb->s_fs_info
 * after: the root's mode bits, MSCHED_FS_OPT_HUGE for huge=always, and
 * which options were given (a remount compares only those).
 */
#define MSCHED_FS_OPT_HUGE	BIT(31)
#define MSCHED_FS_OPT_HUGE_SET	BIT(30)
#define MSCHED_FS_OPT_MODE_SET	BIT(29)

static bool msched_fs_sb_huge(struct super_block *sb)
{
	return (uintptr_t)sb->s_fs_info & MSCHED_FS_OPT_HUGE;
}

static const struct inode_operations msched_fs_dir_iops;
static const struct inode_operations msched_fs_file_iops;
static const struct file_operations msched_fs_file_fops;
static const struct file_operations msched_fs_huge_file_fops;
static const struct address_space_operations msched_fs_aops;

/**
 * msched_fs_default_dram_node() - the default fast tier: the first node
 * with both CPUs and memory.
 *
 * Context: any.
 * Return: a node id with memory.
 */
int msched_fs_default_dram_node(void)
{
	int nid;

	for_each_node_state(nid, N_MEMORY)
		if (node_state(nid, N_CPU))
			return nid;
	return first_memory_node;
}

/**
 * msched_fs_default_pmem_node() - the default slow tier: the first node with
 * memory and no CPUs (how daxctl's system-ram mode onlines PMEM).
 *
 * Context: any.
 * Return: a node id, or NUMA_NO_NODE when there is none.
 */
int msched_fs_default_pmem_node(void)
{
	int nid;

	for_each_node_state(nid, N_MEMORY)
		if (!node_state(nid, N_CPU))
			return nid;
	return NUMA_NO_NODE;
}

/* Whether any page of [@first, @last] is in @xa (page cache or swap map). */
static bool msched_fs_range_used(struct xarray *xa, pgoff_t first,
				 pgoff_t last)
{
	pgoff_t i = first;

	return xa_find(xa, &i, last, XA_PRESENT);
}

/*
 * A new huge folio for the 2 MiB range holding page @idx of a huge=always
 * file, in the page cache at the range's first index. It is had only for
 * a range wholly inside i_size that holds no page in the page cache yet;
 * the pages of the range that are out on the swap device are read back
 * into it (msched_fs_swap_in_huge(), one bio per slot run), the others are
 * zero. A range that holds pages already fell back when its first page
 * came: it is not counted again. A range with pages out that comes back
 * as 4 KiB pages (swap/huge_readback 0, a failed read, no memory) counts
 * in nr_huge_fallbacks and nr_swap_in_huge_fallbacks (fallback_swapin).
 * *@read_back is set when pages of the range were read back into it (a
 * swap-in, not a new page). Caller holds the invalidate lock (shared or
 * exclusive).
 * Returns the folio, locked, referenced, uptodate, dirty and placed; NULL
 * to fall back to a 4 KiB page; ERR_PTR(-EAGAIN): a page came meanwhile,
 * look again.
 */
static struct folio *msched_fs_get_huge(struct msched_file *mf, pgoff_t idx,
					bool *read_back)
{
	struct address_space *mapping = mf->vfs_inode.i_mapping;
	pgoff_t first = round_down(idx, MSCHED_FS_HUGE_NR);
	pgoff_t last = first + MSCHED_FS_HUGE_NR - 1;
	enum msched_fs_huge_event why;
	struct msched_swap_knobs k;
	u64 t0 = ktime_get_ns();
	struct folio *folio;
	bool reserved, out;
	u32 nr_in = 0;
	int err;

	*read_back = false;
	if (msched_fs_range_used(&mapping->i_pages, first, last))
		return NULL;	/* fell back before, or a punch split it */
	/* A hint, for the counters: checked again under the lock below. */
	out = msched_fs_range_used(&mf->swap_map, first, last);
	why = MSCHED_FS_HUGE_FB_TAIL;
	if (((loff_t)(last + 1) << PAGE_SHIFT) > i_size_read(&mf->vfs_inode))
		goto fallback;
	msched_swap_get_knobs(&k);
	why = MSCHED_FS_HUGE_FB_SWAPIN;
	if (!k.huge_readback && out)
		goto fallback;
	why = MSCHED_FS_HUGE_FB_NOMEM;
	folio = msched_fs_alloc_huge_folio(mf, &reserved);
	if (!folio)
		goto fallback;
	__folio_set_locked(folio);
	/* Nor reclaim for the memcg charge of 2 MiB: fall back instead. */
	err = filemap_add_folio(mapping, folio, first,
				GFP_KERNEL & ~__GFP_DIRECT_RECLAIM);
	if (err) {	/* it unlocked the folio */
		msched_fs_place_huge_done(mf, NULL, reserved);
		folio_put(folio);
		if (err == -EEXIST)
			return ERR_PTR(-EAGAIN);
		goto fallback;	/* the memcg charge of 2 MiB (or a node) failed */
	}
	msched_fs_live_pages_add(MSCHED_FS_HUGE_NR);
	/*
	 * huge_folios walks from now on. A flag, not an ordering: a read
	 * racing this may miss the folio, as a walk racing it may.
	 */
	if (!READ_ONCE(mf->had_huge))
		WRITE_ONCE(mf->had_huge, true);
	/*
	 * A swap-out's completion may have taken the last page of the range
	 * out between the look above and the insertion; from here on our
	 * folio holds every index, so the swap map's answer is stable.
	 */
	xa_lock(&mf->swap_map);
	err = msched_fs_range_used(&mf->swap_map, first, last);
	xa_unlock(&mf->swap_map);
	if (err) {
		/* Pages of the range are out: read them back into the folio. */
		err = k.huge_readback ?
		      msched_fs_swap_in_huge(mf, folio, &nr_in) : -EOPNOTSUPP;
		if (err) {
			msched_compat_remove_folio(mapping, folio);
			msched_fs_place_huge_done(mf, NULL, reserved);
			folio_unlock(folio);
			folio_put(folio);
			if (err == -EAGAIN || err == -ENOENT)
				return ERR_PTR(-EAGAIN);
			if (err == -EIO)
				pr_warn_ratelimited("%s: reading the 2 MiB range at page %lu back failed: its pages come back one by one\n",
						    mf->name, first);
			why = MSCHED_FS_HUGE_FB_SWAPIN;
			goto fallback;
		}
		msched_fs_count(mf, MSCHED_FS_ST_SWAP_IN, nr_in);
		msched_fs_count(mf, MSCHED_FS_ST_SWAP_READ_BYTES,
				(u64)nr_in << PAGE_SHIFT);
		msched_fs_count(mf, MSCHED_FS_ST_SWAP_IN_HUGE, 1);
		trace_msched_swap_in(mf->vfs_inode.i_ino, idx, nr_in, 0,
				     ktime_get_ns() - t0, true);
	}
	folio_mark_uptodate(folio);
	folio_mark_dirty(folio);	/* never dropped by the page cache */
	msched_fs_place_huge_done(mf, folio, reserved);
	msched_fs_count(mf, MSCHED_FS_ST_FAULTS, MSCHED_FS_HUGE_NR - nr_in);
	trace_msched_fs_huge(mf->vfs_inode.i_ino, first, MSCHED_FS_HUGE_ADDED);
	*read_back = nr_in > 0;
	return folio;

fallback:
	msched_fs_count(mf, MSCHED_FS_ST_HUGE_FALLBACKS, 1);
	/* Any cause, when pages of the range are out (the plan's step 5). */
	if (why == MSCHED_FS_HUGE_FB_SWAPIN || out)
		msched_fs_count(mf, MSCHED_FS_ST_SWAP_IN_HUGE_FALLBACKS, 1);
	trace_msched_fs_huge(mf->vfs_inode.i_ino, first, why);
	return NULL;
}

/**
 * msched_fs_get_folio() - the folio of a page, read back or allocated.
 * @mf: the file
 * @idx: the page index, below the file's size
 * @new: set when this call allocated a zeroed page
 *
 * Finds the folio of @idx, reading it back from the swap device when it is
 * out, allocating it when missing. A folio that is not uptodate (a failed
 * swap-in that was not removed) is never returned. On a huge=always file
 * a missing page comes with its whole 2 MiB range as one huge folio where
 * it can (msched_fs_get_huge()); the folio returned may then be large:
 * folio_file_page() gives the page of @idx.
 *
 * Context: process context; may sleep. Caller holds the invalidate lock
 * (shared or exclusive), so truncation cannot run.
 * Return: the folio, locked and referenced; ERR_PTR(-ENOMEM) or (the
 * read failed) ERR_PTR(-EIO).
 */
struct folio *msched_fs_get_folio(struct msched_file *mf, pgoff_t idx,
				  bool *new)
{
	struct address_space *mapping = mf->vfs_inode.i_mapping;
	struct folio *folio;
	bool reserved, ours, read_back;
	int err;

	*new = false;
again:
	folio = msched_compat_lock_folio(mapping, idx);
	if (folio) {
		ours = folio->mapping == mapping;
		if (ours && folio_test_uptodate(folio))
			return folio;
		folio_unlock(folio);
		folio_put(folio);
		if (ours) {
			pr_warn_ratelimited("%s: page %lu is in the page cache but not uptodate: SIGBUS for this access\n",
					    mf->name, idx);
			return ERR_PTR(-EIO);
		}
		goto again;
	}
	if (mf->huge) {
		folio = msched_fs_get_huge(mf, idx, &read_back);
		if (IS_ERR(folio)) {
			cond_resched();
			goto again;
		}
		if (folio) {
			/* A read-back is a swap-in, as in msched_fs_swap_in(). */
			*new = !read_back;
			return folio;
		}
	}
	/*
	 * The page is new, or out on the swap device: which one is decided
	 * once our locked folio holds the index (msched_fs_swap_in()), since
	 * until then a swap-in and a swap-out of the page by others can run.
	 */
	folio = msched_fs_alloc_folio(mf, __GFP_ZERO, &reserved);
	if (!folio)
		return ERR_PTR(-ENOMEM);
	__folio_set_locked(folio);
	err = filemap_add_folio(mapping, folio, idx, GFP_KERNEL);
	if (err) {	/* it unlocked the folio */
		msched_fs_place_done(mf, NULL, reserved);
		folio_put(folio);
		if (err == -EEXIST)
			goto again;
		return ERR_PTR(err);
	}
	msched_fs_live_pages_add(1);	/* ->free_folio drops it */
	err = msched_fs_swap_in(mf, folio, reserved);
	if (!err)
		return folio;	/* read back */
	if (err == -EAGAIN) {	/* it took the folio out again */
		cond_resched();
		goto again;
	}
	if (err != -ENOENT)
		return ERR_PTR(err);	/* it took the folio out */
	folio_mark_uptodate(folio);
	folio_mark_dirty(folio);	/* never dropped by the page cache */
	msched_fs_place_done(mf, folio, reserved);
	msched_fs_count(mf, MSCHED_FS_ST_FAULTS, 1);
	*new = true;
	return folio;
}

/**
 * msched_fs_find_folio() - the folio of a page, read back if it is out,
 * but never allocated for a hole.
 * @mf: the file
 * @idx: the page index
 *
 * Whether a page is a hole is decided under the swap map's lock, which
 * the swap-out's completion holds while it takes a folio out of the page
 * cache, and a swap-in while it erases the entry of a folio already in
 * the page cache: under it, a page that is not a hole is in the page
 * cache or in the swap map, never in neither.
 *
 * Context: process context; may sleep (a swap-in). Caller holds the
 * invalidate lock (shared or exclusive).
 * Return: the folio, locked and referenced; NULL for a hole; or
 * ERR_PTR(-errno) as msched_fs_get_folio().
 */
struct folio *msched_fs_find_folio(struct msched_file *mf, pgoff_t idx)
{
	struct address_space *mapping = mf->vfs_inode.i_mapping;
	struct folio *folio;
	bool cached, out, new;
	void *entry;

	for (;;) {
		folio = msched_compat_lock_folio(mapping, idx);
		if (folio) {
			bool ours = folio->mapping == mapping;

			if (ours && folio_test_uptodate(folio))
				return folio;
			folio_unlock(folio);
			folio_put(folio);
			if (ours)	/* as msched_fs_get_folio() */
				return ERR_PTR(-EIO);
			cond_resched();	/* moved, or gone out: look again */
			continue;
		}
		xa_lock(&mf->swap_map);
		entry = xa_load(&mapping->i_pages, idx);
		cached = entry && !xa_is_value(entry);
		out = xa_load(&mf->swap_map, idx);
		xa_unlock(&mf->swap_map);
		if (cached)
			continue;	/* back in meanwhile */
		if (!out)
			return NULL;
		return msched_fs_get_folio(mf, idx, &new);
	}
}

/*
 * Make @d's pending page @idx's frozen contents, now in @folio (locked),
 * a COW copy, unless it has one or was copied meanwhile. Caller holds
 * @mf->dirty_rwsem (read). Returns 0 or -ENOMEM.
 */
static int msched_fs_dirty_cow(struct msched_dirty *d, pgoff_t idx,
			       struct folio *folio)
{
	XA_STATE(xas, &d->cow, idx);
	bool stored = false;
	struct page *page;

	page = msched_fallible(alloc_page(GFP_HIGHUSER | __GFP_NOWARN));
	if (!page)
		return -ENOMEM;
	copy_highpage(page, folio_file_page(folio, idx));
	/*
	 * Checked again on every try: the node allocation drops the lock,
	 * and commit may clear the bit meanwhile. The last xas_nomem() frees
	 * a node allocated for nothing.
	 */
	do {
		xas_lock(&xas);
		if (test_bit(idx, d->pending) && !xas_load(&xas)) {
			xas_store(&xas, page);
			stored = !xas_error(&xas);
		}
		xas_unlock(&xas);
	} while (xas_nomem(&xas, GFP_KERNEL));
	if (!stored) {	/* copied meanwhile, or no memory */
		__free_page(page);
		return xas_error(&xas);
	}
	atomic64_inc(&d->nr_cow_pages);
	return 0;
}

/**
 * msched_fs_dirty_note_write() - a folio of a tracked file is about to be
 * written: keep its frozen contents, record it in the current epoch.
 * @d: the file's tracker
 * @folio: the folio, locked, in the page cache
 *
 * The unit of a recorded write is the folio: a write fault on a huge
 * folio calls ->page_mkwrite once, and then all its pages are writable
 * (a PMD). Each of its pages of the frozen epoch that was not copied yet
 * is copied aside first (COW), so that msched_dirty_copy() still returns
 * them as they were at the cut; then all of its pages are set in the
 * current epoch (msched_dirty_note_folio()). The copies' time is added
 * to the tracker's writer stall.
 *
 * Context: process context; may sleep (allocation). Caller holds
 * @d->mf->dirty_rwsem for read and the folio lock, in that order.
 * Return: 0, or -ENOMEM when a COW copy could not be allocated (the
 * write must not happen; the copies already made stay, they are valid).
 */
int msched_fs_dirty_note_write(struct msched_dirty *d, struct folio *folio)
{
	pgoff_t idx = folio->index;
	pgoff_t end = min_t(pgoff_t, idx + folio_nr_pages(folio), d->nr_pages);
	u64 t0 = 0;
	int err = 0;

	lockdep_assert_held_read(&d->mf->dirty_rwsem);
	if (WARN_ON_ONCE(idx >= d->nr_pages))
		return 0;	/* the size is fixed while tracked */
	/* Set only by a cut (excluded by our lock), so no false "clear". */
	for (idx = find_next_bit(d->pending, end, idx); idx < end;
	     idx = find_next_bit(d->pending, end, idx + 1)) {
		if (xa_load(&d->cow, idx))
			continue;
		if (!t0)
			t0 = ktime_get_ns();
		err = msched_fs_dirty_cow(d, idx, folio);
		if (err)
			break;
	}
	/* The writer waits for its copies too: part of its stall. */
	if (t0)
		atomic64_add(ktime_get_ns() - t0, &d->stall_ns);
	if (!err)
		msched_dirty_note_folio(d, folio);
	return err;
}

/*
 * Take the cut rwsem for read on the write path; a writer that has to wait
 * (a cut holds it) records when it began, so that the cut knows the
 * longest stall it causes, and adds its wait to the tracker's sum.
 */
static void msched_fs_dirty_read_lock(struct msched_file *mf)
{
	atomic64_t *first = &mf->dirty_first_wait_ns;
	struct msched_dirty *d;
	s64 t0, old, waited;

	if (down_read_trylock(&mf->dirty_rwsem))
		return;
	t0 = ktime_get_ns();
	old = atomic64_read(first);
	while (t0 < old && !atomic64_try_cmpxchg(first, &old, t0))
		;
	down_read(&mf->dirty_rwsem);
	waited = ktime_get_ns() - t0;
	/* Ours unless an earlier waiter's: then that one clears it. */
	atomic64_cmpxchg(first, t0, S64_MAX);
	d = mf->dirty;
	if (d)
		atomic64_add(waited, &d->stall_ns);
}

/*
 * Before a page of a shared writable mapping becomes writable (the first
 * write after it was mapped, or after a cut write-protected it). Cheap
 * for a file without a tracker: an uncontended rwsem and the folio lock.
 * The cut rwsem is taken before the folio lock: a cut holds it for write
 * while it waits for folio locks.
 */
static vm_fault_t msched_fs_page_mkwrite(struct vm_fault *vmf)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	struct msched_file *mf = MSCHED_FILE(inode);
	struct folio *folio = page_folio(vmf->page);
	vm_fault_t ret = VM_FAULT_LOCKED;

	msched_fs_dirty_read_lock(mf);
	folio_lock(folio);
	if (folio->mapping != inode->i_mapping) {	/* truncated, moved */
		folio_unlock(folio);
		ret = VM_FAULT_NOPAGE;
	} else if (mf->dirty &&
		   msched_fs_dirty_note_write(mf->dirty, folio)) {
		folio_unlock(folio);
		ret = VM_FAULT_OOM;
	}
	up_read(&mf->dirty_rwsem);
	return ret;
}

/*
 * Whether a read fault of a shared writable mapping may map the page
 * writable at once, as it did before ->page_mkwrite made such mappings
 * write-notify: yes while the file has no dirty tracker. Otherwise every
 * page read first and written after would fault twice; for a guest, KVM
 * maps a page writable on a read only when the host PTE is writable, so
 * a read then a write of guest memory would exit twice. The kernel then
 * installs the PTE writable and dirty (do_set_pte() with
 * FAULT_FLAG_WRITE; the page is dirty anyway). Called with the folio
 * locked in the page cache, so a tracker's start, which publishes
 * itself under dirty_rwsem (write) before it takes and drops the lock of
 * every folio in the page cache and zaps the file's mappings, either is
 * seen here or removes the PTE this fault installs.
 */
static bool msched_fs_map_writable(struct vm_fault *vmf,
				   struct msched_file *mf)
{
	bool untracked;

	if ((vmf->vma->vm_flags & (VM_SHARED | VM_WRITE)) !=
	    (VM_SHARED | VM_WRITE))
		return false;
	if (!down_read_trylock(&mf->dirty_rwsem))
		return false;	/* a cut, a start or a stop: not now */
	untracked = !mf->dirty;
	up_read(&mf->dirty_rwsem);
	return untracked;
}

static vm_fault_t msched_fs_fault(struct vm_fault *vmf)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	struct msched_file *mf = MSCHED_FILE(inode);
	struct address_space *mapping = inode->i_mapping;
	struct folio *folio;
	bool new;

	filemap_invalidate_lock_shared(mapping);
	if (vmf->pgoff >= msched_fs_nr_pages(inode)) {
		filemap_invalidate_unlock_shared(mapping);
		return VM_FAULT_SIGBUS;
	}
	folio = msched_fs_get_folio(mf, vmf->pgoff, &new);
	filemap_invalidate_unlock_shared(mapping);
	if (IS_ERR(folio))
		return vmf_error(PTR_ERR(folio));
	/*
	 * A huge folio is mapped by one PMD: one fault for its 2 MiB, so
	 * its heat is kept per folio, at its first index (folded there).
	 */
	msched_fs_note_touch(mf, vmf->pgoff, new);
	if (!(vmf->flags & FAULT_FLAG_WRITE) && msched_fs_map_writable(vmf, mf))
		vmf->flags |= FAULT_FLAG_WRITE;
	vmf->page = folio_file_page(folio, vmf->pgoff);
	return VM_FAULT_LOCKED;
}

static const struct vm_operations_struct msched_fs_vm_ops = {
	.fault = msched_fs_fault,
	.page_mkwrite = msched_fs_page_mkwrite,
};

static int msched_fs_mmap(struct file *file, struct vm_area_struct *vma)
{
	file_accessed(file);
	vma->vm_ops = &msched_fs_vm_ops;
	return 0;
}

/*
 * fallocate mode 0: back [start, end) with pages now, and never beyond
 * i_size: a shrink (which takes the invalidate lock exclusive) may run
 * between two pages, so the size is checked again under the lock before
 * each page, as the fault path does.
 */
static long msched_fs_prealloc(struct msched_file *mf, pgoff_t start,
			       pgoff_t end)
{
	struct address_space *mapping = mf->vfs_inode.i_mapping;
	struct folio *folio;
	pgoff_t idx;
	bool new;

	for (idx = start; idx < end; idx++) {
		if (fatal_signal_pending(current))
			return -EINTR;
		filemap_invalidate_lock_shared(mapping);
		if (idx >= msched_fs_nr_pages(&mf->vfs_inode)) {
			filemap_invalidate_unlock_shared(mapping);
			break;
		}
		folio = msched_fs_get_folio(mf, idx, &new);
		filemap_invalidate_unlock_shared(mapping);
		if (IS_ERR(folio))
			return PTR_ERR(folio);
		/* The rest of a huge folio is there too. */
		idx = max(idx, folio->index + folio_nr_pages(folio) - 1);
		folio_unlock(folio);
		folio_put(folio);
		cond_resched();
	}
	return 0;
}

/*
 * Before the pages of [@first, @last] of a tracked file go: the frozen
 * epoch's pages among them that were not copied yet keep their contents
 * as COW copies (read back from the swap device if they are out; a hole
 * is zeros either way), and the range is written in the current epoch
 * (a hole ships as zeros). Caller holds the invalidate lock exclusive and
 * the cut rwsem for read, so no cut falls between this and the removal.
 */
static int msched_fs_dirty_punch(struct msched_dirty *d, pgoff_t first,
				 pgoff_t last)
{
	struct msched_file *mf = d->mf;
	struct folio *folio;
	pgoff_t idx, end;
	int err;

	if (first >= d->nr_pages)
		return 0;
	end = min_t(pgoff_t, last, d->nr_pages - 1) + 1;
	for (idx = find_next_bit(d->pending, end, first); idx < end;
	     idx = find_next_bit(d->pending, end, idx + 1)) {
		if (xa_load(&d->cow, idx))
			continue;
		folio = msched_fs_find_folio(mf, idx);
		if (!folio)
			continue;
		if (IS_ERR(folio))
			return PTR_ERR(folio);
		err = msched_fs_dirty_cow(d, idx, folio);
		folio_unlock(folio);
		folio_put(folio);
		if (err)
			return err;
		cond_resched();
	}
	for (idx = first; idx < end; idx++)
		set_bit(idx, d->cur);	/* atomic: writers set bits too */
	return 0;
}

/*
 * The first index of a huge folio that holds page @idx and reaches out of
 * [@first, @last] (so the punch must split it), and one of its pages that
 * the punch keeps (@keep); ULONG_MAX when there is none. Caller holds the
 * invalidate lock exclusive: no fault adds or removes a folio meanwhile.
 */
static pgoff_t msched_fs_huge_straddling(struct address_space *mapping,
					 pgoff_t idx, pgoff_t first,
					 pgoff_t last, pgoff_t *keep)
{
	pgoff_t head = ULONG_MAX;
	struct folio *folio;

	rcu_read_lock();
	folio = xa_load(&mapping->i_pages, idx);
	if (folio && !xa_is_value(folio) && folio_test_large(folio)) {
		pgoff_t end = folio->index + folio_nr_pages(folio) - 1;

		if (folio->index < first || end > last) {
			head = folio->index;
			*keep = folio->index < first ? folio->index : last + 1;
		}
	}
	rcu_read_unlock();
	return head;
}

/* Whether page @idx is in a huge folio whose first index is @head. */
static bool msched_fs_huge_still(struct address_space *mapping, pgoff_t idx,
				 pgoff_t head)
{
	struct folio *folio;
	bool huge;

	rcu_read_lock();
	folio = xa_load(&mapping->i_pages, idx);
	huge = folio && !xa_is_value(folio) && folio_test_large(folio) &&
	       folio->index == head;
	rcu_read_unlock();
	return huge;
}

/*
 * Truncate [@first, @last] of the page cache (truncate_pagecache_range()),
 * counting the huge folios it had to split to free part of one: the core
 * splits a folio a partial truncate reaches (split_folio() in
 * truncate_inode_partial_folio()); when that fails (someone holds the
 * folio: GUP, KVM mid-fault, a move) the part is zeroed but nothing is
 * freed, and the folio stays huge. Both are counted. Caller holds the
 * invalidate lock exclusive.
 * Return: the pages of [@first, @last] that are still in memory (zeroed,
 * in a huge folio that could not be split); 0 when all were freed.
 */
static u64 msched_fs_truncate_range(struct msched_file *mf, pgoff_t first,
				    pgoff_t last)
{
	struct address_space *mapping = mf->vfs_inode.i_mapping;
	pgoff_t head[2], keep[2] = { 0, 0 };
	u64 kept = 0;
	int i;

	head[0] = mf->huge ? msched_fs_huge_straddling(mapping, first, first,
						       last, &keep[0]) :
			     ULONG_MAX;
	head[1] = mf->huge ? msched_fs_huge_straddling(mapping, last, first,
						       last, &keep[1]) :
			     ULONG_MAX;
	if (head[1] == head[0])
		head[1] = ULONG_MAX;
	truncate_pagecache_range(&mf->vfs_inode, (loff_t)first << PAGE_SHIFT,
				 ((loff_t)(last + 1) << PAGE_SHIFT) - 1);
	for (i = 0; i < 2; i++) {
		if (head[i] == ULONG_MAX)
			continue;
		if (msched_fs_huge_still(mapping, keep[i], head[i])) {
			pgoff_t end = head[i] + MSCHED_FS_HUGE_NR - 1;

			kept += min(last, end) - max(first, head[i]) + 1;
			msched_fs_count(mf, MSCHED_FS_ST_HUGE_SPLIT_FAILS, 1);
			trace_msched_fs_huge(mf->vfs_inode.i_ino, head[i],
					     MSCHED_FS_HUGE_SPLIT_FAILED);
			pr_info_ratelimited("%s: the huge folio of pages %lu-%lu could not be split now (in use): its pages %lu-%lu were zeroed, not freed\n",
					    mf->name, head[i], end,
					    max(first, head[i]), min(last, end));
		} else {
			msched_fs_count(mf, MSCHED_FS_ST_HUGE_SPLITS, 1);
			trace_msched_fs_huge(mf->vfs_inode.i_ino, head[i],
					     MSCHED_FS_HUGE_SPLIT);
		}
	}
	return kept;
}

/*
 * Punch pages [@first, @last] out: their slots on the swap device, unread,
 * and their folios. On a tracked file, a frozen page that was not copied
 * yet and cannot be read back (-EIO) or copied aside (-ENOMEM) stops the
 * punch before anything goes. *@kept is set to the pages of the range
 * still in memory after it (msched_fs_truncate_range()).
 */
static int msched_fs_punch(struct msched_file *mf, pgoff_t first,
			   pgoff_t last, u64 *kept)
{
	struct address_space *mapping = mf->vfs_inode.i_mapping;
	int err = 0;

	*kept = 0;
	filemap_invalidate_lock(mapping);
	down_read(&mf->dirty_rwsem);
	if (mf->dirty)
		err = msched_fs_dirty_punch(mf->dirty, first, last);
	if (!err) {
		msched_fs_swap_free_range(mf, first, last);
		*kept = msched_fs_truncate_range(mf, first, last);
	}
	up_read(&mf->dirty_rwsem);
	filemap_invalidate_unlock(mapping);
	if (err)
		pr_warn_ratelimited("%s: punching pages %lu-%lu failed (error %d): a page of the frozen dirty epoch could not be kept aside\n",
				    mf->name, first, last, err);
	return err;
}

/* Punch the whole pages of [@off, @off + @len); see msched_fs_punch(). */
static int msched_fs_punch_bytes(struct inode *inode, loff_t off, loff_t len,
				 u64 *kept)
{
	/* Whole pages only: a partial page keeps its data. */
	loff_t first = round_up(off, PAGE_SIZE);
	loff_t last = round_down(off + len, PAGE_SIZE);

	*kept = 0;
	if (first >= last)
		return 0;
	return msched_fs_punch(MSCHED_FILE(inode), first >> PAGE_SHIFT,
			       (last >> PAGE_SHIFT) - 1, kept);
}

/**
 * msched_fs_release_range() - punch a hole in a huge=always memschedfs
 * file, as vfs_fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) does,
 * and say how much memory stayed: the balloon's release of guest frames.
 * @file: a memschedfs regular file, open for writing
 * @off: first byte; a partial first or last page keeps its data
 * @len: bytes
 * @kept: set to the pages of the range still in memory after the punch:
 *	  zeroed pages of a huge folio that could not be split (in use;
 *	  stats/nr_huge_split_failures), which were not freed
 *
 * The checks and hooks of vfs_fallocate() for that mode, in its order:
 * the arguments, FMODE_WRITE, an append-only or immutable inode, an
 * active swap file, the LSM's file_permission for MAY_WRITE (through
 * rw_verify_area(), since 6.1 does not export security_file_permission()),
 * s_maxbytes; then the punch inside file_start_write()/file_end_write()
 * (sb_writers: a frozen file system waits), and fsnotify_modify() when it
 * succeeded. Files of a huge=never mount need none of this: @kept is
 * always 0 there, and the balloon calls vfs_fallocate() for them.
 *
 * Context: process context; may sleep. Takes sb_writers (read), then the
 * file's invalidate lock (exclusive) and dirty_rwsem (read); no mmap_lock
 * may be held.
 * Return: 0; -EINVAL when @file is not a memschedfs file, or @off < 0 or
 * @len <= 0; -EBADF when it is not open for writing; -EPERM for an
 * append-only or immutable file; -ETXTBSY for an active swap file; the
 * LSM's error; -EFBIG past s_maxbytes; -EIO or -ENOMEM when a page of a
 * frozen dirty epoch could not be kept aside (nothing was punched).
 */
int msched_fs_release_range(struct file *file, loff_t off, loff_t len,
			    u64 *kept)
{
	struct inode *inode = file_inode(file);
	int ret;

	*kept = 0;
	if (!msched_fs_is_file(file) || off < 0 || len <= 0)
		return -EINVAL;
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (IS_APPEND(inode) || IS_IMMUTABLE(inode))
		return -EPERM;
	if (IS_SWAPFILE(inode))
		return -ETXTBSY;
	ret = rw_verify_area(WRITE, file, NULL, 0);
	if (ret)
		return ret;
	if (off + len > inode->i_sb->s_maxbytes || off + len < 0)
		return -EFBIG;
	file_start_write(file);
	ret = msched_fs_punch_bytes(inode, off, len, kept);
	if (!ret)
		fsnotify_modify(file);
	file_end_write(file);
	return ret;
}

/**
 * msched_fs_is_huge_file() - whether @file is a memschedfs file of a
 * huge=always mount (one that may hold 2 MiB folios).
 * @file: any open file.
 *
 * Context: any.
 * Return: true for such a file.
 */
bool msched_fs_is_huge_file(struct file *file)
{
	return msched_fs_is_file(file) && MSCHED_FILE(file_inode(file))->huge;
}

static long msched_fs_fallocate(struct file *file, int mode, loff_t off,
				loff_t len)
{
	struct inode *inode = file_inode(file);
	loff_t end = off + len;
	u64 kept;
	long ret;

	/* Zeroed pages a split left in memory read as a hole: no error. */
	if (mode == (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE))
		return msched_fs_punch_bytes(inode, off, len, &kept);
	if (mode & ~FALLOC_FL_KEEP_SIZE) {
		pr_info_ratelimited("%pD: fallocate mode %#x not supported (accepted: 0, KEEP_SIZE, PUNCH_HOLE|KEEP_SIZE)\n",
				    file, mode);
		return -EOPNOTSUPP;
	}
	inode_lock(inode);
	ret = inode_newsize_ok(inode, end);
	if (!ret && !(mode & FALLOC_FL_KEEP_SIZE) && end > i_size_read(inode)) {
		if (MSCHED_FILE(inode)->dirty) {
			pr_info_ratelimited("%pD: cannot grow from %lld to %lld bytes while its dirty pages are tracked (replication); accepted: FALLOC_FL_KEEP_SIZE, or stop the tracking first\n",
					    file, i_size_read(inode), end);
			ret = -EBUSY;
		} else {
			i_size_write(inode, end);
		}
	}
	inode_unlock(inode);
	if (ret)
		return ret;
	return msched_fs_prealloc(MSCHED_FILE(inode), off >> PAGE_SHIFT,
				  DIV_ROUND_UP(min(end, i_size_read(inode)),
					       PAGE_SIZE));
}

/*
 * Before a shrink to @size bytes: free the slots of the pages past the new
 * end, and read back a partial last page that is out, so that truncation
 * zeroes its tail (a later grow must read zeroes there). Caller holds the
 * invalidate lock exclusive. Returns 0 or -errno (the read failed).
 */
static int msched_fs_swap_shrink(struct msched_file *mf, loff_t size)
{
	pgoff_t idx = size >> PAGE_SHIFT;
	struct folio *folio;
	bool new;

	/* The partial page first: if its read fails, nothing changed. */
	if (offset_in_page(size) && xa_load(&mf->swap_map, idx)) {
		folio = msched_fs_get_folio(mf, idx, &new);
		if (IS_ERR(folio))
			return PTR_ERR(folio);
		folio_unlock(folio);
		folio_put(folio);
	}
	msched_fs_swap_free_range(mf, DIV_ROUND_UP(size, PAGE_SIZE), ULONG_MAX);
	return 0;
}

/* Tries of a split of a huge folio across a new end (holders are brief). */
#define MSCHED_FS_SHRINK_SPLIT_TRIES	3

/*
 * Before a shrink to @size bytes of a huge=always file: a huge folio
 * across the new end is split and its pages past the end freed here,
 * while they are still inside i_size. Left to truncate_setsize(), the
 * split would drop them itself (__split_huge_page() removes the tails
 * past i_size without ->free_folio), and live_fs_pages would keep them.
 * The split fails while someone else holds the folio (a GUP pin, the
 * kernel's migration): it is tried again a few times, then the shrink is
 * refused, before anything else changed but the pages past the new end
 * (zeroed, as the shrink would have them): the folio, the size and the
 * pages before the new end stay as they were. Each failed try is counted
 * in nr_huge_split_failures. Caller holds the invalidate lock exclusive.
 * Return: 0, or -EBUSY (the shrink must not go on).
 */
static int msched_fs_huge_shrink(struct msched_file *mf, loff_t size)
{
	struct address_space *mapping = mf->vfs_inode.i_mapping;
	pgoff_t first = DIV_ROUND_UP(size, PAGE_SIZE), head, keep;
	int try;

	if (!mf->huge)
		return 0;
	head = msched_fs_huge_straddling(mapping, first, first, ULONG_MAX - 1,
					 &keep);
	if (head == ULONG_MAX || head >= first)
		return 0;
	for (try = 0; try < MSCHED_FS_SHRINK_SPLIT_TRIES; try++) {
		if (try)
			schedule_timeout_uninterruptible(1);
		if (!msched_fs_truncate_range(mf, first,
					      head + MSCHED_FS_HUGE_NR - 1))
			return 0;
	}
	pr_info_ratelimited("%s: cannot shrink to %lld bytes now: the huge folio at page %lu across the new end is in use and could not be split (pages past the new end zeroed, nothing else changed; accepted: try again)\n",
			    mf->name, size, head);
	return -EBUSY;
}

static int msched_fs_setattr(msched_compat_idmap *idmap,
			     struct dentry *dentry, struct iattr *attr)
{
	struct inode *inode = d_inode(dentry);
	struct address_space *mapping = inode->i_mapping;
	int err;

	err = setattr_prepare(idmap, dentry, attr);
	if (err)
		return err;
	if ((attr->ia_valid & ATTR_SIZE) && attr->ia_size != i_size_read(inode)) {
		/* The VFS holds the inode lock: tracking cannot start now. */
		if (MSCHED_FILE(inode)->dirty) {
			pr_info_ratelimited("%pd: cannot change the size from %lld to %lld bytes while its dirty pages are tracked (replication); stop the tracking first\n",
					    dentry, i_size_read(inode),
					    attr->ia_size);
			return -EBUSY;
		}
		filemap_invalidate_lock(mapping);
		if (attr->ia_size < i_size_read(inode) && mapping_mapped(mapping)) {
			filemap_invalidate_unlock(mapping);
			pr_info_ratelimited("%pd: cannot shrink from %lld to %lld bytes while it is mapped (accepted: grow; shrink once every mapping is gone)\n",
					    dentry, i_size_read(inode),
					    attr->ia_size);
			return -EBUSY;
		}
		if (attr->ia_size < i_size_read(inode)) {
			/* First: a refusal here must leave the swap slots. */
			err = msched_fs_huge_shrink(MSCHED_FILE(inode),
						    attr->ia_size);
			if (!err)
				err = msched_fs_swap_shrink(MSCHED_FILE(inode),
							    attr->ia_size);
			if (err) {
				filemap_invalidate_unlock(mapping);
				return err;
			}
		}
		truncate_setsize(inode, attr->ia_size);
		filemap_invalidate_unlock(mapping);
	}
	setattr_copy(idmap, inode, attr);
	return 0;
}

/* Return: the inode; ERR_PTR(-ENOMEM), or -ENOSPC when no number is left. */
static struct inode *msched_fs_new_inode(struct super_block *sb,
					 const struct inode *dir, umode_t mode)
{
	struct inode *inode = new_inode(sb);
	int ino;

	if (!inode)
		return ERR_PTR(-ENOMEM);
	ino = msched_fallible_err(ida_alloc_range(&msched_fs_ino_ida,
						  MSCHED_FS_INO_MIN,
						  MSCHED_FS_INO_MAX, GFP_KERNEL));
	if (ino < 0) {
		if (ino == -ENOSPC)
			pr_warn_ratelimited("no inode number left (accepted: at most %d files in all instances)\n",
					    MSCHED_FS_INO_MAX);
		iput(inode);
		return ERR_PTR(ino);
	}
	inode->i_ino = ino;
	inode_init_owner(MSCHED_COMPAT_NOP_IDMAP, inode, dir, mode);
	msched_compat_inode_touch(inode);
	if (S_ISDIR(mode)) {
		inode->i_op = &msched_fs_dir_iops;
		inode->i_fop = &simple_dir_operations;
		inc_nlink(inode);
		return inode;
	}
	inode->i_op = &msched_fs_file_iops;
	inode->i_fop = &msched_fs_file_fops;
	inode->i_mapping->a_ops = &msched_fs_aops;
	mapping_set_gfp_mask(inode->i_mapping, GFP_HIGHUSER_MOVABLE);
	mapping_set_unevictable(inode->i_mapping);
	if (msched_fs_sb_huge(sb)) {
		MSCHED_FILE(inode)->huge = true;
		inode->i_fop = &msched_fs_huge_file_fops;
		/*
		 * Required, not only a hint: without it the page cache warns
		 * (filemap_nr_thps_dec()) when a PMD-sized folio leaves.
		 */
		mapping_set_large_folios(inode->i_mapping);
	}
	return inode;
}

static int msched_fs_create(msched_compat_idmap *idmap, struct inode *dir,
			    struct dentry *dentry, umode_t mode, bool excl)
{
	struct msched_file *mf;
	struct inode *inode;
	int err;

	inode = msched_fs_new_inode(dir->i_sb, dir, mode | S_IFREG);
	if (IS_ERR(inode))
		return PTR_ERR(inode);
	mf = MSCHED_FILE(inode);
	mf->name = msched_fallible(kstrdup(dentry->d_name.name, GFP_KERNEL));
	err = mf->name ? msched_fs_sysfs_add(mf) : -ENOMEM;
	if (err) {
		iput(inode);
		return err;
	}
	d_instantiate(dentry, inode);
	dget(dentry);	/* pinned in core, as in ramfs */
	msched_compat_inode_touch(dir);
	return 0;
}

/*
 * Directories only hold names: libvirt puts a domain's RAM file at
 * memory_backing_dir/libvirt/qemu/ID-NAME/ALIAS and makes those directories
 * itself (Documentation/admin-guide/libvirt.rst).
 */
static msched_compat_mkdir_ret msched_fs_mkdir(msched_compat_idmap *idmap,
					       struct inode *dir,
					       struct dentry *dentry,
					       umode_t mode)
{
	struct inode *inode;

	inode = msched_fs_new_inode(dir->i_sb, dir, mode | S_IFDIR);
	if (IS_ERR(inode))
		return MSCHED_COMPAT_MKDIR_RET(PTR_ERR(inode));
	d_instantiate(dentry, inode);
	dget(dentry);	/* pinned in core, as in ramfs */
	inc_nlink(dir);
	msched_compat_inode_touch(dir);
	return MSCHED_COMPAT_MKDIR_RET(0);
}

static const struct inode_operations msched_fs_dir_iops = {
	.create = msched_fs_create,
	.lookup = simple_lookup,
	.link = simple_link,
	.unlink = simple_unlink,
	.mkdir = msched_fs_mkdir,
	.rmdir = simple_rmdir,
	.rename = simple_rename,
};

static const struct inode_operations msched_fs_file_iops = {
	.setattr = msched_fs_setattr,
	.getattr = simple_getattr,
};

static const struct file_operations msched_fs_file_fops = {
	.mmap = msched_fs_mmap,
	.fallocate = msched_fs_fallocate,
	.fsync = noop_fsync,
	.llseek = generic_file_llseek,
};

/*
 * Files of a huge=always mount: an mmap without MAP_FIXED gets an address
 * congruent to the file offset modulo 2 MiB, which a PMD mapping needs
 * (transhuge_vma_suitable()). A VMM that maps MAP_FIXED into its own
 * reservation (QEMU) must align that itself (align=2M).
 */
static const struct file_operations msched_fs_huge_file_fops = {
	.mmap = msched_fs_mmap,
	.get_unmapped_area = thp_get_unmapped_area,
	.fallocate = msched_fs_fallocate,
	.fsync = noop_fsync,
	.llseek = generic_file_llseek,
};

static void msched_fs_free_folio(struct folio *folio)
{
	/* Large when it left whole; after a split each page leaves alone. */
	msched_fs_live_pages_add(-folio_nr_pages(folio));
}

/*
 * The kernel's own migration (compaction, CMA, memory offline, mbind and
 * move_pages(2)) moves our pages like any page-cache page: it took the
 * folio off the LRU, unmapped it and locked both folios. Pages are
 * allocated __GFP_MOVABLE (the PMEM node is ZONE_MOVABLE), so this must
 * work, or they would pin ZONE_MOVABLE and CMA blocks. NUMA balancing
 * leaves dirty file pages alone (migrate_misplaced_page()), and ours are
 * always dirty, so it does not fight the tiering policy. Only the DRAM
 * count needs keeping; the next tiering scan puts pages where the policy
 * wants them.
 */
static int msched_fs_migrate_folio(struct address_space *mapping,
				   struct folio *dst, struct folio *src,
				   enum migrate_mode mode)
{
	struct msched_file *mf = MSCHED_FILE(mapping->host);
	int ret;

	ret = migrate_folio(mapping, dst, src, mode);
	if (ret != MIGRATEPAGE_SUCCESS)
		return ret;
	msched_fs_note_moved(mf, folio_nid(src), folio_nid(dst),
			     folio_nr_pages(src));
	msched_fs_count(mf, MSCHED_FS_ST_KERNEL_MOVED, folio_nr_pages(src));
	return ret;
}

static const struct address_space_operations msched_fs_aops = {
	.dirty_folio = noop_dirty_folio,
	.free_folio = msched_fs_free_folio,
	.migrate_folio = msched_fs_migrate_folio,
};

static struct inode *msched_fs_alloc_inode(struct super_block *sb)
{
	struct msched_file *mf;

	mf = msched_fallible(kzalloc(sizeof(*mf), GFP_KERNEL));
	if (!mf)
		return NULL;
	inode_init_once(&mf->vfs_inode);
	mutex_init(&mf->move_lock);
	spin_lock_init(&mf->track_lock);
	mf->dram_node = msched_fs_default_dram_node();
	mf->pmem_node = msched_fs_default_pmem_node();
	mf->dram_budget = MSCHED_FS_BUDGET_MAX;
	mf->scan_ms = 1000;
	mf->promote_heat = 96;	/* touched in two scans running */
	mf->demote_heat = 32;	/* then three idle scans cool it */
	mf->rate_mib_per_s = 256;
	init_rwsem(&mf->dirty_rwsem);
	atomic64_set(&mf->dirty_first_wait_ns, S64_MAX);
	msched_fs_tier_init(mf);
	msched_fs_swap_init(mf);
	atomic64_inc(&msched_live_fs_files);
	return &mf->vfs_inode;
}

/* Synchronous part of freeing an inode: the counter drops here, not later. */
static void msched_fs_destroy_inode(struct inode *inode)
{
	struct msched_file *mf = MSCHED_FILE(inode);

	kfree(mf->name);
	mf->name = NULL;
	/* evict_inode removed files/<ino>/ already: the number is free */
	if (inode->i_ino)
		ida_free(&msched_fs_ino_ida, inode->i_ino);
	atomic64_dec(&msched_live_fs_files);
}

static void msched_fs_free_inode(struct inode *inode)
{
	kfree(MSCHED_FILE(inode));	/* after an RCU grace period */
}

/*
 * The last reference is gone (unlinked and unmapped, or unmount). Stop the
 * scan and remove the sysfs directory before the pages go, so neither can
 * touch a file that is being torn down.
 */
static void msched_fs_evict_inode(struct inode *inode)
{
	struct msched_file *mf = MSCHED_FILE(inode);

	if (S_ISREG(inode->i_mode)) {
		msched_fs_sysfs_del(mf);
		msched_fs_tier_teardown(mf);
		msched_fs_swap_evict(mf);	/* slots first: unread */
	}
	truncate_inode_pages_final(&inode->i_data);
	clear_inode(inode);
}

static int msched_fs_show_options(struct seq_file *m, struct dentry *root)
{
	umode_t mode = (uintptr_t)root->d_sb->s_fs_info & S_IALLUGO;

	if (mode)
		seq_printf(m, ",mode=%o", mode);
	/* Always shown: the default differs between kernels (with or
	 * without CONFIG_TRANSPARENT_HUGEPAGE). */
	seq_puts(m, msched_fs_sb_huge(root->d_sb) ? ",huge=always" : ",huge=never");
	return 0;
}

static const struct super_operations msched_fs_sops = {
	.alloc_inode = msched_fs_alloc_inode,
	.destroy_inode = msched_fs_destroy_inode,
	.free_inode = msched_fs_free_inode,
	.evict_inode = msched_fs_evict_inode,
	.drop_inode = generic_delete_inode,
	.statfs = simple_statfs,
	.show_options = msched_fs_show_options,
};

enum { OPT_MODE, OPT_HUGE };
enum { MSCHED_FS_HUGE_NEVER, MSCHED_FS_HUGE_ALWAYS };

static const struct constant_table msched_fs_huge_modes[] = {
	{ "never",	MSCHED_FS_HUGE_NEVER },
	{ "always",	MSCHED_FS_HUGE_ALWAYS },
	{}
};

static const struct fs_parameter_spec msched_fs_params[] = {
	fsparam_u32oct("mode", OPT_MODE),
	fsparam_enum("huge", OPT_HUGE, msched_fs_huge_modes),
	{}
};

static int msched_fs_parse_param(struct fs_context *fc,
				 struct fs_parameter *param)
{
	struct fs_parse_result result;
	uintptr_t opts;
	int opt;

	opt = fs_parse(fc, msched_fs_params, param, &result);
	if (opt == -ENOPARAM) {
		opt = vfs_parse_fs_param_source(fc, param);
		if (opt != -ENOPARAM)
			return opt;
		return invalf(fc, "memschedfs: unknown option %s (accepted: mode=OCTAL, huge=always|never)",
			      param->key);
	}
	if (opt == -EINVAL && !strcmp(param->key, "huge"))
		return invalf(fc, "memschedfs: huge=%s not supported (accepted: huge=never, huge=always)",
			      param->type == fs_value_is_string ?
			      param->string : "?");
	if (opt < 0)
		return opt;
	opts = (uintptr_t)fc->fs_private;
	if (opt == OPT_MODE) {
		opts = (opts & ~(uintptr_t)S_IALLUGO) |
		       (result.uint_32 & S_IALLUGO) | MSCHED_FS_OPT_MODE_SET;
	} else if (result.uint_32 == MSCHED_FS_HUGE_NEVER) {
		opts = (opts & ~MSCHED_FS_OPT_HUGE) | MSCHED_FS_OPT_HUGE_SET;
	} else if (IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE)) {
		opts |= MSCHED_FS_OPT_HUGE | MSCHED_FS_OPT_HUGE_SET;
	} else {
		return invalf(fc, "memschedfs: huge=always needs CONFIG_TRANSPARENT_HUGEPAGE (accepted here: huge=never)");
	}
	fc->fs_private = (void *)opts;
	return 0;
}

/*
 * mount -o remount: the options are fixed at mount time (a file keeps the
 * page size it was created with; the root's mode is chmod's). A remount
 * that gives huge= or mode= with another value than the mount's is
 * refused, not ignored; one that repeats them, or gives neither (ro/rw,
 * which the VFS handles), is accepted.
 */
static int msched_fs_reconfigure(struct fs_context *fc)
{
	uintptr_t want = (uintptr_t)fc->fs_private;
	uintptr_t have = (uintptr_t)fc->root->d_sb->s_fs_info;
	umode_t mode = have & S_IALLUGO;

	if (!mode)
		mode = 0755;	/* mounted without mode= */

	if ((want & MSCHED_FS_OPT_HUGE_SET) &&
	    (want & MSCHED_FS_OPT_HUGE) != (have & MSCHED_FS_OPT_HUGE))
		return invalf(fc, "memschedfs: huge= cannot change on remount (accepted: huge=%s, as mounted; unmount and mount again to change it)",
			      have & MSCHED_FS_OPT_HUGE ? "always" : "never");
	if ((want & MSCHED_FS_OPT_MODE_SET) && (want & S_IALLUGO) != mode)
		return invalf(fc, "memschedfs: mode= cannot change on remount (accepted: mode=%o, as mounted; chmod the mount point instead)",
			      (unsigned int)mode);
	return 0;
}

static int msched_fs_fill_super(struct super_block *sb, struct fs_context *fc)
{
	umode_t mode = (uintptr_t)fc->fs_private & S_IALLUGO;
	struct inode *root;

	sb->s_maxbytes = MAX_LFS_FILESIZE;
	sb->s_blocksize = PAGE_SIZE;
	sb->s_blocksize_bits = PAGE_SHIFT;
	sb->s_magic = MEMSCHEDFS_MAGIC;
	sb->s_op = &msched_fs_sops;
	sb->s_time_gran = 1;
	sb->s_fs_info = fc->fs_private;
	root = msched_fs_new_inode(sb, NULL, S_IFDIR | (mode ? mode : 0755));
	if (IS_ERR(root))
		return PTR_ERR(root);
	sb->s_root = d_make_root(root);
	return sb->s_root ? 0 : -ENOMEM;
}

static int msched_fs_get_tree(struct fs_context *fc)
{
	return get_tree_nodev(fc, msched_fs_fill_super);
}

static const struct fs_context_operations msched_fs_context_ops = {
	.parse_param = msched_fs_parse_param,
	.get_tree = msched_fs_get_tree,
	.reconfigure = msched_fs_reconfigure,
};

/*
 * huge=always is the default where the kernel has transparent huge pages:
 * guest RAM on memschedfs is then mapped by 2 MiB entries, as on hugetlbfs.
 * huge=never opts out. Only a huge= given on the command line counts as
 * given (MSCHED_FS_OPT_HUGE_SET), so a remount without it is accepted.
 */
static int msched_fs_init_fs_context(struct fs_context *fc)
{
	fc->ops = &msched_fs_context_ops;
	if (IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE))
		fc->fs_private = (void *)(uintptr_t)MSCHED_FS_OPT_HUGE;
	return 0;
}

static struct file_system_type msched_fs_type = {
	.owner = THIS_MODULE,
	.name = "memschedfs",
	.init_fs_context = msched_fs_init_fs_context,
	.parameters = msched_fs_params,
	.kill_sb = kill_litter_super,
};
MODULE_ALIAS_FS("memschedfs");

/**
 * msched_fs_is_file() - whether @file is a memschedfs file.
 * @file: any open file.
 *
 * Context: any.
 * Return: true for a regular file of a memschedfs mount.
 */
bool msched_fs_is_file(struct file *file)
{
	struct inode *inode = file_inode(file);

	return inode->i_sb->s_type == &msched_fs_type && S_ISREG(inode->i_mode);
}

/**
 * msched_fs_init() - register memschedfs.
 *
 * Context: process context, module init; may sleep. The sysfs tree
 * (msched_fs_sysfs_init) must exist already.
 * Return: 0 or -errno.
 */
int msched_fs_init(void)
{
	return register_filesystem(&msched_fs_type);
}

/**
 * msched_fs_exit() - unregister memschedfs. A mounted instance holds a
 * module reference, so none exists here.
 *
 * Context: process context, module exit; may sleep.
 */
void msched_fs_exit(void)
{
	unregister_filesystem(&msched_fs_type);
	ida_destroy(&msched_fs_ino_ida);
}
