/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rdma_failover: private declarations shared by the files of the module.
 *
 * One struct rfo_replica per replicated memschedfs file (sysfs.c creates
 * and destroys them). Its role is primary (primary.c: the epoch engine,
 * rdma_cm client) or standby (standby.c: receive, undo log, apply,
 * promote; rdma_cm server), or, for pull recovery (pull.c), source (a
 * baseline image on shared storage, the dirty bitmap since, served to
 * RDMA READs; rdma_cm server) or recovery (baseline, then RDMA READ;
 * rdma_cm client). conn.c owns one RC connection: rdma_cm id, PD,
 * CQ, QP, receive ring, send ring, registrations.
 *
 * Locking (Documentation/design/replication.rst, "Locking"):
 *   rfo_replicas_lock (mutex) > rfo_replica.lock (mutex) > rfo_replica.ev_lock
 *   (spinlock, BH-safe) and rfo_conn.rx_lock (spinlock, BH-safe).
 *   Work items (on rfo_replica.wq, ordered) never take rfo_replica.lock:
 *   commands quiesce them (stopping, cancel/flush) while holding it.
 */
#ifndef _RDMA_FAILOVER_H
#define _RDMA_FAILOVER_H

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/in.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "../../lib/msched_repl.h"

struct file;
struct msched_dirty;
struct rfo_conn;

enum rfo_role {
	RFO_ROLE_PRIMARY,
	RFO_ROLE_STANDBY,
	RFO_ROLE_SOURCE,
	RFO_ROLE_RECOVERY,
	RFO_NR_ROLES,
};

enum rfo_state {
	RFO_STOPPED,
	RFO_CONNECTING,		/* primary */
	RFO_LISTENING,		/* standby */
	RFO_SYNCING,
	RFO_REPLICATING,
	RFO_RECONNECTING,	/* primary */
	RFO_PRIMARY_LOST,	/* standby */
	RFO_PROMOTED,		/* standby */
	RFO_SERVING,		/* source: a recovery host pulls */
	RFO_PULLING,		/* recovery */
	RFO_RECOVERED,		/* recovery: the pull completed */
	RFO_NR_STATES,
};

/*
 * The values of r->stats[]: the counters of stats/ (nr_*) and the gauges
 * of replicas/<name>/ (last_*, dirty_pages); sysfs.c names them, and
 * replicas/<name>/reset zeroes them all.
 */
enum rfo_stat {
	RFO_STAT_NR_EPOCHS,
	RFO_STAT_NR_PAGES,
	RFO_STAT_NR_BYTES,
	RFO_STAT_NR_COW_PAGES,
	RFO_STAT_NR_WRITER_STALL_NS,
	RFO_STAT_LAST_WRITER_STALL_MAX_NS,
	RFO_STAT_LAST_EPOCH_LATENCY_US,
	RFO_STAT_LAST_CUT_NS,
	RFO_STAT_NR_HEARTBEAT_TIMEOUTS,
	RFO_STAT_NR_RECONNECTS,
	RFO_STAT_NR_RESYNCS,
	RFO_STAT_NR_BAD_MESSAGES,
	RFO_STAT_NR_REGISTRATION_ERRORS,
	RFO_STAT_NR_ROLLBACKS,
	RFO_STAT_LAST_DETECT_MS,
	RFO_STAT_LAST_PROMOTE_US,
	RFO_STAT_NR_REJECTS,
	RFO_STAT_NR_PULLS,
	RFO_STAT_NR_PULL_ERRORS,
	RFO_STAT_NR_PULL_PAGES,
	RFO_STAT_NR_PULL_BYTES,
	RFO_STAT_NR_BASELINE_PAGES,
	RFO_STAT_NR_DIRTY_HUGE_FOLIOS,
	RFO_STAT_DIRTY_PAGES,
	RFO_STAT_LAST_PULL_NS,
	RFO_STAT_LAST_BASELINE_NS,
	RFO_NR_STATS,
};

