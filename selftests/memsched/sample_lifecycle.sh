#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Attach lifecycle and bad input: errors for bad pids, every per-VM file
# rejecting bad values, detach and reattach, the VM dying while attached
# (also mid-scan and racing a detach), rmmod while attached. After each
# path nothing is leaked (debugfs live counters) and the kernel log stays
# clean (checked by the lab).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/memsched.sh"
ms_require_kvm
tap_plan 40

work=$(mktemp -d)
trap 'ms_vmm_stop; rm -rf "$work"' EXIT
ms_load || { tap_fail "load memsched"; tap_done; }

# Bad pids: each a clear errno.
true & dead=$!
wait "$dead"
tap_fails_with "Invalid argument" "attach: not a number" ms_write abc "$MS_ROOT/attach"
tap_fails_with "Invalid argument" "attach: pid 0" ms_write 0 "$MS_ROOT/attach"
tap_fails_with "Invalid argument" "attach: negative pid" ms_write -5 "$MS_ROOT/attach"
tap_fails_with "No such process" "attach: dead pid" ms_write "$dead" "$MS_ROOT/attach"
tap_fails_with "Invalid argument" "attach: process without a VM" ms_write $$ "$MS_ROOT/attach"
tap_fails_with "No such file or directory" "detach: pid not attached" ms_write $$ "$MS_ROOT/detach"
tap_ok "one log line says why (dead pid)" sh -c "dmesg | grep -q 'attach: no running process with pid $dead'"

ms_vmm_start "$work/ready" --mem-mb 64 --wss-pages 256 || tap_fail "start VMM"
pid=$MS_VMM_PID
d=$(ms_vm "$pid")
tap_ok "attach" ms_write "$pid" "$MS_ROOT/attach"
tap_fails_with "File exists" "attach the same VM twice" ms_write "$pid" "$MS_ROOT/attach"

# Every knob rejects garbage, out-of-range and empty writes, unchanged.
bad_ok=1
for f in sample_period sample_seed scan_interval_ms cpu_quota_ms untrace_scans \
	 active_scans idle_scans wss_scans mrc_decay_scans sample_granularity_pages; do
	before=$(cat "$d/$f")
	for v in abc -1 "" 1x 99999999999999999999999; do
		if out=$(ms_write "$v" "$d/$f" 2>&1) || ! echo "$out" | grep -q "Invalid argument"; then
			bad_ok=0; tap_diag "$f accepted '$v' ($out)"
		fi
	done
	[ "$(cat "$d/$f")" = "$before" ] || { bad_ok=0; tap_diag "$f changed"; }
done
tap_is "$bad_ok" 1 "every knob rejects garbage and keeps its value"
range_ok=1
for fv in sample_period:0 sample_period:1025 scan_interval_ms:9 scan_interval_ms:60001 \
	  cpu_quota_ms:0 cpu_quota_ms:1001 active_scans:0 idle_scans:1 wss_scans:0 \
	  untrace_scans:100001 mrc_decay_scans:100001 sample_granularity_pages:2 \
	  sample_granularity_pages:511 sample_granularity_pages:513; do
	ms_write "${fv#*:}" "$d/${fv%%:*}" 2>/dev/null && { range_ok=0; tap_diag "$fv accepted"; }
done
tap_is "$range_ok" 1 "every knob rejects values just outside its range"
ro_ok=1
for f in pid guest_pages sampled_pages wss_pages age_histogram mrc mrc_knee_pages \
	 classes/active classes/recently_idle classes/idle classes/never_touched \
	 last_scan_ns stats/nr_scans stats/nr_truncated_scans stats/nr_pages_scanned \
	 stats/nr_young_pages stats/nr_scan_ns stats/nr_rebuilds stats/nr_knob_conflicts \
	 stats/nr_invalidations sample_period_effective sample_granularity_pages_effective; do
	out=$(ms_write 1 "$d/$f" 2>&1) && { ro_ok=0; tap_diag "$f writable"; }
	echo "$out" | grep -q "Permission denied" || { ro_ok=0; tap_diag "$f: $out"; }
done
tap_is "$ro_ok" 1 "read-only files refuse writes"
tap_fails_with "Invalid argument" "reset takes only 1" ms_write 2 "$d/reset"
tap_fails_with "Permission denied" "version is read-only" ms_write 2 "$MS_ROOT/version"
tap_fails_with "Permission denied" "attach is write-only" cat "$MS_ROOT/attach"

# Knob changes take effect: a new period rebuilds the sample set.
ms_write 4 "$d/sample_period"
tap_within "$(cat "$d/sampled_pages")" 4096 10 "sample_period 4 samples a quarter of the pages"
ms_write 1 "$d/reset"
tap_ok "reset restarts the scan count" sh -c "[ $(cat "$d/stats/nr_scans") -le 2 ]"

