#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark, run inside the lab by `make bench` (not a test: absolute times
# on shared machines are noise, the ratios are the result).
#  1. Cost per sampled page per scan: memsched (KVM clear_young through the
#     VM's notifier, period 1 so every page is sampled) against
#     /proc/PID/clear_refs walking the same VMM's pages. Goal: <= 1.5x.
#  2. Guest slowdown with sampling on (defaults) vs off: sweeps per second of
#     a guest cycling over 64 MiB, 5 alternating runs each, medians (single
#     runs under TCG vary by up to 2x). Goal: <= 1%.
# Prints "RESULT key=value ..." lines.
set -u
. selftests/lib/tap.sh
. selftests/lib/memsched.sh
[ -c /dev/kvm ] || { echo "bench: needs /dev/kvm (lab --nested)"; exit 4; }
ms_load || exit 1
echo never > /sys/kernel/mm/transparent_hugepage/enabled
work=$(mktemp -d)

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# 1. Every page of a 256 MiB guest is touched by the guest, so the host
# page tables and the NPT both map all of them.
ms_vmm_start "$work/ready" --mem-mb 256 --wss-pages 65520 || exit 1
pid=$MS_VMM_PID
sleep 1
ms_write "$pid" "$MS_ROOT/attach" || exit 1
d=$(ms_vm "$pid")
echo 1000 > "$d/cpu_quota_ms"
echo 1 > "$d/sample_period"
echo 500 > "$d/scan_interval_ms"
ms_wait_scans "$d" 2
ns0=$(cat "$d/stats/scan_ns_total") p0=$(cat "$d/stats/nr_pages_scanned")
ms_wait_scans "$d" 6
ms_ns=$(( ($(cat "$d/stats/scan_ns_total") - ns0) * 10 / ($(cat "$d/stats/nr_pages_scanned") - p0) ))
ms_write "$pid" "$MS_ROOT/detach"

rss_pages=$(( $(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status") / 4 ))
total=0
for _ in 1 2 3 4 5 6; do
	t0=$(date +%s%N)
	echo 1 > "/proc/$pid/clear_refs"
	total=$((total + $(date +%s%N) - t0))
done
cr_ns=$(( total * 10 / 6 / rss_pages ))
ms_vmm_stop
printf 'RESULT sampling_cost memsched_ns_per_page=%d.%d clear_refs_ns_per_page=%d.%d pages=%d ratio=%s\n' \
	$((ms_ns / 10)) $((ms_ns % 10)) $((cr_ns / 10)) $((cr_ns % 10)) "$rss_pages" \
	"$(awk -v a="$ms_ns" -v b="$cr_ns" 'BEGIN { printf "%.2f", a / b }')"

# 2. Slowdown: the same guest with and without sampling, alternating.
run() { # on|off -> sweeps per second
	local out
	ms_vmm_start "$work/ready" --mem-mb 256 --wss-pages 16384 --seconds 8 || return 1
	[ "$1" = on ] && ms_write "$MS_VMM_PID" "$MS_ROOT/attach"
	wait "$MS_VMM_PID"
	out=$(cat "$work/ready.out")
	echo "$out" | sed -n 's/.*sweeps_per_s=\([0-9.]*\).*/\1/p'
}
: > "$work/off"; : > "$work/on"
for _ in 1 2 3 4 5; do
	run off >> "$work/off"
	run on >> "$work/on"
done
off=$(median < "$work/off") on=$(median < "$work/on")
printf 'RESULT guest_slowdown sweeps_per_s_off=%s sweeps_per_s_on=%s slowdown_pct=%s runs_off="%s" runs_on="%s"\n' \
	"$off" "$on" "$(awk -v a="$off" -v b="$on" 'BEGIN { printf "%.2f", (a - b) * 100 / a }')" \
	"$(tr '\n' ' ' < "$work/off")" "$(tr '\n' ' ' < "$work/on")"
rmmod memsched
rm -rf "$work"
