// SPDX-License-Identifier: GPL-2.0
/*
 * memsched: releasing the host memory behind ballooned guest frames.
 *
 * As madvise would, VMA by VMA of the VMM's address space:
 *  - anonymous or private VMM memory is zapped, as MADV_DONTNEED does;
 *  - shared file memory (memfd, tmpfs, hugetlbfs-less shmem) gets its
 *    pages punched out of the file, as MADV_REMOVE does; on memschedfs
 *    that drops the pages' page-cache entries, which frees them, except
 *    pages of a 2 MiB folio that could not be split (in use): zeroed but
 *    still in memory, they are counted skipped, not released;
 *  - mlocked, hugetlb, PFN-mapped and I/O mappings, and read-only shared
 *    file mappings, are left alone and counted as skipped.
 * Either way KVM's MMU notifier drops the guest mapping.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/types.h>
#include <linux/falloc.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>

#include "../compat.h"
#include "balloon.h"
#include "fs.h"

/*
 * Release the host memory behind [start, end) of @mm. Returns the pages
 * released; the rest are added to *skipped. Takes and drops mmap_lock per
 * VMA (punching a hole must not hold it).
 */
static u64 balloon_release_range(struct mm_struct *mm, unsigned long start,
				 unsigned long end, u64 *skipped)
{
	u64 released = 0;

	while (start < end) {
		struct vm_area_struct *vma;
		unsigned long seg_end;
		struct file *file = NULL;
		loff_t off = 0;

		mmap_read_lock(mm);
		vma = find_vma(mm, start);
		if (!vma || vma->vm_start >= end) {
			mmap_read_unlock(mm);
			*skipped += (end - start) >> PAGE_SHIFT;
			break;
		}
		if (vma->vm_start > start) {
			*skipped += (vma->vm_start - start) >> PAGE_SHIFT;
			start = vma->vm_start;
		}
		seg_end = min(end, vma->vm_end);
		if (vma->vm_flags & (VM_LOCKED | VM_PFNMAP | VM_IO | VM_HUGETLB)) {
			*skipped += (seg_end - start) >> PAGE_SHIFT;
		} else if (vma->vm_file && (vma->vm_flags & VM_SHARED)) {
			if (vma->vm_flags & VM_WRITE) {
				file = get_file(vma->vm_file);
				off = ((loff_t)vma->vm_pgoff << PAGE_SHIFT) +
				      (start - vma->vm_start);
			} else {
				*skipped += (seg_end - start) >> PAGE_SHIFT;
			}
		} else {
			msched_compat_zap(vma, start, seg_end - start);
			released += (seg_end - start) >> PAGE_SHIFT;
		}
		mmap_read_unlock(mm);
		if (file) {
			u64 nr = (seg_end - start) >> PAGE_SHIFT, kept = 0;
			int err;

			/*
			 * A huge=always memschedfs file says which pages
			 * stayed in memory (a huge folio whose split failed),
			 * with vfs_fallocate()'s checks and hooks; any other
			 * file frees every whole page it punches.
			 */
			if (msched_fs_is_huge_file(file))
				err = msched_fs_release_range(file, off,
							      seg_end - start,
							      &kept);
			else
				err = vfs_fallocate(file, FALLOC_FL_PUNCH_HOLE |
						    FALLOC_FL_KEEP_SIZE, off,
						    seg_end - start);
			if (err)
				kept = nr;
			*skipped += min(kept, nr);
			released += nr - min(kept, nr);
			fput(file);
		}
		start = seg_end;
	}
	return released;
}

/**
 * msched_balloon_release() - release the host memory of ballooned frames.
 * @mm: the VMM's mm (grabbed by the caller; pinned here for the work)
 * @hvas: the frames' host virtual addresses in @mm, in gfn order (so runs
 *	of adjacent frames are mostly adjacent addresses and go in one call)
 * @nr: entries in @hvas
 * @released: incremented by the pages whose memory was released
 * @skipped: incremented by the pages whose memory cannot be released
 *	(all of them when the VMM is exiting anyway)
 *
 * @mm is let go with mmput_async(): the channel thread calls this under
 * its handle_lock, the balloon's lock and kvm->srcu, and if the VMM exited
 * meanwhile ours is the last reference, whose __mmput() (exit_aio(), KVM's
 * MMU-notifier release, unmapping all guest RAM) must not run under them
 * (Documentation/design/locking.rst, "The VMM's mm").
 *
 * Context: process context, may sleep; the caller holds kvm->srcu (read)
 * so that @hvas stay the frames'; takes the VMM's mmap_lock (read) per VMA
 * and the RAM file's locks when punching, never both at once.
 */
void msched_balloon_release(struct mm_struct *mm, const unsigned long *hvas,
			    u32 nr, u64 *released, u64 *skipped)
{
	u32 i = 0, j;

	if (!mmget_not_zero(mm)) {	/* the VMM is exiting anyway */
		*skipped += nr;
		return;
	}
	while (i < nr) {
		for (j = i + 1; j < nr && hvas[j] == hvas[j - 1] + PAGE_SIZE; j++)
			;
		*released += balloon_release_range(mm, hvas[i],
						   hvas[j - 1] + PAGE_SIZE,
						   skipped);
		i = j;
	}
	mmput_async(mm);
}
