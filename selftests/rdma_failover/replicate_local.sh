#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Push replication of a memschedfs file, primary A -> standby B, 32 MiB,
# epoch_ms 10, soft-RoCE (rxe). One host: a veth pair va 10.77.0.1 <-> vb
# 10.77.0.2 with an rxe device on each, both files on this host. With
# RFO_TWO_HOSTS=1 (replicate.sh) B is on the peer lab host (169.254.77.2,
# driven through peer_run) and the sysfs ABI checks are left out.
#  - (one host) the sysfs ABI: version, add (not memschedfs: EINVAL; twice:
#    EEXIST), defaults, bad role/peer/epoch_ms/heartbeat_ms/timeout_ms/
#    command writes (EINVAL, a log line, nothing changed), start without a
#    peer (EDESTADDRREQ), timeout_ms <= 2 x heartbeat_ms refused at start,
#    promote on a primary refused, a standby file of the wrong size
#    refused with a log line and counted;
#  - B listening, A's first full epoch: both replicating; A's size cannot
#    change while tracked (EBUSY);
#  - the records writer on A at full rate for 10 s: epochs keep coming,
#    both replicating, the counters move (pages, bytes, COW copies, writer
#    stall, cut time, epoch latency);
#  - the cut: stop A with the writer running, SIGKILL the writer, B goes
#    primary_lost, promote B: B's image is one complete epoch (the records
#    checker: 0 torn, 0 < max_seq <= the writer's seq at the stop; B's
#    epoch is A's last committed one, or the one whose ack A missed); RPO
#    (records, ms, epochs) and RTO (detection + promotion) as comments;
#  - a second run after a resync: the writer killed, quiet epochs, then B
#    equals A byte for byte and checks with max_seq = the writer's last;
#  - (one host) the eBPF tools of bpf/ (issue 13) over that second run,
#    attached while no epoch is under way, stopped once A's epochs stand
#    still: mschedtop's epochs and pages of replica a (primary) and b
#    (standby) equal stats/nr_epochs and nr_pages deltas; mschedlat's
#    epoch commit (a) and apply (b) histograms hold one entry per epoch,
#    as a tracefs instance counted them; mschedsnoop's epoch_commit lines
#    are the traced rfo_epoch_commit events, value for value;
#  - (one host) dirty tracking by folio: one 8-byte store in each of 4
#    distinct 2 MiB ranges of A, then quiet epochs: A's nr_pages grows by
#    512 x 4 on huge=always (a huge folio is recorded and shipped whole),
#    by 4 on huge=never; files/<ino>/stats/nr_dirty_huge_folios and
#    replicas/a/stats/nr_dirty_huge_folios by 4 and 0 (the latter > 0 over
#    the whole run on huge=always, 0 on huge=never); B still equals A.
# RFO_HUGE=always (replicate_local_huge.sh) runs all of it on a huge=always
# mount (2 MiB folios), RFO_HUGE=never (the default) on a huge=never one.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/memsched.sh"
. "$(dirname "$0")/../lib/rdma.sh"

two=${RFO_TWO_HOSTS:-0}
rfo_require
[ "$two" = 1 ] && rfo_require_peer
if [ "$two" = 1 ]; then tap_plan 37; else tap_plan 92; fi
HUGE=${RFO_HUGE:-never}
tap_diag "memschedfs mount: huge=$HUGE"

MB=32
NSLOTS=$((MB * 1024 * 1024 / 8))
R=$RFO_RECORDS
work=$(mktemp -d)
wpid=""
BPF=$TAP_REPO/bpf/build
bpf_pids=""
# on_b CMD: run CMD where B is (the peer, or here with the same libraries)
on_b() {
	if [ "$two" = 1 ]; then
		peer_run "$1"
	else
		bash -c "cd '$TAP_REPO' && . selftests/lib/tap.sh && . selftests/lib/memsched.sh && . selftests/lib/rdma.sh && $1"
	fi
}
cleanup() {
	kill $MS_STALL_PID 2>/dev/null
	# (the tools hold rdma_failover: stopped before it is unloaded)
	# shellcheck disable=SC2086
	[ -n "$bpf_pids" ] && { ms_stop_pids $bpf_pids; wait $bpf_pids; } 2>/dev/null
	ms_trace_remove
	[ -n "$wpid" ] && kill -KILL "$wpid" 2>/dev/null
	wait 2>/dev/null
	PEER_TIMEOUT=30 on_b "rfo_remove b; rm -f $RFO_MNT/b" > /dev/null 2>&1
	rfo_remove a
	rfo_remove c
	if [ "$two" = 0 ]; then
		rfo_unload
		rfo_umount
		rfo_veth_down
	fi
	rm -rf "$work"
}
trap cleanup EXIT
ms_stall_watch
# bail REASON: a step the rest depends on failed
bail() { tap_diag "cannot go on: $*"; exit 1; }
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

