/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memsched tracepoints: one per decision and per batch. The eBPF programs
 * and tools read these, not memsched's private state.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM memsched

#if !defined(_MEMSCHED_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _MEMSCHED_TRACE_H

#include <linux/tracepoint.h>

#include "fs.h"	/* enum msched_fs_huge_event */

TRACE_EVENT(msched_attach,
	TP_PROTO(pid_t pid, u32 nr_features),
	TP_ARGS(pid, nr_features),
	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(u32, nr_features)
	),
	TP_fast_assign(
		__entry->pid = pid;
		__entry->nr_features = nr_features;
	),
	TP_printk("pid=%d nr_features=%u", __entry->pid, __entry->nr_features)
);

TRACE_EVENT(msched_sample_attach,
	TP_PROTO(pid_t pid, u64 guest_pages, u32 nr_samples, u64 period),
	TP_ARGS(pid, guest_pages, nr_samples, period),
	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(u64, guest_pages)
		__field(u32, nr_samples)
		__field(u64, period)
	),
	TP_fast_assign(
		__entry->pid = pid;
		__entry->guest_pages = guest_pages;
		__entry->nr_samples = nr_samples;
		__entry->period = period;
	),
	TP_printk("pid=%d guest_pages=%llu nr_samples=%u period=%llu",
		  __entry->pid, __entry->guest_pages, __entry->nr_samples,
		  __entry->period)
);

/* The sampling granularity of a VM was decided anew (a build that changed it). */
TRACE_EVENT(msched_sample_granularity,
	TP_PROTO(pid_t pid, u64 knob, u32 gran, u64 period, u32 nr_samples),
	TP_ARGS(pid, knob, gran, period, nr_samples),
	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(u64, knob)
		__field(u32, gran)
		__field(u64, period)
		__field(u32, nr_samples)
	),
	TP_fast_assign(
		__entry->pid = pid;
		__entry->knob = knob;
		__entry->gran = gran;
		__entry->period = period;
		__entry->nr_samples = nr_samples;
	),
	TP_printk("pid=%d knob=%llu gran=%u period=%llu nr_samples=%u",
		  __entry->pid, __entry->knob, __entry->gran, __entry->period,
		  __entry->nr_samples)
);

TRACE_EVENT(msched_access_source,
	TP_PROTO(pid_t pid, unsigned long ino, const char *source),
	TP_ARGS(pid, ino, source),
	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(unsigned long, ino)
		__string(source, source)
	),
	TP_fast_assign(
		__entry->pid = pid;
		__entry->ino = ino;
		__assign_str(source, source);
	),
	TP_printk("pid=%d ino=%lu source=%s", __entry->pid, __entry->ino,
		  __get_str(source))
);

TRACE_EVENT(msched_knob_conflict,
	TP_PROTO(pid_t pid, u64 active_scans, u64 idle_scans),
	TP_ARGS(pid, active_scans, idle_scans),
	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(u64, active_scans)
		__field(u64, idle_scans)
	),
	TP_fast_assign(
		__entry->pid = pid;
		__entry->active_scans = active_scans;
		__entry->idle_scans = idle_scans;
	),
	TP_printk("pid=%d active_scans=%llu idle_scans=%llu",
		  __entry->pid, __entry->active_scans, __entry->idle_scans)
);

TRACE_EVENT(msched_detach,
	TP_PROTO(pid_t pid, const char *reason),
	TP_ARGS(pid, reason),
	TP_STRUCT__entry(
		__field(pid_t, pid)
		__string(reason, reason)
	),
	TP_fast_assign(
		__entry->pid = pid;
		__assign_str(reason, reason);
	),
	TP_printk("pid=%d reason=%s", __entry->pid, __get_str(reason))
);

