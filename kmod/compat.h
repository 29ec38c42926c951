/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place for kernel-version differences, shared by all memsched
 * modules. The lab kernel is Debian's 6.1 LTS; users run newer ones. Code
 * outside this header never tests LINUX_VERSION_CODE.
 */
#ifndef _MEMSCHED_KCOMPAT_H
#define _MEMSCHED_KCOMPAT_H

#include <linux/version.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/pagemap.h>
#include <linux/fs.h>
#include <linux/blkdev.h>
#include <linux/file.h>

/*
 * Age one range of a VM's secondary MMU through KVM's own notifier ops:
 * returns true when any page in [start, end) was young, and clears it.
 * The ops signature (mn, mm, start, end) is stable from 5.x through 6.x.
 */
static inline bool msched_compat_clear_young(struct mmu_notifier *kvm_mn,
					     struct mm_struct *mm,
					     unsigned long start,
					     unsigned long end)
{
	return kvm_mn->ops->clear_young &&
	       kvm_mn->ops->clear_young(kvm_mn, mm, start, end);
}

/*
 * Drop the pages of [start, start + size) in one VMA, as MADV_DONTNEED
 * does; mmu notifiers (KVM's) see the invalidation. Needs mmap_lock.
 * 6.3 removed zap_page_range(); zap_page_range_single() takes its place.
 */
static inline void msched_compat_zap(struct vm_area_struct *vma,
				     unsigned long start, unsigned long size)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
	zap_page_range(vma, start, size);
#else
	zap_page_range_single(vma, start, size, NULL);
#endif
}

/*
 * memschedfs: the idmapping argument of inode operations (6.3 replaced the
 * user namespace with struct mnt_idmap), the folio lookup that 6.3 made
 * return ERR_PTR instead of NULL, and inode timestamps (accessors since
 * 6.6/6.7).
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
#define msched_compat_idmap		struct user_namespace
#define MSCHED_COMPAT_NOP_IDMAP		(&init_user_ns)
#else
#define msched_compat_idmap		struct mnt_idmap
#define MSCHED_COMPAT_NOP_IDMAP		(&nop_mnt_idmap)
#endif

/*
 * ->mkdir returns an int up to 6.14 and a struct dentry * from 6.15 ("new
 * helper: vfs_mkdir() returning dentry"): NULL there means the dentry
 * passed in was used, ERR_PTR an error.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 15, 0)
#define msched_compat_mkdir_ret		int
#define MSCHED_COMPAT_MKDIR_RET(err)	(err)
#else
#define msched_compat_mkdir_ret		struct dentry *
#define MSCHED_COMPAT_MKDIR_RET(err)	((err) ? ERR_PTR(err) : NULL)
#endif

/* The folio at @idx, locked and referenced, or NULL when there is none. */
static inline struct folio *msched_compat_lock_folio(struct address_space *m,
						     pgoff_t idx)
{
	struct folio *folio = __filemap_get_folio(m, idx, FGP_LOCK, 0);

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	if (IS_ERR(folio))
		return NULL;
#endif
	return folio;
}

/* The folio at @idx, referenced but not locked, or NULL when there is none. */
static inline struct folio *msched_compat_get_folio(struct address_space *m,
						    pgoff_t idx)
{
	struct folio *folio = __filemap_get_folio(m, idx, 0, 0);

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	if (IS_ERR(folio))
		return NULL;
#endif
	return folio;
}

/*
 * Take a locked folio out of its mapping's page cache, as truncation does
 * (unmapped first): the whole folio, a large one included. 6.8 renamed
 * generic_error_remove_page(mapping, page) to
 * generic_error_remove_folio(mapping, folio) ("fs: convert
 * error_remove_page to error_remove_folio").
 */
static inline int msched_compat_remove_folio(struct address_space *m,
					     struct folio *folio)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 8, 0)
	return generic_error_remove_page(m, &folio->page);
#else
	return generic_error_remove_folio(m, folio);
#endif
}

/* Set atime, mtime and ctime of @inode to now. */
static inline void msched_compat_inode_touch(struct inode *inode)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 6, 0)
	inode->i_atime = inode->i_mtime = inode->i_ctime = current_time(inode);
#elif LINUX_VERSION_CODE < KERNEL_VERSION(6, 7, 0)
	inode->i_atime = inode->i_mtime = inode_set_ctime_current(inode);
#else
	simple_inode_init_ts(inode);
#endif
}

/*
 * Block devices, opened by path for reading and writing, exclusively for
 * @holder (swapon, a mount or another exclusive opener makes it -EBUSY):
 * 6.5 replaced fmode_t with blk_mode_t (a non-NULL holder alone means
 * exclusive) and blkdev_put() takes the holder; 6.7 returns a
 * struct bdev_handle (bdev_open_by_path()/bdev_release()); 6.9 opens the
 * device as a struct file (bdev_file_open_by_path(), closed with fput()).
 * msched_compat_bdev_open() fills @h and returns 0 or -errno (-ENOENT,
 * -ENOTBLK, -EBUSY, -EACCES...); msched_compat_bdev_close() closes it and
 * may sleep (the last close syncs the device).
 */
struct msched_compat_bdev {
	struct block_device *bdev;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
	struct file *file;
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	struct bdev_handle *handle;
#else
	void *holder;
#endif
};

static inline int msched_compat_bdev_open(const char *path, void *holder,
					  struct msched_compat_bdev *h)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
	struct file *file = bdev_file_open_by_path(path,
				BLK_OPEN_READ | BLK_OPEN_WRITE, holder, NULL);

	if (IS_ERR(file))
		return PTR_ERR(file);
	h->file = file;
	h->bdev = file_bdev(file);
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	struct bdev_handle *handle = bdev_open_by_path(path,
				BLK_OPEN_READ | BLK_OPEN_WRITE, holder, NULL);

	if (IS_ERR(handle))
		return PTR_ERR(handle);
	h->handle = handle;
	h->bdev = handle->bdev;
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	struct block_device *bdev = blkdev_get_by_path(path,
				BLK_OPEN_READ | BLK_OPEN_WRITE, holder, NULL);

	if (IS_ERR(bdev))
		return PTR_ERR(bdev);
	h->holder = holder;
	h->bdev = bdev;
#else
	struct block_device *bdev = blkdev_get_by_path(path,
				FMODE_READ | FMODE_WRITE | FMODE_EXCL, holder);

	if (IS_ERR(bdev))
		return PTR_ERR(bdev);
	h->holder = holder;
	h->bdev = bdev;
#endif
	return 0;
}

static inline void msched_compat_bdev_close(struct msched_compat_bdev *h)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
	fput(h->file);
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	bdev_release(h->handle);
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	blkdev_put(h->bdev, h->holder);
#else
	blkdev_put(h->bdev, FMODE_READ | FMODE_WRITE | FMODE_EXCL);
#endif
	h->bdev = NULL;
}

#endif /* _MEMSCHED_KCOMPAT_H */