tap_ok "load rdma_rxe, memsched, rdma_failover" rfo_load || bail "modules"
if [ "$two" = 1 ]; then
	tap_ok "rxe0 on the peer link ($(rfo_peer_dev))" rfo_rxe_add rxe0 "$(rfo_peer_dev)" || bail "rxe"
	SB_IP=$RFO_B_IP
	on_b "timeout 60 rping -s -a $SB_IP -C 3 > /dev/null 2>&1 &"
	sleep 1
	tap_ok "rdma_cm to the peer: rping -c -a $SB_IP -C 3" \
		bash -c "timeout 60 rping -c -a $SB_IP -C 3 -v | grep -c 'ping data' | grep -qx 3"
else
	tap_ok "veth pair va/vb with rxe_va and rxe_vb" rfo_veth_up || bail "veth/rxe"
	SB_IP=$RFO_VB_IP
	tap_ok "rdma_cm between the two local rxe devices: rping to $SB_IP" rfo_rping "$SB_IP"
fi
tap_ok "mount memschedfs at $RFO_MNT (huge=$HUGE)" rfo_mount || bail "memschedfs"
A=$(rfo_file a "$MB") || bail "file a"
B=$(on_b "rfo_file b $MB") || bail "file b: $B"
RA=$RFO_ROOT/replicas/a RB=$RFO_ROOT/replicas/b
PEER=$SB_IP:$RFO_PORT

