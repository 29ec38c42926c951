#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# VM teardown ordering (Documentation/design/locking.rst, section 2):
# - the release work is queued only while nobody owns the teardown: never
#   on an explicit detach (whose mmu_notifier_unregister() calls ->release),
#   exactly once per VM exit (exit_mmap's ->release; the work's own
#   unregister calls ->release again, which must not re-queue it, or the
#   work runs again on the freed VM). Counted with the workqueue
#   tracepoints, over many VM exits while attached, mid-scan.
# - an attach that fails after its sysfs directory exists (the VM outlives
#   its mm) tears down cleanly, also with knob and balloon/cid writes
#   hammering the directory meanwhile (they could arm the scan work, or
#   deadlock against msched_vms_lock), and never hangs.
# After each part the debugfs live counters are back to zero. On a debug
# kernel (KASAN, lockdep) the lab's log check turns a use-after-free or a
# lock-order report on these paths into a failure.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/memsched.sh"
ms_require_kvm
tap_plan 19

SLOTS_VM=$TAP_REPO/selftests/memsched/vmm/build/kvm_slots_vm
ROUNDS=15

work=$(mktemp -d)
orphans=""
cleanup() {
	ms_vmm_stop
	# shellcheck disable=SC2086
	[ -n "$orphans" ] && kill $orphans 2>/dev/null
	ms_trace_remove
	rm -rf "$work"
}
trap cleanup EXIT
ms_load || { tap_fail "load memsched"; tap_done; }

# trace_setup: a private trace instance with memsched's work queueings
# (filtered on the workqueue's name) and every work execution.
trace_setup() {
	ms_trace_new msched_vm_teardown &&
	echo 'workqueue == "memsched"' > "$MS_INST/events/workqueue/workqueue_queue_work/filter" &&
	ms_trace_on workqueue/workqueue_queue_work workqueue/workqueue_execute_start \
		memsched/msched_detach
}
trace_clear() { : > "$MS_INST/trace"; }
QUEUED='workqueue_queue_work:.*function=msched_vm_release_work'
RAN='workqueue_execute_start:.*function msched_vm_release_work'

# wait_gone PID: the VM's directory is gone and its struct freed.
wait_gone() {
	for _ in $(seq 100); do
		[ ! -e "$(ms_vm "$1")" ] && [ "$(cat "$MS_DEBUG/live_vms")" = 0 ] && return 0
		sleep 0.1
	done
	return 1
}

trace_setup
tap_is "$?" 0 "trace instance with workqueue events"

# An explicit detach claims the VM; the ->release that its
# mmu_notifier_unregister() calls must not queue the release work.
ms_vmm_start "$work/ready" --mem-mb 32 --wss-pages 64 || tap_fail "start VMM"
pid=$MS_VMM_PID
trace_clear
ms_write "$pid" "$MS_ROOT/attach"
ms_wait_scans "$(ms_vm "$pid")" 1
tap_ok "detach" ms_write "$pid" "$MS_ROOT/detach"
tap_is "$(ms_trace_count "$QUEUED")/$(ms_trace_count 'msched_detach:')" "0/1" \
	"explicit detach: release work queued 0 times, 1 detach traced"
ms_vmm_stop
tap_no_leaks "explicit detach"

# The VM exits while attached, mid-scan (period 1, 10 ms scans), many
# times: each exit queues and runs the release work exactly once.
trace_clear
gone=0 logged=0
for _ in $(seq "$ROUNDS"); do
	ms_vmm_start "$work/ready" --mem-mb 32 --wss-pages 256 || break
	pid=$MS_VMM_PID d=$(ms_vm "$pid")
	ms_write "$pid" "$MS_ROOT/attach" || break
	echo 1 > "$d/sample_period"; echo 10 > "$d/scan_interval_ms"
	echo 1000 > "$d/cpu_quota_ms"
	ms_wait_scans "$d" 1
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	wait_gone "$pid" && gone=$((gone + 1))
	dmesg | grep -q "detached VM of pid $pid (VM exited)" && logged=$((logged + 1))
done
tap_is "$gone/$logged" "$ROUNDS/$ROUNDS" "VM exit x$ROUNDS: every directory removed, every detach logged"
tap_is "$(ms_trace_count "$QUEUED")" "$ROUNDS" "VM exit x$ROUNDS: release work queued once per exit"
tap_is "$(ms_trace_count "$RAN")" "$ROUNDS" "VM exit x$ROUNDS: release work ran once per exit"
tap_is "$(ms_trace_count 'msched_detach:.*reason=VM exited')" "$ROUNDS" \
	"VM exit x$ROUNDS: one detach traced per exit"
tap_is "$(ms_trace_overruns)" 0 "trace buffer did not overrun (the counts are complete)"
tap_no_leaks "VM exit x$ROUNDS"

# A VM that outlives its mm: attach finds it, builds its sample set and
# creates its directory, then cannot register on the dead mm.
orphan_start() {
	rm -f "$work/oready"
	"$SLOTS_VM" --ready-file "$work/oready" --slot-mb 64 --orphan > "$work/oready.out" 2>&1
	for _ in $(seq 100); do
		[ -s "$work/oready" ] && { read -r OPID < "$work/oready"; orphans="$orphans $OPID"; return 0; }
		sleep 0.1
	done
	cat "$work/oready.out"
	return 1
}
orphan_start || tap_fail "start a VM that outlives its mm"
tap_fails_with "No such process" "attach a VM whose mm is gone: ESRCH" \
	ms_write "$OPID" "$MS_ROOT/attach"
tap_ok "failed attach left no directory" test ! -e "$(ms_vm "$OPID")"
tap_ok "the VM's holder still runs" kill -0 "$OPID"
tap_no_leaks "failed attach"

# The same, with knob and balloon/cid writes hammering the directory while
# it exists: a write may arm the scan work or hold the directory active
# while the failed attach removes it. Each attach must end (no deadlock).
ok=0 hung=0
for r in $(seq 10); do
	orphan_start || break
	d=$(ms_vm "$OPID")
	(
		while :; do
			echo 10 > "$d/scan_interval_ms"
			echo $((100 + r)) > "$d/balloon/cid"
			echo 1 > "$d/reset"
		done 2>/dev/null
	) &
	hammer=$!
	# shellcheck disable=SC2016
	out=$(timeout 60 bash -c 'echo "$1" > "$2"' w "$OPID" "$MS_ROOT/attach" 2>&1)
	rc=$?
	kill "$hammer"; wait "$hammer" 2>/dev/null
	[ "$rc" = 124 ] && hung=$((hung + 1))
	echo "$out" | grep -q "No such process" && ok=$((ok + 1))
	kill "$OPID"
done
tap_is "$ok/$hung" "10/0" "failed attach x10 under knob and cid writes: ESRCH each time, no hang"
tap_no_leaks "failed attach under writes"

# Attach still works, and the sample set is the right size.
"$SLOTS_VM" --ready-file "$work/sready" --slot-mb 64 > "$work/sready.out" 2>&1 &
spid=$!
for _ in $(seq 100); do [ -s "$work/sready" ] && break; sleep 0.1; done
ms_write "$spid" "$MS_ROOT/attach"
tap_within "$(cat "$(ms_vm "$spid")/sampled_pages")" 1024 10 "attach after all that: 64 MiB sampled 1/16"
kill "$spid"; wait "$spid" 2>/dev/null
wait_gone "$spid"
tap_no_leaks "VM without vCPU exits"
tap_ok "rmmod" rmmod memsched
tap_done
