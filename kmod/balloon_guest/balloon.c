// SPDX-License-Identifier: GPL-2.0
/*
 * balloon_guest: the balloon.
 *
 * A work item drives the balloon toward target_pages, the size the host
 * asked for. Pages are taken with balloon_page_alloc() (NORETRY: it never
 * invokes the OOM killer) and leave the guest's managed memory, like
 * virtio-balloon without DEFLATE_ON_OOM, so MemTotal and MemAvailable show
 * the balloon. Compaction may move balloon pages (migratepage) and the OOM
 * notifier gives some back.
 *
 * Every change of membership goes into the ordered log (log.c) under the
 * balloon lock, and only the work sends the log. The OOM notifier and
 * compaction only append and kick the work; they never send, because
 * sending allocates and may wait for the OOM path itself.
 *
 * Settling. The host releases the memory behind a page when it processes
 * the INFLATED for it. A page given back to the guest before that could be
 * written and then released under the guest's feet. So no page leaves the
 * balloon (deflate, OOM, the old page of a migration) while the balloon is
 * unsettled: while an INFLATED is still in the log, or was sent but
 * not yet acknowledged (an ACK for it or a later message; the host handles
 * messages in order and acknowledges every INFLATED and DEFLATED once it
 * is done with it). A host that acknowledges nothing for
 * BGUEST_ACK_TIMEOUT_S while messages wait is taken for dead
 * (bguest_log_stale()) and the channel is hung up.
 *
 * On disconnect the balloon is emptied and the log dropped: the host that
 * asked for the pages is gone, and the next one starts afresh. But a host
 * may still act on an INFLATED it had read when the connection ended (the
 * guest hung up, or the host is slow to notice), so the pages of INFLATEDs
 * sent and not acknowledged are not given back: they are held, out of the
 * balloon and out of the guest's allocator, until a host acknowledges a
 * new connection's HELLO. memsched does that only after the channel it
 * replaces can release nothing more. Every other page goes back at once.
 * While the balloon is emptied, nothing else takes pages out of it (not the
 * work's deflate, not the OOM notifier): only the emptying knows which
 * pages are held.
 * Pages still held at unload are never given back (a leak, logged).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/balloon_compaction.h>
#include <linux/bsearch.h>
#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/oom.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/stringify.h>
#include <linux/vmstat.h>
#include <linux/workqueue.h>

#include "balloon_guest.h"
#include "trace.h"

/* Log room compaction may use between two runs of the work. */
#define BGUEST_LOG_MIGRATE	64
/* Retry after an allocation failed ("out of puff", like virtio-balloon). */
#define BGUEST_RETRY_MS		200
/* Check again this often while waiting to settle or for isolated pages. */
#define BGUEST_POLL_MS		20
/* Batches per run of the work before it yields the worker. */
#define BGUEST_BATCHES_PER_RUN	16
/* Pages per lock hold when deflating everything. */
#define BGUEST_DRAIN_CHUNK	1024

/**
 * bguest_balloon_pages() - current balloon size.
 * @bg: the driver
 *
 * Context: any.
 * Return: pages in the balloon, isolated ones included.
 */
u64 bguest_balloon_pages(struct bguest *bg)
{
	return READ_ONCE(bg->balloon.nr_pages);
}

/**
 * bguest_balloon_target() - balloon size the driver converges to.
 * @bg: the driver
 *
 * Context: any.
 * Return: the target in pages (0 when no host is connected).
 */
u64 bguest_balloon_target(struct bguest *bg)
{
	return READ_ONCE(bg->balloon.target_pages);
}

static void bguest_balloon_queue(struct bguest_balloon *b,
				 unsigned long delay, bool now)
{
	spin_lock(&b->log_lock);
	if (!b->log.stopping) {
		if (now)
			mod_delayed_work(system_freezable_wq, &b->work, 0);
		else
			queue_delayed_work(system_freezable_wq, &b->work, delay);
	}
	spin_unlock(&b->log_lock);
}

