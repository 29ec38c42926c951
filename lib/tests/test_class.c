// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_class.c - page-age histogram, usage classes and working-set size.
 */
#include "test_util.h"
#include "msched_class.h"

static u64 sum_u64(const u64 *v, u32 n)
{
	u64 s = 0;
	u32 i;

	for (i = 0; i < n; i++)
		s += v[i];
	return s;
}

/* Every scaled part must be floor or ceil of its exact share. */
static void assert_apportioned(const u64 *cnt, const u64 *pages, u32 n,
			       u64 total, u64 sampled)
{
	u32 i;

	for (i = 0; i < n; i++) {
		unsigned __int128 p = (unsigned __int128)cnt[i] * total;
		u64 lo = (u64)(p / sampled);
		u64 hi = lo + (p % sampled != 0);

		assert_true(pages[i] == lo || pages[i] == hi);
	}
}

static void test_random_exact_sums(void **state)
{
	struct msched_class c;
	struct msched_class_params p;
	struct trng r;
	u32 it, i, nr;
	u64 last, class_cnt[MSCHED_NR_CLASSES], want_wss;
	unsigned __int128 x;

	(void)state;
	trng_seed(&r, 31337);
	for (it = 0; it < 3000; it++) {
		p.now_scan = 1 + trng_below(&r, 1ULL << (1 + trng_below(&r, 40)));
		switch (trng_below(&r, 4)) {
		case 0:		/* small guests, possibly fewer pages than samples */
			p.total_pages = trng_below(&r, 100);
			break;
		case 1:
			p.total_pages = trng_below(&r, 1ULL << 24);
			break;
		case 2:		/* huge: exercises the 128-bit product */
			p.total_pages = trng_next(&r) >> trng_below(&r, 8);
			break;
		default:
			p.total_pages = 1 + trng_below(&r, 1ULL << 36);
			break;
		}
		p.active_scans = trng_below(&r, 20);
		p.idle_scans = p.active_scans + trng_below(&r, 200);
		p.wss_scans = trng_below(&r, 300);
		p.unit = 0;
		assert_int_equal(msched_class_init(&c, &p), 0);
		nr = (u32)trng_below(&r, 3000);
		memset(class_cnt, 0, sizeof(class_cnt));
		for (i = 0; i < nr; i++) {
			u64 k = trng_below(&r, 10);

			if (k == 0)
				last = MSCHED_SCAN_NEVER;
			else if (k < 4 && p.now_scan > 1)	/* far past */
				last = 1 + trng_below(&r, p.now_scan);
			else			/* recent, sometimes in the future */
				last = p.now_scan + 3 - trng_below(&r, 400);
			if (last > p.now_scan + 3 || last == 0)
				last = MSCHED_SCAN_NEVER;
			class_cnt[msched_class_add(&c, last)]++;
		}
		msched_class_finalize(&c);
		assert_int_equal(c.nr_sampled, nr);
		assert_memory_equal(class_cnt, c.nr_class, sizeof(class_cnt));
		assert_true(sum_u64(c.class_pages, MSCHED_NR_CLASSES) ==
			    p.total_pages);
		assert_true(sum_u64(c.age_pages, MSCHED_CLASS_NR_AGE_BUCKETS) ==
			    p.total_pages);
		if (!nr)
			continue;
		assert_apportioned(c.nr_class, c.class_pages, MSCHED_NR_CLASSES,
				   p.total_pages, nr);
		assert_apportioned(c.nr_age, c.age_pages,
				   MSCHED_CLASS_NR_AGE_BUCKETS, p.total_pages,
				   nr);
		/* Never bucket == NEVER_TOUCHED class, before scaling. */
		assert_true(c.nr_age[MSCHED_CLASS_AGE_NEVER] ==
			    c.nr_class[MSCHED_CLASS_NEVER_TOUCHED]);
		x = (unsigned __int128)c.nr_wss * p.total_pages * 2 + nr;
		want_wss = (u64)(x / (2 * (unsigned __int128)nr));
		assert_true(c.wss_pages == want_wss);
	}
}

