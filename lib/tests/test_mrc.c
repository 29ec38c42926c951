// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_mrc.c - reuse-distance histogram and miss-rate curve.
 */
#include "test_util.h"
#include "msched_lru.h"
#include "msched_mrc.h"

struct mrc_fixture {
	struct msched_mrc mrc;
	struct msched_lru lru;
	void *mrc_mem;
	void *lru_mem;
};

static void mf_init(struct mrc_fixture *f, u32 nr_buckets, u64 bucket_pages,
		    u32 max_slots)
{
	f->mrc_mem = tmalloc(msched_mrc_mem_bytes(nr_buckets));
	assert_int_equal(msched_mrc_init(&f->mrc, f->mrc_mem, nr_buckets,
					 bucket_pages), 0);
	f->lru_mem = tmalloc(msched_lru_mem_bytes(max_slots));
	assert_int_equal(msched_lru_init(&f->lru, f->lru_mem, max_slots), 0);
}

static void mf_free(struct mrc_fixture *f)
{
	free(f->mrc_mem);
	free(f->lru_mem);
}

/* One reference, one batch, period 1. */
static void mf_ref(struct mrc_fixture *f, u32 page)
{
	msched_lru_batch_begin(&f->lru);
	msched_mrc_add(&f->mrc, msched_lru_access(&f->lru, page), 1);
}

static void assert_monotonic(const struct msched_mrc *h)
{
	u32 *c = tmalloc(sizeof(u32) * (h->nr_buckets + 1));
	u32 k, n = msched_mrc_curve(h, c, h->nr_buckets + 1);

	assert_int_equal(n, h->nr_buckets + 1);
	assert_int_equal(c[0], MSCHED_PPM_ONE);
	for (k = 1; k < n; k++) {
		assert_true(c[k] <= c[k - 1]);
		assert_int_equal(c[k], msched_mrc_miss_ppm(h, k * h->bucket_pages));
	}
	free(c);
}

static void run_loop(u32 w, u64 bp, u32 passes, bool batched)
{
	struct mrc_fixture f;
	u32 p, i;
	u64 m, knee, cold_ppm = MSCHED_PPM_ONE / passes;

	mf_init(&f, 256, bp, w);
	for (p = 0; p < passes; p++) {
		if (batched)
			msched_lru_batch_begin(&f.lru);
		for (i = 0; i < w; i++) {
			if (batched)
				msched_mrc_add(&f.mrc,
					       msched_lru_access(&f.lru, i), 1);
			else
				mf_ref(&f, i);
		}
	}
	assert_int_equal(f.mrc.nr_refs, (u64)w * passes);
	assert_int_equal(f.mrc.nr_cold, w);
	/* 1.0 below W, exactly the cold ratio from W on. */
	for (m = 0; m < w; m += bp / 2 + 1)
		assert_int_equal(msched_mrc_miss_ppm(&f.mrc, m), MSCHED_PPM_ONE);
	assert_int_equal(msched_mrc_miss_ppm(&f.mrc, w - 1), MSCHED_PPM_ONE);
	/* Exact at bucket boundaries; conservative inside W's bucket. */
	m = (w + bp - 1) / bp * bp;
	assert_int_equal(msched_mrc_miss_ppm(&f.mrc, m), cold_ppm);
	assert_int_equal(msched_mrc_miss_ppm(&f.mrc, 256 * bp), cold_ppm);
	assert_int_equal(msched_mrc_miss_ppm(&f.mrc, 1ULL << 40), cold_ppm);
	knee = msched_mrc_knee_pages(&f.mrc, 1000);
	tdiag("mrc loop W=%u bucket_pages=%llu batched=%d knee=%llu miss@W=%u",
	      w, (unsigned long long)bp, batched, (unsigned long long)knee,
	      msched_mrc_miss_ppm(&f.mrc, m));
	assert_true(knee >= w && knee < w + bp);
	assert_monotonic(&f.mrc);
	mf_free(&f);
}

static void test_loop(void **state)
{
	(void)state;
	run_loop(1000, 10, 20, false);
	run_loop(1003, 10, 20, false);
	run_loop(1000, 10, 20, true);
	run_loop(777, 8, 13, true);
	run_loop(64, 1, 50, false);
}

