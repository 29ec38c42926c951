#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Link loss mid-run, two lab hosts: this host's file A (primary, the
# records writer on it at full rate) replicated to the peer's file B
# (standby). The replication link is cut on this host for timeout_ms +
# 2 s (7 s: both ends notice):
#  - A goes reconnecting, B's heartbeat timeout fires (B declares
#    primary_lost and rolls back its partial epoch if it had one);
#  - the link back, rdma_cm works across it again (rping), A reconnects
#    (stats/nr_reconnects >= 1), both replicate again (resuming, or a
#    resync: stats/nr_resyncs), and epochs keep coming;
#  - the writer killed, quiet epochs: B equals A; then A stopped and B
#    promoted: B's image checks (0 torn, max_seq = the writer's last).
# The cut: every RoCEv2 packet (UDP port 4791, the connection's and
# rdma_cm's MADs alike) dropped both ways by tc on this host's end of the
# peer link; the peer agent's TCP (peer_run) still works. Not
# 'ip link set DEV down' and up: in the lab (Debian 6.1, rxe), a flap
# under an established, busy RC connection left rdma_cm unusable between
# the hosts afterwards (the primary's connects timed out, -110, every
# 3.6 s for minutes; even a fresh rping failed, with the writer stopped),
# while a flap with no connection on rxe0 did not (rping both ways right
# after). What the flap's runs showed: rxe0 ACTIVE, its GIDs and both
# neighbours (REACHABLE) intact; the standby got each REQ and answered
# (its QP1 sends went on, its accepts ended REJECTED, -111, when the
# primary gave up), this host's QP1 kept sending (REQ retries) but no REP
# reached rdma_cm here (its connect timed out, no event), and UDP counted
# datagrams that rxe0 did not (Udp InDatagrams 4503, rxe rcvd_pkts 4469:
# 34 dropped before rxe counts a packet, where it checks the GID, the QP's
# state and keys, the ICRC). That points at rxe dropping the REPs for
# QP1 (ib_mad's, not the module's), not proven; a fresh rping fails the
# same way, so no cm_id handling in the module can fix it.
# LINK_LOSS_CUT=link runs the flap instead (not in make check).
# Skips without a peer host.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/memsched.sh"
. "$(dirname "$0")/../lib/rdma.sh"

rfo_require
[ "${LINK_LOSS_CUT:-tc}" = link ] || command -v tc > /dev/null ||
	tap_skip_all "no tc (iproute2) to cut the link"
rfo_require_peer
tap_plan 20

