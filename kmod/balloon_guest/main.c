// SPDX-License-Identifier: GPL-2.0
/*
 * balloon_guest: guest balloon driver cooperating with the memsched host module.
 *
 * Module entry points: bring the parts up in dependency order and tear them
 * down in reverse. The channel comes last: once it runs, the host can ask
 * for pages, and everything it drives (balloon, stats, condition device,
 * sysfs) must exist. It goes first on exit and deflates the balloon.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/module.h>

#include <uapi/memsched.h>
#include "balloon_guest.h"

struct bguest_counters bguest_ctr;

MSCHED_FAIL_ALLOC_DEFINE(bguest_fail_alloc_attr);

#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
/* /sys/kernel/debug/balloon_guest/: fail_alloc, before anything allocates. */
static struct dentry *bguest_debugfs_dir;

static void bguest_debugfs_init(void)
{
	bguest_debugfs_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	msched_fail_alloc_debugfs(&bguest_fail_alloc_attr, bguest_debugfs_dir);
}

static void bguest_debugfs_exit(void)
{
	debugfs_remove_recursive(bguest_debugfs_dir);
}
#else
static void bguest_debugfs_init(void) { }
static void bguest_debugfs_exit(void) { }
#endif

static int __init bguest_init(void)
{
	int ret;

	bguest_debugfs_init();
	ret = bguest_cond_init();
	if (ret)
		goto out_debugfs;
	ret = bguest_balloon_init();
	if (ret)
		goto out_cond;
	ret = bguest_stats_init();
	if (ret)
		goto out_balloon;
	ret = bguest_sysfs_init();
	if (ret)
		goto out_stats;
	ret = bguest_chan_init();
	if (ret)
		goto out_sysfs;

	pr_info("loaded (abi %d)\n", BALLOON_GUEST_ABI_VERSION);
	return 0;

out_sysfs:
	bguest_sysfs_exit();
out_stats:
	bguest_stats_exit();
out_balloon:
	bguest_balloon_exit();
out_cond:
	bguest_cond_exit();
out_debugfs:
	bguest_debugfs_exit();
	return ret;
}

static void __exit bguest_exit(void)
{
	bguest_chan_exit();
	bguest_sysfs_exit();
	bguest_stats_exit();
	bguest_balloon_exit();
	bguest_cond_exit();
	bguest_debugfs_exit();
	pr_info("unloaded\n");
}

module_init(bguest_init);
module_exit(bguest_exit);

MODULE_DESCRIPTION("balloon_guest: guest balloon driver cooperating with the memsched host module");
MODULE_LICENSE("GPL");
