/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * msched_swap.h - swap slot allocator and swap-out page selection.
 *
 * Two pure pieces of memschedfs's hypervisor swap:
 *
 *  - a slot allocator over a caller-provided bitmap (one bit per slot of
 *    the swap device, sized by msched_swap_slots_mem_bytes()).  Allocation
 *    hands out ONE contiguous run of free slots at a time, next-fit from a
 *    cursor, so consecutive batches land on consecutive slots (one bio per
 *    run).  A free of slots that are not all in use, or out of range, is
 *    refused as a whole and counted; it never changes the map.  No locking
 *    inside: the caller serialises access (the kernel wraps it in a
 *    spinlock).
 *
 *    msched_swap_slots_alloc_contig() instead wants one run of exactly the
 *    length asked for (a huge folio's 512 slots) or nothing.
 *
 *  - msched_swap_select(): from the resident candidate folios of a file,
 *    pick the coldest ones below a heat bound (or any folio with
 *    MSCHED_SWAP_FORCE) until the wanted number of pages is reached (a
 *    candidate may weigh several pages: a huge folio weighs 512), returned
 *    in ascending index order so consecutive indexes form runs.  It may
 *    overshoot the wanted pages by less than one candidate;
 *    msched_swap_select_max() never does (the scheduler's swap step).
 *    O(nr_cand + 256), no allocation, no recursion.
 */
#ifndef MSCHED_SWAP_H
#define MSCHED_SWAP_H

#include "msched_compat.h"

/* msched_swap_select() @below: take pages regardless of heat. */
#define MSCHED_SWAP_FORCE	0xffffffffU

/* Heats above this are treated as this (same scale as msched_tier). */
#define MSCHED_SWAP_HEAT_MAX	255U

/*
 * msched_swap_slots_alloc_contig() looks at most this many 64-bit words of
 * the map (4 Mi slots, 16 GiB of device) per call, so a fragmented large
 * device does not cost a full-map scan per huge folio.
 */
#define MSCHED_SWAP_CONTIG_SCAN_WORDS	65536U

/**
 * struct msched_swap_slots - free/used map of a swap device's slots.
 * @map: caller-provided bitmap, bit set = slot in use; 64-bit words
 * @nr: number of slots; slots are 0..@nr - 1
 * @used: slots in use
 * @cursor: next-fit position: where the next allocation starts looking
 * @nr_bad_frees: frees refused (double free or out of range)
 *
 * Every field is guarded by the caller's lock (in the kernel, the swap
 * device's spinlock); nothing here locks.
 */
struct msched_swap_slots {
	u64 *map;
	u64 nr;
	u64 used;
	u64 cursor;
	u64 nr_bad_frees;
};

u64 msched_swap_slots_mem_bytes(u64 nr);
int msched_swap_slots_init(struct msched_swap_slots *s, void *mem, u64 nr);
u32 msched_swap_slots_alloc(struct msched_swap_slots *s, u32 want, u64 *start);
u32 msched_swap_slots_alloc_contig(struct msched_swap_slots *s, u32 want,
				   u64 *start);
int msched_swap_slots_free(struct msched_swap_slots *s, u64 start, u64 len);
u64 msched_swap_slots_used(const struct msched_swap_slots *s);
u64 msched_swap_slots_bad_frees(const struct msched_swap_slots *s);

u32 msched_swap_select(const u16 *heat, u32 nr_heat, const u32 *cand,
		       const u32 *nr_pages, u32 nr_cand, u32 want, u32 below,
		       u32 *out, u64 *out_pages);
u32 msched_swap_select_max(const u16 *heat, u32 nr_heat, const u32 *cand,
			   const u32 *nr_pages, u32 nr_cand, u32 want,
			   u32 below, u32 *out, u64 *out_pages);

#endif /* MSCHED_SWAP_H */