if [ "$two" = 0 ]; then
	tap_is "$(cat "$RFO_ROOT/version")" "$(ms_abi RDMA_FAILOVER_ABI_VERSION)" "version is RDMA_FAILOVER_ABI_VERSION"
	echo x > "$work/plain"
	ms_klog_mark
	tap_fails_with "Invalid argument" "add of a file that is not memschedfs: EINVAL" ms_write "$work/plain" "$RFO_ROOT/add"
	tap_ok "... with a log line" bash -c "dmesg | awk -v m='$MS_KLOG_MARK' 'f; index(\$0, m) { f = 1 }' | grep -q rdma_failover"
	tap_ok "add $A" rfo_add "$A"
	tap_ok "replicas/a exists" test -d "$RA"
	tap_is "$(cat "$RA/path")" "$A" "path is the file's"
	tap_is "$(cat "$RA/role") $(cat "$RA/epoch_ms") $(cat "$RA/heartbeat_ms") $(cat "$RA/timeout_ms") $(cat "$RA/state") $(cat "$RA/epoch")" \
		"primary 10 100 1000 stopped 0" "defaults: role primary, epoch_ms 10, heartbeat_ms 100, timeout_ms 1000, state stopped, epoch 0"
	tap_is "$(cat "$RA/peer")" "" "peer is empty by default"
	tap_fails_with "File exists" "adding the same name twice: EEXIST" ms_write "$A" "$RFO_ROOT/add"
	for bad in "role bogus" "peer nonsense" "peer $SB_IP" "peer $SB_IP:99999" "peer 300.1.1.1:18515" \
		   "epoch_ms 0" "epoch_ms 10001" "heartbeat_ms 9" "heartbeat_ms 10001" "timeout_ms 99" \
		   "timeout_ms 60001" "command bogus"; do
		set -- $bad
		ms_klog_mark
		tap_fails_with "Invalid argument" "$1 '$2': EINVAL" ms_write "$2" "$RA/$1"
		tap_ok "... with a log line" bash -c "dmesg | awk -v m='$MS_KLOG_MARK' 'f; index(\$0, m) { f = 1 }' | grep -q rdma_failover"
	done
	tap_ok "the unknown command's log line lists the commands" \
		bash -c "dmesg | awk -v m='$MS_KLOG_MARK' 'f; index(\$0, m) { f = 1 }' | grep rdma_failover | grep start | grep stop | grep promote | grep -q reconnect"
	tap_is "$(cat "$RA/role") $(cat "$RA/peer") $(cat "$RA/epoch_ms") $(cat "$RA/heartbeat_ms") $(cat "$RA/timeout_ms")" \
		"primary  10 100 1000" "nothing changed by the bad writes"
	tap_fails_with "Destination address required" "start without a peer: EDESTADDRREQ" rfo_cmd "$RA" start
	ms_write "$PEER" "$RA/peer"
	ms_write 150 "$RA/timeout_ms"
	ms_klog_mark
	tap_fails_with "Invalid argument" "start with timeout_ms 150 <= 2 x heartbeat_ms 100: EINVAL" rfo_cmd "$RA" start
	tap_is "$(cat "$RA/state")" stopped "... still stopped"
	ms_write "${RFO_TIMEOUT_MS:-5000}" "$RA/timeout_ms"	# as rfo_setup
	tap_fails_with "Invalid argument" "promote on a primary: EINVAL" rfo_cmd "$RA" promote
	tap_fails_with "Invalid argument" "reconnect on a stopped primary: EINVAL" rfo_cmd "$RA" reconnect

	# a standby file of the wrong size (16 MiB against 32)
	C=$(rfo_file c 16)
	rfo_add "$C" > /dev/null
	RC=$RFO_ROOT/replicas/c
	rfo_setup "$RC" standby "$SB_IP:$((RFO_PORT + 1))"
	rfo_cmd "$RC" start
	tap_ok "a 16 MiB standby listens" rfo_wait_state "$RC" listening 10
	ms_write "$SB_IP:$((RFO_PORT + 1))" "$RA/peer"
	ms_klog_mark
	rfo_cmd "$RA" start
	sleep 5
	tap_ok "a 32 MiB primary is refused: not replicating after 5 s (state $(rfo_state "$RA"))" \
		bash -c "! grep -qx replicating '$RA/state'"
	tap_ok "... with the log line 'standby file has 4096 pages, primary 8192'" \
		bash -c "dmesg | awk -v m='$MS_KLOG_MARK' 'f; index(\$0, m) { f = 1 }' | grep -q 'standby file has 4096 pages, primary 8192'"
	tap_ok "... counted on the standby (nr_rejects $(rfo_stat "$RC" nr_rejects)) and the primary (nr_rejects $(rfo_stat "$RA" nr_rejects))" \
		all_of test "$(rfo_stat "$RC" nr_rejects)" -ge 1 -- test "$(rfo_stat "$RA" nr_rejects)" -ge 1
	tap_diag "wrong size: a: $(rfo_stats_line "$RA")"
	tap_diag "wrong size: c: $(rfo_stats_line "$RC")"
	rfo_cmd "$RA" stop
	rfo_wait_state "$RA" stopped 30 > /dev/null
	rfo_remove c
	ms_write "$PEER" "$RA/peer"
else
	tap_ok "add $A" rfo_add "$A"
	rfo_setup "$RA" primary "$PEER" 10
fi

# ---- replication ----
tap_ok "B: add, standby, start: listening" \
	on_b "rfo_add $B > /dev/null && rfo_setup $RB standby $PEER 10 && rfo_cmd $RB start && rfo_wait_state $RB listening 10"
t0=$(now_ms)
rfo_cmd "$RA" start
tap_ok "A: start: replicating (first full epoch of $MB MiB committed)" rfo_wait_state "$RA" replicating 120
tap_diag "first full epoch in $(( $(now_ms) - t0 )) ms; a: $(rfo_stats_line "$RA")"
tap_ok "B: replicating" on_b "rfo_wait_state $RB replicating 30"
tap_ok "A's epoch >= 1 ($(cat "$RA/epoch"))" test "$(cat "$RA/epoch")" -ge 1
tap_fails_with "Device or resource busy" "A's size cannot change while tracked (EBUSY)" truncate -s 16M "$A"

