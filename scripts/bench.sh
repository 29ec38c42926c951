#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: run every bench/*.sh inside one lab (nested KVM, PMEM node) and
# collect their "RESULT ..." lines in build/bench/results.txt.
set -eu -o pipefail
cd "$(dirname "$0")/.."
MAKE=${MAKE:-make}
scripts/deps.sh
$MAKE -s modules > /dev/null
$MAKE -s -C selftests all
mkdir -p build/bench
tools/lab/lab-run --nested --pmem 1G --mem 4G --timeout 1800 --out build/bench/lab \
	-- 'for b in bench/*.sh; do echo "== $b"; bash "$b"; done' | tee build/bench/output.txt
{
	# The accelerator lab-run used (after any fall-back), as it recorded it.
	accel=$(cat build/bench/lab/accel 2>/dev/null || echo unknown)
	echo "# memsched benchmarks, $(date -u +%F), lab kernel $(scripts/kver.sh), lab accel $accel"
	grep '^RESULT ' build/bench/output.txt
} > build/bench/results.txt
echo
cat build/bench/results.txt
