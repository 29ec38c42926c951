// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_failover: the primary's epoch engine.
 *
 * connect_work: rdma_cm connect with HELLO, wait for REGIONS, agree on a
 * resync, map the send buffer. epoch_work, every epoch_ms: cut an epoch
 * (msched_dirty_cut), copy its pages batch by batch into the send buffer,
 * RDMA WRITE them and their index list, SEND BATCH, wait BATCH_ACK, ...,
 * SEND COMMIT, wait COMMIT_ACK, msched_dirty_commit. Any failure or
 * timeout aborts the epoch (msched_dirty_abort: its pages are dirty again)
 * and drops the connection; connect_work retries every 5 x heartbeat_ms.
 *
 * Both works run in the replica's ordered workqueue, so they never run at
 * once; they own r->conn and r->dirty while the replica runs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/ktime.h>
#include <linux/random.h>

#include <memsched_dirty.h>

#include "conn.h"
#include "trace.h"

#define RFO_CM_WAIT	msecs_to_jiffies(3000)

static unsigned long rfo_timeout(struct rfo_replica *r)
{
	return msecs_to_jiffies(READ_ONCE(r->timeout_ms));
}

/* Report a failed receive: bad messages are counted here. */
static int rfo_recv_failed(struct rfo_replica *r, const char *what, int err)
{
	if (err <= -MSCHED_REPL_EBASE) {
		rfo_bad_message(r, what, err);
		return -EPROTO;
	}
	if (err == -ETIMEDOUT) {
		rfo_stat_add(r, RFO_STAT_NR_HEARTBEAT_TIMEOUTS, 1);
		pr_warn_ratelimited("%s: no %s from the standby in %u ms\n",
				    r->name, what, READ_ONCE(r->timeout_ms));
	}
	return err;
}

/* The next message that is not a HEARTBEAT_ACK. */
static int rfo_recv_reply(struct rfo_replica *r, struct rfo_conn *c,
			  struct msched_repl_msg *m, const char *what)
{
	int err;

	for (;;) {
		err = rfo_conn_recv(c, m, rfo_timeout(r));
		if (err)
			return rfo_recv_failed(r, what, err);
		if (m->type != RFO_WIRE_MSG_HEARTBEAT_ACK)
			return 0;
	}
}

static void rfo_log_reject(struct rfo_replica *r, struct rfo_conn *c)
{
	struct msched_repl_msg m;
	int err;

	rfo_stat_add(r, RFO_STAT_NR_REJECTS, 1);
	err = c->rej_len ? msched_repl_decode(c->rej, c->rej_len, &m) :
			   -MSCHED_REPL_ESHORT;
	if (err < 0 || m.type != RFO_WIRE_MSG_REJECT) {
		pr_warn_ratelimited("%s: the standby refused the connection (no reason given)\n",
				    r->name);
		return;
	}
	if (m.u.reject.reason == RFO_WIRE_REJ_NR_PAGES)
		pr_warn_ratelimited("%s: the standby refused the connection: standby file has %llu pages, primary %llu\n",
				    r->name, m.u.reject.nr_pages, r->nr_pages);
	else
		pr_warn_ratelimited("%s: the standby refused the connection: %s\n",
				    r->name,
				    msched_repl_reason_name(m.u.reject.reason));
}

