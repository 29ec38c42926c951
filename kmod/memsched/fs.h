/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memschedfs: a file system whose files are VM RAM (fs.c), where new pages
 * go (fs_place.c), the page mover
 * (fs_move.c), the tiering scan (fs_tier.c), swapping to the swap device
 * (fs_swap.c; the device is swap.h) and each file's sysfs directory
 * (fs_sysfs.c). See Documentation/design/memschedfs.rst and Documentation/design/locking.rst.
 */
#ifndef _MEMSCHED_FS_H
#define _MEMSCHED_FS_H

#include <linux/fs.h>
#include <linux/kobject.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/xarray.h>
#include <linux/workqueue.h>

#include "access.h"
#include "msched_tier.h"

#define MSCHED_FS_BUDGET_MAX	U64_MAX		/* no DRAM budget */

/* A huge folio: PMD order, mapped by one PMD, 512 pages on x86-64. */
#define MSCHED_FS_HUGE_ORDER	(PMD_SHIFT - PAGE_SHIFT)
#define MSCHED_FS_HUGE_NR	(1UL << MSCHED_FS_HUGE_ORDER)

/*
 * What happened to a 2 MiB range of a huge=always file: the reason of the
 * tracepoint msched_fs_huge (trace.h prints it by name).
 */
enum msched_fs_huge_event {
	MSCHED_FS_HUGE_ADDED,		/* got a huge folio */
	MSCHED_FS_HUGE_FB_TAIL,		/* fell back: not wholly inside i_size */
	MSCHED_FS_HUGE_FB_SWAPPED,	/* pages on the swap device: not counted */
	MSCHED_FS_HUGE_FB_SWAPIN,	/* pages out, read back as 4 KiB pages */
	MSCHED_FS_HUGE_FB_NOMEM,	/* fell back: no free 2 MiB block, or memcg */
	MSCHED_FS_HUGE_SPLIT,		/* a punch split the huge folio */
	MSCHED_FS_HUGE_SPLIT_FAILED,	/* a punch could not split it (in use) */
};

/* Per-file counters, shown in files/<ino>/stats. */
enum msched_fs_stat {
	MSCHED_FS_ST_FAULTS,		/* pages allocated on first touch */
	MSCHED_FS_ST_TRAPS,		/* refaults seen by the access trap */
	MSCHED_FS_ST_SCANS,
	MSCHED_FS_ST_PROMOTIONS,
	MSCHED_FS_ST_DEMOTIONS,
	MSCHED_FS_ST_MOVED,		/* pages moved, by policy or by "move" */
	MSCHED_FS_ST_MOVE_BUSY,		/* moves skipped: page in use, retry */
	MSCHED_FS_ST_MOVE_NOMEM,	/* moves skipped: target node full */
	MSCHED_FS_ST_RATE_STALLS,	/* policy moves deferred by the rate */
	MSCHED_FS_ST_BUDGET_DEMOTIONS,
	MSCHED_FS_ST_KERNEL_MOVED,	/* pages the kernel migrated (offline...) */
	MSCHED_FS_ST_KNOB_CONFLICTS,	/* scans skipped: demote_heat >= promote_heat */
	MSCHED_FS_ST_TRAP_REARMS,	/* passes that unmapped the file (the trap) */
	MSCHED_FS_ST_SWAP_OUT,		/* pages that left memory for the swap device */
	MSCHED_FS_ST_SWAP_IN,		/* pages read back from it */
	MSCHED_FS_ST_SWAP_WRITE_BYTES,	/* bytes written to it (completed) */
	MSCHED_FS_ST_SWAP_READ_BYTES,	/* bytes read from it (completed) */
	MSCHED_FS_ST_SWAP_WRITE_BATCHES,
	MSCHED_FS_ST_SWAP_WRITE_ERRORS,	/* pages whose write failed (kept) */
	MSCHED_FS_ST_SWAP_READ_ERRORS,	/* pages whose read failed (kept out) */
	MSCHED_FS_ST_SWAP_BUSY,		/* selected but kept: in use */
	MSCHED_FS_ST_SWAP_STALL_NS,	/* the preparer waited for the queue */
	MSCHED_FS_ST_SWAP_PREPARE_NS,	/* selecting, locking, unmapping */
	MSCHED_FS_ST_SWAP_WRITE_NS,	/* batches' submit-to-completion */
	MSCHED_FS_ST_HUGE_FALLBACKS,	/* 2 MiB ranges that got 4 KiB pages */
	MSCHED_FS_ST_HUGE_SPLITS,	/* huge folios a punch split */
	MSCHED_FS_ST_HUGE_SPLIT_FAILS,	/* punches in one that could not split it */
	MSCHED_FS_ST_SWAP_HUGE_SKIPS,	/* huge folios kept: fewer than 512 slots free */
	MSCHED_FS_ST_SWAP_OUT_HUGE,	/* huge folios written out whole */
	MSCHED_FS_ST_SWAP_OUT_HUGE_FRAG,	/* of those, to more than one slot run */
	MSCHED_FS_ST_SWAP_IN_HUGE,	/* 2 MiB ranges read back into a huge folio */
	MSCHED_FS_ST_SWAP_IN_HUGE_FALLBACKS,	/* ranges with pages out read back as 4 KiB */
	MSCHED_FS_ST_DIRTY_HUGE_FOLIOS,	/* huge folios written per dirty epoch */
	MSCHED_FS_NR_STATS,
};