static void bguest_balloon_kick(struct bguest_balloon *b)
{
	bguest_balloon_queue(b, 0, true);
}

/* Give pages taken out of the balloon back to the guest. */
static void bguest_balloon_release(struct list_head *pages)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, pages, lru) {
		list_del(&page->lru);
		adjust_managed_page_count(page, 1);
		put_page(page);		/* the balloon's reference */
	}
}

static void bguest_balloon_count_batch(struct bguest *bg, bool inflate,
				       u32 nr, u64 t0)
{
	struct bguest_balloon *b = &bg->balloon;
	u64 ns = ktime_get_ns() - t0;
	u64 pages = READ_ONCE(b->nr_pages);
	u64 target = READ_ONCE(b->target_pages);

	if (inflate) {
		atomic64_add(nr, &bg->ctr.nr_inflated_pages);
		atomic64_set(&b->last_inflate_ns, ns);
		trace_bguest_inflate(nr, ns, pages, target);
	} else {
		atomic64_add(nr, &bg->ctr.nr_deflated_pages);
		atomic64_set(&b->last_deflate_ns, ns);
		trace_bguest_deflate(nr, ns, pages, target);
	}
	bguest_publish(bg, BGUEST_EV_BALLOON);
}

/*
 * Inflate by up to @want pages (one message's worth). Return: 0; -ENOMEM
 * if an allocation failed (retry later); -EBUSY when the window is full
 * (what is logged goes out after the next ACK); or the send error.
 */
static int bguest_balloon_inflate(struct bguest *bg, u64 want)
{
	struct bguest_balloon *b = &bg->balloon;
	u32 nr = min_t(u64, want, MSCHED_BALLOON_MAX_GFNS);
	u32 got, done = 0;
	u64 limit = 0;
	u64 t0 = ktime_get_ns();
	bool short_alloc = false;
	struct page *page;
	LIST_HEAD(pages);
	int ret = 0;

	if (bguest_log_grow(bg, 2ULL * nr + BGUEST_LOG_MIGRATE)) {
		atomic64_inc(&bg->ctr.nr_alloc_failures);
		return -ENOMEM;
	}
	/* No lock held: the allocation may reclaim (never OOM: NORETRY). */
	for (got = 0; got < nr; got++) {
		page = bguest_fallible(bg, balloon_page_alloc());
		if (!page) {
			short_alloc = true;
			break;
		}
		balloon_page_push(&pages, page);
	}
	if (short_alloc)
		atomic64_inc(&bg->ctr.nr_alloc_failures);

	mutex_lock(&b->lock);
	if (b->connected && b->target_pages > b->nr_pages) {
		spin_lock(&b->log_lock);
		limit = __bguest_log_room(b) / 2;	/* an entry and an exit */
		spin_unlock(&b->log_lock);
		limit = min3(limit, (u64)got, b->target_pages - b->nr_pages);
	}
	while (done < limit && (page = balloon_page_pop(&pages))) {
		balloon_page_enqueue(&b->info, page);
		adjust_managed_page_count(page, -1);
		bguest_log_add(b, page_to_pfn(page));
		WRITE_ONCE(b->nr_pages, b->nr_pages + 1);
		done++;
	}
	mutex_unlock(&b->lock);

	/* What the target, the log or the connection had no use for. */
	while ((page = balloon_page_pop(&pages)))
		put_page(page);
	if (done) {
		ret = bguest_log_flush(bg);
		bguest_balloon_count_batch(bg, true, done, t0);
	}
	if (ret)
		return ret;
	return short_alloc ? -ENOMEM : 0;
}

/*
 * Deflate by up to @excess pages (one message's worth); the host learns
 * before the pages are reused, or the DEFLATED waits in the log behind a
 * full window (the pages are settled either way: the host releases nothing
 * for them any more). Return: 0; -EINPROGRESS while unsettled; -EAGAIN if
 * every candidate page is isolated by compaction; or the send error.
 */