static void test_add_scaling(void **state)
{
	struct msched_mrc h;
	u64 mem[8];

	(void)state;
	assert_int_equal(msched_mrc_init(&h, mem, 8, 16), 0);
	assert_int_equal(msched_mrc_miss_ppm(&h, 100), MSCHED_PPM_ONE);
	assert_int_equal(msched_mrc_knee_pages(&h, 0), 0);
	msched_mrc_add(&h, 5, 16);	/* distance 80 -> bucket 4 */
	assert_int_equal(h.buckets[4], 16);
	msched_mrc_add(&h, 1, 16);	/* distance 16 -> bucket 0 */
	assert_int_equal(h.buckets[0], 16);
	msched_mrc_add(&h, 17, 1);	/* distance 17 -> bucket 1 */
	assert_int_equal(h.buckets[1], 1);
	msched_mrc_add(&h, 8, 16);	/* distance 128 -> last bucket */
	assert_int_equal(h.buckets[7], 16);
	msched_mrc_add(&h, 9, 16);	/* distance 144 -> overflow */
	assert_int_equal(h.nr_overflow, 16);
	msched_mrc_add(&h, 1ULL << 40, 1);	/* huge -> overflow */
	assert_int_equal(h.nr_overflow, 17);
	msched_mrc_add(&h, 0, 4);	/* cold */
	assert_int_equal(h.nr_cold, 4);
	msched_mrc_add(&h, 3, 0);	/* period 0 acts as 1 */
	assert_int_equal(h.buckets[0], 17);
	assert_int_equal(h.nr_refs, 16 + 16 + 1 + 16 + 16 + 1 + 4 + 1);
	/* refs 71; misses at M=16: everything but bucket 0 (17) = 54. */
	assert_int_equal(msched_mrc_miss_ppm(&h, 16), 54ULL * 1000000 / 71);
	assert_int_equal(msched_mrc_miss_ppm(&h, 31), 54ULL * 1000000 / 71);
	assert_int_equal(msched_mrc_miss_ppm(&h, 32), 53ULL * 1000000 / 71);
	assert_int_equal(msched_mrc_miss_ppm(&h, 128), 21ULL * 1000000 / 71);
	assert_int_equal(msched_mrc_miss_ppm(&h, 0), MSCHED_PPM_ONE);
	assert_monotonic(&h);

	msched_mrc_decay(&h);
	assert_int_equal(h.buckets[0], 8);
	assert_int_equal(h.buckets[1], 0);
	assert_int_equal(h.buckets[4], 8);
	assert_int_equal(h.nr_overflow, 8);
	assert_int_equal(h.nr_cold, 2);
	assert_int_equal(h.nr_refs, 8 + 8 + 8 + 8 + 2);
	msched_mrc_reset(&h);
	assert_int_equal(h.nr_refs, 0);
	assert_int_equal(h.buckets[4], 0);
	assert_int_equal(msched_mrc_miss_ppm(&h, 100), MSCHED_PPM_ONE);

	/* Bad geometry. */
	assert_int_equal(msched_mrc_mem_bytes(0), 0);
	assert_int_equal(msched_mrc_mem_bytes(MSCHED_MRC_MAX_BUCKETS + 1), 0);
	assert_int_equal(msched_mrc_init(&h, mem, 8, 0), -MSCHED_EINVAL);
	assert_int_equal(msched_mrc_init(&h, mem, 0, 1), -MSCHED_EINVAL);
	assert_int_equal(msched_mrc_init(&h, (u8 *)mem + 1, 4, 1),
			 -MSCHED_EINVAL);
}

