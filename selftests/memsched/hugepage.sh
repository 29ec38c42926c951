#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# 2 MiB folios in memschedfs (huge=always, the default).
#  - The option: huge= takes always or never, anything else is EINVAL with
#    a log line; /proc/mounts shows huge=never for huge=never and
#    huge=always for a mount without options (the default). A remount that changes
#    huge= is EINVAL with a log line; one that repeats it is accepted.
#  - Huge folios: a 64 MiB file, fallocated, holds 32 huge folios (and
#    16384 pages counted in base pages); a pattern written through mmap is
#    read back intact, and the mapping is PMD-mapped (smaps FilePmdMapped).
#    A file only faulted (no fallocate) gets huge folios too. Its
#    access_granularity_pages reads 1 while empty, 512 after.
#  - Moves: with a second node, the file moves to node 1 and back as whole
#    folios (still 32 huge folios), data intact; under a DRAM budget of
#    1000 pages one huge folio fits on DRAM, the others go to PMEM whole.
#  - Punch: a 4 KiB hole inside a huge folio frees that page alone (one
#    resident page less), splits the folio (nr_huge_splits +1, one huge
#    folio less), and every other page keeps its data (the checker finds
#    exactly one page of zeros); a whole aligned 2 MiB hole frees a whole
#    folio without a split.
#  - Dirty tracking (replication) of a huge file is accepted: an
#    rdma_failover primary starts on it (it tracks by folio: a write
#    records the whole 2 MiB), and then its size is fixed (EBUSY).
#  - Fallback: a 3 MiB file has one 2 MiB range wholly inside its size
#    (huge) and a 1 MiB tail (4 KiB pages, nr_huge_fallbacks 1); it works.
#    On a node whose free memory is all in 4 KiB pieces (frag_hog on node
#    1), an 8 MiB file placed there falls back to 4 KiB pages on that node
#    for each of its 4 ranges (counted once each), its data round-trips;
#    with the hog gone a new file gets huge folios again.
#  - KVM: a full nested guest whose RAM is a huge=always file
#    (memory-backend-file,share=on,align=2M) touches most of its RAM; KVM's
#    own per-VM statistics (debugfs pages_2m, pages_4k) show at least 95%
#    of what it mapped mapped by 2 MiB entries. A guest on THP-backed
#    anonymous memory is the reference (printed, not asserted: THP there
#    depends on the lab host's fragmentation).
#  - Sampling granularity: memsched attached to the memschedfs guest, which
#    keeps writing its HOG_MB MiB, samples 2 MiB regions
#    (sample_granularity_pages_effective 512, auto); wss_pages and the mrc
#    x values are multiples of 512, and the working set less the guest's
#    background (measured while the guest idles first) is in
#    [HOG_MB/2, 1.25 HOG_MB + 2 MiB]. With sample_granularity_pages=1 (what
#    memsched did before) it reads a few percent of that, printed, not
#    asserted.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/memsched.sh"
. "$(dirname "$0")/../lib/guest.sh"
. "$(dirname "$0")/../lib/rdma.sh"
tap_plan 51

