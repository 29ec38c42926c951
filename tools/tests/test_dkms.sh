#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# dkms, natively: 'make dkms-install DESTDIR=DIR' runs dkms add, build and
# install of both packages (memsched, memsched-guest) against the lab
# kernel's headers, with dkms's tree, sources, signing key and install tree
# all under DIR and no depmod, so that nothing of this machine changes; the
# installed modules are dkms's builds for that kernel, and 'dkms status'
# says installed; 'make dkms-remove DESTDIR=DIR' leaves no module behind;
# without dkms in PATH, or with an unknown package, it says so and fails
# before writing anything. It leaves the installed modules in
# build/dkms/lib/modules/KVER/updates/dkms for the lab's
# selftests/memsched/dkms.sh, which loads them (make check runs this
# before its labs). Needs root (dkms install does) and dkms.
. "$(dirname "$0")/../../selftests/lib/tap.sh"

REPO=$TAP_REPO
command -v dkms > /dev/null || tap_skip_all "no dkms (scripts/deps.sh installs it)"
[ "$(id -u)" = 0 ] || tap_skip_all "needs root ('dkms install' refuses otherwise)"
kv=${KVER:-$("$REPO/scripts/kver.sh")} || tap_skip_all "no lab kernel with headers (make deps)"
tap_plan 16

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
D=$work/root
V=0.0.dkmstest
upd=lib/modules/$kv/updates/dkms
mods="balloon_guest.ko memsched.ko rdma_failover.ko"
# what of this machine dkms could touch: compared at the end
sys_state() {
	ls -la --time-style=+%s.%N /var/lib/dkms "/lib/modules/$kv" 2>&1
	ls -d /usr/src/memsched* "/lib/modules/$kv/updates/dkms" 2>&1
}
sys_state > "$work/sys.before"

# 1. no dkms, a wrong package: a message, a non-zero exit, nothing written
nodkms=$work/nodkms
mkdir -p "$nodkms"
IFS=: read -ra dirs <<< "$PATH"
for d in "${dirs[@]}"; do
	for f in "$d"/*; do
		n=${f##*/}
		[ "$n" = dkms ] || [ -e "$nodkms/$n" ] || [ ! -x "$f" ] || ln -s "$f" "$nodkms/$n"
	done
done
out=$(PATH=$nodkms make -s -C "$REPO" dkms-install DESTDIR="$D" KVER="$kv" 2>&1)
tap_is "$?/$(printf '%s\n' "$out" | grep -c "dkms: no 'dkms' in PATH: install it (Debian: apt-get install dkms; make deps does)")/$(ls "$D" 2>/dev/null | wc -l)" \
	"2/1/0" "make dkms-install without dkms in PATH: says so, exit non-zero, writes nothing"
out=$(make -s -C "$REPO" dkms-install DESTDIR="$D" KVER="$kv" DKMS_PACKAGES=memsched-host 2>&1)
tap_is "$?/$(printf '%s\n' "$out" | grep -c "dkms: DKMS_PACKAGES: 'memsched-host' (accepted: memsched, memsched-guest)")/$(ls "$D" 2>/dev/null | wc -l)" \
	"2/1/0" "make dkms-install DKMS_PACKAGES=memsched-host: says what is accepted, exit non-zero, writes nothing"
out=$(PATH=$nodkms make -s -C "$REPO" dkms-remove DESTDIR="$D" KVER="$kv" 2>&1)
tap_is "$?/$(printf '%s\n' "$out" | grep -c "dkms: no 'dkms' in PATH")" "2/1" "make dkms-remove without dkms in PATH: says so, exit non-zero"

# 2. dkms add, build, install of both packages, into DIR
start=$SECONDS
make -s -C "$REPO" dkms-install DESTDIR="$D" KVER="$kv" DKMS_PACKAGES="memsched memsched-guest" \
	MEMSCHED_VERSION=$V > "$work/install.log" 2>&1
rc=$?
tap_diag "make dkms-install: $((SECONDS - start)) s"
tap_is "$rc/$(grep -c "^dkms-install: DESTDIR set: run 'depmod -a $kv' on the target" "$work/install.log")" "0/1" \
	"make dkms-install DESTDIR=DIR (memsched memsched-guest, $kv): exit 0, depmod left to the target" ||
	sed 's/^/# /' "$work/install.log" | tail -n 40
