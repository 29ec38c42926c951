// SPDX-License-Identifier: GPL-2.0
/*
 * balloon_guest: guest balloon driver cooperating with the memsched host module.
 *
 * Module entry points: allocate the driver (struct bguest), bring its
 * parts up in dependency order and tear them down in reverse. The channel
 * comes last: once it runs, the host can ask for pages, and everything it
 * drives (balloon, stats, condition device, sysfs) must exist. It goes
 * first on exit and deflates the balloon.
 *
 * This file also wires the parts together: the table below says what each
 * message from the host does, so the transport calls no other part.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/slab.h>

#include <uapi/memsched.h>
#include "balloon_guest.h"

/* The one driver; only init and exit use this pointer. */
static struct bguest *bguest_dev;

/* A connection is up: the balloon starts its session, a report goes out. */
static void bguest_up(struct bguest *bg, u64 session)
{
	bguest_balloon_connect(bg, session);
	bguest_stats_send(bg);
}

static const struct bguest_chan_ops bguest_chan_ops = {
	.up = bguest_up,
	.down = bguest_balloon_disconnect,
	.hello_acked = bguest_balloon_host_confirmed,
	.handle = {
		[MSCHED_BALLOON_MSG_SET_TARGET] = bguest_balloon_on_set_target,
		[MSCHED_BALLOON_MSG_STATS_REQUEST] = bguest_stats_on_request,
		[MSCHED_BALLOON_MSG_ACK] = bguest_balloon_on_ack,
	},
};

#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
/* The fault attribute needs a static lock key: it lives here, bg points at it. */
static DECLARE_FAULT_ATTR(bguest_fail_alloc_attr);

/* /sys/kernel/debug/balloon_guest/: fail_alloc, before anything allocates. */
static void bguest_debugfs_init(struct bguest *bg)
{
	bg->fail_alloc = &bguest_fail_alloc_attr;
	bg->debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	msched_fail_alloc_debugfs(bg->fail_alloc, bg->debugfs);
}

static void bguest_debugfs_exit(struct bguest *bg)
{
	debugfs_remove_recursive(bg->debugfs);
}
#else
static void bguest_debugfs_init(struct bguest *bg) { }
static void bguest_debugfs_exit(struct bguest *bg) { }
#endif

static int __init bguest_init(void)
{
	struct bguest *bg;
	int ret;

	bg = kzalloc(sizeof(*bg), GFP_KERNEL);
	if (!bg)
		return -ENOMEM;
	ATOMIC_INIT_NOTIFIER_HEAD(&bg->events);

	bguest_debugfs_init(bg);
	ret = bguest_cond_init(bg);
	if (ret)
		goto out_debugfs;
	ret = bguest_balloon_init(bg);
	if (ret)
		goto out_cond;
	ret = bguest_stats_init(bg);
	if (ret)
		goto out_balloon;
	ret = bguest_sysfs_init(bg);
	if (ret)
		goto out_stats;
	ret = bguest_chan_init(bg, &bguest_chan_ops);
	if (ret)
		goto out_sysfs;

	bguest_dev = bg;
	pr_info("loaded (abi %d)\n", BALLOON_GUEST_ABI_VERSION);
	return 0;

out_sysfs:
	bguest_sysfs_exit(bg);
out_stats:
	bguest_stats_exit(bg);
out_balloon:
	bguest_balloon_exit(bg);
out_cond:
	bguest_cond_exit(bg);
out_debugfs:
	bguest_debugfs_exit(bg);
	kfree(bg);
	return ret;
}

static void __exit bguest_exit(void)
{
	struct bguest *bg = bguest_dev;

	bguest_chan_exit(bg);
	bguest_sysfs_exit(bg);
	bguest_stats_exit(bg);
	bguest_balloon_exit(bg);
	bguest_cond_exit(bg);
	bguest_debugfs_exit(bg);
	kfree(bg);
	pr_info("unloaded\n");
}

module_init(bguest_init);
module_exit(bguest_exit);

MODULE_DESCRIPTION("balloon_guest: guest balloon driver cooperating with the memsched host module");
MODULE_LICENSE("GPL");
