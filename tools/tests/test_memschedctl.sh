#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# memschedctl against a fake sysfs tree (MEMSCHED_SYSFS) in a temp dir:
# checks the values the tool prints and the files it writes. Runs anywhere,
# no module or root needed; output is TAP, exit status 1 if a check failed.
#
# With a fake tree every write succeeds, so the errno -> message mapping of
# attach/detach/set (EINVAL, ESRCH, EEXIST, ENOENT) cannot be simulated here:
# it is exercised against the real module in the lab. This test covers the
# success paths, the files written, usage errors and read-side errors.
. "$(dirname "$0")/../../selftests/lib/tap.sh"

TOOLS=$TAP_REPO/tools
CTL=${MEMSCHEDCTL:-$TOOLS/build/memschedctl}	# e.g. a sanitizer build

tap_plan 108

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ROOT=$work/memsched
export MEMSCHED_SYSFS=$ROOT

# fake_vm PID GUEST SAMPLED WSS KNEE "ACTIVE RIDLE IDLE NEVER" INTERVAL_MS
# Modes as the module sets them: knobs 0600, values and tables 0400,
# actions 0200 (memschedctl tells knobs from the rest by the mode).
fake_vm() {
	local d=$ROOT/vms/$1 c
	mkdir -p "$d/classes" "$d/stats"
	echo "$1" > "$d/pid"
	echo "$2" > "$d/guest_pages"
	echo "$3" > "$d/sampled_pages"
	echo "$4" > "$d/wss_pages"
	echo "$5" > "$d/mrc_knee_pages"
	echo 16 > "$d/sample_period_effective"
	echo 0 > "$d/last_scan_ns"
	set -- $6 "$7"
	for c in active recently_idle idle never_touched; do
		echo "$1" > "$d/classes/$c"
		shift
	done
	chmod 0400 "$d"/* "$d"/classes/*
	echo 16 > "$d/sample_period"
	echo 0 > "$d/sample_seed"
	echo "$1" > "$d/scan_interval_ms"
	echo 100 > "$d/cpu_quota_ms"
	echo 0 > "$d/untrace_scans"
	echo 2 > "$d/active_scans"
	echo 30 > "$d/idle_scans"
	echo 5 > "$d/wss_scans"
	echo 0 > "$d/mrc_decay_scans"
	chmod 0600 "$d"/sample_period "$d"/sample_seed "$d"/scan_interval_ms \
		"$d"/cpu_quota_ms "$d"/untrace_scans "$d"/active_scans \
		"$d"/idle_scans "$d"/wss_scans "$d"/mrc_decay_scans
	: > "$d/reset"
	chmod 0200 "$d/reset"
	for c in nr_scans nr_truncated_scans nr_pages_scanned nr_young_pages \
		 nr_scan_ns nr_rebuilds nr_invalidations nr_knob_conflicts; do
		echo 0 > "$d/stats/$c"
	done
	chmod 0400 "$d"/stats/*
}

# fake_mrc PID GUEST STEP: 256 buckets like the module; the miss ratio falls
# slowly from 100% and drops to 1.5% (cold misses) at the first bucket
# boundary >= STEP pages, as for a loop over STEP pages.
fake_mrc() {
	awk -v guest="$2" -v step="$3" 'BEGIN {
		bp = int((guest + 255) / 256)
		for (b = 0; b <= 256; b++) {
			p = b * bp
			print p, (p < step ? 1000000 - b * 2000 : 15000)
		}
	}' > "$ROOT/vms/$1/mrc"
}

mkdir -p "$ROOT/vms" "$ROOT/files" "$ROOT/balloon/stats"
ms_abi MEMSCHED_ABI_VERSION > "$ROOT/version"
: > "$ROOT/attach"
: > "$ROOT/detach"

# VM 4242: 512 MiB guest, a loop over 25000 pages. Classes add up to 131072.
fake_vm 4242 131072 8192 25000 25088 "20000 5000 6072 100000" 1000
fake_mrc 4242 131072 25000
d=$ROOT/vms/4242
printf '0 12100\n1 7900\n2 5000\n32 4072\n64 2000\nnever 100000\n' > "$d/age_histogram"
s=$d/stats
echo 120 > "$s/nr_scans"
echo 3 > "$s/nr_truncated_scans"
echo 983040 > "$s/nr_pages_scanned"
echo 24000 > "$s/nr_young_pages"
echo 83886080 > "$s/nr_scan_ns"
echo 700000 > "$d/last_scan_ns"
echo 1 > "$s/nr_rebuilds"
echo 42 > "$s/nr_invalidations"

# VM 5151: 1 GiB guest scanned every 500 ms; listed after 4242.
fake_vm 5151 262144 16384 65536 66560 "60000 5536 100000 96608" 500
fake_mrc 5151 262144 65536
printf '0 40000\n1 20000\n2 5536\n64 100000\nnever 96608\n' > "$ROOT/vms/5151/age_histogram"
chmod 0400 "$ROOT"/vms/*/mrc "$ROOT"/vms/*/age_histogram

# run ARGS...: runs memschedctl; sets OUT, ERR and RC.
run() {
	OUT=$("$CTL" "$@" 2> "$work/stderr")
	RC=$?
	ERR=$(cat "$work/stderr")
}

# squeeze TEXT: runs of blanks become one space (table rows compare easily).
squeeze() { printf '%s\n' "$1" | tr -s ' \t' ' ' | sed 's/^ //; s/ $//'; }

is_rc() { tap_is "$RC" "$1" "$2"; }

# has TEXT WANT NAME: TEXT contains the line fragment WANT (blanks squeezed).
has() {
	if squeeze "$1" | grep -qF -- "$(squeeze "$2")"; then
		tap_pass "$3"
	else
		tap_fail "$3" "want '$2' in:" "$1"
	fi
}

# line N TEXT: the Nth line of TEXT, blanks squeezed.
line() { squeeze "$2" | sed -n "${1}p"; }

# build
if make -s -C "$TOOLS" build/memschedctl > "$work/make.log" 2>&1; then
	tap_pass "make -C tools build/memschedctl"
else
	tap_fail "make -C tools build/memschedctl" "$(cat "$work/make.log")"
	tap_done
fi

# usage
run -h
is_rc 0 "-h exits 0"
has "$OUT" "status PID" "-h lists the commands"
run
is_rc 2 "no command: exit 2"
run frobnicate
is_rc 2 "unknown command: exit 2"
has "$ERR" "unknown command 'frobnicate'" "unknown command is named"
run status
is_rc 2 "status without PID: exit 2"
run status abc
is_rc 2 "status with a non-numeric PID: exit 2"
run status 4242 5151
is_rc 2 "status with two PIDs: exit 2"
run mrc 4242 --bogus
is_rc 2 "unknown option: exit 2"
run mrc -h
is_rc 0 "mrc -h exits 0"
has "$OUT" "--width N" "mrc -h documents --width"

# status
run status 4242
is_rc 0 "status 4242 exits 0"
has "$OUT" "guest memory: 512.0 MiB (131072 pages)" "status: guest memory"
has "$OUT" "sampled pages: 8192 (sample period 16" "status: sampled pages and period"
has "$OUT" "working set: 97.7 MiB (19.1% of guest; accessed in the last 5 scans = 5 s)" \
	"status: working set MiB and % of guest"
has "$OUT" "MRC knee: 98.0 MiB (19.1% of guest)" "status: MRC knee"
has "$OUT" "active 78.1 MiB 15.3% accessed < 2 s ago" "status: active class"
has "$OUT" "recently idle 19.5 MiB 3.8% accessed 2 - 30 s ago" "status: recently idle class"
has "$OUT" "idle 23.7 MiB 4.6% accessed >= 30 s ago" "status: idle class"
has "$OUT" "never touched 390.6 MiB 76.3%" "status: never touched class"
has "$OUT" "age histogram (time since last access; scan interval 1 s):" "status: histogram header"
has "$OUT" "0 - 1 s 47.3 MiB 9.2%" "status: age bucket 0 in seconds"
has "$OUT" "1 - 2 s 30.9 MiB 6.0%" "status: age bucket 1 in seconds"
has "$OUT" "32 - 64 s 15.9 MiB 3.1%" "status: age bucket 32 in seconds"
has "$OUT" "never accessed 390.6 MiB 76.3%" "status: never-accessed bucket"
has "$OUT" "scans 120 (3 truncated by the 100 ms CPU quota)" "status: scans and truncated scans"
has "$OUT" "pages scanned 983040 (avg 85.3 ns per page)" "status: avg ns per scanned page"
has "$OUT" "last scan 0.700 ms" "status: last scan"
has "$OUT" "invalidations 42" "status: invalidations"
run status 5151
has "$OUT" "0 - 0.5 s 156.2 MiB 15.3%" "status: ages use scan_interval_ms (500 ms): bucket 0"
has "$OUT" "0.5 - 1 s 78.1 MiB 7.6%" "status: ages use scan_interval_ms (500 ms): bucket 1"
has "$OUT" "no scan has completed yet" "status: notes a VM never scanned"
run status 9999
is_rc 1 "status of an unattached pid: exit 1"
has "$ERR" "pid 9999 is not attached" "status of an unattached pid: message"

# list
run list
is_rc 0 "list exits 0"
tap_is "$(line 1 "$OUT")" "PID GUEST_MiB WSS_MiB KNEE_MiB ACTIVE_MiB RIDLE_MiB IDLE_MiB NEVER_MiB" \
	"list: header"
tap_is "$(line 2 "$OUT")" "4242 512.0 97.7 98.0 78.1 19.5 23.7 390.6" "list: VM 4242"
tap_is "$(line 3 "$OUT")" "5151 1024.0 256.0 260.0 234.4 21.6 390.6 377.4" "list: VM 5151"
tap_is "$(printf '%s\n' "$OUT" | wc -l)" 3 "list: one line per VM"
run -r "$ROOT" list
is_rc 0 "-r ROOT works"
MEMSCHED_SYSFS=$work/none run list
is_rc 1 "missing sysfs root: exit 1"
has "$ERR" "is memsched.ko loaded?" "missing sysfs root: message"
MEMSCHED_SYSFS=$work/none run -r "$ROOT" list
is_rc 0 "-r overrides MEMSCHED_SYSFS"

# mrc --csv
run mrc 4242 --csv
is_rc 0 "mrc --csv exits 0"
tap_is "$(line 1 "$OUT")" "mem_mib,miss_ratio" "csv: header"
tap_is "$(line 2 "$OUT")" "0,1.000000" "csv: first point"
tap_is "$(line 3 "$OUT")" "2,0.998000" "csv: 512 pages = 2 MiB"
tap_is "$(printf '%s\n' "$OUT" | grep -c '^96,')" 1 "csv: point at 96 MiB present"
has "$OUT" "96,0.904000" "csv: last point before the step"
has "$OUT" "98,0.015000" "csv: first point after the step"
tap_is "$(printf '%s\n' "$OUT" | wc -l)" 258 "csv: header and 257 points"

# mrc plot
rows() { printf '%s\n' "$1" | grep -cE '^( {0,3}[0-9]{1,3}%| {5}) \|'; }
run mrc 4242
is_rc 0 "mrc plot exits 0"
tap_is "$(rows "$OUT")" 21 "plot: 21 rows by default"
tap_is "$(printf '%s\n' "$OUT" | sed -n 2p)" " 100% |****       |" \
	"plot: 100% row: the curve starts at 100%, the knee line at column 11"
tap_is "$(printf '%s\n' "$OUT" | sed -n 12p)" "  50% |           *" \
	"plot: 50% row: the step is in column 11"
tap_is "$(printf '%s\n' "$OUT" | sed -n 22p)" "   0% |           $(printf '%050d' 0 | tr 0 '*')" \
	"plot: 0% row: flat 1.5% tail from column 11 to 60"
tap_is "$(printf '%s\n' "$OUT" | sed -n 24p)" "                  X" \
	"plot: knee (98.0 MiB) and working set (97.7 MiB) share column 11: X"
tap_is "$(line 25 "$OUT")" "0 256 512 MiB" "plot: x axis labels"
has "$OUT" "legend: * miss ratio K | MRC knee 98.0 MiB W : working set 97.7 MiB X knee and working set in one column" \
	"plot: legend with the knee and working set values"
run mrc 5151 --width 401 --height 9
is_rc 0 "mrc --width 401 --height 9 exits 0"
tap_is "$(rows "$OUT")" 9 "plot: --height sets the rows"
marks=$(printf '%s\n' "$OUT" | sed -n 12p)
tap_is "$(expr index "$marks" W)/$(expr index "$marks" K)" "108/110" \
	"plot: W at 256 MiB (column 100), K at 260 MiB (column 102)"
tap_is "$(printf '%s\n' "$OUT" | grep -E '^ {6}\+' | tr -d ' +' | wc -c)" 402 "plot: --width sets the columns (x axis of 401)"
run mrc 4242 --width 5
is_rc 2 "mrc --width below the minimum: exit 2"
: > "$ROOT/vms/5151/mrc.empty"
mv "$ROOT/vms/5151/mrc" "$ROOT/vms/5151/mrc.full"
mv "$ROOT/vms/5151/mrc.empty" "$ROOT/vms/5151/mrc"
run mrc 5151
is_rc 1 "mrc without a curve: exit 1"
has "$ERR" "no miss-rate curve yet" "mrc without a curve: message"
mv "$ROOT/vms/5151/mrc.full" "$ROOT/vms/5151/mrc"

# set
run set 4242 idle_scans 40
is_rc 0 "set idle_scans exits 0"
tap_is "$(cat "$d/idle_scans")" 40 "set writes the knob file"
run set 4242 sample_seed 0x10
tap_is "$RC/$(cat "$d/sample_seed")" "0/16" "set accepts hex and writes decimal"
run set 4242 bogus 1
is_rc 1 "set unknown knob: exit 1"
has "$ERR" "unknown knob 'bogus'" "set unknown knob: message"
run set 4242 idle_scans abc
is_rc 2 "set non-numeric value: exit 2"
run set 4242 idle_scans
is_rc 2 "set without value: exit 2"
run set 9999 idle_scans 5
tap_is "$RC/$(squeeze "$ERR")" "1/memschedctl: pid 9999 is not attached (no $ROOT/vms/9999; see 'memschedctl list')" \
	"set on an unattached pid: exit 1 and message"

# attach / detach: success path only (see the header)
run attach 777
is_rc 0 "attach exits 0"
tap_is "$(cat "$ROOT/attach")" 777 "attach writes the pid into attach"
run detach 4242
tap_is "$RC/$(cat "$ROOT/detach")" "0/4242" "detach writes the pid into detach"
run attach
is_rc 2 "attach without pid: exit 2"
run attach 0
is_rc 2 "attach 0: exit 2"

# read-side errors
echo garbage > "$ROOT/vms/5151/wss_pages"
run status 5151
tap_is "$RC" 1 "unexpected file contents: exit 1"
has "$ERR" "wss_pages: unexpected contents" "unexpected file contents: names the file"
echo 65536 > "$ROOT/vms/5151/wss_pages"

# watch
run watch 4242 -n 2 -i 0.05
is_rc 0 "watch -n 2 exits 0"
tap_is "$(printf '%s\n' "$OUT" | wc -l)" 3 "watch: header and two lines"
w=$(line 3 "$OUT")
tap_is "${w#* }" "97.7 98.0 78.1 23.7 120 0" "watch: wss, knee, active, idle, scans, young delta"
"$CTL" watch 4242 -n 2 -i 2 > "$work/watch.out" 2>&1 &
wpid=$!
for i in $(seq 100); do
	[ "$(wc -l < "$work/watch.out")" -ge 2 ] && break
	sleep 0.1
done
echo 24500 > "$s/nr_young_pages"
wait "$wpid"
w=$(line 3 "$(cat "$work/watch.out")")
tap_is "${w##* }" 500 "watch: young delta between lines"
tap_is "$(line 2 "$(cat "$work/watch.out")" | grep -cE '^[0-9]{2}:[0-9]{2}:[0-9]{2} .* -$')" 1 \
	"watch: first line has the time and no delta"
run watch 4242 -n 0
is_rc 2 "watch -n 0: exit 2"

# balloon: show, target, cid, stats
b=$ROOT/vms/4242/balloon
mkdir -p "$b/stats"
for f in connected:1 cid:3 guest_reported_pages:131072 target_pages:32768 actual_pages:16384 \
	 target_pending:1 latency_us:0 stats_age_ms:1500 stats/nr_inflated_pages:16384 \
	 stats/nr_deflated_pages:0 stats/nr_released_pages:16000 \
	 stats/nr_release_skipped_pages:384 stats/nr_rejects:2 stats/nr_connects:1 \
	 stats/nr_messages:9; do
	echo "${f#*:}" > "$b/${f%%:*}"
done
printf 'total_bytes 536870912\nmajor_faults 7\n' > "$b/guest_stats"
printf 'anon_active_bytes 104857600\n' > "$b/guest_classes"
: > "$b/request_stats"
run balloon 4242
is_rc 0 "balloon show exits 0"
has "$OUT" "guest channel    connected (vsock CID 3)" "balloon: channel and CID"
has "$OUT" "guest memory     512.0 MiB (as the guest reported it)" "balloon: guest_reported_pages in MiB"
has "$OUT" "target           128.0 MiB (guest not there yet)" "balloon: target in MiB, pending"
has "$OUT" "ballooned now    64.0 MiB" "balloon: actual in MiB"
has "$OUT" "host memory released for 62.5 MiB, kept for 1.5 MiB" "balloon: stats/nr_released_pages, nr_release_skipped_pages"
has "$OUT" "messages 9, rejected 2, connections 1" "balloon: stats/ counters"
has "$OUT" "guest stats (1.5 s old):" "balloon: stats age"
has "$OUT" "total_bytes                 512.0 MiB" "balloon: guest stats in MiB"
has "$OUT" "major_faults                      7" "balloon: counts as they are"
echo -1 > "$b/stats_age_ms"
run balloon 4242
has "$OUT" "guest stats: never received" "balloon: stats_age_ms -1 is never"
run balloon 4242 target 64
tap_is "$RC/$(cat "$b/target_pages")" "0/16384" "balloon target 64 writes 16384 pages"
run balloon 4242 cid 7
tap_is "$RC/$(cat "$b/cid")" "0/7" "balloon cid writes the CID"
run balloon 4242 stats
tap_is "$RC/$(cat "$b/request_stats")" "0/1" "balloon stats writes request_stats"
run balloon 4242 frobnicate
is_rc 2 "balloon with an unknown action: exit 2"

# balloon without PID: the host's listener
echo 1 > "$ROOT/balloon/listening"
echo 2 > "$ROOT/balloon/channels"
echo 5 > "$ROOT/balloon/stats/nr_unmatched"
echo 4 > "$ROOT/balloon/stats/nr_rejects"
run balloon
is_rc 0 "balloon (host) exits 0"
has "$OUT" "channels open now 2" "balloon (host): balloon/channels"
has "$OUT" "unmatched connections 5" "balloon (host): balloon/stats/nr_unmatched"

# transfer
: > "$ROOT/balloon/transfer"
run transfer 4242 5151 128
tap_is "$RC/$(cat "$ROOT/balloon/transfer")" "0/4242 5151 32768" "transfer writes FROM TO PAGES into balloon/transfer"

# attach picks the guest CID up from a QEMU-like command line
sh -c 'sleep 30; true' -device vhost-vsock-pci,id=v0,guest-cid=42 &
qpid=$!
mkdir -p "$ROOT/vms/$qpid/balloon"
: > "$ROOT/vms/$qpid/balloon/cid"
run attach "$qpid"
kill "$qpid"
tap_is "$RC/$(cat "$ROOT/vms/$qpid/balloon/cid")" "0/42" "attach sets balloon/cid from guest-cid="

tap_done
