# SPDX-License-Identifier: GPL-2.0
# TAP helpers for shell kselftests (sourced). Usage:
#   . "$(dirname "$0")/../lib/tap.sh"
#   tap_plan 3; tap_ok "name"; tap_is "$got" "$want" "name"; ...; tap_done
# Each check prints one TAP line and returns non-zero when it failed (so
# "tap_ok ... || show_more" works); tap_done exits 1 if any check failed,
# 4 if the whole test was skipped with tap_skip_all.

TAP_N=0
TAP_FAILED=0
TAP_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KMOD_DIR=${KMOD_DIR:-$TAP_REPO/kmod}
# Modules for nested guests, which boot the stock kernel even when the lab
# host boots the debug kernel (scripts/check.sh).
GUEST_KMOD_DIR=${GUEST_KMOD_DIR:-$KMOD_DIR}

tap_plan() { echo "TAP version 13"; echo "1..$1"; }
tap_diag() { echo "# $*"; }
tap_pass() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N $1"; }
tap_fail() {
	TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N $1"
	shift
	for l in "$@"; do echo "# $l"; done
	return 1
}
tap_skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N $1 # SKIP $2"; }

# tap_ok NAME CMD...: passes when CMD succeeds.
tap_ok() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then tap_pass "$name"; else tap_fail "$name" "command: $*" "$out"; fi
}

# all_of CMD...: passes when every test (separated by --) passes, e.g.
# all_of [ a = a ] -- [ 1 -lt 2 ]; for tap_ok, which takes one command.
all_of() {
	local args=()
	for a in "$@" --; do
		if [ "$a" = -- ]; then
			"${args[@]}" || return 1
			args=()
		else
			args+=("$a")
		fi
	done
}

# tap_is GOT WANT NAME
tap_is() {
	if [ "$1" = "$2" ]; then tap_pass "$3"; else tap_fail "$3" "got '$1', want '$2'"; fi
}

# tap_errno EXPECTED_ERRNO_NAME NAME CMD...: CMD must fail with that error.
# Shell redirections report the errno text; match it.
tap_fails_with() {
	local want=$1 name=$2 out
	shift 2
	if out=$("$@" 2>&1); then
		tap_fail "$name" "command succeeded, want failure '$want': $*"
	elif echo "$out" | grep -q -- "$want"; then
		tap_pass "$name"
	else
		tap_fail "$name" "want '$want', got: $out"
	fi
}

# ms_write VALUE FILE: write like `echo VALUE > FILE`, through bash so that a
# failed write reports the kernel's errno text (dash says "I/O error" for all).
ms_write() {
	bash -c 'echo "$1" > "$2"' ms_write "$1" "$2"
}

# ms_klog_mark: put a unique line into the kernel log; ms_klog prints the
# log since that line. (A line count taken before does not work once the
# ring buffer is full: the count stops growing.)
ms_klog_mark() {
	MS_KLOG_MARK="kselftest mark $$.$RANDOM.$(date +%s%N)"
	echo "$MS_KLOG_MARK" > /dev/kmsg
}
ms_klog() { dmesg | awk -v m="$MS_KLOG_MARK" 'f; index($0, m) { f = 1 }'; }

# ms_memtotal_kb: MemTotal (the managed pages, as the balloon moves them)
ms_memtotal_kb() { awk '/^MemTotal:/ { print $2 }' /proc/meminfo; }

# ms_fail_arm DIR INTERVAL PROBABILITY TIMES: arm a module's fail_alloc
# fault attribute (kmod/fail_alloc.h; Documentation/fault-injection/):
# every INTERVAL-th allocation is a candidate, failing with PROBABILITY %,
# TIMES failures at most (DIR/times counts down), one log line each
# (verbose 1), in every task. "echo 0 > DIR/probability" stops it.
ms_fail_arm() {
	echo "$2" > "$1/interval" &&
	echo 0 > "$1/space" &&
	echo 1 > "$1/verbose" &&
	echo N > "$1/task-filter" &&
	echo "$4" > "$1/times" &&
	echo "$3" > "$1/probability"
}

tap_skip_all() { echo "1..0 # SKIP $*"; exit 4; }

tap_done() {
	[ "$TAP_FAILED" = 0 ] || { echo "# $TAP_FAILED of $TAP_N checks failed"; exit 1; }
	exit 0
}

