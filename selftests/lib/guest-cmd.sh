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
