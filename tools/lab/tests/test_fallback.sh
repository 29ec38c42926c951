#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# lab-run's fall-back from KVM to TCG, and that nothing it starts outlives
# it. A fake machine (vmx, a /dev/kvm that opens, nested=Y) makes lab-run
# choose KVM; then:
#   1. with LAB_KVM_BOOT_S=0 the KVM boot can never show stage 1 in time,
#      on any machine: lab-run says so and runs the command under TCG;
#   2. where this machine cannot run the lab under KVM (lab-run
#      --which-accel says tcg), QEMU under KVM exits or stays silent: the
#      same fall-back;
#   3. there too, a forced --accel kvm fails with a clear message instead.
# Every lab-run runs in a session of its own, which must be empty when it
# returns (the stall watcher's sleep once kept make check waiting a minute).
. "$(dirname "$0")/../../../selftests/lib/tap.sh"
. "$(dirname "$0")/lib.sh"
tap_plan 14
lab=$TAP_REPO/tools/lab/lab-run
base=$TAP_REPO/build/lab/test-fallback
rm -rf "$base"
mkdir -p "$base/fake/sys/module/kvm_intel/parameters"
printf 'processor\t: 0\nflags\t\t: fpu msr pae vmx lm\n' > "$base/fake/cpuinfo"
: > "$base/fake/kvm"
echo Y > "$base/fake/sys/module/kvm_intel/parameters/nested"
export LAB_CPUINFO=$base/fake/cpuinfo LAB_KVM_DEV=$base/fake/kvm
export LAB_SYS_MODULE=$base/fake/sys/module

# run_alone NAME ARGS...: lab-run ARGS in a new session; rc in NAME.rc,
# stdout in NAME.out, stderr in NAME.err, processes left over in NAME.left.
# The bound means stuck, not slow: a KVM attempt and then a TCG boot took
# more than 180 s on a loaded CI machine.
run_alone() {
	local name=$1
	shift
	in_session "$base/$name.sid" "$lab" --mem 512M --timeout 600 --out "$base/$name" "$@" \
		> "$base/$name.out" 2> "$base/$name.err"
	echo $? > "$base/$name.rc"
	session_left "$base/$name.sid" > "$base/$name.left"
}

LAB_KVM_BOOT_S=0 run_alone zero -- 'echo RAN-AFTER-FALLBACK'
tap_is "$(cat "$base/zero.rc")" 0 "KVM boot too slow: the run succeeds"
tap_ok "... and lab-run said it chose KVM" grep -q '^lab: accelerator kvm: vmx in' "$base/zero.err"
tap_ok "... and said KVM did not boot the lab" \
	grep -q "^lab: KVM did not boot the lab: nothing from the lab's stage 1 within 0s" "$base/zero.err"
tap_ok "... and that it boots once more under TCG" \
	grep -q '^lab: accelerator tcg: booting the same run once more under TCG' "$base/zero.err"
tap_is "$(cat "$base/zero/accel" 2>&1)" tcg "... and recorded tcg in the run directory"
tap_ok "... and kept the KVM attempt's console" test -f "$base/zero/kvm-attempt/console.log"
tap_ok "... and the command ran once, under TCG" \
	test "$(grep -c '^RAN-AFTER-FALLBACK' "$base/zero.out")" = 1
tap_is "$(cat "$base/zero.left")" "" "nothing lab-run started is left running"

real=$(env -u LAB_CPUINFO -u LAB_KVM_DEV -u LAB_SYS_MODULE "$lab" --which-accel)
if [ "${real%%:*}" = tcg ]; then
	# (10 s is plenty for a QEMU that cannot boot the lab to exit or stay
	# silent; the default 60 only made make check wait.)
	LAB_KVM_BOOT_S=10 run_alone exit -- 'echo RAN-AFTER-FALLBACK'
	tap_is "$(cat "$base/exit.rc")" 0 "KVM that cannot boot the lab: the run succeeds under TCG"
	tap_ok "... and lab-run said why KVM failed" \
		grep -Eq "^lab: KVM did not boot the lab: (QEMU exited with status [0-9]+ before|nothing from)" "$base/exit.err"
	tap_is "$(cat "$base/exit/accel" 2>&1)" tcg "... and recorded tcg"
	LAB_KVM_BOOT_S=10 run_alone forced --accel kvm -- 'echo RAN-UNDER-FORCED-KVM'
	tap_is "$(cat "$base/forced.rc")" 125 "--accel kvm that cannot boot the lab: lab failure (125)"
	tap_ok "... with a message, and no fall-back" \
		grep -q '^lab: FAILED: KVM (forced by --accel) did not boot the lab' "$base/forced.err"
	tap_is "$(cat "$base/exit.left" "$base/forced.left")" "" "nothing lab-run started is left running"
else
	for c in "KVM fails: runs under TCG" "... said why" "... recorded tcg" \
		"forced kvm fails" "... with a message" "nothing left running"; do
		tap_skip "$c" "this machine's KVM boots the lab (${real#*: })"
	done
fi
tap_done
