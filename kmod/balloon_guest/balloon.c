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
 * The log. The host must see every change of the balloon's membership in
 * the order it happened: it rejects an INFLATED for a page it thinks is
 * ballooned and a DEFLATED for one it thinks is not, and a page that went
 * out and came back in (or the reverse) between two sends would otherwise
 * arrive in the wrong order. So each change is appended, under the balloon
 * lock and at the moment it happens, to one ordered log (a ring of pfns,
 * with a flag for "left the balloon"), and only the work sends the log, in
 * order, a run of one kind at a time, after dropping every lock. The OOM
 * notifier and compaction only append and kick the work; they never send,
 * because sending allocates and may wait for the OOM path itself.
 *
 * Settling. The host releases the memory behind a page when it processes
 * the INFLATED for it. A page given back to the guest before that could be
 * written and then released under the guest's feet. So no page leaves the
 * balloon (deflate, OOM, the old page of a migration) while the balloon is
 * unsettled: while an INFLATED is still in the log, or was sent but
 * not yet acknowledged (an ACK for it or a later message; the host handles
 * messages in order and acknowledges every INFLATED and DEFLATED once it
 * is done with it). A host that leaves an INFLATED unacknowledged for
 * BGUEST_ACK_TIMEOUT_MS is taken for dead and the channel is hung up (the
 * host only ever closes a channel between two messages, so after the hangup
 * nothing it received is still being processed).
 *
 * On disconnect the balloon is deflated whole and the log dropped: the
 * host that asked for the pages is gone, and the next one starts afresh.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/balloon_compaction.h>
#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/oom.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmstat.h>
#include <linux/workqueue.h>

#include "balloon_guest.h"
#include "trace.h"

/* Log entry flag: the page left the balloon (else it entered). */
#define BGUEST_LOG_DEFLATE	BIT_ULL(63)
/* Log room compaction may use between two runs of the work. */
#define BGUEST_LOG_MIGRATE	64
/* Initial log capacity; it grows with the balloon (see bguest_log_grow()). */
#define BGUEST_LOG_INIT		(4 * MSCHED_BALLOON_MAX_GFNS)
/* Retry after an allocation failed ("out of puff", like virtio-balloon). */
#define BGUEST_RETRY_MS		200
/* How long after an unacknowledged INFLATED the host is assumed done. */
#define BGUEST_ACK_TIMEOUT_MS	10000
/* Check again this often while waiting to settle or for isolated pages. */
#define BGUEST_POLL_MS		20
/* Batches per run of the work before it yields the worker. */
#define BGUEST_BATCHES_PER_RUN	16
/* Pages per lock hold when deflating everything. */
#define BGUEST_DRAIN_CHUNK	1024

unsigned int bguest_oom_deflate_pages = 4096;

/**
 * struct bguest_log - balloon changes the host has yet to learn, in order.
 * @ent: ring of @cap entries, each a pfn, BGUEST_LOG_DEFLATE set for a page
 *	that left the balloon.
 * @cap: capacity of @ent.
 * @head: index of the oldest entry.
 * @nr: number of entries.
 * @nr_inflate: entries without BGUEST_LOG_DEFLATE.
 * @session: channel session the entries belong to, 0 when not connected.
 * @inflight: an INFLATED left the log and the host may not have processed
 *	it yet.
 * @inflight_seq_valid: @inflight_seq and @inflight_ns describe the latest
 *	INFLATED sent (false while one is being sent).
 * @inflight_seq: its sequence number.
 * @inflight_ns: when it was sent.
 * @acked_valid: an ACK arrived in this session.
 * @acked_seq: sequence number it acknowledged.
 * @stopping: unload began: the work is never queued again.
 *
 * Every field is guarded by bguest_balloon.log_lock. Entries are appended
 * only under bguest_balloon.lock as well, so that log order is the order of
 * membership changes; they are removed by the work alone.
 *
 * Room: @nr + bguest_balloon.nr_pages <= @cap always holds, so the OOM
 * notifier can log the departure of every page in the balloon without
 * waiting for the work. A page entering the balloon costs two (its entry
 * and its future departure), a migration two, a departure nothing; the work
 * grows @ent before inflating (8 bytes per balloon page and per pending
 * entry; it is never shrunk).
 */
