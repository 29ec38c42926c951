/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rdma_failover: private declarations shared by the files of the module.
 */
#ifndef _RDMA_FAILOVER_H
#define _RDMA_FAILOVER_H

/* sysfs.c: the /sys/kernel/rdma_failover tree */
int rfo_sysfs_init(void);
void rfo_sysfs_exit(void);

#endif /* _RDMA_FAILOVER_H */