static int bguest_balloon_deflate(struct bguest *bg, u64 excess)
{
	struct bguest_balloon *b = &bg->balloon;
	u32 nr = min_t(u64, excess, MSCHED_BALLOON_MAX_GFNS);
	u64 t0 = ktime_get_ns();
	struct page *page;
	LIST_HEAD(pages);
	size_t got = 0;
	int ret = 0;

	mutex_lock(&b->lock);
	/*
	 * Disconnected: bguest_balloon_disconnect() is emptying the balloon,
	 * and it alone knows which pages the old host may still release.
	 */
	if (!b->connected) {
		mutex_unlock(&b->lock);
		return 0;
	}
	spin_lock(&b->log_lock);
	if (!__bguest_log_settled(b)) {
		spin_unlock(&b->log_lock);
		mutex_unlock(&b->lock);
		return -EINPROGRESS;
	}
	spin_unlock(&b->log_lock);
	nr = min_t(u64, nr, b->nr_pages > b->target_pages ?
		   b->nr_pages - b->target_pages : 0);
	if (nr)
		got = balloon_page_list_dequeue(&b->info, &pages, nr);
	list_for_each_entry(page, &pages, lru)
		bguest_log_add(b, page_to_pfn(page) | BGUEST_LOG_DEFLATE);
	WRITE_ONCE(b->nr_pages, b->nr_pages - got);
	mutex_unlock(&b->lock);

	if (got)
		ret = bguest_log_flush(bg);
	bguest_balloon_release(&pages);
	if (got)
		bguest_balloon_count_batch(bg, false, got, t0);
	if (ret && ret != -EBUSY)
		return ret;
	return nr && !got ? -EAGAIN : ret;
}

static void bguest_balloon_work_fn(struct work_struct *work)
{
	struct bguest *bg = container_of(to_delayed_work(work), struct bguest,
					 balloon.work);
	struct bguest_balloon *b = &bg->balloon;
	unsigned long delay = 0;
	u64 pages, target;
	int i, ret;

	for (i = 0; i < BGUEST_BATCHES_PER_RUN; i++) {
		/* What OOM and compaction logged, and room for this batch. */
		ret = bguest_log_flush(bg);
		if (ret && ret != -EBUSY)
			return;	/* disconnecting; the channel thread cleans up */
		pages = READ_ONCE(b->nr_pages);
		target = READ_ONCE(b->target_pages);
		if (ret)
			;	/* the window is full: wait for an ACK */
		else if (pages < target && READ_ONCE(b->connected))
			ret = bguest_balloon_inflate(bg, target - pages);
		else if (pages > target && READ_ONCE(b->connected))
			ret = bguest_balloon_deflate(bg, pages - target);
		else
			return;
		if (ret == -ENOMEM) {
			delay = msecs_to_jiffies(BGUEST_RETRY_MS);
			break;
		}
		if ((ret == -EINPROGRESS || ret == -EBUSY) && bguest_log_stale(b)) {
			bguest_chan_hangup(bg, "the host acknowledged nothing for "
					   __stringify(BGUEST_ACK_TIMEOUT_S) " s");
			delay = msecs_to_jiffies(BGUEST_POLL_MS);
			break;
		}
		if (ret == -EINPROGRESS || ret == -EAGAIN || ret == -EBUSY) {
			delay = msecs_to_jiffies(BGUEST_POLL_MS);
			break;
		}
		if (ret)
			return;
		cond_resched();
	}
	/* More to do: yield the worker, or wait for memory, acks, compaction. */
	bguest_balloon_queue(b, delay, false);
}

/**
 * bguest_balloon_on_set_target() - SET_TARGET: the host asked for a size.
 * @bg: the driver
 * @m: the message; target_pages is the size in pages
 *
 * Context: process context (the channel thread); takes the balloon lock.
 * Return: 0.
 */
