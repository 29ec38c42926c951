// SPDX-License-Identifier: GPL-2.0
/*
 * memsched scheduler: its files, and its feature ops.
 *
 *   /sys/kernel/mm/memsched/sched/  enabled, policy, period_ms, pool_pages,
 *	idle_tax_pct, min_step_pages, rate_limit_mib_per_s,
 *	balloon_timeout_ms; stats/
 *   vms/<pid>/sched/                shares, min_pages, max_pages,
 *	target_dram_pages, actual_dram_pages, active_pages, decision; stats/
 *
 * Every file takes msched_sched_lock. Each knob checks its own range;
 * min_pages and max_pages are a range checked together (a write that would
 * invert it, or make the reservations exceed the pool, is refused), as is
 * pool_pages against the reservations. Documented in
 * Documentation/ABI/testing/sysfs-kernel-mm-memsched-sched.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kobject.h>
#include <linux/mm.h>
#include <linux/sysfs.h>

#include "sched.h"
#include "trace.h"

/* ---- /sys/kernel/mm/memsched/sched/ ---- */

static struct kobject *msched_sched_kobj;

static const char *const msched_sched_policy_names[] = {
	[MSCHED_ALLOC_SHARES]	= "shares",
	[MSCHED_ALLOC_MRC]	= "mrc",
};

/* The plain numeric knobs: one table entry each. */
struct msched_sched_knob_attr {
	struct kobj_attribute attr;
	u64 min, max;
	u64 (*get)(void);
	void (*set)(u64 v);
};

#define to_sknob(a) container_of(a, struct msched_sched_knob_attr, attr)

static struct msched_sched_knob_attr sknob_enabled;

static ssize_t sknob_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	u64 v;

	mutex_lock(&msched_sched_lock);
	v = to_sknob(attr)->get();
	mutex_unlock(&msched_sched_lock);
	return sysfs_emit(buf, "%llu\n", v);
}

static ssize_t sknob_store(struct kobject *kobj, struct kobj_attribute *attr,
			   const char *buf, size_t count)
{
	struct msched_sched_knob_attr *ka = to_sknob(attr);
	u64 v, old;

	if (kstrtou64(buf, 0, &v) || v < ka->min || v > ka->max) {
		pr_info("sched/%s: accepted: an integer from %llu to %llu\n",
			attr->attr.name, ka->min, ka->max);
		return -EINVAL;
	}
	mutex_lock(&msched_sched_lock);
	old = ka->get();
	ka->set(v);
	trace_msched_knob(0, attr->attr.name, v);
	/* Knobs apply from the next period; turning it on runs one now. */
	if (ka == &sknob_enabled && !old && v)
		msched_sched_kick();
	/* Turning it off withdraws the requests in flight. */
	if (ka == &sknob_enabled && old && !v)
		msched_sched_off();
	mutex_unlock(&msched_sched_lock);
	return count;
}

#define MSCHED_SCHED_KNOB(_name, _min, _max)				\
static u64 sknob_get_##_name(void)					\
{									\
	return msched_sched_knobs._name;				\
}									\
static void sknob_set_##_name(u64 v)					\
{									\
	msched_sched_knobs._name = v;					\
}									\
static struct msched_sched_knob_attr sknob_##_name = {			\
	.attr = __ATTR(_name, 0600, sknob_show, sknob_store),		\
	.min = _min, .max = _max,					\
	.get = sknob_get_##_name, .set = sknob_set_##_name,		\
}

MSCHED_SCHED_KNOB(enabled, 0, 1);
MSCHED_SCHED_KNOB(period_ms, MSCHED_SCHED_PERIOD_MIN_MS,
		  MSCHED_SCHED_PERIOD_MAX_MS);
MSCHED_SCHED_KNOB(idle_tax_pct, 0, MSCHED_ALLOC_TAX_MAX_PCT);
MSCHED_SCHED_KNOB(min_step_pages, 1, MSCHED_SCHED_STEP_MAX);
MSCHED_SCHED_KNOB(rate_limit_mib_per_s, 1, MSCHED_SCHED_RATE_MAX);
MSCHED_SCHED_KNOB(balloon_timeout_ms, MSCHED_SCHED_TIMEOUT_MIN_MS,
		  MSCHED_SCHED_TIMEOUT_MAX_MS);

static ssize_t policy_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	u32 p = READ_ONCE(msched_sched_knobs.policy);

	return sysfs_emit(buf, "%s\n", msched_sched_policy_names[p]);
}