/**
 * struct rfo_replica - one replicated memschedfs file.
 * @node: in rfo_replicas (rfo_replicas_lock)
 * @kobj: replicas/<name>/
 * @stats_kobj: replicas/<name>/stats/
 * @name: the file's basename
 * @path: the path written to add
 * @file: the file, open for the replica's life
 * @nr_pages: the file's size in pages at add
 * @lock: serializes commands and configuration writes; see the header
 * @role: primary or standby (@lock)
 * @peer: the standby's address (@lock; set while stopped)
 * @source: the primary's source address, 0 for any (@lock; while stopped)
 * @epoch_ms: epoch length (live, READ_ONCE)
 * @heartbeat_ms: heartbeat interval (live, READ_ONCE)
 * @timeout_ms: peer loss timeout (live, READ_ONCE)
 * @state: enum rfo_state (WRITE_ONCE by the owner of the moment: a command
 *	under @lock with the works quiesced, or a work)
 * @wq: ordered workqueue: every work item below, one at a time
 * @ev_lock: protects @stopping, @conn and @pending_id against the CM
 *	handler (which must not sleep while it holds it)
 * @stopping: set by stop before the works are cancelled; works and the
 *	CM handler queue nothing more once set
 * @conn: the current connection (works; the CM handler under @ev_lock)
 * @listen_id: standby: the listening rdma_cm id (commands)
 * @pending_id: standby: a connect request waiting for accept_work
 * @pending_hello: its HELLO
 * @waitq: woken on every event a work may wait for
 * @connect_work: primary: connect (delayed: reconnect backoff)
 * @epoch_work: primary: the epoch engine
 * @accept_work: standby: set up and accept @pending_id
 * @rx_work: standby: process received messages
 * @hb_work: standby: heartbeat timeout check; primary: unused
 * @lost_work: standby: the connection is gone (CM event)
 * @dirty: primary: the dirty tracker (works; commands when quiesced)
 * @dirty_fresh: primary: @dirty was started and never cut (its first
 *	epoch will be the whole file)
 * @generation: primary: this run's id; standby: the generation of the
 *	applied image (0: none)
 * @epoch: the last complete epoch (primary: committed; standby: applied)
 * @epoch_time_ns: standby: the primary's cut time of @epoch
 * @ever_connected: primary: a connection was established in this run
 * @rx: standby: the state of the epoch being received
 * @rx.epoch: the epoch expected next
 * @rx.batch_seq: the next batch number
 * @rx.nr_pages: pages received in it
 * @rx.undo: whether old contents are saved (an image exists)
 * @rx.full: the epoch is a resync (whole file)
 * @rx.active: a batch of it arrived (an undo may be needed)
 * @rx.start_ns: when its first batch arrived
 * @rx.seen: bitmap of page indices received in it (nr_pages bits)
 * @rx.undo_log: page index -> page with the contents before the epoch
 * @stage: standby: the staging pages (@nr_slots)
 * @nr_slots: standby: staging slots
 * @stage_list: standby: the list area (@stage_list_bytes, page aligned)
 * @stage_list_bytes: its size, a multiple of PAGE_SIZE
 * @reconnect_req: primary: a reconnect command is pending
 * @full_next: primary: the next epoch carries the whole file (resync)
 * @next_cut: primary: when (jiffies) epoch_work cuts the next epoch; it
 *	runs every min(epoch_ms, heartbeat_ms) and only sends heartbeats
 *	before then
 * @prev_cow: primary: the tracker's nr_cow_pages at the last epoch
 * @prev_stall: primary: the tracker's stall_ns at the last epoch
 * @prev_huge: primary: the tracker's nr_dirty_huge_folios at the last epoch
 * @removed: remove began; start refuses (@lock)
 * @rx.gen: the generation of the primary being received
 * @rx.idx: the indices of the batch being applied (a private copy: the
 *	peer can write the list area at any time)
 * @baseline: source and recovery: the baseline image's path (@lock; set
 *	while stopped; NULL: none)
 * @pull: source: the dirty bitmap since the baseline (works, the source
 *	being started; the CM handler reads nothing of it)
 * @pull.map: the bitmap (wire layout), @pull.map_alloc bytes, page aligned
 * @pull.map_bytes: its size in bytes, msched_repl_bitmap_bytes(@nr_pages)
 * @pull.map_alloc: its allocated size (a multiple of PAGE_SIZE)
 * @pull.nr_dirty: bits set in it
 * @stats: the stats/ counters and the replica's gauges (enum rfo_stat)
 */
struct rfo_replica {
	struct list_head node;
	struct kobject kobj;
	struct kobject *stats_kobj;
	char name[NAME_MAX + 1];
	char *path;
	struct file *file;
	u64 nr_pages;

