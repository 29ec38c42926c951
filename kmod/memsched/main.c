// SPDX-License-Identifier: GPL-2.0
/*
 * memsched: memory scheduling for KVM hosts.
 *
 * Module entry points. Each concern lives in its own file; this one only
 * brings them up in dependency order and tears them down in reverse.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include <uapi/memsched.h>
#include "memsched.h"
#include "balloon.h"
#include "fs.h"
#include "sched.h"
#include "swap.h"

static int __init msched_init(void)
{
	int ret;

	ret = msched_sysfs_init();
	if (ret)
		return ret;
	ret = msched_vm_init(msched_sysfs_root());
	if (ret)
		goto out_sysfs_exit;
	msched_vm_register_feature(MSCHED_FEAT_ACCESS, &msched_kvm_access_ops);
	msched_vm_register_feature(MSCHED_FEAT_SAMPLE, &msched_sample_ops);
	msched_vm_register_feature(MSCHED_FEAT_BALLOON, &msched_balloon_ops);
	msched_vm_register_feature(MSCHED_FEAT_SCHED, &msched_sched_ops);
	msched_debugfs_init();
	ret = msched_balloon_init();
	if (ret)
		goto out_vm_exit;
	ret = msched_sched_init(msched_sysfs_root());
	if (ret)
		goto out_balloon_exit;
	ret = msched_sysfs_add_control();	/* attach may start right away */
	if (ret)
		goto out_sched_exit;
	ret = msched_swap_init(msched_sysfs_root());
	if (ret)
		goto out_remove_control;
	ret = msched_fs_init();	/* last: mounts may start right away */
	if (ret)
		goto out_swap_exit;

	pr_info("loaded (abi %d)\n", MEMSCHED_ABI_VERSION);
	return 0;

out_swap_exit:
	msched_swap_exit();
out_remove_control:
	msched_sysfs_remove_control();	/* waits for attach writes in flight */
out_sched_exit:
	msched_sched_exit();
out_balloon_exit:
	msched_balloon_exit();
out_vm_exit:
	msched_debugfs_exit();
	msched_vm_exit();
out_sysfs_exit:
	msched_sysfs_exit();
	return ret;
}

/*
 * Unload while VMs are attached is safe: memschedfs goes first (while it is
 * mounted the module cannot be unloaded), then no new attach can start,
 * then the scheduler stops, then every guest channel is closed, then every
 * VM is detached through the one teardown path, then the tree goes.
 */
static void __exit msched_exit(void)
{
	msched_fs_exit();	/* a mount pins the module: none is left */
	msched_swap_exit();	/* so no page is out: close the device */
	msched_sysfs_remove_control();
	msched_sched_exit();	/* no period runs from here on */
	msched_balloon_exit();
	msched_debugfs_exit();
	msched_vm_exit();
	msched_sysfs_exit();
	pr_info("unloaded\n");
}

module_init(msched_init);
module_exit(msched_exit);

MODULE_DESCRIPTION("memsched: memory scheduling for KVM hosts");
MODULE_LICENSE("GPL");