/* @wss_pages: the working set after this scan (what vms/<pid>/wss_pages reads). */
TRACE_EVENT(msched_scan,
	TP_PROTO(pid_t pid, u64 scan, u32 nr_scanned, u32 nr_young, u64 ns,
		 bool truncated, u64 wss_pages),
	TP_ARGS(pid, scan, nr_scanned, nr_young, ns, truncated, wss_pages),
	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(u64, scan)
		__field(u32, nr_scanned)
		__field(u32, nr_young)
		__field(u64, ns)
		__field(bool, truncated)
		__field(u64, wss_pages)
	),
	TP_fast_assign(
		__entry->pid = pid;
		__entry->scan = scan;
		__entry->nr_scanned = nr_scanned;
		__entry->nr_young = nr_young;
		__entry->ns = ns;
		__entry->truncated = truncated;
		__entry->wss_pages = wss_pages;
	),
	TP_printk("pid=%d scan=%llu scanned=%u young=%u ns=%llu truncated=%d wss_pages=%llu",
		  __entry->pid, __entry->scan, __entry->nr_scanned,
		  __entry->nr_young, __entry->ns, __entry->truncated,
		  __entry->wss_pages)
);

TRACE_EVENT(msched_rebuild,
	TP_PROTO(pid_t pid, u64 gen, u64 guest_pages, u32 nr_samples),
	TP_ARGS(pid, gen, guest_pages, nr_samples),
	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(u64, gen)
		__field(u64, guest_pages)
		__field(u32, nr_samples)
	),
	TP_fast_assign(
		__entry->pid = pid;
		__entry->gen = gen;
		__entry->guest_pages = guest_pages;
		__entry->nr_samples = nr_samples;
	),
	TP_printk("pid=%d memslots_gen=%llu guest_pages=%llu nr_samples=%u",
		  __entry->pid, __entry->gen, __entry->guest_pages,
		  __entry->nr_samples)
);

TRACE_EVENT(msched_knob,
	TP_PROTO(pid_t pid, const char *knob, u64 val),
	TP_ARGS(pid, knob, val),
	TP_STRUCT__entry(
		__field(pid_t, pid)
		__string(knob, knob)
		__field(u64, val)
	),
	TP_fast_assign(
		__entry->pid = pid;
		__assign_str(knob, knob);
		__entry->val = val;
	),
	TP_printk("pid=%d %s=%llu", __entry->pid, __get_str(knob), __entry->val)
);

TRACE_EVENT(msched_balloon_channel,
	TP_PROTO(pid_t pid, u32 cid, const char *event),
	TP_ARGS(pid, cid, event),
	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(u32, cid)
		__string(event, event)
	),
	TP_fast_assign(
		__entry->pid = pid;
		__entry->cid = cid;
		__assign_str(event, event);
	),
	TP_printk("pid=%d cid=%u %s", __entry->pid, __entry->cid,
		  __get_str(event))
);

TRACE_EVENT(msched_balloon_target,
	TP_PROTO(pid_t pid, u64 target, u64 actual),
	TP_ARGS(pid, target, actual),
	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(u64, target)
		__field(u64, actual)
	),
	TP_fast_assign(
		__entry->pid = pid;
		__entry->target = target;
		__entry->actual = actual;
	),
	TP_printk("pid=%d target=%llu actual=%llu", __entry->pid,
		  __entry->target, __entry->actual)
);

TRACE_EVENT(msched_balloon_reached,
	TP_PROTO(pid_t pid, u64 target, u64 latency_us),
	TP_ARGS(pid, target, latency_us),
	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(u64, target)
		__field(u64, latency_us)
	),
	TP_fast_assign(
		__entry->pid = pid;
		__entry->target = target;
		__entry->latency_us = latency_us;
	),
	TP_printk("pid=%d target=%llu latency_us=%llu", __entry->pid,
		  __entry->target, __entry->latency_us)
);