int bguest_balloon_on_set_target(struct bguest *bg,
				 const struct msched_proto_msg *m)
{
	struct bguest_balloon *b = &bg->balloon;
	u64 target_pages = m->target_pages;
	bool changed;
	u64 pages;

	mutex_lock(&b->lock);
	changed = b->connected && b->target_pages != target_pages;
	if (changed)
		WRITE_ONCE(b->target_pages, target_pages);
	pages = b->nr_pages;
	mutex_unlock(&b->lock);
	trace_bguest_target(target_pages, pages);
	if (changed) {
		bguest_publish(bg, BGUEST_EV_BALLOON);
		bguest_balloon_kick(b);
	}
	return 0;
}

/**
 * bguest_balloon_on_ack() - ACK: the host handled one of our messages.
 * @bg: the driver
 * @m: the message; ack.seq is the sequence number of ours it handled (the
 *	host handles messages in order, so every earlier one was handled
 *	too), ack.status is negative if the host rejected it
 *
 * A rejection is counted and logged, rate-limited; the connection stays.
 *
 * Context: process context (the channel thread); takes the log lock.
 * Return: 0.
 */
int bguest_balloon_on_ack(struct bguest *bg, const struct msched_proto_msg *m)
{
	struct bguest_balloon *b = &bg->balloon;

	/* The work may wait to settle or for the window. */
	if (bguest_log_acked(b, m->ack.seq))
		bguest_balloon_kick(b);
	if (m->ack.status >= 0)
		return 0;
	atomic64_inc(&bg->ctr.nr_host_rejects);
	pr_warn_ratelimited("host rejected message seq %u: %s\n", m->ack.seq,
			    msched_proto_strerror(m->ack.status));
	return 0;
}

/**
 * bguest_balloon_connect() - a host connected.
 * @bg: the driver
 * @session: the channel session its messages belong to (non-zero)
 *
 * The balloon is empty (bguest_balloon_disconnect() emptied it), so the
 * new host and the guest agree from the start.
 *
 * Context: process context (the channel thread); takes the balloon lock.
 */
void bguest_balloon_connect(struct bguest *bg, u64 session)
{
	struct bguest_balloon *b = &bg->balloon;

	mutex_lock(&b->lock);
	WARN_ON_ONCE(b->nr_pages);
	spin_lock(&b->log_lock);
	__bguest_log_reset(b, session);
	spin_unlock(&b->log_lock);
	WRITE_ONCE(b->connected, true);
	mutex_unlock(&b->lock);
}

static int bguest_pfn_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Empty the balloon without telling anyone; waits for isolated pages. The
 * @nr_unsure pages at @unsure (sorted pfns) go to the held list, the rest
 * back to the guest. Return: pages given back.
 */
static u64 bguest_balloon_drain(struct bguest *bg, const u64 *unsure,
				u32 nr_unsure)
{
	struct bguest_balloon *b = &bg->balloon;
	u64 t0 = ktime_get_ns(), total = 0;
	struct page *page, *next;
	size_t n, got;

	while (READ_ONCE(b->nr_pages)) {
		LIST_HEAD(pages);

		mutex_lock(&b->lock);
		n = balloon_page_list_dequeue(&b->info, &pages,
					      BGUEST_DRAIN_CHUNK);
		WRITE_ONCE(b->nr_pages, b->nr_pages - n);
		mutex_unlock(&b->lock);
		got = n;
		list_for_each_entry_safe(page, next, &pages, lru) {
			u64 pfn = page_to_pfn(page);

			if (!nr_unsure || !bsearch(&pfn, unsure, nr_unsure,
						   sizeof(*unsure),
						   bguest_pfn_cmp))
				continue;
			list_move(&page->lru, &b->held);
			WRITE_ONCE(b->nr_held, b->nr_held + 1);
			got--;
		}
		bguest_balloon_release(&pages);
		total += got;
		/* Pages isolated by compaction come back (putback) soon. */
		if (!n)
			msleep(BGUEST_POLL_MS);
		cond_resched();
	}
	if (total)
		bguest_balloon_count_batch(bg, false, total, t0);
	return total;
}

