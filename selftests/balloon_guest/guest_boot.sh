#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A full Linux guest (the lab's kernel, nested KVM, with a vsock device but no
# host listening) boots with balloon_guest.ko in its initramfs. Inside the
# guest: the sysfs root and ABI version; the channel keeps failing to connect
# (connected=0, stats/nr_connect_failures counting, one log line, not one per retry);
# the balloon stays empty; /dev/balloon_condition serves a snapshot whose
# total matches MemTotal and whose poll times out when nothing changes; knobs
# reject bad values; a workload runs; the module unloads cleanly, interrupting
# its blocked connect, with no splat (guest-run checks the guest's log).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/guest.sh"
ms_require_kvm
tap_plan 19

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
modprobe vhost_vsock 2>/dev/null
# No host listening: memsched (left loaded by an earlier test) would answer.
ms_unload memsched
root=/sys/kernel/mm/balloon_guest
cat > "$work/cmd" <<CMD
r=$root
echo "abi=\$(cat \$r/version)"
sleep 3
echo "connected=\$(cat \$r/connected)"
echo "connect_failures=\$(cat \$r/stats/nr_connect_failures)"
echo "unreachable_lines=\$(dmesg | grep -c 'balloon_guest: host cid 2 port 5150 unreachable')"
echo "balloon=\$(cat \$r/balloon_pages)/\$(cat \$r/target_pages)/\$(cat \$r/stats/nr_inflated_pages)/\$(cat \$r/stats/nr_messages_sent)"
echo "knobs=\$(cat \$r/stats_interval_ms)/\$(cat \$r/oom_deflate_pages)/\$(cat \$r/reconnect_ms)"
echo "devmode=\$(stat -c %a /dev/balloon_condition)"
cat /dev/balloon_condition | sed 's/^/cond: /'
echo "memtotal_kb=\$(awk '/^MemTotal:/ { print \$2 }' /proc/meminfo)"
cond_poll --timeout-ms 1500 > /tmp/poll.out; echo "poll_rc=\$?"
grep -c '^cond_poll: timeout' /tmp/poll.out | sed 's/^/poll_timeouts=/'
echo 50 > \$r/stats_interval_ms 2>/dev/null || echo "bad_interval_rejected"
echo 70000 > \$r/reconnect_ms 2>/dev/null || echo "bad_reconnect_rejected"
echo 2000000 > \$r/oom_deflate_pages 2>/dev/null || echo "bad_oom_rejected"
echo 0 > \$r/stats_interval_ms && echo 200 > \$r/reconnect_ms && echo 100000 > \$r/oom_deflate_pages &&
	echo "knobs_set=\$(cat \$r/stats_interval_ms)/\$(cat \$r/reconnect_ms)/\$(cat \$r/oom_deflate_pages)"
f0=\$(cat \$r/stats/nr_connect_failures); sleep 2; f1=\$(cat \$r/stats/nr_connect_failures)
echo "fast_retries=\$((f1 - f0))"
wss_touch --total-mb 32 --wss-mb 8 --seconds 2 || exit 1
t0=\$(date +%s)
rmmod balloon_guest || exit 1
echo "rmmod_seconds=\$((\$(date +%s) - t0))"
[ ! -e $root ] && [ ! -e /dev/balloon_condition ] && echo "unloaded-clean"
CMD
tap_ok "guest initramfs with vsock and balloon_guest.ko" \
	guest_balloon_initrd "$work/initrd" "$work/cmd"
tap_ok "guest boots and runs its command" \
	"$GUEST_TOOLS/guest-run" --initrd "$work/initrd" --log "$work/log" --mem 256M --timeout 180 \
		-- -device vhost-vsock-pci,guest-cid=3
log=$(tr -d '\r' < "$work/log")
val() { echo "$log" | sed -n "s/^$1=//p" | head -n 1; }
cond() { echo "$log" | sed -n "s/^cond: $1 //p" | head -n 1; }

tap_is "$(val abi)" "$(ms_abi BALLOON_GUEST_ABI_VERSION)" "balloon_guest sysfs version inside the guest"
tap_is "$(val connected)" 0 "not connected without a host listener"
fails=$(val connect_failures)
tap_ok "stats/nr_connect_failures counts retries (got '$fails' after 3 s)" test "${fails:-0}" -ge 2
tap_is "$(val unreachable_lines)" 1 "unreachable host logged once, not per retry"
tap_is "$(val balloon)" "0/0/0/0" "balloon_pages/target_pages/stats/nr_inflated_pages/stats/nr_messages_sent"
tap_is "$(val knobs)" "1000/4096/1000" "knob defaults stats_interval_ms/oom_deflate_pages/reconnect_ms"
tap_is "$(val devmode)" 444 "/dev/balloon_condition is mode 0444"
tap_is "$(cond total_kb)" "$(val memtotal_kb)" "condition total_kb equals MemTotal"
tap_is "$(cond balloon_kb)/$(cond target_kb)/$(cond connected)" "0/0/0" \
	"condition balloon_kb/target_kb/connected"
avail=$(cond available_kb)
tap_ok "condition available_kb ($avail) is positive and at most total_kb" \
	test "${avail:-0}" -gt 0 -a "${avail:-0}" -le "$(cond total_kb)"
tap_is "$(val poll_rc)/$(val poll_timeouts)" "2/1" "poll times out when nothing changes"
tap_is "$(echo "$log" | grep -c '^bad_.*_rejected$')" 3 "out-of-range knob writes are rejected"
tap_is "$(val knobs_set)" "0/200/100000" "knobs accept in-range values"
retries=$(val fast_retries)
tap_ok "reconnect_ms=200 retries faster (got '$retries' in 2 s)" test "${retries:-0}" -ge 5
tap_ok "workload ran its sweeps" sh -c "echo '$log' | grep -q '^wss_touch: done sweeps=[1-9]'"
tap_ok "rmmod is prompt (got '$(val rmmod_seconds)' s)" test "$(val rmmod_seconds)" -le 2
tap_ok "module unloaded cleanly inside the guest" sh -c "echo '$log' | grep -q '^unloaded-clean'"
tap_done