TRACE_EVENT(msched_balloon_batch,
	TP_PROTO(pid_t pid, bool inflate, u32 nr, u64 released, u64 ns),
	TP_ARGS(pid, inflate, nr, released, ns),
	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(bool, inflate)
		__field(u32, nr)
		__field(u64, released)
		__field(u64, ns)
	),
	TP_fast_assign(
		__entry->pid = pid;
		__entry->inflate = inflate;
		__entry->nr = nr;
		__entry->released = released;
		__entry->ns = ns;
	),
	TP_printk("pid=%d %s nr=%u released=%llu ns=%llu", __entry->pid,
		  __entry->inflate ? "inflate" : "deflate", __entry->nr,
		  __entry->released, __entry->ns)
);

TRACE_EVENT(msched_balloon_stats,
	TP_PROTO(pid_t pid, u16 type, u16 nr),
	TP_ARGS(pid, type, nr),
	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(u16, type)
		__field(u16, nr)
	),
	TP_fast_assign(
		__entry->pid = pid;
		__entry->type = type;
		__entry->nr = nr;
	),
	TP_printk("pid=%d type=%u nr=%u", __entry->pid, __entry->type,
		  __entry->nr)
);

TRACE_EVENT(msched_balloon_reject,
	TP_PROTO(pid_t pid, u32 cid, u16 type, int err),
	TP_ARGS(pid, cid, type, err),
	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(u32, cid)
		__field(u16, type)
		__field(int, err)
	),
	TP_fast_assign(
		__entry->pid = pid;
		__entry->cid = cid;
		__entry->type = type;
		__entry->err = err;
	),
	TP_printk("pid=%d cid=%u type=%u err=%d", __entry->pid, __entry->cid,
		  __entry->type, __entry->err)
);

TRACE_EVENT(msched_balloon_transfer,
	TP_PROTO(pid_t from, pid_t to, u64 asked, u64 moved),
	TP_ARGS(from, to, asked, moved),
	TP_STRUCT__entry(
		__field(pid_t, from)
		__field(pid_t, to)
		__field(u64, asked)
		__field(u64, moved)
	),
	TP_fast_assign(
		__entry->from = from;
		__entry->to = to;
		__entry->asked = asked;
		__entry->moved = moved;
	),
	TP_printk("from=%d to=%d asked=%llu moved=%llu", __entry->from,
		  __entry->to, __entry->asked, __entry->moved)
);

TRACE_EVENT(msched_fs_move,
	TP_PROTO(unsigned long ino, int nid, u32 nr, long moved, u32 busy,
		 u32 nomem, u64 ns),
	TP_ARGS(ino, nid, nr, moved, busy, nomem, ns),
	TP_STRUCT__entry(
		__field(unsigned long, ino)
		__field(int, nid)
		__field(u32, nr)
		__field(long, moved)
		__field(u32, busy)
		__field(u32, nomem)
		__field(u64, ns)
	),
	TP_fast_assign(
		__entry->ino = ino;
		__entry->nid = nid;
		__entry->nr = nr;
		__entry->moved = moved;
		__entry->busy = busy;
		__entry->nomem = nomem;
		__entry->ns = ns;
	),
	TP_printk("ino=%lu nid=%d nr=%u moved=%ld busy=%u nomem=%u ns=%llu",
		  __entry->ino, __entry->nid, __entry->nr, __entry->moved,
		  __entry->busy, __entry->nomem, __entry->ns)
);

/*
 * A 2 MiB range of a huge=always memschedfs file (fs.c), at page @index:
 * got a huge folio, fell back to 4 KiB pages (and why), or a punch split
 * the huge folio holding it (or could not).
 */
TRACE_DEFINE_ENUM(MSCHED_FS_HUGE_ADDED);
TRACE_DEFINE_ENUM(MSCHED_FS_HUGE_FB_TAIL);
TRACE_DEFINE_ENUM(MSCHED_FS_HUGE_FB_SWAPPED);
TRACE_DEFINE_ENUM(MSCHED_FS_HUGE_FB_SWAPIN);
TRACE_DEFINE_ENUM(MSCHED_FS_HUGE_FB_NOMEM);
TRACE_DEFINE_ENUM(MSCHED_FS_HUGE_SPLIT);
TRACE_DEFINE_ENUM(MSCHED_FS_HUGE_SPLIT_FAILED);

