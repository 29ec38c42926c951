# SPDX-License-Identifier: GPL-2.0
# Nested-guest helpers for shell kselftests (sourced after tap.sh).
#   guest_initrd OUT CMDFILE [mkinitramfs args...]: build a guest initramfs
#       whose /guest/cmd is CMDFILE, carrying every guest workload program
#       (selftests/memsched/guest/build/*) in /guest.
#   guest_wait_log LOG PATTERN SECONDS [PID]: wait until the guest console
#       LOG shows PATTERN; fails after SECONDS of wall time, or as soon as
#       PID (guest-run, when given) has exited without it.
#   guest_field LOG NAME FIELD: FIELD=value of the guest's console line
#       "NAME ..." (printed by mark in selftests/lib/guest-cmd.sh).
#   guest_attach PIDFILE [CID]: attach memsched to guest-run's QEMU as soon
#       as its VM exists, give it balloon/cid CID, print the QEMU pid.
#   guest_kvm_pages PID: "pages_4k pages_2m" of the VM of QEMU PID, KVM's
#       own count of its guest mappings by size (debugfs); nothing when
#       there is no such VM.
#   guest_kvm_npt: true when KVM runs with NPT/EPT (so maps by 2 MiB).

GUEST_TOOLS=$TAP_REPO/tools/lab
GUEST_PROGS=$TAP_REPO/selftests/memsched/guest/build

guest_wait_log() {
	local log=$1 pattern=$2 end=$((SECONDS + $3)) pid=${4:-}
	while [ "$SECONDS" -lt "$end" ]; do
		tr -d '\r' < "$log" 2>/dev/null | grep -q "$pattern" && return 0
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			tr -d '\r' < "$log" 2>/dev/null | grep -q "$pattern"
			return
		fi
		sleep 0.2
	done
	return 1
}

guest_field() {
	tr -d '\r' < "$1" | sed -n "s/^$2 .*\\b$3=\\([0-9-]*\\).*/\\1/p" | head -n 1
}

guest_attach() {
	local pid
	for _ in $(seq 300); do [ -s "$1" ] && break; sleep 0.2; done
	pid=$(cat "$1") || return 1
	for _ in $(seq 100); do ms_write "$pid" "$MS_ROOT/attach" 2>/dev/null && break; sleep 0.2; done
	if [ -n "${2:-}" ]; then
		ms_write "$2" "$(ms_vm "$pid")/balloon/cid" || return 1
	fi
	echo "$pid"
}

guest_kvm_pages() {
	local v
	v=$(ls -d /sys/kernel/debug/kvm/"$1"-* 2>/dev/null | head -n 1)
	[ -n "$v" ] && echo "$(cat "$v/pages_4k") $(cat "$v/pages_2m")"
}

guest_kvm_npt() {
	local npt
	npt=$(cat /sys/module/kvm_amd/parameters/npt /sys/module/kvm_intel/parameters/ept 2>/dev/null | head -n 1)
	[ "$npt" = Y ] || [ "$npt" = 1 ]
}

guest_initrd() {
	local out=$1 cmd=$2 p progs=(-f "$TAP_REPO/selftests/lib/guest-cmd.sh:/guest/lib.sh")
	shift 2
	for p in "$GUEST_PROGS"/*; do
		[ -x "$p" ] && progs+=(-f "$p:/guest/$(basename "$p")")
	done
	"$GUEST_TOOLS/mkinitramfs" -o "$out" -i "$GUEST_TOOLS/guest-init" \
		-f "$cmd:/guest/cmd" "${progs[@]}" "$@"
}

# guest_balloon_initrd OUT CMDFILE: a guest initramfs with the vsock guest
# transport and balloon_guest.ko loaded at boot.
guest_balloon_initrd() {
	guest_initrd "$1" "$2" \
		-m "virtio_pci vsock vmw_vsock_virtio_transport_common vmw_vsock_virtio_transport" \
		-m "$GUEST_KMOD_DIR/balloon_guest/balloon_guest.ko"
}