static void test_classes_and_ages(void **state)
{
	struct msched_class c;
	struct msched_class_params p = {
		.now_scan = 1000, .total_pages = 1200,
		.active_scans = 2, .idle_scans = 8, .wss_scans = 4,
	};
	/* ages: 0 1 2 3 4 7 8 100 999 + 2 never + 1 "future" (age 0) */
	static const u64 last[] = { 1000, 999, 998, 997, 996, 993, 992, 900, 1,
				    MSCHED_SCAN_NEVER, MSCHED_SCAN_NEVER,
				    1005 };
	static const enum msched_class_id want[] = {
		MSCHED_CLASS_ACTIVE, MSCHED_CLASS_ACTIVE,
		MSCHED_CLASS_RECENTLY_IDLE, MSCHED_CLASS_RECENTLY_IDLE,
		MSCHED_CLASS_RECENTLY_IDLE, MSCHED_CLASS_RECENTLY_IDLE,
		MSCHED_CLASS_IDLE, MSCHED_CLASS_IDLE, MSCHED_CLASS_IDLE,
		MSCHED_CLASS_NEVER_TOUCHED, MSCHED_CLASS_NEVER_TOUCHED,
		MSCHED_CLASS_ACTIVE,
	};
	u32 i;

	(void)state;
	assert_int_equal(msched_class_init(&c, &p), 0);
	for (i = 0; i < 12; i++)
		assert_int_equal(msched_class_add(&c, last[i]), want[i]);
	msched_class_finalize(&c);
	/* 12 samples stand for 1200 pages: 100 pages each, exactly. */
	assert_int_equal(c.class_pages[MSCHED_CLASS_ACTIVE], 300);
	assert_int_equal(c.class_pages[MSCHED_CLASS_RECENTLY_IDLE], 400);
	assert_int_equal(c.class_pages[MSCHED_CLASS_IDLE], 300);
	assert_int_equal(c.class_pages[MSCHED_CLASS_NEVER_TOUCHED], 200);
	/* log2 age buckets: 0 | 1 | 2-3 | 4-7 | 8-15 | ... | 64-127 | 512-1023 */
	assert_int_equal(c.age_pages[0], 200);		/* ages 0, 0 */
	assert_int_equal(c.age_pages[1], 100);		/* age 1 */
	assert_int_equal(c.age_pages[2], 200);		/* ages 2, 3 */
	assert_int_equal(c.age_pages[3], 200);		/* ages 4, 7 */
	assert_int_equal(c.age_pages[4], 100);		/* age 8 */
	assert_int_equal(c.age_pages[7], 100);		/* age 100 */
	assert_int_equal(c.age_pages[10], 100);		/* age 999 */
	assert_int_equal(c.age_pages[MSCHED_CLASS_AGE_NEVER], 200);
	assert_int_equal(sum_u64(c.age_pages, MSCHED_CLASS_NR_AGE_BUCKETS),
			 1200);
	/* WSS: age < 4 -> ages 0 1 2 3 and the future one = 5 samples. */
	assert_int_equal(c.nr_wss, 5);
	assert_int_equal(c.wss_pages, 500);
}

static void test_bucket_helpers(void **state)
{
	u32 b;

	(void)state;
	assert_int_equal(msched_class_age_bucket(0), 0);
	assert_int_equal(msched_class_age_bucket(1), 1);
	assert_int_equal(msched_class_age_bucket(2), 2);
	assert_int_equal(msched_class_age_bucket(3), 2);
	assert_int_equal(msched_class_age_bucket(4), 3);
	assert_int_equal(msched_class_age_bucket(1023), 10);
	assert_int_equal(msched_class_age_bucket(1024), 11);
	assert_int_equal(msched_class_age_bucket(1ULL << 30),
			 MSCHED_CLASS_NR_LOG2 - 1);
	assert_int_equal(msched_class_age_bucket(MSCHED_U64_MAX),
			 MSCHED_CLASS_NR_LOG2 - 1);
	for (b = 0; b < MSCHED_CLASS_NR_LOG2; b++) {
		u64 lo = msched_class_bucket_min_scans(b);

		assert_int_equal(msched_class_age_bucket(lo), b);
		if (b && b < MSCHED_CLASS_NR_LOG2 - 1)
			assert_int_equal(msched_class_age_bucket(2 * lo - 1), b);
	}
	assert_true(msched_class_bucket_min_scans(MSCHED_CLASS_AGE_NEVER) ==
		    MSCHED_U64_MAX);
}

