// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_failover: pull recovery (Documentation/design/replication.rst,
 * "Pull recovery"), for a primary whose VMM died while its kernel still
 * answers RDMA.
 *
 * Source (role source): start tracks the file's writes, writes the first
 * epoch (the whole file at one instant) to the baseline path on storage
 * both hosts share, fsyncs it, and listens. Every epoch_ms epoch_work cuts
 * an epoch and sets its pages in the dirty bitmap: the pages written since
 * the baseline. When a recovery host connects (HELLO with flag PULL;
 * refused while a process still maps the file writable), accept_work cuts
 * a last epoch, registers the bitmap and a window of pages for remote read
 * (FRWR, this connection only), sends PULL_LIST, then fills the window
 * with the next dirty pages, in ascending order, window after window
 * (WINDOW, wait WINDOW_ACK), and ends with PULL_DONE. A cut after the last
 * window tells whether the file changed meanwhile (flag CHANGED).
 *
 * Recovery (role recovery, command pull, synchronous under the replica's
 * lock): the baseline's size must be the file's; the file is filled from
 * the baseline; then connect, RDMA READ the bitmap, validate it, and for
 * each WINDOW RDMA READ its slots and write them into the file at the
 * bitmap's next indices. The indices come from the validated bitmap only:
 * a source cannot make this host write outside its file.
 *
 * Why a window and not the file's pages themselves: a memschedfs page may
 * be a hole, out on memsched's swap device, or moved by memsched at any
 * time; the exported API reads it (msched_file_read_page()) and gives no
 * page to pin. The window is the source's copy of the next pages; the
 * transfer itself is the recovery host's one-sided READ.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/file.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include <memsched_dirty.h>

#include "conn.h"
#include "trace.h"

/*
 * Window slots a source offers (pages copied per round trip): 128 pages,
 * one round of READs on rxe (8 x 16 pages), so that a window's READs are
 * bounded by one timeout_ms and the source's wait for WINDOW_ACK by two.
 */
#define RFO_PULL_WINDOW		128
/* baseline I/O in runs of this many pages */
#define RFO_BASELINE_RUN	64
/* READs a recovery host keeps in flight; responder resources of a source */
#define RFO_PULL_RD_DEPTH	16
#define RFO_ACCEPT_WAIT		msecs_to_jiffies(3000)

static unsigned long rfo_pull_timeout(struct rfo_replica *r)
{
	return msecs_to_jiffies(READ_ONCE(r->timeout_ms));
}

/* ---- source ---- */

/* Write the frozen first epoch (every page) to the baseline file. */
static int rfo_baseline_write(struct rfo_replica *r, struct file *bf,
			      u64 *nr)
{
	pgoff_t from = 0, idx, run_first = 0;
	u32 run = 0;
	loff_t pos;
	ssize_t n;
	void *buf;
	int err = 0;

	buf = vmalloc(RFO_BASELINE_RUN * PAGE_SIZE);
	if (!buf)
		return -ENOMEM;
	*nr = 0;
	for (;;) {
		bool more = !msched_dirty_next(r->dirty, from, &idx);

		/* write the run out when full, at a gap, or at the end */
		if (run && (!more || run == RFO_BASELINE_RUN ||
			    idx != run_first + run)) {
			pos = (loff_t)run_first << PAGE_SHIFT;
			n = kernel_write(bf, buf, (size_t)run << PAGE_SHIFT,
					 &pos);
			if (n != (ssize_t)run << PAGE_SHIFT) {
				err = n < 0 ? n : -EIO;
				break;
			}
			*nr += run;
			run = 0;
		}
		if (!more)
			break;
		if (!run)
			run_first = idx;
		err = msched_dirty_copy(r->dirty, idx, buf + run * PAGE_SIZE);
		if (err)
			break;
		run++;
		from = idx + 1;
		cond_resched();
	}
	vfree(buf);
	return err;
}

