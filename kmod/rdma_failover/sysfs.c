// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_failover: the /sys/kernel/rdma_failover control plane.
 *
 * One value per file. Every file is documented in
 * Documentation/ABI/testing/sysfs-kernel-rdma_failover.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kobject.h>
#include <linux/mm.h>
#include <linux/sysfs.h>

#include <uapi/memsched.h>
#include "rdma_failover.h"

static struct kobject *rfo_kobj;

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%d\n", RDMA_FAILOVER_ABI_VERSION);
}
static struct kobj_attribute version_attr = __ATTR_RO_MODE(version, 0444);

static struct attribute *rfo_root_attrs[] = {
	&version_attr.attr,
	NULL,
};

static const struct attribute_group rfo_root_group = {
	.attrs = rfo_root_attrs,
};

/**
 * rfo_sysfs_init() - create /sys/kernel/rdma_failover.
 *
 * Context: process context, module init; may sleep.
 * Return: 0 on success, -errno on failure (nothing is left behind).
 */
int rfo_sysfs_init(void)
{
	int ret;

	rfo_kobj = kobject_create_and_add("rdma_failover", kernel_kobj);
	if (!rfo_kobj)
		return -ENOMEM;

	ret = sysfs_create_group(rfo_kobj, &rfo_root_group);
	if (ret)
		goto out_put_kobj;
	return 0;

out_put_kobj:
	kobject_put(rfo_kobj);
	rfo_kobj = NULL;
	return ret;
}

/**
 * rfo_sysfs_exit() - remove /sys/kernel/rdma_failover.
 *
 * Context: process context, module exit; may sleep.
 */
void rfo_sysfs_exit(void)
{
	sysfs_remove_group(rfo_kobj, &rfo_root_group);
	kobject_put(rfo_kobj);
	rfo_kobj = NULL;
}
