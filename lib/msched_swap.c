// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * msched_swap.c - swap slot allocator and swap-out page selection.
 */
#include "msched_swap.h"

/* Rank of a candidate without a heat entry: after every real heat. */
#define SWAP_RANK_NOHEAT	(MSCHED_SWAP_HEAT_MAX + 1)
/* Ranks 0..256 in 17 buckets of 16 (high part), then 16 (low part). */
#define SWAP_NR_HI		((SWAP_RANK_NOHEAT >> 4) + 1)
#define SWAP_NR_LO		16U

/* Index of the lowest set bit of @x, which must not be zero. */
static u32 swap_ctz64(u64 x)
{
	u32 n = 0;

	if (!(x & 0xffffffffULL)) {
		n += 32;
		x >>= 32;
	}
	if (!(x & 0xffffULL)) {
		n += 16;
		x >>= 16;
	}
	if (!(x & 0xffULL)) {
		n += 8;
		x >>= 8;
	}
	if (!(x & 0xfULL)) {
		n += 4;
		x >>= 4;
	}
	if (!(x & 0x3ULL)) {
		n += 2;
		x >>= 2;
	}
	if (!(x & 0x1ULL))
		n += 1;
	return n;
}

/* First slot in [@from, @to) whose bit equals @set; @to if there is none. */
static u64 swap_map_find(const u64 *map, u64 from, u64 to, bool set)
{
	while (from < to) {
		u64 w = from >> 6;
		u64 bits = set ? map[w] : ~map[w];

		bits &= ~0ULL << (from & 63);
		if (bits) {
			u64 i = (w << 6) + swap_ctz64(bits);

			return i < to ? i : to;
		}
		from = (w + 1) << 6;
	}
	return to;
}

/* Set (@set) or clear the bits of slots [@start, @start + @len). */
static void swap_map_assign(u64 *map, u64 start, u64 len, bool set)
{
	while (len) {
		u64 w = start >> 6;
		u32 off = start & 63;
		u64 n = 64 - off;
		u64 mask;

		if (n > len)
			n = len;
		mask = (n == 64 ? ~0ULL : (1ULL << n) - 1) << off;
		if (set)
			map[w] |= mask;
		else
			map[w] &= ~mask;
		start += n;
		len -= n;
	}
}

/**
 * msched_swap_slots_mem_bytes() - caller memory needed for a slot map.
 * @nr: number of slots
 *
 * Context: any.
 * Return: bytes to pass as @mem to msched_swap_slots_init() (one bit per
 * slot rounded up to whole 64-bit words; alignment 8).
 */
u64 msched_swap_slots_mem_bytes(u64 nr)
{
	return ((nr >> 6) + ((nr & 63) ? 1 : 0)) * sizeof(u64);
}

/**
 * msched_swap_slots_init() - initialise an empty slot map.
 * @s: state to initialise
 * @mem: msched_swap_slots_mem_bytes(@nr) bytes, 8-byte aligned, owned by
 *	 the caller for the lifetime of @s; cleared here
 * @nr: number of slots
 *
 * Every slot starts free, the cursor at slot 0, the counters at 0.
 *
 * Context: any.  O(@nr / 64).
 * Return: 0 on success, -MSCHED_EINVAL if @s is NULL or @mem is NULL while
 * @nr is not 0.
 */
int msched_swap_slots_init(struct msched_swap_slots *s, void *mem, u64 nr)
{
	if (!s || (!mem && nr))
		return -MSCHED_EINVAL;
	msched_memset(s, 0, sizeof(*s));
	s->map = mem;
	s->nr = nr;
	if (nr)
		msched_memset(mem, 0, (size_t)msched_swap_slots_mem_bytes(nr));
	return 0;
}

/**
 * msched_swap_slots_alloc() - allocate one contiguous run of free slots.
 * @s: initialised state
 * @want: maximum run length
 * @start: receives the first slot of the run (untouched when 0 is returned)
 *
 * Next-fit: the search starts at the cursor (just after the previous run)
 * and wraps to slot 0 once.  The run starts at the first free slot found
 * and ends at @want slots, at the next used slot or at the end of the
 * device, whichever comes first (a run never wraps), so it may be shorter
 * than @want; call again for the rest.
 *
 * Context: any; caller serialises access to @s.  O(@nr / 64) worst case.
 * Return: the run's length (1..@want), or 0 if @want is 0 or no slot is
 * free.
 */
