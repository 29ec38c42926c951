#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# memschedfs with plain processes, on the lab's DRAM node 0 and PMEM node 1:
# files and their sysfs directories; moving every page back and forth at
# full rate while two writer threads check patterns and checksums (zero
# mismatches, contents intact after re-open); per-node counts cross-checked
# with the kernel's own (node FilePages, move_pages(2)); tiering of a
# process with a known hot set under a DRAM budget (hot pages promoted to
# DRAM, cold ones on PMEM, budget kept when it shrinks); bad input; and the
# lifecycle: shrink and unmount while mapped refused, truncate and punch
# free pages, unlink while mapped, the mapper killed mid-move, module
# unload while mounted. Nothing leaks (debugfs live counters).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/memsched.sh"
[ -d /sys/devices/system/node/node1 ] || tap_skip_all "no NUMA node 1 (the lab runs with --pmem in make check)"
tap_plan 68

VMM_BIN=$TAP_REPO/selftests/memsched/vmm/build
PATTERN=$VMM_BIN/fs_pattern
NODES=$VMM_BIN/fs_nodes
WSS=$TAP_REPO/selftests/memsched/guest/build/wss_touch
work=$(mktemp -d)
mnt=$work/mnt
bgpids=""
trap 'kill $bgpids 2>/dev/null; wait 2>/dev/null; umount "$mnt" 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$mnt"

fdir() { echo "$MS_ROOT/files/$(stat -c %i "$1")"; }
# node_pages DIR NODE: resident pages of the file on NODE
node_pages() { awk -v n="$2" '$1 == n { print $2 }' "$1/node_pages"; }
stat_of() { cat "$1/stats/$2"; }
# node FilePages in KiB, the kernel's own per-node figure
file_kb() { awk '/FilePages:/ { print $4 }' "/sys/devices/system/node/node$1/meminfo"; }
# wait_ready FILE PID: wait for a helper's ready file (up to 120 s)
wait_ready() {
	local i
	for i in $(seq 1200); do
		[ -s "$1" ] && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
dmesg_has() { dmesg | tail -n 20 | grep -q -- "$1"; }
# tier_of NODE: the kernel's memory tier number of NODE (higher = slower)
tier_of() {
	local t
	for t in /sys/devices/virtual/memory_tiering/memory_tier*; do
		awk -v n="$1" -F, '{ for (i = 1; i <= NF; i++) { split($i, r, "-");
			if (r[2] == "") r[2] = r[1]; if (n >= r[1] && n <= r[2]) f = 1 } }
			END { exit !f }' "$t/nodelist" && { echo "${t##*memory_tier}"; return; }
	done
	echo none
}

sysctl -qw kernel.numa_balancing=0 2>/dev/null
ms_load || { tap_fail "load memsched"; tap_done; }
tap_ok "memschedfs is registered" grep -qw memschedfs /proc/filesystems
tap_fails_with "" "unknown mount option refused" mount -t memschedfs -o bogus=1 none "$mnt"
tap_ok "mount" mount -t memschedfs -o mode=0770,huge=never none "$mnt"
tap_is "$(stat -c %a "$mnt")" 770 "mode= sets the root directory's mode"

# A 64 MiB file: 16384 pages, none resident until touched.
f=$mnt/ram0
tap_ok "create and size a file" truncate -s 64M "$f"
d=$(fdir "$f")
tap_is "$(cat "$d/name")/$(cat "$d/size_pages")/$(cat "$d/resident_pages")" "ram0/16384/0" \
	"files/<ino>/ shows the name, the size and no resident page"
tap_is "$(cat "$d/dram_node")/$(cat "$d/pmem_node")/$(cat "$d/dram_budget_pages")/$(cat "$d/tiering")" \
	"0/1/max/0" "defaults: DRAM node 0, PMEM node 1 (CPU-less), no budget, tiering off"
tap_fails_with "" "read(2) is not supported (mmap only)" cat "$f"
if [ -d /sys/devices/virtual/memory_tiering ]; then
	t0=$(tier_of 0) t1=$(tier_of 1)
	tap_ok "the default pmem_node is in a slower memory tier (kernel: node 0 tier $t0, node 1 tier $t1)" \
		all_of [ "$t0" != none ] -- [ "$t1" != none ] -- [ "$t1" -gt "$t0" ]
else
	tap_skip "the default pmem_node is in a slower memory tier" "no /sys/devices/virtual/memory_tiering"
fi

