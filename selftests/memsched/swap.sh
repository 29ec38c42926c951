#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Hypervisor swap of memschedfs files, with plain processes, on the lab's
# virtio-blk disks (tools/lab/lab-run --disk; make check passes them):
# mswap (512 MiB), mswapsmall (1 MiB: 256 pages), mswapbad (every write
# fails with EIO) and mswapread (every read fails with EIO).
#  - swap/ knobs and swap/device: defaults, ranges, and the errors of the
#    ABI (ENOENT, ENOTBLK, EACCES, EINVAL, EBUSY), each logged;
#  - the exclusive open: a disk under swapon is refused, and swapon of the
#    disk memsched holds is refused;
#  - a 128 MiB file written by a process whose writer thread keeps an 8 MiB
#    hot set busy, its pages aged by tiering with pmem_node -1: swap_out of
#    64 MiB takes cold pages only (the writer never faults one back), with
#    exact accounting (node_pages, swapped_pages, stats, swap/used_pages,
#    debugfs live_swap_slots); touching every page brings them all back
#    intact (fs_pattern --verify-only) and frees every slot;
#  - a file never scanned has no cold page (EAGAIN); "force" swaps it;
#  - a full device (ENOSPC after 256 pages), a device whose writes fail
#    (EIO, pages stay resident and intact), a device whose reads fail (a
#    SIGBUS for each access to a page that is out, in a child process, the
#    other pages intact, no zero page put in);
#  - freeing without reading: truncate, punch, unlink, the mapper killed
#    with -9 during a swap_out, unmount with pages out; swap/device cannot
#    change while pages are out. Nothing leaks (debugfs live counters).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/memsched.sh"

missing=""
for s in mswap mswapsmall mswapbad mswapread; do
	ms_disk "$s" > /dev/null 2>&1 || { missing=$s; break; }
done
[ -z "$missing" ] || tap_skip_all "no virtio-blk disk with serial $missing (make check runs the lab with --disk mswap:512M --disk mswapbad:64M:fail-writes --disk mswapread:64M:fail-reads --disk mswapsmall:1M)"
good=$(ms_disk mswap) small=$(ms_disk mswapsmall) bad=$(ms_disk mswapbad) rd=$(ms_disk mswapread)
tap_plan 123

