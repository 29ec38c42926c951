// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_failover: one RC connection over rdma_cm.
 *
 * The CM event handler only records what happened and wakes or queues the
 * replica's work; everything that may sleep (resources, accept, teardown)
 * runs in the replica's ordered workqueue. Completion callbacks run in
 * softirq (IB_POLL_SOFTIRQ): they move buffers to lists, set flags and
 * wake; they never sleep.
 *
 * Memory registration: the PD is allocated with flags 0 (no unsafe global
 * rkey). The primary's send buffers use the PD's local_dma_lkey (local
 * access only). The standby's staging area and list area are registered
 * per connection with FRWR (IB_WR_REG_MR) in chunks of at most the
 * device's max_fast_reg_page_list_len pages, for remote write only; their
 * MRs are deregistered when the connection ends, so an rkey never outlives
 * its connection.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/slab.h>
#include <linux/scatterlist.h>
#include <net/net_namespace.h>

#include "conn.h"

#define RFO_CM_TIMEOUT_MS	2000

static void rfo_conn_broken(struct rfo_conn *c)
{
	WRITE_ONCE(c->broken, true);
	wake_up_all(&c->r->waitq);
}

static int rfo_cm_connect_request(struct rfo_replica *r, struct rdma_cm_id *id,
				  struct rdma_cm_event *ev)
{
	const void *data = ev->param.conn.private_data;
	u8 len = ev->param.conn.private_data_len;
	struct msched_repl_msg m;
	u8 reason = RFO_WIRE_REJ_MALFORMED;
	int err;

	err = data ? msched_repl_decode(data, len, &m) : -MSCHED_REPL_ESHORT;
	if (err >= 0 && m.type != RFO_WIRE_MSG_HELLO)
		err = -MSCHED_REPL_ETYPE;
	if (err < 0) {
		if (err == -MSCHED_REPL_EVERSION)
			reason = RFO_WIRE_REJ_VERSION;
		rfo_bad_message(r, "HELLO", err);
		goto reject;
	}
	err = msched_repl_check_hello(&m, r->nr_pages, &reason);
	if (err) {
		rfo_stat_add(r, RFO_STAT_NR_BAD_MESSAGES, 1);
		if (reason == RFO_WIRE_REJ_NR_PAGES)
			pr_warn_ratelimited("%s: refusing the primary: standby file has %llu pages, primary %llu\n",
					    r->name, r->nr_pages,
					    m.u.hello.nr_pages);
		else
			pr_warn_ratelimited("%s: refusing the primary: %s\n",
					    r->name, msched_repl_strerror(err));
		goto reject;
	}
	if (!!(m.u.hello.flags & RFO_WIRE_HELLO_F_PULL) !=
	    (r->role == RFO_ROLE_SOURCE)) {
		reason = RFO_WIRE_REJ_ROLE;
		pr_warn_ratelimited("%s: refusing a %s: this replica is a %s\n",
				    r->name, r->role == RFO_ROLE_SOURCE ?
				    "primary (push)" : "recovery host (pull)",
				    r->role == RFO_ROLE_SOURCE ? "source" :
				    "standby");
		goto reject;
	}
	spin_lock_bh(&r->ev_lock);
	if (r->stopping || r->conn || r->pending_id) {
		spin_unlock_bh(&r->ev_lock);
		reason = RFO_WIRE_REJ_BUSY;
		pr_info_ratelimited("%s: refusing a primary: already connected\n",
				    r->name);
		goto reject;
	}
	r->pending_id = id;
	r->pending_hello = m;
	queue_work(r->wq, &r->accept_work);
	spin_unlock_bh(&r->ev_lock);
	return 0;

reject:
	rfo_stat_add(r, RFO_STAT_NR_REJECTS, 1);
	rfo_cm_reject(id, reason, r->nr_pages);
	/* non-zero: rdma_cm destroys the new id */
	return 1;
}

static int rfo_cm_handler(struct rdma_cm_id *id, struct rdma_cm_event *ev)
{
	struct rfo_replica *r = id->context;
	bool lost = false;
	struct rfo_conn *c;

	if (ev->event == RDMA_CM_EVENT_CONNECT_REQUEST)
		return rfo_cm_connect_request(r, id, ev);

	spin_lock_bh(&r->ev_lock);
	c = r->conn;
	if (!c || c->cm_id != id) {
		spin_unlock_bh(&r->ev_lock);
		if (id == r->listen_id && ev->event == RDMA_CM_EVENT_DEVICE_REMOVAL)
			pr_warn("%s: the listening device goes away; stop the replica to let it\n",
				r->name);
		return 0;
	}
	c->cm_event = ev->event;
	switch (ev->event) {
	case RDMA_CM_EVENT_ADDR_RESOLVED:
	case RDMA_CM_EVENT_ROUTE_RESOLVED:
		c->cm_status = 0;
		break;
	case RDMA_CM_EVENT_ESTABLISHED:
		c->cm_status = 0;
		c->established = true;
		break;
	case RDMA_CM_EVENT_REJECTED: {
		u8 n = 0;
		const void *p = rdma_consumer_reject_data(id, ev, &n);

		c->rej_len = 0;
		if (p && n) {
			c->rej_len = min_t(u8, n, sizeof(c->rej));
			memcpy(c->rej, p, c->rej_len);
		}
		c->cm_status = -ECONNREFUSED;
		WRITE_ONCE(c->broken, true);
		break;
	}
	case RDMA_CM_EVENT_ADDR_ERROR:
	case RDMA_CM_EVENT_ROUTE_ERROR:
	case RDMA_CM_EVENT_CONNECT_ERROR:
	case RDMA_CM_EVENT_UNREACHABLE:
		c->cm_status = ev->status < 0 ? ev->status : -EHOSTUNREACH;
		WRITE_ONCE(c->broken, true);
		break;
	case RDMA_CM_EVENT_DISCONNECTED:
	case RDMA_CM_EVENT_DEVICE_REMOVAL:
	case RDMA_CM_EVENT_ADDR_CHANGE:
	case RDMA_CM_EVENT_TIMEWAIT_EXIT:
		c->cm_status = -ECONNRESET;
		lost = c->established;
		WRITE_ONCE(c->broken, true);
		break;
	default:
		spin_unlock_bh(&r->ev_lock);
		return 0;
	}
	WRITE_ONCE(c->cm_done, true);
	if (lost && r->role == RFO_ROLE_STANDBY && !r->stopping)
		queue_work(r->wq, &r->lost_work);
	spin_unlock_bh(&r->ev_lock);
	wake_up_all(&r->waitq);
	return 0;
}