struct bguest_log {
	u64 *ent;
	u32 cap;
	u32 head;
	u32 nr;
	u32 nr_inflate;
	u64 session;
	bool inflight;
	bool inflight_seq_valid;
	u32 inflight_seq;
	u64 inflight_ns;
	bool acked_valid;
	u32 acked_seq;
	bool stopping;
};

/**
 * struct bguest_balloon - the balloon.
 * @lock: guards membership changes of @info made by this module (enqueue,
 *	dequeue, migration), appends to @log, and writes of @nr_pages,
 *	@target_pages and @connected. Never held across an allocation or a
 *	send, so the OOM notifier can always take it.
 * @info: the balloon pages; its pages_lock nests inside @lock and is never
 *	held together with @log_lock.
 * @nr_pages: pages in the balloon, isolated ones included.
 * @target_pages: size the work converges to.
 * @connected: a host is connected: inflating is allowed and changes are
 *	logged for it.
 * @log_lock: guards @log; nests inside @lock.
 * @log: see struct bguest_log.
 * @work: converges to @target_pages and sends the log; the only sender of
 *	INFLATED and DEFLATED.
 * @tx_gfns: MSCHED_BALLOON_MAX_GFNS pfns being sent; @work only.
 * @oom_nb: the OOM notifier.
 *
 * @nr_pages, @target_pages and @connected are read locklessly (READ_ONCE)
 * by sysfs, the condition device and the work's fast path.
 */
struct bguest_balloon {
	struct mutex lock;
	struct balloon_dev_info info;
	u64 nr_pages;
	u64 target_pages;
	bool connected;
	spinlock_t log_lock;
	struct bguest_log log;
	struct delayed_work work;
	u64 *tx_gfns;
	struct notifier_block oom_nb;
};

static struct bguest_balloon bguest_balloon;

/**
 * bguest_balloon_pages() - current balloon size.
 *
 * Context: any.
 * Return: pages in the balloon, isolated ones included.
 */
u64 bguest_balloon_pages(void)
{
	return READ_ONCE(bguest_balloon.nr_pages);
}

/**
 * bguest_balloon_target() - balloon size the driver converges to.
 *
 * Context: any.
 * Return: the target in pages (0 when no host is connected).
 */
u64 bguest_balloon_target(void)
{
	return READ_ONCE(bguest_balloon.target_pages);
}

static void bguest_balloon_queue(unsigned long delay, bool now)
{
	struct bguest_balloon *b = &bguest_balloon;

	spin_lock(&b->log_lock);
	if (!b->log.stopping) {
		if (now)
			mod_delayed_work(system_freezable_wq, &b->work, 0);
		else
			queue_delayed_work(system_freezable_wq, &b->work, delay);
	}
	spin_unlock(&b->log_lock);
}

static void bguest_balloon_kick(void)
{
	bguest_balloon_queue(0, true);
}

/*
 * Log room for changes that add to nr + nr_pages (inflating, migration):
 * what is left after the OOM notifier's share, the whole balloon.
 */
static u64 __bguest_log_room(void)
{
	struct bguest_balloon *b = &bguest_balloon;
	u64 used = (u64)b->log.nr + b->nr_pages;

	lockdep_assert_held(&b->lock);
	lockdep_assert_held(&b->log_lock);
	return b->log.cap > used ? b->log.cap - used : 0;
}

/*
 * Make room for @room more by growing the log, from the work only, with
 * no lock held. The allocation does not retry, like balloon pages do.
 */
