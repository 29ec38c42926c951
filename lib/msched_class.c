// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * msched_class.c - page-age histogram and usage classes from sampled pages.
 */
#include "msched_class.h"

/**
 * msched_class_age_bucket() - age-histogram bucket of an age.
 * @age_scans: age in scans
 *
 * Context: any.
 * Return: 0 for age 0, b for ages in [2^(b-1), 2^b), capped at
 * MSCHED_CLASS_NR_LOG2 - 1.
 */
u32 msched_class_age_bucket(u64 age_scans)
{
	u32 b;

	if (!age_scans)
		return 0;
	b = 64 - (u32)__builtin_clzll(age_scans);
	return b < MSCHED_CLASS_NR_LOG2 ? b : MSCHED_CLASS_NR_LOG2 - 1;
}

/**
 * msched_class_bucket_min_scans() - smallest age held by a log2 bucket.
 * @bucket: bucket index, 0..MSCHED_CLASS_NR_LOG2 - 1
 *
 * Context: any.
 * Return: 0 for bucket 0, 2^(@bucket - 1) otherwise; MSCHED_U64_MAX for
 * the never bucket or out-of-range indices.
 */
u64 msched_class_bucket_min_scans(u32 bucket)
{
	if (bucket >= MSCHED_CLASS_NR_LOG2)
		return MSCHED_U64_MAX;
	return bucket ? 1ULL << (bucket - 1) : 0;
}

/**
 * msched_class_init() - start a classification pass.
 * @c: accumulator to initialise
 * @p: parameters; copied into @c
 *
 * Context: any.
 * Return: 0 on success, -MSCHED_EINVAL if @p->idle_scans < @p->active_scans.
 */
int msched_class_init(struct msched_class *c,
		      const struct msched_class_params *p)
{
	if (!c || !p || p->idle_scans < p->active_scans)
		return -MSCHED_EINVAL;
	msched_memset(c, 0, sizeof(*c));
	c->p = *p;
	return 0;
}

/**
 * msched_class_add() - feed one sampled page.
 * @c: initialised accumulator
 * @last_scan: scan number of the page's last observed access, or
 *	       MSCHED_SCAN_NEVER; values above now_scan count as age 0
 *
 * Context: any; caller serialises access to @c.  O(1), no allocation.
 * Return: the class the page was put in.
 */
enum msched_class_id msched_class_add(struct msched_class *c, u64 last_scan)
{
	enum msched_class_id id;
	u64 age;

	c->nr_sampled++;
	if (last_scan == MSCHED_SCAN_NEVER) {
		c->nr_age[MSCHED_CLASS_AGE_NEVER]++;
		c->nr_class[MSCHED_CLASS_NEVER_TOUCHED]++;
		return MSCHED_CLASS_NEVER_TOUCHED;
	}
	age = last_scan < c->p.now_scan ? c->p.now_scan - last_scan : 0;
	c->nr_age[msched_class_age_bucket(age)]++;
	if (age < c->p.wss_scans)
		c->nr_wss++;
	if (age < c->p.active_scans)
		id = MSCHED_CLASS_ACTIVE;
	else if (age < c->p.idle_scans)
		id = MSCHED_CLASS_RECENTLY_IDLE;
	else
		id = MSCHED_CLASS_IDLE;
	c->nr_class[id]++;
	return id;
}

/**
 * msched_class_scale() - scale a partition of a sample to a population.
 * @counts: @n sample counts, summing exactly to @nr_sampled
 * @pages: output, @n scaled counts summing exactly to @total_pages
 * @scratch: @n words of scratch space
 * @n: number of parts
 * @total_pages: population size
 * @nr_sampled: sample size; if 0, all of @pages are set to 0
 *
 * Largest-remainder (Hamilton) apportionment: every part first gets
 * floor(count * total / sampled), and the pages left over go one each to
 * the parts with the largest remainders (ties to the lowest index).
 *
 * Context: any.  O(@n^2) in the worst case, @n is small.
 * Return: nothing.
 */
void msched_class_scale(const u64 *counts, u64 *pages, u64 *scratch, u32 n,
			u64 total_pages, u64 nr_sampled)
{
	u64 sum = 0, left;
	u32 i, best;

	if (!nr_sampled) {
		msched_memset(pages, 0, (size_t)n * sizeof(u64));
		return;
	}
	for (i = 0; i < n; i++) {
		pages[i] = msched_mul_div_u64(counts[i], total_pages,
					      nr_sampled, &scratch[i]);
		sum += pages[i];
	}
	/* Sum of remainders is (total - sum) * sampled, each < sampled. */
	left = sum < total_pages ? total_pages - sum : 0;
	while (left--) {
		best = n;
		for (i = 0; i < n; i++)
			if (scratch[i] &&
			    (best == n || scratch[i] > scratch[best]))
				best = i;
		if (best == n)
			break;
		pages[best]++;
		scratch[best] = 0;
	}
}

