#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The eBPF tools of bpf/ (make bpf) against a live attached VM whose RAM is
# a memschedfs file, balloon guest played by balloon_peer over
# vsock_loopback:
#  - memsched.ko carries BTF (make modules adds it, scripts/module-btf.sh):
#    /sys/kernel/btf/memsched exists, the kernel took it.
#  - Over one exact interval (the sampler quiesced, once the tools are
#    attached, and again at the end: a changed scan_interval_ms takes the
#    sampler's lock, so no scan is under way once it returns, and reschedules
#    the next 60 s away) the BPF side's counts
#    equal the sysfs counters' deltas: mschedtop's scans, pages scanned,
#    inflated and deflated balloon pages, pages moved (per VM, through the
#    vms/<pid>/ram link, and per file), and its WSS is wss_pages.
#  - mschedlat's histograms have as many entries as there were events
#    (a tracefs instance counts them over the same interval).
#  - mschedsnoop prints the balloon target, its settling and a tiering plan
#    with their values.
#  - Hypervisor swap, in the same interval, on the lab's mswap
#    disk: swap_out "1024 force" of the VM's RAM file, every page touched
#    back (fs_nodes reads each one): mschedtop's pages swapped out and in
#    (per VM and per file), swap write batches and write errors equal the
#    deltas of files/<ino>/stats/nr_swapped_out_pages (1024),
#    nr_swapped_in_pages (1024), nr_swap_write_batches,
#    nr_swap_write_errors (0); mschedlat's swap write and swap-in
#    histograms hold one entry per batch and per swap-in fault (tracefs
#    counts them); mschedsnoop prints the swap_out decision and one
#    swap_write line per batch whose pages add up to the pages out.
#  - The scheduler, after that interval, for a few 100 ms periods
#    on the default pool (the VM within its step), then on a 16 MiB pool
#    (half the VM; with the swap disk it swaps pages out, host_swap, else it
#    holds, no_mechanism): mschedtop's decisions (reclaims
#    and returns) equal vms/<pid>/sched/stats/nr_decisions' delta and the
#    traced ones, its mechanism the last traced one's; mschedsnoop's
#    sched_decision lines are the traced events, value for value, with a
#    reason of the fixed set, the last one's action, mechanism and reason
#    those of vms/<pid>/sched/decision; with -P its sched_period lines are
#    the traced periods.
#  - All of it once with tp_btf (the default where the module has BTF) and
#    once forced to raw_tp (--raw-tp).
#  - Bad options and values are refused (exit 2) with the usage synopsis;
#    without memsched the tools say so; memsched is not force-loaded (its
#    taint is O or OE); mschedlat 1 2 ends by itself after two intervals,
#    mschedsnoop -d 2 after about 2 s; with a memsched.ko stripped of its
#    BTF they say so and use raw_tp, and when tracefs lacks a tracepoint
#    (an empty tmpfs over events/memsched, in a mount namespace of its
#    own) they name it and exit 1.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/memsched.sh"
ms_require_kvm
[ -d /sys/devices/system/node/node1 ] || tap_skip_all "no NUMA node 1 (the lab runs with --pmem in make check)"
tap_plan 55

