#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The kernel's own KVM selftests (a suite nobody here wrote), built from the
# lab kernel's linux-source (selftests/memsched/kvm/Makefile), each run with
# memsched attached to every VM it creates, sampling aggressively (sample
# period 1, 10 ms scans): demand_paging_test, kvm_page_table_test,
# memslot_modification_stress_test, set_memory_region_test,
# dirty_log_perf_test, access_tracking_perf_test (which needs idle page
# tracking: Debian's kernel lacks it and the test skips, saying so; the
# debug kernel has it). Each runs with small sizes of its own options so
# that all six take a few minutes under TCG.
#
# kvm_attach_watch runs each test and attaches memsched to its VMs as they
# appear, one after the other: memsched attaches by pid, to the pid's first
# VM, so the watcher detaches a VM the test closed before it attaches the
# next (it tells VMs apart by their open file, not the fd number).
#
# For each test:
# - it exits 0 (4: a skip, with the test's own reason);
# - memsched attached every VM the test created: the VM creations (a
#   kprobe on kvm_arch_init_vm, when the kernel has kprobe events), the
#   watcher's attaches and the msched_attach tracepoints agree, at least 1;
# - memsched scanned them (msched_scan), each attach has its detach
#   (msched_detach) and no attach, detach or knob write failed;
# - the debugfs live counters are back to 0 after the test.
# The lab's log check fails the run on any splat (soft lockups included).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/memsched.sh"
ms_require_kvm

BIN=$TAP_REPO/build/kvm-selftests/bin
WATCH=$BIN/kvm_attach_watch
# name and arguments (small guest memory, few iterations). KVM_ST_MB sets
# the guest memory per test; KVM_ST_ONLY, a list of test names, runs only
# those (the debug lab runs access_tracking_perf_test, which Debian's
# kernel skips, with less memory: scripts/check.sh).
MB=${KVM_ST_MB:-32}
ALL_TESTS=(
	"demand_paging_test -b ${MB}M"
	"kvm_page_table_test -b ${MB}M"
	"memslot_modification_stress_test -b ${MB}M -i 20"
	"set_memory_region_test 2"
	"dirty_log_perf_test -b ${MB}M -i 2"
	"access_tracking_perf_test -b ${MB}M"
)
TESTS=()
for t in "${ALL_TESTS[@]}"; do
	if [ -z "${KVM_ST_ONLY:-}" ] || [[ " $KVM_ST_ONLY " == *" ${t%% *} "* ]]; then
		TESTS+=("$t")
	fi
done
if [ "${#TESTS[@]}" = 0 ]; then
	echo "kvm_selftests.sh: KVM_ST_ONLY='$KVM_ST_ONLY' names none of: ${ALL_TESTS[*]%% *}" >&2
	exit 2
