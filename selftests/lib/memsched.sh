# SPDX-License-Identifier: GPL-2.0
# memsched helpers for shell kselftests (sourced after tap.sh).

MS_ROOT=/sys/kernel/mm/memsched
MS_DEBUG=/sys/kernel/debug/memsched
MS_VMM=$TAP_REPO/selftests/memsched/vmm/build/kvm_wss_vm

# ms_load: (re)load memsched fresh.
ms_load() {
	ms_unload memsched
	ms_insmod memsched
}

# ms_vmm_start READYFILE ARGS...: start the minimal VMM (MS_VMM_BIN, else
# kvm_wss_vm) in the background and wait until it writes READYFILE, as long
# as it lives, at most 300 s (populating 256 MiB takes over 10 s on the
# debug kernel); sets MS_VMM_PID. On failure it says why and returns 1.
ms_vmm_start() {
	local ready=$1 bin=${MS_VMM_BIN:-$MS_VMM}
	shift
	rm -f "$ready"
	"$bin" --ready-file "$ready" "$@" > "$ready.out" 2>&1 &
	MS_VMM_PID=$!
	for _ in $(seq 3000); do
		[ -s "$ready" ] && return 0
		kill -0 "$MS_VMM_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill "$MS_VMM_PID" 2>/dev/null
	wait "$MS_VMM_PID" 2>/dev/null
	tap_diag "$(basename "$bin") $* did not start: $(cat "$ready.out")"
	MS_VMM_PID=""
	return 1
}

ms_vmm_stop() {
	kill "$MS_VMM_PID" 2>/dev/null
	wait "$MS_VMM_PID" 2>/dev/null
}

ms_vm() { echo "$MS_ROOT/vms/$1"; }

# ms_debug_kernel: true on a kernel built with KASAN (the lab's debug
# kernel), where everything runs several times slower: tests scale the
# bounds that stand for "stuck" by it, never what they assert.
ms_debug_kernel() { grep -q ' kasan_report$' /proc/kallsyms 2>/dev/null; }