static void test_curve_and_mae(void **state)
{
	struct msched_mrc a, b, c;
	u64 ma[4], mb[4], mc[5];
	u32 pts[8];

	(void)state;
	assert_int_equal(msched_mrc_init(&a, ma, 4, 10), 0);
	assert_int_equal(msched_mrc_init(&b, mb, 4, 10), 0);
	assert_int_equal(msched_mrc_init(&c, mc, 5, 10), 0);
	/* a: 4 refs at distances 10, 20, 30, 40 -> 0.75 0.5 0.25 0. */
	msched_mrc_add(&a, 10, 1);
	msched_mrc_add(&a, 20, 1);
	msched_mrc_add(&a, 30, 1);
	msched_mrc_add(&a, 40, 1);
	/* b: position 5 at period 2 (distance 10, weight 2), 2 cold refs. */
	msched_mrc_add(&b, 5, 2);
	msched_mrc_add(&b, 0, 2);
	assert_int_equal(msched_mrc_curve(&a, pts, 8), 5);
	assert_int_equal(pts[0], 1000000);
	assert_int_equal(pts[1], 750000);
	assert_int_equal(pts[2], 500000);
	assert_int_equal(pts[3], 250000);
	assert_int_equal(pts[4], 0);
	assert_int_equal(msched_mrc_curve(&b, pts, 2), 2);
	assert_int_equal(pts[1], 500000);
	/* |0.75-0.5| + 0 + |0.25-0.5| + |0-0.5| = 1.0 over 4 points. */
	assert_int_equal(msched_mrc_mae_ppm(&a, &b), 250000);
	assert_int_equal(msched_mrc_mae_ppm(&b, &a), 250000);
	assert_int_equal(msched_mrc_mae_ppm(&a, &a), 0);
	assert_int_equal(msched_mrc_mae_ppm(&a, &c), MSCHED_U32_MAX);
	/* Empty curve is all 1.0. */
	assert_int_equal(msched_mrc_curve(&c, pts, 3), 3);
	assert_int_equal(pts[2], MSCHED_PPM_ONE);
	/* Knee: tolerance 0 -> where a reaches 0; 0.3 -> at 0.25. */
	assert_int_equal(msched_mrc_knee_pages(&a, 0), 40);
	assert_int_equal(msched_mrc_knee_pages(&a, 300000), 30);
	assert_int_equal(msched_mrc_knee_pages(&a, 1000000), 0);
	assert_int_equal(msched_mrc_knee_pages(&b, 0), 10);
}

static void test_total_refs(void **state)
{
	struct msched_mrc h;
	u64 mem[4];
	u32 pts[5];

	(void)state;
	assert_int_equal(msched_mrc_init(&h, mem, 4, 10), 0);
	msched_mrc_add(&h, 1, 16);	/* distance 16 -> bucket 1 */
	msched_mrc_add(&h, 0, 16);	/* cold */
	/* Plain normalisation: 32 weighted refs. */
	assert_int_equal(msched_mrc_miss_ppm(&h, 10), 1000000);
	assert_int_equal(msched_mrc_miss_ppm(&h, 20), 500000);
	/* SHARDS-adj: 40 references really happened. */
	msched_mrc_add_total_refs(&h, 30);
	msched_mrc_add_total_refs(&h, 10);
	assert_int_equal(h.nr_total_refs, 40);
	assert_int_equal(msched_mrc_miss_ppm(&h, 0), MSCHED_PPM_ONE);
	assert_int_equal(msched_mrc_miss_ppm(&h, 9), MSCHED_PPM_ONE);
	assert_int_equal(msched_mrc_miss_ppm(&h, 10), 800000);
	assert_int_equal(msched_mrc_miss_ppm(&h, 20), 400000);
	assert_int_equal(msched_mrc_curve(&h, pts, 5), 5);
	assert_int_equal(pts[0], MSCHED_PPM_ONE);
	assert_int_equal(pts[1], 800000);
	assert_int_equal(pts[4], 400000);
	assert_int_equal(msched_mrc_knee_pages(&h, 0), 20);
	assert_monotonic(&h);
	msched_mrc_decay(&h);
	assert_int_equal(h.nr_total_refs, 20);
	assert_int_equal(msched_mrc_miss_ppm(&h, 20), 400000);
	/* Fewer reported than sampled: ratios clamp at 1. */
	msched_mrc_reset(&h);
	assert_int_equal(h.nr_total_refs, 0);
	msched_mrc_add(&h, 1, 16);
	msched_mrc_add(&h, 0, 16);
	msched_mrc_add_total_refs(&h, 20);
	assert_int_equal(msched_mrc_miss_ppm(&h, 10), MSCHED_PPM_ONE);
	assert_int_equal(msched_mrc_miss_ppm(&h, 20), 800000);
	assert_monotonic(&h);
}

