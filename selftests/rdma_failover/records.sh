#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The replication tests' records writer and checker (records.c), on a
# tmpfs file: a writer at full rate, stopped by SIGTERM and by SIGKILL,
# leaves an image of one instant (0 torn, max_seq = its last seq); the
# checker finds a record of another instant, a bad checksum, and reads a
# plain copy (--from-file) as it reads the file; sum and cmp agree.
. "$(dirname "$0")/../lib/tap.sh"
R=$(cd "$(dirname "$0")" && pwd)/build/records
[ -x "$R" ] || tap_skip_all "no $R (make -C selftests)"
tap_plan 17
work=$(mktemp -d /dev/shm/records.XXXXXX)
trap 'kill $wpid 2>/dev/null; rm -rf "$work"' EXIT
f=$work/ring
truncate -s 4M "$f"

"$R" write "$f" --log "$work/log" --progress "$work/prog" --every 10000 > "$work/out" &
wpid=$!
sleep 1
kill -TERM $wpid
wait $wpid
tap_is "$?" 0 "the writer exits 0 on SIGTERM"
last=$(awk '/ end$/ { print $1 }' "$work/log")
tap_ok "it logged its last seq ($last) on SIGTERM" all_of [ -n "$last" ] -- [ "$last" -gt 524288 ]
tap_is "$("$R" lastseq "$work/prog")" "$last" "the progress file holds the same last seq"
out=$("$R" check "$f" --log "$work/log" --progress "$work/prog")
tap_is "$?" 0 "check passes on the writer's image"
tap_is "$(echo "$out" | head -n 1)" "records 524288 torn 0 max_seq $last" "check: every slot, 0 torn, max_seq = the last seq"
tap_ok "check reports the RPO (0 records: nothing lost)" grep -q '^rpo_records 0 rpo_ms' <<< "$out"

rm -f "$f"
truncate -s 4M "$f"
"$R" write "$f" --log "$work/log" --progress "$work/prog" > /dev/null &
wpid=$!
sleep 1
kill -KILL $wpid
wait $wpid 2>/dev/null
last=$("$R" lastseq "$work/prog")
out=$("$R" check "$f")
tap_is "$?" 0 "after SIGKILL: check passes"
max=$(echo "$out" | awk '/^records/ { print $6 }')
# the progress store comes just before the record's
tap_ok "max_seq $max is the progress file's $last or one less" \
	all_of [ "$max" -le "$last" ] -- [ "$max" -ge $((last - 1)) ] -- [ "$max" -gt 524288 ]
last=$max

"$R" copy "$f" "$work/copy"
tap_is "$("$R" check --from-file "$work/copy" | head -n 1)" "records 524288 torn 0 max_seq $last" "--from-file reads a plain copy the same"
tap_is "$("$R" sum --from-file "$work/copy")" "$("$R" sum "$f")" "sum of the copy = sum of the file"
tap_ok "cmp: the copy equals the file" "$R" cmp "$f" "$work/copy"

# a valid record of an older round in slot 7: a second instant
"$R" forge "$work/copy" 7 8
out=$("$R" check --from-file "$work/copy")
tap_is "$?" 1 "a record of another instant fails the check"
tap_ok "it is named (slot 7, seq 8)" grep -q '^# torn: slot 7 holds seq 8' <<< "$out"
tap_ok "and counted (torn 1)" grep -q "^records 524288 torn 1 max_seq $last\$" <<< "$out"
tap_fails_with "differ at byte 56" "cmp finds the difference" "$R" cmp "$f" "$work/copy"

# a torn 8-byte record: one byte of slot 100 changed
"$R" copy "$f" "$work/copy"
b=$(od -An -tu1 -j 800 -N 1 "$work/copy" | tr -d ' ')
printf "\\x$(printf %02x $(( (b + 1) % 256 )))" | dd of="$work/copy" bs=1 seek=800 conv=notrunc 2>/dev/null
out=$("$R" check --from-file "$work/copy")
tap_is "$?" 1 "a record with a bad checksum fails the check"
tap_ok "it is named (slot 100)" grep -q '^# invalid record at slot 100:' <<< "$out"
tap_done
