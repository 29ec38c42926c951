#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark, run inside the lab by `make bench` (not a test: absolute times
# on shared machines are noise, the ratios are the result).
# Moving 256 MiB between node 0 and node 1 (the CPU-less PMEM node) with
# 2 MiB folios and with 4 KiB pages, memsched against the kernel's
# move_pages(2), and the plain copy as the physical limit, in one run:
#  (a) memsched, huge folios: a memschedfs file of a huge=always mount,
#      written and held mapped MAP_SHARED by fs_pattern (128 huge folios,
#      checked before and after), `echo NODE > files/INO/move`;
#  (b) the same on a huge=never mount (65536 pages of 4 KiB);
#  (c) move_pages(2) on THP-backed anonymous memory (MADV_HUGEPAGE, its
#      AnonHugePages printed before and after; one address per 2 MiB);
#  (d) move_pages(2) on anonymous memory in 4 KiB pages (MADV_NOHUGEPAGE,
#      every page, 1024 per call, as bench/tiering.sh);
#  (e) memcpy of 256 MiB from a buffer bound to node 0 to one bound to
#      node 1 (mbind MPOL_BIND, and back); beside it the first touch of a
#      fresh 256 MiB on node 1: allocating pages, zeroing included (every
#      mover allocates its target pages, and with init_on_alloc, Debian's
#      default, the kernel zeroes each one first; the lab's kernel log
#      says which: "mem auto-init: ... heap alloc:on"), and the copy
#      node 0 -> node 1 by "rep movsq", the instruction of the kernel's
#      copy_page() (for an emulator that runs it slower than glibc's
#      memcpy), and the clearing of the node 1 buffer by "rep stosq", that
#      of clear_page(): a move on a kernel with init_on_alloc clears its
#      target pages, then copies, so the two together are the floor of
#      any mover built on the kernel's page primitives (move_pages too).
# (c)-(e) are bench/numa_move, a process per round. HUGEMOVE_BENCH_ROUNDS
# (5) rounds; in each, all five take turns, each 0 -> 1 -> 0 (so that the
# load of a shared machine weighs on all alike); each figure is the median
# time of one direction over all rounds, in microseconds. Every move must
# leave all pages on the target node (files/INO/node_pages; move_pages'
# status of every page), and fs_pattern verifies every page of the files
# afterwards. Reported: each one's time
# over (e)'s (and over (e) plus the zeroing), and (a) against (c) and
# (d). Goals: (a) at least 2x as fast as (d), at least as fast as (c), and
# within 1.5x of (e).
# Prints "RESULT key=value ..." lines.
set -u
. selftests/lib/tap.sh
. selftests/lib/memsched.sh
VMM=$TAP_REPO/selftests/memsched/vmm/build
NUMA_MOVE=$TAP_REPO/bench/build/numa_move
MB=256
ROUNDS=${HUGEMOVE_BENCH_ROUNDS:-5}
pages=$((MB * 256))
folios=$((MB / 2))

[ -d /sys/devices/system/node/node1 ] || { echo "bench: needs NUMA node 1 (lab --pmem)"; exit 4; }
# Times come from $EPOCHREALTIME: no fork between the two readings.
[ -n "${EPOCHREALTIME:-}" ] || { echo "bench: needs bash >= 5 (EPOCHREALTIME)"; exit 4; }
[ -x "$VMM/fs_pattern" ] || { echo "bench: no $VMM/fs_pattern (make -C selftests all)"; exit 1; }
[ -x "$NUMA_MOVE" ] || { echo "bench: no $NUMA_MOVE (make -C bench)"; exit 1; }
ms_load || exit 1
grep -qw memschedfs /proc/filesystems ||
	{ echo "bench: memschedfs is not in /proc/filesystems after loading memsched"; exit 4; }

work=$(mktemp -d)
declare -A holder dir
numa_bal=""
cleanup() {
	local n
	for n in "${!holder[@]}"; do
		kill "${holder[$n]}" 2>/dev/null
		wait "${holder[$n]}" 2>/dev/null
	done
	for n in huge 4k; do
		rm -f "$work/$n/ram"
		umount "$work/$n" 2>/dev/null
	done
	[ -n "$numa_bal" ] && echo "$numa_bal" > /proc/sys/kernel/numa_balancing
	rm -rf "$work"
}
trap cleanup EXIT

# NUMA balancing would move pages behind every measurement.
if [ -w /proc/sys/kernel/numa_balancing ]; then
	numa_bal=$(cat /proc/sys/kernel/numa_balancing)
	echo 0 > /proc/sys/kernel/numa_balancing
