#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Hypervisor swap under a full Linux guest (the lab's kernel under QEMU
# -accel kvm) whose RAM is a memschedfs file, as in memschedfs_vm.sh. QEMU
# preallocates the file (prealloc=on), so every page of it is in memory
# before the guest boots and a page can only be resident or out. The VM is
# attached: the file's tiering reads its KVM accessed bits, which age the
# pages (tiering on with pmem_node -1: the scans only age, nothing moves).
# In the guest:
#  - hot: fs_pattern writes and checks 16 MiB of patterns, in 10 s runs
#    one after the other (the working set, and the checker that runs while
#    memsched swaps);
#  - cold: fs_pattern fills 64 MiB with patterns and holds them untouched
#    until the host says "go" on the guest's second serial port; then it
#    verifies every page (each fault reads the page back from the swap
#    device, KVM refaulting through its MMU notifier).
# The host swaps out everything outside the working set (swap_out of the
# whole file, without force) while the guest runs; checks, with the VM
# paused, that the pages went out and that the resident pages dropped by
# exactly that; then the guest touches its patterns back: zero mismatches,
# no guest oops. After the VM exits, the host touches half of the file back
# and removes the file with the rest still out: every slot and page freed.
# Needs the lab's disk "mswap" (lab-run --disk mswap:512M, make check).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/memsched.sh"
. "$(dirname "$0")/../lib/guest.sh"
ms_require_kvm
disk=$(ms_disk mswap 2>&1) || tap_skip_all "$disk"
tap_plan 28

