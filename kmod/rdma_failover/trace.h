/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rdma_failover tracepoints: one per epoch (each side), one per batch, one
 * per state change; for pull recovery one per baseline written or read,
 * one at a pull's start and end (each side), one per window.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM rdma_failover

#if !defined(_RDMA_FAILOVER_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _RDMA_FAILOVER_TRACE_H

#include <linux/tracepoint.h>

/* The primary committed an epoch (COMMIT_ACK came back). */
TRACE_EVENT(rfo_epoch_commit,
	TP_PROTO(const char *name, u64 epoch, u64 pages, u32 batches,
		 u64 cut_ns, u64 stall_max_ns, u64 latency_us, bool full),
	TP_ARGS(name, epoch, pages, batches, cut_ns, stall_max_ns, latency_us,
		full),
	TP_STRUCT__entry(
		__string(name, name)
		__field(u64, epoch)
		__field(u64, pages)
		__field(u32, batches)
		__field(u64, cut_ns)
		__field(u64, stall_max_ns)
		__field(u64, latency_us)
		__field(bool, full)
	),
	TP_fast_assign(
		__assign_str(name, name);
		__entry->epoch = epoch;
		__entry->pages = pages;
		__entry->batches = batches;
		__entry->cut_ns = cut_ns;
		__entry->stall_max_ns = stall_max_ns;
		__entry->latency_us = latency_us;
		__entry->full = full;
	),
	TP_printk("%s epoch=%llu pages=%llu batches=%u cut_ns=%llu stall_max_ns=%llu latency_us=%llu full=%d",
		  __get_str(name), __entry->epoch, __entry->pages,
		  __entry->batches, __entry->cut_ns, __entry->stall_max_ns,
		  __entry->latency_us, __entry->full)
);

/* The standby applied a complete epoch. */
TRACE_EVENT(rfo_epoch_apply,
	TP_PROTO(const char *name, u64 epoch, u64 pages, u32 batches,
		 u64 latency_us, bool full),
	TP_ARGS(name, epoch, pages, batches, latency_us, full),
	TP_STRUCT__entry(
		__string(name, name)
		__field(u64, epoch)
		__field(u64, pages)
		__field(u32, batches)
		__field(u64, latency_us)
		__field(bool, full)
	),
	TP_fast_assign(
		__assign_str(name, name);
		__entry->epoch = epoch;
		__entry->pages = pages;
		__entry->batches = batches;
		__entry->latency_us = latency_us;
		__entry->full = full;
	),
	TP_printk("%s epoch=%llu pages=%llu batches=%u latency_us=%llu full=%d",
		  __get_str(name), __entry->epoch, __entry->pages,
		  __entry->batches, __entry->latency_us, __entry->full)
);

/* One batch: primary = sent and acknowledged; standby = validated, applied. */
TRACE_EVENT(rfo_batch,
	TP_PROTO(const char *name, bool primary, u64 epoch, u32 batch_seq,
		 u32 count, u64 us),
	TP_ARGS(name, primary, epoch, batch_seq, count, us),
	TP_STRUCT__entry(
		__string(name, name)
		__field(bool, primary)
		__field(u64, epoch)
		__field(u32, batch_seq)
		__field(u32, count)
		__field(u64, us)
	),
	TP_fast_assign(
		__assign_str(name, name);
		__entry->primary = primary;
		__entry->epoch = epoch;
		__entry->batch_seq = batch_seq;
		__entry->count = count;
		__entry->us = us;
	),
	TP_printk("%s %s epoch=%llu batch=%u count=%u us=%llu",
		  __get_str(name), __entry->primary ? "sent" : "applied",
		  __entry->epoch, __entry->batch_seq, __entry->count,
		  __entry->us)
);

TRACE_EVENT(rfo_state,
	TP_PROTO(const char *name, const char *from, const char *to),
	TP_ARGS(name, from, to),
	TP_STRUCT__entry(
		__string(name, name)
		__string(from, from)
		__string(to, to)
	),
	TP_fast_assign(
		__assign_str(name, name);
		__assign_str(from, from);
		__assign_str(to, to);
	),
	TP_printk("%s %s -> %s", __get_str(name), __get_str(from),
		  __get_str(to))
);

/* A source wrote its baseline image, or a recovery host filled its file. */
TRACE_EVENT(rfo_baseline,
	TP_PROTO(const char *name, bool write, u64 pages, u64 ns, int err),
	TP_ARGS(name, write, pages, ns, err),
	TP_STRUCT__entry(
		__string(name, name)
		__field(bool, write)
		__field(u64, pages)
		__field(u64, ns)
		__field(int, err)
	),
	TP_fast_assign(
		__assign_str(name, name);
		__entry->write = write;
		__entry->pages = pages;
		__entry->ns = ns;
		__entry->err = err;
	),
	TP_printk("%s %s pages=%llu ns=%llu err=%d", __get_str(name),
		  __entry->write ? "written" : "read", __entry->pages,
		  __entry->ns, __entry->err)
);

/* A pull starts, ends or fails (what), on the source or the recovery host. */
TRACE_EVENT(rfo_pull,
	TP_PROTO(const char *name, bool source, const char *what, u64 nr_dirty,
		 u64 pages, u32 windows, u64 ns),
	TP_ARGS(name, source, what, nr_dirty, pages, windows, ns),
	TP_STRUCT__entry(
		__string(name, name)
		__field(bool, source)
		__string(what, what)
		__field(u64, nr_dirty)
		__field(u64, pages)
		__field(u32, windows)
		__field(u64, ns)
	),
	TP_fast_assign(
		__assign_str(name, name);
		__entry->source = source;
		__assign_str(what, what);
		__entry->nr_dirty = nr_dirty;
		__entry->pages = pages;
		__entry->windows = windows;
		__entry->ns = ns;
	),
	TP_printk("%s %s %s nr_dirty=%llu pages=%llu windows=%u ns=%llu",
		  __get_str(name), __entry->source ? "source" : "recovery",
		  __get_str(what), __entry->nr_dirty, __entry->pages,
		  __entry->windows, __entry->ns)
);

/* One window: source = filled, sent and acknowledged; recovery = read, written. */
TRACE_EVENT(rfo_pull_window,
	TP_PROTO(const char *name, bool source, u64 window, u32 count, u64 us),
	TP_ARGS(name, source, window, count, us),
	TP_STRUCT__entry(
		__string(name, name)
		__field(bool, source)
		__field(u64, window)
		__field(u32, count)
		__field(u64, us)
	),
	TP_fast_assign(
		__assign_str(name, name);
		__entry->source = source;
		__entry->window = window;
		__entry->count = count;
		__entry->us = us;
	),
	TP_printk("%s %s window=%llu count=%u us=%llu", __get_str(name),
		  __entry->source ? "served" : "pulled", __entry->window,
		  __entry->count, __entry->us)
);

#endif /* _RDMA_FAILOVER_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
