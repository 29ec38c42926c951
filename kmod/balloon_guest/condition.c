// SPDX-License-Identifier: GPL-2.0
/*
 * balloon_guest: /dev/balloon_condition, how much memory the guest really
 * has, for its applications.
 *
 * read() at offset 0 takes a snapshot, one "key value" line each:
 *
 *   total_kb N       RAM the guest manages, the balloon already taken out
 *   available_kb N   si_mem_available(), like MemAvailable
 *   balloon_kb N     memory in the balloon
 *   target_kb N      balloon size the host asked for
 *   connected 0|1    whether the host is connected
 *   generation N     bumped on every change below
 *
 * Reads past offset 0 continue that snapshot, then return EOF, so cat
 * works; re-read with pread() at 0 or lseek(0). poll() reports EPOLLIN |
 * EPOLLRDNORM when the generation moved since this open file last read at
 * offset 0 (or it never did). The generation moves when the balloon size
 * or target changes (once per batch), on connect and disconnect, and when
 * available memory moved by more than total/64 since the last move
 * (checked on the stats tick).
 *
 * The device is a subscriber: the channel, the balloon and the stats tick
 * announce changes on bguest.events (enum bguest_event), and this file
 * never needs to be called by them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "balloon_guest.h"

#define BGUEST_COND_BUF	256

/**
 * struct bguest_cond_file - one open file of the device.
 * @bg: the driver
 * @lock: guards @buf and @len (concurrent reads of one file)
 * @seen_gen: generation of the last snapshot read; 0 before the first
 * @len: bytes of @buf in use
 * @buf: the last snapshot
 */
struct bguest_cond_file {
	struct bguest *bg;
	struct mutex lock;
	u64 seen_gen;
	size_t len;
	char buf[BGUEST_COND_BUF];
};

/* The memory condition changed: wake the pollers. */
static void bguest_cond_bump(struct bguest_cond *cond)
{
	atomic_long_set(&cond->avail, si_mem_available());
	atomic64_inc(&cond->gen);
	wake_up_interruptible_poll(&cond->wq, EPOLLIN | EPOLLRDNORM);
}

/* Bump if available memory moved by more than total/64 since the last. */
static void bguest_cond_check(struct bguest_cond *cond)
{
	long avail = si_mem_available();
	long last = atomic_long_read(&cond->avail);

	if (abs(avail - last) > (long)(totalram_pages() / 64))
		bguest_cond_bump(cond);
}

/* bguest.events: runs under rcu_read_lock(), any process context. */
static int bguest_cond_event(struct notifier_block *nb, unsigned long ev,
			     void *data)
{
	struct bguest_cond *cond = container_of(nb, struct bguest_cond, nb);

	if (ev == BGUEST_EV_TICK)
		bguest_cond_check(cond);
	else
		bguest_cond_bump(cond);
	return NOTIFY_OK;
}

static size_t bguest_cond_snapshot(struct bguest *bg, char *buf, size_t size,
				   u64 gen)
{
	const int kb = PAGE_SHIFT - 10;

	return scnprintf(buf, size,
			 "total_kb %lu\navailable_kb %ld\nballoon_kb %llu\ntarget_kb %llu\nconnected %d\ngeneration %llu\n",
			 totalram_pages() << kb, si_mem_available() << kb,
			 bguest_balloon_pages(bg) << kb,
			 bguest_balloon_target(bg) << kb,
			 bguest_chan_connected(bg), gen);
}

static int bguest_cond_open(struct inode *inode, struct file *file)
{
	/* misc_open() left our struct miscdevice there. */
	struct bguest *bg = container_of(file->private_data, struct bguest,
					 cond.dev);
	struct bguest_cond_file *cf = bguest_fallible(bg, kzalloc(sizeof(*cf),
								  GFP_KERNEL));

	if (!cf)
		return -ENOMEM;
	cf->bg = bg;
	mutex_init(&cf->lock);
	file->private_data = cf;
	return 0;
}

static int bguest_cond_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

static ssize_t bguest_cond_read(struct file *file, char __user *ubuf,
				size_t count, loff_t *ppos)
{
	struct bguest_cond_file *cf = file->private_data;
	struct bguest *bg = cf->bg;
	ssize_t ret;
	u64 gen;

	mutex_lock(&cf->lock);
	if (*ppos == 0) {
		/* Generation first: a change after it shows in the next one. */
		gen = atomic64_read(&bg->cond.gen);
		cf->len = bguest_cond_snapshot(bg, cf->buf, sizeof(cf->buf),
					       gen);
		WRITE_ONCE(cf->seen_gen, gen);
	}
	ret = simple_read_from_buffer(ubuf, count, ppos, cf->buf, cf->len);
	mutex_unlock(&cf->lock);
	return ret;
}

static __poll_t bguest_cond_poll(struct file *file, poll_table *wait)
{
	struct bguest_cond_file *cf = file->private_data;
	struct bguest_cond *cond = &cf->bg->cond;

	poll_wait(file, &cond->wq, wait);
	if (READ_ONCE(cf->seen_gen) != atomic64_read(&cond->gen))
		return EPOLLIN | EPOLLRDNORM;
	return 0;
}

static const struct file_operations bguest_cond_fops = {
	.owner = THIS_MODULE,
	.open = bguest_cond_open,
	.release = bguest_cond_release,
	.read = bguest_cond_read,
	.poll = bguest_cond_poll,
	.llseek = no_seek_end_llseek,
};

/**
 * bguest_cond_init() - create /dev/balloon_condition and subscribe to
 * bguest.events.
 * @bg: the driver
 *
 * Context: process context, module init; may sleep.
 * Return: 0 on success, -errno on failure (nothing is left behind).
 */
int bguest_cond_init(struct bguest *bg)
{
	struct bguest_cond *cond = &bg->cond;
	int ret;

	atomic64_set(&cond->gen, 1);
	atomic_long_set(&cond->avail, si_mem_available());
	init_waitqueue_head(&cond->wq);
	cond->dev.minor = MISC_DYNAMIC_MINOR;
	cond->dev.name = "balloon_condition";
	cond->dev.fops = &bguest_cond_fops;
	cond->dev.mode = 0444;
	cond->nb.notifier_call = bguest_cond_event;
	ret = atomic_notifier_chain_register(&bg->events, &cond->nb);
	if (ret)
		return ret;
	ret = misc_register(&cond->dev);
	if (ret)
		goto out_unsubscribe;
	return 0;

out_unsubscribe:
	atomic_notifier_chain_unregister(&bg->events, &cond->nb);
	return ret;
}

/**
 * bguest_cond_exit() - remove /dev/balloon_condition and unsubscribe.
 * @bg: the driver
 *
 * Open files keep the module loaded (fops owner), so none is left.
 *
 * Context: process context, module exit; may sleep.
 */
void bguest_cond_exit(struct bguest *bg)
{
	misc_deregister(&bg->cond.dev);
	atomic_notifier_chain_unregister(&bg->events, &bg->cond.nb);
}
