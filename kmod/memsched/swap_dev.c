// SPDX-License-Identifier: GPL-2.0
/*
 * memsched: the swap device of memschedfs (hypervisor swap).
 *
 * One block device for the whole module, written to swap/device and opened
 * for reading and writing, exclusively (so swapon, a mount or another
 * exclusive opener of it fails with EBUSY, and it fails for us when they
 * hold it). Its slots, one page each, are handed out by lib/msched_swap's
 * allocator under msched_swap_lock: one contiguous run at a time, next-fit,
 * so consecutive batches land on consecutive slots. Writes and reads use
 * the bio_set here (GFP_NOIO allocations from it never fail), and the
 * pipeline's work items run on an unbound WQ_MEM_RECLAIM workqueue (swap
 * is a tool for when memory is short; the rescuer guarantees progress).
 *
 * The device cannot change while any slot is in use: a swap_out holds
 * msched_swap_rwsem (read) from before it takes its first slot until its
 * last write completed, a page that is out holds its slot, and a change
 * takes the rwsem (write) and checks that no slot is in use. So whoever
 * holds a slot, or the rwsem, may use the device without a lock.
 *
 * The knobs (swap/batch_pages, queue_depth, pipeline, readahead_pages,
 * huge_readback) are
 * read once per swap_out or fault with READ_ONCE; writing them takes no
 * lock. Documented in Documentation/ABI/testing/sysfs-kernel-mm-memsched-swap.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": swap: " fmt

#include <linux/blkdev.h>
#include <linux/kobject.h>
#include <linux/mm.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "../compat.h"
#include "msched_swap.h"
#include "memsched.h"
#include "swap.h"

/* Slots of one device at most: 16 TiB, a 512 MiB bitmap. */
#define MSCHED_SWAP_MAX_SLOTS	(1ULL << 32)

#define MSCHED_SWAP_BATCH_MAX		4096
#define MSCHED_SWAP_DEPTH_MAX		64
#define MSCHED_SWAP_READAHEAD_MAX	64
/* Bios kept in reserve: enough for a few runs of every batch in flight. */
#define MSCHED_SWAP_BIO_POOL		16

/*
 * The device and its slots. @dev.bdev, @path and @slots_mem change only
 * under msched_swap_rwsem (write) and msched_swap_lock together, so either
 * lock is enough to read them.
 */
static DECLARE_RWSEM(msched_swap_rwsem);
static DEFINE_SPINLOCK(msched_swap_lock);
static struct msched_compat_bdev msched_swap_dev;
static char *msched_swap_path;
static void *msched_swap_slots_mem;
static struct msched_swap_slots msched_swap_slot_map;

static u32 msched_swap_batch_pages = 256;
static u32 msched_swap_queue_depth = 4;
static bool msched_swap_pipeline = true;
static u32 msched_swap_readahead_pages = 8;
static u32 msched_swap_huge_readback = 1;

static struct bio_set msched_swap_bioset;
static struct workqueue_struct *msched_swap_wq;
static struct kobject *msched_swap_kobj;

/**
 * msched_swap_get_knobs() - read the pipeline's knobs.
 * @k: filled in
 *
 * Context: any.
 */
void msched_swap_get_knobs(struct msched_swap_knobs *k)
{
	k->batch_pages = READ_ONCE(msched_swap_batch_pages);
	k->queue_depth = READ_ONCE(msched_swap_queue_depth);
	k->pipeline = READ_ONCE(msched_swap_pipeline);
	k->readahead_pages = READ_ONCE(msched_swap_readahead_pages);
	k->huge_readback = READ_ONCE(msched_swap_huge_readback);
}

/**
 * msched_swap_hold() - keep the swap device from changing, for a swap_out.
 *
 * Context: process context; may sleep (takes msched_swap_rwsem for read,
 * killable). Release with msched_swap_release() after the last write of
 * the caller completed.
 * Return: 0 with the device held; -ENODEV (no device; not held), -EINTR.
 */