static int rfo_source_baseline(struct rfo_replica *r)
{
	u64 t0 = ktime_get_ns(), epoch, nr = 0, ns;
	struct file *bf;
	long n;
	int err;

	bf = filp_open(r->baseline, O_WRONLY | O_CREAT | O_TRUNC | O_LARGEFILE,
		       0600);
	if (IS_ERR(bf)) {
		err = PTR_ERR(bf);
		pr_warn("%s: cannot create the baseline %s: %d\n", r->name,
			r->baseline, err);
		return err;
	}
	/* the tracker's first epoch: every page, one instant */
	n = msched_dirty_cut(r->dirty, &epoch);
	if (n < 0) {
		err = n;
		goto out;
	}
	err = rfo_baseline_write(r, bf, &nr);
	if (!err && nr != r->nr_pages)
		err = -EIO;
	if (!err)
		err = vfs_fsync(bf, 0);
	if (err) {
		msched_dirty_abort(r->dirty);
		pr_warn("%s: writing the baseline %s failed: %d\n", r->name,
			r->baseline, err);
		goto out;
	}
	msched_dirty_commit(r->dirty);
	r->epoch = epoch;
	ns = ktime_get_ns() - t0;
	rfo_stat_add(r, RFO_STAT_NR_BASELINE_PAGES, nr);
	rfo_stat_set(r, RFO_STAT_LAST_BASELINE_NS, ns);
	trace_rfo_baseline(r->name, true, nr, ns, 0);
	pr_info("%s: baseline of %llu pages written to %s in %llu ms (epoch %llu)\n",
		r->name, nr, r->baseline, div_u64(ns, NSEC_PER_MSEC), epoch);
out:
	filp_close(bf, NULL);
	return err;
}

/* Cut an epoch and add its pages to the bitmap. Return: pages in it. */
static long rfo_source_merge(struct rfo_replica *r)
{
	pgoff_t from = 0, idx;
	u64 epoch;
	long n;

	n = msched_dirty_cut(r->dirty, &epoch);
	if (n < 0)
		return n;
	while (!msched_dirty_next(r->dirty, from, &idx)) {
		if (idx < r->nr_pages && msched_repl_bitmap_set(r->pull.map, idx))
			r->pull.nr_dirty++;
		from = idx + 1;
	}
	msched_dirty_commit(r->dirty);
	r->epoch = epoch;
	if (n)
		rfo_stat_add(r, RFO_STAT_NR_EPOCHS, 1);
	rfo_stat_set(r, RFO_STAT_DIRTY_PAGES, r->pull.nr_dirty);
	return n;
}

/**
 * rfo_source_epoch_work() - a source's epoch: cut and merge into the
 * dirty bitmap, every epoch_ms.
 * @work: the replica's epoch_work
 *
 * Context: the replica's ordered workqueue; sleeps.
 */
void rfo_source_epoch_work(struct work_struct *work)
{
	struct rfo_replica *r = container_of(to_delayed_work(work),
					     struct rfo_replica, epoch_work);
	long n;

	if (rfo_stopping(r))
		return;
	n = rfo_source_merge(r);
	if (n < 0)
		pr_warn_ratelimited("%s: cutting an epoch failed: %ld\n",
				    r->name, n);
	rfo_queue_delayed(r, &r->epoch_work,
			  msecs_to_jiffies(READ_ONCE(r->epoch_ms)));
}

/*
 * rfo_source_check_request() - may a recovery host pull now?
 * @r: a source
 *
 * A process that still maps the file writable (the VMM is alive) could
 * write pages while they are pulled: refused. A process that maps it
 * later is not prevented; the cut after the last window reports its writes
 * (PULL_DONE's flag CHANGED, the recovery host fails the pull).
 *
 * Context: the replica's accept_work, before it accepts.
 * Return: 0, or the RFO_WIRE_REJ_* reason to refuse with.
 */
static u8 rfo_source_check_request(struct rfo_replica *r)
{
	if (READ_ONCE(r->state) != RFO_LISTENING) {
		pr_info_ratelimited("%s: refusing a recovery host: the source is %s\n",
				    r->name, rfo_state_name(READ_ONCE(r->state)));
		return RFO_WIRE_REJ_BUSY;
	}
	if (mapping_writably_mapped(r->file->f_mapping)) {
		pr_warn_ratelimited("%s: refusing a recovery host: a process still maps the file writable (stop the VMM first)\n",
				    r->name);
		return RFO_WIRE_REJ_IN_USE;
	}
	return 0;
}

static void rfo_free_pages(struct page **pages, u32 nr)
{
	u32 i;

	if (!pages)
		return;
	for (i = 0; i < nr; i++)
		if (pages[i])
			__free_page(pages[i]);
	kfree(pages);
}

