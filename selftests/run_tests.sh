#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kselftest-style runner: run each program with a timeout, indent its own TAP
# output under "# " and print one "ok"/"not ok" line per program.
# Exit code 4 from a program means skip (kselftest's KSFT_SKIP).
#
#   run_tests.sh [-t TIMEOUT] COLLECTION PROG...
#
# TIMEOUT defaults to the "timeout=" line of ./settings, else 300 seconds.
set -u
timeout=""
if [ "${1:-}" = -t ]; then timeout=$2; shift 2; fi
[ $# -ge 1 ] || { echo "usage: run_tests.sh [-t TIMEOUT] COLLECTION PROG..." >&2; exit 2; }
collection=$1
shift
if [ -z "$timeout" ]; then
	timeout=$(sed -n 's/^timeout=//p' settings 2>/dev/null)
	[ -n "$timeout" ] || timeout=300
fi

echo "TAP version 13"
echo "1..$#"
n=0 failed=0
for prog in "$@"; do
	n=$((n + 1))
	name="selftests: $collection: $(basename "$prog")"
	echo "# $name"
	start=$(date +%s)
	timeout -k 10 "$timeout" "./$prog" 2>&1 | sed -u 's/^/# /'
	rc=${PIPESTATUS[0]}
	secs=$(( $(date +%s) - start ))
	case "$rc" in
	0) echo "ok $n $name # ${secs}s" ;;
	4) echo "ok $n $name # SKIP" ;;
	124) echo "not ok $n $name # TIMEOUT ${timeout}s"; failed=1 ;;
	*) echo "not ok $n $name # exit=$rc"; failed=1 ;;
	esac
done
exit "$failed"