static ssize_t policy_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	int p = sysfs_match_string(msched_sched_policy_names, buf);

	if (p < 0) {
		pr_info("sched/policy: accepted: shares or mrc\n");
		return -EINVAL;
	}
	mutex_lock(&msched_sched_lock);
	msched_sched_knobs.policy = p;
	trace_msched_knob(0, "policy", p);
	mutex_unlock(&msched_sched_lock);
	return count;
}
static struct kobj_attribute policy_attr = __ATTR_RW_MODE(policy, 0600);

/* pool_pages: reads the pool in effect; "auto" goes back to the default. */
static ssize_t pool_pages_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	u64 v;

	mutex_lock(&msched_sched_lock);
	v = msched_sched_pool();
	mutex_unlock(&msched_sched_lock);
	return sysfs_emit(buf, "%llu\n", v);
}

static ssize_t pool_pages_store(struct kobject *kobj,
				struct kobj_attribute *attr,
				const char *buf, size_t count)
{
	u64 v = 0, limit = totalram_pages(), mins;
	int ret = count;

	if (!sysfs_streq(buf, "auto") &&
	    (kstrtou64(buf, 0, &v) || !v || v > limit)) {
		pr_info("sched/pool_pages: accepted: auto, or 1 to %llu (the host's pages)\n",
			limit);
		return -EINVAL;
	}
	mutex_lock(&msched_sched_lock);
	mins = msched_sched_min_sum(NULL);
	if ((v ?: msched_sched_auto_pool()) < mins) {
		pr_info("sched/pool_pages: refused: the VMs' min_pages sum to %llu; accepted: a pool of at least that\n",
			mins);
		ret = -EINVAL;
	} else {
		msched_sched_knobs.pool_pages = v;
		trace_msched_knob(0, "pool_pages", v);
	}
	mutex_unlock(&msched_sched_lock);
	return ret;
}
static struct kobj_attribute pool_pages_attr = __ATTR_RW_MODE(pool_pages, 0600);

#define MSCHED_SCHED_STAT(_name)					\
static ssize_t stat_##_name##_show(struct kobject *kobj,		\
				   struct kobj_attribute *attr, char *buf) \
{									\
	u64 v;								\
									\
	mutex_lock(&msched_sched_lock);					\
	v = msched_sched_stats._name;					\
	mutex_unlock(&msched_sched_lock);				\
	return sysfs_emit(buf, "%llu\n", v);				\
}									\
static struct kobj_attribute stat_##_name##_attr =			\
	__ATTR(_name, 0400, stat_##_name##_show, NULL)

MSCHED_SCHED_STAT(nr_periods);
MSCHED_SCHED_STAT(nr_decisions);
MSCHED_SCHED_STAT(nr_reclaimed_pages);
MSCHED_SCHED_STAT(nr_returned_pages);
MSCHED_SCHED_STAT(nr_overcommitted_periods);

static struct attribute *msched_sched_root_attrs[] = {
	&sknob_enabled.attr.attr,
	&policy_attr.attr,
	&sknob_period_ms.attr.attr,
	&pool_pages_attr.attr,
	&sknob_idle_tax_pct.attr.attr,
	&sknob_min_step_pages.attr.attr,
	&sknob_rate_limit_mib_per_s.attr.attr,
	&sknob_balloon_timeout_ms.attr.attr,
	NULL,
};

static const struct attribute_group msched_sched_root_group = {
	.attrs = msched_sched_root_attrs,
};

static struct attribute *msched_sched_root_stats_attrs[] = {
	&stat_nr_periods_attr.attr,
	&stat_nr_decisions_attr.attr,
	&stat_nr_reclaimed_pages_attr.attr,
	&stat_nr_returned_pages_attr.attr,
	&stat_nr_overcommitted_periods_attr.attr,
	NULL,
};

static const struct attribute_group msched_sched_root_stats_group = {
	.name = "stats",
	.attrs = msched_sched_root_stats_attrs,
};

static const struct attribute_group *msched_sched_root_groups[] = {
	&msched_sched_root_group,
	&msched_sched_root_stats_group,
	NULL,
};

/* ---- vms/<pid>/sched/ ---- */

static struct msched_sched_vm *to_sv(struct kobject *kobj)
{
	return msched_sched_of(msched_vm_of_kobj(kobj));
}

static ssize_t shares_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	u64 v;

	mutex_lock(&msched_sched_lock);
	v = to_sv(kobj)->shares;
	mutex_unlock(&msched_sched_lock);
	return sysfs_emit(buf, "%llu\n", v);
}