static struct page **rfo_alloc_pages(u32 nr)
{
	struct page **pages = kcalloc(nr, sizeof(*pages), GFP_KERNEL);
	u32 i;

	if (!pages)
		return NULL;
	for (i = 0; i < nr; i++) {
		pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!pages[i]) {
			rfo_free_pages(pages, nr);
			return NULL;
		}
	}
	return pages;
}

/*
 * Serve one pull on the established @c; @win has @nr_win pages; the last
 * cut is merged.
 */
static int rfo_source_serve(struct rfo_replica *r, struct rfo_conn *c,
			    struct page **win, u32 nr_win)
{
	struct msched_repl_msg m = { .type = RFO_WIRE_MSG_PULL_LIST };
	struct msched_repl_chunk *chunks;
	u64 t0 = ktime_get_ns(), sent = 0, from = 0, nr_dirty, ns;
	u32 w = 0, flags = 0;
	long n;
	int err;

	chunks = kcalloc(RFO_WIRE_MAX_CHUNKS, sizeof(*chunks), GFP_KERNEL);
	if (!chunks)
		return -ENOMEM;
	nr_dirty = r->pull.nr_dirty;
	err = rfo_conn_register_pull(c, win, nr_win, r->pull.map,
				     r->pull.map_alloc, chunks,
				     &m.u.pull_list.nr_chunks,
				     &m.u.pull_list.list_addr,
				     &m.u.pull_list.list_rkey);
	if (err)
		goto out;
	rfo_conn_sync_pull_for_device(c);
	m.u.pull_list.nr_slots = nr_win;
	m.u.pull_list.epoch = r->epoch;
	m.u.pull_list.nr_dirty = nr_dirty;
	m.u.pull_list.list_bytes = r->pull.map_bytes;
	m.u.pull_list.chunks = chunks;
	trace_rfo_pull(r->name, true, "start", nr_dirty, 0, 0, 0);
	pr_info("%s: a recovery host pulls %llu pages (epoch %llu) in windows of %u\n",
		r->name, nr_dirty, r->epoch, nr_win);
	err = rfo_conn_send(c, &m);
	if (err)
		goto out;

	while (sent < nr_dirty) {
		u64 tw = ktime_get_ns();
		u32 count = 0;

		while (count < nr_win) {
			u64 idx = msched_repl_bitmap_next(r->pull.map,
							  r->nr_pages, from);

			if (idx >= r->nr_pages)
				break;
			err = msched_file_read_page(r->file, idx,
						    page_address(win[count]));
			if (err)
				goto out;
			from = idx + 1;
			count++;
		}
		if (WARN_ON_ONCE(!count)) {
			err = -EINVAL;
			goto out;
		}
		rfo_conn_sync_pull_for_device(c);
		m.type = RFO_WIRE_MSG_WINDOW;
		m.u.window.window = w;
		m.u.window.count = count;
		err = rfo_conn_send(c, &m);
		/* the recovery host READs, then writes the pages: 2 x timeout */
		if (!err)
			err = rfo_conn_recv(c, &m, 2 * rfo_pull_timeout(r));
		if (err <= -MSCHED_REPL_EBASE) {
			rfo_bad_message(r, "WINDOW_ACK", err);
			err = -EPROTO;
		}
		if (err)
			goto out;
		err = msched_repl_check_window_ack(&m, w);
		if (err) {
			rfo_bad_message(r, "WINDOW_ACK", err);
			err = -EPROTO;
			goto out;
		}
		trace_rfo_pull_window(r->name, true, w, count,
				      div_u64(ktime_get_ns() - tw,
					      NSEC_PER_USEC));
		sent += count;
		w++;
	}
	/* anything written during the pull makes the recovered image stale */
	n = rfo_source_merge(r);
	if (n < 0) {
		err = n;
		goto out;
	}
	if (n) {
		flags |= RFO_WIRE_PULL_F_CHANGED;
		pr_warn("%s: %ld pages were written during the pull; the recovery host's image is stale\n",
			r->name, n);
	}
	m.type = RFO_WIRE_MSG_PULL_DONE;
	m.u.pull_done.nr_pages = sent;
	m.u.pull_done.nr_windows = w;
	m.u.pull_done.flags = flags;
	err = rfo_conn_send(c, &m);
	if (err)
		goto out;
	/*
	 * Served. The recovery host disconnects as soon as PULL_DONE came,
	 * which may break the connection before its send completion is
	 * seen here: that is no error.
	 */
	err = rfo_conn_wait_sends(c, rfo_pull_timeout(r));
	if (err == -ECONNRESET)
		err = 0;
	if (err)
		goto out;
	ns = ktime_get_ns() - t0;
	rfo_stat_add(r, RFO_STAT_NR_PULLS, 1);
	rfo_stat_add(r, RFO_STAT_NR_PULL_PAGES, sent);
	rfo_stat_add(r, RFO_STAT_NR_PULL_BYTES, sent * RFO_WIRE_PAGE_SIZE);
	rfo_stat_set(r, RFO_STAT_LAST_PULL_NS, ns);
	trace_rfo_pull(r->name, true, "end", nr_dirty, sent, w, ns);
	pr_info("%s: served a pull of %llu pages in %u windows in %llu ms\n",
		r->name, sent, w, div_u64(ns, NSEC_PER_MSEC));
out:
	kfree(chunks);
	return err;
}

