// SPDX-License-Identifier: GPL-2.0
/*
 * balloon_guest: the /sys/kernel/mm/balloon_guest control plane.
 *
 * One value per file. Every file is documented in
 * Documentation/ABI/testing/sysfs-kernel-mm-balloon_guest.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kobject.h>
#include <linux/kernel.h>
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
	return sysfs_emit(buf, "%u\n", READ_ONCE(bguest_stats_interval_ms));
}

static ssize_t stats_interval_ms_store(struct kobject *kobj,
				       struct kobj_attribute *attr,
				       const char *buf, size_t count)
{
	unsigned int val;

	if (bguest_parse("stats_interval_ms", buf, true,
			 BGUEST_STATS_INTERVAL_MS_MIN,
			 BGUEST_STATS_INTERVAL_MS_MAX, &val))
		return -EINVAL;
	WRITE_ONCE(bguest_stats_interval_ms, val);
	bguest_stats_rearm();
	return count;
}
static struct kobj_attribute stats_interval_ms_attr =
	__ATTR(stats_interval_ms, 0600, stats_interval_ms_show,
	       stats_interval_ms_store);

static ssize_t oom_deflate_pages_show(struct kobject *kobj,
				      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(bguest_oom_deflate_pages));
}

static ssize_t oom_deflate_pages_store(struct kobject *kobj,
				       struct kobj_attribute *attr,
				       const char *buf, size_t count)
{
	unsigned int val;

	if (bguest_parse("oom_deflate_pages", buf, false, 0,
			 BGUEST_OOM_DEFLATE_MAX, &val))
		return -EINVAL;
	WRITE_ONCE(bguest_oom_deflate_pages, val);
	return count;
}
static struct kobj_attribute oom_deflate_pages_attr =
	__ATTR(oom_deflate_pages, 0600, oom_deflate_pages_show,
	       oom_deflate_pages_store);

static ssize_t reconnect_ms_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(bguest_reconnect_ms));
}

static ssize_t reconnect_ms_store(struct kobject *kobj,
				  struct kobj_attribute *attr,
				  const char *buf, size_t count)
{
	unsigned int val;

	if (bguest_parse("reconnect_ms", buf, false, BGUEST_RECONNECT_MS_MIN,
			 BGUEST_RECONNECT_MS_MAX, &val))
		return -EINVAL;
	WRITE_ONCE(bguest_reconnect_ms, val);
	return count;
}
static struct kobj_attribute reconnect_ms_attr =
	__ATTR(reconnect_ms, 0600, reconnect_ms_show, reconnect_ms_store);

/* Read-only state and counters. */

#define BGUEST_RO(_name, _fmt, _expr)					\
static ssize_t _name##_show(struct kobject *kobj,			\
			    struct kobj_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, _fmt "\n", _expr);			\
}									\
static struct kobj_attribute _name##_attr = __ATTR_RO_MODE(_name, 0400)

#define BGUEST_COUNTER(_name)						\
	BGUEST_RO(_name, "%lld", atomic64_read(&bguest_ctr._name))

BGUEST_RO(connected, "%d", bguest_chan_connected());
BGUEST_RO(target_pages, "%llu", bguest_balloon_target());
BGUEST_RO(balloon_pages, "%llu", bguest_balloon_pages());
BGUEST_COUNTER(inflated_pages);
BGUEST_COUNTER(deflated_pages);
BGUEST_COUNTER(migrated_pages);
BGUEST_COUNTER(oom_notifications);
BGUEST_COUNTER(oom_deflated_pages);
BGUEST_COUNTER(alloc_failures);
BGUEST_COUNTER(connect_failures);
BGUEST_COUNTER(host_rejects);
BGUEST_COUNTER(protocol_errors);
BGUEST_COUNTER(messages_sent);
BGUEST_COUNTER(messages_received);
BGUEST_COUNTER(last_inflate_ns);
BGUEST_COUNTER(last_deflate_ns);

static struct attribute *bguest_root_attrs[] = {
	&version_attr.attr,
	&stats_interval_ms_attr.attr,
	&oom_deflate_pages_attr.attr,
	&reconnect_ms_attr.attr,
	&connected_attr.attr,
	&target_pages_attr.attr,
	&balloon_pages_attr.attr,
	&inflated_pages_attr.attr,
	&deflated_pages_attr.attr,
	&migrated_pages_attr.attr,
	&oom_notifications_attr.attr,
	&oom_deflated_pages_attr.attr,
	&alloc_failures_attr.attr,
	&connect_failures_attr.attr,
	&host_rejects_attr.attr,
	&protocol_errors_attr.attr,
	&messages_sent_attr.attr,
	&messages_received_attr.attr,
	&last_inflate_ns_attr.attr,
	&last_deflate_ns_attr.attr,
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
 * Waits for readers and writers of its files.
 *
 * Context: process context, module exit; may sleep.
 */
void bguest_sysfs_exit(void)
{
	sysfs_remove_group(bguest_kobj, &bguest_root_group);
	kobject_put(bguest_kobj);
	bguest_kobj = NULL;
}
