#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A full guest under replication, two lab hosts. This host runs a nested
# Linux guest (the lab's kernel under QEMU -accel kvm) whose RAM is the
# memschedfs file A (-object memory-backend-file,share=on), replicated to
# the peer's file B (standby). In the guest, the records writer (records
# gwrite, static, in its initramfs) writes checksummed, sequence-numbered
# records at its full rate into a 16 MiB region of its own memory. Each
# 4 KiB page of the region starts with a header (magic, this run's id, the
# page's index in the region), so the region can be found in an image of
# guest RAM however the guest kernel scattered it over guest-physical
# pages.
#  - replication starts on the running guest (the first epoch, the whole
#    file, is cut and shipped while the guest writes);
#  - epochs are committed while the guest writes (more than 5);
#  - failover: the VMM is killed (SIGKILL), the primary stopped at once,
#    the standby promoted; nothing is booted on B;
#  - B's image, read offline (records gscan): every page of the region
#    found, 0 torn records, the ring is one instant (every slot holds the
#    largest seq <= max_seq that maps to it), max_seq > 0 and at least
#    the seq the guest reported 15 s before the kill, at most A's own;
#  - A's own image after the VMM died scans the same way (the checker's
#    control: the region is found in a plain guest RAM file).
# Skips without a peer host or /dev/kvm (make check's lab has both).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/memsched.sh"
. "$(dirname "$0")/../lib/rdma.sh"
. "$(dirname "$0")/../lib/guest.sh"

rfo_require
ms_require_kvm
rfo_require_peer
tap_plan 15

