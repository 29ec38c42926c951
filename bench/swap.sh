#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark, run inside the lab by `make bench` (not a test: absolute times
# on shared machines are noise, the ratios are the result).
# Swapping out 256 MiB, memsched against the kernel, in one run, each to a
# virtio-blk disk backed by a file in /dev/shm (lab-run --disk: "mswap" for
# memsched, "kswap" for the kernel's swapon):
#  (a) memsched, pipelined (swap/pipeline 1): `echo "65536 force" >
#      files/INO/swap_out` on a filled 256 MiB memschedfs file held mapped
#      MAP_SHARED by bench/swap_touch, wall time of the write (it returns
#      when every write completed and the pages are freed);
#  (b) the same with swap/pipeline 0 (batch k+1 prepared after batch k's
#      write completed);
#  (c) the kernel: 256 MiB of a process's anonymous memory (4 KiB pages),
#      madvise(MADV_PAGEOUT), wall time until the writes it started
#      completed (/proc/vmstat nr_writeback back to its value before), and
#      the pages that went out (VmSwap);
#  (d) prepare alone and write alone: the file's stats/nr_swap_prepare_ns
#      and stats/nr_swap_write_ns over run (b).
# Then swap-in: every page touched back (one store per page, in ascending
# order, each timed), median, p90, p99 and mean per page, memsched's file
# against the process's memory; both sides' read-ahead is printed.
# ROUNDS rounds of each; medians. Goals: (a) at least 1.4 times as fast as
# (c) per page; (a) at most 1.15 times max(prepare, write) of (b); swap-in
# per fault no slower than the kernel's. Prints "RESULT key=value ..." lines.
set -u
. selftests/lib/tap.sh
. selftests/lib/memsched.sh
BIN=$TAP_REPO/bench/build/swap_touch
MB=256
ROUNDS=${SWAP_BENCH_ROUNDS:-3}
pages=$((MB * 256))
SW=$MS_ROOT/swap

[ -n "${EPOCHREALTIME:-}" ] || { echo "bench: needs bash >= 5 (EPOCHREALTIME)"; exit 4; }
[ -x "$BIN" ] || { echo "bench: no $BIN (make -C bench)"; exit 1; }
for t in mkswap swapon swapoff; do
	command -v $t > /dev/null || { echo "bench: needs $t (util-linux)"; exit 1; }
done
mdisk=$(ms_disk mswap 2>&1) || { echo "bench: $mdisk (scripts/bench.sh passes --disk mswap:512M)"; exit 4; }
kdisk=$(ms_disk kswap 2>&1) || { echo "bench: $kdisk (scripts/bench.sh passes --disk kswap:512M)"; exit 4; }
ms_load || exit 1
[ -d "$SW" ] || { echo "bench: no $SW after loading memsched"; exit 1; }

