#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: install what is missing, build warning-free, run the native
# unit tests of the pure-C core, then the kselftests inside the lab.
# Last line: "N passed, N failed, N skipped".
set -u -o pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
out=build/check
rm -rf "$out"
mkdir -p "$out"
MAKE=${MAKE:-make}
LAB_TIMEOUT=${LAB_TIMEOUT:-1500}

# Build steps are test points too: "ok N build: ..." in build.tap.
nbuild=0
step() { # NAME CMD...
	local name=$1 log
	shift
	nbuild=$((nbuild + 1))
	log=$out/build-$nbuild.log
	echo "# check: $name"
	# Compiler warnings fail a build step; apt/dpkg may warn harmlessly.
	if "$@" > "$log" 2>&1 && { [ "$name" = deps ] || ! grep -q 'warning:' "$log"; }; then
		echo "ok $nbuild build: $name" >> "$out/build.tap"
	else
		echo "not ok $nbuild build: $name" >> "$out/build.tap"
		sed 's/^/#   /' "$log" | tail -n 30
		return 1
	fi
}

finish() {
	echo
	exec scripts/tap-summary.sh "$out"/*.tap
}

step "deps" scripts/deps.sh || finish
step "modules (W=1, -Werror)" $MAKE -s modules || finish
step "unit tests" $MAKE -s -C lib/tests all check-core || finish
step "selftests" $MAKE -s -C selftests all || finish
step "tools" $MAKE -s tools || finish

echo "# check: unit tests of the pure-C core (native)"
unit_bins=$(cd lib/tests && find build -maxdepth 1 -type f -executable -name 'test_*' ! -name '*.*' | sort)
(cd lib/tests && CMOCKA_MESSAGE_OUTPUT=TAP ../../selftests/run_tests.sh -t 300 unit $unit_bins) |
	tee "$out/unit.tap"

echo "# check: tool tests (native, against a fake sysfs tree)"
(cd tools/tests && ../../selftests/run_tests.sh -t 120 tools test_memschedctl.sh) |
	tee "$out/tools.tap"

echo "# check: the lab's own options (a peer lab host)"
(cd tools/lab/tests && ../../../selftests/run_tests.sh -t 600 lab \
	test_accel.sh test_fallback.sh test_peer.sh) |
	tee "$out/lab-options.tap"

echo "# check: kselftests in the lab (nested KVM, PMEM node)"
tools/lab/lab-run --nested --pmem 1G --mem 4G --timeout "$LAB_TIMEOUT" \
	--out "$out/lab" -- 'make -s -C selftests run_tests' | tee "$out/lab.tap"
verdict=$(cat "$out/lab/verdict" 2>/dev/null || echo "lab did not run")
echo "# check: lab accelerator: $(cat "$out/lab/accel" 2>/dev/null) ($(cat "$out/lab/accel_why" 2>/dev/null))"
if [ "$verdict" != ok ]; then
	echo "not ok 1 lab: $verdict (console: $out/lab/console.log)" > "$out/lab-infra.tap"
	echo "# check: lab: $verdict"
fi
finish
