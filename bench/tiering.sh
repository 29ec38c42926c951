#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark, run inside the lab by `make bench` (not a test: absolute times
# on shared machines are noise, the ratios are the result).
# Moving 256 MiB of VM RAM between DRAM (node 0) and the CPU-less PMEM node
# (node 1): memsched moving every page of a memschedfs file (`echo NODE >
# files/INO/move`, synchronous), the file written and held mapped
# MAP_SHARED by fs_pattern, against the kernel's move_pages(2) moving the
# same amount of anonymous memory of one process (move_pages_peer, 1024
# pages per call), in the same run. 5 rounds of 0 -> 1 -> 0 each; the
# result is the median time of one direction (all 65536 pages) in
# microseconds, and tiering_ratio = move_pages time / memsched time (> 1:
# memsched is faster). Every memsched move must leave all pages on the
# target node (files/INO/node_pages), and fs_pattern verifies every page
# of the file afterwards. Goal: >= 1x move_pages now, 2x with batching
# (one unmap_mapping_pages per run of pages, Documentation/design/memschedfs.rst).
# Prints "RESULT key=value ..." lines.
set -u
. selftests/lib/tap.sh
. selftests/lib/memsched.sh
BIN=$TAP_REPO/selftests/memsched/vmm/build
MB=256
ROUNDS=5
pages=$((MB * 256))

[ -d /sys/devices/system/node/node1 ] || { echo "bench: needs NUMA node 1 (lab --pmem)"; exit 4; }
# Times come from $EPOCHREALTIME: no fork between the two readings.
[ -n "${EPOCHREALTIME:-}" ] || { echo "bench: needs bash >= 5 (EPOCHREALTIME)"; exit 4; }
for b in fs_pattern move_pages_peer; do
	[ -x "$BIN/$b" ] || { echo "bench: no $BIN/$b (make -C selftests all)"; exit 1; }
done
ms_load || exit 1
grep -qw memschedfs /proc/filesystems ||
	{ echo "bench: memschedfs is not in /proc/filesystems after loading memsched"; exit 4; }

work=$(mktemp -d)
mnt=$(mktemp -d)
holder="" mounted=0 numa_bal=""
cleanup() {
	if [ -n "$holder" ]; then
		kill "$holder" 2>/dev/null
		wait "$holder" 2>/dev/null
	fi
	if [ "$mounted" = 1 ]; then
		umount "$mnt" 2>/dev/null || umount -l "$mnt"
	fi
	rmdir "$mnt"
	[ -n "$numa_bal" ] && echo "$numa_bal" > /proc/sys/kernel/numa_balancing
	rm -rf "$work"
}
trap cleanup EXIT

# NUMA balancing would move pages behind both measurements.
if [ -w /proc/sys/kernel/numa_balancing ]; then
	numa_bal=$(cat /proc/sys/kernel/numa_balancing)
	echo 0 > /proc/sys/kernel/numa_balancing
fi

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

mount -t memschedfs -o huge=never none "$mnt" || { echo "bench: mount -t memschedfs failed"; exit 1; }
mounted=1
f=$mnt/ram
"$BIN/fs_pattern" --file "$f" --mb $MB --seconds 0 --hold-seconds 3600 \
	--ready-file "$work/ready" > "$work/fs_pattern.out" 2>&1 &
holder=$!
for _ in $(seq 3000); do	# filling 256 MiB under TCG takes a while
	[ -s "$work/ready" ] && break
	kill -0 "$holder" 2>/dev/null || break
	sleep 0.1
done
[ -s "$work/ready" ] || { echo "bench: fs_pattern did not fill $f:"; cat "$work/fs_pattern.out"; exit 1; }
ino=$(stat -c %i "$f")
d=$MS_ROOT/files/$ino
[ -d "$d" ] || { echo "bench: no $d for $f"; exit 1; }
# Only our writes to move may move pages (automatic tiering is off by default).
[ -w "$d/tiering" ] && echo 0 > "$d/tiering"

# move NODE: move the whole file to NODE; sets US (microseconds). The write
# is bash's own echo, so nothing forks between the two clock readings.
move() {
	local t0=${EPOCHREALTIME//[!0-9]/} t1
	echo "$1" > "$d/move" || return 1
	t1=${EPOCHREALTIME//[!0-9]/}
	US=$((t1 - t0))
}
# on_node NODE: node_pages shows all $pages pages of the file on NODE
on_node() {
	awk -v n="$1" -v want=$pages '$1 == n { on += $2 } $1 != n { off += $2 }
		END { exit !(on == want && off == 0) }' "$d/node_pages"
}
where() { tr '\n' ' ' < "$d/node_pages"; }

# Start from node 0, untimed.
if ! { move 0 && on_node 0; }; then
	echo "bench: could not move $f to node 0 first; node_pages: $(where)"
	exit 1
fi
: > "$work/ms"
for round in $(seq $ROUNDS); do
	line="bench: round $round: memsched"
	for node in 1 0; do
		move $node || { echo "bench: round $round: echo $node > $d/move failed"; exit 1; }
		on_node $node || {
			echo "bench: round $round: not all $pages pages on node $node after the move; node_pages: $(where)"
			exit 1
		}
		echo "$US" >> "$work/ms"
		line="$line to node $node ${US}us"
	done
	echo "$line"
done

# The file's contents must have survived the moves.
kill "$holder"
wait "$holder"
rc=$?
holder=""
if [ $rc != 0 ] || ! grep -q 'mismatches=0$' "$work/fs_pattern.out"; then
	echo "bench: fs_pattern found the file damaged after the moves (exit $rc):"
	cat "$work/fs_pattern.out"
	exit 1
fi
echo "bench: $(grep '^fs_pattern:' "$work/fs_pattern.out" | tail -n 1)"

mp=$("$BIN/move_pages_peer" --mb $MB --rounds $ROUNDS 2>&1)
rc=$?
echo "bench: $mp"
[ $rc = 0 ] || { echo "bench: move_pages_peer failed (exit $rc)"; exit 1; }
mp_us=$(echo "$mp" | sed -n 's/^move_pages_peer: .* us_per_round=\([0-9]*\) .*/\1/p')
[ -n "$mp_us" ] || { echo "bench: no us_per_round in move_pages_peer's output"; exit 1; }

ms_us=$(median < "$work/ms")
echo "RESULT tiering_memsched_us=$ms_us tiering_move_pages_us=$mp_us" \
	"tiering_ratio=$(awk -v a="$mp_us" -v b="$ms_us" 'BEGIN { printf "%.2f", b ? a / b : 0 }')" \
	"pages=$pages"
