#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The memsched showcase, run inside the lab by `make demo`: load the modules,
# start a nested Linux guest with a known working set, and show what memsched
# sees of it. Grows with every capability.
set -u
. selftests/lib/tap.sh
. selftests/lib/guest.sh

say() { printf '\n== %s\n' "$*"; }

say "lab: kernel $(uname -r), $(nproc) vCPUs, NUMA nodes: $(cat /sys/devices/system/node/online)"
for m in memsched rdma_failover; do
	ms_insmod "$m" || { echo "demo: cannot load $m"; exit 1; }
done
lsmod | grep -E '^(memsched|rdma_failover|kvm)'

say "memsched control plane: /sys/kernel/mm/memsched"
grep -r . /sys/kernel/mm/memsched | sed 's|/sys/kernel/mm/memsched/||'

work=$(mktemp -d)
cat > "$work/cmd" <<'CMD'
echo "guest: balloon_guest abi $(cat /sys/kernel/mm/balloon_guest/version)"
wss_touch --total-mb 128 --wss-mb 32 --seconds 25
CMD
guest_initrd "$work/initrd" "$work/cmd" -m "$KMOD_DIR/balloon_guest/balloon_guest.ko"

say "starting a nested Linux guest: 384 MiB, workload touches 32 of 128 MiB"
tools/lab/guest-run --initrd "$work/initrd" --log "$work/guest.log" --mem 384M \
	--timeout 240 --pidfile "$work/vmm.pid" &
runner=$!
for _ in $(seq 120); do
	grep -q 'wss_touch: ready' "$work/guest.log" 2>/dev/null && break
	sleep 1
done
vmm=$(cat "$work/vmm.pid")
echo "VMM (qemu) pid $vmm; guest console says:"
tr -d '\r' < "$work/guest.log" | grep -E '^(guest|wss_touch)'
say "host view of the VMM"
grep -E 'VmRSS|RssAnon' "/proc/$vmm/status"

wait "$runner"
rc=$?
say "guest finished (status $rc)"
tr -d '\r' < "$work/guest.log" | grep -E '^(wss_touch|GUEST-STATUS)'
rmmod rdma_failover memsched
rm -rf "$work"
exit "$rc"
