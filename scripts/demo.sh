#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: install, build, boot the lab with nested KVM and a PMEM node,
# and run tools/demo/lab-demo.sh inside it.
set -eu -o pipefail
cd "$(dirname "$0")/.."
MAKE=${MAKE:-make}
scripts/deps.sh
echo "demo: building modules and test programs"
mkdir -p build
$MAKE -s modules > build/demo-build.log 2>&1 || { cat build/demo-build.log; exit 1; }
$MAKE -s -C selftests all
$MAKE -s tools
echo "demo: booting the lab (about a minute; lab-run says which accelerator and why)"
exec tools/lab/lab-run --nested --pmem 1G --mem 4G --timeout 900 --out build/demo \
	-- 'bash tools/demo/lab-demo.sh'
