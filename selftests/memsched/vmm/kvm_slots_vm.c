// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_slots_vm - a VMM with memslots and no vCPU, for memsched's lifecycle
 * and sizing tests.
 *
 *   kvm_slots_vm --ready-file F [--slot-mb N] [--late-slot-mb N]
 *                [--touch-mb N] [--orphan]
 *
 * Creates one VM with one memslot (slot 0) of --slot-mb MiB at guest
 * physical 0, backed by an anonymous MAP_NORESERVE mapping, so that a huge
 * slot (a TiB) costs no memory until it is touched. --touch-mb writes the
 * first N MiB of it, so that much is resident. --late-slot-mb adds slot 1,
 * right after slot 0, when SIGUSR1 arrives (a VMM that grows its declared
 * memory after memsched attached); the ready file is then rewritten with
 * "PID grown".
 *
 * --orphan: the VM outlives its mm. A child keeps the VM's file open and
 * the process that created the VM (whose mm the VM belongs to) exits. The
 * child writes the ready file once that mm is gone; attaching its pid finds
 * a live VM whose mm can no longer be registered on.
 *
 * The ready file gets "PID" (the pid that has the VM open) once everything
 * is set up. Runs until killed. Exit status 4 (kselftest SKIP) when there
 * is no /dev/kvm, 1 on errors (with one line on stderr).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define PROG		"kvm_slots_vm"
#define KSFT_SKIP	4
#define MIB		(1ULL << 20)

static volatile sig_atomic_t grow;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, PROG ": ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static unsigned long long parse_mb(const char *opt, const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || v > (64ULL << 20))
		die("--%s: accepted: a number of MiB up to %llu, got '%s'", opt,
		    64ULL << 20, s);
	return v;
}

static void write_ready(const char *path, const char *what)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		die("%s: %s", tmp, strerror(errno));
	fprintf(f, "%d%s%s\n", getpid(), what ? " " : "", what ? what : "");
	if (fclose(f) || rename(tmp, path))
		die("%s: %s", path, strerror(errno));
}

static void add_slot(int vm, unsigned int id, unsigned long long base_mb,
		     unsigned long long mb, unsigned long long touch_mb)
{
	struct kvm_userspace_memory_region r = {
		.slot = id,
		.guest_phys_addr = base_mb * MIB,
		.memory_size = mb * MIB,
	};
	unsigned long long off;
	char *mem;

	mem = mmap(NULL, mb * MIB, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap %llu MiB: %s", mb, strerror(errno));
	for (off = 0; off < touch_mb * MIB && off < mb * MIB; off += 4096)
		mem[off] = 1;
	r.userspace_addr = (uintptr_t)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r))
		die("KVM_SET_USER_MEMORY_REGION slot %u (%llu MiB at %llu MiB): %s",
		    id, mb, base_mb, strerror(errno));
}

static void on_usr1(int sig)
{
	(void)sig;
	grow = 1;
}

int main(int argc, char **argv)
{
	unsigned long long slot_mb = 64, late_mb = 0, touch_mb = 0;
	const char *ready = NULL;
	int i, kvm, vm, orphan = 0;
	pid_t parent;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--orphan")) {
			orphan = 1;
			continue;
		}
		if (!v)
			die("%s: missing value", a);
		i++;
		if (!strcmp(a, "--ready-file"))
			ready = v;
		else if (!strcmp(a, "--slot-mb"))
			slot_mb = parse_mb("slot-mb", v);
		else if (!strcmp(a, "--late-slot-mb"))
			late_mb = parse_mb("late-slot-mb", v);
		else if (!strcmp(a, "--touch-mb"))
			touch_mb = parse_mb("touch-mb", v);
		else
			die("unknown option %s (accepted: --ready-file F --slot-mb N --late-slot-mb N --touch-mb N --orphan)", a);
	}
	if (!ready || !slot_mb)
		die("--ready-file and a non-zero --slot-mb are needed");

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		if (errno == ENOENT)
			return KSFT_SKIP;
		die("/dev/kvm: %s", strerror(errno));
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM: %s", strerror(errno));
	add_slot(vm, 0, 0, slot_mb, touch_mb);

	if (orphan) {
		parent = getpid();
		switch (fork()) {
		case -1:
			die("fork: %s", strerror(errno));
		case 0:
			/* exit_mm() runs before the parent's exit reparents us */
			while (getppid() == parent)
				usleep(10000);
			write_ready(ready, NULL);
			for (;;)
				pause();
		default:
			_exit(0);
		}
	}

	signal(SIGUSR1, on_usr1);
	write_ready(ready, NULL);
	for (;;) {
		pause();
		if (grow && late_mb) {
			grow = 0;
			add_slot(vm, 1, slot_mb, late_mb, 0);
			write_ready(ready, "grown");
			late_mb = 0;
		}
	}
}
