// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_accuracy.c - acceptance test: SHARDS-sampled MRC vs exact MRC.
 *
 * Synthetic page-reference traces are replayed with one reference per batch
 * (individual references).  The exact MRC tracks every page (slot = page);
 * the sampled MRCs keep only pages selected by msched_hash_sampled() and give
 * them slot ids on first sight, as the kernel side does.  The mean absolute
 * error over all bucket points must be 0 at period 1 and <= 0.02 at period
 * 16; errors are printed as TAP diagnostics for periods 1, 16 and 64.
 */
#include "test_util.h"
#include "msched_hash.h"
#include "msched_lru.h"
#include "msched_mrc.h"

#define NR_BUCKETS	256U
#define BUCKET_PAGES	512ULL		/* curve covers 131072 pages */
#define HASH_SEED	0ULL
#define NO_SLOT		0xffffffffU

struct trace {
	const char *name;
	u32 *page;
	u32 nr_refs;
	u32 nr_pages;	/* pages are 0..nr_pages-1 */
};

static void trace_alloc(struct trace *t, const char *name, u32 nr_refs,
			u32 nr_pages)
{
	t->name = name;
	t->page = tmalloc(sizeof(u32) * nr_refs);
	t->nr_refs = nr_refs;
	t->nr_pages = nr_pages;
}

/* Cyclic loop over w pages starting at page base. */
static void gen_loop(struct trace *t, const char *name, u32 w, u32 passes)
{
	u32 i;

	trace_alloc(t, name, w * passes, w);
	for (i = 0; i < w * passes; i++)
		t->page[i] = i % w;
}

/* Zipf(alpha) popularity, ranks scattered over the page range. */
static void gen_zipf(struct trace *t, u32 nr_pages, u32 nr_refs, double alpha,
		     u64 seed)
{
	struct tzipf z;
	struct trng r;
	u32 i;

	trace_alloc(t, "zipf", nr_refs, nr_pages);
	tzipf_init(&z, nr_pages, alpha);
	trng_seed(&r, seed);
	for (i = 0; i < nr_refs; i++)
		t->page[i] = (u32)(((u64)tzipf_next(&z, &r) * 2654435761ULL) %
				   nr_pages);
	tzipf_free(&z);
}

/*
 * Phase change: first half uniform over working set A (pages 0..wa-1),
 * second half a Zipf-skewed working set B on the disjoint pages wa..wa+wb-1.
 */
static void gen_phase(struct trace *t, u32 wa, u32 wb, u32 nr_refs, u64 seed)
{
	struct tzipf z;
	struct trng r;
	u32 i;

	trace_alloc(t, "phase", nr_refs, wa + wb);
	tzipf_init(&z, wb, 0.8);
	trng_seed(&r, seed);
	for (i = 0; i < nr_refs / 2; i++)
		t->page[i] = (u32)trng_below(&r, wa);
	for (; i < nr_refs; i++)
		t->page[i] = wa + (u32)(((u64)tzipf_next(&z, &r) *
					 2654435761ULL) % wb);
	tzipf_free(&z);
}

struct mrc_buf {
	struct msched_mrc mrc;
	void *mem;
};

/*
 * Replay @t into @out.  period 0 = exact (every page, slot = page number);
 * otherwise SHARDS sampling at 1/period with first-sight slot assignment.
 */
static u32 build_mrc(const struct trace *t, u32 period, struct mrc_buf *out)
{
	struct msched_lru lru;
	void *lru_mem = tmalloc(msched_lru_mem_bytes(t->nr_pages));
	u32 *slot_of = tmalloc(sizeof(u32) * t->nr_pages);
	u64 thr = msched_hash_threshold(period);
	u32 i, page, slot, nr_slots = 0;

	out->mem = tmalloc(msched_mrc_mem_bytes(NR_BUCKETS));
	assert_int_equal(msched_mrc_init(&out->mrc, out->mem, NR_BUCKETS,
					 BUCKET_PAGES), 0);
	assert_int_equal(msched_lru_init(&lru, lru_mem, t->nr_pages), 0);
	memset(slot_of, 0xff, sizeof(u32) * t->nr_pages);
	for (i = 0; i < t->nr_refs; i++) {
		page = t->page[i];
		if (!period) {
			slot = page;
		} else {
			if (!msched_hash_sampled_thr(page, HASH_SEED, thr))
				continue;
			if (slot_of[page] == NO_SLOT)
				slot_of[page] = nr_slots++;
			slot = slot_of[page];
		}
		msched_lru_batch_begin(&lru);
		msched_mrc_add(&out->mrc, msched_lru_access(&lru, slot),
			       period ? period : 1);
	}
	free(slot_of);
	free(lru_mem);
	return nr_slots;
}

static void check_trace(struct trace *t)
{
	static const u32 periods[] = { 1, 16, 64 };
	struct mrc_buf exact, s;
	u32 i, err, nr_slots;

	build_mrc(t, 0, &exact);
	for (i = 0; i < sizeof(periods) / sizeof(periods[0]); i++) {
		nr_slots = build_mrc(t, periods[i], &s);
		err = msched_mrc_mae_ppm(&exact.mrc, &s.mrc);
		tdiag("mae trace=%s period=%u err=%.4f (sampled_pages=%u knee_exact=%llu knee_sampled=%llu)",
		      t->name, periods[i], err / 1e6, nr_slots,
		      (unsigned long long)msched_mrc_knee_pages(&exact.mrc, 10000),
		      (unsigned long long)msched_mrc_knee_pages(&s.mrc, 10000));
		if (periods[i] == 1)
			assert_int_equal(err, 0);
		if (periods[i] == 16)
			assert_true(err <= 20000);
		free(s.mem);
	}
	free(exact.mem);
	free(t->page);
}

static void test_loop_small(void **state)
{
	struct trace t;

	(void)state;
	gen_loop(&t, "loop10k", 10000, 30);
	check_trace(&t);
}

static void test_loop_large(void **state)
{
	struct trace t;

	(void)state;
	gen_loop(&t, "loop60k", 60000, 8);
	check_trace(&t);
}

static void test_zipf(void **state)
{
	struct trace t;

	(void)state;
	gen_zipf(&t, 100000, 1000000, 0.9, 7);
	check_trace(&t);
}

static void test_phase(void **state)
{
	struct trace t;

	(void)state;
	gen_phase(&t, 40000, 60000, 1000000, 8);
	check_trace(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loop_small),
		cmocka_unit_test(test_loop_large),
		cmocka_unit_test(test_zipf),
		cmocka_unit_test(test_phase),
	};

	return cmocka_run_group_tests_name("accuracy", tests, NULL, NULL);
}