int msched_swap_hold(void)
{
	if (down_read_killable(&msched_swap_rwsem))
		return -EINTR;
	if (!msched_swap_dev.bdev) {
		up_read(&msched_swap_rwsem);
		return -ENODEV;
	}
	return 0;
}

/**
 * msched_swap_release() - let the swap device change again.
 *
 * Context: process context; the caller got 0 from msched_swap_hold().
 */
void msched_swap_release(void)
{
	up_read(&msched_swap_rwsem);
}

/**
 * msched_swap_slots_get() - allocate one run of contiguous slots.
 * @want: slots wanted, >= 1
 * @start: set to the first slot of the run
 *
 * Context: any context but hardirq; takes msched_swap_lock. The caller
 * holds the device (msched_swap_hold()).
 * Return: the run's length, 1 to @want; 0 when no slot is free.
 */
u32 msched_swap_slots_get(u32 want, u64 *start)
{
	u32 got = 0;

	lockdep_assert_held_read(&msched_swap_rwsem);
	spin_lock(&msched_swap_lock);
	if (msched_swap_slots_mem)
		got = msched_swap_slots_alloc(&msched_swap_slot_map, want, start);
	spin_unlock(&msched_swap_lock);
	return got;
}

/**
 * msched_swap_slots_get_contig() - allocate one run of exactly @want slots.
 * @want: slots wanted, >= 1 (a huge folio: 512)
 * @start: set to the first slot of the run
 *
 * Next-fit from the cursor, looking at a bounded part of the map
 * (MSCHED_SWAP_CONTIG_SCAN_WORDS words) so that a fragmented device does
 * not cost a full scan per folio.
 *
 * Context: any context but hardirq; takes msched_swap_lock. The caller
 * holds the device (msched_swap_hold()).
 * Return: @want, or 0 when no free run of @want slots was found.
 */
u32 msched_swap_slots_get_contig(u32 want, u64 *start)
{
	u32 got = 0;

	lockdep_assert_held_read(&msched_swap_rwsem);
	spin_lock(&msched_swap_lock);
	if (msched_swap_slots_mem)
		got = msched_swap_slots_alloc_contig(&msched_swap_slot_map,
						     want, start);
	spin_unlock(&msched_swap_lock);
	return got;
}

/**
 * msched_swap_slots_put() - free a run of slots.
 * @start: first slot
 * @len: slots
 *
 * No write to them may be in flight. A free of slots that are not all in
 * use is refused whole (a bug) and logged.
 *
 * Context: any context but hardirq; takes msched_swap_lock.
 */
void msched_swap_slots_put(u64 start, u64 len)
{
	int ret = -EINVAL;

	spin_lock(&msched_swap_lock);
	if (msched_swap_slots_mem)
		ret = msched_swap_slots_free(&msched_swap_slot_map, start, len);
	spin_unlock(&msched_swap_lock);
	if (ret)
		pr_warn_ratelimited("refused to free slots %llu..%llu: not all in use (a bug)\n",
				    start, start + len - 1);
}

/**
 * msched_swap_used_pages() - slots in use now, all files.
 *
 * Context: any context but hardirq; takes msched_swap_lock.
 * Return: the number of slots in use (0 without a device).
 */
u64 msched_swap_used_pages(void)
{
	u64 used = 0;

	spin_lock(&msched_swap_lock);
	if (msched_swap_slots_mem)
		used = msched_swap_slots_used(&msched_swap_slot_map);
	spin_unlock(&msched_swap_lock);
	return used;
}

/**
 * msched_swap_free_pages() - slots free now.
 *
 * Context: process context; takes msched_swap_lock.
 * Return: free slots, 0 without a device.
 */
u64 msched_swap_free_pages(void)
{
	u64 free = 0;

	spin_lock(&msched_swap_lock);
	if (msched_swap_slots_mem)
		free = msched_swap_slot_map.nr -
		       msched_swap_slots_used(&msched_swap_slot_map);
	spin_unlock(&msched_swap_lock);
	return free;
}

