#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tools/build/memschedctl against the real module: every attach/detach/set
# error maps the kernel's errno to its message and exit code 1; status,
# list and mrc report the values sysfs holds, in text and --json (parsed
# with jq); knobs lists the module's knobs; record and report draw a VM;
# fs list/show/set/move work on a real memschedfs mount; sched sets a VM's
# shares, min and max (the kernel's refusals with errno and range) and
# shows its row as sysfs has it after a few periods on a small pool.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/memsched.sh"
ms_require_kvm
ctl=$TAP_REPO/tools/build/memschedctl
[ -x "$ctl" ] || tap_skip_all "tools/build/memschedctl not built (make tools)"
tap_plan 51

work=$(mktemp -d)
trap 'ms_vmm_stop; umount "$work/mnt" 2>/dev/null; rm -rf "$work"' EXIT
ms_load || { tap_fail "load memsched"; tap_done; }

# expect_err WANT NAME ARGS...: exit 1 and WANT in the message
expect_err() {
	local want=$1 name=$2 out rc
	shift 2
	out=$("$ctl" "$@" 2>&1); rc=$?
	if [ "$rc" = 1 ] && echo "$out" | grep -q -- "$want"; then
		tap_pass "$name"
	else
		tap_fail "$name" "exit $rc, output: $out"
	fi
}