static void test_largest_remainder(void **state)
{
	u64 cnt[4], out[4], scratch[4];
	struct msched_class c;
	struct msched_class_params p = {
		.now_scan = 10, .total_pages = 1000,
		.active_scans = 1, .idle_scans = 5, .wss_scans = 3,
	};

	(void)state;
	/* 10 pages over 3 equal parts: 4 3 3, tie goes to the lowest index. */
	cnt[0] = cnt[1] = cnt[2] = 1;
	msched_class_scale(cnt, out, scratch, 3, 10, 3);
	assert_int_equal(out[0], 4);
	assert_int_equal(out[1], 3);
	assert_int_equal(out[2], 3);
	/* 100 pages, shares 1/7 2/7 4/7 = 14.29 28.57 57.14 -> 14 29 57. */
	cnt[0] = 1;
	cnt[1] = 2;
	cnt[2] = 4;
	msched_class_scale(cnt, out, scratch, 3, 100, 7);
	assert_int_equal(out[0], 14);
	assert_int_equal(out[1], 29);
	assert_int_equal(out[2], 57);
	/* Fewer pages than samples. */
	cnt[0] = 5;
	cnt[1] = 3;
	cnt[2] = 2;
	cnt[3] = 0;
	msched_class_scale(cnt, out, scratch, 4, 3, 10);
	/* shares 1.5 0.9 0.6 0: floors 1 0 0, 2 left go to .9 and .6 */
	assert_int_equal(out[0], 1);
	assert_int_equal(out[1], 1);
	assert_int_equal(out[2], 1);
	assert_int_equal(out[3], 0);
	/* Huge totals: c * total overflows 64 bits. */
	cnt[0] = 1;
	cnt[1] = 1;
	cnt[2] = 1;
	msched_class_scale(cnt, out, scratch, 3, MSCHED_U64_MAX, 3);
	assert_true(out[0] == MSCHED_U64_MAX / 3);
	assert_true(out[0] + out[1] + out[2] == MSCHED_U64_MAX);

	/* WSS rounding: 1/3 and 2/3 of 1000. */
	assert_int_equal(msched_class_init(&c, &p), 0);
	msched_class_add(&c, 10);
	msched_class_add(&c, 1);
	msched_class_add(&c, 2);
	msched_class_finalize(&c);
	assert_int_equal(c.wss_pages, 333);
	msched_class_add(&c, 9);	/* may keep feeding and re-finalise */
	msched_class_finalize(&c);
	assert_int_equal(c.wss_pages, 500);
	msched_class_add(&c, 8);
	msched_class_finalize(&c);
	assert_int_equal(c.wss_pages, 600);
	msched_class_add(&c, MSCHED_SCAN_NEVER);
	msched_class_finalize(&c);
	assert_int_equal(c.wss_pages, 500);
	assert_int_equal(sum_u64(c.class_pages, MSCHED_NR_CLASSES), 1000);
}

/*
 * The sampling granularity: parts are whole units but one (which takes
 * total % unit), sums are exact, the working set is the nearest multiple
 * of the unit, and unit 1 (or 0) is today's result.
 */