static int rfo_primary_regions(struct rfo_replica *r, struct rfo_conn *c)
{
	struct msched_repl_msg *m = &c->regions;
	u32 per_batch, overhead;
	bool resync;
	int err;

	err = rfo_conn_recv(c, m, rfo_timeout(r));
	if (!err && m->type != RFO_WIRE_MSG_REGIONS)
		err = -MSCHED_REPL_ETYPE;
	if (err)
		return rfo_recv_failed(r, "REGIONS", err);
	/* keep the chunks: c->msg is reused by the next receive */
	memcpy(c->regions_buf, c->msg, m->length);
	m->u.regions.raw_chunks = c->regions_buf + RFO_WIRE_REGIONS_FIXED_LEN;

	resync = msched_repl_need_resync(m->u.regions.generation,
					 m->u.regions.applied_epoch,
					 r->generation, r->epoch);
	if (resync != !!m->u.regions.resync) {
		rfo_bad_message(r, "REGIONS", -MSCHED_REPL_ERESYNC);
		return -EPROTO;
	}
	/*
	 * WRITE work requests per batch: one per max_sge pages, one more per
	 * chunk boundary, one for the list.
	 */
	overhead = m->u.regions.nr_chunks + 1;
	if (overhead >= RFO_NR_WRITE_WR)
		return -EINVAL;
	per_batch = min_t(u32, m->u.regions.nr_slots,
			  (RFO_NR_WRITE_WR - overhead) * c->max_sge);
	err = rfo_conn_map_send_buffer(c, per_batch);
	if (err)
		return err;

	/*
	 * A new tracker's first epoch is the whole file: on a resync, and
	 * when the last restart failed (no tracker: that first epoch then
	 * goes as an increment holding every page, which is right too).
	 */
	if ((resync && !r->dirty_fresh) || !r->dirty) {
		struct msched_dirty *d;

		if (r->dirty)
			msched_dirty_stop(r->dirty);
		r->dirty = NULL;
		d = msched_dirty_start(r->file);
		if (IS_ERR(d)) {
			pr_warn("%s: cannot restart dirty tracking (%ld); retrying with the next connection\n",
				r->name, PTR_ERR(d));
			return PTR_ERR(d);
		}
		r->dirty = d;
		r->dirty_fresh = true;
		if (resync)
			rfo_stat_add(r, RFO_STAT_NR_RESYNCS, 1);
		r->prev_cow = 0;
		r->prev_stall = 0;
		r->prev_huge = 0;
	}
	r->full_next = resync;
	r->next_cut = jiffies;
	pr_info("%s: connected to the standby (its epoch %llu, ours %llu)%s; %u slots in %u chunks, %u pages per batch\n",
		r->name, m->u.regions.applied_epoch, r->epoch,
		resync ? ", full resync" : "", m->u.regions.nr_slots,
		m->u.regions.nr_chunks, per_batch);
	return 0;
}

static int rfo_primary_connect(struct rfo_replica *r)
{
	struct msched_repl_msg hello = { .type = RFO_WIRE_MSG_HELLO };
	struct rdma_conn_param param = {};
	u8 buf[RFO_WIRE_HELLO_LEN];
	struct rfo_conn *c;
	int len, err;

	c = rfo_conn_new(r, NULL);
	if (IS_ERR(c))
		return PTR_ERR(c);
	rfo_set_conn(r, c);

	err = rdma_resolve_addr(c->cm_id, r->source.sin_addr.s_addr ?
				(struct sockaddr *)&r->source : NULL,
				(struct sockaddr *)&r->peer, 2000);
	if (!err)
		err = rfo_conn_wait_cm(c, RDMA_CM_EVENT_ADDR_RESOLVED,
				       RFO_CM_WAIT);
	if (!err)
		err = rdma_resolve_route(c->cm_id, 2000);
	if (!err)
		err = rfo_conn_wait_cm(c, RDMA_CM_EVENT_ROUTE_RESOLVED,
				       RFO_CM_WAIT);
	if (err) {
		pr_warn_ratelimited("%s: cannot reach the standby %pISpc: %d\n",
				    r->name, &r->peer, err);
		goto fail;
	}
	err = rfo_conn_setup(c);
	if (err) {
		pr_warn_ratelimited("%s: no RDMA resources on %s: %d\n",
				    r->name, dev_name(&c->dev->dev), err);
		goto fail;
	}

	hello.u.hello.page_size = RFO_WIRE_PAGE_SIZE;
	hello.u.hello.nr_pages = r->nr_pages;
	hello.u.hello.committed_epoch = r->epoch;
	hello.u.hello.generation = r->generation;
	len = msched_repl_encode(buf, sizeof(buf), &hello);
	if (WARN_ON_ONCE(len < 0)) {
		err = -EINVAL;
		goto fail;
	}
	param.private_data = buf;
	param.private_data_len = len;
	param.retry_count = 7;
	param.rnr_retry_count = 7;
	err = rdma_connect(c->cm_id, &param);
	if (!err)
		err = rfo_conn_wait_cm(c, RDMA_CM_EVENT_ESTABLISHED,
				       RFO_CM_WAIT);
	if (err == -ECONNREFUSED)
		rfo_log_reject(r, c);
	else if (err)
		pr_warn_ratelimited("%s: connecting to %pISpc failed: %d\n",
				    r->name, &r->peer, err);
	if (err)
		goto fail;
	err = rfo_primary_regions(r, c);
	if (err)
		goto fail;
	c->last_rx = jiffies;
	if (r->ever_connected)
		rfo_stat_add(r, RFO_STAT_NR_RECONNECTS, 1);
	r->ever_connected = true;
	rfo_replica_set_state(r, r->full_next ? RFO_SYNCING : RFO_REPLICATING);
	return 0;

fail:
	rfo_set_conn(r, NULL);
	rfo_conn_destroy(c);
	return err;
}

