#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# memschedctl export against the real module and Debian's node_exporter:
# a live attached VM (kvm_wss_vm) and a memschedfs file moved to node 1
# are exported to a textfile directory that node_exporter (textfile
# collector only) serves; curl's /metrics has every series of the file with
# its value, the values equal what sysfs held at the export (pages in bytes, ns in
# seconds, counters named _total), labels pid/name and ino/name (escaped),
# promtool check metrics passes, node_exporter reports no scrape error.
# The scheduler: after a few periods on a 16 MiB pool, the VM's
# shares, target, actual and active memory and its reclaim counters, and
# the global pool, periods and decisions, as sysfs has them.
# Bad input: module not loaded, unknown option, unwritable directory.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/memsched.sh"
ms_require_kvm
ctl=$TAP_REPO/tools/build/memschedctl
NE=${NODE_EXPORTER:-/usr/bin/prometheus-node-exporter}
PATTERN=$TAP_REPO/selftests/memsched/vmm/build/fs_pattern
[ -x "$ctl" ] || tap_skip_all "tools/build/memschedctl not built (make tools)"
[ -x "$NE" ] || tap_skip_all "no $NE (scripts/deps.sh installs Debian's prometheus-node-exporter)"
command -v curl > /dev/null || tap_skip_all "no curl (scripts/deps.sh installs it)"
tap_plan 45

work=$(mktemp -d)
mnt=$work/mnt
tdir=$work/textfile
mkdir -p "$mnt" "$tdir"
ne_pid=""
# shellcheck disable=SC2086
trap '[ -n "$ne_pid" ] && { ms_stop_pids $ne_pid; wait $ne_pid 2>/dev/null; }; ms_vmm_stop; umount "$mnt" 2>/dev/null; rm -rf "$work"' EXIT

# Bad input first: no module, an unknown option, -o with --textfile-dir.
ms_unload memsched
out=$("$ctl" export -o - 2>&1); rc=$?
tap_is "$rc/$(echo "$out" | wc -l)/$(echo "$out" | grep -c 'is memsched.ko loaded?')" "1/1/1" \
	"module not loaded: exit 1, one line that says so"
out=$("$ctl" export --bogus 2>&1); rc=$?
tap_is "$rc/$(echo "$out" | grep -c "unknown option '--bogus'")/$(echo "$out" | grep -c '^Usage: memschedctl export \[')/$(echo "$out" | grep -c 'export -h')" "2/1/1/1" \
	"unknown option: exit 2, the synopsis (Usage: memschedctl export [...]) and a hint at -h"
out=$("$ctl" export -o - --textfile-dir "$tdir" 2>&1); rc=$?
tap_is "$rc/$(echo "$out" | grep -c 'exclude each other')" "2/1" "-o and --textfile-dir together: exit 2"

ms_load || { tap_fail "load memsched"; tap_done; }
out=$("$ctl" export --textfile-dir "$work/nodir" 2>&1); rc=$?
tap_is "$rc/$(echo "$out" | grep -c "^memschedctl: $work/nodir: cannot create a file in this directory: .*(ENOENT)")" "1/1" \
	"a missing directory: exit 1, the message names it"
: > "$work/plain"
out=$("$ctl" export --textfile-dir "$work/plain" 2>&1); rc=$?
tap_is "$rc/$(echo "$out" | grep -c "$work/plain: .*(ENOTDIR)")" "1/1" \
	"a directory that is a file: exit 1, the message names it"

# A VM, scanned a few times, then quiesced: one scan a minute at most.
ms_vmm_start "$work/ready" --mem-mb 64 --wss-pages 1024 || { tap_fail "start VMM"; tap_done; }
pid=$MS_VMM_PID
vm=$(ms_vm "$pid")
tap_ok "attach" "$ctl" attach "$pid"
echo 100 > "$vm/scan_interval_ms"
ms_wait_scans "$vm" 3 || tap_diag "fewer than 3 scans: $(cat "$vm/stats/nr_scans")"
echo 60000 > "$vm/scan_interval_ms"
echo 2048 > "$vm/balloon/target_pages"
prev=-1
for _ in $(seq 30); do
	cur=$(cat "$vm/stats/nr_scans")
	[ "$cur" = "$prev" ] && break
	prev=$cur
	sleep 1
done