/**
 * rfo_source_accept_work() - accept a recovery host and serve its pull.
 * @work: the replica's accept_work
 *
 * Context: the replica's ordered workqueue (epoch_work does not run
 * meanwhile); sleeps.
 */
void rfo_source_accept_work(struct work_struct *work)
{
	struct rfo_replica *r = container_of(work, struct rfo_replica,
					     accept_work);
	struct rdma_conn_param param = {};
	struct page **win = NULL;
	struct rdma_cm_id *id;
	struct rfo_conn *c;
	bool accepted = false;
	u32 nr_win = 0;
	u8 reason;
	long n;
	int err;

	spin_lock_bh(&r->ev_lock);
	id = r->pending_id;
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
	reason = rfo_source_check_request(r);
	if (reason) {
		rfo_stat_add(r, RFO_STAT_NR_REJECTS, 1);
		rfo_cm_reject(c->cm_id, reason, r->nr_pages);
		accepted = true;	/* refused: no other reject */
		err = 0;
		goto fail;
	}
	rfo_replica_set_state(r, RFO_SERVING);
	/* the VMM is dead: this catches its last partial epoch */
	n = rfo_source_merge(r);
	if (n < 0) {
		err = n;
		goto fail;
	}
	nr_win = clamp_t(u64, r->pull.nr_dirty, 1, RFO_PULL_WINDOW);
	win = rfo_alloc_pages(nr_win);
	err = win ? 0 : -ENOMEM;
	if (!err && rfo_stopping(r))
		err = -EINTR;
	if (!err)
		err = rfo_conn_setup(c);
	if (err)
		goto fail;
	param.rnr_retry_count = 7;
	param.responder_resources = min_t(u32, RFO_PULL_RD_DEPTH,
					  c->dev->attrs.max_qp_rd_atom);
	param.initiator_depth = min_t(u32, RFO_PULL_RD_DEPTH,
				      c->dev->attrs.max_qp_init_rd_atom);
	rdma_lock_handler(c->cm_id);
	err = rdma_accept(c->cm_id, &param);
	rdma_unlock_handler(c->cm_id);
	if (err)
		goto fail;
	accepted = true;
	err = rfo_conn_wait_cm(c, RDMA_CM_EVENT_ESTABLISHED, RFO_ACCEPT_WAIT);
	if (!err)
		err = rfo_source_serve(r, c, win, nr_win);
fail:
	if (err) {
		rfo_stat_add(r, RFO_STAT_NR_PULL_ERRORS, 1);
		pr_warn_ratelimited("%s: serving the pull failed: %d\n",
				    r->name, err);
	}
	if (!accepted)
		rfo_cm_reject(c->cm_id, RFO_WIRE_REJ_NOMEM, r->nr_pages);
	rfo_set_conn(r, NULL);
	/* deregisters the window before its pages go */
	rfo_conn_destroy(c);
	rfo_free_pages(win, nr_win);
	if (!rfo_stopping(r))
		rfo_replica_set_state(r, RFO_LISTENING);
}

/**
 * rfo_source_start() - track the file, write the baseline, listen.
 * @r: the replica, stopped, role source, baseline set
 *
 * Context: process context, @r->lock held, the works quiesced; sleeps
 * while the whole file is written to the baseline.
 * Return: 0 or -errno.
 */
