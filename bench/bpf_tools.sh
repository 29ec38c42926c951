#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark, run inside the lab by `make bench` (not a test: absolute times
# on shared machines are noise, the ratios are the result).
# What the eBPF tools (bpf/build: mschedtop, mschedlat, mschedsnoop, all
# three attached at once, with tp_btf where the module has BTF) cost
# memsched, in one run, alternating without and with them:
#  1. Sampling: the scan time per sampled page of a 256 MiB VM (period 1,
#     every page sampled), over 6 scans: stats/nr_scan_ns plus, with the
#     tools on, the run time of their BPF programs (kernel.bpf_stats_enabled,
#     bpftool's run_time_ns): nr_scan_ns is taken before msched_scan fires,
#     so it never includes the programs' cost.
#  2. Moves: all pages of a 64 MiB memschedfs file, held by a VMM, moved
#     node 0 -> 1 -> 0 (files/INO/move, synchronous), wall time.
# 5 rounds of each, off and on in turn; medians. Goal: at most 2% slower.
# Prints "RESULT key=value ..." lines.
set -u
. selftests/lib/tap.sh
. selftests/lib/memsched.sh
BPF=$TAP_REPO/bpf/build
ROUNDS=5

[ -c /dev/kvm ] || { echo "bench: needs /dev/kvm (lab --nested)"; exit 4; }
[ -d /sys/devices/system/node/node1 ] || { echo "bench: needs NUMA node 1 (lab --pmem)"; exit 4; }
[ -n "${EPOCHREALTIME:-}" ] || { echo "bench: needs bash >= 5 (EPOCHREALTIME)"; exit 4; }
for t in mschedtop mschedlat mschedsnoop; do
	[ -x "$BPF/$t" ] || { echo "bench: no $BPF/$t (make bpf)"; exit 1; }
done
for t in bpftool jq; do
	command -v $t > /dev/null || { echo "bench: needs $t (scripts/deps.sh installs it)"; exit 1; }
done
[ -n "$stats0" ] || { echo "bench: no kernel.bpf_stats_enabled sysctl"; exit 1; }
ms_load || exit 1
work=$(mktemp -d)
mnt=$work/mnt
tools=""
stats0=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null)
cleanup() {
	# shellcheck disable=SC2086
	[ -n "$tools" ] && { ms_stop_pids $tools; wait $tools; } 2>/dev/null
	[ -n "$stats0" ] && sysctl -qw kernel.bpf_stats_enabled="$stats0"
	ms_vmm_stop
	umount "$mnt" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) * 100 / a }'; }

# tools_on: start the three tools, wait until all are attached (at most
# 300 s: loading under TCG is slow). tools_off: stop them.
tools_on() {
	"$BPF/mschedtop" -b 1 > "$work/top" 2>&1 &
	tools=$!
	"$BPF/mschedlat" 1 > "$work/lat" 2>&1 &
	tools="$tools $!"
	"$BPF/mschedsnoop" > "$work/snoop" 2>&1 &
	tools="$tools $!"
	for _ in $(seq 1500); do
		if grep -q "tracing memsched" "$work/top" && grep -q "Tracing memsched" "$work/lat" &&
		   grep -q "^TIME" "$work/snoop"; then
			sleep 2	# the loaders' exit work done, as after tools_off
			return 0
		fi
		sleep 0.2
	done
	echo "bench: the tools did not attach: $(cat "$work/top" "$work/lat" "$work/snoop")"
	return 1
}
tools_off() {
	# shellcheck disable=SC2086
	ms_stop_pids $tools
	# shellcheck disable=SC2086
	wait $tools
	tools=""
	sleep 2
}

