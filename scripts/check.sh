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
# Each lab's bound. The stock lab with its peer host takes about 38
# minutes on an idle 2-core machine and ran past 60 in a CI run on a
# loaded one. Besides its own bound, no lab may run past the deadline
# (MEMSCHED_CHECK_MINUTES after make check began, default 84, inside CI's
# 90), so a slow run ends with every finished test counted and the
# summary line printed, not killed from outside.
LAB_TIMEOUT=${LAB_TIMEOUT:-4500}
LAB_DEBUG_TIMEOUT=${LAB_DEBUG_TIMEOUT:-3600}
LAB2_TIMEOUT=${LAB2_TIMEOUT:-4500}
check_minutes=${MEMSCHED_CHECK_MINUTES:-84}
case "$check_minutes" in
''|*[!0-9]*) echo "check: MEMSCHED_CHECK_MINUTES=$check_minutes (accepted: whole minutes)" >&2; exit 2 ;;
esac
deadline=$((SECONDS + check_minutes * 60))
# lab_timeout BOUND: BOUND, or the time left before the deadline if less
# (at least 60 s, so that a late lab still says why it stopped).
lab_timeout() {
	local left=$((deadline - SECONDS))
	[ "$left" -lt 60 ] && left=60
	[ "$1" -lt "$left" ] && left=$1
	echo "$left"
}

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
	local r
	[ -n "${dkms_pid:-}" ] && wait "$dkms_pid"
	echo
	# A lab whose kernel reported something: its first report goes just
	# above the summary, where the short tail CI keeps of a log still has
	# it: 12 lines of 160 characters at most, without the register dump,
	# the code bytes, the module list and the frames of the interrupt that
	# printed it (all in splat-report.txt).
	for r in "$out"/*/splat-report.txt; do
		[ -s "$r" ] || continue
		echo "# check: the first kernel report of ${r%/splat-report.txt} (from $(head -n 1 "${r%/splat-report.txt}/splats.txt" | cut -d: -f1); all of it in $r):"
		grep -avE '\] ((RSP|RAX|RDX|RBP|R10|R13|FS|CS|CR2|DR0|DR3|DR6|PKRU): |Code: |Modules linked in:|Hardware name: )' "$r" |
			awk '/<IRQ>/ { irq = 1 } !irq; /<\/IRQ>/ { irq = 0 }' | head -n 12 | cut -c 1-160 | sed 's/^/#   /'
	done
	exec scripts/tap-summary.sh "$out"/*.tap
}

step "deps" scripts/deps.sh || finish
# The lab's kernel: make's default is the running kernel when its headers
# are installed (a real host), which need not be the one the lab boots.
KVER=${KVER:-$(scripts/kver.sh)} || exit 1
export KVER

# The debug kernel (KASAN, lockdep, list/VM debugging, fault injection):
# built, or found in the cache, at low priority while the native tests and
# the stock lab run; then the lab runs on it too. Everything runs 4 to 15
# times slower there (nested KVM under TCG with KASAN and lockdep), so
# within CI's budget it runs DEBUG_TESTS, the programs that drive the
# teardown, sizing, memory-offline, allocation-failure and balloon-hold
# paths and KVM's own selftests without booting nested Linux guests
# (tools/lab/README, "Two kernels"), and swap_huge.sh (about 4 minutes
# there), whose huge-folio swap keeps the page cache's accounting by hand. swap.sh, sched_mech.sh and
# memschedfs_mm.sh took 12, more than 15 and 7 to 15 minutes there, beyond
# the budget: they run on the stock kernel only. MEMSCHED_DEBUG_LAB=full
# runs the whole suite on it (well over an hour); =0 skips it.
debug_lab=${MEMSCHED_DEBUG_LAB:-1}
# Of the kernel's KVM selftests it runs the ones KVM_ST_ONLY names (the
# access-tracking test skips on Debian's kernel, which has no idle page
# tracking), with KVM_ST_MB of guest memory each.
DEBUG_TESTS=${MEMSCHED_DEBUG_TESTS:-module_lifecycle.sh vm_teardown.sh vm_sizing.sh \
	fault_injection.sh balloon_hold.sh kvm_selftests.sh swap_huge.sh}
# fault_injection.sh's rounds there (each about 2 minutes beside the other
# lane; its memschedfs moves under a checking writer also drive the
# list and VM debugging that memschedfs_mm.sh would).
DEBUG_FI_ROUNDS=${MEMSCHED_DEBUG_FI_ROUNDS:-3}
DEBUG_KVM_ST=${MEMSCHED_DEBUG_KVM_ST:-KVM_ST_ONLY=\'access_tracking_perf_test memslot_modification_stress_test\' KVM_ST_MB=8}
# shellcheck disable=SC2086
DEBUG_TESTS=$(echo $DEBUG_TESTS)	# one line
case "$debug_lab" in
0) ;;
1) debug_only="ONLY='$DEBUG_TESTS'" ;;
full) debug_only="" ;;
*) echo "check: MEMSCHED_DEBUG_LAB=$debug_lab (accepted: 1, the default; full; 0)" >&2; exit 2 ;;
esac
if [ "$debug_lab" != 0 ]; then
	echo "# check: debug kernel: building in the background (log: $out/debug-kernel.log)"
	scripts/debug-kernel.sh > "$out/debug-kernel.dir" 2> "$out/debug-kernel.log" &
	dk_pid=$!
fi
step "modules (W=1, -Werror)" $MAKE -s modules || finish
# dkms (tools/tests/test_dkms.sh): make dkms-install of both packages for
# the lab kernel into a private tree (a module build, 1 to 3 minutes), in
# the background beside the other build steps (it copies kmod/ as the
# modules step left it). It leaves the modules dkms installed in
# build/dkms, which the labs load (selftests/memsched/dkms.sh): they start
# once it is done.
echo "# check: dkms add/build/install/remove in a private tree (background; log: $out/dkms.tap)"
(cd tools/tests && ../../selftests/run_tests.sh -t 600 dkms test_dkms.sh) > "$out/dkms.tap" 2>&1 &
dkms_pid=$!
step "eBPF tools (make bpf, -Werror)" $MAKE -s bpf || finish
step "unit tests" $MAKE -s -C lib/tests all check-core || finish
step "selftests" $MAKE -s -C selftests all || finish
step "tools" $MAKE -s tools || finish
# kernel-doc -none over kmod/, lib/, include/: every problem fails it.
step "kernel-doc (scripts/kernel-doc-check.sh)" scripts/kernel-doc-check.sh
# Which file calls which, from the built objects: a tree, no circles.
for m in memsched balloon_guest rdma_failover; do
	step "file graph of $m has no circles (scripts/file-graph.py)" \
		scripts/file-graph.py "kmod/$m" "$m"
done

echo "# check: unit tests of the pure-C core (native)"
unit_bins=$(cd lib/tests && find build -maxdepth 1 -type f -executable -name 'test_*' ! -name '*.*' | sort)
(cd lib/tests && CMOCKA_MESSAGE_OUTPUT=TAP ../../selftests/run_tests.sh -t 300 unit $unit_bins) |
	tee "$out/unit.tap"

# The tool tests (native, against a fake sysfs tree) and the lab's own
# options (small labs, one at a time) run first in the second lane, beside
# the first lane's lab: on their own they left a core idle for 5 minutes.
other_tests() {
	(cd tools/tests && ../../selftests/run_tests.sh -t 120 tools test_memschedctl.sh test_libvirt.sh test_install.sh) \
		> "$out/tools.tap"
	(cd tools/lab/tests && ../../../selftests/run_tests.sh -t 600 lab \
		test_accel.sh test_splats.sh test_fallback.sh test_peer.sh test_disk.sh test_silent.sh) \
		> "$out/lab-options.tap"
}

lab_verdict() { # RUNDIR TAPFILE
	local verdict
	verdict=$(cat "$1/verdict" 2>/dev/null || echo "lab did not run")
	if [ "$verdict" != ok ]; then
		echo "not ok 1 lab: $verdict (console: $1/console.log)" > "$2"
		echo "# check: lab: $verdict ($1)"
	fi
}

# The emulator has been seen to freeze a lab for good: a nested guest's
# program looping in user mode while the lab's kernel never runs again
# (tools/lab/README, "Nested guests"), in either lane. lab-run stops such
# a lab when its heartbeat stops. requeue_frozen NAME: when the lab in
# $out/NAME was stopped so and the registers it saved show user mode each
# time (a lockup of the lab's own kernel shows kernel mode, and fails the
# run), the program it was running goes back to the queue, its partial
# output out of the count (kept in NAME-cut.txt), and it returns 0: the
# lane then boots a new lab (NEXT) on the queue. It says so here. A lane
# is rescued so twice (NAME-b, NAME-c; ci12 and ci13 each froze once, in
# either lane); a third freeze fails the run, as does the deadline.
requeue_frozen() { # NAME NEXT
	local name=$1 next=$2 cut cutline
	grep -q '^hung: no heartbeat' "$out/$name/verdict" 2>/dev/null || return 1
	# User mode each time; or halted (HLT=1, interrupts on) each time
	# with the local APIC's timer vector waiting in IRR: an interrupt the
	# emulator never delivered (ci14's lab-b: halted in the idle loop
	# for 353 s, IRR 236; the user-mode freezes show the same IRR).
	case "$(grep -o 'CPL=[0-9] II=[0-9] A20=[0-9] SMM=[0-9] HLT=[0-9]' "$out/$name/stall.txt" 2>/dev/null |
		sed 's/ II=.* HLT=/ HLT=/' | tail -n 3 | sort -u)" in
	"CPL=3 HLT=0") ;;
	"CPL=0 HLT=1")
		grep -q 'RFL=[0-9a-f]*[2367abef][0-9a-f][0-9a-f] .*HLT=1' "$out/$name/stall.txt" &&
			[ -n "$(grep -a '^IRR' "$out/$name/stall.txt" | tail -n 1 | tr -d '[:space:]' | sed 's/^IRR//; s/(none)//')" ] || return 1 ;;
	*) return 1 ;;
	esac
	cut=$(awk '/^# selftests: / { t = $3; sub(/:$/, "", t); cur = t ":" $4; line = NR }
		/^(not )?ok [0-9]+ selftests: / { cur = "" } END { print cur " " line }' "$out/$name.tap")
	cutline=${cut##* } cut=${cut% *}
	echo "# check: the emulator froze lab $name (registers: $(grep -o 'RIP=[0-9a-f]* .*CPL=[0-9].*HLT=[0-9]' "$out/$name/stall.txt" | tail -n 1); IRR $(grep -a '^IRR' "$out/$name/stall.txt" | tail -n 1 | sed 's/^IRR[[:space:]]*//')); ${cut:-no program} goes back to the queue and a new lab ($next) takes the queue on"
	if [ -n "$cut" ]; then
		tail -n +"$cutline" "$out/$name.tap" > "$out/$name-cut.txt"
		head -n $((cutline - 1)) "$out/$name.tap" > "$out/$name.tap.new" && mv "$out/$name.tap.new" "$out/$name.tap"
		rm -rf "${queue:?}/$cut"
	fi
	return 0
}

