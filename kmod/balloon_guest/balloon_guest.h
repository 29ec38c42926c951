/* SPDX-License-Identifier: GPL-2.0 */
/*
 * balloon_guest: private declarations shared by the files of the module.
 *
 * The driver's state is one object, struct bguest, allocated at load (as
 * virtio_balloon keeps one vb); every part takes it as its first argument,
 * and callbacks find it with container_of().
 *
 * Files and their concerns:
 *   main.c       struct bguest: init and exit order, one unwind path; the
 *                table of what each message from the host does
 *   channel.c    transport: the AF_VSOCK connection and its kthread,
 *                sending, and dispatch of received messages through the
 *                table main.c hands it (struct bguest_chan_ops)
 *   log.c        the ordered log: the balloon changes the host has yet to
 *                learn, what was sent and what the host acknowledged
 *   balloon.c    the balloon: inflate/deflate work, compaction, the OOM
 *                notifier, emptying on disconnect and the held pages
 *   stats.c      STATS and CLASSES messages, the periodic tick
 *   condition.c  /dev/balloon_condition; subscribes to bguest.events
 *   sysfs.c      /sys/kernel/mm/balloon_guest
 *   trace.[ch]   tracepoints
 *   proto.c      the wire protocol codec (lib/msched_proto.c)
 *   frame.c      the frame reader (kmod/msched_frame.c)
 *
 * Who calls whom is a tree: main.c calls every part; sysfs.c calls
 * stats.c, balloon.c and channel.c; condition.c reads balloon.c and
 * channel.c; balloon.c calls log.c and channel.c; stats.c and log.c call
 * channel.c; channel.c calls only the codec and the frame reader. The
 * channel reaches the balloon and the stats only through its ops table,
 * and the condition device learns of changes only through bguest.events.
 */
#ifndef _BALLOON_GUEST_H
#define _BALLOON_GUEST_H

#include <linux/atomic.h>
#include <linux/balloon_compaction.h>
#include <linux/fault-inject.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "../fail_alloc.h"
#include "msched_proto.h"

struct bguest;
struct dentry;
struct kobject;
struct socket;
struct task_struct;

/**
 * struct bguest_counters - event counters, shown in sysfs stats/.
 * @nr_inflated_pages: pages ever put into the balloon (compaction excluded)
 * @nr_deflated_pages: pages ever given back to the guest, by any path (host
 *	target, OOM, disconnect, a host's confirmation of held pages);
 *	balloon_pages + held pages == inflated - deflated
 * @nr_migrated_pages: balloon pages moved by compaction
 * @nr_oom_notifications: OOM notifier calls
 * @nr_oom_deflated_pages: pages released by the OOM notifier
 * @nr_alloc_failures: inflate batches cut short by a failed page allocation
 * @nr_connect_failures: failed connection attempts
 * @nr_host_rejects: ACKs from the host with a negative status
 * @nr_protocol_errors: undecodable or unexpected messages from the host
 * @nr_messages_sent: messages sent to the host
 * @nr_messages_received: messages received from the host
 *
 * All are atomics: they are updated from the channel thread, work items,
 * the OOM notifier and compaction without a common lock.
 */
struct bguest_counters {
	atomic64_t nr_inflated_pages;
	atomic64_t nr_deflated_pages;
	atomic64_t nr_migrated_pages;
	atomic64_t nr_oom_notifications;
	atomic64_t nr_oom_deflated_pages;
	atomic64_t nr_alloc_failures;
	atomic64_t nr_connect_failures;
	atomic64_t nr_host_rejects;
	atomic64_t nr_protocol_errors;
	atomic64_t nr_messages_sent;
	atomic64_t nr_messages_received;
};