e0=$(rfo_stat "$RA" nr_epochs)
# (not through tap_ok: its subshell would keep the writer's pid; the
# lab's first run left the writer running that way)
rfo_writer_start "$A" "$work"
tap_is "$?" 0 "the records writer starts on A" || bail "writer"
wpid=$RFO_WRITER_PID
t0=$(now_ms)
sleep 10
# An epoch is as long as copying and RDMA-writing what the writer dirtied
# since the cut (kmod/rdma_failover/primary.c), not epoch_ms (10): lab: 77
# epochs in 10.7 s on one host; 9 across two hosts, where one under the
# full-rate writer takes about 1 s, 1 to 8 s on a loaded machine (as in
# link_loss.sh). So 10 s of the writer, then 5 epochs bounded by the clock.
rfo_wait_stat_ge "$RA" nr_epochs $((e0 + 5)) 110 > /dev/null
e1=$(rfo_stat "$RA" nr_epochs)
secs_ms=$(( $(now_ms) - t0 ))
tap_ok "epochs keep coming under the writer ($((e1 - e0)) in $secs_ms ms, >= 5 within 120 s)" test $((e1 - e0)) -ge 5
tap_is "$(rfo_state "$RA")" replicating "A replicating under the writer"
tap_is "$(on_b "rfo_state $RB")" replicating "B replicating under the writer"
tap_ok "B applied epochs ($(on_b "cat $RB/epoch") >= $((e1 - e0)) / 2)" \
	test "$(on_b "cat $RB/epoch")" -ge $(( (e1 - e0) / 2 ))
for c in stats/nr_pages stats/nr_bytes stats/nr_cow_pages stats/nr_writer_stall_ns last_cut_ns last_epoch_latency_us; do
	v=$(cat "$RA/$c" 2>/dev/null)
	tap_ok "A: $c > 0 ($v)" test "${v:-0}" -gt 0
done
tap_diag "under the writer: a: $(rfo_stats_line "$RA")"
tap_diag "under the writer: b: $(on_b "rfo_stats_line $RB")"
mean_epoch_ms=$(( secs_ms / (e1 - e0 > 0 ? e1 - e0 : 1) ))

# ---- the cut: stop A with the writer running ----
p0=$("$R" lastseq "$work/prog")
t_stop=$(now_ms)
rfo_cmd "$RA" stop
p1=$("$R" lastseq "$work/prog")
kill -KILL "$wpid"
wait "$wpid" 2>/dev/null
wpid=""
a_epoch=$(cat "$RA/epoch")
tap_ok "A stopped" rfo_wait_state "$RA" stopped 30
tap_ok "B: primary_lost" on_b "rfo_wait_state $RB primary_lost 10"
t_lost=$(now_ms)
out=$(on_b "t=\$(date +%s%N); rfo_cmd $RB promote && rfo_wait_state $RB promoted 10 && echo promote_ms \$(( (\$(date +%s%N) - t) / 1000000 ))")
tap_ok "B: promote: promoted" grep -q '^promote_ms' <<< "$out" || tap_diag "$out"
b_epoch=$(on_b "cat $RB/epoch")
tap_ok "B's epoch $b_epoch is A's last committed $a_epoch (or the next, its ack lost in the stop)" \
	all_of [ "$b_epoch" -ge "$a_epoch" ] -- [ "$b_epoch" -le $((a_epoch + 1)) ]
chk=$(on_b "$R check $B")
rc=$?
tap_is "$rc" 0 "B's image checks: $(head -n 1 <<< "$chk")" || tap_diag "$chk"
max=$(awk '/^records/ { print $6 }' <<< "$chk")
tap_ok "0 < max_seq ${max:-?} <= the writer's seq at the stop $p1" all_of [ "${max:-0}" -gt 0 ] -- [ "${max:-0}" -le "$p1" ]
rpo=$("$R" rpo "$work/log" "${max:-0}" "$p1")
rpo_ms=$(awk '{ print $4 }' <<< "$rpo")
tap_diag "RPO (stop of A with the writer at seq $p0..$p1): $rpo, about $(awk -v r="$rpo_ms" -v e="$mean_epoch_ms" 'BEGIN { printf "%.1f", e ? r / e : 0 }') epochs of $mean_epoch_ms ms; epochs: A committed $a_epoch, B applied $b_epoch"
tap_diag "RTO: detection $(on_b "rfo_gauge $RB last_detect_ms") ms (last_detect_ms; $((t_lost - t_stop)) ms from the stop to seeing primary_lost) + promotion $(on_b "rfo_gauge $RB last_promote_us") us (last_promote_us; $(sed -n 's/^promote_ms //p' <<< "$out") ms from the command to state promoted)"
tap_diag "after the cut: b: $(on_b "rfo_stats_line $RB")"