/**
 * rfo_primary_connect_work() - connect to the standby (and retry).
 * @work: the replica's connect_work
 *
 * Context: the replica's ordered workqueue; sleeps.
 */
void rfo_primary_connect_work(struct work_struct *work)
{
	struct rfo_replica *r = container_of(to_delayed_work(work),
					     struct rfo_replica, connect_work);
	unsigned int hb = READ_ONCE(r->heartbeat_ms);

	if (rfo_stopping(r) || r->conn)
		return;
	if (rfo_primary_connect(r)) {
		if (!rfo_stopping(r))
			rfo_queue_delayed(r, &r->connect_work,
					  msecs_to_jiffies(5 * hb));
		return;
	}
	rfo_queue_delayed(r, &r->epoch_work, 0);
}

/* Drop the connection; connect again after @delay jiffies. */
static void rfo_primary_fail(struct rfo_replica *r, unsigned long delay)
{
	struct rfo_conn *c = r->conn;

	rfo_set_conn(r, NULL);
	rfo_conn_destroy(c);
	if (rfo_stopping(r))
		return;
	rfo_replica_set_state(r, RFO_RECONNECTING);
	rfo_queue_delayed(r, &r->connect_work, delay);
}

static int rfo_send_heartbeat(struct rfo_replica *r, struct rfo_conn *c)
{
	struct msched_repl_msg m = { .type = RFO_WIRE_MSG_HEARTBEAT };

	m.u.heartbeat.epoch = r->epoch;
	m.u.heartbeat.time_ns = ktime_get_real_ns();
	return rfo_conn_send(c, &m);
}

/* Send the frozen epoch's pages; *@nr_pages and *@nr_batches: how many. */
static int rfo_send_pages(struct rfo_replica *r, struct rfo_conn *c,
			  u64 epoch, u64 *nr_pages, u32 *nr_batches)
{
	struct msched_repl_msg m;
	pgoff_t from = 0, idx;
	u32 seq = 0;
	int err;

	for (;;) {
		u64 t0 = ktime_get_ns();
		u32 count = 0;

		while (count < c->batch_max &&
		       !msched_dirty_next(r->dirty, from, &idx)) {
			err = msched_dirty_copy(r->dirty, idx,
						page_address(c->pages[count]));
			if (err)
				return err;
			msched_repl_put_index(c->list, count, idx);
			from = idx + 1;
			count++;
		}
		if (!count)
			break;
		err = rfo_conn_post_batch(c, count);
		if (err)
			return err;
		m.type = RFO_WIRE_MSG_BATCH;
		m.u.batch.epoch = epoch;
		m.u.batch.batch_seq = seq;
		m.u.batch.count = count;
		err = rfo_conn_send(c, &m);
		if (!err)
			err = rfo_conn_wait_sends(c, rfo_timeout(r));
		if (err)
			return rfo_recv_failed(r, "send completion", err);
		err = rfo_recv_reply(r, c, &m, "BATCH_ACK");
		if (err)
			return err;
		err = msched_repl_check_batch_ack(&m, epoch, seq);
		if (err) {
			rfo_bad_message(r, "BATCH_ACK", err);
			return -EPROTO;
		}
		trace_rfo_batch(r->name, true, epoch, seq, count,
				div_u64(ktime_get_ns() - t0, NSEC_PER_USEC));
		*nr_pages += count;
		seq++;
	}
	*nr_batches = seq;
	return 0;
}

