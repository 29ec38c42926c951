// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_failover: the /sys/kernel/rdma_failover control plane.
 *
 * One value per file. Every file is documented in
 * Documentation/ABI/testing/sysfs-kernel-rdma_failover.
 *
 *   version, add, remove
 *   replicas/<name>/{path,role,peer,source,baseline,epoch_ms,heartbeat_ms,
 *                    timeout_ms,state,epoch,epoch_cut_ns,command,reset,
 *                    last_*,dirty_pages}
 *   replicas/<name>/stats/{nr_epochs,...}
 *
 * The registry of replicas lives here: rfo_replicas_lock protects the list
 * and the uniqueness of names.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/inet.h>
#include <linux/kobject.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include <memsched_dirty.h>
#include <uapi/memsched.h>
#include "rdma_failover.h"

static struct kobject *rfo_kobj;
static struct kobject *rfo_replicas_kobj;
static DEFINE_MUTEX(rfo_replicas_lock);
static LIST_HEAD(rfo_replicas);

static struct rfo_replica *to_replica(struct kobject *kobj)
{
	return container_of(kobj, struct rfo_replica, kobj);
}

/* ---- replicas/<name>/ ---- */

static ssize_t path_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n", to_replica(kobj)->path);
}

static ssize_t role_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  rfo_role_name(READ_ONCE(to_replica(kobj)->role)));
}

static ssize_t role_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	struct rfo_replica *r = to_replica(kobj);
	int role, ret = count;

	if (sysfs_streq(buf, "primary")) {
		role = RFO_ROLE_PRIMARY;
	} else if (sysfs_streq(buf, "standby")) {
		role = RFO_ROLE_STANDBY;
	} else if (sysfs_streq(buf, "source")) {
		role = RFO_ROLE_SOURCE;
	} else if (sysfs_streq(buf, "recovery")) {
		role = RFO_ROLE_RECOVERY;
	} else {
		pr_info("%s: role: accepted: primary, standby, source, recovery\n",
			r->name);
		return -EINVAL;
	}
	mutex_lock(&r->lock);
	if (r->state != RFO_STOPPED)
		ret = -EBUSY;
	else
		WRITE_ONCE(r->role, role);
	mutex_unlock(&r->lock);
	return ret;
}

/* "a.b.c.d" or "a.b.c.d:port" (@need_port); "" clears. */
static int rfo_parse_addr(const char *buf, size_t count, bool need_port,
			  struct sockaddr_in *sin)
{
	char tmp[32];
	const char *end;
	__be32 addr;
	u16 port = 0;
	int ret;

	if (count >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, buf, count);
	tmp[count] = 0;
	strim(tmp);
	if (!tmp[0]) {
		sin->sin_addr.s_addr = 0;
		sin->sin_port = 0;
		return 0;
	}
	if (!in4_pton(tmp, -1, (u8 *)&addr, need_port ? ':' : '\0', &end))
		return -EINVAL;
	if (need_port) {
		if (*end != ':')
			return -EINVAL;
		ret = kstrtou16(end + 1, 10, &port);
		if (ret || !port)
			return -EINVAL;
	}
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = addr;
	sin->sin_port = htons(port);
	return 0;
}

static ssize_t addr_store(struct rfo_replica *r, const char *buf,
			  size_t count, bool peer)
{
	struct sockaddr_in sin = {};
	int ret;

	ret = rfo_parse_addr(buf, count, peer, &sin);
	if (ret) {
		pr_info("%s: %s: accepted: %s, or empty\n", r->name,
			peer ? "peer" : "source",
			peer ? "IPV4:PORT" : "IPV4");
		return ret;
	}
	mutex_lock(&r->lock);
	if (r->state != RFO_STOPPED) {
		ret = -EBUSY;
	} else if (peer) {
		r->peer.sin_addr = sin.sin_addr;
		r->peer.sin_port = sin.sin_port;
	} else {
		r->source.sin_addr = sin.sin_addr;
	}
	mutex_unlock(&r->lock);
	return ret ? ret : count;
}