/**
 * rfo_cm_reject() - refuse a connect request with a REJECT.
 * @id: the new id of the request
 * @reason: RFO_WIRE_REJ_*
 * @nr_pages: the standby file's size, for the primary's log
 *
 * Context: process context (the CM handler or a work).
 */
void rfo_cm_reject(struct rdma_cm_id *id, u8 reason, u64 nr_pages)
{
	struct msched_repl_msg m = { .type = RFO_WIRE_MSG_REJECT };
	u8 buf[RFO_WIRE_REJECT_LEN];
	int len;

	m.u.reject.reason = reason;
	m.u.reject.page_size = RFO_WIRE_PAGE_SIZE;
	m.u.reject.nr_pages = nr_pages;
	len = msched_repl_encode(buf, sizeof(buf), &m);
	if (len < 0)
		len = 0;
	rdma_reject(id, len ? buf : NULL, (u8)len, IB_CM_REJ_CONSUMER_DEFINED);
}

/**
 * rfo_cm_create_id() - a new rdma_cm id for the replica (RC, TCP space).
 * @r: the replica
 *
 * Context: process context.
 * Return: the id or an ERR_PTR.
 */
struct rdma_cm_id *rfo_cm_create_id(struct rfo_replica *r)
{
	return rdma_create_id(&init_net, rfo_cm_handler, r, RDMA_PS_TCP,
			      IB_QPT_RC);
}

/**
 * rfo_cm_listen() - listen on the replica's peer address (standby).
 * @r: the replica
 *
 * Context: process context, @r->lock held.
 * Return: the listening id or an ERR_PTR.
 */
struct rdma_cm_id *rfo_cm_listen(struct rfo_replica *r)
{
	struct rdma_cm_id *id;
	int ret;

	id = rfo_cm_create_id(r);
	if (IS_ERR(id))
		return id;
	ret = rdma_bind_addr(id, (struct sockaddr *)&r->peer);
	if (!ret)
		ret = rdma_listen(id, 4);
	if (ret) {
		rdma_destroy_id(id);
		return ERR_PTR(ret);
	}
	return id;
}

/**
 * rfo_conn_new() - a connection object for @r.
 * @r: the replica
 * @id: the rdma_cm id (a standby's accepted request), or NULL to create one
 *
 * Context: process context.
 * Return: the connection or an ERR_PTR. It owns @id from now on.
 */
struct rfo_conn *rfo_conn_new(struct rfo_replica *r, struct rdma_cm_id *id)
{
	struct rfo_conn *c;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return ERR_PTR(-ENOMEM);
	c->r = r;
	spin_lock_init(&c->rx_lock);
	INIT_LIST_HEAD(&c->rx_done);
	atomic_set(&c->sends_inflight, 0);
	c->last_rx = jiffies;
	c->last_tx = jiffies;
	if (!id) {
		id = rfo_cm_create_id(r);
		if (IS_ERR(id)) {
			kfree(c);
			return ERR_CAST(id);
		}
	}
	c->cm_id = id;
	return c;
}

/**
 * rfo_conn_usable() - may the connection still carry messages?
 * @c: the connection
 *
 * Context: any.
 * Return: false once it broke or the replica is stopping.
 */
bool rfo_conn_usable(struct rfo_conn *c)
{
	return !READ_ONCE(c->broken) && !rfo_stopping(c->r);
}

/**
 * rfo_conn_wait_cm() - wait for a CM event.
 * @c: the connection
 * @event: the RDMA_CM_EVENT_* expected
 * @timeout: in jiffies
 *
 * Context: process context, a work of the replica; sleeps.
 * Return: 0 when @event came, else -errno (-ECONNREFUSED: rejected).
 */
int rfo_conn_wait_cm(struct rfo_conn *c, int event, unsigned long timeout)
{
	struct rfo_replica *r = c->r;
	int got, status;
	long left;

	left = wait_event_timeout(r->waitq, READ_ONCE(c->cm_done) ||
				  rfo_stopping(r), timeout);
	spin_lock_bh(&r->ev_lock);
	c->cm_done = false;
	got = c->cm_event;
	status = c->cm_status;
	spin_unlock_bh(&r->ev_lock);
	if (rfo_stopping(r))
		return -EINTR;
	if (!left)
		return -ETIMEDOUT;
	if (status)
		return status;
	return got == event ? 0 : -EPROTO;
}

static void rfo_recv_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct rfo_msg_buf *b = container_of(wc->wr_cqe, struct rfo_msg_buf,
					     cqe);
	struct rfo_conn *c = b->conn;

	if (wc->status != IB_WC_SUCCESS) {
		if (wc->status != IB_WC_WR_FLUSH_ERR)
			pr_warn_ratelimited("%s: receive failed: %s\n",
					    c->r->name,
					    ib_wc_status_msg(wc->status));
		rfo_conn_broken(c);
		return;
	}
	b->len = wc->byte_len;
	spin_lock(&c->rx_lock);
	list_add_tail(&b->node, &c->rx_done);
	spin_unlock(&c->rx_lock);
	WRITE_ONCE(c->last_rx, jiffies);
	wake_up_all(&c->r->waitq);
	if (c->r->role == RFO_ROLE_STANDBY)
		rfo_queue_work(c->r, &c->r->rx_work);
}

static void rfo_send_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct rfo_msg_buf *b = container_of(wc->wr_cqe, struct rfo_msg_buf,
					     cqe);
	struct rfo_conn *c = b->conn;

	if (wc->status != IB_WC_SUCCESS) {
		if (wc->status != IB_WC_WR_FLUSH_ERR)
			pr_warn_ratelimited("%s: send failed: %s\n", c->r->name,
					    ib_wc_status_msg(wc->status));
		WRITE_ONCE(c->broken, true);
	}
	WRITE_ONCE(b->busy, false);
	atomic_dec(&c->sends_inflight);
	wake_up_all(&c->r->waitq);
}

