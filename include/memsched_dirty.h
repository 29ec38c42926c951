/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memsched's dirty-page epochs on memschedfs files: the API that memsched
 * exports to other modules (rdma_failover). Kernel only.
 *
 * A tracked file's writes are split into epochs. msched_dirty_cut() ends
 * the current epoch at one instant: every page written since the last cut
 * is write-protected before any write of the next epoch can land, so the
 * pages of the closed ("frozen") epoch, read with msched_dirty_copy(), are
 * the file exactly as it was at that instant. A write to a frozen page
 * that has not been copied yet first copies the old contents aside (COW);
 * the VM is never stopped. Writers that fault during the cut wait for it
 * to end; that wait is the writer stall, measured per epoch.
 *
 * One epoch is frozen at a time: after a cut, the consumer copies its
 * pages, then calls msched_dirty_commit() (the peer has them) or
 * msched_dirty_abort() (it does not: they are dirty again), and only then
 * can the next cut happen.
 *
 * The first epoch holds every page of the file (a full image; holes read
 * as zeros). While tracked, the file's size cannot change (-EBUSY). Every
 * function may sleep (process context); the kernel-doc of each is in
 * kmod/memsched/fs_dirty.c.
 *
 * Documentation/design/dirty-epochs.rst describes the mechanism and
 * Documentation/design/locking.rst its locks.
 */
#ifndef _MEMSCHED_DIRTY_H
#define _MEMSCHED_DIRTY_H

#include <linux/types.h>

struct file;
struct msched_dirty;

/**
 * struct msched_dirty_stats - what a tracker counted since its start.
 * @epoch: the number of the last cut (0 before the first)
 * @nr_pages: the file's size in pages (fixed while tracked)
 * @frozen_pages: pages in the frozen epoch (0 when none is frozen)
 * @nr_cuts: epochs cut
 * @nr_dirty_pages: pages in all cut epochs
 * @nr_cow_pages: frozen pages copied aside because a write came first
 * @nr_commits: epochs committed
 * @nr_aborts: epochs aborted (made dirty again)
 * @stall_ns: time writers were held up, summed over writers: each
 *	measures its own wait for a cut and its own copy of a frozen page
 *	aside (COW)
 * @last_stall_max_ns: the longest such wait of the last cut: from the
 *	earliest waiter's arrival to the cut's instant (0: nobody waited)
 * @last_cut_ns: how long the last cut took, from asking for the cut lock
 *	to the instant (write-protecting the epoch's written pages)
 * @nr_dirty_huge_folios: large (2 MiB) folios in all cut epochs, once per
 *	folio per epoch; each was recorded whole (512 pages), whatever part
 *	of it was written
 */
struct msched_dirty_stats {
	u64 epoch;
	u64 nr_pages;
	u64 frozen_pages;
	u64 nr_cuts;
	u64 nr_dirty_pages;
	u64 nr_cow_pages;
	u64 nr_commits;
	u64 nr_aborts;
	u64 stall_ns;
	u64 last_stall_max_ns;
	u64 last_cut_ns;
	u64 nr_dirty_huge_folios;
};

struct msched_dirty *msched_dirty_start(struct file *file);
void msched_dirty_stop(struct msched_dirty *d);
long msched_dirty_cut(struct msched_dirty *d, u64 *epoch);
long msched_dirty_next(struct msched_dirty *d, pgoff_t from, pgoff_t *idx);
int msched_dirty_copy(struct msched_dirty *d, pgoff_t idx, void *dst);
void msched_dirty_commit(struct msched_dirty *d);
void msched_dirty_abort(struct msched_dirty *d);
void msched_dirty_read_stats(struct msched_dirty *d,
			     struct msched_dirty_stats *st);

/* Writing a memschedfs file from the kernel (the standby's side). */
bool msched_file_is_memschedfs(struct file *file);
pgoff_t msched_file_nr_pages(struct file *file);
int msched_file_read_page(struct file *file, pgoff_t idx, void *dst);
int msched_file_write_page(struct file *file, pgoff_t idx, const void *src);

#endif /* _MEMSCHED_DIRTY_H */
