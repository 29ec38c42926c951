#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# memschedfs pages and the rest of mm, on the lab's DRAM node 0 and PMEM
# node 1:
#  - The kernel's own migration moves them: a memory block of the
#    PMEM node holding pages of a file goes offline within a time bound
#    (before the fix the offline retried forever), the pages land on
#    another node with the file's contents unchanged (checksum), and
#    memsched's counts follow (node_pages, stats/nr_kernel_moved_pages).
#  - memsched's own moves never leave a folio in an LRU state the rest of
#    mm misreads: whole-file moves back and forth while
#    compaction runs and the PMEM node's memory blocks go offline and
#    online, under two writer threads that check every page. A misread is
#    a list_del() on the folio's mlock_count; Debian's kernel has no
#    DEBUG_LIST but takes a general protection fault on the poisoned
#    pointers, which fails the lab run. The window was a few instructions
#    wide, so a pass on Debian's kernel shows the path is driven, not that
#    the race is gone; the debug kernel (DEBUG_LIST, DEBUG_VM) sees more.
#    Afterwards the kernel's unevictable LRU count (meminfo Unevictable)
#    returns to where it was once the file is gone: no LRU accounting was
#    lost on the way.
#  - fallocate never leaves pages beyond a size that shrank while it ran.
#  - Inode numbers, which name files/<ino>/, are memschedfs's own: a number
#    is reused only after its directory is gone.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/memsched.sh"
[ -d /sys/devices/system/node/node1 ] || tap_skip_all "no NUMA node 1 (the lab runs with --pmem in make check)"
tap_plan 35

VMM_BIN=$TAP_REPO/selftests/memsched/vmm/build
PATTERN=$VMM_BIN/fs_pattern
BLOCKS=$VMM_BIN/fs_blocks
MEMDIR=/sys/devices/system/memory
# A move, a compaction, an offline or a wait for the hotplug lock that
# takes longer is stuck: longer than the emulator's longest pause of the
# lab seen so far (151 s; tools/lab/README), so that a pause, or a slow
# offline on a loaded host, is not taken for a hang. (An offline that
# migrates 64 MiB under TCG takes seconds; before the fix it retried
# forever.)
# On the debug kernel, three times that: a loaded CI run there saw one
# offline take longer than 300 s under the moves and compaction.
if ms_debug_kernel; then BOUND_S=${BOUND_S:-900}; else BOUND_S=${BOUND_S:-300}; fi
OFFLINE_S=${OFFLINE_S:-$BOUND_S}
STRESS_S=${STRESS_S:-20}	# how long the moves race compaction and offline, at least
work=$(mktemp -d)
mnt=$work/mnt
bgpids=""
# Blocks this test took offline, with the zone to bring them back to.
declare -A zone_of
restore_blocks() {
	local b
	for b in "${!zone_of[@]}"; do
		[ "$(cat "$MEMDIR/memory$b/state")" = offline ] &&
			echo "${zone_of[$b]}" > "$MEMDIR/memory$b/state"
	done
}
cleanup() {
	kill $bgpids $MS_STALL_PID 2>/dev/null
	wait 2>/dev/null
	restore_blocks
	umount "$mnt" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$mnt"
ms_stall_watch

fdir() { echo "$MS_ROOT/files/$(stat -c %i "$1")"; }
node_pages() { awk -v n="$2" '$1 == n { print $2 }' "$1/node_pages"; }
stat_of() { cat "$1/stats/$2"; }
# unevictable_kb: the kernel's unevictable LRU, per-CPU deltas folded in
unevictable_kb() {
	echo 1 > /proc/sys/vm/stat_refresh 2>/dev/null
	awk '/^Unevictable:/ { print $2 }' /proc/meminfo
}
# block_count FILE N: pages of FILE's fs_blocks output in memory block N
block_count() { awk -v b="$2" '$1 == "block" && $2 == b { n = $3 } END { print n + 0 }' "$1"; }
# node1_blocks: memory block numbers of node 1, ascending
node1_blocks() {
	local m
	for m in /sys/devices/system/node/node1/memory*; do
		echo "${m##*memory}"
	done | sort -n
}
# block_online_cmd N: what to write to bring block N back to its zone
block_online_cmd() {
	case "$(cat "$MEMDIR/memory$1/valid_zones")" in
	Movable*) echo online_movable ;;
	*) echo online_kernel ;;
	esac
}
# Compaction and memory offline never run at the same moment here: each
# takes HOTPLUG_LOCK. Linux 6.1's compaction walks pfns without the memory
# hotplug lock (pageblock_pfn_to_page trusts zone->contiguous), and an
# offline poisons the block's struct pages when DEBUG_VM is on, so a pass
# racing an offline reads 0xff.. and oopses in PageHuge, memsched or not
# (seen once on the debug kernel). Each still races memsched's moves,
# which is what this test is about.
HOTPLUG_LOCK=$work/hotplug.lock
# Every wait is bounded, so a stall fails a check and names itself (and
# ms_stall_watch prints every task's stack) instead of hanging the test;
# a write stuck in the kernel in state D outlives its timeout's SIGKILL,
# and then only ms_stall_watch's stacks and the kselftest timeout tell.
# locked SECS CMD...: run CMD under HOTPLUG_LOCK, for SECS at most; exit
# status 124 or 137: CMD hung, 125: the lock stayed taken for BOUND_S.
locked() {
	local secs=$1
	shift
	flock -E 125 -w "$BOUND_S" "$HOTPLUG_LOCK" timeout -k 5 "$secs" "$@"
}
# set_state N offline|online: prints the exit status (see locked)
set_state() {
	local want=$2
	[ "$want" = online ] && want=${zone_of[$1]}
	locked "$OFFLINE_S" bash -c 'echo "$1" > "$2"' set_state "$want" \
		"$MEMDIR/memory$1/state" 2> "$work/state.err"
	echo $?
}

