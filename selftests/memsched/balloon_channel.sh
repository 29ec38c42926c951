#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The host end of the balloon channel, driven from the lab host itself over
# vsock_loopback (CID 1) by balloon_peer playing the guest: matching by CID,
# target round trip, inflated frames' host memory released (anonymous VMM
# RAM zapped, shared-file RAM punched, memschedfs RAM's page-cache entries
# dropped), guest stats shown, every kind of
# malformed or hostile message rejected and counted with the host intact,
# bad sysfs writes, and the VM dying or memsched unloading with a channel
# open. Nothing leaks (debugfs live counters). A matched HELLO is
# acknowledged; a channel closed by a CID change, by unload or by a failed
# send releases nothing afterwards (the guest may reuse the frames).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/memsched.sh"
ms_require_kvm
tap_plan 74

PEER=$TAP_REPO/selftests/memsched/vmm/build/balloon_peer
work=$(mktemp -d)
peer_pid=""
mnt=$work/mnt
trap 'kill $peer_pid $pid 2>/dev/null; ms_vmm_stop; umount "$mnt" 2>/dev/null; rm -rf "$work" /dev/shm/msched_bc_ram' EXIT

blocks() { stat -c %b "$1"; }
# peer_bg NAME ARGS...: run balloon_peer in the background, output in NAME.out
peer_bg() {
	local name=$1
	shift
	"$PEER" "$@" > "$work/$name.out" 2>&1 &
	peer_pid=$!
}
# peer_wait: reap the background peer (in this shell); its status in PEER_RC
peer_wait() {
	wait "$peer_pid"
	PEER_RC=$?
	peer_pid=""
}

ms_load || { tap_fail "load memsched"; tap_done; }
tap_ok "vsock_loopback loads" modprobe vsock_loopback
tap_is "$(cat $MS_ROOT/balloon/listening)" 1 "memsched listens on the balloon port"

# 64 MiB guest, every page populated (written) by the VMM: 16384 pages.
ms_vmm_start "$work/ready" --mem-mb 64 --wss-pages 64 --populate || tap_fail "start VMM"
pid=$MS_VMM_PID
d=$(ms_vm "$pid")/balloon
tap_ok "attach" ms_write "$pid" "$MS_ROOT/attach"
tap_is "$(cat "$d/cid")/$(cat "$d/connected")/$(cat "$d/actual_pages")" "0/0/0" \
	"a new VM has no CID, no channel, an empty balloon"

# No VM has CID 1 yet: the connection is refused and counted.
"$PEER" hello 16384 expect-close > "$work/unmatched.out" 2>&1
tap_ok "unmatched CID: the host hangs up" grep -q "closed by host" "$work/unmatched.out"
tap_is "$(cat $MS_ROOT/balloon/stats/nr_unmatched)" 1 "unmatched connection counted"

# Bad sysfs writes.
tap_fails_with "Invalid argument" "cid 2 (the host) rejected" ms_write 2 "$d/cid"
tap_fails_with "Invalid argument" "cid garbage rejected" ms_write abc "$d/cid"
tap_fails_with "Invalid argument" "cid 2^32-1 rejected" ms_write 4294967295 "$d/cid"
tap_fails_with "Invalid argument" "target above the guest rejected" ms_write 99999999 "$d/target_pages"
tap_fails_with "Invalid argument" "request_stats accepts only 1" ms_write 2 "$d/request_stats"
tap_fails_with "Transport endpoint is not connected" "request_stats without a channel" \
	ms_write 1 "$d/request_stats"
tap_fails_with "Invalid argument" "balloon/transfer garbage" ms_write "1 2" "$MS_ROOT/balloon/transfer"
tap_fails_with "No such file or directory" "balloon/transfer from an unattached pid" \
	ms_write "$$ $pid 10" "$MS_ROOT/balloon/transfer"
tap_fails_with "Invalid argument" "balloon/transfer to itself" \
	ms_write "$pid $pid 10" "$MS_ROOT/balloon/transfer"
