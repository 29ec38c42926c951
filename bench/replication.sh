#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark, run inside the lab by `make bench` (or alone:
#   flock /tmp/memsched-lab.lock tools/lab/lab-run --mem 2G --timeout 1200 \
#       --out build/lab/repl-bench -- 'make -s -C bench && bash bench/replication.sh'),
# not a test: absolute rates under TCG are noise, the ratios are the result.
# rdma_failover's push replication on ONE lab host, in one run on one
# soft-RoCE link: the veth pair va/vb with rxe_va and rxe_vb
# (selftests/lib/rdma.sh). Both ends of a connection to a local address use
# the rxe device that owns it (rdma_cm resolves a local destination to that
# device: drivers/infiniband/core/addr.c), so ib_write_bw and the replica go
# through the same rxe path.
#  (a) ib_write_bw (perftest, rdma_cm) at 4 KiB messages for SECS seconds:
#      MiB/s (perftest's MB/sec is 2^20 bytes per second);
#  (b) replication throughput: a MB MiB memschedfs file replicated to a
#      second file of the same size (primary and standby on this host):
#      the first, full epoch (every page; rdma_failover:rfo_epoch_commit's
#      latency_us, cut to commit acknowledgement), then SECS seconds of a
#      writer dirtying the whole file as fast as it can (bench/repl_dirty:
#      one store per page, cycling), from the primary's stats/nr_bytes;
#      the ratio to (a), goal >= 0.8;
#  (c) the epoch length reached with epoch_ms 10 at given dirty rates (10,
#      25 and 50% of (b)'s full epoch rate), SECS seconds each: seconds per
#      committed epoch; the epoch latency;
#  (d) the writer stall per epoch: the median of each epoch's longest
#      writer wait (stall_max_ns of rfo_epoch_commit, else samples of
#      last_writer_stall_max_ns), goal <= 1 ms; the writer's own
#      store times beside it;
#  (e) RTO: a planned failover (promote the standby while the writer runs:
#      last_promote_us and the wall time of the write), and a lost
#      primary (the primary stopped mid-run, the standby sees the CM
#      disconnect: last_detect_ms + last_promote_us). A primary that goes
#      silent is detected after timeout_ms (1 s by default) of heartbeat
#      silence: that needs two hosts (selftests/rdma_failover/
#      failover_poweroff.sh measures it).
# Prints "RESULT key=value ..." lines.
set -u
. selftests/lib/tap.sh
. selftests/lib/memsched.sh
. selftests/lib/rdma.sh
WRITER=$TAP_REPO/bench/build/repl_dirty
MB=${REPL_BENCH_MB:-128}
SECS=${REPL_BENCH_SECS:-10}
EPOCH_MS=10
BW_PORT=18600

[ -n "${EPOCHREALTIME:-}" ] || { echo "bench: needs bash >= 5 (EPOCHREALTIME)"; exit 4; }
[ "$(id -u)" = 0 ] || { echo "bench: needs root"; exit 4; }
[ -x "$WRITER" ] || { echo "bench: no $WRITER (make -C bench)"; exit 1; }
for t in ib_write_bw rdma ip; do
	command -v $t > /dev/null || { echo "bench: needs $t (perftest, iproute2; scripts/deps.sh)"; exit 4; }
done
[ -f "$KMOD_DIR/rdma_failover/rdma_failover.ko" ] ||
	{ echo "bench: no $KMOD_DIR/rdma_failover/rdma_failover.ko (make modules)"; exit 1; }

work=$(mktemp -d)
wpid="" bwpid="" P="" S=""
cleanup() {
	[ -n "$wpid" ] && { kill "$wpid"; wait "$wpid"; } 2>/dev/null
	[ -n "$bwpid" ] && { kill "$bwpid"; wait "$bwpid"; } 2>/dev/null
	[ -n "$P" ] && rfo_remove "$(basename "$P")"
	[ -n "$S" ] && rfo_remove "$(basename "$S")"
	ms_trace_remove
	rm -f "$P" "$S"
	rfo_umount
	rfo_veth_down
	rfo_unload
	rm -rf "$work"
}
trap cleanup EXIT

rfo_load || { echo "bench: cannot load rdma_rxe, memsched and rdma_failover"; exit 1; }
rfo_veth_up || { echo "bench: no rxe pair on a veth pair"; exit 1; }
rfo_mount || { echo "bench: cannot mount memschedfs at $RFO_MNT"; exit 1; }

