#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Pull recovery (baseline + one-sided RDMA READ) against a primary whose
# VMM was killed, apart from push replication. This host is the source: a
# 32 MiB memschedfs file A, the records writer on it (the "VMM"), role
# source with its baseline image in the directory both lab hosts share
# (RFO_SHARED, lab-run --shared). The peer host is the recovery host: a new
# file B of the same size, role recovery, command pull (through peer_run).
#  - the writer rewrites A many times over, then is paused (SIGSTOP): the
#    source's start writes the baseline (every page counted); epochs merge
#    into the dirty bitmap;
#  - a pull while the paused writer still maps A is refused (IN_USE, a log
#    line);
#  - the writer runs in short bursts until a quarter of the file, not all,
#    is written since, then SIGKILL (the VMM dies); pull: recovered;
#    B equals A (the sum of every byte), the records checker says 0 torn
#    and max_seq the writer's last; 1024 < pages pulled < file pages
#    (several windows; the rest came from the baseline); both sides count
#    the same pages; the pull time as a diag line;
#  - bad cases: a recovery file of another size (EINVAL, a log line,
#    counted), a missing baseline (ENOENT), an address with no source
#    (ECONNREFUSED within 60 s, state stopped again), start on a recovery
#    replica and pull on a source (EINVAL).
# RFO_TWO_HOSTS=0: both files on this host over the veth pair va/vb (for
# development; the shared directory is then a local one).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/memsched.sh"
. "$(dirname "$0")/../lib/rdma.sh"

two=${RFO_TWO_HOSTS:-1}
rfo_require
[ "$two" = 1 ] && rfo_require_peer
tap_plan 34

MB=32
NPAGES=$((MB * 256))
NSLOTS=$((MB * 1024 * 1024 / 8))
R=$RFO_RECORDS
work=$(mktemp -d)
wpid=""
if [ "$two" = 1 ]; then
	SH=$RFO_SHARED
else
	SH=$work/shared
	mkdir -p "$SH"
fi
BASE=$SH/pull-a.base.$$
on_b() {
	if [ "$two" = 1 ]; then
		peer_run "$1"
	else
		bash -c "cd '$TAP_REPO' && . selftests/lib/tap.sh && . selftests/lib/memsched.sh && . selftests/lib/rdma.sh && $1"
	fi
}
cleanup() {
	[ -n "$wpid" ] && kill -KILL "$wpid" 2>/dev/null
	wait 2>/dev/null
	PEER_TIMEOUT=60 on_b "rfo_remove pb; rfo_remove pc; rm -f $RFO_MNT/pb $RFO_MNT/pc" > /dev/null 2>&1
	rfo_remove pa
	rm -f "$BASE"
	if [ "$two" = 0 ]; then
		rfo_unload
		rfo_umount
		rfo_veth_down
	fi
	rm -rf "$work"
}
trap cleanup EXIT
bail() { tap_diag "cannot go on: $*"; exit 1; }
# has WORDS TEXT: TEXT contains WORDS
has() { grep -q -- "$1" <<< "$2"; }
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

tap_ok "load rdma_rxe, memsched, rdma_failover" rfo_load || bail "modules"
if [ "$two" = 1 ]; then
	tap_ok "rxe0 on the peer link ($(rfo_peer_dev))" rfo_rxe_add rxe0 "$(rfo_peer_dev)" || bail "rxe"
	SRC_IP=$RFO_A_IP
else
	tap_ok "veth pair va/vb with rxe_va and rxe_vb" rfo_veth_up || bail "veth/rxe"
	SRC_IP=$RFO_VB_IP
fi
tap_ok "the shared directory $SH is writable here" all_of test -d "$SH" -- touch "$BASE"
tap_ok "mount memschedfs at $RFO_MNT" rfo_mount || bail "memschedfs"
A=$(rfo_file pa "$MB") || bail "file pa"
B=$(on_b "rfo_file pb $MB") || bail "file pb: $B"
C=$(on_b "rfo_file pc 16") || bail "file pc: $C"
RA=$RFO_ROOT/replicas/pa RB=$RFO_ROOT/replicas/pb RC=$RFO_ROOT/replicas/pc
SRC=$SRC_IP:$RFO_PORT

