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
 * is done with it). A host that acknowledges nothing for
 * BGUEST_ACK_TIMEOUT_MS while messages wait is taken for dead and the
 * channel is hung up. The clock runs from the later of the oldest waiting
 * message's send and the last ACK that made progress: the host handles
 * messages in order, so a full window of slow but steady work is not a
 * dead host. And the verdict is confirmed BGUEST_STALE_CONFIRM_MS later, so
 * that after the VM was paused (virsh suspend, a busy host) the ACKs that
 * arrived meanwhile are read before the host is judged.
 *
 * Sent entries stay at the head of the log until their message is
 * acknowledged, and at most BGUEST_WINDOW messages await acknowledgement;
 * so the log always knows which pages the host may still be working on.
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

/* Log entry flag: the page left the balloon (else it entered). */
#define BGUEST_LOG_DEFLATE	BIT_ULL(63)
/* Log room compaction may use between two runs of the work. */
#define BGUEST_LOG_MIGRATE	64
/* Initial log capacity; it grows with the balloon (see bguest_log_grow()). */
#define BGUEST_LOG_INIT		(4 * MSCHED_BALLOON_MAX_GFNS)
/* Retry after an allocation failed ("out of puff", like virtio-balloon). */
#define BGUEST_RETRY_MS		200
/*
 * How long the host may make no progress on waiting messages before it is
 * taken for dead (a nested guest on a busy host takes seconds per message).
 */
#define BGUEST_ACK_TIMEOUT_S	30
#define BGUEST_ACK_TIMEOUT_MS	(BGUEST_ACK_TIMEOUT_S * MSEC_PER_SEC)
/* A stale verdict stands only if it still holds this much later. */
#define BGUEST_STALE_CONFIRM_MS	1000
/* Messages sent and not yet acknowledged, at most. */
#define BGUEST_WINDOW		16
/* Check again this often while waiting to settle or for isolated pages. */
#define BGUEST_POLL_MS		20
/* Batches per run of the work before it yields the worker. */
#define BGUEST_BATCHES_PER_RUN	16
/* Pages per lock hold when deflating everything. */
#define BGUEST_DRAIN_CHUNK	1024

unsigned int bguest_oom_deflate_pages = 4096;

/**
 * struct bguest_sent - one message sent and not yet acknowledged.
 * @nr: its log entries (at the head of the log, in message order).
 * @inflate: an INFLATED (else a DEFLATED).
 * @seq_valid: @seq and @ns are set (false while it is being sent).
 * @seq: its sequence number.
 * @ns: when it was sent.
 */
struct bguest_sent {
	u32 nr;
	bool inflate;
	bool seq_valid;
	u32 seq;
	u64 ns;
};

/**
 * struct bguest_log - balloon changes the host has yet to learn, in order.
 * @ent: ring of @cap entries, each a pfn, BGUEST_LOG_DEFLATE set for a page
 *	that left the balloon.
 * @cap: capacity of @ent.
 * @head: index of the oldest entry.
 * @nr: number of entries, sent ones included.
 * @nr_sent: the first @nr_sent entries went out in the messages of @sent.
 * @nr_inflate: entries not sent yet without BGUEST_LOG_DEFLATE.
 * @session: channel session the entries belong to, 0 when not connected.
 * @sent: ring of messages awaiting their ACK, oldest at @sent_head.
 * @sent_head: see @sent.
 * @nr_msgs: entries of @sent in use, at most BGUEST_WINDOW.
 * @nr_sent_inflate: INFLATEDs among them.
 * @acked_valid: an ACK arrived in this session.
 * @acked_seq: the latest sequence number acknowledged.
 * @progress_ns: when an ACK last acknowledged a waiting message.
 * @stale_ns: when the host was first seen making no progress for
 *	BGUEST_ACK_TIMEOUT_MS (0: it was not, or it made progress since).
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
	u32 nr_sent;
	u32 nr_inflate;
	u64 session;
	struct bguest_sent sent[BGUEST_WINDOW];
	u32 sent_head;
	u32 nr_msgs;
	u32 nr_sent_inflate;
	bool acked_valid;
	u32 acked_seq;
	u64 progress_ns;
	u64 stale_ns;
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
 * @unsure: BGUEST_WINDOW * MSCHED_BALLOON_MAX_GFNS pfns: at disconnect,
 *	those of the INFLATEDs not acknowledged; the channel thread only.
 * @held: pages the host may still release (see the top), off the balloon
 *	and out of the allocator; the channel thread (and unload) only.
 * @nr_held: pages on @held; read locklessly.
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
	u64 *unsure;
	struct list_head held;
	u64 nr_held;
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
	ent = bguest_fallible(kvmalloc_array(need, sizeof(*ent), GFP_KERNEL |
					     __GFP_NORETRY | __GFP_NOWARN));
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
	log->nr_sent = 0;
	log->nr_inflate = 0;
	log->session = session;
	log->sent_head = 0;
	log->nr_msgs = 0;
	log->nr_sent_inflate = 0;
	log->acked_valid = false;
	log->progress_ns = 0;
	log->stale_ns = 0;
}

/*
 * Drop the messages the host acknowledged (it handles them in order, so
 * an ACK covers every earlier message too), and their entries.
 * Return: whether any was dropped.
 */
