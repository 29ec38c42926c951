#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A full Linux guest (the lab's kernel under QEMU -accel kvm) whose RAM is a
# memschedfs file (-object memory-backend-file,share=on), under a DRAM
# budget far smaller than the guest. In the guest, wss_touch keeps writing
# a 16 MiB working set and prints the guest frames it lives in, while
# fs_pattern writes and checks 32 MiB of patterns with checksums, in 20 s
# runs one after the other.
#  - Tiering: those frames (file pages at the same index) end up on the
#    DRAM node, the rest of the guest beyond the budget on the PMEM node;
#    the per-node counts of sysfs agree with the kernel's node FilePages.
#  - Integrity: memsched then moves all guest RAM between the nodes back
#    and forth at full rate; the guest's checker sees zero mismatches.
#  - Memory offline: every memory block of the PMEM node goes offline in
#    turn, within a bound, while the guest runs: the kernel migrates the
#    guest RAM in them (KVM refaults through its MMU notifier), and the
#    guest's checker still sees zero mismatches.
#  - Lifecycle: the VM is killed in the middle of a move; the file keeps
#    its pages until it is removed; nothing leaks.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/memsched.sh"
. "$(dirname "$0")/../lib/guest.sh"
ms_require_kvm
[ -d /sys/devices/system/node/node1 ] || tap_skip_all "no NUMA node 1 (the lab runs with --pmem in make check)"
tap_plan 31