# ---- helpers ----
median() { sort -n | awk '{ a[NR] = $1 } END { print NR ? a[int((NR + 1) / 2)] : "" }'; }
# pct P: the P-th percentile (nearest rank) of numbers on stdin
pct() { sort -n | awk -v p="$1" '{ a[NR] = $1 } END { if (!NR) print ""; else { i = int(NR * p / 100 + 0.999999); if (i < 1) i = 1; print a[i] } }'; }
# calc EXPR: awk arithmetic, 3 decimals
calc() { awk "BEGIN { v = $1; printf \"%.3f\", v }"; }
# rd FILE: a sysfs value, no fork
rd() { local v; read -r v < "$1" && echo "$v"; }
# now_us: the time in microseconds, no fork
now_us() { echo "${EPOCHREALTIME/./}"; }

# wait_state DIR STATE SECS: like rfo_wait_state, polling every 10 ms
wait_state() {
	local end=$((SECONDS + $3)) s
	while [ "$SECONDS" -le "$end" ]; do
		read -r s < "$1/state"
		[ "$s" = "$2" ] && return 0
		sleep 0.01
	done
	echo "bench: $1/state is '$(cat "$1/state")' after $3 s, wanted $2; $(rfo_stats_line "$1")"
	return 1
}

# Per-epoch samples: the rdma_failover:rfo_epoch_commit tracepoint in a
# private instance; without it, sysfs sampled at each new epoch.
TRACE=0
if ms_trace_new repl_bench 2>/dev/null && [ -d "$MS_INST/events/rdma_failover/rfo_epoch_commit" ] &&
   ms_trace_on rdma_failover/rfo_epoch_commit; then
	TRACE=1
else
	echo "# bench: no rdma_failover:rfo_epoch_commit tracepoint: per-epoch values sampled from sysfs"
fi

# epochs_clear / epochs_read NAME: per-epoch lines "epoch pages stall_max_ns latency_us full"
SAMPLES=$work/samples
epochs_clear() {
	: > "$SAMPLES"
	[ "$TRACE" = 1 ] && echo > "$MS_INST/trace"
	return 0
}
epochs_read() {
	if [ "$TRACE" = 1 ]; then
		awk -v n="$1" '/rfo_epoch_commit:/ && $0 ~ (" " n " epoch=") {
			for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
			print f["epoch"], f["pages"], f["stall_max_ns"], f["latency_us"], f["full"]
		}' "$MS_INST/trace"
	else
		cat "$SAMPLES"
	fi
}
# sample_until DIR T_US: without the tracepoint, sysfs at each new epoch
# until time T_US (microseconds)
sample_until() {
	local d=$1 e last stall lat
	read -r last < "$d/stats/nr_epochs"
	while [ "${EPOCHREALTIME/./}" -lt "$2" ]; do
		read -r e < "$d/stats/nr_epochs"
		if [ "$e" != "$last" ]; then
			read -r stall < "$d/last_writer_stall_max_ns"
			read -r lat < "$d/last_epoch_latency_us"
			echo "$e 0 $stall $lat 0" >> "$SAMPLES"
			last=$e
		fi
		sleep 0.002
	done
}
# wait_until DIR T_US: sleep until time T_US (sampling DIR's epochs when
# there is no tracepoint)
wait_until() {
	local left
	if [ "$TRACE" = 1 ]; then
		left=$(($2 - $(now_us)))
		[ "$left" -gt 0 ] && sleep "$((left / 1000000)).$(printf '%06d' $((left % 1000000)))"
		return 0
	fi
	sample_until "$1" "$2"
}

# snap DIR: "time bytes epochs stall_ns cow_pages"
snap() {
	echo "$EPOCHREALTIME $(rd "$1/stats/nr_bytes") $(rd "$1/stats/nr_epochs") $(rd "$1/stats/nr_writer_stall_ns") $(rd "$1/stats/nr_cow_pages")"
}

