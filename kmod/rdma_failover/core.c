// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_failover: what every part of a replica uses: state changes (with
 * their tracepoint), the stats/ counters, and the one way a bad message
 * from the peer is reported.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/ratelimit.h>

#include "rdma_failover.h"
#include "trace.h"

static const char *const rfo_state_names[RFO_NR_STATES] = {
	[RFO_STOPPED] = "stopped",
	[RFO_CONNECTING] = "connecting",
	[RFO_LISTENING] = "listening",
	[RFO_SYNCING] = "syncing",
	[RFO_REPLICATING] = "replicating",
	[RFO_RECONNECTING] = "reconnecting",
	[RFO_PRIMARY_LOST] = "primary_lost",
	[RFO_PROMOTED] = "promoted",
	[RFO_SERVING] = "serving",
	[RFO_PULLING] = "pulling",
	[RFO_RECOVERED] = "recovered",
};

static const char *const rfo_role_names[RFO_NR_ROLES] = {
	[RFO_ROLE_PRIMARY] = "primary",
	[RFO_ROLE_STANDBY] = "standby",
	[RFO_ROLE_SOURCE] = "source",
	[RFO_ROLE_RECOVERY] = "recovery",
};

/**
 * rfo_role_name() - the word sysfs shows for a role.
 * @role: enum rfo_role
 *
 * Context: any.
 * Return: a static string ("?" for an unknown role).
 */
const char *rfo_role_name(int role)
{
	if (role < 0 || role >= RFO_NR_ROLES)
		return "?";
	return rfo_role_names[role];
}

/**
 * rfo_state_name() - the word sysfs shows for a state.
 * @state: enum rfo_state
 *
 * Context: any.
 * Return: a static string ("?" for an unknown state).
 */
const char *rfo_state_name(int state)
{
	if (state < 0 || state >= RFO_NR_STATES)
		return "?";
	return rfo_state_names[state];
}

/**
 * rfo_replica_set_state() - change a replica's state.
 * @r: the replica
 * @state: enum rfo_state
 *
 * The caller owns the state at this moment (a command with the works
 * quiesced, or the work that runs).
 *
 * Context: process context; any locks.
 */
void rfo_replica_set_state(struct rfo_replica *r, int state)
{
	int old = READ_ONCE(r->state);

	if (old == state)
		return;
	WRITE_ONCE(r->state, state);
	trace_rfo_state(r->name, rfo_state_name(old), rfo_state_name(state));
	pr_info("%s: %s -> %s\n", r->name, rfo_state_name(old),
		rfo_state_name(state));
	wake_up_all(&r->waitq);
}

/**
 * rfo_stat_add() - add to a counter of stats/.
 * @r: the replica
 * @s: which
 * @v: how much
 *
 * Context: any.
 */
void rfo_stat_add(struct rfo_replica *r, enum rfo_stat s, u64 v)
{
	atomic64_add(v, &r->stats[s]);
}

/**
 * rfo_stat_set() - set a gauge of replicas/<name>/ (last_*, dirty_pages).
 * @r: the replica
 * @s: which
 * @v: the value
 *
 * Context: any.
 */
void rfo_stat_set(struct rfo_replica *r, enum rfo_stat s, u64 v)
{
	atomic64_set(&r->stats[s], v);
}

/**
 * rfo_bad_message() - count and report a message that failed validation.
 * @r: the replica
 * @what: which message or step
 * @err: the negative MSCHED_REPL_E* code (or -errno)
 *
 * Counted in stats/nr_bad_messages, logged at most once per ratelimit
 * interval. The caller then drops the connection.
 *
 * Context: any.
 */
void rfo_bad_message(struct rfo_replica *r, const char *what, int err)
{
	rfo_stat_add(r, RFO_STAT_NR_BAD_MESSAGES, 1);
	if (err <= -MSCHED_REPL_EBASE)
		pr_warn_ratelimited("%s: bad %s from the peer: %s; dropping the connection\n",
				    r->name, what, msched_repl_strerror(err));
	else
		pr_warn_ratelimited("%s: bad %s from the peer: error %d; dropping the connection\n",
				    r->name, what, err);
}

/**
 * rfo_queue_work() - queue a work item of @r unless it is stopping.
 * @r: the replica
 * @work: one of its work items
 *
 * Context: any (takes @r->ev_lock, BH-safe).
 * Return: true if it was queued (false: stopping, or already queued).
 */
bool rfo_queue_work(struct rfo_replica *r, struct work_struct *work)
{
	unsigned long flags;
	bool ret = false;

	spin_lock_irqsave(&r->ev_lock, flags);
	if (!r->stopping)
		ret = queue_work(r->wq, work);
	spin_unlock_irqrestore(&r->ev_lock, flags);
	return ret;
}

/**
 * rfo_queue_delayed() - (re)arm a delayed work item of @r unless stopping.
 * @r: the replica
 * @dwork: one of its delayed work items
 * @delay: in jiffies; an armed timer is moved to it
 *
 * Context: any (takes @r->ev_lock).
 * Return: true if it was armed (false: stopping).
 */
bool rfo_queue_delayed(struct rfo_replica *r, struct delayed_work *dwork,
		       unsigned long delay)
{
	unsigned long flags;
	bool ret = false;

	spin_lock_irqsave(&r->ev_lock, flags);
	if (!r->stopping) {
		mod_delayed_work(r->wq, dwork, delay);
		ret = true;
	}
	spin_unlock_irqrestore(&r->ev_lock, flags);
	return ret;
}

/**
 * rfo_stopping() - is a stop (or promote) quiescing @r?
 * @r: the replica
 *
 * Context: any.
 * Return: true once stop has begun.
 */
bool rfo_stopping(struct rfo_replica *r)
{
	return READ_ONCE(r->stopping);
}

/**
 * rfo_set_conn() - make @c the replica's connection (or none).
 * @r: the replica
 * @c: the connection, or NULL
 *
 * The CM handler looks the connection up under @r->ev_lock: once this
 * returned with NULL, it no longer touches the old one.
 *
 * Context: process context, a work of @r or a command with the works
 * quiesced.
 */
void rfo_set_conn(struct rfo_replica *r, struct rfo_conn *c)
{
	spin_lock_bh(&r->ev_lock);
	r->conn = c;
	spin_unlock_bh(&r->ev_lock);
}
