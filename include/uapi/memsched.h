/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * memsched user-visible ABI: versions and sysfs layout constants shared by
 * the modules, the tools and the selftests.
 */
#ifndef _UAPI_MEMSCHED_H
#define _UAPI_MEMSCHED_H

/* Bumped whenever a sysfs file changes name or meaning; shown in .../version. */
#define MEMSCHED_ABI_VERSION		2
#define BALLOON_GUEST_ABI_VERSION	2
#define RDMA_FAILOVER_ABI_VERSION	2

#define MEMSCHED_SYSFS_ROOT		"/sys/kernel/mm/memsched"
#define BALLOON_GUEST_SYSFS_ROOT	"/sys/kernel/mm/balloon_guest"
#define RDMA_FAILOVER_SYSFS_ROOT	"/sys/kernel/rdma_failover"

/* statfs(2) f_type of a memschedfs mount. */
#define MEMSCHEDFS_MAGIC		0x6d736673	/* "msfs" */

#endif /* _UAPI_MEMSCHED_H */