tap_ok "one log line says what is accepted" sh -c "dmesg | grep -q 'balloon/cid: accepted: 0 (none), 1 (local)'"

# Round trip: the target set before the guest connects is sent on HELLO;
# the guest inflates 4096 frames and their host memory goes away.
tap_ok "cid 1" ms_write 1 "$d/cid"
tap_ok "target 4096 before the guest connects" ms_write 4096 "$d/target_pages"
rss0=$(ms_rss_kb "$pid")
peer_bg rt hello 16384 expect-target 4096 inflate-range 4096 4096 stats classes \
	wait-file "$work/go1" deflate-range 4096 2048 wait-file "$work/go2"
ms_wait_val "$d/actual_pages" 4096
tap_is "$(cat "$d/connected")/$(cat "$d/guest_reported_pages")" "1/16384" "channel matched to the VM"
tap_is "$(cat "$d/stats/nr_released_pages")/$(cat "$d/stats/nr_release_skipped_pages")" "4096/0" \
	"every inflated frame's host memory released"
rss1=$(ms_rss_kb "$pid")
tap_within $((rss0 - rss1)) 16384 5 "VMM RSS drops by the 4096 ballooned pages (KiB)"
tap_is "$(cat "$d/target_pending")" 0 "target reached"
tap_ok "latency of reaching it recorded" test "$(cat "$d/latency_us")" -gt 0
for _ in $(seq 50); do grep -q slab_bytes "$d/guest_classes" 2>/dev/null && break; sleep 0.1; done
tap_ok "guest stats shown" grep -qx "available_bytes 7" "$d/guest_stats"
tap_ok "guest classes shown" grep -qx "slab_bytes 7" "$d/guest_classes"
tap_is "$(cat $MS_DEBUG/live_ballooned)" 4096 "live_ballooned counts the set"
touch "$work/go1"
ms_wait_val "$d/actual_pages" 2048
tap_is "$(cat "$d/stats/nr_inflated_pages")/$(cat "$d/stats/nr_deflated_pages")" "4096/2048" "deflate accounted"
touch "$work/go2"
peer_wait
tap_ok "peer finished" sh -c "[ $PEER_RC = 0 ] && grep -q '^done\$' $work/rt.out"
ms_wait_val "$d/connected" 0
tap_is "$(cat "$d/actual_pages")/$(cat $MS_DEBUG/live_ballooned)" "0/0" \
	"closed channel: the guest's balloon is forgotten"

# A matched HELLO is acknowledged (status 0): the guest's proof that no
# earlier channel from its CID releases anything any more.
ms_write 0 "$d/target_pages"
"$PEER" hello 16384 expect-ack 0 > "$work/helloack.out" 2>&1
tap_is "$?" 0 "the host acknowledges a matched HELLO" || cat "$work/helloack.out"

# Hostile but well-framed messages: rejected, acknowledged, channel stays.
rej0=$(cat $MS_ROOT/balloon/stats/nr_rejects)
"$PEER" hello 16384 inflate 100,101 expect-ack 0 \
	inflate 5,5 expect-ack GFNDUP \
	inflate 16384 expect-ack GFNRANGE \
	inflate 101,102 expect-ack BALLOONED \
	deflate 200 expect-ack NOTBALLOONED \
	set-target 5 expect-ack STATE \
	hello 16384 expect-ack STATE \
	deflate 100,101 expect-ack 0 stats expect-quiet 300 > "$work/semantic.out" 2>&1
tap_is "$?" 0 "each broken rule gets its own rejection code" || cat "$work/semantic.out"
tap_is "$(cat "$d/stats/nr_rejects")" 6 "the VM counts 6 rejects"
tap_is "$(( $(cat $MS_ROOT/balloon/stats/nr_rejects) - rej0 ))" 6 "balloon/stats/nr_rejects counts them"
tap_is "$(cat "$d/stats/nr_inflated_pages")/$(cat "$d/stats/nr_deflated_pages")" "4098/2050" \
	"a rejected message changes nothing (only the 2 good frames moved)"
