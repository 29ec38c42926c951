#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# 2 MiB folios under a full Linux guest (nested KVM): one guest
# whose 256 MiB of RAM is a file of a huge=always memschedfs mount
# (memory-backend-file,share=on,align=2M,prealloc=on: every page in memory,
# in 2 MiB folios, before the guest boots), with balloon_guest.ko over
# vhost-vsock. In the guest, pattern_hold holds 64 MiB of patterns and
# rereads them every second, and fs_pattern writes 32 MiB of patterns to a
# new file and checks them, over and over, a second apart (the checkers).
# Both are bounded by work, not time: the emulator has been seen to leave
# the lab's own timer interrupt pending, undelivered, while a nested guest
# computed without exiting (tools/lab/README); a guest program that waits
# for its own timer to stop (fs_pattern --seconds) then never stops, the
# guest never idles, and the lab hangs. Work-bounded programs end, go to
# sleep, the guest halts, and its exit lets the lab's kernel run again.
#  - Integrity: the whole file moves to the PMEM node 1 and back, at full
#    rate, for at least one whole checker run: every move takes the pages
#    (whole folios: the count of huge folios stays), the checkers see zero
#    mismatches, no guest oops. Afterwards KVM maps at least 95% of what
#    the guest touched again with 2 MiB entries (KVM's debugfs pages_2m,
#    pages_4k, as in hugepage.sh).
#  - Balloon: the host asks for 8192 pages (4 KiB frames the guest picks,
#    in whole 2 MiB runs or not). Every frame's memory is released (none
#    skipped); the file's resident pages and debugfs live_fs_pages drop
#    by exactly 8192, and mincore(2) on the file finds exactly 8192 pages
#    out (selftests/memsched/vmm/fs_holes). The counters add up: every
#    2 MiB range with a page out is no longer one huge folio; each range
#    with pages both in and out was split (nr_huge_splits counts at least
#    those, and at most every range touched: a range the guest ballooned
#    whole goes without a split when one release call covers it, with one
#    when it spans two of the host's batches), no split failed. The
#    guest's MemTotal drops by exactly 8192 pages; deflating gives them
#    back; the checkers, whose pages share the split folios, stay intact.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/memsched.sh"
. "$(dirname "$0")/../lib/guest.sh"
ms_require_kvm
[ -d /sys/devices/system/node/node1 ] || tap_skip_all "no NUMA node 1 (the lab runs with --pmem in make check)"
tap_plan 31

