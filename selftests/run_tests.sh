#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kselftest-style runner: run each program with a timeout, indent its own TAP
# output under "# " and print one "ok"/"not ok" line per program.
# Exit code 4 from a program means skip (kselftest's KSFT_SKIP).
#
#   run_tests.sh [-t TIMEOUT] [-q QUEUE] COLLECTION PROG...
#
# TIMEOUT defaults to the "timeout=" line of ./settings, else 300 seconds.
# With -q, QUEUE is a directory that runners elsewhere (another lab host)
# may share: a program runs here only if this runner claims it first, by
# creating QUEUE/COLLECTION:PROG (mkdir, atomic); one claimed elsewhere is
# left out here, and the plan line comes last.
set -u
timeout="" queue=""
while [ $# -gt 0 ]; do
	case "$1" in
	-t) timeout=$2; shift 2 ;;
	-q) queue=$2; shift 2 ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || { echo "usage: run_tests.sh [-t TIMEOUT] [-q QUEUE] COLLECTION PROG..." >&2; exit 2; }
if [ -n "$queue" ] && [ ! -d "$queue" ]; then
	echo "run_tests.sh: -q $queue: no such directory (accepted: an existing directory)" >&2
	exit 2
fi
collection=$1
shift
if [ -z "$timeout" ]; then
	timeout=$(sed -n 's/^timeout=//p' settings 2>/dev/null)
	[ -n "$timeout" ] || timeout=300
fi

echo "TAP version 13"
[ -z "$queue" ] && echo "1..$#"
n=0 failed=0
for prog in "$@"; do
	if [ -n "$queue" ]; then
		mkdir "$queue/$collection:$(basename "$prog")" 2>/dev/null || continue
		echo "${LAB_OUT:-$(uname -n)} $(date +%s)" > "$queue/$collection:$(basename "$prog")/by"
	fi
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
[ -n "$queue" ] && echo "1..$n"
exit "$failed"
