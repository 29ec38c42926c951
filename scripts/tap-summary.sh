#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Count results in kselftest-format TAP streams (FILE... or stdin) and print
# "N passed, N failed, N skipped". Test points nested one level under a
# program ("# ok 3 name") are what is counted; a program with no nested
# points counts as one. A program that failed although all its nested
# points passed (it crashed or exited non-zero) adds one failure.
# Each failure is named on a "# failed: " line before the summary, so that
# the last lines of a long log say what failed.
# Exit status: 1 if anything failed, else 0.
awk '
function flush_prog(res, skip, line) {
	prog = line
	sub(/^(not )?ok [0-9]+ /, "", prog)
	if (FILENAME != "" && FILENAME != "-") {
		src = FILENAME
		sub(/.*\//, "", src)
		prog = src ": " prog
	}
	if (np + nf + ns == 0) {
		if (res == "ok" && skip) s++
		else if (res == "ok") p++
		else { f++; failed[++nfailed] = prog }
	} else {
		p += np; f += nf; s += ns
		for (i = 1; i <= nf; i++)
			failed[++nfailed] = prog ": " pts[i]
		if (res == "not ok" && nf == 0) { f++; failed[++nfailed] = prog }
	}
	np = nf = ns = 0
}
# Points left over at the end of a stream belong to a program that never
# finished (its lab timed out): they count, under the name of the stream.
function flush_unfinished(src) {
	if (np + nf + ns == 0) return
	sub(/.*\//, "", src)
	p += np; f += nf; s += ns
	for (i = 1; i <= nf; i++)
		failed[++nfailed] = src ": a program that did not finish: " pts[i]
	np = nf = ns = 0
}
FNR == 1 && NR > 1 { flush_unfinished(lastfile) }
{ lastfile = FILENAME; sub(/\r$/, "") }
/^# (not )?ok [0-9]+/ {
	line = substr($0, 3)
	if (line ~ /^not ok/) pts[++nf] = line
	else if (line ~ /# [Ss][Kk][Ii][Pp]/) ns++
	else np++
	next
}
/^not ok [0-9]+/ { flush_prog("not ok", 0, $0); next }
/^ok [0-9]+/ { flush_prog("ok", $0 ~ /# [Ss][Kk][Ii][Pp]/, $0); next }
END {
	flush_unfinished(lastfile)
	for (i = 1; i <= nfailed; i++)
		printf "# failed: %s\n", failed[i]
	printf "%d passed, %d failed, %d skipped\n", p, f, s
	exit (f > 0)
}' "$@"
