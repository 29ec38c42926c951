#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Cooperative reallocation between two full Linux guests (nested KVM, 384
# MiB each, balloon_guest.ko inside). Guest B is busy (sweeps 96 MiB) but
# capped by a 128 MiB balloon; guest A touched its memory once and is idle.
# memsched's sampling agrees on who is idle. Then the host moves 128 MiB
# from A to B with one balloon/transfer write: A's balloon inflates by 128
# MiB and its QEMU gives the memory back to the host, then B's balloon
# deflates and B's MemTotal grows by exactly 128 MiB.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/memsched.sh"
. "$(dirname "$0")/../lib/guest.sh"
ms_require_kvm
tap_plan 14

MOVE=32768	# 128 MiB in pages
work=$(mktemp -d)
thp=/sys/kernel/mm/transparent_hugepage/enabled
thp_old=$(sed 's/.*\[\(.*\)\].*/\1/' "$thp")
runners=""
cleanup() {
	local g
	for g in a b; do kill "$(cat "$work/$g.pid" 2>/dev/null)" 2>/dev/null; done
	# shellcheck disable=SC2086
	[ -n "$runners" ] && wait $runners
	echo "$thp_old" > "$thp"
	rm -rf "$work"
}
trap cleanup EXIT
echo never > "$thp"	# 4 KiB accessed bits for the sampling (see sample_linux_guest)
ms_load || { tap_fail "load memsched"; tap_done; }

cat > "$work/cmd-a" <<CMD
. /guest/lib.sh
waitv \$bg/connected 1 300
mem_hog --mb 200 --free-after
mark A1
waitv \$bg/balloon_pages $MOVE 300 && mark A2
waitv \$bg/balloon_pages 0 300 && mark A3
CMD
cat > "$work/cmd-b" <<CMD
. /guest/lib.sh
waitv \$bg/balloon_pages $MOVE 300
wss_touch --total-mb 112 --wss-mb 96 --seconds 600 > /tmp/wss.out 2>&1 &
w=\$!
waitout /tmp/wss.out ready \$w 300 && mark B1	# busy from here on
waitv \$bg/balloon_pages 0 300 && mark B2
kill \$w
CMD
for g in a b; do
	guest_balloon_initrd "$work/initrd-$g" "$work/cmd-$g"
done
start() { # NAME CID
	"$GUEST_TOOLS/guest-run" --initrd "$work/initrd-$1" --log "$work/log-$1" \
		--mem 384M --timeout 600 --pidfile "$work/$1.pid" -- \
		-device "vhost-vsock-pci,guest-cid=$2" > "$work/run-$1.out" 2>&1 &
	runners="$runners $!"
}
start a 3
start b 4
show_run() {
	local g
	for g in a b; do
		tap_diag "guest $g: $(cat "$work/run-$g.out")"
		tap_diag "guest $g console: $(tr -d '\r' < "$work/log-$g" 2>/dev/null | tail -n 15)"
	done
}
mark() { guest_field "$work/log-$1" "$2" "$3"; }	# GUEST NAME FIELD
pa=$(guest_attach "$work/a.pid" 3) pb=$(guest_attach "$work/b.pid" 4)
da=$(ms_vm "$pa") db=$(ms_vm "$pb")
tap_ok "both guests attached with their CIDs" test -n "$pa" -a -n "$pb"
tap_ok "both drivers connect" sh -c "$(declare -f ms_wait_val); ms_wait_val $da/balloon/connected 1 300 && ms_wait_val $db/balloon/connected 1 300" ||
	show_run
ms_write $MOVE "$db/balloon/target_pages"
tap_ok "B capped by a 128 MiB balloon" ms_wait_val "$db/balloon/actual_pages" $MOVE 90
tap_ok "A touched its memory and idles" guest_wait_log "$work/log-a" "^A1 " 120 || show_run
tap_ok "B busy" guest_wait_log "$work/log-b" "^B1 " 60 || show_run
for dir in "$da" "$db"; do
	echo 1 > "$dir/sample_granularity_pages"	# THP is off: 4 KiB samples
	echo 500 > "$dir/scan_interval_ms"
	echo 4 > "$dir/wss_scans"
	ms_write 1 "$dir/reset"
done
ms_wait_scans "$da" 10
ms_wait_scans "$db" 10
wa=$(cat "$da/wss_pages") wb=$(cat "$db/wss_pages")
tap_diag "working sets: A $wa pages, B $wb pages"
tap_ok "memsched sees A idle and B busy (A's WSS < 1/4 of B's)" test $((wa * 4)) -lt "$wb"

rss_a0=$(ms_rss_kb "$pa")
t0=$(date +%s%N)
tap_ok "balloon/transfer A -> B, 128 MiB" ms_write "$pa $pb $MOVE" "$MS_ROOT/balloon/transfer"
tap_diag "transfer took $(( ($(date +%s%N) - t0) / 1000000 )) ms"
tap_is "$(cat "$da/balloon/actual_pages")/$(cat "$da/balloon/target_pages")" "$MOVE/$MOVE" \
	"A's balloon holds the 128 MiB"
tap_is "$(cat "$db/balloon/target_pages")" 0 "B's target dropped by 128 MiB"
tap_ok "B's balloon deflates" ms_wait_val "$db/balloon/actual_pages" 0 60
rss_a1=$(ms_rss_kb "$pa")
tap_diag "A's QEMU RSS $rss_a0 -> $rss_a1 KiB"
tap_ok "A's QEMU gives >= 90% of it back to the host" test $((rss_a0 - rss_a1)) -ge $((MOVE * 4 * 9 / 10))
tap_ok "B reports its memory" guest_wait_log "$work/log-b" "^B2 " 30 || show_run
tap_is "$(( $(mark b B2 total) - $(mark b B1 total) ))" $((MOVE * 4)) "B's MemTotal grew by exactly 128 MiB"
ms_write 0 "$da/balloon/target_pages"
rc=0
for r in $runners; do wait "$r" || rc=$?; done
runners=""
tap_is "$rc" 0 "guests ran to completion"
tap_done
