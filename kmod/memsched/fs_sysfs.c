// SPDX-License-Identifier: GPL-2.0
/*
 * memschedfs: /sys/kernel/mm/memsched/files/<ino>/, one directory per file
 * (documented in Documentation/ABI/testing/sysfs-kernel-mm-memsched).
 *
 * The directory is removed in evict_inode before the pages go; kobject_del
 * waits for any show or store in flight, so a store never runs on a file
 * being torn down.
 */
#define pr_fmt(fmt) "memschedfs: " fmt

#include <linux/kobject.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "memsched.h"
#include "sample.h"
#include "fs.h"

static struct kobject *msched_files_kobj;

struct msched_file_kobj {
	struct kobject kobj;
	struct msched_file *mf;
};

static struct msched_file *kobj_mf(struct kobject *kobj)
{
	return container_of(kobj, struct msched_file_kobj, kobj)->mf;
}

static ssize_t name_show(struct kobject *kobj, struct kobj_attribute *a,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n", kobj_mf(kobj)->name);
}

static ssize_t size_pages_show(struct kobject *kobj, struct kobj_attribute *a,
			       char *buf)
{
	return sysfs_emit(buf, "%lu\n", msched_fs_nr_pages(&kobj_mf(kobj)->vfs_inode));
}

static ssize_t node_pages_show(struct kobject *kobj, struct kobj_attribute *a,
			       char *buf)
{
	u64 *counts, resident;
	int nid, len = 0;

	counts = msched_fallible(kcalloc(nr_node_ids, sizeof(*counts),
					 GFP_KERNEL));
	if (!counts)
		return -ENOMEM;
	msched_fs_node_pages(kobj_mf(kobj), counts, &resident);
	for_each_node_state(nid, N_MEMORY)
		len += sysfs_emit_at(buf, len, "%d %llu\n", nid, counts[nid]);
	kfree(counts);
	return len;
}

static ssize_t resident_pages_show(struct kobject *kobj,
				   struct kobj_attribute *a, char *buf)
{
	u64 resident;

	msched_fs_node_pages(kobj_mf(kobj), NULL, &resident);
	return sysfs_emit(buf, "%llu\n", resident);
}

/* stats/: one counter per file; the attribute carries its index. */
struct msched_fs_stat_attr {
	struct kobj_attribute attr;
	enum msched_fs_stat idx;
};

static ssize_t fs_stat_show(struct kobject *kobj, struct kobj_attribute *a,
			    char *buf)
{
	enum msched_fs_stat i = container_of(a, struct msched_fs_stat_attr,
					     attr)->idx;

	return sysfs_emit(buf, "%lld\n",
			  (long long)atomic64_read(&kobj_mf(kobj)->stats[i]));
}

#define MSCHED_FS_STAT(_name, _idx)					\
static struct msched_fs_stat_attr _name##_attr = {			\
	.attr = __ATTR(_name, 0444, fs_stat_show, NULL),		\
	.idx = _idx,							\
}