/* WRITEs are unsignaled: this runs for errors and flushes only. */
static void rfo_write_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct rfo_conn *c = container_of(wc->wr_cqe, struct rfo_conn,
					  write_cqe);

	if (wc->status != IB_WC_WR_FLUSH_ERR)
		pr_warn_ratelimited("%s: RDMA WRITE failed: %s\n", c->r->name,
				    ib_wc_status_msg(wc->status));
	rfo_conn_broken(c);
}

static void rfo_reg_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct rfo_conn *c = container_of(wc->wr_cqe, struct rfo_conn,
					  reg_cqe);

	if (wc->status != IB_WC_SUCCESS && !c->reg_status)
		c->reg_status = -EIO;
	WRITE_ONCE(c->reg_done, true);
	wake_up_all(&c->r->waitq);
}

static void rfo_qp_event(struct ib_event *ev, void *ctx)
{
	struct rfo_conn *c = ctx;

	pr_warn_ratelimited("%s: QP event %s\n", c->r->name,
			    ib_event_msg(ev->event));
	if (ev->event == IB_EVENT_QP_FATAL ||
	    ev->event == IB_EVENT_QP_ACCESS_ERR ||
	    ev->event == IB_EVENT_QP_REQ_ERR)
		rfo_conn_broken(c);
}

static int rfo_post_recv(struct rfo_conn *c, struct rfo_msg_buf *b)
{
	struct ib_sge sge = {
		.addr = b->dma,
		.length = RFO_WIRE_MAX_MSG_LEN,
		.lkey = c->pd->local_dma_lkey,
	};
	struct ib_recv_wr wr = {
		.wr_cqe = &b->cqe,
		.sg_list = &sge,
		.num_sge = 1,
	};

	return ib_post_recv(c->cm_id->qp, &wr, NULL);
}

