#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# lab-run's hang watchdog: a lab whose console and command output stop
# growing for LAB_SILENT_S seconds is stopped then, as hung, with its
# registers saved, instead of at --timeout (the emulator has been seen to
# leave a nested guest on one instruction with the lab's kernel never
# running again). The command here sleeps silently past a 20 s bound.
. "$(dirname "$0")/../../../selftests/lib/tap.sh"
. "$(dirname "$0")/lib.sh"
tap_plan 7
lab=$TAP_REPO/tools/lab/lab-run
base=$TAP_REPO/build/lab/test-silent
rm -rf "$base"
mkdir -p "$base"
t0=$SECONDS
in_session "$base/sid" env LAB_SILENT_S=20 "$lab" --accel tcg --mem 512M --timeout 600 --out "$base/run" -- \
	'echo BEFORE-SILENCE; sleep 500; echo AFTER-SILENCE' > "$base/out" 2> "$base/err"
rc=$?
took=$((SECONDS - t0))
left=$(session_left "$base/sid")
tap_is "$rc" 124 "a silent lab fails as hung (124)"
tap_ok "... after the silence, long before --timeout ($took s < 300 s)" [ "$took" -lt 300 ]
tap_ok "... the command had run until then" grep -q '^BEFORE-SILENCE' "$base/out"
tap_ok "... and never printed again" eval '! grep -q AFTER-SILENCE "$base/out"'
tap_ok "... lab-run said why" grep -q '^lab: nothing printed for [0-9]*s: stopping the lab' "$base/err"
tap_ok "... the verdict says hung, and the registers were saved" \
	all_of grep -q '^hung: nothing printed' "$base/run/verdict" -- grep -q 'RIP=' "$base/run/stall.txt"
tap_is "$left" "" "nothing lab-run started is left running"
tap_done