sysctl -qw kernel.numa_balancing=0 2>/dev/null
for b in $(node1_blocks); do zone_of[$b]=$(block_online_cmd "$b"); done
tap_diag "node 1 memory blocks and how they are online: $(for b in "${!zone_of[@]}"; do printf '%s:%s ' "$b" "${zone_of[$b]}"; done)"
ms_load || { tap_fail "load memsched"; tap_done; }
tap_ok "mount" mount -t memschedfs -o huge=never none "$mnt"
unev0=$(unevictable_kb)

# A 64 MiB file, filled with generation-1 patterns, all moved to node 1.
f=$mnt/ram0
truncate -s 64M "$f"
d=$(fdir "$f")
"$PATTERN" --file "$f" --mb 64 --seconds 0 > "$work/fill.out" 2>&1
tap_is "$?/$(cat "$work/fill.out")" "0/fs_pattern: pages=16384 rounds=0 mismatches=0" \
	"fill 16384 pages"
tap_within $(( $(unevictable_kb) - unev0 )) 65536 5 \
	"the file's pages sit on the unevictable LRU (meminfo Unevictable grew by 64 MiB)"
ms_write 1 "$d/move"
tap_is "$(node_pages "$d" 1)" 16384 "memsched moved every page to node 1"

# The kernel's migration: offline the node-1 memory block holding most of
# the file.
"$BLOCKS" --file "$f" > "$work/b0" 2>&1
sum0=$(awk '$1 == "sum" { print $2 }' "$work/b0")
read -r blk cnt <<< "$(awk '$1 == "block" { print $2, $3 }' "$work/b0" | sort -k2,2nr | head -n 1)"
tap_diag "memory blocks (block, pages): $(awk '$1 == "block" { printf "%s:%s ", $2, $3 }' "$work/b0")"
tap_ok "block $blk holds $cnt pages of the file and belongs to node 1" \
	all_of [ -n "$blk" ] -- [ "${cnt:-0}" -gt 0 ] -- [ -e "/sys/devices/system/node/node1/memory$blk" ]
kmoved0=$(stat_of "$d" nr_kernel_moved_pages)
t0=$(date +%s)
rc=$(set_state "$blk" offline)
tap_is "$rc" 0 "memory block $blk goes offline within ${OFFLINE_S} s ($(( $(date +%s) - t0 )) s; $(cat "$work/state.err"))"
tap_is "$(cat "$MEMDIR/memory$blk/state")" offline "  ... and reads offline"
"$BLOCKS" --file "$f" > "$work/b1" 2>&1
tap_is "$(block_count "$work/b1" "$blk")" 0 "no page of the file is left in block $blk"
tap_is "$(awk '$1 == "sum" { print $2 }' "$work/b1")" "$sum0" \
	"the file's contents are unchanged (checksum of 16384 pages)"
"$PATTERN" --file "$f" --mb 64 --verify-only > "$work/v1.out" 2>&1
tap_is "$?/$(cat "$work/v1.out")" "0/fs_pattern: pages=16384 rounds=0 mismatches=0" \
	"  ... and every page still holds its own pattern"
tap_is "$(node_pages "$d" 0)/$(node_pages "$d" 1)" "$cnt/$(( 16384 - cnt ))" \
	"node_pages: the $cnt migrated pages are on node 0, the rest on node 1"
tap_ok "stats/nr_kernel_moved_pages counts them ($(( $(stat_of "$d" nr_kernel_moved_pages) - kmoved0 )))" \
	[ $(( $(stat_of "$d" nr_kernel_moved_pages) - kmoved0 )) -ge "$cnt" ]
tap_is "$(cat "$MS_DEBUG/live_fs_pages")/$(cat "$d/resident_pages")" "16384/16384" \
	"no page was lost or added (debugfs live_fs_pages, resident_pages)"