static void rfo_primary_account(struct rfo_replica *r, u64 epoch,
				u64 pages, u32 batches, u64 cut_ns, bool full)
{
	struct msched_dirty_stats st;
	u64 lat_us = div_u64(ktime_get_ns() - cut_ns, NSEC_PER_USEC);

	msched_dirty_read_stats(r->dirty, &st);
	rfo_stat_add(r, RFO_STAT_NR_EPOCHS, 1);
	rfo_stat_add(r, RFO_STAT_NR_PAGES, pages);
	rfo_stat_add(r, RFO_STAT_NR_BYTES, pages * RFO_WIRE_PAGE_SIZE);
	rfo_stat_add(r, RFO_STAT_NR_COW_PAGES,
		     st.nr_cow_pages >= r->prev_cow ?
		     st.nr_cow_pages - r->prev_cow : st.nr_cow_pages);
	rfo_stat_add(r, RFO_STAT_NR_WRITER_STALL_NS,
		     st.stall_ns >= r->prev_stall ?
		     st.stall_ns - r->prev_stall : st.stall_ns);
	/* huge folios recorded whole: each shipped as 512 pages */
	rfo_stat_add(r, RFO_STAT_NR_DIRTY_HUGE_FOLIOS,
		     st.nr_dirty_huge_folios >= r->prev_huge ?
		     st.nr_dirty_huge_folios - r->prev_huge :
		     st.nr_dirty_huge_folios);
	r->prev_cow = st.nr_cow_pages;
	r->prev_stall = st.stall_ns;
	r->prev_huge = st.nr_dirty_huge_folios;
	rfo_stat_set(r, RFO_STAT_LAST_WRITER_STALL_MAX_NS, st.last_stall_max_ns);
	rfo_stat_set(r, RFO_STAT_LAST_CUT_NS, st.last_cut_ns);
	rfo_stat_set(r, RFO_STAT_LAST_EPOCH_LATENCY_US, lat_us);
	trace_rfo_epoch_commit(r->name, epoch, pages, batches,
			       st.last_cut_ns, st.last_stall_max_ns, lat_us,
			       full);
}

/* One epoch; on failure the frozen epoch is aborted. */
static int rfo_primary_epoch(struct rfo_replica *r, struct rfo_conn *c)
{
	struct msched_repl_msg m;
	u64 epoch, dirty_epoch, cut_ns, cut_real_ns, pages = 0;
	u32 batches = 0;
	long n;
	int err;

	/* what came while idle: HEARTBEAT_ACKs only */
	while (!(err = rfo_conn_recv(c, &m, 0))) {
		if (m.type != RFO_WIRE_MSG_HEARTBEAT_ACK) {
			rfo_bad_message(r, msched_repl_type_name(m.type),
					-MSCHED_REPL_ETYPE);
			return -EPROTO;
		}
	}
	if (err != -EAGAIN)
		return rfo_recv_failed(r, "message", err);
	if (time_after(jiffies, READ_ONCE(c->last_rx) + rfo_timeout(r))) {
		rfo_stat_add(r, RFO_STAT_NR_HEARTBEAT_TIMEOUTS, 1);
		pr_warn_ratelimited("%s: the standby was silent for %u ms\n",
				    r->name, READ_ONCE(r->timeout_ms));
		return -ETIMEDOUT;
	}

	/*
	 * epoch_work runs every min(epoch_ms, heartbeat_ms): between cuts it
	 * only keeps the standby's heartbeat timer fed.
	 */
	if (time_before(jiffies, r->next_cut))
		goto idle;
	r->next_cut = jiffies + msecs_to_jiffies(READ_ONCE(r->epoch_ms));
	cut_ns = ktime_get_ns();
	cut_real_ns = ktime_get_real_ns();
	n = msched_dirty_cut(r->dirty, &dirty_epoch);
	if (n < 0)
		return n;
	r->dirty_fresh = false;
	if (!n) {
		msched_dirty_commit(r->dirty);
		goto idle;
	}

	epoch = r->epoch + 1;
	err = rfo_send_pages(r, c, epoch, &pages, &batches);
	if (err)
		goto abort;
	m.type = RFO_WIRE_MSG_COMMIT;
	m.u.commit.epoch = epoch;
	m.u.commit.nr_pages = pages;
	m.u.commit.cut_ns = cut_real_ns;
	m.u.commit.nr_batches = batches;
	m.u.commit.flags = r->full_next ? RFO_WIRE_COMMIT_F_FULL : 0;
	err = rfo_conn_send(c, &m);
	if (err)
		goto abort;
	err = rfo_recv_reply(r, c, &m, "COMMIT_ACK");
	if (err)
		goto abort;
	err = msched_repl_check_commit_ack(&m, epoch);
	if (err) {
		rfo_bad_message(r, "COMMIT_ACK", err);
		err = -EPROTO;
		goto abort;
	}
	msched_dirty_commit(r->dirty);
	r->epoch = epoch;
	rfo_primary_account(r, epoch, pages, batches, cut_ns, r->full_next);
	r->full_next = false;
	if (READ_ONCE(r->state) == RFO_SYNCING)
		rfo_replica_set_state(r, RFO_REPLICATING);
	return 0;

idle:
	if (time_after_eq(jiffies, c->last_tx +
			  msecs_to_jiffies(READ_ONCE(r->heartbeat_ms))))
		return rfo_send_heartbeat(r, c);
	return 0;

abort:
	msched_dirty_abort(r->dirty);
	return err;
}

