#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tools/build/memschedctl against the real module: every attach/detach/set
# error maps the kernel's errno to its message and exit code 1, and status,
# list and mrc report the values sysfs holds.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/memsched.sh"
ms_require_kvm
ctl=$TAP_REPO/tools/build/memschedctl
[ -x "$ctl" ] || tap_skip_all "tools/build/memschedctl not built (make tools)"
tap_plan 12

work=$(mktemp -d)
trap 'ms_vmm_stop; rm -rf "$work"' EXIT
ms_load || { tap_fail "load memsched"; tap_done; }

# expect_err WANT NAME ARGS...: exit 1 and WANT in the message
expect_err() {
	local want=$1 name=$2 out rc
	shift 2
	out=$("$ctl" "$@" 2>&1); rc=$?
	if [ "$rc" = 1 ] && echo "$out" | grep -q -- "$want"; then
		tap_pass "$name"
	else
		tap_fail "$name" "exit $rc, output: $out"
	fi
}

true & dead=$!
wait "$dead"
expect_err "ESRCH" "attach a dead pid: ESRCH" attach "$dead"
expect_err "EINVAL" "attach a process without a VM: EINVAL" attach $$
expect_err "ENOENT" "detach a pid that is not attached: ENOENT" detach $$

ms_vmm_start "$work/ready" --mem-mb 64 --wss-pages 1024 || tap_fail "start VMM"
pid=$MS_VMM_PID
tap_ok "attach" "$ctl" attach "$pid"
expect_err "EEXIST" "attach twice: EEXIST" attach "$pid"
tap_ok "set scan_interval_ms" "$ctl" set "$pid" scan_interval_ms 100
tap_is "$(cat "$(ms_vm "$pid")/scan_interval_ms")" 100 "the knob holds the value set"
expect_err "rejected" "set an out-of-range value: rejected" set "$pid" sample_period 4096
"$ctl" set "$pid" sample_period 1
# Whole scans (a scan cut short by the CPU quota on the debug kernel may
# miss the working set, and the estimate flickers to 0).
ms_pace_scans "$(ms_vm "$pid")" 100 > /dev/null
ms_wait_scans "$(ms_vm "$pid")" 5
# status_shows_wss: status prints the working set the sysfs file holds
# (read before and after, equal: no scan ended in between).
status_shows_wss() {
	local a b out
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		a=$(cat "$(ms_vm "$pid")/wss_pages")
		out=$("$ctl" status "$pid")
		b=$(cat "$(ms_vm "$pid")/wss_pages")
		[ "$a" = "$b" ] || continue
		echo "$out" | grep -q "working set: $(awk -v p="$a" 'BEGIN { printf "%.1f", p / 256 }') MiB" &&
			return 0
		tap_diag "wss_pages $a; status said: $out"
		return 1
	done
	tap_diag "wss_pages changed during each of 10 tries"
	return 1
}
status_shows_wss
tap_is "$?" 0 "status shows the working set"
tap_ok "list has one line for the VM" sh -c "[ \$('$ctl' list | grep -c '^ *$pid ') = 1 ]"
tap_is "$("$ctl" mrc "$pid" --csv | wc -l)" 258 "mrc --csv: header and 257 points"
tap_ok "detach" "$ctl" detach "$pid"
rmmod memsched
tap_done