int rfo_source_start(struct rfo_replica *r)
{
	struct msched_dirty *d;
	struct rdma_cm_id *id;
	int err;

	if (!r->baseline) {
		pr_warn("%s: a source needs a baseline path (write it to baseline)\n",
			r->name);
		return -EINVAL;
	}
	r->nr_pages = msched_file_nr_pages(r->file);
	r->pull.map_bytes = msched_repl_bitmap_bytes(r->nr_pages);
	if (!r->pull.map_bytes)
		return -EINVAL;
	r->pull.map_alloc = round_up(r->pull.map_bytes, PAGE_SIZE);
	r->pull.map = (u8 *)__get_free_pages(GFP_KERNEL | __GFP_ZERO,
					     get_order(r->pull.map_alloc));
	if (!r->pull.map)
		return -ENOMEM;
	r->pull.nr_dirty = 0;
	d = msched_dirty_start(r->file);
	if (IS_ERR(d)) {
		err = PTR_ERR(d);
		pr_warn("%s: cannot track the file's writes: %d\n", r->name,
			err);
		goto err;
	}
	r->dirty = d;
	r->epoch = 0;
	err = rfo_source_baseline(r);
	if (err)
		goto err;
	rfo_stat_set(r, RFO_STAT_DIRTY_PAGES, 0);
	id = rfo_cm_listen(r);
	if (IS_ERR(id)) {
		err = PTR_ERR(id);
		pr_warn("%s: cannot listen on %pISpc: %d\n", r->name, &r->peer,
			err);
		goto err;
	}
	r->listen_id = id;
	rfo_replica_set_state(r, RFO_LISTENING);
	rfo_queue_delayed(r, &r->epoch_work,
			  msecs_to_jiffies(READ_ONCE(r->epoch_ms)));
	return 0;
err:
	rfo_source_stop(r);
	return err;
}

/**
 * rfo_source_stop() - stop listening, drop a pull, stop tracking.
 * @r: the replica
 *
 * Context: process context, @r->lock held, the works quiesced.
 */
void rfo_source_stop(struct rfo_replica *r)
{
	struct rfo_conn *c = r->conn;
	struct rdma_cm_id *id;

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
	if (r->dirty)
		msched_dirty_stop(r->dirty);
	r->dirty = NULL;
	if (r->pull.map)
		free_pages((unsigned long)r->pull.map,
			   get_order(r->pull.map_alloc));
	r->pull.map = NULL;
}

/* ---- recovery ---- */

/* Fill the file from the baseline image. */
static int rfo_recovery_baseline(struct rfo_replica *r)
{
	u64 t0 = ktime_get_ns(), idx = 0, ns;
	struct file *bf;
	loff_t size, pos = 0;
	void *buf = NULL;
	int err = 0;

	bf = filp_open(r->baseline, O_RDONLY | O_LARGEFILE, 0);
	if (IS_ERR(bf)) {
		err = PTR_ERR(bf);
		pr_warn("%s: cannot open the baseline %s: %d\n", r->name,
			r->baseline, err);
		return err;
	}
	size = i_size_read(file_inode(bf));
	if (size != (loff_t)r->nr_pages << PAGE_SHIFT) {
		pr_warn("%s: the baseline %s has %lld bytes, the file %llu: accepted: a baseline of the file's size\n",
			r->name, r->baseline, size, r->nr_pages << PAGE_SHIFT);
		err = -EINVAL;
		goto out;
	}
	buf = vmalloc(RFO_BASELINE_RUN * PAGE_SIZE);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	while (idx < r->nr_pages) {
		u32 run = min_t(u64, RFO_BASELINE_RUN, r->nr_pages - idx), i;
		ssize_t n = kernel_read(bf, buf, (size_t)run << PAGE_SHIFT,
					&pos);

		if (n != (ssize_t)run << PAGE_SHIFT) {
			err = n < 0 ? n : -EIO;
			pr_warn("%s: reading the baseline %s failed at page %llu: %d\n",
				r->name, r->baseline, idx, err);
			goto out;
		}
		for (i = 0; i < run; i++) {
			err = msched_file_write_page(r->file, idx + i,
						     buf + i * PAGE_SIZE);
			if (err)
				goto out;
		}
		idx += run;
		if (rfo_stopping(r)) {
			err = -EINTR;
			goto out;
		}
		cond_resched();
	}
	ns = ktime_get_ns() - t0;
	rfo_stat_add(r, RFO_STAT_NR_BASELINE_PAGES, idx);
	rfo_stat_set(r, RFO_STAT_LAST_BASELINE_NS, ns);
	trace_rfo_baseline(r->name, false, idx, ns, 0);
out:
	vfree(buf);
	filp_close(bf, NULL);
	return err;
}

