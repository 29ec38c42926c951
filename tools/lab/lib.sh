# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the lab scripts (sourced, not executed).

# Kernel log lines that fail a run whatever the command returned: oops, BUG
# (KASAN, KFENCE, sleeping in atomic context, scheduling while atomic, soft
# lockup), WARN, lockdep, UBSAN, list corruption, debugobjects (ODEBUG), RCU
# stalls, hung tasks, panic. Only lines carrying a printk timestamp count,
# so a program printing "WARNING:" cannot fail a run. Tested by
# tools/lab/tests/test_splats.sh.
LAB_SPLAT_RE='^\[ *[0-9]+\.[0-9]+\] .*(Oops|BUG:|WARNING: CPU:|kernel BUG at|general protection fault|cut here|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|bad unlock balance|held lock freed|lock held when returning|DEBUG_LOCKS_WARN_ON|UBSAN:|list_(add|del) corruption|ODEBUG:|detected stalls? on CPU|self-detected stall|INFO: task .* blocked for more than|Kernel panic|RIP: )'

# The lab's stall detectors wait longer than a bare-metal kernel's: the
# host stops a TCG vCPU now and then for over 20 s at a stroke (the kernel
# then logs "clocksource: Long readout interval" of that length), and the
# stock thresholds (soft lockup 20 s, RCU stall 21 s) report each such
# pause as a stall of ours. These are syzkaller's values for kernels under
# test in VMs; a CPU really stuck in our code is still reported.
LAB_STALL_ARGS="watchdog_thresh=55 rcupdate.rcu_cpu_stall_timeout=100"

# Where the kernel's own boot ends: nothing of ours (modules, tests, user
# space) has run before this line.
LAB_BOOT_END='Run /init as init process'

# lab_log_part FILE after|boot: the lines after LAB_BOOT_END, or before it;
# a log without that line is all "after".
lab_log_part() {
	[ -f "$1" ] || return 0
	if grep -aq "$LAB_BOOT_END" "$1"; then
		awk -v part="$2" -v m="$LAB_BOOT_END" \
			'index($0, m) { seen = 1; next } (part == "boot") != seen' "$1"
	elif [ "$2" = after ]; then
		cat "$1"
	fi
}

# lab_splats FILE...: print the offending kernel lines (nothing if clean),
# from after the kernel's own boot. A report during the boot itself (seen
# twice: KASAN in handle_edge_irq from an interrupt in identify_cpu, debug
# kernel under TCG) cannot come from our code; lab_boot_splats prints those,
# and lab-run reports them without failing the run.
lab_splats() { lab_splats_in after "$@"; }
lab_boot_splats() { lab_splats_in boot "$@"; }
lab_splats_in() { # after|boot FILE...
	local part=$1 f
	shift
	for f in "$@"; do lab_log_part "$f" "$part"; done |
		tr -d '\r' | grep -aE "$LAB_SPLAT_RE" | head -n 40
}

# lab_splat_report FILE...: the first report after the boot with the lines
# that follow it (the stack, the task, the registers: LAB_SPLAT_CONTEXT
# lines, default 45), from the first FILE that has one; nothing if clean.
# make check prints it above its summary, so that the tail of a CI log,
# which is all that outlives the machine, says where the kernel stood.
lab_splat_report() {
	local f
	for f in "$@"; do
		[ -n "$(lab_splats "$f")" ] || continue
		lab_log_part "$f" after | tr -d '\r' |
			grep -aE -m 1 -A "${LAB_SPLAT_CONTEXT:-45}" "$LAB_SPLAT_RE"
		return 0
	done
}

lab_die() {
	echo "lab: $*" >&2
	exit 2
}

# lab_size_mb 4G -> 4096; 512M -> 512
lab_size_mb() {
	case "$1" in
	*[Gg]) echo $(( ${1%[Gg]} * 1024 )) ;;
	*[Mm]) echo "${1%[Mm]}" ;;
	*[!0-9]*|"") lab_die "bad size '$1' (accepted: NUMBER followed by M or G)" ;;
	*) echo "$1" ;;
	esac
}