# The scheduler: shares 1500, three periods or more on a 16 MiB pool, then
# off, so that its targets and counters hold still for the export.
sd=$MS_ROOT/sched
echo 1500 > "$vm/sched/shares"
echo 4096 > "$sd/pool_pages"
echo 100 > "$sd/period_ms"
p0=$(cat "$sd/stats/nr_periods")
echo 1 > "$sd/enabled"
for _ in $(seq 300); do
	[ "$(cat "$sd/stats/nr_periods")" -ge $((p0 + 3)) ] && break
	sleep 0.1
done
echo 0 > "$sd/enabled"

# A memschedfs file named with a quote and a backslash (label escaping),
# 16 MiB filled, then all of it moved to node 1 (fs move moves every page
# of the file) when there is one.
tap_ok "mount memschedfs" mount -t memschedfs none "$mnt"
fname='ram"0\x'
f=$mnt/$fname
tap_ok "fs_pattern fills the 16 MiB file" "$PATTERN" --file "$f" --mb 16 --seconds 0
ino=$(stat -c %i "$f")
fd=$MS_ROOT/files/$ino
if [ -d /sys/devices/system/node/node1 ]; then
	tap_ok "memschedctl fs move: the file to node 1" "$ctl" fs move "$f" 1
else
	tap_skip "memschedctl fs move: the file to node 1" "no NUMA node 1 (the lab runs with --pmem)"
fi

# node_exporter with the textfile collector only, on a free local port.
port=$((20000 + $$ % 20000))
"$NE" --collector.disable-defaults --collector.textfile \
	--collector.textfile.directory="$tdir" --web.listen-address="127.0.0.1:$port" \
	> "$work/ne.log" 2>&1 &
ne_pid=$!
for _ in $(seq 100); do
	curl -sf "http://127.0.0.1:$port/metrics" > /dev/null && break
	sleep 0.1
done

# Export while the values hold still: the sysfs values copied right before
# and right after the export are the same (else the export once more). The
# checks below compare the file with the copy taken right after it ($sv,
# $sf), not with sysfs read later: a scan may land in between (the lab can
# pause for minutes).
# snap DIR: copy the exported sysfs values to DIR/vm and DIR/file
snap() {
	local k
	mkdir -p "$1/vm/classes" "$1/vm/stats" "$1/vm/balloon" "$1/vm/sched/stats" \
		"$1/file/stats" "$1/sched/stats"
	for k in guest_pages wss_pages classes/active stats/nr_scans stats/nr_young_pages \
		 stats/nr_scan_ns balloon/target_pages sched/shares sched/target_dram_pages \
		 sched/actual_dram_pages sched/active_pages sched/stats/nr_balloon_pages \
		 sched/stats/nr_returned_pages; do
		cat "$vm/$k" > "$1/vm/$k"
	done
	for k in enabled pool_pages stats/nr_periods stats/nr_decisions; do
		cat "$sd/$k" > "$1/sched/$k"
	done
	for k in size_pages resident_pages stats/nr_faults node_pages; do
		cat "$fd/$k" > "$1/file/$k"
	done
}
for try in 1 2; do
	rm -rf "$work/before" "$work/after"
	snap "$work/before"
	"$ctl" export --textfile-dir "$tdir" > "$work/export.out" 2>&1; rc=$?
	snap "$work/after"
	diff -r "$work/before" "$work/after" > "$work/snap.diff" && break
	tap_diag "try $try: sysfs changed during the export: $(tr '\n' ' ' < "$work/snap.diff")"
done
tap_ok "sysfs held still during the export (try $try)" diff -r "$work/before" "$work/after"
sv=$work/after/vm sf=$work/after/file ss=$work/after/sched
prom=$tdir/memsched.prom
tap_is "$rc/$(stat -c %a "$prom" 2>&1)/$(ls -A "$tdir" | wc -l)" "0/644/1" \
	"export --textfile-dir: exit 0, memsched.prom mode 0644, no temporary file left"
[ "$rc" = 0 ] || tap_diag "export: $(cat "$work/export.out")"
tap_diag "families: $(awk '/^# TYPE/ { printf "%s ", $3 }' "$prom")"
if [ -x /usr/bin/promtool ] || command -v promtool > /dev/null; then
	tap_ok "promtool check metrics passes on the file" sh -c "promtool check metrics < '$prom'"
