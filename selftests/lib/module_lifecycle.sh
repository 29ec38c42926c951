#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Lifecycle of one module: load, sysfs root and ABI version, refcount, reload
# loop, unload while a sysfs file is held open, clean unload.
#   module_lifecycle.sh MODULE SYSFS_ROOT ABI_CONSTANT
. "$(dirname "$0")/tap.sh"
mod=$1 root=$2 abi=$3

[ "$(id -u)" = 0 ] || tap_skip_all "needs root"
tap_plan 9
ms_unload "$mod"

tap_ok "insmod $mod" ms_insmod "$mod"
tap_ok "$root exists" test -d "$root"
tap_is "$(cat "$root/version" 2>&1)" "$(ms_abi "$abi")" "$root/version is $abi"
tap_is "$(cat "/sys/module/$mod/refcnt" 2>&1)" 0 "$mod refcount is 0 when idle"
tap_fails_with "Permission denied" "version is read-only" ms_write 2 "$root/version"

# Reload a few times: init/exit must be symmetric.
ok=1
for _ in 1 2 3; do
	rmmod "$mod" && ms_insmod "$mod" && [ -f "$root/version" ] || ok=0
done
tap_is "$ok" 1 "rmmod/insmod x3 keeps the tree"

# Unload while a sysfs file is held open: the open file must fail cleanly.
exec 3< "$root/version"
tap_ok "rmmod with $root/version open" rmmod "$mod"
if out=$(cat <&3 2>&1); then
	tap_fail "read after unload fails cleanly" "read succeeded: '$out'"
else
	tap_pass "read after unload fails cleanly"
fi
exec 3<&-
tap_ok "$root gone after rmmod" test ! -e "$root"
tap_done
