#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The modules dkms installed (tools/tests/test_dkms.sh: make dkms-install
# against this kernel's headers, left in build/dkms/lib/modules/KVER/
# updates/dkms) load here as a host would load them after 'dkms install':
# copied to /lib/modules/KVER/updates/dkms (the lab's tmpfs overlay), depmod,
# modprobe by name. Each loaded module is that file (its GNU build ID in
# /sys/module/M/notes), with this kernel's vermagic; its sysfs root appears
# and goes away on unload. Then /lib/modules is as before (depmod again).
. "$(dirname "$0")/../lib/tap.sh"

[ "$(id -u)" = 0 ] || tap_skip_all "needs root"
command -v dkms > /dev/null || tap_skip_all "no dkms (scripts/deps.sh installs it)"
kv=$(uname -r)
src=$TAP_REPO/build/dkms/lib/modules/$kv/updates/dkms
dst=/lib/modules/$kv/updates/dkms
mods="memsched rdma_failover balloon_guest"
# built for another kernel only (the debug kernel's lab, MEMSCHED_DEBUG_LAB=full)
if [ ! -d "$TAP_REPO/build/dkms/lib/modules/$kv" ] && [ -n "$(ls "$TAP_REPO/build/dkms/lib/modules" 2> /dev/null)" ]; then
	tap_skip_all "build/dkms holds dkms's modules for $(ls "$TAP_REPO/build/dkms/lib/modules" | tr '\n' ' ')only, not this kernel, $kv"
fi
tap_plan 14
if [ ! -f "$src/memsched.ko" ]; then
	tap_fail "dkms-installed modules for $kv in build/dkms" \
		"none: tools/tests/test_dkms.sh makes them (make check runs it before the labs)"
	tap_done
fi

for m in rdma_failover memsched balloon_guest; do ms_unload "$m"; done
cleanup() {
	for m in rdma_failover memsched balloon_guest; do ms_unload "$m"; done
	for m in $mods; do rm -f "$dst/$m.ko"; done
	rmdir "$dst" 2> /dev/null
	depmod -a "$kv"
}
trap cleanup EXIT

# build_id FILE: the GNU build ID of a module file; loaded_build_id MOD: the
# loaded module's (its .note.gnu.build-id: 12 bytes of header, "GNU\0", ID)
build_id() { readelf -n "$1" | awk '/Build ID:/ { print $3 }'; }
loaded_build_id() {
	od -An -v -tx1 "/sys/module/$1/notes/.note.gnu.build-id" 2> /dev/null | tr -d ' \n' | cut -c33-
}

mkdir -p "$dst" && cp "$src"/*.ko "$dst/"
start=$SECONDS
tap_ok "depmod -a $kv with the dkms-installed modules" depmod -a "$kv"
tap_diag "depmod: $((SECONDS - start)) s"
paths=""
for m in $mods; do paths="$paths$(modinfo -n "$m" 2>&1) "; done
tap_is "$paths" "$dst/memsched.ko $dst/rdma_failover.ko $dst/balloon_guest.ko " \
	"modinfo finds each module by name in $dst"
kvm_vm=$(modinfo -F vermagic kvm)
tap_is "$(for m in $mods; do modinfo -F vermagic "$dst/$m.ko"; done | sort -u)" "$kvm_vm" \
	"their vermagic is this kernel's ('$kvm_vm', kvm's)"

# memsched, then rdma_failover on it, by modprobe (which loads kvm, ib_core, rdma_cm)
tap_ok "modprobe memsched" modprobe memsched
tap_is "$(loaded_build_id memsched)" "$(build_id "$dst/memsched.ko")" \
	"the loaded memsched is the dkms-installed file (build ID)"
tap_is "$(cat /sys/kernel/mm/memsched/version 2>&1)" "$(ms_abi MEMSCHED_ABI_VERSION)" \
	"/sys/kernel/mm/memsched/version is MEMSCHED_ABI_VERSION"
tap_ok "modprobe rdma_failover" modprobe rdma_failover
tap_is "$(loaded_build_id rdma_failover)/$(cat /sys/kernel/rdma_failover/version 2>&1)" \
	"$(build_id "$dst/rdma_failover.ko")/$(ms_abi RDMA_FAILOVER_ABI_VERSION)" \
	"the loaded rdma_failover is the dkms-installed file; /sys/kernel/rdma_failover/version"
tap_is "$(cat /sys/module/memsched/refcnt)" 1 "memsched is held by rdma_failover (refcount 1)"
rmmod rdma_failover && rmmod memsched
tap_is "$?/$(ls -d /sys/module/memsched /sys/module/rdma_failover /sys/kernel/mm/memsched \
	/sys/kernel/rdma_failover 2> /dev/null)" "0/" "rmmod rdma_failover memsched: both gone, with their sysfs roots"

# the guest's package: load only (the lab host is its kernel too)
tap_ok "modprobe balloon_guest" modprobe balloon_guest
tap_is "$(loaded_build_id balloon_guest)/$(cat /sys/kernel/mm/balloon_guest/version 2>&1)" \
	"$(build_id "$dst/balloon_guest.ko")/$(ms_abi BALLOON_GUEST_ABI_VERSION)" \
	"the loaded balloon_guest is the dkms-installed file; /sys/kernel/mm/balloon_guest/version"
rmmod balloon_guest
tap_is "$?/$(ls -d /sys/module/balloon_guest /sys/kernel/mm/balloon_guest 2> /dev/null)" "0/" \
	"rmmod balloon_guest: gone, with its sysfs root"

trap - EXIT
cleanup
tap_is "$(ls "$dst" 2> /dev/null)/$(modinfo -n memsched 2>&1 | grep -c 'not found')" "/1" \
	"after: no dkms module in /lib/modules/$kv, depmod again (modprobe memsched finds none)"
tap_done