static ssize_t shares_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	struct msched_sched_vm *sv = to_sv(kobj);
	u64 v;

	if (kstrtou64(buf, 0, &v) || !v || v > MSCHED_ALLOC_SHARES_MAX) {
		pr_info("pid %d: sched/shares: accepted: an integer from 1 to %u\n",
			sv->vm->pid, MSCHED_ALLOC_SHARES_MAX);
		return -EINVAL;
	}
	mutex_lock(&msched_sched_lock);
	sv->shares = v;
	trace_msched_knob(sv->vm->pid, "shares", v);
	mutex_unlock(&msched_sched_lock);
	return count;
}
static struct kobj_attribute shares_attr = __ATTR_RW_MODE(shares, 0600);

static ssize_t min_pages_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	u64 v;

	mutex_lock(&msched_sched_lock);
	v = to_sv(kobj)->min_pages;
	mutex_unlock(&msched_sched_lock);
	return sysfs_emit(buf, "%llu\n", v);
}

static ssize_t min_pages_store(struct kobject *kobj,
			       struct kobj_attribute *attr,
			       const char *buf, size_t count)
{
	struct msched_sched_vm *sv = to_sv(kobj);
	u64 v, pool, others;
	int ret = count;

	if (kstrtou64(buf, 0, &v)) {
		pr_info("pid %d: sched/min_pages: accepted: an integer, at most max_pages\n",
			sv->vm->pid);
		return -EINVAL;
	}
	mutex_lock(&msched_sched_lock);
	pool = msched_sched_pool();
	others = msched_sched_min_sum(sv);
	if (v > sv->max_pages) {
		pr_info("pid %d: sched/min_pages: refused: %llu is above max_pages (%llu); raise max_pages first\n",
			sv->vm->pid, v, sv->max_pages);
		ret = -EINVAL;
	} else if (v > sv->min_pages && (v > pool || others > pool - v)) {
		pr_info("pid %d: sched/min_pages: refused: the other VMs reserve %llu pages of a pool of %llu; accepted: at most %llu\n",
			sv->vm->pid, others, pool,
			pool > others ? pool - others : 0);
		ret = -EINVAL;
	} else {
		sv->min_pages = v;
		trace_msched_knob(sv->vm->pid, "min_pages", v);
	}
	mutex_unlock(&msched_sched_lock);
	return ret;
}
static struct kobj_attribute min_pages_attr = __ATTR_RW_MODE(min_pages, 0600);

static ssize_t max_pages_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	u64 v;

	mutex_lock(&msched_sched_lock);
	v = to_sv(kobj)->max_pages;
	mutex_unlock(&msched_sched_lock);
	if (v == MSCHED_SCHED_NO_MAX)
		return sysfs_emit(buf, "max\n");
	return sysfs_emit(buf, "%llu\n", v);
}

static ssize_t max_pages_store(struct kobject *kobj,
			       struct kobj_attribute *attr,
			       const char *buf, size_t count)
{
	struct msched_sched_vm *sv = to_sv(kobj);
	u64 v = MSCHED_SCHED_NO_MAX;
	int ret = count;

	if (!sysfs_streq(buf, "max") && (kstrtou64(buf, 0, &v) || !v)) {
		pr_info("pid %d: sched/max_pages: accepted: max, or an integer from 1, at least min_pages\n",
			sv->vm->pid);
		return -EINVAL;
	}
	mutex_lock(&msched_sched_lock);
	if (v < sv->min_pages) {
		pr_info("pid %d: sched/max_pages: refused: %llu is below min_pages (%llu); lower min_pages first\n",
			sv->vm->pid, v, sv->min_pages);
		ret = -EINVAL;
	} else {
		sv->max_pages = v;
		trace_msched_knob(sv->vm->pid, "max_pages", v);
	}
	mutex_unlock(&msched_sched_lock);
	return ret;
}
static struct kobj_attribute max_pages_attr = __ATTR_RW_MODE(max_pages, 0600);

