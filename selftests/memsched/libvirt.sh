#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# memsched under a real libvirtd (Debian's libvirt-daemon-system), as
# Documentation/admin-guide/libvirt.rst sets it up. The test starts
# libvirtd itself (the lab has no systemd) with a qemu.conf fit for the lab
# (root, no security driver, no cgroups, memory_backing_dir on a memschedfs
# mount), installs packaging/libvirt/qemu as the hook
# /etc/libvirt/hooks/qemu.d/memsched (its settings file,
# /etc/memsched/libvirt-hook.conf, names the built memschedctl) with a VM
# config for the domain, then defines and starts a domain: KVM,
# direct kernel boot of the lab's kernel with an initramfs carrying
# balloon_guest.ko and wss_touch (48 MiB working set), one vCPU,
# host-passthrough CPU without xsave, RAM in a memschedfs file (a mount
# without options: huge=always, the default), QEMU through
# packaging/libvirt/memsched-qemu (the <emulator> that gives the RAM
# 2 MiB alignment), a vsock device with an automatic CID, its console in
# a file. Then, with values:
#  - the hook attached it (vms/<the domain's QEMU pid>), with the CID
#    libvirt gave the guest, and the guest's balloon connected;
#  - KVM maps at least 95% of what the guest touched with 2 MiB entries
#    (KVM's own debugfs pages_2m and pages_4k);
#  - memschedctl status DOMAIN shows a working set, sampled at 2 MiB
#    (sample_granularity_pages_effective 512, a multiple of 512), of at
#    least what the guest touches and at most its memory;
#  - memschedctl setmem DOMAIN 192M: the balloon target is the guest's
#    memory less 192 MiB and the guest's MemTotal drops by exactly that;
#  - memschedctl dommemstat DOMAIN: virsh's names, values that agree with
#    the guest;
#  - virsh destroy: no vms/<pid>, the RAM file and libvirt's directory for
#    it gone from memschedfs, no file page left, memsched unloads.
# Skips only when libvirtd or virsh is not installed. Lab time: 2 to 5
# minutes (the nested guest booted in 40 s and in 136 s under TCG).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/memsched.sh"
. "$(dirname "$0")/../lib/guest.sh"
[ -x /usr/sbin/libvirtd ] || tap_skip_all "libvirtd is not installed (Debian: libvirt-daemon-system)"
command -v virsh > /dev/null || tap_skip_all "virsh is not installed (Debian: libvirt-clients)"
ms_require_kvm
[ -e /run/libvirt/libvirtd.pid ] && kill -0 "$(cat /run/libvirt/libvirtd.pid)" 2>/dev/null &&
	tap_skip_all "a libvirtd runs already here (the test starts its own, in the lab)"
tap_plan 29

