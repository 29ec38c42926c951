#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark, run inside the lab by `make bench` (not a test): the memory
# scheduler against a static split and a MoM-style ballooning policy.
# The same three-guest mix runs under four policies, one after the other in
# one lab run, on the same three guests (nested KVM, balloon_guest.ko and
# zram swap inside, GUEST_MB each, booted once) sharing the same pool
# (POOL_MB, less than the guests' sizes together), for DUR_S seconds each:
#  - A idle (holds 96 MiB it wrote once);
#  - B busy: writes random pages of a working set of 160 MiB, more than an
#    equal share;
#  - C holds its 120 MiB idle for the first half, then writes random pages
#    of them.
# Every run starts from the equal split (each balloon at GUEST_MB - POOL_MB
# / 3, set by hand, the scheduler off) with fresh workloads and a fresh
# sampler; then the policy has the pool:
#  (a) static: nothing changes;
#  (b) mom: bench/sched_mom.sh, free-memory ballooning in the style of
#      oVirt MoM, on the same balloon interface;
#  (c) shares: memsched's scheduler, policy shares (idle tax 75%);
#  (d) mrc: memsched's scheduler, policy mrc.
# The work is wss_touch's counter (working-set pages written; a page that
# must come back from the guest's zram first costs a major fault); the
# major faults are the guests' pgmajfault over the run. Goal: (d) does at
# least 1.3x the work of (a), with fewer major faults than (b).
# Prints "RESULT key=value ..." lines; SCHED_BENCH_SECONDS and
# SCHED_BENCH_POLICIES override the duration and the policies.
set -u
. selftests/lib/tap.sh
. selftests/lib/memsched.sh
. selftests/lib/guest.sh
[ -c /dev/kvm ] || { echo "bench: needs /dev/kvm (lab --nested)"; exit 4; }
GUEST_MB=256
POOL_MB=384
ZRAM_MB=192
DUR_S=${SCHED_BENCH_SECONDS:-120}
POLICIES=${SCHED_BENCH_POLICIES:-static mom shares mrc}
SG=$MS_ROOT/sched
work=$(mktemp -d)
thp=/sys/kernel/mm/transparent_hugepage/enabled
thp_old=$(sed 's/.*\[\(.*\)\].*/\1/' "$thp")
mom=""
trap '[ -n "$mom" ] && kill $mom; echo 0 > $SG/enabled 2>/dev/null; for g in a b c; do kill "$(cat "$work/$g.pid" 2>/dev/null)" 2>/dev/null; done; wait; echo "$thp_old" > "$thp"; rm -rf "$work"' EXIT
echo never > "$thp"
ms_load || exit 1
[ -d "$SG" ] || { echo "bench: memsched has no scheduler"; exit 1; }

guest_cmd() { # NAME WSS_TOUCH_ARGS...
	local name=$1
	shift
	cat <<CMD
. /guest/lib.sh
exec 3< /dev/ttyS1
zram_swap $ZRAM_MB || exit 1
waitv \$bg/connected 1 300 || exit 1
vmline "$name ready"
host_cmds $name $* --report-seconds 30
CMD
}
guest_cmd A --total-mb 96 --wss-mb 0 > "$work/cmd-a"
guest_cmd B --total-mb 160 --wss-mb 160 --random > "$work/cmd-b"
guest_cmd C --total-mb 120 --wss-mb 120 --random --phases idle:$((DUR_S / 2)),busy:0 > "$work/cmd-c"
declare -A P
cid=3
for g in a b c; do
	guest_initrd "$work/initrd-$g" "$work/cmd-$g" \
		-m "virtio_pci vsock vmw_vsock_virtio_transport_common vmw_vsock_virtio_transport zram" \
		-m "$GUEST_KMOD_DIR/balloon_guest/balloon_guest.ko"
	mkfifo "$work/sig-$g.in" "$work/sig-$g.out"
	"$GUEST_TOOLS/guest-run" --initrd "$work/initrd-$g" --log "$work/log-$g" \
		--mem ${GUEST_MB}M --timeout 3600 --boot-timeout 240 --pidfile "$work/$g.pid" -- \
		-device "vhost-vsock-pci,guest-cid=$cid" -serial "pipe:$work/sig-$g" \
		> "$work/run-$g.out" 2>&1 &
	P[$g]=$(guest_attach "$work/$g.pid" $cid)
	cid=$((cid + 1))
done
for g in A B C; do
	guest_wait_log "$work/log-${g,}" "^$g ready " 400 ||
		{ echo "bench: guest $g did not come up: $(tr -d '\r' < "$work/log-${g,}" | tail -n 5)"; exit 1; }
done
say() { timeout 10 bash -c 'echo "$1" > "$2"' say "$2" "$work/sig-$1.in"; }
# since GUEST OFFSET: the guest's console from byte OFFSET on
since() { tail -c +"$(( $2 + 1 ))" "$work/log-$1" | tr -d '\r'; }
# val GUEST OFFSET LINE FIELD: FIELD=value of the line "LINE ..." after OFFSET
val() { since "$1" "$2" | sed -n "s/^$3 .*\\b$4=\\([0-9-]*\\).*/\\1/p" | head -n 1; }
split=$(( (GUEST_MB - POOL_MB / 3) * 256 ))