work=$(mktemp -d)
mnt=$work/mnt
cg=/sys/fs/cgroup/msbench_swap
swapped_on="" zswap0="" cpid=""
cleanup() {
	[ -n "$cpid" ] && { kill "$cpid"; wait "$cpid"; } 2>/dev/null
	rm -f "$mnt/ram"
	umount "$mnt" 2>/dev/null
	echo none > "$SW/device" 2>/dev/null
	[ -n "$swapped_on" ] && swapoff "$kdisk"
	rmdir "$cg" 2>/dev/null
	[ -n "$zswap0" ] && echo "$zswap0" > /sys/module/zswap/parameters/enabled
	rm -rf "$work"
}
trap cleanup EXIT

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? a / b : 0 }'; }
# field LINE KEY: the value of KEY=value in LINE
field() { echo "$1" | sed -n "s/.*\\b$2=\\([0-9]*\\).*/\\1/p"; }
queue() {
	local q=/sys/block/${1##*/}/queue
	echo "scheduler=$(sed -n 's/.*\[\(.*\)\].*/\1/p' "$q/scheduler") wbt_lat_usec=$(cat "$q/wbt_lat_usec" 2>/dev/null || echo none) rotational=$(cat "$q/rotational") max_sectors_kb=$(cat "$q/max_sectors_kb") nr_requests=$(cat "$q/nr_requests")"
}

# The coprocess (bench/swap_touch): started with start_touch ARGS, asked
# with ask COMMAND (the answer in REPLY). It runs in this shell: no $(...)
# around ask, the coprocess's descriptors do not exist in subshells.
start_touch() {
	coproc TOUCH { "$@"; }
	cpid=$TOUCH_PID
	read -r -t 300 REPLY <&"${TOUCH[0]}" && [ "${REPLY%% *}" = ready ] ||
		{ echo "bench: swap_touch did not start: '$REPLY'"; exit 1; }
}
ask() {
	echo "$1" >&"${TOUCH[1]}"
	read -r -t 600 REPLY <&"${TOUCH[0]}" && [ "${REPLY%% *}" = "$1" ] ||
		{ echo "bench: swap_touch: $1: '$REPLY'"; exit 1; }
}
stop_touch() {
	echo quit >&"${TOUCH[1]}"
	wait "$cpid"
	cpid=""
}
# touched KIND: check the answer to touch (every page back, intact) and
# keep its figures in $work/KIND.{p50,p90,p99,mean}
touched() {
	local k
	[ "$(field "$REPLY" mismatches)" = 0 ] && [ "$(field "$REPLY" pages)" = $pages ] ||
		{ echo "bench: $1: pages damaged after the swap-in: $REPLY"; exit 1; }
	for k in p50 p90 p99 mean; do field "$REPLY" ${k}_ns >> "$work/$1.$k"; done
}

echo "bench: memsched disk $mdisk: $(queue "$mdisk")"
echo "bench: kernel disk $kdisk: $(queue "$kdisk")"

# memsched: (a) and (b), alternating; swap-in after each.
mkdir -p "$mnt"
mount -t memschedfs -o huge=never none "$mnt" || exit 1
echo "$mdisk" > "$SW/device" || { echo "bench: $SW/device refused $mdisk"; exit 1; }
start_touch "$BIN" --mb $MB --file "$mnt/ram"
f=$MS_ROOT/files/$(stat -c %i "$mnt/ram")
st() { cat "$f/stats/$1"; }
echo "bench: memsched swap: batch_pages=$(cat "$SW/batch_pages") queue_depth=$(cat "$SW/queue_depth") readahead_pages=$(cat "$SW/readahead_pages"); writes REQ_OP_WRITE|REQ_SWAP|REQ_SYNC|REQ_IDLE (not throttled by wbt), one bio per run of contiguous slots"
# swap_once PIPELINE NAME: swap the whole file out, record the wall time in
# $work/NAME, and prepare/write/stall time of the call in $work/NAME.*
swap_once() {
	local t0 t1 p0 w0 s0 b0 o0 sw
	echo "$1" > "$SW/pipeline" || exit 1
	p0=$(st nr_swap_prepare_ns) w0=$(st nr_swap_write_ns) s0=$(st nr_swap_stall_ns)
	b0=$(st nr_swap_busy_pages) o0=$(st nr_swapped_out_pages)
	t0=$EPOCHREALTIME
	if ! echo "$pages force" 2> "$work/err" > "$f/swap_out"; then
		echo "bench: swap_out ($2): $(cat "$work/err")"
		exit 1
	fi
	t1=$EPOCHREALTIME
	sw=$(cat "$f/swapped_pages")
	[ "$sw" = $pages ] && [ $(( $(st nr_swapped_out_pages) - o0 )) = $pages ] ||
		{ echo "bench: $2: $sw of $pages pages out ($(( $(st nr_swap_busy_pages) - b0 )) busy)"; exit 1; }
	echo $(( ${t1/./} - ${t0/./} )) >> "$work/$2"
	echo $(( ($(st nr_swap_prepare_ns) - p0) / 1000 )) >> "$work/$2.prepare"
	echo $(( ($(st nr_swap_write_ns) - w0) / 1000 )) >> "$work/$2.write"
	echo $(( ($(st nr_swap_stall_ns) - s0) / 1000 )) >> "$work/$2.stall"
}
for round in $(seq "$ROUNDS"); do
	swap_once 1 a
	ask touch
	touched ours
	[ "$(cat "$f/swapped_pages")" = 0 ] || { echo "bench: pages still out after touching all"; exit 1; }
	swap_once 0 b
	ask touch
	touched ours
	echo "bench: round $round: memsched pipelined $(tail -n 1 "$work/a")us (prepare $(tail -n 1 "$work/a.prepare")us write $(tail -n 1 "$work/a.write")us stall $(tail -n 1 "$work/a.stall")us), pipeline 0 $(tail -n 1 "$work/b")us (prepare $(tail -n 1 "$work/b.prepare")us write $(tail -n 1 "$work/b.write")us); last swap-in: $REPLY"
done
echo "bench: memsched stats: $(ms_stats_line "$f" | tr ' ' '\n' | grep swap | tr '\n' ' ')"
stop_touch
rm -f "$mnt/ram"
umount "$mnt"
echo none > "$SW/device"

# The kernel: (c), a fresh process each round, in a memory cgroup (so that
# memory.reclaim can evict what MADV_PAGEOUT left in the swap cache before
# the swap-in is timed).
if [ -e /sys/module/zswap/parameters/enabled ]; then
	zswap0=$(cat /sys/module/zswap/parameters/enabled)
	echo N > /sys/module/zswap/parameters/enabled
fi
grep -q '^/' /proc/swaps && { echo "bench: another swap is on: $(tail -n +2 /proc/swaps)"; exit 1; }
mkswap -f "$kdisk" > /dev/null || exit 1
swapon "$kdisk" || exit 1
swapped_on=1
[ -e /sys/fs/cgroup/cgroup.subtree_control ] || mount -t cgroup2 cgroup2 /sys/fs/cgroup
echo +memory > /sys/fs/cgroup/cgroup.subtree_control
mkdir -p "$cg"
echo "bench: kernel swap: vm.page-cluster=$(sysctl -n vm.page-cluster) (read-ahead of 2^N pages) vma_ra_enabled=$(cat /sys/kernel/mm/swap/vma_ra_enabled 2>/dev/null) zswap=${zswap0:-absent}->$(cat /sys/module/zswap/parameters/enabled 2>/dev/null); writes from reclaim are REQ_OP_WRITE|REQ_SWAP, one bio per page, throttled by wbt when wbt is on"
swapcached() { awk '/^SwapCached:/ { print $2 }' /proc/meminfo; }
for round in $(seq "$ROUNDS"); do
	start_touch bash -c 'echo $$ > "$1/cgroup.procs" && exec "$2" --mb "$3"' - "$cg" "$BIN" $MB
	ask pageout
	kp=$(( $(field "$REPLY" vmswap_kb) / 4 ))
	[ "$kp" -gt 0 ] || { echo "bench: MADV_PAGEOUT put nothing on swap: $REPLY"; exit 1; }
	echo $(( $(field "$REPLY" written_ns) / 1000 )) >> "$work/c"
	echo $(( $(field "$REPLY" madvise_ns) / 1000 )) >> "$work/c.madvise"
	echo "$kp" >> "$work/c.pages"
	line="bench: round $round: kernel $REPLY; SwapCached $(swapcached) kB"
	t0=$EPOCHREALTIME
	cat "$cg/memory.current" 2>/dev/null > "$cg/memory.reclaim"
	t1=$EPOCHREALTIME
	echo $(( ${t1/./} - ${t0/./} )) >> "$work/c.evict"
	ask touch
	touched kernel
	echo "$line, after memory.reclaim ($(( (${t1/./} - ${t0/./}) / 1000 )) ms) $(swapcached) kB; swap-in: $REPLY"
	stop_touch
done
swapoff "$kdisk"
swapped_on=""

a=$(median < "$work/a") b=$(median < "$work/b") c=$(median < "$work/c")
cm=$(median < "$work/c.madvise") ck=$(median < "$work/c.pages") ce=$(median < "$work/c.evict")
prep=$(median < "$work/b.prepare") wr=$(median < "$work/b.write") stall=$(median < "$work/a.stall")
mx=$(( prep > wr ? prep : wr ))
# Per page: the kernel may put fewer than all pages out.
speed=$(awk -v a="$a" -v c="$c" -v p="$pages" -v k="$ck" 'BEGIN { printf "%.2f", (c / k) / (a / p) }')
overmax=$(ratio "$a" "$mx")
met() { awk -v v="$1" -v g="$2" -v op="$3" 'BEGIN { r = op == ">=" ? v >= g : v <= g; print (r ? "yes" : "no") }'; }
echo "RESULT swap_out pages=$pages memsched_pipelined_us=$a memsched_pipeline0_us=$b" \
	"memsched_prepare_us=$prep memsched_write_us=$wr memsched_pipelined_stall_us=$stall" \
	"kernel_pageout_us=$c kernel_madvise_us=$cm kernel_pages=$ck kernel_swapcache_evict_us=$ce" \
	"speedup_vs_kernel=$speed goal_speedup=1.4 met=$(met "$speed" 1.4 '>=')" \
	"pipelined_over_max_prepare_write=$overmax goal_over_max=1.15 met=$(met "$overmax" 1.15 '<=')" \
	"pipeline_speedup=$(ratio "$b" "$a") rounds=$ROUNDS"
for k in p50 p90 p99 mean; do
	eval "o_$k=$(median < "$work/ours.$k") k_$k=$(median < "$work/kernel.$k")"
done
# shellcheck disable=SC2154
echo "RESULT swap_in pages=$pages memsched_p50_ns=$o_p50 memsched_p90_ns=$o_p90 memsched_p99_ns=$o_p99" \
	"memsched_mean_ns=$o_mean kernel_p50_ns=$k_p50 kernel_p90_ns=$k_p90 kernel_p99_ns=$k_p99 kernel_mean_ns=$k_mean" \
	"mean_ratio_kernel_memsched=$(ratio "$k_mean" "$o_mean") p99_ratio_kernel_memsched=$(ratio "$k_p99" "$o_p99")" \
	"goal_ratio=1 met=$(met "$(ratio "$k_mean" "$o_mean")" 1 '>=')" \
	"memsched_readahead_pages=$(cat "$SW/readahead_pages") kernel_page_cluster=$(sysctl -n vm.page-cluster)" \
	"kernel_vma_ra=$(cat /sys/kernel/mm/swap/vma_ra_enabled 2>/dev/null) rounds=$ROUNDS"