# Two lanes, one core each (nested KVM under TCG has one vCPU). Both take
# the stock kernel's programs from one queue ($out/queue, run_tests.sh -q:
# a program runs in the lab that claims it first), so neither lane idles
# while the other has programs left. The first lane: the stock kernel's
# lab with its peer lab host (rxe on the peer link; the peer serves
# peer_run, selftests/lib/rdma.sh) and a directory both hosts share at
# /mnt/lab-shared; it streams here. The second: the debug kernel's lab
# (once its kernel is built) on DEBUG_TESTS, then a second stock lab on
# the queue, without PEER_TESTS (the programs that need the peer host).
# The first lane takes rdma_failover's programs first: most of them are
# PEER_TESTS, which only it can run, so that it does not end on them
# alone.
# Each lab gets the swap tests' disks (its own files on /dev/shm, sparse):
# a good one, one that fails every write, one that fails every read, a 1
# MiB one (256 pages) to fill, and one for the kernel's swap.
lab_disks=(--disk mswap:512M --disk mswapbad:64M:fail-writes
	--disk mswapread:64M:fail-reads --disk mswapsmall:1M --disk kswap:512M)
PEER_TESTS=${MEMSCHED_PEER_TESTS:-replicate.sh link_loss.sh guest_replicate.sh pull.sh failover_poweroff.sh}
# shellcheck disable=SC2086
PEER_TESTS=$(echo $PEER_TESTS)	# one line
queue=$repo/$out/queue
mkdir -p "$queue"
echo "# check: kselftests in the lab (nested KVM, PMEM node, peer host), two lanes on one queue ($out/queue)"
# first_lane_lab NAME: the first lane's lab, run directory $out/NAME, TAP
# in $out/NAME.tap, streamed here; its pid in stock_pid, the tail's in
# tail_pid.
first_lane_lab() {
	tools/lab/lab-run --nested --pmem 1G --mem 4G "${lab_disks[@]}" --timeout "$(lab_timeout "$LAB_TIMEOUT")" \
		--peer 'bash selftests/rdma_failover/peer-agent.sh' --shared /mnt/lab-shared --export "$queue" \
		--out "$out/$1" -- "make -s -C selftests run_tests QUEUE=$queue TARGETS='rdma_failover memsched balloon_guest'" \
		> "$out/$1.tap" &
	stock_pid=$!
	tail -n +1 -F --pid="$stock_pid" "$out/$1.tap" 2>/dev/null &
	tail_pid=$!
}
# second_lane_lab NAME: the second lane's stock lab, on the queue without
# PEER_TESTS, in $out/NAME, its TAP in $out/NAME.tap.
second_lane_lab() {
	tools/lab/lab-run --nested --pmem 1G --mem 4G "${lab_disks[@]}" \
		--timeout "$(lab_timeout "$LAB2_TIMEOUT")" --export "$queue" --out "$out/$1" -- \
		"make -s -C selftests run_tests QUEUE=$queue SKIP='$PEER_TESTS'" \
		> "$out/$1.tap" 2> "$out/$1.err"
}
wait "$dkms_pid"
first_lane_lab lab

