// SPDX-License-Identifier: GPL-2.0
/*
 * balloon_guest: what the guest reports about its memory.
 *
 * STATS carries the kernel's memory events and sizes, CLASSES how memory
 * is used (both in include/uapi/memsched_balloon.h; amounts in bytes,
 * events as counts since boot). Both go out on connect, on STATS_REQUEST
 * and every stats_interval_ms. The same tick publishes BGUEST_EV_TICK, so
 * that the condition device notices a large change of available memory;
 * it keeps running (every second) when periodic stats are off.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/vmstat.h>
#include <linux/workqueue.h>

#include "balloon_guest.h"

#define BGUEST_TICK_IDLE_MS	1000

static void bguest_kv(struct msched_proto_kv *kv, u32 *nr, u16 tag, u64 value)
{
	kv[*nr].tag = tag;
	kv[*nr].value = value;
	(*nr)++;
}

static u32 bguest_stats_fill(struct msched_proto_kv *kv)
{
	unsigned long ev[NR_VM_EVENT_ITEMS];
	u64 stalls = 0;
	struct sysinfo si;
	u32 nr = 0;
	int zid;

	all_vm_events(ev);
	si_meminfo(&si);
	for (zid = 0; zid < MAX_NR_ZONES; zid++)
		stalls += ev[ALLOCSTALL_NORMAL - ZONE_NORMAL + zid];

	bguest_kv(kv, &nr, MSCHED_BALLOON_STAT_SWAP_IN,
		  (u64)ev[PSWPIN] << PAGE_SHIFT);
	bguest_kv(kv, &nr, MSCHED_BALLOON_STAT_SWAP_OUT,
		  (u64)ev[PSWPOUT] << PAGE_SHIFT);
	bguest_kv(kv, &nr, MSCHED_BALLOON_STAT_MAJOR_FAULTS, ev[PGMAJFAULT]);
	bguest_kv(kv, &nr, MSCHED_BALLOON_STAT_MINOR_FAULTS,
		  ev[PGFAULT] - ev[PGMAJFAULT]);
	bguest_kv(kv, &nr, MSCHED_BALLOON_STAT_FREE,
		  (u64)si.freeram * si.mem_unit);
	bguest_kv(kv, &nr, MSCHED_BALLOON_STAT_TOTAL,
		  (u64)si.totalram * si.mem_unit);
	bguest_kv(kv, &nr, MSCHED_BALLOON_STAT_AVAILABLE,
		  (u64)si_mem_available() << PAGE_SHIFT);
	bguest_kv(kv, &nr, MSCHED_BALLOON_STAT_CACHES,
		  (u64)global_node_page_state(NR_FILE_PAGES) << PAGE_SHIFT);
	bguest_kv(kv, &nr, MSCHED_BALLOON_STAT_OOM_KILLS, ev[OOM_KILL]);
	bguest_kv(kv, &nr, MSCHED_BALLOON_STAT_ALLOC_STALLS, stalls);
	return nr;
}

static u64 bguest_node_bytes(enum node_stat_item item)
{
	return (u64)global_node_page_state(item) << PAGE_SHIFT;
}

static u32 bguest_classes_fill(struct msched_proto_kv *kv)
{
	u64 slab = global_node_page_state_pages(NR_SLAB_RECLAIMABLE_B) +
		   global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B);
	u32 nr = 0;

	bguest_kv(kv, &nr, MSCHED_BALLOON_CLASS_ANON_ACTIVE,
		  bguest_node_bytes(NR_ACTIVE_ANON));
	bguest_kv(kv, &nr, MSCHED_BALLOON_CLASS_ANON_INACTIVE,
		  bguest_node_bytes(NR_INACTIVE_ANON));
	bguest_kv(kv, &nr, MSCHED_BALLOON_CLASS_FILE_ACTIVE,
		  bguest_node_bytes(NR_ACTIVE_FILE));
	bguest_kv(kv, &nr, MSCHED_BALLOON_CLASS_FILE_INACTIVE,
		  bguest_node_bytes(NR_INACTIVE_FILE));
	bguest_kv(kv, &nr, MSCHED_BALLOON_CLASS_DIRTY,
		  bguest_node_bytes(NR_FILE_DIRTY));
	bguest_kv(kv, &nr, MSCHED_BALLOON_CLASS_FREE,
		  (u64)global_zone_page_state(NR_FREE_PAGES) << PAGE_SHIFT);
	/* The _B items are kept in pages at the global level. */
	bguest_kv(kv, &nr, MSCHED_BALLOON_CLASS_SLAB, slab << PAGE_SHIFT);
	return nr;
}