tap_is "$(set_state "$blk" online)" 0 "block $blk back online (${zone_of[$blk]})"
tap_ok "memsched moves the pages back to node 1" ms_write 1 "$d/move"
tap_is "$(node_pages "$d" 1)" 16384 "  ... all 16384 of them"

# memsched's moves against compaction and memory offline, with
# writers checking every page. Each side runs in its own loop for 20 s and
# until node 1's blocks went offline 4 times (a one-vCPU lab, as under
# --nested, interleaves them slowly), 140 s at most.
"$PATTERN" --file "$f" --mb 64 --seconds 600 --threads 2 --ready-file "$work/p.ready" \
	> "$work/p.out" 2>&1 &
ppid=$!; bgpids="$bgpids $ppid"
for _ in $(seq 600); do [ -s "$work/p.ready" ] && break; sleep 0.1; done
moved0=$(stat_of "$d" nr_moved_pages)
kmoved0=$(stat_of "$d" nr_kernel_moved_pages)
end=$(( $(date +%s) + STRESS_S ))
hard_end=$(( end + 120 ))
stop=$work/stop
bounded_move() { timeout -k 5 "$BOUND_S" bash -c 'echo "$1" > "$2"' move "$1" "$d/move"; }
( while [ ! -e "$stop" ]; do
	bounded_move 0 && bounded_move 1 || { echo "move: exit $?"; exit 1; }
done ) > "$work/mover.out" 2>&1 &
mover=$!; bgpids="$bgpids $mover"
ms_klog_mark
ms_stall_watch $(( STRESS_S + 300 )); stress_watch=$!
( n=0; while [ ! -e "$stop" ]; do
	locked "$BOUND_S" sh -c 'echo 1 > /proc/sys/vm/compact_memory'
	rc=$?
	case $rc in
	0) n=$((n + 1)) ;;
	125) ;;	# the offline loop held the lock all along: try again
	*) echo "compaction: exit $rc"; exit 1 ;;
	esac
	# flock(1) is not fair: without a pause here the next compaction can
	# take the lock before the woken offline does, round after round (the
	# likely cause of a soak run that hit the test's timeout with no task
	# in D and no output from this loop).
	sleep 1
done; echo "$n" ) > "$work/compact.out" 2>&1 &
compactor=$!; bgpids="$bgpids $compactor"
ok=0 busy=0 hung=0 cycles=0
# Until one offline went through (at most 8 attempts, each bounded by
# OFFLINE_S; a refusal under the moves is quick and legitimate), whatever
# the clock says: on the debug kernel beside the stock lab, the loop once
# got no turn before hard_end, and once one attempt, refused.
more() {
	local now
	now=$(date +%s)
	{ [ "$ok" = 0 ] && [ "$cycles" -lt 8 ]; } || [ "$now" -lt "$end" ] ||
		{ [ "$cycles" -lt 4 ] && [ "$now" -lt "$hard_end" ]; }
}
while more; do
	for b in $(node1_blocks); do
		more || break
		rc=$(set_state "$b" offline)
		cycles=$((cycles + 1))
		case "$rc" in
		0) ok=$((ok + 1)) ;;
		124|137) hung=$((hung + 1)); tap_diag "offline of block $b hung: $(cat "$work/state.err")"
			# offline_pages() retries until a signal; its reasons are
			# the kernel's "migrating pfn .. failed" and dump_page lines
			tap_diag "$(ms_klog | grep -A6 -E 'migrat|isolat|offlin|page dumped' | tail -n 60)" ;;
		125) busy=$((busy + 1)); tap_diag "offline of block $b: compaction held the lock for $BOUND_S s" ;;
		*) busy=$((busy + 1)); tap_diag "offline of block $b: $(cat "$work/state.err")" ;;
		esac
		[ "$(cat "$MEMDIR/memory$b/state")" = offline ] && set_state "$b" online > /dev/null
	done
done
touch "$stop"
wait $mover; mrc=$?
wait $compactor; crc=$?
kill "$stress_watch" 2>/dev/null
restore_blocks
tap_diag "offline cycles: $cycles ($ok done, $busy refused, $hung hung); compaction runs: $(cat "$work/compact.out")"
tap_is "$mrc" 0 "memsched's moves kept working ($(( $(stat_of "$d" nr_moved_pages) - moved0 )) pages moved)" ||
	tap_diag "$(cat "$work/mover.out")"
tap_ok "compaction ran throughout ($(cat "$work/compact.out") runs)" [ "$crc" = 0 ]
tap_is "$hung" 0 "no offline hung (each bounded by ${OFFLINE_S} s)"
tap_ok "blocks of node 1 went offline under the moves ($ok of $cycles)" [ "$ok" -gt 0 ]
tap_ok "the kernel migrated pages of the file meanwhile ($(( $(stat_of "$d" nr_kernel_moved_pages) - kmoved0 )))" \
	[ $(( $(stat_of "$d" nr_kernel_moved_pages) - kmoved0 )) -gt 0 ]
