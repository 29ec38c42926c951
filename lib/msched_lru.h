/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * msched_lru.h - LRU stack-distance (reuse-distance) engine.
 *
 * The caller maps the pages it tracks (e.g. SHARDS-sampled guest pages) to
 * dense slot ids 0..max_slots-1.  For every access the engine returns the
 * LRU stack position of the slot (1 = most recently used), i.e. the number
 * of distinct slots touched since the previous access to it, including
 * itself, or 0 for a first touch (cold miss).
 *
 * Implementation: each slot remembers the stamp of its last access; a
 * Fenwick tree indexed by stamp counts the slots whose last access carries
 * that stamp.  The stack position of a slot last stamped s is the number of
 * slots with stamp >= s, an O(log capacity) query.  Stamps only grow; when
 * the stamp space is used up the live stamps are renumbered 1..k in order
 * (O(capacity + max_slots), amortised O(1) per batch).
 *
 * Batches: accesses are grouped into batches (e.g. one scan of accessed
 * bits), and all accesses of a batch share one stamp.  Because the order of
 * accesses inside a batch is unknown, the position reported for a slot is
 * the number of slots with stamp >= its previous stamp, *including* slots
 * already moved to the current stamp earlier in the same batch.  This is an
 * upper bound on the true Mattson distance for any intra-batch order.  With
 * one access per batch it is exact Mattson; for a cyclic loop touching all W
 * slots once per batch every re-access reports exactly W.  A slot accessed
 * twice in one batch reports the number of slots touched so far in the batch.
 */
#ifndef MSCHED_LRU_H
#define MSCHED_LRU_H

#include "msched_compat.h"

/* Upper bound on max_slots, keeps all stamp arithmetic within u32. */
#define MSCHED_LRU_MAX_SLOTS	(1U << 29)

/**
 * struct msched_lru - LRU stack-distance engine state.
 * @max_slots: number of slots, valid slot ids are 0..max_slots-1
 * @nr_stamps: stamp capacity; stamps are 1..nr_stamps, 0 means never
 * @cur_stamp: stamp of the current batch, 0 before the first batch
 * @nr_live: number of slots that have been accessed at least once
 * @cur_batch: number of the current batch (1-based, never renumbered)
 * @nr_compactions: number of stamp renumberings so far (statistics)
 * @slot_batch: per slot, batch number of its last access (0 = never)
 * @slot_stamp: per slot, stamp of its last access (0 = never)
 * @tree: Fenwick tree over stamps 1..nr_stamps ([0] unused)
 *
 * All memory is caller-provided, see msched_lru_mem_bytes().
 */
struct msched_lru {
	u32 max_slots;
	u32 nr_stamps;
	u32 cur_stamp;
	u32 nr_live;
	u64 cur_batch;
	u64 nr_compactions;
	u64 *slot_batch;
	u32 *slot_stamp;
	u32 *tree;
};

size_t msched_lru_mem_bytes(u32 max_slots);
int msched_lru_init(struct msched_lru *lru, void *mem, u32 max_slots);
void msched_lru_reset(struct msched_lru *lru);
u64 msched_lru_batch_begin(struct msched_lru *lru);
u64 msched_lru_access(struct msched_lru *lru, u32 slot);
void msched_lru_forget(struct msched_lru *lru, u32 slot);
u64 msched_lru_slot_batch(const struct msched_lru *lru, u32 slot);
u64 msched_lru_cur_batch(const struct msched_lru *lru);
u32 msched_lru_nr_live(const struct msched_lru *lru);

#endif /* MSCHED_LRU_H */
