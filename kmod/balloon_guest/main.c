// SPDX-License-Identifier: GPL-2.0
/*
 * balloon_guest: guest balloon driver cooperating with the memsched host module.
 *
 * Module entry points: bring the parts up in dependency order and tear them
 * down in reverse.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include <uapi/memsched.h>
#include "balloon_guest.h"

static int __init bguest_init(void)
{
	int ret;

	ret = bguest_sysfs_init();
	if (ret)
		return ret;

	pr_info("loaded (abi %d)\n", BALLOON_GUEST_ABI_VERSION);
	return 0;
}

static void __exit bguest_exit(void)
{
	bguest_sysfs_exit();
	pr_info("unloaded\n");
}

module_init(bguest_init);
module_exit(bguest_exit);

MODULE_DESCRIPTION("balloon_guest: guest balloon driver cooperating with the memsched host module");
MODULE_LICENSE("GPL");