BPF=$TAP_REPO/bpf/build
PEER=$TAP_REPO/selftests/memsched/vmm/build/balloon_peer
NODES=$TAP_REPO/selftests/memsched/vmm/build/fs_nodes
SW=$MS_ROOT/swap
SWAP_PAGES=1024
work=$(mktemp -d)
mnt=$work/mnt
tools=""
cleanup() {
	# shellcheck disable=SC2086
	[ -n "$tools" ] && { ms_stop_pids $tools; wait $tools; } 2>/dev/null
	ms_trace_remove
	ms_vmm_stop
	umount "$mnt" 2>/dev/null
	[ -w "$SW/device" ] && echo none > "$SW/device" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

for t in mschedtop mschedlat mschedsnoop; do
	[ -x "$BPF/$t" ] || { tap_fail "bpf/build/$t is built" "run make bpf"; tap_done; }
done

# Bad input, before anything is loaded.
ms_unload memsched
bad=""
for t in mschedtop mschedlat mschedsnoop; do
	"$BPF/$t" --no-such-option > "$work/bad.out" 2>&1
	rc=$?
	{ [ $rc = 2 ] && grep -q "Try \`$t --help'" "$work/bad.out" && grep -q "^Usage: $t \[" "$work/bad.out"; } ||
		bad="$bad $t:rc=$rc:$(head -c 300 "$work/bad.out")"
done
tap_is "${bad:-none}" none "an unknown option is refused with the --help hint and the usage synopsis (Usage: TOOL [...]), exit 2"
"$BPF/mschedtop" -s bogus > "$work/bad.out" 2>&1
rc=$?
tap_ok "mschedtop -s bogus: exit 2 ($rc), the accepted columns and the synopsis" \
	all_of [ $rc = 2 ] -- grep -q "^mschedtop: invalid sort column: bogus (accepted: scans, pages, young, wss, balloon, moved, swap, decs, pid)$" "$work/bad.out" -- \
	grep -q "^Usage: mschedtop \[" "$work/bad.out"
"$BPF/mschedtop" -b 1 1 > "$work/unloaded.out" 2>&1
rc=$?
tap_ok "without memsched: \"memsched is not loaded\", exit 1 (rc $rc)" \
	all_of [ $rc = 1 ] -- grep -q "memsched is not loaded (insmod kmod/memsched/memsched.ko)" "$work/unloaded.out"

ms_klog_mark
ms_load || { tap_fail "load memsched"; tap_done; }
tap_ok "memsched.ko loads with its BTF (/sys/kernel/btf/memsched)" test -e /sys/kernel/btf/memsched
tap_ok "the kernel took the module's BTF (no \"failed to validate module\")" \
	eval '! ms_klog | grep -E "failed to (validate|register) module \[memsched\] BTF|missing module BTF"'
if [ -e /sys/kernel/btf/memsched ]; then has_btf=1; else has_btf=0; fi
tap_ok "memsched is not force-loaded: its taint is O or OE, no F ($(cat /sys/module/memsched/taint))" \
	grep -Eqx 'OE?' /sys/module/memsched/taint

# COUNT and -d end the tools by themselves (both at once: attaching takes
# long under TCG).
t0=$SECONDS
timeout 400 "$BPF/mschedlat" 1 2 > "$work/lat12.out" 2> "$work/lat12.err" &
lpid=$!
timeout 400 "$BPF/mschedsnoop" -d 2 > "$work/snoop2.out" 2> "$work/snoop2.err" &
spid=$!
wait $lpid; lrc=$?; lt=$((SECONDS - t0))
wait $spid; src=$?; st=$((SECONDS - t0))
tap_ok "mschedlat 1 2 exits 0 by itself after 2 intervals: 2 blocks (rc $lrc, $lt s; $(grep -c '^scan duration (' "$work/lat12.out") blocks)" \
	all_of [ $lrc = 0 ] -- [ "$(grep -c '^scan duration (all, ' "$work/lat12.out")" = 2 ] -- \
	[ "$(grep -c '^swap-in latency (all, ' "$work/lat12.out")" = 2 ]
tap_ok "mschedsnoop -d 2 exits 0 by itself (rc $src, $st s with attaching; not killed by the 400 s timeout)" \
	all_of [ $src = 0 ] -- grep -q "^TIME " "$work/snoop2.out"
if [ $lrc != 0 ] || [ $src != 0 ]; then
	tap_diag "mschedlat: $(tail -n 3 "$work/lat12.err"); mschedsnoop: $(tail -n 3 "$work/snoop2.err")"
fi
modprobe vsock_loopback

# A 32 MiB VM on memschedfs, every page populated; balloon CID 1.
mkdir -p "$mnt"
mount -t memschedfs none "$mnt" || { tap_fail "mount memschedfs"; tap_done; }
ms_vmm_start "$work/ready" --mem-mb 32 --wss-pages 64 --populate --mem-path "$mnt/ram" ||
	{ tap_fail "start the VMM"; tap_done; }
pid=$MS_VMM_PID
v=$(ms_vm "$pid")
b=$v/balloon
ino=$(stat -c %i "$mnt/ram")
f=$MS_ROOT/files/$ino
tap_ok "attach the VM (pid $pid), balloon cid 1" \
	sh -c "$(declare -f ms_write); ms_write $pid $MS_ROOT/attach && ms_write 1 $b/cid"
tap_is "$(readlink -f "$v/ram")" "$(readlink -f "$f")" "vms/$pid/ram links to its RAM file (ino $ino)"
ms_write 1 "$f/pmem_node"

# The swap disk (make check's labs have it: --disk mswap:512M).
if sdev=$(ms_disk mswap 2> "$work/disk.err"); then
	tap_ok "swap/device: the lab's mswap disk ($sdev)" ms_write "$sdev" "$SW/device"
	[ "$(cat "$SW/device")" = "$sdev" ] || sdev=""
else
	sdev=""
	tap_skip "swap/device: the lab's mswap disk" "$(cat "$work/disk.err")"
fi

ms_trace_new bpf_tools
TRACE_EVENTS="memsched/msched_scan memsched/msched_fs_move memsched/msched_balloon_reached
	memsched/msched_swap_write_done memsched/msched_swap_in"
# shellcheck disable=SC2086
ms_trace_on $TRACE_EVENTS
echo 0 > "$MS_INST/tracing_on"

# quiesce: no scan under way and none for 60 s. A changed value takes the
# sampler's lock (waits for a scan holding it) and reschedules the next scan
# (an unchanged one does neither: knob_store returns early), hence 59999
# first. A scan already dequeued but still waiting for the lock gets it
# within the second, and the second write waits for it and re-arms again.
quiesce() {
	ms_write 59999 "$v/scan_interval_ms"
	sleep 1
	ms_write 60000 "$v/scan_interval_ms"
}
# keep_quiet: while the tools attach (minutes under TCG, longer than the
# 60 s maximum interval), every 20 s push the next scan 60 s away again
# (alternating values: an unchanged one does not reschedule); on with
# KEEP_QUIET=1, which round() sets after a quiesce.
KEEP_QUIET=0 quiet_next=0 quiet_val=60000
keep_quiet() {
	[ "$KEEP_QUIET" = 1 ] && [ $SECONDS -ge $quiet_next ] || return 0
	quiet_val=$((quiet_val == 60000 ? 59999 : 60000))
	ms_write $quiet_val "$v/scan_interval_ms"
	quiet_next=$((SECONDS + 20))
}
snap() {
	echo "$(cat "$v/stats/nr_scans") $(cat "$v/stats/nr_pages_scanned")" \
	     "$(cat "$b/stats/nr_inflated_pages") $(cat "$b/stats/nr_deflated_pages")" \
	     "$(cat "$f/stats/nr_moved_pages")" \
	     "$(cat "$f/stats/nr_swapped_out_pages") $(cat "$f/stats/nr_swapped_in_pages")" \
	     "$(cat "$f/stats/nr_swap_write_batches") $(cat "$f/stats/nr_swap_write_errors")"
}
# wait_line FILE PATTERN PID: until FILE has a line matching PATTERN, while
# PID lives, at most 300 s (loading BPF under TCG takes long)
wait_line() {
	local end=$((SECONDS + 300))
	while [ $SECONDS -lt $end ]; do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || break
		keep_quiet
		sleep 0.2
	done
	grep -q -- "$2" "$1" 2>/dev/null
}
# top_sum FILE COLUMN: the VM's rows of mschedtop, one column summed, in
# its first TOP_BLOCKS intervals (0: all)
TOP_BLOCKS=0
top_sum() {
	awk -v p="$pid" -v c="$2" -v m="$TOP_BLOCKS" '/^PID / { s = 1; b++; next } /^INO / { s = 0 }
		s && $1 == p && (!m || b <= m) { n += $c } END { print n + 0 }' "$1"
}
# top_file_sum FILE COLUMN: the RAM file's rows
top_file_sum() {
	awk -v i="$ino" -v c="$2" -v m="$TOP_BLOCKS" '/^INO / { s = 1; next } /^PID / { s = 0; b++ }
		s && $1 == i && (!m || b <= m) { n += $c } END { print n + 0 }' "$1"
}
# wait_blocks FILE N PID: until mschedtop (PID) printed N intervals, at most 30 s
wait_blocks() {
	local end=$((SECONDS + 30))
	while [ $SECONDS -lt $end ]; do
		[ "$(grep -c '^PID ' "$1")" -ge "$2" ] && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
SCHED_REASONS="guest_free_or_cache guest_reclaims pmem_room host_swap balloon_unresponsive target_above_actual within_step balloon_pending demote_pending demote_unresponsive no_mechanism at_min scheduler_disabled vm_detached"
# sched_periods N: wait until sched/stats/nr_periods reached N (at most 30 s)
sched_periods() {
	for _ in $(seq 300); do
		[ "$(cat "$MS_ROOT/sched/stats/nr_periods")" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
# sched_phase NAME: the scheduler, its two tracepoints alone traced, for
# two or more 100 ms periods on the default pool (the host's memory: the
# VM is within its step), then four or more on a 16 MiB pool (half the VM:
# a reclaim, or a hold for want of a mechanism), so that each phase traces
# a decision whatever the VM's previous one was; then off, and every page
# it swapped out read back (the next round counts swap-ins). Sets
# SCHED_DECS (the VM's stats/nr_decisions delta) and SCHED_PERIODS.
sched_phase() {
	local sd=$MS_ROOT/sched e p0 d0
	for e in $TRACE_EVENTS; do echo 0 > "$MS_INST/events/$e/enable"; done
	echo 1 > "$MS_INST/events/memsched/msched_sched_decision/enable"
	echo 1 > "$MS_INST/events/memsched/msched_sched_period/enable"
	echo 1 > "$MS_INST/tracing_on"
	p0=$(cat "$sd/stats/nr_periods") d0=$(cat "$v/sched/stats/nr_decisions")
	ms_write auto "$sd/pool_pages"
	ms_write 100 "$sd/period_ms"
	ms_write 1 "$sd/enabled"
	sched_periods $((p0 + 2)) || tap_diag "$1: fewer than 2 periods on the default pool"
	ms_write 4096 "$sd/pool_pages"
	# (a knob applies from the next period)
	sched_periods $(($(cat "$sd/stats/nr_periods") + 4)) || tap_diag "$1: fewer than 4 periods on the 16 MiB pool"
	ms_write 0 "$sd/enabled"
	# a period under way when enabled went 0 ends before nr_periods stops
	for _ in $(seq 50); do
		e=$(cat "$sd/stats/nr_periods")
		sleep 0.3
		[ "$(cat "$sd/stats/nr_periods")" = "$e" ] && break
	done
	echo 0 > "$MS_INST/tracing_on"
	ms_write auto "$sd/pool_pages"
	SCHED_PERIODS=$(($(cat "$sd/stats/nr_periods") - p0))
	SCHED_DECS=$(($(cat "$v/sched/stats/nr_decisions") - d0))
	echo 0 > "$MS_INST/events/memsched/msched_sched_decision/enable"
	echo 0 > "$MS_INST/events/memsched/msched_sched_period/enable"
	for e in $TRACE_EVENTS; do echo 1 > "$MS_INST/events/$e/enable"; done
	tap_diag "$1: scheduler: $SCHED_PERIODS periods, $SCHED_DECS decisions; the last: $(cat "$v/sched/decision")"
	if [ "$(cat "$f/swapped_pages")" != 0 ]; then
		"$NODES" --file "$mnt/ram" --count 0:8191 > /dev/null 2>&1
		[ "$(cat "$f/swapped_pages")" = 0 ] || tap_diag "$1: after the scheduler, $(cat "$f/swapped_pages") pages still swapped out"
	fi
}
# sched_trace: the VM's traced decisions as "period=... reason=..." lines
sched_trace() {
	sed -n "s/.* msched_sched_decision: pid=$pid \(period=.*\)\$/\1/p" "$MS_INST/trace"
}
# lat_total FILE TITLE: the entries of the histograms titled TITLE
lat_total() {
	awk -v t="$2" 'index($0, t " (") == 1 { s = 1; next } /^$/ { s = 0 }
		s && $2 == "->" { n += $5 } END { print n + 0 }' "$1"
}

# ROUND_CHECKS: the checks of round() after "the three tools attach"
ROUND_CHECKS="the scheduler ran, its decisions traced;mschedtop's scheduler decisions;mschedsnoop: the scheduler's decisions;mschedsnoop -P: the scheduler's periods;tools exit 0 on SIGTERM;swap_out of the RAM file and every page back;mschedtop's scans and pages scanned;mschedtop's inflated/deflated balloon pages;mschedtop's moved pages;mschedtop's swapped pages and swap write batches;mschedtop's WSS;mschedlat's histograms;mschedlat's swap histograms;(the trace instance saw every scan);mschedsnoop: the balloon target;mschedsnoop: the tiering plan;mschedsnoop: the swap_out decision and its write batches"
# swap_skip NAME CHECK: skip CHECK of round NAME when there is no swap disk
swap_skip() { tap_skip "$1: $2" "no swap disk (lab-run --disk mswap:512M)"; }

# round NAME ARGS...: the three tools (with ARGS; mschedlat also with
# $LAT_ARGS), once all are attached, over one exact interval of scans, a
# balloon round trip, two moves of the whole RAM file and, with the swap
# disk, SWAP_PAGES of it swapped out and touched back in; then, mschedsnoop
# still running, one tiering pass for its plan line.
round() {
	local name=$1 s0 s1 top lat snoop mode scans pages infl defl moved
	local swout swin swbatch swerr swrc=1 swleft=-1 nodes=""
	shift
	ms_write 0 "$b/target_pages"
	echo 0 > "$MS_INST/tracing_on"
	# mschedtop counts from its attach on: no scan from here to s0
	quiesce
	KEEP_QUIET=1 quiet_next=$((SECONDS + 20)) quiet_val=60000
	"$BPF/mschedtop" -v -b -p "$pid" "$@" 1 > "$work/$name.top" 2> "$work/$name.top.err" &
	top=$!
	# shellcheck disable=SC2086
	"$BPF/mschedlat" -v -p "$pid" ${LAT_ARGS:-} "$@" > "$work/$name.lat" 2> "$work/$name.lat.err" &
	lat=$!
	"$BPF/mschedsnoop" -v -P -p "$pid" "$@" > "$work/$name.snoop" 2> "$work/$name.snoop.err" &
	snoop=$!
	tools="$top $lat $snoop"
	if ! wait_line "$work/$name.top" "tracing memsched" "$top" ||
	   ! wait_line "$work/$name.lat" "Tracing memsched" "$lat" ||
	   ! wait_line "$work/$name.snoop" "^TIME" "$snoop"; then
		KEEP_QUIET=0
		tap_fail "$name: the three tools attach" \
			"$(grep -h -B2 -A30 "BEGIN PROG LOAD LOG" "$work/$name".*.err | tail -n 40)" \
			"$(grep -hv "^libbpf: " "$work/$name".*.err)"
		# shellcheck disable=SC2086
		ms_stop_pids $tools
		# shellcheck disable=SC2086
		wait $tools 2>/dev/null
		tools=""
		local checks c
		IFS=';' read -ra checks <<< "$ROUND_CHECKS"
		for c in "${checks[@]}"; do tap_fail "$name: $c (not run: the tools did not attach)"; done
		return 1
	fi
	mode="$(grep -h "attaching with" "$work/$name".*.err | sed 's/^[a-z]*: //' | sort -u | tr '\n' ';')"
	tap_pass "$name: the three tools attach: $mode"
	KEEP_QUIET=0

	# Only now (attaching can take minutes under TCG) the exact interval
	# starts: the sampler re-armed 60 s away, the sysfs counters and the
	# trace from here (no scan since the tools attached: keep_quiet).
	quiesce
	s0=$(snap)
	echo > "$MS_INST/trace"
	echo 1 > "$MS_INST/tracing_on"

	ms_write 200 "$v/scan_interval_ms"
	sleep 3
	ms_write 1000 "$b/target_pages"
	"$PEER" hello 8192 expect-target 1000 inflate-range 2048 1000 expect-ack 0 \
		deflate-range 2048 500 expect-ack 0 > "$work/$name.peer" 2>&1 ||
		tap_diag "balloon_peer: $(tail -n 3 "$work/$name.peer")"
	ms_wait_val "$b/connected" 0 > /dev/null
	ms_write 1 "$f/move"
	ms_write 0 "$f/move"
	if [ -n "$sdev" ]; then
		# Any SWAP_PAGES pages (force: the guest's hot ones too, which it
		# faults back at once); then every page read back in.
		ms_write "$SWAP_PAGES force" "$f/swap_out" 2> "$work/$name.swap"
		swrc=$?
		# "0 8191 N0 N1 OTHER" -> "N0+N1/OTHER" (placement may use node 1)
		nodes=$("$NODES" --file "$mnt/ram" --count 0:8191 2>&1) &&
			nodes=$(echo "$nodes" | awk '{ print $3 + $4 "/" $5 }')
		swleft=$(cat "$f/swapped_pages")
	fi
	quiesce
	s1=$(snap)
	echo 0 > "$MS_INST/tracing_on"
	ms_stop_pids "$lat"
	wait "$lat"; rc_lat=$?
	tools="$top $snoop"
	# mschedtop's intervals up to the one that ends after s1: the
	# interval's checks sum them; the scheduler comes after them
	TOP_BLOCKS=$(($(grep -c '^PID ' "$work/$name.top") + 1))
	wait_blocks "$work/$name.top" "$TOP_BLOCKS" "$top" || tap_diag "$name: mschedtop printed no interval after the snapshot"
	sched_phase "$name"
	# one more interval: mschedtop has read the map after the last period
	wait_blocks "$work/$name.top" $(($(grep -c '^PID ' "$work/$name.top") + 1)) "$top"
	ms_stop_pids "$top"
	wait "$top"; rc_top=$?
	tools=$snoop
	local trdec trhold trlast topdec topmech
	trdec=$(sched_trace | grep -vc ' action=hold ')
	trhold=$(sched_trace | grep -c ' action=hold ')
	trlast=$(sched_trace | grep -v ' action=hold ' | tail -n 1 | sed -n 's/.* mechanism=\([a-z]*\) .*/\1/p')
	topdec=$(TOP_BLOCKS=0 top_sum "$work/$name.top" 14)
	topmech=$(awk -v p="$pid" '/^PID / { s = 1; next } /^INO / { s = 0 }
		s && $1 == p && $14 > 0 { m = $15 } END { print m }' "$work/$name.top")
	tap_ok "$name: the scheduler ran ($SCHED_PERIODS periods), its decisions traced ($trdec reclaims/returns = stats/nr_decisions delta, $trhold holds)" \
		all_of [ "$SCHED_PERIODS" -ge 6 ] -- [ $((trdec + trhold)) -ge 2 ] -- [ "$trdec" = "$SCHED_DECS" ]
	tap_is "$topdec/$topmech" "$SCHED_DECS/$trlast" \
		"$name: mschedtop's scheduler decisions = sched/stats/nr_decisions delta ($SCHED_DECS), its mechanism the last one's (${trlast:-none})"

	local a0 a1
	read -ra a0 <<< "$s0"
	read -ra a1 <<< "$s1"
	scans=$((a1[0] - a0[0])) pages=$((a1[1] - a0[1])) infl=$((a1[2] - a0[2]))
	defl=$((a1[3] - a0[3])) moved=$((a1[4] - a0[4]))
	swout=$((a1[5] - a0[5])) swin=$((a1[6] - a0[6])) swbatch=$((a1[7] - a0[7]))
	swerr=$((a1[8] - a0[8]))
	tap_diag "$name: sysfs deltas: scans $scans, pages scanned $pages, inflated $infl, deflated $defl, moved $moved," \
		"swapped out $swout, swapped in $swin, swap write batches $swbatch, swap write errors $swerr"
	tap_ok "$name: tools exit 0 on SIGTERM (top $rc_top, lat $rc_lat)" all_of [ $rc_top = 0 ] -- [ $rc_lat = 0 ]
	if [ -n "$sdev" ]; then
		tap_is "$swrc/$swout/$swin/$swleft/$nodes" "0/$SWAP_PAGES/$SWAP_PAGES/0/8192/0" \
			"$name: swap_out '$SWAP_PAGES force' of the RAM file: stats/nr_swapped_out_pages +$SWAP_PAGES; every page read back (fs_nodes): nr_swapped_in_pages +$SWAP_PAGES, swapped_pages 0, all 8192 pages resident" ||
			tap_diag "$name: swap_out: $(cat "$work/$name.swap")"
	else
		swap_skip "$name" "swap_out of the RAM file and every page back"
	fi
	tap_ok "$name: mschedtop's scans and pages scanned = stats/nr_scans, nr_pages_scanned deltas ($scans, $pages)" \
		all_of [ "$scans" -gt 0 ] -- [ "$(top_sum "$work/$name.top" 3)" = "$scans" ] -- \
		[ "$(top_sum "$work/$name.top" 5)" = "$pages" ]
	tap_is "$(top_sum "$work/$name.top" 9)/$(top_sum "$work/$name.top" 10) $infl/$defl" "1000/500 1000/500" \
		"$name: mschedtop's inflated/deflated balloon pages = balloon/stats/nr_inflated_pages, nr_deflated_pages deltas (1000/500)"
	tap_is "$(top_sum "$work/$name.top" 11)/$(top_file_sum "$work/$name.top" 4)/$((moved > 0))" "$moved/$moved/1" \
		"$name: mschedtop's moved pages, per VM and per file = files/$ino/stats/nr_moved_pages delta ($moved)"
	if [ -n "$sdev" ]; then
		tap_is "$(top_sum "$work/$name.top" 12)/$(top_sum "$work/$name.top" 13) $(top_file_sum "$work/$name.top" 7)/$(top_file_sum "$work/$name.top" 9) $(top_file_sum "$work/$name.top" 6)/$(top_file_sum "$work/$name.top" 8)" \
			"$swout/$swin $swout/$swin $swbatch/$swerr" \
			"$name: mschedtop's pages swapped out/in, per VM and per file, and the file's swap write batches/write errors = files/$ino/stats/nr_swapped_out_pages, nr_swapped_in_pages, nr_swap_write_batches, nr_swap_write_errors deltas ($swout/$swin, $swbatch/$swerr)"
	else
		swap_skip "$name" "mschedtop's swapped pages and swap write batches"
	fi
	tap_is "$(awk -v p="$pid" '$1 == p { w = $7 } END { print w }' "$work/$name.top")" \
		"$(cat "$v/wss_pages")" "$name: mschedtop's WSS = wss_pages ($(cat "$v/wss_pages"))"
	local ls lm lb ts tm tb
	ls=$(lat_total "$work/$name.lat" "scan duration")
	lm=$(lat_total "$work/$name.lat" "move-batch latency")
	lb=$(lat_total "$work/$name.lat" "balloon target-to-settled latency")
	ts=$(ms_trace_count "msched_scan: pid=$pid ")
	tm=$(ms_trace_count "msched_fs_move: ino=$ino ")
	tb=$(ms_trace_count "msched_balloon_reached: pid=$pid ")
	tap_ok "$name: mschedlat's histograms have one entry per scan, move batch, balloon target reached ($ls/$lm/$lb entries, $ts/$tm/$tb events)" \
		all_of [ "$ls/$lm/$lb" = "$ts/$tm/$tb" ] -- [ "$ts" -gt 0 ] -- [ "$tm" -gt 0 ] -- [ "$tb" = 1 ]
	if [ -n "$sdev" ]; then
		local lw li tw ti
		lw=$(lat_total "$work/$name.lat" "swap write latency")
		li=$(lat_total "$work/$name.lat" "swap-in latency")
		tw=$(ms_trace_count "msched_swap_write_done: ino=$ino ")
		ti=$(ms_trace_count "msched_swap_in: ino=$ino ")
		tap_ok "$name: mschedlat's swap histograms have one entry per write batch and per swap-in fault ($lw/$li entries, $tw/$ti events, $swbatch batches)" \
			all_of [ "$lw/$li" = "$tw/$ti" ] -- [ "$tw" = "$swbatch" ] -- [ "$tw" -gt 0 ] -- [ "$ti" -gt 0 ]
	else
		swap_skip "$name" "mschedlat's swap histograms"
	fi
	tap_is "$(ms_trace_count "msched_scan: pid=$pid ")/$(ms_trace_overruns)" "$scans/0" \
		"$name: (the trace instance saw every scan)"

	# A tiering pass: its plan, under a budget of 1024 DRAM pages.
	ms_write 1024 "$f/dram_budget_pages"
	ms_write 500 "$f/scan_interval_ms"
	local p0
	p0=$(cat "$f/stats/nr_scans")
	ms_write 1 "$f/tiering"
	for _ in $(seq 300); do [ "$(cat "$f/stats/nr_scans")" -gt "$p0" ] && break; sleep 0.1; done
	ms_write 0 "$f/tiering"
	wait_line "$work/$name.snoop" " plan " "$snoop"
	sleep 0.5
	ms_stop_pids "$snoop"
	wait "$snoop"
	tools=""
	tap_diag "$name: mschedsnoop: $(grep -v '^TIME' "$work/$name.snoop" | head -n 4 | tr -s ' ' | tr '\n' ';')"
	# the scheduler's lines: as traced, value for value
	local sn bad="" r last
	sn=$(awk -v p="$pid" '$2 == "sched_decision" && $3 == p { sub(/^.* period=/, "period="); print }' "$work/$name.snoop")
	for r in $(printf '%s\n' "$sn" | sed -n 's/.* reason=//p' | sort -u); do
		case " $SCHED_REASONS " in *" $r "*) ;; *) bad="$bad $r" ;; esac
	done
	last=$(printf '%s\n' "$sn" | tail -n 1 | awk '{ print $2, $3, $NF }')
	tap_diag "$name: mschedsnoop: $(grep -m 3 ' sched_' "$work/$name.snoop" | tr -s ' ' | tr '\n' ';')"
	tap_ok "$name: mschedsnoop: the scheduler's decisions for VM $pid are the traced ones ($(printf '%s\n' "$sn" | grep -c .) lines), reasons of the set, the last as sched/decision ($last)" \
		all_of [ -n "$sn" ] -- [ "$sn" = "$(sched_trace)" ] -- [ -z "$bad" ] -- \
		[ "$last" = "$(awk '{ print $2, $3, $NF }' "$v/sched/decision")" ]
	sn=$(awk '$2 == "sched_period" && $3 == "-" { sub(/^.* period=/, "period="); print }' "$work/$name.snoop")
	tap_ok "$name: mschedsnoop -P: the scheduler's periods are the traced ones ($(printf '%s\n' "$sn" | grep -c .) lines, $SCHED_PERIODS periods; nr_vms=1, pool=4096 in 3 or more)" \
		all_of [ -n "$sn" ] -- [ "$sn" = "$(sed -n 's/.* msched_sched_period: //p' "$MS_INST/trace")" ] -- \
		[ "$(printf '%s\n' "$sn" | grep -c ' nr_vms=1 ')" = "$(printf '%s\n' "$sn" | grep -c .)" ] -- \
		[ "$(printf '%s\n' "$sn" | grep -c ' nr_vms=1 pool=4096 ')" -ge 3 ]
	tap_ok "$name: mschedsnoop: the balloon target (target=1000 actual=0) and its settling" \
		all_of grep -Eq "^[0-9:]+ +balloon_target +$pid +target=1000 actual=0$" "$work/$name.snoop" -- \
		grep -Eq "^[0-9:]+ +balloon_reached +$pid +target=1000 latency_us=[0-9]+$" "$work/$name.snoop"
	tap_ok "$name: mschedsnoop: the RAM file's tiering plan (ino $ino, VM $pid, $(cat "$f/resident_pages") resident)" \
		grep -Eq "^[0-9:]+ +plan +$pid +ino=$ino resident=$(cat "$f/resident_pages") dram=[0-9]+ demote=[0-9]+/[0-9]+ promote=[0-9]+/[0-9]+ rate_stalls=[0-9]+$" \
		"$work/$name.snoop"
	if [ -n "$sdev" ]; then
		# swap_write lines: how many, and their pages - errors - busy
		# summed, before the scheduler's first period (its swap-outs follow)
		local wl
		awk '$2 ~ /^sched_/ { exit } { print }' "$work/$name.snoop" > "$work/$name.snoop.pre"
		wl=$(awk -v p="$pid" -v i="ino=$ino" '$2 == "swap_write" && $3 == p && $4 == i {
			n++; for (k = 5; k <= 7; k++) { split($k, kv, "="); v[kv[1]] = kv[2] }
			out += v["pages"] - v["errors"] - v["busy"] } END { print n + 0 "/" out + 0 }' "$work/$name.snoop.pre")
		tap_diag "$name: mschedsnoop: $(grep -m 2 -E ' swap_(out|write) ' "$work/$name.snoop" | tr -s ' ' | tr '\n' ';')"
		tap_ok "$name: mschedsnoop: the swap_out decision (want=$SWAP_PAGES force=1 below=any) and one swap_write line per batch, no error, pages out summed ($wl lines/pages; $swbatch batches, $swout pages)" \
			all_of grep -Eq "^[0-9:]+ +swap_out +$pid +ino=$ino want=$SWAP_PAGES candidates=[0-9]+ selected=$SWAP_PAGES force=1 below=any$" "$work/$name.snoop" -- \
			[ "$wl" = "$swbatch/$swout" ] -- \
			[ "$(grep -Ec "^[0-9:]+ +swap_write +$pid +ino=$ino pages=[0-9]+ errors=0 busy=[0-9]+ write_us=[0-9]+$" "$work/$name.snoop.pre")" = "$swbatch" ]
	else
		swap_skip "$name" "mschedsnoop: the swap_out decision and its write batches"
	fi
	ms_write 0 "$f/move"
}

if [ $has_btf = 1 ]; then
	round tp_btf
	tap_ok "tp_btf: every tool attached with tp_btf" \
		eval '[ "$(grep -h "attaching with" "$work"/tp_btf.*.err | grep -c "attaching with tp_btf (memsched has BTF)")" = 3 ]'
else
	for _ in $(seq 19); do tap_skip "tp_btf round" "memsched.ko has no BTF"; done
fi
LAT_ARGS=-P round raw_tp --raw-tp	# and mschedlat's histograms per VM
tap_ok "raw_tp: every tool attached with raw_tp, as asked" \
	eval '[ "$(grep -h "attaching with" "$work"/raw_tp.*.err | grep -c "attaching with raw_tp (asked for)")" = 3 ]'

ms_vmm_stop
umount "$mnt"
tap_ok "close the swap device (no page left out) and unload memsched" \
	all_of ms_write none "$SW/device" -- rmmod memsched

# Without BTF (memsched.ko with its .BTF section removed): the tools say so
# and fall back to raw_tp; --tp-btf is refused with the reason.
objcopy --remove-section .BTF "$KMOD_DIR/memsched/memsched.ko" "$work/memsched.ko"
tap_ok "memsched.ko without .BTF loads, no /sys/kernel/btf/memsched" \
	all_of insmod "$work/memsched.ko" -- test ! -e /sys/kernel/btf/memsched
"$BPF/mschedtop" -b 1 1 > "$work/nobtf.out" 2> "$work/nobtf.err"
rc=$?
tap_ok "without BTF, mschedtop says so and attaches with raw_tp (rc $rc: $(head -n 1 "$work/nobtf.err"))" \
	all_of [ $rc = 0 ] -- grep -q "^PID " "$work/nobtf.out" -- \
	grep -qx "mschedtop: memsched has no BTF (/sys/kernel/btf/memsched is missing; build it with make modules): attaching with raw_tp" \
	"$work/nobtf.err"
"$BPF/mschedsnoop" --tp-btf -d 1 > "$work/nobtf2.out" 2>&1
rc=$?
tap_ok "without BTF, --tp-btf is refused with the reason (rc $rc)" \
	all_of [ $rc = 1 ] -- grep -q "mschedsnoop: tp_btf asked for, but memsched has no BTF" "$work/nobtf2.out"
# A tracepoint missing in tracefs (and, without BTF, nowhere else to be
# found): an empty tmpfs over events/memsched, in a mount namespace of
# the tool's own.
unshare -m sh -c "mount -t tmpfs none /sys/kernel/tracing/events/memsched && exec '$BPF/mschedtop' -b 1 1" \
	> "$work/notp.out" 2> "$work/notp.err"
rc=$?
tap_ok "a tracepoint tracefs lacks: mschedtop names it, exit 1 (rc $rc: $(grep -v '^libbpf' "$work/notp.err" | head -n 2 | tr '\n' ';'))" \
	all_of [ $rc = 1 ] -- test -d /sys/kernel/tracing/events/memsched/msched_scan -- \
	grep -Eqx "mschedtop: memsched has no tracepoint msched_[a-z_]+ \(memsched.ko older than this tool\?\)" "$work/notp.err"
tap_ok "unload it" rmmod memsched
tap_done