static int rfo_alloc_msg_bufs(struct rfo_conn *c)
{
	int i;

	for (i = 0; i < RFO_NR_RX + RFO_NR_TX; i++) {
		bool rx = i < RFO_NR_RX;
		struct rfo_msg_buf *b = rx ? &c->rx[i] : &c->tx[i - RFO_NR_RX];

		b->conn = c;
		b->cqe.done = rx ? rfo_recv_done : rfo_send_done;
		b->buf = kzalloc(RFO_WIRE_MAX_MSG_LEN, GFP_KERNEL);
		if (!b->buf)
			return -ENOMEM;
		b->dma = ib_dma_map_single(c->dev, b->buf, RFO_WIRE_MAX_MSG_LEN,
					   rx ? DMA_FROM_DEVICE : DMA_TO_DEVICE);
		if (ib_dma_mapping_error(c->dev, b->dma)) {
			kfree(b->buf);
			b->buf = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

static void rfo_free_msg_bufs(struct rfo_conn *c)
{
	int i;

	for (i = 0; i < RFO_NR_RX + RFO_NR_TX; i++) {
		bool rx = i < RFO_NR_RX;
		struct rfo_msg_buf *b = rx ? &c->rx[i] : &c->tx[i - RFO_NR_RX];

		if (!b->buf)
			continue;
		ib_dma_unmap_single(c->dev, b->dma, RFO_WIRE_MAX_MSG_LEN,
				    rx ? DMA_FROM_DEVICE : DMA_TO_DEVICE);
		kfree(b->buf);
		b->buf = NULL;
	}
}

/**
 * rfo_conn_setup() - PD, CQ, QP and the message rings on the id's device.
 * @c: the connection; its id is bound to a device (address resolved, or
 *	a connect request)
 *
 * Context: process context, a work of the replica; sleeps.
 * Return: 0 or -errno (rfo_conn_destroy() frees what was made).
 */
int rfo_conn_setup(struct rfo_conn *c)
{
	struct ib_qp_init_attr attr = {};
	struct ib_device *dev = c->cm_id->device;
	int i, ret;

	if (!dev)
		return -ENODEV;
	c->dev = dev;
	c->pd = ib_alloc_pd(dev, 0);
	if (IS_ERR(c->pd)) {
		ret = PTR_ERR(c->pd);
		c->pd = NULL;
		return ret;
	}
	c->max_sge = min_t(u32, dev->attrs.max_send_sge, RFO_MAX_SGE);
	if (!c->max_sge)
		return -EINVAL;
	c->cq = ib_alloc_cq(dev, c, RFO_MAX_SEND_WR + RFO_NR_RX + 4, 0,
			    IB_POLL_SOFTIRQ);
	if (IS_ERR(c->cq)) {
		ret = PTR_ERR(c->cq);
		c->cq = NULL;
		return ret;
	}
	c->write_cqe.done = rfo_write_done;
	c->reg_cqe.done = rfo_reg_done;

	attr.event_handler = rfo_qp_event;
	attr.qp_context = c;
	/* one more of each for ib_drain_qp() */
	attr.cap.max_send_wr = RFO_MAX_SEND_WR + 1;
	attr.cap.max_recv_wr = RFO_NR_RX + 1;
	attr.cap.max_send_sge = c->max_sge;
	attr.cap.max_recv_sge = 1;
	attr.sq_sig_type = IB_SIGNAL_REQ_WR;
	attr.qp_type = IB_QPT_RC;
	attr.send_cq = c->cq;
	attr.recv_cq = c->cq;
	ret = rdma_create_qp(c->cm_id, c->pd, &attr);
	if (ret)
		return ret;
	c->qp_created = true;

	ret = rfo_alloc_msg_bufs(c);
	if (ret)
		return ret;
	for (i = 0; i < RFO_NR_RX; i++) {
		ret = rfo_post_recv(c, &c->rx[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static void rfo_unregister_staging(struct rfo_conn *c)
{
	u32 k;

	for (k = 0; k < c->nr_chunks; k++) {
		if (c->chunk_mr[k])
			ib_dereg_mr(c->chunk_mr[k]);
		if (c->chunk_mapped[k])
			ib_dma_unmap_sg(c->dev, c->chunk_sg[k],
					c->chunk_nents[k], c->reg_dir);
		kfree(c->chunk_sg[k]);
	}
	c->nr_chunks = 0;
	if (c->list_mr)
		ib_dereg_mr(c->list_mr);
	if (c->list_mapped)
		ib_dma_unmap_sg(c->dev, &c->list_sg, 1, c->reg_dir);
	c->list_mr = NULL;
	c->list_mapped = 0;
}

static void rfo_free_send_buffer(struct rfo_conn *c)
{
	u32 i;

	if (c->pages) {
		for (i = 0; i < c->batch_max; i++) {
			if (!c->pages[i])
				break;
			if (c->pages_dma[i])
				ib_dma_unmap_page(c->dev, c->pages_dma[i],
						  PAGE_SIZE, DMA_TO_DEVICE);
			__free_page(c->pages[i]);
		}
	}
	if (c->list && c->list_dma)
		ib_dma_unmap_single(c->dev, c->list_dma,
				    (size_t)c->batch_max * 8, DMA_TO_DEVICE);
	kfree(c->list);
	kfree(c->wrs);
	kfree(c->sges);
	c->wrs = NULL;
	c->sges = NULL;
	kfree(c->pages);
	kfree(c->pages_dma);
	c->pages = NULL;
	c->pages_dma = NULL;
	c->list = NULL;
}

/**
 * rfo_conn_destroy() - disconnect and free a connection.
 * @c: the connection, no longer the replica's (rfo_set_conn(r, NULL))
 *
 * Context: process context, not the CM handler; sleeps until the QP is
 * drained and the CM handler left the id.
 */
void rfo_conn_destroy(struct rfo_conn *c)
{
	if (!c)
		return;
	if (c->cm_id && c->qp_created)
		rdma_disconnect(c->cm_id);
	if (c->qp_created)
		ib_drain_qp(c->cm_id->qp);
	rfo_unregister_staging(c);
	rfo_free_send_buffer(c);
	if (c->qp_created)
		rdma_destroy_qp(c->cm_id);
	if (c->cq)
		ib_free_cq(c->cq);
	rfo_free_msg_bufs(c);
	if (c->pd)
		ib_dealloc_pd(c->pd);
	if (c->cm_id)
		rdma_destroy_id(c->cm_id);
	kfree(c);
}

/**
 * rfo_conn_send() - send one small message (signaled SEND).
 * @c: the connection
 * @m: the message; its seq is set here
 *
 * Context: process context, a work of the replica.
 * Return: 0 or -errno.
 */
int rfo_conn_send(struct rfo_conn *c, struct msched_repl_msg *m)
{
	struct rfo_msg_buf *b = NULL;
	struct ib_send_wr wr = {};
	struct ib_sge sge;
	int i, len, ret;

	if (!rfo_conn_usable(c))
		return -ECONNRESET;
	for (i = 0; i < RFO_NR_TX; i++) {
		if (!READ_ONCE(c->tx[i].busy)) {
			b = &c->tx[i];
			break;
		}
	}
	if (!b)
		return -ENOBUFS;
	m->seq = c->tx_seq;
	len = msched_repl_encode(b->buf, RFO_WIRE_MAX_MSG_LEN, m);
	if (WARN_ON_ONCE(len < 0))
		return -EINVAL;
	ib_dma_sync_single_for_device(c->dev, b->dma, len, DMA_TO_DEVICE);
	sge.addr = b->dma;
	sge.length = len;
	sge.lkey = c->pd->local_dma_lkey;
	wr.wr_cqe = &b->cqe;
	wr.sg_list = &sge;
	wr.num_sge = 1;
	wr.opcode = IB_WR_SEND;
	wr.send_flags = IB_SEND_SIGNALED;
	WRITE_ONCE(b->busy, true);
	atomic_inc(&c->sends_inflight);
	ret = ib_post_send(c->cm_id->qp, &wr, NULL);
	if (ret) {
		WRITE_ONCE(b->busy, false);
		atomic_dec(&c->sends_inflight);
		return ret;
	}
	c->tx_seq++;
	c->last_tx = jiffies;
	return 0;
}

static struct rfo_msg_buf *rfo_rx_pop(struct rfo_conn *c)
{
	struct rfo_msg_buf *b;

	spin_lock_bh(&c->rx_lock);
	b = list_first_entry_or_null(&c->rx_done, struct rfo_msg_buf, node);
	if (b)
		list_del(&b->node);
	spin_unlock_bh(&c->rx_lock);
	return b;
}

/**
 * rfo_conn_recv() - the next message from the peer, decoded and validated.
 * @c: the connection
 * @m: the message; REGIONS' chunks point into @c->msg
 * @timeout: jiffies to wait; 0: do not wait
 *
 * The message bytes are copied to @c->msg and the receive buffer posted
 * again before this returns. The message's own fields and its seq are
 * validated (msched_repl_decode(), msched_repl_check_seq()); what depends
 * on the caller's state is the caller's to check.
 *
 * Context: process context, a work of the replica; sleeps.
 * Return: 0; -EAGAIN (nothing, @timeout 0); -ETIMEDOUT; -ECONNRESET (the
 * connection broke); -EINTR (stopping); a negative MSCHED_REPL_E* code
 * (a bad message: the caller reports it and drops the connection).
 */
int rfo_conn_recv(struct rfo_conn *c, struct msched_repl_msg *m,
		  unsigned long timeout)
{
	struct rfo_replica *r = c->r;
	struct rfo_msg_buf *b;
	u32 len;
	int err;

	b = rfo_rx_pop(c);
	if (!b && timeout)
		wait_event_timeout(r->waitq, (b = rfo_rx_pop(c)) ||
				   !rfo_conn_usable(c), timeout);
	if (!b) {
		if (rfo_stopping(r))
			return -EINTR;
		if (READ_ONCE(c->broken))
			return -ECONNRESET;
		return timeout ? -ETIMEDOUT : -EAGAIN;
	}
	len = min_t(u32, b->len, RFO_WIRE_MAX_MSG_LEN);
	ib_dma_sync_single_for_cpu(c->dev, b->dma, RFO_WIRE_MAX_MSG_LEN,
				   DMA_FROM_DEVICE);
	memcpy(c->msg, b->buf, len);
	ib_dma_sync_single_for_device(c->dev, b->dma, RFO_WIRE_MAX_MSG_LEN,
				      DMA_FROM_DEVICE);
	if (rfo_post_recv(c, b))
		rfo_conn_broken(c);
	err = msched_repl_decode(c->msg, len, m);
	if (err < 0)
		return err;
	err = msched_repl_check_seq(m, c->rx_seq);
	if (err)
		return err;
	c->rx_seq++;
	return 0;
}

/**
 * rfo_conn_wait_sends() - wait until every signaled send completed.
 * @c: the connection
 * @timeout: jiffies
 *
 * Context: process context, a work of the replica; sleeps.
 * Return: 0, -ETIMEDOUT, -ECONNRESET, -EINTR.
 */
int rfo_conn_wait_sends(struct rfo_conn *c, unsigned long timeout)
{
	long left;

	left = wait_event_timeout(c->r->waitq,
				  !atomic_read(&c->sends_inflight) ||
				  !rfo_conn_usable(c), timeout);
	if (rfo_stopping(c->r))
		return -EINTR;
	if (READ_ONCE(c->broken))
		return -ECONNRESET;
	return left ? 0 : -ETIMEDOUT;
}

/**
 * rfo_conn_map_send_buffer() - the primary's send buffer for one batch.
 * @c: the connection, REGIONS received (@c->regions)
 * @nr: pages per batch
 *
 * Context: process context, a work of the replica; sleeps.
 * Return: 0 or -errno.
 */
int rfo_conn_map_send_buffer(struct rfo_conn *c, u32 nr)
{
	u32 i;

	c->batch_max = nr;
	c->pages = kcalloc(nr, sizeof(*c->pages), GFP_KERNEL);
	c->pages_dma = kcalloc(nr, sizeof(*c->pages_dma), GFP_KERNEL);
	c->list = kzalloc((size_t)nr * 8, GFP_KERNEL);
	c->wrs = kcalloc(RFO_NR_WRITE_WR, sizeof(*c->wrs), GFP_KERNEL);
	c->sges = kcalloc(nr, sizeof(*c->sges), GFP_KERNEL);
	if (!c->pages || !c->pages_dma || !c->list || !c->wrs || !c->sges)
		return -ENOMEM;
	c->list_dma = ib_dma_map_single(c->dev, c->list, (size_t)nr * 8,
					DMA_TO_DEVICE);
	if (ib_dma_mapping_error(c->dev, c->list_dma)) {
		c->list_dma = 0;
		return -ENOMEM;
	}
	for (i = 0; i < nr; i++) {
		u64 dma;

		c->pages[i] = alloc_page(GFP_KERNEL);
		if (!c->pages[i])
			return -ENOMEM;
		dma = ib_dma_map_page(c->dev, c->pages[i], 0, PAGE_SIZE,
				      DMA_TO_DEVICE);
		if (ib_dma_mapping_error(c->dev, dma))
			return -ENOMEM;
		c->pages_dma[i] = dma;
	}
	return 0;
}

/**
 * rfo_conn_post_batch() - RDMA WRITE one batch into the standby's staging.
 * @c: the connection
 * @count: pages in @c->pages[0..count) and indices in @c->list
 *
 * The pages go to slots 0..count-1 (several pages per work request, never
 * across a chunk), then the index list to the list area. All unsignaled:
 * the BATCH message posted next is signaled, and the peer acts only on it,
 * after these (RC order).
 *
 * Context: process context, a work of the replica.
 * Return: 0 or -errno.
 */
int rfo_conn_post_batch(struct rfo_conn *c, u32 count)
{
	struct ib_rdma_wr *wrs = c->wrs;
	struct ib_sge *sges = c->sges;
	u32 i = 0, n = 0, j;
	int ret;

	if (!count || count > c->batch_max)
		return -EINVAL;
	memset(wrs, 0, sizeof(*wrs) * RFO_NR_WRITE_WR);
	while (i < count) {
		struct msched_repl_chunk ch;
		u64 off;
		u32 first, k;

		ret = msched_repl_slot_chunk(&c->regions, i, &ch, &off);
		if (ret || n >= RFO_NR_WRITE_WR - 1)
			return -EINVAL;
		first = i - (u32)(off >> PAGE_SHIFT);
		k = min3(count, first + ch.nr_slots, i + c->max_sge) - i;
		for (j = 0; j < k; j++) {
			ib_dma_sync_single_for_device(c->dev,
						      c->pages_dma[i + j],
						      PAGE_SIZE, DMA_TO_DEVICE);
			sges[i + j].addr = c->pages_dma[i + j];
			sges[i + j].length = PAGE_SIZE;
			sges[i + j].lkey = c->pd->local_dma_lkey;
		}
		wrs[n].wr.opcode = IB_WR_RDMA_WRITE;
		wrs[n].wr.wr_cqe = &c->write_cqe;
		wrs[n].wr.sg_list = &sges[i];
		wrs[n].wr.num_sge = k;
		wrs[n].remote_addr = ch.addr + off;
		wrs[n].rkey = ch.rkey;
		if (n)
			wrs[n - 1].wr.next = &wrs[n].wr;
		n++;
		i += k;
	}
	ib_dma_sync_single_for_device(c->dev, c->list_dma, (size_t)count * 8,
				      DMA_TO_DEVICE);
	c->list_sge.addr = c->list_dma;
	c->list_sge.length = count * 8;
	c->list_sge.lkey = c->pd->local_dma_lkey;
	wrs[n].wr.opcode = IB_WR_RDMA_WRITE;
	wrs[n].wr.wr_cqe = &c->write_cqe;
	wrs[n].wr.sg_list = &c->list_sge;
	wrs[n].wr.num_sge = 1;
	wrs[n].remote_addr = c->regions.u.regions.list_addr;
	wrs[n].rkey = c->regions.u.regions.list_rkey;
	wrs[n - 1].wr.next = &wrs[n].wr;
	return ib_post_send(c->cm_id->qp, &wrs[0].wr, NULL);
}

static int rfo_reg_one(struct rfo_conn *c, struct ib_reg_wr *wr,
		       struct scatterlist *sg, u32 nents, u32 nr_pages,
		       int *mapped, struct ib_mr **mrp)
{
	struct ib_mr *mr;
	int n;

	n = ib_dma_map_sg(c->dev, sg, nents, c->reg_dir);
	if (!n)
		return -ENOMEM;
	*mapped = n;
	/*
	 * One entry more than used: rxe before 6.3 (rxe_mr_copy()) reads
	 * the pointer after its last map when an access ends on the last
	 * entry of a full one (a KASAN slab-out-of-bounds report), so the
	 * last map must never be full.
	 */
	mr = ib_alloc_mr(c->pd, IB_MR_TYPE_MEM_REG, nr_pages + 1);
	if (IS_ERR(mr))
		return PTR_ERR(mr);
	*mrp = mr;
	if (ib_map_mr_sg(mr, sg, n, NULL, PAGE_SIZE) != n)
		return -EINVAL;
	ib_update_fast_reg_key(mr, ib_inc_rkey(mr->rkey));
	wr->wr.opcode = IB_WR_REG_MR;
	wr->wr.wr_cqe = &c->reg_cqe;
	wr->mr = mr;
	wr->key = mr->rkey;
	wr->access = c->reg_dir == DMA_TO_DEVICE ? IB_ACCESS_REMOTE_READ :
		     IB_ACCESS_LOCAL_WRITE | IB_ACCESS_REMOTE_WRITE;
	return 0;
}

/*
 * Register @pages (chunks of at most max_fast_reg_page_list_len pages) and
 * the list area with FRWR for @c->reg_dir's access: IB_WR_REG_MR on the
 * QP, the last one signaled and waited for.
 */
static int rfo_conn_register(struct rfo_conn *c, struct page **pages,
			     u32 nr_slots, void *list, u32 list_bytes,
			     struct msched_repl_chunk *chunks, u32 *nr_chunks,
			     u64 *list_addr, u32 *list_rkey)
{
	struct ib_reg_wr *wrs;
	u32 per, k, j, nk;
	int ret;

	/* one entry of each MR unused: see rfo_reg_one() */
	per = min_t(u32, c->dev->attrs.max_fast_reg_page_list_len - 1,
		    nr_slots);
	if (!per)
		return -EINVAL;
	nk = DIV_ROUND_UP(nr_slots, per);
	if (nk > RFO_WIRE_MAX_CHUNKS) {
		pr_warn("%s: %u staging slots need %u registrations of %u pages, at most %u\n",
			c->r->name, nr_slots, nk, per, RFO_WIRE_MAX_CHUNKS);
		ret = -EINVAL;
		goto err;
	}
	wrs = kcalloc(nk + 1, sizeof(*wrs), GFP_KERNEL);
	if (!wrs) {
		ret = -ENOMEM;
		goto err;
	}
	for (k = 0; k < nk; k++) {
		u32 n = min(per, nr_slots - k * per);

		c->chunk_sg[k] = kcalloc(n, sizeof(struct scatterlist),
					 GFP_KERNEL);
		if (!c->chunk_sg[k]) {
			ret = -ENOMEM;
			goto err_free;
		}
		c->nr_chunks = k + 1;
		c->chunk_nents[k] = n;
		sg_init_table(c->chunk_sg[k], n);
		for (j = 0; j < n; j++)
			sg_set_page(&c->chunk_sg[k][j], pages[k * per + j],
				    PAGE_SIZE, 0);
		ret = rfo_reg_one(c, &wrs[k], c->chunk_sg[k], n, n,
				  &c->chunk_mapped[k], &c->chunk_mr[k]);
		if (ret)
			goto err_free;
		chunks[k].addr = c->chunk_mr[k]->iova;
		chunks[k].rkey = c->chunk_mr[k]->rkey;
		chunks[k].nr_slots = n;
		wrs[k].wr.next = &wrs[k + 1].wr;
	}
	sg_init_one(&c->list_sg, list, list_bytes);
	ret = rfo_reg_one(c, &wrs[nk], &c->list_sg, 1, list_bytes >> PAGE_SHIFT,
			  &c->list_mapped, &c->list_mr);
	if (ret)
		goto err_free;
	wrs[nk].wr.send_flags = IB_SEND_SIGNALED;
	*nr_chunks = nk;
	*list_addr = c->list_mr->iova;
	*list_rkey = c->list_mr->rkey;

	c->reg_status = 0;
	WRITE_ONCE(c->reg_done, false);
	ret = ib_post_send(c->cm_id->qp, &wrs[0].wr, NULL);
	kfree(wrs);
	if (ret)
		goto err;
	if (!wait_event_timeout(c->r->waitq, READ_ONCE(c->reg_done) ||
				!rfo_conn_usable(c),
				msecs_to_jiffies(RFO_CM_TIMEOUT_MS)))
		ret = -ETIMEDOUT;
	else if (!READ_ONCE(c->reg_done))
		ret = -ECONNRESET;
	else
		ret = c->reg_status;
	if (ret)
		goto err;
	return 0;

err_free:
	kfree(wrs);
err:
	rfo_stat_add(c->r, RFO_STAT_NR_REGISTRATION_ERRORS, 1);
	pr_warn_ratelimited("%s: registering %s failed: %d\n", c->r->name,
			    c->reg_dir == DMA_TO_DEVICE ? "the pull window" :
			    "the staging area", ret);
	return ret;
}

/**
 * rfo_conn_register_staging() - register the standby's staging with FRWR.
 * @c: the connection (QP created)
 * @pages: the staging pages
 * @nr_slots: how many
 * @list: the list area (page aligned)
 * @list_bytes: its size (a multiple of PAGE_SIZE)
 * @chunks: filled with the chunks for REGIONS
 * @nr_chunks: their number
 * @list_addr: the list area's remote address
 * @list_rkey: its rkey
 *
 * One MR per chunk of at most max_fast_reg_page_list_len pages, one for the
 * list area, all registered by IB_WR_REG_MR on the QP (the last one
 * signaled, waited for) with remote write access only.
 *
 * Context: process context, a work of the replica; sleeps.
 * Return: 0 or -errno (counted in stats/nr_registration_errors).
 */
int rfo_conn_register_staging(struct rfo_conn *c, struct page **pages,
			      u32 nr_slots, void *list, u32 list_bytes,
			      struct msched_repl_chunk *chunks, u32 *nr_chunks,
			      u64 *list_addr, u32 *list_rkey)
{
	c->reg_dir = DMA_FROM_DEVICE;
	return rfo_conn_register(c, pages, nr_slots, list, list_bytes, chunks,
				 nr_chunks, list_addr, list_rkey);
}

/**
 * rfo_conn_register_pull() - register a source's pull window and dirty
 * bitmap with FRWR, for remote read only.
 * @c: the connection (QP created)
 * @pages: the window pages
 * @nr_slots: how many
 * @list: the dirty bitmap (page aligned)
 * @list_bytes: its allocated size (a multiple of PAGE_SIZE)
 * @chunks: filled with the window's chunks for PULL_LIST
 * @nr_chunks: their number
 * @list_addr: the bitmap's remote address
 * @list_rkey: its rkey
 *
 * As rfo_conn_register_staging(), but the MRs grant IB_ACCESS_REMOTE_READ
 * and nothing else, and the memory is mapped DMA_TO_DEVICE. The MRs live
 * until rfo_conn_destroy(): an rkey never outlives its connection.
 *
 * Context: process context, a work of the replica; sleeps.
 * Return: 0 or -errno (counted in stats/nr_registration_errors).
 */
int rfo_conn_register_pull(struct rfo_conn *c, struct page **pages,
			   u32 nr_slots, void *list, u32 list_bytes,
			   struct msched_repl_chunk *chunks, u32 *nr_chunks,
			   u64 *list_addr, u32 *list_rkey)
{
	c->reg_dir = DMA_TO_DEVICE;
	return rfo_conn_register(c, pages, nr_slots, list, list_bytes, chunks,
				 nr_chunks, list_addr, list_rkey);
}

/**
 * rfo_conn_sync_pull_for_device() - hand a source's window and bitmap, as
 * the CPU wrote them, to the device.
 * @c: the connection, rfo_conn_register_pull() done
 *
 * Context: process context.
 */
void rfo_conn_sync_pull_for_device(struct rfo_conn *c)
{
	u32 k;

	if (ib_uses_virt_dma(c->dev))
		return;
	for (k = 0; k < c->nr_chunks; k++)
		dma_sync_sg_for_device(c->dev->dma_device, c->chunk_sg[k],
				       c->chunk_nents[k], DMA_TO_DEVICE);
	dma_sync_sg_for_device(c->dev->dma_device, &c->list_sg, 1,
			       DMA_TO_DEVICE);
}

static void rfo_read_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct rfo_conn *c = container_of(wc->wr_cqe, struct rfo_conn,
					  read_cqe);

	if (wc->status != IB_WC_SUCCESS) {
		if (wc->status != IB_WC_WR_FLUSH_ERR)
			pr_warn_ratelimited("%s: RDMA READ failed: %s\n",
					    c->r->name,
					    ib_wc_status_msg(wc->status));
		if (!c->read_status)
			c->read_status = -EIO;
		WRITE_ONCE(c->broken, true);
	}
	WRITE_ONCE(c->read_done, true);
	wake_up_all(&c->r->waitq);
}

/*
 * READ work requests per round (of up to max_sge_rd pages each). Small
 * rounds: under load in the lab, rxe lost READ responses of 16 x 64 KiB
 * rounds and their retries outlasted timeout_ms.
 */
#define RFO_NR_READ_WR	8

/* Post @n READ work requests (the last one signaled) and wait for them. */
static int rfo_post_reads(struct rfo_conn *c, u32 n)
{
	long left;
	int ret;

	c->wrs[n - 1].wr.send_flags = IB_SEND_SIGNALED;
	c->read_status = 0;
	WRITE_ONCE(c->read_done, false);
	ret = ib_post_send(c->cm_id->qp, &c->wrs[0].wr, NULL);
	if (ret)
		return ret;
	left = wait_event_timeout(c->r->waitq, READ_ONCE(c->read_done) ||
				  rfo_stopping(c->r),
				  msecs_to_jiffies(READ_ONCE(c->r->timeout_ms)));
	if (READ_ONCE(c->read_done))
		return c->read_status;
	if (rfo_stopping(c->r))
		return -EINTR;
	if (!left) {
		struct ib_qp_init_attr init;
		struct ib_qp_attr qa = {};

		ib_query_qp(c->cm_id->qp, &qa, IB_QP_STATE |
			    IB_QP_MAX_QP_RD_ATOMIC, &init);
		pr_warn("%s: %u RDMA READs (the first %u bytes at 0x%llx) not done in %u ms (QP state %d, max_rd_atomic %u)\n",
			c->r->name, n, c->wrs[0].wr.sg_list[0].length,
			c->wrs[0].remote_addr, READ_ONCE(c->r->timeout_ms),
			qa.qp_state, qa.max_rd_atomic);
	}
	return -ETIMEDOUT;
}

static int rfo_read_wrs(struct rfo_conn *c)
{
	if (c->wrs)
		return 0;
	c->wrs = kcalloc(RFO_NR_WRITE_WR, sizeof(*c->wrs), GFP_KERNEL);
	c->sges = kcalloc(RFO_NR_WRITE_WR * RFO_MAX_SGE, sizeof(*c->sges),
			  GFP_KERNEL);
	if (!c->wrs || !c->sges)
		return -ENOMEM;
	c->read_cqe.done = rfo_read_done;
	return 0;
}

static void rfo_read_wr(struct rfo_conn *c, u32 n, struct ib_sge *sge,
			u32 nsge, u64 addr, u32 rkey)
{
	struct ib_rdma_wr *w = &c->wrs[n];

	memset(w, 0, sizeof(*w));
	w->wr.opcode = IB_WR_RDMA_READ;
	w->wr.wr_cqe = &c->read_cqe;
	w->wr.sg_list = sge;
	w->wr.num_sge = nsge;
	w->remote_addr = addr;
	w->rkey = rkey;
	if (n)
		c->wrs[n - 1].wr.next = &w->wr;
}

/**
 * rfo_conn_read_buf() - RDMA READ @len bytes of the peer into a buffer.
 * @c: the connection
 * @dma: the local buffer's DMA address (mapped DMA_FROM_DEVICE)
 * @len: bytes (> 0)
 * @addr: the remote address
 * @rkey: its rkey
 *
 * Context: process context; sleeps until the READ completed, at most
 * timeout_ms.
 * Return: 0 or -errno (-EIO: the READ failed, the connection is broken).
 */
int rfo_conn_read_buf(struct rfo_conn *c, u64 dma, u32 len, u64 addr,
		      u32 rkey)
{
	int ret = rfo_read_wrs(c);

	if (ret)
		return ret;
	if (!len)
		return -EINVAL;
	c->sges[0].addr = dma;
	c->sges[0].length = len;
	c->sges[0].lkey = c->pd->local_dma_lkey;
	rfo_read_wr(c, 0, &c->sges[0], 1, addr, rkey);
	return rfo_post_reads(c, 1);
}

/**
 * rfo_conn_read_slots() - RDMA READ the peer's window slots [0, @count).
 * @c: the connection
 * @m: the peer's PULL_LIST (decoded; its chunks must stay readable)
 * @count: slots to read, <= its nr_slots
 * @dma: the DMA addresses of @count local pages (mapped DMA_FROM_DEVICE)
 *
 * Several pages per work request (at most max_sge_rd, never across a
 * chunk), posted in rounds of RFO_NR_READ_WR, each round's last request
 * signaled and waited for (at most timeout_ms).
 *
 * Context: process context; sleeps.
 * Return: 0 or -errno.
 */
int rfo_conn_read_slots(struct rfo_conn *c, const struct msched_repl_msg *m,
			u32 count, const u64 *dma)
{
	u32 per = min_t(u32, c->max_sge, c->dev->attrs.max_sge_rd);
	u32 i = 0, n = 0, j;
	int ret = rfo_read_wrs(c);

	if (ret)
		return ret;
	if (!per)
		per = 1;
	while (i < count) {
		struct msched_repl_chunk ch;
		u64 off;
		u32 first, k;

		ret = msched_repl_slot_chunk(m, i, &ch, &off);
		if (ret)
			return -EINVAL;
		first = i - (u32)(off >> PAGE_SHIFT);
		k = min3(count, first + ch.nr_slots, i + per) - i;
		for (j = 0; j < k; j++) {
			struct ib_sge *sge = &c->sges[n * RFO_MAX_SGE + j];

			sge->addr = dma[i + j];
			sge->length = PAGE_SIZE;
			sge->lkey = c->pd->local_dma_lkey;
		}
		rfo_read_wr(c, n, &c->sges[n * RFO_MAX_SGE], k, ch.addr + off,
			    ch.rkey);
		n++;
		i += k;
		if (n == RFO_NR_READ_WR || i == count) {
			ret = rfo_post_reads(c, n);
			if (ret)
				return ret;
			n = 0;
		}
	}
	return 0;
}

/**
 * rfo_conn_connect() - resolve, set up and connect to the replica's peer.
 * @c: a new connection (rfo_conn_new(r, NULL)), the replica's
 * @hello: the HELLO to send as private data
 * @rd_depth: RDMA READs this side may have in flight (0: none)
 *
 * Context: process context; sleeps (each step at most a few seconds).
 * Return: 0 once ESTABLISHED; -ECONNREFUSED (rejected: @c->rej holds the
 * REJECT), or another -errno.
 */
int rfo_conn_connect(struct rfo_conn *c, const struct msched_repl_msg *hello,
		     u8 rd_depth)
{
	struct rfo_replica *r = c->r;
	struct rdma_conn_param param = {};
	u8 buf[RFO_WIRE_HELLO_LEN];
	int len, err;

	err = rdma_resolve_addr(c->cm_id, r->source.sin_addr.s_addr ?
				(struct sockaddr *)&r->source : NULL,
				(struct sockaddr *)&r->peer, 2000);
	if (!err)
		err = rfo_conn_wait_cm(c, RDMA_CM_EVENT_ADDR_RESOLVED,
				       msecs_to_jiffies(3000));
	if (!err)
		err = rdma_resolve_route(c->cm_id, 2000);
	if (!err)
		err = rfo_conn_wait_cm(c, RDMA_CM_EVENT_ROUTE_RESOLVED,
				       msecs_to_jiffies(3000));
	if (err)
		return err;
	err = rfo_conn_setup(c);
	if (err)
		return err;
	len = msched_repl_encode(buf, sizeof(buf), hello);
	if (WARN_ON_ONCE(len < 0))
		return -EINVAL;
	param.private_data = buf;
	param.private_data_len = len;
	param.retry_count = 7;
	param.rnr_retry_count = 7;
	param.initiator_depth = min_t(u32, rd_depth,
				      c->dev->attrs.max_qp_init_rd_atom);
	param.responder_resources = min_t(u32, rd_depth,
					  c->dev->attrs.max_qp_rd_atom);
	err = rdma_connect(c->cm_id, &param);
	if (!err)
		err = rfo_conn_wait_cm(c, RDMA_CM_EVENT_ESTABLISHED,
				       msecs_to_jiffies(3000));
	return err;
}

/**
 * rfo_conn_sync_staging_for_cpu() - make received staging bytes visible.
 * @c: the connection
 * @count: slots the batch used
 *
 * Context: process context.
 */
void rfo_conn_sync_staging_for_cpu(struct rfo_conn *c, u32 count)
{
	u32 k, done = 0;

	if (ib_uses_virt_dma(c->dev))
		return;
	for (k = 0; k < c->nr_chunks && done < count; k++) {
		dma_sync_sg_for_cpu(c->dev->dma_device, c->chunk_sg[k],
				    c->chunk_nents[k], DMA_FROM_DEVICE);
		done += c->chunk_nents[k];
	}
	dma_sync_sg_for_cpu(c->dev->dma_device, &c->list_sg, 1,
			    DMA_FROM_DEVICE);
}

/**
 * rfo_conn_sync_staging_for_device() - hand the staging back to the device.
 * @c: the connection
 *
 * Context: process context.
 */
void rfo_conn_sync_staging_for_device(struct rfo_conn *c)
{
	u32 k;

	if (ib_uses_virt_dma(c->dev))
		return;
	for (k = 0; k < c->nr_chunks; k++)
		dma_sync_sg_for_device(c->dev->dma_device, c->chunk_sg[k],
				       c->chunk_nents[k], DMA_FROM_DEVICE);
	dma_sync_sg_for_device(c->dev->dma_device, &c->list_sg, 1,
			       DMA_FROM_DEVICE);
}