static void rfo_log_pull_reject(struct rfo_replica *r, struct rfo_conn *c)
{
	struct msched_repl_msg m;
	int err;

	rfo_stat_add(r, RFO_STAT_NR_REJECTS, 1);
	err = c->rej_len ? msched_repl_decode(c->rej, c->rej_len, &m) :
			   -MSCHED_REPL_ESHORT;
	if (err < 0 || m.type != RFO_WIRE_MSG_REJECT)
		pr_warn("%s: %pISpc refused the pull (no source there?)\n",
			r->name, &r->peer);
	else if (m.u.reject.reason == RFO_WIRE_REJ_NR_PAGES)
		pr_warn("%s: the source refused the pull: its file has %llu pages, this one %llu\n",
			r->name, m.u.reject.nr_pages, r->nr_pages);
	else
		pr_warn("%s: the source refused the pull: %s\n", r->name,
			msched_repl_reason_name(m.u.reject.reason));
}

/* DMA-mapped local pages a recovery host READs into. */
struct rfo_pull_buf {
	struct ib_device *dev;
	struct page **pages;
	u64 *dma;
	u32 nr;
	void *map;
	u64 map_dma;
	u32 map_bytes;
};

/*
 * Unmapped and freed after the connection is gone (no READ lands in them
 * any more); the device reference taken at allocation keeps the device
 * registered until then.
 */
static void rfo_pull_buf_free(struct rfo_pull_buf *b)
{
	struct ib_device *dev = b->dev;
	u32 i;

	if (dev && b->dma) {
		for (i = 0; i < b->nr; i++)
			if (b->dma[i])
				ib_dma_unmap_page(dev, b->dma[i], PAGE_SIZE,
						  DMA_FROM_DEVICE);
	}
	kfree(b->dma);
	rfo_free_pages(b->pages, b->nr);
	if (dev && b->map_dma)
		ib_dma_unmap_single(dev, b->map_dma, b->map_bytes,
				    DMA_FROM_DEVICE);
	kfree(b->map);
	if (dev)
		ib_device_put(dev);
}

static int rfo_pull_buf_alloc(struct rfo_conn *c, struct rfo_pull_buf *b,
			      u32 nr, u32 map_bytes)
{
	u32 i;

	if (!ib_device_try_get(c->dev))
		return -ENODEV;
	b->dev = c->dev;
	b->nr = nr;
	b->map_bytes = map_bytes;
	b->pages = rfo_alloc_pages(nr);
	b->dma = kcalloc(nr, sizeof(*b->dma), GFP_KERNEL);
	b->map = kmalloc(map_bytes, GFP_KERNEL);
	if (!b->pages || !b->dma || !b->map)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		u64 dma = ib_dma_map_page(c->dev, b->pages[i], 0, PAGE_SIZE,
					  DMA_FROM_DEVICE);

		if (ib_dma_mapping_error(c->dev, dma))
			return -ENOMEM;
		b->dma[i] = dma;
	}
	b->map_dma = ib_dma_map_single(c->dev, b->map, map_bytes,
				       DMA_FROM_DEVICE);
	if (ib_dma_mapping_error(c->dev, b->map_dma)) {
		b->map_dma = 0;
		return -ENOMEM;
	}
	return 0;
}

static int rfo_recv_pull(struct rfo_replica *r, struct rfo_conn *c,
			 struct msched_repl_msg *m, const char *what)
{
	int err = rfo_conn_recv(c, m, rfo_pull_timeout(r));

	if (err <= -MSCHED_REPL_EBASE) {
		rfo_bad_message(r, what, err);
		return -EPROTO;
	}
	if (err == -ETIMEDOUT)
		pr_warn("%s: no %s from the source in %u ms\n", r->name, what,
			READ_ONCE(r->timeout_ms));
	return err;
}

