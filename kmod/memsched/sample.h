/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memsched: the sampler, the feature that samples a VM's pages and builds
 * its miss-rate curve, working set, page ages and usage classes.
 */
#ifndef _MEMSCHED_SAMPLE_H
#define _MEMSCHED_SAMPLE_H

#include <linux/mutex.h>
#include <linux/workqueue.h>

#include "msched_class.h"
#include "msched_lru.h"
#include "msched_mrc.h"

struct msched_vm;
struct msched_sample;
struct msched_access_src;

/* Knob limits; sysfs writes outside them get -EINVAL and one log line. */
#define MSCHED_PERIOD_MAX		1024U
#define MSCHED_INTERVAL_MIN_MS		10U
#define MSCHED_INTERVAL_MAX_MS		60000U
#define MSCHED_QUOTA_MAX_MS		1000U
#define MSCHED_SCANS_MAX		100000U
#define MSCHED_MRC_BUCKETS		256U

/**
 * struct msched_knobs - per-VM tunables, one sysfs file each
 * (sample_sysfs.c holds their ranges). Each write checks its own range
 * only; rules between knobs are checked where the knobs are used.
 * @sample_period: one frame sampled per block of this many.
 * @sample_granularity_pages: what one sample stands for: 1 (a frame),
 *	MSCHED_GRAN_HUGE (a 2 MiB region, for VMs KVM maps with 2 MiB
 *	entries), or 0 (auto: decided from the memslots at each build).
 * @sample_seed: seeds the hash that picks the frame of each block.
 * @scan_interval_ms: time between two scans.
 * @cpu_quota_ms: CPU time a scan may take per second of wall time.
 * @untrace_scans: scans a page found accessed is left untraced.
 * @active_scans: pages accessed within this many scans are active.
 * @idle_scans: pages not accessed for this many scans are idle; must be
 *	above @active_scans when the estimates are refreshed.
 * @wss_scans: the working set is what was accessed within this many scans.
 * @mrc_decay_scans: the miss-rate histogram halves every this many scans
 *	(0: never).
 */
struct msched_knobs {
	u64 sample_period;
	u64 sample_granularity_pages;
	u64 sample_seed;
	u64 scan_interval_ms;
	u64 cpu_quota_ms;
	u64 untrace_scans;
	u64 active_scans;
	u64 idle_scans;
	u64 wss_scans;
	u64 mrc_decay_scans;
};

/**
 * struct msched_stats - per-VM counters since attach or the last reset.
 * @nr_scans: scans done.
 * @nr_truncated_scans: scans cut short by cpu_quota_ms.
 * @nr_pages_scanned: sampled pages whose accessed bit was tested.
 * @nr_young_pages: of those, found accessed.
 * @nr_scan_ns: time spent scanning.
 * @nr_rebuilds: sample-set rebuilds after the memslots changed.
 * @nr_knob_conflicts: refreshes of the estimates skipped because
 *	active_scans was not below idle_scans.
 */
struct msched_stats {
	u64 nr_scans;
	u64 nr_truncated_scans;
	u64 nr_pages_scanned;
	u64 nr_young_pages;
	u64 nr_scan_ns;
	u64 nr_rebuilds;
	u64 nr_knob_conflicts;
};

/**
 * struct msched_sampler - the sampler's state for one VM.
 * @vm: the VM.
 * @src: where accesses are seen (the VM's KVM accessed bits, access.h).
 * @scan_work: the periodic scan, on msched_wq.
 * @lock: guards everything below.
 * @knobs: tunables.
 * @stats: counters.
 * @last_scan_ns: how long the last scan took.
 * @memslots_gen: memslots generation the sample set was built from.
 * @guest_pages: guest pages in the VM's memslots.
 * @period_eff: the sampling period in effect (see MSCHED_SAMPLES_MAX), a
 *	multiple of @gran_eff.
 * @gran_eff: the sampling granularity in effect: each sample is a region
 *	of this many frames, young if any of them was accessed.
 * @samples: the sampled pages, sorted by gfn.
 * @nr_samples: entries in @samples.
 * @scan_cursor: where a truncated scan resumes.
 * @nr_priming: pages whose accessed bit is only re-armed, after a reset.
 * @free_slots: LRU slots not in use.
 * @nr_free_slots: entries in @free_slots.
 * @lru: the LRU engine of sampled pages (lib/msched_lru.c).
 * @lru_mem: its memory.
 * @mrc: the miss-rate curve (lib/msched_mrc.c).
 * @mrc_mem: its memory.
 * @state_bytes: bytes of the above, counted in msched_live_bytes.
 * @snap: classes, ages and working set at the end of the last scan.
 */
struct msched_sampler {
	struct msched_vm *vm;
	struct msched_access_src *src;
	struct delayed_work scan_work;
	struct mutex lock;
	struct msched_knobs knobs;
	struct msched_stats stats;
	u64 last_scan_ns;
	u64 memslots_gen;
	u64 guest_pages;
	u64 period_eff;
	u32 gran_eff;
	struct msched_sample *samples;
	u32 nr_samples;
	u32 scan_cursor;
	u32 nr_priming;
	u32 *free_slots;
	u32 nr_free_slots;
	struct msched_lru lru;
	void *lru_mem;
	struct msched_mrc mrc;
	void *mrc_mem;
	size_t state_bytes;
	struct msched_class snap;
};

/**
 * struct msched_sample_view - what the scheduler reads of a VM's sampling.
 * @guest_pages: guest pages in the VM's memslots.
 * @wss_pages: working set estimate (accessed within wss_scans scans).
 * @nr_scans: scans done (since attach or the last reset).
 * @wss_scans: the working set's window, in scans (the knob).
 * @nr_young_pages: sampled pages found accessed, ever (since the same).
 * @period: the sampling period in effect: one sampled page stands for this
 *	many.
 * @mrc_step_pages: pages between two points of the miss-rate curve.
 * @nr_points: points written to the caller's array (0: no curve yet).
 */
struct msched_sample_view {
	u64 guest_pages;
	u64 wss_pages;
	u64 nr_scans;
	u64 wss_scans;
	u64 nr_young_pages;
	u64 period;
	u64 mrc_step_pages;
	u32 nr_points;
};

/* sample.c: the scanner and what it estimates */
extern atomic64_t msched_live_bytes;
int msched_sample_attach(struct msched_vm *vm);
void msched_sample_start(struct msched_vm *vm);
void msched_sample_detach(struct msched_vm *vm);
int __msched_sample_reset(struct msched_sampler *s);
void __msched_sample_snapshot(struct msched_sampler *s);
void msched_sample_read(struct msched_vm *vm, struct msched_sample_view *v,
			u32 *ppm, u32 nr_points);

/* sample_sysfs.c: the sampler's files in vms/<pid>/, and its feature ops */

#endif /* _MEMSCHED_SAMPLE_H */