/**
 * bguest_stats_send() - send one STATS and one CLASSES message.
 * @bg: the driver
 *
 * Context: process context; may sleep (sending).
 * Return: 0 on success; -ENOTCONN if not connected; -errno if a send
 * failed (the connection is then hung up).
 */
int bguest_stats_send(struct bguest *bg)
{
	struct msched_proto_kv kv[MSCHED_BALLOON_STAT_NR];
	struct msched_proto_kv cls[MSCHED_BALLOON_CLASS_NR];
	int ret;

	ret = bguest_chan_send_kvs(bg, MSCHED_BALLOON_MSG_STATS, kv,
				   bguest_stats_fill(kv));
	if (ret)
		return ret;
	return bguest_chan_send_kvs(bg, MSCHED_BALLOON_MSG_CLASSES, cls,
				    bguest_classes_fill(cls));
}

/**
 * bguest_stats_on_request() - STATS_REQUEST: the host asks for a report.
 * @bg: the driver
 * @m: the message (no contents)
 *
 * Context: process context (the channel thread); may sleep.
 * Return: 0 (a failed send hangs up by itself).
 */
int bguest_stats_on_request(struct bguest *bg,
			    const struct msched_proto_msg *m)
{
	bguest_stats_send(bg);
	return 0;
}

static unsigned long bguest_stats_delay(struct bguest_stats *st)
{
	unsigned int ms = READ_ONCE(st->interval_ms);

	return msecs_to_jiffies(ms ?: BGUEST_TICK_IDLE_MS);
}

static void bguest_stats_tick(struct work_struct *work)
{
	struct bguest *bg = container_of(to_delayed_work(work), struct bguest,
					 stats.work);
	struct bguest_stats *st = &bg->stats;

	if (READ_ONCE(st->interval_ms) && bguest_chan_connected(bg))
		bguest_stats_send(bg);
	bguest_publish(bg, BGUEST_EV_TICK);
	queue_delayed_work(system_freezable_wq, &st->work,
			   bguest_stats_delay(st));
}

/**
 * bguest_stats_rearm() - apply a new stats_interval_ms now.
 * @bg: the driver
 *
 * Context: any context that may queue work.
 */
void bguest_stats_rearm(struct bguest *bg)
{
	mod_delayed_work(system_freezable_wq, &bg->stats.work,
			 bguest_stats_delay(&bg->stats));
}

/**
 * bguest_stats_init() - start the stats tick.
 * @bg: the driver
 *
 * Context: process context, module init.
 * Return: 0.
 */
int bguest_stats_init(struct bguest *bg)
{
	struct bguest_stats *st = &bg->stats;

	st->interval_ms = 1000;
	INIT_DELAYED_WORK(&st->work, bguest_stats_tick);
	queue_delayed_work(system_freezable_wq, &st->work,
			   bguest_stats_delay(st));
	return 0;
}

/**
 * bguest_stats_exit() - stop the stats tick.
 * @bg: the driver
 *
 * Context: process context, module exit; may sleep.
 */
void bguest_stats_exit(struct bguest *bg)
{
	cancel_delayed_work_sync(&bg->stats.work);
}
