// SPDX-License-Identifier: GPL-2.0
/*
 * memsched: the sampler's files in /sys/kernel/mm/memsched/vms/<pid>/: knobs
 * (read-write), estimates and tables (read-only) at the top, counters in
 * stats/ and usage classes in classes/. Every file is documented in
 * Documentation/ABI/testing/sysfs-kernel-mm-memsched. The sampler's feature
 * ops live here too, so that sample.c never calls into its files.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kobject.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "memsched.h"
#include "sample.h"
#include "trace.h"

static struct msched_sampler *to_sampler(struct kobject *kobj)
{
	return msched_vm_feature(msched_vm_of_kobj(kobj), MSCHED_FEAT_SAMPLE);
}

/* Knobs: one table entry each; a write outside [min, max] is -EINVAL. */
enum msched_knob_effect {
	MSCHED_KNOB_PLAIN,
	MSCHED_KNOB_RESET,	/* changes the sample set: drop the history */
	MSCHED_KNOB_RESCHED,	/* changes the scan timing: re-arm the work */
};

/* @valid, if set, narrows [min, max] further; @accepted then says how. */
struct msched_knob_attr {
	struct kobj_attribute attr;
	size_t offset;
	u64 min, max;
	enum msched_knob_effect effect;
	bool (*valid)(u64 v);
	const char *accepted;
};

#define to_knob(a) container_of(a, struct msched_knob_attr, attr)
#define knob_ptr(s, ka) ((u64 *)((char *)&(s)->knobs + (ka)->offset))

static ssize_t knob_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	struct msched_sampler *s = to_sampler(kobj);
	u64 v;

	mutex_lock(&s->lock);
	v = *knob_ptr(s, to_knob(attr));
	mutex_unlock(&s->lock);
	return sysfs_emit(buf, "%llu\n", v);
}

/*
 * Each write checks its own range only. Rules between knobs (active_scans
 * below idle_scans) are checked where the knobs are used, in
 * __msched_sample_snapshot(), so knobs can be written in any order.
 */
static ssize_t knob_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	struct msched_knob_attr *ka = to_knob(attr);
	struct msched_sampler *s = to_sampler(kobj);
	u64 v, old;
	int ret;

	if (kstrtou64(buf, 0, &v) || v < ka->min || v > ka->max ||
	    (ka->valid && !ka->valid(v))) {
		if (ka->accepted)
			pr_info("pid %d: %s: accepted: %s\n", s->vm->pid,
				attr->attr.name, ka->accepted);
		else
			pr_info("pid %d: %s: accepted: an integer from %llu to %llu\n",
				s->vm->pid, attr->attr.name, ka->min, ka->max);
		return -EINVAL;
	}
	mutex_lock(&s->lock);
	if (READ_ONCE(s->vm->dead)) {
		ret = -ENODEV;
		goto out_unlock;
	}
	old = *knob_ptr(s, ka);
	*knob_ptr(s, ka) = v;
	ret = count;
	if (old == v)
		goto out_unlock;
	trace_msched_knob(s->vm->pid, attr->attr.name, v);
	if (ka->effect == MSCHED_KNOB_RESET) {
		int err = __msched_sample_reset(s);

		if (err)
			ret = err;
	} else if (ka->effect == MSCHED_KNOB_RESCHED) {
		mod_delayed_work(msched_wq, &s->scan_work, msecs_to_jiffies(v));
	} else {
		__msched_sample_snapshot(s);	/* class thresholds may have moved */
	}
out_unlock:
	mutex_unlock(&s->lock);
	return ret;
}

#define MSCHED_KNOB(_name, _min, _max, _effect)				\
static struct msched_knob_attr knob_##_name = {				\
	.attr = __ATTR(_name, 0600, knob_show, knob_store),		\
	.offset = offsetof(struct msched_knobs, _name),			\
	.min = _min,							\
	.max = _max,							\
	.effect = _effect,						\
}

MSCHED_KNOB(sample_period, 1, MSCHED_PERIOD_MAX, MSCHED_KNOB_RESET);

static bool knob_gran_valid(u64 v)
{
	return v == 0 || v == 1 || v == MSCHED_GRAN_HUGE;
}