tap_is "$(cd "$D" && find lib -type f | sort | tr '\n' ' ')" \
	"$(for m in $mods; do printf '%s ' "$upd/$m"; done)" "dkms installed the three modules into DIR/$upd, nothing else"
tap_is "$(grep -c 'Creating symlink .*/memsched.*-'"$V"'$' "$work/install.log")/$(cd "$D/usr/src" && echo *)" \
	"2/memsched-$V memsched-guest-$V" "dkms add: both packages, from DIR/usr/src"
# the kernel's own vermagic: one of its modules'
kvm_vm=$(modinfo -k "$kv" -F vermagic kvm 2>/dev/null)
vm=""
for m in $mods; do vm="$vm$(modinfo -F vermagic "$D/$upd/$m" 2>&1)|"; done
tap_is "$vm" "$kvm_vm|$kvm_vm|$kvm_vm|" "the installed modules' vermagic is $kv's ('$kvm_vm')"
same=0
for m in memsched rdma_failover; do
	cmp -s "$D/$upd/$m.ko" "$D/var/lib/dkms/memsched/$V/$kv/x86_64/module/$m.ko" && same=$((same + 1))
done
cmp -s "$D/$upd/balloon_guest.ko" "$D/var/lib/dkms/memsched-guest/$V/$kv/x86_64/module/balloon_guest.ko" && same=$((same + 1))
tap_is "$same" 3 "the installed modules are dkms's builds (DIR/var/lib/dkms/PACKAGE/$V/$kv/x86_64/module)"
signed=0
for m in $mods; do
	[ "$(tail -c 28 "$D/$upd/$m")" = "~Module signature appended~" ] && signed=$((signed + 1))
done
tap_is "$signed/$(ls "$D/var/lib/dkms/mok.key" "$D/var/lib/dkms/mok.pub" 2>/dev/null | wc -l)" "3/2" \
	"dkms signed them with a key it made in DIR/var/lib/dkms"
tap_is "$(grep -c "^Building module:" "$work/install.log")/$(grep -c 'make .*-C /lib/modules/'"$kv"'/build M=.*MEMSCHED_WERROR= modules' "$work/install.log")" \
	"2/2" "dkms build: each package once, against $kv's headers"
flags=(--dkmstree "$D/var/lib/dkms" --sourcetree "$D/usr/src" --installtree "$D/lib/modules")
tap_is "$(dkms status "${flags[@]}" 2>&1 | sort | tr '\n' '|')" \
	"memsched-guest/$V, $kv, x86_64: installed|memsched/$V, $kv, x86_64: installed|" "dkms status: both installed for $kv"

# 3. for the lab's selftests/memsched/dkms.sh
rm -rf "$REPO/build/dkms"
mkdir -p "$REPO/build/dkms/$upd" && cp -a "$D/$upd/"*.ko "$REPO/build/dkms/$upd/"
tap_is "$(ls "$REPO/build/dkms/$upd" | tr '\n' ' ')" "$mods " "the installed modules copied to build/dkms/$upd for the lab"

# 4. dkms remove
make -s -C "$REPO" dkms-remove DESTDIR="$D" KVER="$kv" DKMS_PACKAGES="memsched memsched-guest" \
	MEMSCHED_VERSION=$V > "$work/remove.log" 2>&1
tap_is "$?/$(find "$D/lib" -name '*.ko' | wc -l)" "0/0" "make dkms-remove DESTDIR=DIR: exit 0, no module left in DIR/lib/modules" ||
	sed 's/^/# /' "$work/remove.log" | tail -n 20
tap_is "$(dkms status "${flags[@]}" 2>&1)/$(find "$D/var/lib/dkms" -maxdepth 1 -name "memsched*" | wc -l)" "/0" \
	"dkms status: nothing; the dkms tree holds no memsched package"
out=$(make -s -C "$REPO" dkms-remove DESTDIR="$D" KVER="$kv" MEMSCHED_VERSION=$V 2>&1)
tap_is "$?/$(printf '%s\n' "$out" | grep -c "memsched-$V is not located in the DKMS tree")" "2/1" \
	"make dkms-remove again: dkms says it is not there, exit non-zero"

# 5. nothing of this machine changed
sys_state > "$work/sys.after"
tap_is "$(diff "$work/sys.before" "$work/sys.after")" "" \
	"/var/lib/dkms, /lib/modules/$kv (its depmod files), /usr/src: unchanged"
tap_done