# ms_insmod MODULE: insmod kmod/MODULE/MODULE.ko after modprobing what it
# depends on (e.g. kvm). Prints the error on failure.
ms_insmod() {
	local ko=$KMOD_DIR/$1/$1.ko dep
	[ -f "$ko" ] || { echo "no $ko (make modules)"; return 1; }
	# Our own modules (rdma_failover uses memsched) from KMOD_DIR, the
	# kernel's through modprobe.
	for dep in $(modinfo -F depends "$ko" | tr ',' ' '); do
		if [ -f "$KMOD_DIR/$dep/$dep.ko" ]; then
			ms_loaded "$dep" || ms_insmod "$dep" || return 1
		else
			modprobe "$dep" || return 1
		fi
	done
	insmod "$ko" "${@:2}"
}

# ms_require_kvm: skip the whole test when the lab has no /dev/kvm.
ms_require_kvm() {
	[ -c /dev/kvm ] || tap_skip_all "no /dev/kvm (the lab runs with --nested in make check)"
}

ms_loaded() { [ -d "/sys/module/$1" ]; }

# ms_unload MOD: unload MOD if loaded, after the modules that hold it
# (rdma_failover holds memsched) and, for memsched, after unmounting its
# memschedfs mounts: a test starts from a clean slate whatever ran before
# it in this lab (make check's labs take programs from a queue, in no
# fixed order).
ms_unload() {
	local h
	ms_loaded "$1" || return 0
	for h in /sys/module/"$1"/holders/*; do
		[ -e "$h" ] && { ms_unload "${h##*/}" || return 1; }
	done
	if [ "$1" = memsched ]; then
		awk '$3 == "memschedfs" { print $2 }' /proc/mounts | sort -r |
			while read -r m; do umount "$m"; done
	fi
	rmmod "$1"
}

# ms_abi VAR: the ABI version constant from include/uapi/memsched.h
ms_abi() { sed -n "s/^#define $1[[:space:]]*\([0-9]*\)$/\1/p" "$TAP_REPO/include/uapi/memsched.h"; }


# ms_stop_pids PID...: SIGTERM (background jobs of a non-interactive shell
# start with SIGINT ignored, and the eBPF tools handle signals only once
# loaded), up to 30 s for them to exit, then SIGKILL. The caller reaps them
# (wait PID, which gives their exit status).
ms_stop_pids() {
	local end=$((SECONDS + 30)) p
	kill -TERM "$@" 2>/dev/null
	for p in "$@"; do
		while kill -0 "$p" 2>/dev/null && [ $SECONDS -lt $end ]; do sleep 0.2; done
		kill -0 "$p" 2>/dev/null && { tap_diag "pid $p ignored SIGTERM for 30 s: SIGKILL"; kill -KILL "$p"; }
	done
	return 0
}

# ms_stall_watch [SECONDS]: in the background, every 5 s, look for a task
# that has slept uninterruptibly (state D) for 100 s on end (the emulator
# pauses the lab for up to 151 s, tools/lab/README, so a report may be one
# of those: it is a diagnostic, never a failure), or (with SECONDS)
# for the test still running SECONDS from now, and then print the state
# and kernel stack of every task, as TAP diagnostics: the sleeper's stack
# says what it waits for, the others' say who holds it. Three reports at
# most, a minute apart. Sets MS_STALL_PID; the caller kills it (its EXIT
# trap) when done.
ms_stall_watch() {
	local limit=${1:-0}
	(
		declare -A seen
		t=0 reports=0 quiet=0
		while [ "$reports" -lt 3 ] && sleep 5; do
			local p s d=
			declare -A now=()
			t=$((t + 5))
			for p in /proc/[0-9]*/task/[0-9]*; do
				read -r s 2>/dev/null < "$p/stat" || continue
				s=${s##*) }
				[ "${s%% *}" = D ] || continue
				p=${p##*/}
				now[$p]=$(( ${seen[$p]:-0} + 1 ))
				[ "${now[$p]}" -ge 20 ] && d="pid $p ($(cat "/proc/$p/comm" 2>/dev/null)) in state D for 100 s"
			done
			seen=()
			for p in "${!now[@]}"; do seen[$p]=${now[$p]}; done
			[ "$limit" -gt 0 ] && [ "$t" -ge "$limit" ] && d="still running after $t s"
			[ -n "$d" ] && [ "$t" -ge "$quiet" ] || continue
			reports=$((reports + 1)) quiet=$((t + 60))
			echo "# stall: $d; every task's state and kernel stack:"
			for p in /proc/[0-9]*/task/[0-9]*; do
				s=$(cat "$p/stack" 2>/dev/null) || continue
				[ -n "$s" ] || continue
				echo "# stall: ${p##*/} $(cat "$p/comm" 2>/dev/null) $(awk '/^State:/ { print $2 }' "$p/status" 2>/dev/null) $(cat "$p/wchan" 2>/dev/null)"
				echo "$s" | sed 's/^/# stall:   /'
			done
		done
	) &
	MS_STALL_PID="$MS_STALL_PID $!"
}