/* The pull proper, on an established @c. */
static int rfo_recovery_transfer(struct rfo_replica *r, struct rfo_conn *c,
				 struct rfo_pull_buf *b, u64 *nr_pulled)
{
	struct msched_repl_msg *pl = &c->regions, m;
	u64 from = 0, got = 0, nr_dirty;
	u32 w = 0, i;
	int err;

	err = rfo_recv_pull(r, c, pl, "PULL_LIST");
	if (err)
		return err;
	if (pl->type != RFO_WIRE_MSG_PULL_LIST)
		err = -MSCHED_REPL_ETYPE;
	else
		err = msched_repl_check_pull_list(pl, r->nr_pages);
	if (err) {
		rfo_bad_message(r, "PULL_LIST", err);
		return -EPROTO;
	}
	/* keep the chunks: c->msg is reused by the next receive */
	memcpy(c->regions_buf, c->msg, pl->length);
	pl->u.pull_list.raw_chunks = c->regions_buf +
				     RFO_WIRE_PULL_LIST_FIXED_LEN;
	nr_dirty = pl->u.pull_list.nr_dirty;
	trace_rfo_pull(r->name, false, "start", nr_dirty, 0, 0, 0);

	err = rfo_pull_buf_alloc(c, b, pl->u.pull_list.nr_slots,
				 pl->u.pull_list.list_bytes);
	if (err)
		return err;
	err = rfo_conn_read_buf(c, b->map_dma, b->map_bytes,
				pl->u.pull_list.list_addr,
				pl->u.pull_list.list_rkey);
	if (err)
		return err;
	ib_dma_sync_single_for_cpu(c->dev, b->map_dma, b->map_bytes,
				   DMA_FROM_DEVICE);
	err = msched_repl_bitmap_check(b->map, b->map_bytes, r->nr_pages,
				       nr_dirty);
	if (err) {
		rfo_bad_message(r, "dirty bitmap", err);
		return -EPROTO;
	}

	while (got < nr_dirty) {
		u32 count = min_t(u64, b->nr, nr_dirty - got);
		u64 tw = ktime_get_ns();

		err = rfo_recv_pull(r, c, &m, "WINDOW");
		if (err)
			return err;
		err = msched_repl_check_window(&m, w, count);
		if (err) {
			rfo_bad_message(r, "WINDOW", err);
			return -EPROTO;
		}
		err = rfo_conn_read_slots(c, pl, count, b->dma);
		if (err)
			return err;
		for (i = 0; i < count; i++) {
			u64 idx = msched_repl_bitmap_next(b->map, r->nr_pages,
							  from);

			/* the bitmap was counted: count bits remain */
			if (WARN_ON_ONCE(idx >= r->nr_pages))
				return -EINVAL;
			ib_dma_sync_single_for_cpu(c->dev, b->dma[i],
						   PAGE_SIZE, DMA_FROM_DEVICE);
			err = msched_file_write_page(r->file, idx,
						     page_address(b->pages[i]));
			if (err)
				return err;
			ib_dma_sync_single_for_device(c->dev, b->dma[i],
						      PAGE_SIZE,
						      DMA_FROM_DEVICE);
			from = idx + 1;
		}
		m.type = RFO_WIRE_MSG_WINDOW_ACK;
		m.u.window.window = w;
		m.u.window.count = 0;
		err = rfo_conn_send(c, &m);
		if (err)
			return err;
		trace_rfo_pull_window(r->name, false, w, count,
				      div_u64(ktime_get_ns() - tw,
					      NSEC_PER_USEC));
		got += count;
		w++;
	}
	err = rfo_recv_pull(r, c, &m, "PULL_DONE");
	if (err)
		return err;
	err = msched_repl_check_pull_done(&m, got, w);
	if (err) {
		rfo_bad_message(r, "PULL_DONE", err);
		return -EPROTO;
	}
	*nr_pulled = got;
	if (m.u.pull_done.flags & RFO_WIRE_PULL_F_CHANGED) {
		pr_warn("%s: the source's file was written during the pull: the image is not one instant; pull again once its VMM is stopped\n",
			r->name);
		return -ESTALE;
	}
	return 0;
}