# ---- second run: quiet epochs, then B = A ----
tap_ok "B: stop, standby again, start: listening" \
	on_b "rfo_cmd $RB stop && rfo_wait_state $RB stopped 30 && echo standby > $RB/role && rfo_cmd $RB start && rfo_wait_state $RB listening 10"
# The eBPF tools (one host: A and B here), attached while no epoch is
# under way (A stopped, B listening): they count from here to when A's
# epochs stand still, as the stats and a tracefs instance do. (Called in
# this shell, not a subshell: it sets bpf_pids and MS_INST.)
bpf_tools_start() {
	local t end
	for t in mschedtop mschedlat mschedsnoop; do
		[ -x "$BPF/$t" ] || { echo "no $BPF/$t (make bpf)"; return 1; }
	done
	ms_trace_new rfo_bpf || return 1
	ms_trace_on rdma_failover/rfo_epoch_commit rdma_failover/rfo_epoch_apply || return 1
	echo 0 > "$MS_INST/tracing_on"
	"$BPF/mschedtop" -v -b 1 > "$work/top" 2> "$work/top.err" &
	bpf_pids=$!
	"$BPF/mschedlat" -v -P > "$work/lat" 2> "$work/lat.err" &
	bpf_pids="$bpf_pids $!"
	"$BPF/mschedsnoop" -v > "$work/snoop" 2> "$work/snoop.err" &
	bpf_pids="$bpf_pids $!"
	# (loading BPF under TCG takes minutes)
	end=$((SECONDS + 300))
	while [ $SECONDS -lt $end ]; do
		grep -q "tracing memsched" "$work/top" && grep -q "Tracing memsched" "$work/lat" &&
			grep -q "^TIME" "$work/snoop" && break
		sleep 0.5
	done
	grep -q "tracing memsched" "$work/top" && grep -q "Tracing memsched" "$work/lat" &&
		grep -q "^TIME" "$work/snoop" && return 0
	grep -hv "^libbpf: " "$work"/*.err | tail -n 20
	return 1
}
# bpf_snap: A's and B's nr_epochs and nr_pages
bpf_snap() {
	echo "$(rfo_stat "$RA" nr_epochs) $(rfo_stat "$RA" nr_pages) $(rfo_stat "$RB" nr_epochs) $(rfo_stat "$RB" nr_pages)"
}
bpf=0
if [ "$two" = 0 ]; then
	if bpf_tools_start > "$work/bpf.out" 2>&1; then
		bpf=1
		tap_is "$(grep -h "attaching with" "$work"/*.err | sed 's/^[a-z]*: //' | sort | uniq -c | tr -s ' ')" \
			" 3 attaching with tp_btf (memsched and rdma_failover have BTF)" \
			"the eBPF tools attach with tp_btf to memsched's and rdma_failover's tracepoints"
		bpf0=$(bpf_snap)
		echo > "$MS_INST/trace"
		echo 1 > "$MS_INST/tracing_on"
	else
		tap_fail "the eBPF tools attach" "$(cat "$work/bpf.out")"
		# shellcheck disable=SC2086
		[ -n "$bpf_pids" ] && { ms_stop_pids $bpf_pids; wait $bpf_pids; } 2>/dev/null
		bpf_pids=""
	fi
fi

rfo_cmd "$RA" start
tap_ok "A: start again: replicating" rfo_wait_state "$RA" replicating 120
rfo_writer_start "$A" "$work"
tap_is "$?" 0 "the writer starts again" || bail "writer"
wpid=$RFO_WRITER_PID
# two whole rounds over the old records, 3 s at least
sleep 3
end=$((SECONDS + 60))
while [ "$SECONDS" -lt "$end" ]; do
	[ "$("$R" lastseq "$work/prog")" -gt $((2 * NSLOTS)) ] && break
	sleep 0.1
done
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
if [ "$bpf" = 1 ]; then
	# B applied each epoch before A's commit: quiet too
	bpf1=$(bpf_snap)
	echo 0 > "$MS_INST/tracing_on"
	# shellcheck disable=SC2086
	ms_stop_pids $bpf_pids
	rcs=""
	for p in $bpf_pids; do wait "$p"; rcs="$rcs$?"; done
	bpf_pids=""
	read -ra s0 <<< "$bpf0"
	read -ra s1 <<< "$bpf1"
	dae=$((s1[0] - s0[0])) dap=$((s1[1] - s0[1])) dbe=$((s1[2] - s0[2])) dbp=$((s1[3] - s0[3]))
	tc=$(ms_trace_count "rfo_epoch_commit: a epoch=")
	ta=$(ms_trace_count "rfo_epoch_apply: b epoch=")
	tap_diag "eBPF tools: A: $dae epochs, $dap pages; B: $dbe epochs, $dbp pages; traced: $tc commits, $ta applies, $(ms_trace_overruns) lost"
	tap_diag "mschedtop: $(awk '/^REPLICA / { h = $0 } /^[ab] / { l = $0 } END { print h; print l }' "$work/top" | tr -s ' ' | tr '\n' ';')"
	# top_replica NAME SIDE: its epochs/pages summed over every interval
	top_replica() {
		awk -v n="$1" -v d="$2" '/^REPLICA / { s = 1; next } /^$/ { s = 0 }
			s && $1 == n && $2 == d { e += $4; p += $6 } END { print e + 0 "/" p + 0 }' "$work/top"
	}
	tap_is "$(top_replica a primary) $(top_replica b standby)" "$dae/$dap $dbe/$dbp" \
		"mschedtop: epochs/pages of a (primary) and b (standby) = stats/nr_epochs, nr_pages deltas ($dae/$dap, $dbe/$dbp)"
	# lat_total TITLE: the entries of the histogram whose title starts so
	lat_total() {
		awk -v t="$1" 'index($0, t) == 1 { s = 1; next } /^$/ { s = 0 }
			s && $2 == "->" { n += $5 } END { print n + 0 }' "$work/lat"
	}
	tap_ok "mschedlat: epoch commit latency (replica a) and apply latency (replica b) hold one entry per traced epoch ($(lat_total "epoch commit latency (replica a,")/$(lat_total "epoch apply latency (replica b,"); traced $tc/$ta; nr_epochs $dae/$dbe)" \
		all_of [ "$(lat_total "epoch commit latency (replica a,")/$(lat_total "epoch apply latency (replica b,")" = "$tc/$ta" ] -- \
		[ "$tc/$ta" = "$dae/$dbe" ] -- [ "$tc" -gt 0 ] -- [ "$(ms_trace_overruns)" = 0 ]
	sn=$(sed -n 's/^[0-9:]* *epoch_commit *- *replica=a //p' "$work/snoop")
	tr=$(sed -n 's/.* rfo_epoch_commit: a \(epoch=[0-9]* pages=[0-9]* batches=[0-9]*\) cut_ns=[0-9]* stall_max_ns=[0-9]* \(latency_us=[0-9]* full=[0-9]*\)$/\1 \2/p' "$MS_INST/trace")
	tap_diag "mschedsnoop: $(grep -m 2 ' epoch_commit ' "$work/snoop" | tr -s ' ' | tr '\n' ';')"
	tap_ok "mschedsnoop: its epoch_commit lines of replica a are the traced rfo_epoch_commit events, value for value ($(printf '%s\n' "$sn" | grep -c .) lines, $tc events)" \
		all_of [ -n "$sn" ] -- [ "$sn" = "$tr" ]
	tap_is "$rcs" 000 "the three tools exit 0 on SIGTERM"
	ms_trace_remove
elif [ "$two" = 0 ]; then
	for c in "mschedtop: epochs" "mschedlat: epoch histograms" "mschedsnoop: epoch_commit lines" "tools exit 0"; do
		tap_fail "$c (not run: the tools did not attach)"
	done
fi
if [ "$two" = 1 ]; then
	tap_is "$(on_b "$R sum $B")" "$("$R" sum "$A")" "B equals A (sum of every byte)"
else
	tap_ok "B equals A byte for byte" "$R" cmp "$A" "$B"
fi
chk=$(on_b "$R check $B")
max=$(awk '/^records/ { print $6 }' <<< "$chk")
tap_ok "B checks with max_seq $max = the writer's last ($last, or one less: progress is stored first)" \
	all_of grep -q '^records [0-9]* torn 0 ' <<< "$chk" -- [ "${max:-0}" -ge $((last - 1)) ] -- [ "${max:-0}" -le "$last" ]
if [ "$two" = 0 ]; then
	# ---- dirty tracking by folio: one store per 2 MiB in 4 ranges ----
	# (after the records check: the forged records are not the writer's)
	NR=4
	per=1
	[ "$HUGE" = always ] && per=512
	fst=$MS_ROOT/files/$(stat -c %i "$A")/stats/nr_dirty_huge_folios
	p0=$(rfo_stat "$RA" nr_pages) h0=$(cat "$fst") r0=$(rfo_stat "$RA" nr_dirty_huge_folios)
	e=$(rfo_stat "$RA" nr_epochs)
	for r in 1 3 5 7; do
		"$R" forge "$A" $((r * 2 * 1024 * 1024 / 8 + 17)) 1 || tap_diag "forge in range $r failed"
	done
	q=$(rfo_wait_quiet "$RA" 2 60)
	p1=$(rfo_stat "$RA" nr_pages) h1=$(cat "$fst") r1=$(rfo_stat "$RA" nr_dirty_huge_folios)
	tap_diag "4 stores in 4 ranges of 2 MiB: epochs $e -> $q, pages $p0 -> $p1, file nr_dirty_huge_folios $h0 -> $h1; a: $(rfo_stats_line "$RA")"
	tap_is "$((p1 - p0))" $((NR * per)) "4 stores in 4 distinct 2 MiB ranges ship $((NR * per)) pages (huge=$HUGE: $per per store)"
	hx=0
	[ "$HUGE" = always ] && hx=$NR
	tap_is "$((h1 - h0))" "$hx" "files/<ino>/stats/nr_dirty_huge_folios grows by $hx (huge=$HUGE)"
	tap_is "$((r1 - r0))" "$hx" "replicas/a/stats/nr_dirty_huge_folios grows by $hx too (huge=$HUGE)"
	tap_ok "B still equals A byte for byte" "$R" cmp "$A" "$B"
	tap_ok "replicas/a/stats/nr_dirty_huge_folios is $([ "$HUGE" = always ] && echo "> 0" || echo 0) over the run ($r1; file: $h1; huge=$HUGE)" \
		bash -c "if [ '$HUGE' = always ]; then [ '${r1:-0}' -gt 0 ]; else [ '${r1:-x}' = 0 ]; fi"
fi
np=$(rfo_stat "$RA" nr_pages) nb=$(rfo_stat "$RA" nr_bytes)
tap_is "$nb" $((np * 4096)) "A: nr_bytes = nr_pages x 4096 ($np pages)"
tap_diag "second run: a: $(rfo_stats_line "$RA")"
tap_diag "second run: b: $(on_b "rfo_stats_line $RB")"
rfo_cmd "$RA" stop
tap_ok "A stopped" rfo_wait_state "$RA" stopped 30
tap_ok "remove a: replicas/a gone" all_of ms_write a "$RFO_ROOT/remove" -- test ! -e "$RA"
if [ "$two" = 0 ]; then
	tap_ok "rmmod rdma_failover with b still there (state $(cat "$RB/state"))" all_of test -d "$RB" -- rmmod rdma_failover
	tap_ok "... and $RFO_ROOT is gone" test ! -e "$RFO_ROOT"
	tap_ok "A's size can change once untracked" truncate -s 16M "$A"
else
	tap_ok "B: stop and remove" on_b "rfo_cmd $RB stop; rfo_wait_state $RB stopped 30 && ms_write b $RFO_ROOT/remove && test ! -e $RB"
fi
tap_done