# ---- the source: the baseline of the paused VMM ----
# The writer rewrites the whole file in about 0.1 s under TCG: it is
# paused (SIGSTOP: it still maps A) for the baseline, and let run for a
# moment afterwards, so that some pages, not all, are written since.
rfo_writer_start "$A" "$work"
tap_is "$?" 0 "the records writer starts on A" || bail "writer"
wpid=$RFO_WRITER_PID
sleep 2
kill -STOP "$wpid"
tap_ok "add A, role source, baseline $BASE" \
	all_of rfo_add "$A" -- rfo_setup "$RA" source "$SRC" 10 -- ms_write "$BASE" "$RA/baseline"
tap_is "$(cat "$RA/role") $(cat "$RA/baseline")" "source $BASE" "role and baseline read back"
t0=$(now_ms)
rfo_cmd "$RA" start
tap_ok "A: start: listening (baseline written)" rfo_wait_state "$RA" listening 120 || bail "source"
s0=$("$R" lastseq "$work/prog")
tap_diag "baseline of $MB MiB written in $(( $(rfo_gauge "$RA" last_baseline_ns) / 1000000 )) ms ($(( $(now_ms) - t0 )) ms for start); writer at seq $s0"
tap_is "$(rfo_stat "$RA" nr_baseline_pages)" "$NPAGES" "A: stats/nr_baseline_pages is the file's $NPAGES pages"
tap_is "$(stat -c %s "$BASE")" $((MB * 1024 * 1024)) "the baseline image has the file's size"

B_SETUP="rfo_add $B > /dev/null && rfo_setup $RB recovery $SRC 10 && ms_write $BASE $RB/baseline"
tap_ok "B (peer): add, role recovery, baseline" on_b "$B_SETUP"

# ---- a pull while the VMM still maps A: refused ----
ms_klog_mark
out=$(PEER_TIMEOUT=600 on_b "rfo_cmd $RB pull 2>&1; echo state=\$(rfo_state $RB) errors=\$(rfo_stat $RB nr_pull_errors)")
tap_ok "B: pull while the paused writer maps A: refused ($(tr '\n' ' ' <<< "$out"))" \
	all_of has "Connection refused" "$out" -- has "state=stopped errors=1" "$out"
tap_ok "... A's log says the file is still mapped writable" \
	bash -c "dmesg | awk -v m='$MS_KLOG_MARK' 'f; index(\$0, m) { f = 1 }' | grep -q 'still maps the file writable'"

# ---- writes since the baseline, then the VMM dies (SIGKILL) ----
# back-to-back SIGCONT and SIGSTOP let it write a little each time (0 to
# about 70000 records in the lab), until a quarter of the file (2048 pages,
# two windows of the pull) is written since the baseline; if it rewrote
# the whole file, a new baseline is taken and it goes on from there
target=$((NSLOTS / 4))
for try in $(seq 1 300); do
	kill -CONT "$wpid"
	[ "$try" -gt 100 ] && sleep 0.01
	kill -STOP "$wpid"
	last=$("$R" lastseq "$work/prog")
	[ $((last - s0)) -ge "$target" ] && [ $((last - s0)) -lt "$NSLOTS" ] && break
	if [ $((last - s0)) -ge "$NSLOTS" ]; then
		tap_diag "try $try: $((last - s0)) records since the baseline, the whole file: a new baseline"
		rfo_cmd "$RA" stop
		rfo_cmd "$RA" start
		rfo_wait_state "$RA" listening 120 > /dev/null
		s0=$("$R" lastseq "$work/prog")
	fi
done
kill -KILL "$wpid"
wait "$wpid" 2>/dev/null
wpid=""
last=$("$R" lastseq "$work/prog")
tap_ok "the writer wrote a quarter of the file since the baseline, not all ($((last - s0)) of $NSLOTS records, try $try)" \
	all_of [ $((last - s0)) -ge "$target" ] -- [ $((last - s0)) -lt "$NSLOTS" ]
sleep 1
d=$(rfo_gauge "$RA" dirty_pages)
tap_ok "A: dirty_pages $d, between 0 and $NPAGES" all_of [ "${d:-0}" -gt 0 ] -- [ "${d:-0}" -lt "$NPAGES" ]