/**
 * rfo_recovery_pull() - the pull command: baseline, then RDMA READ.
 * @r: the replica
 *
 * Fills the file from the baseline, connects to the source at peer, reads
 * its dirty bitmap and the pages it names. Success: state recovered. Any
 * failure: state stopped again, stats/nr_pull_errors counted, a log line;
 * the file is then partly filled (pull again).
 *
 * Context: process context, @r->lock held; sleeps (every wait for the
 * source is bounded by timeout_ms or the rdma_cm timeouts).
 * Return: 0; -EINVAL (not a stopped recovery replica with a baseline, or a
 * baseline of another size), -EBUSY (not stopped), -EDESTADDRREQ (no
 * peer), -ENOENT and other errors of opening the baseline,
 * -ECONNREFUSED (no source there, or it refused), -ETIMEDOUT, -EPROTO (a
 * bad message or bitmap), -ESTALE (the source's file changed meanwhile).
 */
int rfo_recovery_pull(struct rfo_replica *r)
{
	struct msched_repl_msg hello = { .type = RFO_WIRE_MSG_HELLO };
	struct rfo_pull_buf b = {};
	u64 t0 = ktime_get_ns(), ns, pulled = 0;
	struct rfo_conn *c;
	int err;

	lockdep_assert_held(&r->lock);
	if (r->removed)
		return -ENODEV;
	if (r->role != RFO_ROLE_RECOVERY) {
		pr_info("%s: pull: accepted on a recovery replica only\n",
			r->name);
		return -EINVAL;
	}
	if (r->state != RFO_STOPPED)
		return -EBUSY;
	if (!r->peer.sin_port)
		return -EDESTADDRREQ;
	if (!r->baseline) {
		pr_warn("%s: pull needs a baseline path (write it to baseline)\n",
			r->name);
		return -EINVAL;
	}
	spin_lock_bh(&r->ev_lock);
	r->stopping = false;
	spin_unlock_bh(&r->ev_lock);
	r->nr_pages = msched_file_nr_pages(r->file);
	rfo_replica_set_state(r, RFO_PULLING);

	err = rfo_recovery_baseline(r);
	if (err)
		goto out;
	c = rfo_conn_new(r, NULL);
	if (IS_ERR(c)) {
		err = PTR_ERR(c);
		goto out;
	}
	rfo_set_conn(r, c);
	hello.u.hello.page_size = RFO_WIRE_PAGE_SIZE;
	hello.u.hello.flags = RFO_WIRE_HELLO_F_PULL;
	hello.u.hello.nr_pages = r->nr_pages;
	hello.u.hello.generation = get_random_u64() ?: 1;
	err = rfo_conn_connect(c, &hello, RFO_PULL_RD_DEPTH);
	if (err == -ECONNREFUSED)
		rfo_log_pull_reject(r, c);
	else if (err)
		pr_warn("%s: connecting to the source %pISpc failed: %d\n",
			r->name, &r->peer, err);
	if (!err)
		err = rfo_recovery_transfer(r, c, &b, &pulled);
	rfo_set_conn(r, NULL);
	/* drained first: no READ lands in the buffers once they are freed */
	rfo_conn_destroy(c);
	rfo_pull_buf_free(&b);
out:
	ns = ktime_get_ns() - t0;
	spin_lock_bh(&r->ev_lock);
	r->stopping = true;
	spin_unlock_bh(&r->ev_lock);
	trace_rfo_pull(r->name, false, err ? "failed" : "end", 0, pulled, 0,
		       ns);
	if (err) {
		rfo_stat_add(r, RFO_STAT_NR_PULL_ERRORS, 1);
		pr_warn("%s: pull failed: %d\n", r->name, err);
		rfo_replica_set_state(r, RFO_STOPPED);
		return err;
	}
	rfo_stat_add(r, RFO_STAT_NR_PULLS, 1);
	rfo_stat_add(r, RFO_STAT_NR_PULL_PAGES, pulled);
	rfo_stat_add(r, RFO_STAT_NR_PULL_BYTES, pulled * RFO_WIRE_PAGE_SIZE);
	rfo_stat_set(r, RFO_STAT_LAST_PULL_NS, ns);
	pr_info("%s: recovered: %llu pages from the baseline, %llu pulled, in %llu ms\n",
		r->name, r->nr_pages, pulled, div_u64(ns, NSEC_PER_MSEC));
	rfo_replica_set_state(r, RFO_RECOVERED);
	return 0;
}