/**
 * struct msched_fs_tierer - the tiering state of one file.
 * @t: the policy engine (lib/msched_tier)
 * @heat: its per-page heat, @nr_pages entries
 * @pages: scratch: resident pages handed to the planner
 * @moves: scratch: the plan
 * @idx: scratch: page indexes of one direction of the plan
 * @nr_pages: pages the arrays are sized for (the file size at the last scan)
 */
struct msched_fs_tierer {
	struct msched_tier t;
	void *heat;
	struct msched_tier_page *pages;
	struct msched_tier_move *moves;
	pgoff_t *idx;
	u32 nr_pages;
};

/**
 * struct msched_file - a memschedfs inode.
 * @vfs_inode: the VFS inode
 * @kobj: files/<ino>/ (regular files only; NULL for the root directory)
 * @name: the name the file was created with (for sysfs)
 * @move_lock: serializes moves, scans and changes of the policy below
 * @huge: new pages come as 2 MiB folios where they can (the mount's
 *	huge=always); fixed at creation
 * @had_huge: a huge folio was added once (set, never cleared: the walk
 *	of huge_folios is skipped while it is false)
 * @dram_node: fast tier node; new pages go here while under budget
 * @pmem_node: slow tier node, or NUMA_NO_NODE (no tiering)
 * @dram_budget: most pages on @dram_node, or MSCHED_FS_BUDGET_MAX
 * @tiering: the policy scan runs
 * @scan_ms: time between two scans
 * @rate_mib_per_s: migration rate limit of the policy, MiB/s (0: none)
 * @promote_heat: PMEM pages this hot or hotter are promoted
 * @demote_heat: DRAM pages colder than this may be demoted
 * @nr_dram: pages on @dram_node, counting DRAM pages reserved for faults
 *	     and promotions in flight; never below the truth, so that checking
 *	     it against @dram_budget makes the budget a hard limit. Raised by
 *	     every arrival, lowered by departures and by each scan's recount
 *	     (msched_fs_dram_recount()).
 * @nr_dram_arrivals: pages that arrived on @dram_node outside @move_lock
 *	     (faults, the kernel's migration), ever; the recount adds those
 *	     that arrived during its walk
 * @nr_dram_inflight: DRAM reservations of faults not yet in the page cache
 * @track_lock: protects @touched and @touched_bits against resizing
 * @touched: one bit per page: faulted since the last scan
 * @touched_bits: size of @touched in bits
 * @tier: policy state, under @move_lock
 * @trap_src: the fault trap as an access source (access.h)
 * @access: where tiering reads accesses: @trap_src, or a source lent by
 *	the attached VM whose guest RAM this file is; under @move_lock
 * @scan_work: the periodic scan
 * @dying: set once teardown started; the scan does not requeue
 * @swap_map: pages out on the swap device: page index -> xa_mk_value(slot);
 *	XA_MARK_0 while the write of the page is in flight (the page is then
 *	still in the page cache, locked). Its own xa_lock. An entry changes
 *	at swap-out (invalidate lock shared) and its write's completion (no
 *	invalidate lock), at swap-in (shared) and at truncate or punch
 *	(exclusive); so under the shared lock only a folio of ours, locked
 *	in the page cache at the index, keeps the entry of a page stable
 *	(fs_swap.c).
 * @nr_swapped: entries of @swap_map whose page is out (not in flight);
 *	changed under @swap_map's lock
 * @dirty_rwsem: the dirty-epoch cut (fs_dirty.c): held for write by a
 *	cut, and by the start and stop of tracking; every ->page_mkwrite,
 *	msched_file_write_page() and punch hole hold it for read while they
 *	record a write. Lives in the file, not the tracker, so that a
 *	writer can take it before knowing whether a tracker exists.
 * @dirty: the file's dirty-page tracker, or NULL; set and cleared under
 *	@dirty_rwsem (write) and the inode lock, so either lock held keeps
 *	it (size changes read it under the inode lock)
 * @dirty_first_wait_ns: ktime of the earliest writer now waiting for
 *	@dirty_rwsem, S64_MAX when none: a cut reads it to measure the
 *	longest writer stall it caused
 * @stats: enum msched_fs_stat counters
 */