MSCHED_FS_STAT(nr_faults, MSCHED_FS_ST_FAULTS);
MSCHED_FS_STAT(nr_traps, MSCHED_FS_ST_TRAPS);
MSCHED_FS_STAT(nr_scans, MSCHED_FS_ST_SCANS);
MSCHED_FS_STAT(nr_promoted_pages, MSCHED_FS_ST_PROMOTIONS);
MSCHED_FS_STAT(nr_demoted_pages, MSCHED_FS_ST_DEMOTIONS);
MSCHED_FS_STAT(nr_moved_pages, MSCHED_FS_ST_MOVED);
MSCHED_FS_STAT(nr_move_busy_pages, MSCHED_FS_ST_MOVE_BUSY);
MSCHED_FS_STAT(nr_move_nomem_pages, MSCHED_FS_ST_MOVE_NOMEM);
MSCHED_FS_STAT(nr_rate_stalls, MSCHED_FS_ST_RATE_STALLS);
MSCHED_FS_STAT(nr_budget_demoted_pages, MSCHED_FS_ST_BUDGET_DEMOTIONS);
MSCHED_FS_STAT(nr_kernel_moved_pages, MSCHED_FS_ST_KERNEL_MOVED);
MSCHED_FS_STAT(nr_knob_conflicts, MSCHED_FS_ST_KNOB_CONFLICTS);
MSCHED_FS_STAT(nr_trap_rearms, MSCHED_FS_ST_TRAP_REARMS);
MSCHED_FS_STAT(nr_swapped_out_pages, MSCHED_FS_ST_SWAP_OUT);
MSCHED_FS_STAT(nr_swapped_in_pages, MSCHED_FS_ST_SWAP_IN);
MSCHED_FS_STAT(nr_swap_write_bytes, MSCHED_FS_ST_SWAP_WRITE_BYTES);
MSCHED_FS_STAT(nr_swap_read_bytes, MSCHED_FS_ST_SWAP_READ_BYTES);
MSCHED_FS_STAT(nr_swap_write_batches, MSCHED_FS_ST_SWAP_WRITE_BATCHES);
MSCHED_FS_STAT(nr_swap_write_errors, MSCHED_FS_ST_SWAP_WRITE_ERRORS);
MSCHED_FS_STAT(nr_swap_read_errors, MSCHED_FS_ST_SWAP_READ_ERRORS);
MSCHED_FS_STAT(nr_swap_busy_pages, MSCHED_FS_ST_SWAP_BUSY);
MSCHED_FS_STAT(nr_swap_stall_ns, MSCHED_FS_ST_SWAP_STALL_NS);
MSCHED_FS_STAT(nr_swap_prepare_ns, MSCHED_FS_ST_SWAP_PREPARE_NS);
MSCHED_FS_STAT(nr_swap_write_ns, MSCHED_FS_ST_SWAP_WRITE_NS);
MSCHED_FS_STAT(nr_huge_fallbacks, MSCHED_FS_ST_HUGE_FALLBACKS);
MSCHED_FS_STAT(nr_huge_splits, MSCHED_FS_ST_HUGE_SPLITS);
MSCHED_FS_STAT(nr_huge_split_failures, MSCHED_FS_ST_HUGE_SPLIT_FAILS);
MSCHED_FS_STAT(nr_swap_huge_skips, MSCHED_FS_ST_SWAP_HUGE_SKIPS);
MSCHED_FS_STAT(nr_swap_out_huge, MSCHED_FS_ST_SWAP_OUT_HUGE);
MSCHED_FS_STAT(nr_swap_out_huge_fragmented, MSCHED_FS_ST_SWAP_OUT_HUGE_FRAG);
MSCHED_FS_STAT(nr_swap_in_huge, MSCHED_FS_ST_SWAP_IN_HUGE);
MSCHED_FS_STAT(nr_swap_in_huge_fallbacks, MSCHED_FS_ST_SWAP_IN_HUGE_FALLBACKS);
MSCHED_FS_STAT(nr_dirty_huge_folios, MSCHED_FS_ST_DIRTY_HUGE_FOLIOS);

static struct attribute *msched_file_stats_attrs[] = {
	&nr_faults_attr.attr.attr,
	&nr_traps_attr.attr.attr,
	&nr_scans_attr.attr.attr,
	&nr_promoted_pages_attr.attr.attr,
	&nr_demoted_pages_attr.attr.attr,
	&nr_moved_pages_attr.attr.attr,
	&nr_move_busy_pages_attr.attr.attr,
	&nr_move_nomem_pages_attr.attr.attr,
	&nr_rate_stalls_attr.attr.attr,
	&nr_budget_demoted_pages_attr.attr.attr,
	&nr_kernel_moved_pages_attr.attr.attr,
	&nr_knob_conflicts_attr.attr.attr,
	&nr_trap_rearms_attr.attr.attr,
	&nr_swapped_out_pages_attr.attr.attr,
	&nr_swapped_in_pages_attr.attr.attr,
	&nr_swap_write_bytes_attr.attr.attr,
	&nr_swap_read_bytes_attr.attr.attr,
	&nr_swap_write_batches_attr.attr.attr,
	&nr_swap_write_errors_attr.attr.attr,
	&nr_swap_read_errors_attr.attr.attr,
	&nr_swap_busy_pages_attr.attr.attr,
	&nr_swap_stall_ns_attr.attr.attr,
	&nr_swap_prepare_ns_attr.attr.attr,
	&nr_swap_write_ns_attr.attr.attr,
	&nr_huge_fallbacks_attr.attr.attr,
	&nr_huge_splits_attr.attr.attr,
	&nr_huge_split_failures_attr.attr.attr,
	&nr_swap_huge_skips_attr.attr.attr,
	&nr_swap_out_huge_attr.attr.attr,
	&nr_swap_out_huge_fragmented_attr.attr.attr,
	&nr_swap_in_huge_attr.attr.attr,
	&nr_swap_in_huge_fallbacks_attr.attr.attr,
	&nr_dirty_huge_folios_attr.attr.attr,
	NULL,
};