/**
 * bguest_balloon_disconnect() - the host went away: deflate everything.
 * @bg: the driver
 * @heldp: set to the pages now held (see the top of this file), all
 *	connections included
 *
 * The target drops to 0 and the log is dropped. Every page goes back to
 * the guest, including pages compaction had isolated (it waits for them),
 * except those of INFLATEDs sent and not acknowledged: the host may still
 * release them, so they are held until bguest_balloon_host_confirmed().
 *
 * Context: process context (the channel thread, or unload after it
 * stopped); takes the balloon lock; may sleep.
 * Return: the number of pages given back.
 */
u64 bguest_balloon_disconnect(struct bguest *bg, u64 *heldp)
{
	struct bguest_balloon *b = &bg->balloon;
	u32 nr;
	u64 ret;

	mutex_lock(&b->lock);
	WRITE_ONCE(b->connected, false);
	WRITE_ONCE(b->target_pages, 0);
	spin_lock(&b->log_lock);
	/* At most BGUEST_WINDOW messages of MSCHED_BALLOON_MAX_GFNS each. */
	nr = __bguest_log_unacked_inflated(b, b->unsure, BGUEST_WINDOW *
					   MSCHED_BALLOON_MAX_GFNS);
	__bguest_log_reset(b, 0);
	spin_unlock(&b->log_lock);
	mutex_unlock(&b->lock);

	sort(b->unsure, nr, sizeof(*b->unsure), bguest_pfn_cmp, NULL);
	ret = bguest_balloon_drain(bg, b->unsure, nr);
	*heldp = READ_ONCE(b->nr_held);
	return ret;
}

/**
 * bguest_balloon_host_confirmed() - a host acknowledged our HELLO.
 * @bg: the driver
 *
 * memsched acknowledges HELLO only once no earlier channel from this guest
 * can release anything any more, so the held pages go back to the guest.
 *
 * Context: process context (the channel thread).
 * Return: the number of pages given back.
 */
u64 bguest_balloon_host_confirmed(struct bguest *bg)
{
	struct bguest_balloon *b = &bg->balloon;
	u64 nr = READ_ONCE(b->nr_held);
	LIST_HEAD(pages);

	if (!nr)
		return 0;
	list_splice_init(&b->held, &pages);
	WRITE_ONCE(b->nr_held, 0);
	bguest_balloon_release(&pages);
	atomic64_add(nr, &bg->ctr.nr_deflated_pages);
	bguest_publish(bg, BGUEST_EV_BALLOON);
	return nr;
}

/*
 * Compaction moves a balloon page: @newpage enters the balloon, @page
 * leaves it (and is freed by the caller). Both are logged for the host.
 * Giving up is always allowed (-EAGAIN): the page is put back.
 */
static int bguest_balloon_migratepage(struct balloon_dev_info *info,
				      struct page *newpage, struct page *page,
				      enum migrate_mode mode)
{
	struct bguest *bg = container_of(info, struct bguest, balloon.info);
	struct bguest_balloon *b = &bg->balloon;
	unsigned long flags;
	bool ok;

	/*
	 * Never wait for the balloon lock: its holder may be compacting
	 * (virtio-balloon does the same).
	 */
	if (!mutex_trylock(&b->lock))
		return -EAGAIN;
	ok = b->connected;
	if (ok) {
		spin_lock(&b->log_lock);
		ok = __bguest_log_settled(b) && __bguest_log_room(b) >= 2;
		if (ok) {
			__bguest_log_add(b, page_to_pfn(newpage));
			__bguest_log_add(b, page_to_pfn(page) |
					 BGUEST_LOG_DEFLATE);
		}
		spin_unlock(&b->log_lock);
	}
	if (!ok) {
		mutex_unlock(&b->lock);
		return -EAGAIN;
	}

