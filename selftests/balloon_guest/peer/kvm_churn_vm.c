// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_churn_vm - a VMM that keeps replacing its guest RAM, for the balloon
 * test of memsched's gfn->hva translation (issue 11, defect 8).
 *
 *   kvm_churn_vm --ready-file F [--mem-mb N]
 *
 * One VM, no vCPU, one memslot (slot 0) of N MiB (default 16) at guest
 * physical 0, backed by anonymous memory at address A. Over and over, it
 * deletes the slot, moves a freshly written mapping onto A with one
 * mremap() (so the old RAM is gone and the new one is present at once),
 * re-adds the slot and checks the new RAM: every page holds its own tag.
 * A host that translated a guest frame to an address in A while the old
 * slot existed, and zaps that address after the slot was deleted, zeroes a
 * page of the new RAM: the check counts such pages.
 *
 * The ready file gets "PID" once the first slot is in. On SIGTERM it prints
 * "rounds R corrupt C" and exits 0. Exit status 4 (kselftest SKIP) without
 * /dev/kvm, 1 on errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE		4096UL

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "kvm_churn_vm: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void set_slot(int vm, void *hva, uint64_t size)
{
	struct kvm_userspace_memory_region r = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = size,
		.userspace_addr = (uintptr_t)hva,
	};

	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r))
		die("KVM_SET_USER_MEMORY_REGION");
}

int main(int argc, char **argv)
{
	const char *ready = NULL;
	unsigned long mb = 16, pages, i, round = 0, corrupt = 0;
	int kvm, vm, k;
	uint64_t *a, *b;
	FILE *f;

	for (k = 1; k + 1 < argc; k += 2) {
		if (!strcmp(argv[k], "--ready-file"))
			ready = argv[k + 1];
		else if (!strcmp(argv[k], "--mem-mb"))
			mb = strtoul(argv[k + 1], NULL, 0);
	}
	if (!ready || !mb) {
		fprintf(stderr, "usage: kvm_churn_vm --ready-file F [--mem-mb N]\n");
		return 1;
	}
	pages = mb * 256;
	kvm = open("/dev/kvm", O_RDWR);
	if (kvm < 0)
		return 4;
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM");
	a = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		die("mmap");
	for (i = 0; i < pages; i++)
		a[i * PAGE / 8] = i + 1;
	set_slot(vm, a, pages * PAGE);
	signal(SIGTERM, on_term);
	f = fopen(ready, "w");
	if (!f)
		die("ready file");
	fprintf(f, "%d\n", getpid());
	fclose(f);

	while (!stop) {
		uint64_t tag = (uint64_t)(round + 1) << 32;

		/* The next RAM, written before it replaces the current one. */
		b = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (b == MAP_FAILED)
			die("mmap");
		for (i = 0; i < pages; i++)
			b[i * PAGE / 8] = tag | (i + 1);
		set_slot(vm, a, 0);	/* delete: KVM waits for SRCU readers */
		if (mremap(b, pages * PAGE, pages * PAGE,
			   MREMAP_MAYMOVE | MREMAP_FIXED, a) != a)
			die("mremap");
		set_slot(vm, a, pages * PAGE);
		round++;
		usleep(2000);	/* a late zap lands in here, or earlier */
		for (i = 0; i < pages; i++)
			if (a[i * PAGE / 8] != (tag | (i + 1)))
				corrupt++;
	}
	printf("rounds %lu corrupt %lu\n", round, corrupt);
	return 0;
}