static const struct attribute_group msched_file_stats_group = {
	.name = "stats",
	.attrs = msched_file_stats_attrs,
};

/* A node id that has memory, or (if @none_ok) -1 for "none". */
static int parse_node(const char *buf, bool none_ok, int *nid)
{
	int n;

	if (kstrtoint(buf, 10, &n))
		return -EINVAL;
	if (n == -1 && none_ok) {
		*nid = NUMA_NO_NODE;
		return 0;
	}
	if (n < 0 || n >= nr_node_ids || !node_state(n, N_MEMORY))
		return -EINVAL;
	*nid = n;
	return 0;
}

static ssize_t dram_node_show(struct kobject *kobj, struct kobj_attribute *a,
			      char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(kobj_mf(kobj)->dram_node));
}

static ssize_t dram_node_store(struct kobject *kobj, struct kobj_attribute *a,
			       const char *buf, size_t count)
{
	struct msched_file *mf = kobj_mf(kobj);
	int nid, ret = 0;

	if (parse_node(buf, false, &nid)) {
		pr_info("%s: dram_node: accepted: a node with memory (%*pbl)\n",
			mf->name, nodemask_pr_args(&node_states[N_MEMORY]));
		return -EINVAL;
	}
	mutex_lock(&mf->move_lock);
	if (nid == mf->pmem_node) {
		pr_info("%s: dram_node: %d is the pmem_node (accepted: a different node)\n",
			mf->name, nid);
		ret = -EINVAL;
	} else {
		WRITE_ONCE(mf->dram_node, nid);
		msched_fs_tier_kick(mf);
	}
	mutex_unlock(&mf->move_lock);
	return ret ? ret : count;
}

static ssize_t pmem_node_show(struct kobject *kobj, struct kobj_attribute *a,
			      char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(kobj_mf(kobj)->pmem_node));
}

static ssize_t pmem_node_store(struct kobject *kobj, struct kobj_attribute *a,
			       const char *buf, size_t count)
{
	struct msched_file *mf = kobj_mf(kobj);
	int nid, ret = 0;

	if (parse_node(buf, true, &nid)) {
		pr_info("%s: pmem_node: accepted: -1 (none) or a node with memory (%*pbl)\n",
			mf->name, nodemask_pr_args(&node_states[N_MEMORY]));
		return -EINVAL;
	}
	mutex_lock(&mf->move_lock);
	if (nid == mf->dram_node) {
		pr_info("%s: pmem_node: %d is the dram_node (accepted: a different node, or -1)\n",
			mf->name, nid);
		ret = -EINVAL;
	} else {
		WRITE_ONCE(mf->pmem_node, nid);
		msched_fs_tier_kick(mf);
	}
	mutex_unlock(&mf->move_lock);
	return ret ? ret : count;
}

static ssize_t dram_budget_pages_show(struct kobject *kobj,
				      struct kobj_attribute *a, char *buf)
{
	u64 b = READ_ONCE(kobj_mf(kobj)->dram_budget);

