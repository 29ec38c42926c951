#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Held frames, the guest's side. balloon_guest.ko, loaded in the lab
# host itself, talks over vsock_loopback to balloon_host, which plays
# memsched. When a connection ends with INFLATEDs unacknowledged, the host
# may still release those pages (it had read them). So the driver holds
# exactly those pages, out of the balloon and out of the allocator, until a
# host acknowledges a new connection's HELLO, and gives every other page
# back at once. Pages still held at unload stay out of use for good.
# MemTotal (the managed page count) shows each step to the page.
. "$(dirname "$0")/../lib/tap.sh"
tap_plan 18

HOST=$TAP_REPO/selftests/balloon_guest/peer/build/balloon_host
PORT=5199
BG=/sys/kernel/mm/balloon_guest
work=$(mktemp -d)
host_pid=""
trap 'kill $host_pid 2>/dev/null; rmmod balloon_guest 2>/dev/null; rm -rf "$work"' EXIT

# wait_line FILE PATTERN [SECS]: wait until FILE has a line matching PATTERN
wait_line() {
	local i
	for i in $(seq $(( ${3:-30} * 10 ))); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "no '$2' in $1:"
	cat "$1"
	return 1
}
# wait_file PATH [SECS]
wait_file() {
	local i
	for i in $(seq $(( ${2:-30} * 10 ))); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	echo "no $1"
	return 1
}
# klog: the kernel log since the test started
klog() { ms_klog > "$work/klog"; cat "$work/klog"; }
wait_klog() {
	local i
	for i in $(seq $(( ${2:-30} * 10 ))); do
		klog | grep -q "$1" && return 0
		sleep 0.1
	done
	echo "no '$1' in the kernel log"
	return 1
}

modprobe vsock_loopback 2>/dev/null || tap_skip_all "no vsock_loopback"
lsmod | grep -q '^balloon_guest ' && rmmod balloon_guest
m0=$(ms_memtotal_kb)
ms_klog_mark

# 1. The host acknowledges the first 1000 inflated pages, not the next
# 2000, then sends garbage: the driver hangs up (a protocol error).
"$HOST" --port $PORT accept expect-hello ack-hello set-target 3000 \
	read-inflated 1000 ack-last read-inflated 2000 send-bad expect-close \
	accept expect-hello touch "$work/hello2" wait-file "$work/go" ack-hello \
	wait-file "$work/end" > "$work/host1.out" 2>&1 &
host_pid=$!
tap_ok "balloon_guest loads, host_cid=1 balloon_port=$PORT" ms_insmod balloon_guest host_cid=1 balloon_port=$PORT
tap_ok "the host reads 3000 inflated pages" wait_line "$work/host1.out" "^closed by guest"
unacked=$(awk '/^inflated/ { u = $4 } END { print u }' "$work/host1.out")
tap_ok "the driver hangs up on the protocol error" wait_klog "connection to host lost: protocol error"
tap_ok "and holds exactly the $unacked unacknowledged pages" \
	grep -q "deflated $((3000 - unacked)) pages, holding $unacked until a host acknowledges HELLO" "$work/klog"
tap_ok "it reconnects and says HELLO" wait_file "$work/hello2" 10
sleep 1
tap_is "$(ms_memtotal_kb)/$(cat $BG/balloon_pages)" "$((m0 - unacked * 4))/0" \
	"before the HELLO is acknowledged: held pages stay out of MemTotal, the balloon is empty"
touch "$work/go"
tap_ok "the host acknowledges HELLO: the held pages go back" \
	wait_klog "host acknowledged HELLO: gave back $unacked held pages" 10
tap_is "$(ms_memtotal_kb)" "$m0" "MemTotal is whole again"
touch "$work/end"
wait "$host_pid"
tap_is "$?" 0 "balloon_host ran its script" || cat "$work/host1.out"

# 2. Unload while 1500 inflated pages are unacknowledged.
"$HOST" --port $PORT accept expect-hello ack-hello set-target 1500 \
	read-inflated 1500 touch "$work/got" wait-file "$work/end2" > "$work/host2.out" 2>&1 &
host_pid=$!
tap_ok "the driver reconnects to the next host and inflates 1500 pages" \
	wait_file "$work/got" 30
wait_line "$work/host2.out" "^inflated 1500 unacked 1500" 1 > /dev/null
tap_ok "rmmod with 1500 pages unacknowledged" rmmod balloon_guest
tap_ok "unload keeps them out of use, and says so" \
	wait_klog "unload: 1500 pages whose inflation the host never acknowledged" 5
tap_is "$(ms_memtotal_kb)" "$((m0 - 1500 * 4))" "MemTotal stays 1500 pages short"
touch "$work/end2"
wait "$host_pid"
tap_is "$?" 0 "balloon_host ran its script" || cat "$work/host2.out"

# 3. A host that acknowledges nothing: the driver, waiting to deflate, takes
# it for dead after 30 s without progress, hangs up, and holds the
# unacknowledged pages.
ms_klog_mark
"$HOST" --port $PORT accept expect-hello ack-hello set-target 1000 \
	read-inflated 1000 set-target 0 expect-close > "$work/host3.out" 2>&1 &
host_pid=$!
tap_ok "balloon_guest loads again" ms_insmod balloon_guest host_cid=1 balloon_port=$PORT
tap_ok "the driver hangs up on a host that acknowledges nothing (30 s)" \
	wait_klog "the host acknowledged nothing for 30 s; hanging up" 60
tap_ok "and holds the 1000 unacknowledged pages" \
	wait_klog "connection to host lost: .*deflated 0 pages, holding 1000 until a host acknowledges HELLO" 10
wait "$host_pid"
tap_is "$?" 0 "balloon_host saw the driver close" || cat "$work/host3.out"
tap_done