# wait_ge FILE N [SECS]: until FILE reads N or more (default 30 s)
wait_ge() {
	for _ in $(seq $(( ${3:-30} * 10 ))); do
		[ "$(cat "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

true & dead=$!
wait "$dead"
expect_err "ESRCH" "attach a dead pid: ESRCH" attach "$dead"
expect_err "EINVAL" "attach a process without a VM: EINVAL" attach $$
expect_err "ENOENT" "detach a pid that is not attached: ENOENT" detach $$

ms_vmm_start "$work/ready" --mem-mb 64 --wss-pages 1024 || tap_fail "start VMM"
pid=$MS_VMM_PID
tap_ok "attach" "$ctl" attach "$pid"
expect_err "EEXIST" "attach twice: EEXIST" attach "$pid"
tap_ok "set scan_interval_ms" "$ctl" set "$pid" scan_interval_ms 100
tap_is "$(cat "$(ms_vm "$pid")/scan_interval_ms")" 100 "the knob holds the value set"
expect_err "rejected" "set an out-of-range value: rejected" set "$pid" sample_period 4096
"$ctl" set "$pid" sample_period 1
# Whole scans (a scan cut short by the CPU quota on the debug kernel may
# miss the working set, and the estimate flickers to 0).
ms_pace_scans "$(ms_vm "$pid")" 100 > /dev/null
ms_wait_scans "$(ms_vm "$pid")" 5
# status_shows_wss: status prints the working set the sysfs file holds
# (read before and after, equal: no scan ended in between).
status_shows_wss() {
	local a b out
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		a=$(cat "$(ms_vm "$pid")/wss_pages")
		out=$("$ctl" status "$pid")
		b=$(cat "$(ms_vm "$pid")/wss_pages")
		[ "$a" = "$b" ] || continue
		echo "$out" | grep -q "working set: $(awk -v p="$a" 'BEGIN { printf "%.1f", p / 256 }') MiB" &&
			return 0
		tap_diag "wss_pages $a; status said: $out"
		return 1
	done
	tap_diag "wss_pages changed during each of 10 tries"
	return 1
}
status_shows_wss
tap_is "$?" 0 "status shows the working set"
tap_ok "list has one line for the VM" sh -c "[ \$('$ctl' list | grep -c '^ *$pid ') = 1 ]"
tap_is "$("$ctl" mrc "$pid" --csv | wc -l)" 258 "mrc --csv: header and 257 points"

# --json: one object that jq parses, with the values sysfs holds
d=$(ms_vm "$pid")
tap_is "$("$ctl" status "$pid" --json | jq -r '[.pid, .guest_pages, .knobs.scan_interval_ms, .knobs.sample_period] | @csv')" \
	"$pid,$(cat "$d/guest_pages"),$(cat "$d/scan_interval_ms"),1" "status --json: pid, guest pages and knobs as sysfs has them"
tap_is "$("$ctl" status "$pid" --json | jq -r '.stats | has("nr_scans") and has("nr_knob_conflicts")')" true \
	"status --json: the stats/ counters"
tap_is "$("$ctl" list --json | jq -r '[.vms[].pid] | @csv')" "$pid" "list --json: the VM"
tap_is "$("$ctl" mrc "$pid" --json | jq -r '.points | length')" 257 "mrc --json: 257 points"
tap_is "$("$ctl" watch "$pid" -n 2 -i 0.1 --json | jq -s -r 'length')" 2 "watch --json: one object per line"

# knobs come from the module's directory: readable and writable files
knobs=$("$ctl" knobs "$pid" | awk 'NR > 1 { print $1 }')
tap_ok "knobs: scan_interval_ms, idle_scans and active_scans, no estimate, no action" sh -c \
	"echo '$knobs' | grep -qx scan_interval_ms && echo '$knobs' | grep -qx idle_scans &&
	 echo '$knobs' | grep -qx active_scans && ! echo '$knobs' | grep -qx -e wss_pages -e reset -e mrc"
bad=""
for k in $knobs; do
	[ "$(stat -c %a "$d/$k")" = 600 ] || bad="$bad $k"
done
tap_is "$bad" "" "knobs: every one is a 0600 file of vms/PID/"
# active_scans >= idle_scans is accepted and checked when a scan uses it
out=$("$ctl" set "$pid" active_scans "$(cat "$d/idle_scans")" 2>&1)
tap_is "$?/$(echo "$out" | grep -c 'warning: .*active_scans.* >= idle_scans')" "0/1" "set active_scans = idle_scans: accepted, with a warning"
"$ctl" set "$pid" active_scans 2

# record and report: a short record of the live VM, drawn by gnuplot
"$ctl" record "$pid" -o "$work/vm.rec" -i 0.2 -d 1 > "$work/record.out" 2>&1
tap_is "$?/$(grep -c '^sample ' "$work/vm.rec")" "0/6" "record -i 0.2 -d 1: six samples"
if command -v gnuplot > /dev/null; then
	"$ctl" report "$work/vm.rec" > "$work/report.out" 2>&1
	tap_ok "report: PNG and SVG of the MRC and the working set" sh -c \
		"[ -s '$work/vm-mrc.png' ] && [ -s '$work/vm-wss.png' ] && grep -q '<svg' '$work/vm-mrc.svg' && grep -q '<svg' '$work/vm-wss.svg'"
else
	tap_skip "report: PNG and SVG of the MRC and the working set" "no gnuplot (scripts/deps.sh installs gnuplot-nox)"
fi
# sched: the VM's controls through memschedctl, the kernel's
# refusals with their errno and range, then a few periods on a 16 MiB pool
# (the VM's RAM is anonymous and it has no balloon: nothing can reclaim).
sd=$MS_ROOT/sched
vs=$d/sched
tap_ok "sched PID shares=500 min=8M max=48M" "$ctl" sched "$pid" shares=500 min=8M max=48M
tap_is "$(cat "$vs/shares") $(cat "$vs/min_pages") $(cat "$vs/max_pages")" "500 2048 12288" \
	"sched: vms/PID/sched/shares, min_pages, max_pages hold 500, 8 MiB and 48 MiB in pages"
expect_err "refused shares 0 (EINVAL); accepted: 1..1000000" "sched shares=0: EINVAL and the range" sched "$pid" shares=0
expect_err "refused min_pages 15360 (EINVAL); accepted: 0..max_pages (12288 pages now)" \
	"sched min above max: EINVAL and the range" sched "$pid" min=60M
expect_err "refused max_pages 1024 (EINVAL); accepted: max, or an integer from 1, at least min_pages (2048 pages now)" \
	"sched max below min: EINVAL and the range" sched "$pid" max=4M
tap_is "$(cat "$vs/shares") $(cat "$vs/min_pages") $(cat "$vs/max_pages")" "500 2048 12288" \
	"sched: the refused writes changed nothing"
p0=$(cat "$sd/stats/nr_periods")
echo 4096 > "$sd/pool_pages"
echo 100 > "$sd/period_ms"
echo 1 > "$sd/enabled"
wait_ge "$sd/stats/nr_periods" $((p0 + 3)) || tap_diag "fewer than 3 periods: $(cat "$sd/stats/nr_periods")"
out=$("$ctl" sched)
echo 0 > "$sd/enabled"
tap_is "$(echo "$out" | head -n 1)" "policy=$(cat "$sd/policy") enabled=1 pool=16MiB idle_tax=$(cat "$sd/idle_tax_pct")% period=100ms" \
	"sched: the header line (enabled, a 4096-page pool in MiB, period_ms 100)"
# targets are frozen once enabled is 0: the row compares with sysfs now
out=$("$ctl" sched)
tp=$(cat "$vs/target_dram_pages") ap=$(cat "$vs/actual_dram_pages") acp=$(cat "$vs/active_pages")
tap_diag "sched: $(echo "$out" | sed -n 3p | tr -s ' '); decision: $(cat "$vs/decision")"
tap_is "$(echo "$out" | awk -v p="$pid" '$1 == p { print $2, $3, $5, $6 }')" \
	"$(cat "/proc/$pid/comm") 500 $(awk -v t="$tp" -v a="$ap" 'BEGIN { printf "%.1f %.1f", t / 256, a / 256 }')" \
	"sched: the VM's row: name, shares 500, TARGET and ACTUAL = target_dram_pages $tp, actual_dram_pages $ap in MiB"
tap_ok "sched: the target is within min and max and the pool (2048 <= $tp <= 4096)" \
	all_of [ "$tp" -ge 2048 ] -- [ "$tp" -le 4096 ]
tap_is "$(echo "$out" | awk -v p="$pid" '$1 == p { print $4, $7, $8 }')" \
	"$(awk -v c="$acp" -v a="$ap" 'BEGIN { x = a ? 100 * c / a : 0; printf "%.1f", (x > 100 ? 100 : x) }') none no_mechanism" \
	"sched: ACTIVE% of active_pages $acp; nothing can reclaim from an anonymous VM without a balloon: none, no_mechanism"
tap_is "$("$ctl" sched --json | jq -r --argjson p "$pid" '.vms[] | select(.pid == $p) | [.shares, .min_pages, .max_pages, .target_dram_pages, .decision.reason] | @csv')" \
	"500,2048,12288,$tp,\"$(sed -n 's/.*reason=\([a-z_]*\).*/\1/p' "$vs/decision")\"" "sched --json: the VM's controls, target and reason as sysfs has them"
echo auto > "$sd/pool_pages"
"$ctl" sched "$pid" min=0 max=max shares=1000
tap_ok "detach" "$ctl" detach "$pid"
# A libvirt domain (a runtime directory naming the VMM, laid out as
# libvirt's) attached by name, its configuration file applied to the real
# module; a file with a knob the module lacks detaches it again.
export MEMSCHED_LIBVIRT_RUN=$work/libvirt MEMSCHED_CONFIG_DIR=$work/vmconf
mkdir -p "$MEMSCHED_LIBVIRT_RUN" "$MEMSCHED_CONFIG_DIR"
printf '%s' "$pid" > "$MEMSCHED_LIBVIRT_RUN/dom1.pid"
printf 'knob.scan_interval_ms = 250\nshares = 300\nmin = 4M\nmax = 32M\n' > "$MEMSCHED_CONFIG_DIR/dom1.conf"
tap_ok "attach DOMAIN: its pid file, its config file" "$ctl" attach dom1
tap_is "$(cat "$d/scan_interval_ms") $(cat "$d/sched/shares") $(cat "$d/sched/min_pages") $(cat "$d/sched/max_pages")" \
	"250 300 1024 8192" "the config's knob and sched settings hold in the module"
tap_ok "detach DOMAIN" "$ctl" detach dom1
printf 'knob.scan_interval_ms = 500\nknob.frobnicate = 1\n' > "$MEMSCHED_CONFIG_DIR/dom1.conf"
expect_err "dom1.conf:2: unknown knob 'frobnicate'" "attach DOMAIN with a knob the module lacks: refused" attach dom1
tap_is "$([ -d "$d" ] && echo attached || echo detached)" detached "a refused config: the VM is detached again"
unset MEMSCHED_LIBVIRT_RUN MEMSCHED_CONFIG_DIR

# fs: a real memschedfs mount; files by path (stat) and by inode
mnt=$work/mnt
mkdir -p "$mnt"
tap_ok "mount memschedfs" mount -t memschedfs none "$mnt"
truncate -s 16M "$mnt/vmram"
ino=$(stat -c %i "$mnt/vmram")
fd=$MS_ROOT/files/$ino
tap_is "$("$ctl" fs list | awk -v i="$ino" '$1 == i { print $2, $3, $4 }')" "vmram 16.0 0.0" \
	"fs list: the file's inode, name, size and resident MiB"
tap_is "$("$ctl" fs list --json | jq -r --argjson i "$ino" '.files[] | select(.ino == $i) | [.name, .size_pages, .dram_budget_pages, .tiering] | @csv')" \
	'"vmram",4096,"max",0' "fs list --json: the file"
tap_is "$("$ctl" fs show "$mnt/vmram" --json | jq -r '[.ino, (.stats | has("nr_faults")), (.knobs | has("rate_limit_mib_per_s"))] | @csv')" \
	"$ino,true,true" "fs show FILE --json: the inode from stat, stats/ and knobs"
tap_ok "fs set FILE dram_budget_pages 1024" "$ctl" fs set "$mnt/vmram" dram_budget_pages 1024
tap_is "$(cat "$fd/dram_budget_pages")" 1024 "fs set: files/<ino>/dram_budget_pages holds it"
tap_ok "fs set INO dram_budget_pages max" "$ctl" fs set "$ino" dram_budget_pages max
tap_is "$(cat "$fd/dram_budget_pages")" max "fs set INO: max"
tap_ok "fs set FILE rate_limit_mib_per_s 100" "$ctl" fs set "$mnt/vmram" rate_limit_mib_per_s 100
tap_is "$(cat "$fd/rate_limit_mib_per_s")" 100 "fs set: files/<ino>/rate_limit_mib_per_s holds it"
expect_err "rejected" "fs set an out-of-range scan_interval_ms: rejected" fs set "$mnt/vmram" scan_interval_ms 5
: > "$work/plain"
expect_err "not on a memschedfs mount" "fs set a file of another file system: refused" fs set "$work/plain" tiering 0
tap_ok "fs move FILE 0" "$ctl" fs move "$mnt/vmram" 0
rm -f "$mnt/vmram"
umount "$mnt"
rmmod memsched
tap_done
