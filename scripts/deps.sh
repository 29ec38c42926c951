#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Install everything memsched needs from Debian's packages. Idempotent: when
# every package is already installed it does nothing and touches no network.
set -eu

PKGS="
build-essential make gcc libc6-dev bc bison flex libelf-dev libssl-dev kmod cpio gzip xz-utils
linux-image-amd64 linux-headers-amd64 linux-source
qemu-system-x86 busybox-static
clang llvm libclang-rt-14-dev libbpf-dev bpftool pahole
libcmocka-dev
rdma-core ibverbs-utils rdmacm-utils perftest iproute2 libibverbs-dev librdmacm-dev
ndctl daxctl numactl socat dmsetup
gnuplot-nox jq
libvirt-daemon-system libvirt-clients dkms
prometheus-node-exporter prometheus curl
"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	case "$st" in
	ii*) ;;
	*) missing="$missing $p" ;;
	esac
done

if [ -n "$missing" ]; then
	echo "deps: installing:$missing"
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: need root to install packages (run 'sudo make deps')" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi

kver=$("$(dirname "$0")/kver.sh")
echo "deps: ok (lab kernel $kver)"