static ssize_t peer_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	struct rfo_replica *r = to_replica(kobj);
	ssize_t n;

	mutex_lock(&r->lock);
	if (r->peer.sin_port)
		n = sysfs_emit(buf, "%pI4:%u\n", &r->peer.sin_addr,
			       ntohs(r->peer.sin_port));
	else
		n = sysfs_emit(buf, "\n");
	mutex_unlock(&r->lock);
	return n;
}

static ssize_t peer_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	return addr_store(to_replica(kobj), buf, count, true);
}

static ssize_t source_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	struct rfo_replica *r = to_replica(kobj);
	ssize_t n;

	mutex_lock(&r->lock);
	if (r->source.sin_addr.s_addr)
		n = sysfs_emit(buf, "%pI4\n", &r->source.sin_addr);
	else
		n = sysfs_emit(buf, "\n");
	mutex_unlock(&r->lock);
	return n;
}

static ssize_t source_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	return addr_store(to_replica(kobj), buf, count, false);
}

static ssize_t baseline_show(struct kobject *kobj,
			     struct kobj_attribute *attr, char *buf)
{
	struct rfo_replica *r = to_replica(kobj);
	ssize_t n;

	mutex_lock(&r->lock);
	n = sysfs_emit(buf, "%s\n", r->baseline ?: "");
	mutex_unlock(&r->lock);
	return n;
}

/* An absolute path (the baseline image on shared storage), or "" to clear. */
static ssize_t baseline_store(struct kobject *kobj,
			      struct kobj_attribute *attr, const char *buf,
			      size_t count)
{
	struct rfo_replica *r = to_replica(kobj);
	char *path, *old;
	ssize_t ret = count;

	path = kstrndup(buf, count, GFP_KERNEL);
	if (!path)
		return -ENOMEM;
	strim(path);
	if (path[0] && (path[0] != '/' || strlen(path) >= PATH_MAX)) {
		pr_info("%s: baseline: accepted: an absolute path, or empty\n",
			r->name);
		kfree(path);
		return -EINVAL;
	}
	if (!path[0]) {
		kfree(path);
		path = NULL;
	}
	mutex_lock(&r->lock);
	if (r->state != RFO_STOPPED) {
		ret = -EBUSY;
		old = path;
	} else {
		old = r->baseline;
		r->baseline = path;
	}
	mutex_unlock(&r->lock);
	kfree(old);
	return ret;
}

static ssize_t uint_store(struct rfo_replica *r, const char *what,
			  const char *buf, size_t count, unsigned int *val,
			  unsigned int min, unsigned int max)
{
	unsigned int v;

	if (kstrtouint(buf, 0, &v) || v < min || v > max) {
		pr_info("%s: %s: accepted: %u..%u\n", r->name, what, min, max);
		return -EINVAL;
	}
	WRITE_ONCE(*val, v);
	return count;
}

#define RFO_UINT_ATTR(_name, _min, _max)				\
static ssize_t _name##_show(struct kobject *kobj,			\
			    struct kobj_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_replica(kobj)->_name)); \
}									\
static ssize_t _name##_store(struct kobject *kobj,			\
			     struct kobj_attribute *attr,		\
			     const char *buf, size_t count)		\
{									\
	struct rfo_replica *r = to_replica(kobj);			\
									\
	return uint_store(r, #_name, buf, count, &r->_name, _min, _max); \
}									\
static struct kobj_attribute _name##_attr = __ATTR_RW_MODE(_name, 0644)

RFO_UINT_ATTR(epoch_ms, 1, 10000);
RFO_UINT_ATTR(heartbeat_ms, 10, 10000);
RFO_UINT_ATTR(timeout_ms, 100, 60000);

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  rfo_state_name(READ_ONCE(to_replica(kobj)->state)));
}