MB=32
R=$RFO_RECORDS
work=$(mktemp -d)
wpid=""
dev=$(rfo_peer_dev)
# the cut (above): tc u32 filters on a root prio qdisc and on ingress
cut=${LINK_LOSS_CUT:-tc}
cut_on() {
	[ "$cut" = link ] && { ip link set "$dev" down; return; }
	modprobe -a sch_prio sch_ingress cls_u32 act_gact 2>/dev/null
	tc qdisc add dev "$dev" root handle 1: prio &&
	tc filter add dev "$dev" parent 1: protocol ip prio 1 u32 \
		match ip protocol 17 0xff match ip dport 4791 0xffff action drop &&
	tc qdisc add dev "$dev" ingress &&
	tc filter add dev "$dev" parent ffff: protocol ip prio 1 u32 \
		match ip protocol 17 0xff match ip dport 4791 0xffff action drop
}
cut_off() {
	[ "$cut" = link ] && { ip link set "$dev" up; return; }
	tc qdisc del dev "$dev" root 2>/dev/null
	tc qdisc del dev "$dev" ingress 2>/dev/null
	return 0
}
cleanup() {
	cut_off
	kill $MS_STALL_PID 2>/dev/null
	[ -n "$wpid" ] && kill -KILL "$wpid" 2>/dev/null
	wait 2>/dev/null
	rfo_remove a
	PEER_TIMEOUT=30 peer_run "rfo_remove b; rm -f $RFO_MNT/b" > /dev/null 2>&1
	# after the flap, a new rxe0 (see above: the next tests could not
	# connect to this host)
	if [ "$cut" = link ]; then
		rfo_rxe_del rxe0
		rfo_rxe_add rxe0 "$dev" > /dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT
ms_stall_watch
bail() { tap_diag "cannot go on: $*"; exit 1; }
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

tap_diag "the cut: $cut"
tap_ok "load the modules, rxe0 on $dev, memschedfs" \
	all_of rfo_load -- rfo_rxe_add rxe0 "$dev" -- rfo_mount || bail "setup"
A=$(rfo_file a "$MB") || bail "file a"
B=$(peer_run "rfo_file b $MB") || bail "file b: $B"
RA=$RFO_ROOT/replicas/a RB=$RFO_ROOT/replicas/b
PEER=$RFO_B_IP:$RFO_PORT
tap_ok "B: standby on the peer, listening" \
	peer_run "rfo_add $B > /dev/null && rfo_setup $RB standby $PEER 10 && rfo_cmd $RB start && rfo_wait_state $RB listening 10"
rfo_add "$A" > /dev/null && rfo_setup "$RA" primary "$PEER" 10 && rfo_cmd "$RA" start
tap_ok "A: replicating" rfo_wait_state "$RA" replicating 120
# (not through tap_ok: its subshell would keep the writer's pid)
rfo_writer_start "$A" "$work"
tap_is "$?" 0 "the writer starts on A" || bail "writer"
wpid=$RFO_WRITER_PID
sleep 3
r0=$(rfo_stat "$RA" nr_reconnects)
h0=$(peer_run "rfo_stat $RB nr_heartbeat_timeouts")
rb0=$(peer_run "rfo_stat $RB nr_rollbacks")
e0=$(peer_run "cat $RB/epoch")
tap_diag "before: a: $(rfo_stats_line "$RA")"
tap_diag "before: b: $(peer_run "rfo_stats_line $RB")"

# ---- the link cut for timeout_ms + 2 s (7 s) ----
t0=$(now_ms)
cut_on || tap_diag "tc: the cut failed: $(tc qdisc show dev "$dev" 2>&1)"
tmo=$(cat "$RA/timeout_ms")
tap_ok "A: reconnecting within timeout_ms + 10 s of the cut" \
	rfo_wait_state "$RA" reconnecting $((tmo / 1000 + 10))
tap_diag "A saw it after $(( $(now_ms) - t0 )) ms"
# the cut lasts timeout_ms + 2 s at least: B's heartbeat timeout too
left=$(( (tmo + 2000 - ($(now_ms) - t0)) ))
[ "$left" -gt 0 ] && sleep "$((left / 1000)).$(printf '%03d' $((left % 1000)))"
cut_off
t1=$(now_ms)
tap_diag "the link was cut for $((t1 - t0)) ms"
# Is rdma_cm itself back? (tells an rxe problem from the module's: with
# the flap, neither side reconnected, the standby's accepts failing with
# -110 then -111, and the next test could not connect to this host)
sleep 2
peer_run "timeout 30 rping -s -a $RFO_B_IP -C 3 > /dev/null 2>&1 &" > /dev/null
sleep 1
tap_ok "rdma_cm across the link after it came back: rping -c -a $RFO_B_IP -C 3" \
	bash -c "timeout 30 rping -c -a $RFO_B_IP -C 3 -v | grep -c 'ping data' | grep -qx 3" || {
	tap_diag "a: qps: $(rdma res show qp link rxe0/1 2>&1 | tr '\n' ';')"
	tap_diag "b: qps: $(peer_run 'rdma res show qp link rxe0/1' 2>&1 | tr '\n' ';')"
	tap_diag "a: counters: $(grep -H . /sys/class/infiniband/rxe0/ports/1/hw_counters/* 2>/dev/null | grep -v ':0$' | sed 's,.*/,,' | tr '\n' ' ')"
	tap_diag "b: counters: $(peer_run "grep -H . /sys/class/infiniband/rxe0/ports/1/hw_counters/* | grep -v ':0\$' | sed 's,.*/,,'" 2>&1 | tr '\n' ' ')"
	tap_diag "a: cm_ids: $(rdma res show cm_id 2>&1 | tr '\n' ';')"
	tap_diag "b: cm_ids: $(peer_run 'rdma res show cm_id' 2>&1 | tr '\n' ';')"
	tap_diag "b: D tasks: $(peer_run 'for t in /proc/[0-9]*; do grep -q "^State:.*D" $t/status 2>/dev/null && echo "$(cat $t/comm): $(cat $t/stack | head -n 6 | tr "\n" " ")"; done' 2>&1 | tr '\n' ';')"
	tap_diag "b: dmesg: $(peer_run 'dmesg | tail -n 15' 2>&1 | tr '\n' ';')"
	tap_diag "a: neigh: $(ip neigh show dev "$dev" | tr '\n' ';') udp: $(grep '^Udp:' /proc/net/snmp | tail -n 1)"
	tap_diag "b: neigh: $(peer_run 'ip neigh; grep "^Udp:" /proc/net/snmp | tail -n 1' 2>&1 | tr '\n' ';')"
	sleep 10
	tap_diag "10 s later: a: $(rdma res show qp link rxe0/1 2>&1 | grep GSI) b: $(peer_run 'rdma res show qp link rxe0/1' 2>&1 | grep GSI)"
	kill -STOP "$wpid"
	peer_run "timeout 30 rping -s -a $RFO_B_IP -C 3 > /dev/null 2>&1 &" > /dev/null
	sleep 1
	tap_diag "rping with the writer stopped: $(timeout 30 rping -c -a $RFO_B_IP -C 3 -v 2>&1 | tail -n 2 | tr '\n' ';')"
	kill -CONT "$wpid"
}
tap_ok "A: replicating again" rfo_wait_state "$RA" replicating 120
tap_diag "A replicating again $(( $(now_ms) - t1 )) ms after the link came back"
tap_ok "A: stats/nr_reconnects grew ($r0 -> $(rfo_stat "$RA" nr_reconnects))" \
	test "$(rfo_stat "$RA" nr_reconnects)" -ge $((r0 + 1))
tap_ok "B: the heartbeat timeout fired (nr_heartbeat_timeouts $h0 -> $(peer_run "rfo_stat $RB nr_heartbeat_timeouts"))" \
	test "$(peer_run "rfo_stat $RB nr_heartbeat_timeouts")" -ge $((h0 + 1))
tap_ok "B: replicating again" peer_run "rfo_wait_state $RB replicating 30"
e1=$(peer_run "cat $RB/epoch")
tap_ok "B's epoch went on ($e0 -> $e1)" test "$e1" -gt "$e0"
e=$(rfo_stat "$RA" nr_epochs)
t2=$SECONDS
# across the lab hosts an epoch under the full-rate writer takes 1 to 8 s
# (a loaded build machine): bounded by the clock, not a count
tap_ok "epochs keep coming after the reconnect (2 more within 60 s)" \
	rfo_wait_stat_ge "$RA" nr_epochs $((e + 2)) 60
tap_diag "$e -> $(rfo_stat "$RA" nr_epochs) epochs in $((SECONDS - t2)) s"
tap_diag "B rolled back $(( $(peer_run "rfo_stat $RB nr_rollbacks") - rb0 )) partial epochs; A resynced $(rfo_stat "$RA" nr_resyncs) times"
tap_diag "after: a: $(rfo_stats_line "$RA")"
tap_diag "after: b: $(peer_run "rfo_stats_line $RB")"

# ---- the end: quiet epochs, B = A, promote B, check ----
# the count before the kill: a local epoch commits in about 100 ms, so
# the last writes' one could be in already when read after the kill
e=$(rfo_stat "$RA" nr_epochs)
kill -KILL "$wpid"
wait "$wpid" 2>/dev/null
wpid=""
last=$("$R" lastseq "$work/prog")
# Epochs without a written page are not sent: once the count has passed
# the one read before the kill (within 120 s, however slow the epochs) and
# stands still for 2 s, the writer's last writes are on B.
q=$(rfo_wait_quiet "$RA" 2 120 "$e")
tap_ok "A's epochs stand still after the writer died, one more at least ($e -> $q)" test "$q" -gt "$e"
tap_is "$(peer_run "$R sum $B")" "$("$R" sum "$A")" "B equals A (sum of every byte)"
rfo_cmd "$RA" stop
tap_ok "A stopped" rfo_wait_state "$RA" stopped 30
tap_ok "B: primary_lost" peer_run "rfo_wait_state $RB primary_lost 10"
tap_ok "B: promoted" peer_run "rfo_cmd $RB promote && rfo_wait_state $RB promoted 10"
chk=$(peer_run "$R check $B")
rc=$?
tap_is "$rc" 0 "B's image checks: $(head -n 1 <<< "$chk")" || tap_diag "$chk"
max=$(awk '/^records/ { print $6 }' <<< "$chk")
tap_ok "max_seq $max is the writer's last ($last, or one less)" \
	all_of [ "${max:-0}" -ge $((last - 1)) ] -- [ "${max:-0}" -le "$last" ]
tap_ok "remove a and b" all_of ms_write a "$RFO_ROOT/remove" -- \
	peer_run "rfo_cmd $RB stop; rfo_wait_state $RB stopped 30 && ms_write b $RFO_ROOT/remove"
tap_done
