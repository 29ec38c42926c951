// SPDX-License-Identifier: GPL-2.0
/*
 * memsched: diagnostics in /sys/kernel/debug/memsched/ (not an ABI).
 *
 * live_vms and live_bytes count VM objects and bytes of sampling state that
 * are allocated right now, live_ballooned the frames in every VM's balloon
 * set, live_chans the open guest channels, live_fs_files the memschedfs
 * inodes (directories, roots included) and live_fs_pages the pages in
 * memschedfs files. All return to zero once every VM is detached, every
 * channel closed and every memschedfs unmounted; the selftests check that
 * after every lifecycle path.
 */
#include <linux/debugfs.h>

#include "memsched.h"
#include "balloon.h"
#include "sample.h"
#include "fs.h"
#include "swap.h"

static struct dentry *msched_debugfs_dir;

MSCHED_FAIL_ALLOC_DEFINE(msched_fail_alloc_attr);

static int live_vms_get(void *data, u64 *val)
{
	*val = atomic64_read(&msched_live_vms);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(live_vms_fops, live_vms_get, NULL, "%llu\n");

static int live_bytes_get(void *data, u64 *val)
{
	*val = atomic64_read(&msched_live_bytes);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(live_bytes_fops, live_bytes_get, NULL, "%llu\n");

static int live_ballooned_get(void *data, u64 *val)
{
	*val = atomic64_read(&msched_live_ballooned);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(live_ballooned_fops, live_ballooned_get, NULL,
			 "%llu\n");

static int live_fs_files_get(void *data, u64 *val)
{
	*val = atomic64_read(&msched_live_fs_files);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(live_fs_files_fops, live_fs_files_get, NULL,
			 "%llu\n");

static int live_fs_pages_get(void *data, u64 *val)
{
	*val = msched_fs_live_pages();
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(live_fs_pages_fops, live_fs_pages_get, NULL,
			 "%llu\n");

static int live_swap_slots_get(void *data, u64 *val)
{
	*val = msched_swap_used_pages();
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(live_swap_slots_fops, live_swap_slots_get, NULL,
			 "%llu\n");

static int live_swap_batches_get(void *data, u64 *val)
{
	*val = atomic64_read(&msched_live_swap_batches);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(live_swap_batches_fops, live_swap_batches_get, NULL,
			 "%llu\n");

static int live_chans_get(void *data, u64 *val)
{
	*val = atomic64_read(&msched_live_chans);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(live_chans_fops, live_chans_get, NULL, "%llu\n");

/**
 * msched_debugfs_init() - create /sys/kernel/debug/memsched/.
 *
 * Context: process context, module init. Failure is not fatal (debugfs is
 * for diagnostics only), so nothing is returned.
 */
void msched_debugfs_init(void)
{
	msched_debugfs_dir = debugfs_create_dir("memsched", NULL);
	debugfs_create_file_unsafe("live_vms", 0400, msched_debugfs_dir, NULL,
				   &live_vms_fops);
	debugfs_create_file_unsafe("live_bytes", 0400, msched_debugfs_dir, NULL,
				   &live_bytes_fops);
	debugfs_create_file_unsafe("live_ballooned", 0400, msched_debugfs_dir,
				   NULL, &live_ballooned_fops);
	debugfs_create_file_unsafe("live_chans", 0400, msched_debugfs_dir,
				   NULL, &live_chans_fops);
	debugfs_create_file_unsafe("live_fs_files", 0400, msched_debugfs_dir,
				   NULL, &live_fs_files_fops);
	msched_fail_alloc_debugfs(&msched_fail_alloc_attr, msched_debugfs_dir);
	debugfs_create_file_unsafe("live_fs_pages", 0400, msched_debugfs_dir,
				   NULL, &live_fs_pages_fops);
	debugfs_create_file_unsafe("live_swap_slots", 0400, msched_debugfs_dir,
				   NULL, &live_swap_slots_fops);
	debugfs_create_file_unsafe("live_swap_batches", 0400,
				   msched_debugfs_dir, NULL,
				   &live_swap_batches_fops);
}

/**
 * msched_debugfs_exit() - remove /sys/kernel/debug/memsched/.
 *
 * Context: process context, module exit.
 */
void msched_debugfs_exit(void)
{
	debugfs_remove_recursive(msched_debugfs_dir);
}