static ssize_t epoch_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%llu\n", READ_ONCE(to_replica(kobj)->epoch));
}

static ssize_t epoch_cut_ns_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  READ_ONCE(to_replica(kobj)->epoch_time_ns));
}

static ssize_t command_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	struct rfo_replica *r = to_replica(kobj);
	int ret;

	mutex_lock(&r->lock);
	if (sysfs_streq(buf, "start")) {
		ret = rfo_replica_start(r);
	} else if (sysfs_streq(buf, "stop")) {
		rfo_replica_stop(r);
		ret = 0;
	} else if (sysfs_streq(buf, "promote")) {
		ret = rfo_replica_promote(r);
	} else if (sysfs_streq(buf, "reconnect")) {
		ret = rfo_replica_reconnect(r);
	} else if (sysfs_streq(buf, "pull")) {
		ret = rfo_replica_pull(r);
	} else {
		pr_info("%s: command: accepted: start, stop, promote, reconnect, pull\n",
			r->name);
		ret = -EINVAL;
	}
	mutex_unlock(&r->lock);
	return ret ? ret : count;
}

/*
 * The replica's gauges: the last epoch's, detection's, promotion's, pull's
 * or baseline's value, and a source's dirty pages, kept in r->stats[] with
 * the counters of stats/ so that reset zeroes them together.
 */
struct rfo_stat_attr {
	struct kobj_attribute attr;
	enum rfo_stat stat;
};

static ssize_t rfo_stat_emit(struct kobject *kobj, struct kobj_attribute *attr,
			     char *buf)
{
	struct rfo_stat_attr *sa = container_of(attr, struct rfo_stat_attr,
						attr);

	return sysfs_emit(buf, "%lld\n",
			  atomic64_read(&to_replica(kobj)->stats[sa->stat]));
}

#define RFO_GAUGE(_name, _stat)						\
	static struct rfo_stat_attr _name##_gauge_attr = {		\
		.attr = __ATTR(_name, 0444, rfo_stat_emit, NULL),	\
		.stat = _stat,						\
	}

RFO_GAUGE(last_writer_stall_max_ns, RFO_STAT_LAST_WRITER_STALL_MAX_NS);
RFO_GAUGE(last_epoch_latency_us, RFO_STAT_LAST_EPOCH_LATENCY_US);
RFO_GAUGE(last_cut_ns, RFO_STAT_LAST_CUT_NS);
RFO_GAUGE(last_detect_ms, RFO_STAT_LAST_DETECT_MS);
RFO_GAUGE(last_promote_us, RFO_STAT_LAST_PROMOTE_US);
RFO_GAUGE(last_pull_ns, RFO_STAT_LAST_PULL_NS);
RFO_GAUGE(last_baseline_ns, RFO_STAT_LAST_BASELINE_NS);
RFO_GAUGE(dirty_pages, RFO_STAT_DIRTY_PAGES);

/* reset: 1 zeroes every counter of stats/ and every gauge above. */
static ssize_t reset_store(struct kobject *kobj, struct kobj_attribute *attr,
			   const char *buf, size_t count)
{
	struct rfo_replica *r = to_replica(kobj);
	bool v;
	int i;

	if (kstrtobool(buf, &v) || !v) {
		pr_info("%s: reset: accepted: 1\n", r->name);
		return -EINVAL;
	}
	for (i = 0; i < RFO_NR_STATS; i++)
		atomic64_set(&r->stats[i], 0);
	return count;
}

static struct kobj_attribute path_attr = __ATTR_RO_MODE(path, 0444);
static struct kobj_attribute role_attr = __ATTR_RW_MODE(role, 0644);
static struct kobj_attribute peer_attr = __ATTR_RW_MODE(peer, 0644);
static struct kobj_attribute source_attr = __ATTR_RW_MODE(source, 0644);
static struct kobj_attribute baseline_attr = __ATTR_RW_MODE(baseline, 0644);
static struct kobj_attribute state_attr = __ATTR_RO_MODE(state, 0444);
static struct kobj_attribute epoch_attr = __ATTR_RO_MODE(epoch, 0444);
static struct kobj_attribute epoch_cut_ns_attr =
	__ATTR_RO_MODE(epoch_cut_ns, 0444);
