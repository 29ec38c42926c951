#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Packaging, natively: 'make install DESTDIR=DIR' puts every file where
# Documentation/admin-guide/install.rst says and nothing else; the
# installed libvirt hook attaches a domain on "started" (against a fake
# sysfs tree and libvirt runtime directory) and does nothing on "stopped";
# 'make dkms-src' writes both dkms source trees, and the guest's dkms.conf
# MAKE line, run as dkms runs it, builds balloon_guest.ko against the lab
# kernel's headers. Needs the built modules and tools (make all: check.sh
# runs this after building them). No root, no dkms, no libvirt.
. "$(dirname "$0")/../../selftests/lib/tap.sh"

REPO=$TAP_REPO
for f in kmod/memsched/memsched.ko kmod/rdma_failover/rdma_failover.ko \
	 kmod/balloon_guest/balloon_guest.ko tools/build/memschedctl \
	 bpf/build/mschedtop bpf/build/mschedlat bpf/build/mschedsnoop; do
	[ -e "$REPO/$f" ] || tap_skip_all "no $f (run make all first)"
done
tap_plan 22

work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2> /dev/null; rm -rf "$work"' EXIT
D=$work/dest

# 1. make install
make -s -C "$REPO" install DESTDIR="$D" KVER=9.9.9-test > "$work/install.log" 2>&1
tap_is "$?/$(grep -c "DESTDIR set: run 'depmod -a 9.9.9-test' on the target" "$work/install.log")" "0/1" \
	"make install DESTDIR=DIR: exit 0, depmod left to the target"
want="/etc/libvirt/hooks/qemu.d/memsched 755
/etc/modprobe.d/memsched.conf 644
/lib/modules/9.9.9-test/updates/balloon_guest.ko 644
/lib/modules/9.9.9-test/updates/memsched.ko 644
/lib/modules/9.9.9-test/updates/rdma_failover.ko 644
/lib/systemd/system/memsched.service 644
/usr/libexec/memsched/qemu-system-x86_64 755
/usr/sbin/memschedctl 755
/usr/sbin/mschedlat 755
/usr/sbin/mschedsnoop 755
/usr/sbin/mschedtop 755
/usr/share/doc/memsched/examples/modules-load.d-memsched.conf 644
/usr/share/doc/memsched/examples/web1.conf 644"
tap_is "$(cd "$D" && find . -type f -printf '/%P %m\n' | sort)" "$want" \
	"make install: these files with these modes, nothing else"
tap_is "$(test -d "$D/etc/memsched/vms" && echo dir)" dir "make install: /etc/memsched/vms, the per-VM config directory"
tap_is "$(cmp "$REPO/kmod/memsched/memsched.ko" "$D/lib/modules/9.9.9-test/updates/memsched.ko" && echo same)" same \
	"the installed memsched.ko is the built one"
tap_is "$(grep -c '^softdep memsched pre: vhost_vsock$' "$D/etc/modprobe.d/memsched.conf")" 1 \
	"modprobe.d: softdep on vhost_vsock"
tap_is "$(grep -v '^#' "$D/usr/share/doc/memsched/examples/modules-load.d-memsched.conf")" memsched \
	"modules-load.d example: memsched"
tap_is "$("$D/usr/sbin/memschedctl" -h > /dev/null; echo $?)" 0 "the installed memschedctl runs"

# KVER: the running kernel's when its headers are there, else the lab's
if [ -e "/lib/modules/$(uname -r)/build/Makefile" ]; then kv=$(uname -r); else kv=$("$REPO/scripts/kver.sh"); fi
tap_is "$(env -u KVER make -s -n -C "$REPO" install-modules DESTDIR=/x 2>&1 | grep -o '/x/lib/modules/[^ ]*/updates' | head -1)" \
	"/x/lib/modules/$kv/updates" "make install without KVER: /lib/modules/$kv/updates (running kernel if it has headers, else scripts/kver.sh)"

