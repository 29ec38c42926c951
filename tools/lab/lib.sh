# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the lab scripts (sourced, not executed).

# Kernel log lines that fail a run whatever the command returned: oops, BUG,
# WARN, lockdep, KASAN/UBSAN, hung task, panic. Only lines carrying a printk
# timestamp count, so a program printing "WARNING:" cannot fail a run.
LAB_SPLAT_RE='^\[ *[0-9]+\.[0-9]+\] .*(Oops|BUG:|WARNING: CPU:|kernel BUG at|general protection fault|cut here|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|bad unlock balance|held lock freed|lock held when returning|KASAN|UBSAN|INFO: task .* blocked for more than|Kernel panic|RIP: )'

# lab_splats FILE...: print the offending kernel lines (nothing if clean).
lab_splats() {
	cat "$@" 2>/dev/null | tr -d '\r' | grep -aE "$LAB_SPLAT_RE" | head -n 40
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
