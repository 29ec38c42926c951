// SPDX-License-Identifier: GPL-2.0
/*
 * memsched: the balloon's sysfs files.
 *
 * /sys/kernel/mm/memsched/balloon/ (module-wide): listening, channels,
 * transfer, stats/nr_unmatched, stats/nr_rejects.
 * /sys/kernel/mm/memsched/vms/<pid>/balloon/ (per VM, created by vm.c from
 * msched_balloon_groups): knobs, gauges and the guest's tables at the top,
 * counters in stats/.
 *
 * Every file is documented in
 * Documentation/ABI/testing/sysfs-kernel-mm-memsched-balloon.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kobject.h>
#include <linux/sysfs.h>
#include <linux/timekeeping.h>

#include "balloon.h"

/* ---- vms/<pid>/balloon/ ---- */

static struct msched_balloon *kobj_to_balloon(struct kobject *kobj)
{
	return msched_balloon_of(msched_vm_of_kobj(kobj));
}

#define MSCHED_BALLOON_RO(_name, _fmt, _expr)				\
static ssize_t _name##_show(struct kobject *kobj,			\
			    struct kobj_attribute *attr, char *buf)	\
{									\
	struct msched_balloon *b = kobj_to_balloon(kobj);		\
	ssize_t ret;							\
									\
	mutex_lock(&b->lock);						\
	ret = sysfs_emit(buf, _fmt "\n", _expr);			\
	mutex_unlock(&b->lock);						\
	return ret;							\
}									\
static struct kobj_attribute _name##_attr = __ATTR_RO_MODE(_name, 0400)

MSCHED_BALLOON_RO(connected, "%d", b->chan ? 1 : 0);
MSCHED_BALLOON_RO(actual_pages, "%llu", b->actual_pages);
MSCHED_BALLOON_RO(guest_reported_pages, "%llu", b->guest_pages);
MSCHED_BALLOON_RO(latency_us, "%llu", b->latency_us);
MSCHED_BALLOON_RO(target_pending, "%d", b->target_pending ? 1 : 0);
MSCHED_BALLOON_RO(stats_age_ms, "%lld", b->stats_ns ?
		  (s64)div_u64(ktime_get_ns() - b->stats_ns, NSEC_PER_MSEC) : -1LL);
MSCHED_BALLOON_RO(nr_connects, "%llu", b->nr_connects);
MSCHED_BALLOON_RO(nr_messages, "%llu", b->nr_messages);
MSCHED_BALLOON_RO(nr_rejects, "%llu", b->nr_rejects);
MSCHED_BALLOON_RO(nr_inflated_pages, "%llu", b->nr_inflated);
MSCHED_BALLOON_RO(nr_deflated_pages, "%llu", b->nr_deflated);
MSCHED_BALLOON_RO(nr_released_pages, "%llu", b->nr_released);
MSCHED_BALLOON_RO(nr_release_skipped_pages, "%llu", b->nr_release_skipped);

static ssize_t cid_show(struct kobject *kobj, struct kobj_attribute *attr,
			char *buf)
{
	return sysfs_emit(buf, "%llu\n", READ_ONCE(kobj_to_balloon(kobj)->cid));
}

/* 0 = none, 1 = VMADDR_CID_LOCAL (vsock_loopback, for tests), 3.. guests. */
static ssize_t cid_store(struct kobject *kobj, struct kobj_attribute *attr,
			 const char *buf, size_t count)
{
	struct msched_balloon *b = kobj_to_balloon(kobj);
	u64 v;
	int ret;

	if (kstrtou64(buf, 0, &v) || v == 2 || v >= U32_MAX) {
		pr_info("pid %d: balloon/cid: accepted: 0 (none), 1 (local), or a guest CID from 3 to %u\n",
			b->vm->pid, U32_MAX - 1);
		return -EINVAL;
	}
	ret = msched_balloon_set_cid(b, v);
	return ret ? ret : count;
}
static struct kobj_attribute cid_attr = __ATTR(cid, 0600, cid_show, cid_store);

static ssize_t target_pages_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	struct msched_balloon *b = kobj_to_balloon(kobj);
	ssize_t ret;

	mutex_lock(&b->lock);
	ret = sysfs_emit(buf, "%llu\n", b->target_pages);
	mutex_unlock(&b->lock);
	return ret;
}