"$PEER" hello 1000000 inflate 900000 expect-ack NOTRAM > "$work/notram.out" 2>&1
tap_is "$?" 0 "a frame outside the VM's RAM is refused (NOTRAM)" || cat "$work/notram.out"
"$PEER" hello-ps 16384 8192 expect-ack PAGESIZE expect-close > "$work/ps.out" 2>&1
tap_is "$?" 0 "another page size is refused and the channel closed" || cat "$work/ps.out"

# Broken frames: rejected with their code and the channel closed.
frame_ok=1
M=0x4C42534D
for c in "header 0xdeadbeef 1 3 12 expect-ack MAGIC" \
	 "header $M 9 3 12 expect-ack VERSION" \
	 "header $M 1 99 0 expect-ack TYPE" \
	 "header $M 1 3 9000 expect-ack TOOBIG" \
	 "header $M 1 8 3 raw 000000 expect-ack LEN" \
	 "header $M 1 3 12 raw 020000000100000000000000 expect-ack NRLEN"; do
	# shellcheck disable=SC2086
	"$PEER" hello 16384 $c expect-close > "$work/frame.out" 2>&1 ||
		{ frame_ok=0; tap_diag "$c:"; cat "$work/frame.out"; }
done
tap_is "$frame_ok" 1 "bad magic, version, type, size and lengths: rejected, channel closed"
"$PEER" inflate 1 expect-ack STATE expect-close > "$work/first.out" 2>&1
tap_is "$?" 0 "a first message that is not HELLO is refused" || cat "$work/first.out"
"$PEER" hello 16384 header $M 1 3 100 raw 0100 > "$work/trunc.out" 2>&1
# One deadline for the whole HELLO. Beside the silent
# peer, one sends 15 header bytes now, the 16th and one payload byte 8 s
# later, then nothing: it is dropped 10 s after connecting, not 18.
H=4d53424c010001002000000001000000
t0=$(date +%s%N)
("$PEER" raw "${H:0:30}" sleep 8000 raw "${H:30:2}01" expect-close > "$work/trickle.out" 2>&1
 date +%s%N > "$work/trickle.t1") &
trickle_pid=$!
"$PEER" expect-close > "$work/silent.out" 2>&1
tap_is "$?" 0 "a peer that never says HELLO is dropped (10 s)" || cat "$work/silent.out"
wait "$trickle_pid"
el=$(( ($(cat "$work/trickle.t1") - t0) / 1000000 ))
tap_ok "a HELLO trickling in is dropped 10 s after the connect, not later ($el ms)" \
	test "$el" -ge 9000 -a "$el" -lt 13000
ms_wait_val $MS_DEBUG/live_chans 0 > /dev/null	# finished channels are reaped within 200 ms
tap_is "$(cat "$d/actual_pages")/$(cat $MS_DEBUG/live_ballooned)/$(cat $MS_DEBUG/live_chans)" \
	"0/0/0" "after truncated and silent peers: no set, no channel left"
tap_ok "rejections are logged" sh -c "dmesg | grep -q 'rejected a message (bad magic)'"

# One guest cannot take every slot. From one CID at most
# 4 connections live, and one that has not said HELLO has no thread (and
# no channel buffers): 40 silent connections next to a matched channel
# leave 3 pending and are otherwise refused at once. The host takes them
# one accept at a time, as fast as it gets scheduled: rather than one
# sample at a guessed moment, sample from the start until the peer lets go
# of them (3 s after its last connect) and keep the most of each, which
# must be exactly 4 connections and 1 thread.
peer_bg flood hello 16384 expect-ack 0 silent 40 3000
thr=0 live=0
for _ in $(seq 1200); do
	grep -q "^silent open=" "$work/flood.out" && break
	kill -0 "$peer_pid" 2>/dev/null || break
	t=$(grep -l '^msched_ch/' /proc/[0-9]*/comm 2>/dev/null | wc -l)
	l=$(cat "$MS_DEBUG/live_chans")
	[ "$t" -gt "$thr" ] && thr=$t
	[ "$l" -gt "$live" ] && live=$l
	sleep 0.1
