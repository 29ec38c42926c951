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
#  3. Working set against DAMON (vaddr, sysfs; a kernel with DAMON, such as
#     the bench kernel: scripts/debug-kernel.sh --variant bench) on the same
#     VMM, whose guest touches a known set of pages: each one's working-set
#     error against the truth and its CPU time, at both tools' defaults and
#     at matched cost (DAMON slowed to memsched's cost, memsched sped up to
#     DAMON's). Without DAMON only memsched's part runs, and says so.
# Prints "RESULT key=value ..." lines.
set -u
. selftests/lib/tap.sh
. selftests/lib/memsched.sh
. bench/lib/damon.sh
[ -c /dev/kvm ] || { echo "bench: needs /dev/kvm (lab --nested)"; exit 4; }
ms_load || exit 1
echo never > /sys/kernel/mm/transparent_hugepage/enabled
work=$(mktemp -d)

# SAMPLING_PARTS: which parts to run (default "1 2 3").
want() { case " ${SAMPLING_PARTS:-1 2 3} " in *" $1 "*) return 0 ;; esac; return 1; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# 1. Every page of a 256 MiB guest is touched by the guest, so the host
# page tables and the NPT both map all of them.
if want 1; then
	ms_vmm_start "$work/ready" --mem-mb 256 --wss-pages 65520 || exit 1
	pid=$MS_VMM_PID
	sleep 1
	ms_write "$pid" "$MS_ROOT/attach" || exit 1
	d=$(ms_vm "$pid")
	echo 1000 > "$d/cpu_quota_ms"
	echo 1 > "$d/sample_period"
	echo 500 > "$d/scan_interval_ms"
	ms_wait_scans "$d" 2
	ns0=$(cat "$d/stats/nr_scan_ns") p0=$(cat "$d/stats/nr_pages_scanned")
	ms_wait_scans "$d" 6
	ms_ns=$(( ($(cat "$d/stats/nr_scan_ns") - ns0) * 10 / ($(cat "$d/stats/nr_pages_scanned") - p0) ))
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
fi

# 2. Slowdown: the same guest with and without sampling, alternating.
if want 2; then
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
fi

# 3. The working set against DAMON's, on one VMM: 256 MiB of guest RAM, all
# resident (--populate), the guest writing W = 16384 pages (64 MiB, one
# contiguous range) per sweep; the truth is W + 1 pages (with the code page).
# The tools take turns (memsched detached while DAMON runs): both clear the
# same accessed bits. The VMM runs at nice 19 so that, on the lab's one
# vCPU, the threads that sample (memsched's worker, kdamond) are not
# preempted by the guest: memsched's scan time (the wall time of its scans)
# is then its CPU time. memsched's working set is wss_pages, read after each
# scan. DAMON watches the VMM's whole address space (vaddr); its working set
# is, per aggregation interval, the guest RAM covered by regions with
# nr_accesses > 0 (from damon:damon_aggregated). Each one's figure is the
# median over the window, its error the median absolute error (% of the
# truth). CPU: memsched's stats/nr_scan_ns, kdamond's CPU time (its
# /proc/PID/schedstat, measured with the trace event off), per second.
W=16384 MEM_MB=256
truth=$((W + 1))

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }

# ws_stats TRUTH < values: "MEDIAN MEDIAN_ABS_ERR_PCT N"
ws_stats() {
	awk -v t="$1" '
	function med(x, n,   i, j, v) {
		for (i = 2; i <= n; i++) {
			v = x[i]
			for (j = i - 1; j >= 1 && x[j] > v; j--) x[j + 1] = x[j]
			x[j + 1] = v
		}
		return x[int((n + 1) / 2)]
	}
	{ n++; v[n] = $1; e[n] = ($1 > t ? $1 - t : t - $1) * 100 / t }
	END { if (!n) { print "- - 0"; exit }; m = med(v, n); printf "%d %.2f %d\n", m, med(e, n), n }'
}

