#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The memsched showcase, run inside the lab by `make demo`: load the modules,
# start a nested Linux guest, attach memsched to it while it runs, and show
# what memsched sees as the guest's workload changes. Grows with every
# capability.
set -u
. selftests/lib/tap.sh
. selftests/lib/memsched.sh
. selftests/lib/guest.sh

say() { printf '\n== %s\n' "$*"; }
ctl=tools/build/memschedctl

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
wss_touch --total-mb 160 --wss-mb 16 --seconds 20
wss_touch --total-mb 160 --wss-mb 96 --seconds 40
CMD
guest_initrd "$work/initrd" "$work/cmd" -m "$KMOD_DIR/balloon_guest/balloon_guest.ko"

say "starting a nested Linux guest (512 MiB): its program holds 160 MiB and sweeps 16 MiB, later 96 MiB"
tools/lab/guest-run --initrd "$work/initrd" --log "$work/guest.log" --mem 512M \
	--timeout 240 --pidfile "$work/vmm.pid" &
runner=$!
guest_wait_log "$work/guest.log" "wss_touch: ready total_mb=160 wss_mb=16" 240
vmm=$(cat "$work/vmm.pid")
echo "VMM (qemu) pid $vmm; guest console:"
tr -d '\r' < "$work/guest.log" | grep -E '^(guest|wss_touch)'

say "attach memsched to the running VM: echo $vmm > /sys/kernel/mm/memsched/attach"
echo "$vmm" > /sys/kernel/mm/memsched/attach
d=$(ms_vm "$vmm")
echo 500 > "$d/scan_interval_ms"
echo 4 > "$d/wss_scans"
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

wait "$runner"
rc=$?
say "guest finished (status $rc); memsched detached by itself:"
dmesg | grep 'memsched: \(attached\|detached\)' | tail -2
rmmod rdma_failover memsched
rm -rf "$work"
exit "$rc"