struct msched_file {
	struct inode vfs_inode;
	struct kobject *kobj;
	const char *name;
	struct mutex move_lock;
	bool huge;
	bool had_huge;
	int dram_node;
	int pmem_node;
	u64 dram_budget;
	bool tiering;
	u32 scan_ms;
	u32 rate_mib_per_s;
	u32 promote_heat;
	u32 demote_heat;
	atomic64_t nr_dram;
	atomic64_t nr_dram_arrivals;
	atomic64_t nr_dram_inflight;
	spinlock_t track_lock;
	unsigned long *touched;
	u64 touched_bits;
	struct msched_fs_tierer tier;
	struct msched_access_src trap_src;
	struct msched_access_src *access;
	struct delayed_work scan_work;
	bool dying;
	struct xarray swap_map;
	atomic64_t nr_swapped;
	struct rw_semaphore dirty_rwsem;
	struct msched_dirty *dirty;
	atomic64_t dirty_first_wait_ns;
	atomic64_t stats[MSCHED_FS_NR_STATS];
};

/**
 * struct msched_dirty - the dirty-page tracker of one memschedfs file
 * (fs_dirty.c; include/memsched_dirty.h is its API).
 * @mf: the file
 * @file: the reference the tracker holds
 * @lock: serializes the consumer's calls (cut, next, copy, commit,
 *	abort, stop, stats); nests outside everything below
 * @nr_pages: the file's size in pages, fixed while tracked
 * @cur: pages written in the current epoch: set_bit() by writers under
 *	@mf->dirty_rwsem (read); the pointer swapped, and the bitmap
 *	cleared, only by a cut under it (write)
 * @pending: the frozen epoch's pages not copied yet; set by a cut (write
 *	lock), cleared by copy, commit, abort under @cow's xa_lock (and
 *	@lock); writers read it
 * @eset: the frozen epoch's pages, copied or not (abort); under @lock
 * @redo: pages to ship in the next epoch that need no write protection
 *	(an aborted epoch, the first epoch's every page); under @lock
 * @redo_any: @redo has a bit set; under @lock
 * @frozen: an epoch is frozen (cut, not committed or aborted); under @lock
 * @cow: page index -> struct page *, the frozen contents of pages written
 *	before they were copied. Its xa_lock also orders @pending's clearing
 *	against a writer's insertion: a COW is inserted only while the bit is
 *	set, so none outlives its epoch
 * @epoch: the number of the last cut; under @lock
 * @frozen_pages: pages in the frozen epoch; under @lock
 * @nr_cuts: cuts, under @lock
 * @nr_dirty_pages: pages of all cut epochs, under @lock
 * @nr_commits: under @lock
 * @nr_aborts: under @lock
 * @last_stall_max_ns: the longest writer stall of the last cut; under @lock
 * @last_cut_ns: the last cut's length; under @lock
 * @nr_cow_pages: COW copies made (atomic: writers)
 * @stall_ns: time writers were held up, summed: waiting for cuts and
 *	copying frozen pages aside (atomic: writers)
 * @nr_dirty_huge_folios: large folios recorded written, once per folio per
 *	epoch (atomic: writers, under @mf->dirty_rwsem read)
 * @huge_at_cut: @nr_dirty_huge_folios at the last cut's instant; read and
 *	set by a cut under @mf->dirty_rwsem (write)
 */
