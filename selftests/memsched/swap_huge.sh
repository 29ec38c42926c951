#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Hypervisor swap of huge (2 MiB) folios of a huge=always memschedfs file
# (Documentation/design/huge-folios-plan.rst, section 1), on the lab's
# virtio-blk disk mswap (512 MiB) and a 4 MiB loop device:
#  - a 64 MiB pattern file (32 huge folios): swap_out "16384 force" writes
#    every folio out whole: stats nr_swap_out_huge 32, _fragmented 0 (a
#    fresh device), swapped_pages = swap/used_pages = 16384, node_pages,
#    debugfs live_fs_pages and /proc/vmstat nr_file_hugepages (counted in
#    2 MiB units there) down by the file; one bio per folio (tracepoint
#    msched_swap_batch: 32 batches, 32 runs);
#  - touching every page brings them back intact, one 2 MiB range per
#    fault; after rm every slot is free;
#  - a fragmented device (a 4 KiB file's slots freed every other page):
#    a huge folio goes out in 512 runs (_fragmented 1) and reads back
#    intact; with fewer than 512 slots free it stays (nr_swap_huge_skips);
#  - a punch racing a swap_out: the punched page reads zero, every other
#    page intact, swap/used_pages = swapped_pages afterwards;
#  - read-back of 2 MiB ranges: one touched page brings its range back
#    into one huge folio (nr_swap_in_huge); a page punched while out reads
#    zero; swap/huge_readback 0 brings 4 KiB pages back with read-ahead
#    clamped to the range (nr_swap_in_huge_fallbacks); tracepoints
#    msched_swap_batch (huge=1 for one huge folio) and msched_swap_in
#    (huge=1 for a 2 MiB read-back);
#  - a failing 2 MiB read-back (disk mswapread, every read fails): only
#    the access sees it (SIGBUS), the range stays out
#    (swapped_pages, used_pages unchanged), nr_swap_read_errors one per
#    access, nothing left after rm;
#  - a punch that meets a huge folio while its write is in flight (held
#    by a suspended dm-linear device over mswap; skipped without
#    device-mapper): the folio stays resident, its slots are freed, the
#    punched page reads zero and the rest of the folio is intact.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/memsched.sh"

ms_disk mswap > /dev/null 2>&1 || tap_skip_all "no virtio-blk disk with serial mswap (make check runs the lab with --disk mswap:512M)"
good=$(ms_disk mswap)
grep -q '^Hugepagesize: *2048 kB' /proc/meminfo || tap_skip_all "no 2 MiB pages on this machine"
tap_plan 76