kill -TERM $ppid	# ends the writers' run; they verify every page once more
wait $ppid; prc=$?
tap_diag "$(cat "$work/p.out")"
tap_is "$prc/$(grep -o 'mismatches=[0-9]*' "$work/p.out")" "0/mismatches=0" \
	"writers saw no stale or torn page"
tap_ok "writers did work ($(grep -o 'rounds=[0-9]*' "$work/p.out"))" grep -q 'rounds=[1-9]' "$work/p.out"
tap_is "$(awk '{ n += $2 } END { print n }' "$d/node_pages")/$(cat "$MS_DEBUG/live_fs_pages")" \
	"16384/16384" "node_pages sums to the file, live_fs_pages agrees"
rm -f "$f"
ms_wait_val "$MS_DEBUG/live_fs_pages" 0 10 > /dev/null
unev1=$(unevictable_kb)
tap_ok "file removed: meminfo Unevictable back to $unev0 kB, within 1 MiB (got $unev1; no LRU accounting lost in the moves)" \
	all_of [ "$unev1" -ge $(( unev0 - 1024 )) ] -- [ "$unev1" -le $(( unev0 + 1024 )) ]

# fallocate against a shrink: the pages beyond the new size must not stay.
g=$mnt/pre
fallocate -l 512M "$g" 2> "$work/fa.err" &
fpid=$!
for _ in $(seq 300); do
	[ -e "$g" ] && [ "$(cat "$(fdir "$g")/resident_pages" 2>/dev/null || echo 0)" -ge 2048 ] && break
	sleep 0.1
done
dg=$(fdir "$g")
# Still allocating when the shrink starts? (Once it is done, a fixed
# fallocate stops at once, so ask before.)
running=no; kill -0 $fpid 2>/dev/null && running=yes
at=$(cat "$dg/resident_pages")
[ "$at" -lt 131072 ] || running=no
truncate -s 4M "$g"
wait $fpid; frc=$?
tap_diag "shrunk to 1024 pages at $at resident pages; fallocate still running then: $running"
if [ "$running" = yes ]; then
	tap_is "$frc" 0 "fallocate 512 MiB with a shrink to 4 MiB half-way: it succeeds"
	tap_is "$(cat "$dg/size_pages")/$(cat "$dg/resident_pages")" "1024/1024" \
		"  ... and leaves no page beyond the new size (size_pages/resident_pages)"
else
	tap_skip "fallocate 512 MiB with a shrink to 4 MiB half-way" "fallocate ended before the shrink"
	tap_skip "  ... and leaves no page beyond the new size" "fallocate ended before the shrink"
fi
tap_is "$(cat "$MS_DEBUG/live_fs_pages")" "$(cat "$dg/resident_pages")" \
	"debugfs live_fs_pages = the file's resident pages"
rm -f "$g"

# Inode numbers: memschedfs's own, reused after the directory is gone.
for n in a b c; do truncate -s 1M "$mnt/$n"; done
ia=$(stat -c %i "$mnt/a") ib=$(stat -c %i "$mnt/b") ic=$(stat -c %i "$mnt/c")
tap_ok "three files, three numbers ($ia $ib $ic), each directory names its file" \
	all_of [ "$ia" != "$ib" ] -- [ "$ib" != "$ic" ] -- [ "$ia" != "$ic" ] -- \
	[ "$(cat "$MS_ROOT/files/$ia/name")$(cat "$MS_ROOT/files/$ib/name")$(cat "$MS_ROOT/files/$ic/name")" = abc ]
rm -f "$mnt/b"
tap_ok "removed: files/$ib/ is gone" [ ! -e "$MS_ROOT/files/$ib" ]
truncate -s 1M "$mnt/d"
tap_is "$(stat -c %i "$mnt/d")/$(cat "$MS_ROOT/files/$ib/name" 2>&1)" "$ib/d" \
	"a new file takes the free number $ib, and files/$ib/ shows it"
mkdir -p "$work/mnt2"
mount -t memschedfs -o huge=never none "$work/mnt2"
for n in $(seq 50); do : > "$work/mnt2/f$n"; done
inos=$( (stat -c %i "$mnt"/* "$work/mnt2"/*) | sort -n | uniq -d | wc -l)
tap_is "$inos/$(ls "$MS_ROOT/files" | wc -l)" "0/53" \
	"two instances, 53 files: no number twice, one directory each"
umount "$work/mnt2"
rm -f "$mnt"/*
tap_ok "unmount" umount "$mnt"
tap_no_leaks "after unmount"
tap_ok "rmmod" rmmod memsched
tap_done