else
	tap_skip "promtool check metrics passes on the file" "no promtool (Debian's prometheus package)"
fi
curl -sf "http://127.0.0.1:$port/metrics" > "$work/scrape" || tap_diag "curl failed: $(cat "$work/ne.log")"
tap_is "$(awk '$1 == "node_textfile_scrape_error" { print $2 }' "$work/scrape")" 0 \
	"node_exporter: node_textfile_scrape_error 0"
tap_ok "node_exporter: the file's mtime is exported" grep -q 'node_textfile_mtime_seconds{file=".*memsched.prom"}' "$work/scrape"

# Every series of the file is served with its value: per family, the same
# values (node_exporter sorts labels and prints floats its own way).
series() { awk '/^memsched_/ { f = $1; sub(/[{ ].*/, "", f); printf "%s %.17g\n", f, $NF }' "$1" | sort; }
series "$prom" > "$work/file.series"
series "$work/scrape" > "$work/scrape.series"
n=$(wc -l < "$work/file.series")
tap_ok "node_exporter serves every memsched series of the file ($n) with its value" \
	all_of [ "$n" -gt 0 ] -- [ "$(wc -l < "$work/scrape.series")" = "$n" ] -- \
	diff "$work/file.series" "$work/scrape.series"
tap_ok "families: counters end in _total, gauges do not" awk '
	/^# TYPE / { t[$3] = $4; n++ }
	END { for (m in t) if ((t[m] == "counter") != (m ~ /_total$/)) { print m, t[m]; exit 1 }
	      exit n < 10 }' "$prom"

# val FILE FAMILY LABEL...: the value of the series of FAMILY whose labels
# include every LABEL (k="v"), in either label order.
val() {
	local file=$1 fam=$2
	shift 2
	awk -v fam="$fam" -v sels="$*" 'index($0, fam "{") == 1 {
		n = split(sels, s, " "); ok = 1
		for (i = 1; i <= n; i++) if (!index($0, s[i])) ok = 0
		if (ok) { print $NF; exit }
	}' "$file"
}
# is_sysfs FAMILY "LABELS" WANT NAME: the file holds exactly WANT, the
# scrape the same number.
is_sysfs() {
	local got scraped
	got=$(val "$prom" "$1" $2)
	scraped=$(val "$work/scrape" "$1" $2)
	if [ "$got" = "$3" ] && awk -v a="$scraped" -v b="$3" 'BEGIN { exit !(a != "" && a + 0 == b + 0) }'; then
		tap_pass "$4 ($1 $3)"
	else
		tap_fail "$4" "$1{$2}: file '$got', scrape '$scraped', sysfs says $3"
	fi
}
pages() { echo $(( $(cat "$1") * 4096 )); }

v="pid=\"$pid\""
comm=$(cat "/proc/$pid/comm")
tap_ok "VM labels: pid and name (the process's comm, $comm)" \
	grep -qF "memsched_vm_guest_bytes{pid=\"$pid\",name=\"$comm\"}" "$prom"
is_sysfs memsched_vm_guest_bytes "$v" "$(pages "$sv/guest_pages")" "guest_pages in bytes"
is_sysfs memsched_vm_wss_bytes "$v" "$(pages "$sv/wss_pages")" "wss_pages in bytes"
is_sysfs memsched_vm_class_bytes "$v class=\"active\"" "$(pages "$sv/classes/active")" "classes/active in bytes"
scans=$(cat "$sv/stats/nr_scans")
tap_ok "the VM was scanned ($scans scans)" [ "$scans" -ge 3 ]
is_sysfs memsched_vm_scans_total "$v" "$scans" "stats/nr_scans as a counter"
is_sysfs memsched_vm_young_pages_total "$v" "$(cat "$sv/stats/nr_young_pages")" "stats/nr_young_pages as a counter (a count of pages, not bytes)"
ns=$(cat "$sv/stats/nr_scan_ns")
is_sysfs memsched_vm_scan_seconds_total "$v" "$(awk -v n="$ns" 'BEGIN { s = sprintf("%d.%09d", n / 1e9, n % 1e9); sub(/0+$/, "", s); sub(/\.$/, "", s); print s }')" \
	"stats/nr_scan_ns in seconds"