/**
 * enum bguest_event - what bguest.events announces (the notifier action).
 * @BGUEST_EV_CONNECTED: a connection to the host is up (HELLO sent)
 * @BGUEST_EV_DISCONNECTED: it ended, and the balloon was emptied
 * @BGUEST_EV_BALLOON: the balloon's size or target changed (once per
 *	batch), or held pages went back to the guest
 * @BGUEST_EV_TICK: the stats tick ran (a chance to look at memory)
 *
 * The chain is atomic: subscribers run under rcu_read_lock() and must not
 * sleep. Publishers call it from process context, the OOM notifier
 * included, with none of their locks held.
 */
enum bguest_event {
	BGUEST_EV_CONNECTED,
	BGUEST_EV_DISCONNECTED,
	BGUEST_EV_BALLOON,
	BGUEST_EV_TICK,
};


/**
 * typedef bguest_msg_fn - what one type of message from the host does.
 * @bg: the driver
 * @m: the decoded message
 *
 * Called by the channel thread, one message at a time, in order.
 * Return: 0, or a negative MSCHED_PROTO_E* code: a protocol error that
 * drops the connection.
 */
typedef int (*bguest_msg_fn)(struct bguest *bg,
			     const struct msched_proto_msg *m);

/**
 * struct bguest_chan_ops - what the channel's user does with a connection.
 * @up: a connection @session (non-zero) is up and HELLO went out
 * @down: the connection ended; returns the pages given back to the guest
 *	and sets *@heldp to the pages held (logged)
 * @hello_acked: the host acknowledged this connection's HELLO with status
 *	0; returns the pages given back to the guest (logged)
 * @handle: what each message type from the host does; a type without a
 *	handler is a protocol error. An ACK of HELLO goes to @hello_acked
 *	instead (or to @handle if its status is negative).
 *
 * Every callback runs on the channel thread.
 */
struct bguest_chan_ops {
	void (*up)(struct bguest *bg, u64 session);
	u64 (*down)(struct bguest *bg, u64 *heldp);
	u64 (*hello_acked)(struct bguest *bg);
	bguest_msg_fn handle[MSCHED_BALLOON_MSG_MAX + 1];
};

/**
 * struct bguest_chan - the connection to the host.
 * @ops: what the messages do (main.c); set once at init.
 * @host_cid: AF_VSOCK CID of the host (module parameter).
 * @port: AF_VSOCK port of the host (module parameter balloon_port).
 * @reconnect_ms: pause between attempts (sysfs); read locklessly.
 * @thread: connects, receives and dispatches; owns @sock.
 * @send_lock: serializes senders; guards @tx, @seq, @session and @ready,
 *	and keeps @sock alive while a sender uses it.
 * @sock_lock: guards @sock for unload, which shuts it down to wake the
 *	thread; nests inside @send_lock.
 * @sock: the connected socket, NULL between connections; written by
 *	@thread under both locks.
 * @session: number of the current connection, 0 between connections.
 * @nr_sessions: connections made so far; @thread only.
 * @seq: sequence number of the next message on this connection.
 * @ready: HELLO went out on this connection: other messages may follow.
 * @tx: send buffer, one whole message.
 * @rx: receive buffer, one whole message; @thread only.
 * @hello_seq: sequence number of this connection's HELLO; @thread only.
 * @hello_acked: the host acknowledged that HELLO; @thread only.
 * @connected: HELLO went out on @sock; read locklessly.
 * @stopping: unload began; set once, read locklessly.
 */
struct bguest_chan {
	const struct bguest_chan_ops *ops;
	unsigned int host_cid;
	unsigned int port;
	unsigned int reconnect_ms;
	struct task_struct *thread;
	struct mutex send_lock;
	struct mutex sock_lock;
	struct socket *sock;
	u64 session;
	u64 nr_sessions;
	u32 seq;
	bool ready;
	u8 *tx;
	u8 *rx;
	u32 hello_seq;
	bool hello_acked;
	bool connected;
	bool stopping;
};

