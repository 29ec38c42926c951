// SPDX-License-Identifier: GPL-2.0
/*
 * memsched: how the balloon plugs into memsched: its feature ops (per VM)
 * and its module-wide init and exit (the root balloon/ directory and the
 * AF_VSOCK channel). The map of the balloon's files is in balloon.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "balloon.h"

const struct msched_feature_ops msched_balloon_ops = {
	.name	= "balloon",
	.groups	= msched_balloon_groups,
	.attach	= msched_balloon_attach,
	.detach	= msched_balloon_detach,
};

/* Documented in balloon.h. */
int msched_balloon_init(void)
{
	int ret;

	ret = msched_balloon_sysfs_init();
	if (ret)
		return ret;
	ret = msched_chan_init(&msched_balloon_chan_ops);
	if (ret)
		msched_balloon_sysfs_exit();
	return ret;
}

/* Documented in balloon.h. */
void msched_balloon_exit(void)
{
	msched_balloon_sysfs_exit();	/* no transfer runs or starts after */
	msched_chan_exit();
}
