#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The lab's accelerator rule (lab_choose_accel in tools/lab/lib.sh), natively,
# against fake cpuinfo, /dev/kvm and /sys/module trees: KVM only with vmx or
# svm, a /dev/kvm that opens, and nested virtualization offered when the lab
# needs it; TCG otherwise; --accel forces either. Then lab-run --which-accel
# on this machine says the same as the rule does.
. "$(dirname "$0")/../../../selftests/lib/tap.sh"
. "$TAP_REPO/tools/lab/lib.sh"
tap_plan 16
fake=$(mktemp -d)
trap 'rm -rf "$fake"' EXIT

# machine NAME FLAG DEV NESTED: a fake machine under $fake/NAME. FLAG is
# vmx, svm or none; DEV is yes or no (a /dev/kvm that opens); NESTED is the
# kvm module's nested parameter, or "-" for a module without one.
machine() {
	local d=$fake/$1 mod=kvm_intel
	mkdir -p "$d/sys/module"
	[ "$2" = svm ] && mod=kvm_amd
	printf 'processor\t: 0\nflags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep%s lm\n' \
		"$( [ "$2" = none ] || echo " $2")" > "$d/cpuinfo"
	[ "$3" = yes ] && : > "$d/kvm"
	mkdir -p "$d/sys/module/$mod/parameters"
	[ "$4" = - ] || echo "$4" > "$d/sys/module/$mod/parameters/nested"
}

# choose NAME FORCED NESTED: prints "ACCEL|WHY" for the fake machine NAME.
choose() {
	LAB_CPUINFO=$fake/$1/cpuinfo LAB_KVM_DEV=$fake/$1/kvm \
		LAB_SYS_MODULE=$fake/$1/sys/module lab_choose_accel "$2" "$3" || return 1
	echo "$LAB_ACCEL|$LAB_ACCEL_WHY"
}

machine vmx vmx yes Y
machine svm svm yes 1
machine pvm none yes -
machine bare none no -
machine nodev vmx no Y
machine nonest svm yes 0
machine noparam vmx yes -

accel_of() { choose "$@" | cut -d'|' -f1; }
why_of() { choose "$@" | cut -d'|' -f2-; }

tap_is "$(accel_of vmx "" 1)" kvm "vmx, /dev/kvm, kvm_intel nested=Y: kvm"
tap_is "$(accel_of svm "" 1)" kvm "svm, /dev/kvm, kvm_amd nested=1: kvm"
tap_is "$(accel_of pvm "" 0)" tcg "/dev/kvm without vmx or svm (kvm_pvm): tcg"
tap_ok "... and the reason names the missing flag and /dev/kvm" \
	grep -q "no vmx or svm in .*is not hardware KVM" <<< "$(why_of pvm "" 0)"
tap_is "$(accel_of bare "" 1)" tcg "neither flag nor /dev/kvm: tcg"
tap_is "$(accel_of nodev "" 0)" tcg "vmx without a /dev/kvm: tcg"
tap_ok "... and the reason says /dev/kvm does not open" \
	grep -q "does not open" <<< "$(why_of nodev "" 0)"
tap_is "$(accel_of nonest "" 1)" tcg "--nested, kvm_amd nested=0: tcg"
tap_ok "... and the reason says nested=0" grep -q "nested=0" <<< "$(why_of nonest "" 1)"
tap_is "$(accel_of nonest "" 0)" kvm "without --nested, kvm_amd nested=0 is enough: kvm"
tap_is "$(accel_of noparam "" 1)" tcg "--nested, kvm_intel without a nested parameter: tcg"
tap_is "$(accel_of vmx tcg 1)" tcg "--accel tcg forces tcg where kvm would do"
tap_is "$(choose pvm kvm 1)" "kvm|forced by --accel" "--accel kvm forces kvm, and says so"
tap_ok "--accel with anything else is refused" \
	bash -c '. "$1"; ! lab_choose_accel qemu 0' sh "$TAP_REPO/tools/lab/lib.sh"

# This machine: lab-run --which-accel follows the same rule.
LAB_ACCEL="" LAB_ACCEL_WHY=""
lab_choose_accel "" 1
got=$("$TAP_REPO/tools/lab/lab-run" --nested --which-accel 2>&1)
tap_is "$got" "$LAB_ACCEL: $LAB_ACCEL_WHY" "lab-run --which-accel --nested on this machine"
tap_diag "this machine: $got"
got=$("$TAP_REPO/tools/lab/lab-run" --accel tcg --which-accel 2>&1)
tap_is "$got" "tcg: forced by --accel" "lab-run --accel tcg --which-accel"
tap_done