	struct mutex lock;
	enum rfo_role role;
	struct sockaddr_in peer;
	struct sockaddr_in source;
	unsigned int epoch_ms;
	unsigned int heartbeat_ms;
	unsigned int timeout_ms;
	int state;

	struct workqueue_struct *wq;
	spinlock_t ev_lock;
	bool stopping;
	struct rfo_conn *conn;
	struct rdma_cm_id *listen_id;
	struct rdma_cm_id *pending_id;
	struct msched_repl_msg pending_hello;
	wait_queue_head_t waitq;
	struct delayed_work connect_work;
	struct delayed_work epoch_work;
	struct work_struct accept_work;
	struct work_struct rx_work;
	struct delayed_work hb_work;
	struct work_struct lost_work;

	struct msched_dirty *dirty;
	bool dirty_fresh;
	u64 generation;
	u64 epoch;
	u64 epoch_time_ns;
	bool ever_connected;

	struct {
		u64 epoch;
		u32 batch_seq;
		u64 nr_pages;
		bool undo;
		bool full;
		bool active;
		u64 start_ns;
		u8 *seen;
		struct xarray undo_log;
		u64 gen;
		u64 *idx;
	} rx;
	struct page **stage;
	u32 nr_slots;
	void *stage_list;
	u32 stage_list_bytes;
	bool reconnect_req;
	bool full_next;
	unsigned long next_cut;
	u64 prev_cow;
	u64 prev_huge;
	u64 prev_stall;
	bool removed;

	char *baseline;
	struct {
		u8 *map;
		u32 map_bytes;
		u32 map_alloc;
		u64 nr_dirty;
	} pull;

	atomic64_t stats[RFO_NR_STATS];
};

/* core.c: state, stats, bad messages, queueing */
const char *rfo_state_name(int state);
void rfo_replica_set_state(struct rfo_replica *r, int state);
void rfo_stat_add(struct rfo_replica *r, enum rfo_stat s, u64 v);
void rfo_stat_set(struct rfo_replica *r, enum rfo_stat s, u64 v);
void rfo_bad_message(struct rfo_replica *r, const char *what, int err);
bool rfo_queue_work(struct rfo_replica *r, struct work_struct *work);
bool rfo_queue_delayed(struct rfo_replica *r, struct delayed_work *dwork,
		       unsigned long delay);
bool rfo_stopping(struct rfo_replica *r);
void rfo_set_conn(struct rfo_replica *r, struct rfo_conn *c);

/* replica.c: life and commands */
struct rfo_replica *rfo_replica_new(const char *name, const char *path,
				    struct file *file);
void rfo_replica_free(struct rfo_replica *r);
int rfo_replica_start(struct rfo_replica *r);
void rfo_replica_stop(struct rfo_replica *r);
int rfo_replica_promote(struct rfo_replica *r);
int rfo_replica_reconnect(struct rfo_replica *r);
int rfo_replica_pull(struct rfo_replica *r);
const char *rfo_role_name(int role);

/* primary.c */
int rfo_primary_start(struct rfo_replica *r);
void rfo_primary_stop(struct rfo_replica *r);
int rfo_primary_reconnect(struct rfo_replica *r);
void rfo_primary_connect_work(struct work_struct *work);
void rfo_primary_epoch_work(struct work_struct *work);

/* standby.c */
int rfo_standby_start(struct rfo_replica *r, u32 nr_slots);
void rfo_standby_stop(struct rfo_replica *r);
void rfo_standby_promote(struct rfo_replica *r);
void rfo_standby_accept_work(struct work_struct *work);
void rfo_standby_rx_work(struct work_struct *work);
void rfo_standby_hb_work(struct work_struct *work);
void rfo_standby_lost_work(struct work_struct *work);

/* pull.c: pull recovery (source and recovery roles) */
int rfo_source_start(struct rfo_replica *r);
void rfo_source_stop(struct rfo_replica *r);
void rfo_source_accept_work(struct work_struct *work);
void rfo_source_epoch_work(struct work_struct *work);
int rfo_recovery_pull(struct rfo_replica *r);

/* sysfs.c: the /sys/kernel/rdma_failover tree */
int rfo_sysfs_init(void);
void rfo_sysfs_exit(void);

#endif /* _RDMA_FAILOVER_H */