# Fill (generation 1) and hold the mapping for the moves below.
"$PATTERN" --file "$f" --mb 64 --seconds 25 --threads 2 --ready-file "$work/p.ready" \
	> "$work/p.out" 2>&1 &
ppid=$!; bgpids="$bgpids $ppid"
wait_ready "$work/p.ready" $ppid || tap_diag "fs_pattern: $(cat "$work/p.out")"
tap_is "$(cat "$d/resident_pages")/$(node_pages "$d" 0)" "16384/16384" \
	"first touch put all 16384 pages on the DRAM node"
tap_is "$(stat_of "$d" nr_faults)" 16384 "stats/nr_faults counts the first touches"

# Move everything to PMEM and back at full rate while both writer threads
# verify and rewrite every page.
fp1_0=$(file_kb 1)
tap_ok "move to node 1 while written" ms_write 1 "$d/move"
n1=$(node_pages "$d" 1)
tap_within "$n1" 16384 2 "node_pages: the pages are on node 1"
fp1_1=$(file_kb 1)
tap_within $(( fp1_1 - fp1_0 )) $(( n1 * 4 )) 5 "node 1 FilePages (kernel) grew by as much"
"$NODES" --file "$f" --count 0:16383 > "$work/q1" 2>&1
tap_within "$(awk '{ print $4 }' "$work/q1")" 16384 2 "move_pages(2) finds the pages on node 1"
rounds=0
end=$(( $(date +%s) + 15 ))
while [ "$(date +%s)" -lt "$end" ]; do
	ms_write 0 "$d/move" && ms_write 1 "$d/move" || break
	rounds=$((rounds + 1))
done
ms_write 0 "$d/move"
tap_ok "moved back and forth $rounds times in 15 s" [ "$rounds" -ge 2 ]
moved=$(stat_of "$d" nr_moved_pages)
tap_ok "stats/nr_moved_pages counts them ($moved)" [ "$moved" -ge $(( (2 * rounds + 2) * 16384 * 9 / 10 )) ]
tap_is "$(find "$d/stats" -type f | wc -l)/$(cat "$d"/stats/* | wc -l)" "33/33" \
	"stats/: 33 counters (13 of tiering and moves, 15 of swap, 4 of 2 MiB folios, 1 of dirty tracking; huge_folios, a gauge, is beside stats/), one value per file"
wait $ppid; prc=$?
tap_diag "$(cat "$work/p.out")"
tap_is "$prc/$(grep -o 'mismatches=[0-9]*' "$work/p.out")" "0/mismatches=0" \
	"writers saw no stale or torn page during the moves"
tap_ok "writers did work ($(grep -o 'rounds=[0-9]*' "$work/p.out"))" \
	grep -q 'rounds=[1-9]' "$work/p.out"
"$PATTERN" --file "$f" --mb 64 --verify-only > "$work/v.out" 2>&1
tap_is "$?/$(cat "$work/v.out")" "0/fs_pattern: pages=16384 rounds=0 mismatches=0" \
	"contents intact after the writers exited (re-open, verify)"

# Bad input: errno and one log line saying what is accepted.
tap_fails_with "Invalid argument" "dram_node: a node that does not exist" ms_write 7 "$d/dram_node"
tap_ok "  ... logged with what is accepted" dmesg_has "dram_node: accepted"
tap_fails_with "Invalid argument" "pmem_node = dram_node refused" ms_write 0 "$d/pmem_node"
tap_fails_with "Invalid argument" "dram_budget_pages beyond RAM refused" ms_write 99999999999 "$d/dram_budget_pages"
tap_ok "  ... logged with what is accepted" dmesg_has "dram_budget_pages: accepted: max, or 0.."
tap_fails_with "Invalid argument" "dram_budget_pages garbage refused" ms_write 12abc "$d/dram_budget_pages"
tap_fails_with "Invalid argument" "scan_interval_ms below 10 refused (the range of vms/<pid>/scan_interval_ms)" ms_write 5 "$d/scan_interval_ms"
tap_fails_with "Invalid argument" "move to a node without memory refused" ms_write 3 "$d/move"
# Without a pmem_node the scan only ages pages (hypervisor swap reads the
# ages): it runs and moves nothing, even pages off the DRAM node.
ms_write -1 "$d/pmem_node"
scans0=$(stat_of "$d" nr_scans) moves0=$(stat_of "$d" nr_moved_pages)
tap_ok "tiering with pmem_node -1 accepted (scans age pages only)" ms_write 1 "$d/tiering"
for _ in $(seq 100); do
	[ "$(stat_of "$d" nr_scans)" -ge $((scans0 + 2)) ] && break
	sleep 0.1
