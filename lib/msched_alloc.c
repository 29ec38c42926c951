// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * msched_alloc.c - dividing a pool of host pages among VMs: shares with an
 * idle-memory tax, and miss-curve driven allocation (see msched_alloc.h).
 *
 * The shares policy works on a level L, in pages per share with
 * ALLOC_LEVEL_SHIFT fraction bits.  At level L a VM of S shares is entitled
 * to X = S * L pages of "cost"; an active page costs one unit, an idle page
 * k = 100 / (100 - tau) units, so it gets P = X while X <= A, else
 * A + (X - A) * (100 - tau) / 100, clamped to [min, max].  Every VM not
 * held at a bound then has cost A + k * (P - A) = X = S * L, that is the
 * same rho = S / cost = 1 / L.  P is monotone in L; the largest L whose
 * targets fit the pool is found by bisection, and the pages left below the
 * pool go, in VM order, to the VMs that would grow at the next level up.
 * That is the same as handing out pages one by one in the order of the
 * level at which each page is unlocked (ties by VM index), which makes a
 * VM's target monotone in its shares.
 */
#include "msched_alloc.h"

/* Fraction bits of the level: 2^-20 pages per share (shares < 2^20). */
#define ALLOC_LEVEL_SHIFT	20
#if MSCHED_ALLOC_SHARES_MAX >= (1U << ALLOC_LEVEL_SHIFT)
#error "shares * level must fit in 64 + ALLOC_LEVEL_SHIFT bits"
#endif

/* One point of a miss curve or of its lower convex hull. */
struct alloc_pt {
	u64 pages;
	u64 miss;
};

/*
 * A VM's lower convex hull in the scratch memory: @nr points from @pt,
 * @pos the point the VM is at; @drop (miss drop times shares) and @len
 * (pages) describe the segment from there, while the VM is in the heap.
 */
struct alloc_hull {
	struct alloc_pt *pt;
	u32 nr;
	u32 pos;
	u64 drop;
	u64 len;
};

static u64 alloc_min(u64 a, u64 b)
{
	return a < b ? a : b;
}

static u64 alloc_add_sat(u64 a, u64 b)
{
	return a + b < a ? MSCHED_U64_MAX : a + b;
}

