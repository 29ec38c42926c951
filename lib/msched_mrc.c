// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * msched_mrc.c - reuse-distance histogram -> LRU miss-rate curve.
 *
 * All ratios are returned in parts per million (0..MSCHED_PPM_ONE).
 */
#include "msched_mrc.h"

/* Denominator of all ratios, see "Normalisation" in msched_mrc.h. */
static u64 msched_mrc_refs(const struct msched_mrc *h)
{
	return h->nr_total_refs ? h->nr_total_refs : h->nr_refs;
}

/* Miss ratio at bucket boundary k given the miss count there. */
static u32 msched_mrc_ratio(const struct msched_mrc *h, u64 k, u64 miss)
{
	if (!k)
		return MSCHED_PPM_ONE;
	return msched_ratio_ppm(miss, msched_mrc_refs(h));
}

/**
 * msched_mrc_mem_bytes() - memory needed by a histogram of @nr_buckets.
 * @nr_buckets: number of distance buckets, 1..MSCHED_MRC_MAX_BUCKETS
 *
 * Context: any.
 * Return: size in bytes (8 per bucket), or 0 if @nr_buckets is out of range.
 */
size_t msched_mrc_mem_bytes(u32 nr_buckets)
{
	if (!nr_buckets || nr_buckets > MSCHED_MRC_MAX_BUCKETS)
		return 0;
	return (size_t)nr_buckets * sizeof(u64);
}

/**
 * msched_mrc_init() - initialise an empty histogram on caller memory.
 * @h: histogram to initialise
 * @mem: at least msched_mrc_mem_bytes(@nr_buckets) bytes, 8-byte aligned
 * @nr_buckets: number of distance buckets, 1..MSCHED_MRC_MAX_BUCKETS
 * @bucket_pages: pages covered by one bucket, >= 1; the curve covers memory
 *		  sizes 0..@nr_buckets * @bucket_pages
 *
 * Context: any.
 * Return: 0 on success, -MSCHED_EINVAL for bad arguments.
 */
int msched_mrc_init(struct msched_mrc *h, void *mem, u32 nr_buckets,
		    u64 bucket_pages)
{
	if (!h || !mem || !msched_mrc_mem_bytes(nr_buckets) || !bucket_pages ||
	    ((unsigned long)mem & (sizeof(u64) - 1)) ||
	    bucket_pages > msched_div_u64(MSCHED_U64_MAX, nr_buckets))
		return -MSCHED_EINVAL;
	h->nr_buckets = nr_buckets;
	h->bucket_pages = bucket_pages;
	h->buckets = mem;
	msched_mrc_reset(h);
	return 0;
}

/**
 * msched_mrc_reset() - clear all counters.
 * @h: initialised histogram
 *
 * Context: any; caller serialises access to @h.  O(@nr_buckets).
 * Return: nothing.
 */
void msched_mrc_reset(struct msched_mrc *h)
{
	msched_memset(h->buckets, 0, (size_t)h->nr_buckets * sizeof(u64));
	h->nr_refs = 0;
	h->nr_cold = 0;
	h->nr_overflow = 0;
	h->nr_total_refs = 0;
}

/**
 * msched_mrc_add() - account one sampled reference.
 * @h: initialised histogram
 * @position: LRU stack position among sampled pages from msched_lru_access();
 *	      0 means first touch (cold miss)
 * @period: SHARDS sampling period the position was measured at (0 is
 *	    treated as 1); the distance is scaled to @position * @period
 *	    pages and the reference is weighted by @period
 *
 * Context: any; caller serialises access to @h.  O(1).
 * Return: nothing.
 */
void msched_mrc_add(struct msched_mrc *h, u64 position, u32 period)
{
	u64 idx;

	if (!period)
		period = 1;
	h->nr_refs += period;
	if (!position) {
		h->nr_cold += period;
		return;
	}
	/* position < 2^32 and period < 2^32, so the product cannot wrap. */
	if (position >> 32) {
		h->nr_overflow += period;
		return;
	}
	idx = msched_div_u64(position * period - 1, h->bucket_pages);
	if (idx >= h->nr_buckets)
		h->nr_overflow += period;
	else
		h->buckets[idx] += period;
}

/**
 * msched_mrc_add_total_refs() - account references seen before sampling.
 * @h: initialised histogram
 * @nr_refs: number of references (sampled or not) since the last call
 *
 * Optional SHARDS-adj normalisation: once any references are reported this
 * way, miss ratios are divided by the reported total instead of the
 * weighted sampled count.  Report every reference the sampling filter sees,
 * including the sampled ones, and keep doing so for the histogram's life.
 *
 * Context: any; caller serialises access to @h.  O(1).
 * Return: nothing.
 */
void msched_mrc_add_total_refs(struct msched_mrc *h, u64 nr_refs)
{
	h->nr_total_refs += nr_refs;
}

/**
 * msched_mrc_decay() - halve all counters (exponential ageing).
 * @h: initialised histogram
 *
 * Call periodically (or on a detected phase change) so that old behaviour
 * fades out: after n calls an old reference weighs 2^-n of a new one.
 *
 * Context: any; caller serialises access to @h.  O(@nr_buckets).
 * Return: nothing.
 */