done
ms_write 0 "$d/tiering"
tap_is "$(( $(stat_of "$d" nr_scans) >= scans0 + 2 ))/$(( $(stat_of "$d" nr_moved_pages) - moves0 ))/$(node_pages "$d" 0)" \
	"1/0/16384" "  ... two scans ran within 10 s and moved no page (all 16384 stay on node 0)"
ms_write 1 "$d/pmem_node"

# Tiering: all pages start on PMEM; a process keeps writing the first 8 MiB
# (2048 pages); with a 4096-page budget the hot set must come to DRAM and
# the rest stay on PMEM.
ms_write 1 "$d/move"
"$WSS" --file "$f" --total-mb 64 --wss-mb 8 --seconds 60 --ready-file "$work/w.ready" \
	> "$work/w.out" 2>&1 &
wpid=$!; bgpids="$bgpids $wpid"
wait_ready "$work/w.ready" $wpid || tap_diag "wss_touch: $(cat "$work/w.out")"
ms_write 1 "$d/move"	# the first pass of wss_touch may have refaulted nothing; be sure
ms_write 200 "$d/scan_interval_ms"
ms_write 0 "$d/rate_limit_mib_per_s"
ms_write 4096 "$d/dram_budget_pages"
tap_ok "tiering on" ms_write 1 "$d/tiering"
# Wait on memsched's own counters only: reading the pages to see where they
# are would touch them all and heat them up.
ok=0
for i in $(seq 300); do
	[ "$(stat_of "$d" nr_promoted_pages)" -ge 2048 ] && [ "$(node_pages "$d" 0)" -ge 2048 ] &&
		{ ok=1; break; }
	sleep 0.2
done
sleep 1	# a few more scans: anything wrongly promoted would show
tap_ok "tiering off, then look (reading pages must not feed the policy)" ms_write 0 "$d/tiering"
"$NODES" --file "$f" --count 0:2047 --count 2048:16383 > "$work/q2" 2>&1
tap_diag "hot/cold pages on node 0, 1, other: $(tr '\n' ' ' < "$work/q2"); stats: $(ms_stats_line "$d")"
tap_is "$ok/$(awk 'NR == 1 { print $3 }' "$work/q2")" "1/2048" "the hot set (2048 pages) was promoted to DRAM (node 0)"
tap_is "$(awk 'NR == 2 { print $4 }' "$work/q2")" 14336 "the cold pages (14336) stayed on PMEM (node 1)"
tap_ok "DRAM use within the 4096-page budget ($(node_pages "$d" 0))" [ "$(node_pages "$d" 0)" -le 4096 ]
tap_ok "stats: promotions and traps counted" \
	all_of [ "$(stat_of "$d" nr_promoted_pages)" -ge 2048 ] -- [ "$(stat_of "$d" nr_traps)" -gt 0 ]
ms_write 1 "$d/tiering"
ms_write 1024 "$d/dram_budget_pages"
ok=0
for i in $(seq 100); do
	[ "$(node_pages "$d" 0)" -le 1024 ] && { ok=1; break; }
	sleep 0.2
done
tap_ok "a smaller budget (1024) is enforced ($(node_pages "$d" 0) on DRAM)" [ "$ok" = 1 ]
tap_ok "  ... by budget demotions ($(stat_of "$d" nr_budget_demoted_pages))" \
	[ "$(stat_of "$d" nr_budget_demoted_pages)" -gt 0 ]
# Heat thresholds: each write checks its own range; the rule between them
# (demote_heat below promote_heat) is checked by the pass that uses them.
tap_is "$(cat "$d/access_source")" trap "access_source: the fault trap (no VM attached)"
tap_fails_with "Invalid argument" "promote_heat 0 refused" ms_write 0 "$d/promote_heat"
tap_fails_with "Invalid argument" "demote_heat 255 refused" ms_write 255 "$d/demote_heat"
k0=$(stat_of "$d" nr_knob_conflicts)
ms_write 100 "$d/demote_heat"
tap_is "$?/$(cat "$d/demote_heat")/$(cat "$d/promote_heat")" "0/100/96" \
	"demote_heat 100 over promote_heat 96 is accepted (the rule is checked at use)"
wait_stat() {	# wait_stat NAME MIN: up to 20 s for stats/NAME >= MIN
	local i
	for i in $(seq 100); do
		[ "$(stat_of "$d" "$1")" -ge "$2" ] && return 0
		sleep 0.2
	done
	return 1
}
wait_stat nr_knob_conflicts $(( k0 + 1 ))
m0=$(stat_of "$d" nr_moved_pages); k1=$(stat_of "$d" nr_knob_conflicts)
tap_ok "passes count the conflict (stats/nr_knob_conflicts $k0 -> $k1 -> more)" \
	wait_stat nr_knob_conflicts $(( k1 + 2 ))