# ---- the pull ----
out=$(PEER_TIMEOUT=900 on_b "t=\$(date +%s%N); rfo_cmd $RB pull && echo pull_ms \$(( (\$(date +%s%N) - t) / 1000000 )); echo state=\$(rfo_state $RB)")
tap_ok "B: pull: recovered" has "^state=recovered" "$out" || tap_diag "$out"
pull_ms=$(sed -n 's/^pull_ms //p' <<< "$out")
np=$(on_b "rfo_stat $RB nr_pull_pages")
nbp=$(on_b "rfo_stat $RB nr_baseline_pages")
tap_diag "pull time: ${pull_ms:-?} ms for the command (baseline fill $(( $(on_b "rfo_gauge $RB last_baseline_ns") / 1000000 )) ms + $np pages by RDMA READ; last_pull_ns $(on_b "rfo_gauge $RB last_pull_ns"))"
tap_ok "B: 1024 < pages pulled $np < $NPAGES (several windows; the rest from the baseline)" all_of [ "${np:-0}" -gt 1024 ] -- [ "${np:-0}" -lt "$NPAGES" ]
tap_is "$nbp" "$((2 * NPAGES))" "B: stats/nr_baseline_pages counts both fills ($NPAGES each)"
tap_is "$(on_b "rfo_stat $RB nr_pull_bytes")" $((np * 4096)) "B: nr_pull_bytes = nr_pull_pages x 4096"
tap_is "$(rfo_stat "$RA" nr_pull_pages) $(rfo_stat "$RA" nr_pulls)" "$np 1" "A served the same pages in one pull"
tap_is "$(rfo_gauge "$RA" dirty_pages)" "$np" "... the bitmap's count"
tap_is "$(on_b "$R sum $B")" "$("$R" sum "$A")" "B equals A (sum of every byte)"
chk=$(on_b "$R check $B")
max=$(awk '/^records/ { print $6 }' <<< "$chk")
tap_ok "B checks: $(head -n 1 <<< "$chk"); max_seq = the writer's last ($last, or one less)" \
	all_of has '^records [0-9]* torn 0 ' "$chk" -- [ "${max:-0}" -ge $((last - 1)) ] -- [ "${max:-0}" -le "$last" ]
tap_is "$(rfo_state "$RA")" listening "A listens again after the pull"
tap_diag "a: $(rfo_stats_line "$RA")"
tap_diag "b: $(on_b "rfo_stats_line $RB")"

# ---- bad cases ----
tap_fails_with "Invalid argument" "B: start on a recovery replica: EINVAL" on_b "rfo_cmd $RB stop && rfo_cmd $RB start"
tap_fails_with "Invalid argument" "A: pull on a source: EINVAL" rfo_cmd "$RA" pull
out=$(PEER_TIMEOUT=300 on_b "ms_klog_mark; rfo_add $C > /dev/null && rfo_setup $RC recovery $SRC 10 && ms_write $BASE $RC/baseline && rfo_cmd $RC pull; echo state=\$(rfo_state $RC) errors=\$(rfo_stat $RC nr_pull_errors); ms_klog | grep rdma_failover")
tap_ok "C (16 MiB) against the 32 MiB baseline: EINVAL, counted, stopped" \
	all_of has "Invalid argument" "$out" -- has "state=stopped errors=1" "$out"
tap_ok "... with a log line naming both sizes" has "has 33554432 bytes, the file 16777216" "$out" || tap_diag "$out"
out=$(on_b "ms_write $SH/no-such-baseline.$$ $RB/baseline && rfo_cmd $RB pull; echo state=\$(rfo_state $RB)")
tap_ok "B: a missing baseline: ENOENT, stopped" \
	all_of has "No such file or directory" "$out" -- has "state=stopped" "$out"
t0=$(now_ms)
out=$(PEER_TIMEOUT=300 on_b "ms_write $BASE $RB/baseline && ms_write $SRC_IP:$((RFO_PORT + 7)) $RB/peer && rfo_cmd $RB pull; echo state=\$(rfo_state $RB)")
dt=$(( $(now_ms) - t0 ))
tap_ok "B: pull from an address with no source: refused, stopped, in $dt ms (< 60 s with the baseline fill)" \
	all_of has "Connection refused" "$out" -- has "state=stopped" "$out" -- [ "$dt" -lt 60000 ]
tap_ok "B: stats/nr_pull_errors counts the three failures ($(on_b "rfo_stat $RB nr_pull_errors"))" \
	test "$(on_b "rfo_stat $RB nr_pull_errors")" = 3
tap_ok "A: stop: stopped" all_of rfo_cmd "$RA" stop -- rfo_wait_state "$RA" stopped 30
tap_ok "A's size can change once untracked" truncate -s 16M "$A"
tap_ok "remove pa; B: remove pb and pc" all_of ms_write pa "$RFO_ROOT/remove" -- on_b "ms_write pb $RFO_ROOT/remove && ms_write pc $RFO_ROOT/remove"
tap_done