struct msched_dirty {
	struct msched_file *mf;
	struct file *file;
	struct mutex lock;
	pgoff_t nr_pages;
	unsigned long *cur;
	unsigned long *pending;
	unsigned long *eset;
	unsigned long *redo;
	bool redo_any;
	bool frozen;
	struct xarray cow;
	u64 epoch;
	u64 frozen_pages;
	u64 nr_cuts;
	u64 nr_dirty_pages;
	u64 nr_commits;
	u64 nr_aborts;
	u64 last_stall_max_ns;
	u64 last_cut_ns;
	atomic64_t nr_cow_pages;
	atomic64_t stall_ns;
	atomic64_t nr_dirty_huge_folios;
	u64 huge_at_cut;
};

static inline struct msched_file *MSCHED_FILE(struct inode *inode)
{
	return container_of(inode, struct msched_file, vfs_inode);
}

static inline void msched_fs_count(struct msched_file *mf,
				   enum msched_fs_stat s, u64 n)
{
	atomic64_add(n, &mf->stats[s]);
}

/*
 * @nr pages (one folio) arrived on @mf's DRAM node: count the arrival,
 * then (unless a reservation @counted them already) raise nr_dram, in that
 * order, so that msched_fs_dram_recount() sees the pages in one of them or
 * in both.
 */
static inline void msched_fs_dram_arrived(struct msched_file *mf,
					  bool counted, long nr)
{
	atomic64_add(nr, &mf->nr_dram_arrivals);
	smp_mb__after_atomic();
	if (!counted)
		atomic64_add(nr, &mf->nr_dram);
}

/*
 * A folio of @nr pages of @mf moved from node @from to node @to (by
 * memsched or by the kernel's migration): keep the DRAM count used for
 * first-touch placement.
 */
static inline void msched_fs_note_moved(struct msched_file *mf, int from,
					int to, long nr)
{
	int dram = READ_ONCE(mf->dram_node);

	if (to == dram && from != dram)
		msched_fs_dram_arrived(mf, false, nr);
	else if (from == dram && to != dram)
		atomic64_sub(nr, &mf->nr_dram);
}

/*
 * Reserve @n DRAM pages of the budget @budget, all of them or none: one
 * compare-and-exchange of @nr_dram that checks the whole @n, so that a
 * 512-page reservation never holds part of the budget while it fails and
 * a concurrent 4 KiB fault never sees it half-taken. Returns true when
 * reserved (added to @nr_dram); the caller gives it back with
 * atomic64_sub() on @nr_dram. For @n == 1 it is main's partial take.
 */