static struct kobj_attribute command_attr = __ATTR_WO(command);
static struct kobj_attribute reset_attr = __ATTR_WO(reset);

static struct attribute *rfo_replica_attrs[] = {
	&path_attr.attr,
	&role_attr.attr,
	&peer_attr.attr,
	&source_attr.attr,
	&baseline_attr.attr,
	&epoch_ms_attr.attr,
	&heartbeat_ms_attr.attr,
	&timeout_ms_attr.attr,
	&state_attr.attr,
	&epoch_attr.attr,
	&epoch_cut_ns_attr.attr,
	&command_attr.attr,
	&reset_attr.attr,
	&last_writer_stall_max_ns_gauge_attr.attr.attr,
	&last_epoch_latency_us_gauge_attr.attr.attr,
	&last_cut_ns_gauge_attr.attr.attr,
	&last_detect_ms_gauge_attr.attr.attr,
	&last_promote_us_gauge_attr.attr.attr,
	&last_pull_ns_gauge_attr.attr.attr,
	&last_baseline_ns_gauge_attr.attr.attr,
	&dirty_pages_gauge_attr.attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(rfo_replica);

static void rfo_replica_release(struct kobject *kobj)
{
	rfo_replica_free(to_replica(kobj));
}

static struct kobj_type rfo_replica_ktype = {
	.release = rfo_replica_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = rfo_replica_groups,
};

/* ---- replicas/<name>/stats/: counters, zeroed only by reset ---- */

static ssize_t rfo_stat_show(struct kobject *kobj, struct kobj_attribute *attr,
			     char *buf)
{
	return rfo_stat_emit(kobj->parent, attr, buf);
}

#define RFO_STAT(_name, _stat)						\
	static struct rfo_stat_attr _name##_stat_attr = {		\
		.attr = __ATTR(_name, 0444, rfo_stat_show, NULL),	\
		.stat = _stat,						\
	}

RFO_STAT(nr_epochs, RFO_STAT_NR_EPOCHS);
RFO_STAT(nr_pages, RFO_STAT_NR_PAGES);
RFO_STAT(nr_bytes, RFO_STAT_NR_BYTES);
RFO_STAT(nr_cow_pages, RFO_STAT_NR_COW_PAGES);
RFO_STAT(nr_writer_stall_ns, RFO_STAT_NR_WRITER_STALL_NS);
RFO_STAT(nr_heartbeat_timeouts, RFO_STAT_NR_HEARTBEAT_TIMEOUTS);
RFO_STAT(nr_reconnects, RFO_STAT_NR_RECONNECTS);
RFO_STAT(nr_resyncs, RFO_STAT_NR_RESYNCS);
RFO_STAT(nr_bad_messages, RFO_STAT_NR_BAD_MESSAGES);
RFO_STAT(nr_registration_errors, RFO_STAT_NR_REGISTRATION_ERRORS);
RFO_STAT(nr_rollbacks, RFO_STAT_NR_ROLLBACKS);
RFO_STAT(nr_rejects, RFO_STAT_NR_REJECTS);
RFO_STAT(nr_pulls, RFO_STAT_NR_PULLS);
RFO_STAT(nr_pull_errors, RFO_STAT_NR_PULL_ERRORS);
RFO_STAT(nr_pull_pages, RFO_STAT_NR_PULL_PAGES);
RFO_STAT(nr_pull_bytes, RFO_STAT_NR_PULL_BYTES);
RFO_STAT(nr_baseline_pages, RFO_STAT_NR_BASELINE_PAGES);
RFO_STAT(nr_dirty_huge_folios, RFO_STAT_NR_DIRTY_HUGE_FOLIOS);

