#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Policy (b) of bench/sched.sh: free-memory ballooning in the style of
# oVirt MoM's balloon policy (mom/policies/balloon.rules), on memsched's
# balloon interface, with the pool of the benchmark as MoM's host:
#
#   host_free  = pool - the guests' memory (guest size - balloon)
#   pressure   = host_free < PRESSURE_PCT% of the pool
#   pressure:    shrink every guest whose free memory (MemFree, from its
#                balloon STATS) is above MIN_FREE_PCT% of its memory, by
#                MAX_CHANGE_PCT% of its memory at most, never below the
#                point where its free memory would fall under MIN_FREE_PCT%
#   no pressure: grow every guest by MAX_CHANGE_PCT% of its memory, up to
#                its size and (unlike MoM, whose host is the limit) within
#                the pool
#   a change smaller than MIN_CHANGE_PCT% of the guest is not made.
# MoM's constants: 20%, 20%, 5%, 0.25%, every INTERVAL_S (MoM: 5 s; 2 here,
# the benchmark being short).
#
#   bench/sched_mom.sh POOL_PAGES PID...   (runs until killed; one line per
#                                           change on stdout)
set -u
MS_ROOT=${MS_ROOT:-/sys/kernel/mm/memsched}
PRESSURE_PCT=${MOM_PRESSURE_PCT:-20}
MIN_FREE_PCT=${MOM_MIN_FREE_PCT:-20}
MAX_CHANGE_PCT=${MOM_MAX_CHANGE_PCT:-5}
MIN_CHANGE_PPM=2500
INTERVAL_S=${MOM_INTERVAL_S:-2}
[ $# -ge 2 ] || { echo "usage: sched_mom.sh POOL_PAGES PID..." >&2; exit 2; }
pool=$1
shift

stat_pages() { # DIR NAME: a guest_stats value, in pages (0 if not reported)
	awk -v k="$2" '$1 == k { v = $2 } END { print int(v / 4096) }' "$1/guest_stats"
}

while :; do
	declare -A size=() mem=() free=()
	used=0
	for p in "$@"; do
		b=$MS_ROOT/vms/$p/balloon
		[ -d "$b" ] || exit 0
		size[$p]=$(cat "$b/guest_reported_pages")
		mem[$p]=$(( size[$p] - $(cat "$b/actual_pages") ))
		free[$p]=$(stat_pages "$b" free_bytes)
		used=$((used + mem[$p]))
	done
	host_free=$((pool - used))
	pressure=$(( host_free * 100 < PRESSURE_PCT * pool ))
	for p in "$@"; do
		b=$MS_ROOT/vms/$p/balloon
		cur=${mem[$p]}
		if [ $pressure = 1 ]; then
			[ $(( free[$p] * 100 )) -gt $(( MIN_FREE_PCT * cur )) ] || continue
			floor=$(( cur - free[$p] + MIN_FREE_PCT * cur / 100 ))
			new=$(( cur - MAX_CHANGE_PCT * cur / 100 ))
			[ $new -lt $floor ] && new=$floor
		else
			new=$(( cur + MAX_CHANGE_PCT * cur / 100 ))
			[ $new -gt "${size[$p]}" ] && new=${size[$p]}
			[ $(( used + new - cur )) -gt "$pool" ] && new=$(( pool - used + cur ))
			[ $new -lt $cur ] && continue
			used=$(( used + new - cur ))
		fi
		d=$(( new - cur ))
		[ $(( ${d#-} * 1000000 )) -ge $(( MIN_CHANGE_PPM * size[$p] )) ] || continue
		echo "mom: pid $p pressure=$pressure host_free=$host_free mem $cur -> $new (free ${free[$p]})"
		echo $(( size[$p] - new )) > "$b/target_pages"
	done
	sleep "$INTERVAL_S"
done