static ssize_t target_pages_store(struct kobject *kobj,
				  struct kobj_attribute *attr,
				  const char *buf, size_t count)
{
	struct msched_balloon *b = kobj_to_balloon(kobj);
	u64 v;
	int ret;

	if (kstrtou64(buf, 0, &v)) {
		pr_info("pid %d: balloon/target_pages: accepted: 0 up to the guest's pages (guest_reported_pages, or the VM's guest_pages before HELLO)\n",
			b->vm->pid);
		return -EINVAL;
	}
	ret = msched_balloon_set_target(b, v);
	return ret ? ret : count;
}
static struct kobj_attribute target_pages_attr =
	__ATTR(target_pages, 0600, target_pages_show, target_pages_store);

static ssize_t request_stats_store(struct kobject *kobj,
				   struct kobj_attribute *attr,
				   const char *buf, size_t count)
{
	struct msched_balloon *b = kobj_to_balloon(kobj);
	int ret;

	if (!sysfs_streq(buf, "1")) {
		pr_info("pid %d: balloon/request_stats: accepted: 1\n",
			b->vm->pid);
		return -EINVAL;
	}
	ret = msched_balloon_request_stats(b);
	return ret ? ret : count;
}
static struct kobj_attribute request_stats_attr =
	__ATTR(request_stats, 0200, NULL, request_stats_store);

static const char * const msched_stat_names[MSCHED_BALLOON_STAT_NR] = {
	[MSCHED_BALLOON_STAT_SWAP_IN] = "swap_in_bytes",
	[MSCHED_BALLOON_STAT_SWAP_OUT] = "swap_out_bytes",
	[MSCHED_BALLOON_STAT_MAJOR_FAULTS] = "major_faults",
	[MSCHED_BALLOON_STAT_MINOR_FAULTS] = "minor_faults",
	[MSCHED_BALLOON_STAT_FREE] = "free_bytes",
	[MSCHED_BALLOON_STAT_TOTAL] = "total_bytes",
	[MSCHED_BALLOON_STAT_AVAILABLE] = "available_bytes",
	[MSCHED_BALLOON_STAT_CACHES] = "caches_bytes",
	[MSCHED_BALLOON_STAT_OOM_KILLS] = "oom_kills",
	[MSCHED_BALLOON_STAT_ALLOC_STALLS] = "alloc_stalls",
};

static const char * const msched_class_names[MSCHED_BALLOON_CLASS_NR] = {
	[MSCHED_BALLOON_CLASS_ANON_ACTIVE] = "anon_active_bytes",
	[MSCHED_BALLOON_CLASS_ANON_INACTIVE] = "anon_inactive_bytes",
	[MSCHED_BALLOON_CLASS_FILE_ACTIVE] = "file_active_bytes",
	[MSCHED_BALLOON_CLASS_FILE_INACTIVE] = "file_inactive_bytes",
	[MSCHED_BALLOON_CLASS_DIRTY] = "dirty_bytes",
	[MSCHED_BALLOON_CLASS_FREE] = "free_bytes",
	[MSCHED_BALLOON_CLASS_SLAB] = "slab_bytes",
};

/* The table format: "name value" per tag the guest reported, in tag order. */
static ssize_t emit_kvs(struct msched_balloon *b, char *buf, const u64 *vals,
			const u32 *present, const char * const *names, u32 nr)
{
	ssize_t len = 0;
	u32 t;

	mutex_lock(&b->lock);
	for (t = 0; t < nr; t++)
		if (*present & BIT(t))
			len += sysfs_emit_at(buf, len, "%s %llu\n", names[t],
					     vals[t]);
	mutex_unlock(&b->lock);
	return len;
}

static ssize_t guest_stats_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	struct msched_balloon *b = kobj_to_balloon(kobj);

	return emit_kvs(b, buf, b->stats, &b->stats_present,
			msched_stat_names, MSCHED_BALLOON_STAT_NR);
}
static struct kobj_attribute guest_stats_attr =
	__ATTR_RO_MODE(guest_stats, 0400);

static ssize_t guest_classes_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	struct msched_balloon *b = kobj_to_balloon(kobj);

	return emit_kvs(b, buf, b->classes, &b->classes_present,
			msched_class_names, MSCHED_BALLOON_CLASS_NR);
}
static struct kobj_attribute guest_classes_attr =
	__ATTR_RO_MODE(guest_classes, 0400);

/* Knobs, actions, gauges and tables: vms/<pid>/balloon/ itself. */
static struct attribute *msched_balloon_attrs[] = {
	&cid_attr.attr,
	&target_pages_attr.attr,
	&request_stats_attr.attr,
	&connected_attr.attr,
	&actual_pages_attr.attr,
	&guest_reported_pages_attr.attr,
	&latency_us_attr.attr,
	&target_pending_attr.attr,
	&stats_age_ms_attr.attr,
	&guest_stats_attr.attr,
	&guest_classes_attr.attr,
	NULL,
};