# guest_range PID BYTES: "LO HI" (decimal) of PID's mapping of exactly BYTES
guest_range() {
	local r a b
	while read -r r _; do
		a=$((16#${r%-*})) b=$((16#${r#*-}))
		[ $((b - a)) -eq "$2" ] && { echo "$a $b"; return 0; }
	done < "/proc/$1/maps"
	return 1
}

# ms_run PERIOD INTERVAL_MS QUOTA_MS SCANS: attach memsched with these knobs,
# let it fill its window (wss_scans), then read wss_pages after each of SCANS
# scans; detach. Prints "WSS ERR_PCT N CPU_MS_PER_S".
ms_run() {
	local d f=$work/ms_ws ns0 ns1 t0 t1
	ms_write "$pid" "$MS_ROOT/attach" >&2 || return 1
	d=$(ms_vm "$pid")
	[ "$(cat "$d/sample_period")" = "$1" ] || echo "$1" > "$d/sample_period"
	echo "$2" > "$d/scan_interval_ms"
	echo "$3" > "$d/cpu_quota_ms"
	ms_wait_scans "$d" $(( $(cat "$d/wss_scans") + 2 )) || return 1
	: > "$f"
	read -r ns0 < "$d/stats/nr_scan_ns"; t0=$(date +%s%N)
	for _ in $(seq "$4"); do
		ms_wait_scans "$d" 1 || return 1
		cat "$d/wss_pages" >> "$f"
	done
	read -r ns1 < "$d/stats/nr_scan_ns"; t1=$(date +%s%N)
	echo "bench: memsched period=$1 interval=${2}ms: wss_pages $(tr '\n' ' ' < "$f")truncated_scans=$(cat "$d/stats/nr_truncated_scans")" >&2
	ms_write "$pid" "$MS_ROOT/detach" >&2
	echo "$(ws_stats "$truth" < "$f") $(awk -v c=$((ns1 - ns0)) -v w=$((t1 - t0)) 'BEGIN { printf "%.3f", c * 1000 / w }')"
}

# damon_run SAMPLE_US AGGR_US WARM_S CPU_S TRACE_S: DAMON vaddr on the VMM;
# after WARM_S, kdamond's CPU over CPU_S, then the regions over TRACE_S.
# Prints "WSS ERR_PCT N CPU_MS_PER_S REGIONS" (REGIONS: median count).
damon_run() {
	local upd c0 c1 t0 t1 tr=$work/damon.trace regions
	upd=$(( $2 > 1000000 ? $2 : 1000000 ))
	damon_start "$pid" "$1" "$2" "$upd" >&2 || { damon_cleanup; return 1; }
	sleep "$3"
	c0=$(task_cpu_ns "$DAMON_PID"); t0=$(date +%s%N)
	sleep "$4"
	c1=$(task_cpu_ns "$DAMON_PID"); t1=$(date +%s%N)
	damon_trace_on
	sleep "$5"
	damon_trace_off "$tr"
	damon_stop
	damon_ws "$lo" "$hi" < "$tr" > "$work/damon_ws"
	echo "bench: DAMON sample=${1}us aggr=${2}us: $(wc -l < "$tr") events, working set/regions per aggregation: $(head -n 40 "$work/damon_ws" | awk '{ printf "%s/%s ", $1, $2 }')" >&2
	regions=$(awk '{ print $2 }' "$work/damon_ws" | median)
	echo "$(awk '{ print $1 }' "$work/damon_ws" | ws_stats "$truth") $(awk -v c=$((c1 - c0)) -v w=$((t1 - t0)) 'BEGIN { printf "%.3f", c * 1000 / w }') ${regions:--}"
}

if want 3; then
	ms_vmm_start "$work/ready" --mem-mb "$MEM_MB" --wss-pages "$W" --populate || exit 1
	pid=$MS_VMM_PID
	renice -n 19 -p "$pid" > /dev/null
	read -r lo hi <<< "$(guest_range "$pid" $((MEM_MB << 20)))"
	[ -n "${hi:-}" ] || { echo "bench: no ${MEM_MB} MiB mapping in the VMM's maps"; exit 1; }

	if damon_available > "$work/damon_why"; then damon=1; else damon=0; fi
	damon_cleanup

	# Both tools at their defaults: memsched sample_period 16, scan every 1 s,
	# 100 ms/s CPU quota; DAMON 5 ms sampling, 100 ms aggregation, 1 s update,
	# 10 to 1000 regions.
	ms_def=$(ms_run 16 1000 100 10) || ms_def=""
	read -r m_ws m_err _ m_cpu <<< "${ms_def:-- - - -}"
	if [ "$damon" = 0 ]; then
		echo "bench: DAMON: $(cat "$work/damon_why"); the DAMON comparison is skipped"
		echo "RESULT wss_damon_defaults truth_pages=$truth memsched_wss_pages=$m_ws memsched_err_pct=$m_err memsched_cpu_ms_per_s=$m_cpu damon=unavailable"
	else
		d_def=$(damon_run 5000 100000 5 10 5) || d_def=""
		read -r d_ws d_err d_n d_cpu d_reg <<< "${d_def:-- - - - -}"
		echo "RESULT wss_damon_defaults truth_pages=$truth memsched_wss_pages=$m_ws memsched_err_pct=$m_err memsched_cpu_ms_per_s=$m_cpu damon_wss_pages=$d_ws damon_err_pct=$d_err damon_cpu_ms_per_s=$d_cpu damon_regions=$d_reg damon_aggregations=$d_n cpu_ratio_damon_memsched=$(ratio "$d_cpu" "$m_cpu") err_ratio_damon_memsched=$(ratio "$d_err" "$m_err")"

		# Matched cost, both ways, scaling by k = DAMON's CPU / memsched's at
		# the defaults. DAMON at memsched's cost: sampling (and aggregation)
		# intervals times k, 20 samples per aggregation up to a 2 s
		# aggregation. memsched at DAMON's cost: sample_period divided by k
		# (down to 1, then the scan interval shrinks), CPU quota off.
		if [ -n "$ms_def" ] && [ -n "$d_def" ] && [ "$(ratio "$d_cpu" "$m_cpu")" != n/a ]; then
			read -r s_us a_us warm trace_s p iv <<< "$(awk -v k="$(ratio "$d_cpu" "$m_cpu")" 'BEGIN {
				s = int(5000 * k); if (s < 1000) s = 1000; if (s > 1000000) s = 1000000
				a = 20 * s; if (a > 2000000) a = (2 * s > 2000000 ? 2 * s : 2000000)
				warm = 10 * a / 1e6; if (warm < 5) warm = 5
				tr = 6 * a / 1e6 + 1; if (tr < 5) tr = 5
				p = int(16 / k + 0.5); iv = 1000
				if (16 / k < 1) { p = 1; iv = int(1000 * 16 / k + 0.5); if (iv < 10) iv = 10 }
				if (p > 1024) p = 1024
				printf "%d %d %d %d %d %d\n", s, a, warm, tr, p, iv }')"
			d_mat=$(damon_run "$s_us" "$a_us" "$warm" 10 "$trace_s") || d_mat=""
			read -r dm_ws dm_err dm_n dm_cpu dm_reg <<< "${d_mat:-- - - - -}"
			echo "RESULT wss_damon_at_memsched_cost truth_pages=$truth damon_sample_us=$s_us damon_aggr_us=$a_us memsched_cpu_ms_per_s=$m_cpu damon_cpu_ms_per_s=$dm_cpu cpu_ratio_damon_memsched=$(ratio "$dm_cpu" "$m_cpu") memsched_err_pct=$m_err damon_wss_pages=$dm_ws damon_err_pct=$dm_err damon_regions=$dm_reg damon_aggregations=$dm_n err_ratio_damon_memsched=$(ratio "$dm_err" "$m_err")"
			ms_mat=$(ms_run "$p" "$iv" 1000 10) || ms_mat=""
			read -r mm_ws mm_err _ mm_cpu <<< "${ms_mat:-- - - -}"
			echo "RESULT wss_memsched_at_damon_cost truth_pages=$truth memsched_sample_period=$p memsched_scan_interval_ms=$iv memsched_cpu_ms_per_s=$mm_cpu damon_cpu_ms_per_s=$d_cpu cpu_ratio_damon_memsched=$(ratio "$d_cpu" "$mm_cpu") memsched_wss_pages=$mm_ws memsched_err_pct=$mm_err damon_err_pct=$d_err err_ratio_damon_memsched=$(ratio "$d_err" "$mm_err")"
		fi
	fi
	damon_cleanup
	ms_vmm_stop
fi
rmmod memsched
rm -rf "$work"