	get_page(newpage);	/* the balloon's reference */
	/* Inflating took the page from its zone's managed count. */
	if (page_zone(page) != page_zone(newpage)) {
		adjust_managed_page_count(page, 1);
		adjust_managed_page_count(newpage, -1);
	}
	spin_lock_irqsave(&info->pages_lock, flags);
	balloon_page_insert(info, newpage);
	info->isolated_pages--;
	__count_vm_event(BALLOON_MIGRATE);
	spin_unlock_irqrestore(&info->pages_lock, flags);
	mutex_unlock(&b->lock);

	balloon_page_finalize(page);
	put_page(page);		/* the balloon's reference */
	atomic64_inc(&bg->ctr.nr_migrated_pages);
	bguest_balloon_kick(b);
	return MIGRATEPAGE_SUCCESS;
}

/* How long the OOM notifier waits for the host to acknowledge inflations. */
#define BGUEST_OOM_SETTLE_MS	1000

static bool bguest_balloon_settled(struct bguest_balloon *b)
{
	bool settled;

	spin_lock(&b->log_lock);
	settled = __bguest_log_settled(b);
	spin_unlock(&b->log_lock);
	return settled;
}

/*
 * Before the OOM notifier takes pages out: a balloon whose last INFLATEDs
 * the host has not acknowledged yet gives nothing back (balloon.c, top).
 * Under load the host can take a while, and the OOM killer would then run
 * with the balloon full. So stop inflating (the target becomes what the
 * balloon holds), let the work send what waits, and wait a bounded time
 * for the ACKs, as virtio_balloon's notifier waits for its host. Sending
 * may need memory itself: past the bound the notifier goes on unsettled.
 */
static void bguest_balloon_oom_settle(struct bguest_balloon *b)
{
	if (!READ_ONCE(b->connected) || bguest_balloon_settled(b))
		return;
	mutex_lock(&b->lock);
	if (b->target_pages > b->nr_pages)
		WRITE_ONCE(b->target_pages, b->nr_pages);
	mutex_unlock(&b->lock);
	bguest_balloon_kick(b);
	wait_event_timeout(b->settle_wq, bguest_balloon_settled(b),
			   msecs_to_jiffies(BGUEST_OOM_SETTLE_MS));
}

/*
 * Out of memory: give back up to oom_deflate_pages pages and lower the
 * target to what is left, so the work stops inflating; the host learns
 * from DEFLATED. Only appends to the log: sending could wait for memory.
 */
static int bguest_balloon_oom_notify(struct notifier_block *nb,
				     unsigned long unused, void *parm)
{
	struct bguest *bg = container_of(nb, struct bguest, balloon.oom_nb);
	struct bguest_balloon *b = &bg->balloon;
	u32 want = READ_ONCE(b->oom_deflate_pages), nr = want;
	unsigned long *freed = parm;
	bool logged, unsettled = false, lowered = false;
	struct page *page;
	LIST_HEAD(pages);
	size_t got = 0;
	u64 left;

	atomic64_inc(&bg->ctr.nr_oom_notifications);
	if (!want)
		return NOTIFY_OK;

	bguest_balloon_oom_settle(b);
	mutex_lock(&b->lock);
	logged = b->connected;
	if (logged) {
		spin_lock(&b->log_lock);
		/* Room for every page in the balloon is always there. */
		if (!__bguest_log_settled(b)) {
			unsettled = true;
			nr = 0;
		}
		spin_unlock(&b->log_lock);
	} else {
		/*
		 * bguest_balloon_disconnect() is emptying the balloon (it
		 * alone knows which pages the old host may still release).
		 */
		nr = 0;
	}
	if (nr && b->nr_pages)
		got = balloon_page_list_dequeue(&b->info, &pages, nr);
	if (logged)
		list_for_each_entry(page, &pages, lru)
			bguest_log_add(b, page_to_pfn(page) |
				       BGUEST_LOG_DEFLATE);
	left = b->nr_pages - got;
	WRITE_ONCE(b->nr_pages, left);
	if (b->target_pages > left) {
		WRITE_ONCE(b->target_pages, left);
		lowered = true;
	}
	mutex_unlock(&b->lock);

	bguest_balloon_release(&pages);
	*freed += got;
	trace_bguest_oom_deflate(got, want, left, unsettled);
	if (got) {
		atomic64_add(got, &bg->ctr.nr_oom_deflated_pages);
		atomic64_add(got, &bg->ctr.nr_deflated_pages);
		pr_info_ratelimited("out of memory: released %zu balloon pages, %llu left\n",
				    got, left);
	} else if (unsettled) {
		pr_info_ratelimited("out of memory: %llu balloon pages not released, the host may still be processing the last inflation\n",
				    left);
	}
	if (got || lowered) {
		bguest_publish(bg, BGUEST_EV_BALLOON);
		bguest_balloon_kick(b);
	}
	return NOTIFY_OK;
}

