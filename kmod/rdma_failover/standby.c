// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_failover: the standby. It listens on its peer address, accepts one
 * primary at a time, registers its staging area, and applies each epoch
 * so that its file only ever shows complete epochs:
 *
 *   BATCH: every index is validated (and copied: the peer can rewrite the
 *   list area at any time) before any page is touched; the old contents
 *   of each page are saved in the epoch's undo log (first time in the
 *   epoch only; not while there is no complete image yet), then the page
 *   is written into the file.
 *   COMMIT: the totals are checked, the undo log dropped, the epoch is
 *   the new complete image.
 *   Anything else (a bad message, a heartbeat timeout, a CM disconnect,
 *   stop, promote): the undo log is written back (rollback), the file is
 *   the last complete epoch again.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include <memsched_dirty.h>

#include "conn.h"
#include "trace.h"

#define RFO_ACCEPT_WAIT	msecs_to_jiffies(3000)

static void rfo_rx_reset(struct rfo_replica *r, u64 next_epoch, bool full)
{
	r->rx.epoch = next_epoch;
	r->rx.batch_seq = 0;
	r->rx.nr_pages = 0;
	r->rx.active = false;
	r->rx.full = full;
	/* no complete image yet: nothing to go back to */
	r->rx.undo = r->generation != 0;
	memset(r->rx.seen, 0, DIV_ROUND_UP(r->nr_pages, 8));
}

static void rfo_undo_drop(struct rfo_replica *r)
{
	struct page *p;
	unsigned long idx;

	xa_for_each(&r->rx.undo_log, idx, p) {
		xa_erase(&r->rx.undo_log, idx);
		__free_page(p);
		cond_resched();
	}
}

/* Write the undo log back: the file is the last complete epoch again. */
static void rfo_rollback(struct rfo_replica *r)
{
	unsigned long idx, nr = 0;
	bool torn = false;
	struct page *p;
	int err;

	if (!r->rx.active)
		return;
	xa_for_each(&r->rx.undo_log, idx, p) {
		err = msched_file_write_page(r->file, idx, page_address(p));
		if (err) {
			pr_err("%s: rollback of page %lu failed: %d; the image is torn\n",
			       r->name, idx, err);
			torn = true;
		}
		xa_erase(&r->rx.undo_log, idx);
		__free_page(p);
		nr++;
		cond_resched();
	}
	/*
	 * A torn file is no complete epoch: promote refuses (EAGAIN) and the
	 * next primary must send everything.
	 */
	if (torn)
		r->generation = 0;
	rfo_stat_add(r, RFO_STAT_NR_ROLLBACKS, 1);
	pr_info("%s: rolled back the partial epoch %llu (%lu pages restored)%s\n",
		r->name, r->rx.epoch, nr,
		r->rx.undo ? "" : "; no complete image yet");
	rfo_rx_reset(r, r->rx.epoch, r->rx.full);
}

/* The connection is gone: roll back, and wait for the primary again. */
static void rfo_standby_drop(struct rfo_replica *r, const char *why)
{
	struct rfo_conn *c = r->conn;
	unsigned int since;

	if (!c)
		return;
	since = jiffies_to_msecs(jiffies - READ_ONCE(c->last_rx));
	rfo_set_conn(r, NULL);
	rfo_conn_destroy(c);
	rfo_rollback(r);
	if (rfo_stopping(r))
		return;
	rfo_stat_set(r, RFO_STAT_LAST_DETECT_MS, since);
	pr_warn("%s: primary lost (%s, %u ms after its last message); image is epoch %llu\n",
		r->name, why, since, r->epoch);
	rfo_replica_set_state(r, RFO_PRIMARY_LOST);
}

static int rfo_standby_batch(struct rfo_replica *r, struct rfo_conn *c,
			     struct msched_repl_msg *m)
{
	struct msched_repl_msg ack = { .type = RFO_WIRE_MSG_BATCH_ACK };
	u64 t0 = ktime_get_ns();
	u32 i, count;
	int err;

