#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Failover with the primary host's power cut mid-run. The PEER lab host is
# the primary (its file a, the records writer on it at full rate); this
# host is the standby (file b). The peer resets itself mid-run through
# sysrq (`echo b > /proc/sysrq-trigger`: emergency_restart, no device
# shutdown; the lab's QEMU runs with -no-reboot, so it exits): a power
# cut as a host sees it. `busybox poweroff -f` was used first; under load
# the peer's kernel then hung in its own shutdown, in virtio_net's NAPI
# poll on the queues it had just broken (free_old_xmit_skbs loops while
# virtqueue_enable_cb_delayed, which ignores a broken queue, says more
# work is due), and 100 s later logged an RCU stall, twice in lab runs.
# It checks:
#  - this host declares primary_lost within timeout_ms (+ margin), by the
#    heartbeat timeout (stats/nr_heartbeat_timeouts, last_detect_ms);
#  - promote: b's image is one complete epoch (the records checker: 0
#    torn, max_seq > 0 and no later than what the writer wrote);
#  - RTO (detection + promotion) and RPO (from the writer's log, kept in
#    the directory both hosts share, lab-run --shared) as comments.
# The peer is gone afterwards: this test runs last (the Makefile's order).
# Skips without a peer host.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/memsched.sh"
. "$(dirname "$0")/../lib/rdma.sh"

rfo_require
rfo_require_peer
tap_plan 14

MB=32
R=$RFO_RECORDS
EVERY=65536
dev=$(rfo_peer_dev)
cleanup() {
	kill $MS_STALL_PID 2>/dev/null
	rfo_remove b
	# the peer is normally gone by now
	PEER_TIMEOUT=10 peer_run "kill -KILL \$(cat /run/peer/w/pid) 2>/dev/null; rfo_remove a; rm -f $RFO_MNT/a" > /dev/null 2>&1
}
trap cleanup EXIT
ms_stall_watch
bail() { tap_diag "cannot go on: $*"; exit 1; }
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

# The writer's log goes where it survives the peer: the shared directory.
if mountpoint -q "$RFO_SHARED"; then
	wlog=$RFO_SHARED/failover_poweroff.log
	rm -f "$wlog"
else
	wlog=/run/peer/w/log
	tap_diag "no shared directory at $RFO_SHARED (lab-run --shared): no RPO"
fi

tap_ok "load the modules, rxe0 on $dev, memschedfs" \
	all_of rfo_load -- rfo_rxe_add rxe0 "$dev" -- rfo_mount || bail "setup"
B=$(rfo_file b "$MB") || bail "file b"
A=$(peer_run "rfo_file a $MB") || bail "file a on the peer: $A"
RA=$RFO_ROOT/replicas/a RB=$RFO_ROOT/replicas/b
PEER=$RFO_A_IP:$RFO_PORT
rfo_add "$B" > /dev/null && rfo_setup "$RB" standby "$PEER" 10 && rfo_cmd "$RB" start
tap_ok "b (this host): standby, listening" rfo_wait_state "$RB" listening 10
tap_ok "a (the peer): primary, replicating" \
	peer_run "rfo_add $A > /dev/null && rfo_setup $RA primary $PEER 10 && rfo_cmd $RA start && rfo_wait_state $RA replicating 120"
tap_ok "b: replicating" rfo_wait_state "$RB" replicating 30
tap_ok "the writer starts on the peer" \
	peer_run "mkdir -p /run/peer/w; rm -f /run/peer/w/ready; setsid $R write $A --log $wlog --every $EVERY --progress /run/peer/w/prog --ready-file /run/peer/w/ready > /run/peer/w/out 2>&1 < /dev/null & echo \$! > /run/peer/w/pid; for i in \$(seq 300); do [ -s /run/peer/w/ready ] && exit 0; sleep 0.1; done; cat /run/peer/w/out; exit 1"
e0=$(cat "$RB/epoch")
sleep 5
e1=$(cat "$RB/epoch")
tap_ok "b applies epochs under the writer ($e0 -> $e1)" test "$e1" -gt "$e0"
tap_diag "before: a: $(peer_run "rfo_stats_line $RA")"
tap_diag "before: b: $(rfo_stats_line "$RB")"
timeout_ms=$(cat "$RB/timeout_ms")

# ---- the peer powers off ----
# The mark in the peer's kernel log tells lab-run that the host is going
# away on purpose (its watch_peer_poweroff stops an emulator still running
# 30 s later).
peer_run "setsid sh -c 'echo \"lab-poweroff: this host cuts its own power (failover_poweroff.sh)\" > /dev/kmsg; sleep 1; echo b > /proc/sysrq-trigger' > /dev/null 2>&1 < /dev/null &"
t_cmd=$(now_ms)
tap_ok "b: primary_lost within 1 s + timeout_ms ($timeout_ms) + 5 s of the poweroff command" \
	rfo_wait_state "$RB" primary_lost $(( 1 + timeout_ms / 1000 + 5 ))
t_lost=$(now_ms)
PEER_TIMEOUT=10 peer_run true > /dev/null 2>&1
tap_is "$?" 255 "the peer is gone (its agent does not answer)"
detect=$(rfo_gauge "$RB" last_detect_ms)
tap_ok "detection: last_detect_ms $detect within [timeout_ms, timeout_ms + 2000]" \
	all_of [ "${detect:-0}" -ge "$timeout_ms" ] -- [ "${detect:-0}" -le $((timeout_ms + 2000)) ]
tap_ok "b: the heartbeat timeout counted (nr_heartbeat_timeouts $(rfo_stat "$RB" nr_heartbeat_timeouts))" \
	test "$(rfo_stat "$RB" nr_heartbeat_timeouts)" -ge 1
t0=$(now_ms)
rfo_cmd "$RB" promote
tap_ok "b: promoted" rfo_wait_state "$RB" promoted 10
t_prom=$(now_ms)
chk=$("$R" check "$B")
rc=$?
tap_is "$rc" 0 "b's image checks: $(head -n 1 <<< "$chk")" || tap_diag "$chk"
max=$(awk '/^records/ { print $6 }' <<< "$chk")
if [ "${wlog#"$RFO_SHARED"}" != "$wlog" ] && [ -s "$wlog" ]; then
	logged=$(awk 'NF >= 2 { s = $1 } END { print s + 0 }' "$wlog")
	tap_ok "0 < max_seq $max <= what the writer wrote (last logged $logged + $EVERY)" \
		all_of [ "${max:-0}" -gt 0 ] -- [ "${max:-0}" -le $((logged + EVERY)) ]
	tap_diag "RPO: $("$R" rpo "$wlog" "${max:-0}" "$logged") (to the writer's last logged record; it logs every $EVERY), b's epoch $(cat "$RB/epoch")"
else
	tap_ok "max_seq $max > 0" test "${max:-0}" -gt 0
fi
tap_diag "RTO: detection $detect ms (last_detect_ms) + promotion $(rfo_gauge "$RB" last_promote_us) us (last_promote_us); wall clock: poweroff command (+1 s sleep) to primary_lost $((t_lost - t_cmd)) ms, promote command to promoted $((t_prom - t0)) ms"
tap_diag "after: b: $(rfo_stats_line "$RB")"
tap_ok "remove b" all_of ms_write b "$RFO_ROOT/remove" -- test ! -e "$RB"
tap_done