debug_cmd=""
if [ "$debug_lab" != 0 ]; then
	if step "debug kernel (scripts/debug-kernel.sh)" wait "$dk_pid" &&
	   dk=$(cat "$out/debug-kernel.dir") &&
	   step "modules for the debug kernel (W=1, -Werror)" \
		$MAKE -s modules-debug DEBUG_KDIR="$dk/build"; then
		echo "# check: kselftests in the lab on the debug kernel $(cat "$dk/kernelrelease") ($dk): ${debug_only:-all}"
		# The host modules are the debug build's; nested guests boot the
		# stock kernel with the stock balloon_guest.ko (GUEST_KMOD_DIR).
		debug_cmd="KMOD_DIR=$repo/build/kmod-debug/kmod GUEST_KMOD_DIR=$repo/kmod $DEBUG_KVM_ST ROUNDS=$DEBUG_FI_ROUNDS make -s -C selftests run_tests $debug_only"
	fi
fi
(
	other_tests
	if [ -n "$debug_cmd" ]; then
		tools/lab/lab-run --kernel-dir "$dk" --nested --pmem 1G --mem 4G \
			"${lab_disks[@]}" --timeout "$(lab_timeout "$LAB_DEBUG_TIMEOUT")" --out "$out/lab-debug" -- \
			"$debug_cmd" > "$out/lab-debug.tap" 2> "$out/lab-debug.err"
	fi
	# Nothing left in the queue: no second stock lab.
	left=0
	for t in $($MAKE -s --no-print-directory -C selftests list_tests SKIP="$PEER_TESTS"); do
		[ -d "$queue/$t" ] || left=$((left + 1))
	done
	if [ "$left" -gt 0 ]; then
		lane2=lab2
		second_lane_lab lab2
		for next in lab2-b lab2-c; do
			requeue_frozen "$lane2" "$next" || break
			second_lane_lab "$next"
			lane2=$next
		done
		echo "$lane2" > "$out/lane2-last"
	fi
) &
lane2_pid=$!