fi

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? a / b : 0 }'; }
met() { awk -v v="$1" -v g="$2" -v op="$3" 'BEGIN { r = op == ">=" ? v >= g : v <= g; print (r ? "yes" : "no") }'; }
free_mb() { awk '/MemFree:/ { printf "%d", $4 / 1024 }' "/sys/devices/system/node/node$1/meminfo"; }
# 2 MiB blocks and larger free on node N (/proc/buddyinfo, orders >= 9)
free_2m() { awk -v n="$1," '$1 == "Node" && $2 == n { for (i = 14; i <= NF; i++) s += $i * 2 ^ (i - 14) } END { print s + 0 }' /proc/buddyinfo; }
# want NAME: the huge folios the file of NAME must hold
want() { [ "$1" = huge ] && echo $folios || echo 0; }

# setup NAME MODE: a 256 MiB file on a huge=MODE mount, written and held
# mapped by fs_pattern, all on node 0; its sysfs directory in dir[NAME].
setup() {
	local n=$1 mode=$2 m=$work/$1 d h
	mkdir -p "$m"
	mount -t memschedfs -o huge="$mode" none "$m" || { echo "bench: mount -o huge=$mode failed"; exit 1; }
	"$VMM/fs_pattern" --file "$m/ram" --mb $MB --seconds 0 --hold-seconds 3600 \
		--ready-file "$work/$n.ready" > "$work/$n.pattern" 2>&1 &
	holder[$n]=$!
	for _ in $(seq 3000); do	# filling 256 MiB under TCG takes a while
		[ -s "$work/$n.ready" ] && break
		kill -0 "${holder[$n]}" 2>/dev/null || break
		sleep 0.1
	done
	[ -s "$work/$n.ready" ] || { echo "bench: fs_pattern did not fill $m/ram:"; cat "$work/$n.pattern"; exit 1; }
	d=$MS_ROOT/files/$(stat -c %i "$m/ram")
	[ -d "$d" ] || { echo "bench: no $d for $m/ram"; exit 1; }
	dir[$n]=$d
	# Only our writes to move may move pages (automatic tiering is off by default).
	[ -w "$d/tiering" ] && echo 0 > "$d/tiering"
	h=$(cat "$d/huge_folios")
	[ "$h" = "$(want "$n")" ] ||
		{ echo "bench: huge=$mode: $h huge folios, not $(want "$n") (fallbacks $(cat "$d/stats/nr_huge_fallbacks"))"; exit 1; }
	move "$n" 0	# start from node 0, untimed
}
# move NAME NODE: move NAME's whole file to NODE, check, and set US. The
# write is bash's own echo: nothing forks between the clock readings.
move() {
	local d=${dir[$1]} t0 t1
	t0=${EPOCHREALTIME//[!0-9]/}
	echo "$2" > "$d/move" || { echo "bench: echo $2 > $d/move failed"; exit 1; }
	t1=${EPOCHREALTIME//[!0-9]/}
	US=$((t1 - t0))
	awk -v n="$2" -v want=$pages '$1 == n { on += $2 } $1 != n { off += $2 }
		END { exit !(on == want && off == 0) }' "$d/node_pages" || {
		echo "bench: $1: not all $pages pages on node $2 after the move; node_pages: $(tr '\n' ' ' < "$d/node_pages")"
		exit 1
	}
}
# finish NAME: the file still has its huge folios, and intact data
finish() {
	local n=$1 d=${dir[$1]} h rc
	h=$(cat "$d/huge_folios")
	[ "$h" = "$(want "$n")" ] ||
		{ echo "bench: $n: $h huge folios after the moves, not $(want "$n")"; exit 1; }
	echo "bench: $n: $h huge folios after the moves; $(ms_stats_line "$d" | tr ' ' '\n' | grep -E 'move|huge' | tr '\n' ' ')"
	kill "${holder[$n]}"
	wait "${holder[$n]}"
	rc=$?
	unset "holder[$n]"
	if [ $rc != 0 ] || ! grep -q 'mismatches=0$' "$work/$n.pattern"; then
		echo "bench: $n: fs_pattern found the file damaged after the moves (exit $rc):"
		cat "$work/$n.pattern"
		exit 1
	fi
	echo "bench: $n: $(grep '^fs_pattern:' "$work/$n.pattern" | tail -n 1)"
	rm -f "$work/$n/ram"
	umount "$work/$n" || { echo "bench: umount $work/$n failed"; exit 1; }
}
# numa_move MODE NAME: one round of bench/numa_move; its figures appended
# to $work/NAME.{to1,to0,all} (and copy's first touch, "rep movsq" copy
# and "rep stosq" clearing to copy.zero, copy.rep and copy.stos),
# AnonHugePages to NAME.hugekb
numa_move() {
	local out rc k
	out=$("$NUMA_MOVE" --mode "$1" --mb $MB --rounds 1 2>&1)
	rc=$?
	[ $rc = 0 ] || { echo "bench: $out"; echo "bench: numa_move --mode $1 failed (exit $rc)"; exit 1; }
	out=$(echo "$out" | grep '^numa_move: ')
	nm() { echo "$out" | sed -n "s/.* $1=\\([0-9]*\\).*/\\1/p"; }
	for k in 1 0; do
		nm us_to$k >> "$work/$2.to$k"
		nm us_to$k >> "$work/$2.all"
	done
	echo "$(nm huge_kb_before) $(nm huge_kb_after)" >> "$work/$2.hugekb"
	if [ "$1" = copy ]; then
		nm zero_us >> "$work/copy.zero"
		nm rep_us >> "$work/copy.rep"
		nm stos_us >> "$work/copy.stos"
	fi
	line="$line $2 $(nm us_to1)/$(nm us_to0)us"
}

echo "bench: $(dmesg | grep -o 'mem auto-init:.*' | head -n 1)"
echo "bench: node 0 $(free_mb 0) MiB free, node 1 $(free_mb 1) MiB free ($(free_2m 1) free 2 MiB blocks); THP enabled=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled) defrag=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/defrag)"
setup huge always
setup 4k never
# The five take turns in every round, so that the load of a shared
# machine weighs on all of them alike.
for round in $(seq "$ROUNDS"); do
	line="bench: round $round (to node 1/to node 0):"
	for n in huge 4k; do
		move "$n" 1
		echo "$US" >> "$work/$n.to1"
		echo "$US" >> "$work/$n.all"
		line="$line memsched_$n $US"
		move "$n" 0
		echo "$US" >> "$work/$n.to0"
		echo "$US" >> "$work/$n.all"
		line="$line/${US}us"
	done
	numa_move move-thp thp
	numa_move move-4k mp4k
	numa_move copy copy
	echo "$line; first touch $(tail -n 1 "$work/copy.zero")us, copy by rep movsq $(tail -n 1 "$work/copy.rep")us, clear by rep stosq $(tail -n 1 "$work/copy.stos")us"
done
finish huge
finish 4k
thp_min=$(tr ' ' '\n' < "$work/thp.hugekb" | sort -n | head -n 1)
[ "$thp_min" = $((MB * 1024)) ] ||
	echo "bench: move_pages THP: as little as $thp_min of $((MB * 1024)) kB was THP-backed (AnonHugePages before or after a round)"

a=$(median < "$work/huge.all") b=$(median < "$work/4k.all")
c=$(median < "$work/thp.all") dd=$(median < "$work/mp4k.all") e=$(median < "$work/copy.all")
z=$(median < "$work/copy.zero") r=$(median < "$work/copy.rep") s=$(median < "$work/copy.stos")
thp0=$(awk '{ print $1 }' "$work/thp.hugekb" | median) thp1=$(awk '{ print $2 }' "$work/thp.hugekb" | median)
vs4k=$(ratio "$dd" "$a") vsthp=$(ratio "$c" "$a") overcopy=$(ratio "$a" "$e")
echo "RESULT hugemove pages=$pages rounds=$ROUNDS copy_us=$e memsched_huge_us=$a memsched_4k_us=$b" \
	"move_pages_thp_us=$c move_pages_4k_us=$dd first_touch_us=$z copy_rep_movsq_us=$r clear_rep_stosq_us=$s"
echo "RESULT hugemove_dirs memsched_huge_to1_us=$(median < "$work/huge.to1") memsched_huge_to0_us=$(median < "$work/huge.to0")" \
	"memsched_4k_to1_us=$(median < "$work/4k.to1") memsched_4k_to0_us=$(median < "$work/4k.to0")" \
	"move_pages_thp_to1_us=$(median < "$work/thp.to1") move_pages_thp_to0_us=$(median < "$work/thp.to0")" \
	"move_pages_4k_to1_us=$(median < "$work/mp4k.to1") move_pages_4k_to0_us=$(median < "$work/mp4k.to0")" \
	"copy_to1_us=$(median < "$work/copy.to1") copy_to0_us=$(median < "$work/copy.to0")" \
	"thp_kb_before=$thp0 thp_kb_after=$thp1 copy_huge_kb=$(awk '{ print $1 }' "$work/copy.hugekb" | median)"
echo "RESULT hugemove_over_copy memsched_huge=$overcopy memsched_4k=$(ratio "$b" "$e")" \
	"move_pages_thp=$(ratio "$c" "$e") move_pages_4k=$(ratio "$dd" "$e")" \
	"memsched_huge_over_copy_plus_first_touch=$(ratio "$a" $((e + z)))" \
	"memsched_huge_over_copy_rep_movsq=$(ratio "$a" "$r")" \
	"memsched_huge_over_kernel_floor=$(ratio "$a" $((r + s))) move_pages_thp_over_kernel_floor=$(ratio "$c" $((r + s)))"
echo "RESULT hugemove_goals huge_vs_move_pages_4k=$vs4k goal=2 met=$(met "$vs4k" 2 '>=')" \
	"huge_vs_move_pages_thp=$vsthp goal=1 met=$(met "$vsthp" 1 '>=')" \
	"huge_over_copy=$overcopy goal=1.5 met=$(met "$overcopy" 1.5 '<=')" \
	"huge_vs_memsched_4k=$(ratio "$b" "$a")"