/**
 * msched_swap_bio_alloc() - a bio on the swap device, from the swap bio_set.
 * @nr_vecs: pages it will carry, at most BIO_MAX_VECS
 * @opf: operation and flags
 *
 * Writes get a struct msched_swap_bio around the bio (container_of).
 *
 * Context: process context; may sleep (GFP_NOIO: it never fails). The
 * caller holds the device (msched_swap_hold()) or a slot of it, and has no
 * other bio of this bio_set that it has not submitted yet.
 * Return: the bio.
 */
struct bio *msched_swap_bio_alloc(unsigned short nr_vecs, blk_opf_t opf)
{
	return bio_alloc_bioset(READ_ONCE(msched_swap_dev.bdev), nr_vecs, opf,
				GFP_NOIO, &msched_swap_bioset);
}

/**
 * msched_swap_queue_work() - run a work item of the pipeline.
 * @work: the work
 *
 * Context: any.
 */
void msched_swap_queue_work(struct work_struct *work)
{
	queue_work(msched_swap_wq, work);
}

/* A refused write of swap/device: one line saying what is accepted. */
static void msched_swap_open_refused(const char *path, int err)
{
	switch (err) {
	case -ENOENT:
		pr_info("device: no such path '%s' (accepted: the path of a block device, or none)\n",
			path);
		break;
	case -ENOTBLK:
		pr_info("device: '%s' is not a block device (accepted: the path of a block device, or none)\n",
			path);
		break;
	case -EBUSY:
		pr_info("device: '%s' is held by someone else: swapon, a mounted file system or another exclusive opener (accepted: a device nobody holds)\n",
			path);
		break;
	case -EACCES:
	case -EROFS:
		pr_info("device: '%s' is read-only (accepted: a writable block device)\n",
			path);
		break;
	default:
		pr_info("device: cannot open '%s': error %d (accepted: a writable block device nobody else holds, or none)\n",
			path, err);
	}
}

/*
 * Open @path and size a slot map for it: fills @dev, @mem and @slots.
 * Return: 0 or -errno, logged.
 */
static int msched_swap_open(const char *path, struct msched_compat_bdev *dev,
			    void **mem, struct msched_swap_slots *slots)
{
	unsigned int lbs;
	u64 nr;
	int ret;

	ret = msched_compat_bdev_open(path, &msched_swap_dev, dev);
	if (ret) {
		msched_swap_open_refused(path, ret);
		return ret;
	}
	lbs = bdev_logical_block_size(dev->bdev);
	nr = bdev_nr_sectors(dev->bdev) >> (PAGE_SHIFT - SECTOR_SHIFT);
	if (lbs > PAGE_SIZE || !nr) {
		pr_info("device: '%s' has %u-byte logical blocks and %llu pages (accepted: logical blocks of at most %lu bytes, at least one page)\n",
			path, lbs, nr, PAGE_SIZE);
		ret = -EINVAL;
		goto out_close;
	}
	if (nr > MSCHED_SWAP_MAX_SLOTS) {
		/* The slot bitmap stays below kvmalloc()'s INT_MAX. */
		pr_info("device: '%s' has %llu pages; memsched uses its first %llu (16 TiB)\n",
			path, nr, MSCHED_SWAP_MAX_SLOTS);
		nr = MSCHED_SWAP_MAX_SLOTS;
	}
	*mem = msched_fallible(kvzalloc(msched_swap_slots_mem_bytes(nr),
					GFP_KERNEL));
	if (!*mem) {
		ret = -ENOMEM;
		goto out_close;
	}
	if (msched_swap_slots_init(slots, *mem, nr)) {
		ret = -EINVAL;
		goto out_free;
	}
	return 0;

out_free:
	kvfree(*mem);
	*mem = NULL;
out_close:
	msched_compat_bdev_close(dev);
	return ret;
}

