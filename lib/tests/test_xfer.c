// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_xfer.c - a balloon transfer's page arithmetic at the edges a
 * hostile guest can reach (sizes up to U64_MAX): nothing wraps.
 */
#include "test_util.h"
#include "msched_xfer.h"

#define MAX	MSCHED_U64_MAX

static void test_can_give(void **state)
{
	(void)state;
	assert_true(msched_xfer_can_give(0, 100, 100));
	assert_true(msched_xfer_can_give(40, 100, 60));
	assert_false(msched_xfer_can_give(40, 100, 61));
	/* target + pages wraps to 39: the naive sum would accept it. */
	assert_false(msched_xfer_can_give(40, 100, MAX));
	assert_true(40 + MAX <= 100);	/* what the naive check computed */
	/* A target above the guest's size (it shrank its announcement). */
	assert_false(msched_xfer_can_give(200, 100, 1));
	assert_true(msched_xfer_can_give(MAX - 1, MAX, 1));
	assert_false(msched_xfer_can_give(MAX, MAX, 1));
}

static void test_wait_for(void **state)
{
	(void)state;
	assert_int_equal(msched_xfer_wait_for(10, 5), 15);
	assert_int_equal(msched_xfer_wait_for(MAX - 5, 5), MAX);
	/* A guest that announced a huge balloon: saturate, never wrap. */
	assert_int_equal(msched_xfer_wait_for(MAX - 5, 6), MAX);
	assert_int_equal(msched_xfer_wait_for(MAX, MAX), MAX);
}

static void test_given(void **state)
{
	(void)state;
	assert_int_equal(msched_xfer_given(150, 100, 100), 50);
	assert_int_equal(msched_xfer_given(300, 100, 100), 100);
	/* The balloon shrank meanwhile (the guest deflated under pressure). */
	assert_int_equal(msched_xfer_given(90, 100, 100), 0);
	assert_int_equal(msched_xfer_given(100, 100, 100), 0);
	assert_int_equal(msched_xfer_given(MAX, 0, 7), 7);
}

static void test_undo_and_take(void **state)
{
	(void)state;
	assert_int_equal(msched_xfer_undo_target(1000, 100, 60), 960);
	assert_int_equal(msched_xfer_undo_target(1000, 100, 100), 1000);
	/* The target was lowered meanwhile below what is taken back. */
	assert_int_equal(msched_xfer_undo_target(30, 100, 60), 0);
	assert_int_equal(msched_xfer_undo_target(0, MAX, 0), 0);
	/* given above pages (never, but harmless): nothing is taken back. */
	assert_int_equal(msched_xfer_undo_target(5, 1, 2), 5);
	assert_int_equal(msched_xfer_take(500, 200), 300);
	assert_int_equal(msched_xfer_take(100, 200), 0);
	assert_int_equal(msched_xfer_take(MAX, MAX), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_can_give),
		cmocka_unit_test(test_wait_for),
		cmocka_unit_test(test_given),
		cmocka_unit_test(test_undo_and_take),
	};

	return cmocka_run_group_tests_name("xfer", tests, NULL, NULL);
}