# run POLICY: one run; prints its RESULT line, sets WORK[POLICY], MAJ[POLICY]
declare -A WORK MAJ OFF
run() {
	local pol=$1 g t0 w maj tot=0 mtot=0 oom=0 line
	for g in a b c; do
		ms_write $split "$(ms_vm "${P[$g]}")/balloon/target_pages"
	done
	for g in a b c; do
		ms_wait_val "$(ms_vm "${P[$g]}")/balloon/actual_pages" $split 300 ||
			echo "bench: $pol: guest ${g^} did not reach the equal split"
		echo 1000 > "$(ms_vm "${P[$g]}")/scan_interval_ms"
		echo 30 > "$(ms_vm "${P[$g]}")/wss_scans"
		echo 30 > "$(ms_vm "${P[$g]}")/mrc_decay_scans"
		echo 1 > "$(ms_vm "${P[$g]}")/reset"
		OFF[$g]=$(stat -c %s "$work/log-$g")
	done
	case $pol in
	static) ;;
	mom) bench/sched_mom.sh $((POOL_MB * 256)) "${P[@]}" > "$work/mom.log" 2>&1 & mom=$! ;;
	shares|mrc)
		echo $((POOL_MB * 256)) > "$SG/pool_pages"
		echo "$pol" > "$SG/policy"
		echo 1000 > "$SG/period_ms"
		echo 30000 > "$SG/balloon_timeout_ms"	# as selftests/memsched/sched.sh
		echo 1 > "$SG/enabled"
		;;
	esac
	t0=$SECONDS
	for g in a b c; do say $g run; done
	sleep "$DUR_S"
	for g in a b c; do say $g stop; done
	[ -n "$mom" ] && { kill "$mom"; wait "$mom" 2>/dev/null; mom=""; }
	echo 0 > "$SG/enabled"
	for g in a b c; do
		# a guest squeezed hard may take a while to stop and report (this
		# run's line: the console has the earlier runs' too)
		n=0
		until since $g "${OFF[$g]}" | grep -q "^${g^} stop "; do
			sleep 0.5
			n=$((n + 1))
			[ $n -gt 600 ] && { echo "bench: $pol: guest ${g^} did not stop"; break; }
		done
	done
	line="RESULT sched_$pol seconds=$((SECONDS - t0))"
	for g in a b c; do
		w=$(since $g "${OFF[$g]}" | sed -n 's/^wss_touch: done .* touches=\([0-9]*\).*/\1/p' | head -n 1)
		maj=$(( $(val $g "${OFF[$g]}" "${g^} stop" pgmajfault) - $(val $g "${OFF[$g]}" "${g^} run" pgmajfault) ))
		oom=$(( oom + $(val $g "${OFF[$g]}" "${g^} stop" oom_kill) - $(val $g "${OFF[$g]}" "${g^} run" oom_kill) ))
		line="$line work_${g}=${w:-0} majflt_${g}=$maj"
		tot=$((tot + ${w:-0})) mtot=$((mtot + maj))
	done
	WORK[$pol]=$tot MAJ[$pol]=$mtot
	echo "$line work_total=$tot majflt_total=$mtot oom_kills=$oom"
	[ "$pol" = mom ] && echo "# mom made $(grep -c '^mom:' "$work/mom.log") changes; last: $(tail -n 3 "$work/mom.log" | tr '\n' ' ')"
	case $pol in shares|mrc) echo "# $pol: $(ms_stats_line "$SG")" ;; esac
}

for pol in $POLICIES; do run "$pol"; done
for g in a b c; do say $g end; done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
if [ -n "${WORK[static]:-}" ] && [ -n "${WORK[mrc]:-}" ]; then
	goal_w=$(awk -v a="${WORK[mrc]}" -v b="${WORK[static]}" 'BEGIN { print (a >= 1.3 * b) ? "met" : "missed" }')
	goal_m=n/a
	[ -n "${MAJ[mom]:-}" ] && { [ "${MAJ[mrc]}" -lt "${MAJ[mom]}" ] && goal_m=met || goal_m=missed; }
	echo "RESULT sched_summary mrc_over_static=$(ratio "${WORK[mrc]}" "${WORK[static]}") shares_over_static=$(ratio "${WORK[shares]:-0}" "${WORK[static]}") mom_over_static=$(ratio "${WORK[mom]:-0}" "${WORK[static]}") majflt_mrc=${MAJ[mrc]} majflt_mom=${MAJ[mom]:-n/a} goal_work_1.3x=$goal_w goal_fewer_majflt_than_mom=$goal_m pool_MiB=$POOL_MB guest_MiB=$GUEST_MB seconds=$DUR_S"
fi