MEM_MB=256
HOT_MB=16
COLD_MB=64
NODES=$TAP_REPO/selftests/memsched/vmm/build/fs_nodes
SW=$MS_ROOT/swap
work=$(mktemp -d)
mnt=$work/mnt
runner="" vmm=""
cleanup() {
	if [ -n "$runner" ]; then
		[ -n "$vmm" ] && kill -CONT "$vmm" 2>/dev/null
		kill "$(cat "$work/vmm.pid" 2>/dev/null)" 2>/dev/null
		wait "$runner"
	fi
	rm -f "$mnt/vm0"
	umount "$mnt" 2>/dev/null
	echo none > "$SW/device" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$mnt"
stat_of() { cat "$1/stats/$2"; }
node_sum() { awk '{ n += $2 } END { print n + 0 }' "$1/node_pages"; }
show_run() {
	tap_diag "guest-run said: $(cat "$work/run.out")"
	tap_diag "guest console tail: $(tr -d '\r' < "$work/log" 2>/dev/null | tail -n 15)"
}
console() { tr -d '\r' < "$work/log"; }

sysctl -qw kernel.numa_balancing=0 2>/dev/null
ms_load || { tap_fail "load memsched"; tap_done; }
mount -t memschedfs -o huge=never none "$mnt"
f=$mnt/vm0
truncate -s ${MEM_MB}M "$f"
d=$MS_ROOT/files/$(stat -c %i "$f")
size=$(cat "$d/size_pages")
tap_ok "swap device $disk (serial mswap)" ms_write "$disk" "$SW/device"
# 2 s scans: a page is cold after 3 idle scans, 6 s. The lab has one vCPU,
# which the swap-out itself keeps busy, so the guest's hot checker can go
# a while without running; with 500 ms scans (a 1.5 s window) a loaded CI
# run saw half the working set age out and come back during the swap-out.
ms_write 2000 "$d/scan_interval_ms"
tap_ok "tiering on for the guest's RAM file, pmem_node -1 (scans age pages, move none)" \
	all_of ms_write -1 "$d/pmem_node" -- ms_write 1 "$d/tiering"

# The host's word to the guest: the guest's ttyS1 is a QEMU pipe chardev
# (QEMU opens $work/sig.in read-write, so writing it never blocks).
mkfifo "$work/sig.in" "$work/sig.out"
cat > "$work/cmd" <<CMD
. /guest/lib.sh
# Open the port before the host may write: opening it resets the UART FIFO.
[ -c /dev/ttyS1 ] || { echo "guest: no ttyS1"; exit 1; }
exec 3< /dev/ttyS1
( while [ ! -e /stop ]; do
	fs_pattern --file /hot --mb $HOT_MB --seconds 10 --threads 1 > /hot.out 2>&1
	echo "guest: hot rc=\$? \$(cat /hot.out)"
  done ) &
hot=\$!
fs_pattern --file /cold --mb $COLD_MB --ready-file /cold.ready --hold-seconds 100000 \
	--seconds 10 --threads 1 > /cold.out 2>&1 &
cold=\$!
n=0
until [ -e /cold.ready ]; do
	kill -0 \$cold 2>/dev/null || { echo "guest: cold writer died: \$(cat /cold.out)"; exit 1; }
	sleep 0.2; n=\$((n + 1))
	[ \$n -gt 1500 ] && { echo "guest: cold writer not ready"; exit 1; }
done
echo "guest: cold held"
read -r go <&3
echo "guest: go \$go"
# SIGTERM ends the hold: fs_pattern verifies every page once and exits.
kill -TERM \$cold
wait \$cold
crc=\$?
echo "guest: cold rc=\$crc \$(cat /cold.out)"
touch /stop
wait \$hot
echo "guest: done"
[ \$crc = 0 ]
CMD
guest_initrd "$work/initrd" "$work/cmd"
"$GUEST_TOOLS/guest-run" --initrd "$work/initrd" --log "$work/log" --mem ${MEM_MB}M \
	--timeout 480 --pidfile "$work/vmm.pid" -- \
	-machine memory-backend=ram0 \
	-object "memory-backend-file,id=ram0,size=${MEM_MB}M,mem-path=$f,share=on,prealloc=on" \
	-serial "pipe:$work/sig" \
	> "$work/run.out" 2>&1 &
runner=$!
tap_ok "guest boots with its RAM on memschedfs and holds $COLD_MB MiB of patterns" \
	guest_wait_log "$work/log" "guest: cold held" 300 || show_run
# Attached once its memslots exist (at boot), the VM lends the file its
# KVM accessed bits.
vmm=$(guest_attach "$work/vmm.pid")
tap_ok "attach the guest's VMM (pid $vmm)" all_of [ -n "$vmm" ] -- [ -d "$(ms_vm "$vmm")" ]
tap_is "$(cat "$d/access_source")" kvm "the file's tiering reads the VM's KVM accessed bits"
tap_is "$(cat "$d/resident_pages")" "$size" "QEMU preallocated the whole file ($size pages)"

# Age: the cold patterns are untouched from now on; 3 idle scans put a
# page below demote_heat, the hot patterns stay above it.
s0=$(stat_of "$d" nr_scans)
ms_wait_scans "$d" 8
tap_ok "8 tiering scans on KVM's accessed bits aged the guest's pages (nr_scans $s0 -> $(stat_of "$d" nr_scans))" \
	[ "$(stat_of "$d" nr_scans)" -ge $((s0 + 8)) ]
hot_runs() { console | grep -c "^guest: hot rc="; }
k=$(hot_runs)
in0=$(stat_of "$d" nr_swapped_in_pages) out0=$(stat_of "$d" nr_swapped_out_pages)
ms_klog_mark
t0=$EPOCHREALTIME
# More than the cold pages: the write fails with EAGAIN once every page
# outside the working set went out (memory.reclaim's convention).
ms_write "$size" "$d/swap_out" > "$work/swap_out.err" 2>&1
src=$?
t1=$EPOCHREALTIME
tap_diag "swap_out $size: rc $src ($(cat "$work/swap_out.err")) in $(( (${t1/./} - ${t0/./}) / 1000 )) ms; log: $(ms_klog | grep -i swap | tail -n 3)"
tap_ok "swap_out of the whole file without force: EAGAIN (the working set stays)" \
	grep -q "Resource temporarily unavailable" "$work/swap_out.err"

# Exact accounting with the VM paused (no fault in flight).
kill -STOP "$vmm"
sleep 0.5
res=$(cat "$d/resident_pages") sw=$(cat "$d/swapped_pages") ns=$(node_sum "$d")
out1=$(stat_of "$d" nr_swapped_out_pages) in1=$(stat_of "$d" nr_swapped_in_pages)
used=$(cat "$SW/used_pages") live=$(cat "$MS_DEBUG/live_swap_slots")
kill -CONT "$vmm"
tap_diag "paused: resident $res swapped $sw node_pages sum $ns out $((out1 - out0)) in $((in1 - in0)) used_pages $used live_swap_slots $live; stats: $(ms_stats_line "$d")"
tap_ok "everything outside the working set went out: $sw of $size pages (> half)" \
	[ "$sw" -gt $((size / 2)) ]
tap_is "$((ns + sw))/$res" "$size/$ns" \
	"node_pages dropped by exactly swapped_pages (resident + swapped = size; node_pages sum = resident_pages)"
tap_is "$((out1 - in1))" "$sw" "swapped_pages = nr_swapped_out_pages - nr_swapped_in_pages"
tap_is "$used/$live" "$sw/$sw" "swap/used_pages and debugfs live_swap_slots: one slot per page out"
# A working-set page that went out would be faulted back at once (the hot
# checker rewrites its 4096 pages continuously, a round in well under a
# second): had the working set gone out, it would all have come back.
# Pages the guest's kernel and daemons touch less often than every 6 s
# come back too, more the longer the swap-out runs: 915 in an idle lab
# (1.6 s), 2302 in a loaded CI run.
tap_ok "the working set was not swapped out ($((in1 - in0)) pages came back during the swap-out, fewer than its $((HOT_MB * 256)))" \
	[ $((in1 - in0)) -lt $((HOT_MB * 256)) ]
tap_ok "write batches counted, no write error" \
	all_of [ "$(stat_of "$d" nr_swap_write_batches)" -gt 0 ] -- [ "$(stat_of "$d" nr_swap_write_errors)" = 0 ]

# The guest touches its cold patterns back. (Bounded: with QEMU gone the
# FIFO has no reader and an open for writing would wait forever.)
timeout 10 bash -c 'echo go > "$1"' go "$work/sig.in" || tap_diag "could not say go to the guest (QEMU gone?)"
wait "$runner"
rc=$?
runner=""
tap_is "$rc" 0 "the guest ran to the end (guest-run status)" || show_run
cold=$(console | sed -n 's/^guest: cold rc=//p')
tap_is "$cold" "0 fs_pattern: pages=$((COLD_MB * 256)) rounds=0 mismatches=0" \
	"the guest verified all $COLD_MB MiB of its cold patterns after they were out: zero mismatches"
in2=$(stat_of "$d" nr_swapped_in_pages)
tap_ok "the cold patterns came back from the device ($((in2 - in1)) pages swapped in, >= 90% of $((COLD_MB * 256)))" \
	[ $((in2 - in1)) -ge $((COLD_MB * 256 * 9 / 10)) ]
tap_diag "$(console | grep "^guest: hot rc=" | tail -n 3)"
tap_ok "a hot checker run overlapped the swap-out ($(( $(hot_runs) - k )) runs after it started)" \
	[ "$(hot_runs)" -gt "$k" ]
tap_is "$(console | grep "^guest: hot rc=" | grep -vc "rc=0 fs_pattern: pages=$((HOT_MB * 256)) rounds=[1-9][0-9]* mismatches=0$")" 0 \
	"the guest's hot checkers saw zero mismatches ($(hot_runs) runs)"
tap_ok "the guest kernel is fine (no oops)" eval '! grep -qiE "BUG:|Oops|panic|general protection|segfault" "$work/log"'
tap_is "$(stat_of "$d" nr_swap_read_errors)" 0 "no read error"

# After the VM: the file keeps its pages, out or not. Touch the first half
# back from the host (one byte read per page), remove the file with the
# rest still out.
sw=$(cat "$d/swapped_pages") in3=$(stat_of "$d" nr_swapped_in_pages)
tap_is "$(cat "$SW/used_pages")/$(cat "$MS_DEBUG/live_swap_slots")" "$sw/$sw" \
	"after the guest's swap-ins: one slot per page still out (used_pages/live_swap_slots = swapped_pages)"
"$NODES" --file "$f" --count "0:$((size / 2 - 1))" > "$work/half" 2>&1
sw2=$(cat "$d/swapped_pages") in4=$(stat_of "$d" nr_swapped_in_pages)
tap_diag "after the VM: swapped $sw; host touched pages 0..$((size / 2 - 1)) ($(cat "$work/half")): swapped $sw2, $((in4 - in3)) swapped in"
tap_ok "the host's touches swapped pages back in ($sw -> $sw2, counted; used_pages $(cat "$SW/used_pages"))" \
	all_of [ "$sw2" -lt "$sw" ] -- [ $((sw - sw2)) = $((in4 - in3)) ] -- \
	[ $(( $(cat "$d/resident_pages") + sw2 )) = "$size" ] -- [ "$(cat "$SW/used_pages")" = "$sw2" ]
tap_ok "pages still out when the file is removed ($sw2)" [ "$sw2" -gt 0 ]
rm -f "$f"
ms_wait_val "$MS_DEBUG/live_fs_pages" 0 20 > /dev/null
tap_is "$(cat "$MS_DEBUG/live_swap_slots")/$(cat "$SW/used_pages")/$(cat "$MS_DEBUG/live_fs_pages")" 0/0/0 \
	"removing the file frees every slot without reading it, and every page (live_swap_slots/used_pages/live_fs_pages)"
tap_ok "the swap device closes (no page out)" ms_write none "$SW/device"
tap_ok "unmount" umount "$mnt"
tap_no_leaks "after the VM and its file are gone"
tap_done