VMM_BIN=$TAP_REPO/selftests/memsched/vmm/build
PATTERN=$VMM_BIN/fs_pattern
SW=$MS_ROOT/swap
work=$(mktemp -d)
mnt=$work/mnt mnt4=$work/mnt4
loopdev="" dmname=""
cleanup() {
	# A held write first: a suspended device keeps swap_out and the punch
	# in D state, and the wait below would never return.
	[ -n "$dmname" ] && dmsetup resume --noudevsync "$dmname" 2>/dev/null
	kill $MS_STALL_PID 2>/dev/null
	wait 2>/dev/null
	ms_trace_remove
	umount "$mnt" 2>/dev/null
	umount "$mnt4" 2>/dev/null
	[ -w "$SW/device" ] && echo none > "$SW/device" 2>/dev/null
	[ -n "$loopdev" ] && losetup -d "$loopdev" 2>/dev/null
	[ -n "$dmname" ] && dmsetup remove --noudevsync "$dmname" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$mnt" "$mnt4"
ms_stall_watch

fdir() { echo "$MS_ROOT/files/$(stat -c %i "$1")"; }
st() { cat "$1/stats/$2"; }
node_total() { awk '{ n += $2 } END { print n + 0 }' "$1/node_pages"; }
slots() { echo "$(cat "$SW/used_pages")/$(cat "$MS_DEBUG/live_swap_slots")/$(cat "$MS_DEBUG/live_swap_batches")"; }
thp() { awk '$1 == "nr_file_hugepages" { print $2 }' /proc/vmstat; }
logged() { ms_klog | grep -q -- "$1"; }
# verify FILE MB [ARGS...]: fs_pattern --verify-only; prints "STATUS/LINE"
verify() {
	local out rc
	out=$("$PATTERN" --file "$1" --mb "$2" --verify-only "${@:3}" 2> "$work/v.err")
	rc=$?
	# To stderr: the caller compares what this prints.
	[ "$rc" = 0 ] || tap_diag "fs_pattern: $(head -n 3 "$work/v.err")" >&2
	echo "$rc/$out"
}

sysctl -qw kernel.numa_balancing=0 2>/dev/null
ms_load || { tap_fail "load memsched"; tap_done; }
tap_ok "mount memschedfs huge=always, device mswap" \
	all_of mount -t memschedfs -o huge=always none "$mnt" -- ms_write "$good" "$SW/device"

base=$(cat "$MS_DEBUG/live_fs_pages")	# pages of memschedfs files before ours

# ---- 32 huge folios go out whole.
f=$mnt/big
truncate -s 64M "$f"
d=$(fdir "$f")
tap_ok "fallocate 64 MiB and write a pattern" \
	all_of fallocate -l 64M "$f" -- "$PATTERN" --file "$f" --mb 64 --seconds 0
tap_is "$(cat "$d/huge_folios")/$(cat "$d/resident_pages")" "32/16384" "32 huge folios, 16384 pages resident"
tot0=$(node_total "$d") live0=$(cat "$MS_DEBUG/live_fs_pages") thp0=$(thp)
ms_trace_new swap_huge && ms_trace_on memsched/msched_swap_batch memsched/msched_swap_write_done
tap_ok "swap_out '16384 force'" ms_write "16384 force" "$d/swap_out"
tap_is "$(st "$d" nr_swap_out_huge)/$(st "$d" nr_swap_out_huge_fragmented)/$(st "$d" nr_swap_huge_skips)" "32/0/0" \
	"stats: nr_swap_out_huge 32, nr_swap_out_huge_fragmented 0 (a fresh device), nr_swap_huge_skips 0"
tap_is "$(cat "$d/swapped_pages")/$(st "$d" nr_swapped_out_pages)/$(slots)" "16384/16384/16384/16384/0" \
	"swapped_pages = nr_swapped_out_pages = swap/used_pages = live_swap_slots = 16384"
tap_is "$((tot0 - $(node_total "$d")))/$(cat "$d/resident_pages")/$(cat "$d/huge_folios")" "16384/0/0" \
	"node_pages down by 16384, resident_pages 0, huge_folios 0"
tap_is "$((live0 - $(cat "$MS_DEBUG/live_fs_pages")))" 16384 "debugfs live_fs_pages down by 16384"
tap_is "$((thp0 - $(thp)))" 32 "/proc/vmstat nr_file_hugepages down by 32 (2 MiB units: NR_FILE_THPS -16384 pages)"
tap_is "$(st "$d" nr_swap_write_bytes)/$(st "$d" nr_swap_write_errors)/$(st "$d" nr_swap_busy_pages)" \
	"$((64 << 20))/0/0" "stats: 64 MiB written, no write error, none busy"
tap_is "$(ms_trace_count msched_swap_batch:)/$(ms_trace_sum msched_swap_batch runs)/$(ms_trace_sum msched_swap_batch pages)" \
	"32/32/16384" "tracepoint msched_swap_batch: 32 batches, one bio (run) per folio, 16384 pages"
tap_is "$(ms_trace_sum msched_swap_write_done pages)/$(ms_trace_sum msched_swap_write_done errors)/$(ms_trace_overruns)" \
	"16384/0/0" "tracepoint msched_swap_write_done: 16384 pages, no error"
ms_trace_remove
tap_is "$(verify "$f" 64)" "0/fs_pattern: pages=16384 rounds=0 mismatches=0" \
	"touching every page brings the pattern back intact"
tap_is "$(cat "$d/swapped_pages")/$(st "$d" nr_swapped_in_pages)/$(cat "$d/resident_pages")/$(slots)" \
	"0/16384/16384/0/0/0" "  ... swapped_pages 0, 16384 swapped in, all resident, every slot free"
rm -f "$f"
tap_is "$(slots)/$(cat "$MS_DEBUG/live_fs_pages")" "0/0/0/$base" "after rm: no slot used, live_fs_pages back"

# ---- A fragmented device: a 4 MiB loop device (1024 slots).
modprobe loop 2>/dev/null
truncate -s 4M "$work/frag.img"
if loopdev=$(losetup -f --show "$work/frag.img" 2>/dev/null); then
	tap_ok "device: a 4 MiB loop device (1024 slots), a huge=never mount" \
		all_of ms_write "$loopdev" "$SW/device" -- mount -t memschedfs -o huge=never none "$mnt4"
	f4=$mnt4/small
	"$PATTERN" --file "$f4" --mb 4 --seconds 0 > /dev/null
	d4=$(fdir "$f4")
	tap_ok "a 4 KiB file fills it (swap_out '1024 force')" ms_write "1024 force" "$d4/swap_out"
	for ((p = 0; p < 1024; p += 2)); do fallocate -p -o $((p * 4096)) -l 4096 "$f4"; done
	tap_is "$(cat "$SW/used_pages")" 512 "every other page punched: 512 slots free, none contiguous"
	h=$mnt/h
	truncate -s 2M "$h"
	dh=$(fdir "$h")
	"$PATTERN" --file "$h" --mb 2 --seconds 0 > /dev/null
	tap_is "$(cat "$dh/huge_folios")" 1 "a 2 MiB huge=always file: one huge folio"
	tap_ok "swap_out '512 force' of it" ms_write "512 force" "$dh/swap_out"
	tap_is "$(st "$dh" nr_swap_out_huge)/$(st "$dh" nr_swap_out_huge_fragmented)/$(cat "$dh/swapped_pages")/$(cat "$SW/used_pages")" \
		"1/1/512/1024" "  ... out whole in 512 runs: nr_swap_out_huge 1, _fragmented 1, used_pages 1024"
	tap_is "$(verify "$h" 2)" "0/fs_pattern: pages=512 rounds=0 mismatches=0" "  ... and reads back intact"
	tap_is "$(cat "$SW/used_pages")" 512 "  ... its 512 slots freed"
	# No slot free: the folio stays whole.
	rm -f "$h"
	h=$mnt/h2
	truncate -s 2M "$h"
	dh=$(fdir "$h")
	"$PATTERN" --file "$h" --mb 2 --seconds 0 > /dev/null
	tap_is "$(cat "$dh/huge_folios")" 1 "a new 2 MiB file: one huge folio"
	"$PATTERN" --file "$mnt4/fill" --mb 2 --seconds 0 > /dev/null
	tap_ok "fill the free slots with another 4 KiB file" \
		ms_write "512 force" "$(fdir "$mnt4/fill")/swap_out"
	ms_klog_mark
	tap_fails_with "No space left on device" "swap_out '512 force' with no slot free: ENOSPC" \
		ms_write "512 force" "$dh/swap_out"
	tap_is "$(st "$dh" nr_swap_huge_skips)/$(cat "$dh/swapped_pages")/$(cat "$dh/huge_folios")" "1/0/1" \
		"  ... the folio stays whole and resident (nr_swap_huge_skips 1)"
	rm -f "$h" "$f4" "$mnt4/fill"
	tap_is "$(slots)" "0/0/0" "after rm: every slot free"
	umount "$mnt4"
	echo none > "$SW/device"
	losetup -d "$loopdev"; loopdev=""
else
	for i in $(seq 13); do tap_skip "fragmented device" "no loop device"; done
fi

# ---- A punch racing a swap_out of a huge file.
tap_ok "device: mswap again" ms_write "$good" "$SW/device"
f=$mnt/race
truncate -s 32M "$f"
d=$(fdir "$f")
"$PATTERN" --file "$f" --mb 32 --seconds 0 > /dev/null
ms_write "8192 force" "$d/swap_out" 2> "$work/race.err" &
spid=$!
fallocate -p -o $((517 * 4096)) -l 4096 "$f"
wait $spid; src=$?
tap_diag "swap_out status $src ($(cat "$work/race.err")); out $(st "$d" nr_swap_out_huge) folios, busy $(st "$d" nr_swap_busy_pages) pages"
tap_is "$(cat "$SW/used_pages")" "$(cat "$d/swapped_pages")" "swap/used_pages = swapped_pages after the race"
tap_is "$(verify "$f" 32)" "1/fs_pattern: pages=8192 rounds=0 mismatches=1" \
	"every page intact but the punched one (zero)"
rm -f "$f"
tap_is "$(slots)/$(cat "$MS_DEBUG/live_fs_pages")" "0/0/0/$base" "after rm: no slot used, nothing left"
# ---- Read-back of 2 MiB ranges (swap/huge_readback 1, the default).
f=$mnt/rb
truncate -s 8M "$f"
d=$(fdir "$f")
"$PATTERN" --file "$f" --mb 8 --seconds 0 > /dev/null
tap_is "$(cat "$SW/huge_readback")/$(cat "$d/huge_folios")" "1/4" "swap/huge_readback 1 by default; an 8 MiB file of 4 huge folios"
ms_trace_new swap_huge && ms_trace_on memsched/msched_swap_batch memsched/msched_swap_in
tap_ok "swap_out '512 force': the first folio out" ms_write "512 force" "$d/swap_out"
tap_is "$(ms_trace_count msched_swap_batch:)/$(ms_trace_sum msched_swap_batch pages)/$(ms_trace_sum msched_swap_batch runs)/$(ms_trace_sum msched_swap_batch huge)" \
	"1/512/1/1" "  ... tracepoint msched_swap_batch: one batch, pages=512 runs=1 huge=1"
tap_ok "swap_out '1536 force': the other 3 out" ms_write "1536 force" "$d/swap_out"
# pg P: fs_pattern's status for page P alone (0 intact, 1 not)
pg() { "$PATTERN" --file "$f" --mb 8 --verify-only --page "$1" > /dev/null 2>&1; echo $?; }
tap_is "$(pg 3)/$(cat "$d/swapped_pages")/$(st "$d" nr_swap_in_huge)/$(cat "$d/huge_folios")" "0/1536/1/1" \
	"touching page 3 reads its whole range back into one huge folio (swapped_pages -512, nr_swap_in_huge 1), intact"
tap_is "$(ms_trace_count msched_swap_in:)/$(ms_trace_count 'msched_swap_in: .* idx=3 nr=512 huge=1 err=0 ')" "1/1" \
	"  ... tracepoint msched_swap_in: one event, idx=3 nr=512 huge=1 err=0"
ms_trace_remove
tap_ok "punch page 517 while its range is out" fallocate -p -o $((517 * 4096)) -l 4096 "$f"
tap_is "$(cat "$d/swapped_pages")/$(cat "$SW/used_pages")" "1535/1535" "  ... swapped_pages and used_pages -1"
tap_is "$(pg 516)/$(pg 517)/$(pg 600)/$(st "$d" nr_swap_in_huge)/$(cat "$d/huge_folios")/$(cat "$d/swapped_pages")" \
	"0/1/0/2/2/1024" "  ... read back: page 517 reads zero, its neighbours intact, one huge folio (nr_swap_in_huge 2)"
ms_klog_mark
tap_fails_with "Invalid argument" "huge_readback 2 refused" ms_write 2 "$SW/huge_readback"
tap_ok "huge_readback 0 accepted" ms_write 0 "$SW/huge_readback"
tap_is "$(pg 1029)/$(cat "$d/swapped_pages")/$(st "$d" nr_swap_in_huge_fallbacks)/$(st "$d" nr_swap_in_huge)/$(cat "$d/huge_folios")" \
	"0/1015/1/2/2" "huge_readback 0: page 1029 comes back as 4 KiB pages with 8 read-ahead inside its range (swapped_pages -9), the next range keeps its 512 out; nr_swap_in_huge_fallbacks 1"
ms_write 1 "$SW/huge_readback"
tap_is "$(pg 1600)/$(st "$d" nr_swap_in_huge)/$(cat "$d/huge_folios")/$(cat "$d/swapped_pages")" "0/3/3/503" \
	"huge_readback 1 again: the last range comes back huge (nr_swap_in_huge 3)"
tap_is "$(verify "$f" 8)" "1/fs_pattern: pages=2048 rounds=0 mismatches=1" "every page intact but the punched one"
rm -f "$f"
tap_is "$(slots)/$(cat "$MS_DEBUG/live_fs_pages")" "0/0/0/$base" "after rm: no slot used, nothing left"

# ---- A failing 2 MiB read-back: mswapread (every read fails).
if rd=$(ms_disk mswapread 2> /dev/null); then
	tap_ok "device: mswapread (every read fails)" ms_write "$rd" "$SW/device"
	f=$mnt/rfail
	truncate -s 4M "$f"
	d=$(fdir "$f")
	"$PATTERN" --file "$f" --mb 4 --seconds 0 > /dev/null
	tap_ok "swap_out '512 force' of a 4 MiB file (writes work)" ms_write "512 force" "$d/swap_out"
	tap_is "$(st "$d" nr_swap_out_huge)/$(cat "$d/swapped_pages")/$(cat "$SW/used_pages")/$(cat "$d/huge_folios")/$(cat "$d/resident_pages")" \
		"1/512/512/1/512" "  ... its first range out whole (nr_swap_out_huge 1, 512 out, 512 slots), the second resident"
	live1=$(cat "$MS_DEBUG/live_fs_pages")
	ms_trace_new swap_huge_rd && ms_trace_on memsched/msched_swap_in memsched/msched_fs_huge
	ms_klog_mark
	# pgrd P: status of a child reading page P alone through its mapping
	# (the shell's "Bus error" line goes to /dev/null)
	pgrd() { { "$PATTERN" --file "$f" --mb 4 --verify-only --page "$1" > /dev/null 2>&1; echo $?; } 2> /dev/null; }
	tap_is "$(pgrd 3)" 135 "a child touching page 3 of the range out dies of SIGBUS (status 135)"
	tap_is "$(pgrd 3)" 135 "  ... again on the next access: the range stays out"
	tap_is "$(pgrd 300)" 135 "  ... and touching page 300 of it: SIGBUS (memschedfs has no read(); a mapping is the only access)"
	tap_is "$(pgrd 600)" 0 "  ... page 600 of the resident range reads intact"
	tap_is "$(cat "$d/swapped_pages")/$(cat "$SW/used_pages")/$(cat "$d/resident_pages")/$(cat "$d/huge_folios")" \
		"512/512/512/1" "  ... swapped_pages 512 and used_pages 512 unchanged, 512 resident, one huge folio"
	tap_is "$(st "$d" nr_swap_read_errors)/$(st "$d" nr_swap_in_huge)/$(st "$d" nr_swap_in_huge_fallbacks)/$(st "$d" nr_swapped_in_pages)" \
		"3/0/3/0" "  ... stats: nr_swap_read_errors 3 (one per access), nr_swap_in_huge 0, nr_swap_in_huge_fallbacks 3, nothing swapped in"
	tap_is "$(ms_trace_count 'msched_swap_in:')/$(ms_trace_count 'msched_swap_in: .* nr=0 huge=0 err=-5 ')" \
		"3/3" "  ... tracepoint msched_swap_in: one per access, the failed 4 KiB read (nr=0 huge=0 err=-5)"
	tap_is "$(ms_trace_count 'msched_fs_huge: .* fallback_swapin')" 3 "  ... tracepoint msched_fs_huge: fallback_swapin per access (the failed 2 MiB read-back)"
	ms_trace_remove
	tap_ok "  ... logged" logged "reading the 2 MiB range at page 0 back failed"
	tap_is "$(cat "$MS_DEBUG/live_fs_pages")" "$live1" "  ... debugfs live_fs_pages unchanged (no page left by a failed read-back)"
	out=$(verify "$f" 4 --sigbus-ok)
	tap_is "${out%%/*}/$(echo "$out" | grep -o 'mismatches=[0-9]* sigbus=[0-9]*')/$(st "$d" nr_swap_read_errors)" \
		"0/mismatches=0 sigbus=512/515" "a process touching every page: a SIGBUS for each page out, the others intact, 512 more read errors"
	rm -f "$f"
	tap_is "$(slots)/$(cat "$MS_DEBUG/live_fs_pages")" "0/0/0/$base" "after rm: no slot used, nothing left"
	tap_ok "device: mswap again" ms_write "$good" "$SW/device"
else
	for i in $(seq 16); do tap_skip "read errors" "no virtio-blk disk with serial mswapread (--disk mswapread:64M:fail-reads)"; done
fi

# ---- A punch that meets a huge folio while its write is in flight: the
# write is held by a suspended dm-linear device over mswap.
# blocked PID: the task waits uninterruptibly (the punch on the folio lock)
blocked() { [ "$(awk '{ print $3 }' "/proc/$1/stat" 2> /dev/null)" = D ]; }
# batches N: debugfs live_swap_batches is N
batches() { [ "$(cat "$MS_DEBUG/live_swap_batches")" = "$1" ]; }
if command -v dmsetup > /dev/null && modprobe dm-mod 2> /dev/null &&
   ms_write none "$SW/device" &&
   dmsetup create --noudevsync mshold --table "0 $(blockdev --getsz "$good") linear $good 0" 2> "$work/dm.err"; then
	dmname=mshold
	held=/dev/$(dmsetup info -c --noheadings -o blkdevname mshold)
	tap_ok "device: $held, dm-linear over mswap" ms_write "$held" "$SW/device"
	f=$mnt/inflight
	truncate -s 2M "$f"
	d=$(fdir "$f")
	"$PATTERN" --file "$f" --mb 2 --seconds 0 > /dev/null
	tap_ok "a 2 MiB file of one huge folio; the dm device suspended" \
		all_of [ "$(cat "$d/huge_folios")" = 1 ] -- dmsetup suspend --noudevsync mshold
	ms_trace_new swap_huge_gone && ms_trace_on memsched/msched_swap_write_done
	ms_write "512 force" "$d/swap_out" 2> "$work/gone.err" &
	spid=$!
	tap_ok "swap_out '512 force': its write is in flight (live_swap_batches 1)" ms_wait_for 60 batches 1
	fallocate -p -o $((5 * 4096)) -l 4096 "$f" 2> "$work/punch.err" &
	ppid=$!
	tap_ok "a punch of page 5 waits for the folio (uninterruptible)" ms_wait_for 60 blocked "$ppid"
	sleep 1	# (it erased the entries before it blocked)
	tap_is "$(cat "$d/swapped_pages")/$(cat "$SW/used_pages")/$(cat "$MS_DEBUG/live_swap_batches")/$(st "$d" nr_swapped_out_pages)" \
		"0/512/1/0" "  ... meanwhile swapped_pages 0, the 512 slots still used, the batch in flight"
	tap_ok "resume the dm device" dmsetup resume --noudevsync mshold
	wait "$ppid"; prc=$?
	wait "$spid"; src=$?
	tap_diag "swap_out status $src ($(cat "$work/gone.err")); punch status $prc ($(cat "$work/punch.err")); huge_folios $(cat "$d/huge_folios"), resident_pages $(cat "$d/resident_pages")"
	tap_is "$prc/$src/$(ms_trace_sum msched_swap_write_done pages)/$(ms_trace_sum msched_swap_write_done errors)/$(ms_trace_sum msched_swap_write_done busy)" \
		"0/1/512/0/0" "  ... the punch done, the swap_out failed (nothing went out); tracepoint msched_swap_write_done: 512 pages written, no error"
	ms_trace_remove
	tap_is "$(cat "$d/swapped_pages")/$(st "$d" nr_swapped_out_pages)/$(st "$d" nr_swap_out_huge)/$(slots)" \
		"0/0/0/0/0/0" "  ... the folio stayed resident (nr_swap_out_huge 0), its 512 slots freed (used_pages 0)"
	tap_is "$(cat "$d/resident_pages")/$(cat "$d/huge_folios")" "511/0" \
		"  ... then the punch split it as a resident folio: 511 pages resident, no huge folio"
	tap_is "$(verify "$f" 2)" "1/fs_pattern: pages=512 rounds=0 mismatches=1" \
		"  ... every page of the folio intact but the punched one (zero)"
	tap_is "$("$PATTERN" --file "$f" --mb 2 --verify-only --page 5 > /dev/null 2>&1; echo $?)/$("$PATTERN" --file "$f" --mb 2 --verify-only --page 4 > /dev/null 2>&1; echo $?)" \
		"1/0" "  ... page 5 is the one that differs (page 4 intact)"
	rm -f "$f"
	tap_is "$(slots)/$(cat "$MS_DEBUG/live_fs_pages")" "0/0/0/$base" "after rm: no slot used, nothing left"
	tap_ok "device none, the dm device removed" all_of ms_write none "$SW/device" -- dmsetup remove --noudevsync mshold
	dmname=""
else
	tap_diag "device-mapper: $(cat "$work/dm.err" 2> /dev/null)"
	for i in $(seq 13); do tap_skip "punch during a write" "no device-mapper (dmsetup, dm-mod) to hold a write"; done
fi
tap_done