TRACE_EVENT(msched_fs_huge,
	TP_PROTO(unsigned long ino, unsigned long index,
		 enum msched_fs_huge_event what),
	TP_ARGS(ino, index, what),
	TP_STRUCT__entry(
		__field(unsigned long, ino)
		__field(unsigned long, index)
		__field(int, what)
	),
	TP_fast_assign(
		__entry->ino = ino;
		__entry->index = index;
		__entry->what = what;
	),
	TP_printk("ino=%lu index=%lu %s", __entry->ino, __entry->index,
		  __print_symbolic(__entry->what,
				 { MSCHED_FS_HUGE_ADDED, "added" },
				 { MSCHED_FS_HUGE_FB_TAIL, "fallback_tail" },
				 { MSCHED_FS_HUGE_FB_SWAPPED, "fallback_swapped" },
				 { MSCHED_FS_HUGE_FB_SWAPIN, "fallback_swapin" },
				 { MSCHED_FS_HUGE_FB_NOMEM, "fallback_nomem" },
				 { MSCHED_FS_HUGE_SPLIT, "split" },
				 { MSCHED_FS_HUGE_SPLIT_FAILED, "split_failed" }))
);

/*
 * A dirty-page epoch was cut (fs_dirty.c): @pages in the frozen epoch,
 * @cut_ns from asking for the cut lock to the instant, @stall_max_ns the
 * longest time a writer waited for the cut (from the earliest waiter's
 * arrival to the instant; 0 when none waited).
 */
TRACE_EVENT(msched_dirty_cut,
	TP_PROTO(unsigned long ino, u64 epoch, u64 pages, u64 huge_folios,
		 u64 cut_ns, u64 stall_max_ns),
	TP_ARGS(ino, epoch, pages, huge_folios, cut_ns, stall_max_ns),
	TP_STRUCT__entry(
		__field(unsigned long, ino)
		__field(u64, epoch)
		__field(u64, pages)
		__field(u64, huge_folios)
		__field(u64, cut_ns)
		__field(u64, stall_max_ns)
	),
	TP_fast_assign(
		__entry->ino = ino;
		__entry->epoch = epoch;
		__entry->pages = pages;
		__entry->huge_folios = huge_folios;
		__entry->cut_ns = cut_ns;
		__entry->stall_max_ns = stall_max_ns;
	),
	TP_printk("ino=%lu epoch=%llu pages=%llu huge_folios=%llu cut_ns=%llu stall_max_ns=%llu",
		  __entry->ino, __entry->epoch, __entry->pages,
		  __entry->huge_folios, __entry->cut_ns, __entry->stall_max_ns)
);

TRACE_EVENT(msched_fs_plan,
	TP_PROTO(unsigned long ino, u32 resident, u32 dram, u32 demote_planned,
		 u32 demoted, u32 promote_planned, u32 promoted, u64 stalls),
	TP_ARGS(ino, resident, dram, demote_planned, demoted, promote_planned,
		promoted, stalls),
	TP_STRUCT__entry(
		__field(unsigned long, ino)
		__field(u32, resident)
		__field(u32, dram)
		__field(u32, demote_planned)
		__field(u32, demoted)
		__field(u32, promote_planned)
		__field(u32, promoted)
		__field(u64, stalls)
	),
	TP_fast_assign(
		__entry->ino = ino;
		__entry->resident = resident;
		__entry->dram = dram;
		__entry->demote_planned = demote_planned;
		__entry->demoted = demoted;
		__entry->promote_planned = promote_planned;
		__entry->promoted = promoted;
		__entry->stalls = stalls;
	),
	TP_printk("ino=%lu resident=%u dram=%u demote=%u/%u promote=%u/%u rate_stalls=%llu",
		  __entry->ino, __entry->resident, __entry->dram,
		  __entry->demoted, __entry->demote_planned, __entry->promoted,
		  __entry->promote_planned, __entry->stalls)
);

