// SPDX-License-Identifier: GPL-2.0
/*
 * memsched: the /sys/kernel/mm/memsched control plane.
 *
 * One value per file. Every file is documented in
 * Documentation/ABI/testing/sysfs-kernel-mm-memsched.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kobject.h>
#include <linux/mm.h>
#include <linux/sysfs.h>

#include <uapi/memsched.h>
#include "memsched.h"

static struct kobject *msched_kobj;

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%d\n", MEMSCHED_ABI_VERSION);
}
static struct kobj_attribute version_attr = __ATTR_RO_MODE(version, 0444);

static struct attribute *msched_root_attrs[] = {
	&version_attr.attr,
	NULL,
};

static const struct attribute_group msched_root_group = {
	.attrs = msched_root_attrs,
};

/**
 * msched_sysfs_init() - create /sys/kernel/mm/memsched.
 *
 * Context: process context, module init; may sleep.
 * Return: 0 on success, -errno on failure (nothing is left behind).
 */
int msched_sysfs_init(void)
{
	int ret;

	msched_kobj = kobject_create_and_add("memsched", mm_kobj);
	if (!msched_kobj)
		return -ENOMEM;

	ret = sysfs_create_group(msched_kobj, &msched_root_group);
	if (ret)
		goto out_put_kobj;
	return 0;

out_put_kobj:
	kobject_put(msched_kobj);
	msched_kobj = NULL;
	return ret;
}

/**
 * msched_sysfs_exit() - remove /sys/kernel/mm/memsched.
 *
 * Context: process context, module exit; may sleep.
 */
void msched_sysfs_exit(void)
{
	sysfs_remove_group(msched_kobj, &msched_root_group);
	kobject_put(msched_kobj);
	msched_kobj = NULL;
}
