#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A full Linux guest (the lab's kernel, nested KVM) boots with balloon_guest.ko
# in its initramfs; the module comes up inside the guest with its sysfs root
# and ABI version, a workload runs, and the module unloads cleanly there.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/guest.sh"
ms_require_kvm
tap_plan 5

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/cmd" <<CMD
echo "abi=\$(cat /sys/kernel/mm/balloon_guest/version)"
wss_touch --total-mb 32 --wss-mb 8 --seconds 2 || exit 1
rmmod balloon_guest || exit 1
[ ! -e /sys/kernel/mm/balloon_guest ] && echo "unloaded-clean"
CMD
tap_ok "guest initramfs with balloon_guest.ko" \
	guest_initrd "$work/initrd" "$work/cmd" -m "$KMOD_DIR/balloon_guest/balloon_guest.ko"
tap_ok "guest boots and runs its command" \
	"$GUEST_TOOLS/guest-run" --initrd "$work/initrd" --log "$work/log" --mem 256M --timeout 180
log=$(tr -d '\r' < "$work/log")
tap_is "$(echo "$log" | sed -n 's/^abi=//p')" "$(ms_abi BALLOON_GUEST_ABI_VERSION)" \
	"balloon_guest sysfs version inside the guest"
tap_ok "workload ran its sweeps" sh -c "echo '$log' | grep -q '^wss_touch: done sweeps=[1-9]'"
tap_ok "module unloaded cleanly inside the guest" sh -c "echo '$log' | grep -q '^unloaded-clean'"
tap_done
