#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# lab-run's hang watchdog: a lab whose console and command output stop
# growing for LAB_SILENT_S seconds is stopped then, as hung, with its
# registers saved, instead of at --timeout (the emulator has been seen to
# leave a nested guest on one instruction with the lab's kernel never
# running again). The command here sleeps silently past a 20 s bound.
# Sooner still when the lab's heartbeat (rewritten every 20 s while its
# kernel runs its tasks) is older than LAB_HEARTBEAT_S: a lab frozen
# through QEMU's monitor (stop) is stopped as hung after a 30 s bound,
# while one that only prints nothing for 90 s beside a fresh heartbeat
# (40 s bound) runs to its end.
. "$(dirname "$0")/../../../selftests/lib/tap.sh"
. "$(dirname "$0")/lib.sh"
tap_plan 13
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

in_session "$base/sid2" env LAB_HEARTBEAT_S=40 "$lab" --accel tcg --mem 512M --timeout 600 --out "$base/quiet" -- \
	'sleep 90; echo AFTER-QUIET' > "$base/quiet.out" 2> "$base/quiet.err"
tap_is "$?/$(grep -c '^AFTER-QUIET' "$base/quiet.out")" 0/1 \
	"a lab silent for 90 s with its heartbeat going (40 s bound) runs to its end"

in_session "$base/sid3" env LAB_HEARTBEAT_S=30 "$lab" --accel tcg --mem 512M --timeout 600 --out "$base/frozen" -- \
	'echo FROZEN-NEXT; sleep 500; echo AFTER-FREEZE' > "$base/frozen.out" 2> "$base/frozen.err" &
runner=$!
for _ in $(seq 300); do grep -q '^FROZEN-NEXT' "$base/frozen.out" 2>/dev/null && break; sleep 1; done
t0=$SECONDS
echo stop | socat -t 3 - "UNIX-CONNECT:$base/frozen/monitor.sock" > /dev/null 2>&1
wait "$runner"
rc=$? took=$((SECONDS - t0))
tap_is "$rc" 124 "a lab frozen through QEMU's monitor fails as hung (124)"
tap_ok "... within two polls of its 30 s heartbeat bound ($took s < 200 s)" [ "$took" -lt 200 ]
tap_ok "... lab-run said why" grep -q '^lab: no heartbeat from the lab for [0-9]*s: stopping the lab' "$base/frozen.err"
tap_ok "... and the verdict says so" grep -q '^hung: no heartbeat from the lab' "$base/frozen/verdict"
tap_is "$(session_left "$base/sid3")" "" "nothing lab-run started is left running"
tap_done
