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
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "balloon_guest.h"

#define BGUEST_COND_BUF	256

static atomic64_t bguest_cond_gen = ATOMIC64_INIT(1);
static atomic_long_t bguest_cond_avail = ATOMIC_LONG_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(bguest_cond_wq);

/**
 * struct bguest_cond_file - one open file of the device.
 * @lock: guards @buf and @len (concurrent reads of one file)
 * @seen_gen: generation of the last snapshot read; 0 before the first
 * @len: bytes of @buf in use
 * @buf: the last snapshot
 */
struct bguest_cond_file {
	struct mutex lock;
	u64 seen_gen;
	size_t len;
	char buf[BGUEST_COND_BUF];
};

/**
 * bguest_cond_bump() - the memory condition changed: wake the pollers.
 *
 * Context: any process context (the OOM notifier included); does not sleep.
 */
void bguest_cond_bump(void)
{
	atomic_long_set(&bguest_cond_avail, si_mem_available());
	atomic64_inc(&bguest_cond_gen);
	wake_up_interruptible_poll(&bguest_cond_wq, EPOLLIN | EPOLLRDNORM);
}

/**
 * bguest_cond_check() - bump if available memory moved by more than
 * total/64 since the last bump.
 *
 * Context: process context (the stats tick).
 */
void bguest_cond_check(void)
{
	long avail = si_mem_available();
	long last = atomic_long_read(&bguest_cond_avail);

	if (abs(avail - last) > (long)(totalram_pages() / 64))
		bguest_cond_bump();
}

static size_t bguest_cond_snapshot(char *buf, size_t size, u64 gen)
{
	const int kb = PAGE_SHIFT - 10;

	return scnprintf(buf, size,
			 "total_kb %lu\navailable_kb %ld\nballoon_kb %llu\ntarget_kb %llu\nconnected %d\ngeneration %llu\n",
			 totalram_pages() << kb, si_mem_available() << kb,
			 bguest_balloon_pages() << kb,
			 bguest_balloon_target() << kb,
			 bguest_chan_connected(), gen);
}

static int bguest_cond_open(struct inode *inode, struct file *file)
{
	struct bguest_cond_file *cf = bguest_fallible(kzalloc(sizeof(*cf),
							      GFP_KERNEL));

	if (!cf)
		return -ENOMEM;
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
	ssize_t ret;
	u64 gen;

	mutex_lock(&cf->lock);
	if (*ppos == 0) {
		/* Generation first: a change after it shows in the next one. */
		gen = atomic64_read(&bguest_cond_gen);
		cf->len = bguest_cond_snapshot(cf->buf, sizeof(cf->buf), gen);
		WRITE_ONCE(cf->seen_gen, gen);
	}
	ret = simple_read_from_buffer(ubuf, count, ppos, cf->buf, cf->len);
	mutex_unlock(&cf->lock);
	return ret;
}

static __poll_t bguest_cond_poll(struct file *file, poll_table *wait)
{
	struct bguest_cond_file *cf = file->private_data;

	poll_wait(file, &bguest_cond_wq, wait);
	if (READ_ONCE(cf->seen_gen) != atomic64_read(&bguest_cond_gen))
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

static struct miscdevice bguest_cond_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "balloon_condition",
	.fops = &bguest_cond_fops,
	.mode = 0444,
};

/**
 * bguest_cond_init() - create /dev/balloon_condition.
 *
 * Context: process context, module init; may sleep.
 * Return: 0 on success, -errno on failure.
 */
int bguest_cond_init(void)
{
	atomic_long_set(&bguest_cond_avail, si_mem_available());
	return misc_register(&bguest_cond_dev);
}

/**
 * bguest_cond_exit() - remove /dev/balloon_condition.
 *
 * Open files keep the module loaded (fops owner), so none is left.
 *
 * Context: process context, module exit; may sleep.
 */
void bguest_cond_exit(void)
{
	misc_deregister(&bguest_cond_dev);
}