static ssize_t device_show(struct kobject *kobj, struct kobj_attribute *a,
			   char *buf)
{
	ssize_t ret;

	down_read(&msched_swap_rwsem);
	ret = sysfs_emit(buf, "%s\n", msched_swap_path ? msched_swap_path : "");
	up_read(&msched_swap_rwsem);
	return ret;
}

static ssize_t device_store(struct kobject *kobj, struct kobj_attribute *a,
			    const char *buf, size_t count)
{
	struct msched_compat_bdev dev = {}, old;
	struct msched_swap_slots slots = {};
	char *copy, *path, *old_path;
	void *mem = NULL, *old_mem;
	bool none;
	u64 used;
	int ret;

	copy = msched_fallible(kstrndup(buf, count, GFP_KERNEL));
	if (!copy)
		return -ENOMEM;
	path = strim(copy);
	none = !*path || !strcmp(path, "none");
	if (!none) {
		ret = msched_swap_open(path, &dev, &mem, &slots);
		if (ret)
			goto out_free_copy;
		path = msched_fallible(kstrdup(path, GFP_KERNEL));
		if (!path) {
			ret = -ENOMEM;
			goto out_close;
		}
	} else {
		path = NULL;
	}
	if (down_write_killable(&msched_swap_rwsem)) {
		ret = -EINTR;
		goto out_free_path;
	}
	used = msched_swap_used_pages();
	if (used) {
		pr_info("device: %llu pages are out on %s; swap them in or remove their files first (accepted: a change once no page is out)\n",
			used, msched_swap_path);
		up_write(&msched_swap_rwsem);
		ret = -EBUSY;
		goto out_free_path;
	}
	old = msched_swap_dev;
	old_mem = msched_swap_slots_mem;
	old_path = msched_swap_path;
	spin_lock(&msched_swap_lock);
	msched_swap_dev = dev;
	msched_swap_slot_map = slots;
	msched_swap_slots_mem = mem;
	msched_swap_path = path;
	spin_unlock(&msched_swap_lock);
	up_write(&msched_swap_rwsem);
	/* Nobody holds the rwsem or a slot of the old device: close it. */
	if (old.bdev)
		msched_compat_bdev_close(&old);
	kvfree(old_mem);
	kfree(old_path);
	kfree(copy);
	return count;

out_free_path:
	kfree(path);
out_close:
	if (dev.bdev)
		msched_compat_bdev_close(&dev);
	kvfree(mem);
out_free_copy:
	kfree(copy);
	return ret;
}

static ssize_t size_pages_show(struct kobject *kobj, struct kobj_attribute *a,
			       char *buf)
{
	u64 nr = 0;

	spin_lock(&msched_swap_lock);
	if (msched_swap_slots_mem)
		nr = msched_swap_slot_map.nr;
	spin_unlock(&msched_swap_lock);
	return sysfs_emit(buf, "%llu\n", nr);
}

static ssize_t used_pages_show(struct kobject *kobj, struct kobj_attribute *a,
			       char *buf)
{
	return sysfs_emit(buf, "%llu\n", msched_swap_used_pages());
}

#define MSCHED_SWAP_U32_KNOB(_name, _var, _min, _max)			\
static ssize_t _name##_show(struct kobject *kobj,			\
			    struct kobj_attribute *a, char *buf)	\
{									\
	return sysfs_emit(buf, "%u\n", (u32)READ_ONCE(_var));		\
}									\
static ssize_t _name##_store(struct kobject *kobj,			\
			     struct kobj_attribute *a,			\
			     const char *buf, size_t count)		\
{									\
	u32 v;								\
									\
	if (kstrtou32(buf, 10, &v) || v < (_min) || v > (_max)) {	\
		pr_info(#_name ": accepted: %u..%u\n", (u32)(_min),	\
			(u32)(_max));					\
		return -EINVAL;						\
	}								\
	WRITE_ONCE(_var, v);						\
	return count;							\
}									\
static struct kobj_attribute _name##_attr = __ATTR(_name, 0600,		\
						   _name##_show,	\
						   _name##_store)

