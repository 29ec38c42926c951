/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memsched: the guest balloon of each attached VM, a feature of the VM
 * (feature.h). Its files, each one concern, call each other as a tree:
 *
 *   balloon_main.c      the feature ops and module init/exit
 *   balloon_sysfs.c     root balloon/ and vms/<pid>/balloon/ files
 *   balloon_transfer.c  moving memory from one VM to another
 *   balloon.c           per-VM state and the message handlers
 *   balloon_release.c   releasing the host memory of ballooned frames
 *   channel.c           the AF_VSOCK transport (chan.h), which calls
 *                       balloon.c only through struct msched_chan_ops
 *
 * Each file calls only files below it in this list.
 */
#ifndef _MEMSCHED_BALLOON_H
#define _MEMSCHED_BALLOON_H

#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/xarray.h>

#include "chan.h"
#include "memsched.h"

/**
 * struct msched_balloon - the guest balloon of one VM (balloon.c).
 * @vm: the VM.
 * @ref: held by the VM from ->attach to ->detach, by a channel from its
 *	->connect to its ->disconnect, and by a balloon/transfer while it
 *	runs; the last put frees the balloon.
 * @lock: guards everything below; nests inside nothing of memsched's and
 *	outside the VMM's mmap_lock (see Documentation/design/locking.rst).
 * @cid: knob: AF_VSOCK CID of the VM's guest (0 = none); a connection from
 *	that CID is this VM's channel.
 * @target_pages: knob: balloon size the guest is asked to reach.
 * @chan: the connected channel, or NULL.
 * @gfns: the ballooned guest frames (index gfn, value xa_mk_value(0)).
 * @actual_pages: number of entries in @gfns.
 * @guest_pages: from the guest's HELLO (0 until then); the file
 *	guest_reported_pages.
 * @page_size: from HELLO.
 * @vm_id: from HELLO.
 * @target_ns: when @target_pages last changed; @target_pending until the
 *	guest reaches it, then @latency_us is how long that took.
 * @target_pending: see @target_ns.
 * @latency_us: see @target_ns.
 * @stats: the guest's last STATS values (@stats_present: which tags).
 * @stats_present: see @stats.
 * @stats_ns: when STATS last arrived (ktime_get_ns), 0 never.
 * @classes: the guest's last CLASSES values (@classes_present: which tags).
 * @classes_present: see @classes.
 * @nr_connects: channels matched to this VM.
 * @nr_messages: messages received from the guest.
 * @nr_rejects: messages rejected.
 * @nr_inflated: pages the guest reported inflated (accepted).
 * @nr_deflated: pages the guest reported deflated (accepted).
 * @nr_released: ballooned pages whose host memory was released.
 * @nr_release_skipped: ballooned pages whose backing cannot be released
 *	(hugetlb or special mappings); they stay ballooned all the same.
 */
struct msched_balloon {
	struct msched_vm *vm;
	struct kref ref;
	struct mutex lock;
	u64 cid;
	u64 target_pages;
	struct msched_chan *chan;
	struct xarray gfns;
	u64 actual_pages;
	u64 guest_pages;
	u32 page_size;
	u8 vm_id[MSCHED_BALLOON_VM_ID_LEN];
	u64 target_ns;
	bool target_pending;
	u64 latency_us;
	u64 stats[MSCHED_BALLOON_STAT_NR];
	u32 stats_present;
	u64 stats_ns;
	u64 classes[MSCHED_BALLOON_CLASS_NR];
	u32 classes_present;
	u64 nr_connects;
	u64 nr_messages;
	u64 nr_rejects;
	u64 nr_inflated;
	u64 nr_deflated;
	u64 nr_released;
	u64 nr_release_skipped;
};

/**
 * msched_balloon_of() - the balloon of a VM.
 * @vm: an attached VM.
 *
 * Context: any; from the balloon's ->attach to its ->detach.
 * Return: the VM's balloon.
 */
static inline struct msched_balloon *msched_balloon_of(struct msched_vm *vm)
{
	return msched_vm_feature(vm, MSCHED_FEAT_BALLOON);
}

/**
 * msched_balloon_init() - bring up the balloon's module-wide parts: the
 * root directory balloon/ under msched_sysfs_root(), then the AF_VSOCK
 * channel.
 *
 * Context: process context, module init, after msched_sysfs_init().
 * Return: 0 (also when AF_VSOCK is unavailable: the channel is then down
 * and balloon/listening reads 0), or -errno (-ENOMEM; -EINVAL for a bad
 * balloon_port), after undoing what was done.
 */
int msched_balloon_init(void);

/**
 * msched_balloon_exit() - remove the root directory balloon/ (waiting for a
 * balloon/transfer in flight), then stop the channel, closing every guest
 * channel. VMs still attached keep their balloon until their ->detach,
 * which comes later.
 *
 * Context: process context, module exit (or a failed init after
 * msched_balloon_init() succeeded).
 */
void msched_balloon_exit(void);

/**
 * struct msched_balloon_view - a balloon as the scheduler reads it.
 * @connected: the guest driver's channel is up.
 * @target_pages: the balloon size asked for.
 * @actual_pages: the balloon size the guest reports.
 * @guest_pages: the guest's size (its HELLO; memslot pages without one).
 * @reclaimable_pages: what the guest last reported free or in its page
 *	cache (CLASSES, else STATS), in pages; 0 when it reported nothing.
 */
struct msched_balloon_view {
	bool connected;
	u64 target_pages;
	u64 actual_pages;
	u64 guest_pages;
	u64 reclaimable_pages;
};

/* balloon.c: per-VM state and the message handlers */
extern atomic64_t msched_live_ballooned;
extern const struct msched_chan_ops msched_balloon_chan_ops;
int msched_balloon_attach(struct msched_vm *vm);
void msched_balloon_detach(struct msched_vm *vm);
struct msched_balloon *msched_balloon_get_by_pid(pid_t pid);
void msched_balloon_put(struct msched_balloon *b);
int __msched_balloon_set_target(struct msched_balloon *b, u64 target);
int msched_balloon_set_cid(struct msched_balloon *b, u64 cid);
int msched_balloon_set_target(struct msched_balloon *b, u64 target);
int msched_balloon_request_stats(struct msched_balloon *b);
void msched_balloon_read(struct msched_balloon *b,
			 struct msched_balloon_view *v);

/* balloon_release.c: releasing the host memory behind ballooned frames */
void msched_balloon_release(struct mm_struct *mm, const unsigned long *hvas,
			    u32 nr, u64 *released, u64 *skipped);

/* balloon_transfer.c: moving memory from one VM to another */
int msched_balloon_transfer(pid_t from, pid_t to, u64 pages);

/* balloon_sysfs.c: the balloon's files */
extern const struct attribute_group *msched_balloon_groups[];
int msched_balloon_sysfs_init(void);
void msched_balloon_sysfs_exit(void);

#endif /* _MEMSCHED_BALLOON_H */
