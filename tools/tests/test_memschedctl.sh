#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# memschedctl against a fake sysfs tree (MEMSCHED_SYSFS) in a temp dir:
# checks the values the tool prints and the files it writes. Runs anywhere,
# no module or root needed; output is TAP, exit status 1 if a check failed.
#
# With a fake tree every write succeeds, so the errno -> message mapping of
# attach/detach/set (EINVAL, ESRCH, EEXIST, ENOENT) is exercised against the
# real module in the lab; repl's is checked here with an LD_PRELOAD shim
# that fails chosen writes (kerr, below). This test covers the success
# paths, the files written, usage errors and read-side errors.
. "$(dirname "$0")/../../selftests/lib/tap.sh"

TOOLS=$TAP_REPO/tools
CTL=${MEMSCHEDCTL:-$TOOLS/build/memschedctl}	# e.g. a sanitizer build

tap_plan 386

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
	}' > "$ROOT/vms/$1/mrc.new"
	chmod 0400 "$ROOT/vms/$1/mrc.new"
	mv "$ROOT/vms/$1/mrc.new" "$ROOT/vms/$1/mrc"
}

# put FILE VALUE: replace FILE at once, keeping its mode (record reads the
# fake files while the test changes them; a reader never sees half a file).
put() {
	echo "$2" > "$1.new"
	chmod --reference="$1" "$1.new"
	mv "$1.new" "$1"
}