	err = msched_repl_check_batch(m, r->rx.epoch, r->rx.batch_seq,
				      r->nr_slots);
	if (err) {
		rfo_bad_message(r, "BATCH", err);
		return -EPROTO;
	}
	count = m->u.batch.count;
	if (!r->rx.active) {
		r->rx.active = true;
		r->rx.start_ns = t0;
	}
	rfo_conn_sync_staging_for_cpu(c, count);
	/* every index checked (and copied) before any page is touched */
	for (i = 0; i < count; i++) {
		err = msched_repl_check_index(r->stage_list, i, r->nr_pages,
					      r->rx.seen, &r->rx.idx[i]);
		if (err) {
			rfo_bad_message(r, "BATCH page list", err);
			return -EPROTO;
		}
	}
	for (i = 0; i < count; i++) {
		pgoff_t idx = r->rx.idx[i];

		if (r->rx.undo) {
			struct page *old = alloc_page(GFP_KERNEL);

			if (!old)
				return -ENOMEM;
			err = msched_file_read_page(r->file, idx,
						    page_address(old));
			if (!err)
				err = xa_err(xa_store(&r->rx.undo_log, idx, old,
						      GFP_KERNEL));
			if (err) {
				__free_page(old);
				return err;
			}
		}
		err = msched_file_write_page(r->file, idx,
					     page_address(r->stage[i]));
		if (err)
			return err;
	}
	rfo_conn_sync_staging_for_device(c);
	r->rx.nr_pages += count;
	ack.u.batch.epoch = r->rx.epoch;
	ack.u.batch.batch_seq = r->rx.batch_seq;
	r->rx.batch_seq++;
	trace_rfo_batch(r->name, false, r->rx.epoch, ack.u.batch.batch_seq,
			count, div_u64(ktime_get_ns() - t0, NSEC_PER_USEC));
	return rfo_conn_send(c, &ack);
}

static int rfo_standby_commit(struct rfo_replica *r, struct rfo_conn *c,
			      struct msched_repl_msg *m)
{
	struct msched_repl_msg ack = { .type = RFO_WIRE_MSG_COMMIT_ACK };
	u64 epoch = r->rx.epoch, lat_us = 0;
	bool full = m->u.commit.flags & RFO_WIRE_COMMIT_F_FULL;
	int err;

	err = msched_repl_check_commit(m, epoch, r->rx.nr_pages,
				       r->rx.batch_seq);
	/* a resync must carry every page, or the image is not complete */
	if (!err && (full != r->rx.full ||
		     (full && r->rx.nr_pages != r->nr_pages)))
		err = -MSCHED_REPL_ETOTAL;
	if (err) {
		rfo_bad_message(r, "COMMIT", err);
		return -EPROTO;
	}
	rfo_undo_drop(r);
	if (r->rx.active)
		lat_us = div_u64(ktime_get_ns() - r->rx.start_ns,
				 NSEC_PER_USEC);
	r->epoch = epoch;
	r->generation = r->rx.gen;
	WRITE_ONCE(r->epoch_time_ns, m->u.commit.cut_ns);
	rfo_stat_add(r, RFO_STAT_NR_EPOCHS, 1);
	rfo_stat_add(r, RFO_STAT_NR_PAGES, r->rx.nr_pages);
	rfo_stat_add(r, RFO_STAT_NR_BYTES, r->rx.nr_pages * RFO_WIRE_PAGE_SIZE);
	rfo_stat_set(r, RFO_STAT_LAST_EPOCH_LATENCY_US, lat_us);
	trace_rfo_epoch_apply(r->name, epoch, r->rx.nr_pages, r->rx.batch_seq,
			      lat_us, full);
	rfo_rx_reset(r, epoch + 1, false);
	rfo_replica_set_state(r, RFO_REPLICATING);
	ack.u.commit_ack.epoch = epoch;
	ack.u.commit_ack.apply_us = lat_us;
	return rfo_conn_send(c, &ack);
}