MEM_MB=256
CID=3
N=8192		# pages to balloon (32 MiB)
HOLES=$TAP_REPO/selftests/memsched/vmm/build/fs_holes
work=$(mktemp -d)
mnt=$work/mnt
runner=""
cleanup() {
	[ -n "$runner" ] && { kill "$(cat "$work/vmm.pid" 2>/dev/null)" 2>/dev/null; wait "$runner"; }
	rm -f "$mnt/vm"
	umount "$mnt" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$mnt"
st() { cat "$d/stats/$1"; }
bst() { cat "$b/stats/$1"; }
node_of() { awk -v n="$1" '$1 == n { print $2 + 0 }' "$d/node_pages"; }
console() { tr -d '\r' < "$work/log"; }
show_run() {
	tap_diag "guest-run said: $(cat "$work/run.out")"
	tap_diag "guest console tail: $(console 2>/dev/null | tail -n 15)"
}
mark() { guest_field "$work/log" "$@"; }	# NAME FIELD
results() { console | grep "^guest: pattern rc="; }
bad_results() { results | grep -vc "rc=0 fs_pattern: pages=8192 rounds=0 mismatches=0$"; }
no_oops() { ! console | grep -qiE "BUG:|Oops|panic|general protection|segfault"; }
# wait_results K SECS: until more than K checker results are in
wait_results() {
	for _ in $(seq "$2"); do
		[ "$(results | wc -l)" -gt "$1" ] && return 0
		sleep 1
	done
	return 1
}

sysctl -qw kernel.numa_balancing=0 2>/dev/null
ms_load || { tap_fail "load memsched"; tap_done; }
mount -t memschedfs -o huge=always none "$mnt"
f=$mnt/vm
truncate -s ${MEM_MB}M "$f"
d=$MS_ROOT/files/$(stat -c %i "$f")
size=$(cat "$d/size_pages")
nr2m=$((size / 512))

# The host's word to the guest: its ttyS1 is a QEMU pipe chardev.
mkfifo "$work/sig.in" "$work/sig.out"
cat > "$work/cmd" <<CMD
. /guest/lib.sh
[ -c /dev/ttyS1 ] || { echo "guest: no ttyS1"; exit 1; }
exec 3< /dev/ttyS1
pattern_hold --mb 64 --stop-file /tmp/stop > /tmp/ph.out 2>&1 &
ph=\$!
waitout /tmp/ph.out ready \$ph 300 || exit 1
# Runs bounded by work, not time, with a pause between them: see above.
( while [ ! -e /tmp/stop ]; do
	rm -f /pat
	fs_pattern --file /pat --mb 32 --seconds 0 > /pat.out 2>&1
	echo "guest: pattern rc=\$? \$(cat /pat.out)"
	sleep 1
  done ) &
chk=\$!
waitv \$bg/connected 1 300 || exit 1
sleep 1
mark M1
echo "guest: running"
# The host balloons once the moves are done (minutes).
waitv \$bg/balloon_pages $N 1500 && sleep 1 && mark M2
waitv \$bg/balloon_pages 0 600 && sleep 1 && mark M3
read -r go <&3
echo "guest: go \$go"
touch /tmp/stop
wait \$ph
prc=\$?
wait \$chk
echo "guest: hold rc=\$prc verifies=\$(grep -c 'verify ok' /tmp/ph.out) mismatches=\$(grep -c MISMATCH /tmp/ph.out)"
[ \$prc = 0 ]
CMD
guest_balloon_initrd "$work/initrd" "$work/cmd"
: > "$work/log"
t0=$SECONDS
"$GUEST_TOOLS/guest-run" --initrd "$work/initrd" --log "$work/log" --mem ${MEM_MB}M \
	--timeout 900 --pidfile "$work/vmm.pid" -- \
	-machine memory-backend=ram0 \
	-object "memory-backend-file,id=ram0,size=${MEM_MB}M,mem-path=$f,share=on,align=2M,prealloc=on" \
	-device "vhost-vsock-pci,guest-cid=$CID" \
	-serial "pipe:$work/sig" \
	> "$work/run.out" 2>&1 &
runner=$!
pid=$(guest_attach "$work/vmm.pid" $CID)
b=$(ms_vm "$pid")/balloon
tap_ok "QEMU attached (pid $pid), balloon/cid $CID" test -n "$pid" -a "$(cat "$b/cid" 2>&1)" = $CID
tap_ok "the guest boots on its huge=always RAM file, runs its checkers, its balloon connects" \
	guest_wait_log "$work/log" "^guest: running" 400 || show_run
tap_diag "guest up in $((SECONDS - t0)) s"
h0=$(cat "$d/huge_folios")
tap_is "$(cat "$d/resident_pages")/$((h0 + $(st nr_huge_fallbacks)))" "$size/$nr2m" \
	"QEMU preallocated the file: $size pages, $h0 huge folios + $(st nr_huge_fallbacks) fallbacks = its $nr2m 2 MiB ranges"
tap_ok "at least 95% of the file in huge folios ($h0 of $nr2m)" [ $((h0 * 100)) -ge $((nr2m * 95)) ]

# Integrity: the whole file to node 1 and back, for at least one whole
# checker run (two results).
t1=$SECONDS
k=$(results | wc -l)
rounds=0 short="" split=""
end=$((SECONDS + 200))
while [ "$(results | wc -l)" -lt $((k + 2)) ] || [ $rounds -lt 2 ]; do
	ms_write 1 "$d/move" || break
	n1=$(node_of 1) h=$(cat "$d/huge_folios")
	[ "$n1" = "$size" ] || short="$short r$rounds:node1=$n1"
	[ "$h" = "$h0" ] || split="$split r$rounds:node1:$h"
	ms_write 0 "$d/move" || break
	n0=$(node_of 0) h=$(cat "$d/huge_folios")
	[ "$n0" = "$size" ] || short="$short r$rounds:node0=$n0"
	[ "$h" = "$h0" ] || split="$split r$rounds:node0:$h"
	rounds=$((rounds + 1))
	kill -0 "$runner" 2>/dev/null && [ $SECONDS -lt $end ] || break
done
tap_diag "$rounds rounds of moves in $((SECONDS - t1)) s; stats: $(ms_stats_line "$d")"
tap_ok "the whole file moved node 0 -> 1 -> 0 $rounds times under the running guest" [ $rounds -ge 2 ]
tap_is "${short:-none}" none "every move took every page ($size) to its node"
tap_is "${split:-none}" none "as whole folios: $h0 huge folios after every move"
tap_ok "a whole checker run happened during the moves" [ "$(results | wc -l)" -ge $((k + 2)) ]
tap_diag "last checker runs: $(results | tail -n 2 | tr '\n' ';')"
tap_is "$(bad_results)" 0 "the guest's checker saw zero mismatches ($(results | wc -l) runs)"
tap_ok "the guest kernel is fine (no oops)" no_oops

# After the moves the guest refaults what it touches: KVM maps it by 2 MiB
# again. One more checker run (32 MiB) and pattern_hold's rereads (64 MiB)
# touch at least 96 MiB.
k=$(results | wc -l)
wait_results "$k" 120
sleep 3
if guest_kvm_npt; then
	read -r p4 p2 <<< "$(guest_kvm_pages "$pid")"
	mapped=$(( ${p4:-0} + ${p2:-0} * 512 ))
	tap_diag "after the moves: KVM pages_4k=$p4 pages_2m=$p2"
	tap_ok "KVM mapped what the guest touched after the moves ($mapped pages, >= $((96 * 256)))" \
		[ "$mapped" -ge $((96 * 256)) ]
	tap_ok "at least 95% of it by 2 MiB entries ($(( ${p2:-0} * 512 )) of $mapped)" \
		[ $(( ${p2:-0} * 512 * 100 )) -ge $((mapped * 95)) ]
else
	tap_skip "KVM mapped the guest after the moves" "KVM runs without NPT/EPT here: no 2 MiB entries to count"
	tap_skip "95% by 2 MiB" "KVM runs without NPT/EPT here"
fi

# Balloon: N frames of the guest's choosing.
r0=$(cat "$d/resident_pages") live0=$(cat "$MS_DEBUG/live_fs_pages") h1=$(cat "$d/huge_folios")
s0=$(st nr_huge_splits) f0=$(st nr_huge_split_failures)
rel0=$(bst nr_released_pages) skip0=$(bst nr_release_skipped_pages) def0=$(bst nr_deflated_pages)
total1=$(mark M1 total)
ms_write $N "$b/target_pages"
tap_ok "the balloon reaches $N pages" ms_wait_val "$b/actual_pages" $N 180 || show_run
r1=$(cat "$d/resident_pages") live1=$(cat "$MS_DEBUG/live_fs_pages") h2=$(cat "$d/huge_folios")
s1=$(st nr_huge_splits) f1=$(st nr_huge_split_failures)
rel=$(( $(bst nr_released_pages) - rel0 )) skip=$(( $(bst nr_release_skipped_pages) - skip0 ))
"$HOLES" --file "$f" > "$work/holes" 2>&1
read -r holes whole partial <<< "$(sed -n 's/^fs_holes: pages=[0-9]* holes=\([0-9]*\) whole=\([0-9]*\) partial=\([0-9]*\)$/\1 \2 \3/p' "$work/holes")"
tap_diag "ballooned $N: released $rel skipped $skip; resident $r0 -> $r1; huge folios $h1 -> $h2; splits +$((s1 - s0)), failures +$((f1 - f0)); $(cat "$work/holes")"
tap_is "$rel/$skip" "$N/0" "every ballooned frame's memory was released, none skipped"
tap_is "$((r0 - r1))/$((live0 - live1))" "$N/$N" \
	"the file's resident pages and live_fs_pages dropped by exactly $N"
tap_is "${holes:-?}" "$N" "mincore: exactly $N pages of the file are out of memory"
tap_is "$((h1 - h2))" "$(( ${whole:-0} + ${partial:-0} ))" \
	"each 2 MiB range with a page out ($whole wholly, $partial partly) is no longer a huge folio"
tap_ok "splits counted: at least one per partly freed range, at most one per range touched ($partial <= +$((s1 - s0)) <= $((whole + partial)))" \
	all_of [ "$((s1 - s0))" -ge "${partial:-0}" ] -- [ "$((s1 - s0))" -le $(( ${whole:-0} + ${partial:-0} )) ]
tap_is "$((f1 - f0))" 0 "no split failed"
tap_ok "the guest reports it" guest_wait_log "$work/log" "^M2 " 60 || show_run
tap_is "$((total1 - $(mark M2 total)))" $((N * 4)) "the guest's MemTotal dropped by exactly $N pages (KiB)"

ms_write 0 "$b/target_pages"
tap_ok "the balloon deflates to 0" ms_wait_val "$b/actual_pages" 0 180 || show_run
tap_is "$(( $(bst nr_deflated_pages) - def0 ))" $N "$N frames deflated"
tap_ok "the guest reports it" guest_wait_log "$work/log" "^M3 " 60 || show_run
tap_is "$(mark M3 total)" "$total1" "the guest's MemTotal is whole again"

# One more whole checker run after the balloon, then the guest ends.
k=$(results | wc -l)
wait_results $((k + 1)) 120
timeout 10 bash -c 'echo end > "$1"' end "$work/sig.in" || tap_diag "could not say end to the guest (QEMU gone?)"
wait "$runner"
rc=$?
runner=""
tap_is "$rc" 0 "the guest ran to the end (guest-run status)" || show_run
tap_ok "pattern_hold's 64 MiB stayed intact throughout ($(console | grep '^guest: hold'))" \
	eval 'console | grep -q "^guest: hold rc=0 verifies=[1-9][0-9]* mismatches=0$"'
tap_is "$(bad_results)" 0 "the guest's checker saw zero mismatches, before and after the balloon ($(results | wc -l) runs)"
tap_ok "the guest kernel is fine (no oops)" no_oops

rm -f "$f"
ms_wait_val "$MS_DEBUG/live_fs_pages" 0 30 > /dev/null
tap_ok "unmount" umount "$mnt"
tap_no_leaks "after the VM and its file are gone"
tap_done
