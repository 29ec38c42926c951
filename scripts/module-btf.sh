#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# module-btf.sh KVER KDIR CACHE MODULE.ko...: give each module the split BTF that
# kbuild's scripts/Makefile.modfinal (cmd_btf_ko) would have given it, had
# the kernel's build tree held vmlinux. Debian's linux-headers have no
# vmlinux, so kbuild prints "Skipping BTF generation" and the modules load
# without BTF: /sys/kernel/btf/MODULE is then missing, and eBPF programs
# cannot attach to the module's tracepoints with tp_btf (raw_tp still works).
#
# This does what cmd_btf_ko does, after kbuild linked the modules:
#   LLVM_OBJCOPY=objcopy pahole -J $(pahole-flags.sh) --btf_base vmlinux X.ko
# with vmlinux extracted from /boot/vmlinuz-KVER (scripts/vmlinux-btf.sh),
# cached as CACHE/vmlinux-KVER. resolve_btfids is not needed: it patches
# .BTF_ids sections, and our modules have none (checked below).
#
# KVER is the installed kernel KDIR should belong to (scripts/kver.sh;
# Debian's kernel.release in KDIR is the upstream version, not the
# package's); when /lib/modules/KVER/build is not KDIR, the installed kernel
# whose build link is KDIR is used, and with none, no BTF is added (a base
# from another kernel would be refused at load). Nothing here fails the
# build: without BTF the tools attach with raw_tp. A KDIR
# that holds vmlinux (a full build tree, e.g. the debug kernel) needs none
# of this: kbuild did it. A module that already has .BTF (kbuild relinks a
# changed module, which drops it) is left alone.
set -eu
kver=$1 kdir=$2 cache=$3
shift 3
here=$(dirname "$(readlink -f "$0")")

[ -f "$kdir/vmlinux" ] && exit 0
nobtf() { echo "module-btf: $*: modules built without BTF" >&2; exit 0; }
real=$(readlink -f "$kdir")
if [ "$(readlink -f "/lib/modules/$kver/build" 2>/dev/null)" != "$real" ]; then
	kver=""
	for d in /lib/modules/*/build; do
		[ "$(readlink -f "$d")" = "$real" ] && kver=$(basename "$(dirname "$d")")
	done
	[ -n "$kver" ] || nobtf "no installed kernel has $kdir as its build tree"
fi
command -v pahole > /dev/null || nobtf "no pahole (make deps)"
grep -q '^CONFIG_DEBUG_INFO_BTF_MODULES=y' "/boot/config-$kver" 2>/dev/null ||
	nobtf "$kver has no CONFIG_DEBUG_INFO_BTF_MODULES"

# Cached per kernel, and made again when the image is newer (a rebuilt
# package of the same version).
vmlinux=$cache/vmlinux-$kver
if [ ! -s "$vmlinux" ] || [ "/boot/vmlinuz-$kver" -nt "$vmlinux" ]; then
	mkdir -p "$cache"
	if ! "$here/vmlinux-btf.sh" "$kver" "$vmlinux.tmp"; then
		rm -f "$vmlinux.tmp"
		nobtf "cannot extract vmlinux from /boot/vmlinuz-$kver"
	fi
	mv "$vmlinux.tmp" "$vmlinux"
fi
flags=$(PAHOLE=pahole sh "$kdir/scripts/pahole-flags.sh")

for ko in "$@"; do
	sections=$(readelf -SW "$ko")
	case "$sections" in
	*" .BTF "*) continue ;;
	esac
	case "$sections" in
	*" .BTF_ids "*)
		echo "module-btf: $ko has .BTF_ids, which needs resolve_btfids: no BTF added" >&2
		continue ;;
	esac
	echo "  BTF [M] $ko"
	# shellcheck disable=SC2086
	LLVM_OBJCOPY=objcopy pahole -J $flags --btf_base "$vmlinux" "$ko"
done
