#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The memsched showcase, run inside the lab by `make demo`: load the modules,
# start a nested Linux guest, attach memsched to it while it runs, show what
# memsched sees as the guest's workload changes, then balloon the memory the
# miss-rate curve says the guest does not need back to the host. Grows with
# every capability. memschedctl records the VM all along into the run
# directory (DEMO_OUT, else the lab's LAB_OUT): vm.rec, which scripts/demo.sh
# draws with 'memschedctl report' once the lab is down.
set -u
. selftests/lib/tap.sh
. selftests/lib/memsched.sh
. selftests/lib/guest.sh

say() { printf '\n== %s\n' "$*"; }
ctl=tools/build/memschedctl
out=${DEMO_OUT:-${LAB_OUT:-}}

say "lab: kernel $(uname -r), $(nproc) vCPUs, NUMA nodes $(cat /sys/devices/system/node/online)"
for m in memsched rdma_failover; do
	ms_insmod "$m" || { echo "demo: cannot load $m"; exit 1; }
done
lsmod | grep -E '^(memsched|rdma_failover|kvm)'
# Sample base pages: keep QEMU's guest RAM off transparent huge pages.
echo never > /sys/kernel/mm/transparent_hugepage/enabled

work=$(mktemp -d)
cat > "$work/cmd" <<'CMD'
echo "guest: balloon_guest abi $(cat /sys/kernel/mm/balloon_guest/version)"
wss_touch --total-mb 160 --wss-mb 16 --seconds 40
wss_touch --total-mb 160 --wss-mb 96 --seconds 40
echo "guest: waiting for the host to let the balloon go"
while [ "$(cat /sys/kernel/mm/balloon_guest/balloon_pages)" != 0 ] ||
      [ "$(cat /sys/kernel/mm/balloon_guest/stats/nr_inflated_pages)" = 0 ]; do sleep 0.5; done
echo "guest: memory condition: $(tr '\n' ' ' < /dev/balloon_condition)"
CMD
guest_balloon_initrd "$work/initrd" "$work/cmd"

say "starting a nested Linux guest (512 MiB): its program holds 160 MiB and sweeps 16 MiB, later 96 MiB"
tools/lab/guest-run --initrd "$work/initrd" --log "$work/guest.log" --mem 512M \
	--timeout 400 --pidfile "$work/vmm.pid" -- -device vhost-vsock-pci,guest-cid=3 &
runner=$!
guest_wait_log "$work/guest.log" "wss_touch: ready total_mb=160 wss_mb=16" 240
vmm=$(cat "$work/vmm.pid")
echo "VMM (qemu) pid $vmm; guest console:"
tr -d '\r' < "$work/guest.log" | grep -E '^(guest|wss_touch)'

say "attach memsched to the running VM: memschedctl attach $vmm"
if [ -x "$ctl" ]; then
	"$ctl" attach "$vmm"
else
	echo "$vmm" > /sys/kernel/mm/memsched/attach
	echo 3 > "$(ms_vm "$vmm")/balloon/cid"
fi
d=$(ms_vm "$vmm")
echo 500 > "$d/scan_interval_ms"
echo 4 > "$d/wss_scans"
rec=""
if [ -x "$ctl" ] && [ -n "$out" ] && [ -d "$out" ]; then
	say "recording the VM every second: memschedctl record $vmm -o $out/vm.rec"
	"$ctl" record "$vmm" -o "$out/vm.rec" -i 1 > "$out/record.log" 2>&1 &
	rec=$!
fi
ms_wait_scans "$d" 10
show() {
	if [ -x "$ctl" ]; then
		"$ctl" status "$vmm"
	else
		grep -r . "$d" | grep -v -e '/mrc:' -e '/reset' | sed "s|$d/||"
	fi
}
say "what memsched sees: the guest sweeps 16 MiB"
show

guest_wait_log "$work/guest.log" "wss_touch: ready total_mb=160 wss_mb=96" 120
echo 1 > "$d/reset"
# The first scans after the reset still see the program's one-time sweep of
# all 160 MiB; give the curve time to be dominated by the steady state.
ms_wait_scans "$d" 30
say "what memsched sees: the guest now sweeps 96 MiB"
show
say "miss-rate curve: how much memory this guest needs"
if [ -x "$ctl" ]; then
	"$ctl" mrc "$vmm"
else
	awk 'NR % 16 == 1 { printf "%6d MiB  miss %5.1f%%\n", $1 / 256, $2 / 10000 }' "$d/mrc"
fi

say "the curve says ~100 MiB is enough (the program holds 160): balloon 192 MiB of the guest back to the host"
b=$d/balloon
for _ in $(seq 300); do [ "$(cat "$b/connected")" = 1 ] && break; sleep 0.2; done
rss0=$(ms_rss_kb "$vmm")
echo $((192 * 256)) > "$b/target_pages"
for _ in $(seq 600); do [ "$(cat "$b/actual_pages")" = $((192 * 256)) ] && break; sleep 0.1; done
rss1=$(ms_rss_kb "$vmm")
echo "QEMU resident memory: $((rss0 / 1024)) MiB -> $((rss1 / 1024)) MiB (only frames the guest had touched were backed)"
if [ -x "$ctl" ]; then
	"$ctl" balloon "$vmm"
else
	grep -r . "$b" | sed "s|$b/||"
fi
say "give it back (deflate)"
echo 0 > "$b/target_pages"
for _ in $(seq 600); do [ "$(cat "$b/actual_pages")" = 0 ] && break; sleep 0.1; done
echo "balloon now $(cat "$b/actual_pages") pages; the last change took $(cat "$b/latency_us") us"

wait "$runner"
rc=$?
tr -d '\r' < "$work/guest.log" | grep -E '^guest: memory condition'
say "guest finished (status $rc); memsched detached by itself:"
dmesg | grep 'memsched: \(attached\|detached\|pid .*balloon\)' | tail -4
if [ -n "$rec" ]; then
	# The record ends by itself when the VM is detached.
	for _ in $(seq 50); do kill -0 "$rec" 2>/dev/null || break; sleep 0.2; done
	kill -INT "$rec" 2>/dev/null
	wait "$rec"
	cat "$out/record.log"
fi
rmmod rdma_failover memsched
rm -rf "$work"
exit "$rc"
