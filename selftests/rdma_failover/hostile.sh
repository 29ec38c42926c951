#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Hostile peer messages (one host, the veth pair of replicate_local.sh). A
# standby B holds a complete epoch of A (4 MiB of records); A stops and B
# keeps listening (primary_lost). hostile_peer, a lying primary, then
#  - offers bad HELLOs (magic, length, version, page size, nr_pages,
#    generation 0): each rejected with its reason byte and counted;
#  - after a good HELLO (REGIONS decode), sends one bad message per
#    connection: BATCH with count 0, count above the slots, an index >=
#    nr_pages, an index twice in the epoch, the wrong epoch, the wrong
#    batch_seq, the wrong header seq, an unknown type, a wrong length, a
#    bad magic; COMMIT totals that differ; a COMMIT_ACK (wrong direction):
#    each drops the connection (never acknowledged), counted in
#    stats/nr_bad_messages, B's file (sum of every byte), epoch and state
#    unchanged;
#  - the host stays up, and A replicates to B again afterwards (B = A).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/memsched.sh"
. "$(dirname "$0")/../lib/rdma.sh"

rfo_require
HP=$(cd "$(dirname "$0")" && pwd)/build/hostile_peer
[ -x "$HP" ] || tap_skip_all "no $HP (needs librdmacm-dev and libibverbs-dev to build)"
tap_plan 60

MB=4
NR_PAGES=$((MB * 256))
R=$RFO_RECORDS
work=$(mktemp -d)
cleanup() {
	kill $MS_STALL_PID 2>/dev/null
	rfo_remove a
	rfo_remove b
	rfo_unload
	rfo_umount
	rfo_veth_down
	rm -rf "$work"
}
trap cleanup EXIT
ms_stall_watch
bail() { tap_diag "cannot go on: $*"; exit 1; }

tap_ok "load rdma_rxe, memsched, rdma_failover" rfo_load || bail "modules"
tap_ok "veth pair va/vb with rxe_va and rxe_vb" rfo_veth_up || bail "veth/rxe"
tap_ok "mount memschedfs at $RFO_MNT" rfo_mount || bail "memschedfs"
A=$(rfo_file a "$MB") B=$(rfo_file b "$MB")
tap_ok "records in A" "$R" write "$A" --max-seq 300000
RA=$RFO_ROOT/replicas/a RB=$RFO_ROOT/replicas/b
PEER=$RFO_VB_IP:$RFO_PORT
rfo_add "$B" > /dev/null && rfo_setup "$RB" standby "$PEER" 10 && rfo_cmd "$RB" start
tap_ok "B: standby, listening" rfo_wait_state "$RB" listening 10
rfo_add "$A" > /dev/null && rfo_setup "$RA" primary "$PEER" 10 && rfo_cmd "$RA" start
tap_ok "A: replicating" rfo_wait_state "$RA" replicating 120
e=$(rfo_stat "$RA" nr_epochs)
tap_ok "A's epochs stand still (all of A on B: $(rfo_wait_quiet "$RA" 2 60))" test "$(rfo_stat "$RA" nr_epochs)" -gt 0
rfo_cmd "$RA" stop
tap_ok "A stopped, B primary_lost (listening for a primary)" \
	all_of rfo_wait_state "$RA" stopped 30 -- rfo_wait_state "$RB" "primary_lost|listening" 10
sum0=$("$R" sum "$B")
epoch0=$(cat "$RB/epoch")
tap_diag "B before: $sum0, epoch $epoch0; $(rfo_stats_line "$RB")"

# bad_wait N: wait until nr_bad_messages is N (5 s)
bad_wait() { rfo_wait_stat_ge "$RB" nr_bad_messages "$1" 5 > /dev/null; rfo_stat "$RB" nr_bad_messages; }

for hc in "hello-magic 1" "hello-short 1" "hello-version 2" "hello-pagesize 3" "hello-nrpages 4" "hello-gen0 1"; do
	set -- $hc
	bad=$(rfo_stat "$RB" nr_bad_messages)
	rej=$(rfo_stat "$RB" nr_rejects)
	out=$("$HP" "$RFO_VB_IP" "$RFO_PORT" "$NR_PAGES" "$1" 2>&1)
	tap_is "$(grep '^result' <<< "$out")" "result rejected reason $2" "$1: rejected, reason $2" || tap_diag "$out"
	tap_is "$(bad_wait $((bad + 1))) $(rfo_stat "$RB" nr_rejects)" "$((bad + 1)) $((rej + 1))" "$1: counted (nr_bad_messages, nr_rejects)"
done

out=$("$HP" "$RFO_VB_IP" "$RFO_PORT" "$NR_PAGES" good 2>&1)
tap_ok "a good HELLO is accepted and REGIONS decodes ($(grep '^result' <<< "$out"))" \
	grep -q "^result regions nr_slots [1-9][0-9]* applied_epoch $epoch0\$" <<< "$out" || tap_diag "$out"
rfo_wait_state "$RB" "primary_lost|listening" 10 > /dev/null

for mc in count0 count-big index dup epoch batch-seq seq type len magic commit dir; do
	bad=$(rfo_stat "$RB" nr_bad_messages)
	out=$("$HP" "$RFO_VB_IP" "$RFO_PORT" "$NR_PAGES" "$mc" 2>&1)
	tap_is "$(grep '^result' <<< "$out")" "result dropped" "$mc: the connection is dropped" || tap_diag "$out"
	tap_is "$(bad_wait $((bad + 1)))" $((bad + 1)) "$mc: counted (nr_bad_messages)"
	rfo_wait_state "$RB" "primary_lost|listening" 10 > /dev/null
	tap_is "$("$R" sum "$B") epoch $(cat "$RB/epoch") $(rfo_state "$RB" | sed 's/^listening$/primary_lost/')" \
		"$sum0 epoch $epoch0 primary_lost" "$mc: B's file, epoch and state unchanged"
done
tap_diag "B after: $(rfo_stats_line "$RB")"

rfo_cmd "$RA" start
tap_ok "A replicates to B again" all_of rfo_wait_state "$RA" replicating 120 -- rfo_wait_state "$RB" replicating 30
rfo_wait_quiet "$RA" 2 60 > /dev/null
tap_ok "B equals A" "$R" cmp "$A" "$B"
rfo_cmd "$RA" stop
rfo_wait_state "$RA" stopped 30 > /dev/null
tap_ok "rmmod rdma_failover" rmmod rdma_failover
tap_done
