// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_failover: a replica's life (new, free) and its commands (start,
 * stop, promote, reconnect, pull). Commands hold the replica's lock; stopping
 * first quiesces the work items (stopping flag, then cancel and flush),
 * which never take that lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>

#include "rdma_failover.h"

static unsigned int staging_slots = RFO_WIRE_DEFAULT_SLOTS;
module_param(staging_slots, uint, 0644);
MODULE_PARM_DESC(staging_slots,
		 "standby staging slots of 4 KiB (1..4096), read at start");

/* accept_work and epoch_work do what the replica's role does */
static void rfo_accept_work(struct work_struct *work)
{
	struct rfo_replica *r = container_of(work, struct rfo_replica,
					     accept_work);

	if (r->role == RFO_ROLE_SOURCE)
		rfo_source_accept_work(work);
	else
		rfo_standby_accept_work(work);
}

static void rfo_epoch_work(struct work_struct *work)
{
	struct rfo_replica *r = container_of(to_delayed_work(work),
					     struct rfo_replica, epoch_work);

	if (r->role == RFO_ROLE_SOURCE)
		rfo_source_epoch_work(work);
	else
		rfo_primary_epoch_work(work);
}

/**
 * rfo_replica_new() - a stopped replica of @file.
 * @name: its name (the file's basename)
 * @path: the path it was added by
 * @file: the open memschedfs file; the replica owns this reference
 *
 * Context: process context; sleeps.
 * Return: the replica or an ERR_PTR (then @file is still the caller's).
 */
struct rfo_replica *rfo_replica_new(const char *name, const char *path,
				    struct file *file)
{
	struct rfo_replica *r;
	int i;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return ERR_PTR(-ENOMEM);
	strscpy(r->name, name, sizeof(r->name));
	r->path = kstrdup(path, GFP_KERNEL);
	r->wq = alloc_ordered_workqueue("rfo_%s", WQ_MEM_RECLAIM, r->name);
	if (!r->path || !r->wq) {
		if (r->wq)
			destroy_workqueue(r->wq);
		kfree(r->path);
		kfree(r);
		return ERR_PTR(-ENOMEM);
	}
	r->file = file;
	mutex_init(&r->lock);
	spin_lock_init(&r->ev_lock);
	init_waitqueue_head(&r->waitq);
	xa_init(&r->rx.undo_log);
	INIT_DELAYED_WORK(&r->connect_work, rfo_primary_connect_work);
	INIT_DELAYED_WORK(&r->epoch_work, rfo_epoch_work);
	INIT_WORK(&r->accept_work, rfo_accept_work);
	INIT_WORK(&r->rx_work, rfo_standby_rx_work);
	INIT_DELAYED_WORK(&r->hb_work, rfo_standby_hb_work);
	INIT_WORK(&r->lost_work, rfo_standby_lost_work);
	r->role = RFO_ROLE_PRIMARY;
	r->peer.sin_family = AF_INET;
	r->source.sin_family = AF_INET;
	r->epoch_ms = 10;
	r->heartbeat_ms = 100;
	r->timeout_ms = 1000;
	r->state = RFO_STOPPED;
	r->stopping = true;
	for (i = 0; i < RFO_NR_STATS; i++)
		atomic64_set(&r->stats[i], 0);
	return r;
}

/**
 * rfo_replica_free() - free a stopped replica (its kobject's release).
 * @r: the replica
 *
 * Context: process context; sleeps.
 */
void rfo_replica_free(struct rfo_replica *r)
{
	WARN_ON_ONCE(r->state != RFO_STOPPED && r->state != RFO_PROMOTED &&
		     r->state != RFO_RECOVERED);
	destroy_workqueue(r->wq);
	kfree(r->baseline);
	xa_destroy(&r->rx.undo_log);
	if (r->file)
		fput(r->file);
	kfree(r->path);
	kfree(r);
}

static void rfo_replica_quiesce(struct rfo_replica *r)
{
	spin_lock_bh(&r->ev_lock);
	r->stopping = true;
	spin_unlock_bh(&r->ev_lock);
	wake_up_all(&r->waitq);
	cancel_delayed_work_sync(&r->connect_work);
	cancel_delayed_work_sync(&r->epoch_work);
	cancel_delayed_work_sync(&r->hb_work);
	cancel_work_sync(&r->accept_work);
	cancel_work_sync(&r->rx_work);
	cancel_work_sync(&r->lost_work);
	flush_workqueue(r->wq);
}

