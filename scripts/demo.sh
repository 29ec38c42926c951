#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: install, build, boot the lab with nested KVM and a PMEM node,
# and run tools/demo/lab-demo.sh inside it.
set -eu -o pipefail
cd "$(dirname "$0")/.."
MAKE=${MAKE:-make}
scripts/deps.sh
# The lab's kernel: make's default is the running kernel when its headers
# are installed (a real host), which need not be the one the lab boots.
KVER=${KVER:-$(scripts/kver.sh)} || exit 1
export KVER
echo "demo: building modules and test programs"
mkdir -p build
$MAKE -s modules > build/demo-build.log 2>&1 || { cat build/demo-build.log; exit 1; }
$MAKE -s -C selftests all
$MAKE -s tools
echo "demo: booting the lab (about a minute; lab-run says which accelerator and why)"
out=build/demo
rc=0
tools/lab/lab-run --nested --pmem 1G --mem 4G --timeout 900 --out "$out" \
	-- "DEMO_OUT=$PWD/$out bash tools/demo/lab-demo.sh" || rc=$?
# The lab recorded the VM into the run directory; draw it here (gnuplot).
if [ -s "$out/vm.rec" ]; then
	echo "demo: drawing the record (memschedctl report; the paths follow)"
	tools/build/memschedctl report "$out/vm.rec" --out "$PWD/$out" ||
		{ [ "$rc" != 0 ] || rc=1; }
else
	echo "demo: no record in $out (see $out/output.txt)"
fi
exit "$rc"
