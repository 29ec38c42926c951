#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The lab's --peer and --shared options. A second lab host joined by a
# private QEMU socket network on loopback: both hosts come up with their
# addresses and reach each other in both directions; when this host's
# command ends, the peer sees LAB_OUT/stop (lab-run's signal to a serving
# peer); both logs stay clean (lab-run checks them). With --shared, both
# hosts mount the same writable directory at the same path and see each
# other's files; a peer that goes away mid-run on purpose is no failure,
# and one whose shutdown hangs after its "lab-poweroff:" mark is stopped
# PEER_POWEROFF_S seconds later (failover_poweroff.sh cuts the peer's
# power for real in make check). With --export, a directory of the build
# machine is mounted read-write at its own path in this host only (make
# check's labs share their queue of programs so); one that does not exist
# is refused before anything boots.
. "$(dirname "$0")/../../../selftests/lib/tap.sh"
tap_plan 17
lab=$TAP_REPO/tools/lab/lab-run
out=$TAP_REPO/build/lab/test-peer
mkdir -p "$(dirname "$out")"
reach() { # ADDR: wait for the link, then 3 pings
	echo "for i in \$(seq 20); do busybox ping -c 1 -W 1 $1 >/dev/null && break; sleep 1; done; busybox ping -c 3 -W 2 $1 && echo REACHED-$1; ip -br addr show dev \$(cat /run/lab-peer-dev)"
}
# The peer serves until lab-run's stop signal, for at most 120 s.
serve='for i in $(seq 120); do [ -e "$LAB_OUT/stop" ] && { echo STOP-SEEN; break; }; sleep 1; done'
start=$(date +%s)
"$lab" --timeout 300 --mem 1G --out "$out" --peer "$(reach 169.254.77.1); $serve" \
	-- "$(reach 169.254.77.2)" > "$out.log" 2>&1
rc=$? secs=$(( $(date +%s) - start ))
tap_is "$rc" 0 "lab with a peer host runs clean"
tap_ok "this host is 169.254.77.1" grep -q '169.254.77.1/24' "$out/output.txt"
tap_ok "this host reaches the peer" grep -q '^REACHED-169.254.77.2' "$out/output.txt"
tap_ok "the peer reaches this host" grep -q '^REACHED-169.254.77.1' "$out/peer/output.txt"
tap_ok "the peer sees LAB_OUT/stop when this host's command ends" grep -q '^STOP-SEEN' "$out/peer/output.txt"
tap_ok "so the run ends without waiting out the peer's 120 s (took ${secs}s)" test "$secs" -lt 240

# --shared: each host writes a file the other waits for; then the peer
# marks its kernel log as a host going away and hangs (as its shutdown
# has, in virtio_net's NAPI poll): lab-run stops it 5 s later, and this
# host sees it gone.
wait_for() { # FILE
	echo "for i in \$(seq 120); do [ -s $1 ] && break; sleep 1; done; cat $1"
}
exp=$out-export
rm -rf "$exp"
mkdir -p "$exp"
echo from-build-machine > "$exp/pre"
peer="$(reach 169.254.77.1); echo from-b > /mnt/labshared/b; mount | grep -c ' $exp type 9p' | sed 's/^/EXPORT-MOUNTS-/'; $(wait_for /mnt/labshared/a); echo 'lab-poweroff: test_peer.sh: this host hangs on its way down' > /dev/kmsg; sleep 600"
cmd="echo from-a > /mnt/labshared/a; sed 's/^/PRE-/' $exp/pre; echo from-lab > $exp/post; $(wait_for /mnt/labshared/b) | sed 's/^/GOT-/'; mount | grep -c ' /mnt/labshared type 9p' | sed 's/^/MOUNTS-/'; sleep 5; for i in \$(seq 30); do busybox ping -c 1 -W 1 169.254.77.2 > /dev/null || { echo PEER-GONE; break; }; sleep 1; done"
PEER_POWEROFF_S=5 "$lab" --timeout 300 --mem 1G --out "$out-shared" --shared /mnt/labshared \
	--export "$exp" --peer "$peer" -- "$cmd" > "$out-shared.log" 2>&1
rc=$?
tap_is "$rc" 0 "a lab whose peer goes away mid-run runs clean (exit 0)"
tap_ok "the peer's file is seen here" grep -q '^GOT-from-b' "$out-shared/output.txt"
tap_ok "it is mounted (9p) at /mnt/labshared" grep -q '^MOUNTS-1$' "$out-shared/output.txt"
tap_ok "this host's file is seen by the peer" grep -q '^from-a' "$out-shared/peer/output.txt"
tap_ok "the shared directory is kept in the run directory" \
	all_of grep -q from-a "$out-shared/shared/a" -- grep -q from-b "$out-shared/shared/b"
tap_ok "the peer is gone after its lab-poweroff mark" grep -q '^PEER-GONE' "$out-shared/output.txt"
tap_ok "... stopped by lab-run, which says so" grep -q 'the peer began to power off 5s ago and its emulator still runs: stopping it' "$out-shared.log"
tap_ok "--export: the lab reads the build machine's file" grep -q '^PRE-from-build-machine' "$out-shared/output.txt"
tap_ok "... and its own file is on the build machine" grep -qx from-lab "$exp/post"
tap_ok "... and the peer does not mount it" grep -q '^EXPORT-MOUNTS-0$' "$out-shared/peer/output.txt"
"$lab" --export "$exp/none" -- true > "$out-noexport.log" 2>&1
tap_ok "--export of a directory that does not exist: refused, saying so, before any boot (exit 2)" \
	all_of test $? = 2 -- grep -q "export '$exp/none': no such directory" "$out-noexport.log"
tap_done