DOM=mstest
MEM_MB=256
WSS_MB=48
KEEP_MB=192
CTL=$TAP_REPO/tools/build/memschedctl
HOOK=$TAP_REPO/packaging/libvirt/qemu
WRAP=/usr/libexec/memsched/qemu-system-x86_64
work=$(mktemp -d)
mnt=/run/memsched-libvirt
conf_saved=""
lvpid=""
virsh() { command virsh -c qemu:///system "$@"; }
cleanup() {
	virsh destroy "$DOM" > /dev/null 2>&1
	virsh undefine "$DOM" > /dev/null 2>&1
	[ -n "$lvpid" ] && kill "$lvpid" 2>/dev/null && sleep 1
	rm -f /etc/libvirt/hooks/qemu.d/memsched /etc/memsched/libvirt-hook.conf "/etc/memsched/vms/$DOM.conf" "$WRAP"
	[ -n "$conf_saved" ] && cp "$conf_saved" /etc/libvirt/qemu.conf
	umount "$mnt" 2>/dev/null
	if [ -n "${LAB_OUT:-}" ] && mkdir -p "$LAB_OUT/libvirt" 2>/dev/null; then
		cp "$work"/*.log "$work"/*.xml "/var/log/libvirt/qemu/$DOM.log" "$LAB_OUT/libvirt/" 2>/dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT
console() { tr -d '\r' < "$work/console.log" 2>/dev/null; }
show() {
	tap_diag "libvirtd log: $(grep -iE 'error|hook|memsched' "$work/libvirtd.log" 2>/dev/null | tail -n 15)"
	tap_diag "domain log: $(tail -n 15 "/var/log/libvirt/qemu/$DOM.log" 2>/dev/null)"
	tap_diag "guest console tail: $(console | tail -n 15)"
}

modprobe vhost_vsock	# before memsched (libvirt.rst: the softdep)
ms_load || { tap_fail "load memsched"; tap_done; }
live_files0=$(cat "$MS_DEBUG/live_fs_files")
live_pages0=$(cat "$MS_DEBUG/live_fs_pages")
mkdir -p "$mnt"
mount -t memschedfs none "$mnt" || { tap_fail "mount memschedfs"; tap_done; }

# libvirt's configuration for the lab (/etc is the lab's overlay; the file
# is put back anyway).
if [ -e /etc/libvirt/qemu.conf ]; then
	cp /etc/libvirt/qemu.conf "$work/qemu.conf.orig" && conf_saved=$work/qemu.conf.orig
fi
cat > /etc/libvirt/qemu.conf <<CONF
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
# no systemd (machined) and no cgroup controllers delegated in the lab
cgroup_controllers = [ ]
namespaces = [ ]
stdio_handler = "file"
memory_backing_dir = "$mnt"
CONF
cat > "$work/libvirtd.conf" <<CONF
log_filters = "1:util.hook 1:qemu.qemu_process 1:qemu.qemu_command"
log_outputs = "1:file:$work/libvirtd.log"
CONF
# The project's hook where make install puts it; its settings file names
# the built tool (libvirtd runs hooks with a cleaned environment). The
# domain's memsched config: automatic sample granularity, a 10 s
# working-set window. The QEMU wrapper where make install puts it.
mkdir -p /etc/libvirt/hooks/qemu.d /etc/memsched/vms
install -m 755 "$HOOK" /etc/libvirt/hooks/qemu.d/memsched
echo "MEMSCHEDCTL=$CTL" > /etc/memsched/libvirt-hook.conf
printf 'knob.sample_granularity_pages = 0\nknob.wss_scans = 10\n' > "/etc/memsched/vms/$DOM.conf"
install -D -m 0755 "$TAP_REPO/packaging/libvirt/memsched-qemu" "$WRAP"
mkdir -p /var/lib/libvirt/qemu /var/log/libvirt/qemu /var/cache/libvirt/qemu /run/libvirt
t0=$SECONDS
/usr/sbin/libvirtd -f "$work/libvirtd.conf" > "$work/libvirtd.out.log" 2>&1 &
lvpid=$!
up=0
for _ in $(seq 180); do
	kill -0 "$lvpid" 2>/dev/null || break
	virsh version > /dev/null 2>&1 && { up=1; break; }
	sleep 1
done
tap_ok "libvirtd starts and answers ($((SECONDS - t0)) s)" [ $up = 1 ] ||
	{ tap_diag "$(tail -n 20 "$work/libvirtd.out.log" "$work/libvirtd.log")"; tap_done; }

# The guest: balloon connected, stats every second, wss_touch on 48 MiB,
# and a line each time the balloon settles at a new size.
cat > "$work/cmd" <<CMD
. /guest/lib.sh
echo 1000 > \$bg/stats_interval_ms
waitv \$bg/connected 1 300 || exit 1
echo "guest: balloon connected"
wss_touch --total-mb $WSS_MB --wss-mb $WSS_MB > /dev/null 2>&1 &
last=-1
while :; do
	b=\$(cat \$bg/balloon_pages)
	if [ "\$b" != "\$last" ] && [ "\$b" = "\$(cat \$bg/target_pages)" ]; then
		dmesg -n 1; mark settled; dmesg -n 7
		last=\$b
	fi
	sleep 1
done
CMD
guest_balloon_initrd "$work/initrd" "$work/cmd" || { tap_fail "guest initramfs"; tap_done; }
kver=${LAB_GUEST_KVER:-$(uname -r)}
cat > "$work/$DOM.xml" <<XML
<domain type='kvm'>
  <name>$DOM</name>
  <memory unit='MiB'>$MEM_MB</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>/boot/vmlinuz-$kver</kernel>
    <initrd>$work/initrd</initrd>
    <cmdline>console=ttyS0 panic=-1 loglevel=5</cmdline>
  </os>
  <cpu mode='host-passthrough'>
    <feature policy='disable' name='xsave'/>
  </cpu>
  <memoryBacking>
    <source type='file'/>
    <access mode='shared'/>
  </memoryBacking>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>$WRAP</emulator>
    <serial type='file'>
      <source path='$work/console.log'/>
      <target port='0'/>
    </serial>
    <vsock model='virtio'>
      <cid auto='yes'/>
    </vsock>
    <memballoon model='none'/>
    <controller type='usb' model='none'/>
  </devices>
</domain>
XML
tap_ok "virsh define" virsh define "$work/$DOM.xml"
t0=$SECONDS
virsh start "$DOM" > "$work/start.log" 2>&1
tap_is "$?" 0 "virsh start ($((SECONDS - t0)) s)" || { tap_diag "$(cat "$work/start.log")"; show; }
pid=$(cat "/run/libvirt/qemu/$DOM.pid" 2>/dev/null)
d=$(ms_vm "${pid:-none}")
tap_ok "the hook attached the domain's QEMU (pid ${pid:-none}) on started" test -n "$pid" -a -d "$d" || show
cid=$(virsh dumpxml "$DOM" | sed -n "s/.*<cid auto='yes' address='\([0-9]*\)'.*/\1/p")
tap_is "$(cat "$d/balloon/cid" 2>/dev/null)" "${cid:-none}" \
	"balloon/cid is the CID libvirt gave the guest (from QEMU's JSON -device)"
f=$(ls "$mnt"/libvirt/qemu/*-"$DOM"/* 2>/dev/null | head -n 1)
tap_ok "the domain's RAM is a memschedfs file ($f)" \
	all_of [ -n "$f" ] -- [ "$(stat -c %s "$f" 2>/dev/null)" = $((MEM_MB << 20)) ] -- \
	[ -e "$MS_ROOT/files/$(stat -c %i "$f" 2>/dev/null)" ]
tap_is "$(cat "$d/sample_granularity_pages" "$d/wss_scans" 2>/dev/null | tr '\n' ' ')" "0 10 " \
	"the hook's attach applied /etc/memsched/vms/$DOM.conf"

t0=$SECONDS
guest_wait_log "$work/console.log" "^settled .*balloon=0 " 300
tap_ok "the guest boots and its balloon connects ($((SECONDS - t0)) s)" \
	all_of [ "$(cat "$d/balloon/connected" 2>/dev/null)" = 1 ] -- \
	guest_wait_log "$work/console.log" "^settled .*balloon=0 " 1 || { show; tap_done; }
total0=$(console | sed -n 's/^settled .*total=\([0-9]*\) balloon=0 .*/\1/p' | head -n 1)

# The mapping level, from KVM itself: wss_touch's pages, the kernel's and
# init's, with 2 MiB entries (the wrapper's alignment).
sleep 25
kv=$(ls -d /sys/kernel/debug/kvm/"$pid"-* 2>/dev/null | head -n 1)
p4=$(cat "$kv/pages_4k" 2>/dev/null)
p2=$(cat "$kv/pages_2m" 2>/dev/null)
mapped=$(( ${p4:-0} + ${p2:-0} * 512 ))
tap_ok "KVM maps ${p2:-?} x 2 MiB + ${p4:-?} x 4 KiB: $(( mapped ? ${p2:-0} * 512 * 100 / mapped : 0 ))% of the mapped guest RAM by 2 MiB entries (>= 95%)" \
	all_of [ "$mapped" -ge $((WSS_MB * 256)) ] -- [ $(( ${p2:-0} * 512 * 100 )) -ge $((mapped * 95)) ]

# The working set: wss_touch's 48 MiB, plus what the guest's kernel and
# init touch, within the 10 s window, seen at 2 MiB: each 2 MiB range
# touched counts whole, so up to the guest's memory.
wss=$("$CTL" status "$DOM" --json | jq -r .wss_pages)
gp=$(cat "$d/guest_pages")
tap_diag "status $DOM: $("$CTL" status "$DOM" | head -n 8 | tr '\n' ';')"
tap_is "$(cat "$d/sample_granularity_pages_effective" 2>/dev/null)" 512 \
	"the sampler sees 2 MiB (sample_granularity_pages_effective)"
tap_ok "memschedctl status $DOM: working set $wss pages, a multiple of 512, within $((WSS_MB * 256 * 8 / 10))..$gp (the guest touches $((WSS_MB * 256)))" \
	all_of [ $(( ${wss:-1} % 512 )) = 0 ] -- [ "${wss:-0}" -ge $((WSS_MB * 256 * 8 / 10)) ] -- [ "${wss:-0}" -le "$gp" ]
tap_is "$("$CTL" status "$DOM" --json | jq -r .pid)" "$pid" "status by name is the domain's pid"

# setmem: the guest keeps 192 MiB.
out=$("$CTL" setmem "$DOM" ${KEEP_MB}M 2>&1)
tap_is "$?" 0 "memschedctl setmem $DOM ${KEEP_MB}M ($out)"
want=$((gp - KEEP_MB * 256))
tap_is "$(cat "$d/balloon/target_pages")" "$want" \
	"balloon target = guest_pages ($gp) - ${KEEP_MB} MiB"
t0=$SECONDS
ms_wait_val "$d/balloon/actual_pages" "$want" 240 > /dev/null
guest_wait_log "$work/console.log" "^settled .*balloon=$want " 60
tap_ok "the guest reaches it ($((SECONDS - t0)) s)" \
	all_of [ "$(cat "$d/balloon/actual_pages")" = "$want" ] -- \
	guest_wait_log "$work/console.log" "^settled .*balloon=$want " 1 || show
total1=$(console | sed -n "s/^settled .*total=\\([0-9]*\\) balloon=$want .*/\\1/p" | head -n 1)
tap_is "$(( ${total0:-0} - ${total1:-0} ))" $((want * 4)) \
	"the guest's MemTotal drops by the ballooned KiB (${total0:-?} -> ${total1:-?})"
tap_within "$(( ${total0:-0} - ${total1:-0} ))" $(( (MEM_MB - KEEP_MB) * 1024 )) 1 \
	"that is the $((MEM_MB - KEEP_MB)) MiB asked, within 1% (guest_pages counts QEMU's ROMs too)"

# dommemstat: virsh's names, the guest's own numbers.
"$CTL" balloon "$DOM" stats > /dev/null 2>&1
sleep 3
"$CTL" dommemstat "$DOM" > "$work/dommemstat.log" 2>&1
tap_is "$?" 0 "memschedctl dommemstat $DOM"
tap_diag "dommemstat: $(tr '\n' ' ' < "$work/dommemstat.log")"
tap_is "$(awk '{ print $1 }' "$work/dommemstat.log" | sort | tr '\n' ' ')" \
	"actual available disk_caches last_update_age_ms major_fault minor_fault rss swap_in swap_out unused usable " \
	"dommemstat has virsh's names"
ds() { awk -v k="$1" '$1 == k { print $2 }' "$work/dommemstat.log"; }
tap_is "$(ds actual)" $(( (gp - want) * 4 )) "actual = guest memory less the balloon (KiB)"
tap_within "$(ds available)" "${total1:-0}" 1 "available = the guest's MemTotal (KiB)"
tap_within "$(ds rss)" "$(ms_rss_kb "$pid")" 10 "rss = QEMU's VmRSS (KiB)"

# destroy: QEMU goes, memsched forgets it, libvirt removes the RAM file.
ino=$(stat -c %i "$f" 2>/dev/null)
res=$(cat "$MS_ROOT/files/$ino/resident_pages" 2>/dev/null)
tap_ok "the guest's RAM is in the memschedfs file: $res pages resident (>= the $((WSS_MB * 256)) it touches)" \
	test "${res:-0}" -ge $((WSS_MB * 256))
t0=$SECONDS
tap_ok "virsh destroy" virsh destroy "$DOM"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
for _ in $(seq 50); do [ -e "$d" ] || break; sleep 0.2; done
tap_ok "no vms/$pid after destroy ($((SECONDS - t0)) s)" [ ! -e "$d" ]
tap_ok "the RAM file and libvirt's directory for it are gone" \
	all_of [ ! -e "$f" ] -- [ ! -e "$(dirname "$f")" ] -- [ ! -e "$MS_ROOT/files/$ino" ]
tap_is "$(cat "$MS_DEBUG/live_fs_pages")" "$live_pages0" "no memschedfs page left (debugfs live_fs_pages)"
virsh undefine "$DOM" > /dev/null 2>&1
kill "$lvpid" 2>/dev/null
wait "$lvpid" 2>/dev/null
lvpid=""
rm -rf "$mnt/libvirt"
umount "$mnt"
tap_is "$(cat "$MS_DEBUG/live_fs_files")" "$live_files0" "no memschedfs inode left after unmount (debugfs live_fs_files)"
tap_ok "memsched unloads" ms_unload memsched
tap_done
