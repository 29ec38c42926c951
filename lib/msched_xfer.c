// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * msched_xfer.c - the page arithmetic of a balloon transfer (see
 * msched_xfer.h).
 */
#include "msched_xfer.h"

/**
 * msched_xfer_can_give() - may the giver's balloon target grow by @pages?
 * @target: the giver's balloon target now, in pages
 * @guest_pages: the pages the giver's guest announced
 * @pages: the pages to give
 *
 * Written so that neither side can wrap around: a target already above
 * the guest's size (a guest that shrank its announcement) gives nothing.
 *
 * Context: any.
 * Return: true if @target + @pages <= @guest_pages.
 */
bool msched_xfer_can_give(u64 target, u64 guest_pages, u64 pages)
{
	return target <= guest_pages && pages <= guest_pages - target;
}

/**
 * msched_xfer_wait_for() - the balloon size to wait for.
 * @before: the giver's balloon size before the transfer, in pages
 * @pages: the pages to give
 *
 * Context: any.
 * Return: @before + @pages, saturated at U64_MAX (a guest may announce a
 * balloon of any size).
 */
u64 msched_xfer_wait_for(u64 before, u64 pages)
{
	return pages > MSCHED_U64_MAX - before ? MSCHED_U64_MAX : before + pages;
}

/**
 * msched_xfer_given() - what the giver really gave.
 * @actual: the giver's balloon size after the wait, in pages
 * @before: its size before the transfer
 * @pages: the pages asked for
 *
 * Context: any.
 * Return: how far the balloon grew, at most @pages; 0 if it shrank.
 */
u64 msched_xfer_given(u64 actual, u64 before, u64 pages)
{
	u64 grew;

	if (actual <= before)
		return 0;
	grew = actual - before;
	return grew < pages ? grew : pages;
}

/**
 * msched_xfer_undo_target() - the giver's target once the part not given
 * is taken back.
 * @target: the giver's target now (it may have been lowered meanwhile)
 * @pages: the pages asked for
 * @given: the pages given, at most @pages
 *
 * Context: any.
 * Return: @target - (@pages - @given), never below 0.
 */
u64 msched_xfer_undo_target(u64 target, u64 pages, u64 given)
{
	u64 missing = given < pages ? pages - given : 0;

	return target > missing ? target - missing : 0;
}

/**
 * msched_xfer_take() - the taker's target once it gets what was given.
 * @taker_target: the taker's balloon target now, in pages
 * @given: the pages given
 *
 * Context: any.
 * Return: @taker_target - @given, never below 0 (the taker's target may
 * have been lowered while the giver inflated).
 */
u64 msched_xfer_take(u64 taker_target, u64 given)
{
	return taker_target > given ? taker_target - given : 0;
}