static int bguest_log_grow(u64 room)
{
	struct bguest_balloon *b = &bguest_balloon;
	struct bguest_log *log = &b->log;
	u64 *ent, *old, need;
	u32 cap, i;

	mutex_lock(&b->lock);
	spin_lock(&b->log_lock);
	need = (u64)log->nr + b->nr_pages + room;
	cap = log->cap;
	spin_unlock(&b->log_lock);
	mutex_unlock(&b->lock);
	if (need <= cap)
		return 0;
	need = max_t(u64, need, 2ULL * cap);
	if (need > U32_MAX / 2)
		return -E2BIG;
	ent = kvmalloc_array(need, sizeof(*ent),
			     GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN);
	if (!ent)
		return -ENOMEM;

	mutex_lock(&b->lock);
	spin_lock(&b->log_lock);
	for (i = 0; i < log->nr; i++)
		ent[i] = log->ent[(log->head + i) % log->cap];
	old = log->ent;
	log->ent = ent;
	log->head = 0;
	log->cap = need;
	spin_unlock(&b->log_lock);
	mutex_unlock(&b->lock);
	kvfree(old);
	return 0;
}

static void __bguest_log_add(u64 ent)
{
	struct bguest_log *log = &bguest_balloon.log;

	lockdep_assert_held(&bguest_balloon.log_lock);
	/* Callers reserved the room under the balloon lock. */
	if (WARN_ON_ONCE(log->nr >= log->cap))
		return;
	log->ent[(log->head + log->nr) % log->cap] = ent;
	log->nr++;
	if (!(ent & BGUEST_LOG_DEFLATE))
		log->nr_inflate++;
}

static void bguest_log_add(u64 ent)
{
	spin_lock(&bguest_balloon.log_lock);
	__bguest_log_add(ent);
	spin_unlock(&bguest_balloon.log_lock);
}

static void __bguest_log_reset(u64 session)
{
	struct bguest_log *log = &bguest_balloon.log;

	lockdep_assert_held(&bguest_balloon.log_lock);
	log->head = 0;
	log->nr = 0;
	log->nr_inflate = 0;
	log->session = session;
	log->inflight = false;
	log->inflight_seq_valid = false;
	log->acked_valid = false;
}

/* True when the host has processed every INFLATED (see the top). */
static bool __bguest_log_settled(void)
{
	struct bguest_log *log = &bguest_balloon.log;

	lockdep_assert_held(&bguest_balloon.log_lock);
	if (log->nr_inflate)
		return false;
	if (!log->inflight)
		return true;
	if (!log->inflight_seq_valid)
		return false;
	if (log->acked_valid &&
	    (s32)(log->acked_seq - log->inflight_seq) >= 0) {
		log->inflight = false;
		return true;
	}
	return false;
}

/* An INFLATED went unacknowledged for BGUEST_ACK_TIMEOUT_MS: a dead host. */
static bool bguest_log_stale(void)
{
	struct bguest_log *log = &bguest_balloon.log;
	bool stale;

	spin_lock(&bguest_balloon.log_lock);
	stale = log->inflight && log->inflight_seq_valid &&
		ktime_get_ns() - log->inflight_ns >=
		(u64)BGUEST_ACK_TIMEOUT_MS * NSEC_PER_MSEC;
	spin_unlock(&bguest_balloon.log_lock);
	return stale;
}

/**
 * bguest_balloon_acked() - the host acknowledged a message.
 * @seq: its sequence number; the host handles messages in order, so every
 *	earlier message was handled too
 *
 * Context: process context (the channel thread); takes the log lock.
 */
void bguest_balloon_acked(u32 seq)
{
	struct bguest_balloon *b = &bguest_balloon;
	struct bguest_log *log = &b->log;
	bool waiting;

	spin_lock(&b->log_lock);
	if (!log->acked_valid || (s32)(seq - log->acked_seq) > 0)
		log->acked_seq = seq;
	log->acked_valid = true;
	waiting = log->inflight;
	spin_unlock(&b->log_lock);
	if (waiting)
		bguest_balloon_kick();
}

