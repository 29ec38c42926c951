# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# DAMON helpers for the benchmarks (sourced; not a benchmark itself, so it
# lives outside bench/*.sh). Linux 6.1's DAMON sysfs interface
# (Documentation/admin-guide/mm/damon/usage.rst): one kdamond, one context,
# vaddr operations, one target process. 6.1 has no DAMOS tried_regions
# directory (that came in 6.2), so the regions are read from the trace event
# damon:damon_aggregated, emitted once per region at the end of every
# aggregation interval with the region's nr_accesses over that interval.

DAMON_ADMIN=/sys/kernel/mm/damon/admin
DAMON_KD=$DAMON_ADMIN/kdamonds/0
DAMON_CTX=$DAMON_KD/contexts/0
DAMON_TRACE=""
DAMON_PID=""

# damon_available: succeeds if this kernel has DAMON's sysfs interface with
# vaddr operations and the damon_aggregated trace event (sets DAMON_TRACE,
# so call it outside a subshell); else prints why.
damon_available() {
	local t
	[ -d "$DAMON_ADMIN" ] ||
		{ echo "no $DAMON_ADMIN (kernel without CONFIG_DAMON_SYSFS)"; return 1; }
	if ! { echo 1 > "$DAMON_ADMIN/kdamonds/nr_kdamonds" &&
	       echo 1 > "$DAMON_KD/contexts/nr_contexts"; }; then
		echo "cannot create a kdamond in $DAMON_ADMIN"
		return 1
	fi
	grep -qw vaddr "$DAMON_CTX/avail_operations" ||
		{ echo "no vaddr operations (kernel without CONFIG_DAMON_VADDR)"; return 1; }
	for t in /sys/kernel/tracing /sys/kernel/debug/tracing; do
		[ -d "$t/events/damon/damon_aggregated" ] && { DAMON_TRACE=$t; return 0; }
	done
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
	[ -d /sys/kernel/tracing/events/damon/damon_aggregated ] &&
		{ DAMON_TRACE=/sys/kernel/tracing; return 0; }
	echo "no damon:damon_aggregated trace event"
	return 1
}

# damon_start PID SAMPLE_US AGGR_US UPDATE_US: monitor PID's virtual address
# space (vaddr: DAMON sets and updates the regions from its mappings);
# regions 10 to 1000 (the defaults). Sets DAMON_PID to kdamond's pid.
damon_start() {
	echo 1 > "$DAMON_ADMIN/kdamonds/nr_kdamonds" || return 1
	echo 1 > "$DAMON_KD/contexts/nr_contexts" || return 1
	echo vaddr > "$DAMON_CTX/operations" || return 1
	echo "$2" > "$DAMON_CTX/monitoring_attrs/intervals/sample_us" || return 1
	echo "$3" > "$DAMON_CTX/monitoring_attrs/intervals/aggr_us" || return 1
	echo "$4" > "$DAMON_CTX/monitoring_attrs/intervals/update_us" || return 1
	echo 10 > "$DAMON_CTX/monitoring_attrs/nr_regions/min" || return 1
	echo 1000 > "$DAMON_CTX/monitoring_attrs/nr_regions/max" || return 1
	echo 1 > "$DAMON_CTX/targets/nr_targets" || return 1
	echo "$1" > "$DAMON_CTX/targets/0/pid_target" || return 1
	echo on > "$DAMON_KD/state" || { echo "damon: state on failed"; return 1; }
	DAMON_PID=$(cat "$DAMON_KD/pid")
	[ "${DAMON_PID:--1}" -gt 0 ] || { echo "damon: no kdamond pid"; return 1; }
}

damon_stop() {
	[ "$(cat "$DAMON_KD/state" 2>/dev/null)" = on ] && echo off > "$DAMON_KD/state"
	DAMON_PID=""
}

damon_cleanup() {
	[ -d "$DAMON_ADMIN" ] || return 0
	[ -n "$DAMON_TRACE" ] &&
		echo 0 > "$DAMON_TRACE/events/damon/damon_aggregated/enable" 2>/dev/null
	[ -d "$DAMON_KD" ] && damon_stop
	echo 0 > "$DAMON_ADMIN/kdamonds/nr_kdamonds" 2>/dev/null
	return 0
}

# task_cpu_ns PID: CPU time the task has used, in ns (schedstat's
# sum_exec_runtime; utime+stime of /proc/PID/stat without SCHED_INFO).
task_cpu_ns() {
	local rt
	if read -r rt _ < "/proc/$1/schedstat" 2>/dev/null; then
		echo "$rt"
	else
		awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.0f\n", ($12 + $13) * 1e9 / hz }' \
			"/proc/$1/stat"
	fi
}

# damon_trace_on / damon_trace_off FILE: record damon_aggregated events, then
# save them to FILE.
damon_trace_on() {
	echo 8192 > "$DAMON_TRACE/buffer_size_kb"
	echo > "$DAMON_TRACE/trace"
	echo 1 > "$DAMON_TRACE/events/damon/damon_aggregated/enable"
}
damon_trace_off() {
	echo 0 > "$DAMON_TRACE/events/damon/damon_aggregated/enable"
	cat "$DAMON_TRACE/trace" > "$1"
}

# damon_ws LO HI < TRACE: one line per complete aggregation interval in the
# trace, "PAGES NR_REGIONS": the 4 KiB pages of [LO, HI) (decimal addresses)
# covered by regions with nr_accesses > 0 in that interval. An interval's
# events are consecutive with increasing addresses; one whose event count
# differs from its nr_regions (cut at the trace's start or end) is dropped.
damon_ws() {
	awk -v lo="$1" -v hi="$2" '
	function flush() {
		if (n > 0 && n == nr) printf "%.0f %d\n", ws / 4096, nr
		n = 0; ws = 0
	}
	/damon_aggregated:/ {
		for (i = 1; i <= NF; i++) if ($i ~ /^target_id=/) break
		if (i > NF) next
		r = $(i + 1); sub(/^nr_regions=/, "", r)
		rng = $(i + 2); sub(/:$/, "", rng); split(rng, ab, "-")
		s = ab[1] + 0; e = ab[2] + 0; acc = $(i + 3) + 0
		if (n > 0 && (s < prev || r + 0 != nr)) flush()
		nr = r + 0; prev = s; n++
		a = s > lo ? s : lo; b = e < hi ? e : hi
		if (acc > 0 && b > a) ws += b - a
	}
	END { flush() }'
}
