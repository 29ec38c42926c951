// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_failover: push replication of memschedfs files' dirty-page epochs
 * to a standby host over RDMA (rdma_cm, RC, kernel verbs), and failover.
 *
 * Module entry points: the sysfs tree is the only thing to bring up; its
 * teardown stops and removes every replica (connected or not).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include <uapi/memsched.h>
#include "rdma_failover.h"

static int __init rfo_init(void)
{
	int ret;

	ret = rfo_sysfs_init();
	if (ret)
		return ret;

	pr_info("loaded (abi %d, wire protocol %d)\n",
		RDMA_FAILOVER_ABI_VERSION, RFO_WIRE_VERSION);
	return 0;
}

static void __exit rfo_exit(void)
{
	rfo_sysfs_exit();
	pr_info("unloaded\n");
}

module_init(rfo_init);
module_exit(rfo_exit);

MODULE_DESCRIPTION("rdma_failover: RDMA push of dirty guest pages to a standby host");
MODULE_LICENSE("GPL");