/*
 * Send the log, oldest first, one run of a kind per message. Only the work
 * calls this, so runs go out in log order.
 */
static int bguest_balloon_flush(void)
{
	struct bguest_balloon *b = &bguest_balloon;
	struct bguest_log *log = &b->log;
	bool deflate;
	u64 session;
	u32 nr, seq;
	int ret;

	for (;;) {
		nr = 0;
		spin_lock(&b->log_lock);
		session = log->session;
		deflate = log->nr && (log->ent[log->head] & BGUEST_LOG_DEFLATE);
		while (log->nr && nr < MSCHED_BALLOON_MAX_GFNS) {
			u64 e = log->ent[log->head];

			if (!!(e & BGUEST_LOG_DEFLATE) != deflate)
				break;
			b->tx_gfns[nr++] = e & ~BGUEST_LOG_DEFLATE;
			log->head = (log->head + 1) % log->cap;
			log->nr--;
			if (!deflate)
				log->nr_inflate--;
		}
		if (nr && !deflate) {
			log->inflight = true;
			log->inflight_seq_valid = false;
		}
		spin_unlock(&b->log_lock);
		if (!nr)
			return 0;

		ret = bguest_chan_send_gfns(session, deflate ?
					    MSCHED_BALLOON_MSG_DEFLATED :
					    MSCHED_BALLOON_MSG_INFLATED,
					    b->tx_gfns, nr, &seq);
		/* On failure the connection is going, and its log with it. */
		if (ret)
			return ret;
		if (!deflate) {
			spin_lock(&b->log_lock);
			if (log->session == session) {
				log->inflight_seq = seq;
				log->inflight_ns = ktime_get_ns();
				log->inflight_seq_valid = true;
			}
			spin_unlock(&b->log_lock);
		}
	}
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

static void bguest_balloon_count_batch(bool inflate, u32 nr, u64 t0)
{
	struct bguest_balloon *b = &bguest_balloon;
	u64 ns = ktime_get_ns() - t0;
	u64 pages = READ_ONCE(b->nr_pages);
	u64 target = READ_ONCE(b->target_pages);

	if (inflate) {
		atomic64_add(nr, &bguest_ctr.inflated_pages);
		atomic64_set(&bguest_ctr.last_inflate_ns, ns);
		trace_bguest_inflate(nr, ns, pages, target);
	} else {
		atomic64_add(nr, &bguest_ctr.deflated_pages);
		atomic64_set(&bguest_ctr.last_deflate_ns, ns);
		trace_bguest_deflate(nr, ns, pages, target);
	}
	bguest_cond_bump();
}

/*
 * Inflate by up to @want pages (one message's worth). Return: 0; -ENOMEM
 * if an allocation failed (retry later); or the send error.
 */
static int bguest_balloon_inflate(u64 want)
{
	struct bguest_balloon *b = &bguest_balloon;
	u32 nr = min_t(u64, want, MSCHED_BALLOON_MAX_GFNS);
	u32 got, done = 0;
	u64 limit = 0;
	u64 t0 = ktime_get_ns();
	bool short_alloc = false;
	struct page *page;
	LIST_HEAD(pages);
	int ret = 0;

	if (bguest_log_grow(2ULL * nr + BGUEST_LOG_MIGRATE)) {
		atomic64_inc(&bguest_ctr.alloc_failures);
		return -ENOMEM;
	}
	/* No lock held: the allocation may reclaim (never OOM: NORETRY). */
	for (got = 0; got < nr; got++) {
		page = balloon_page_alloc();
		if (!page) {
			short_alloc = true;
			break;
		}
		balloon_page_push(&pages, page);
	}
	if (short_alloc)
		atomic64_inc(&bguest_ctr.alloc_failures);

	mutex_lock(&b->lock);
	if (b->connected && b->target_pages > b->nr_pages) {
		spin_lock(&b->log_lock);
		limit = __bguest_log_room() / 2;	/* an entry and an exit */
		spin_unlock(&b->log_lock);
		limit = min3(limit, (u64)got, b->target_pages - b->nr_pages);
	}
	while (done < limit && (page = balloon_page_pop(&pages))) {
		balloon_page_enqueue(&b->info, page);
		adjust_managed_page_count(page, -1);
		bguest_log_add(page_to_pfn(page));
		WRITE_ONCE(b->nr_pages, b->nr_pages + 1);
		done++;
	}
	mutex_unlock(&b->lock);

	/* What the target, the log or the connection had no use for. */
	while ((page = balloon_page_pop(&pages)))
		put_page(page);
	if (done) {
		ret = bguest_balloon_flush();
		bguest_balloon_count_batch(true, done, t0);
	}
	if (ret)
		return ret;
	return short_alloc ? -ENOMEM : 0;
}

/*
 * Deflate by up to @excess pages (one message's worth); the host learns
 * before the pages are reused. Return: 0; -EINPROGRESS while unsettled;
 * -EAGAIN if every candidate page is isolated by compaction; or the send
 * error.
 */
static int bguest_balloon_deflate(u64 excess)
{
	struct bguest_balloon *b = &bguest_balloon;
	u32 nr = min_t(u64, excess, MSCHED_BALLOON_MAX_GFNS);
	u64 t0 = ktime_get_ns();
	struct page *page;
	LIST_HEAD(pages);
	bool logged;
	size_t got = 0;
	int ret = 0;

	mutex_lock(&b->lock);
	logged = b->connected;
	if (logged) {
		spin_lock(&b->log_lock);
		if (!__bguest_log_settled()) {
			spin_unlock(&b->log_lock);
			mutex_unlock(&b->lock);
			return -EINPROGRESS;
		}
		spin_unlock(&b->log_lock);
	}
	nr = min_t(u64, nr, b->nr_pages > b->target_pages ?
		   b->nr_pages - b->target_pages : 0);
	if (nr)
		got = balloon_page_list_dequeue(&b->info, &pages, nr);
	if (logged)
		list_for_each_entry(page, &pages, lru)
			bguest_log_add(page_to_pfn(page) | BGUEST_LOG_DEFLATE);
	WRITE_ONCE(b->nr_pages, b->nr_pages - got);
	mutex_unlock(&b->lock);

	if (logged && got)
		ret = bguest_balloon_flush();
	bguest_balloon_release(&pages);
	if (got)
		bguest_balloon_count_batch(false, got, t0);
	if (ret)
		return ret;
	return nr && !got ? -EAGAIN : 0;
}

static void bguest_balloon_work_fn(struct work_struct *work)
{
	struct bguest_balloon *b = &bguest_balloon;
	unsigned long delay = 0;
	u64 pages, target;
	int i, ret;

	for (i = 0; i < BGUEST_BATCHES_PER_RUN; i++) {
		/* What OOM and compaction logged, and room for this batch. */
		if (bguest_balloon_flush())
			return;	/* disconnecting; the channel thread cleans up */
		pages = READ_ONCE(b->nr_pages);
		target = READ_ONCE(b->target_pages);
		if (pages < target && READ_ONCE(b->connected))
			ret = bguest_balloon_inflate(target - pages);
		else if (pages > target)
			ret = bguest_balloon_deflate(pages - target);
		else
			return;
		if (ret == -ENOMEM) {
			delay = msecs_to_jiffies(BGUEST_RETRY_MS);
			break;
		}
		if (ret == -EINPROGRESS && bguest_log_stale()) {
			bguest_chan_hangup("the host did not acknowledge an INFLATED within 10 s");
			delay = msecs_to_jiffies(BGUEST_POLL_MS);
			break;
		}
		if (ret == -EINPROGRESS || ret == -EAGAIN) {
			delay = msecs_to_jiffies(BGUEST_POLL_MS);
			break;
		}
		if (ret)
			return;
		cond_resched();
	}
	/* More to do: yield the worker, or wait for memory, acks, compaction. */
	bguest_balloon_queue(delay, false);
}

/**
 * bguest_balloon_set_target() - the host asked for a balloon size.
 * @target_pages: size in pages
 *
 * Context: process context (the channel thread); takes the balloon lock.
 */
void bguest_balloon_set_target(u64 target_pages)
{
	struct bguest_balloon *b = &bguest_balloon;
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
		bguest_cond_bump();
		bguest_balloon_kick();
	}
}

