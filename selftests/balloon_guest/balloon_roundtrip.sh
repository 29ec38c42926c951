#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A full Linux guest (nested KVM, 512 MiB) with balloon_guest.ko talks to
# memsched over vhost-vsock. The host sets a 128 MiB target: the guest's
# MemTotal drops by exactly that and MemAvailable by that within 10%, the
# QEMU process's RSS drops by at least 90% of it, and a poller of
# /dev/balloon_condition wakes. Deflating restores MemTotal exactly and
# MemAvailable within 10%. Then the host asks for 320 MiB and the guest runs
# a 200 MiB program: the balloon deflates under pressure, the program runs,
# and nothing is OOM-killed. A 64 MiB pattern held through all of it
# verifies intact. Afterwards nothing of the channel or balloon is left.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/memsched.sh"
. "$(dirname "$0")/../lib/guest.sh"
ms_require_kvm
tap_plan 25

CID=3
T1=32768	# 128 MiB in pages
T2=81920	# 320 MiB
work=$(mktemp -d)
cleanup() {
	[ -n "${runner:-}" ] && { kill "$(cat "$work/vmm.pid" 2>/dev/null)" 2>/dev/null; wait "$runner"; }
	rm -rf "$work"
}
trap cleanup EXIT
ms_load || { tap_fail "load memsched"; tap_done; }

cat > "$work/cmd" <<'CMD'
. /guest/lib.sh
pattern_hold --mb 64 --stop-file /tmp/stop > /tmp/ph.out 2>&1 &
waitout /tmp/ph.out ready $!
mem_hog --mb 280 --free-after
echo 1 > /proc/sys/vm/overcommit_memory	# the pressure test allocates beyond MemTotal
waitv $bg/connected 1
sleep 1
mark M1
cond_poll --count 1 --timeout-ms 120000 > /tmp/cond.out 2>&1 &
waitv $bg/balloon_pages 32768 && sleep 1 && mark M2
echo 1 > /proc/sys/vm/compact_memory	# balloon pages are movable: compaction may move some
echo "COMPACT migrated=$(cat $bg/stats/nr_migrated_pages) balloon_migrate=$(vs balloon_migrate) balloon=$(cat $bg/balloon_pages)"
waitv $bg/balloon_pages 0 && sleep 1 && mark M3
sed 's/^/COND /' /tmp/cond.out
waitv $bg/balloon_pages 81920 && mark M4
oom0=$(vs oom_kill)
mem_hog --mb 200
echo "M5 hog_rc=$? oom_kills=$(( $(vs oom_kill) - oom0 )) oom_deflated=$(cat $bg/stats/nr_oom_deflated_pages) balloon=$(cat $bg/balloon_pages) target=$(cat $bg/target_pages)"
waitv $bg/target_pages 0	# the host is done looking at this VM
touch /tmp/stop
wait
sed 's/^/PH /' /tmp/ph.out | tail -n 3
grep -c MISMATCH /tmp/ph.out | sed 's/^/M6 mismatches=/'
CMD
guest_balloon_initrd "$work/initrd" "$work/cmd"
"$GUEST_TOOLS/guest-run" --initrd "$work/initrd" --log "$work/log" --mem 512M \
	--timeout 500 --pidfile "$work/vmm.pid" -- \
	-device "vhost-vsock-pci,guest-cid=$CID" > "$work/run.out" 2>&1 &
runner=$!
show_run() {
	tap_diag "guest-run said: $(cat "$work/run.out")"
	tap_diag "guest console tail: $(tr -d '\r' < "$work/log" 2>/dev/null | tail -n 25)"
}
mark() { guest_field "$work/log" "$@"; }	# NAME FIELD

