// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_hash.c - msched_hash64() mixing and SHARDS sampling rate.
 */
#include "test_util.h"
#include "msched_hash.h"

#define NR_KEYS	1000000ULL

static u64 count_sampled(u64 seed, u32 period, u64 base, u64 stride)
{
	u64 i, n = 0;

	for (i = 0; i < NR_KEYS; i++)
		n += msched_hash_sampled(base + i * stride, seed, period);
	return n;
}

/*
 * Check the sampled fraction.  @max_rel is the allowed relative error; a
 * negative value means "4 binomial standard deviations" (used for the extra
 * seeds/layouts, where a fixed 5% is below 2 sigma at period 1024).
 */
static void check_rate(u64 seed, u32 period, u64 base, u64 stride,
		       double max_rel)
{
	u64 n = count_sampled(seed, period, base, stride);
	double expect = (double)NR_KEYS / period;
	double rel = fabs((double)n - expect) / expect;

	if (max_rel < 0)
		max_rel = 4 * sqrt(expect * (1 - 1.0 / period)) / expect;
	tdiag("hash seed=%llu period=%u stride=%llu sampled=%llu expect=%.1f rel=%.4f max=%.4f",
	      (unsigned long long)seed, period, (unsigned long long)stride,
	      (unsigned long long)n, expect, rel, max_rel);
	assert_true(rel <= max_rel);
}

static void test_sampling_rate(void **state)
{
	static const u32 periods[] = { 1, 16, 64, 1024 };
	unsigned int i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(periods); i++) {
		/* Acceptance: dense gfns 0..1M-1, default seed, within 5%. */
		check_rate(0, periods[i], 0, 1, 0.05);
		/* Other seeds and a sparse strided layout: within 4 sigma. */
		check_rate(1, periods[i], 0, 1, -1);
		check_rate(0x5eed, periods[i], 1ULL << 20, 512, -1);
	}
	/* Period 1 selects everything, exactly. */
	assert_int_equal(count_sampled(7, 1, 0, 1), NR_KEYS);
}

static void test_seeds_differ(void **state)
{
	u64 i, n1 = 0, n2 = 0, both = 0;
	double expect_both;

	(void)state;
	for (i = 0; i < NR_KEYS; i++) {
		bool a = msched_hash_sampled(i, 1, 16);
		bool b = msched_hash_sampled(i, 2, 16);

		n1 += a;
		n2 += b;
		both += a && b;
	}
	/* Independent sets: overlap ~ n1 * n2 / NR_KEYS, far below n1. */
	expect_both = (double)n1 * (double)n2 / NR_KEYS;
	tdiag("hash seeds 1,2 period=16 n1=%llu n2=%llu both=%llu expect=%.1f",
	      (unsigned long long)n1, (unsigned long long)n2,
	      (unsigned long long)both, expect_both);
	assert_true(both < n1 / 4);
	assert_true(fabs((double)both - expect_both) / expect_both <= 0.10);
}

static void test_threshold(void **state)
{
	u64 i, thr = msched_hash_threshold(64);

	(void)state;
	assert_true(msched_hash_threshold(0) == MSCHED_U64_MAX);
	assert_true(msched_hash_threshold(1) == MSCHED_U64_MAX);
	assert_true(msched_hash_threshold(1024) == MSCHED_U64_MAX / 1024);
	/* Periods beyond the maximum are clamped. */
	assert_true(msched_hash_threshold(4096) ==
		    msched_hash_threshold(MSCHED_HASH_MAX_PERIOD));
	for (i = 0; i < 100000; i++) {
		assert_int_equal(msched_hash_sampled(i, 3, 64),
				 msched_hash_sampled_thr(i, 3, thr));
		assert_true(msched_hash_sampled(i, 3, 0));
	}
}

static void test_mixing(void **state)
{
	u64 ones[64] = { 0 };
	u64 i, flips = 0, h;
	int b;

	(void)state;
	/* Deterministic and seed-dependent. */
	assert_true(msched_hash64(12345, 1) == msched_hash64(12345, 1));
	assert_true(msched_hash64(12345, 1) != msched_hash64(12345, 2));
	assert_true(msched_hash64(0, 0) != 0);
	for (i = 0; i < 100000; i++) {
		h = msched_hash64(i, 42);
		for (b = 0; b < 64; b++)
			ones[b] += (h >> b) & 1;
		/* Avalanche: flipping one input bit flips ~32 output bits. */
		flips += __builtin_popcountll(h ^ msched_hash64(i ^ 1, 42));
	}
	for (b = 0; b < 64; b++)
		assert_true(ones[b] > 49000 && ones[b] < 51000);
	assert_true(flips > 100000ULL * 31 && flips < 100000ULL * 33);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sampling_rate),
		cmocka_unit_test(test_seeds_differ),
		cmocka_unit_test(test_threshold),
		cmocka_unit_test(test_mixing),
	};

	return cmocka_run_group_tests_name("hash", tests, NULL, NULL);
}