static const struct attribute_group msched_balloon_group = {
	.attrs = msched_balloon_attrs,
};

/* Counters since attach: vms/<pid>/balloon/stats/. */
static struct attribute *msched_balloon_stats_attrs[] = {
	&nr_connects_attr.attr,
	&nr_messages_attr.attr,
	&nr_rejects_attr.attr,
	&nr_inflated_pages_attr.attr,
	&nr_deflated_pages_attr.attr,
	&nr_released_pages_attr.attr,
	&nr_release_skipped_pages_attr.attr,
	NULL,
};

static const struct attribute_group msched_balloon_stats_group = {
	.name = "stats",
	.attrs = msched_balloon_stats_attrs,
};

/* The per-VM groups, for the balloon's feature ops. */
const struct attribute_group *msched_balloon_groups[] = {
	&msched_balloon_group,
	&msched_balloon_stats_group,
	NULL,
};

/* ---- /sys/kernel/mm/memsched/balloon/ ---- */

static struct kobject *msched_balloon_kobj;

/* transfer: "FROM_PID TO_PID PAGES" moves memory between VMs. */
static ssize_t transfer_store(struct kobject *kobj, struct kobj_attribute *attr,
			      const char *buf, size_t count)
{
	int from, to;
	u64 pages;
	char end;
	int ret;

	if (sscanf(buf, "%d %d %llu %c", &from, &to, &pages, &end) != 3 ||
	    from <= 0 || to <= 0 || !pages) {
		pr_info("balloon/transfer: accepted: FROM_PID TO_PID PAGES (two attached VMs, PAGES > 0)\n");
		return -EINVAL;
	}
	ret = msched_balloon_transfer(from, to, pages);
	return ret ? ret : count;
}
static struct kobj_attribute transfer_attr =
	__ATTR(transfer, 0200, NULL, transfer_store);

#define MSCHED_ROOT_RO(_name, _expr)					\
static ssize_t root_##_name##_show(struct kobject *kobj,		\
				   struct kobj_attribute *attr, char *buf) \
{									\
	return sysfs_emit(buf, "%lld\n", (long long)(_expr));		\
}									\
static struct kobj_attribute root_##_name##_attr =			\
	__ATTR(_name, 0444, root_##_name##_show, NULL)

MSCHED_ROOT_RO(listening, msched_chan_listening());
MSCHED_ROOT_RO(channels, atomic64_read(&msched_live_chans));
MSCHED_ROOT_RO(nr_unmatched, atomic64_read(&msched_chan_unmatched));
MSCHED_ROOT_RO(nr_rejects, atomic64_read(&msched_chan_rejects));

static struct attribute *msched_balloon_root_attrs[] = {
	&root_listening_attr.attr,
	&root_channels_attr.attr,
	&transfer_attr.attr,
	NULL,
};

static const struct attribute_group msched_balloon_root_group = {
	.attrs = msched_balloon_root_attrs,
};

static struct attribute *msched_balloon_root_stats_attrs[] = {
	&root_nr_unmatched_attr.attr,
	&root_nr_rejects_attr.attr,
	NULL,
};

static const struct attribute_group msched_balloon_root_stats_group = {
	.name = "stats",
	.attrs = msched_balloon_root_stats_attrs,
};

static const struct attribute_group *msched_balloon_root_groups[] = {
	&msched_balloon_root_group,
	&msched_balloon_root_stats_group,
	NULL,
};

/**
 * msched_balloon_sysfs_init() - create /sys/kernel/mm/memsched/balloon/.
 *
 * Context: process context, module init, after msched_sysfs_init().
 * Return: 0 or -ENOMEM (nothing is left behind).
 */
int msched_balloon_sysfs_init(void)
{
	int ret;

	msched_balloon_kobj = kobject_create_and_add("balloon",
						     msched_sysfs_root());
	if (!msched_balloon_kobj)
		return -ENOMEM;
	ret = sysfs_create_groups(msched_balloon_kobj,
				  msched_balloon_root_groups);
	if (ret) {
		kobject_put(msched_balloon_kobj);
		msched_balloon_kobj = NULL;
	}
	return ret;
}

/**
 * msched_balloon_sysfs_exit() - remove /sys/kernel/mm/memsched/balloon/,
 * waiting for callbacks in flight (a balloon/transfer may take 30 s).
 *
 * Context: process context, module exit.
 */
void msched_balloon_sysfs_exit(void)
{
	sysfs_remove_groups(msched_balloon_kobj, msched_balloon_root_groups);
	kobject_put(msched_balloon_kobj);
	msched_balloon_kobj = NULL;
}