PATTERN=$TAP_REPO/selftests/memsched/vmm/build/fs_pattern
FRAG_HOG=$TAP_REPO/selftests/memsched/vmm/build/frag_hog
MEM_MB=256
HOG_MB=96
IDLE_S=20
work=$(mktemp -d)
mnt=$work/mnt
runner="" hog="" cp0=""
cleanup() {
	[ -n "$hog" ] && { kill "$hog"; wait "$hog"; } 2>/dev/null
	[ -n "$cp0" ] && echo "$cp0" > /proc/sys/vm/compaction_proactiveness
	[ -n "$runner" ] && { kill "$(cat "$work/vmm.pid" 2>/dev/null)" 2>/dev/null; wait "$runner"; }
	rfo_unload 2>/dev/null
	umount "$mnt" 2>/dev/null
	umount "$work/bad" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$mnt" "$work/bad"
st() { cat "$1/stats/$2"; }
dir_of() { echo "$MS_ROOT/files/$(stat -c %i "$1")"; }
# pattern FILE MB ARGS...: fs_pattern's summary line (stderr in $work/pat.err)
pattern() {
	local f=$1 mb=$2
	shift 2
	"$PATTERN" --file "$f" --mb "$mb" "$@" 2> "$work/pat.err" | tail -n 1
}

sysctl -qw kernel.numa_balancing=0 2>/dev/null
ms_load || { tap_fail "load memsched"; tap_done; }

# The option.
ms_klog_mark
tap_ok "huge=bogus is refused" eval '! mount -t memschedfs -o huge=bogus none "$work/bad" 2>/dev/null'
tap_ok "with a log line saying what is accepted" \
	eval 'ms_klog | grep -q "huge=bogus not supported (accepted: huge=never, huge=always"'
tap_ok "mount -o huge=never" mount -t memschedfs -o huge=never none "$work/bad"
tap_ok "/proc/mounts shows huge=never" eval 'grep " $work/bad memschedfs " /proc/mounts | grep -q "huge=never"'
umount "$work/bad"
# huge=always is the default (this kernel has CONFIG_TRANSPARENT_HUGEPAGE).
tap_ok "mount without options" mount -t memschedfs none "$mnt"
tap_ok "/proc/mounts shows huge=always, the default" eval 'grep " $mnt memschedfs " /proc/mounts | grep -q "huge=always"'
tap_ok "remount without huge= is accepted" mount -o remount "$mnt"
ms_klog_mark
tap_ok "remount,huge=never is refused (the mode is fixed at mount time)" \
	eval '! mount -o remount,huge=never "$mnt" 2>/dev/null'
tap_ok "with a log line saying what is accepted" \
	eval 'ms_klog | grep -q "huge= cannot change on remount (accepted: huge=always, as mounted"'
tap_ok "remount,huge=always (unchanged) is accepted" mount -o remount,huge=always "$mnt"

# (a) Huge folios by fallocate, then a pattern through mmap, PMD-mapped.
f=$mnt/a
truncate -s 64M "$f"
d=$(dir_of "$f")
live0=$(cat "$MS_DEBUG/live_fs_pages")
a0=$(cat "$d/access_granularity_pages")
tap_ok "fallocate 64 MiB" fallocate -l 64M "$f"
tap_is "$(cat "$d/huge_folios")/$(cat "$d/resident_pages")/$(st "$d" nr_huge_fallbacks)" "32/16384/0" \
	"32 huge folios, 16384 resident pages (base pages), no fallback"
tap_is "$a0/$(cat "$d/access_granularity_pages")" "1/512" \
	"access_granularity_pages: 1 while empty, 512 once it holds huge folios"
tap_is "$(( $(cat "$MS_DEBUG/live_fs_pages") - live0 ))" 16384 "live_fs_pages counts base pages"
rm -f "$work/ready"
"$PATTERN" --file "$f" --mb 64 --seconds 0 --ready-file "$work/ready" --hold-seconds 120 \
	> "$work/hold.out" 2>&1 &
holder=$!
for _ in $(seq 300); do [ -e "$work/ready" ] && break; sleep 0.2; done
pmd=$(awk -v f="$f" '$NF == f { m = 1; next } /^[0-9a-f]+-[0-9a-f]+ / { m = 0 } m && /^FilePmdMapped:/ { s += $2 } END { print s + 0 }' "/proc/$holder/smaps")
kill -TERM "$holder" 2>/dev/null
wait "$holder"
tap_is "$pmd" 65536 "the writer's mapping is PMD-mapped (smaps FilePmdMapped, kB)"
tap_is "$(tail -n 1 "$work/hold.out")" "fs_pattern: pages=16384 rounds=0 mismatches=0" \
	"a pattern written through mmap reads back intact"
tap_is "$(pattern "$f" 64 --verify-only)" "fs_pattern: pages=16384 rounds=0 mismatches=0" \
	"and again from a new mapping"
g=$mnt/faulted
tap_is "$(pattern "$g" 8 --seconds 0)" "fs_pattern: pages=2048 rounds=0 mismatches=0" \
	"an 8 MiB file written by faults only"
tap_is "$(cat "$(dir_of "$g")/huge_folios")" 4 "faults gave it 4 huge folios"

# Moves: whole folios, to node 1 and back.
if [ -d /sys/devices/system/node/node1 ]; then
	ms_write 1 "$d/move"
	n1=$(awk '$1 == 1 { print $2 }' "$d/node_pages")
	tap_is "$n1/$(cat "$d/huge_folios")" "16384/32" \
		"moved to node 1: every page there, still 32 huge folios"
	ms_write 0 "$d/move"
	n0=$(awk '$1 == 0 { print $2 }' "$d/node_pages")
	tap_is "$n0/$(cat "$d/huge_folios")/$(pattern "$f" 64 --verify-only)" \
		"16384/32/fs_pattern: pages=16384 rounds=0 mismatches=0" \
		"and back to node 0, whole, data intact"
	# Placement: a folio takes 512 pages of the DRAM budget or goes to PMEM.
	bf=$mnt/budget
	truncate -s 8M "$bf"
	bd=$(dir_of "$bf")
	ms_write 1 "$bd/pmem_node"
	ms_write 1000 "$bd/dram_budget_pages"
	fallocate -l 8M "$bf"
	tap_is "$(awk '$1 == 0 { print $2 }' "$bd/node_pages")/$(awk '$1 == 1 { print $2 }' "$bd/node_pages")/$(cat "$bd/huge_folios")" \
		"512/1536/4" "a budget of 1000 pages holds one huge folio (512 pages) on DRAM, the other 3 go to PMEM whole"
	rm -f "$bf"
else
	tap_skip "moved to node 1" "no NUMA node 1 (the lab runs with --pmem in make check)"
	tap_skip "and back to node 0" "no NUMA node 1"
	tap_skip "budget placement" "no NUMA node 1"
fi

# (c) Punch 4 KiB inside the second huge folio: page 517.
live1=$(cat "$MS_DEBUG/live_fs_pages")
tap_ok "punch page 517 (inside the huge folio of pages 512-1023)" \
	fallocate -p -o $(( 517 * 4096 )) -l 4096 "$f"
tap_is "$(cat "$d/resident_pages")/$(( live1 - $(cat "$MS_DEBUG/live_fs_pages") ))" "16383/1" \
	"exactly that page was freed (resident pages, live_fs_pages)"
tap_is "$(st "$d" nr_huge_splits)/$(st "$d" nr_huge_split_failures)/$(cat "$d/huge_folios")" "1/0/31" \
	"the folio was split (nr_huge_splits 1), 31 huge folios left"
tap_is "$(pattern "$f" 64 --verify-only)" "fs_pattern: pages=16384 rounds=0 mismatches=1" \
	"every other page kept its data (one mismatch: the hole)"
tap_ok "the mismatch is page 517, zeros" eval 'grep -q "page 517 word [0-9]* expected 0x[0-9a-f]* got 0x0000000000000000" "$work/pat.err"'
# The checker's read of the hole faulted page 517 in again: a 4 KiB page
# (its range holds the split folio's pages), not a fallback.
tap_ok "punch a whole aligned 2 MiB (pages 2048-2559)" fallocate -p -o 8M -l 2M "$f"
tap_is "$(cat "$d/resident_pages")/$(st "$d" nr_huge_splits)/$(cat "$d/huge_folios")/$(st "$d" nr_huge_fallbacks)" "15872/1/30/0" \
	"a whole folio freed, no split (page 517 back as a 4 KiB page, no fallback counted)"

# (c2) Dirty tracking of a huge file is accepted (it was EOPNOTSUPP): an
# rdma_failover primary starts on it (msched_dirty_start()); nothing
# listens at its peer, it stays connecting.
if rfo_load > "$work/rfo.err" 2>&1 && rd=$(rfo_add "$f") &&
   rfo_setup "$rd" primary 127.0.0.1:18599 10 >> "$work/rfo.err" 2>&1; then
	tap_ok "dirty tracking of a huge file is accepted: a primary starts on it" rfo_cmd "$rd" start
	tap_fails_with "Device or resource busy" "... and the tracked file's size is fixed (EBUSY)" truncate -s 32M "$f"
	tap_ok "... stop and remove, rdma_failover unloaded" \
		all_of rfo_cmd "$rd" stop -- rfo_wait_state "$rd" stopped 30 -- ms_write a "$RFO_ROOT/remove" -- rfo_unload
else
	tap_fail "rdma_failover loads and a replica of $f is set up" "$(cat "$work/rfo.err")"
	tap_skip "the tracked file's size is fixed" "no replica"
	tap_skip "stop and remove" "no replica"
fi

# (d) Fallback: a 1 MiB tail is not a whole 2 MiB range.
h=$mnt/tail
tap_is "$(pattern "$h" 3 --seconds 0)" "fs_pattern: pages=768 rounds=0 mismatches=0" \
	"a 3 MiB file works"
hd=$(dir_of "$h")
tap_is "$(cat "$hd/huge_folios")/$(st "$hd" nr_huge_fallbacks)/$(cat "$hd/resident_pages")" "1/1/768" \
	"one huge folio, its 1 MiB tail fell back to 4 KiB pages (counted once)"

# (e) Fallback on a node without a free 2 MiB block: frag_hog fills node 1
# with 4 KiB pages and frees every 4th of them there, so the node has
# free memory in single pages only (proactive compaction off meanwhile; a
# huge folio's allocation never compacts). A huge=always file placed on
# node 1 (pmem_node 1, DRAM budget 0) first takes what 2 MiB blocks are
# left (the node's watermark reserve, per-CPU lists), then the file under
# test gets none: each of its ranges falls back to 4 KiB pages on node 1,
# counted once, and its data round-trips.
free_2m() {	# free blocks of 2 MiB and more on node $1 (/proc/buddyinfo)
	awk -v n="$1," '$1 == "Node" && $2 == n { for (i = 14; i <= NF; i++) s += $i * 2 ^ (i - 14) } END { print s + 0 }' /proc/buddyinfo
}
# on_pmem FILE SIZE: create FILE of SIZE with every new page placed on node 1
on_pmem() {
	truncate -s "$2" "$1"
	ms_write 1 "$(dir_of "$1")/pmem_node"
	ms_write 0 "$(dir_of "$1")/dram_budget_pages"
}
if [ -d /sys/devices/system/node/node1 ]; then
	cp0=$(cat /proc/sys/vm/compaction_proactiveness 2>/dev/null)
	[ -n "$cp0" ] && echo 0 > /proc/sys/vm/compaction_proactiveness
	t0=$SECONDS
	"$FRAG_HOG" --node 1 --ready-file "$work/hog.ready" > "$work/hog.out" 2>&1 &
	hog=$!
	for _ in $(seq 600); do
		[ -e "$work/hog.ready" ] && break
		kill -0 "$hog" 2>/dev/null || break
		sleep 0.2
	done
	tap_ok "frag_hog left node 1's free memory in 4 KiB pieces ($(tr '\n' ' ' < "$work/hog.out")in $((SECONDS - t0)) s)" \
		[ -e "$work/hog.ready" ]
	sk=$mnt/soak
	on_pmem "$sk" $(( ($(free_2m 1) + 4) * 2 ))M
	fallocate -l "$(stat -c %s "$sk")" "$sk"
	tap_is "$(free_2m 1)" 0 \
		"node 1 has no free 2 MiB block left (a soak file took $(cat "$(dir_of "$sk")/huge_folios") huge folios; $(awk '/MemFree:/ { print $4 }' /sys/devices/system/node/node1/meminfo) kB free)"
	fr=$mnt/frag
	on_pmem "$fr" 8M
	frd=$(dir_of "$fr")
	tap_is "$(pattern "$fr" 8 --seconds 0)" "fs_pattern: pages=2048 rounds=0 mismatches=0" \
		"an 8 MiB huge=always file on the fragmented node works (written through mmap)"
	tap_is "$(cat "$frd/huge_folios")/$(st "$frd" nr_huge_fallbacks)/$(cat "$frd/resident_pages")/$(awk '$1 == 1 { print $2 }' "$frd/node_pages")" \
		"0/4/2048/2048" "its 4 ranges fell back to 4 KiB pages (counted once each), all 2048 on node 1"
	tap_is "$(pattern "$fr" 8 --verify-only)" "fs_pattern: pages=2048 rounds=0 mismatches=0" \
		"its data reads back from a new mapping"
	kill "$hog"
	wait "$hog"
	hog=""
	[ -n "$cp0" ] && echo "$cp0" > /proc/sys/vm/compaction_proactiveness
	cp0=""
	rm -f "$sk"
	af=$mnt/after
	on_pmem "$af" 4M
	tap_is "$(pattern "$af" 4 --seconds 0)/$(cat "$(dir_of "$af")/huge_folios")/$(st "$(dir_of "$af")" nr_huge_fallbacks)" \
		"fs_pattern: pages=1024 rounds=0 mismatches=0/2/0" "with the hog gone, a new file on node 1 gets huge folios again"
	rm -f "$fr" "$af"
else
	for t in "frag_hog" "no free 2 MiB block" "fragmented file works" "fell back" "read back" "huge again"; do
		tap_skip "$t" "no NUMA node 1 (the lab runs with --pmem in make check)"
	done
fi

# (b) KVM's mapping level for a guest on a huge=always file, and for a
# THP-backed anonymous guest.
npt=$(cat /sys/module/kvm_amd/parameters/npt /sys/module/kvm_intel/parameters/ept 2>/dev/null | head -n 1)
# kvm_pages PID: "pages_4k pages_2m" of the VM of QEMU PID (debugfs)
kvm_pages() {
	local v
	v=$(ls -d /sys/kernel/debug/kvm/"$1"-* 2>/dev/null | head -n 1)
	[ -n "$v" ] && echo "$(cat "$v/pages_4k") $(cat "$v/pages_2m")"
}
# sample_vm PID LOG [full]: attach memsched to the VM of QEMU PID and print
# its sampling granularity; with full, then "background wss knee
# mrc_x_not_multiple_of_512 wss_at_granularity_1": the working set while
# the guest idles (its console LOG not yet at wss_touch's busy phase; "late"
# if it was), then while it writes its HOG_MB MiB, as it comes and by
# 4 KiB frames; detach.
sample_vm() {
	local d g bg wss knee odd wss1
	ms_write "$1" "$MS_ROOT/attach" || return 1
	d=$(ms_vm "$1")
	if [ "${3:-}" != full ]; then
		cat "$d/sample_granularity_pages_effective"
		ms_write "$1" "$MS_ROOT/detach"
		return
	fi
	echo 200 > "$d/scan_interval_ms"
	echo 4 > "$d/wss_scans"
	ms_wait_scans "$d" 8
	bg=$(cat "$d/wss_pages")
	tr -d '\r' < "$2" | grep -q "wss_touch: phase 1 busy" && bg=late
	guest_wait_log "$2" "wss_touch: phase 1 busy" 120
	ms_wait_scans "$d" 8
	read -r g wss knee <<< "$(ms_read "$d" sample_granularity_pages_effective wss_pages mrc_knee_pages)"
	odd=$(awk '$1 % 512 { n++ } END { print n + 0 }' "$d/mrc")
	echo 1 > "$d/sample_granularity_pages"
	ms_wait_scans "$d" 8
	wss1=$(cat "$d/wss_pages")
	ms_write "$1" "$MS_ROOT/detach"
	echo "$g $bg $wss $knee $odd $wss1"
}
# guest_level NAME QEMU-ARGS...: boot a guest, let it touch HOG_MB MiB,
# idle IDLE_S seconds, then keep writing them; print "pages_4k pages_2m" of
# its VM, then sample_vm's line (SAMPLE=full) or the VM's sampling
# granularity alone; kill it.
guest_level() {
	local name=$1 out="" smp=""
	shift
	cat > "$work/cmd" <<CMD
/guest/wss_touch --total-mb $HOG_MB --wss-mb $HOG_MB --phases idle:$IDLE_S,busy:0 --ready-file /ready &
while [ ! -s /ready ]; do sleep 0.2; done
echo "guest: touched"
sleep 100000
CMD
	guest_initrd "$work/initrd" "$work/cmd"
	rm -f "$work/vmm.pid"
	: > "$work/log.$name"	# read before QEMU creates it
	"$GUEST_TOOLS/guest-run" --initrd "$work/initrd" --log "$work/log.$name" \
		--mem ${MEM_MB}M --timeout 1200 --pidfile "$work/vmm.pid" -- \
		-machine memory-backend=ram0 "$@" > "$work/run.$name" 2>&1 &
	runner=$!
	if guest_wait_log "$work/log.$name" "guest: touched" 900; then
		sleep 2
		out=$(kvm_pages "$(cat "$work/vmm.pid")")
		smp=$(sample_vm "$(cat "$work/vmm.pid")" "$work/log.$name" "${SAMPLE:-}")
	else
		tap_diag "$name guest: $(cat "$work/run.$name"); console tail: $(tr -d '\r' < "$work/log.$name" | tail -n 10)"
	fi
	kill "$(cat "$work/vmm.pid")" 2>/dev/null
	wait "$runner"
	runner=""
	echo "$out $smp"
}
if [ ! -c /dev/kvm ]; then
	for t in "memschedfs guest" "95% by 2 MiB" "reference" "granularity 512" \
		 "wss multiple" "mrc multiple" "wss range" "reference granularity"; do
		tap_skip "$t" "no /dev/kvm (the lab runs with --nested in make check)"
	done
elif [ "$npt" != Y ] && [ "$npt" != 1 ]; then
	for t in "memschedfs guest" "95% by 2 MiB" "reference" "granularity 512" \
		 "wss multiple" "mrc multiple" "wss range" "reference granularity"; do
		tap_skip "$t" "KVM runs without NPT/EPT here (npt/ept=$npt): no 2 MiB entries to count"
	done
else
	vmf=$mnt/vm
	truncate -s ${MEM_MB}M "$vmf"
	r=$(SAMPLE=full guest_level memschedfs \
		-object "memory-backend-file,id=ram0,size=${MEM_MB}M,mem-path=$vmf,share=on,align=2M")
	read -r p4 p2 gran bg wss knee odd wss1 <<< "$r"
	bg=${bg:-late}
	vd=$(dir_of "$vmf")
	tap_diag "memschedfs guest: pages_4k=$p4 pages_2m=$p2; file: huge folios $(cat "$vd/huge_folios"), fallbacks $(st "$vd" nr_huge_fallbacks), resident $(cat "$vd/resident_pages")"
	mapped=$(( ${p4:-0} + ${p2:-0} * 512 ))
	tap_ok "the memschedfs guest touched its $HOG_MB MiB ($mapped pages mapped by KVM)" \
		[ "$mapped" -ge $(( HOG_MB * 256 )) ]
	tap_ok "at least 95% of them by 2 MiB entries ($(( ${p2:-0} * 512 )) of $mapped)" \
		[ $(( ${p2:-0} * 512 * 100 )) -ge $(( mapped * 95 )) ]
	hog=$(( HOG_MB * 256 ))
	tap_diag "memsched on the memschedfs guest: granularity $gran; wss_pages idle $bg ($(( ${bg//late/0} / 256 )) MiB), writing $wss ($(( ${wss:-0} / 256 )) MiB), mrc_knee_pages $knee; at granularity 1 (as before): wss_pages $wss1 ($(( ${wss1:-0} / 256 )) MiB); the guest writes $HOG_MB MiB"
	tap_is "$gran" 512 "sample_granularity_pages_effective is 512 (auto) on the huge=always guest"
	tap_ok "wss_pages $wss (and $bg idle) are multiples of 512" \
		[ $(( ${wss:-1} % 512 )) -eq 0 -a $(( ${bg//late/0} % 512 )) -eq 0 ]
	tap_is "$odd" 0 "every mrc x value is a multiple of 512 (knee $knee)"
	# The guest's own background, measured while it idled: the kernel's
	# scattered pages count a whole 2 MiB each.
	w=$(( ${wss:-0} - ${bg//late/0} ))
	tap_ok "wss_pages $wss less the idle background $bg = $w in [$(( hog / 2 )), $(( hog * 5 / 4 + 512 ))] for the $HOG_MB MiB the guest writes" \
		[ "$bg" != late -a "$w" -ge $(( hog / 2 )) -a "$w" -le $(( hog * 5 / 4 + 512 )) ]
	rm -f "$vmf"
	thp=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled)
	r=$(guest_level anon -object "memory-backend-ram,id=ram0,size=${MEM_MB}M")
	read -r a4 a2 agran <<< "$r"
	amapped=$(( ${a4:-0} + ${a2:-0} * 512 ))
	tap_diag "THP-backed anonymous guest (THP enabled=$thp): pages_4k=$a4 pages_2m=$a2: $(( amapped ? a2 * 512 * 100 / amapped : 0 ))% by 2 MiB; memschedfs guest: $(( mapped ? p2 * 512 * 100 / mapped : 0 ))%"
	tap_ok "the reference guest ran (pages_2m=$a2 pages_4k=$a4)" [ -n "$r" ]
	# QEMU madvises its RAM for THP: auto claims 2 MiB (as KVM may).
	tap_is "$agran" 512 "the THP-madvised anonymous guest samples 2 MiB regions too"
fi

rm -f "$f" "$g" "$h"
ms_wait_val "$MS_DEBUG/live_fs_pages" 0 30 > /dev/null
tap_ok "unmount" umount "$mnt"
tap_no_leaks "after the files are gone"
tap_done