# writer_start RATE SECS: bench/repl_dirty on the primary's file
writer_start() {
	"$WRITER" "$P" "$1" "$2" > "$work/writer.out" 2>&1 &
	wpid=$!
	for _ in $(seq 300); do
		grep -q '^ready' "$work/writer.out" && return 0
		kill -0 "$wpid" 2>/dev/null || break
		sleep 0.1
	done
	echo "bench: the writer did not start: $(cat "$work/writer.out")"
	exit 1
}
writer_stop() {
	kill "$wpid" 2>/dev/null
	wait "$wpid"
	wpid=""
	grep '^pages=' "$work/writer.out"
}
# field LINE KEY: the value of KEY=value in LINE
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# phase NAME RATE: the writer at RATE pages/s (0: flat out) for SECS s
# after 2 s of warm-up; sets the PH_* values from the primary's stats/ and
# the per-epoch samples
phase() {
	local ta ba ea sa ca tb bb eb sb cb ep=$work/epochs.$1
	writer_start "$2" 0
	sleep 2
	epochs_clear
	read -r ta ba ea sa ca <<< "$(snap "$pd")"
	wait_until "$pd" "$(( ${ta/./} + SECS * 1000000 ))"
	read -r tb bb eb sb cb <<< "$(snap "$pd")"
	PH_WRITER=$(writer_stop)
	epochs_read "$(basename "$P")" > "$ep"
	PH_REPL_MIB_S=$(calc "($bb - $ba) / 1048576 / ($tb - $ta)")
	PH_EPOCHS=$((eb - ea))
	PH_EPOCH_MS=none PH_STALL_MEAN_US=none PH_COW_PER_EPOCH=none
	if [ "$PH_EPOCHS" -gt 0 ]; then
		PH_EPOCH_MS=$(calc "($tb - $ta) * 1000 / $PH_EPOCHS")
		PH_STALL_MEAN_US=$(calc "($sb - $sa) / 1000 / $PH_EPOCHS")
		PH_COW_PER_EPOCH=$(calc "($cb - $ca) / $PH_EPOCHS")
	fi
	PH_PAGES_PER_EPOCH=$(awk '{ print $2 }' "$ep" | median)
	PH_STALL_P50_US=$(awk '{ print $3 / 1000 }' "$ep" | median)
	PH_STALL_P90_US=$(awk '{ print $3 / 1000 }' "$ep" | pct 90)
	PH_STALL_MAX_US=$(awk '{ print $3 / 1000 }' "$ep" | pct 100)
	PH_LAT_P50_MS=$(awk '{ print $4 / 1000 }' "$ep" | median)
	PH_SAMPLES=$(wc -l < "$ep")
	PH_DIRTY_MIB_S=$(calc "${PH_WRITER:+$(field "$PH_WRITER" pages_per_s)}0 / 256")
	[ -n "$PH_WRITER" ] || PH_DIRTY_MIB_S=none
	# the shipping rate of the phase's epochs: their pages over their latencies
	# (a window of SECS holds few epochs when each takes seconds)
	PH_SHIP_MIB_S=$(awk '{ p += $2; l += $4 } END { if (l > 0) printf "%.3f", p * 4096 / 1048576 / (l / 1e6); else print "none" }' "$ep")
	PH_STORE_P99_US=$(field "$PH_WRITER" store_p99_us)
	PH_STORE_MAX_US=$(field "$PH_WRITER" store_max_us)
	echo "# $1: writer $PH_WRITER; primary $(rfo_stats_line "$pd")"
}

# ---- (a) ib_write_bw at 4 KiB, rdma_cm, to vb's address ----
ib_write_bw -R -s 4096 -D "$SECS" -F -p "$BW_PORT" > "$work/bw-server.txt" 2>&1 &
bwpid=$!
sleep 3
timeout $((SECS + 120)) ib_write_bw -R -s 4096 -D "$SECS" -F -p "$BW_PORT" "$RFO_VB_IP" \
	> "$work/bw-client.txt" 2>&1
bw_rc=$?
for _ in $(seq 100); do kill -0 "$bwpid" 2>/dev/null || break; sleep 0.1; done
kill "$bwpid" 2>/dev/null
wait "$bwpid" 2>/dev/null
bwpid=""
# the result line: #bytes #iterations BW_peak BW_average MsgRate
BW=$(awk '$1 == 4096 && NF >= 5 { v = $4 } END { print v }' "$work/bw-client.txt")
if [ "$bw_rc" != 0 ] || [ -z "$BW" ]; then
	echo "# bench: ib_write_bw failed (exit $bw_rc): $(tail -n 5 "$work/bw-client.txt" | tr '\n' ' ') server: $(tail -n 3 "$work/bw-server.txt" | tr '\n' ' ')"
	BW=""
fi
echo "RESULT repl_ib_write_bw msg_bytes=4096 secs=$SECS mib_s=${BW:-none}"