is_sysfs memsched_vm_scan_interval_seconds "$v" 60 "scan_interval_ms 60000 is 60 s"
is_sysfs memsched_vm_balloon_target_bytes "$v" "$(pages "$sv/balloon/target_pages")" "balloon/target_pages in bytes"
tap_is "$(cat "$sv/balloon/target_pages")" 2048 "balloon/target_pages is the 2048 written"

# The scheduler's metrics (unlabelled ones through is_global)
# is_global FAMILY WANT NAME: the file's sample of FAMILY without labels
is_global() {
	local got scraped
	got=$(awk -v f="$1" '$1 == f { print $2 }' "$prom")
	scraped=$(awk -v f="$1" '$1 == f { print $2 }' "$work/scrape")
	if [ "$got" = "$2" ] && awk -v a="$scraped" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 == b + 0) }'; then
		tap_pass "$3 ($1 $2)"
	else
		tap_fail "$3" "$1: file '$got', scrape '$scraped', sysfs says $2"
	fi
}
tap_diag "sched: $(cat "$vm/sched/decision"); target $(cat "$sv/sched/target_dram_pages"), actual $(cat "$sv/sched/actual_dram_pages"), active $(cat "$sv/sched/active_pages") pages"
is_sysfs memsched_vm_sched_shares "$v" 1500 "sched/shares as written"
tp=$(cat "$sv/sched/target_dram_pages")
tap_ok "sched/target_dram_pages is within the 4096-page pool ($tp)" [ "$tp" -le 4096 ]
is_sysfs memsched_vm_sched_target_dram_bytes "$v" $((tp * 4096)) "sched/target_dram_pages in bytes"
is_sysfs memsched_vm_sched_actual_dram_bytes "$v" "$(pages "$sv/sched/actual_dram_pages")" "sched/actual_dram_pages in bytes"
is_sysfs memsched_vm_sched_active_bytes "$v" "$(pages "$sv/sched/active_pages")" "sched/active_pages in bytes"
is_sysfs memsched_vm_sched_reclaimed_bytes_total "$v mechanism=\"balloon\"" "$(pages "$sv/sched/stats/nr_balloon_pages")" \
	"sched/stats/nr_balloon_pages as the balloon series of the reclaimed family"
is_global memsched_sched_enabled 0 "sched/enabled, off again"
is_global memsched_sched_pool_bytes $((4096 * 4096)) "sched/pool_pages 4096 in bytes"
tap_ok "three periods or more ran ($p0 -> $(cat "$ss/stats/nr_periods"))" [ "$(cat "$ss/stats/nr_periods")" -ge $((p0 + 3)) ]
is_global memsched_sched_periods_total "$(cat "$ss/stats/nr_periods")" "sched/stats/nr_periods as a counter"
is_global memsched_sched_decisions_total "$(cat "$ss/stats/nr_decisions")" "sched/stats/nr_decisions as a counter"

fl="ino=\"$ino\""
tap_ok "file labels: ino and the name escaped (\\\" and \\\\)" \
	grep -qF "memsched_file_size_bytes{ino=\"$ino\",name=\"ram\\\"0\\\\x\"}" "$prom"
tap_ok "node_exporter keeps the escaped name" \
	grep -qF "memsched_file_size_bytes{ino=\"$ino\",name=\"ram\\\"0\\\\x\"}" "$work/scrape"
is_sysfs memsched_file_size_bytes "$fl" "$(pages "$sf/size_pages")" "file size_pages in bytes"
is_sysfs memsched_file_resident_bytes "$fl" "$(pages "$sf/resident_pages")" "file resident_pages in bytes"
is_sysfs memsched_file_faults_total "$fl" "$(cat "$sf/stats/nr_faults")" "file stats/nr_faults as a counter"
n=$(awk 'END { print NR }' "$sf/node_pages")
bad=""
while read -r node p; do
	[ "$(val "$prom" memsched_file_node_bytes "$fl" "node=\"$node\"")" = $((p * 4096)) ] || bad="$bad $node"
done < "$sf/node_pages"
tap_is "$((n > 0))/$n/$(grep -c "^memsched_file_node_bytes{$fl" "$prom")/$bad" "1/$n/$n/" \
	"node_pages: one series per node, in bytes ($(tr '\n' ' ' < "$sf/node_pages"))"

tap_ok "detach" "$ctl" detach "$pid"
ms_vmm_stop
rm -f "$f"
umount "$mnt"
rmmod memsched
tap_done
