// SPDX-License-Identifier: GPL-2.0
/*
 * balloon_guest: the /sys/kernel/mm/balloon_guest control plane (ABI 2).
 *
 * One value per file. Knobs and gauges live at the top; counters, all
 * named nr_*, in stats/. Every file is documented in
 * Documentation/ABI/testing/sysfs-kernel-mm-balloon_guest.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kobject.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sysfs.h>

#include <uapi/memsched.h>
#include "balloon_guest.h"

/*
 * The driver, for the show and store functions (a kobject made by
 * kobject_create_and_add() carries no data); set while the tree exists.
 */
static struct bguest *bguest_sysfs_bg;

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%d\n", BALLOON_GUEST_ABI_VERSION);
}
static struct kobj_attribute version_attr = __ATTR_RO_MODE(version, 0444);

/* Knobs: a write outside [min, max] (or 0 where allowed) is -EINVAL. */

static int bguest_parse(const char *name, const char *buf, bool zero_ok,
			unsigned int min, unsigned int max, unsigned int *val)
{
	bool in_range;

	if (!kstrtouint(buf, 0, val)) {
		in_range = *val >= min && *val <= max;
		if (in_range || (zero_ok && !*val))
			return 0;
	}
	pr_info("%s: accepted: %s%u to %u\n", name,
		zero_ok ? "0 (off) or " : "", min, max);
	return -EINVAL;
}

static ssize_t stats_interval_ms_show(struct kobject *kobj,
				      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  READ_ONCE(bguest_sysfs_bg->stats.interval_ms));
}

static ssize_t stats_interval_ms_store(struct kobject *kobj,
				       struct kobj_attribute *attr,
				       const char *buf, size_t count)
{
	struct bguest *bg = bguest_sysfs_bg;
	unsigned int val;

	if (bguest_parse("stats_interval_ms", buf, true,
			 BGUEST_STATS_INTERVAL_MS_MIN,
			 BGUEST_STATS_INTERVAL_MS_MAX, &val))
		return -EINVAL;
	WRITE_ONCE(bg->stats.interval_ms, val);
	bguest_stats_rearm(bg);
	return count;
}
static struct kobj_attribute stats_interval_ms_attr =
	__ATTR(stats_interval_ms, 0600, stats_interval_ms_show,
	       stats_interval_ms_store);

static ssize_t oom_deflate_pages_show(struct kobject *kobj,
				      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  READ_ONCE(bguest_sysfs_bg->balloon.oom_deflate_pages));
}

static ssize_t oom_deflate_pages_store(struct kobject *kobj,
				       struct kobj_attribute *attr,
				       const char *buf, size_t count)
{
	unsigned int val;

	if (bguest_parse("oom_deflate_pages", buf, false, 0,
			 BGUEST_OOM_DEFLATE_MAX, &val))
		return -EINVAL;
	WRITE_ONCE(bguest_sysfs_bg->balloon.oom_deflate_pages, val);
	return count;
}
static struct kobj_attribute oom_deflate_pages_attr =
	__ATTR(oom_deflate_pages, 0600, oom_deflate_pages_show,
	       oom_deflate_pages_store);

static ssize_t reconnect_ms_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  READ_ONCE(bguest_sysfs_bg->chan.reconnect_ms));
}

static ssize_t reconnect_ms_store(struct kobject *kobj,
				  struct kobj_attribute *attr,
				  const char *buf, size_t count)
{
	unsigned int val;

	if (bguest_parse("reconnect_ms", buf, false, BGUEST_RECONNECT_MS_MIN,
			 BGUEST_RECONNECT_MS_MAX, &val))
		return -EINVAL;
	WRITE_ONCE(bguest_sysfs_bg->chan.reconnect_ms, val);
	return count;
}
static struct kobj_attribute reconnect_ms_attr =
	__ATTR(reconnect_ms, 0600, reconnect_ms_show, reconnect_ms_store);

/* Read-only state, gauges and counters. */

#define BGUEST_RO(_name, _fmt, _expr)					\
static ssize_t _name##_show(struct kobject *kobj,			\
			    struct kobj_attribute *attr, char *buf)	\
{									\
	struct bguest *bg = bguest_sysfs_bg;				\
									\
	return sysfs_emit(buf, _fmt "\n", _expr);			\
}									\
static struct kobj_attribute _name##_attr = __ATTR_RO_MODE(_name, 0400)

