/* SPDX-License-Identifier: GPL-2.0 */
/*
 * balloon_guest tracepoints: one per decision and per batch. The eBPF
 * programs and tools read these, not the module's private state.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM balloon_guest

#if !defined(_BALLOON_GUEST_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _BALLOON_GUEST_TRACE_H

#include <linux/tracepoint.h>

/* The host asked for a new balloon size. */
TRACE_EVENT(bguest_target,
	TP_PROTO(u64 target_pages, u64 balloon_pages),
	TP_ARGS(target_pages, balloon_pages),
	TP_STRUCT__entry(
		__field(u64, target_pages)
		__field(u64, balloon_pages)
	),
	TP_fast_assign(
		__entry->target_pages = target_pages;
		__entry->balloon_pages = balloon_pages;
	),
	TP_printk("target_pages=%llu balloon_pages=%llu",
		  __entry->target_pages, __entry->balloon_pages)
);

/* One inflate or deflate batch, sending to the host included. */
DECLARE_EVENT_CLASS(bguest_batch,
	TP_PROTO(u32 nr, u64 ns, u64 balloon_pages, u64 target_pages),
	TP_ARGS(nr, ns, balloon_pages, target_pages),
	TP_STRUCT__entry(
		__field(u32, nr)
		__field(u64, ns)
		__field(u64, balloon_pages)
		__field(u64, target_pages)
	),
	TP_fast_assign(
		__entry->nr = nr;
		__entry->ns = ns;
		__entry->balloon_pages = balloon_pages;
		__entry->target_pages = target_pages;
	),
	TP_printk("nr=%u ns=%llu balloon_pages=%llu target_pages=%llu",
		  __entry->nr, __entry->ns, __entry->balloon_pages,
		  __entry->target_pages)
);

DEFINE_EVENT(bguest_batch, bguest_inflate,
	TP_PROTO(u32 nr, u64 ns, u64 balloon_pages, u64 target_pages),
	TP_ARGS(nr, ns, balloon_pages, target_pages));

DEFINE_EVENT(bguest_batch, bguest_deflate,
	TP_PROTO(u32 nr, u64 ns, u64 balloon_pages, u64 target_pages),
	TP_ARGS(nr, ns, balloon_pages, target_pages));

/*
 * The OOM notifier ran: @nr pages released (up to @want); @unsettled when
 * it released nothing because the host may not have processed the last
 * INFLATED yet.
 */
TRACE_EVENT(bguest_oom_deflate,
	TP_PROTO(u32 nr, u32 want, u64 balloon_pages, bool unsettled),
	TP_ARGS(nr, want, balloon_pages, unsettled),
	TP_STRUCT__entry(
		__field(u32, nr)
		__field(u32, want)
		__field(u64, balloon_pages)
		__field(bool, unsettled)
	),
	TP_fast_assign(
		__entry->nr = nr;
		__entry->want = want;
		__entry->balloon_pages = balloon_pages;
		__entry->unsettled = unsettled;
	),
	TP_printk("nr=%u want=%u balloon_pages=%llu unsettled=%d",
		  __entry->nr, __entry->want, __entry->balloon_pages,
		  __entry->unsettled)
);

/* The channel to the host changed state ("up", "down", "lost"). */
TRACE_EVENT(bguest_channel,
	TP_PROTO(const char *state, u32 cid, u32 port, int err),
	TP_ARGS(state, cid, port, err),
	TP_STRUCT__entry(
		__string(state, state)
		__field(u32, cid)
		__field(u32, port)
		__field(int, err)
	),
	TP_fast_assign(
		__assign_str(state, state);
		__entry->cid = cid;
		__entry->port = port;
		__entry->err = err;
	),
	TP_printk("%s cid=%u port=%u err=%d", __get_str(state),
		  __entry->cid, __entry->port, __entry->err)
);

#endif /* _BALLOON_GUEST_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