static void test_unit_rounding(void **state)
{
	struct msched_class c, c1;
	struct msched_class_params p = {
		.now_scan = 100, .active_scans = 2, .idle_scans = 30,
		.wss_scans = 5,
	};
	u64 cnt[3], out[3], scratch[3], units[] = { 2, 7, 512 };
	struct trng r;
	u32 it, i, nr, odd;

	(void)state;
	/* 10 units of 512 plus 100 pages over 3 equal parts: 4 3 3 units,
	 * the 100 to the largest (index 0). */
	cnt[0] = cnt[1] = cnt[2] = 1;
	msched_class_scale_unit(cnt, out, scratch, 3, 10 * 512 + 100, 3, 512);
	assert_int_equal(out[0], 4 * 512 + 100);
	assert_int_equal(out[1], 3 * 512);
	assert_int_equal(out[2], 3 * 512);
	/* Fewer pages than one unit: all of it to the first largest part. */
	msched_class_scale_unit(cnt, out, scratch, 3, 300, 3, 512);
	assert_int_equal(out[0], 300);
	assert_int_equal(out[1] + out[2], 0);

	/* WSS: 1 of 3 samples of 65636 pages = 21878.67 -> 43 units (22016);
	 * 1 of 256 of 131072 = 512 exactly; 1 of 512 = 256: half rounds up. */
	p.total_pages = 65636;
	p.unit = 512;
	assert_int_equal(msched_class_init(&c, &p), 0);
	msched_class_add(&c, 100);
	msched_class_add(&c, 1);
	msched_class_add(&c, MSCHED_SCAN_NEVER);
	msched_class_finalize(&c);
	assert_int_equal(c.wss_pages, 43 * 512);
	/* 128 units and 100 pages: 43 43 42 units, the 100 to the first. */
	assert_int_equal(c.class_pages[MSCHED_CLASS_ACTIVE], 43 * 512 + 100);
	assert_int_equal(c.class_pages[MSCHED_CLASS_IDLE], 43 * 512);
	assert_int_equal(c.class_pages[MSCHED_CLASS_NEVER_TOUCHED], 42 * 512);
	assert_int_equal(sum_u64(c.class_pages, MSCHED_NR_CLASSES), 65636);
	p.total_pages = 131072;
	assert_int_equal(msched_class_init(&c, &p), 0);
	for (i = 0; i < 256; i++)
		msched_class_add(&c, i ? MSCHED_SCAN_NEVER : 100);
	msched_class_finalize(&c);
	assert_int_equal(c.wss_pages, 512);
	for (i = 0; i < 256; i++)
		msched_class_add(&c, MSCHED_SCAN_NEVER);
	msched_class_finalize(&c);
	assert_int_equal(c.wss_pages, 512);	/* 256 exactly: half up */
	/* All pages in the working set: never above the guest. */
	p.total_pages = 1000;
	assert_int_equal(msched_class_init(&c, &p), 0);
	msched_class_add(&c, 100);
	msched_class_finalize(&c);
	assert_int_equal(c.wss_pages, 512);

	trng_seed(&r, 4242);
	for (it = 0; it < 2000; it++) {
		p.total_pages = trng_below(&r, 1ULL << (1 + trng_below(&r, 30)));
		p.unit = units[trng_below(&r, 3)];
		assert_int_equal(msched_class_init(&c, &p), 0);
		p.unit = trng_below(&r, 2);	/* 0 and 1 are the same */
		assert_int_equal(msched_class_init(&c1, &p), 0);
		p.unit = c.p.unit;
		nr = (u32)trng_below(&r, 2000);
		for (i = 0; i < nr; i++) {
			u64 last = trng_below(&r, 4) ? 1 + trng_below(&r, 100) :
				   MSCHED_SCAN_NEVER;

			msched_class_add(&c, last);
			msched_class_add(&c1, last);
		}
		msched_class_finalize(&c);
		msched_class_finalize(&c1);
		assert_true(sum_u64(c.class_pages, MSCHED_NR_CLASSES) ==
			    p.total_pages);
		assert_true(sum_u64(c.age_pages, MSCHED_CLASS_NR_AGE_BUCKETS) ==
			    p.total_pages);
		odd = 0;
		for (i = 0; i < MSCHED_NR_CLASSES; i++)
			if (c.class_pages[i] % p.unit) {
				odd++;
				assert_true(c.class_pages[i] % p.unit ==
					    p.total_pages % p.unit);
			}
		assert_true(odd <= 1);
		odd = 0;
		for (i = 0; i < MSCHED_CLASS_NR_AGE_BUCKETS; i++)
			odd += !!(c.age_pages[i] % p.unit);
		assert_true(odd <= 1);
		assert_true(c.wss_pages % p.unit == 0);
		assert_true(c.wss_pages <= p.total_pages);
		/* Within half a unit of the unit-1 estimate (+1 for its own
		 * rounding), unless capped at the guest's last whole unit. */
		if (c.wss_pages + p.unit <= p.total_pages)
			assert_true(c.wss_pages + p.unit / 2 + 1 >= c1.wss_pages &&
				    c1.wss_pages + p.unit / 2 + 1 >= c.wss_pages);
		/* Unit 1 is msched_class_scale() exactly. */
		msched_class_scale(c1.nr_class, out, scratch, 3, p.total_pages,
				   c1.nr_sampled);
		msched_class_scale_unit(c1.nr_class, cnt, scratch, 3,
					p.total_pages, c1.nr_sampled, 1);
		assert_memory_equal(out, cnt, sizeof(out));
	}
}

static void test_empty_and_args(void **state)
{
	struct msched_class c;
	struct msched_class_params p = {
		.now_scan = 5, .total_pages = 777,
		.active_scans = 3, .idle_scans = 2, .wss_scans = 3,
	};

	(void)state;
	assert_int_equal(msched_class_init(&c, &p), -MSCHED_EINVAL);
	assert_int_equal(msched_class_init(NULL, &p), -MSCHED_EINVAL);
	p.idle_scans = 3;
	assert_int_equal(msched_class_init(&c, &p), 0);
	msched_class_finalize(&c);
	assert_int_equal(c.class_pages[MSCHED_CLASS_NEVER_TOUCHED], 777);
	assert_int_equal(c.age_pages[MSCHED_CLASS_AGE_NEVER], 777);
	assert_int_equal(c.wss_pages, 0);
	assert_int_equal(sum_u64(c.class_pages, MSCHED_NR_CLASSES), 777);
	/* active == idle: no RECENTLY_IDLE band. */
	assert_int_equal(msched_class_add(&c, 3), MSCHED_CLASS_ACTIVE);
	assert_int_equal(msched_class_add(&c, 2), MSCHED_CLASS_IDLE);
	/* Zero guest pages: all zero. */
	p.total_pages = 0;
	assert_int_equal(msched_class_init(&c, &p), 0);
	msched_class_add(&c, 5);
	msched_class_finalize(&c);
	assert_int_equal(sum_u64(c.class_pages, MSCHED_NR_CLASSES), 0);
	assert_int_equal(c.wss_pages, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_exact_sums),
		cmocka_unit_test(test_classes_and_ages),
		cmocka_unit_test(test_bucket_helpers),
		cmocka_unit_test(test_largest_remainder),
		cmocka_unit_test(test_unit_rounding),
		cmocka_unit_test(test_empty_and_args),
	};

	return cmocka_run_group_tests_name("class", tests, NULL, NULL);
}
