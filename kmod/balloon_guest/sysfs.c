// SPDX-License-Identifier: GPL-2.0
/*
 * balloon_guest: the /sys/kernel/mm/balloon_guest control plane.
 *
 * One value per file. Every file is documented in
 * Documentation/ABI/testing/sysfs-kernel-mm-balloon_guest.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kobject.h>
#include <linux/mm.h>
#include <linux/sysfs.h>

#include <uapi/memsched.h>
#include "balloon_guest.h"

static struct kobject *bguest_kobj;

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%d\n", BALLOON_GUEST_ABI_VERSION);
}
static struct kobj_attribute version_attr = __ATTR_RO_MODE(version, 0444);

static struct attribute *bguest_root_attrs[] = {
	&version_attr.attr,
	NULL,
};

static const struct attribute_group bguest_root_group = {
	.attrs = bguest_root_attrs,
};

/**
 * bguest_sysfs_init() - create /sys/kernel/mm/balloon_guest.
 *
 * Context: process context, module init; may sleep.
 * Return: 0 on success, -errno on failure (nothing is left behind).
 */
int bguest_sysfs_init(void)
{
	int ret;

	bguest_kobj = kobject_create_and_add("balloon_guest", mm_kobj);
	if (!bguest_kobj)
		return -ENOMEM;

	ret = sysfs_create_group(bguest_kobj, &bguest_root_group);
	if (ret)
		goto out_put_kobj;
	return 0;

out_put_kobj:
	kobject_put(bguest_kobj);
	bguest_kobj = NULL;
	return ret;
}

/**
 * bguest_sysfs_exit() - remove /sys/kernel/mm/balloon_guest.
 *
 * Context: process context, module exit; may sleep.
 */
void bguest_sysfs_exit(void)
{
	sysfs_remove_group(bguest_kobj, &bguest_root_group);
	kobject_put(bguest_kobj);
	bguest_kobj = NULL;
}
