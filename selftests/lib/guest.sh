# SPDX-License-Identifier: GPL-2.0
# Nested-guest helpers for shell kselftests (sourced after tap.sh).
#   guest_initrd OUT CMDFILE [mkinitramfs args...]: build a guest initramfs
#       whose /guest/cmd is CMDFILE, carrying the guest workloads.
#   guest_require: skip the whole test when the lab has no /dev/kvm.

GUEST_TOOLS=$TAP_REPO/tools/lab
GUEST_PROGS=$TAP_REPO/selftests/memsched/guest/build

guest_require() {
	[ -c /dev/kvm ] || tap_skip_all "no /dev/kvm (the lab runs with --nested in make check)"
}

guest_initrd() {
	local out=$1 cmd=$2
	shift 2
	"$GUEST_TOOLS/mkinitramfs" -o "$out" -i "$GUEST_TOOLS/guest-init" \
		-f "$cmd:/guest/cmd" -f "$GUEST_PROGS/wss_touch:/guest/wss_touch" "$@"
}