#define MSCHED_SV_RO(_name, _expr)					\
static ssize_t sv_##_name##_show(struct kobject *kobj,			\
				 struct kobj_attribute *attr, char *buf) \
{									\
	struct msched_sched_vm *sv = to_sv(kobj);			\
	u64 v;								\
									\
	mutex_lock(&msched_sched_lock);					\
	v = (_expr);							\
	mutex_unlock(&msched_sched_lock);				\
	return sysfs_emit(buf, "%llu\n", v);				\
}									\
static struct kobj_attribute sv_##_name##_attr =			\
	__ATTR(_name, 0400, sv_##_name##_show, NULL)

MSCHED_SV_RO(target_dram_pages, sv->target_dram_pages);
MSCHED_SV_RO(actual_dram_pages, sv->actual_dram_pages);
MSCHED_SV_RO(active_pages, sv->active_pages);
MSCHED_SV_RO(nr_decisions, sv->stats.nr_decisions);
MSCHED_SV_RO(nr_balloon_pages, sv->stats.nr_balloon_pages);
MSCHED_SV_RO(nr_demoted_pages, sv->stats.nr_demoted_pages);
MSCHED_SV_RO(nr_swapped_pages, sv->stats.nr_swapped_pages);
MSCHED_SV_RO(nr_returned_pages, sv->stats.nr_returned_pages);
MSCHED_SV_RO(nr_balloon_timeouts, sv->stats.nr_balloon_timeouts);
MSCHED_SV_RO(nr_demote_timeouts, sv->stats.nr_demote_timeouts);
MSCHED_SV_RO(nr_unready_periods, sv->stats.nr_unready_periods);

/* decision: the last decision, one line of key=value. */
static ssize_t decision_show(struct kobject *kobj,
			     struct kobj_attribute *attr, char *buf)
{
	struct msched_sched_decision d;

	mutex_lock(&msched_sched_lock);
	d = to_sv(kobj)->dec;
	mutex_unlock(&msched_sched_lock);
	return sysfs_emit(buf, "period=%llu action=%s mechanism=%s pages=%llu target_dram=%llu actual_dram=%llu reason=%s\n",
			  d.period, msched_sched_action_names[d.action],
			  msched_sched_mech_names[d.mech], d.pages, d.target_dram,
			  d.actual_dram, msched_sched_reason_names[d.reason]);
}
static struct kobj_attribute decision_attr = __ATTR_RO_MODE(decision, 0400);

static struct attribute *msched_sched_vm_attrs[] = {
	&shares_attr.attr,
	&min_pages_attr.attr,
	&max_pages_attr.attr,
	&sv_target_dram_pages_attr.attr,
	&sv_actual_dram_pages_attr.attr,
	&sv_active_pages_attr.attr,
	&decision_attr.attr,
	NULL,
};

static const struct attribute_group msched_sched_vm_group = {
	.attrs = msched_sched_vm_attrs,
};

static struct attribute *msched_sched_vm_stats_attrs[] = {
	&sv_nr_decisions_attr.attr,
	&sv_nr_balloon_pages_attr.attr,
	&sv_nr_demoted_pages_attr.attr,
	&sv_nr_swapped_pages_attr.attr,
	&sv_nr_returned_pages_attr.attr,
	&sv_nr_balloon_timeouts_attr.attr,
	&sv_nr_demote_timeouts_attr.attr,
	&sv_nr_unready_periods_attr.attr,
	NULL,
};

static const struct attribute_group msched_sched_vm_stats_group = {
	.name = "stats",
	.attrs = msched_sched_vm_stats_attrs,
};

static const struct attribute_group *msched_sched_vm_groups[] = {
	&msched_sched_vm_group,
	&msched_sched_vm_stats_group,
	NULL,
};

const struct msched_feature_ops msched_sched_ops = {
	.name	= "sched",
	.groups	= msched_sched_vm_groups,
	.attach	= msched_sched_vm_attach,
	.start	= msched_sched_vm_start,
	.detach	= msched_sched_vm_detach,
};

/**
 * msched_sched_init() - bring up the scheduler's module-wide parts: the
 * period (disabled) and /sys/kernel/mm/memsched/sched/.
 * @root: /sys/kernel/mm/memsched.
 *
 * Context: process context, module init, after msched_vm_init().
 * Return: 0 or -ENOMEM (nothing is left behind).
 */
int msched_sched_init(struct kobject *root)
{
	int ret;

	msched_sched_setup();
	msched_sched_kobj = kobject_create_and_add("sched", root);
	if (!msched_sched_kobj)
		return -ENOMEM;
	ret = sysfs_create_groups(msched_sched_kobj, msched_sched_root_groups);
	if (ret) {
		kobject_put(msched_sched_kobj);
		msched_sched_kobj = NULL;
	}
	return ret;
}

/**
 * msched_sched_exit() - remove /sys/kernel/mm/memsched/sched/ (waiting for
 * callbacks in flight), then stop the period. VMs still attached keep
 * their state until their ->detach, which comes later.
 *
 * Context: process context, module exit, before msched_vm_exit().
 */
void msched_sched_exit(void)
{
	sysfs_remove_groups(msched_sched_kobj, msched_sched_root_groups);
	kobject_put(msched_sched_kobj);
	msched_sched_kobj = NULL;
	msched_sched_stop();
}