# ---- (b) the replica: primary and standby files on this host ----
if ! { P=$(rfo_file repl_bench_p.ram "$MB") && S=$(rfo_file repl_bench_s.ram "$MB"); }; then
	echo "bench: cannot create the memschedfs files"
	exit 1
fi
# the primary's pages allocated, as a guest's RAM would be: one pass
"$WRITER" "$P" 0 once > /dev/null || { echo "bench: the writer's first pass failed"; exit 1; }
if ! { pd=$(rfo_add "$P") && sd=$(rfo_add "$S"); }; then
	echo "bench: cannot add the replicas"
	exit 1
fi
peer=$RFO_VB_IP:$RFO_PORT
if ! { rfo_setup "$sd" standby "$peer" "$EPOCH_MS" && rfo_setup "$pd" primary "$peer" "$EPOCH_MS"; }; then
	echo "bench: cannot set role, peer and epoch_ms"
	exit 1
fi
rfo_cmd "$sd" start && wait_state "$sd" listening 30 || exit 1
epochs_clear
t0=$EPOCHREALTIME
rfo_cmd "$pd" start || exit 1
wait_state "$pd" replicating 900 || exit 1
t1=$EPOCHREALTIME
sync_bytes=$(rd "$pd/stats/nr_bytes")
# the full epoch's own latency (cut to commit), else the wall time from start
full=$(epochs_read "$(basename "$P")" | awk '$5 == 1 { print $2, $4 }' | head -n 1)
if [ -n "$full" ]; then
	read -r fpages flat <<< "$full"
	SYNC_MIB_S=$(calc "$fpages * 4096 / 1048576 / ($flat / 1000000)")
	sync_how="full epoch $fpages pages in $(calc "$flat / 1000") ms (rfo_epoch_commit latency_us)"
else
	SYNC_MIB_S=$(calc "$sync_bytes / 1048576 / ($t1 - $t0)")
	sync_how="$sync_bytes bytes from start to replicating in $(calc "($t1 - $t0) * 1000") ms"
fi
echo "# full sync: $sync_how; primary $(rfo_stats_line "$pd")"
ratio() { [ -n "$BW" ] && calc "$1 / $BW" || echo none; }
SYNC_RATIO=$(ratio "$SYNC_MIB_S")
echo "RESULT repl_sync mib=$MB mib_s=$SYNC_MIB_S ratio_to_ib_write_bw=$SYNC_RATIO"

phase full 0
FULL_RATIO=$(ratio "$PH_REPL_MIB_S")
echo "RESULT repl_full_rate secs=$SECS dirty_mib_s=$PH_DIRTY_MIB_S repl_mib_s=$PH_REPL_MIB_S ratio_to_ib_write_bw=$FULL_RATIO ship_mib_s=$PH_SHIP_MIB_S epochs=$PH_EPOCHS epoch_ms=$PH_EPOCH_MS pages_per_epoch_p50=$PH_PAGES_PER_EPOCH latency_ms_p50=$PH_LAT_P50_MS cow_pages_per_epoch=$PH_COW_PER_EPOCH"
echo "RESULT repl_stall_full_rate samples=$PH_SAMPLES stall_us_p50=$PH_STALL_P50_US stall_us_p90=$PH_STALL_P90_US stall_us_max=$PH_STALL_MAX_US stall_us_mean_per_epoch=$PH_STALL_MEAN_US writer_store_us_p99=$PH_STORE_P99_US writer_store_us_max=$PH_STORE_MAX_US"
STALL_P50_FULL=$PH_STALL_P50_US
# a median of a handful of epochs says nothing: judged from 10 on
[ "$PH_SAMPLES" -ge 10 ] || STALL_P50_FULL=none

# ---- (c, d) epoch length and writer stall at given dirty rates ----
# rates: 10, 25 and 50% of the full epoch's rate, in pages per second
for p in 10 25 50; do
	# (parenthesised: "print r > 0 ? ..." would redirect to a file)
	rate=$(awk -v m="$SYNC_MIB_S" -v p="$p" 'BEGIN { r = int(m * 256 * p / 100); print (r > 0 ? r : 1) }')
	phase "rate$p" "$rate"
	echo "RESULT repl_epoch pct_of_sync=$p dirty_mib_s=$PH_DIRTY_MIB_S epoch_ms_knob=$EPOCH_MS epoch_ms=$PH_EPOCH_MS latency_ms_p50=$PH_LAT_P50_MS pages_per_epoch_p50=$PH_PAGES_PER_EPOCH repl_mib_s=$PH_REPL_MIB_S stall_us_p50=$PH_STALL_P50_US stall_us_p90=$PH_STALL_P90_US stall_us_max=$PH_STALL_MAX_US stall_us_mean_per_epoch=$PH_STALL_MEAN_US cow_pages_per_epoch=$PH_COW_PER_EPOCH writer_store_us_p99=$PH_STORE_P99_US samples=$PH_SAMPLES"