static struct msched_knob_attr knob_sample_granularity_pages = {
	.attr = __ATTR(sample_granularity_pages, 0600, knob_show, knob_store),
	.offset = offsetof(struct msched_knobs, sample_granularity_pages),
	.min = 0,
	.max = MSCHED_GRAN_HUGE,
	.effect = MSCHED_KNOB_RESET,
	.valid = knob_gran_valid,
	.accepted = "0 (auto), 1 or 512 (4 KiB pages per sample)",
};
MSCHED_KNOB(sample_seed, 0, U64_MAX, MSCHED_KNOB_RESET);
MSCHED_KNOB(scan_interval_ms, MSCHED_INTERVAL_MIN_MS, MSCHED_INTERVAL_MAX_MS,
	    MSCHED_KNOB_RESCHED);
MSCHED_KNOB(cpu_quota_ms, 1, MSCHED_QUOTA_MAX_MS, MSCHED_KNOB_PLAIN);
MSCHED_KNOB(untrace_scans, 0, MSCHED_SCANS_MAX, MSCHED_KNOB_PLAIN);
MSCHED_KNOB(active_scans, 1, MSCHED_SCANS_MAX, MSCHED_KNOB_PLAIN);
MSCHED_KNOB(idle_scans, 2, MSCHED_SCANS_MAX, MSCHED_KNOB_PLAIN);
MSCHED_KNOB(wss_scans, 1, MSCHED_SCANS_MAX, MSCHED_KNOB_PLAIN);
MSCHED_KNOB(mrc_decay_scans, 0, MSCHED_SCANS_MAX, MSCHED_KNOB_PLAIN);

static ssize_t reset_store(struct kobject *kobj, struct kobj_attribute *attr,
			   const char *buf, size_t count)
{
	struct msched_sampler *s = to_sampler(kobj);
	int ret;

	if (!sysfs_streq(buf, "1")) {
		pr_info("pid %d: reset: accepted: 1 (drops the sampling history)\n",
			s->vm->pid);
		return -EINVAL;
	}
	mutex_lock(&s->lock);
	ret = READ_ONCE(s->vm->dead) ? -ENODEV : __msched_sample_reset(s);
	mutex_unlock(&s->lock);
	return ret ? ret : count;
}
static struct kobj_attribute reset_attr = __ATTR(reset, 0200, NULL, reset_store);

/* Read-only values that need no computation. */
#define MSCHED_VM_RO(_name, _fmt, _expr)				\
static ssize_t _name##_show(struct kobject *kobj,			\
			    struct kobj_attribute *attr, char *buf)	\
{									\
	struct msched_sampler *s = to_sampler(kobj);			\
	ssize_t ret;							\
									\
	mutex_lock(&s->lock);						\
	ret = sysfs_emit(buf, _fmt "\n", _expr);			\
	mutex_unlock(&s->lock);						\
	return ret;							\
}									\
static struct kobj_attribute _name##_attr = __ATTR_RO_MODE(_name, 0400)

MSCHED_VM_RO(guest_pages, "%llu", s->guest_pages);
MSCHED_VM_RO(sampled_pages, "%u", s->nr_samples);
MSCHED_VM_RO(sample_period_effective, "%llu", s->period_eff);
MSCHED_VM_RO(sample_granularity_pages_effective, "%u", s->gran_eff);
MSCHED_VM_RO(mrc_knee_pages, "%llu",
	     s->lru_mem ? msched_mrc_knee_pages(&s->mrc, 50000) : 0);

/* Estimates from the snapshot taken at the end of the last scan. */
MSCHED_VM_RO(wss_pages, "%llu", s->snap.wss_pages);
MSCHED_VM_RO(last_scan_ns, "%llu", s->last_scan_ns);

/* "min_age_scans pages" per log2 bucket, then "never pages". */
static ssize_t age_histogram_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	struct msched_sampler *s = to_sampler(kobj);
	ssize_t len = 0;
	u32 b;

	mutex_lock(&s->lock);
	for (b = 0; b < MSCHED_CLASS_AGE_NEVER; b++)
		if (s->snap.age_pages[b])
			len += sysfs_emit_at(buf, len, "%llu %llu\n",
					     msched_class_bucket_min_scans(b),
					     s->snap.age_pages[b]);
	len += sysfs_emit_at(buf, len, "never %llu\n",
			     s->snap.age_pages[MSCHED_CLASS_AGE_NEVER]);
	mutex_unlock(&s->lock);
	return len;
}
static struct kobj_attribute age_histogram_attr =
	__ATTR_RO_MODE(age_histogram, 0400);

