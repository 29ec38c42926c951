// SPDX-License-Identifier: GPL-2.0
/*
 * memsched: the transfer policy: moving memory from one VM to another
 * through their balloons (the root file balloon/transfer).
 *
 * The giver's balloon grows first; only the pages its guest actually
 * handed over are then taken off the receiver's balloon, so host memory in
 * use never grows on the way.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/sched/signal.h>
#include <linux/timekeeping.h>

#include "msched_xfer.h"
#include "balloon.h"
#include "trace.h"

/* How long a transfer waits for the giving guest to inflate. */
#define MSCHED_TRANSFER_TIMEOUT_MS	30000U

/* Wait until @b's guest holds at least @want pages, or give up. */
static void balloon_wait_actual(struct msched_balloon *b, u64 want)
{
	unsigned long end = jiffies + msecs_to_jiffies(MSCHED_TRANSFER_TIMEOUT_MS);

	while (time_before(jiffies, end) && !fatal_signal_pending(current)) {
		bool done;

		mutex_lock(&b->lock);
		done = b->actual_pages >= want || !b->chan;
		mutex_unlock(&b->lock);
		if (done)
			break;
		msleep(20);
	}
}

/**
 * msched_balloon_transfer() - move memory from one VM to another.
 * @from: pid of the VM that gives memory (its balloon inflates)
 * @to: pid of the VM that receives it (its balloon deflates)
 * @pages: how many pages
 *
 * Inflates @from's balloon by @pages, waits (up to 30 s) for its guest to
 * hand them over, then deflates @to's balloon by as many pages as @from
 * actually gave, so host memory in use never grows on the way.
 *
 * Context: process context (a sysfs write); sleeps; takes each VM's balloon
 * lock in turn, never both.
 * Return: 0; -ENOENT for a pid that is not attached; -EINVAL for the same
 * VM twice, 0 pages, or a target outside a guest's size or balloon;
 * -ENOTCONN when either guest has no channel; -EAGAIN when @from gave
 * nothing in time (its target is put back).
 */
int msched_balloon_transfer(pid_t from, pid_t to, u64 pages)
{
	struct msched_balloon *a, *b;
	u64 a_before, a_target, got;
	u64 t0 = ktime_get_ns();
	int ret = 0;

	a = msched_balloon_get_by_pid(from);
	b = msched_balloon_get_by_pid(to);
	if (!a || !b) {
		pr_info("balloon/transfer: pid %d is not attached\n", a ? to : from);
		ret = -ENOENT;
		goto out_put;
	}
	if (a == b || !pages) {
		pr_info("balloon/transfer: accepted: FROM_PID TO_PID PAGES, two different VMs, PAGES > 0\n");
		ret = -EINVAL;
		goto out_put;
	}

	mutex_lock(&b->lock);
	if (!b->chan) {
		ret = -ENOTCONN;
	} else if (b->target_pages < pages) {
		pr_info("balloon/transfer: pid %d has only %llu pages of balloon target to give back\n",
			to, b->target_pages);
		ret = -EINVAL;
	}
	mutex_unlock(&b->lock);
	if (ret)
		goto out_log;

	mutex_lock(&a->lock);
	a_before = a->actual_pages;
	a_target = a->target_pages;
	if (!a->chan) {
		ret = -ENOTCONN;
	} else if (!msched_xfer_can_give(a_target, a->guest_pages, pages)) {
		pr_info("balloon/transfer: pid %d: target %llu + %llu above its %llu guest pages\n",
			from, a_target, pages, a->guest_pages);
		ret = -EINVAL;
	} else {
		ret = __msched_balloon_set_target(a, a_target + pages);
	}
	mutex_unlock(&a->lock);
	if (ret)
		goto out_log;

	balloon_wait_actual(a, msched_xfer_wait_for(a_before, pages));

	mutex_lock(&a->lock);
	got = msched_xfer_given(a->actual_pages, a_before, pages);
	/* Do not leave the giver chasing pages that were not moved. */
	if (got < pages && a->chan)
		__msched_balloon_set_target(a, msched_xfer_undo_target(a->target_pages,
								       pages, got));
	mutex_unlock(&a->lock);
	if (!got) {
		ret = -EAGAIN;
		goto out_log;
	}

	mutex_lock(&b->lock);
	got = min(got, b->target_pages);
	__msched_balloon_set_target(b, msched_xfer_take(b->target_pages, got));
	mutex_unlock(&b->lock);

	trace_msched_balloon_transfer(from, to, pages, got);
	pr_info("balloon/transfer: pid %d gave %llu of %llu pages to pid %d in %llu ms\n",
		from, got, pages, to, div_u64(ktime_get_ns() - t0, NSEC_PER_MSEC));
out_log:
	if (ret == -ENOTCONN)
		pr_info("balloon/transfer: both VMs need a connected balloon driver\n");
	else if (ret == -EAGAIN)
		pr_info("balloon/transfer: pid %d gave no pages within %u ms\n",
			from, MSCHED_TRANSFER_TIMEOUT_MS);
out_put:
	if (a)
		msched_balloon_put(a);
	if (b)
		msched_balloon_put(b);
	return ret;
}
