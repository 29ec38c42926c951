#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every sysfs file is documented, and every documented file exists: the
# trees of memsched (with an attached VM whose RAM is a memschedfs file),
# balloon_guest and rdma_failover (with one replica) against the "What:"
# lines of Documentation/ABI/testing/. A file the code adds without its
# entry, or an entry for a file that was renamed or removed, fails here.
# Directories count as documented when an entry names them or a file below
# them. <pid>, <ino> and <name> stand for any one path element.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/memsched.sh"
. "$(dirname "$0")/../lib/rdma.sh"
ms_require_kvm

ABI=$TAP_REPO/Documentation/ABI/testing
tap_plan 11

work=$(mktemp -d)
mnt=$work/mnt
cleanup() {
	[ -n "${MS_VMM_PID:-}" ] && ms_vmm_stop
	[ -d "${RFO_ROOT:-/nonexistent}/replicas/ram" ] && echo ram > "$RFO_ROOT/remove" 2>/dev/null
	ms_loaded rdma_failover && rmmod rdma_failover
	mountpoint -q "$mnt" && umount "$mnt"
	ms_loaded balloon_guest && rmmod balloon_guest
	rm -rf "$work"
}
trap cleanup EXIT

# tree ROOT: every path below ROOT, relative to /sys, with <pid>, <ino> and
# <name> in place of the VM's pid, the file's inode and the replica's name;
# directories end in "/".
tree() {
	(cd /sys && find "${1#/sys/}" -mindepth 1 \( -type d -printf '/sys/%p/\n' \) -o -printf '/sys/%p\n') |
		sed -E "s#/vms/$MS_VMM_PID/#/vms/<pid>/#; s#/vms/$MS_VMM_PID\$#/vms/<pid>#
			s#/files/$ino/#/files/<ino>/#; s#/files/$ino\$#/files/<ino>#
			s#/replicas/ram/#/replicas/<name>/#; s#/replicas/ram\$#/replicas/<name>#" | sort -u
}

# documented PREFIX: the "What:" paths under PREFIX.
documented() {
	sed -n 's/^What:[[:space:]]*//p' "$ABI"/sysfs-* | grep "^$1" | sort -u
}

# check NAME ROOT: both directions, two TAP lines.
check() {
	local name=$1 root=$2 undoc=() absent=() p
	tree "$root" > "$work/$name.tree"
	documented "$root/" | grep -vxF "$root/" > "$work/$name.doc"
	while read -r p; do
		if [[ $p == */ ]]; then
			grep -qxF -e "$p" -e "${p%/}" "$work/$name.doc" ||
				grep -qF -- "$p" "$work/$name.doc" || undoc+=("$p")
		else
			grep -qxF -- "$p" "$work/$name.doc" || undoc+=("$p")
		fi
	done < "$work/$name.tree"
	while read -r p; do
		grep -qxF -e "$p" -e "$p/" -e "${p%/}" "$work/$name.tree" || absent+=("$p")
	done < "$work/$name.doc"
	tap_is "${undoc[*]:-none}" none "$name: every one of its $(wc -l < "$work/$name.tree") sysfs paths is documented in $ABI"
	tap_is "${absent[*]:-none}" none "$name: every one of its $(wc -l < "$work/$name.doc") documented paths exists"
}

ms_load || { tap_fail "load memsched"; tap_done; }
mkdir -p "$mnt"
tap_ok "mount memschedfs" mount -t memschedfs none "$mnt"
# (not inside tap_ok: it sets MS_VMM_PID)
ms_vmm_start "$work/ready" --mem-mb 16 --wss-pages 64 --mem-path "$mnt/ram" &&
	ms_write "$MS_VMM_PID" "$MS_ROOT/attach"
tap_is "$?" 0 "a VM whose RAM is a memschedfs file, attached (pid ${MS_VMM_PID:-none})" ||
	tap_done
ino=$(stat -c %i "$mnt/ram" 2>/dev/null)
# The VM's link to its RAM file appears at its first scan.
ms_wait_scans "$(ms_vm "$MS_VMM_PID")" 1 > /dev/null
tap_ok "vms/<pid>/ram links to files/<ino>" test -L "$(ms_vm "$MS_VMM_PID")/ram"
check memsched "$MS_ROOT"

tap_ok "load balloon_guest (built for this kernel: KMOD_DIR)" ms_insmod balloon_guest
check balloon_guest /sys/kernel/mm/balloon_guest

RFO_MNT=$mnt
if rfo_load 2>/dev/null; then
	tap_ok "a replica of the RAM file" ms_write "$mnt/ram" "$RFO_ROOT/add"
	check rdma_failover "$RFO_ROOT"
else
	tap_skip "a replica of the RAM file" "rdma_failover does not load here (rdma_rxe absent?)"
	tap_skip "rdma_failover: every sysfs path is documented" "not loaded"
	tap_skip "rdma_failover: every documented path exists" "not loaded"
fi
tap_done
