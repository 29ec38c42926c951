#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host memory follows what a VM samples, not the address space it declares:
# - a VMM with a huge unbacked memslot (1 TiB over MAP_NORESERVE, or 256 GiB
#   where the lab's CPU has too few physical address bits), declared before
#   the attach or added after it: the sample set stays at most 262144
#   frames (sample_period_effective grows instead), memsched's sampling
#   state (debugfs live_bytes) stays under 16 MiB and MemFree drops by less
#   than 64 MiB; attach and the scans (period 1, 10 ms) finish without a
#   soft lockup (the lab's log check);
# - a memschedfs file ftruncated to 1 TiB with tiering on: the scan refuses
#   it with one log line instead of allocating per-page arrays of that size
#   (gigabytes, or kvmalloc's INT_MAX warning); shrunk, it is tiered again.
# Nothing leaks (debugfs live counters).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/memsched.sh"
ms_require_kvm
tap_plan 22

SLOTS_VM=$TAP_REPO/selftests/memsched/vmm/build/kvm_slots_vm
CAP=262144
work=$(mktemp -d)
mnt=$work/mnt
spid=""
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null
	wait 2>/dev/null
	umount "$mnt" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
ms_load || { tap_fail "load memsched"; tap_done; }

mem_free_kb() { awk '/^MemFree:/ { print $2 }' /proc/meminfo; }
live_bytes() { cat "$MS_DEBUG/live_bytes"; }

# slots_start ARGS...: start kvm_slots_vm and wait until it is set up;
# sets spid.
slots_start() {
	spid=""
	MS_VMM_BIN=$SLOTS_VM ms_vmm_start "$work/ready" "$@" || return 1
	spid=$MS_VMM_PID
}
wait_gone() {
	for _ in $(seq 100); do
		[ "$(cat "$MS_DEBUG/live_vms")" = 0 ] && return 0
		sleep 0.1
	done
	return 1
}

# A huge slot declared before the attach: 1 TiB, or 256 GiB when KVM
# refuses that many guest frames (too few physical address bits).
for HUGE_MB in 1048576 262144; do
	slots_start --slot-mb "$HUGE_MB" --touch-mb 16 && break
done
[ -n "$spid" ] || tap_fail "start a VMM with a huge memslot"
tap_diag "huge memslot: $HUGE_MB MiB"
huge_pages=$((HUGE_MB * 256))
d=$(ms_vm "$spid")
free0=$(mem_free_kb)
t0=$(date +%s)
# shellcheck disable=SC2016
tap_ok "attach a VM with a $HUGE_MB MiB memslot" timeout 300 bash -c 'echo "$1" > "$2"' w "$spid" "$MS_ROOT/attach"
t1=$(date +%s)
tap_diag "attach took $((t1 - t0)) s"
tap_is "$(cat "$d/guest_pages")" "$huge_pages" "guest_pages counts the declared slot"
eff=$(cat "$d/sample_period_effective")
tap_is "$eff" "$((huge_pages / CAP))" "sample_period_effective = guest_pages / $CAP (sample_period 16)"
tap_within "$(cat "$d/sampled_pages")" "$CAP" 1 "sampled_pages capped at $CAP"
lb=$(live_bytes)
tap_ok "sampling state $lb bytes < 16 MiB" test "$lb" -lt $((16 << 20))
drop=$(( free0 - $(mem_free_kb) ))
tap_ok "MemFree dropped by $drop KiB across the attach (< 64 MiB)" test "$drop" -lt $((64 << 10))

# Scans at period 1, every 10 ms, full quota: still capped, still scanning.
echo 1 > "$d/sample_period"; echo 1000 > "$d/cpu_quota_ms"; echo 10 > "$d/scan_interval_ms"
tap_is "$(cat "$d/sample_period_effective")/$(cat "$d/sampled_pages")" "$eff/$CAP" \
	"sample_period 1: the cap still holds"
