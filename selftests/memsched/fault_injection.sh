#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fault injection at memsched's own allocation sites. On a kernel with
# CONFIG_FAULT_INJECTION_DEBUG_FS (the lab's debug kernel; Debian's lacks
# it, and this test skips there, saying so), memsched's own allocation
# sites fail at random through debugfs memsched/fail_alloc: the kernel's
# fault-injection framework and knobs, limited to memsched's call sites
# (kmod/fail_alloc.h says why not failslab's stack filter). Meanwhile, for
# ROUNDS rounds: a VM is attached (or the attach fails), scanned, gets a
# balloon channel whose peer churns inflate/deflate, and is detached or
# dies; a memschedfs file is moved between the nodes while a writer checks
# every page. Then:
# - every sysfs write that failed said ENOMEM, and only ENOMEM;
# - no page of the memschedfs file ever held the wrong data;
# - after every round, the debugfs live counters were back to where they
#   were before it (the mount's root directory alone);
# - with injection off, the same steps all work;
# - no splat (the lab's log check) and a clean unload.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/memsched.sh"
ms_require_kvm

ROUNDS=${ROUNDS:-6}
PCT=${PCT:-10}		# % of allocations that fail while injecting
TIMES=100000		# injections allowed (fail_alloc/times counts down)
PEER=$TAP_REPO/selftests/memsched/vmm/build/balloon_peer
PATTERN=$TAP_REPO/selftests/memsched/vmm/build/fs_pattern
FA=$MS_DEBUG/fail_alloc
work=$(mktemp -d)
mnt=$work/mnt
bg=""
cleanup() {
	[ -d "$FA" ] && echo 0 > "$FA/probability"
	# shellcheck disable=SC2086
	[ -n "$bg" ] && kill $bg 2>/dev/null
	ms_vmm_stop
	wait 2>/dev/null
	umount "$mnt" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$mnt"

ms_load || { echo "1..1"; tap_fail "load memsched"; tap_done; }
[ -d "$FA" ] || tap_skip_all "no $FA: this kernel lacks CONFIG_FAULT_INJECTION_DEBUG_FS (the lab's debug kernel has it; Debian's does not)"
modprobe vsock_loopback || tap_skip_all "no vsock_loopback"
node1=0
[ -d /sys/devices/system/node/node1 ] && node1=1
tap_plan 14


# try NAME VALUE FILE: write; a failure must be ENOMEM (else it is logged
# in $work/bad). Returns the write's status.
try() {
	local out
	out=$(ms_write "$2" "$3" 2>&1) && { echo "$(date +%s.%N | cut -c1-14) $1 ok" >> "$work/ops"; return 0; }
	echo "$(date +%s.%N | cut -c1-14) $1 failed: $out" >> "$work/ops"
	echo "$out" | grep -q "Cannot allocate memory" || echo "$1: $out" >> "$work/bad"
	return 1
}

# One round of every operation. Attach failures are expected while
# injecting; what depends on the attach is skipped then.
round() {	# N
	local n=$1 pid d f ppid fdir t0=$(date +%s)
	echo "$(date +%s) round $n" >> "$work/ops"
	ms_vmm_start "$work/ready" --mem-mb 16 --wss-pages 1024 --populate || return 1
	pid=$MS_VMM_PID d=$(ms_vm "$pid")
	if try attach "$pid" "$MS_ROOT/attach"; then
		try interval 20 "$d/scan_interval_ms"
		try reset 1 "$d/reset"
		sleep 1
		try cid 1 "$d/balloon/cid" &&
			timeout 60 "$PEER" hello 4096 churn 20 1024 8 \
				> "$work/peer.$n" 2>&1
		echo "$(date +%s) peer $n: $? $(grep -h '^churn' "$work/peer.$n")" >> "$work/ops"
		try target 256 "$d/balloon/target_pages"
		try reset 1 "$d/reset"
	fi
	# Half the VMs are detached, half die attached (the VM-exit path).
	if [ $((n % 2)) = 0 ] && [ -d "$d" ]; then
		try detach "$pid" "$MS_ROOT/detach"
	fi
	ms_vmm_stop
	echo "$(date +%s) vmm stopped" >> "$work/ops"
	# memschedfs: a file written and checked while it moves.
	f=$mnt/f$n
	"$PATTERN" --file "$f" --mb 8 --seconds 2 --threads 1 \
		--ready-file "$work/p$n.ready" > "$work/p$n.out" 2>&1 &
	ppid=$!
	bg="$ppid"
	for _ in $(seq 100); do [ -s "$work/p$n.ready" ] && break; sleep 0.1; done
	if [ -s "$work/p$n.ready" ] && [ "$node1" = 1 ]; then
		fdir="$MS_ROOT/files/$(stat -c %i "$f")"
		try move1 1 "$fdir/move"
		try move0 0 "$fdir/move"
	fi
	wait "$ppid"
	bg=""
	grep -h "^fs_pattern" "$work/p$n.out" | tail -n 1 >> "$work/patterns"
	rm -f "$f"
	ms_wait_val "$MS_DEBUG/live_vms" 0 30 > /dev/null
	echo "round $n: $(ms_live)" >> "$work/live"
	echo "round $n took $(( $(date +%s) - t0 )) s" >> "$work/times"
}

tap_ok "mount memschedfs" mount -t memschedfs -o huge=never none "$mnt"
base=$(ms_live)	# the mount's root directory counts as a file
ms_fail_arm "$FA" 1 "$PCT" $TIMES
for n in $(seq "$ROUNDS"); do round "$n"; done
echo 0 > "$FA/probability"
injected=$(( TIMES - $(cat "$FA/times") ))
tap_diag "$(tr '\n' ';' < "$work/times")"
tap_diag "$injected allocations failed by injection over $ROUNDS rounds; $(grep -c ' ok$' "$work/ops") writes worked, $(grep -c ' failed: ' "$work/ops") failed"
tap_ok "allocations failed ($injected), at $PCT%" test "$injected" -gt 0
tap_ok "some writes failed with ENOMEM" grep -q "failed: .*Cannot allocate memory" "$work/ops"
tap_ok "every failed write said ENOMEM" test ! -s "$work/bad" || cat "$work/bad"
tap_ok "the memschedfs writer ran in every round" test "$(grep -c . "$work/patterns")" = "$ROUNDS" ||
	cat "$work"/p*.out
# A writer either ran (and found every page right) or could not create its
# file: ENOMEM, injected into the inode's allocation.
tap_ok "no page of a moving file ever held wrong data; a file that could not be created said ENOMEM" \
	sh -c "! grep -v -e 'mismatches=0\$' -e ': Cannot allocate memory\$' '$work/patterns'" ||
	cat "$work/patterns"
tap_ok "  ... and the writer ran in some rounds ($(grep -c 'mismatches=0$' "$work/patterns"))" \
	grep -q 'mismatches=0$' "$work/patterns"
tap_ok "after every round the live counters were back to $base (the mount's alone)" \
	sh -c "! grep -v ': $base\$' '$work/live'" ||
	cat "$work/live"

# Injection off: the same steps all work.
: > "$work/ops"; : > "$work/bad"; : > "$work/patterns"; : > "$work/live"
round 0
tap_ok "without injection every write works" sh -c "! grep -q ' failed: ' '$work/ops'" ||
	cat "$work/ops"
tap_diag "$(cat "$work/ops" | tr '\n' ';')"
tap_ok "  ... and the balloon peer churned to the end" grep -q " peer 0: 0 churn accepted 20 rejected 0" "$work/ops" ||
	{ cat "$work/ops"; cat "$work/peer.0"; }
tap_ok "  ... and the file kept its data" grep -q "mismatches=0\$" "$work/patterns"
tap_ok "umount" umount "$mnt"
tap_no_leaks "after the rounds"
tap_ok "rmmod" rmmod memsched
tap_done