# ms_rss_kb PID: the process's resident memory (KiB)
ms_rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# ms_wait_val FILE VALUE [SECS]: wait (default 10 s) until FILE reads VALUE;
# on timeout, say what it read instead.
ms_wait_val() {
	local i
	for i in $(seq $(( ${3:-10} * 10 ))); do
		[ "$(cat "$1" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.1
	done
	echo "$1 is $(cat "$1" 2>&1), wanted $2"
	return 1
}

# ms_wait_scans DIR N: wait until N more scans have completed (at most 60 s,
# or twice the N scans' time at the current interval and scan cost).
ms_wait_scans() {
	local dir=$1 want i tries=600 per
	want=$(( $(cat "$dir/stats/nr_scans") + $2 ))
	per=$(( $(cat "$dir/scan_interval_ms" 2>/dev/null || echo 0) + \
		$(cat "$dir/last_scan_ns" 2>/dev/null || echo 0) / 1000000 ))
	[ $(( $2 * per / 50 )) -gt "$tries" ] && tries=$(( $2 * per / 50 ))
	for i in $(seq "$tries"); do
		[ "$(cat "$dir/stats/nr_scans" 2>/dev/null || echo 0)" -ge "$want" ] && return 0
		sleep 0.1
	done
	return 1
}

# tap_within GOT WANT PCT NAME: |GOT-WANT| <= PCT% of WANT
tap_within() {
	local got=$1 want=$2 pct=$3 name=$4 diff
	diff=$(( got > want ? got - want : want - got ))
	if [ $(( diff * 100 )) -le $(( want * pct )) ]; then
		tap_pass "$name (got $got, want $want ±$pct%)"
	else
		tap_fail "$name" "got $got, want $want ±$pct%"
	fi
}

# tap_no_leaks NAME: every VM object, byte of sampling state, ballooned
# frame, guest channel, memschedfs inode and memschedfs page is freed.
# ms_live: the debugfs live counters as "vms/bytes/ballooned/chans/fs_files/fs_pages".
ms_live() {
	local f got=""
	for f in live_vms live_bytes live_ballooned live_chans live_fs_files live_fs_pages; do
		got="$got${got:+/}$(cat "$MS_DEBUG/$f" 2>&1)"
	done
	echo "$got"
}
tap_no_leaks() {
	tap_is "$(ms_live)" "0/0/0/0/0/0" \
		"$1: live_vms/bytes/ballooned/chans/fs_files/fs_pages back to 0"
}

# ms_miss_ppm DIR PAGES: the MRC's miss ratio at the first point >= PAGES.
ms_miss_ppm() {
	awk -v p="$2" '$1 >= p { print $2; exit }' "$1/mrc"
}

# ms_read DIR FILE...: print the files' values on one line, all read between
# the same two scans (stats/nr_scans unchanged across the reads), so that
# sums and ratios of several files are consistent.
ms_read() {
	local dir=$1 n0 n1 v vals f i
	shift
	for i in $(seq 100); do
		# bash's read, not cat: no fork, so a scan rarely lands in between
		read -r n0 < "$dir/stats/nr_scans" || return 1
		vals=""
		for f in "$@"; do
			read -r v < "$dir/$f" || return 1
			vals="$vals $v"
		done
		read -r n1 < "$dir/stats/nr_scans" || return 1
		[ "$n0" = "$n1" ] && { echo $vals; return 0; }
	done
	echo "ms_read: $dir: a scan landed between the reads 100 times" >&2
	return 1
}

# ms_class_sum DIR: the four usage classes, summed (one consistent read).
ms_class_sum() {
	ms_read "$1" classes/active classes/recently_idle classes/idle \
		classes/never_touched | awk '{ print $1 + $2 + $3 + $4 }'
}

# ms_pace_scans DIR FLOOR_MS: give every scan its full pass and the guest
# time to run between scans, whatever the kernel's speed. The CPU quota is a
# wall-time budget (cpu_quota_ms * scan_interval_ms), and on a one-CPU host
# the vCPU thread that preempts the scanner counts against it, so a slow
# (debug) kernel cuts scans short at a fixed interval. With the full quota,
# double the interval from FLOOR_MS until two scans in a row complete
# untruncated, then set it to 4 times the measured scan time (at least
# FLOOR_MS): the scanner then sleeps three quarters of the time, which the
# guest gets. Prints the interval chosen.
ms_pace_scans() {
	local dir=$1 iv=$2 t0 t1 ns i
	echo 1000 > "$dir/cpu_quota_ms"
	for i in $(seq 8); do
		echo "$iv" > "$dir/scan_interval_ms"
		ms_wait_scans "$dir" 1	# the scan under way may predate the change
		t0=$(cat "$dir/stats/nr_truncated_scans")
		ms_wait_scans "$dir" 2
		t1=$(cat "$dir/stats/nr_truncated_scans")
		[ "$t1" = "$t0" ] && break
		iv=$((iv * 2 > 60000 ? 60000 : iv * 2))
	done
	ns=$(cat "$dir/last_scan_ns")
	iv=$((ns * 4 / 1000000))
	[ "$iv" -ge "$2" ] || iv=$2
	echo "$iv" > "$dir/scan_interval_ms"
	ms_wait_scans "$dir" 1
	echo "$iv"
}

# Private tracefs instances, so that tests count events without disturbing
# the global buffer. ms_trace_new NAME: mount tracefs if need be, create
# instance NAME with an 8 MiB buffer; sets MS_TRACE (tracefs) and MS_INST
# (so call it in the test's own shell, not through tap_ok).
# ms_trace_on EVENT... (SYSTEM/EVENT): enable them and start tracing.
ms_trace_new() {
	MS_TRACE=/sys/kernel/tracing
	[ -d "$MS_TRACE/events" ] || mount -t tracefs tracefs "$MS_TRACE" 2>/dev/null
	MS_INST=$MS_TRACE/instances/$1
	{ [ -d "$MS_INST" ] || mkdir "$MS_INST"; } &&
		echo 8192 > "$MS_INST/buffer_size_kb"
}
ms_trace_on() {
	local e
	for e in "$@"; do
		echo 1 > "$MS_INST/events/$e/enable" || return 1
	done
	echo 1 > "$MS_INST/tracing_on"
}
# ms_trace_count PATTERN: events in the instance's buffer matching PATTERN
ms_trace_count() { grep -c -- "$1" "$MS_INST/trace"; }
# ms_trace_overruns: events lost to a full buffer (0: the counts are whole)
ms_trace_overruns() {
	cat "$MS_INST"/per_cpu/cpu*/stats | awk '/^overrun:/ { n += $2 } END { print n + 0 }'
}
# ms_trace_sum EVENT FIELD: FIELD summed over the instance's EVENT lines
ms_trace_sum() {
	awk -v e="$1:" -v f="$2" '$0 ~ e { for (i = 1; i <= NF; i++)
		if (index($i, f "=") == 1) n += substr($i, length(f) + 2) } END { print n + 0 }' "$MS_INST/trace"
}
# ms_trace_remove: stop and remove the instance (for the EXIT trap)
ms_trace_remove() {
	[ -n "${MS_INST:-}" ] && [ -d "$MS_INST" ] || return 0
	echo 0 > "$MS_INST/tracing_on"
	rmdir "$MS_INST"
}

# ms_stats_line DIR: DIR's stats/ counters on one line, "nr_a=1 nr_b=2 ..."
ms_stats_line() {
	local f
	for f in "$1"/stats/*; do
		printf '%s=%s ' "${f##*/}" "$(cat "$f")"
	done
}

# ms_disk SERIAL: print /dev/vdX, the virtio-blk disk whose serial is
# SERIAL (tools/lab/lab-run --disk SERIAL:SIZE). Loads virtio_blk first (a
# module on the stock kernel, built into the debug kernel) and waits up to
# 10 s for the disk and its device node. Absent: says so on stderr and
# returns 1.
ms_disk() {
	local serial=$1 f dev i
	[ -d /sys/module/virtio_blk ] || modprobe virtio_blk 2>/dev/null
	for i in $(seq 100); do
		for f in /sys/block/vd*/serial; do
			[ -r "$f" ] && [ "$(cat "$f")" = "$serial" ] || continue
			dev=${f%/serial}
			dev=/dev/${dev##*/}
			[ -b "$dev" ] && { echo "$dev"; return 0; }
		done
		sleep 0.1
	done
	echo "ms_disk: no virtio-blk disk with serial '$serial' (serials:" \
		"$(cat /sys/block/vd*/serial 2>/dev/null | tr '\n' ' ')); lab-run --disk $serial:SIZE adds one" >&2
	return 1
}

# ms_wait_for SECS CMD...: until CMD succeeds, SECS seconds of wall time at
# most (a count of tries would stretch with a slow kernel)
ms_wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.2
	done
}
