// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * msched_lru.c - LRU stack-distance engine (Fenwick tree over stamps).
 *
 * See msched_lru.h for the model and the intra-batch convention.  The
 * construction follows the "efficient online construction of miss rate
 * curves" idea: instead of a linked LRU stack (O(distance) per access), keep
 * for every slot the time of its last access and count, with a binary
 * indexed tree, how many slots were last accessed at or after a given time.
 */
#include "msched_lru.h"

/* Extra stamps beyond 2 * max_slots, so tiny engines do not compact often. */
#define MSCHED_LRU_STAMP_SLACK	64U

static inline u32 msched_lowbit(u32 i)
{
	return i & (0U - i);
}

static u32 msched_lru_nr_stamps(u32 max_slots)
{
	return 2 * max_slots + MSCHED_LRU_STAMP_SLACK;
}

static void msched_fw_inc(u32 *tree, u32 n, u32 i)
{
	for (; i <= n; i += msched_lowbit(i))
		tree[i]++;
}

static void msched_fw_dec(u32 *tree, u32 n, u32 i)
{
	for (; i <= n; i += msched_lowbit(i))
		tree[i]--;
}

/* Number of slots whose stamp is in 1..i. */
static u32 msched_fw_prefix(const u32 *tree, u32 i)
{
	u32 sum = 0;

	for (; i; i -= msched_lowbit(i))
		sum += tree[i];
	return sum;
}

/**
 * msched_lru_mem_bytes() - memory needed by an engine with @max_slots slots.
 * @max_slots: number of slots, 1..MSCHED_LRU_MAX_SLOTS
 *
 * The memory passed to msched_lru_init() must be at least this large and
 * aligned to 8 bytes.  It holds 12 bytes per slot plus 4 bytes per stamp
 * (2 * @max_slots + 64 stamps), i.e. about 20 bytes per slot.
 *
 * Context: any.
 * Return: size in bytes, or 0 if @max_slots is out of range.
 */
size_t msched_lru_mem_bytes(u32 max_slots)
{
	if (!max_slots || max_slots > MSCHED_LRU_MAX_SLOTS)
		return 0;
	return (size_t)max_slots * (sizeof(u64) + sizeof(u32)) +
	       ((size_t)msched_lru_nr_stamps(max_slots) + 1) * sizeof(u32);
}

/**
 * msched_lru_init() - initialise an engine on caller-provided memory.
 * @lru: engine to initialise
 * @mem: at least msched_lru_mem_bytes(@max_slots) bytes, 8-byte aligned;
 *	 owned by the engine until the caller stops using @lru
 * @max_slots: number of slots, 1..MSCHED_LRU_MAX_SLOTS
 *
 * All slots start as never accessed and no batch is open.
 *
 * Context: any; may take O(@max_slots) time to clear @mem.
 * Return: 0 on success, -MSCHED_EINVAL for bad arguments.
 */
int msched_lru_init(struct msched_lru *lru, void *mem, u32 max_slots)
{
	u8 *p = mem;

	if (!lru || !mem || !msched_lru_mem_bytes(max_slots) ||
	    ((unsigned long)mem & (sizeof(u64) - 1)))
		return -MSCHED_EINVAL;

	lru->max_slots = max_slots;
	lru->nr_stamps = msched_lru_nr_stamps(max_slots);
	lru->slot_batch = (u64 *)p;
	p += (size_t)max_slots * sizeof(u64);
	lru->slot_stamp = (u32 *)p;
	p += (size_t)max_slots * sizeof(u32);
	lru->tree = (u32 *)p;
	msched_lru_reset(lru);
	return 0;
}

/**
 * msched_lru_reset() - forget all history.
 * @lru: initialised engine
 *
 * Every slot becomes never accessed, the batch counter restarts at 0 and no
 * batch is open.
 *
 * Context: any; caller serialises access to @lru.  O(@max_slots).
 * Return: nothing.
 */
void msched_lru_reset(struct msched_lru *lru)
{
	msched_memset(lru->slot_batch, 0, (size_t)lru->max_slots * sizeof(u64));
	msched_memset(lru->slot_stamp, 0, (size_t)lru->max_slots * sizeof(u32));
	msched_memset(lru->tree, 0, ((size_t)lru->nr_stamps + 1) * sizeof(u32));
	lru->cur_stamp = 0;
	lru->nr_live = 0;
	lru->cur_batch = 0;
	lru->nr_compactions = 0;
}

/*
 * Renumber the live stamps 1..k preserving their order and rebuild the
 * Fenwick tree.  O(nr_stamps + max_slots), no extra memory: the tree array
 * is first turned into plain per-stamp counts, then into an old->new stamp
 * map, and finally rebuilt from the remapped slot stamps.
 */
