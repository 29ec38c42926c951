#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The lab's --peer option: a second lab host joined by a private QEMU socket
# network on loopback. Both hosts come up with their addresses and reach each
# other in both directions; both logs stay clean (lab-run checks them).
. "$(dirname "$0")/../../../selftests/lib/tap.sh"
tap_plan 4
lab=$TAP_REPO/tools/lab/lab-run
out=$TAP_REPO/build/lab/test-peer
mkdir -p "$(dirname "$out")"
reach() { # ADDR: wait for the link, then 3 pings
	echo "for i in \$(seq 20); do busybox ping -c 1 -W 1 $1 >/dev/null && break; sleep 1; done; busybox ping -c 3 -W 2 $1 && echo REACHED-$1; ip -br addr show dev \$(cat /run/lab-peer-dev)"
}
"$lab" --timeout 180 --mem 1G --out "$out" --peer "$(reach 169.254.77.1); sleep 5" \
	-- "$(reach 169.254.77.2)" > "$out.log" 2>&1
rc=$?
tap_is "$rc" 0 "lab with a peer host runs clean"
tap_ok "this host is 169.254.77.1" grep -q '169.254.77.1/24' "$out/output.txt"
tap_ok "this host reaches the peer" grep -q '^REACHED-169.254.77.2' "$out/output.txt"
tap_ok "the peer reaches this host" grep -q '^REACHED-169.254.77.1' "$out/peer/output.txt"
tap_done