static bool __bguest_log_pop_acked(void)
{
	struct bguest_log *log = &bguest_balloon.log;
	bool popped = false;

	lockdep_assert_held(&bguest_balloon.log_lock);
	while (log->nr_msgs && log->acked_valid) {
		struct bguest_sent *m = &log->sent[log->sent_head];

		if (!m->seq_valid || (s32)(log->acked_seq - m->seq) < 0)
			break;
		log->head = (log->head + m->nr) % log->cap;
		log->nr -= m->nr;
		log->nr_sent -= m->nr;
		if (m->inflate)
			log->nr_sent_inflate--;
		log->sent_head = (log->sent_head + 1) % BGUEST_WINDOW;
		log->nr_msgs--;
		popped = true;
	}
	if (popped) {
		log->progress_ns = ktime_get_ns();
		log->stale_ns = 0;
	}
	return popped;
}

/* True when the host has processed every INFLATED (see the top). */
static bool __bguest_log_settled(void)
{
	struct bguest_log *log = &bguest_balloon.log;

	lockdep_assert_held(&bguest_balloon.log_lock);
	return !log->nr_inflate && !log->nr_sent_inflate;
}

/*
 * The host made no progress on the waiting messages for
 * BGUEST_ACK_TIMEOUT_MS, and still had not BGUEST_STALE_CONFIRM_MS after
 * that was first seen: a dead host (see the top).
 */
static bool bguest_log_stale(void)
{
	struct bguest_log *log = &bguest_balloon.log;
	struct bguest_sent *m;
	u64 now = ktime_get_ns(), since;
	bool stale = false;

	spin_lock(&bguest_balloon.log_lock);
	m = &log->sent[log->sent_head];
	if (log->nr_msgs && m->seq_valid) {
		since = max(m->ns, log->progress_ns);
		if (now - since < (u64)BGUEST_ACK_TIMEOUT_MS * NSEC_PER_MSEC)
			log->stale_ns = 0;
		else if (!log->stale_ns)
			log->stale_ns = now;
		else
			stale = now - log->stale_ns >=
				(u64)BGUEST_STALE_CONFIRM_MS * NSEC_PER_MSEC;
	}
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
	bool popped;

	spin_lock(&b->log_lock);
	if (!log->acked_valid || (s32)(seq - log->acked_seq) > 0)
		log->acked_seq = seq;
	log->acked_valid = true;
	popped = __bguest_log_pop_acked();
	spin_unlock(&b->log_lock);
	if (popped)	/* the work may wait to settle or for the window */
		bguest_balloon_kick();
}

/*
 * Send the log, oldest first, one run of a kind per message. Only the work
 * calls this, so runs go out in log order. Sent entries stay in the log
 * until their ACK (bguest_balloon_acked()).
 * Return: 0 when everything went out; -EBUSY when BGUEST_WINDOW messages
 * await their ACK (an ACK kicks the work); or the send error.
 */
