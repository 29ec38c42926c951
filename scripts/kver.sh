#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Print the version of the newest installed Debian kernel that has both a
# bootable image and build headers. Never hard-coded: the lab boots whatever
# linux-image-amd64 currently depends on.
set -eu
best=""
for d in /lib/modules/*/build; do
	[ -e "$d/Makefile" ] || continue
	v=$(basename "$(dirname "$d")")
	[ -e "/boot/vmlinuz-$v" ] || continue
	best="$best $v"
done
[ -n "$best" ] || { echo "kver: no kernel with headers in /lib/modules (run make deps)" >&2; exit 1; }
echo $best | tr ' ' '\n' | sort -V | tail -n 1