/**
 * bguest_balloon_connect() - a host connected.
 * @session: the channel session its messages belong to (non-zero)
 *
 * The balloon is empty (bguest_balloon_disconnect() emptied it), so the
 * new host and the guest agree from the start.
 *
 * Context: process context (the channel thread); takes the balloon lock.
 */
void bguest_balloon_connect(u64 session)
{
	struct bguest_balloon *b = &bguest_balloon;

	mutex_lock(&b->lock);
	WARN_ON_ONCE(b->nr_pages);
	spin_lock(&b->log_lock);
	__bguest_log_reset(session);
	spin_unlock(&b->log_lock);
	WRITE_ONCE(b->connected, true);
	mutex_unlock(&b->lock);
}

/* Empty the balloon without telling anyone; waits for isolated pages. */
static u64 bguest_balloon_drain(void)
{
	struct bguest_balloon *b = &bguest_balloon;
	u64 t0 = ktime_get_ns(), total = 0;
	size_t got;

	while (READ_ONCE(b->nr_pages)) {
		LIST_HEAD(pages);

		mutex_lock(&b->lock);
		got = balloon_page_list_dequeue(&b->info, &pages,
						BGUEST_DRAIN_CHUNK);
		WRITE_ONCE(b->nr_pages, b->nr_pages - got);
		mutex_unlock(&b->lock);
		bguest_balloon_release(&pages);
		total += got;
		/* Pages isolated by compaction come back (putback) soon. */
		if (!got)
			msleep(BGUEST_POLL_MS);
		cond_resched();
	}
	if (total)
		bguest_balloon_count_batch(false, total, t0);
	return total;
}