VMM_BIN=$TAP_REPO/selftests/memsched/vmm/build
PATTERN=$VMM_BIN/fs_pattern
SW=$MS_ROOT/swap
# Anything that takes longer is stuck (tools/lab/README: the emulator
# pauses the lab for up to 151 s).
BOUND_S=${BOUND_S:-300}
work=$(mktemp -d)
mnt=$work/mnt
bgpids=""
loopdev=""
cleanup() {
	kill $bgpids $MS_STALL_PID 2>/dev/null
	wait 2>/dev/null
	ms_trace_remove
	swapoff "$good" 2>/dev/null
	blockdev --setrw "$small" 2>/dev/null
	[ -n "$loopdev" ] && losetup -d "$loopdev" 2>/dev/null
	umount "$mnt" 2>/dev/null
	[ -w "$SW/device" ] && echo none > "$SW/device" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$mnt"
ms_stall_watch

fdir() { echo "$MS_ROOT/files/$(stat -c %i "$1")"; }
stat_of() { cat "$1/stats/$2"; }
# node_total DIR: resident pages of the file, summed over the nodes
node_total() { awk '{ n += $2 } END { print n + 0 }' "$1/node_pages"; }
# slots: swap/used_pages and debugfs live_swap_slots, live_swap_batches
slots() { echo "$(cat "$SW/used_pages")/$(cat "$MS_DEBUG/live_swap_slots")/$(cat "$MS_DEBUG/live_swap_batches")"; }
logged() { ms_klog | grep -q -- "$1"; }
# wait_started FILE: spin (no fork, no sleep: a pipelined swap_out is over
# in a fraction of a second) until FILE reads above 0, 60 s at most
wait_started() {
	local v i=0 end=$((SECONDS + 60))
	while :; do
		read -r v < "$1" 2> /dev/null && [ "${v:-0}" -gt 0 ] && return 0
		i=$((i + 1))
		[ $((i % 1000)) != 0 ] || [ "$SECONDS" -lt "$end" ] || return 1
	done
}
# wait_ready FILE PID: wait for a helper's ready file (BOUND_S at most)
wait_ready() {
	local i
	for i in $(seq $((BOUND_S * 10))); do
		[ -s "$1" ] && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
# hold FILE MB: fill FILE (generation 1) and keep it mapped, idle, in the
# background; sets hpid. Fails (saying why) if the holder did not start.
hold() {
	rm -f "$work/h.ready"
	"$PATTERN" --file "$1" --mb "$2" --seconds 0 --hold-seconds 3600 \
		--ready-file "$work/h.ready" > "$work/h.out" 2>&1 &
	hpid=$!; bgpids="$bgpids $hpid"
	wait_ready "$work/h.ready" "$hpid" || { tap_diag "fs_pattern: $(cat "$work/h.out")"; return 1; }
}
unhold() { kill "$hpid" 2>/dev/null; wait "$hpid" 2>/dev/null; }
# verify FILE MB [ARGS...]: fs_pattern --verify-only; prints "STATUS/LINE"
verify() {
	local out rc
	out=$("$PATTERN" --file "$1" --mb "$2" --verify-only "${@:3}" 2> "$work/v.err")
	rc=$?
	[ "$rc" = 0 ] || tap_diag "fs_pattern: $(head -n 3 "$work/v.err")"
	echo "$rc/$out"
}

sysctl -qw kernel.numa_balancing=0 2>/dev/null
ms_load || { tap_fail "load memsched"; tap_done; }
tap_ok "mount memschedfs" mount -t memschedfs -o huge=never none "$mnt"

# ---- Knobs, no device yet.
tap_is "[$(cat "$SW/device")]/$(cat "$SW/size_pages")/$(cat "$SW/used_pages")" "[]/0/0" \
	"no device by default: swap/device empty, size_pages 0, used_pages 0"
tap_is "$(cat "$SW/batch_pages")/$(cat "$SW/queue_depth")/$(cat "$SW/pipeline")/$(cat "$SW/readahead_pages")" \
	"256/4/1/8" "defaults: batch_pages 256, queue_depth 4, pipeline 1, readahead_pages 8"
for kv in batch_pages:0 batch_pages:4097 batch_pages:12x queue_depth:0 queue_depth:65 \
	  pipeline:2 readahead_pages:65; do
	k=${kv%%:*} v=${kv#*:}
	ms_klog_mark
	tap_fails_with "Invalid argument" "$k $v refused" ms_write "$v" "$SW/$k"
	tap_ok "  ... logged with what is accepted" logged "$k"
done
tap_ok "batch_pages 1 and 4096, queue_depth 1 and 64, pipeline 0, readahead_pages 0 and 64 accepted" \
	all_of ms_write 1 "$SW/batch_pages" -- ms_write 4096 "$SW/batch_pages" -- \
	ms_write 1 "$SW/queue_depth" -- ms_write 64 "$SW/queue_depth" -- \
	ms_write 0 "$SW/pipeline" -- ms_write 0 "$SW/readahead_pages" -- ms_write 64 "$SW/readahead_pages"
ms_write 256 "$SW/batch_pages"; ms_write 4 "$SW/queue_depth"; ms_write 1 "$SW/pipeline"
ms_write 8 "$SW/readahead_pages"
tap_is "$(cat "$SW/batch_pages")/$(cat "$SW/queue_depth")/$(cat "$SW/pipeline")/$(cat "$SW/readahead_pages")" \
	"256/4/1/8" "knobs read back what was written"
ms_klog_mark
tap_fails_with "No such file or directory" "device: a path that does not exist (ENOENT)" \
	ms_write /dev/nosuchdisk "$SW/device"
tap_ok "  ... logged" logged "device"
tap_fails_with "Block device required" "device: not a block device (ENOTBLK)" ms_write /dev/null "$SW/device"
blockdev --setro "$small"
tap_fails_with "Permission denied" "device: a read-only disk (EACCES)" ms_write "$small" "$SW/device"
blockdev --setrw "$small"
truncate -s 2048 "$work/tiny"
modprobe loop 2>/dev/null
if loopdev=$(losetup -f --show "$work/tiny" 2>/dev/null); then
	tap_fails_with "Invalid argument" "device: smaller than a page (a 2 KiB loop device, EINVAL)" \
		ms_write "$loopdev" "$SW/device"
	losetup -d "$loopdev"; loopdev=""
else
	tap_skip "device: smaller than a page (EINVAL)" "no loop device"
fi
tap_is "[$(cat "$SW/device")]/$(cat "$SW/size_pages")" "[]/0" "  ... and no device after the refusals"
f=$mnt/ram
truncate -s 4M "$f"
d=$(fdir "$f")
tap_is "$(cat "$d/swapped_pages")" 0 "files/<ino>/swapped_pages 0 for a new file"
tap_fails_with "No such device" "swap_out without a device (ENODEV)" ms_write 1 "$d/swap_out"
rm -f "$f"

# ---- The exclusive open, both ways.
mkswap "$good" > /dev/null
tap_ok "swapon $good" swapon "$good"
ms_klog_mark
tap_fails_with "busy" "device: a disk under swapon is refused (EBUSY)" ms_write "$good" "$SW/device"
tap_ok "  ... logged" logged "device"
swapoff "$good"
tap_ok "device: takes the disk once swapoff'd" ms_write "$good" "$SW/device"
tap_is "$(cat "$SW/device")/$(cat "$SW/size_pages")/$(cat "$SW/used_pages")" "$good/131072/0" \
	"device reads the path; size_pages 131072 (512 MiB); used_pages 0"
tap_fails_with "busy" "swapon of the disk memsched holds is refused" swapon "$good"

# ---- A process with an 8 MiB hot set in a 128 MiB file; 64 MiB go out.
f=$mnt/vm
truncate -s 128M "$f"
d=$(fdir "$f")
"$PATTERN" --file "$f" --mb 128 --hot-mb 8 --threads 1 --seconds 3600 \
	--ready-file "$work/w.ready" > "$work/w.out" 2>&1 &
wpid=$!; bgpids="$bgpids $wpid"
wait_ready "$work/w.ready" $wpid || tap_diag "fs_pattern: $(cat "$work/w.out")"
tap_is "$(node_total "$d")" 32768 "the writer filled the file: 32768 pages resident"
ms_write 500 "$d/scan_interval_ms"
tap_ok "tiering on with pmem_node -1 (scans age pages, move none)" \
	all_of ms_write -1 "$d/pmem_node" -- ms_write 1 "$d/tiering"
# Three idle passes take a page below demote_heat (32); the hot set is
# rewritten faster than a pass.
tap_ok "6 scans age the pages" ms_wait_scans "$d" 6
tot0=$(node_total "$d")
ms_klog_mark
ms_trace_new swap_sh && ms_trace_on memsched/msched_swap_out memsched/msched_swap_batch \
	memsched/msched_swap_write_done memsched/msched_swap_in
tap_ok "swap_out 16384 (64 MiB): cold pages go out" ms_write 16384 "$d/swap_out"
sw=$(cat "$d/swapped_pages") tot1=$(node_total "$d")
tap_is "$sw/$(stat_of "$d" nr_swapped_out_pages)" "16384/16384" \
	"swapped_pages = stats/nr_swapped_out_pages = 16384"
tap_is "$((tot0 - tot1))" "$sw" "node_pages total dropped by exactly swapped_pages ($tot0 -> $tot1)"
tap_is "$(cat "$d/resident_pages")" $((32768 - 16384)) "resident_pages: 16384 left"
tap_is "$(slots)" "16384/16384/0" "swap/used_pages = live_swap_slots = 16384; no batch in flight"
tap_is "$(stat_of "$d" nr_swap_write_bytes)/$(stat_of "$d" nr_swap_write_errors)" "$((16384 * 4096))/0" \
	"stats: 64 MiB written, no write error"
b=$(stat_of "$d" nr_swap_write_batches)
tap_ok "stats: at least 64 batches of 256 ($b)" [ "$b" -ge 64 ]
tap_diag "stats: $(ms_stats_line "$d")"
tap_is "$(ms_trace_count msched_swap_out:)/$(grep -o 'selected=[0-9]* force=[0-9]*' "$MS_INST/trace")" \
	"1/selected=16384 force=0" "tracepoint msched_swap_out: one decision, 16384 selected, no force"
tap_is "$(ms_trace_count msched_swap_batch:)/$(ms_trace_sum msched_swap_batch pages)" "$b/16384" \
	"tracepoint msched_swap_batch: one per batch counted, 16384 pages in all"
tap_is "$(ms_trace_sum msched_swap_write_done pages)/$(ms_trace_sum msched_swap_write_done errors)" "16384/0" \
	"tracepoint msched_swap_write_done: 16384 pages written, no error"
sleep 5
tap_is "$(cat "$d/swapped_pages")/$(stat_of "$d" nr_swapped_in_pages)" "16384/0" \
	"the hot writer ran 5 s more and faulted no page back: the hot set stayed in"
tap_ok "  ... and it is still running" kill -0 $wpid
# The writer keeps going meanwhile: its hot set is left out of the check
# (a page it is rewriting may be half-written).
tap_is "$(verify "$f" 128 --skip-mb 8)" "0/fs_pattern: pages=30720 rounds=0 mismatches=0" \
	"touching every page outside the hot set (fs_pattern --verify-only) brings them back intact"
tap_is "$(cat "$d/swapped_pages")/$(stat_of "$d" nr_swapped_in_pages)/$(node_total "$d")" "0/16384/32768" \
	"  ... swapped_pages 0, stats/nr_swapped_in_pages 16384, all 32768 resident"
tap_is "$(stat_of "$d" nr_swap_read_bytes)/$(stat_of "$d" nr_swap_read_errors)" "$((16384 * 4096))/0" \
	"  ... 64 MiB read, no read error"
ins=$(ms_trace_count msched_swap_in:)
tap_is "$(ms_trace_sum msched_swap_in nr)/$(ms_trace_sum msched_swap_in err)/$(ms_trace_overruns)" "16384/0/0" \
	"tracepoint msched_swap_in: 16384 pages read back, no error (none lost to a full buffer)"
tap_ok "  ... in $ins faults: read-ahead (8) brought most pages" [ "$ins" -le $((16384 / 4)) ]
ms_trace_remove
tap_is "$(slots)" "0/0/0" "  ... every slot freed (used_pages, live_swap_slots, live_swap_batches)"
ms_write 0 "$d/tiering"
ms_stop_pids $wpid; wait $wpid; wrc=$?
tap_diag "writer: $(cat "$work/w.out")"
tap_is "$wrc/$(grep -o 'mismatches=[0-9]*' "$work/w.out")" "0/mismatches=0" \
	"the writer saw no stale or torn page"
tap_ok "  ... and did work ($(grep -o 'rounds=[0-9]*' "$work/w.out"))" grep -q 'rounds=[1-9]' "$work/w.out"
rm -f "$f"

# ---- Without age no page is cold; force takes any.
f=$mnt/noage
truncate -s 8M "$f"
d=$(fdir "$f")
hold "$f" 8
tap_fails_with "Invalid argument" "swap_out '12 bogus' refused" ms_write "12 bogus" "$d/swap_out"
tap_fails_with "Invalid argument" "swap_out 0 refused" ms_write 0 "$d/swap_out"
ms_klog_mark
tap_fails_with "Resource temporarily unavailable" "swap_out on a file never scanned: EAGAIN" \
	ms_write 100 "$d/swap_out"
tap_ok "  ... logged" logged "swap"
tap_is "$(cat "$d/swapped_pages")/$(stat_of "$d" nr_swapped_out_pages)" "0/0" "  ... and nothing went out"
tap_ok "swap_out '100 force' on it" ms_write "100 force" "$d/swap_out"
tap_is "$(cat "$d/swapped_pages")/$(slots)" "100/100/100/0" "  ... 100 pages out, 100 slots used"
ms_klog_mark
tap_fails_with "busy" "device cannot change while pages are out (EBUSY)" ms_write "$small" "$SW/device"
tap_ok "  ... logged: how many pages are out on which device" logged "100 pages are out on $good"
tap_fails_with "busy" "device cannot close while pages are out (EBUSY)" ms_write none "$SW/device"
tap_is "$(cat "$SW/device")" "$good" "  ... the device stays"
tap_is "$(verify "$f" 8)" "0/fs_pattern: pages=2048 rounds=0 mismatches=0" "the 100 pages come back intact"
tap_is "$(cat "$d/swapped_pages")/$(slots)" "0/0/0/0" "  ... and their slots are freed"
unhold; rm -f "$f"

# ---- A full device: 256 slots.
tap_ok "device: mswapsmall once no page is out" ms_write "$small" "$SW/device"
tap_is "$(cat "$SW/size_pages")" 256 "  ... size_pages 256 (1 MiB)"
f=$mnt/full
truncate -s 4M "$f"
d=$(fdir "$f")
hold "$f" 4
tap_fails_with "No space left on device" "swap_out '1024 force' fills it: ENOSPC" ms_write "1024 force" "$d/swap_out"
tap_is "$(cat "$d/swapped_pages")/$(stat_of "$d" nr_swapped_out_pages)/$(slots)" "256/256/256/256/0" \
	"  ... after exactly 256 pages"
tap_is "$(node_total "$d")" 768 "  ... the other 768 pages stay resident"
tap_is "$(verify "$f" 4)" "0/fs_pattern: pages=1024 rounds=0 mismatches=0" "the data is intact"
tap_is "$(cat "$d/swapped_pages")/$(slots)" "0/0/0/0" "  ... every slot freed"
unhold; rm -f "$f"

# ---- Writes fail.
tap_ok "device: mswapbad (every write fails)" ms_write "$bad" "$SW/device"
f=$mnt/wfail
truncate -s 2M "$f"
d=$(fdir "$f")
hold "$f" 2
ms_klog_mark
tap_fails_with "Input/output error" "swap_out '512 force': EIO" ms_write "512 force" "$d/swap_out"
errs=$(stat_of "$d" nr_swap_write_errors) busy=$(stat_of "$d" nr_swap_busy_pages)
tap_is "$((errs + busy))" 512 "  ... each of the 512 pages failed its write ($errs) or was busy ($busy)"
tap_ok "  ... write errors counted" [ "$errs" -gt 0 ]
tap_is "$(cat "$d/swapped_pages")/$(stat_of "$d" nr_swapped_out_pages)/$(slots)" "0/0/0/0/0" \
	"  ... no page out, every slot freed"
tap_is "$(node_total "$d")" 512 "  ... the pages stay resident"
tap_ok "  ... logged" logged "swap"
tap_is "$(verify "$f" 2)" "0/fs_pattern: pages=512 rounds=0 mismatches=0" "  ... and intact"
unhold; rm -f "$f"

# ---- Reads fail.
tap_ok "device: mswapread (every read fails)" ms_write "$rd" "$SW/device"
f=$mnt/rfail
truncate -s 4M "$f"
d=$(fdir "$f")
hold "$f" 4
tap_ok "swap_out '512 force' (writes work)" ms_write "512 force" "$d/swap_out"
tap_is "$(cat "$d/swapped_pages")/$(node_total "$d")" "512/512" "  ... 512 out, 512 resident"
ms_klog_mark
out=$(verify "$f" 4 --sigbus-ok)
tap_ok "a process touching every page: a SIGBUS for each page out, the others intact ($out)" \
	all_of [ "${out%%/*}" = 0 ] -- [ "$(echo "$out" | grep -o 'mismatches=[0-9]* sigbus=[0-9]*')" = "mismatches=0 sigbus=512" ]
first=$(echo "$out" | sed -n 's/.*first_sigbus=\([0-9]*\).*/\1/p')
# touch_one: status of a child reading page $first alone (the shell's "Bus
# error" line goes to /dev/null)
touch_one() { { "$PATTERN" --file "$f" --mb 4 --verify-only --page "${first:-0}" > "$work/p.out" 2>&1; echo $?; } 2> /dev/null; }
tap_is "$(touch_one)" 135 "a child touching one page that is out dies of SIGBUS (status 135)"
tap_is "$(touch_one)" 135 "  ... again on the next access: the page stays out (slot kept)"
tap_is "$(cat "$d/swapped_pages")/$(node_total "$d")/$(cat "$SW/used_pages")" "512/512/512" \
	"  ... swapped_pages 512, no page put in its place (512 resident), 512 slots used"
tap_is "$(stat_of "$d" nr_swap_read_errors)" 514 \
	"  ... stats/nr_swap_read_errors: one per SIGBUS (512 + 2; the ABI: each one a SIGBUS to the access)"
tap_ok "  ... logged" logged "swap"
tap_ok "  ... the holder, which never touched a page out, is alive" kill -0 "$hpid"
unhold
tap_ok "truncate to 0 with pages out on the failing disk (no read needed)" truncate -s 0 "$f"
tap_is "$(cat "$d/swapped_pages")/$(slots)" "0/0/0/0" "  ... swapped_pages 0, every slot freed"
rm -f "$f"

# ---- Freeing without reading, on mswap.
tap_ok "device: mswap again" ms_write "$good" "$SW/device"
# Punch: "force" on a file never scanned takes pages in index order (all
# heats equal, ties by index), so the first 1024 go out.
f=$mnt/punch
truncate -s 8M "$f"
d=$(fdir "$f")
hold "$f" 8
tap_ok "swap_out '1024 force'" ms_write "1024 force" "$d/swap_out"
tap_ok "punch the second half (resident pages)" fallocate -p -o 4M -l 4M "$f"
tap_is "$(cat "$d/swapped_pages")/$(slots)" "1024/1024/1024/0" "  ... no slot freed"
tap_ok "punch the first half (the pages out), mapped" fallocate -p -o 0 -l 4M "$f"
tap_is "$(cat "$d/swapped_pages")/$(slots)" "0/0/0/0" "  ... every slot freed"
unhold; rm -f "$f"
# Truncate.
f=$mnt/trunc
"$PATTERN" --file "$f" --mb 8 --seconds 0 > /dev/null
d=$(fdir "$f")
tap_ok "swap_out '1024 force' of an unmapped file" ms_write "1024 force" "$d/swap_out"
tap_ok "truncate to 2 MiB" truncate -s 2M "$f"
tap_is "$(cat "$d/swapped_pages")/$(slots)" "512/512/512/0" "  ... the 512 pages out below 2 MiB keep their slots"
tap_is "$(verify "$f" 2)" "0/fs_pattern: pages=512 rounds=0 mismatches=0" "  ... and come back intact"
tap_ok "swap_out '512 force' again, then truncate to 0" \
	all_of ms_write "512 force" "$d/swap_out" -- truncate -s 0 "$f"
tap_is "$(cat "$d/swapped_pages")/$(slots)" "0/0/0/0" "  ... every slot freed"
# Unlink.
"$PATTERN" --file "$f" --mb 4 --seconds 0 > /dev/null
tap_ok "swap_out '1024 force', then unlink" all_of ms_write "1024 force" "$d/swap_out" -- rm -f "$f"
tap_is "$(slots)" "0/0/0" "  ... every slot freed"
tap_ok "  ... the file's directory is gone" [ ! -d "$d" ]
# The mapper killed with -9 while a swap_out runs, its file unlinked:
# first one page per batch, each written before the next is prepared
# (pipeline 0), then pipelined batches of 8 (several in flight while the
# dying mapper's pages are unmapped under them). The kill follows the
# first pages out at once, so it lands in the swap_out's middle. The
# tracepoints say what the batches met (busy pages, errors) if a slot leaks.
slots_free() { [ "$(slots)/$(cat "$MS_DEBUG/live_fs_pages")" = "0/0/0/0" ]; }
for cfg in "1 0 32" "8 1 128"; do
	read -r bp pl mb <<< "$cfg"
	pages=$((mb * 256))
	ms_write "$bp" "$SW/batch_pages"; ms_write "$pl" "$SW/pipeline"
	f=$mnt/kill
	truncate -s "${mb}M" "$f"
	d=$(fdir "$f")
	hold "$f" "$mb"
	ms_trace_new swap_kill && ms_trace_on memsched/msched_swap_write_done
	ms_write "$pages force" "$d/swap_out" 2> "$work/k.err" &
	spid=$!
	wait_started "$d/stats/nr_swapped_out_pages"
	kill -9 "$hpid"
	kill -0 "$spid" 2>/dev/null; running=$?
	read -r out0 < "$d/stats/nr_swapped_out_pages"
	rm -f "$f"
	{ wait "$hpid"; } 2> /dev/null	# (no "Killed" line from this shell)
	wait "$spid"; src=$?
	tap_diag "batch_pages $bp, pipeline $pl: swap_out status $src $(cat "$work/k.err")"
	tap_ok "batch_pages $bp, pipeline $pl: the swap_out was under way when the mapper was killed and the file unlinked ($out0 of $pages pages out)" \
		all_of [ "$out0" -gt 0 ] -- [ "$out0" -lt "$pages" ] -- [ "$running" = 0 ]
	ms_wait_for "$BOUND_S" slots_free
	tap_is "$(slots)/$(cat "$MS_DEBUG/live_fs_pages")" "0/0/0/0" \
		"  ... within ${BOUND_S} s: every slot freed (used_pages, live_swap_slots, batches), no page left" ||
		tap_diag "live_fs_files $(cat "$MS_DEBUG/live_fs_files"); the file's directory $([ -d "$d" ] &&
			echo "is still there: swapped_pages $(cat "$d/swapped_pages"), resident_pages $(cat "$d/resident_pages")" ||
			echo "is gone"); msched_swap_write_done: $(ms_trace_count msched_swap_write_done:) batches, pages $(ms_trace_sum msched_swap_write_done pages), errors $(ms_trace_sum msched_swap_write_done errors), busy $(ms_trace_sum msched_swap_write_done busy)"
	ms_trace_remove
done
ms_write 256 "$SW/batch_pages"; ms_write 1 "$SW/pipeline"
# Unmount with pages out of two files.
for n in 1 2; do
	"$PATTERN" --file "$mnt/u$n" --mb 2 --seconds 0 > /dev/null
	ms_write "512 force" "$(fdir "$mnt/u$n")/swap_out"
done
tap_is "$(slots)" "1024/1024/0" "two files with 512 pages out each"
tap_ok "umount with pages out" umount "$mnt"
tap_is "$(slots)/$(cat "$MS_DEBUG/live_fs_pages")" "0/0/0/0" "  ... every slot freed, no page left"
tap_ok "device none once no page is out" ms_write none "$SW/device"
tap_is "[$(cat "$SW/device")]/$(cat "$SW/size_pages")/$(cat "$SW/used_pages")" "[]/0/0" "  ... no device"
tap_ok "  ... swapon takes the disk again (memsched let it go)" all_of mkswap "$good" -- swapon "$good" -- swapoff "$good"
tap_no_leaks "after unmount"
tap_ok "rmmod" rmmod memsched
tap_done