u32 msched_swap_slots_alloc(struct msched_swap_slots *s, u32 want, u64 *start)
{
	u64 b, e, lim, cur = s->cursor;

	if (!want || s->used >= s->nr)
		return 0;
	if (cur >= s->nr)
		cur = 0;
	b = swap_map_find(s->map, cur, s->nr, false);
	if (b >= s->nr) {
		b = swap_map_find(s->map, 0, cur, false);
		if (b >= cur)
			return 0;	/* @used disagrees with the map */
	}
	lim = s->nr - b;
	if (lim > want)
		lim = want;
	e = swap_map_find(s->map, b, b + lim, true);
	swap_map_assign(s->map, b, e - b, true);
	s->used += e - b;
	s->cursor = e < s->nr ? e : 0;
	*start = b;
	return (u32)(e - b);
}

/**
 * msched_swap_slots_alloc_contig() - allocate one run of exactly @want slots.
 * @s: initialised state
 * @want: run length wanted (a huge folio: 512)
 * @start: receives the first slot of the run (untouched when 0 is returned)
 *
 * Next-fit: the search starts at the cursor and wraps to slot 0 once (a
 * run never wraps past the end of the device).  The first free run of at
 * least @want slots gets its first @want slots allocated and the cursor
 * moves just after them.  At most MSCHED_SWAP_CONTIG_SCAN_WORDS words of
 * the map are looked at; a run beyond that is not found.  On failure the
 * map, the counters and the cursor are unchanged.
 *
 * Context: any; caller serialises access to @s.
 * O(min(@nr, MSCHED_SWAP_CONTIG_SCAN_WORDS * 64) / 64).
 * Return: @want, or 0 if @want is 0, or no free run of @want slots was
 * found within the scan bound.
 */
u32 msched_swap_slots_alloc_contig(struct msched_swap_slots *s, u32 want,
				   u64 *start)
{
	u64 budget = (u64)MSCHED_SWAP_CONTIG_SCAN_WORDS << 6;
	u64 cur = s->cursor, from, to, b, e;
	int pass;

	if (!want || want > s->nr || s->nr - s->used < want)
		return 0;
	if (cur >= s->nr)
		cur = 0;
	for (pass = 0; pass < 2 && budget; pass++) {
		/*
		 * Pass 0: runs starting in [cur, nr); pass 1: runs starting in
		 * [0, cur), which may end past cur.
		 */
		from = pass ? 0 : cur;
		to = pass ? cur + want - 1 : s->nr;
		if (to > s->nr)
			to = s->nr;
		if (pass && !cur)
			break;
		while (from < to && budget) {
			u64 lim = to - from > budget ? from + budget : to;

			b = swap_map_find(s->map, from, lim, false);
			budget -= b - from;
			if (b >= lim)
				break;
			if (s->nr - b < want)
				break;		/* no room before the end */
			e = swap_map_find(s->map, b, b + want, true);
			if (e - b == want) {
				swap_map_assign(s->map, b, want, true);
				s->used += want;
				s->cursor = b + want < s->nr ? b + want : 0;
				*start = b;
				return want;
			}
			/* [b, e) free but too short; e is used. */
			if (budget < e - b + 1)
				budget = 0;
			else
				budget -= e - b + 1;
			from = e + 1;
		}
	}
	return 0;
}

/**
 * msched_swap_slots_free() - free a run of slots.
 * @s: initialised state
 * @start: first slot
 * @len: number of slots; 0 does nothing
 *
 * The run must lie inside the device and every slot of it must be in use;
 * otherwise nothing changes and the free is counted in @s->nr_bad_frees.
 * The cursor does not move.
 *
 * Context: any; caller serialises access to @s.  O(@len / 64).
 * Return: 0 on success, -MSCHED_EINVAL if the free was refused.
 */
int msched_swap_slots_free(struct msched_swap_slots *s, u64 start, u64 len)
{
	if (!len)
		return 0;
	if (start >= s->nr || len > s->nr - start ||
	    swap_map_find(s->map, start, start + len, false) != start + len) {
		s->nr_bad_frees++;
		return -MSCHED_EINVAL;
	}
	swap_map_assign(s->map, start, len, false);
	s->used -= len;
	return 0;
}

/**
 * msched_swap_slots_used() - number of slots in use.
 * @s: initialised state
 *
 * Context: any; caller serialises access to @s.
 * Return: slots allocated and not freed.
 */