# 2. the installed libvirt hook, against fakes
HOOK=$D/etc/libvirt/hooks/qemu.d/memsched
export MEMSCHED_SYSFS=$work/memsched MEMSCHED_LIBVIRT_RUN=$work/run MEMSCHED_CONFIG_DIR=$work/conf
export MEMSCHEDCTL=$D/usr/sbin/memschedctl
export MEMSCHED_HOOK_CONF=$work/hook.conf	# none until the cleaned-environment checks
mkdir -p "$MEMSCHED_SYSFS" "$MEMSCHED_LIBVIRT_RUN" "$MEMSCHED_CONFIG_DIR"
ms_abi MEMSCHED_ABI_VERSION > "$MEMSCHED_SYSFS/version"
: > "$MEMSCHED_SYSFS/attach"
: > "$MEMSCHED_SYSFS/detach"
sh -c 'sleep 60; true' -name guest=web1 > /dev/null 2>&1 &
qpid=$!
pids+=("$qpid")
v=$MEMSCHED_SYSFS/vms/$qpid
mkdir -p "$v/balloon"
echo 1000 > "$v/scan_interval_ms"
chmod 0600 "$v/scan_interval_ms"
printf '%s\n' "$qpid" > "$MEMSCHED_LIBVIRT_RUN/web1.pid"
echo 'knob.scan_interval_ms = 250' > "$MEMSCHED_CONFIG_DIR/web1.conf"
xml="<domain type='kvm'><name>web1</name></domain>"
out=$(printf '%s\n' "$xml" | "$HOOK" web1 started begin - 2>&1)
tap_is "$?/$(cat "$MEMSCHED_SYSFS/attach")/$(cat "$v/scan_interval_ms")" "0/$qpid/250" \
	"hook 'started': attaches the domain and applies its config"
tap_is "$(printf '%s\n' "$out" | grep -c "memsched-hook: web1: attached: config: $MEMSCHED_CONFIG_DIR/web1.conf applied (1 setting)")" 1 \
	"hook 'started': says so"
: > "$MEMSCHED_SYSFS/attach"
for op in prepare start stopped release reconnect; do
	printf '%s\n' "$xml" | "$HOOK" web1 "$op" end - > /dev/null 2>&1 || break
done
tap_is "$?/$(cat "$MEMSCHED_SYSFS/attach")$(cat "$MEMSCHED_SYSFS/detach")" "0/" \
	"hook prepare/start/stopped/release/reconnect: exit 0, nothing written"
out=$(printf '%s\n' "$xml" | "$HOOK" web2 started begin - 2>&1)
tap_is "$?/$(printf '%s\n' "$out" | grep -c "attach failed: memschedctl: domain 'web2': no running libvirt domain")" "0/1" \
	"hook, attach fails: logged, the domain still starts (exit 0)"
out=$(printf '%s\n' "$xml" | MEMSCHED_HOOK_STRICT=1 "$HOOK" web2 started begin - 2>&1)
tap_is "$?" 1 "hook with MEMSCHED_HOOK_STRICT=1, attach fails: exit 1"
out=$(printf '%s\n' "$xml" | MEMSCHED_SYSFS=$work/none "$HOOK" web1 started begin - 2>&1)
tap_is "$?/$(printf '%s\n' "$out" | grep -c "not attached: memsched is not loaded")" "0/1" \
	"hook without memsched loaded: exit 0, said"
# libvirtd runs hooks with a cleaned environment: the settings come from
# the hook's file, which also reaches memschedctl.
printf 'MEMSCHEDCTL=%s\nMEMSCHED_SYSFS=%s\nMEMSCHED_LIBVIRT_RUN=%s\nMEMSCHED_CONFIG_DIR=%s\nMEMSCHED_HOOK_STRICT=1\n' \
	"$MEMSCHEDCTL" "$MEMSCHED_SYSFS" "$MEMSCHED_LIBVIRT_RUN" "$MEMSCHED_CONFIG_DIR" > "$MEMSCHED_HOOK_CONF"
: > "$MEMSCHED_SYSFS/attach"
echo 1000 > "$v/scan_interval_ms"
out=$(printf '%s\n' "$xml" | env -i PATH="$PATH" LC_ALL=C MEMSCHED_HOOK_CONF="$MEMSCHED_HOOK_CONF" "$HOOK" web1 started begin - 2>&1)
tap_is "$?/$(cat "$MEMSCHED_SYSFS/attach")/$(cat "$v/scan_interval_ms")" "0/$qpid/250" \
	"hook in libvirtd's cleaned environment: its settings file names the tool, tree and config"