static struct attribute *rfo_stats_attrs[] = {
	&nr_epochs_stat_attr.attr.attr,
	&nr_pages_stat_attr.attr.attr,
	&nr_bytes_stat_attr.attr.attr,
	&nr_cow_pages_stat_attr.attr.attr,
	&nr_writer_stall_ns_stat_attr.attr.attr,
	&nr_heartbeat_timeouts_stat_attr.attr.attr,
	&nr_reconnects_stat_attr.attr.attr,
	&nr_resyncs_stat_attr.attr.attr,
	&nr_bad_messages_stat_attr.attr.attr,
	&nr_registration_errors_stat_attr.attr.attr,
	&nr_rollbacks_stat_attr.attr.attr,
	&nr_rejects_stat_attr.attr.attr,
	&nr_pulls_stat_attr.attr.attr,
	&nr_pull_errors_stat_attr.attr.attr,
	&nr_pull_pages_stat_attr.attr.attr,
	&nr_pull_bytes_stat_attr.attr.attr,
	&nr_baseline_pages_stat_attr.attr.attr,
	&nr_dirty_huge_folios_stat_attr.attr.attr,
	NULL,
};

static const struct attribute_group rfo_stats_group = {
	.attrs = rfo_stats_attrs,
};

/* ---- add / remove ---- */

static struct rfo_replica *rfo_find(const char *name)
{
	struct rfo_replica *r;

	lockdep_assert_held(&rfo_replicas_lock);
	list_for_each_entry(r, &rfo_replicas, node)
		if (!strcmp(r->name, name))
			return r;
	return NULL;
}

/* Stop @r, remove its directory and drop it (unlinked from the list). */
static void rfo_replica_remove(struct rfo_replica *r)
{
	mutex_lock(&r->lock);
	r->removed = true;
	rfo_replica_stop(r);
	mutex_unlock(&r->lock);
	if (r->stats_kobj) {
		sysfs_remove_group(r->stats_kobj, &rfo_stats_group);
		kobject_put(r->stats_kobj);
	}
	/* waits for every file's reader and writer to leave */
	kobject_del(&r->kobj);
	mutex_lock(&r->lock);
	rfo_replica_stop(r);
	mutex_unlock(&r->lock);
	kobject_put(&r->kobj);
}

static ssize_t add_store(struct kobject *kobj, struct kobj_attribute *attr,
			 const char *buf, size_t count)
{
	struct rfo_replica *r;
	struct file *file;
	const char *name;
	char *path;
	int ret;

	path = kstrndup(buf, count, GFP_KERNEL);
	if (!path)
		return -ENOMEM;
	strim(path);
	name = strrchr(path, '/');
	if (path[0] != '/' || !name || !name[1] || strlen(name + 1) > NAME_MAX) {
		pr_info("add: accepted: the absolute path of a memschedfs file\n");
		ret = -EINVAL;
		goto out_free;
	}
	name++;
	file = filp_open(path, O_RDWR | O_LARGEFILE, 0);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto out_free;
	}
	if (!msched_file_is_memschedfs(file)) {
		pr_info("add: %s is not a memschedfs file\n", path);
		ret = -EINVAL;
		goto out_fput;
	}
	mutex_lock(&rfo_replicas_lock);
	if (rfo_find(name)) {
		ret = -EEXIST;
		goto out_unlock;
	}
	r = rfo_replica_new(name, path, file);
	if (IS_ERR(r)) {
		ret = PTR_ERR(r);
		goto out_unlock;
	}
	ret = kobject_init_and_add(&r->kobj, &rfo_replica_ktype,
				   rfo_replicas_kobj, "%s", name);
	if (ret) {
		/* the release frees r and drops the file */
		kobject_put(&r->kobj);
		goto out_unlock_file_gone;
	}
	r->stats_kobj = kobject_create_and_add("stats", &r->kobj);
	ret = r->stats_kobj ? sysfs_create_group(r->stats_kobj,
						 &rfo_stats_group) : -ENOMEM;
	if (ret) {
		if (r->stats_kobj)
			kobject_put(r->stats_kobj);
		r->stats_kobj = NULL;
		kobject_del(&r->kobj);
		kobject_put(&r->kobj);
		goto out_unlock_file_gone;
	}
	list_add_tail(&r->node, &rfo_replicas);
	mutex_unlock(&rfo_replicas_lock);
	kfree(path);
	return count;

