/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memsched: the swap device of memschedfs's hypervisor swap (swap_dev.c):
 * one block device for the module, opened exclusively, its slot allocator
 * (lib/msched_swap under a spinlock), the bio_set and the workqueue of the
 * swap-out pipeline, and /sys/kernel/mm/memsched/swap/. The per-file part
 * (swap-out, swap-in, freeing) is fs_swap.c, declared in fs.h. Lock rules:
 * Documentation/design/locking.rst.
 */
#ifndef _MEMSCHED_SWAP_H
#define _MEMSCHED_SWAP_H

#include <linux/bio.h>
#include <linux/blk_types.h>
#include <linux/kobject.h>
#include <linux/workqueue.h>

struct msched_swap_batch;

/**
 * struct msched_swap_bio - a write bio of the swap-out pipeline, with the
 * batch entries it carries (the bio_set's front pad).
 * @batch: the batch
 * @first: its first entry in the batch
 * @nr: entries (pages), consecutive in the batch and on the device
 * @bio: the bio; last, as bio_set front padding requires
 */
struct msched_swap_bio {
	struct msched_swap_batch *batch;
	u32 first;
	u32 nr;
	struct bio bio;
};

/**
 * struct msched_swap_knobs - the pipeline's knobs, as one swap_out reads
 * them at its start.
 * @batch_pages: pages per write batch
 * @queue_depth: batches in flight at most
 * @pipeline: prepare the next batch while the last one is written
 * @readahead_pages: neighbours read with a faulting page
 * @huge_readback: a fault in a 2 MiB range of a huge file with pages out
 *	reads the whole range back into one huge folio
 */
struct msched_swap_knobs {
	u32 batch_pages;
	u32 queue_depth;
	bool pipeline;
	u32 readahead_pages;
	u32 huge_readback;
};

/* Batches of every file in flight now (debugfs live_swap_batches; fs_swap.c). */
extern atomic64_t msched_live_swap_batches;

void msched_swap_get_knobs(struct msched_swap_knobs *k);
int msched_swap_hold(void);
void msched_swap_release(void);
u32 msched_swap_slots_get(u32 want, u64 *start);
u32 msched_swap_slots_get_contig(u32 want, u64 *start);
void msched_swap_slots_put(u64 start, u64 len);
u64 msched_swap_used_pages(void);
u64 msched_swap_free_pages(void);
struct bio *msched_swap_bio_alloc(unsigned short nr_vecs, blk_opf_t opf);
void msched_swap_queue_work(struct work_struct *work);
int msched_swap_init(struct kobject *root);
void msched_swap_exit(void);

#endif /* _MEMSCHED_SWAP_H */