# Detach and reattach: a fresh directory with default knobs.
tap_ok "detach" ms_write "$pid" "$MS_ROOT/detach"
tap_ok "directory gone after detach" test ! -e "$d"
tap_ok "reattach" ms_write "$pid" "$MS_ROOT/attach"
tap_is "$(cat "$d/sample_period")" 16 "reattached VM starts from default knobs"
echo 1 > "$d/sample_period"
# Whole scans with the guest running in between, at any kernel speed.
ms_pace_scans "$d" 100 > /dev/null
ms_wait_scans "$d" 3
tap_within "$(cat "$d/wss_pages")" 257 10 "reattached VM is sampled again"

# After a reset the first full pass only re-arms accessed bits. With a tiny
# CPU quota every scan is cut short and the pass spans many scans; recording
# must still resume after it.
echo 1 > "$d/cpu_quota_ms"
echo 1 > "$d/reset"
for _ in $(seq 300); do
	[ "$(cat "$d/stats/nr_young_pages")" -gt 0 ] && break
	sleep 0.1
done
tap_ok "recording resumes after a reset whose pass spans truncated scans ($(cat "$d/stats/nr_truncated_scans") truncated)" \
	test "$(cat "$d/stats/nr_young_pages")" -gt 0

# The VM dies while attached: automatic detach, nothing leaked.
kill -9 "$pid"
wait "$pid" 2>/dev/null
for _ in $(seq 50); do [ -e "$d" ] || break; sleep 0.1; done
tap_ok "VM killed: directory removed" test ! -e "$d"
tap_ok "VM killed: logged" sh -c "dmesg | grep -q 'detached VM of pid $pid (VM exited)'"
tap_no_leaks "VM killed"

# The VM dies in the middle of long scans (period 1, full quota, 10 ms).
ms_vmm_start "$work/ready" --mem-mb 256 --wss-pages 4096 || tap_fail "start VMM"
pid=$MS_VMM_PID d=$(ms_vm "$pid")
ms_write "$pid" "$MS_ROOT/attach"
echo 1 > "$d/sample_period"; echo 1000 > "$d/cpu_quota_ms"; echo 10 > "$d/scan_interval_ms"
ms_wait_scans "$d" 2
kill -9 "$pid"
wait "$pid" 2>/dev/null
for _ in $(seq 50); do [ -e "$d" ] || break; sleep 0.1; done
tap_ok "VM killed mid-scan: directory removed" test ! -e "$d"
tap_no_leaks "VM killed mid-scan"

# Detach racing the VM's death, a few times.
race_ok=1
for _ in 1 2 3 4 5; do
	ms_vmm_start "$work/ready" --mem-mb 32 --wss-pages 64 || { race_ok=0; break; }
	pid=$MS_VMM_PID
	ms_write "$pid" "$MS_ROOT/attach" || race_ok=0
	ms_write "$pid" "$MS_ROOT/detach" 2>/dev/null &
	kill -9 "$pid"
	wait 2>/dev/null
	for _ in $(seq 50); do [ -e "$(ms_vm "$pid")" ] || break; sleep 0.1; done
	[ -e "$(ms_vm "$pid")" ] && race_ok=0
done
tap_is "$race_ok" 1 "detach racing VM death: always one clean teardown"
tap_no_leaks "detach racing VM death"

# Attach/detach many times: no growth.
ms_vmm_start "$work/ready" --mem-mb 64 --wss-pages 256 || tap_fail "start VMM"
pid=$MS_VMM_PID
loop_ok=1
for _ in $(seq 10); do
	ms_write "$pid" "$MS_ROOT/attach" && ms_write "$pid" "$MS_ROOT/detach" || loop_ok=0
done
tap_is "$loop_ok" 1 "attach/detach x10"
tap_no_leaks "attach/detach x10"

# rmmod while two VMs are attached: both detached, both keep running.
ms_write "$pid" "$MS_ROOT/attach"
pid1=$pid
ms_vmm_start "$work/ready2" --mem-mb 32 --wss-pages 64 || tap_fail "start VMM"
pid2=$MS_VMM_PID
ms_write "$pid2" "$MS_ROOT/attach"
tap_is "$(ls "$MS_ROOT/vms" | sort | tr '\n' ' ')" "$(printf '%s\n' "$pid1" "$pid2" | sort | tr '\n' ' ')" "two VMs listed in vms/"
tap_ok "rmmod with two VMs attached" rmmod memsched
tap_ok "rmmod logged both detaches" sh -c "[ \$(dmesg | grep -c 'detached VM of pid \($pid1\|$pid2\) (module unload)') -eq 2 ]"
tap_ok "VMs still running after rmmod" kill -0 "$pid1" "$pid2"
kill "$pid1" "$pid2"
wait "$pid1"; rc1=$?
wait "$pid2"; rc2=$?
tap_is "$rc1/$rc2" "0/0" "VMs exit cleanly after rmmod"
tap_ok "reload after rmmod" ms_insmod memsched
tap_no_leaks "after reload"
tap_ok "final rmmod" rmmod memsched
tap_done
