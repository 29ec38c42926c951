/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place for kernel-version differences, shared by all memsched
 * modules. The lab kernel is Debian's 6.1 LTS; users run newer ones. Code
 * outside this header never tests LINUX_VERSION_CODE.
 */
#ifndef _MEMSCHED_KCOMPAT_H
#define _MEMSCHED_KCOMPAT_H

#include <linux/version.h>
#include <linux/mmu_notifier.h>

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

#endif /* _MEMSCHED_KCOMPAT_H */