tap_ok "scans run over the capped set" ms_wait_scans "$d" 5
tap_ok "sampling state still < 16 MiB after scans" test "$(live_bytes)" -lt $((16 << 20))
kill "$spid"; wait "$spid" 2>/dev/null; spid=""
wait_gone
tap_no_leaks "huge memslot VM exits"

# A huge slot added after the attach: the scan rebuilds within the cap.
slots_start --slot-mb 64 --late-slot-mb $((HUGE_MB - 64)) || tap_fail "start a VMM that grows"
d=$(ms_vm "$spid")
ms_write "$spid" "$MS_ROOT/attach"
tap_is "$(cat "$d/sampled_pages")/$(cat "$d/sample_period_effective")" "1024/16" \
	"64 MiB slot: 1024 sampled at period 16"
# No scan while KVM adds the slot (its own metadata, 2 bytes a page and
# more, is not memsched's): the baseline is taken after it.
echo 60000 > "$d/scan_interval_ms"
kill -USR1 "$spid"
for _ in $(seq 300); do grep -q grown "$work/ready" && break; sleep 0.1; done
free0=$(mem_free_kb)
echo 100 > "$d/scan_interval_ms"
want=$((HUGE_MB * 256))
tap_ok "guest_pages grows to $want after the late slot" ms_wait_val "$d/guest_pages" "$want" 120
ms_wait_scans "$d" 2
tap_within "$(cat "$d/sampled_pages")" "$CAP" 1 "late slot: sampled_pages capped at $CAP"
tap_is "$(cat "$d/sample_period_effective")" "$(( (want + CAP - 1) / CAP ))" \
	"late slot: sample_period_effective = ceil(guest_pages / $CAP)"
tap_ok "late slot: sampling state $(live_bytes) bytes < 16 MiB" test "$(live_bytes)" -lt $((16 << 20))
drop=$(( free0 - $(mem_free_kb) ))
tap_ok "late slot: MemFree dropped by $drop KiB across the rebuild (< 64 MiB)" test "$drop" -lt $((64 << 10))
kill "$spid"; wait "$spid" 2>/dev/null; spid=""
wait_gone
tap_no_leaks "grown VM exits"

# memschedfs: a file ftruncated to 1 TiB, tiering on.
if [ -d /sys/devices/system/node/node1 ]; then
	mkdir -p "$mnt"
	mount -t memschedfs -o huge=never none "$mnt"
	f=$mnt/big
	fallocate -l 4M "$f"		# 1024 resident pages
	truncate -s 1T "$f"
	fd=$MS_ROOT/files/$(stat -c %i "$f")
	free0=$(mem_free_kb)
	echo 100 > "$fd/scan_interval_ms"
	echo 1 > "$fd/tiering"
	for _ in $(seq 100); do
		dmesg | grep -q "big: tiering stopped: the file has more than" && break
		sleep 0.1
	done
	tap_ok "1 TiB file: tiering refused with one log line" \
		sh -c 'dmesg | grep -q "big: tiering stopped: the file has more than 16777216 pages"'
	drop=$(( free0 - $(mem_free_kb) ))
	tap_ok "1 TiB file: MemFree dropped by $drop KiB (< 64 MiB)" test "$drop" -lt $((64 << 10))
	echo 0 > "$fd/tiering"
	truncate -s 64M "$f"
	echo 1 > "$fd/tiering"
	s0=$(cat "$fd/stats/nr_scans")
	for _ in $(seq 100); do
		s1=$(cat "$fd/stats/nr_scans")
		[ "$s1" -gt $((s0 + 2)) ] && break
		sleep 0.1
	done
	tap_ok "shrunk to 64 MiB: tiering scans again ($s0 -> $s1 scans)" test "$s1" -gt $((s0 + 2))
	echo 0 > "$fd/tiering"
	rm -f "$f"
	umount "$mnt"
	tap_no_leaks "memschedfs 1 TiB file"
else
	for n in 1 2 3 4; do tap_skip "memschedfs 1 TiB file ($n)" "no NUMA node 1 (run the lab with --pmem)"; done
fi
tap_ok "rmmod" rmmod memsched
tap_done
