// SPDX-License-Identifier: GPL-2.0
/*
 * balloon_guest: the ordered log of balloon changes.
 *
 * The host must see every change of the balloon's membership in the order
 * it happened: it rejects an INFLATED for a page it thinks is ballooned
 * and a DEFLATED for one it thinks is not, and a page that went out and
 * came back in (or the reverse) between two sends would otherwise arrive
 * in the wrong order. So each change is appended, under the balloon lock
 * and at the moment it happens, to one ordered log (a ring of pfns, with a
 * flag for "left the balloon"), and only the balloon work sends the log
 * (bguest_log_flush()), in order, a run of one kind at a time, after
 * dropping every lock.
 *
 * Sent entries stay at the head of the log until their message is
 * acknowledged, and at most BGUEST_WINDOW messages await acknowledgement;
 * so the log always knows which pages the host may still be working on
 * (the INFLATEDs sent and not acknowledged), and whether the balloon is
 * settled: no INFLATED waits in the log or for its ACK.
 *
 * A host that acknowledges nothing for BGUEST_ACK_TIMEOUT_MS while
 * messages wait is taken for dead (bguest_log_stale()). The clock runs
 * from the later of the oldest waiting message's send and the last ACK
 * that made progress: the host handles messages in order, so a full
 * window of slow but steady work is not a dead host. And the verdict is
 * confirmed BGUEST_STALE_CONFIRM_MS later, so that after the VM was paused
 * (virsh suspend, a busy host) the ACKs that arrived meanwhile are read
 * before the host is judged.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "balloon_guest.h"

/* Initial log capacity; it grows with the balloon (see bguest_log_grow()). */
#define BGUEST_LOG_INIT		(4 * MSCHED_BALLOON_MAX_GFNS)
#define BGUEST_ACK_TIMEOUT_MS	(BGUEST_ACK_TIMEOUT_S * MSEC_PER_SEC)
/* A stale verdict stands only if it still holds this much later. */
#define BGUEST_STALE_CONFIRM_MS	1000

/**
 * __bguest_log_room() - log room for changes that add to nr + nr_pages.
 * @b: the balloon
 *
 * Inflating and migration need room; what is left after the OOM
 * notifier's share (the whole balloon) is theirs.
 *
 * Context: holds @b->lock and @b->log_lock.
 * Return: the number of entries that may still be added.
 */
u64 __bguest_log_room(struct bguest_balloon *b)
{
	u64 used = (u64)b->log.nr + b->nr_pages;

	lockdep_assert_held(&b->lock);
	lockdep_assert_held(&b->log_lock);
	return b->log.cap > used ? b->log.cap - used : 0;
}

/**
 * bguest_log_grow() - make room for @room more entries.
 * @bg: the driver
 * @room: entries wanted on top of the balloon and the pending entries
 *
 * The allocation does not retry, like balloon pages do.
 *
 * Context: process context, the balloon work only; takes the balloon
 * lock and the log lock; may sleep.
 * Return: 0 on success; -ENOMEM or -E2BIG if the log could not grow.
 */