void msched_mrc_decay(struct msched_mrc *h)
{
	u64 sum;
	u32 i;

	h->nr_cold >>= 1;
	h->nr_overflow >>= 1;
	h->nr_total_refs >>= 1;
	sum = h->nr_cold + h->nr_overflow;
	for (i = 0; i < h->nr_buckets; i++) {
		h->buckets[i] >>= 1;
		sum += h->buckets[i];
	}
	/* Keep nr_refs equal to the sum of the counters despite rounding. */
	h->nr_refs = sum;
}

/**
 * msched_mrc_miss_ppm() - miss ratio of an LRU memory of @mem_pages.
 * @h: initialised histogram
 * @mem_pages: memory size in pages
 *
 * Counts as misses: cold misses, overflow references and every bucket whose
 * upper distance bound exceeds @mem_pages (conservative between bucket
 * boundaries, exact at boundaries).  Overflow references are always counted
 * as misses, even for @mem_pages beyond the covered range.
 *
 * Context: any; caller serialises access to @h.  O(@nr_buckets).
 * Return: the miss ratio in ppm, MSCHED_PPM_ONE if no reference was seen.
 */
u32 msched_mrc_miss_ppm(const struct msched_mrc *h, u64 mem_pages)
{
	u64 k = msched_div_u64(mem_pages, h->bucket_pages);
	u64 miss = h->nr_cold + h->nr_overflow;
	u32 i;

	/* Buckets 0..k-1 lie entirely within mem_pages: those are hits. */
	for (i = k < h->nr_buckets ? (u32)k : h->nr_buckets;
	     i < h->nr_buckets; i++)
		miss += h->buckets[i];
	return msched_mrc_ratio(h, k, miss);
}

/**
 * msched_mrc_curve() - the whole miss-rate curve at bucket boundaries.
 * @h: initialised histogram
 * @ppm: output array of at least @nr_points entries
 * @nr_points: number of points wanted; at most @nr_buckets + 1 are written
 *
 * Point k is the miss ratio of a memory of k * @bucket_pages pages, so
 * point 0 is always MSCHED_PPM_ONE and the curve is non-increasing.
 *
 * Context: any; caller serialises access to @h.  O(@nr_points).
 * Return: the number of points written.
 */
u32 msched_mrc_curve(const struct msched_mrc *h, u32 *ppm, u32 nr_points)
{
	u64 miss = h->nr_refs;
	u32 k;

	if (nr_points > h->nr_buckets + 1)
		nr_points = h->nr_buckets + 1;
	for (k = 0; k < nr_points; k++) {
		if (k)
			miss -= h->buckets[k - 1];
		ppm[k] = msched_mrc_ratio(h, k, miss);
	}
	return nr_points;
}

/**
 * msched_mrc_knee_pages() - smallest memory size that is "big enough".
 * @h: initialised histogram
 * @tolerance_ppm: allowed excess miss ratio over the full-size miss ratio
 *
 * Finds the smallest bucket boundary M = k * @bucket_pages whose miss ratio
 * is within @tolerance_ppm of the miss ratio at the largest covered size
 * (@nr_buckets * @bucket_pages).  For a cyclic loop over W pages this is W
 * rounded up to a bucket boundary.
 *
 * Context: any; caller serialises access to @h.  O(@nr_buckets).
 * Return: the memory size in pages (0 if no reference was seen).
 */
u64 msched_mrc_knee_pages(const struct msched_mrc *h, u32 tolerance_ppm)
{
	u64 full = h->nr_cold + h->nr_overflow;
	u64 miss = h->nr_refs;
	u64 limit;
	u32 k;

	if (!h->nr_refs)
		return 0;
	limit = (u64)msched_ratio_ppm(full, msched_mrc_refs(h)) + tolerance_ppm;
	for (k = 0; k < h->nr_buckets; k++) {
		if (msched_mrc_ratio(h, k, miss) <= limit)
			break;
		miss -= h->buckets[k];
	}
	return (u64)k * h->bucket_pages;
}

/**
 * msched_mrc_mae_ppm() - mean absolute error between two curves.
 * @a: first histogram
 * @b: second histogram, same @nr_buckets and @bucket_pages as @a
 *
 * Compares the miss ratios at the bucket boundaries k * @bucket_pages for
 * k = 1..@nr_buckets (point 0 is always equal) and averages the absolute
 * differences, rounded to the nearest ppm.
 *
 * Context: any; caller serialises access to @a and @b.  O(@nr_buckets).
 * Return: the mean absolute error in ppm, or MSCHED_U32_MAX if the two
 * histograms have different geometries.
 */
u32 msched_mrc_mae_ppm(const struct msched_mrc *a, const struct msched_mrc *b)
{
	u64 miss_a = a->nr_refs, miss_b = b->nr_refs, sum = 0;
	u32 k, pa, pb;

	if (a->nr_buckets != b->nr_buckets ||
	    a->bucket_pages != b->bucket_pages)
		return MSCHED_U32_MAX;
	for (k = 0; k < a->nr_buckets; k++) {
		miss_a -= a->buckets[k];
		miss_b -= b->buckets[k];
		pa = msched_mrc_ratio(a, k + 1, miss_a);
		pb = msched_mrc_ratio(b, k + 1, miss_b);
		sum += pa > pb ? pa - pb : pb - pa;
	}
	return (u32)msched_div_u64(sum + a->nr_buckets / 2, a->nr_buckets);
}
