// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_compat.c - fixed-point helpers of msched_compat.h.
 */
#include "test_util.h"

static void check_mul_div(u64 a, u64 b, u64 c)
{
	unsigned __int128 p = (unsigned __int128)a * b;
	unsigned __int128 q = p / c;
	u64 rem = 12345, got = msched_mul_div_u64(a, b, c, &rem);

	if (q >> 64) {
		assert_true(got == MSCHED_U64_MAX);
		assert_true(rem == 0);
	} else {
		assert_true(got == (u64)q);
		assert_true(rem == (u64)(p % c));
	}
}

static void test_mul_div(void **state)
{
	struct trng r;
	int i;

	(void)state;
	trng_seed(&r, 1);
	check_mul_div(0, 0, 1);
	check_mul_div(MSCHED_U64_MAX, MSCHED_U64_MAX, MSCHED_U64_MAX);
	check_mul_div(MSCHED_U64_MAX, MSCHED_U64_MAX, 1);
	check_mul_div(MSCHED_U64_MAX, 2, 3);
	check_mul_div(1ULL << 63, 4, 1ULL << 62);
	check_mul_div(1ULL << 63, 4, (1ULL << 62) + 1);
	for (i = 0; i < 1000000; i++) {
		u64 a = trng_next(&r) >> trng_below(&r, 64);
		u64 b = trng_next(&r) >> trng_below(&r, 64);
		u64 c = (trng_next(&r) >> trng_below(&r, 64)) | 1;

		check_mul_div(a, b, c);
	}
	/* Divisors with the top bit set: the 129-bit intermediate path. */
	check_mul_div(0xC000000000000000ULL, 3, 0xF000000000000000ULL);
	for (i = 0; i < 200000; i++) {
		u64 a = trng_next(&r), b = trng_next(&r);
		u64 c = trng_next(&r) | (1ULL << 63);

		check_mul_div(a, b >> trng_below(&r, 2), c);
	}
	/* NULL remainder pointer is allowed. */
	assert_true(msched_mul_div_u64(10, 10, 3, NULL) == 33);
}

static void test_ratio_ppm(void **state)
{
	(void)state;
	assert_int_equal(msched_ratio_ppm(0, 0), MSCHED_PPM_ONE);
	assert_int_equal(msched_ratio_ppm(5, 0), MSCHED_PPM_ONE);
	assert_int_equal(msched_ratio_ppm(0, 7), 0);
	assert_int_equal(msched_ratio_ppm(1, 3), 333333);
	assert_int_equal(msched_ratio_ppm(2, 3), 666666);
	assert_int_equal(msched_ratio_ppm(7, 7), MSCHED_PPM_ONE);
	assert_int_equal(msched_ratio_ppm(9, 7), MSCHED_PPM_ONE);
	assert_int_equal(msched_ratio_ppm(MSCHED_U64_MAX / 2, MSCHED_U64_MAX),
			 499999);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mul_div),
		cmocka_unit_test(test_ratio_ppm),
	};

	return cmocka_run_group_tests_name("compat", tests, NULL, NULL);
}