/**
 * rfo_primary_epoch_work() - the epoch engine, every epoch_ms.
 * @work: the replica's epoch_work
 *
 * Context: the replica's ordered workqueue; sleeps.
 */
void rfo_primary_epoch_work(struct work_struct *work)
{
	struct rfo_replica *r = container_of(to_delayed_work(work),
					     struct rfo_replica, epoch_work);
	struct rfo_conn *c = r->conn;
	unsigned long now, delay;
	int err;

	if (rfo_stopping(r) || !c)
		return;
	if (READ_ONCE(r->reconnect_req)) {
		WRITE_ONCE(r->reconnect_req, false);
		pr_info("%s: reconnecting on request\n", r->name);
		rfo_primary_fail(r, 0);
		return;
	}
	err = rfo_primary_epoch(r, c);
	if (err) {
		if (!rfo_stopping(r))
			pr_warn_ratelimited("%s: epoch %llu failed (%d); reconnecting\n",
					    r->name, r->epoch + 1, err);
		rfo_primary_fail(r, msecs_to_jiffies(5 *
						READ_ONCE(r->heartbeat_ms)));
		return;
	}
	/* the next cut, or the next heartbeat if that comes first */
	now = jiffies;
	delay = msecs_to_jiffies(READ_ONCE(r->heartbeat_ms));
	delay = time_before(now, r->next_cut) ?
		min(delay, r->next_cut - now) : 0;
	rfo_queue_delayed(r, &r->epoch_work, delay);
}

/**
 * rfo_primary_start() - begin tracking and connect.
 * @r: the replica, stopped, role primary
 *
 * Context: process context, @r->lock held, the works quiesced.
 * Return: 0 or -errno.
 */
int rfo_primary_start(struct rfo_replica *r)
{
	struct msched_dirty *d;

	d = msched_dirty_start(r->file);
	if (IS_ERR(d)) {
		pr_warn("%s: cannot track the file's writes: %ld\n", r->name,
			PTR_ERR(d));
		return PTR_ERR(d);
	}
	r->dirty = d;
	r->dirty_fresh = true;
	r->nr_pages = msched_file_nr_pages(r->file);
	r->generation = get_random_u64() ?: 1;
	r->epoch = 0;
	r->ever_connected = false;
	r->full_next = true;
	r->prev_cow = 0;
	r->prev_stall = 0;
	r->prev_huge = 0;
	WRITE_ONCE(r->reconnect_req, false);
	rfo_replica_set_state(r, RFO_CONNECTING);
	rfo_queue_delayed(r, &r->connect_work, 0);
	return 0;
}

/**
 * rfo_primary_stop() - drop the connection and stop tracking.
 * @r: the replica
 *
 * Context: process context, @r->lock held, the works quiesced (an epoch
 * in flight was aborted by its work).
 */
void rfo_primary_stop(struct rfo_replica *r)
{
	struct rfo_conn *c = r->conn;

	rfo_set_conn(r, NULL);
	rfo_conn_destroy(c);
	if (r->dirty)
		msched_dirty_stop(r->dirty);
	r->dirty = NULL;
}

/**
 * rfo_primary_reconnect() - drop the connection and connect again now.
 * @r: the replica
 *
 * Context: process context, @r->lock held.
 * Return: 0, or -EINVAL when the replica is not running.
 */
int rfo_primary_reconnect(struct rfo_replica *r)
{
	switch (READ_ONCE(r->state)) {
	case RFO_SYNCING:
	case RFO_REPLICATING:
		WRITE_ONCE(r->reconnect_req, true);
		rfo_queue_delayed(r, &r->epoch_work, 0);
		return 0;
	case RFO_CONNECTING:
	case RFO_RECONNECTING:
		rfo_queue_delayed(r, &r->connect_work, 0);
		return 0;
	default:
		return -EINVAL;
	}
}
