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

TRACE_EVENT(msched_attach,
	TP_PROTO(pid_t pid, u64 guest_pages, u32 nr_samples),
	TP_ARGS(pid, guest_pages, nr_samples),
	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(u64, guest_pages)
		__field(u32, nr_samples)
	),
	TP_fast_assign(
		__entry->pid = pid;
		__entry->guest_pages = guest_pages;
		__entry->nr_samples = nr_samples;
	),
	TP_printk("pid=%d guest_pages=%llu nr_samples=%u",
		  __entry->pid, __entry->guest_pages, __entry->nr_samples)
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

TRACE_EVENT(msched_scan,
	TP_PROTO(pid_t pid, u64 scan, u32 nr_scanned, u32 nr_young, u64 ns,
		 bool truncated),
	TP_ARGS(pid, scan, nr_scanned, nr_young, ns, truncated),
	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(u64, scan)
		__field(u32, nr_scanned)
		__field(u32, nr_young)
		__field(u64, ns)
		__field(bool, truncated)
	),
	TP_fast_assign(
		__entry->pid = pid;
		__entry->scan = scan;
		__entry->nr_scanned = nr_scanned;
		__entry->nr_young = nr_young;
		__entry->ns = ns;
		__entry->truncated = truncated;
	),
	TP_printk("pid=%d scan=%llu scanned=%u young=%u ns=%llu truncated=%d",
		  __entry->pid, __entry->scan, __entry->nr_scanned,
		  __entry->nr_young, __entry->ns, __entry->truncated)
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

#endif /* _MEMSCHED_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
