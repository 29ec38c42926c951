#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fault injection, the guest's side. balloon_guest.ko,
# loaded in the lab host itself, talks over vsock_loopback to balloon_host,
# which plays memsched and acknowledges every message. On a kernel with
# CONFIG_FAULT_INJECTION_DEBUG_FS (the lab's debug kernel; this test skips
# on Debian's, saying so), debugfs balloon_guest/fail_alloc fails the
# driver's own allocations at random (the balloon pages and the log's
# growth; kmod/fail_alloc.h: here every 97th, so the run is the same each
# time) while the host moves the target up and down
# ROUNDS times. The driver must retry until each target is reached (never
# give up, never over- or undershoot), count the failures, and give every
# page back: MemTotal whole again, after the last deflate and after unload.
. "$(dirname "$0")/../lib/tap.sh"

ROUNDS=${ROUNDS:-6}
PAGES=2000
EVERY=${EVERY:-97}	# every EVERY-th allocation fails (a failed batch waits 200 ms)
HOST=$TAP_REPO/selftests/balloon_guest/peer/build/balloon_host
PORT=5198
BG=/sys/kernel/mm/balloon_guest
FA=/sys/kernel/debug/balloon_guest/fail_alloc
work=$(mktemp -d)
host_pid=""
trap '[ -d "$FA" ] && echo 0 > "$FA/probability"; kill $host_pid 2>/dev/null; rmmod balloon_guest 2>/dev/null; rm -rf "$work"' EXIT

modprobe vsock_loopback 2>/dev/null || tap_skip_all "no vsock_loopback"
lsmod | grep -q '^balloon_guest ' && rmmod balloon_guest
m0=$(ms_memtotal_kb)
ms_klog_mark

# The script: up to PAGES and back to 0, ROUNDS times, then hold.
script="accept expect-hello ack-hello"
for _ in $(seq "$ROUNDS"); do
	script="$script set-target $PAGES settle $PAGES set-target 0 settle 0"
done
# shellcheck disable=SC2086
"$HOST" --port $PORT $script touch "$work/done" wait-file "$work/end" \
	> "$work/host.out" 2>&1 &
host_pid=$!

# Loaded with the channel waiting for the injection to be armed: the host
# script starts with accept, which the driver reaches within a second.
ms_insmod balloon_guest host_cid=1 balloon_port=$PORT ||
	{ echo "1..1"; tap_fail "load balloon_guest"; tap_done; }
if [ ! -d "$FA" ]; then
	kill "$host_pid"
	tap_skip_all "no $FA: this kernel lacks CONFIG_FAULT_INJECTION_DEBUG_FS (the lab's debug kernel has it; Debian's does not)"
fi
tap_plan 9
ms_fail_arm "$FA" "$EVERY" 100 100000
fail0=$(cat "$BG/stats/nr_alloc_failures")

for i in $(seq 1200); do	# 120 s at most
	[ -e "$work/done" ] && break
	kill -0 "$host_pid" 2>/dev/null || break
	sleep 0.1
done
echo 0 > "$FA/probability"
injected=$(( 100000 - $(cat "$FA/times") ))
tap_diag "$injected allocations failed by injection; the driver counted $(( $(cat "$BG/stats/nr_alloc_failures") - fail0 )) failed batches"
tap_ok "the host saw every target reached: $ROUNDS times up to $PAGES pages and back to 0" \
	test -e "$work/done" -a "$(grep -c "^settled $PAGES\$" "$work/host.out")/$(grep -c '^settled 0$' "$work/host.out")" = "$ROUNDS/$ROUNDS" ||
	tail -n 20 "$work/host.out"
tap_ok "allocations failed by injection ($injected)" test "$injected" -gt 0
tap_ok "the driver counted failed batches (stats/nr_alloc_failures)" test "$(cat "$BG/stats/nr_alloc_failures")" -gt "$fail0"
tap_is "$(cat "$BG/balloon_pages")" 0 "the balloon is empty"
tap_is "$(ms_memtotal_kb)" "$m0" "MemTotal is whole again"
ms_klog > "$work/klog"
tap_ok "no protocol error or hang-up on the way" sh -c "! grep 'balloon_guest: .*\(protocol error\|hanging up\|lost\)' '$work/klog'"
touch "$work/end"
wait "$host_pid"
tap_is "$?" 0 "balloon_host ran its script" || tail -n 20 "$work/host.out"
host_pid=""
tap_ok "rmmod" rmmod balloon_guest
tap_is "$(ms_memtotal_kb)" "$m0" "MemTotal is whole after unload"
tap_done