/* Messages sent and not yet acknowledged, at most. */
#define BGUEST_WINDOW		16

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
 * @stopping: unload began: the balloon work is never queued again.
 * @tx_gfns: MSCHED_BALLOON_MAX_GFNS pfns being sent; the balloon work only.
 *
 * Every field but @tx_gfns is guarded by bguest_balloon.log_lock. Entries
 * are appended only under bguest_balloon.lock as well, so that log order
 * is the order of membership changes; they are removed by the work alone.
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
	u64 *tx_gfns;
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
 * @oom_deflate_pages: pages the OOM notifier gives back per call (sysfs);
 *	read locklessly.
 * @log_lock: guards @log; nests inside @lock.
 * @log: see struct bguest_log.
 * @work: converges to @target_pages and sends the log; the only sender of
 *	INFLATED and DEFLATED.
 * @unsure: BGUEST_WINDOW * MSCHED_BALLOON_MAX_GFNS pfns: at disconnect,
 *	those of the INFLATEDs not acknowledged; the channel thread only.
 * @held: pages the host may still release (balloon.c), off the balloon
 *	and out of the allocator; the channel thread (and unload) only.
 * @nr_held: pages on @held; read locklessly.
 * @oom_nb: the OOM notifier.
 * @settle_wq: woken when ACKs drop messages from the log; the OOM
 *	notifier waits there (bounded) for the balloon to settle.
 * @last_inflate_ns: duration of the last inflate batch, sending included.
 * @last_deflate_ns: duration of the last deflate batch, sending included.
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
	unsigned int oom_deflate_pages;
	spinlock_t log_lock;
	struct bguest_log log;
	struct delayed_work work;
	u64 *unsure;
	struct list_head held;
	u64 nr_held;
	struct notifier_block oom_nb;
	wait_queue_head_t settle_wq;
	atomic64_t last_inflate_ns;
	atomic64_t last_deflate_ns;
};

/**
 * struct bguest_stats - the STATS and CLASSES reports.
 * @interval_ms: period of the reports, 0 for off (sysfs); read locklessly.
 * @work: the tick: reports, and BGUEST_EV_TICK.
 */
struct bguest_stats {
	unsigned int interval_ms;
	struct delayed_work work;
};

/**
 * struct bguest_cond - /dev/balloon_condition.
 * @dev: the misc device; open() finds the driver from it.
 * @nb: the subscription to bguest.events.
 * @gen: generation, bumped on every change.
 * @avail: si_mem_available() at the last bump.
 * @wq: pollers.
 */
struct bguest_cond {
	struct miscdevice dev;
	struct notifier_block nb;
	atomic64_t gen;
	atomic_long_t avail;
	wait_queue_head_t wq;
};

/**
 * struct bguest - the driver: one per guest, allocated at load.
 * @ctr: event counters (sysfs stats/).
 * @events: change announcements (enum bguest_event); the condition device
 *	subscribes.
 * @chan: the connection to the host.
 * @balloon: the balloon and its log.
 * @stats: the STATS and CLASSES reports.
 * @cond: /dev/balloon_condition.
 * @kobj: /sys/kernel/mm/balloon_guest.
 * @debugfs: /sys/kernel/debug/balloon_guest (fault injection).
 * @fail_alloc: fails allocations made after init on request (the debug
 *	kernel; ../fail_alloc.h); points at main.c's fault attribute.
 */
struct bguest {
	struct bguest_counters ctr;
	struct atomic_notifier_head events;
	struct bguest_chan chan;
	struct bguest_balloon balloon;
	struct bguest_stats stats;
	struct bguest_cond cond;
	struct kobject *kobj;
	struct dentry *debugfs;
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
	struct fault_attr *fail_alloc;
#endif
};

/**
 * bguest_publish() - announce a change to the subscribers of bguest.events.
 * @bg: the driver
 * @ev: what changed
 *
 * Context: process context, any locks of the caller; does not sleep.
 */