static int rfo_standby_heartbeat(struct rfo_replica *r, struct rfo_conn *c,
				 struct msched_repl_msg *m)
{
	struct msched_repl_msg ack = { .type = RFO_WIRE_MSG_HEARTBEAT_ACK };

	ack.u.heartbeat.epoch = r->epoch;
	ack.u.heartbeat.time_ns = m->u.heartbeat.time_ns;
	return rfo_conn_send(c, &ack);
}

/**
 * rfo_standby_rx_work() - handle what the primary sent.
 * @work: the replica's rx_work
 *
 * Context: the replica's ordered workqueue; sleeps.
 */
void rfo_standby_rx_work(struct work_struct *work)
{
	struct rfo_replica *r = container_of(work, struct rfo_replica,
					     rx_work);
	struct rfo_conn *c = r->conn;
	struct msched_repl_msg m;
	int err;

	if (rfo_stopping(r) || !c)
		return;
	for (;;) {
		err = rfo_conn_recv(c, &m, 0);
		if (err == -EAGAIN)
			return;
		if (err <= -MSCHED_REPL_EBASE) {
			rfo_bad_message(r, "message", err);
			break;
		}
		if (err)
			break;
		switch (m.type) {
		case RFO_WIRE_MSG_BATCH:
			err = rfo_standby_batch(r, c, &m);
			break;
		case RFO_WIRE_MSG_COMMIT:
			err = rfo_standby_commit(r, c, &m);
			break;
		case RFO_WIRE_MSG_HEARTBEAT:
			err = rfo_standby_heartbeat(r, c, &m);
			break;
		default:
			rfo_bad_message(r, msched_repl_type_name(m.type),
					-MSCHED_REPL_ETYPE);
			err = -EPROTO;
			break;
		}
		if (err)
			break;
		/*
		 * The primary waits for our ACK: time spent applying is not
		 * its silence, so count silence from the end of handling.
		 */
		WRITE_ONCE(c->last_rx, jiffies);
	}
	if (rfo_stopping(r))
		return;
	rfo_standby_drop(r, err == -EPROTO || err <= -MSCHED_REPL_EBASE ?
			 "bad message" : "connection error");
}

/**
 * rfo_standby_hb_work() - declare the primary lost after timeout_ms of
 * silence.
 * @work: the replica's hb_work
 *
 * Context: the replica's ordered workqueue; sleeps.
 */
void rfo_standby_hb_work(struct work_struct *work)
{
	struct rfo_replica *r = container_of(to_delayed_work(work),
					     struct rfo_replica, hb_work);
	struct rfo_conn *c = r->conn;
	unsigned long timeout = msecs_to_jiffies(READ_ONCE(r->timeout_ms));

	if (rfo_stopping(r) || !c)
		return;
	if (time_after(jiffies, READ_ONCE(c->last_rx) + timeout)) {
		rfo_stat_add(r, RFO_STAT_NR_HEARTBEAT_TIMEOUTS, 1);
		rfo_standby_drop(r, "heartbeat timeout");
		return;
	}
	rfo_queue_delayed(r, &r->hb_work,
			  msecs_to_jiffies(READ_ONCE(r->heartbeat_ms)));
}

/**
 * rfo_standby_lost_work() - the CM said the connection is gone.
 * @work: the replica's lost_work
 *
 * Context: the replica's ordered workqueue; sleeps.
 */
void rfo_standby_lost_work(struct work_struct *work)
{
	struct rfo_replica *r = container_of(work, struct rfo_replica,
					     lost_work);

	if (rfo_stopping(r) || !r->conn || !READ_ONCE(r->conn->broken))
		return;
	rfo_standby_drop(r, "disconnected");
}