/* The 128-bit product @a * @b as @hi:@lo, from 32-bit halves. */
static void alloc_mul128(u64 a, u64 b, u64 *hi, u64 *lo)
{
	u64 a0 = (u32)a, a1 = a >> 32, b0 = (u32)b, b1 = b >> 32;
	u64 p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
	u64 mid = (p00 >> 32) + (u32)p01 + (u32)p10;

	*lo = (mid << 32) | (u32)p00;
	*hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

/* Sign of @a * @b - @c * @d, exact. */
static int alloc_cmp_products(u64 a, u64 b, u64 c, u64 d)
{
	u64 h1, l1, h2, l2;

	alloc_mul128(a, b, &h1, &l1);
	alloc_mul128(c, d, &h2, &l2);
	if (h1 != h2)
		return h1 > h2 ? 1 : -1;
	if (l1 != l2)
		return l1 > l2 ? 1 : -1;
	return 0;
}

/*
 * Sign of (+/-)@a * @b - (+/-)@c * @d, the first term negative if @neg_a,
 * the second if @neg_c.
 */
static int alloc_cmp_signed(bool neg_a, u64 a, u64 b, bool neg_c, u64 c,
			    u64 d)
{
	int sa = (a && b) ? (neg_a ? -1 : 1) : 0;
	int sc = (c && d) ? (neg_c ? -1 : 1) : 0;

	if (sa != sc)
		return sa > sc ? 1 : -1;
	if (!sa)
		return 0;
	return sa > 0 ? alloc_cmp_products(a, b, c, d) :
			alloc_cmp_products(c, d, a, b);
}

/* @a * @b, saturating at MSCHED_U64_MAX. */
static u64 alloc_mul_sat(u64 a, u64 b)
{
	return msched_mul_div_u64(a, b, 1, NULL);
}

/* The VM's active pages as the shares policy counts them: at most max. */
static u64 alloc_active(const struct msched_alloc_vm *v)
{
	return alloc_min(v->active_pages, v->max_pages);
}

/*
 * Shares-policy pages of @v at @level, clamped to [@lo, max_pages];
 * @keep_pct = 100 - tau.
 */
static u64 alloc_level_pages(const struct msched_alloc_vm *v, u64 lo,
			     u32 keep_pct, u64 level)
{
	u64 act = alloc_active(v), ph, pl, x, pages;

	/* x = shares * level >> 20, exact: shares < 2^20 keeps it < 2^64. */
	alloc_mul128(v->shares, level, &ph, &pl);
	x = (ph << (64 - ALLOC_LEVEL_SHIFT)) | (pl >> ALLOC_LEVEL_SHIFT);

	if (x <= act)
		pages = x;
	else
		pages = act + msched_mul_div_u64(x - act, keep_pct, 100, NULL);
	if (pages < lo)
		pages = lo;
	if (pages > v->max_pages)
		pages = v->max_pages;
	return pages;
}

/* Floor of a VM in alloc_shares(): @lo[i] if given, else its min. */
static u64 alloc_lo(const struct msched_alloc_vm *vms, const u64 *lo, u32 i)
{
	return lo ? lo[i] : vms[i].min_pages;
}

/* Sum of the shares-policy pages at @level, saturating. */
static u64 alloc_level_sum(const struct msched_alloc_vm *vms, u32 nr,
			   const u64 *lo, u32 keep_pct, u64 level)
{
	u64 sum = 0;
	u32 i;

	for (i = 0; i < nr; i++) {
		u64 pages = alloc_level_pages(&vms[i], alloc_lo(vms, lo, i),
					      keep_pct, level);

		sum = alloc_add_sat(sum, pages);
	}
	return sum;
}

/*
 * The shares policy: targets into @out (an array of @nr) or, if @out is
 * NULL, into vms[].target_pages.  Floors are @lo (NULL: the mins), every
 * floor <= its VM's max.  Returns 0 or MSCHED_ALLOC_OVERCOMMITTED.
 */
static int alloc_shares(struct msched_alloc_vm *vms, u32 nr, const u64 *lo,
			u64 pool, u32 tax_pct, u64 *out)
{
	u32 keep_pct = 100 - tax_pct;
	u64 sum_lo = 0, sum_max = 0, left, level_lo, level_hi;
	u32 i;

	for (i = 0; i < nr; i++) {
		sum_lo = alloc_add_sat(sum_lo, alloc_lo(vms, lo, i));
		sum_max = alloc_add_sat(sum_max, vms[i].max_pages);
	}
	if (sum_lo > pool || sum_max <= pool) {
		for (i = 0; i < nr; i++) {
			u64 t = sum_lo > pool ? alloc_lo(vms, lo, i) :
						vms[i].max_pages;

			if (out)
				out[i] = t;
			else
				vms[i].target_pages = t;
		}
		return sum_lo > pool ? MSCHED_ALLOC_OVERCOMMITTED : 0;
	}

	/* Invariant: sum(level_lo) <= pool < sum(level_hi). */
	level_lo = 0;
	level_hi = MSCHED_U64_MAX;
	if (alloc_level_sum(vms, nr, lo, keep_pct, level_hi) <= pool)
		level_lo = level_hi;
	while (level_hi - level_lo > 1) {
		u64 mid = level_lo + ((level_hi - level_lo) >> 1);

		if (alloc_level_sum(vms, nr, lo, keep_pct, mid) <= pool)
			level_lo = mid;
		else
			level_hi = mid;
	}
	left = pool - alloc_level_sum(vms, nr, lo, keep_pct, level_lo);

	/*
	 * Pages left: to the VMs that grow at the next level, in VM order.
	 * A level step is S / 2^20 < 1 page of cost, so each VM gets at
	 * most one or two.
	 */
	for (i = 0; i < nr; i++) {
		u64 floor_i = alloc_lo(vms, lo, i);
		u64 t = alloc_level_pages(&vms[i], floor_i, keep_pct, level_lo);

		if (left && level_hi != level_lo) {
			u64 up = alloc_level_pages(&vms[i], floor_i, keep_pct,
						   level_hi);
			u64 give = alloc_min(up - t, left);

			t += give;
			left -= give;
		}
		if (out)
			out[i] = t;
		else
			vms[i].target_pages = t;
	}
	return 0;
}

/* Points a VM's hull may need: its curve's plus the two ends. */
static size_t alloc_vm_points(const struct msched_alloc_vm *v)
{
	u32 n;

	if (!v->miss)
		return 0;
	n = v->nr_miss;
	if (n > MSCHED_ALLOC_POINTS_MAX)
		n = MSCHED_ALLOC_POINTS_MAX;
	return (size_t)n + 2;
}

/**
 * msched_alloc_mem_bytes() - scratch memory msched_alloc() needs.
 * @vms: the VMs, as they will be passed to msched_alloc()
 * @nr: number of VMs
 *
 * Per VM two u64, a hull descriptor and a heap slot, and room for the
 * lower convex hull of every miss curve (its points plus two).  The miss pointers and
 * nr_miss of @vms must not change between this call and msched_alloc().
 *
 * Context: any.  O(@nr).
 * Return: bytes for msched_alloc()'s @mem, a multiple of 8; 0 when @nr is
 * 0.
 */
size_t msched_alloc_mem_bytes(const struct msched_alloc_vm *vms, u32 nr)
{
	size_t bytes;
	u32 i;

	if (!nr || !vms)
		return 0;
	bytes = (size_t)nr * (2 * sizeof(u64) + sizeof(struct alloc_hull) +
			      sizeof(u32));
	for (i = 0; i < nr; i++)
		bytes += alloc_vm_points(&vms[i]) * sizeof(struct alloc_pt);
	return (bytes + 7) & ~(size_t)7;
}

/**
 * msched_alloc_miss_at() - the modelled misses of a VM at a size.
 * @v: the VM; its curve, if any, must be valid (see msched_alloc())
 * @pages: the size in pages
 *
 * Linear between two points of the curve, the last point's value beyond
 * the curve; an interpolated value is rounded up.
 *
 * Context: any.  O(1).
 * Return: the misses, 0 if @v has no curve.
 */
u64 msched_alloc_miss_at(const struct msched_alloc_vm *v, u64 pages)
{
	u64 j, frac, y0, y1;

	if (!v->miss || v->nr_miss < 2 || !v->miss_step_pages)
		return 0;
	j = msched_div_u64_rem(pages, v->miss_step_pages, &frac);
	if (j >= (u64)v->nr_miss - 1)
		return v->miss[v->nr_miss - 1];
	y0 = v->miss[j];
	y1 = v->miss[j + 1];
	if (y1 >= y0)
		return y0 + msched_mul_div_u64(y1 - y0, frac,
					       v->miss_step_pages, NULL);
	return y0 - msched_mul_div_u64(y0 - y1, frac, v->miss_step_pages,
				       NULL);
}

/* Sum of shares * misses at @t[i] (NULL: the targets), saturating. */
static u64 alloc_weighted(const struct msched_alloc_vm *vms, u32 nr,
			  const u64 *t)
{
	u64 sum = 0;
	u32 i;

	for (i = 0; i < nr; i++) {
		u64 pages = t ? t[i] : vms[i].target_pages;
		u64 miss = msched_alloc_miss_at(&vms[i], pages);

		sum = alloc_add_sat(sum, alloc_mul_sat(vms[i].shares, miss));
	}
	return sum;
}

/**
 * msched_alloc_weighted_misses() - the measure the mrc policy minimises.
 * @vms: the VMs with their targets
 * @nr: number of VMs
 *
 * Context: any.  O(@nr).
 * Return: the sum over the VMs of shares * msched_alloc_miss_at(target),
 * saturating at MSCHED_U64_MAX.
 */
u64 msched_alloc_weighted_misses(const struct msched_alloc_vm *vms, u32 nr)
{
	return alloc_weighted(vms, nr, NULL);
}

/*
 * Append q = (@pages, @miss) to the lower convex hull @h (points in
 * increasing pages): first drop the last point b while it lies above the
 * chord from the one before it, a, to q (Andrew's monotone chain), that
 * is while (b.y - a.y) * (q.x - a.x) > (q.y - a.y) * (b.x - a.x), with
 * signed miss differences.  Points on the chord are kept: a straight run
 * stays cut at the curve's points, so equal VMs can take turns on it.
 */
static void alloc_hull_push(struct alloc_hull *h, u64 pages, u64 miss)
{
	while (h->nr >= 2) {
		const struct alloc_pt *a = &h->pt[h->nr - 2];
		const struct alloc_pt *b = &h->pt[h->nr - 1];
		bool neg_ab = b->miss < a->miss, neg_aq = miss < a->miss;
		u64 dab = neg_ab ? a->miss - b->miss : b->miss - a->miss;
		u64 daq = neg_aq ? a->miss - miss : miss - a->miss;

		if (alloc_cmp_signed(neg_ab, dab, pages - a->pages, neg_aq, daq,
				     b->pages - a->pages) <= 0)
			break;
		h->nr--;
	}
	h->pt[h->nr].pages = pages;
	h->pt[h->nr].miss = miss;
	h->nr++;
}

/* Build @v's hull over [@from, max_pages] into @h (room already set). */
static void alloc_hull_build(struct alloc_hull *h,
			     const struct msched_alloc_vm *v, u64 from)
{
	u64 to = v->max_pages, j;

	h->nr = 0;
	h->pos = 0;
	alloc_hull_push(h, from, msched_alloc_miss_at(v, from));
	for (j = msched_div_u64(from, v->miss_step_pages) + 1;
	     j < v->nr_miss; j++) {
		u64 x = alloc_mul_sat(j, v->miss_step_pages);

		if (x >= to)
			break;
		alloc_hull_push(h, x, v->miss[j]);
	}
	if (to > from)
		alloc_hull_push(h, to, msched_alloc_miss_at(v, to));
}

/*
 * Load the shares-weighted gain of @h's next segment into @h->drop (miss
 * drop times shares) and @h->len (pages).  False when the hull is done or
 * the segment saves nothing (then no later one does either: the hull is
 * convex).
 */
static bool alloc_hull_next(struct alloc_hull *h, u64 shares)
{
	const struct alloc_pt *a, *b;

	if (h->pos + 1 >= h->nr)
		return false;
	a = &h->pt[h->pos];
	b = &h->pt[h->pos + 1];
	if (b->miss >= a->miss)
		return false;
	h->drop = alloc_mul_sat(a->miss - b->miss, shares);
	h->len = b->pages - a->pages;
	return true;
}

/*
 * Heap order of the greedy: VM @i's next segment goes before @j's if it
 * saves more per page (drop_i / len_i > drop_j / len_j, cross-multiplied
 * exactly); on a tie, the VM holding fewer pages per share goes first (so
 * equal VMs with equal curves take turns, segment by segment), then the
 * lower index, so the result does not depend on the heap's shape.  A key
 * changes only when its VM advances, so the heap stays valid.
 */
static bool alloc_before(const struct alloc_hull *hull, const u64 *cur,
			 const struct msched_alloc_vm *vms, u32 i, u32 j)
{
	int c = alloc_cmp_products(hull[i].drop, hull[j].len, hull[j].drop,
				   hull[i].len);

	if (c)
		return c > 0;
	c = alloc_cmp_products(cur[i], vms[j].shares, cur[j], vms[i].shares);
	if (c)
		return c < 0;
	return i < j;
}

/* Restore the heap order below @at (a max-heap of @nr VM indices). */
static void alloc_sift_down(const struct alloc_hull *hull, const u64 *cur,
			    const struct msched_alloc_vm *vms, u32 *heap,
			    u32 nr, u32 at)
{
	u32 v = heap[at];

	for (;;) {
		u32 c = 2 * at + 1;

		if (c >= nr)
			break;
		if (c + 1 < nr && alloc_before(hull, cur, vms, heap[c + 1], heap[c]))
			c++;
		if (!alloc_before(hull, cur, vms, heap[c], v))
			break;
		heap[at] = heap[c];
		at = c;
	}
	heap[at] = v;
}

/* The mrc policy (see msched_alloc.h); inputs valid, mins fit the pool. */
static void alloc_mrc(const struct msched_alloc_params *p,
		      struct msched_alloc_vm *vms, u32 nr, void *mem)
{
	u64 *sh = mem, *cur = sh + nr, left = p->pool_pages, len;
	struct alloc_hull *hull = (struct alloc_hull *)(cur + nr);
	struct alloc_pt *pt = (struct alloc_pt *)(hull + nr);
	u32 *heap, nr_heap = 0, i;

	alloc_shares(vms, nr, NULL, p->pool_pages, p->idle_tax_pct, sh);

	for (i = 0; i < nr; i++) {
		const struct msched_alloc_vm *v = &vms[i];

		hull[i].pt = pt;
		hull[i].nr = 0;
		hull[i].pos = 0;
		pt += alloc_vm_points(v);
		if (v->miss)
			cur[i] = v->min_pages;
		else
			cur[i] = sh[i] > v->min_pages ? sh[i] : v->min_pages;
		left -= cur[i];	/* sum(cur) <= sum(sh) <= pool */
	}
	heap = (u32 *)pt;
	for (i = 0; i < nr; i++) {
		if (!vms[i].miss)
			continue;
		alloc_hull_build(&hull[i], &vms[i], cur[i]);
		if (alloc_hull_next(&hull[i], vms[i].shares))
			heap[nr_heap++] = i;
	}
	for (i = nr_heap / 2; i-- > 0;)
		alloc_sift_down(hull, cur, vms, heap, nr_heap, i);

	/*
	 * Greedy on the hulls: the best shares-weighted gain per page first.
	 * Along one hull the gains fall, so the top of the heap is the best
	 * segment of all; a segment only partly given ends the loop.
	 */
	while (left && nr_heap) {
		i = heap[0];
		len = alloc_min(hull[i].len, left);
		cur[i] += len;
		left -= len;
		hull[i].pos++;
		if (!alloc_hull_next(&hull[i], vms[i].shares))
			heap[0] = heap[--nr_heap];
		if (nr_heap)
			alloc_sift_down(hull, cur, vms, heap, nr_heap, 0);
	}

	/* What no curve wants: by shares, above what each VM has now. */
	alloc_shares(vms, nr, cur, p->pool_pages, p->idle_tax_pct, NULL);

	if (alloc_weighted(vms, nr, sh) < alloc_weighted(vms, nr, NULL))
		for (i = 0; i < nr; i++)
			vms[i].target_pages = sh[i];
}

/* 0 if @v is within the limits of msched_alloc_vm, else -MSCHED_EINVAL. */
static int alloc_validate_vm(const struct msched_alloc_vm *v)
{
	u32 j;

	if (!v->shares || v->shares > MSCHED_ALLOC_SHARES_MAX ||
	    v->min_pages > v->max_pages)
		return -MSCHED_EINVAL;
	if (!v->miss)
		return 0;
	if (v->nr_miss < 2 || v->nr_miss > MSCHED_ALLOC_POINTS_MAX ||
	    !v->miss_step_pages)
		return -MSCHED_EINVAL;
	for (j = 0; j < v->nr_miss; j++)
		if (v->miss[j] > MSCHED_ALLOC_MISS_MAX)
			return -MSCHED_EINVAL;
	return 0;
}

/**
 * msched_alloc() - divide the pool among the VMs.
 * @p: pool, idle tax and policy
 * @vms: the VMs; only their target_pages are written
 * @nr: number of VMs (0 is valid: nothing to do)
 * @mem: scratch, msched_alloc_mem_bytes(@vms, @nr) bytes, 8-byte aligned;
 *	 may be NULL for MSCHED_ALLOC_SHARES
 *
 * MSCHED_ALLOC_SHARES gives every VM not held at its min or max the same
 * shares-per-page ratio rho (see msched_alloc.h); the targets then sum to
 * exactly the pool (or to the sum of the maxes if that is smaller).  The
 * leftover of the level search (below one level step per VM) goes to the
 * first VMs in array order.  A VM's target never falls when its shares
 * rise and nothing else changes.
 *
 * MSCHED_ALLOC_MRC: see msched_alloc.h.  Its result's
 * msched_alloc_weighted_misses() is never above the shares policy's.
 *
 * Context: any; no sleeping, no locks.  Shares: O(64 * @nr); mrc adds
 * O(@nr * points of all curves).
 * Return: 0; MSCHED_ALLOC_OVERCOMMITTED when the mins sum to more than the
 * pool (every target is its min); -MSCHED_EINVAL, targets unchanged, when
 * @p or @vms is NULL (with @nr > 0), @mem is NULL for the mrc policy, the
 * policy is unknown, the tax is above MSCHED_ALLOC_TAX_MAX_PCT, or a VM's
 * shares are 0 or above MSCHED_ALLOC_SHARES_MAX, its min is above its max,
 * or its curve has fewer than 2 or more than MSCHED_ALLOC_POINTS_MAX
 * points, a step of 0 or a value above MSCHED_ALLOC_MISS_MAX.
 */
int msched_alloc(const struct msched_alloc_params *p,
		 struct msched_alloc_vm *vms, u32 nr, void *mem)
{
	u64 sum_min = 0;
	u32 i;
	int ret;

	if (!p || p->policy >= MSCHED_ALLOC_NR_POLICIES ||
	    p->idle_tax_pct > MSCHED_ALLOC_TAX_MAX_PCT)
		return -MSCHED_EINVAL;
	if (!nr)
		return 0;
	if (!vms || (p->policy == MSCHED_ALLOC_MRC && !mem))
		return -MSCHED_EINVAL;
	for (i = 0; i < nr; i++) {
		ret = alloc_validate_vm(&vms[i]);
		if (ret)
			return ret;
		sum_min = alloc_add_sat(sum_min, vms[i].min_pages);
	}
	if (sum_min > p->pool_pages || p->policy == MSCHED_ALLOC_SHARES)
		return alloc_shares(vms, nr, NULL, p->pool_pages,
				    p->idle_tax_pct, NULL);
	alloc_mrc(p, vms, nr, mem);
	return 0;
}

/**
 * msched_alloc_smooth_active() - ESX's smoothed active-page estimate.
 * @prev: the estimate of the previous period
 * @now: this period's measurement
 *
 * A rise is taken at once (a VM that starts using memory must get it
 * quickly); a fall closes a quarter of the gap per period, at least one
 * page, never going below @now (a short idle spell must not take memory
 * away at once).
 *
 * Context: any.
 * Return: the new estimate.
 */
u64 msched_alloc_smooth_active(u64 prev, u64 now)
{
	u64 gap;

	if (now >= prev)
		return now;
	gap = prev - now;
	/* (gap + 3) / 4 without overflowing at gap = U64_MAX */
	return prev - ((gap >> 2) + ((gap & 3) ? 1 : 0));
}

/**
 * msched_alloc_estimate_ready() - whether a VM's sampled estimates cover
 * their whole window, so the allocator may use them.
 * @nr_scans: the sampler's scans since its history began (attach, or the
 *	last reset: a change of sample_period, sample_seed or granularity
 *	wipes it)
 * @wss_scans: the working set's window, in scans (0 counts as 1)
 *
 * The first scan after a reset only re-arms the accessed bits; the working
 * set is what was accessed within the last @wss_scans scans after that.
 * Until that many scans were made the working set counts only the pages
 * touched so far, and the miss curve only their reuses: near empty, so a
 * VM would look idle and lose its memory. Ready once @nr_scans exceeds
 * @wss_scans (with @wss_scans 1: from the second scan, the old rule).
 *
 * Context: any.
 * Return: true when the estimates are complete.
 */
bool msched_alloc_estimate_ready(u64 nr_scans, u64 wss_scans)
{
	return nr_scans > (wss_scans ? wss_scans : 1);
}
