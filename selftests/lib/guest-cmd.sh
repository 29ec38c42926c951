# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Helpers for the /guest/cmd scripts of nested guests (busybox sh). Every
# initramfs from guest_initrd carries this file as /guest/lib.sh.
bg=/sys/kernel/mm/balloon_guest
# mi KEY: a /proc/meminfo value (KiB)
mi() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
# vs KEY: a /proc/vmstat counter
vs() { awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat; }
# waitv FILE VALUE [SECS]: wait (default 120 s) until FILE reads VALUE
waitv() {
	n=0
	while [ "$(cat "$1")" != "$2" ]; do
		sleep 0.2; n=$((n + 1))
		[ $n -gt $(( ${3:-120} * 5 )) ] && { echo "waitv $1 $2: timeout at $(cat "$1")"; return 1; }
	done
	return 0
}
# mark NAME: one console line the host reads with guest_field
mark() { echo "$1 avail=$(mi MemAvailable) total=$(mi MemTotal) balloon=$(cat $bg/balloon_pages) binfl=$(vs balloon_inflate)"; }
# waitout FILE PATTERN PID [SECS]: wait (default 120 s) until FILE, the output
# of process PID, has a line matching PATTERN; fail if PID exits first
waitout() {
	n=0
	until grep -q "$2" "$1" 2>/dev/null; do
		kill -0 "$3" 2>/dev/null || { echo "waitout $1 '$2': the writer exited"; cat "$1"; return 1; }
		sleep 0.2; n=$((n + 1))
		[ $n -gt $(( ${4:-120} * 5 )) ] && { echo "waitout $1 '$2': timeout"; return 1; }
	done
	return 0
}
# quiet_cat FILE: copy FILE to the console with kernel messages held back,
# so that no printk lands in the middle of a line the host parses
quiet_cat() {
	dmesg -n 1
	cat "$1"
	dmesg -n 7
}
# zram_swap MB: swap on a zram disk of MB MiB (the initramfs carries the
# zram module: guest_initrd ... -m zram), so that a guest its balloon
# squeezes swaps instead of OOM-killing
zram_swap() {
	[ -e /sys/block/zram0/disksize ] || { echo "zram_swap: no /sys/block/zram0 (zram not loaded)"; return 1; }
	echo "$1M" > /sys/block/zram0/disksize && mkswap /dev/zram0 > /dev/null && swapon /dev/zram0
}
# vmline NAME: one console line with the guest's memory pressure counters
# (read by the host with guest_field), held clear of kernel messages
vmline() {
	dmesg -n 1
	echo "$1 avail=$(mi MemAvailable) total=$(mi MemTotal) balloon=$(cat $bg/balloon_pages) btarget=$(cat $bg/target_pages) binflated=$(cat $bg/stats/nr_inflated_pages) bfail=$(cat $bg/stats/nr_alloc_failures) oom_kill=$(vs oom_kill) pgmajfault=$(vs pgmajfault) pswpin=$(vs pswpin) pswpout=$(vs pswpout)"
	dmesg -n 7
}
# host_cmds NAME WSS_TOUCH_ARGS...: obey the host's one-word commands, one a
# line on fd 3 (the guest's second serial port, opened by the caller):
# "run" starts wss_touch with WSS_TOUCH_ARGS (its lines go to the console),
# "toggle" switches it between busy and idle (SIGUSR1), "work" makes it print
# its work counter, "vm" only acknowledges, "stop" ends it (its done line carries the total; "run"
# may start another), "end" ends it and returns. Every command is
# acknowledged with a vmline "NAME COMMAND".
host_cmds() {
	name=$1
	shift
	w=""
	while read -r c <&3; do
		case "$c" in
		run) wss_touch "$@" & w=$! ;;
		toggle) [ -n "$w" ] && kill -USR1 "$w" ;;
		work) [ -n "$w" ] && kill -USR2 "$w" ;;
		stop) [ -n "$w" ] && { kill -TERM "$w"; wait "$w"; w=""; } ;;
		vm) ;;
		end) break ;;
		*) echo "$name: unknown command '$c'"; continue ;;
		esac
		vmline "$name $c"
	done
	if [ -n "$w" ]; then
		kill -TERM "$w"
		wait "$w"
	fi
	vmline "$name end"
}