#define BGUEST_COUNTER(_name)						\
	BGUEST_RO(_name, "%lld", atomic64_read(&bg->ctr._name))

BGUEST_RO(connected, "%d", bguest_chan_connected(bg));
BGUEST_RO(target_pages, "%llu", bguest_balloon_target(bg));
BGUEST_RO(balloon_pages, "%llu", bguest_balloon_pages(bg));
BGUEST_RO(last_inflate_ns, "%lld",
	  atomic64_read(&bg->balloon.last_inflate_ns));
BGUEST_RO(last_deflate_ns, "%lld",
	  atomic64_read(&bg->balloon.last_deflate_ns));

static struct attribute *bguest_root_attrs[] = {
	&version_attr.attr,
	&stats_interval_ms_attr.attr,
	&oom_deflate_pages_attr.attr,
	&reconnect_ms_attr.attr,
	&connected_attr.attr,
	&target_pages_attr.attr,
	&balloon_pages_attr.attr,
	&last_inflate_ns_attr.attr,
	&last_deflate_ns_attr.attr,
	NULL,
};

static const struct attribute_group bguest_root_group = {
	.attrs = bguest_root_attrs,
};

BGUEST_COUNTER(nr_inflated_pages);
BGUEST_COUNTER(nr_deflated_pages);
BGUEST_COUNTER(nr_migrated_pages);
BGUEST_COUNTER(nr_oom_notifications);
BGUEST_COUNTER(nr_oom_deflated_pages);
BGUEST_COUNTER(nr_alloc_failures);
BGUEST_COUNTER(nr_connect_failures);
BGUEST_COUNTER(nr_host_rejects);
BGUEST_COUNTER(nr_protocol_errors);
BGUEST_COUNTER(nr_messages_sent);
BGUEST_COUNTER(nr_messages_received);

static struct attribute *bguest_stats_attrs[] = {
	&nr_inflated_pages_attr.attr,
	&nr_deflated_pages_attr.attr,
	&nr_migrated_pages_attr.attr,
	&nr_oom_notifications_attr.attr,
	&nr_oom_deflated_pages_attr.attr,
	&nr_alloc_failures_attr.attr,
	&nr_connect_failures_attr.attr,
	&nr_host_rejects_attr.attr,
	&nr_protocol_errors_attr.attr,
	&nr_messages_sent_attr.attr,
	&nr_messages_received_attr.attr,
	NULL,
};

/* stats/: the counters (struct bguest_counters). */
static const struct attribute_group bguest_stats_group = {
	.name = "stats",
	.attrs = bguest_stats_attrs,
};

static const struct attribute_group *bguest_groups[] = {
	&bguest_root_group,
	&bguest_stats_group,
	NULL,
};

/**
 * bguest_sysfs_init() - create /sys/kernel/mm/balloon_guest.
 * @bg: the driver the files show and set
 *
 * Context: process context, module init; may sleep.
 * Return: 0 on success, -errno on failure (nothing is left behind).
 */
int bguest_sysfs_init(struct bguest *bg)
{
	int ret;

	bguest_sysfs_bg = bg;
	bg->kobj = kobject_create_and_add("balloon_guest", mm_kobj);
	if (!bg->kobj) {
		ret = -ENOMEM;
		goto out_clear;
	}
	ret = sysfs_create_groups(bg->kobj, bguest_groups);
	if (ret)
		goto out_put_kobj;
	return 0;

out_put_kobj:
	kobject_put(bg->kobj);
	bg->kobj = NULL;
out_clear:
	bguest_sysfs_bg = NULL;
	return ret;
}

/**
 * bguest_sysfs_exit() - remove /sys/kernel/mm/balloon_guest.
 * @bg: the driver
 *
 * Waits for readers and writers of its files.
 *
 * Context: process context, module exit; may sleep.
 */
void bguest_sysfs_exit(struct bguest *bg)
{
	sysfs_remove_groups(bg->kobj, bguest_groups);
	kobject_put(bg->kobj);
	bg->kobj = NULL;
	bguest_sysfs_bg = NULL;
}