MSCHED_SWAP_U32_KNOB(batch_pages, msched_swap_batch_pages, 1,
		     MSCHED_SWAP_BATCH_MAX);
MSCHED_SWAP_U32_KNOB(queue_depth, msched_swap_queue_depth, 1,
		     MSCHED_SWAP_DEPTH_MAX);
MSCHED_SWAP_U32_KNOB(pipeline, msched_swap_pipeline, 0, 1);
MSCHED_SWAP_U32_KNOB(readahead_pages, msched_swap_readahead_pages, 0,
		     MSCHED_SWAP_READAHEAD_MAX);
MSCHED_SWAP_U32_KNOB(huge_readback, msched_swap_huge_readback, 0, 1);

static struct kobj_attribute device_attr = __ATTR(device, 0600, device_show,
						  device_store);
static struct kobj_attribute size_pages_attr = __ATTR(size_pages, 0400,
						      size_pages_show, NULL);
static struct kobj_attribute used_pages_attr = __ATTR(used_pages, 0400,
						      used_pages_show, NULL);

static struct attribute *msched_swap_attrs[] = {
	&device_attr.attr,
	&size_pages_attr.attr,
	&used_pages_attr.attr,
	&batch_pages_attr.attr,
	&queue_depth_attr.attr,
	&pipeline_attr.attr,
	&readahead_pages_attr.attr,
	&huge_readback_attr.attr,
	NULL,
};

static const struct attribute_group msched_swap_group = {
	.attrs = msched_swap_attrs,
};

/**
 * msched_swap_init() - the bio_set, the workqueue and swap/ (no device).
 * @root: /sys/kernel/mm/memsched
 *
 * Context: process context, module init; may sleep.
 * Return: 0 or -errno (nothing is left behind).
 */
int msched_swap_init(struct kobject *root)
{
	int ret;

	ret = bioset_init(&msched_swap_bioset, MSCHED_SWAP_BIO_POOL,
			  offsetof(struct msched_swap_bio, bio),
			  BIOSET_NEED_BVECS);
	if (ret)
		return ret;
	msched_swap_wq = alloc_workqueue("msched_swap",
					 WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!msched_swap_wq) {
		ret = -ENOMEM;
		goto out_bioset;
	}
	msched_swap_kobj = kobject_create_and_add("swap", root);
	if (!msched_swap_kobj) {
		ret = -ENOMEM;
		goto out_wq;
	}
	ret = sysfs_create_group(msched_swap_kobj, &msched_swap_group);
	if (ret)
		goto out_kobj;
	return 0;

out_kobj:
	kobject_put(msched_swap_kobj);
	msched_swap_kobj = NULL;
out_wq:
	destroy_workqueue(msched_swap_wq);
	msched_swap_wq = NULL;
out_bioset:
	bioset_exit(&msched_swap_bioset);
	return ret;
}

/**
 * msched_swap_exit() - remove swap/, flush the pipeline, close the device.
 *
 * memschedfs is unregistered already: no file is left, so no slot is in
 * use (unmount evicted every file, which freed its slots) and no write is
 * in flight (a swap_out returns after its last write completed).
 *
 * Context: process context, module exit; may sleep.
 */
void msched_swap_exit(void)
{
	sysfs_remove_group(msched_swap_kobj, &msched_swap_group);
	kobject_put(msched_swap_kobj);
	msched_swap_kobj = NULL;
	destroy_workqueue(msched_swap_wq);	/* flushes it first */
	msched_swap_wq = NULL;
	bioset_exit(&msched_swap_bioset);
	WARN_ON_ONCE(msched_swap_used_pages());
	if (msched_swap_dev.bdev)
		msched_compat_bdev_close(&msched_swap_dev);
	kvfree(msched_swap_slots_mem);
	msched_swap_slots_mem = NULL;
	kfree(msched_swap_path);
	msched_swap_path = NULL;
}
