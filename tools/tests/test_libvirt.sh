#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# memschedctl's libvirt side against fakes, natively: a fake memsched sysfs
# tree (MEMSCHED_SYSFS) and a fake libvirt runtime directory
# (MEMSCHED_LIBVIRT_RUN, laid out as /run/libvirt/qemu: NAME.pid, NAME.xml).
# Domain names and UUIDs where a PID goes, the vsock CID in QEMU's keyval
# and JSON -device forms, setmem, the dommemstat names, and the per-VM
# configuration file that attach applies; the QEMU wrapper for 2 MiB
# alignment (packaging/libvirt/memsched-qemu). No libvirtd, module or root.
. "$(dirname "$0")/../../selftests/lib/tap.sh"

TOOLS=$TAP_REPO/tools
CTL=${MEMSCHEDCTL:-$TOOLS/build/memschedctl}

tap_plan 88

work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2> /dev/null; rm -rf "$work"' EXIT
ROOT=$work/memsched
RUN=$work/libvirt-qemu
export MEMSCHED_SYSFS=$ROOT MEMSCHED_LIBVIRT_RUN=$RUN
# no virsh of this machine's: a UUID not in $RUN stays unknown
mkdir -p "$work/bin"
export PATH=$work/bin:/usr/bin:/bin

run() {
	OUT=$("$CTL" "$@" 2> "$work/stderr")
	RC=$?
	ERR=$(cat "$work/stderr")
}

# fake_qemu VAR ARGS...: a live process whose command line is ARGS (like
# QEMU's), its pid in VAR.
fake_qemu() {
	local var=$1
	shift
	sh -c 'sleep 60; true' "$@" > /dev/null 2>&1 &
	pids+=($!)
	printf -v "$var" '%s' $!
}

# fake_vm PID: the files of vms/PID/ these tests use (a knob, balloon/).
fake_vm() {
	local d=$ROOT/vms/$1
	mkdir -p "$d/balloon/stats" "$d/stats" "$d/sched"
	echo "$1" > "$d/pid"
	chmod 0400 "$d/pid"
	echo 1000 > "$d/scan_interval_ms"
	chmod 0600 "$d/scan_interval_ms"
	: > "$d/balloon/cid"
	: > "$d/balloon/target_pages"
}

# fake_domain NAME UUID PID: libvirt's runtime files of a running domain.
fake_domain() {
	mkdir -p "$RUN"
	printf '%s' "$3" > "$RUN/$1.pid"
	cat > "$RUN/$1.xml" <<XML
<domstatus state='running' reason='booted' pid='$3'>
  <domain type='kvm' id='1'>
    <name>$1</name>
    <uuid>$2</uuid>
  </domain>
</domstatus>
XML
}

if make -s -C "$TOOLS" build/memschedctl > "$work/make.log" 2>&1; then
	tap_pass "make -C tools build/memschedctl"
else
	tap_fail "make -C tools build/memschedctl" "$(cat "$work/make.log")"
	tap_done
fi

mkdir -p "$ROOT/vms"
ms_abi MEMSCHED_ABI_VERSION > "$ROOT/version"
: > "$ROOT/attach"
: > "$ROOT/detach"