int bguest_log_grow(struct bguest *bg, u64 room)
{
	struct bguest_balloon *b = &bg->balloon;
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
	ent = bguest_fallible(bg, kvmalloc_array(need, sizeof(*ent),
						 GFP_KERNEL | __GFP_NORETRY |
						 __GFP_NOWARN));
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

/**
 * __bguest_log_add() - append one change.
 * @b: the balloon
 * @ent: the pfn, with BGUEST_LOG_DEFLATE for a page that left the balloon
 *
 * The caller reserved the room under the balloon lock.
 *
 * Context: holds @b->lock and @b->log_lock.
 */
void __bguest_log_add(struct bguest_balloon *b, u64 ent)
{
	struct bguest_log *log = &b->log;

	lockdep_assert_held(&b->lock);
	lockdep_assert_held(&b->log_lock);
	if (WARN_ON_ONCE(log->nr >= log->cap))
		return;
	log->ent[(log->head + log->nr) % log->cap] = ent;
	log->nr++;
	if (!(ent & BGUEST_LOG_DEFLATE))
		log->nr_inflate++;
}

/**
 * bguest_log_add() - append one change, taking the log lock.
 * @b: the balloon
 * @ent: as for __bguest_log_add()
 *
 * Context: holds @b->lock; takes @b->log_lock.
 */
void bguest_log_add(struct bguest_balloon *b, u64 ent)
{
	spin_lock(&b->log_lock);
	__bguest_log_add(b, ent);
	spin_unlock(&b->log_lock);
}

/**
 * __bguest_log_reset() - drop every entry and start a session.
 * @b: the balloon
 * @session: the channel session new entries belong to, 0 for none
 *
 * Context: holds @b->log_lock.
 */
void __bguest_log_reset(struct bguest_balloon *b, u64 session)
{
	struct bguest_log *log = &b->log;

	lockdep_assert_held(&b->log_lock);
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
static bool __bguest_log_pop_acked(struct bguest_balloon *b)
{
	struct bguest_log *log = &b->log;
	bool popped = false;

	lockdep_assert_held(&b->log_lock);
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

/**
 * __bguest_log_settled() - whether the host processed every INFLATED.
 * @b: the balloon
 *
 * Context: holds @b->log_lock.
 * Return: true when no INFLATED waits in the log or for its ACK.
 */
bool __bguest_log_settled(struct bguest_balloon *b)
{
	struct bguest_log *log = &b->log;

	lockdep_assert_held(&b->log_lock);
	return !log->nr_inflate && !log->nr_sent_inflate;
}

/**
 * __bguest_log_unacked_inflated() - pages the host may still release.
 * @b: the balloon
 * @pfns: where to store them
 * @max: room at @pfns
 *
 * Context: holds @b->log_lock.
 * Return: how many pfns of INFLATEDs sent and not acknowledged were
 * stored (at most BGUEST_WINDOW * MSCHED_BALLOON_MAX_GFNS).
 */
u32 __bguest_log_unacked_inflated(struct bguest_balloon *b, u64 *pfns,
				  u32 max)
{
	struct bguest_log *log = &b->log;
	u32 i, nr = 0;

	lockdep_assert_held(&b->log_lock);
	for (i = 0; i < log->nr_sent; i++) {
		u64 e = log->ent[(log->head + i) % log->cap];

		if (!(e & BGUEST_LOG_DEFLATE) && !WARN_ON_ONCE(nr == max))
			pfns[nr++] = e;
	}
	return nr;
}

/**
 * bguest_log_stale() - whether the host is taken for dead.
 * @b: the balloon
 *
 * The host made no progress on the waiting messages for
 * BGUEST_ACK_TIMEOUT_MS, and still had not BGUEST_STALE_CONFIRM_MS after
 * that was first seen (see the top of this file).
 *
 * Context: process context; takes @b->log_lock.
 * Return: true for a dead host.
 */
bool bguest_log_stale(struct bguest_balloon *b)
{
	struct bguest_log *log = &b->log;
	struct bguest_sent *m;
	u64 now = ktime_get_ns(), since;
	bool stale = false;

	spin_lock(&b->log_lock);
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
	spin_unlock(&b->log_lock);
	return stale;
}

/**
 * bguest_log_acked() - the host acknowledged a message.
 * @b: the balloon
 * @seq: its sequence number; the host handles messages in order, so every
 *	earlier message was handled too
 *
 * Context: process context (the channel thread); takes @b->log_lock.
 * Return: whether messages left the window (the work may go on).
 */
bool bguest_log_acked(struct bguest_balloon *b, u32 seq)
{
	struct bguest_log *log = &b->log;
	bool popped;

	spin_lock(&b->log_lock);
	if (!log->acked_valid || (s32)(seq - log->acked_seq) > 0)
		log->acked_seq = seq;
	log->acked_valid = true;
	popped = __bguest_log_pop_acked(b);
	spin_unlock(&b->log_lock);
	if (popped)
		wake_up_all(&b->settle_wq);
	return popped;
}

/**
 * bguest_log_flush() - send the log, oldest first.
 * @bg: the driver
 *
 * One run of a kind per message. Only the balloon work calls this, so
 * runs go out in log order. Sent entries stay in the log until their ACK
 * (bguest_log_acked()).
 *
 * Context: process context, the balloon work; takes the log lock and the
 * channel's send lock (not together); may sleep.
 * Return: 0 when everything went out; -EBUSY when BGUEST_WINDOW messages
 * await their ACK (an ACK kicks the work); or the send error.
 */
int bguest_log_flush(struct bguest *bg)
{
	struct bguest_balloon *b = &bg->balloon;
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
			log->tx_gfns[nr++] = e & ~BGUEST_LOG_DEFLATE;
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

		ret = bguest_chan_send_gfns(bg, session, deflate ?
					    MSCHED_BALLOON_MSG_DEFLATED :
					    MSCHED_BALLOON_MSG_INFLATED,
					    log->tx_gfns, nr, &seq);
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
			__bguest_log_pop_acked(b);
		}
		spin_unlock(&b->log_lock);
	}
}

/**
 * bguest_log_init() - allocate the empty log.
 * @b: the balloon
 *
 * Context: process context, module init; may sleep.
 * Return: 0 on success, -ENOMEM (nothing is left behind).
 */
int bguest_log_init(struct bguest_balloon *b)
{
	struct bguest_log *log = &b->log;

	log->tx_gfns = kmalloc_array(MSCHED_BALLOON_MAX_GFNS,
				     sizeof(*log->tx_gfns), GFP_KERNEL);
	if (!log->tx_gfns)
		return -ENOMEM;
	log->cap = BGUEST_LOG_INIT;
	log->ent = kvmalloc_array(log->cap, sizeof(*log->ent), GFP_KERNEL);
	if (!log->ent)
		goto out_free_tx;
	return 0;

out_free_tx:
	kfree(log->tx_gfns);
	return -ENOMEM;
}

/**
 * bguest_log_exit() - free the log.
 * @b: the balloon
 *
 * Context: process context, module exit, after the balloon work stopped.
 */
void bguest_log_exit(struct bguest_balloon *b)
{
	kvfree(b->log.ent);
	kfree(b->log.tx_gfns);
}