wait "$stock_pid"
wait "$tail_pid" 2>/dev/null
echo "# check: lab accelerator: $(cat "$out/lab/accel" 2>/dev/null) ($(cat "$out/lab/accel_why" 2>/dev/null))"
lane1=lab
for next in lab-b lab-c; do
	requeue_frozen "$lane1" "$next" || break
	first_lane_lab "$next"
	wait "$stock_pid"
	wait "$tail_pid" 2>/dev/null
	lane1=$next
done
lab_verdict "$out/$lane1" "$out/$lane1-infra.tap"
wait "$lane2_pid"
echo "# check: ---- tool tests (native, against a fake sysfs tree) ----"
cat "$out/tools.tap"
echo "# check: ---- dkms (native: make dkms-install into a private tree) ----"
cat "$out/dkms.tap"
echo "# check: ---- the lab's own options (small labs, a peer lab host) ----"
cat "$out/lab-options.tap"
if [ -n "$debug_cmd" ]; then
	echo "# check: ---- the lab on the debug kernel ----"
	cat "$out/lab-debug.tap" "$out/lab-debug.err"
	lab_verdict "$out/lab-debug" "$out/lab-debug-infra.tap"
fi
for l in lab2 lab2-b lab2-c; do
	[ -s "$out/$l.tap" ] || [ -e "$out/$l" ] || continue
	echo "# check: ---- the second stock lab ($l): the programs it took from the queue ----"
	cat "$out/$l.tap" "$out/$l.err"
	# A frozen lab handed its program back and the next one took over:
	# only the lane's last lab has a verdict of its own.
	[ "$l" = "$(cat "$out/lane2-last" 2>/dev/null)" ] && lab_verdict "$out/$l" "$out/$l-infra.tap"
done
finish