	if (b == MSCHED_FS_BUDGET_MAX)
		return sysfs_emit(buf, "max\n");
	return sysfs_emit(buf, "%llu\n", b);
}

static ssize_t dram_budget_pages_store(struct kobject *kobj,
				       struct kobj_attribute *a,
				       const char *buf, size_t count)
{
	struct msched_file *mf = kobj_mf(kobj);
	u64 b, limit = totalram_pages();
	int ret;

	if (sysfs_streq(buf, "max")) {
		b = MSCHED_FS_BUDGET_MAX;
	} else if (kstrtou64(buf, 10, &b) || b > limit) {
		pr_info("%s: dram_budget_pages: accepted: max, or 0..%llu (pages of RAM)\n",
			mf->name, limit);
		return -EINVAL;
	}
	ret = msched_fs_set_dram_budget(mf, b);
	return ret ? ret : count;
}

static ssize_t tiering_show(struct kobject *kobj, struct kobj_attribute *a,
			    char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(kobj_mf(kobj)->tiering));
}

static ssize_t tiering_store(struct kobject *kobj, struct kobj_attribute *a,
			     const char *buf, size_t count)
{
	struct msched_file *mf = kobj_mf(kobj);
	int ret = 0;
	bool on;

	if (kstrtobool(buf, &on)) {
		pr_info("%s: tiering: accepted: 0 or 1\n", mf->name);
		return -EINVAL;
	}
	mutex_lock(&mf->move_lock);
	/*
	 * Without a pmem_node the scans only age pages (nothing to demote
	 * to): the heat swap_out reads to tell the working set.
	 */
	WRITE_ONCE(mf->tiering, on);
	msched_fs_tier_kick(mf);
	/* Off: a scan in progress finishes; the work does not requeue. */
	mutex_unlock(&mf->move_lock);
	return ret ? ret : count;
}

#define MSCHED_FS_U32_KNOB(_name, _field, _min, _max)			\
static ssize_t _name##_show(struct kobject *kobj,			\
			    struct kobj_attribute *a, char *buf)	\
{									\
	return sysfs_emit(buf, "%u\n", READ_ONCE(kobj_mf(kobj)->_field));\
}									\
static ssize_t _name##_store(struct kobject *kobj,			\
			     struct kobj_attribute *a,			\
			     const char *buf, size_t count)		\
{									\
	struct msched_file *mf = kobj_mf(kobj);				\
	int ret;							\
	u32 v;								\
									\
	if (kstrtou32(buf, 10, &v) || v < (_min) || v > (_max)) {	\
		pr_info("%s: " #_name ": accepted: %u..%u\n", mf->name,	\
			(u32)(_min), (u32)(_max));			\
		return -EINVAL;						\
	}								\
	mutex_lock(&mf->move_lock);					\
	WRITE_ONCE(mf->_field, v);					\
	ret = msched_fs_tier_apply(mf);					\
	mutex_unlock(&mf->move_lock);					\
	return ret ? ret : count;					\
}									\
static struct kobj_attribute _name##_attr = __ATTR_RW(_name)

MSCHED_FS_U32_KNOB(scan_interval_ms, scan_ms, MSCHED_INTERVAL_MIN_MS,
		   MSCHED_INTERVAL_MAX_MS);
MSCHED_FS_U32_KNOB(rate_limit_mib_per_s, rate_mib_per_s, 0, MSCHED_TIER_MAX_RATE_MIB_PER_S);
MSCHED_FS_U32_KNOB(promote_heat, promote_heat, 1, MSCHED_TIER_HEAT_MAX);
MSCHED_FS_U32_KNOB(demote_heat, demote_heat, 0, MSCHED_TIER_HEAT_MAX - 1);

/* Which access source tiering reads: "trap", or "kvm" (an attached VM). */
static ssize_t access_source_show(struct kobject *kobj,
				  struct kobj_attribute *a, char *buf)
{
	struct msched_file *mf = kobj_mf(kobj);
	ssize_t ret;

