#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: run every bench/*.sh inside one lab (nested KVM, PMEM node) and
# collect their "RESULT ..." lines in build/bench/results.txt.
#
# The lab boots the bench kernel: scripts/debug-kernel.sh --variant bench,
# the debug kernel's source and lab configuration without the debug options
# (KASAN, lockdep, ...), with DAMON, the peer of bench/sampling.sh. Its first
# build takes 20-40 minutes on 2 cores; it is cached. Nested guests boot
# Debian's stock kernel with the stock balloon_guest.ko, as in make check.
# MEMSCHED_BENCH_KERNEL=stock boots Debian's kernel instead (no DAMON: the
# DAMON comparison says so and is skipped).
set -eu -o pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
MAKE=${MAKE:-make}
scripts/deps.sh
# The lab's kernel: make's default is the running kernel when its headers
# are installed (a real host), which need not be the one the lab boots.
KVER=${KVER:-$(scripts/kver.sh)} || exit 1
export KVER
$MAKE -s modules > /dev/null
$MAKE -s bpf > /dev/null
$MAKE -s -C selftests all
$MAKE -s -C bench
mkdir -p build/bench
if [ "${MEMSCHED_BENCH_KERNEL:-bench}" = stock ]; then
	kargs=() env="" kernel="$(scripts/kver.sh) (Debian's stock kernel)"
else
	echo "# bench: the bench kernel (scripts/debug-kernel.sh --variant bench; the first build takes 20-40 minutes)"
	bk=$(scripts/debug-kernel.sh --variant bench)
	$MAKE -s modules-debug DEBUG_KDIR="$bk/build" KMOD_DEBUG_OUT=build/kmod-bench > /dev/null
	kargs=(--kernel-dir "$bk")
	env="export KMOD_DIR=$repo/build/kmod-bench/kmod GUEST_KMOD_DIR=$repo/kmod; "
	kernel="$(cat "$bk/kernelrelease") (scripts/debug-kernel.sh --variant bench, $(basename "$bk")), nested guests $(scripts/kver.sh)"
fi
# bench/swap.sh: memsched swaps to "mswap", the kernel's swapon uses
# "kswap" (the same kind of disk: virtio-blk on a /dev/shm file).
tools/lab/lab-run "${kargs[@]}" --nested --pmem 1G --mem 4G --timeout 1800 --out build/bench/lab \
	--disk mswap:512M --disk kswap:512M \
	-- "${env}for b in bench/*.sh; do echo \"== \$b\"; bash \"\$b\"; done" | tee build/bench/output.txt
{
	# The accelerator lab-run used (after any fall-back), as it recorded it.
	accel=$(cat build/bench/lab/accel 2>/dev/null || echo unknown)
	echo "# memsched benchmarks, $(date -u +%F), lab kernel $kernel, lab accel $accel"
	grep '^RESULT ' build/bench/output.txt
} > build/bench/results.txt
echo
cat build/bench/results.txt
