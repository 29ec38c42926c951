/* SPDX-License-Identifier: GPL-2.0 */
/*
 * balloon_guest: private declarations shared by the files of the module.
 *
 * Files and their concerns:
 *   main.c       module init and exit order
 *   channel.c    the AF_VSOCK connection to the host: kthread, send, receive,
 *                message dispatch
 *   balloon.c    the balloon: inflate/deflate work, the ordered log of page
 *                changes the host must learn, compaction, OOM notifier
 *   stats.c      STATS and CLASSES messages, the periodic stats tick
 *   condition.c  /dev/balloon_condition for guest applications
 *   sysfs.c      /sys/kernel/mm/balloon_guest
 *   trace.[ch]   tracepoints
 *   proto.c      the wire protocol codec (lib/msched_proto.c)
 */
#ifndef _BALLOON_GUEST_H
#define _BALLOON_GUEST_H

#include <linux/atomic.h>
#include <linux/types.h>

#include "../fail_alloc.h"
#include "msched_proto.h"

/**
 * struct bguest_counters - event counters shown in sysfs.
 * @inflated_pages: pages ever put into the balloon (compaction excluded)
 * @deflated_pages: pages ever given back to the guest, by any path (host
 *	target, OOM, disconnect, a host's confirmation of held pages);
 *	balloon_pages + held pages == inflated - deflated
 * @migrated_pages: balloon pages moved by compaction
 * @oom_notifications: OOM notifier calls
 * @oom_deflated_pages: pages released by the OOM notifier
 * @alloc_failures: inflate batches cut short by a failed page allocation
 * @connect_failures: failed connection attempts
 * @host_rejects: ACKs from the host with a negative status
 * @protocol_errors: undecodable or unexpected messages from the host
 * @messages_sent: messages sent to the host
 * @messages_received: messages received from the host
 * @last_inflate_ns: duration of the last inflate batch, sending included
 * @last_deflate_ns: duration of the last deflate batch, sending included
 *
 * All are atomics: they are updated from the channel thread, work items,
 * the OOM notifier and compaction without a common lock.
 */
struct bguest_counters {
	atomic64_t inflated_pages;
	atomic64_t deflated_pages;
	atomic64_t migrated_pages;
	atomic64_t oom_notifications;
	atomic64_t oom_deflated_pages;
	atomic64_t alloc_failures;
	atomic64_t connect_failures;
	atomic64_t host_rejects;
	atomic64_t protocol_errors;
	atomic64_t messages_sent;
	atomic64_t messages_received;
	atomic64_t last_inflate_ns;
	atomic64_t last_deflate_ns;
};

extern struct bguest_counters bguest_ctr;

/* channel.c: the connection to the host */
#define BGUEST_RECONNECT_MS_MIN		100
#define BGUEST_RECONNECT_MS_MAX		60000
extern unsigned int bguest_reconnect_ms;
bool bguest_chan_connected(void);
int bguest_chan_send_gfns(u64 session, u16 type, const u64 *gfns, u32 nr,
			  u32 *seq);
int bguest_chan_send_kvs(u16 type, const struct msched_proto_kv *kv, u32 nr);
int bguest_chan_init(void);
void bguest_chan_exit(void);

/* balloon.c: the balloon itself */
#define BGUEST_OOM_DEFLATE_MAX		1048576
extern unsigned int bguest_oom_deflate_pages;
u64 bguest_balloon_pages(void);
u64 bguest_balloon_target(void);
void bguest_balloon_set_target(u64 target_pages);
void bguest_balloon_connect(u64 session);
u64 bguest_balloon_disconnect(u64 *heldp);
u64 bguest_balloon_host_confirmed(void);
void bguest_balloon_acked(u32 seq);
void bguest_chan_hangup(const char *why);
int bguest_balloon_init(void);
void bguest_balloon_exit(void);

/* stats.c: STATS and CLASSES, the periodic tick */
#define BGUEST_STATS_INTERVAL_MS_MIN	100
#define BGUEST_STATS_INTERVAL_MS_MAX	3600000
extern unsigned int bguest_stats_interval_ms;
int bguest_stats_send(void);
void bguest_stats_rearm(void);
int bguest_stats_init(void);
void bguest_stats_exit(void);

/* condition.c: /dev/balloon_condition */
void bguest_cond_bump(void);
void bguest_cond_check(void);
int bguest_cond_init(void);
void bguest_cond_exit(void);

/*
 * main.c: an allocation the driver makes after init; debugfs
 * balloon_guest/fail_alloc may fail it (the debug kernel; ../fail_alloc.h).
 */
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
extern struct fault_attr bguest_fail_alloc_attr;
#endif
#define bguest_fallible(expr)	MSCHED_FALLIBLE(&bguest_fail_alloc_attr, expr)

/* sysfs.c: the /sys/kernel/mm/balloon_guest tree */
int bguest_sysfs_init(void);
void bguest_sysfs_exit(void);

#endif /* _BALLOON_GUEST_H */