/**
 * bguest_balloon_disconnect() - the host went away: deflate everything.
 *
 * The target drops to 0, the log is dropped and every page goes back to
 * the guest, including pages compaction had isolated (it waits for them).
 *
 * Context: process context (the channel thread); takes the balloon lock;
 * may sleep.
 * Return: the number of pages deflated.
 */
u64 bguest_balloon_disconnect(void)
{
	struct bguest_balloon *b = &bguest_balloon;

	mutex_lock(&b->lock);
	WRITE_ONCE(b->connected, false);
	WRITE_ONCE(b->target_pages, 0);
	spin_lock(&b->log_lock);
	__bguest_log_reset(0);
	spin_unlock(&b->log_lock);
	mutex_unlock(&b->lock);
	return bguest_balloon_drain();
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
	struct bguest_balloon *b = &bguest_balloon;
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
		ok = __bguest_log_settled() && __bguest_log_room() >= 2;
		if (ok) {
			__bguest_log_add(page_to_pfn(newpage));
			__bguest_log_add(page_to_pfn(page) | BGUEST_LOG_DEFLATE);
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
	atomic64_inc(&bguest_ctr.migrated_pages);
	bguest_balloon_kick();
	return MIGRATEPAGE_SUCCESS;
}

/*
 * Out of memory: give back up to oom_deflate_pages pages and lower the
 * target to what is left, so the work stops inflating; the host learns
 * from DEFLATED. Only appends to the log: sending could wait for memory.
 */
static int bguest_balloon_oom_notify(struct notifier_block *nb,
				     unsigned long unused, void *parm)
{
	struct bguest_balloon *b = &bguest_balloon;
	u32 want = READ_ONCE(bguest_oom_deflate_pages), nr = want;
	unsigned long *freed = parm;
	bool logged, unsettled = false, lowered = false;
	struct page *page;
	LIST_HEAD(pages);
	size_t got = 0;
	u64 left;

	atomic64_inc(&bguest_ctr.oom_notifications);
	if (!want)
		return NOTIFY_OK;

	mutex_lock(&b->lock);
	logged = b->connected;
	if (logged) {
		spin_lock(&b->log_lock);
		/* Room for every page in the balloon is always there. */
		if (!__bguest_log_settled()) {
			unsettled = true;
			nr = 0;
		}
		spin_unlock(&b->log_lock);
	}
	if (nr && b->nr_pages)
		got = balloon_page_list_dequeue(&b->info, &pages, nr);
	if (logged)
		list_for_each_entry(page, &pages, lru)
			bguest_log_add(page_to_pfn(page) | BGUEST_LOG_DEFLATE);
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
		atomic64_add(got, &bguest_ctr.oom_deflated_pages);
		atomic64_add(got, &bguest_ctr.deflated_pages);
		pr_info_ratelimited("out of memory: released %zu balloon pages, %llu left\n",
				    got, left);
	} else if (unsettled) {
		pr_info_ratelimited("out of memory: %llu balloon pages not released, the host may still be processing the last inflation\n",
				    left);
	}
	if (got || lowered) {
		bguest_cond_bump();
		bguest_balloon_kick();
	}
	return NOTIFY_OK;
}