static void msched_lru_compact(struct msched_lru *lru)
{
	u32 n = lru->nr_stamps;
	u32 *t = lru->tree;
	u32 i, j, rank = 0;

	/* Fenwick tree -> plain counts (inverse of the linear build). */
	for (i = n; i >= 1; i--) {
		j = i + msched_lowbit(i);
		if (j <= n)
			t[j] -= t[i];
	}
	/* Counts -> new stamp for every stamp in use. */
	for (i = 1; i <= n; i++)
		t[i] = t[i] ? ++rank : 0;
	for (i = 0; i < lru->max_slots; i++)
		if (lru->slot_stamp[i])
			lru->slot_stamp[i] = t[lru->slot_stamp[i]];
	/* Plain counts of the new stamps, then the linear Fenwick build. */
	msched_memset(t, 0, ((size_t)n + 1) * sizeof(u32));
	for (i = 0; i < lru->max_slots; i++)
		if (lru->slot_stamp[i])
			t[lru->slot_stamp[i]]++;
	for (i = 1; i <= n; i++) {
		j = i + msched_lowbit(i);
		if (j <= n)
			t[j] += t[i];
	}
	lru->cur_stamp = rank;
	lru->nr_compactions++;
}

/**
 * msched_lru_batch_begin() - open a new batch of accesses.
 * @lru: initialised engine
 *
 * All accesses until the next call share one new stamp (see the intra-batch
 * convention in msched_lru.h).  Renumbers the stamps when the stamp space is
 * exhausted, which happens at most once every @max_slots + 64 batches.
 *
 * Context: any; caller serialises access to @lru.  Amortised O(1),
 * worst case O(@max_slots).
 * Return: the number of the new batch (1 for the first batch).
 */
u64 msched_lru_batch_begin(struct msched_lru *lru)
{
	if (lru->cur_stamp >= lru->nr_stamps)
		msched_lru_compact(lru);
	lru->cur_stamp++;
	return ++lru->cur_batch;
}

/**
 * msched_lru_access() - record an access to @slot and get its stack position.
 * @lru: initialised engine
 * @slot: slot id, 0..@max_slots-1
 *
 * Opens the first batch implicitly if msched_lru_batch_begin() was never
 * called.  The returned position counts every slot whose last access is at
 * or after the previous access of @slot, including @slot itself and any slot
 * already accessed in the current batch (upper-bound convention).
 *
 * Context: any; caller serialises access to @lru.  O(log @max_slots).
 * Return: 0 for the first access to @slot (cold miss) or for an out-of-range
 * @slot (ignored), otherwise the 1-based LRU stack position.
 */
u64 msched_lru_access(struct msched_lru *lru, u32 slot)
{
	u32 old, cur, pos;

	if (slot >= lru->max_slots)
		return 0;
	if (!lru->cur_stamp)
		msched_lru_batch_begin(lru);
	cur = lru->cur_stamp;
	old = lru->slot_stamp[slot];
	lru->slot_batch[slot] = lru->cur_batch;
	if (!old) {
		msched_fw_inc(lru->tree, lru->nr_stamps, cur);
		lru->slot_stamp[slot] = cur;
		lru->nr_live++;
		return 0;
	}
	pos = lru->nr_live - msched_fw_prefix(lru->tree, old - 1);
	if (old != cur) {
		msched_fw_dec(lru->tree, lru->nr_stamps, old);
		msched_fw_inc(lru->tree, lru->nr_stamps, cur);
		lru->slot_stamp[slot] = cur;
	}
	return pos;
}

/**
 * msched_lru_forget() - remove @slot from the LRU stack.
 * @lru: initialised engine
 * @slot: slot id, 0..@max_slots-1; out-of-range ids are ignored
 *
 * The slot becomes never accessed (its next access is a cold miss) and no
 * longer counts in other slots' stack positions, e.g. when the page mapped
 * to it is freed and the slot id is recycled.
 *
 * Context: any; caller serialises access to @lru.  O(log @max_slots).
 * Return: nothing.
 */
void msched_lru_forget(struct msched_lru *lru, u32 slot)
{
	u32 old;

	if (slot >= lru->max_slots)
		return;
	old = lru->slot_stamp[slot];
	if (!old)
		return;
	msched_fw_dec(lru->tree, lru->nr_stamps, old);
	lru->slot_stamp[slot] = 0;
	lru->slot_batch[slot] = MSCHED_SCAN_NEVER;
	lru->nr_live--;
}

/**
 * msched_lru_slot_batch() - batch number of the last access to @slot.
 * @lru: initialised engine
 * @slot: slot id, 0..@max_slots-1
 *
 * Batch numbers are never renumbered, so the age of a slot in batches is
 * msched_lru_cur_batch() - msched_lru_slot_batch().
 *
 * Context: any; caller serialises access to @lru.
 * Return: the batch number (>= 1), or MSCHED_SCAN_NEVER (0) if @slot was
 * never accessed or is out of range.
 */
u64 msched_lru_slot_batch(const struct msched_lru *lru, u32 slot)
{
	if (slot >= lru->max_slots)
		return MSCHED_SCAN_NEVER;
	return lru->slot_batch[slot];
}

/**
 * msched_lru_cur_batch() - number of the current batch.
 * @lru: initialised engine
 *
 * Context: any; caller serialises access to @lru.
 * Return: the current batch number, 0 before the first batch.
 */
u64 msched_lru_cur_batch(const struct msched_lru *lru)
{
	return lru->cur_batch;
}

/**
 * msched_lru_nr_live() - number of slots accessed at least once.
 * @lru: initialised engine
 *
 * Context: any; caller serialises access to @lru.
 * Return: the current LRU stack depth.
 */
u32 msched_lru_nr_live(const struct msched_lru *lru)
{
	return lru->nr_live;
}