/* A swap_out's selection (one per selection round): @want and @selected in pages, @candidates in folios (a huge one is 512 pages); @below MSCHED_SWAP_FORCE = any heat. */
TRACE_EVENT(msched_swap_out,
	TP_PROTO(unsigned long ino, u64 want, u32 candidates, u32 selected,
		 bool force, u32 below),
	TP_ARGS(ino, want, candidates, selected, force, below),
	TP_STRUCT__entry(
		__field(unsigned long, ino)
		__field(u64, want)
		__field(u32, candidates)
		__field(u32, selected)
		__field(bool, force)
		__field(u32, below)
	),
	TP_fast_assign(
		__entry->ino = ino;
		__entry->want = want;
		__entry->candidates = candidates;
		__entry->selected = selected;
		__entry->force = force;
		__entry->below = below;
	),
	TP_printk("ino=%lu want=%llu candidates=%u selected=%u force=%d below=%u",
		  __entry->ino, __entry->want, __entry->candidates,
		  __entry->selected, __entry->force, __entry->below)
);

/*
 * One write batch handed to submission: @pages pages in @runs bios, of
 * which @huge are huge folios written whole (512 pages each). @huge is
 * the last argument so that raw-tracepoint readers (bpf/) keep theirs.
 */
TRACE_EVENT(msched_swap_batch,
	TP_PROTO(unsigned long ino, u32 pages, u32 runs, u64 prepare_ns,
		 u32 huge),
	TP_ARGS(ino, pages, runs, prepare_ns, huge),
	TP_STRUCT__entry(
		__field(unsigned long, ino)
		__field(u32, pages)
		__field(u32, runs)
		__field(u64, prepare_ns)
		__field(u32, huge)
	),
	TP_fast_assign(
		__entry->ino = ino;
		__entry->pages = pages;
		__entry->runs = runs;
		__entry->huge = huge;
		__entry->prepare_ns = prepare_ns;
	),
	TP_printk("ino=%lu pages=%u runs=%u huge=%u prepare_ns=%llu",
		  __entry->ino, __entry->pages, __entry->runs, __entry->huge,
		  __entry->prepare_ns)
);

/* One write batch completed: @pages written, of which @errors failed and @busy were kept. */
TRACE_EVENT(msched_swap_write_done,
	TP_PROTO(unsigned long ino, u32 pages, u32 errors, u32 busy,
		 u64 write_ns),
	TP_ARGS(ino, pages, errors, busy, write_ns),
	TP_STRUCT__entry(
		__field(unsigned long, ino)
		__field(u32, pages)
		__field(u32, errors)
		__field(u32, busy)
		__field(u64, write_ns)
	),
	TP_fast_assign(
		__entry->ino = ino;
		__entry->pages = pages;
		__entry->errors = errors;
		__entry->busy = busy;
		__entry->write_ns = write_ns;
	),
	TP_printk("ino=%lu pages=%u errors=%u busy=%u write_ns=%llu",
		  __entry->ino, __entry->pages, __entry->errors, __entry->busy,
		  __entry->write_ns)
);

/*
 * A swap-in fault at page @idx: @nr pages read (with read-ahead, or the
 * pages out of a 2 MiB range read back into one huge folio: @huge 1);
 * @err 0 or -errno. One per fault: a failed 2 MiB read-back is not
 * traced here (msched_fs_huge says fallback_swapin), the 4 KiB read it
 * falls back to is. @huge is last for raw-tracepoint readers.
 */
TRACE_EVENT(msched_swap_in,
	TP_PROTO(unsigned long ino, unsigned long idx, u32 nr, int err,
		 u64 latency_ns, bool huge),
	TP_ARGS(ino, idx, nr, err, latency_ns, huge),
	TP_STRUCT__entry(
		__field(unsigned long, ino)
		__field(unsigned long, idx)
		__field(u32, nr)
		__field(int, err)
		__field(u64, latency_ns)
		__field(bool, huge)
	),
	TP_fast_assign(
		__entry->ino = ino;
		__entry->idx = idx;
		__entry->nr = nr;
		__entry->huge = huge;
		__entry->err = err;
		__entry->latency_ns = latency_ns;
	),
	TP_printk("ino=%lu idx=%lu nr=%u huge=%d err=%d latency_ns=%llu",
		  __entry->ino, __entry->idx, __entry->nr, __entry->huge,
		  __entry->err, __entry->latency_ns)
);