# 1. Sampling cost per page.
ms_vmm_start "$work/ready" --mem-mb 256 --wss-pages 65520 || exit 1
pid=$MS_VMM_PID
ms_write "$pid" "$MS_ROOT/attach" || exit 1
d=$(ms_vm "$pid")
echo 1000 > "$d/cpu_quota_ms"
echo 1 > "$d/sample_period"
echo 500 > "$d/scan_interval_ms"
ms_wait_scans "$d" 2 || { echo "bench: the VM was not scanned twice" >&2; exit 1; }
# bpf_ns: run_time_ns summed over the loaded BPF programs of the tools (one
# per msched_* tracepoint, named after it; kernel.bpf_stats_enabled=1)
bpf_ns() {
	bpftool prog show -j | jq '[.[] | select(.name // "" | startswith("msched_")) | .run_time_ns // 0] | add // 0'
}
# scan_cost: tenths of ns per page over the next 6 scans: nr_scan_ns, plus
# the tools' BPF programs' run time when they are on (nr_scan_ns stops
# before msched_scan fires)
scan_cost() {
	local ns0 p0 b0=0 b1=0 ns1 p1
	ms_wait_scans "$d" 1 || { echo "bench: no scan within the wait" >&2; exit 1; }
	[ -n "$tools" ] && b0=$(bpf_ns)
	ns0=$(cat "$d/stats/nr_scan_ns") p0=$(cat "$d/stats/nr_pages_scanned")
	ms_wait_scans "$d" 6 || { echo "bench: fewer than 6 scans within the wait" >&2; exit 1; }
	ns1=$(cat "$d/stats/nr_scan_ns") p1=$(cat "$d/stats/nr_pages_scanned")
	[ -n "$tools" ] && b1=$(bpf_ns)
	[ $((p1 - p0)) -gt 0 ] || { echo "bench: 6 scans and no page scanned ($p0 -> $p1)" >&2; exit 1; }
	[ -z "$tools" ] || [ "$b1" -gt "$b0" ] ||
		{ echo "bench: the tools' BPF programs show no run time ($b0 -> $b1): not attached to msched_*?" >&2; exit 1; }
	echo $(( (ns1 - ns0 + b1 - b0) * 10 / (p1 - p0) ))
}
: > "$work/scan_off"; : > "$work/scan_on"
for _ in $(seq $ROUNDS); do
	scan_cost >> "$work/scan_off"
	sysctl -qw kernel.bpf_stats_enabled=1 || exit 1
	tools_on || exit 1
	scan_cost >> "$work/scan_on"
	tools_off
	sysctl -qw kernel.bpf_stats_enabled="$stats0"
done
ms_vmm_stop
off=$(median < "$work/scan_off") on=$(median < "$work/scan_on")
printf 'RESULT bpf_tools_sampling ns_per_page_off=%d.%d ns_per_page_on=%d.%d slowdown_pct=%s runs_off="%s" runs_on="%s"\n' \
	$((off / 10)) $((off % 10)) $((on / 10)) $((on % 10)) "$(pct "$off" "$on")" \
	"$(tr '\n' ' ' < "$work/scan_off")" "$(tr '\n' ' ' < "$work/scan_on")"

# 2. Moves of a VM's 64 MiB memschedfs RAM file.
mkdir -p "$mnt"
mount -t memschedfs -o huge=never none "$mnt" || exit 1
ms_vmm_start "$work/ready2" --mem-mb 64 --wss-pages 64 --populate --mem-path "$mnt/ram" || exit 1
f=$MS_ROOT/files/$(stat -c %i "$mnt/ram")
ms_write "$MS_VMM_PID" "$MS_ROOT/attach" || exit 1
# move_us: microseconds to move the file to node 1 and back
move_us() {
	local t0 t1
	t0=$EPOCHREALTIME
	{ echo 1 > "$f/move" && echo 0 > "$f/move"; } 2> "$work/move.err" ||
		{ echo "bench: moving $f failed: $(cat "$work/move.err")" >&2; exit 1; }
	t1=$EPOCHREALTIME
	echo $(( (${t1/./} - ${t0/./}) ))
}
: > "$work/move_off"; : > "$work/move_on"
for _ in $(seq $ROUNDS); do
	move_us >> "$work/move_off"
	tools_on || exit 1
	move_us >> "$work/move_on"
	tools_off
done
off=$(median < "$work/move_off") on=$(median < "$work/move_on")
printf 'RESULT bpf_tools_moves us_off=%d us_on=%d pages=%d slowdown_pct=%s runs_off="%s" runs_on="%s"\n' \
	"$off" "$on" "$(cat "$f/size_pages")" "$(pct "$off" "$on")" \
	"$(tr '\n' ' ' < "$work/move_off")" "$(tr '\n' ' ' < "$work/move_on")"