static int bguest_balloon_flush(void)
{
	struct bguest_balloon *b = &bguest_balloon;
	struct bguest_log *log = &b->log;
	struct bguest_sent *m;
	bool deflate;
	u64 session;
	u32 nr, seq, slot, pos;
	int ret;

	for (;;) {
		nr = 0;
		spin_lock(&b->log_lock);
		session = log->session;
		if (!session || log->nr_sent == log->nr) {
			spin_unlock(&b->log_lock);
			return 0;
		}
		if (log->nr_msgs == BGUEST_WINDOW) {
			spin_unlock(&b->log_lock);
			return -EBUSY;
		}
		pos = (log->head + log->nr_sent) % log->cap;
		deflate = log->ent[pos] & BGUEST_LOG_DEFLATE;
		while (log->nr_sent < log->nr && nr < MSCHED_BALLOON_MAX_GFNS) {
			u64 e = log->ent[(log->head + log->nr_sent) % log->cap];

			if (!!(e & BGUEST_LOG_DEFLATE) != deflate)
				break;
			b->tx_gfns[nr++] = e & ~BGUEST_LOG_DEFLATE;
			log->nr_sent++;
			if (!deflate)
				log->nr_inflate--;
		}
		slot = (log->sent_head + log->nr_msgs) % BGUEST_WINDOW;
		m = &log->sent[slot];
		m->nr = nr;
		m->inflate = !deflate;
		m->seq_valid = false;
		log->nr_msgs++;
		if (!deflate)
			log->nr_sent_inflate++;
		spin_unlock(&b->log_lock);

		ret = bguest_chan_send_gfns(session, deflate ?
					    MSCHED_BALLOON_MSG_DEFLATED :
					    MSCHED_BALLOON_MSG_INFLATED,
					    b->tx_gfns, nr, &seq);
		/*
		 * On failure the connection is going, and its log with it; the
		 * message stays unacknowledged, so its pages count as ones the
		 * host may have received.
		 */
		if (ret)
			return ret;
		spin_lock(&b->log_lock);
		if (log->session == session) {
			m->seq = seq;
			m->ns = ktime_get_ns();
			m->seq_valid = true;
			/* Its ACK may have come first. */
			__bguest_log_pop_acked();
		}
		spin_unlock(&b->log_lock);
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
 * if an allocation failed (retry later); -EBUSY when the window is full
 * (what is logged goes out after the next ACK); or the send error.
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
		page = bguest_fallible(balloon_page_alloc());
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
 * before the pages are reused, or the DEFLATED waits in the log behind a
 * full window (the pages are settled either way: the host releases nothing
 * for them any more). Return: 0; -EINPROGRESS while unsettled; -EAGAIN if
 * every candidate page is isolated by compaction; or the send error.
 */
static int bguest_balloon_deflate(u64 excess)
{
	struct bguest_balloon *b = &bguest_balloon;
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
	if (!__bguest_log_settled()) {
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
		bguest_log_add(page_to_pfn(page) | BGUEST_LOG_DEFLATE);
	WRITE_ONCE(b->nr_pages, b->nr_pages - got);
	mutex_unlock(&b->lock);

	if (got)
		ret = bguest_balloon_flush();
	bguest_balloon_release(&pages);
	if (got)
		bguest_balloon_count_batch(false, got, t0);
	if (ret && ret != -EBUSY)
		return ret;
	return nr && !got ? -EAGAIN : ret;
}

static void bguest_balloon_work_fn(struct work_struct *work)
{
	struct bguest_balloon *b = &bguest_balloon;
	unsigned long delay = 0;
	u64 pages, target;
	int i, ret;

	for (i = 0; i < BGUEST_BATCHES_PER_RUN; i++) {
		/* What OOM and compaction logged, and room for this batch. */
		ret = bguest_balloon_flush();
		if (ret && ret != -EBUSY)
			return;	/* disconnecting; the channel thread cleans up */
		pages = READ_ONCE(b->nr_pages);
		target = READ_ONCE(b->target_pages);
		if (ret)
			;	/* the window is full: wait for an ACK */
		else if (pages < target && READ_ONCE(b->connected))
			ret = bguest_balloon_inflate(target - pages);
		else if (pages > target && READ_ONCE(b->connected))
			ret = bguest_balloon_deflate(pages - target);
		else
			return;
		if (ret == -ENOMEM) {
			delay = msecs_to_jiffies(BGUEST_RETRY_MS);
			break;
		}
		if ((ret == -EINPROGRESS || ret == -EBUSY) && bguest_log_stale()) {
			bguest_chan_hangup("the host acknowledged nothing for "
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
static u64 bguest_balloon_drain(const u64 *unsure, u32 nr_unsure)
{
	struct bguest_balloon *b = &bguest_balloon;
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
		bguest_balloon_count_batch(false, total, t0);
	return total;
}

/**
 * bguest_balloon_disconnect() - the host went away: deflate everything.
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
u64 bguest_balloon_disconnect(u64 *heldp)
{
	struct bguest_balloon *b = &bguest_balloon;
	struct bguest_log *log = &b->log;
	u32 i, nr = 0;
	u64 ret;

	mutex_lock(&b->lock);
	WRITE_ONCE(b->connected, false);
	WRITE_ONCE(b->target_pages, 0);
	spin_lock(&b->log_lock);
	/* At most BGUEST_WINDOW messages of MSCHED_BALLOON_MAX_GFNS each. */
	for (i = 0; i < log->nr_sent; i++) {
		u64 e = log->ent[(log->head + i) % log->cap];

		if (!(e & BGUEST_LOG_DEFLATE) &&
		    !WARN_ON_ONCE(nr == BGUEST_WINDOW * MSCHED_BALLOON_MAX_GFNS))
			b->unsure[nr++] = e;
	}
	__bguest_log_reset(0);
	spin_unlock(&b->log_lock);
	mutex_unlock(&b->lock);

	sort(b->unsure, nr, sizeof(*b->unsure), bguest_pfn_cmp, NULL);
	ret = bguest_balloon_drain(b->unsure, nr);
	*heldp = READ_ONCE(b->nr_held);
	return ret;
}

/**
 * bguest_balloon_host_confirmed() - a host acknowledged our HELLO.
 *
 * memsched acknowledges HELLO only once no earlier channel from this guest
 * can release anything any more, so the held pages go back to the guest.
 *
 * Context: process context (the channel thread).
 * Return: the number of pages given back.
 */
u64 bguest_balloon_host_confirmed(void)
{
	struct bguest_balloon *b = &bguest_balloon;
	u64 nr = READ_ONCE(b->nr_held);
	LIST_HEAD(pages);

	if (!nr)
		return 0;
	list_splice_init(&b->held, &pages);
	WRITE_ONCE(b->nr_held, 0);
	bguest_balloon_release(&pages);
	atomic64_add(nr, &bguest_ctr.deflated_pages);
	bguest_cond_bump();
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

	INIT_LIST_HEAD(&b->held);

	b->tx_gfns = kmalloc_array(MSCHED_BALLOON_MAX_GFNS,
				   sizeof(*b->tx_gfns), GFP_KERNEL);
	if (!b->tx_gfns)
		return ret;
	b->unsure = kvmalloc_array(BGUEST_WINDOW * MSCHED_BALLOON_MAX_GFNS,
				   sizeof(*b->unsure), GFP_KERNEL);
	if (!b->unsure)
		goto out_free_tx;
	b->log.cap = BGUEST_LOG_INIT;
	b->log.ent = kvmalloc_array(b->log.cap, sizeof(*b->log.ent),
				    GFP_KERNEL);
	if (!b->log.ent)
		goto out_free_unsure;

	b->oom_nb.notifier_call = bguest_balloon_oom_notify;
	ret = register_oom_notifier(&b->oom_nb);
	if (ret)
		goto out_free_log;
	return 0;

out_free_log:
	kvfree(b->log.ent);
out_free_unsure:
	kvfree(b->unsure);
out_free_tx:
	kfree(b->tx_gfns);
	return ret;
}

/**
 * bguest_balloon_exit() - empty the balloon and tear it down.
 *
 * Called after the channel is gone. Waits for pages compaction holds, so
 * that no balloon page points at this module's migratepage any more.
 * Pages still held (no host confirmed that it is done with them) are never
 * given back: a host may yet release them, and a leak is better than data
 * silently replaced by zeroes.
 *
 * Context: process context, module exit; may sleep.
 */
void bguest_balloon_exit(void)
{
	struct bguest_balloon *b = &bguest_balloon;
	struct page *page, *next;
	u64 held;

	unregister_oom_notifier(&b->oom_nb);
	spin_lock(&b->log_lock);
	b->log.stopping = true;
	spin_unlock(&b->log_lock);
	cancel_delayed_work_sync(&b->work);
	bguest_balloon_disconnect(&held);
	if (held)
		pr_warn("unload: %llu pages whose inflation the host never acknowledged stay out of use for good (the host may still release them)\n",
			held);
	list_for_each_entry_safe(page, next, &b->held, lru)
		list_del_init(&page->lru);
	kvfree(b->log.ent);
	kvfree(b->unsure);
	kfree(b->tx_gfns);
}
