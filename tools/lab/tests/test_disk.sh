#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The lab's --disk option: virtio-blk disks found by serial (ms_disk), a
# good one that keeps what is written, one whose every write fails with EIO
# while reads work, one whose every read fails with EIO while writes work;
# their backing files are gone once lab-run has ended, also when the run
# failed. With --in-lab, the part that runs inside the lab (prints "RESULT
# NAME VALUE" lines).
if [ "${1:-}" = --in-lab ]; then
	. "$(dirname "$0")/../../../selftests/lib/tap.sh"
	. "$TAP_REPO/selftests/lib/memsched.sh"
	res() { echo "RESULT $1 $2"; }
	# dd_rc DEV read|write: dd's status and its error, one 64 KiB direct
	# I/O at 1 MiB
	dd_rc() {
		local out rc
		if [ "$2" = write ]; then
			out=$(dd if=/dev/urandom of="$1" bs=64k count=1 seek=16 oflag=direct 2>&1)
		else
			out=$(dd if="$1" of=/dev/null bs=64k count=1 skip=16 iflag=direct 2>&1)
		fi
		rc=$?
		case "$out" in
		*"Input/output error"*) echo "$rc-EIO" ;;
		*) echo "$rc" ;;
		esac
	}
	for s in mswap mswapbad mswapread mswapsmall; do
		d=$(ms_disk "$s") || d=none
		res "dev_$s" "$d"
		[ "$d" = none ] || res "size_$s" "$(blockdev --getsize64 "$d")"
	done
	res missing "$(ms_disk nosuchdisk 2>/dev/null || echo absent)"
	good=$(ms_disk mswap) bad=$(ms_disk mswapbad) rd=$(ms_disk mswapread)
	head -c 4M /dev/urandom > /tmp/pattern
	dd if=/tmp/pattern of="$good" bs=1M oflag=direct status=none
	dd if="$good" of=/tmp/back bs=1M count=4 iflag=direct status=none
	res good_roundtrip "$(cmp -s /tmp/pattern /tmp/back && echo same || echo differs)"
	res good_write "$(dd_rc "$good" write)"
	res good_read "$(dd_rc "$good" read)"
	res bad_write "$(dd_rc "$bad" write)"
	res bad_read "$(dd_rc "$bad" read)"
	res read_write "$(dd_rc "$rd" write)"
	res read_read "$(dd_rc "$rd" read)"
	exit 0
fi

. "$(dirname "$0")/../../../selftests/lib/tap.sh"
tap_plan 17
lab=$TAP_REPO/tools/lab/lab-run
out=$TAP_REPO/build/lab/test-disk
mkdir -p "$(dirname "$out")"
"$lab" --timeout 300 --mem 1G --out "$out" --disk mswap:512M \
	--disk mswapbad:64M:fail-writes --disk mswapread:64M:fail-reads \
	--disk mswapsmall:1M -- "tools/lab/tests/test_disk.sh --in-lab" > "$out.log" 2>&1
rc=$?
tap_is "$rc" 0 "lab with four disks runs clean"
got() { awk -v k="$1" '$1 == "RESULT" && $2 == k { print $3 }' "$out/output.txt"; }
for s in mswap mswapbad mswapread mswapsmall; do
	tap_ok "ms_disk finds $s" all_of [ -n "$(got "dev_$s")" ] -- [ "$(got "dev_$s")" != none ]
done
tap_is "$(got size_mswap)/$(got size_mswapsmall)" "$((512 << 20))/$((1 << 20))" \
	"the disks have the sizes asked (512M, 1M)"
tap_is "$(got missing)" absent "ms_disk fails for a serial no disk has"
tap_is "$(got good_roundtrip)" same "the good disk reads back the 4 MiB written"
tap_is "$(got good_write)/$(got good_read)" 0/0 "the good disk writes and reads"
tap_is "$(got bad_write)" 1-EIO "fail-writes: a write fails with EIO"
tap_is "$(got bad_read)" 0 "fail-writes: a read works"
tap_is "$(got read_read)" 1-EIO "fail-reads: a read fails with EIO"
tap_is "$(got read_write)" 0 "fail-reads: a write works"
tap_is "$(wc -l < "$out/disks" 2>/dev/null)" 4 "the run directory lists the four backing files"
left=$(awk '{ print $4 }' "$out/disks" 2>/dev/null | while read -r f; do [ -e "$f" ] && echo "$f"; done)
tap_is "$left" "" "no backing file is left once lab-run has ended"
tap_ok "backing files were on /dev/shm" grep -q ' /dev/shm/memsched-lab-disk-mswap\.' "$out/disks"
# A run that fails (QEMU killed by the timeout as it boots) removes them too.
"$lab" --timeout 2 --mem 1G --out "$out-fail" --disk mswap:16M --disk mswapbad:16M:fail-writes \
	-- true > "$out-fail.log" 2>&1
rc=$?
left=$(awk '{ print $4 }' "$out-fail/disks" 2>/dev/null | while read -r f; do [ -e "$f" ] && echo "$f"; done)
tap_is "$rc/$(wc -l < "$out-fail/disks" 2>/dev/null)/$left" "124/2/" \
	"a run that times out (status 124) removes its two backing files too"
tap_done