MEM_MB=384
BUDGET=24576	# 96 MiB of DRAM for a 384 MiB guest
NODES=$TAP_REPO/selftests/memsched/vmm/build/fs_nodes
work=$(mktemp -d)
mnt=$work/mnt
runner=""
MEMDIR=/sys/devices/system/memory
declare -A zone_of	# node 1's memory blocks: what brings each back online
for m in /sys/devices/system/node/node1/memory*; do
	case "$(cat "$m/valid_zones")" in
	Movable*) zone_of[${m##*memory}]=online_movable ;;
	*) zone_of[${m##*memory}]=online_kernel ;;
	esac
done
restore_blocks() {
	local b
	for b in "${!zone_of[@]}"; do
		[ "$(cat "$MEMDIR/memory$b/state")" = offline ] &&
			echo "${zone_of[$b]}" > "$MEMDIR/memory$b/state"
	done
}
cleanup() {
	[ -n "$runner" ] && { kill "$(cat "$work/vmm.pid" 2>/dev/null)" 2>/dev/null; wait "$runner"; }
	restore_blocks
	umount "$mnt" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$mnt"
node_pages() { awk -v n="$2" '$1 == n { print $2 }' "$1/node_pages"; }
stat_of() { cat "$1/stats/$2"; }
file_kb() { awk '/FilePages:/ { print $4 }' "/sys/devices/system/node/node$1/meminfo"; }
show_run() {
	tap_diag "guest-run said: $(cat "$work/run.out")"
	tap_diag "guest console tail: $(tr -d '\r' < "$work/log" 2>/dev/null | tail -n 15)"
}

sysctl -qw kernel.numa_balancing=0 2>/dev/null
ms_load || { tap_fail "load memsched"; tap_done; }
mount -t memschedfs -o huge=never none "$mnt"
f=$mnt/vm0
truncate -s ${MEM_MB}M "$f"
d=$MS_ROOT/files/$(stat -c %i "$f")
ms_write 1 "$d/pmem_node"
ms_write $BUDGET "$d/dram_budget_pages"
ms_write 500 "$d/scan_interval_ms"
tap_ok "tiering on for the guest's RAM file (budget $BUDGET pages)" ms_write 1 "$d/tiering"
fp1_0=$(file_kb 1)

cat > "$work/cmd" <<'CMD'
. /guest/lib.sh
wss_touch --total-mb 96 --wss-mb 16 --print-pfns > /wss.out 2>&1 &
waitout /wss.out ready $! 300 && quiet_cat /wss.out
echo "guest: pattern running"
while true; do
	fs_pattern --file /pat --mb 32 --seconds 20 --threads 1 > /pat.out 2>&1
	echo "guest: pattern rc=$? $(cat /pat.out)"
done
CMD
guest_initrd "$work/initrd" "$work/cmd"
# The boot runs with tiering on the fault trap (every 500 ms pass unmaps
# the RAM file, so the guest refaults what it touches) under nested KVM on
# TCG: slow, and 2 to 3 times slower on a loaded machine. guest-run's
# default boot bound (120 s) would take a slow boot for a hung one; 300 s
# means stuck (tools/lab/README, "Timing on an emulator"). The test ends
# the VM itself; --timeout is only a backstop under the kselftest's 1200 s.
"$GUEST_TOOLS/guest-run" --initrd "$work/initrd" --log "$work/log" --mem ${MEM_MB}M \
	--timeout 1150 --boot-timeout 300 --pidfile "$work/vmm.pid" -- \
	-machine memory-backend=ram0 \
	-object "memory-backend-file,id=ram0,size=${MEM_MB}M,mem-path=$f,share=on" \
	> "$work/run.out" 2>&1 &
runner=$!
# Until the workload is ready or guest-run gives up (a hung boot is
# retried once): at most two boot bounds and the guest's own 300 s wait.
tap_ok "guest boots with its RAM on memschedfs" \
	guest_wait_log "$work/log" "wss_touch: ready total_mb=96 wss_mb=16" 900 "$runner" || show_run
guest_wait_log "$work/log" "guest: pattern running" 60 || show_run
tr -d '\r' < "$work/log" | sed -n 's/^wss_touch: hot pfns \([0-9]*-[0-9]*\)$/\1/p' > "$work/hot"
hot=$(awk -F- '{ n += $2 - $1 + 1 } END { print n + 0 }' "$work/hot")
runs=$(tr -d '\r' < "$work/log" | sed -n 's/^wss_touch: hot pfn runs //p')
tap_is "$hot/$(wc -l < "$work/hot")" "4096/$runs" \
	"the guest reports the frames of its 16 MiB working set, every run intact"

# The working set's frames are guest-physical pages, at the same page
# index of the RAM file (all of this guest's RAM is below 4 GiB).
# hot_on_dram: up to 120 s for 98% of the working set's frames to be on
# node 0; where they are is left in $work/q.
hot_on_dram() {
	for _ in $(seq 120); do
		"$NODES" --file "$f" --ranges "$work/hot" > "$work/q" 2>&1
		[ "$(awk '{ print $1 }' "$work/q")" -ge $((hot * 98 / 100)) ] && return 0
		sleep 1
	done
	return 1
}
ok=0
hot_on_dram && ok=1
sleep 2
tap_diag "working set on node 0, 1, other: $(cat "$work/q"); node_pages: $(tr '\n' ' ' < "$d/node_pages"); stats: $(ms_stats_line "$d")"
tap_ok "the guest's working set is on DRAM (node 0)" [ "$ok" = 1 ]
# One snapshot of node_pages: the guest keeps faulting pages in meanwhile.
cp "$d/node_pages" "$work/np"
n0=$(awk '$1 == 0 { print $2 }' "$work/np")
n1=$(awk '$1 == 1 { print $2 }' "$work/np")
res=$(awk '{ n += $2 } END { print n }' "$work/np")
tap_ok "the guest uses more than the budget ($res resident pages)" [ "$res" -gt $BUDGET ]
tap_ok "DRAM within the budget ($n0 <= $BUDGET pages)" [ "$n0" -le $BUDGET ]
tap_is "$((n0 + n1))" "$res" "the rest is on PMEM (node 1; no other node holds any)"
tap_within $(( ($(file_kb 1) - fp1_0) / 4 )) "$n1" 5 "node 1 FilePages (kernel) agrees with node_pages"
tap_ok "cold pages were demoted, hot ones promoted" \
	all_of [ "$(stat_of "$d" nr_demoted_pages)" -gt 0 ] -- [ "$(stat_of "$d" nr_promoted_pages)" -gt 0 ]

tap_ok "until the VM is attached, every pass re-armed the trap ($(stat_of "$d" nr_trap_rearms) re-arms, $(stat_of "$d" nr_scans) passes)" \
	[ "$(stat_of "$d" nr_trap_rearms)" -ge $(( $(stat_of "$d" nr_scans) - 1 )) ]

# One VM, one place: attached, the VM's directory links to its RAM file,
# and the file's tiering reads the VM's KVM accessed bits instead of the
# fault trap: no page is unmapped any more, and the working set still
# comes back to DRAM after all guest RAM was put on PMEM. The sampler sees
# the VM's working set (16 MiB hot, 32 MiB of patterns, the guest kernel).
vmm=$(cat "$work/vmm.pid")
tap_ok "attach the guest's VMM (pid $vmm)" ms_write "$vmm" "$MS_ROOT/attach"
v=$(ms_vm "$vmm")
tap_is "$(readlink -f "$v/ram")" "$(readlink -f "$d")" "vms/<pid>/ram links to the RAM file's directory"
tap_is "$(cat "$d/access_source")" kvm "the file's tiering reads the VM's KVM accessed bits"
ms_write 1 "$d/move"
ok=0
hot_on_dram && ok=1
tap_ok "all guest RAM put on PMEM: the working set comes back to DRAM ($(cat "$work/q"))" [ "$ok" = 1 ]
# With the trap, every pass unmaps the file (stats/nr_trap_rearms) and each
# page the guest then touches refaults. Reading KVM's bits unmaps nothing.
r0=$(stat_of "$d" nr_trap_rearms) s0=$(stat_of "$d" nr_scans) t0=$(stat_of "$d" nr_traps)
for _ in $(seq 100); do [ "$(stat_of "$d" nr_scans)" -ge $((s0 + 4)) ] && break; sleep 0.2; done
tap_ok "4 passes, none of them unmapped the file ($(( $(stat_of "$d" nr_trap_rearms) - r0 )) re-arms; $(( $(stat_of "$d" nr_traps) - t0 )) refaults, of pages moved or not touched since the move)" \
	all_of [ "$(stat_of "$d" nr_scans)" -ge $((s0 + 4)) ] -- [ "$(stat_of "$d" nr_trap_rearms)" = "$r0" ]
ms_wait_scans "$v" 6
wss=$(cat "$v/wss_pages")
# What the estimate came from, so that a low one can be told apart: the
# granularity (1 here: the file is not huge=always), truncated scans (a
# slow lab: pages not probed look older), and the guest's progress. The
# file's tiering clears the same KVM bits every 500 ms and does not hand
# its hits to the sampler, so a guest that touches its working set slowly
# (a loaded lab) is seen partly.
tap_diag "sampler: granularity $(cat "$v/sample_granularity_pages_effective"), $(cat "$v/sampled_pages") samples 1/$(cat "$v/sample_period_effective"), scans $(cat "$v/stats/nr_scans") ($(cat "$v/stats/nr_truncated_scans") truncated), last scan $(( $(cat "$v/last_scan_ns") / 1000000 )) ms, young $(cat "$v/stats/nr_young_pages") of $(cat "$v/stats/nr_pages_scanned"), ages: $(tr '\n' ' ' < "$v/age_histogram")"
tap_ok "the VM's sampler sees its working set ($wss pages: at least the 4096 hot ones, under half of the guest)" \
	all_of [ "$wss" -ge 4096 ] -- [ "$wss" -le $(( MEM_MB * 256 / 2 )) ]
# Its miss-rate curve: 257 points from 0 to the guest's pages, misses never
# rising with memory, and a knee (the memory it needs) above 0 and within
# the working set's bound above.
knee=$(cat "$v/mrc_knee_pages")
mrc_shape=$(awk 'NR == 1 { first = $1 } { if (NR > 1 && $2 > prev) up++; prev = $2; n++; last = $1 }
	END { printf "%d %d %d", n, up + 0, (first == 0) }' "$v/mrc")
tap_ok "the VM's MRC: 257 points from 0, misses never rise with memory, knee $knee pages in 1..$(( MEM_MB * 256 / 2 )) (points, rises, starts at 0: $mrc_shape)" \
	all_of [ "$mrc_shape" = "257 0 1" ] -- [ "$knee" -ge 1 ] -- [ "$knee" -le $(( MEM_MB * 256 / 2 )) ]

# Integrity: all guest RAM back and forth at full rate while the guest's
# checker runs, for at least one whole 20 s checker run.
ms_write 0 "$d/tiering"
results() { tr -d '\r' < "$work/log" | grep "guest: pattern rc="; }
k=$(results | wc -l)
rounds=0
end=$(( $(date +%s) + 400 ))
while [ "$(results | wc -l)" -lt $((k + 2)) ] || [ $rounds -lt 2 ]; do
	ms_write 1 "$d/move" && ms_write 0 "$d/move" || break
	rounds=$((rounds + 1))
	kill -0 "$runner" 2>/dev/null && [ "$(date +%s)" -lt $end ] || break
done
tap_ok "all guest RAM moved node 0 -> 1 -> 0 $rounds times under the running guest" [ "$rounds" -ge 2 ]
tap_diag "$(results | tail -n 3)"
tap_ok "a whole checker run in the guest happened during the moves" [ "$(results | wc -l)" -ge $((k + 2)) ]
tap_ok "the guest's checkers saw zero mismatches ($(results | wc -l) runs)" \
	eval '[ "$(results | grep -vc "rc=0 fs_pattern: pages=8192 rounds=[1-9][0-9]* mismatches=0$")" = 0 ]'
tap_ok "the guest kernel is fine (no oops)" eval '! grep -qiE "BUG:|Oops|panic|general protection" "$work/log"'

# Memory offline under the running guest: all guest RAM on node 1, then
# each node-1 block offline (bounded) and back online. Offline migrates a
# block's pages off node 1, so every page that was there moves once.
ms_write 1 "$d/move"
n1=$(node_pages "$d" 1)
km0=$(stat_of "$d" nr_kernel_moved_pages)
k=$(results | wc -l)
bad=""
for b in $(printf '%s\n' "${!zone_of[@]}" | sort -n); do
	timeout -k 5 120 bash -c 'echo offline > "$1"' off "$MEMDIR/memory$b/state" \
		2> "$work/off.err" || bad="$bad $b:rc=$?($(cat "$work/off.err"))"
	if [ "$(cat "$MEMDIR/memory$b/state")" = offline ]; then
		echo "${zone_of[$b]}" > "$MEMDIR/memory$b/state" || bad="$bad $b:not-back"
	else
		bad="$bad $b:still-online"
	fi
done
km=$(( $(stat_of "$d" nr_kernel_moved_pages) - km0 ))
tap_is "${bad:-none}" none \
	"each of node 1's ${#zone_of[@]} memory blocks went offline within 120 s under the guest, and back online"
tap_ok "the kernel migrated the $n1 guest pages that were on node 1 ($km)" [ "$km" -ge "$n1" ]
# The checker runs back to back: the one running when the offlines ended
# ran during them (or others ended during them); wait for it to report.
k2=$(results | wc -l)
for _ in $(seq 120); do [ "$(results | wc -l)" -gt "$k2" ] && break; sleep 1; done
tap_ok "the checker runs that overlapped the offlines finished ($(( $(results | wc -l) - k )) runs)" \
	[ "$(results | wc -l)" -gt "$k2" ]
tap_ok "the guest's checkers still saw zero mismatches, and no oops" \
	eval '[ "$(results | grep -vc "rc=0 fs_pattern: pages=8192 rounds=[1-9][0-9]* mismatches=0$")" = 0 ] && ! grep -qiE "BUG:|Oops|panic|general protection" "$work/log"'

# Kill the VM in the middle of a move.
res=$(cat "$d/resident_pages")
ms_write 1 "$d/move" &
mv=$!
sleep 0.3
kill -9 "$(cat "$work/vmm.pid")"
wait $mv
wait "$runner"
runner=""
tap_ok "VM killed mid-move: the move ended" true
ms_wait_val "$MS_DEBUG/live_vms" 0 30 > /dev/null
tap_is "$(cat "$d/access_source")" trap "the VM gone (detached on exit), tiering is back on the trap"
tap_is "$(cat "$d/resident_pages")" "$res" "the file keeps the guest's pages after the VM is gone"
rm -f "$f"
ms_wait_val "$MS_DEBUG/live_fs_pages" 0 20 > /dev/null
tap_ok "removing the file frees its pages" [ ! -d "$d" ]
tap_ok "unmount" umount "$mnt"
tap_no_leaks "after the VM and its file are gone"
tap_done