done

# ---- (e) RTO ----
# planned: promote the standby while the writer runs at 25%
rate=$(awk -v m="$SYNC_MIB_S" 'BEGIN { r = int(m * 256 / 4); print (r > 0 ? r : 1) }')
writer_start "$rate" 0
sleep 3
rb0=$(rd "$sd/stats/nr_rollbacks")
# the write in this shell (no fork): its wall time is the command's
p0=$EPOCHREALTIME
echo promote > "$sd/command" || { echo "bench: promote refused: $(rfo_stats_line "$sd")"; exit 1; }
p1=$EPOCHREALTIME
wait_state "$sd" promoted 10 || exit 1
writer_stop > /dev/null
PLANNED_US=$(rd "$sd/last_promote_us")
PLANNED_WALL_MS=$(calc "($p1 - $p0) * 1000")
PLANNED_ROLLBACKS=$(( $(rd "$sd/stats/nr_rollbacks") - rb0 ))
PLANNED_EPOCH=$(rd "$sd/epoch")
echo "# planned failover: standby $(rfo_stats_line "$sd"); primary $(rfo_stats_line "$pd")"

# lost primary: both sides again, then the primary stopped mid-run
rfo_cmd "$pd" stop && rfo_cmd "$sd" stop && wait_state "$sd" stopped 30 && wait_state "$pd" stopped 30 || exit 1
rfo_cmd "$sd" start && wait_state "$sd" listening 30 || exit 1
rfo_cmd "$pd" start && wait_state "$pd" replicating 900 || exit 1
writer_start "$rate" 0
sleep 3
rfo_cmd "$pd" stop || exit 1
wait_state "$sd" primary_lost 30 || exit 1
l0=$EPOCHREALTIME
echo promote > "$sd/command" || { echo "bench: promote refused: $(rfo_stats_line "$sd")"; exit 1; }
l1=$EPOCHREALTIME
writer_stop > /dev/null
LOST_DETECT_MS=$(rd "$sd/last_detect_ms")
LOST_US=$(rd "$sd/last_promote_us")
LOST_WALL_MS=$(calc "($l1 - $l0) * 1000")
echo "# lost primary: standby $(rfo_stats_line "$sd")"
echo "RESULT repl_rto planned_promote_us=$PLANNED_US planned_promote_wall_ms=$PLANNED_WALL_MS planned_rollbacks=$PLANNED_ROLLBACKS planned_epoch=$PLANNED_EPOCH lost_detect_ms=$LOST_DETECT_MS lost_promote_us=$LOST_US lost_promote_wall_ms=$LOST_WALL_MS lost_rto_ms=$(calc "$LOST_DETECT_MS + $LOST_US / 1000") timeout_ms=$(rd "$sd/timeout_ms")"

# memschedctl on the live tree, when it is built (make tools)
if [ -x "$TAP_REPO/tools/build/memschedctl" ]; then
	"$TAP_REPO/tools/build/memschedctl" repl | sed 's/^/# /'
	"$TAP_REPO/tools/build/memschedctl" export -o - | grep '^memsched_replica_\(bytes_total\|epochs_total\|state\|last_\)' | sed 's/^/# /'
fi

goal() { awk -v v="$1" -v g="$2" -v op="$3" 'BEGIN { if (v == "" || v == "none") print "unknown"; else if (op == ">=" ? v >= g : v <= g) print "met"; else print "missed" }'; }
# the throughput goal both ways: the writer flat out (what a guest can
# make it ship; bounded by how fast the writer dirties) and the full epoch
# (what the replication can ship)
echo "RESULT repl_goals writer_ratio=$FULL_RATIO writer_goal_0.8x=$(goal "$FULL_RATIO" 0.8 ">=") full_epoch_ratio=$SYNC_RATIO full_epoch_goal_0.8x=$(goal "$SYNC_RATIO" 0.8 ">=") stall_us_p50_full_rate=$STALL_P50_FULL stall_goal_1ms=$(goal "$STALL_P50_FULL" 1000 "<=")"