/**
 * rfo_replica_start() - the start command.
 * @r: the replica
 *
 * Context: process context, @r->lock held; sleeps.
 * Return: 0; -EBUSY (not stopped), -EDESTADDRREQ (no peer), -EINVAL
 * (timeout_ms not above 2 x heartbeat_ms, staging_slots out of range, or
 * a recovery replica: it takes pull), -ENODEV (being removed), or the
 * role's error.
 */
int rfo_replica_start(struct rfo_replica *r)
{
	unsigned int hb = READ_ONCE(r->heartbeat_ms);
	unsigned int to = READ_ONCE(r->timeout_ms);
	unsigned int slots = READ_ONCE(staging_slots);
	int ret;

	lockdep_assert_held(&r->lock);
	if (r->removed)
		return -ENODEV;
	if (r->state != RFO_STOPPED)
		return -EBUSY;
	if (r->role == RFO_ROLE_RECOVERY) {
		pr_info("%s: start: a recovery replica takes the command pull\n",
			r->name);
		return -EINVAL;
	}
	if (!r->peer.sin_port)
		return -EDESTADDRREQ;
	if (to <= 2 * hb) {
		pr_warn("%s: timeout_ms (%u) must be above 2 x heartbeat_ms (%u)\n",
			r->name, to, hb);
		return -EINVAL;
	}
	if (r->role == RFO_ROLE_STANDBY &&
	    (!slots || slots > RFO_WIRE_MAX_SLOTS)) {
		pr_warn("%s: staging_slots must be 1..%u\n", r->name,
			RFO_WIRE_MAX_SLOTS);
		return -EINVAL;
	}
	spin_lock_bh(&r->ev_lock);
	r->stopping = false;
	spin_unlock_bh(&r->ev_lock);
	if (r->role == RFO_ROLE_PRIMARY)
		ret = rfo_primary_start(r);
	else if (r->role == RFO_ROLE_SOURCE)
		ret = rfo_source_start(r);
	else
		ret = rfo_standby_start(r, slots);
	if (ret) {
		rfo_replica_quiesce(r);
		rfo_replica_set_state(r, RFO_STOPPED);
	}
	return ret;
}

/**
 * rfo_replica_stop() - the stop command (also remove and unload).
 * @r: the replica
 *
 * Context: process context, @r->lock held; sleeps.
 */
void rfo_replica_stop(struct rfo_replica *r)
{
	lockdep_assert_held(&r->lock);
	if (r->state == RFO_STOPPED)
		return;
	rfo_replica_quiesce(r);
	if (r->role == RFO_ROLE_PRIMARY)
		rfo_primary_stop(r);
	else if (r->role == RFO_ROLE_SOURCE)
		rfo_source_stop(r);
	else if (r->role == RFO_ROLE_STANDBY && r->state != RFO_PROMOTED)
		rfo_standby_stop(r);
	rfo_replica_set_state(r, RFO_STOPPED);
}

/**
 * rfo_replica_promote() - the promote command (standby).
 * @r: the replica
 *
 * Context: process context, @r->lock held; sleeps.
 * Return: 0; -EINVAL (not a standby, or not in listening, syncing,
 * replicating or primary_lost); -EAGAIN (no complete epoch yet).
 */
int rfo_replica_promote(struct rfo_replica *r)
{
	u64 t0 = ktime_get_ns();

	lockdep_assert_held(&r->lock);
	if (r->role != RFO_ROLE_STANDBY)
		return -EINVAL;
	switch (r->state) {
	case RFO_LISTENING:
	case RFO_SYNCING:
	case RFO_REPLICATING:
	case RFO_PRIMARY_LOST:
		break;
	default:
		return -EINVAL;
	}
	if (!r->generation || !r->epoch)
		return -EAGAIN;
	rfo_replica_quiesce(r);
	rfo_standby_promote(r);
	rfo_stat_set(r, RFO_STAT_LAST_PROMOTE_US,
		     div_u64(ktime_get_ns() - t0, NSEC_PER_USEC));
	return 0;
}

/**
 * rfo_replica_reconnect() - the reconnect command (primary).
 * @r: the replica
 *
 * Context: process context, @r->lock held.
 * Return: 0 or -EINVAL (not a running primary).
 */
int rfo_replica_reconnect(struct rfo_replica *r)
{
	lockdep_assert_held(&r->lock);
	if (r->role != RFO_ROLE_PRIMARY)
		return -EINVAL;
	return rfo_primary_reconnect(r);
}

/**
 * rfo_replica_pull() - the pull command (recovery).
 * @r: the replica
 *
 * Context: process context, @r->lock held; sleeps until the pull ended.
 * Return: 0 or -errno, as rfo_recovery_pull().
 */
int rfo_replica_pull(struct rfo_replica *r)
{
	lockdep_assert_held(&r->lock);
	return rfo_recovery_pull(r);
}