fi
TEST_TIMEOUT=240
tap_plan $(( 3 + 5 * ${#TESTS[@]} ))

T=/sys/kernel/tracing
KPROBE=kvm_selftests/vm_create
work=$(mktemp -d)
cleanup() {
	if [ -n "${MS_INST:-}" ] && [ -d "$MS_INST/events/kvm_selftests" ]; then
		echo 0 > "$MS_INST/events/kvm_selftests/vm_create/enable"
	fi
	ms_trace_remove
	grep -q "^p:$KPROBE " "$T/kprobe_events" 2>/dev/null &&
		echo "-:$KPROBE" >> "$T/kprobe_events"
	rm -rf "$work"
}
trap cleanup EXIT

ms_load || { tap_fail "load memsched"; tap_done; }
missing=""
for t in "${TESTS[@]}"; do
	[ -x "$BIN/${t%% *}" ] || missing="$missing ${t%% *}"
done
[ -x "$WATCH" ] || missing="$missing kvm_attach_watch"
tap_is "${missing:-none}" none "KVM selftests and the watcher are built ($BIN)" ||
	{ tap_diag "run: make -C selftests/memsched/kvm"; tap_done; }

# A private trace instance: memsched's attach, detach and scan events, and
# (an optional capability) a kprobe on each VM creation. Sets have_kprobe.
have_kprobe=0
trace_setup() {
	ms_trace_new msched_kvm_selftests || return 1
	if [ -w "$T/kprobe_events" ] &&
	   echo "p:$KPROBE kvm_arch_init_vm" >> "$T/kprobe_events" 2>/dev/null &&
	   echo 1 > "$MS_INST/events/kvm_selftests/vm_create/enable"; then
		have_kprobe=1
	else
		tap_diag "no kprobe on kvm_arch_init_vm: VM creations are not counted"
	fi
	ms_trace_on memsched/msched_attach memsched/msched_detach memsched/msched_scan
}
trace_setup
tap_is "$?" 0 "trace instance with memsched's attach, detach and scan events"

# wait_detached PID: memsched let go of every VM of PID and freed them.
wait_detached() {
	for _ in $(seq 300); do
		[ ! -e "$(ms_vm "$1")" ] && [ "$(cat "$MS_DEBUG/live_vms")" = 0 ] && return 0
		sleep 0.1
	done
	return 1
}

for t in "${TESTS[@]}"; do
	name=${t%% *}
	# shellcheck disable=SC2086
	set -- $t
	shift
	: > "$MS_INST/trace"
	start=$(date +%s)
	timeout -k 10 "$TEST_TIMEOUT" "$WATCH" --period 1 --interval-ms 10 \
		--summary "$work/$name.sum" -- "$BIN/$name" "$@" > "$work/$name.out" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	pid=$(sed -n 's/^kvm_attach_watch: +[0-9]*ms attached VM #1 of pid \([0-9]*\) .*/\1/p' "$work/$name.out")
	sed 's/^/  /' "$work/$name.out" | tail -n 40 | while IFS= read -r l; do tap_diag "$l"; done
	wait_detached "${pid:-0}" || tap_diag "$name: VMs of pid $pid still attached after 30 s"
	cp "$MS_INST/trace" "$work/$name.trace"

	if [ "$rc" = 4 ]; then
		why=$(sed -n 's/.*# SKIP[ -]*//p' "$work/$name.out" | head -n 1)
		tap_skip "$name ($*): exits 0" "${why:-exit 4 without a reason}"
		for c in "attached every VM it created" "scanned its VMs" \
			 "each attach has its detach, no failed write"; do
			tap_skip "$name: $c" "the test skipped"
		done
		tap_no_leaks "$name"
		continue
	fi
	tap_is "$rc" 0 "$name ($*): exits 0 (${secs}s)"

	# the watcher's summary: attached=N detached=N vanished=N errors=N
	attached="" detached="" vanished="" errors=""
	[ -f "$work/$name.sum" ] && read -r attached detached vanished errors < "$work/$name.sum"
	attached=${attached#attached=} detached=${detached#detached=}
	vanished=${vanished#vanished=} errors=${errors#errors=}
	traced=$(grep -c "msched_attach: pid=${pid:-none} " "$work/$name.trace")
	if [ "$have_kprobe" = 1 ]; then
		created=$(grep -c "vm_create:" "$work/$name.trace")
	else
		created=$traced
	fi
	if [ "${attached:-0}" -ge 1 ] && [ "$attached" = "$traced" ] && [ "$traced" = "$created" ]; then
		tap_pass "$name: memsched attached every VM it created ($attached of $created)"
	else
		tap_fail "$name: memsched attached every VM it created" \
			"VMs created $created (kprobe: $have_kprobe), watcher attached ${attached:-none}, msched_attach traced $traced (pid ${pid:-none})"
	fi

	scans=$(grep -c "msched_scan: pid=${pid:-none} " "$work/$name.trace")
	tap_ok "$name: memsched scanned its VMs ($scans scans)" test "$scans" -gt 0

	dtraced=$(grep -c "msched_detach: pid=${pid:-none} " "$work/$name.trace")
	tap_is "$dtraced/${errors:-none}/$(ms_trace_overruns)" "$traced/0/0" \
		"$name: each attach has its detach ($dtraced of $traced; $detached by the watcher, the rest at exit), no failed write (vanished VMs: ${vanished:-none}), trace complete"
	tap_no_leaks "$name"
done

tap_ok "rmmod memsched" rmmod memsched
tap_done