done
peer_wait
tap_is "$thr/$live" "1/4" "40 silent connections from one CID: at most 4 connections live, 1 thread (the matched channel's)" ||
	cat "$work/flood.out"
tap_ok "the other 37 are refused at once" grep -q "silent open=3 closed=37" "$work/flood.out"
ms_wait_val $MS_DEBUG/live_chans 0 > /dev/null

# A balloon/cid write closes the channel at once. A
# message the channel's thread had read before is not handled after it:
# the trace shows no batch of that VM after the knob event (both are traced
# under the balloon lock). The peer floods 164 INFLATEDs of 50 frames two
# apart (one release each); the CID changes while the host works through
# them.
TR=/sys/kernel/tracing
[ -d $TR/events ] || mount -t tracefs tracefs $TR
echo 0 > $TR/tracing_on
echo > $TR/trace
echo 1 > $TR/events/memsched/msched_knob/enable
echo 1 > $TR/events/memsched/msched_balloon_batch/enable
echo 1 > $TR/tracing_on
peer_bg cidchg --batch 50 hello 16384 inflate-stride 1 8191 2 count-acks
for _ in $(seq 20000); do
	read -r v < "$d/actual_pages"
	[ "$v" -ge 1 ] && break
done
echo 0 > "$d/cid"	# a builtin: no fork between the check and the write
now="$(cat "$d/connected")/$(cat "$d/actual_pages")"
peer_wait
echo 0 > $TR/tracing_on
tap_is "$now" "0/0" "a CID change unlinks the channel and forgets its set at once"
tap_ok "the peer sees the channel close" grep -q "closed by host" "$work/cidchg.out"
late=$(awk -v p="pid=$pid" '$0 ~ "msched_knob: " p " balloon/cid=0" { k = 1; next }
	k && $0 ~ "msched_balloon_batch: " p " " { n++ } END { print n + 0 }' $TR/trace)
early=$(grep -c "msched_balloon_batch: pid=$pid " $TR/trace)
tap_is "$late" 0 "no frame released for the old channel after the CID change ($early batches before)"
echo 0 > $TR/events/memsched/msched_knob/enable
echo 0 > $TR/events/memsched/msched_balloon_batch/enable
tap_ok "cid 1 again" ms_write 1 "$d/cid"

# Minor: a send that fails (here: the guest stops reading, the host's
# send times out with part of a frame written) closes the channel, so the
# guest never reads on past half a frame. The peer's 4096-byte receive
# buffer is the credit; one 24-byte SET_TARGET, then 16-byte STATS_REQUESTs
# until a send fails (the credit may end inside a frame).
peer_bg slow --rcvbuf 4096 hello 16384 expect-ack 0 wait-file "$work/go4" expect-close
ms_wait_val "$d/connected" 1 > /dev/null
for _ in $(seq 50); do grep -q "recv ACK seq=1 " "$work/slow.out" && break; sleep 0.1; done
ms_write 5 "$d/target_pages"
n=0
# The shell's own echo: a bash per write (ms_write) took 120 s for the
# 254 writes in a loaded lab, as long as the peer waits for go4.
while [ $n -lt 400 ] && { echo 1 > "$d/request_stats"; } 2> /dev/null; do n=$((n + 1)); done
tap_ok "a failed send closes the channel (after $n requests)" ms_wait_val "$d/connected" 0 3
touch "$work/go4"
peer_wait
tap_ok "the peer reads on to the close" grep -q "closed by host" "$work/slow.out" ||
	tap_diag "the peer (exit $PEER_RC) said: $(tail -n 5 "$work/slow.out" | tr '\n' ';')"
ms_write 0 "$d/target_pages"
ms_wait_val $MS_DEBUG/live_chans 0 > /dev/null

# Shared-file guest RAM (memfd/tmpfs style): ballooned frames are punched.
ms_vmm_start "$work/ready2" --mem-mb 64 --wss-pages 64 --populate \
	--mem-path /dev/shm/msched_bc_ram || tap_fail "start file-backed VMM"
pid2=$MS_VMM_PID
d2=$(ms_vm "$pid2")/balloon
tap_ok "attach the file-backed VM" ms_write "$pid2" "$MS_ROOT/attach"
tap_fails_with "File exists" "a CID belongs to one VM only" ms_write 1 "$d2/cid"
tap_ok "move CID 1 to it" sh -c "$(declare -f ms_write); ms_write 0 $d/cid && ms_write 1 $d2/cid"
b0=$(blocks /dev/shm/msched_bc_ram)
"$PEER" hello 16384 inflate-range 1024 1000 expect-ack 0 inflate-range 2024 1048 expect-ack 0 \
	> "$work/file.out" 2>&1
tap_is "$?" 0 "file-backed guest inflates 2048 frames" || cat "$work/file.out"
b1=$(blocks /dev/shm/msched_bc_ram)
tap_within $(( (b0 - b1) / 8 )) 2048 2 "the RAM file loses those 2048 pages (punched)"
tap_is "$(cat "$d2/stats/nr_released_pages")" 2048 "stats/nr_released_pages counts them"

# The guest reboots (or reloads its driver): its new channel replaces the
# old one, whose balloon the guest gave back.
peer_bg old hello 16384 inflate-range 4096 100 expect-close
ms_wait_val "$d2/actual_pages" 100
old_pid=$peer_pid
conn0=$(cat "$d2/stats/nr_connects")
"$PEER" hello 16384 inflate-range 8192 50 expect-ack 0 wait-file "$work/go3" > "$work/new.out" 2>&1 &
new_pid=$!
wait "$old_pid"
tap_ok "a new channel from the same CID closes the old one" grep -q "closed by host" "$work/old.out"
ms_wait_val "$d2/actual_pages" 50
tap_is "$(cat "$d2/actual_pages")/$(( $(cat "$d2/stats/nr_connects") - conn0 ))" "50/1" \
	"only the new channel's balloon counts"
touch "$work/go3"
wait "$new_pid"
tap_is "$?" 0 "the new channel worked throughout"
peer_pid=""

# The VM dies while its guest holds a balloon: the channel closes.
peer_bg die hello 16384 inflate-range 0 512 expect-close
ms_wait_val "$d2/actual_pages" 512
kill -9 "$pid2"
wait "$pid2" 2>/dev/null
peer_wait
tap_ok "VM killed: the host closes the channel" grep -q "closed by host" "$work/die.out"
tap_ok "and the VM is detached" ms_wait_val "$MS_DEBUG/live_vms" 1
ms_wait_val $MS_DEBUG/live_chans 0 > /dev/null
tap_is "$(cat $MS_DEBUG/live_ballooned)/$(cat $MS_DEBUG/live_chans)" "0/0" \
	"nothing left of it"

# Guest RAM on memschedfs (memsched's own memory): ballooned frames leave
# the file's page cache, and memschedfs frees them.
mkdir -p "$mnt"
mount -t memschedfs -o huge=never none "$mnt" || tap_fail "mount memschedfs"
ms_vmm_start "$work/ready3" --mem-mb 64 --wss-pages 64 --populate --mem-path "$mnt/ram" ||
	tap_fail "start memschedfs-backed VMM"
pid3=$MS_VMM_PID
d3=$(ms_vm "$pid3")/balloon
f3=$MS_ROOT/files/$(stat -c %i "$mnt/ram")
tap_ok "attach the memschedfs-backed VM, cid 1" \
	sh -c "$(declare -f ms_write); ms_write $pid3 $MS_ROOT/attach && ms_write 1 $d3/cid"
tap_is "$(cat "$f3/resident_pages")/$(cat $MS_DEBUG/live_fs_pages)" "16384/16384" \
	"its 16384 pages are resident in the memschedfs file"
# Frames clear of the VMM's code page (0) and working set (16..79), which it keeps touching.
"$PEER" hello 16384 inflate-range 1024 1000 expect-ack 0 inflate-range 8000 1048 expect-ack 0 \
	deflate-range 1024 512 expect-ack 0 > "$work/msfs.out" 2>&1
tap_is "$?" 0 "memschedfs-backed guest inflates 2048 frames, deflates 512" || cat "$work/msfs.out"
tap_is "$(cat "$f3/resident_pages")/$(cat $MS_DEBUG/live_fs_pages)/$(cat "$d3/stats/nr_released_pages")" \
	"14336/14336/2048" "exactly those 2048 pages left the file and were freed"
ms_vmm_stop
ms_wait_val $MS_DEBUG/live_vms 1 > /dev/null
umount "$mnt"

# The gfn->hva translation holds only while KVM's SRCU
# read section lasts, so memsched keeps it from translating a frame through
# releasing it. A VMM keeps moving its RAM between two addresses (delete
# the memslot, mremap fresh RAM onto the other address, add the slot back
# there, mremap a canary onto the address the RAM left) while the guest
# inflates and deflates 1000 frames over and over: a zap meant for the old
# RAM would zero canary pages.
CHURN=$TAP_REPO/selftests/balloon_guest/peer/build/kvm_churn_vm
"$CHURN" --ready-file "$work/ready5" --mem-mb 4 > "$work/churn.out" 2>&1 &
churn_pid=$!
for _ in $(seq 100); do [ -s "$work/ready5" ] && break; sleep 0.1; done
tap_ok "attach a VMM that keeps moving its RAM, cid 1" \
	sh -c "$(declare -f ms_write); ms_write $churn_pid $MS_ROOT/attach && ms_write 1 $MS_ROOT/vms/$churn_pid/balloon/cid"
"$PEER" hello 1024 churn 600 0 1000 > "$work/churnpeer.out" 2>&1
tap_is "$?" 0 "meanwhile the guest inflates and deflates 1000 of its frames 600 times" ||
	tail -5 "$work/churnpeer.out"
kill -TERM "$churn_pid"
wait "$churn_pid"
read -r _ rounds _ corrupt < "$work/churn.out"
tap_diag "$(grep "^churn" "$work/churnpeer.out") during $rounds moves of the RAM"
tap_is "$corrupt" 0 "no canary page was zeroed through a stale translation"
ms_wait_val $MS_DEBUG/live_vms 1 > /dev/null

# Unload with a channel open while the host works through 32 INFLATEDs of
# frames two apart: unload closes the channel
# between two messages, and a message read before the close is dropped.
# So the frames whose host memory was released are exactly those the guest
# saw acknowledged: the VMM's RSS drops by the acknowledged frames, no more.
ms_vmm_start "$work/ready4" --mem-mb 256 --wss-pages 64 --populate || tap_fail "start VMM"
pid4=$MS_VMM_PID
d4=$(ms_vm "$pid4")/balloon
tap_ok "attach a 256 MiB VM, cid 1" \
	sh -c "$(declare -f ms_write); ms_write $pid4 $MS_ROOT/attach && ms_write 1 $d4/cid"
rss0=$(ms_rss_kb "$pid4")
peer_bg unload hello 65536 inflate-stride 1024 32000 2 count-acks
for _ in $(seq 20000); do
	read -r v < "$d4/actual_pages" 2> /dev/null || v=0
	[ "$v" -ge 1000 ] && break
done
tap_ok "rmmod with a live channel" rmmod memsched
peer_wait
tap_ok "the peer sees the channel close" grep -q "closed by host" "$work/unload.out"
acked=$(awk '/^acked_pages/ { print $2 }' "$work/unload.out")
freed=$(( (rss0 - $(ms_rss_kb "$pid4")) / 4 ))
tap_diag "unload came after $acked of 32000 frames were acknowledged"
tap_ok "released frames == acknowledged frames (freed $freed, acked $acked, ±64)" \
	test $(( freed > acked ? freed - acked : acked - freed )) -le 64
ms_vmm_stop
tap_ok "memsched reloads" ms_insmod memsched
tap_done
