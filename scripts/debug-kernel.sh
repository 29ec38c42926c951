#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the lab's debug kernel from Debian's linux-source-6.1 (the same
# source as the stock kernel) with tools/lab/kconfig/debug.config merged over
# x86_64 defconfig and kvm_guest.config. Idempotent, and cached outside the
# clone, keyed by the source package's version and the fragment's hash: a
# second run prints the cached build at once.
#
#   scripts/debug-kernel.sh [--variant debug|bench] [--cached]
#
# Prints the build's directory on stdout: bzImage, kernelrelease, build/
# (a kbuild tree for external modules: KDIR) and modroot/ (lib/modules/REL
# with modules.builtin, for modprobe inside the lab). --cached prints it only
# if it is already built (exit 1 otherwise). The bench variant drops the
# "Where defects show" section (KASAN, lockdep, ...) and keeps DAMON: it is
# the peer kernel for make bench; only it has the "Debug info and BTF"
# section (the debug variant builds in about half the time without). Cache: $MEMSCHED_CACHE, else
# ${XDG_CACHE_HOME:-$HOME/.cache}/memsched.
set -eu -o pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
variant=debug cached=0
while [ $# -gt 0 ]; do
	case "$1" in
	--variant) variant=$2; shift 2 ;;
	--cached) cached=1; shift ;;
	*) echo "debug-kernel: unknown option '$1' (accepted: --variant debug|bench, --cached)" >&2; exit 2 ;;
	esac
done
case "$variant" in debug|bench) ;; *) echo "debug-kernel: --variant takes debug or bench" >&2; exit 2 ;; esac

log() { echo "debug-kernel: $*" >&2; }
die() { log "$*"; exit 1; }

cache=${MEMSCHED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/memsched}
tarball=/usr/src/linux-source-6.1.tar.xz
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null) ||
	die "linux-source-6.1 is not installed (make deps installs it)"
[ -r "$tarball" ] || die "no $tarball (make deps installs linux-source)"

# The fragment this variant uses.
frag=$(mktemp)
trap 'rm -f "$frag"' EXIT
if [ "$variant" = debug ]; then
	awk '/^# Debug info and BTF/ { skip = 1 } /^$/ { skip = 0 } !skip' \
		"$repo/tools/lab/kconfig/debug.config" > "$frag"
else
	awk '/^# Where defects show/ { skip = 1 } /^$/ { skip = 0 } !skip' \
		"$repo/tools/lab/kconfig/debug.config" |
		sed 's/^CONFIG_LOCALVERSION=.*/CONFIG_LOCALVERSION="-memsched-bench"/' > "$frag"
fi
key=$variant-$srcver-$(sha256sum "$frag" | cut -c1-12)
dir=$cache/$key

if [ -f "$dir/done" ]; then
	echo "$dir"
	exit 0
fi
[ "$cached" = 1 ] && exit 1

mkdir -p "$cache"
exec 8> "$cache/.lock"
flock 8
[ -f "$dir/done" ] && { echo "$dir"; exit 0; }

src=$cache/src-$srcver
if [ ! -f "$src/.unpacked" ]; then
	log "unpacking $tarball ($srcver)"
	rm -rf "$src"
	mkdir -p "$src"
	tar -xf "$tarball" -C "$src" --strip-components=1
	touch "$src/.unpacked"
fi

rm -rf "$dir"
mkdir -p "$dir/build"
b=$dir/build
jobs=$(nproc)
log "configuring $key in $dir"
make -s -C "$src" O="$b" defconfig > "$dir/config.log" 2>&1
make -s -C "$src" O="$b" kvm_guest.config >> "$dir/config.log" 2>&1
(cd "$b" && "$src/scripts/kconfig/merge_config.sh" -m -O "$b" "$b/.config" "$frag") \
	>> "$dir/config.log" 2>&1
make -s -C "$src" O="$b" olddefconfig >> "$dir/config.log" 2>&1

# Every line of the fragment must have survived Kconfig.
missing=$(grep -E '^(CONFIG_|# CONFIG_)' "$frag" | while read -r line; do
	case "$line" in
	"# CONFIG_"*) sym=${line#\# }; sym=${sym%% *}
		if grep -q "^$sym=" "$b/.config"; then echo "$line"; fi ;;
	*) if ! grep -qxF "$line" "$b/.config"; then echo "$line"; fi ;;
	esac
done)
[ -z "$missing" ] || die "Kconfig refused: $(echo "$missing" | tr '\n' ' ')"

log "building $key with $jobs jobs (33 minutes on 2 cores beside a lab, 63 before debug info was dropped; log: $dir/build.log)"
start=$(date +%s)
nice -n 19 make -C "$src" O="$b" -j"$jobs" bzImage modules > "$dir/build.log" 2>&1 ||
	{ tail -n 30 "$dir/build.log" >&2; die "build failed (log: $dir/build.log)"; }
make -s -C "$src" O="$b" INSTALL_MOD_PATH="$dir/modroot" modules_install \
	> "$dir/install.log" 2>&1 || die "modules_install failed (log: $dir/install.log)"
make -s -C "$src" O="$b" kernelrelease > "$dir/kernelrelease"
cp "$b/arch/x86/boot/bzImage" "$dir/bzImage"
echo "$(( $(date +%s) - start ))" > "$dir/build_seconds"
touch "$dir/done"
log "built $(cat "$dir/kernelrelease") in $(cat "$dir/build_seconds") s"
echo "$dir"