/**
 * bguest_balloon_init() - set up the empty balloon and its OOM notifier.
 * @bg: the driver
 *
 * Context: process context, module init; may sleep.
 * Return: 0 on success, -errno on failure (nothing is left behind).
 */
int bguest_balloon_init(struct bguest *bg)
{
	struct bguest_balloon *b = &bg->balloon;
	int ret;

	mutex_init(&b->lock);
	spin_lock_init(&b->log_lock);
	init_waitqueue_head(&b->settle_wq);
	balloon_devinfo_init(&b->info);
	if (IS_ENABLED(CONFIG_BALLOON_COMPACTION))
		b->info.migratepage = bguest_balloon_migratepage;
	INIT_DELAYED_WORK(&b->work, bguest_balloon_work_fn);
	INIT_LIST_HEAD(&b->held);
	b->oom_deflate_pages = 4096;

	ret = bguest_log_init(b);
	if (ret)
		return ret;
	ret = -ENOMEM;
	b->unsure = kvmalloc_array(BGUEST_WINDOW * MSCHED_BALLOON_MAX_GFNS,
				   sizeof(*b->unsure), GFP_KERNEL);
	if (!b->unsure)
		goto out_log_exit;

	b->oom_nb.notifier_call = bguest_balloon_oom_notify;
	ret = register_oom_notifier(&b->oom_nb);
	if (ret)
		goto out_free_unsure;
	return 0;

out_free_unsure:
	kvfree(b->unsure);
out_log_exit:
	bguest_log_exit(b);
	return ret;
}

/**
 * bguest_balloon_exit() - empty the balloon and tear it down.
 * @bg: the driver
 *
 * Called after the channel is gone. Waits for pages compaction holds, so
 * that no balloon page points at this module's migratepage any more.
 * Pages still held (no host confirmed that it is done with them) are never
 * given back: a host may yet release them, and a leak is better than data
 * silently replaced by zeroes.
 *
 * Context: process context, module exit; may sleep.
 */
void bguest_balloon_exit(struct bguest *bg)
{
	struct bguest_balloon *b = &bg->balloon;
	struct page *page, *next;
	u64 held;

	unregister_oom_notifier(&b->oom_nb);
	spin_lock(&b->log_lock);
	b->log.stopping = true;
	spin_unlock(&b->log_lock);
	cancel_delayed_work_sync(&b->work);
	bguest_balloon_disconnect(bg, &held);
	if (held)
		pr_warn("unload: %llu pages whose inflation the host never acknowledged stay out of use for good (the host may still release them)\n",
			held);
	list_for_each_entry_safe(page, next, &b->held, lru)
		list_del_init(&page->lru);
	kvfree(b->unsure);
	bguest_log_exit(b);
}