# 1. domains where a PID goes
run set web1 scan_interval_ms 500
tap_is "$RC" 1 "libvirt absent (no runtime directory): exit 1"
tap_is "$(printf '%s\n' "$ERR" | grep -c "domain 'web1': libvirt is not running here (no $RUN")" 1 \
	"libvirt absent: one message naming the directory"

fake_qemu qpid -name guest=web1,debug-threads=on
fake_vm "$qpid"
fake_domain web1 6b8c2a4e-1f0d-4c3e-9a55-0123456789ab "$qpid"
run set web1 scan_interval_ms 500
tap_is "$RC/$(cat "$ROOT/vms/$qpid/scan_interval_ms")" "0/500" "set DOMAIN: the domain's pid file finds the VM"
run set 6B8C2A4E-1F0D-4C3E-9A55-0123456789AB scan_interval_ms 600
tap_is "$RC/$(cat "$ROOT/vms/$qpid/scan_interval_ms")" "0/600" "set UUID: the status XML's <uuid> finds the domain (any case)"
run set "$qpid" scan_interval_ms 700
tap_is "$RC/$(cat "$ROOT/vms/$qpid/scan_interval_ms")" "0/700" "a pid keeps working"
run set web2 scan_interval_ms 500
tap_is "$RC/$(printf '%s\n' "$ERR" | grep -c "domain 'web2': no running libvirt domain of that name (no $RUN/web2.pid")" "1/1" \
	"unknown domain: exit 1, one message"
run set 00000000-0000-0000-0000-000000000000 scan_interval_ms 500
tap_is "$RC/$(printf '%s\n' "$ERR" | grep -c "no running libvirt domain has this UUID")" "1/1" \
	"unknown UUID: exit 1, one message"
printf '#!/bin/sh\n[ "$2" = domname ] && [ "$3" = 11111111-2222-3333-4444-555555555555 ] && { echo web1; exit 0; }\nexit 1\n' \
	> "$work/bin/virsh"
chmod +x "$work/bin/virsh"
run set 11111111-2222-3333-4444-555555555555 scan_interval_ms 800
tap_is "$RC/$(cat "$ROOT/vms/$qpid/scan_interval_ms")" "0/800" "a UUID not in the runtime directory: virsh domname names it"
rm "$work/bin/virsh"
printf '999999999' > "$RUN/dead.pid"
run set dead scan_interval_ms 500
tap_is "$RC/$(printf '%s\n' "$ERR" | grep -c "is not running: a stale pid file")" "1/1" "a stale pid file: exit 1, said"
run set 12x scan_interval_ms 500
tap_is "$RC" 1 "12x is a domain name (not a pid): exit 1 when unknown"
run set 0 scan_interval_ms 500
tap_is "$RC" 2 "pid 0: usage error, exit 2"

# 2. the balloon CID from QEMU's command line, both -device forms
run attach web1
tap_is "$RC/$(cat "$ROOT/vms/$qpid/balloon/cid")" "0/" "attach DOMAIN without a vsock device: no CID"
fake_qemu jpid -name guest=vm2 -device '{"driver":"vhost-vsock-pci","id":"vsock0","guest-cid":3,"vhostfd":"28","bus":"pci.0","addr":"0x6"}'
fake_vm "$jpid"
fake_domain vm2 aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee "$jpid"
run attach vm2
tap_is "$RC/$(cat "$ROOT/vms/$jpid/balloon/cid")" "0/3" "attach: the CID from libvirt's JSON -device"
fake_qemu kpid -device vhost-vsock-pci,id=v0,guest-cid=42
fake_vm "$kpid"
run attach "$kpid"
tap_is "$RC/$(cat "$ROOT/vms/$kpid/balloon/cid")" "0/42" "attach: the CID from the keyval -device"
fake_qemu spid -device '{ "driver": "vhost-vsock-pci", "guest-cid": "17" }'
fake_vm "$spid"
run attach "$spid"
tap_is "$RC/$(cat "$ROOT/vms/$spid/balloon/cid")" "0/17" "attach: JSON with blanks and a quoted CID"
fake_qemu npid -device '{"driver":"virtio-balloon-pci","id":"balloon0"}' -device virtio-net,guest-cid=9
fake_vm "$npid"
run attach "$npid"
tap_is "$RC/$(cat "$ROOT/vms/$npid/balloon/cid")" "0/" "attach: no vhost-vsock device, no CID"

# 3. setmem (what the guest keeps) and dommemstat's names
b=$ROOT/vms/$jpid/balloon
echo 262144 > "$ROOT/vms/$jpid/guest_pages"	# 1 GiB
chmod 0400 "$ROOT/vms/$jpid/guest_pages"
run setmem vm2 786432
tap_is "$RC/$(cat "$b/target_pages")" "0/65536" "setmem DOM 786432 (KiB): keeps 768 MiB, balloon target 256 MiB"
tap_is "$OUT" "VM $jpid: the guest keeps 768.0 MiB of 1024.0 MiB (balloon target 256.0 MiB)" "setmem says what the guest keeps"
run setmem vm2 512M
tap_is "$RC/$(cat "$b/target_pages")" "0/131072" "setmem 512M: target 512 MiB"
run setmem vm2 1GiB
tap_is "$RC/$(cat "$b/target_pages")" "0/0" "setmem 1GiB (all of it): target 0"
run setmem vm2 600MB
tap_is "$RC/$(cat "$b/target_pages")" "0/115659" "setmem 600MB (10^6 bytes, a page rounded up for the guest): target 115659 pages"
run setmem vm2 2G
tap_is "$RC/$(cat "$b/target_pages")/$(printf '%s\n' "$ERR" | grep -c 'more than the guest')" "1/115659/1" \
	"setmem above the guest's memory: refused, exit 1, target unchanged"
run setmem vm2 12Q
tap_is "$RC/$(printf '%s\n' "$ERR" | grep -c 'want a positive integer in KiB')" "2/1" "setmem with a bad unit: exit 2, says what is accepted"
# Each of setmem's units (the shared size parser, virsh's table), on the
# 1 GiB guest: SIZE and the target in pages it gives.
for t in "536870912b 131072" "536870912bytes 131072" "4097B 262142" \
	 "524288k 131072" "524288KiB 131072" "500000KB 140073" \
	 "256m 196608" "256MiB 196608" "1g 0" "1GB 18003"; do
	# shellcheck disable=SC2086 # "SIZE WANT"
	set -- $t
	run setmem vm2 "$1"
	tap_is "$RC/$(cat "$b/target_pages")" "0/$2" "setmem $1: target $2 pages"
done
# Sizes above the guest's memory are parsed, then refused with the size in
# KiB (rounded up): the T units, and the largest values before 2^64 bytes.
for t in "1t 1073741824" "1TiB 1073741824" "1TB 976562500" \
	 "18014398509481983 18014398509481983" "16777215TiB 18014397435740160" \
	 "18446744073709551615b 18014398509481984"; do
	# shellcheck disable=SC2086 # "SIZE WANT"
	set -- $t
	run setmem vm2 "$1"
	tap_is "$RC/$(printf '%s\n' "$ERR" | grep -c "setmem $jpid: $2 KiB is more than the guest's memory, 1048576 KiB")/$(cat "$b/target_pages")" \
		"1/1/18003" "setmem $1: $2 KiB, above the guest's memory: exit 1, target unchanged"
done
# Refused as usage errors: 2^64 bytes or more, junk after the number or in
# place of it, empty, zero, a sign, blanks.
while IFS= read -r bad; do
	run setmem -- vm2 "$bad"
	tap_is "$RC/$(printf '%s\n' "$ERR" | grep -cF "invalid SIZE '$bad': want a positive integer in KiB")/$(cat "$b/target_pages")" \
		"2/1/18003" "setmem '$bad': exit 2, says what is accepted, target unchanged"
done <<'SIZES'
18014398509481984
16777216TiB
18446744073710MB
18446744073709551616b
512Mx
512MiBs
0x200
512p
M

0
-512M
+512M
 512M
512 M
512M 
SIZES
run balloon -h
tap_is "$(printf '%s\n' "$OUT" | grep -c 'target MIB   what the guest GIVES UP')" 1 "balloon's usage says target is what the guest gives up"
run balloon vm2 target 64
tap_is "$RC/$(cat "$b/target_pages")" "0/16384" "balloon DOM target 64 still gives up 64 MiB"
echo 16384 > "$b/actual_pages"
echo 2500 > "$b/stats_age_ms"
printf 'swap_in_bytes 4096\nswap_out_bytes 8192\nmajor_faults 7\nminor_faults 900\nfree_bytes 104857600\ntotal_bytes 1006632960\navailable_bytes 524288000\ncaches_bytes 209715200\noom_kills 0\n' \
	> "$b/guest_stats"
run dommemstat vm2
rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$jpid/status")
tap_is "$(printf '%s\n' "$OUT" | tr '\n' ' ')" \
	"swap_in 4 swap_out 8 major_fault 7 minor_fault 900 unused 102400 available 983040 usable 512000 disk_caches 204800 actual 983040 last_update_age_ms 2500 rss $rss " \
	"dommemstat: virsh's names, in KiB"
run dommemstat vm2 --json
tap_is "$OUT" '{"swap_in":4,"swap_out":8,"major_fault":7,"minor_fault":900,"unused":102400,"available":983040,"usable":512000,"disk_caches":204800,"actual":983040,"last_update_age_ms":2500,"rss":'"$rss"'}' \
	"dommemstat --json"
echo -1 > "$b/stats_age_ms"
run dommemstat vm2
tap_is "$(printf '%s\n' "$OUT" | cut -d' ' -f1 | tr '\n' ' ')" "actual rss " "dommemstat before any guest stats: actual and rss only"

# 4. the per-VM configuration file that attach applies
CONF=$work/conf
export MEMSCHED_CONFIG_DIR=$CONF
mkdir -p "$CONF" "$ROOT/sched" "$ROOT/files/77"
v=$ROOT/vms/$qpid
for f in shares:1000 min_pages:0 max_pages:max target_dram_pages:0 actual_dram_pages:0 active_pages:0; do
	echo "${f#*:}" > "$v/sched/${f%%:*}"
done
echo "period=0 action=none mechanism=none pages=0 target_dram=0 actual_dram=0 reason=none" > "$v/sched/decision"
echo max > "$ROOT/files/77/dram_budget_pages"
echo 0 > "$ROOT/files/77/tiering"
ln -s ../../files/77 "$v/ram"
# state: scan_interval_ms shares min max dram_budget tiering
state() {
	echo "$(cat "$v/scan_interval_ms") $(cat "$v/sched/shares") $(cat "$v/sched/min_pages")" \
		"$(cat "$v/sched/max_pages") $(cat "$ROOT/files/77/dram_budget_pages") $(cat "$ROOT/files/77/tiering")"
}
reset() {
	echo 1000 > "$v/scan_interval_ms"
	echo 1000 > "$v/sched/shares"
	echo 0 > "$v/sched/min_pages"
	echo max > "$v/sched/max_pages"
	echo max > "$ROOT/files/77/dram_budget_pages"
	echo 0 > "$ROOT/files/77/tiering"
	: > "$ROOT/attach"
	: > "$ROOT/detach"
}
cat > "$CONF/web1.conf" <<'CONFEOF'
# web1: a small web server
knob.scan_interval_ms = 250
shares = 300      # a third of the default

min = 128M
max=max
dram_budget = 1G
tiering = on
CONFEOF
reset
run attach web1
tap_is "$RC/$(cat "$ROOT/attach")/$(state)" "0/$qpid/250 300 32768 max 262144 1" \
	"attach DOMAIN applies CONFIG_DIR/DOMAIN.conf: knob, shares, min, max, dram_budget, tiering"
tap_is "$OUT" "config: $CONF/web1.conf applied (6 settings)" "attach says which file it applied"
reset
run attach "$qpid"
tap_is "$RC/$(state)" "0/250 300 32768 max 262144 1" "attach PID finds the file by QEMU's -name guest=web1"
reset
run attach --no-config web1
tap_is "$RC/$(state)/$OUT" "0/1000 1000 0 max max 0/" "attach --no-config applies none"
printf 'tiering = off\nknob.scan_interval_ms = 0x200\n' > "$work/other.conf"
reset
echo 1 > "$ROOT/files/77/tiering"
run attach --config "$work/other.conf" web1
tap_is "$RC/$(state)" "0/512 1000 0 max max 0" "attach --config FILE applies FILE instead"

# refused: nothing attached, nothing written
printf '# x\nshares = 300\nshraes = 3\n' > "$work/bad.conf"
reset
run attach --config "$work/bad.conf" web1
tap_is "$RC/$(cat "$ROOT/attach")/$(state)" "1//1000 1000 0 max max 0" "a config with an unknown key: exit 1, VM not attached, nothing written"
tap_is "$(printf '%s\n' "$ERR" | grep -c "^memschedctl: $work/bad.conf:3: unknown key 'shraes'; accepted: knob.NAME = N")" 1 \
	"the unknown key: FILE:LINE and what is accepted"
for bad in "tiering = maybe|tiering: invalid value 'maybe'; accepted: on, off, 1, 0" \
	   "min = 12Q|min: invalid size '12Q'; accepted: MiB" \
	   "dram_budget = lots|dram_budget: invalid size 'lots'" \
	   "knob.Scan = 1|invalid knob name 'Scan'" \
	   "knob.scan_interval_ms = -5|knob scan_interval_ms: invalid value '-5'" \
	   "shares 300|'shares 300': want KEY = VALUE" \
	   "shares = 0|shares: invalid value '0'"; do
	printf 'knob.scan_interval_ms = 250\n\n%s\n' "${bad%%|*}" > "$work/bad.conf"
	reset
	run attach --config "$work/bad.conf" web1
	tap_is "$RC/$(cat "$ROOT/attach")/$(state)/$(printf '%s\n' "$ERR" | grep -cF "$work/bad.conf:3: ${bad#*|}")" \
		"1//1000 1000 0 max max 0/1" "refused before attach: '${bad%%|*}'"
done
printf 'shares = 300\nshares = 400\n' > "$work/bad.conf"
reset
run attach --config "$work/bad.conf" web1
tap_is "$RC/$(printf '%s\n' "$ERR" | grep -c "bad.conf:2: shares given twice (first on line 1)")" "1/1" "a key given twice: refused"
printf 'min = 1G\nmax = 512M\n' > "$work/bad.conf"
reset
run attach --config "$work/bad.conf" web1
tap_is "$RC/$(cat "$ROOT/attach")/$(printf '%s\n' "$ERR" | grep -c "bad.conf:2: max (131072 pages) is below min (262144 pages, line 1)")" "1//1" \
	"min above max: refused before attach"
run attach --config "$work/none.conf" web1
tap_is "$RC/$(printf '%s\n' "$ERR" | grep -c "config $work/none.conf: No such file")" "1/1" "--config FILE that is missing: exit 1"

# refused after attaching (the VM does not have it): detached again
printf 'knob.scan_interval_ms = 250\nshares = 300\nknob.frobnicate = 1\n' > "$work/bad.conf"
reset
run attach --config "$work/bad.conf" web1
tap_is "$RC/$(cat "$ROOT/detach")/$(state)" "1/$qpid/1000 1000 0 max max 0" \
	"a knob the VM lacks: exit 1, detached again, nothing written"
tap_is "$(printf '%s\n' "$ERR" | grep -c -e "bad.conf:3: unknown knob 'frobnicate'; the knobs of VM $qpid: scan_interval_ms" -e "nothing of $work/bad.conf is applied")" 2 \
	"a knob the VM lacks: FILE:LINE, the VM's knobs, and that nothing is applied"
rm "$v/ram"
printf 'shares = 300\ntiering = on\n' > "$work/bad.conf"
reset
run attach --config "$work/bad.conf" web1
tap_is "$RC/$(cat "$ROOT/detach")/$(state)/$(printf '%s\n' "$ERR" | grep -c "bad.conf:2: tiering: VM $qpid's RAM is not a memschedfs file")" \
	"1/$qpid/1000 1000 0 max max 0/1" "tiering for a VM whose RAM is not memschedfs: refused, detached, nothing written"
run detach --config "$work/bad.conf" web1
tap_is "$RC" 2 "detach --config: usage error"

# refused by the kernel while writing (a shim fails the chosen write):
# detached again, the RAM file's settings put back
if cc -shared -fPIC -o "$work/fail.so" "$(dirname "$0")/fail_write.c" -ldl 2> "$work/cc.log"; then
	ln -s ../../files/77 "$v/ram"
	printf 'knob.scan_interval_ms = 250\ndram_budget = 1G\ntiering = on\n' > "$work/k.conf"
	reset
	FAKE_ERRNO_FILE=files/77/tiering FAKE_ERRNO=22 LD_PRELOAD=$work/fail.so run attach --config "$work/k.conf" web1
	tap_is "$RC/$(cat "$ROOT/detach")/$(cat "$ROOT/files/77/dram_budget_pages")/$(printf '%s\n' "$ERR" | grep -c -e "k.conf:3: tiering = 1: the kernel refused it (EINVAL)" -e "nothing of $work/k.conf is applied")" \
		"1/$qpid/max/2" "the kernel refuses tiering: exit 1, detached again, dram_budget put back to max"
	reset
	FAKE_ERRNO_FILE=vms/$qpid/scan_interval_ms FAKE_ERRNO=22 LD_PRELOAD=$work/fail.so run attach --config "$work/k.conf" web1
	tap_is "$RC/$(cat "$ROOT/detach")/$(cat "$ROOT/files/77/dram_budget_pages")/$(printf '%s\n' "$ERR" | grep -c "k.conf:1: knob scan_interval_ms = 250: the kernel refused it (EINVAL)")" \
		"1/$qpid/max/1" "the kernel refuses a knob: exit 1, detached again, the RAM file untouched"
else
	tap_skip "the kernel refuses tiering: detached again, dram_budget put back" "no cc for the shim: $(cat "$work/cc.log")"
	tap_skip "the kernel refuses a knob: detached again" "no cc for the shim"
fi

# packaging/libvirt/memsched-qemu: "align":2097152 on a memory-backend-file
# without one whose mem-path is on memschedfs (here: /dev/shm's tmpfs
# stands in, through MEMSCHED_QEMU_FS_MAGIC; libvirt.sh checks the real
# one in the lab), in JSON and key=value; an explicit align kept; a file on
# another file system (hugetlbfs, say) left alone; an argument with
# blanks passed as it is. QEMU itself says what it got (qom-get over QMP,
# -machine none: no guest runs).
WRAP=$TAP_REPO/packaging/libvirt/memsched-qemu
# qemu_align MAGIC OBJECT: the align property QEMU gives the object "m"
# when MAGIC is the file system type that gets the alignment
qemu_align() {
	printf '%s\n' '{"execute":"qmp_capabilities"}' \
		'{"execute":"qom-get","arguments":{"path":"/objects/m","property":"align"}}' \
		'{"execute":"quit"}' |
		MEMSCHED_QEMU_FS_MAGIC=$1 timeout 60 "$WRAP" -machine none -nographic -display none \
			-name 'a name with blanks' -object "$2" -qmp stdio 2>&1 |
		sed -n 's/^{"return": \([0-9]*\)}.*/\1/p'
}
if command -v qemu-system-x86_64 > /dev/null && [ -d /dev/shm ]; then
	m=/dev/shm/msctl-wrap-$$
	shm=$(stat -f -c %t /dev/shm)
	tap_is "$(qemu_align "$shm" '{"qom-type":"memory-backend-file","id":"m","size":4194304,"mem-path":"'"$m"'","share":true}')" 2097152 \
		"memsched-qemu: libvirt's JSON memory-backend-file on memschedfs gets align 2 MiB"
	tap_is "$(qemu_align "$shm" "memory-backend-file,id=m,size=4M,mem-path=$m,share=on")" 2097152 \
		"memsched-qemu: a key=value memory-backend-file on memschedfs gets align 2 MiB"
	tap_is "$(qemu_align "$shm" '{"qom-type":"memory-backend-file","id":"m","size":4194304,"mem-path":"'"$m"'","align":4096}')" 4096 \
		"memsched-qemu: an align given is kept"
	tap_is "$(qemu_align 6d736673 '{"qom-type":"memory-backend-file","id":"m","size":4194304,"mem-path":"'"$m"'","share":true}')" 0 \
		"memsched-qemu: a file on another file system is left alone (no align)"
	rm -f "$m"
else
	for c in "JSON" "key=value" "given" "other file system"; do
		tap_skip "memsched-qemu: align ($c)" "no qemu-system-x86_64 or /dev/shm"
	done
fi

tap_done
