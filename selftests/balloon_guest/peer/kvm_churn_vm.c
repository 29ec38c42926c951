// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_churn_vm - a VMM that keeps moving its guest RAM, for the balloon
 * test of memsched's gfn->hva translation (it holds only inside KVM's SRCU
 * read-side section).
 *
 *   kvm_churn_vm --ready-file F [--mem-mb N]
 *
 * One VM, no vCPU, one memslot (slot 0) of N MiB (default 16) at guest
 * physical 0. Its RAM lives at one of two addresses, X or Y, in turn. Over
 * and over, it deletes the slot, moves freshly written RAM onto the other
 * address with one mremap(), adds the slot back there, and moves a freshly
 * written canary mapping onto the address the RAM just left. A host that
 * translated a guest frame to an address while the old slot existed and
 * zaps it after the slot was deleted (a stale translation) zeroes a page
 * of the canary; ballooning the current RAM never touches it. Before a
 * canary is replaced, its pages are checked.
 *
 * The ready file gets "PID" once the first slot is in. On SIGTERM it prints
 * "rounds R corrupt C" (C: canary pages found zeroed) and exits 0. Exit
 * status 4 (kselftest SKIP) without /dev/kvm, 1 on errors.
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

/* A fresh mapping of @pages pages, each page's first word tag | index. */
static uint64_t *fresh(unsigned long pages, uint64_t tag)
{
	uint64_t *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long i;

	if (p == MAP_FAILED)
		die("mmap");
	for (i = 0; i < pages; i++)
		p[i * PAGE / 8] = tag | (i + 1);
	return p;
}

static void move_onto(uint64_t *from, uint64_t *to, unsigned long pages)
{
	if (mremap(from, pages * PAGE, pages * PAGE,
		   MREMAP_MAYMOVE | MREMAP_FIXED, to) != to)
		die("mremap");
}

int main(int argc, char **argv)
{
	const char *ready = NULL;
	unsigned long mb = 16, pages, i, round = 0, corrupt = 0;
	uint64_t *at[2], canary_tag = 0, *r, *c;
	int kvm, vm, k, cur = 0;
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
	/* X and Y: RAM at X, a canary at Y. */
	at[0] = fresh(2 * pages, 0);
	at[1] = at[0] + pages * PAGE / 8;
	canary_tag = 1ULL << 62;
	move_onto(fresh(pages, canary_tag), at[1], pages);
	set_slot(vm, at[0], pages * PAGE);
	signal(SIGTERM, on_term);
	f = fopen(ready, "w");
	if (!f)
		die("ready file");
	fprintf(f, "%d\n", getpid());
	fclose(f);

	for (;;) {
		uint64_t *canary = at[!cur];

		for (i = 0; i < pages; i++)
			if (canary[i * PAGE / 8] != (canary_tag | (i + 1)))
				corrupt++;
		if (stop)
			break;
		round++;
		r = fresh(pages, (uint64_t)round << 32);
		canary_tag = (1ULL << 62) | ((uint64_t)round << 32);
		c = fresh(pages, canary_tag);
		set_slot(vm, at[cur], 0);	/* KVM waits for SRCU readers */
		move_onto(r, at[!cur], pages);
		set_slot(vm, at[!cur], pages * PAGE);
		move_onto(c, at[cur], pages);	/* the RAM's old place */
		cur = !cur;
		usleep(2000);
	}
	printf("rounds %lu corrupt %lu\n", round, corrupt);
	return 0;
}