static inline bool msched_fs_dram_take(struct msched_file *mf, u64 n,
				       u64 budget)
{
	s64 old = atomic64_read(&mf->nr_dram);

	do {
		if (n > budget || (u64)max_t(s64, old, 0) > budget - n)
			return false;
	} while (!atomic64_try_cmpxchg(&mf->nr_dram, &old, old + n));
	return true;
}

static inline pgoff_t msched_fs_nr_pages(struct inode *inode)
{
	return DIV_ROUND_UP(i_size_read(inode), PAGE_SIZE);
}

/*
 * In an RCU walk of a file's page cache: give the CPU up when asked, and
 * resume the walk after the current index.
 */
static inline void msched_fs_xas_resched(struct xa_state *xas)
{
	if (!need_resched())
		return;
	xas_pause(xas);
	rcu_read_unlock();
	cond_resched();
	rcu_read_lock();
}

/*
 * Set bits [@idx, @end) of @map atomically: writers of other folios and a
 * hole punch (no folio lock) set bits of the same words concurrently, so
 * no bitmap_set() (a plain read-modify-write). Whole words (a huge
 * folio's 512 bits are 8 of them) take one atomic OR each.
 */
static inline void msched_dirty_fill(unsigned long *map, pgoff_t idx,
				     pgoff_t end)
{
	for (; idx < end && idx % BITS_PER_LONG; idx++)
		set_bit(idx, map);
	for (; idx + BITS_PER_LONG <= end; idx += BITS_PER_LONG)
		atomic_long_or(~0L, (atomic_long_t *)&map[BIT_WORD(idx)]);
	for (; idx < end; idx++)
		set_bit(idx, map);
}

/**
 * msched_dirty_note_folio() - record a write of @folio in the current
 * epoch: all of its pages (a huge folio is written whole, 2 MiB, since
 * its PMD becomes writable at once), counting a large folio once per
 * epoch in nr_dirty_huge_folios.
 * @d: the file's tracker
 * @folio: a folio of the file, locked
 *
 * The bit of the folio's first page decides "once per epoch": set by the
 * first recorder of the epoch (or by a hole punch, which then got there
 * first and the folio is not counted; a punch splits or frees it anyway).
 *
 * Context: any; caller holds @d->mf->dirty_rwsem for read (a cut swaps
 * @d->cur under it, write) and the folio lock (fs.c, fs_dirty.c).
 */
static inline void msched_dirty_note_folio(struct msched_dirty *d,
					   struct folio *folio)
{
	if (folio->index >= d->nr_pages)
		return;
	if (!test_and_set_bit(folio->index, d->cur) && folio_test_large(folio)) {
		atomic64_inc(&d->nr_dirty_huge_folios);
		msched_fs_count(d->mf, MSCHED_FS_ST_DIRTY_HUGE_FOLIOS, 1);
	}
	msched_dirty_fill(d->cur, folio->index,
			  min_t(pgoff_t, folio->index + folio_nr_pages(folio),
				d->nr_pages));
}

/* fs.c */
extern atomic64_t msched_live_fs_files;
int msched_fs_init(void);
void msched_fs_exit(void);
bool msched_fs_is_file(struct file *file);
bool msched_fs_is_huge_file(struct file *file);
int msched_fs_release_range(struct file *file, loff_t off, loff_t len,
			    u64 *kept);
struct folio *msched_fs_get_folio(struct msched_file *mf, pgoff_t idx,
				  bool *new);
struct folio *msched_fs_find_folio(struct msched_file *mf, pgoff_t idx);
int msched_fs_dirty_note_write(struct msched_dirty *d, struct folio *folio);
/**
 * struct msched_fs_view - a file as the scheduler reads it (fs_place.c).
 * @resident_pages: pages in the page cache, on any node.
 * @dram_pages: pages on the DRAM node (never below the truth).
 * @swapped_pages: pages out on the swap device.
 * @dram_budget: the DRAM budget, MSCHED_FS_BUDGET_MAX for none.
 * @tiering: the tiering scan runs (pages have ages, budgets are applied).
 * @pmem_free_pages: free pages on the file's PMEM node (0 without one).
 * @swap_free_pages: free slots on the swap device (0 without one).
 */
