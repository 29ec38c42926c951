#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark, run inside the lab by `make bench` (not a test: absolute times
# on shared machines are noise, the ratios are the result).
# Inflate and deflate rate of memsched's balloon (balloon_guest.ko over
# vhost-vsock, host memory released by memsched) against QEMU's own
# virtio-balloon (driven through QMP `balloon`, host memory released by
# QEMU), in the same 512 MiB guest, in the same run: 128 MiB each way,
# 3 alternating rounds, medians. Time is measured on the host from the
# request until the host sees the balloon at its target (memsched:
# balloon/actual_pages; virtio: QMP query-balloon). Goal: faster than
# virtio-balloon. Prints "RESULT key=value ..." lines.
set -u
. selftests/lib/tap.sh
. selftests/lib/memsched.sh
. selftests/lib/guest.sh
[ -c /dev/kvm ] || { echo "bench: needs /dev/kvm (lab --nested)"; exit 4; }
ms_load || exit 1
work=$(mktemp -d)
MEM_MB=512
MOVE_MB=128
pages=$((MOVE_MB * 256))
trap 'kill "$(cat "$work/vmm.pid" 2>/dev/null)" 2>/dev/null; wait; rm -rf "$work"' EXIT

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
now_us() { echo $(( $(date +%s%N) / 1000 )); }

cat > "$work/cmd" <<'CMD'
mem_hog --mb 300 --free-after
echo "bench: guest ready"
sleep 3000
CMD
guest_initrd "$work/initrd" "$work/cmd" -m virtio_balloon \
	-m "virtio_pci vsock vmw_vsock_virtio_transport_common vmw_vsock_virtio_transport" \
	-m "$GUEST_KMOD_DIR/balloon_guest/balloon_guest.ko"
"$GUEST_TOOLS/guest-run" --initrd "$work/initrd" --log "$work/log" --mem ${MEM_MB}M \
	--timeout 1500 --pidfile "$work/vmm.pid" -- \
	-device vhost-vsock-pci,guest-cid=3 -device virtio-balloon-pci,id=vb0 \
	-qmp "unix:$work/qmp.sock,server=on,wait=off" > "$work/run.out" 2>&1 &
pid=$(guest_attach "$work/vmm.pid" 3) || exit 1
d=$(ms_vm "$pid")/balloon
guest_wait_log "$work/log" "bench: guest ready" 300 || { echo "bench: guest did not come up"; cat "$work/run.out"; exit 1; }
for _ in $(seq 300); do [ "$(cat "$d/connected")" = 1 ] && break; sleep 0.2; done

# One QMP session for the whole run.
coproc QMP { socat - "UNIX-CONNECT:$work/qmp.sock"; }
qmp() { # JSON: send; the first reply line that is not an event goes to REPLY
	local line
	echo "$1" >&"${QMP[1]}"
	while read -r -t 30 line <&"${QMP[0]}"; do
		case "$line" in *'"event"'*) continue ;; esac
		REPLY=$line
		return 0
	done
	return 1
}
read -r -t 10 _ <&"${QMP[0]}"	# greeting
qmp '{"execute":"qmp_capabilities"}' || { echo "bench: no QMP"; exit 1; }

# Both measurements run in this shell (no $(...)): the QMP coprocess's
# descriptors do not exist in subshells. Each sets US.
# ours TARGET_PAGES: microseconds until the host sees the balloon there
ours() {
	local t0
	t0=$(now_us)
	ms_write "$1" "$d/target_pages"
	while [ "$(cat "$d/actual_pages")" != "$1" ]; do sleep 0.005; done
	US=$(( $(now_us) - t0 ))
}
# virtio GUEST_MB: microseconds until QEMU reports the guest at that size
virtio() {
	local want=$(( $1 * 1024 * 1024 )) t0
	t0=$(now_us)
	qmp "{\"execute\":\"balloon\",\"arguments\":{\"value\":$want}}"
	for _ in $(seq 20000); do
		qmp '{"execute":"query-balloon"}' || break
		case "$REPLY" in *"\"actual\": $want}"*) break ;; esac
		sleep 0.005
	done
	US=$(( $(now_us) - t0 ))
}

for round in 1 2 3; do
	ours $pages; oi=$US
	ours 0; od=$US
	virtio $((MEM_MB - MOVE_MB)); vi=$US
	virtio $MEM_MB; vd=$US
	echo "bench: round $round: memsched inflate ${oi}us deflate ${od}us (guest-side ${MOVE_MB} MiB); virtio-balloon inflate ${vi}us deflate ${vd}us"
	echo "$oi" >> "$work/oi"; echo "$od" >> "$work/od"
	echo "$vi" >> "$work/vi"; echo "$vd" >> "$work/vd"
done
mbps() { echo "$MOVE_MB $1" | awk '{ printf "%.1f", $1 / ($2 / 1e6) }'; }
oi=$(median < "$work/oi") od=$(median < "$work/od")
vi=$(median < "$work/vi") vd=$(median < "$work/vd")
ratio() { echo "$1 $2" | awk '{ printf "%.2f", $2 / $1 }'; }
echo "RESULT balloon_inflate memsched_MBps=$(mbps "$oi") virtio_MBps=$(mbps "$vi") speedup=$(ratio "$oi" "$vi") size_MiB=$MOVE_MB rounds=3"
echo "RESULT balloon_deflate memsched_MBps=$(mbps "$od") virtio_MBps=$(mbps "$vd") speedup=$(ratio "$od" "$vd") size_MiB=$MOVE_MB rounds=3"