static inline void bguest_publish(struct bguest *bg, enum bguest_event ev)
{
	atomic_notifier_call_chain(&bg->events, ev, bg);
}

/* An allocation made after init; debugfs balloon_guest/fail_alloc may fail it. */
#define bguest_fallible(bg, expr)	MSCHED_FALLIBLE((bg)->fail_alloc, expr)

/* channel.c: the connection to the host */
#define BGUEST_RECONNECT_MS_MIN		100
#define BGUEST_RECONNECT_MS_MAX		60000
bool bguest_chan_connected(struct bguest *bg);
int bguest_chan_send_gfns(struct bguest *bg, u64 session, u16 type,
			  const u64 *gfns, u32 nr, u32 *seq);
int bguest_chan_send_kvs(struct bguest *bg, u16 type,
			 const struct msched_proto_kv *kv, u32 nr);
void bguest_chan_hangup(struct bguest *bg, const char *why);
int bguest_chan_init(struct bguest *bg, const struct bguest_chan_ops *ops);
void bguest_chan_exit(struct bguest *bg);

/* log.c: the ordered log */
/* Log entry flag: the page left the balloon (else it entered). */
#define BGUEST_LOG_DEFLATE	BIT_ULL(63)
/*
 * How long the host may make no progress on waiting messages before it is
 * taken for dead (a nested guest on a busy host takes seconds per message).
 */
#define BGUEST_ACK_TIMEOUT_S	30
u64 __bguest_log_room(struct bguest_balloon *b);
int bguest_log_grow(struct bguest *bg, u64 room);
void __bguest_log_add(struct bguest_balloon *b, u64 ent);
void bguest_log_add(struct bguest_balloon *b, u64 ent);
void __bguest_log_reset(struct bguest_balloon *b, u64 session);
bool __bguest_log_settled(struct bguest_balloon *b);
bool bguest_log_acked(struct bguest_balloon *b, u32 seq);
bool bguest_log_stale(struct bguest_balloon *b);
u32 __bguest_log_unacked_inflated(struct bguest_balloon *b, u64 *pfns,
				  u32 max);
int bguest_log_flush(struct bguest *bg);
int bguest_log_init(struct bguest_balloon *b);
void bguest_log_exit(struct bguest_balloon *b);

/* balloon.c: the balloon itself */
#define BGUEST_OOM_DEFLATE_MAX		1048576
u64 bguest_balloon_pages(struct bguest *bg);
u64 bguest_balloon_target(struct bguest *bg);
int bguest_balloon_on_set_target(struct bguest *bg,
				 const struct msched_proto_msg *m);
int bguest_balloon_on_ack(struct bguest *bg, const struct msched_proto_msg *m);
void bguest_balloon_connect(struct bguest *bg, u64 session);
u64 bguest_balloon_disconnect(struct bguest *bg, u64 *heldp);
u64 bguest_balloon_host_confirmed(struct bguest *bg);
int bguest_balloon_init(struct bguest *bg);
void bguest_balloon_exit(struct bguest *bg);

/* stats.c: STATS and CLASSES, the periodic tick */
#define BGUEST_STATS_INTERVAL_MS_MIN	100
#define BGUEST_STATS_INTERVAL_MS_MAX	3600000
int bguest_stats_send(struct bguest *bg);
int bguest_stats_on_request(struct bguest *bg,
			    const struct msched_proto_msg *m);
void bguest_stats_rearm(struct bguest *bg);
int bguest_stats_init(struct bguest *bg);
void bguest_stats_exit(struct bguest *bg);

/* condition.c: /dev/balloon_condition */
int bguest_cond_init(struct bguest *bg);
void bguest_cond_exit(struct bguest *bg);

/* sysfs.c: the /sys/kernel/mm/balloon_guest tree */
int bguest_sysfs_init(struct bguest *bg);
void bguest_sysfs_exit(struct bguest *bg);

#endif /* _BALLOON_GUEST_H */