# CPU model of nested guests. Plain "host" under an emulated (TCG) SVM makes
# the guest kernel WARN in fpu__init_system_xstate (XSAVE size mismatch), so
# the default hides XSAVE (verified clean in the lab; so is qemu64).
LAB_GUEST_CPU=${LAB_GUEST_CPU:-host,-xsave}

# lab_choose_accel FORCED NESTED: pick the lab's QEMU accelerator and say
# why. Sets LAB_ACCEL (kvm or tcg) and LAB_ACCEL_WHY (one line). FORCED is
# "", kvm or tcg (--accel); NESTED is 1 when the lab must offer nested KVM.
# KVM is used only when all of these hold:
#   - the CPU advertises hardware virtualization (vmx or svm in cpuinfo);
#   - /dev/kvm opens for reading and writing;
#   - for NESTED, the host's kvm_intel/kvm_amd offers nested virtualization.
# A /dev/kvm alone proves nothing: a paravirtual hypervisor's (kvm_pvm) runs
# tiny guests but cannot boot Debian's kernel (tools/lab/README, "The accelerator").
# LAB_CPUINFO, LAB_KVM_DEV and LAB_SYS_MODULE replace /proc/cpuinfo,
# /dev/kvm and /sys/module in tests.
lab_choose_accel() {
	local forced=$1 nested=$2 cpuinfo=${LAB_CPUINFO:-/proc/cpuinfo}
	local dev=${LAB_KVM_DEV:-/dev/kvm} sysmod=${LAB_SYS_MODULE:-/sys/module}
	local flag="" mod="" param=""

	LAB_ACCEL=tcg
	case "$forced" in
	kvm|tcg)
		LAB_ACCEL=$forced LAB_ACCEL_WHY="forced by --accel"
		return 0 ;;
	"") ;;
	*) return 1 ;;
	esac
	if grep -qw vmx "$cpuinfo" 2>/dev/null; then
		flag=vmx mod=kvm_intel
	elif grep -qw svm "$cpuinfo" 2>/dev/null; then
		flag=svm mod=kvm_amd
	fi
	if [ -z "$flag" ]; then
		if [ -e "$dev" ]; then
			LAB_ACCEL_WHY="no vmx or svm in $cpuinfo: $dev is not hardware KVM (a paravirtual one, such as kvm_pvm, cannot boot the lab kernel)"
		else
			LAB_ACCEL_WHY="no vmx or svm in $cpuinfo and no $dev"
		fi
		return 0
	fi
	# (<> would create a missing file: test for it first.)
	if [ ! -e "$dev" ] || ! { exec 9<>"$dev"; } 2>/dev/null; then
		LAB_ACCEL_WHY="$flag in $cpuinfo, but $dev does not open for reading and writing"
		return 0
	fi
	exec 9>&-
	if [ "$nested" = 1 ]; then
		param=$(cat "$sysmod/$mod/parameters/nested" 2>/dev/null)
		case "$param" in
		Y|y|1) ;;
		"")
			LAB_ACCEL_WHY="$flag in $cpuinfo and $dev opens, but $mod offers no nested virtualization (no $sysmod/$mod/parameters/nested), which --nested needs"
			return 0 ;;
		*)
			LAB_ACCEL_WHY="$flag in $cpuinfo and $dev opens, but $mod has nested=$param (load it with nested=1), which --nested needs"
			return 0 ;;
		esac
	fi
	LAB_ACCEL=kvm
	LAB_ACCEL_WHY="$flag in $cpuinfo, $dev opens${param:+, $mod nested=$param}"
}

# lab_kill_tree PID: end PID and every process it started. Each process is
# stopped before its children are listed, so none can start another or be
# reparented out of reach while the tree is taken down.
lab_kill_tree() {
	local kid
	kill -STOP "$1" 2>/dev/null || return 0
	for kid in $(pgrep -P "$1"); do
		lab_kill_tree "$kid"
	done
	kill -TERM "$1" 2>/dev/null
	kill -CONT "$1" 2>/dev/null
}

# lab_kill_children: end every process this shell started, and theirs.
lab_kill_children() {
	local kids kid
	kids=$(pgrep -P $$)
	for kid in $kids; do
		lab_kill_tree "$kid"
	done
}