static void test_zipf(void **state)
{
	const u32 nr_pages = 8192, nr_refs = 400000;
	struct mrc_fixture f;
	struct tzipf z;
	struct trng r;
	u32 i, distinct = 0;
	u8 *seen = calloc(nr_pages, 1);
	u64 knee;
	u32 m10, m50, full;

	(void)state;
	assert_non_null(seen);
	mf_init(&f, 128, nr_pages / 64, nr_pages);
	tzipf_init(&z, nr_pages, 0.9);
	trng_seed(&r, 2024);
	for (i = 0; i < nr_refs; i++) {
		/* Scatter ranks over pages so popularity is not page order. */
		u32 page = (u32)(((u64)tzipf_next(&z, &r) * 2654435761ULL) %
				 nr_pages);

		distinct += !seen[page];
		seen[page] = 1;
		mf_ref(&f, page);
	}
	m10 = msched_mrc_miss_ppm(&f.mrc, nr_pages / 10);
	m50 = msched_mrc_miss_ppm(&f.mrc, nr_pages / 2);
	full = msched_mrc_miss_ppm(&f.mrc, nr_pages);
	knee = msched_mrc_knee_pages(&f.mrc, 10000);
	tdiag("mrc zipf pages=%u refs=%u distinct=%u miss@10%%=%u miss@50%%=%u miss@100%%=%u knee=%llu",
	      nr_pages, nr_refs, distinct, m10, m50, full,
	      (unsigned long long)knee);
	assert_monotonic(&f.mrc);
	/* With all pages resident only compulsory misses remain. */
	assert_int_equal(f.mrc.nr_cold, distinct);
	assert_int_equal(full, (u64)distinct * 1000000 / nr_refs);
	/* Skew: much better than uniform (0.9 and 0.5 respectively). */
	assert_true(m10 < 600000);
	assert_true(m50 < 250000);
	assert_true(m10 > m50 && m50 > full);
	/* Smooth curve: the knee lies well inside, not at the edge. */
	assert_true(knee > nr_pages / 10 && knee < nr_pages);
	tzipf_free(&z);
	free(seen);
	mf_free(&f);
}

static void test_phase_change(void **state)
{
	const u32 wa = 3000, wb = 1000, bp = 50;
	struct mrc_fixture plain, decayed;
	u32 p, i;
	u64 knee_a, knee_plain, knee_decayed;

	(void)state;
	mf_init(&plain, 128, bp, wa + wb);
	mf_init(&decayed, 128, bp, wa + wb);
	/* Phase A: loop over pages 0..wa-1. */
	for (p = 0; p < 10; p++)
		for (i = 0; i < wa; i++) {
			mf_ref(&plain, i);
			mf_ref(&decayed, i);
		}
	knee_a = msched_mrc_knee_pages(&plain.mrc, 10000);
	/* Phase B: loop over the disjoint pages wa..wa+wb-1. */
	for (p = 0; p < 20; p++) {
		for (i = 0; i < wb; i++) {
			mf_ref(&plain, wa + i);
			mf_ref(&decayed, wa + i);
		}
		msched_mrc_decay(&decayed.mrc);
	}
	knee_plain = msched_mrc_knee_pages(&plain.mrc, 10000);
	knee_decayed = msched_mrc_knee_pages(&decayed.mrc, 10000);
	tdiag("mrc phase A=%u B=%u knee_after_A=%llu knee_B_plain=%llu knee_B_decayed=%llu miss_decayed@B=%u",
	      wa, wb, (unsigned long long)knee_a,
	      (unsigned long long)knee_plain,
	      (unsigned long long)knee_decayed,
	      msched_mrc_miss_ppm(&decayed.mrc, wb));
	assert_int_equal(knee_a, wa);
	/* Without ageing, phase A still dominates the curve. */
	assert_int_equal(knee_plain, wa);
	assert_true(msched_mrc_miss_ppm(&plain.mrc, wb) > 500000);
	/* With ageing, the curve follows the new working set. */
	assert_int_equal(knee_decayed, wb);
	assert_true(msched_mrc_miss_ppm(&decayed.mrc, wb) < 20000);
	mf_free(&plain);
	mf_free(&decayed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loop),
		cmocka_unit_test(test_add_scaling),
		cmocka_unit_test(test_curve_and_mae),
		cmocka_unit_test(test_total_refs),
		cmocka_unit_test(test_zipf),
		cmocka_unit_test(test_phase_change),
	};

	return cmocka_run_group_tests_name("mrc", tests, NULL, NULL);
}