/**
 * msched_class_scale_unit() - msched_class_scale() in whole units.
 * @counts: @n sample counts, summing exactly to @nr_sampled
 * @pages: output, @n scaled counts summing exactly to @total_pages
 * @scratch: @n words of scratch space
 * @n: number of parts, at least 1
 * @total_pages: population size
 * @nr_sampled: sample size; if 0, all of @pages are set to 0
 * @unit: pages per unit (0 counts as 1)
 *
 * Apportions the @total_pages / @unit whole units by largest remainder,
 * then gives the @total_pages % @unit pages left to the largest part
 * (the lowest index on ties). So every part is a multiple of @unit but
 * that one, and the parts still sum exactly to @total_pages. @unit 1 is
 * msched_class_scale().
 *
 * Context: any.  O(@n^2) in the worst case, @n is small.
 * Return: nothing.
 */
void msched_class_scale_unit(const u64 *counts, u64 *pages, u64 *scratch,
			     u32 n, u64 total_pages, u64 nr_sampled, u64 unit)
{
	u64 tail;
	u32 i, best = 0;

	if (unit <= 1) {
		msched_class_scale(counts, pages, scratch, n, total_pages,
				   nr_sampled);
		return;
	}
	msched_class_scale(counts, pages, scratch, n, total_pages / unit,
			   nr_sampled);
	tail = total_pages % unit;
	for (i = 0; i < n; i++) {
		pages[i] *= unit;
		if (pages[i] > pages[best])
			best = i;
	}
	if (nr_sampled)
		pages[best] += tail;
}

/*
 * The nearest multiple of @unit (> 1) to q + rem / sampled, halves up:
 * with a = q rounded down to a multiple and r = q - a, round up iff
 * 2 * r + 2 * rem / sampled >= unit, without overflow.
 */
static u64 msched_class_round_unit(u64 q, u64 rem, u64 sampled, u64 unit)
{
	u64 r = q % unit, a = q - r;

	if (r >= unit - r ||
	    (unit - r - r == 1 && rem && rem >= sampled - rem))
		return a + unit;
	return a;
}

/**
 * msched_class_finalize() - compute the scaled results.
 * @c: accumulator fed with every sampled page
 *
 * Fills @c->class_pages, @c->age_pages and @c->wss_pages.  The class counts
 * and the age buckets each sum exactly to @c->p.total_pages.  With no
 * sampled pages there is no evidence of any access, so every page is
 * reported NEVER_TOUCHED (and in the never age bucket) with a zero working
 * set.  With @c->p.unit above 1, see &struct msched_class_params.unit.
 * May be called again after feeding more pages.
 *
 * Context: any; caller serialises access to @c.  O(1).
 * Return: nothing.
 */
void msched_class_finalize(struct msched_class *c)
{
	u64 total = c->p.total_pages, unit = c->p.unit, rem;

	if (!c->nr_sampled) {
		msched_memset(c->class_pages, 0, sizeof(c->class_pages));
		msched_memset(c->age_pages, 0, sizeof(c->age_pages));
		c->class_pages[MSCHED_CLASS_NEVER_TOUCHED] = total;
		c->age_pages[MSCHED_CLASS_AGE_NEVER] = total;
		c->wss_pages = 0;
		return;
	}
	msched_class_scale_unit(c->nr_class, c->class_pages, c->scratch,
				MSCHED_NR_CLASSES, total, c->nr_sampled, unit);
	msched_class_scale_unit(c->nr_age, c->age_pages, c->scratch,
				MSCHED_CLASS_NR_AGE_BUCKETS, total,
				c->nr_sampled, unit);
	c->wss_pages = msched_mul_div_u64(c->nr_wss, total, c->nr_sampled,
					  &rem);
	if (unit > 1) {
		c->wss_pages = msched_class_round_unit(c->wss_pages, rem,
						       c->nr_sampled, unit);
		/* Never above the guest: its last whole unit at most. */
		if (c->wss_pages > total)
			c->wss_pages = total - total % unit;
		return;
	}
	/* Round half up: rem >= sampled - rem, without overflow. */
	if (rem && rem >= c->nr_sampled - rem)
		c->wss_pages++;
}