	mutex_lock(&mf->move_lock);
	ret = sysfs_emit(buf, "%s\n", mf->access->ops->name);
	mutex_unlock(&mf->move_lock);
	return ret;
}
static struct kobj_attribute access_source_attr = __ATTR_RO(access_source);

/*
 * The pages one heat value answers for: MSCHED_FS_HUGE_NR once the file
 * has held a huge folio (heat is kept per folio, at its first index),
 * else 1. 4 KiB fallback folios are still seen per page (the mix:
 * huge_folios).
 */
static ssize_t access_granularity_pages_show(struct kobject *kobj,
					     struct kobj_attribute *a,
					     char *buf)
{
	return sysfs_emit(buf, "%lu\n", READ_ONCE(kobj_mf(kobj)->had_huge) ?
			  MSCHED_FS_HUGE_NR : 1UL);
}
static struct kobj_attribute access_granularity_pages_attr =
	__ATTR_RO(access_granularity_pages);

/* "NODE": move every resident page there now; the write returns when done. */
static ssize_t move_store(struct kobject *kobj, struct kobj_attribute *a,
			  const char *buf, size_t count)
{
	struct msched_file *mf = kobj_mf(kobj);
	long moved;
	int nid;

	if (parse_node(buf, false, &nid)) {
		pr_info("%s: move: accepted: a node with memory (%*pbl)\n",
			mf->name, nodemask_pr_args(&node_states[N_MEMORY]));
		return -EINVAL;
	}
	if (mutex_lock_killable(&mf->move_lock))
		return -EINTR;
	moved = msched_fs_move_all(mf, nid);
	mutex_unlock(&mf->move_lock);
	return moved < 0 ? moved : count;
}

/*
 * "PAGES" swaps out up to PAGES pages outside the working set, coldest
 * first; "PAGES force" may take working-set pages too. The write returns
 * when done: its byte count when PAGES went out, else the error.
 */
static ssize_t swap_out_store(struct kobject *kobj, struct kobj_attribute *a,
			      const char *buf, size_t count)
{
	struct msched_file *mf = kobj_mf(kobj);
	char *copy, *p, *num, *opt;
	bool force = false;
	long ret;
	u64 n;

	copy = msched_fallible(kstrndup(buf, count, GFP_KERNEL));
	if (!copy)
		return -ENOMEM;
	p = strim(copy);
	num = strsep(&p, " \t");
	opt = p ? skip_spaces(p) : NULL;
	if (opt && !strcmp(opt, "force"))
		force = true;
	else if (opt && *opt)
		num = NULL;
	if (!num || kstrtou64(num, 10, &n) || !n) {
		kfree(copy);
		pr_info("%s: swap_out: accepted: PAGES (>= 1), or PAGES force\n",
			mf->name);
		return -EINVAL;
	}
	kfree(copy);
	ret = msched_fs_swap_out(mf, n, force ? MSCHED_FS_SWAP_FORCE : 0, NULL);
	return ret < 0 ? ret : count;
}

/*
 * huge_folios: a gauge, the file's 2 MiB folios now; a walk, and only of a
 * file that had a huge folio (msched_fs_count_huge_folios()).
 */
static ssize_t huge_folios_show(struct kobject *kobj,
				struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%llu\n", msched_fs_count_huge_folios(kobj_mf(kobj)));
}

static ssize_t swapped_pages_show(struct kobject *kobj,
				  struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  (long long)atomic64_read(&kobj_mf(kobj)->nr_swapped));
}

static struct kobj_attribute name_attr = __ATTR_RO(name);
static struct kobj_attribute size_pages_attr = __ATTR_RO(size_pages);
static struct kobj_attribute resident_pages_attr = __ATTR_RO(resident_pages);
static struct kobj_attribute node_pages_attr = __ATTR_RO(node_pages);
static struct kobj_attribute dram_node_attr = __ATTR_RW(dram_node);
static struct kobj_attribute pmem_node_attr = __ATTR_RW(pmem_node);
static struct kobj_attribute dram_budget_pages_attr = __ATTR_RW(dram_budget_pages);
static struct kobj_attribute tiering_attr = __ATTR_RW(tiering);
static struct kobj_attribute move_attr = __ATTR_WO(move);
static struct kobj_attribute swap_out_attr = __ATTR_WO(swap_out);
static struct kobj_attribute swapped_pages_attr = __ATTR_RO(swapped_pages);
static struct kobj_attribute huge_folios_attr = __ATTR_RO(huge_folios);