MEM_MB=256	# small guest and region: nested KVM under TCG is slow
REGION_MB=16
PAGES=$((REGION_MB * 256))
RUN_ID=$(( (RANDOM << 15 | RANDOM) + 1 ))
R=$RFO_RECORDS
work=$(mktemp -d)
runner=""
dev=$(rfo_peer_dev)
vmm_kill() {
	local p
	p=$(cat "$work/vmm.pid" 2>/dev/null)
	[ -n "$p" ] && kill -KILL "$p" 2>/dev/null
}
cleanup() {
	kill $MS_STALL_PID 2>/dev/null
	[ -n "$runner" ] && { vmm_kill; wait "$runner" 2>/dev/null; }
	rfo_remove gvm
	rm -f "$RFO_MNT/gvm"
	PEER_TIMEOUT=30 peer_run "rfo_remove gvm; rm -f $RFO_MNT/gvm" > /dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
ms_stall_watch
bail() { tap_diag "cannot go on: $*"; exit 1; }
glog() { tr -d '\r' < "$work/log" 2>/dev/null; }
# the last "gwrite: seq N" the guest printed
gseq() { glog | sed -n 's/^gwrite: seq \([0-9]*\)$/\1/p' | tail -n 1; }
show_run() {
	tap_diag "guest-run said: $(cat "$work/run.out")"
	tap_diag "guest console tail: $(glog | tail -n 15)"
}

tap_ok "load the modules, rxe0 on $dev, memschedfs" \
	all_of rfo_load -- rfo_rxe_add rxe0 "$dev" -- rfo_mount || bail "setup"
A=$(rfo_file gvm "$MEM_MB") || bail "file A"
B=$(peer_run "rfo_file gvm $MEM_MB") || bail "file B: $B"
RA=$RFO_ROOT/replicas/gvm
PEER=$RFO_B_IP:$RFO_PORT
tap_ok "B: standby on the peer, listening" \
	peer_run "rfo_add $B > /dev/null && rfo_setup $RA standby $PEER 10 && rfo_cmd $RA start && rfo_wait_state $RA listening 10"
# The guest: kernel messages off the console (no printk inside a line the
# host parses), then the writer, whose output is the console.
cat > "$work/cmd" <<CMD
dmesg -n 1
echo "guest: writer starting"
/guest/records gwrite --mb $REGION_MB --run-id $RUN_ID --every-ms 1000
echo "guest: writer exited \$?"
CMD
guest_initrd "$work/initrd" "$work/cmd" -f "$R:/guest/records" ||
	bail "guest initramfs"
"$GUEST_TOOLS/guest-run" --initrd "$work/initrd" --log "$work/log" --mem ${MEM_MB}M \
	--timeout 1200 --boot-timeout 240 --pidfile "$work/vmm.pid" -- \
	-machine memory-backend=ram0 \
	-object "memory-backend-file,id=ram0,size=${MEM_MB}M,mem-path=$A,share=on" \
	> "$work/run.out" 2>&1 &
runner=$!
tap_ok "the guest boots on A, its writer ready ($PAGES pages, run id $RUN_ID)" \
	guest_wait_log "$work/log" "^gwrite: ready pages $PAGES slots $((PAGES * 508)) run_id $RUN_ID" 500 ||
	{ show_run; bail "no guest"; }
guest_wait_log "$work/log" "^gwrite: seq " 120 || show_run
# Replication starts on the running guest, as an administrator would
# start it (and the guest boots at its untracked speed: under TCG, a boot
# through 10 ms epochs took most of this test's time). The first epoch is
# the whole file, cut while the guest writes.
rfo_add "$A" > /dev/null && rfo_setup "$RA" primary "$PEER" 10 && rfo_cmd "$RA" start
tap_ok "A (the running guest's RAM file, $MEM_MB MiB): replicating" rfo_wait_state "$RA" replicating 300 ||
	bail "$(rfo_stats_line "$RA")"
e0=$(rfo_stat "$RA" nr_epochs)
tap_diag "writing: a: $(rfo_stats_line "$RA")"
sleep 25
tap_ok "the guest's writer goes on (seq $(gseq))" [ -n "$(gseq)" ]
# what the guest had written 15 s before the kill: the standby has it
p1=$(gseq)
t1=$SECONDS
sleep 15
e1=$(rfo_stat "$RA" nr_epochs)
tap_ok "epochs committed while the guest writes ($e0 -> $e1, more than 5)" \
	test "$e1" -gt $((e0 + 5))
tap_diag "before the kill: a: $(rfo_stats_line "$RA")"
tap_diag "before the kill: b: $(peer_run "rfo_stats_line $RA")"

# ---- failover: the VMM dies, the primary stops, B is promoted ----
p2=$(gseq)
vmm_kill
wait "$runner" 2>/dev/null
runner=""
rfo_cmd "$RA" stop
tap_ok "the VMM killed $((SECONDS - t1)) s after seq $p1 (last seen: $p2); A stopped" \
	rfo_wait_state "$RA" stopped 30
tap_ok "B: primary_lost" peer_run "rfo_wait_state $RA primary_lost 30"
tap_ok "B: promoted (nothing booted on it)" \
	peer_run "rfo_cmd $RA promote && rfo_wait_state $RA promoted 10"

# ---- B's copy, offline ----
chk=$(peer_run "$R gscan $B --run-id $RUN_ID --pages $PAGES")
rc=$?
tap_diag "B: $(tr '\n' ';' <<< "$chk")"
found=$(awk '/^gscan/ { print $3 }' <<< "$chk")
torn=$(awk '/^records/ { print $4 }' <<< "$chk")
max=$(awk '/^records/ { print $6 }' <<< "$chk")
tap_is "${found:-none}" "$PAGES" "B: every page of the guest's region found in the image"
tap_is "${torn:-none}" 0 "B: 0 torn records, the ring is one instant"
tap_is "$rc" 0 "B: records gscan passes"
achk=$("$R" gscan "$A" --run-id "$RUN_ID" --pages "$PAGES")
arc=$?
tap_diag "A: $(tr '\n' ';' <<< "$achk")"
amax=$(awk '/^records/ { print $6 }' <<< "$achk")
tap_is "$arc" 0 "A's own image after the VMM died scans too (all pages, 0 torn; max_seq ${amax:-none})"
tap_ok "B's max_seq $max: > 0, at least the guest's seq 15 s before the kill ($p1), at most A's (${amax:-none})" \
	all_of [ "${max:-0}" -gt 0 ] -- [ "${max:-0}" -ge "${p1:-1}" ] -- [ "${max:-0}" -le "${amax:-0}" ]
tap_diag "B is $(( ${amax:-0} - ${max:-0} )) records behind the guest's last"
tap_ok "remove the replicas" all_of ms_write gvm "$RFO_ROOT/remove" -- \
	peer_run "rfo_cmd $RA stop; rfo_wait_state $RA stopped 30 && ms_write gvm $RFO_ROOT/remove"
tap_done
