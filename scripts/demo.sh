#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: install, build, boot the lab with nested KVM and a PMEM node,
# and run tools/demo/lab-demo.sh inside it.
set -eu -o pipefail
cd "$(dirname "$0")/.."
MAKE=${MAKE:-make}
scripts/deps.sh
echo "demo: building modules and test programs"
$MAKE -s modules > build.log 2>&1 || { cat build.log; exit 1; }
rm -f build.log
$MAKE -s -C selftests all
echo "demo: booting the lab (TCG unless /dev/kvm exists; about a minute)"
exec tools/lab/lab-run --nested --pmem 1G --mem 4G --timeout 900 --out build/demo \
	-- 'bash tools/demo/lab-demo.sh'