/**
 * bguest_balloon_init() - set up the empty balloon and its OOM notifier.
 *
 * Context: process context, module init; may sleep.
 * Return: 0 on success, -errno on failure (nothing is left behind).
 */
int bguest_balloon_init(void)
{
	struct bguest_balloon *b = &bguest_balloon;
	int ret = -ENOMEM;

	mutex_init(&b->lock);
	spin_lock_init(&b->log_lock);
	balloon_devinfo_init(&b->info);
	if (IS_ENABLED(CONFIG_BALLOON_COMPACTION))
		b->info.migratepage = bguest_balloon_migratepage;
	INIT_DELAYED_WORK(&b->work, bguest_balloon_work_fn);

	b->tx_gfns = kmalloc_array(MSCHED_BALLOON_MAX_GFNS,
				   sizeof(*b->tx_gfns), GFP_KERNEL);
	if (!b->tx_gfns)
		return ret;
	b->log.cap = BGUEST_LOG_INIT;
	b->log.ent = kvmalloc_array(b->log.cap, sizeof(*b->log.ent),
				    GFP_KERNEL);
	if (!b->log.ent)
		goto out_free_tx;

	b->oom_nb.notifier_call = bguest_balloon_oom_notify;
	ret = register_oom_notifier(&b->oom_nb);
	if (ret)
		goto out_free_log;
	return 0;

out_free_log:
	kvfree(b->log.ent);
out_free_tx:
	kfree(b->tx_gfns);
	return ret;
}

/**
 * bguest_balloon_exit() - empty the balloon and tear it down.
 *
 * Called after the channel is gone. Waits for pages compaction holds, so
 * that no balloon page points at this module's migratepage any more.
 *
 * Context: process context, module exit; may sleep.
 */
void bguest_balloon_exit(void)
{
	struct bguest_balloon *b = &bguest_balloon;

	unregister_oom_notifier(&b->oom_nb);
	spin_lock(&b->log_lock);
	b->log.stopping = true;
	spin_unlock(&b->log_lock);
	cancel_delayed_work_sync(&b->work);
	bguest_balloon_disconnect();
	kvfree(b->log.ent);
	kfree(b->tx_gfns);
}
