#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# lab_splats (tools/lab/lib.sh) catches every report the debug kernel's
# options make, and nothing a program prints or a clean boot logs. Lines as
# the 6.1 kernel prints them.
. "$(dirname "$0")/../../../selftests/lib/tap.sh"
. "$TAP_REPO/tools/lab/lib.sh"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

splat=(
	"KASAN|[   12.345678] BUG: KASAN: use-after-free in process_one_work+0x1c/0x4a0"
	"KFENCE|[   12.345678] BUG: KFENCE: out-of-bounds read in msched_x+0x10/0x20"
	"UBSAN|[   12.345678] UBSAN: array-index-out-of-bounds in kmod/memsched/sample.c:42:7"
	"lockdep cycle|[   12.345678] WARNING: possible circular locking dependency detected"
	"lockdep recursion|[   12.345678] WARNING: possible recursive locking detected"
	"DEBUG_LOCKS_WARN_ON|[   12.345678] DEBUG_LOCKS_WARN_ON(lock->magic != lock)"
	"lockdep assertion|[   12.345678] WARNING: CPU: 0 PID: 77 at kmod/memsched/sample.c:337 __msched_sample_snapshot+0x5e/0x80 [memsched]"
	"list_add corruption|[   12.345678] list_add corruption. prev->next should be next (ffff888003a1c0c8), but was dead000000000100."
	"list_del corruption|[   12.345678] list_del corruption, ffffea0000123448->next is LIST_POISON1 (dead000000000100)"
	"ODEBUG|[   12.345678] ODEBUG: free active (active state 0) object: 00000000a1b2c3d4 object type: work_struct hint: msched_release_work+0x0/0x90 [memsched]"
	"sleeping in atomic|[   12.345678] BUG: sleeping function called from invalid context at mm/slab.h:723"
	"scheduling while atomic|[   12.345678] BUG: scheduling while atomic: kworker/0:1/42/0x00000002"
	"soft lockup|[   34.000001] watchdog: BUG: soft lockup - CPU#0 stuck for 23s! [kworker/u2:2:99]"
	"RCU stall|[   40.000000] rcu: INFO: rcu_preempt self-detected stall on CPU"
	"RCU stall (other CPU)|[   40.000000] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:"
	"hung task|[  100.000000] INFO: task kworker/0:2:51 blocked for more than 30 seconds."
	"oops|[   12.345678] general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1] PREEMPT SMP KASAN"
)
clean=(
	"boot line|[    0.000000] Linux version 6.1.0-57-amd64 (debian-kernel@lists.debian.org)"
	"KASAN init|[    0.000000] KASAN: KernelAddressSanitizer initialized"
	"program output without a timestamp|WARNING: CPU: this line was printed by a test program"
	"lockdep banner|[    0.000000] Lock dependency validator: Copyright (c) 2006 Red Hat, Inc., Ingo Molnar"
	"memsched line|[   12.345678] memsched: attached VM of pid 77"
)
tap_plan $(( ${#splat[@]} + ${#clean[@]} + 8 ))
for c in "${splat[@]}"; do
	printf '%s\n' "${c#*|}" > "$log"
	got=$(lab_splats "$log")
	tap_ok "caught: ${c%%|*}" test -n "$got"
done
for c in "${clean[@]}"; do
	printf '%s\n' "${c#*|}" > "$log"
	got=$(lab_splats "$log")
	tap_is "$got" "" "not a splat: ${c%%|*}"
done

# The kernel's own boot (before it runs /init) is not ours: a report there
# is a boot splat, reported apart; the same report after it fails the run.
printf '%s\n' "[    4.101825] BUG: KASAN: wild-memory-access in do_raw_spin_lock+0x11a/0x270" \
	"[   19.139812] Run /init as init process" "lab-init1: stage 1" > "$log"
tap_is "$(lab_splats "$log")" "" "a report during the kernel's boot does not fail the run"
tap_ok "  ... it is a boot splat" sh -c ". '$TAP_REPO/tools/lab/lib.sh'; lab_boot_splats '$log' | grep -q wild-memory-access"
printf '%s\n' "[   19.139812] Run /init as init process" \
	"[   40.000000] BUG: KASAN: wild-memory-access in do_raw_spin_lock+0x11a/0x270" > "$log"
tap_ok "the same report after the boot is a splat" sh -c ". '$TAP_REPO/tools/lab/lib.sh'; lab_splats '$log' | grep -q wild-memory-access"
tap_is "$(lab_boot_splats "$log")" "" "  ... and not a boot splat"

# lab_splat_report: the first report after the boot, with what follows it,
# from the first log that has one.
clean_log=$(mktemp)
trap 'rm -f "$log" "$clean_log"' EXIT
printf '%s\n' "[    1.000000] Run /init as init process" "[    2.000000] memsched: loaded" > "$clean_log"
{
	printf '%s\n' "[    4.101825] BUG: KASAN: wild-memory-access in boot_only+0x1/0x2" \
		"[   19.139812] Run /init as init process" \
		"[  947.741928] rcu: INFO: rcu_preempt self-detected stall on CPU" \
		"[  947.741929] rcu: 	0-....: (100002 ticks this GP)"
	for i in $(seq 1 60); do echo "[  947.8000$((10 + i))] frame $i"; done
	echo "[  990.000000] BUG: soft lockup - CPU#0 stuck for 60s!"
} > "$log"
report=$(lab_splat_report "$clean_log" "$log")
tap_is "$(echo "$report" | head -n 1)" "[  947.741928] rcu: INFO: rcu_preempt self-detected stall on CPU" "the report starts at the first splat after the boot, in the first log that has one"
tap_is "$(echo "$report" | wc -l)" 46 "  ... and carries the 45 lines after it"
tap_is "$(echo "$report" | sed -n 3p)" "[  947.800011] frame 1" "  ... the stack included"
tap_is "$(lab_splat_report "$clean_log")" "" "a clean log has no report"
tap_done
