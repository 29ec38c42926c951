#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vmlinux-btf.sh KVER OUT: extract the ELF vmlinux (with its BTF) of an
# installed kernel from /boot/vmlinuz-KVER, using extract-vmlinux from the
# linux-source package.
set -eu
kver=$1 out=$2
src=$(ls -d /usr/src/linux-source-*/ 2>/dev/null | head -n 1)
if [ -z "$src" ]; then
	tarball=$(ls /usr/src/linux-source-*.tar.xz | head -n 1)
	tmp=$(mktemp -d)
	tar -C "$tmp" -xf "$tarball" --wildcards '*/scripts/extract-vmlinux'
	ev=$(ls "$tmp"/*/scripts/extract-vmlinux)
else
	ev=$src/scripts/extract-vmlinux
fi
sh "$ev" "/boot/vmlinuz-$kver" > "$out"