out=$(printf '%s\n' "$xml" | env -i PATH="$PATH" LC_ALL=C MEMSCHED_HOOK_CONF="$MEMSCHED_HOOK_CONF" "$HOOK" web2 started begin - 2>&1)
tap_is "$?" 1 "MEMSCHED_HOOK_STRICT=1 from the settings file: a failed attach exits 1"
# A settings file with a shell syntax error and an unknown key: read, not
# run, so the domain starts (exit 0); each bad line logged with its number,
# the good one applied.
printf 'if then\nMEMSCHED_SYSFS="%s"\nMEMSCHED_TYPO=1\n' "$work/none" > "$MEMSCHED_HOOK_CONF"
out=$(printf '%s\n' "$xml" | env -i PATH="$PATH" LC_ALL=C MEMSCHED_HOOK_CONF="$MEMSCHED_HOOK_CONF" "$HOOK" web1 started begin - 2>&1)
tap_is "$?/$(printf '%s\n' "$out" | grep -c "hook.conf:[13]: ignored (accepted: KEY=VALUE")/$(printf '%s\n' "$out" | grep -c "not attached: memsched is not loaded (no $work/none)")" "0/2/1" \
	"hook with a broken settings file: exit 0, lines 1 and 3 logged and ignored, line 2 applied"
rm -f "$MEMSCHED_HOOK_CONF"

# 3. dkms source trees
make -s -C "$REPO" dkms-src DESTDIR="$D" MEMSCHED_VERSION=1.2.3 > "$work/dkms.log" 2>&1
tap_is "$?/$(cd "$D/usr/src" && echo memsched*)" "0/memsched-1.2.3 memsched-guest-1.2.3" "make dkms-src: both trees"
# dkms_conf TREE: the dkms.conf's values, as dkms reads it (bash source)
dkms_conf() {
	(kernel_source_dir=/k dkms_tree=/t; . "$1/dkms.conf"
	 echo "$PACKAGE_NAME $PACKAGE_VERSION ${BUILT_MODULE_NAME[*]} ${BUILT_MODULE_LOCATION[*]} ${DEST_MODULE_LOCATION[*]}")
}
tap_is "$(dkms_conf "$D/usr/src/memsched-1.2.3")" \
	"memsched 1.2.3 memsched rdma_failover kmod/memsched/ kmod/rdma_failover/ /updates /updates" "host dkms.conf"
tap_is "$(dkms_conf "$D/usr/src/memsched-guest-1.2.3")" \
	"memsched-guest 1.2.3 balloon_guest kmod/balloon_guest/ /updates" "guest dkms.conf"
tap_is "$(find "$D/usr/src" \( -name '*.o' -o -name '*.ko' -o -name '.*.cmd' \) | wc -l)/$(ls "$D/usr/src/memsched-1.2.3/kmod/memsched/Kbuild" "$D/usr/src/memsched-1.2.3/Kbuild" | wc -l)" \
	"0/2" "dkms trees: sources and Kbuild, no build products"
kdir=/lib/modules/$kv/build
if [ -e "$kdir/Makefile" ]; then
	# as dkms does: copy the tree to DKMS_TREE/NAME/VERSION/build, run MAKE[0]
	mkdir -p "$work/dkms/memsched-guest/1.2.3"
	cp -a "$D/usr/src/memsched-guest-1.2.3" "$work/dkms/memsched-guest/1.2.3/build"
	(kernel_source_dir=$kdir dkms_tree=$work/dkms; cd "$work/dkms/memsched-guest/1.2.3/build" &&
	 . ./dkms.conf && eval "${MAKE[0]}") > "$work/dkms-build.log" 2>&1
	tap_is "$?/$(modinfo -F vermagic "$work/dkms/memsched-guest/1.2.3/build/kmod/balloon_guest/balloon_guest.ko" 2>&1 | cut -d' ' -f1)" \
		"0/$kv" "the guest dkms.conf's MAKE builds balloon_guest.ko for $kv"
else
	tap_skip "the guest dkms.conf's MAKE builds balloon_guest.ko" "no kernel headers at $kdir"
fi

tap_done