u64 msched_swap_slots_used(const struct msched_swap_slots *s)
{
	return s->used;
}

/**
 * msched_swap_slots_bad_frees() - number of refused frees.
 * @s: initialised state
 *
 * Context: any; caller serialises access to @s.
 * Return: frees refused since init (double frees and out-of-range frees).
 */
u64 msched_swap_slots_bad_frees(const struct msched_swap_slots *s)
{
	return s->nr_bad_frees;
}

/*
 * Rank of candidate page @idx: its heat clamped to MSCHED_SWAP_HEAT_MAX, or
 * SWAP_RANK_NOHEAT without a heat entry.
 */
static u32 swap_rank(const u16 *heat, u32 nr_heat, u32 idx)
{
	if (idx >= nr_heat)
		return SWAP_RANK_NOHEAT;
	return heat[idx] > MSCHED_SWAP_HEAT_MAX ? MSCHED_SWAP_HEAT_MAX :
						  heat[idx];
}

/* Whether a candidate of rank @rank may be taken under bound @below. */
static bool swap_eligible(u32 rank, u32 below)
{
	if (rank == SWAP_RANK_NOHEAT)
		return below == MSCHED_SWAP_FORCE;
	return rank < below;
}

/* Pages candidate @i weighs: @nr_pages[@i] (0 counts as 1), or 1. */
static u32 swap_weight(const u32 *nr_pages, u32 i)
{
	if (!nr_pages || !nr_pages[i])
		return 1;
	return nr_pages[i];
}

/*
 * Candidate @i of rank @r takes part: eligible, and with @cap no heavier
 * than @want on its own (it could never be taken).
 */
static bool swap_fits(u32 r, u32 below, const u32 *nr_pages, u32 i, u32 want,
		      bool cap)
{
	return swap_eligible(r, below) &&
	       (!cap || swap_weight(nr_pages, i) <= want);
}

static u32 swap_select(const u16 *heat, u32 nr_heat, const u32 *cand,
		       const u32 *nr_pages, u32 nr_cand, u32 want, u32 below,
		       bool cap, u32 *out, u64 *out_pages)
{
	u64 hi[SWAP_NR_HI], lo[SWAP_NR_LO];
	u64 total = 0, cum = 0, need, at_thr, pages = 0;
	u32 i, b, n, thr;

	if (out_pages)
		*out_pages = 0;
	if (!heat)
		nr_heat = 0;
	if (!want || !nr_cand)
		return 0;

	/* Pass 1: eligible pages per high part of the rank. */
	msched_memset(hi, 0, sizeof(hi));
	for (i = 0; i < nr_cand; i++) {
		u32 r = swap_rank(heat, nr_heat, cand[i]);

		if (swap_fits(r, below, nr_pages, i, want, cap)) {
			hi[r >> 4] += swap_weight(nr_pages, i);
			total += swap_weight(nr_pages, i);
		}
	}
	if (total <= want) {
		thr = SWAP_RANK_NOHEAT + 1;	/* take every eligible one */
		at_thr = 0;
	} else {
		/* The bucket holding the want-th coldest page. */
		for (b = 0; cum + hi[b] < want; b++)
			cum += hi[b];
		need = want - cum;	/* 1..hi[b] pages from bucket b */

		/* Pass 2: that bucket's pages per low part. */
		msched_memset(lo, 0, sizeof(lo));
		for (i = 0; i < nr_cand; i++) {
			u32 r = swap_rank(heat, nr_heat, cand[i]);

			if ((r >> 4) == b &&
			    swap_fits(r, below, nr_pages, i, want, cap))
				lo[r & 15] += swap_weight(nr_pages, i);
		}
		cum = 0;
		for (n = 0; cum + lo[n] < need; n++)
			cum += lo[n];
		thr = (b << 4) | n;	/* every rank < thr, some of thr */
		at_thr = need - cum;	/* pages wanted at rank thr, >= 1 */
	}

	/*
	 * Pass 3: write the chosen ones in candidate order: every rank below
	 * thr (together want - at_thr pages, so under @want), then rank thr
	 * in index order until at_thr pages are taken. Capped, a candidate
	 * of rank thr that would pass what is left of at_thr is left, and a
	 * later one of rank thr that fits is taken.
	 */
	n = 0;
	for (i = 0; i < nr_cand; i++) {
		u32 r = swap_rank(heat, nr_heat, cand[i]);
		u32 w = swap_weight(nr_pages, i);

		if (!swap_fits(r, below, nr_pages, i, want, cap) || r > thr)
			continue;
		if (r == thr) {
			if (cap ? w > at_thr : !at_thr)
				continue;
			at_thr = at_thr > w ? at_thr - w : 0;
		}
		out[n++] = cand[i];
		pages += w;
	}
	if (out_pages)
		*out_pages = pages;
	return n;
}