/* "mem_pages miss_ppm", one line per bucket boundary of the curve. */
static ssize_t mrc_show(struct kobject *kobj, struct kobj_attribute *attr,
			char *buf)
{
	struct msched_sampler *s = to_sampler(kobj);
	ssize_t len = 0;
	u32 b;

	mutex_lock(&s->lock);
	if (s->lru_mem)
		for (b = 0; b <= s->mrc.nr_buckets; b++) {
			u64 pages = b * s->mrc.bucket_pages;

			len += sysfs_emit_at(buf, len, "%llu %u\n", pages,
					     msched_mrc_miss_ppm(&s->mrc, pages));
		}
	mutex_unlock(&s->lock);
	return len;
}
static struct kobj_attribute mrc_attr = __ATTR_RO_MODE(mrc, 0400);

static struct attribute *msched_sample_attrs[] = {
	&knob_sample_period.attr.attr,
	&knob_sample_granularity_pages.attr.attr,
	&knob_sample_seed.attr.attr,
	&knob_scan_interval_ms.attr.attr,
	&knob_cpu_quota_ms.attr.attr,
	&knob_untrace_scans.attr.attr,
	&knob_active_scans.attr.attr,
	&knob_idle_scans.attr.attr,
	&knob_wss_scans.attr.attr,
	&knob_mrc_decay_scans.attr.attr,
	&reset_attr.attr,
	&guest_pages_attr.attr,
	&sampled_pages_attr.attr,
	&sample_period_effective_attr.attr,
	&sample_granularity_pages_effective_attr.attr,
	&wss_pages_attr.attr,
	&age_histogram_attr.attr,
	&mrc_attr.attr,
	&mrc_knee_pages_attr.attr,
	&last_scan_ns_attr.attr,
	NULL,
};

static const struct attribute_group msched_sample_group = {
	.attrs = msched_sample_attrs,
};

/* classes/: estimated guest pages per usage class, from the snapshot. */
MSCHED_VM_RO(active, "%llu", s->snap.class_pages[MSCHED_CLASS_ACTIVE]);
MSCHED_VM_RO(recently_idle, "%llu",
	     s->snap.class_pages[MSCHED_CLASS_RECENTLY_IDLE]);
MSCHED_VM_RO(idle, "%llu", s->snap.class_pages[MSCHED_CLASS_IDLE]);
MSCHED_VM_RO(never_touched, "%llu",
	     s->snap.class_pages[MSCHED_CLASS_NEVER_TOUCHED]);

static struct attribute *msched_class_attrs[] = {
	&active_attr.attr,
	&recently_idle_attr.attr,
	&idle_attr.attr,
	&never_touched_attr.attr,
	NULL,
};

static const struct attribute_group msched_class_group = {
	.name = "classes",
	.attrs = msched_class_attrs,
};

/* stats/: counters since attach (or the last reset), one per file. */
MSCHED_VM_RO(nr_scans, "%llu", s->stats.nr_scans);
MSCHED_VM_RO(nr_truncated_scans, "%llu", s->stats.nr_truncated_scans);
MSCHED_VM_RO(nr_pages_scanned, "%llu", s->stats.nr_pages_scanned);
MSCHED_VM_RO(nr_young_pages, "%llu", s->stats.nr_young_pages);
MSCHED_VM_RO(nr_scan_ns, "%llu", s->stats.nr_scan_ns);
MSCHED_VM_RO(nr_rebuilds, "%llu", s->stats.nr_rebuilds);
MSCHED_VM_RO(nr_knob_conflicts, "%llu", s->stats.nr_knob_conflicts);
MSCHED_VM_RO(nr_invalidations, "%lld", atomic64_read(&s->vm->nr_invalidations));

static struct attribute *msched_stats_attrs[] = {
	&nr_scans_attr.attr,
	&nr_truncated_scans_attr.attr,
	&nr_pages_scanned_attr.attr,
	&nr_young_pages_attr.attr,
	&nr_scan_ns_attr.attr,
	&nr_rebuilds_attr.attr,
	&nr_knob_conflicts_attr.attr,
	&nr_invalidations_attr.attr,
	NULL,
};

static const struct attribute_group msched_stats_group = {
	.name = "stats",
	.attrs = msched_stats_attrs,
};

static const struct attribute_group *msched_sample_groups[] = {
	&msched_sample_group,
	&msched_class_group,
	&msched_stats_group,
	NULL,
};

/* What a VM sees of the sampler: attach, start, detach, and these files. */
const struct msched_feature_ops msched_sample_ops = {
	.name = NULL,			/* its files are vms/<pid>/'s own */
	.groups = msched_sample_groups,
	.attach = msched_sample_attach,
	.start = msched_sample_start,
	.detach = msched_sample_detach,
};