TRACE_EVENT(msched_sched_period,
	TP_PROTO(u64 period, const char *policy, u32 nr_vms, u64 pool_pages,
		 u64 target_pages, int overcommitted),
	TP_ARGS(period, policy, nr_vms, pool_pages, target_pages, overcommitted),
	TP_STRUCT__entry(
		__field(u64, period)
		__string(policy, policy)
		__field(u32, nr_vms)
		__field(u64, pool_pages)
		__field(u64, target_pages)
		__field(int, overcommitted)
	),
	TP_fast_assign(
		__entry->period = period;
		__assign_str(policy, policy);
		__entry->nr_vms = nr_vms;
		__entry->pool_pages = pool_pages;
		__entry->target_pages = target_pages;
		__entry->overcommitted = overcommitted;
	),
	TP_printk("period=%llu policy=%s nr_vms=%u pool=%llu targets=%llu overcommitted=%d",
		  __entry->period, __get_str(policy), __entry->nr_vms,
		  __entry->pool_pages, __entry->target_pages,
		  __entry->overcommitted)
);

TRACE_EVENT(msched_sched_decision,
	TP_PROTO(pid_t pid, u64 period, const char *action,
		 const char *mechanism, u64 pages, u64 target_dram_pages,
		 u64 actual_dram_pages, const char *reason),
	TP_ARGS(pid, period, action, mechanism, pages, target_dram_pages,
		actual_dram_pages, reason),
	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(u64, period)
		__string(action, action)
		__string(mechanism, mechanism)
		__field(u64, pages)
		__field(u64, target_dram_pages)
		__field(u64, actual_dram_pages)
		__string(reason, reason)
	),
	TP_fast_assign(
		__entry->pid = pid;
		__entry->period = period;
		__assign_str(action, action);
		__assign_str(mechanism, mechanism);
		__entry->pages = pages;
		__entry->target_dram_pages = target_dram_pages;
		__entry->actual_dram_pages = actual_dram_pages;
		__assign_str(reason, reason);
	),
	TP_printk("pid=%d period=%llu action=%s mechanism=%s pages=%llu target_dram=%llu actual_dram=%llu reason=%s",
		  __entry->pid, __entry->period, __get_str(action),
		  __get_str(mechanism), __entry->pages,
		  __entry->target_dram_pages, __entry->actual_dram_pages,
		  __get_str(reason))
);

/*
 * A VM's sampled estimates became ready (they cover the working set's
 * window) or stopped being so (the sampler's history was wiped); traced
 * at the first period that reads the VM and on every change.
 */
TRACE_EVENT(msched_sched_estimate,
	TP_PROTO(pid_t pid, u64 period, bool ready, u64 nr_scans,
		 u64 wss_scans, u64 wss_pages),
	TP_ARGS(pid, period, ready, nr_scans, wss_scans, wss_pages),
	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(u64, period)
		__field(bool, ready)
		__field(u64, nr_scans)
		__field(u64, wss_scans)
		__field(u64, wss_pages)
	),
	TP_fast_assign(
		__entry->pid = pid;
		__entry->period = period;
		__entry->ready = ready;
		__entry->nr_scans = nr_scans;
		__entry->wss_scans = wss_scans;
		__entry->wss_pages = wss_pages;
	),
	TP_printk("pid=%d period=%llu ready=%d nr_scans=%llu wss_scans=%llu wss_pages=%llu",
		  __entry->pid, __entry->period, __entry->ready,
		  __entry->nr_scans, __entry->wss_scans, __entry->wss_pages)
);

#endif /* _MEMSCHED_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