# fake_file INO NAME SIZE_PAGES RESIDENT_PAGES "NODE PAGES..." as memschedfs
# does it: values 0444, knobs 0644, move 0200, counters in stats/.
fake_file() {
	local d=$ROOT/files/$1 c
	mkdir -p "$d/stats"
	echo "$2" > "$d/name"
	echo "$3" > "$d/size_pages"
	echo "$4" > "$d/resident_pages"
	printf '%s %s\n' $5 > "$d/node_pages"
	chmod 0444 "$d"/*
	echo 0 > "$d/dram_node"
	echo 1 > "$d/pmem_node"
	echo max > "$d/dram_budget_pages"
	echo 0 > "$d/tiering"
	echo 1000 > "$d/scan_interval_ms"
	echo 256 > "$d/rate_limit_mib_per_s"
	chmod 0644 "$d"/dram_node "$d"/pmem_node "$d"/dram_budget_pages "$d"/tiering \
		"$d"/scan_interval_ms "$d"/rate_limit_mib_per_s
	: > "$d/move"
	chmod 0200 "$d/move"
	for c in nr_faults nr_traps nr_scans nr_promoted_pages nr_demoted_pages \
		 nr_moved_pages nr_move_busy_pages nr_move_nomem_pages nr_rate_stalls \
		 nr_budget_demoted_pages nr_kernel_moved_pages; do
		echo 0 > "$d/stats/$c"
	done
	chmod 0444 "$d"/stats/*
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
MEMSCHED_LIBVIRT_RUN=$work/no-libvirt run status abc
is_rc 1 "status with a non-numeric PID (a libvirt domain, no libvirt here): exit 1"
run status 4242 5151
is_rc 2 "status with two PIDs: exit 2"
run mrc 4242 --bogus
is_rc 2 "unknown option: exit 2"
has "$ERR" "Usage: memschedctl mrc [-r ROOT]" "unknown option: the command's synopsis"
run mrc -h
is_rc 0 "mrc -h exits 0"
has "$OUT" "--width N" "mrc -h documents --width"

# status
run status 4242
is_rc 0 "status 4242 exits 0"
has "$OUT" "guest memory: 512.0 MiB (131072 pages)" "status: guest memory"
has "$OUT" "sampled pages: 8192 (sample period 16" "status: sampled pages and period"
# A VM sampled by 2 MiB regions says so (the module's granularity files).
v=$ROOT/vms/4242
echo 512 > "$v/sample_granularity_pages_effective"
echo 512 > "$v/sample_period_effective"
OUT=$("$CTL" status 4242 2>&1)
has "$OUT" "sampled pages: 8192 (sample period 16: one region of 512 pages in 512; estimates in multiples of 512 pages)" \
	"status: a VM sampled by 2 MiB regions says so"
rm -f "$v/sample_granularity_pages_effective"
echo 16 > "$v/sample_period_effective"
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
: > "$work/watch.out"
"$CTL" watch 4242 -n 2 -i 2 > "$work/watch.out" 2>&1 &
wpid=$!
for _ in $(seq 100); do
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

# knobs: the readable and writable files of vms/PID/, from the tree
run knobs 4242
is_rc 0 "knobs exits 0"
tap_is "$(printf '%s\n' "$OUT" | awk 'NR > 1 { printf "%s ", $1 }')" \
	"active_scans cpu_quota_ms idle_scans mrc_decay_scans sample_period sample_seed scan_interval_ms untrace_scans wss_scans " \
	"knobs: every readable and writable file, none of the values, tables or actions"
has "$OUT" "idle_scans 40" "knobs: the values"
echo 64 > "$d/heat_threshold"
chmod 0600 "$d/heat_threshold"
run set 4242 heat_threshold 96
tap_is "$RC/$(cat "$d/heat_threshold")" "0/96" "set: a knob the module adds is settable with no change to the tool"
rm "$d/heat_threshold"
run set 4242 wss_pages 5
tap_is "$RC/$(cat "$d/wss_pages")" "1/25000" "set: a read-only estimate is not a knob"
has "$ERR" "unknown knob 'wss_pages'" "set: a read-only estimate is not a knob: message"
run set 4242 reset 1
is_rc 1 "set: a write-only action is not a knob"
run set 4242 active_scans 40
tap_is "$RC/$(cat "$d/active_scans")" "0/40" "set active_scans to idle_scans: written (checked at use)"
has "$ERR" "warning: VM 4242: active_scans 40 >= idle_scans 40" "set: warns of a knob conflict"
run set 4242 active_scans 2
tap_is "$RC/$ERR" "0/" "set: no warning without a conflict"

# --json: one JSON object that parses, with the values of the tree
# jq_is FILTER WANT NAME: OUT parses and FILTER gives WANT
jq_is() {
	local got
	got=$(printf '%s\n' "$OUT" | jq -r "$1" 2>&1)
	tap_is "$got" "$2" "$3"
}
run list --json
jq_is '[.vms[].pid] | @csv' "4242,5151" "list --json: the VMs"
jq_is '.vms[1].classes.never_touched' 96608 "list --json: the classes in pages"
run status 4242 --json
jq_is '[.wss_pages, .mrc_knee_pages, .last_scan_ns, .ram_ino] | @csv' "25000,25088,700000," \
	"status --json: estimates in pages, the last scan, no RAM file"
jq_is '.knobs | keys | length' 9 "status --json: every knob"
jq_is '[.knobs.idle_scans, .stats.nr_scan_ns, .stats.nr_knob_conflicts] | @csv' "40,83886080,0" \
	"status --json: knob and stats/ values"
jq_is '[.age_histogram[0].min_age_scans, .age_histogram[-1].never, .age_histogram[-1].pages] | @csv' \
	"0,true,100000" "status --json: the age histogram"
run knobs 4242 --json
jq_is '.knobs.sample_period' 16 "knobs --json"
run mrc 4242 --json
jq_is '[(.points | length), .points[1].pages, .points[1].miss_ppm] | @csv' "257,512,998000" \
	"mrc --json: 257 points in pages and ppm"
run watch 4242 -n 2 -i 0.05 --json
tap_is "$(printf '%s\n' "$OUT" | jq -s -r '[length, .[0].young_pages_delta, .[1].young_pages_delta, .[1].wss_pages] | @csv' 2>&1)" \
	"2,,0,25000" "watch --json: one object per line"
run balloon 4242 --json
jq_is '[.connected, .guest_reported_pages, .stats.nr_inflated_pages, .guest_stats.total_bytes, .guest_classes.anon_active_bytes] | @csv' \
	"1,131072,16384,536870912,104857600" "balloon --json"
run balloon --json
jq_is '[.listening, .channels, .stats.nr_unmatched] | @csv' "true,2,5" "balloon (host) --json"
run set 4242 idle_scans 40 --json
is_rc 2 "--json on a command that shows nothing: exit 2"
for c in "list" "status 4242" "status 5151" "knobs 5151" "mrc 5151" "balloon 4242" "balloon"; do
	run $c --json
	if [ "$RC" = 0 ] && [ "$(printf '%s\n' "$OUT" | wc -l)" = 1 ] &&
	   printf '%s\n' "$OUT" | python3 -m json.tool > /dev/null 2>&1; then
		tap_pass "$c --json: one line, valid JSON (python3 -m json.tool)"
	else
		tap_fail "$c --json: one line, valid JSON (python3 -m json.tool)" "exit $RC: $OUT $ERR"
	fi
done

# fs: memschedfs files, by path (stat) or by inode
mnt=$work/mnt
mkdir -p "$mnt"
truncate -s 64M "$mnt/ram0"
ino=$(stat -c %i "$mnt/ram0")
fake_file "$ino" ram0 16384 8192 "0 4096 1 4096"
ino2=$((ino + 1))
fake_file "$ino2" ram1 262144 0 "0 0 1 0"
ln -s "../../files/$ino" "$ROOT/vms/4242/ram"
fd=$ROOT/files/$ino
run fs list
is_rc 0 "fs list exits 0"
tap_is "$(line 1 "$OUT")" "INO NAME SIZE_MiB RESIDENT_MiB TIERING NODE:MiB DRAM_BUDGET_MiB" "fs list: header"
tap_is "$(printf '%s\n' "$OUT" | squeeze "$(cat)" | grep " ram0 ")" "$ino ram0 64.0 32.0 off 0:16.0 1:16.0 max" \
	"fs list: ram0 (size, resident, tiering, MiB per node, budget)"
tap_is "$(line 3 "$OUT" | cut -d' ' -f1,2)" "$ino2 ram1" "fs list: in inode order"
run fs list --json
jq_is '.files[0] | [.ino, .name, .size_pages, .resident_pages, .node_pages[1].node, .node_pages[1].pages, .dram_budget_pages, .tiering] | @csv' \
	"$ino,\"ram0\",16384,8192,1,4096,\"max\",0" "fs list --json"
run fs show "$mnt/ram0"
is_rc 0 "fs show FILE exits 0"
has "$OUT" "memschedfs file ram0 (inode $ino)" "fs show: name and inode from the path"
has "$OUT" "node 1 16.0 MiB (4096 pages)" "fs show: pages per node"
has "$OUT" "tiering off (DRAM node 0, PMEM node 1, DRAM budget max)" "fs show: tiering"
has "$OUT" "RAM of VM 4242" "fs show: the VM whose vms/PID/ram links here"
has "$OUT" "rate_limit_mib_per_s 256" "fs show: knobs"
has "$OUT" "nr_kernel_moved_pages 0" "fs show: stats/"
run status 4242
has "$OUT" "guest RAM: memschedfs file ram0 (inode $ino" "status: the VM's RAM file (vms/PID/ram)"
run fs show "$ino" --json
jq_is '[.name, .vms[0], .knobs.scan_interval_ms, (.knobs | length), (.stats | length)] | @csv' \
	"\"ram0\",4242,1000,6,11" "fs show INO --json"
run fs set "$mnt/ram0" dram_budget_pages 4096
tap_is "$RC/$(cat "$fd/dram_budget_pages")" "0/4096" "fs set FILE: writes files/<ino>/KNOB"
run fs set "$ino" dram_budget_pages max
tap_is "$RC/$(cat "$fd/dram_budget_pages")" "0/max" "fs set INO: max"
run fs set "$mnt/ram0" pmem_node -1
tap_is "$RC/$(cat "$fd/pmem_node")" "0/-1" "fs set: -1"
run fs set "$mnt/ram0" tiering 0x1
tap_is "$RC/$(cat "$fd/tiering")" "0/1" "fs set: hex in decimal"
run fs set "$mnt/ram0" node_pages 1
tap_is "$RC/$(squeeze "$ERR")" "1/memschedctl: fs set: unknown knob 'node_pages'; the knobs of file $ino: dram_budget_pages dram_node pmem_node rate_limit_mib_per_s scan_interval_ms tiering" \
	"fs set: a table is not a knob; the message lists the knobs"
run fs set "$mnt/ram0" tiering lots
is_rc 2 "fs set: a bad VALUE: exit 2"
run fs set "$work/none" tiering 1
tap_is "$RC/$(squeeze "$ERR")" "1/memschedctl: $work/none: No such file or directory (ENOENT)" "fs set: a missing FILE"
run fs show 12345
has "$ERR" "no memschedfs file with inode 12345" "fs show: an inode without files/<ino>/"
is_rc 1 "fs show: an inode without files/<ino>/: exit 1"
run fs move "$mnt/ram0" 1
tap_is "$RC/$(cat "$fd/move")" "0/1" "fs move: writes the node into move"
has "$OUT" "ram0: moved to node 1; MiB per node now 0:16.0 1:16.0" "fs move: says where the pages are"
run fs move "$mnt/ram0" x
is_rc 2 "fs move: a bad NODE: exit 2"
run fs
is_rc 2 "fs without a command: exit 2"
run fs frobnicate
is_rc 2 "fs with an unknown command: exit 2"
for c in "fs list" "fs show $ino"; do
	run $c --json
	if [ "$RC" = 0 ] && printf '%s\n' "$OUT" | python3 -m json.tool > /dev/null 2>&1; then
		tap_pass "$c --json: valid JSON (python3 -m json.tool)"
	else
		tap_fail "$c --json: valid JSON (python3 -m json.tool)" "exit $RC: $OUT $ERR"
	fi
done

# record and report: sample while the tree changes, then draw
rec=$work/rec/vm4242.rec
mkdir -p "$work/rec"
# wait_samples FILE N: until FILE holds N samples (at most 30 s)
wait_samples() {
	for _ in $(seq 300); do
		[ "$(grep -c '^sample ' "$1" 2>/dev/null)" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
# 8 s: the change below must land while it records, also on a loaded
# machine (with 2 s, a run beside two labs sometimes ended first).
"$CTL" record 4242 -o "$rec" --interval 0.2 --duration 8 > "$work/record.out" 2>&1 &
rpid=$!
wait_samples "$rec" 3
put "$d/wss_pages" 50000
put "$d/mrc_knee_pages" 50176
fake_mrc 4242 131072 50000
wait "$rpid"
tap_is "$?" 0 "record exits 0"
has "$(cat "$work/record.out")" "samples of VM 4242" "record: says what it recorded"
nsamples=$(grep -c '^sample ' "$rec")
# Times, not counts: a loaded machine may take fewer samples, and a late
# one may be followed by one on time (record keeps a fixed grid, start +
# n * interval, so that it does not drift), but sample n is never taken
# before n * 0.2 s, nor after the duration.
gaps=$(awk '$1 == "sample" { if ($2 < n * 0.2 - 0.005) bad++; n++; t = $2 } END { print n + 0, bad + 0, t + 0 }' "$rec")
tap_ok "record: $nsamples samples, none before its slot on the 0.2 s grid, none after 8 s ($gaps)" \
	all_of [ "$nsamples" -ge 3 ] -- [ "$nsamples" -le 41 ] -- [ "$(echo "$gaps" | cut -d' ' -f2)" = 0 ] -- \
	awk -v t="$(echo "$gaps" | cut -d' ' -f3)" 'BEGIN { exit !(t < 8.2) }'
tap_is "$(head -1 "$rec")" "memschedctl-record 1" "record: the format line"
tap_is "$(awk '$1 == "sample" { print $4 }' "$rec" | sort -u | tr '\n' ' ')" "25000 50000 " \
	"record: the working set before and after the change"
tap_is "$(awk '$1 == "mrc" { print NF - 2 }' "$rec" | sort -u)" 257 "record: each mrc line has the 257 points"
tap_is "$(awk '$1 == "ages" { print $NF }' "$rec" | sort -u)" "never:100000" "record: ages lines end with the never bucket"
tap_is "$(tail -1 "$rec" | cut -d' ' -f1,3)" "end duration" "record: the end line says why"
run report "$rec" --out "$work/pics"
is_rc 0 "report exits 0"
pics="$work/pics/vm4242-mrc.png $work/pics/vm4242-wss.png $work/pics/vm4242-mrc.svg $work/pics/vm4242-wss.svg"
tap_is "$(printf '%s\n' "$OUT" | tail -n 4 | tr '\n' ' ')" "$pics " "report: prints the pictures' paths"
for p in $pics; do
	case $p in
	*.png) magic=$(head -c 8 "$p" | od -An -tx1 | tr -d ' \n'); want=89504e470d0a1a0a ;;
	*.svg) magic=$(grep -c '<svg' "$p"); want=1 ;;
	esac
	tap_ok "report: $(basename "$p") is a non-empty $([ "${p##*.}" = png ] && echo PNG || echo SVG)" \
		[ -s "$p" ] && [ "$magic" = "$want" ]
done
run report "$rec" --format svg --json
jq_is '.pictures | map(sub(".*/"; "")) | @csv' '"vm4242-mrc.svg","vm4242-wss.svg"' \
	"report --format svg --json: the pictures beside the record"
jq_is '[.samples, .wss_pages_min, .wss_pages_max] | @csv' "$nsamples,25000,50000" "report --json: the summary"
echo "not a record" > "$work/rec/bad.rec"
run report "$work/rec/bad.rec"
has "$ERR" "not a memschedctl record file" "report: a file that is not a record: message"
export GNUPLOT=$work/no-gnuplot
run report "$rec" --out "$work/pics2"
unset GNUPLOT
tap_is "$RC/$(printf '%s\n' "$ERR" | grep -c "install Debian's gnuplot-nox")" "1/1" "report without gnuplot: says what to install"
# A record ends by itself when its VM goes, and on SIGINT.
fake_vm 6161 1024 64 0 0 "0 0 0 1024" 1000
fake_mrc 6161 1024 1024
printf 'never 1024\n' > "$ROOT/vms/6161/age_histogram"
"$CTL" record 6161 -o "$work/rec/6161.rec" -i 0.1 -d 60 > "$work/record2.out" 2>&1 &
rpid=$!
wait_samples "$work/rec/6161.rec" 2
rm -rf "$ROOT/vms/6161"
wait "$rpid"
tap_is "$?/$(tail -1 "$work/rec/6161.rec" | cut -d' ' -f1,3)" "0/end detached" "record: ends when the VM is detached"
"$CTL" record 4242 -o "$work/rec/int.rec" -i 0.1 -d 60 > "$work/record3.out" 2>&1 &
rpid=$!
wait_samples "$work/rec/int.rec" 2
kill -INT "$rpid"
wait "$rpid"
tap_is "$?/$(tail -1 "$work/rec/int.rec" | cut -d' ' -f1,3)" "0/end signal" "record: SIGINT ends it cleanly"
run record 4242
is_rc 2 "record without -o: exit 2"

# attach picks the guest CID up from a QEMU-like command line
sh -c 'sleep 30; true' -device vhost-vsock-pci,id=v0,guest-cid=42 &
qpid=$!
mkdir -p "$ROOT/vms/$qpid/balloon"
: > "$ROOT/vms/$qpid/balloon/cid"
run attach "$qpid"
kill "$qpid"
tap_is "$RC/$(cat "$ROOT/vms/$qpid/balloon/cid")" "0/42" "attach sets balloon/cid from guest-cid="


# sched: the memory scheduler, sched/ and vms/<pid>/sched/
rm -rf "${ROOT:?}/vms/$qpid"	# attach's VM, which had only balloon/cid
run sched
tap_is "$RC/$(printf '%s\n' "$ERR" | grep -c 'sched: no such directory: this memsched.ko has no scheduler')" "1/1" \
	"sched without sched/: exit 1, says the module has no scheduler"
# fake_sched_vm PID SHARES MIN MAX TARGET ACTUAL ACTIVE "DECISION" "NR_DECISIONS BALLOON DEMOTED SWAPPED RETURNED TIMEOUTS"
fake_sched_vm() {
	local d=$ROOT/vms/$1/sched c
	mkdir -p "$d/stats"
	echo "$2" > "$d/shares"
	echo "$3" > "$d/min_pages"
	echo "$4" > "$d/max_pages"
	chmod 0600 "$d"/shares "$d"/min_pages "$d"/max_pages
	echo "$5" > "$d/target_dram_pages"
	echo "$6" > "$d/actual_dram_pages"
	echo "$7" > "$d/active_pages"
	echo "$8" > "$d/decision"
	chmod 0400 "$d"/target_dram_pages "$d"/actual_dram_pages "$d"/active_pages "$d"/decision
	set -- $9
	for c in nr_decisions nr_balloon_pages nr_demoted_pages nr_swapped_pages \
		 nr_returned_pages nr_balloon_timeouts; do
		echo "$1" > "$d/stats/$c"
		shift
	done
	chmod 0400 "$d"/stats/*
}
sd=$ROOT/sched
mkdir -p "$sd/stats"
echo 1 > "$sd/enabled"
echo shares > "$sd/policy"
echo 1000 > "$sd/period_ms"
echo 524288 > "$sd/pool_pages"
echo 75 > "$sd/idle_tax_pct"
echo 1024 > "$sd/min_step_pages"
echo 256 > "$sd/rate_limit_mib_per_s"
echo 10000 > "$sd/balloon_timeout_ms"
chmod 0600 "$sd"/*
for c in "nr_periods 12" "nr_decisions 5" "nr_reclaimed_pages 3072" "nr_returned_pages 512" \
	 "nr_overcommitted_periods 0"; do
	set -- $c
	echo "$2" > "$sd/stats/$1"
done
chmod 0400 "$sd"/stats/*
fake_sched_vm 4242 1000 0 max 51200 65536 16384 \
	"period=12 action=reclaim mechanism=balloon pages=2048 target_dram=51200 actual_dram=65536 reason=guest_free_or_cache" \
	"3 2048 1024 0 512 1"
fake_sched_vm 5151 2000 1024 262144 100000 90000 95000 \
	"period=0 action=hold mechanism=none pages=0 target_dram=100000 actual_dram=90000 reason=none" "0 0 0 0 0 0"
run sched
is_rc 0 "sched exits 0"
tap_is "$(line 1 "$OUT")" "policy=shares enabled=1 pool=2048MiB idle_tax=75% period=1000ms" \
	"sched: the header line (pool_pages 524288 in MiB)"
tap_is "$(line 2 "$OUT")" "PID NAME SHARES ACTIVE% TARGET ACTUAL MECHANISM REASON" "sched: the column header"
tap_is "$(line 3 "$OUT")" "4242 - 1000 25.0 200.0 256.0 balloon guest_free_or_cache" \
	"sched: VM 4242: shares, active/actual %, target and actual in MiB, the last decision's mechanism and reason"
tap_is "$(line 4 "$OUT")" "5151 - 2000 100.0 390.6 351.6 - -" \
	"sched: VM 5151: ACTIVE% capped at 100, no decision yet (period 0, reason none)"
run sched --json
jq_is '[.enabled, .policy, .pool_pages, .idle_tax_pct, .period_ms, (.vms | length)] | @csv' \
	'true,"shares",524288,75,1000,2' "sched --json: the settings"
jq_is '[.vms[0].pid, .vms[0].shares, .vms[0].max_pages, .vms[0].target_dram_pages, .vms[0].active_pct, .vms[0].decision.period, .vms[0].decision.action, .vms[0].decision.pages, .vms[0].decision.target_dram, .vms[0].decision.actual_dram, .vms[0].decision.reason, .vms[1].max_pages, .vms[1].decision] | @csv' \
	'4242,1000,"max",51200,25,12,"reclaim",2048,51200,65536,"guest_free_or_cache",262144,' "sched --json: the VMs and their last decision"
run sched 4242 shares=500 min=64M max=1G
tap_is "$RC/$(cat "$ROOT/vms/4242/sched/shares") $(cat "$ROOT/vms/4242/sched/min_pages") $(cat "$ROOT/vms/4242/sched/max_pages")" \
	"0/500 16384 262144" "sched PID shares=500 min=64M max=1G writes shares, min_pages and max_pages in pages"
run sched 4242 max=max min=8K
tap_is "$RC/$(cat "$ROOT/vms/4242/sched/min_pages") $(cat "$ROOT/vms/4242/sched/max_pages")" "0/2 max" \
	"sched PID max=max min=8K: max, 2 pages"
run sched 4242 min=512p
tap_is "$RC/$(cat "$ROOT/vms/4242/sched/min_pages")" "0/512" "sched PID min=512p: pages"
run sched 4242 min=2
tap_is "$RC/$(cat "$ROOT/vms/4242/sched/min_pages")" "0/512" "sched PID min=2: a bare number is MiB (512 pages)"
for bad in "min=6K" "min=-1" "max=lots" "shares=x" "bogus=1" "shares" "min=2G max=1G" "shares=1 shares=2"; do
	# shellcheck disable=SC2086
	run sched 4242 $bad
	[ "$RC" = 2 ] || break
done
tap_is "$RC/$(cat "$ROOT/vms/4242/sched/min_pages")" "2/512" "sched PID with a bad control ($bad ...): exit 2, nothing written"
# Each of the tool's size units (the shared size parser, SIZE of sched,
# the config file and the docs): SIZE and the pages it gives.
for t in "3 768" "8k 2" "8KiB 2" "3m 768" "3MiB 768" "2g 524288" "2GiB 524288" \
	 "1t 268435456" "1TiB 268435456" "5p 5" "5pages 5" "5PAGES 5" \
	 "16777215T 4503599358935040" "17592186044415 4503599627370240"; do
	# shellcheck disable=SC2086 # "SIZE WANT"
	set -- $t
	run sched 4242 min="$1"
	tap_is "$RC/$(cat "$ROOT/vms/4242/sched/min_pages")" "0/$2" "sched PID min=$1: $2 pages"
done
run sched 4242 min=2
# Refused: 2^64 bytes or more, not whole pages, junk after the number or in
# place of it (virsh's b and MB are not units here), empty, a sign, blanks.
while IFS= read -r bad; do
	run sched 4242 "min=$bad"
	tap_is "$RC/$(printf '%s\n' "$ERR" | grep -cF "invalid min '$bad': want a size (MiB, or with a unit: 512M, 2G, 4096p)")/$(cat "$ROOT/vms/4242/sched/min_pages")" \
		"2/1/512" "sched PID min='$bad': exit 2, says what is accepted, nothing written"
done <<'SIZES'
17592186044416
16777216T
4503599627370496p
18446744073709551616p
6K
4097k
1Mx
1MiBs
0x10
1MB
4096b
M

-1M
+1M
 1M
1 M
1M 
SIZES
run sched 4242 min=2G max=1G
tap_is "$RC/$(printf '%s\n' "$ERR" | grep -c 'min (524288 pages) is above max (262144 pages)')" "2/1" \
	"sched PID min above max: exit 2, both in pages"
run sched 4242
tap_is "$RC/$(printf '%s\n' "$ERR" | grep -c 'want shares=N, min=SIZE or max=SIZE|max')" "2/1" "sched PID alone: exit 2, says what it wants"
run sched 999999 shares=1
tap_is "$RC/$(printf '%s\n' "$ERR" | grep -c 'pid 999999 is not attached')" "1/1" "sched PID of no VM: exit 1"
run sched 4242 shares=1 --json
is_rc 2 "sched PID ... --json: exit 2"
run sched 4242 min=0 max=max

# export: the Prometheus text format. Actions are write-only (0200) in the
# real tree, so they are not read as values.
chmod 0200 "$ROOT/attach" "$ROOT/detach" "$ROOT/balloon/transfer" "$b/request_stats"
fake_file 77 'vm"a\b' 512 256 "0 256 1 0"
# a name that is not UTF-8: é kept, 0xff and a cut-short sequence replaced
fake_file 78 "$(printf 'caf\303\251\377\342\202')" 512 256 "0 256 1 0"
# exact LINE NAME: the export holds LINE as it is
exact() {
	if printf '%s\n' "$OUT" | grep -qxF -- "$1"; then
		tap_pass "$2"
	else
		tap_fail "$2" "want line '$1' in:" "$(printf '%s\n' "$OUT" | grep "^${1%%[{ ]*}" | head -5)"
	fi
}
sh -c 'sleep 30; true' -name 'guest=we"b,,1,debug-threads=on' &
npid=$!
fake_vm "$npid" 2048 128 512 512 "512 0 0 1536" 250
# last_scan_us and last_scan_ns both map to last_scan_seconds: the first kept
echo 5 > "$ROOT/vms/4242/last_scan_us"
run export -o -
is_rc 0 "export -o -: exit 0"
tap_is "$(printf '%s\n' "$OUT" | grep -c '^memsched_vm_last_scan_seconds{pid="4242",')/$(printf '%s\n' "$ERR" | grep -c 'vms/<pid>/last_scan_us: metric memsched_vm_last_scan_seconds{pid="4242",name=""} exported already')" \
	"1/1" "export: two files with one metric name and labels: the first kept, one warning"
rm "$ROOT/vms/4242/last_scan_us"
if command -v promtool > /dev/null; then
	tap_is "$(printf '%s\n' "$OUT" | promtool check metrics 2>&1)" "" "export: promtool check metrics finds nothing"
else
	tap_skip "export: promtool check metrics finds nothing" "no promtool (Debian's prometheus package)"
fi
exact '# TYPE memsched_vm_wss_bytes gauge' "export: wss_pages is a gauge in bytes"
wss=$(cat "$ROOT/vms/4242/wss_pages")
exact "memsched_vm_wss_bytes{pid=\"4242\",name=\"\"} $((wss * 4096))" "export: wss_pages $wss in bytes, labels pid and name"
exact '# TYPE memsched_vm_scans_total counter' "export: stats/nr_scans is a counter ending in _total"
exact 'memsched_vm_scans_total{pid="4242",name=""} 120' "export: stats/nr_scans value"
exact 'memsched_vm_scan_seconds_total{pid="4242",name=""} 0.08388608' "export: nr_scan_ns in seconds, exact"
exact 'memsched_vm_last_scan_seconds{pid="4242",name=""} 0.0007' "export: last_scan_ns in seconds"
exact 'memsched_vm_scan_interval_seconds{pid="5151",name=""} 0.5' "export: scan_interval_ms in seconds"
exact 'memsched_vm_cpu_quota_ratio{pid="5151",name=""} 0.1' "export: cpu_quota_ms (ms per s) as a ratio"
exact "memsched_vm_young_pages_total{pid=\"4242\",name=\"\"} $(cat "$ROOT/vms/4242/stats/nr_young_pages")" \
	"export: stats/nr_young_pages a count of pages, not bytes"
tap_is "$(printf '%s\n' "$OUT" | grep -c -e '^memsched_vm_cpu_quota_seconds' -e '^memsched_vm_young_bytes_total')" 0 \
	"export: no cpu_quota_seconds, no young_bytes_total"
exact 'memsched_vm_class_bytes{pid="5151",name="",class="idle"} 409600000' "export: classes/ as a class label"
exact "memsched_vm_guest_bytes{pid=\"$npid\",name=\"we\\\"b,1\"} 8388608" \
	"export: the VM's name from QEMU's -name guest=, with ',,' and '\"' escaped"
exact 'memsched_file_rate_limit_bytes_per_second{ino="77",name="vm\"a\\b"} 268435456' \
	"export: rate_limit_mib_per_s in bytes per second, the file's name escaped"
exact 'memsched_file_node_bytes{ino="77",name="vm\"a\\b",node="0"} 1048576' "export: node_pages as a node label"
exact 'memsched_balloon_unmatched_total 5' "export: the host's balloon counters, no labels"
exact 'memsched_sched_enabled 1' "export: sched/enabled"
exact 'memsched_sched_pool_bytes 2147483648' "export: sched/pool_pages in bytes"
exact 'memsched_sched_periods_total 12' "export: sched/stats/nr_periods"
exact 'memsched_sched_decisions_total 5' "export: sched/stats/nr_decisions"
exact 'memsched_sched_policy_info{policy="shares"} 1' "export: sched/policy as an info gauge"
exact 'memsched_vm_sched_shares{pid="4242",name=""} 500' "export: a VM's sched/shares"
exact 'memsched_vm_sched_target_dram_bytes{pid="4242",name=""} 209715200' "export: a VM's sched/target_dram_pages in bytes"
exact 'memsched_vm_sched_actual_dram_bytes{pid="4242",name=""} 268435456' "export: a VM's sched/actual_dram_pages in bytes"
exact 'memsched_vm_sched_active_bytes{pid="4242",name=""} 67108864' "export: a VM's sched/active_pages in bytes"
exact 'memsched_vm_sched_returned_bytes_total{pid="4242",name=""} 2097152' "export: a VM's sched/stats/nr_returned_pages in bytes"
tap_is "$(printf '%s\n' "$OUT" | grep '^memsched_vm_sched_reclaimed_bytes_total{pid="4242",' | tr '\n' ' ')" \
	'memsched_vm_sched_reclaimed_bytes_total{pid="4242",name="",mechanism="balloon"} 8388608 memsched_vm_sched_reclaimed_bytes_total{pid="4242",name="",mechanism="demote"} 4194304 memsched_vm_sched_reclaimed_bytes_total{pid="4242",name="",mechanism="swap"} 0 ' \
	"export: a VM's sched/stats/nr_{balloon,demoted,swapped}_pages as one family with a mechanism label"
tap_is "$(printf '%s\n' "$OUT" | grep -c -e '^memsched_vm_sched_balloon_bytes' -e '^memsched_vm_sched_demoted' -e '^memsched_vm_sched_max_bytes{pid="4242"' -e '^memsched_vm_sched_decision[{_ ]' -e '^memsched_vm_sched_decision_')" 0 \
	"export: the per-mechanism files only in that family; max and the decision line left out"
exact 'memsched_vm_sched_max_bytes{pid="5151",name=""} 1073741824' "export: a VM's numeric sched/max_pages in bytes"
exact "memsched_file_size_bytes{ino=\"78\",name=\"$(printf 'caf\303\251\357\277\275\357\277\275\357\277\275')\"} 2097152" \
	"export: a label value that is not UTF-8: each bad byte becomes U+FFFD"
tap_is "$(printf '%s\n' "$OUT" | grep -c -e '^memsched_file_dram_budget_bytes{ino="77"' -e '^memsched_attach' -e '^memsched_vm_pid')" 0 \
	"export: max, actions and identifiers are left out"
tap_is "$(printf '%s\n' "$OUT" | awk '/^# TYPE/ { n++; if (seen[$3]++) d++; if (($4 == "counter") != ($3 ~ /_total$/)) b++ }
	END { print (n > 30), d + 0, b + 0 }')" "1 0 0" "export: each family once, counters and only counters end in _total"
kill "$npid"
rm -rf "$ROOT/files/78"
mkdir -p "$work/tf"
echo stale > "$work/tf/memsched.prom"
run export --textfile-dir "$work/tf"
tap_is "$RC/$(stat -c %a "$work/tf/memsched.prom")/$(ls -A "$work/tf" | wc -l)/$(grep -c '^memsched_vm_wss_bytes' "$work/tf/memsched.prom")" \
	"0/644/1/3" "export --textfile-dir: memsched.prom replaced, mode 0644, no temporary file left"
run export --textfile-dir "$work/nodir"
tap_is "$RC/$(printf '%s\n' "$ERR" | grep -c "$work/nodir: cannot create a file in this directory: .*(ENOENT)")" "1/1" \
	"export to a missing directory: exit 1, the directory named"
run export --bogus
tap_is "$RC/$(printf '%s\n' "$ERR" | grep -c "unknown option '--bogus'")/$(printf '%s\n' "$ERR" | grep -c '^Usage: memschedctl export \[-r ROOT\] ')" "2/1/1" \
	"export --bogus: exit 2, the message and the command's synopsis (Usage: memschedctl export [-r ROOT] ...)"
run export -o - --textfile-dir "$work/tf"
is_rc 2 "export -o with --textfile-dir: exit 2"
MEMSCHED_SYSFS=$work/none run export -o -
tap_is "$RC/$(printf '%s\n' "$ERR" | wc -l)/$(printf '%s\n' "$ERR" | grep -c 'is memsched.ko loaded?')" "1/1/1" \
	"export without memsched: exit 1, one line that says so"

# repl: rdma_failover's replicas, a fake /sys/kernel/rdma_failover
# beside the fake memsched tree (where the tool looks when -r or
# MEMSCHED_SYSFS moved memsched's root). Modes as the module sets them.
RF=$work/rdma_failover
run repl
tap_is "$RC/$(printf '%s\n' "$ERR" | grep -c "$RF: not found; is rdma_failover.ko loaded?")" "1/1" \
	"repl without rdma_failover: exit 1, says which module"
# fake_repl NAME ROLE STATE PEER EPOCH "STAT=VALUE..."
fake_repl() {
	local d=$RF/replicas/$1 c
	mkdir -p "$d/stats"
	echo "/run/ms/$1" > "$d/path"
	echo "$5" > "$d/epoch"
	echo "$3" > "$d/state"
	echo 0 > "$d/epoch_cut_ns"
	chmod 0444 "$d"/path "$d"/epoch "$d"/state "$d"/epoch_cut_ns
	echo "$2" > "$d/role"
	echo "$4" > "$d/peer"
	echo > "$d/source"
	echo "${BASELINE-}" > "$d/baseline"
	echo 10 > "$d/epoch_ms"
	echo 100 > "$d/heartbeat_ms"
	echo 1000 > "$d/timeout_ms"
	chmod 0644 "$d"/role "$d"/peer "$d"/source "$d"/baseline "$d"/epoch_ms \
		"$d"/heartbeat_ms "$d"/timeout_ms
	: > "$d/command"
	chmod 0200 "$d/command"
	for c in nr_epochs nr_pages nr_bytes nr_cow_pages nr_writer_stall_ns \
		 nr_heartbeat_timeouts nr_reconnects nr_resyncs nr_bad_messages \
		 nr_registration_errors nr_rollbacks nr_rejects nr_pulls \
		 nr_pull_errors nr_pull_pages nr_pull_bytes nr_baseline_pages; do
		echo 0 > "$d/stats/$c"
	done
	# the gauges, beside the knobs
	for c in last_writer_stall_max_ns last_epoch_latency_us last_cut_ns \
		 last_detect_ms last_promote_us dirty_pages last_pull_ns \
		 last_baseline_ns; do
		echo 0 > "$d/$c"
	done
	for c in $6; do
		case $c in
		nr_*) echo "${c#*=}" > "$d/stats/${c%%=*}" ;;
		*) echo "${c#*=}" > "$d/${c%%=*}" ;;
		esac
	done
	chmod 0444 "$d"/stats/* "$d"/last_* "$d"/dirty_pages
	: > "$d/reset"
	chmod 0200 "$d/reset"
}
mkdir -p "$RF/replicas"
ms_abi RDMA_FAILOVER_ABI_VERSION > "$RF/version"
: > "$RF/add"
: > "$RF/remove"
chmod 0200 "$RF/add" "$RF/remove"
fake_repl vm1.ram primary replicating 169.254.77.2:7471 1234 \
	"nr_epochs=1234 nr_pages=51200 nr_bytes=209715200 nr_cow_pages=77 nr_writer_stall_ns=1500000000 last_writer_stall_max_ns=250000 last_epoch_latency_us=2345 last_cut_ns=120000 nr_reconnects=2 nr_resyncs=1"
fake_repl vm2.ram standby primary_lost 169.254.77.2:7472 99 \
	"nr_epochs=99 nr_pages=2560 nr_bytes=10485760 nr_rollbacks=1 last_detect_ms=1012 last_promote_us=0 nr_bad_messages=3"
run repl
is_rc 0 "repl exits 0"
tap_is "$(line 1 "$OUT")" "NAME ROLE STATE PEER EPOCH EPOCH_MS LATENCY_MS STALL_MS MiB" "repl: header"
tap_is "$(line 2 "$OUT")" "vm1.ram primary replicating 169.254.77.2:7471 1234 10 2.345 0.250 200.0" \
	"repl: the primary: epoch, epoch_ms, last latency and stall in ms, MiB sent"
tap_is "$(line 3 "$OUT")" "vm2.ram standby primary_lost 169.254.77.2:7472 99 10 0.000 - 10.0" \
	"repl: the standby: no writer stall column"
run repl vm1.ram
is_rc 0 "repl NAME exits 0"
has "$OUT" "replica vm1.ram (primary)" "repl NAME: name and role"
has "$OUT" "epoch 1234 (the last complete one: committed by the standby)" "repl NAME: epoch"
has "$OUT" "last epoch latency 2.345 ms, cut 0.120 ms, writer stall max 0.250 ms" "repl NAME: the last epoch in ms"
has "$OUT" "sent 1234 epochs, 51200 pages (200.0 MiB), 77 COW copies, writer stall 1.500 s in all" "repl NAME: the totals"
has "$OUT" "link 0 heartbeat timeouts, 2 reconnects, 1 resyncs, 0 bad messages, 0 registration errors" "repl NAME: the link's counters"
has "$OUT" "timeout_ms 1000" "repl NAME: the knobs"
has "$OUT" "nr_cow_pages 77" "repl NAME: stats/"
put "$RF/replicas/vm2.ram/epoch_cut_ns" 1764687845123000000
run repl vm2.ram
has "$OUT" "failover 1 partial epochs rolled back, last detection 1012 ms, last promotion 0.000 ms" \
	"repl NAME: a standby's failover line"
has "$OUT" "cut at 2025-12-02 15:04:05.123 UTC (" "repl NAME: a standby's epoch_cut_ns as a UTC time"
run repl vm2.ram --json
jq_is '.epoch_cut_ns' 1764687845123000000 "repl NAME --json: epoch_cut_ns"
run repl vm1.ram --json
jq_is '[.name, .role, .state, .peer, .epoch, .knobs.epoch_ms, .stats.nr_bytes, .last_epoch_latency_us] | @csv' \
	'"vm1.ram","primary","replicating","169.254.77.2:7471",1234,10,209715200,2345' "repl NAME --json"
run repl --json
jq_is '[.replicas[].name, .replicas[1].last_detect_ms] | @csv' '"vm1.ram","vm2.ram",1012' "repl --json: every replica"
tap_is "$(printf '%s\n' "$OUT" | python3 -m json.tool > /dev/null 2>&1 && echo ok)" ok "repl --json: valid JSON"
run repl nosuch
tap_is "$RC/$(printf '%s\n' "$ERR" | grep -c "no replica 'nosuch'")" "1/1" "repl NAME of no replica: exit 1"
# pull recovery: a source (host A, serving a pull) and a recovery replica
# (host B, recovered), with the baseline on shared storage
BASELINE=/shared/vm0.base fake_repl src.ram source serving 192.168.10.1:18515 57 \
	"nr_epochs=12 nr_baseline_pages=8192 last_baseline_ns=2500000000 dirty_pages=138 nr_pulls=1 nr_pull_pages=256 nr_pull_bytes=1048576 last_pull_ns=1610000000 last_cut_ns=90000"
BASELINE=/shared/vm0.base fake_repl rec.ram recovery recovered 192.168.10.1:18515 0 \
	"nr_baseline_pages=16384 last_baseline_ns=412000000 nr_pulls=1 nr_pull_errors=1 nr_pull_pages=256 nr_pull_bytes=1048576 last_pull_ns=1610000000 nr_rejects=1"
run repl
tap_is "$(line 2 "$OUT")/$(line 3 "$OUT")" \
	"rec.ram recovery recovered 192.168.10.1:18515 0 10 - - 1.0/src.ram source serving 192.168.10.1:18515 57 10 - - 1.0" \
	"repl: source and recovery: no latency or stall, MiB served or pulled"
run repl src.ram
has "$OUT" "baseline /shared/vm0.base" "repl NAME of a source: the baseline's path"
has "$OUT" "written 8192 pages to the baseline, the last baseline in 2.500 s" "repl NAME of a source: the baseline's pages and time"
has "$OUT" "dirty 138 pages written since the baseline (what a pull reads)" "repl NAME of a source: dirty_pages"
has "$OUT" "epoch 57 (the last cut merged into the dirty bitmap; 12 epochs with writes)" "repl NAME of a source: the last cut merged"
has "$OUT" "pulls 1 served, 0 failed, 256 pages (1.0 MiB) served, the last in 1.610 s" "repl NAME of a source: the pulls served"
run repl rec.ram
has "$OUT" "filled 16384 pages from the baseline, the last fill in 0.412 s" "repl NAME of a recovery replica: the baseline fill"
has "$OUT" "pulls 1 completed, 1 failed, 256 pages (1.0 MiB) read by RDMA READ, the last in 1.610 s" "repl NAME of a recovery replica: the pulls"
has "$OUT" "recovered the file is the source's file as of its last cut, for a VMM to start from" "repl NAME in state recovered: says what the file holds"
tap_is "$(printf '%s\n' "$OUT" | grep -c -e 'epoch ' -e 'writer stall')" 0 "repl NAME of a recovery replica: no push epoch lines"
run repl set rec.ram role source
r1=$RC/$(cat "$RF/replicas/rec.ram/role")
run repl set rec.ram role recovery
tap_is "$r1 $RC/$(cat "$RF/replicas/rec.ram/role")" "0/source 0/recovery" "repl set role: source and recovery written as they are"
run repl set rec.ram baseline /shared/vm1.base
tap_is "$RC/$(cat "$RF/replicas/rec.ram/baseline")" "0//shared/vm1.base" "repl set baseline: the path written as it is"
echo /shared/vm0.base > "$RF/replicas/rec.ram/baseline"
run repl pull rec.ram
tap_is "$RC/$(cat "$RF/replicas/rec.ram/command")" "0/pull" "repl pull: writes pull into command"
has "$OUT" "rec.ram: pull done (state recovered): 0 pages from the baseline in 0.412 s, 0 pages (0.0 MiB) read from the source by RDMA READ; the pull took 1.610 s; the file is the source's file as of its last cut" \
	"repl pull: what this pull did (the counters' growth: none in a fake tree) and the times"
run repl pull
is_rc 2 "repl pull without NAME: exit 2"
# writes
run repl set vm1.ram epoch_ms 20
tap_is "$RC/$(cat "$RF/replicas/vm1.ram/epoch_ms")" "0/20" "repl set: writes the knob"
run repl set vm1.ram peer 10.0.0.2:7471
tap_is "$RC/$(cat "$RF/replicas/vm1.ram/peer")" "0/10.0.0.2:7471" "repl set peer: IPV4:PORT as it is"
run repl set vm1.ram state stopped
tap_is "$RC/$(squeeze "$ERR")" "1/memschedctl: repl set: unknown knob 'state'; the knobs of replica vm1.ram: baseline epoch_ms heartbeat_ms peer role source timeout_ms" \
	"repl set: a value is not a knob; the message lists the knobs"
run repl set vm1.ram epoch_ms
is_rc 2 "repl set without VALUE: exit 2"
run repl start vm1.ram
tap_is "$RC/$(cat "$RF/replicas/vm1.ram/command")" "0/start" "repl start: writes start into command"
has "$OUT" "vm1.ram: start done (role primary, state replicating)" "repl start: says the role and state after"
for c in stop promote reconnect; do
	run repl $c vm2.ram
	[ "$RC/$(cat "$RF/replicas/vm2.ram/command")" = "0/$c" ] || break
done
tap_is "$RC/$(cat "$RF/replicas/vm2.ram/command")" "0/reconnect" "repl stop, promote, reconnect: write the command"
has "$OUT" "vm2.ram: reconnect done (role standby, state primary_lost)" "repl reconnect: says the role and state after"
run repl promote vm2.ram
has "$OUT" "vm2.ram: promoted (state primary_lost): the file holds epoch 99, the last complete one; promotion took 0.000 ms, detection 1012 ms" \
	"repl promote: the epoch and the times"
mkdir -p "$work/msfs"
: > "$work/msfs/vm3.ram"
run repl add "$work/msfs/../msfs/vm3.ram"
tap_is "$RC/$(cat "$RF/add")" "0/$work/msfs/vm3.ram" "repl add: writes the absolute, resolved path into add"
has "$OUT" "replica vm3.ram added" "repl add: names the replica"
run repl add "$work/msfs/none"
tap_is "$RC/$(printf '%s\n' "$ERR" | grep -c 'No such file or directory (ENOENT)')" "1/1" "repl add of a missing file: exit 1"
run repl remove vm2.ram
tap_is "$RC/$(cat "$RF/remove")" "0/vm2.ram" "repl remove: writes the name into remove"
run repl remove ../x
is_rc 2 "repl remove of a name with a slash: exit 2"
run repl frob vm1.ram
tap_is "$RC/$(printf '%s\n' "$ERR" | grep -c "unknown action 'frob'")" "2/1" "repl with an unknown action: exit 2"
run repl start vm1.ram --json
is_rc 2 "repl start --json: exit 2"
# The kernel's errors: an LD_PRELOAD shim fails the write(2) to a file named
# $FAKE_ERRNO_FILE with errno $FAKE_ERRNO (the fake tree accepts every write).
if cc -shared -fPIC -o "$work/fail.so" "$(dirname "$0")/fail_write.c" -ldl 2> "$work/cc.log"; then
	# kerr FILE ERRNO ARGS...: run memschedctl ARGS with that write failing
	kerr() {
		local f=$1 e=$2
		shift 2
		FAKE_ERRNO_FILE=$f FAKE_ERRNO=$e LD_PRELOAD=$work/fail.so run "$@"
	}
	kerr vm1.ram/command 89 repl start vm1.ram
	tap_is "$RC/$(squeeze "$ERR")" "1/memschedctl: repl start vm1.ram: no peer: set the standby's address first ('memschedctl repl set vm1.ram peer IPV4:PORT') (EDESTADDRREQ)" \
		"repl start without a peer: EDESTADDRREQ in words"
	kerr vm2.ram/command 11 repl promote vm2.ram
	has "$ERR" "no complete epoch yet: this standby holds no consistent image to promote (role standby, state primary_lost) (EAGAIN)" \
		"repl promote before a complete epoch: EAGAIN in words, with role and state"
	kerr vm1.ram/command 22 repl promote vm1.ram
	has "$ERR" "promote is for a standby in state listening, syncing, replicating or primary_lost (role primary, state replicating) (EINVAL)" \
		"repl promote of a primary: EINVAL in words"
	kerr vm1.ram/command 22 repl start vm1.ram
	has "$ERR" "timeout_ms must be more than 2 x heartbeat_ms (now 1000 and 100)" "repl start refused: EINVAL names the timing rule and values"
	kerr vm1.ram/peer 16 repl set vm1.ram peer 10.0.0.3:1
	has "$ERR" "peer is set only while the replica is stopped (role primary, state replicating; 'memschedctl repl stop vm1.ram' first) (EBUSY)" \
		"repl set peer while started: EBUSY in words"
	kerr vm1.ram/epoch_ms 22 repl set vm1.ram epoch_ms 0
	has "$ERR" "the kernel refused the value (EINVAL); accepted: 1..10000 (default 10)" "repl set epoch_ms 0: EINVAL with the range"
	kerr rdma_failover/add 17 repl add "$work/msfs/vm3.ram"
	has "$ERR" "a replica named vm3.ram exists already" "repl add of a second file of that name: EEXIST in words"
	kerr rdma_failover/add 22 repl add "$work/msfs/vm3.ram"
	has "$ERR" "not a memschedfs file" "repl add refused: EINVAL in words"
	kerr vm1.ram/command 1 repl stop vm1.ram
	has "$ERR" "permission denied; run as root (EPERM)" "repl stop: EPERM in words"
	# pull recovery's errnos (rfo_recovery_pull(), rfo_replica_start())
	kerr rec.ram/command 2 repl pull rec.ram
	tap_is "$RC/$(squeeze "$ERR")" "1/memschedctl: repl pull rec.ram: no baseline file /shared/vm0.base (ENOENT): is the shared storage mounted here, and did the source's start write it?" \
		"repl pull without the baseline file: ENOENT in words, with the path"
	kerr rec.ram/command 22 repl pull rec.ram
	has "$ERR" "the baseline /shared/vm0.base is not the size of the file (EINVAL)" "repl pull with a baseline of another size: EINVAL in words"
	kerr vm1.ram/command 22 repl pull vm1.ram
	has "$ERR" "pull is for a replica of role recovery (role primary, state replicating; 'memschedctl repl set vm1.ram role recovery' while stopped) (EINVAL)" \
		"repl pull of a primary: EINVAL says the role"
	put "$RF/replicas/rec.ram/baseline" ""
	kerr rec.ram/command 22 repl pull rec.ram
	has "$ERR" "no baseline: set the baseline image's path first ('memschedctl repl set rec.ram baseline PATH') (EINVAL)" \
		"repl pull without a baseline path: EINVAL in words"
	put "$RF/replicas/rec.ram/baseline" /shared/vm0.base
	kerr rec.ram/command 16 repl pull rec.ram
	has "$ERR" "a pull runs only on a stopped replica (role recovery, state recovered; 'memschedctl repl stop rec.ram' first) (EBUSY)" \
		"repl pull when not stopped: EBUSY in words"
	kerr rec.ram/command 89 repl pull rec.ram
	has "$ERR" "no peer: set the source's address first ('memschedctl repl set rec.ram peer IPV4:PORT') (EDESTADDRREQ)" \
		"repl pull without a peer: EDESTADDRREQ names the source"
	kerr rec.ram/command 111 repl pull rec.ram
	has "$ERR" "no source at 192.168.10.1:18515, or it refused the pull (role recovery, state recovered) (ECONNREFUSED): not started, its file of another size, still mapped writable by a process (its VMM still runs)" \
		"repl pull refused: ECONNREFUSED in words (the source's file still mapped writable among the reasons)"
	kerr rec.ram/command 110 repl pull rec.ram
	has "$ERR" "the source at 192.168.10.1:18515 did not answer in time (ETIMEDOUT" "repl pull timed out: ETIMEDOUT in words"
	kerr rec.ram/command 71 repl pull rec.ram
	has "$ERR" "the source sent a bad message or dirty bitmap (EPROTO" "repl pull: EPROTO in words"
	kerr rec.ram/command 116 repl pull rec.ram
	has "$ERR" "the source's file was written during the pull, so the image is not one instant (ESTALE): stop its VMM, then pull again" \
		"repl pull: ESTALE in words"
	tap_is "$(printf '%s\n' "$ERR" | grep -c 'partly filled')" 0 "repl pull: ESTALE says to stop the VMM first, not only to pull again"
	kerr rec.ram/command 22 repl start rec.ram
	has "$ERR" "a recovery replica is not started: it takes 'memschedctl repl pull rec.ram'" "repl start of a recovery replica: EINVAL points at pull"
	put "$RF/replicas/src.ram/baseline" ""
	kerr src.ram/command 22 repl start src.ram
	has "$ERR" "a source needs a baseline: set its path first ('memschedctl repl set src.ram baseline PATH'" \
		"repl start of a source without a baseline: EINVAL in words"
	put "$RF/replicas/src.ram/baseline" /shared/vm0.base
	kerr src.ram/baseline 22 repl set src.ram baseline shared/vm0.base
	has "$ERR" "the kernel refused the value (EINVAL); accepted: an absolute path shorter than PATH_MAX" \
		"repl set baseline of a relative path: EINVAL with what is accepted"
	kerr src.ram/role 22 repl set src.ram role backup
	has "$ERR" "accepted: primary or standby (push replication), source or recovery (pull recovery), while the replica is stopped" \
		"repl set role of another word: EINVAL lists the four roles"
	# the fake files were opened with O_TRUNC before the write failed
	echo 20 > "$RF/replicas/vm1.ram/epoch_ms"
	echo 10.0.0.2:7471 > "$RF/replicas/vm1.ram/peer"
	echo /shared/vm0.base > "$RF/replicas/src.ram/baseline"
	echo source > "$RF/replicas/src.ram/role"
else
	for _ in $(seq 24); do tap_skip "repl: the kernel's errno in words" "no cc -shared: $(head -1 "$work/cc.log")"; done
fi
# export: memsched_replica_*
run export -o -
is_rc 0 "export with replicas: exit 0"
exact 'memsched_replica_epochs_total{replica="vm1.ram",role="primary"} 1234' "export: stats/nr_epochs"
exact 'memsched_replica_bytes_total{replica="vm1.ram",role="primary"} 209715200' "export: stats/nr_bytes in bytes"
exact 'memsched_replica_pages_total{replica="vm1.ram",role="primary"} 51200' "export: stats/nr_pages a count"
exact 'memsched_replica_cow_pages_total{replica="vm1.ram",role="primary"} 77' "export: stats/nr_cow_pages a count, not bytes"
exact 'memsched_replica_writer_stall_seconds_total{replica="vm1.ram",role="primary"} 1.5' "export: stats/nr_writer_stall_ns a counter in seconds"
exact '# TYPE memsched_replica_last_epoch_latency_seconds gauge' "export: last_* are gauges"
exact 'memsched_replica_last_epoch_latency_seconds{replica="vm1.ram",role="primary"} 0.002345' "export: last_epoch_latency_us in seconds"
exact 'memsched_replica_last_writer_stall_max_seconds{replica="vm1.ram",role="primary"} 0.00025' "export: last_writer_stall_max_ns in seconds"
exact 'memsched_replica_last_detect_seconds{replica="vm2.ram",role="standby"} 1.012' "export: a standby's last_detect_ms"
exact 'memsched_replica_bad_messages_total{replica="vm2.ram",role="standby"} 3' "export: stats/nr_bad_messages"
exact 'memsched_replica_epoch{replica="vm1.ram",role="primary"} 1234' "export: epoch, a gauge"
exact 'memsched_replica_epoch_length_seconds{replica="vm1.ram",role="primary"} 0.02' "export: epoch_ms as epoch_length_seconds"
exact 'memsched_replica_timeout_seconds{replica="vm1.ram",role="primary"} 1' "export: timeout_ms in seconds"
exact 'memsched_replica_epoch_cut_timestamp_seconds{replica="vm2.ram",role="standby"} 1764687845.123' "export: epoch_cut_ns as a Unix timestamp in seconds"
tap_is "$(printf '%s\n' "$OUT" | grep '^memsched_replica_state{replica="vm2.ram"' | tr '\n' ' ')" \
	'memsched_replica_state{replica="vm2.ram",role="standby",state="stopped"} 0 memsched_replica_state{replica="vm2.ram",role="standby",state="listening"} 0 memsched_replica_state{replica="vm2.ram",role="standby",state="syncing"} 0 memsched_replica_state{replica="vm2.ram",role="standby",state="replicating"} 0 memsched_replica_state{replica="vm2.ram",role="standby",state="primary_lost"} 1 memsched_replica_state{replica="vm2.ram",role="standby",state="promoted"} 0 ' \
	"export: state one-hot over the standby's states"
tap_is "$(printf '%s\n' "$OUT" | grep -c '^memsched_replica_state{replica="vm1.ram"')" 5 "export: state one-hot over the primary's five states"
exact 'memsched_replica_info{replica="vm1.ram",role="primary",path="/run/ms/vm1.ram",peer="10.0.0.2:7471"} 1' \
	"export: path and peer in memsched_replica_info"
exact 'memsched_replica_pulls_total{replica="src.ram",role="source"} 1' "export: stats/nr_pulls"
exact 'memsched_replica_pull_errors_total{replica="rec.ram",role="recovery"} 1' "export: stats/nr_pull_errors"
exact 'memsched_replica_pull_pages_total{replica="rec.ram",role="recovery"} 256' "export: stats/nr_pull_pages a count, not bytes"
exact 'memsched_replica_pull_bytes_total{replica="rec.ram",role="recovery"} 1048576' "export: stats/nr_pull_bytes"
exact 'memsched_replica_baseline_bytes_total{replica="src.ram",role="source"} 33554432' "export: stats/nr_baseline_pages in bytes"
exact '# TYPE memsched_replica_dirty_bytes gauge' "export: dirty_pages a gauge"
exact 'memsched_replica_dirty_bytes{replica="src.ram",role="source"} 565248' "export: dirty_pages in bytes"
exact 'memsched_replica_last_pull_seconds{replica="src.ram",role="source"} 1.61' "export: last_pull_ns in seconds"
exact 'memsched_replica_last_baseline_seconds{replica="rec.ram",role="recovery"} 0.412' "export: last_baseline_ns in seconds"
tap_is "$(printf '%s\n' "$OUT" | grep '^memsched_replica_state{replica="rec.ram"' | tr '\n' ' ')" \
	'memsched_replica_state{replica="rec.ram",role="recovery",state="stopped"} 0 memsched_replica_state{replica="rec.ram",role="recovery",state="pulling"} 0 memsched_replica_state{replica="rec.ram",role="recovery",state="recovered"} 1 ' \
	"export: state one-hot over the recovery role's states"
tap_is "$(printf '%s\n' "$OUT" | grep '^memsched_replica_state{replica="src.ram"' | tr '\n' ' ')" \
	'memsched_replica_state{replica="src.ram",role="source",state="stopped"} 0 memsched_replica_state{replica="src.ram",role="source",state="listening"} 0 memsched_replica_state{replica="src.ram",role="source",state="serving"} 1 ' \
	"export: state one-hot over the source role's states"
tap_is "$(printf '%s\n' "$ERR" | grep -c 'left out')" 0 "export with pull stats: no metric left out (pull pages and bytes do not collide)"
tap_is "$(printf '%s\n' "$OUT" | grep -c -e '^memsched_replica_reset' -e '^memsched_replica_command' -e '^memsched_replica_role' -e '^memsched_replica_version')" 0 \
	"export: actions, role and version are not metrics"
if command -v promtool > /dev/null; then
	tap_is "$(printf '%s\n' "$OUT" | promtool check metrics 2>&1)" "" "export with replicas: promtool check metrics finds nothing"
else
	tap_skip "export with replicas: promtool check metrics finds nothing" "no promtool (Debian's prometheus package)"
fi
rm -rf "$RF"
run export -o -
tap_is "$RC/$(printf '%s\n' "$OUT" | grep -c '^memsched_replica_')" "0/0" "export without rdma_failover: no replica metrics, no error"

tap_done