out_unlock:
	mutex_unlock(&rfo_replicas_lock);
out_fput:
	fput(file);
out_free:
	kfree(path);
	return ret;
out_unlock_file_gone:
	mutex_unlock(&rfo_replicas_lock);
	kfree(path);
	return ret;
}

static ssize_t remove_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	struct rfo_replica *r;
	char name[NAME_MAX + 1];

	if (count > NAME_MAX)
		return -EINVAL;
	memcpy(name, buf, count);
	name[count] = 0;
	strim(name);
	mutex_lock(&rfo_replicas_lock);
	r = rfo_find(strim(name));
	if (r)
		list_del(&r->node);
	mutex_unlock(&rfo_replicas_lock);
	if (!r) {
		pr_info("remove: no replica named '%s'\n", strim(name));
		return -ENOENT;
	}
	rfo_replica_remove(r);
	return count;
}

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%d\n", RDMA_FAILOVER_ABI_VERSION);
}

static struct kobj_attribute version_attr = __ATTR_RO_MODE(version, 0444);
static struct kobj_attribute add_attr = __ATTR_WO(add);
static struct kobj_attribute remove_attr = __ATTR_WO(remove);

static struct attribute *rfo_root_attrs[] = {
	&version_attr.attr,
	&add_attr.attr,
	&remove_attr.attr,
	NULL,
};

static const struct attribute_group rfo_root_group = {
	.attrs = rfo_root_attrs,
};

/**
 * rfo_sysfs_init() - create /sys/kernel/rdma_failover.
 *
 * Context: process context, module init; may sleep.
 * Return: 0 on success, -errno on failure (nothing is left behind).
 */
int rfo_sysfs_init(void)
{
	int ret;

	rfo_kobj = kobject_create_and_add("rdma_failover", kernel_kobj);
	if (!rfo_kobj)
		return -ENOMEM;
	rfo_replicas_kobj = kobject_create_and_add("replicas", rfo_kobj);
	if (!rfo_replicas_kobj) {
		ret = -ENOMEM;
		goto out_put_kobj;
	}
	ret = sysfs_create_group(rfo_kobj, &rfo_root_group);
	if (ret)
		goto out_put_replicas;
	return 0;

out_put_replicas:
	kobject_put(rfo_replicas_kobj);
	rfo_replicas_kobj = NULL;
out_put_kobj:
	kobject_put(rfo_kobj);
	rfo_kobj = NULL;
	return ret;
}

/**
 * rfo_sysfs_exit() - stop and remove every replica, then the tree.
 *
 * Context: process context, module exit; may sleep.
 */
void rfo_sysfs_exit(void)
{
	struct rfo_replica *r;

	/* no add or remove runs after this */
	sysfs_remove_group(rfo_kobj, &rfo_root_group);
	for (;;) {
		mutex_lock(&rfo_replicas_lock);
		r = list_first_entry_or_null(&rfo_replicas, struct rfo_replica,
					     node);
		if (r)
			list_del(&r->node);
		mutex_unlock(&rfo_replicas_lock);
		if (!r)
			break;
		rfo_replica_remove(r);
	}
	kobject_put(rfo_replicas_kobj);
	rfo_replicas_kobj = NULL;
	kobject_put(rfo_kobj);
	rfo_kobj = NULL;
}
