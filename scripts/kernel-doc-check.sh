#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Check the kernel-doc comments of every .c and .h file under kmod/, lib/
# (not lib/tests/) and include/ with the kernel's own scripts/kernel-doc
# -none, taken from Debian's linux-source package (scripts/deps.sh installs
# it). Prints every problem kernel-doc reports, then one line with the
# count. Exit status: 0 when there is none, 1 when there are problems, 2
# when kernel-doc cannot be found.
#
# Where kernel-doc comes from, first found:
#   $KERNEL_DOC (a path to the script);
#   an unpacked /usr/src/linux-source-*/ (the newest);
#   the tree scripts/debug-kernel.sh unpacked into the cache
#   ($MEMSCHED_CACHE, else ${XDG_CACHE_HOME:-$HOME/.cache}/memsched,
#   src-VERSION/);
#   else the script alone, unpacked from /usr/src/linux-source-*.tar.xz
#   (the newest) into the cache's kernel-doc-VERSION/ once.
set -u -o pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 2

log() { echo "kernel-doc-check: $*" >&2; }
cache=${MEMSCHED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/memsched}

# The version of the Debian package that owns FILE ("" if none).
pkg_version() {
	local pkg
	pkg=$(dpkg-query -S "$1" 2>/dev/null | head -n 1 | cut -d: -f1) || return 0
	[ -n "$pkg" ] && dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null
}

find_kernel_doc() {
	local d tarball ver dir
	if [ -n "${KERNEL_DOC:-}" ]; then
		echo "$KERNEL_DOC"
		return 0
	fi
	# shellcheck disable=SC2012
	d=$(ls -d /usr/src/linux-source-*/ 2>/dev/null | sort -V | tail -n 1)
	if [ -n "$d" ] && [ -f "$d/scripts/kernel-doc" ]; then
		echo "${d%/}/scripts/kernel-doc"
		return 0
	fi
	# shellcheck disable=SC2012
	tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
	if [ -z "$tarball" ]; then
		log "no /usr/src/linux-source-*.tar.xz (scripts/deps.sh installs linux-source)"
		return 1
	fi
	ver=$(pkg_version "$tarball")
	[ -n "$ver" ] || ver=$(basename "$tarball" .tar.xz)
	if [ -f "$cache/src-$ver/.unpacked" ] && [ -f "$cache/src-$ver/scripts/kernel-doc" ]; then
		echo "$cache/src-$ver/scripts/kernel-doc"
		return 0
	fi
	dir=$cache/kernel-doc-$ver
	if [ ! -f "$dir/scripts/kernel-doc" ]; then
		log "unpacking scripts/kernel-doc from $tarball ($ver) into $dir"
		if ! mkdir -p "$dir" ||
		   ! tar -xf "$tarball" -C "$dir" --strip-components=1 \
			--wildcards '*/scripts/kernel-doc'; then
			log "could not unpack scripts/kernel-doc from $tarball"
			return 1
		fi
	fi
	echo "$dir/scripts/kernel-doc"
}

kd=$(find_kernel_doc) || exit 2
command -v perl > /dev/null || { log "perl is needed to run $kd"; exit 2; }

list_sources() {
	git ls-files -- 'kmod/*.[ch]' 'lib/*.[ch]' 'include/*.[ch]' 2>/dev/null ||
		find kmod lib include -type f -name '*.[ch]' | sort
}
mapfile -t files < <(list_sources | grep -v '^lib/tests/' |
	while read -r f; do [ -f "$f" ] && echo "$f"; done)
if [ "${#files[@]}" -eq 0 ]; then
	log "no source files found under kmod/, lib/, include/"
	exit 2
fi

out=$(perl "$kd" -none "${files[@]}" 2>&1)
rc=$?
problems=$(printf '%s\n' "$out" | grep -c -i -E '(warning|error):')
if [ -n "$out" ]; then
	printf '%s\n' "$out"
fi
nfiles=$(printf '%s\n' "$out" | grep -E '(warning|error):' | cut -d: -f1 | sort -u | grep -c .)
echo "kernel-doc: $problems problems in $nfiles of ${#files[@]} files ($kd -none)"
if [ "$problems" -gt 0 ] || [ "$rc" -ne 0 ]; then
	exit 1
fi
exit 0