tap_is "$(stat_of "$d" nr_moved_pages)" "$m0" "  ... and move no page meanwhile"
tap_ok "  ... and the log names both values" dmesg_has "demote_heat (100) must be below promote_heat (96)"
ms_write 200 "$d/promote_heat"
s0=$(stat_of "$d" nr_scans); k2=$(stat_of "$d" nr_knob_conflicts)
tap_ok "promote_heat 200 written after: passes run again" wait_stat nr_scans $(( s0 + 2 ))
tap_is "$(stat_of "$d" nr_knob_conflicts)" "$k2" "  ... with no more conflicts"
ms_write 32 "$d/demote_heat" && ms_write 96 "$d/promote_heat"
tap_ok "tiering off" ms_write 0 "$d/tiering"
kill $wpid; wait $wpid 2>/dev/null

# Lifecycle: shrinking a mapped file is refused; growing is fine.
"$PATTERN" --file "$f" --mb 64 --seconds 0 --hold-seconds 300 --ready-file "$work/h.ready" \
	> "$work/h.out" 2>&1 &
hpid=$!; bgpids="$bgpids $hpid"
wait_ready "$work/h.ready" $hpid
tap_fails_with "Device or resource busy" "shrinking a mapped file refused" truncate -s 1M "$f"
tap_ok "  ... logged with what is accepted" dmesg_has "cannot shrink .* while it is mapped"
tap_ok "growing a mapped file works" truncate -s 72M "$f"
tap_fails_with "busy" "unmount while mapped refused" umount "$mnt"
tap_fails_with "in use" "rmmod while mounted refused" rmmod memsched
# The mapper killed in the middle of a move.
ms_write 1 "$d/move" &
mvpid=$!
sleep 0.2
kill -9 $hpid
wait $mvpid; wait $hpid 2>/dev/null
tap_ok "mapper killed mid-move: the move finished" true
tap_ok "shrinking works once unmapped" truncate -s 16M "$f"
tap_ok "  ... and freed the pages beyond ($(cat "$d/resident_pages") left)" \
	[ "$(cat "$d/resident_pages")" -le 4096 ]
tap_ok "punching a hole works (fallocate -p)" fallocate -p -o 0 -l 8M "$f"
tap_ok "  ... and frees those pages ($(cat "$d/resident_pages") left)" \
	[ "$(cat "$d/resident_pages")" -le 2048 ]
tap_is "$(cat "$MS_DEBUG/live_fs_pages")" "$(cat "$d/resident_pages")" \
	"debugfs live_fs_pages = the file's resident pages"

# Directories hold names (libvirt makes memory_backing_dir/libvirt/qemu/ID-NAME/).
mkdir -p "$mnt/a/b" && truncate -s 1M "$mnt/a/b/ram"
ino=$(stat -c %i "$mnt/a/b/ram" 2>/dev/null)
tap_ok "mkdir -p a/b and a file in it (inode ${ino:-none}), with its files/<ino>/" \
	all_of [ -n "$ino" ] -- [ -d "$MS_ROOT/files/$ino" ] -- [ "$(cat "$MS_ROOT/files/$ino/size_pages" 2>/dev/null)" = 256 ]
tap_fails_with "not empty" "rmdir of a directory with a file refused" rmdir "$mnt/a/b"
tap_ok "rm the file, rmdir both" all_of rm "$mnt/a/b/ram" -- rmdir "$mnt/a/b" "$mnt/a"

# Unlink while mapped: the file lives until its last mapping goes.
"$PATTERN" --file "$f" --mb 16 --seconds 0 --hold-seconds 300 --ready-file "$work/u.ready" \
	> "$work/u.out" 2>&1 &
upid=$!; bgpids="$bgpids $upid"
wait_ready "$work/u.ready" $upid
rm -f "$f"
tap_ok "unlinked while mapped: its directory stays" [ -d "$d" ]
kill $upid; wait $upid 2>/dev/null
ms_wait_val "$MS_DEBUG/live_fs_pages" 0 10 > /dev/null
tap_ok "last mapping gone: directory removed" [ ! -d "$d" ]
tap_ok "unmount" umount "$mnt"
tap_no_leaks "after unmount"
tap_ok "rmmod after unmount" rmmod memsched
tap_done