static int rfo_standby_regions(struct rfo_replica *r, struct rfo_conn *c,
			       const struct msched_repl_msg *hello)
{
	struct msched_repl_msg m = { .type = RFO_WIRE_MSG_REGIONS };
	struct msched_repl_chunk *chunks;
	bool resync;
	int err;

	chunks = kcalloc(RFO_WIRE_MAX_CHUNKS, sizeof(*chunks), GFP_KERNEL);
	if (!chunks)
		return -ENOMEM;
	err = rfo_conn_register_staging(c, r->stage, r->nr_slots,
					r->stage_list, r->stage_list_bytes,
					chunks, &m.u.regions.nr_chunks,
					&m.u.regions.list_addr,
					&m.u.regions.list_rkey);
	if (err)
		goto out;
	resync = msched_repl_need_resync(r->generation, r->epoch,
					 hello->u.hello.generation,
					 hello->u.hello.committed_epoch);
	r->rx.gen = hello->u.hello.generation;
	rfo_rx_reset(r, hello->u.hello.committed_epoch + 1, resync);
	m.u.regions.nr_slots = r->nr_slots;
	m.u.regions.applied_epoch = r->epoch;
	m.u.regions.generation = r->generation;
	m.u.regions.resync = resync;
	m.u.regions.chunks = chunks;
	err = rfo_conn_send(c, &m);
	if (err)
		goto out;
	if (resync && r->generation)
		rfo_stat_add(r, RFO_STAT_NR_RESYNCS, 1);
	pr_info("%s: primary connected (its epoch %llu, ours %llu)%s\n",
		r->name, hello->u.hello.committed_epoch, r->epoch,
		resync ? ", full resync" : "");
	rfo_replica_set_state(r, resync ? RFO_SYNCING : RFO_REPLICATING);
out:
	kfree(chunks);
	return err;
}

/**
 * rfo_standby_accept_work() - set up and accept a primary's connection.
 * @work: the replica's accept_work
 *
 * Context: the replica's ordered workqueue; sleeps.
 */
void rfo_standby_accept_work(struct work_struct *work)
{
	struct rfo_replica *r = container_of(work, struct rfo_replica,
					     accept_work);
	struct rdma_conn_param param = {};
	struct msched_repl_msg hello;
	struct rdma_cm_id *id;
	struct rfo_conn *c;
	bool accepted = false;
	int err;

	spin_lock_bh(&r->ev_lock);
	id = r->pending_id;
	hello = r->pending_hello;
	spin_unlock_bh(&r->ev_lock);
	if (!id)
		return;
	c = rfo_conn_new(r, id);
	spin_lock_bh(&r->ev_lock);
	r->pending_id = NULL;
	if (!IS_ERR(c))
		r->conn = c;
	spin_unlock_bh(&r->ev_lock);
	if (IS_ERR(c)) {
		rfo_cm_reject(id, RFO_WIRE_REJ_NOMEM, r->nr_pages);
		rdma_destroy_id(id);
		return;
	}
	if (rfo_stopping(r)) {
		err = -EINTR;
		goto fail;
	}
	err = rfo_conn_setup(c);
	if (err)
		goto fail;
	param.rnr_retry_count = 7;
	/* rdma_accept() wants the id's handler mutex, as if in the handler */
	rdma_lock_handler(c->cm_id);
	err = rdma_accept(c->cm_id, &param);
	rdma_unlock_handler(c->cm_id);
	if (err)
		goto fail;
	accepted = true;
	err = rfo_conn_wait_cm(c, RDMA_CM_EVENT_ESTABLISHED, RFO_ACCEPT_WAIT);
	if (err)
		goto fail;
	WRITE_ONCE(c->last_rx, jiffies);
	err = rfo_standby_regions(r, c, &hello);
	if (err)
		goto fail;
	rfo_queue_delayed(r, &r->hb_work,
			  msecs_to_jiffies(READ_ONCE(r->heartbeat_ms)));
	return;

fail:
	pr_warn_ratelimited("%s: accepting the primary failed: %d\n", r->name,
			    err);
	if (!accepted)
		rfo_cm_reject(c->cm_id, RFO_WIRE_REJ_NOMEM, r->nr_pages);
	rfo_set_conn(r, NULL);
	rfo_conn_destroy(c);
}