struct msched_fs_view {
	u64 resident_pages;
	u64 dram_pages;
	u64 swapped_pages;
	u64 dram_budget;
	bool tiering;
	u64 pmem_free_pages;
	u64 swap_free_pages;
};

int msched_fs_default_dram_node(void);
int msched_fs_default_pmem_node(void);

/* fs_place.c */
void msched_fs_live_pages_add(long nr);
u64 msched_fs_live_pages(void);
struct folio *msched_fs_alloc_folio(struct msched_file *mf, gfp_t extra,
				    bool *reserved);
void msched_fs_read(struct msched_file *mf, struct msched_fs_view *v);
u64 msched_fs_node_free_pages(int nid);
void msched_fs_place_done(struct msched_file *mf, struct folio *folio,
			  bool reserved);
struct folio *msched_fs_alloc_huge_folio(struct msched_file *mf,
					 bool *reserved);
void msched_fs_place_huge_done(struct msched_file *mf, struct folio *folio,
			       bool reserved);

/* fs_move.c */
long msched_fs_move(struct msched_file *mf, const pgoff_t *idx, u32 nr,
		    int nid, bool reserve);
long msched_fs_move_all(struct msched_file *mf, int nid);
int msched_fs_node_pages(struct msched_file *mf, u64 *counts, u64 *resident);
u64 msched_fs_count_huge_folios(struct msched_file *mf);

/* fs_tier.c */
void msched_fs_tier_init(struct msched_file *mf);
void msched_fs_tier_teardown(struct msched_file *mf);
void msched_fs_tier_kick(struct msched_file *mf);
int msched_fs_tier_apply(struct msched_file *mf);
int msched_fs_set_dram_budget(struct msched_file *mf, u64 budget);
int msched_fs_hold_dram_budget(struct msched_file *mf, u64 *budget);
void msched_fs_note_touch(struct msched_file *mf, pgoff_t idx, bool new);
void msched_fs_mark_touched_range(struct msched_file *mf, pgoff_t idx,
				  unsigned long nr);
unsigned long msched_fs_heat_pages(struct msched_file *mf, pgoff_t idx);
bool msched_fs_test_and_clear_touched(struct msched_file *mf, pgoff_t idx);
bool msched_fs_lend_access(struct msched_file *mf, struct msched_access_src *src);
void msched_fs_return_access(struct msched_file *mf, struct msched_access_src *src);

/* fs_swap.c */
void msched_fs_swap_init(struct msched_file *mf);
void msched_fs_swap_evict(struct msched_file *mf);
#define MSCHED_FS_SWAP_FORCE	0x1	/* msched_fs_swap_out(): any page */
#define MSCHED_FS_SWAP_QUIET	0x2	/* msched_fs_swap_out(): no log line */
#define MSCHED_FS_SWAP_DRAM	0x4	/* msched_fs_swap_out(): DRAM pages only */
#define MSCHED_FS_SWAP_MAX	0x8	/* msched_fs_swap_out(): never above want */
long msched_fs_swap_out(struct msched_file *mf, u64 want, unsigned int flags,
			u64 *nr_out);
int msched_fs_swap_in_huge(struct msched_file *mf, struct folio *folio,
			   u32 *nr_in);
int msched_fs_swap_in(struct msched_file *mf, struct folio *folio,
		      bool reserved);
void msched_fs_swap_free_range(struct msched_file *mf, pgoff_t first,
			       pgoff_t last);

/* fs_sysfs.c */
int msched_fs_sysfs_init(struct kobject *parent);
void msched_fs_sysfs_exit(void);
int msched_fs_sysfs_add(struct msched_file *mf);
void msched_fs_sysfs_del(struct msched_file *mf);
int msched_fs_sysfs_link(struct msched_file *mf, struct kobject *from,
			 const char *name);

#endif /* _MEMSCHED_FS_H */