pid=$(guest_attach "$work/vmm.pid" $CID)
d=$(ms_vm "$pid")/balloon
tap_ok "QEMU attached, balloon/cid $CID" test -n "$pid" -a "$(cat "$d/cid" 2>&1)" = $CID
tap_ok "guest boots and its driver connects" ms_wait_val "$d/connected" 1 240 || show_run
tap_ok "guest has touched its memory" guest_wait_log "$work/log" "^M1 " 120 || show_run
pages=$(cat "$d/guest_reported_pages")
tap_ok "guest announced its size (~512 MiB)" test "$pages" -ge 130000 -a "$pages" -le 140000
avail0=$(mark M1 avail) total0=$(mark M1 total)
rss0=$(ms_rss_kb "$pid")

ms_write $T1 "$d/target_pages"
tap_ok "balloon reaches 128 MiB" ms_wait_val "$d/actual_pages" $T1 60
rss1=$(ms_rss_kb "$pid")
tap_ok "guest reports it" guest_wait_log "$work/log" "^M2 " 30 || show_run
tap_is "$(( total0 - $(mark M2 total) ))" $((T1 * 4)) "guest MemTotal drops by exactly the target"
tap_within "$(( avail0 - $(mark M2 avail) ))" $((T1 * 4)) 10 "guest MemAvailable drops by the target (KiB)"
tap_is "$(( $(mark M2 binfl) - $(mark M1 binfl) ))" $T1 \
	"pages went in through the kernel's balloon helpers (vmstat balloon_inflate)"
tap_diag "QEMU RSS $rss0 -> $rss1 KiB; released $(cat "$d/stats/nr_released_pages"), skipped $(cat "$d/stats/nr_release_skipped_pages")"
tap_ok "QEMU RSS drops by >= 90% of the target" test $((rss0 - rss1)) -ge $((T1 * 4 * 9 / 10))
tap_ok "time to reach the target recorded" test "$(cat "$d/latency_us")" -gt 0
tap_diag "inflate 128 MiB took $(cat "$d/latency_us") us"
ms_write 1 "$d/request_stats"
sleep 1
gtotal=$(awk '$1 == "total_bytes" { print $2 }' "$d/guest_stats")
tap_is "$((gtotal / 1024))" "$(mark M2 total)" "guest stats on the host: total_bytes is the guest's MemTotal"
tap_ok "guest classes on the host" grep -q "^anon_active_bytes [1-9]" "$d/guest_classes"

tap_diag "compaction: $(tr -d '\r' < "$work/log" | grep '^COMPACT ')"
ms_write 0 "$d/target_pages"
tap_ok "balloon deflates to 0" ms_wait_val "$d/actual_pages" 0 60
tap_ok "guest reports it" guest_wait_log "$work/log" "^M3 " 30 || show_run
tap_is "$(mark M3 total)" "$total0" "MemTotal restored exactly"
tap_within "$(mark M3 avail)" "$avail0" 10 "MemAvailable restored (KiB)"
tap_ok "the condition poller woke" sh -c "tr -d '\r' < $work/log | grep -q '^COND cond_poll: woke'"

ms_write $T2 "$d/target_pages"
tap_ok "balloon reaches 320 MiB" ms_wait_val "$d/actual_pages" $T2 90 || show_run
tap_ok "200 MiB program ran under pressure" guest_wait_log "$work/log" "^M5 " 180 || show_run
tap_is "$(mark M5 hog_rc)/$(mark M5 oom_kills)" "0/0" "program succeeded, no OOM kill"
tap_ok "the balloon yielded under pressure" test "$(mark M5 oom_deflated)" -gt 0
tap_diag "yielded $(mark M5 oom_deflated) pages; guest balloon $(mark M5 balloon), host sees $(cat "$d/actual_pages")"
tap_is "$(cat "$d/actual_pages")" "$(mark M5 balloon)" "the host saw every page the guest took back"
ms_write 0 "$d/target_pages"	# lets the guest finish

tap_ok "pattern intact throughout" guest_wait_log "$work/log" "^M6 mismatches=0" 60 || show_run
wait "$runner"
rc=$?
runner=""
tap_is "$rc" 0 "guest ran to completion"
tap_done
