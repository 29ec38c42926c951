#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# memsched samples a full Linux guest (the lab's kernel under QEMU -accel kvm)
# running a program with a known working set. The guest's own background
# working set (kernel, init) is measured first in the same run, with the
# program holding its memory idle; then the program sweeps WSS_MB. The
# estimate must cover WSS_MB and at most the background besides, within 15%
# either way (the background is usually a few hundred KiB, but once it was
# measured at 27 MiB on a busy host and did not add up with the sweep),
# and the MRC knee must sit at the whole working set within 10%.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/memsched.sh"
. "$(dirname "$0")/../lib/guest.sh"
ms_require_kvm
tap_plan 9

WSS_MB=96
work=$(mktemp -d)
thp=/sys/kernel/mm/transparent_hugepage/enabled
thp_old=$(sed 's/.*\[\(.*\)\].*/\1/' "$thp")
cleanup() {
	[ -n "${runner:-}" ] && { kill "$(cat "$work/vmm.pid" 2>/dev/null)" 2>/dev/null; wait "$runner"; }
	echo "$thp_old" > "$thp"
	rm -rf "$work"
}
trap cleanup EXIT
# QEMU madvises guest RAM for THP; KVM would then map it with 2 MiB pages
# whose accessed bits cover 512 base pages. With THP off KVM maps 4 KiB,
# but the madvise still makes memsched's auto granularity 512: the test
# asks for 4 KiB samples (sample_granularity_pages=1).
echo never > "$thp"
ms_load || { tap_fail "load memsched"; tap_done; }

cat > "$work/cmd" <<CMD
wss_touch --total-mb 160 --wss-mb 0 --seconds 25 &
sleep 26
wss_touch --total-mb 160 --wss-mb $WSS_MB --seconds 40
CMD
guest_initrd "$work/initrd" "$work/cmd"
"$GUEST_TOOLS/guest-run" --initrd "$work/initrd" --log "$work/log" --mem 512M \
	--timeout 400 --pidfile "$work/vmm.pid" > "$work/run.out" 2>&1 &
runner=$!
show_run() {
	tap_diag "guest-run said: $(cat "$work/run.out")"
	tap_diag "guest console tail: $(tr -d '\r' < "$work/log" 2>/dev/null | tail -n 15)"
}

tap_ok "guest boots, workload holds 160 MiB idle" guest_wait_log "$work/log" "wss_touch: ready total_mb=160 wss_mb=0" 300 ||
	show_run
pid=$(cat "$work/vmm.pid")
tap_ok "attach to the QEMU guest" ms_write "$pid" "$MS_ROOT/attach"
d=$(ms_vm "$pid")
echo 1 > "$d/sample_granularity_pages"
echo 500 > "$d/scan_interval_ms"
echo 4 > "$d/wss_scans"
ms_wait_scans "$d" 12
base=$(cat "$d/wss_pages")
tap_diag "guest_pages=$(cat "$d/guest_pages") sampled=$(cat "$d/sampled_pages") background wss=$base pages ($((base / 256)) MiB) last_scan_ns=$(cat "$d/last_scan_ns")"
tap_ok "background working set is small (< 32 MiB)" test "$base" -lt 8192

tap_ok "workload sweeps ${WSS_MB} MiB" guest_wait_log "$work/log" "wss_touch: ready total_mb=160 wss_mb=$WSS_MB" 60 ||
	show_run
ms_write 1 "$d/reset"
ms_wait_scans "$d" 12
read -r wss knee <<< "$(ms_read "$d" wss_pages mrc_knee_pages)"
tap_diag "wss=$wss pages ($((wss / 256)) MiB) knee=$knee pages ($((knee / 256)) MiB) classes: active=$(cat "$d/classes/active") recently_idle=$(cat "$d/classes/recently_idle") idle=$(cat "$d/classes/idle") never=$(cat "$d/classes/never_touched")"
lo=$((WSS_MB * 256 * 85 / 100)) hi=$(( (WSS_MB * 256 + base) * 115 / 100 ))
tap_ok "working set covers the workload's ${WSS_MB} MiB, plus at most the background (got $wss, want $lo..$hi)" \
	test "$wss" -ge $lo -a "$wss" -le $hi
tap_within "$knee" "$wss" 10 "MRC knee at the working set"
tap_is "$(ms_class_sum "$d")" "$(cat "$d/guest_pages")" "class counts add up to the guest's memory"
tap_ok "guest memory is at least its 512 MiB of RAM" test "$(cat "$d/guest_pages")" -ge 131072
wait "$runner"
rc=$?
runner=""
tap_is "$rc" 0 "guest ran to completion (VM exit detaches)"
tap_done