static struct attribute *msched_file_attrs[] = {
	&name_attr.attr,
	&size_pages_attr.attr,
	&resident_pages_attr.attr,
	&node_pages_attr.attr,
	&dram_node_attr.attr,
	&pmem_node_attr.attr,
	&dram_budget_pages_attr.attr,
	&tiering_attr.attr,
	&scan_interval_ms_attr.attr,
	&rate_limit_mib_per_s_attr.attr,
	&promote_heat_attr.attr,
	&demote_heat_attr.attr,
	&access_source_attr.attr,
	&access_granularity_pages_attr.attr,
	&move_attr.attr,
	&swap_out_attr.attr,
	&swapped_pages_attr.attr,
	&huge_folios_attr.attr,
	NULL,
};

static const struct attribute_group msched_file_group = {
	.attrs = msched_file_attrs,
};

static const struct attribute_group *msched_file_groups[] = {
	&msched_file_group,
	&msched_file_stats_group,
	NULL,
};

static void msched_file_kobj_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct msched_file_kobj, kobj));
}

static const struct kobj_type msched_file_ktype = {
	.release = msched_file_kobj_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = msched_file_groups,
};

/**
 * msched_fs_sysfs_add() - create files/<ino>/ for a new file.
 * @mf: the file
 *
 * Context: process context; may sleep.
 * Return: 0 or -errno.
 */
int msched_fs_sysfs_add(struct msched_file *mf)
{
	struct msched_file_kobj *fk;
	int ret;

	fk = msched_fallible(kzalloc(sizeof(*fk), GFP_KERNEL));
	if (!fk)
		return -ENOMEM;
	fk->mf = mf;
	ret = kobject_init_and_add(&fk->kobj, &msched_file_ktype,
				   msched_files_kobj, "%lu", mf->vfs_inode.i_ino);
	if (ret) {
		kobject_put(&fk->kobj);
		return ret;
	}
	mf->kobj = &fk->kobj;
	return 0;
}

/**
 * msched_fs_sysfs_del() - remove files/<ino>/; waits for reads and writes
 * in flight.
 * @mf: the file (no directory is fine)
 *
 * Context: process context; may sleep.
 */
void msched_fs_sysfs_del(struct msched_file *mf)
{
	if (!mf->kobj)
		return;
	kobject_del(mf->kobj);
	kobject_put(mf->kobj);
	mf->kobj = NULL;
}

/**
 * msched_fs_sysfs_init() - create /sys/kernel/mm/memsched/files/.
 * @parent: /sys/kernel/mm/memsched
 *
 * Context: process context, module init.
 * Return: 0 or -ENOMEM.
 */
int msched_fs_sysfs_init(struct kobject *parent)
{
	msched_files_kobj = kobject_create_and_add("files", parent);
	return msched_files_kobj ? 0 : -ENOMEM;
}

/**
 * msched_fs_sysfs_exit() - remove files/ (empty: nothing is mounted).
 *
 * Context: process context, module exit.
 */
void msched_fs_sysfs_exit(void)
{
	kobject_put(msched_files_kobj);
	msched_files_kobj = NULL;
}

/**
 * msched_fs_sysfs_link() - link @from/@name to a file's directory.
 * @mf: the file (its directory exists while the file does).
 * @from: the directory to make the link in.
 * @name: the link's name.
 *
 * The link goes with @from's directory (kobject_del removes it).
 *
 * Context: process context; may sleep. The caller holds a reference on
 * the file.
 * Return: 0 or -errno.
 */
int msched_fs_sysfs_link(struct msched_file *mf, struct kobject *from,
			 const char *name)
{
	return mf->kobj ? sysfs_create_link(from, mf->kobj, name) : -ENOENT;
}