/**
 * msched_swap_select() - choose the coldest folios to swap out.
 * @heat: per-page heat, indexed by page index (values above
 *	  MSCHED_SWAP_HEAT_MAX count as MSCHED_SWAP_HEAT_MAX); may be NULL
 *	  when @nr_heat is 0
 * @nr_heat: entries in @heat
 * @cand: candidate indexes (the resident folios' first indexes), ascending
 * @nr_pages: pages each candidate weighs (a huge folio 512; 0 counts as 1),
 *	      or NULL: every candidate weighs 1 page
 * @nr_cand: entries in @cand (and in @nr_pages)
 * @want: how many pages to choose
 * @below: only candidates with heat < @below are eligible;
 *	   MSCHED_SWAP_FORCE makes every candidate eligible
 * @out: room for min(@want, @nr_cand) indexes
 * @out_pages: receives the pages the chosen candidates weigh; may be NULL
 *
 * Among the eligible candidates, the coldest are chosen first; among equal
 * heat, the earlier candidate (lower index) first, until the chosen weigh
 * at least @want pages or the eligible ones run out.  The total may exceed
 * @want by less than the last chosen candidate's weight (less than 512
 * pages for huge folios).  A candidate without a heat entry (index >=
 * @nr_heat) is eligible only with MSCHED_SWAP_FORCE and ranks after every
 * candidate that has one.  The chosen indexes are written to @out in
 * candidate order, which is ascending when @cand is, so consecutive
 * indexes form runs.  Uses heat histograms of pages (16 + 17 buckets)
 * instead of sorting: three passes over @cand at most.  With @nr_pages
 * NULL the result is min(@want, eligible) candidates, as before weights.
 *
 * Context: any.  O(@nr_cand + 256), no allocation.
 * Return: the number of indexes written to @out.
 */
u32 msched_swap_select(const u16 *heat, u32 nr_heat, const u32 *cand,
		       const u32 *nr_pages, u32 nr_cand, u32 want, u32 below,
		       u32 *out, u64 *out_pages)
{
	return swap_select(heat, nr_heat, cand, nr_pages, nr_cand, want, below,
			   false, out, out_pages);
}

/**
 * msched_swap_select_max() - msched_swap_select() that never chooses more
 * than @want pages.
 * @heat: as msched_swap_select()
 * @nr_heat: as msched_swap_select()
 * @cand: as msched_swap_select()
 * @nr_pages: as msched_swap_select()
 * @nr_cand: as msched_swap_select()
 * @want: how many pages to choose, and the most that may be chosen
 * @below: as msched_swap_select()
 * @out: as msched_swap_select()
 * @out_pages: as msched_swap_select()
 *
 * For a caller that must not overshoot (the scheduler, which must keep a
 * VM at or above its min_pages): a candidate heavier than @want takes no
 * part at all; every candidate colder than the coldest @want pages'
 * hottest heat is taken, as msched_swap_select() takes them, and of those
 * at that heat, in index order, the ones that fit in what is left (a
 * later one of equal heat that fits is taken instead of one that does
 * not; a hotter one never). So the coldest folios still go first, the
 * total is at most @want, and may be less than @want even when
 * more eligible pages exist (a 512-page folio does not fit in the last
 * 100 pages).  With every candidate weighing 1 (@nr_pages NULL) the result
 * is the same as msched_swap_select()'s.
 *
 * Context: any.  O(@nr_cand + 256), no allocation.
 * Return: the number of indexes written to @out.
 */
u32 msched_swap_select_max(const u16 *heat, u32 nr_heat, const u32 *cand,
			   const u32 *nr_pages, u32 nr_cand, u32 want,
			   u32 below, u32 *out, u64 *out_pages)
{
	return swap_select(heat, nr_heat, cand, nr_pages, nr_cand, want, below,
			   true, out, out_pages);
}