/**
 * rfo_standby_start() - allocate the staging area and listen.
 * @r: the replica, stopped, role standby
 * @nr_slots: staging slots
 *
 * Context: process context, @r->lock held, the works quiesced.
 * Return: 0 or -errno.
 */
int rfo_standby_start(struct rfo_replica *r, u32 nr_slots)
{
	struct rdma_cm_id *id;
	u32 i;
	int err = -ENOMEM;

	r->nr_pages = msched_file_nr_pages(r->file);
	r->nr_slots = nr_slots;
	r->stage = kcalloc(nr_slots, sizeof(*r->stage), GFP_KERNEL);
	r->rx.idx = kcalloc(nr_slots, sizeof(*r->rx.idx), GFP_KERNEL);
	r->rx.seen = vzalloc(DIV_ROUND_UP(r->nr_pages, 8));
	r->stage_list_bytes = round_up(nr_slots * 8, PAGE_SIZE);
	r->stage_list = (void *)__get_free_pages(GFP_KERNEL | __GFP_ZERO,
						 get_order(r->stage_list_bytes));
	if (!r->stage || !r->rx.idx || !r->rx.seen || !r->stage_list)
		goto err;
	for (i = 0; i < nr_slots; i++) {
		r->stage[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!r->stage[i])
			goto err;
	}
	rfo_rx_reset(r, r->epoch + 1, false);
	id = rfo_cm_listen(r);
	if (IS_ERR(id)) {
		err = PTR_ERR(id);
		pr_warn("%s: cannot listen on %pISpc: %d\n", r->name, &r->peer,
			err);
		goto err;
	}
	r->listen_id = id;
	rfo_replica_set_state(r, RFO_LISTENING);
	return 0;
err:
	rfo_standby_stop(r);
	return err;
}

/**
 * rfo_standby_stop() - stop listening, drop the connection, roll back,
 * free the staging area.
 * @r: the replica
 *
 * Context: process context, @r->lock held, the works quiesced.
 */
void rfo_standby_stop(struct rfo_replica *r)
{
	struct rfo_conn *c = r->conn;
	struct rdma_cm_id *id;
	u32 i;

	if (r->listen_id)
		rdma_destroy_id(r->listen_id);
	r->listen_id = NULL;
	spin_lock_bh(&r->ev_lock);
	id = r->pending_id;
	r->pending_id = NULL;
	spin_unlock_bh(&r->ev_lock);
	if (id) {
		rfo_cm_reject(id, RFO_WIRE_REJ_BUSY, r->nr_pages);
		rdma_destroy_id(id);
	}
	rfo_set_conn(r, NULL);
	rfo_conn_destroy(c);
	if (r->rx.seen)
		rfo_rollback(r);
	rfo_undo_drop(r);
	if (r->stage) {
		for (i = 0; i < r->nr_slots; i++)
			if (r->stage[i])
				__free_page(r->stage[i]);
	}
	kfree(r->stage);
	r->stage = NULL;
	if (r->stage_list)
		free_pages((unsigned long)r->stage_list,
			   get_order(r->stage_list_bytes));
	r->stage_list = NULL;
	kfree(r->rx.idx);
	r->rx.idx = NULL;
	vfree(r->rx.seen);
	r->rx.seen = NULL;
}

/**
 * rfo_standby_promote() - the file becomes the last complete epoch, for a
 * VMM to start from.
 * @r: the replica, with a complete epoch
 *
 * Context: process context, @r->lock held, the works quiesced.
 */
void rfo_standby_promote(struct rfo_replica *r)
{
	rfo_standby_stop(r);
	/*
	 * From now on a VMM may write the file: it is no longer the image a
	 * primary's increments apply to, so the next sync into it is full.
	 */
	r->generation = 0;
	pr_info("%s: promoted at epoch %llu\n", r->name, r->epoch);
	rfo_replica_set_state(r, RFO_PROMOTED);
}
