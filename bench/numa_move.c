// SPDX-License-Identifier: GPL-2.0
/*
 * numa_move: the references of bench/hugemove.sh, timed in one process per
 * mode, MB MiB each, between NUMA node 0 and node 1:
 *
 *   copy      the physical limit: two buffers of anonymous memory, one bound
 *             to node 0 and one to node 1 (mbind(2) MPOL_BIND before the
 *             first touch, MADV_HUGEPAGE so that TLB misses cost as little
 *             as they can), filled, their placement checked page by page;
 *             then R rounds of memcpy(node 1 <- node 0) and memcpy(node 0 <-
 *             node 1), each timed. Each round also times the first touch
 *             of a fresh buffer of MB MiB bound to node 1 (MADV_HUGEPAGE,
 *             MADV_POPULATE_WRITE): what allocating the pages costs,
 *             zeroing included (every move allocates its target pages,
 *             and a kernel with init_on_alloc zeroes each one first).
 *             And the same copy node 0 -> node 1 done with "rep movsq"
 *             (x86-64), the instruction the kernel's copy_page() uses,
 *             in case an emulator (QEMU's TCG) runs string instructions
 *             slower than the vector loads and stores of glibc's memcpy;
 *             and the clearing of the node 1 buffer (already in memory)
 *             with "rep stosq", the instruction of the kernel's
 *             clear_page(), as init_on_alloc clears every page a move
 *             allocates: the two together are the floor of a move made
 *             with the kernel's own page primitives.
 *   move-4k   move_pages(2) on anonymous memory in 4 KiB pages
 *             (MADV_NOHUGEPAGE): every page's address, 1024 per call (as
 *             selftests/memsched/vmm/move_pages_peer, the reference of
 *             bench/tiering.sh).
 *   move-thp  move_pages(2) on THP-backed anonymous memory (2 MiB aligned,
 *             MADV_HUGEPAGE): one address per 2 MiB folio, all in one call,
 *             which migrates each THP whole. Passing all 512 addresses of a
 *             THP does not move it faster: the first isolates the folio and
 *             the other 511 only report -EBUSY for the same folio.
 *
 * Both move modes write every page, move everything to node 0 untimed, then
 * R times move all to node 1 and back, each direction timed; after each
 * move (untimed) every page's node is read with move_pages(2) (nodes NULL)
 * and the pages off target counted. The raw syscalls: no libnuma needed.
 *
 *   numa_move --mode copy|move-4k|move-thp --mb N --rounds R
 *
 * Prints one line:
 *   numa_move: mode=M pages=P rounds=R us=U us_to1=A us_to0=B
 *              huge_kb_before=H0 huge_kb_after=H1 not_moved=X
 *              [zero_us=Z rep_us=C stos_us=S]
 * U: the median wall time of one direction over the 2R timed runs (for an
 * even count, the lower middle value), A and B the medians of each
 * direction, in microseconds; H0, H1: AnonHugePages (kB) of the moved
 * memory (of both buffers for copy) before the first and after the last
 * timed run; X: pages off target summed over the runs (copy: pages of the
 * buffers not on their node, checked once); Z and C (copy only): the
 * medians of the first touch of a fresh buffer on node 1 and of the copy
 * by "rep movsq", S of the clearing of the node 1 buffer by "rep stosq"
 * (C and S are 0 where that is not x86-64).
 * Exit: 0, 1 on an error or X > 0, 4 (kselftest SKIP) without node 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <linux/mempolicy.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define GUEST_PROG	"numa_move"
#include "../selftests/memsched/guest/guest_args.h"

#define PAGE		4096UL
#define HUGE		(2UL << 20)
#define CHUNK		1024UL
#define MAX_MB		(1L << 20)
#define MAX_ROUNDS	100000
#define KSFT_SKIP	4
#define NODE1		"/sys/devices/system/node/node1"
#define USAGE		"usage: " GUEST_PROG " --mode copy|move-4k|move-thp --mb N --rounds R"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif

enum mode { COPY, MOVE_4K, MOVE_THP };

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The lower median of N values (sorts them). */
static uint64_t median(uint64_t *v, unsigned long n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[(n - 1) / 2];
}

/* memcpy() of SIZE bytes (a multiple of 8) by "rep movsq"; 0 if none. */
static int rep_copy(void *dst, const void *src, size_t size)
{
#if defined(__x86_64__)
	size_t n = size / 8;

	asm volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
	return 1;
#else
	(void)dst; (void)src; (void)size;
	return 0;
#endif
}

/* memset(DST, 0, SIZE) (a multiple of 8) by "rep stosq"; 0 if none. */
static int rep_clear(void *dst, size_t size)
{
#if defined(__x86_64__)
	size_t n = size / 8;

	asm volatile("rep stosq" : "+D"(dst), "+c"(n) : "a"(0UL) : "memory");
	return 1;
#else
	(void)dst; (void)size;
	return 0;
#endif
}

/* SIZE bytes of anonymous memory aligned to 2 MiB, with ADVICE. */
static char *map_aligned(size_t size, int advice)
{
	char *p = mmap(NULL, size + HUGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		die("mmap %zu bytes: %s", size + HUGE, strerror(errno));
	a = (char *)(((uintptr_t)p + HUGE - 1) & ~(HUGE - 1));
	if (a > p)
		munmap(p, a - p);
	munmap(a + size, p + HUGE - a);
	if (madvise(a, size, advice))
		die("madvise %d: %s", advice, strerror(errno));
	return a;
}

/* Bind [A, A + SIZE) to NODE before its first touch. */
static void bind_node(char *a, size_t size, int node)
{
	unsigned long mask = 1UL << node;

	if (syscall(SYS_mbind, a, size, MPOL_BIND, &mask, sizeof(mask) * 8, 0))
		die("mbind to node %d: %s", node, strerror(errno));
}

/* AnonHugePages (kB) of the mapping that starts at A (/proc/self/smaps). */
static long huge_kb(const char *a)
{
	char line[256], want[32];
	long kb = -1;
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		die("/proc/self/smaps: %s", strerror(errno));
	snprintf(want, sizeof(want), "%lx-", (unsigned long)a);
	while (fgets(line, sizeof(line), f)) {
		/* A mapping's line starts with its address, a field with a capital. */
		if ((line[0] >= '0' && line[0] <= '9') || (line[0] >= 'a' && line[0] <= 'f'))
			in = !strncmp(line, want, strlen(want));
		else if (in && sscanf(line, "AnonHugePages: %ld", &kb) == 1)
			break;
	}
	fclose(f);
	if (kb < 0)
		die("no AnonHugePages for the mapping at %p", (void *)a);
	return kb;
}

/*
 * move_pages(2) of the NR addresses ADDRS to NODE (NODES[] says it),
 * CHUNK per call, or all in one call with ONE.
 */
static void move_all(void **addrs, int *nodes, int *status, unsigned long nr,
		     int node, int one)
{
	unsigned long i, n, step = one ? nr : CHUNK;

	for (i = 0; i < nr; i++)
		nodes[i] = node;
	for (i = 0; i < nr; i += n) {
		n = nr - i < step ? nr - i : step;
		if (syscall(SYS_move_pages, 0, n, addrs + i, nodes + i,
			    status + i, MPOL_MF_MOVE) < 0)
			die("move_pages to node %d: %s", node, strerror(errno));
	}
}

/*
 * The pages of [A, A + PAGES pages) not on NODE, asked with move_pages(2)
 * and nodes NULL (ADDRS and STATUS: PAGES entries of scratch). The first
 * such page is reported once per run of the program.
 */
static unsigned long count_off(char *a, unsigned long pages, void **addrs,
			       int *status, int node)
{
	static int reported;
	unsigned long i, n, off = 0;

	for (i = 0; i < pages; i++) {
		addrs[i] = a + i * PAGE;
		status[i] = INT32_MIN;
	}
	for (i = 0; i < pages; i += n) {
		n = pages - i < CHUNK ? pages - i : CHUNK;
		if (syscall(SYS_move_pages, 0, n, addrs + i, NULL, status + i, 0) < 0)
			die("move_pages (query): %s", strerror(errno));
	}
	for (i = 0; i < pages; i++) {
		if (status[i] == node)
			continue;
		if (!reported++)
			fprintf(stderr, GUEST_PROG ": page %lu is not on node %d: status %d%s%s\n",
				i, node, status[i], status[i] < 0 ? " " : "",
				status[i] < 0 ? strerror(-status[i]) : "");
		off++;
	}
	return off;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'o' },
		{ "mb", required_argument, NULL, 'm' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const names[] = { "copy", "move-4k", "move-thp" };
	unsigned long pages, nr, i, not_moved = 0;
	long mb = 0, rounds = 0, h0, h1;
	uint64_t *us, *to1, *to0, *zero, *rep, *stos, t0;
	int *nodes, *status, c, mode = -1;
	void **addrs, **scratch;
	char *a, *b = NULL, *fresh;
	size_t size;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			for (i = 0; i < 3; i++)
				if (!strcmp(optarg, names[i]))
					mode = i;
			if (mode < 0)
				die("--mode takes copy, move-4k or move-thp, not '%s'", optarg);
			break;
		case 'm': mb = parse("mb", optarg, 1, MAX_MB); break;
		case 'r': rounds = parse("rounds", optarg, 1, MAX_ROUNDS); break;
		case 'h': puts(USAGE); return 0;
		default: die("option '%s' is unknown or lacks its value; " USAGE, argv[optind - 1]);
		}
	}
	if (optind < argc)
		die("unexpected argument '%s'", argv[optind]);
	if (mode < 0 || !mb || !rounds)
		die("--mode, --mb and --rounds are required; " USAGE);
	if (access(NODE1, F_OK)) {
		fprintf(stderr, GUEST_PROG ": NUMA node 1 does not exist (no %s)\n", NODE1);
		return KSFT_SKIP;
	}

	size = (size_t)mb << 20;
	pages = size / PAGE;
	addrs = calloc(pages, sizeof(*addrs));
	scratch = calloc(pages, sizeof(*scratch));
	nodes = calloc(pages, sizeof(*nodes));
	status = calloc(pages, sizeof(*status));
	us = calloc(2 * rounds, sizeof(*us));
	to1 = calloc(rounds, sizeof(*to1));
	to0 = calloc(rounds, sizeof(*to0));
	zero = calloc(rounds, sizeof(*zero));
	rep = calloc(rounds, sizeof(*rep));
	stos = calloc(rounds, sizeof(*stos));
	if (!addrs || !scratch || !nodes || !status || !us || !to1 || !to0 ||
	    !zero || !rep || !stos)
		die("out of memory");

	a = map_aligned(size, mode == MOVE_4K ? MADV_NOHUGEPAGE : MADV_HUGEPAGE);
	if (mode == COPY) {
		b = map_aligned(size, MADV_HUGEPAGE);
		bind_node(a, size, 0);
		bind_node(b, size, 1);
		memset(b, 0x5a, size);
	}
	for (i = 0; i < pages; i++)
		memset(a + i * PAGE, (int)(i & 0xff) | 1, PAGE);

	if (mode == COPY) {
		not_moved = count_off(a, pages, scratch, status, 0) +
			    count_off(b, pages, scratch, status, 1);
		h0 = huge_kb(a) + huge_kb(b);
		for (i = 0; i < (unsigned long)rounds; i++) {
			t0 = now_us();
			memcpy(b, a, size);
			to1[i] = now_us() - t0;
			t0 = now_us();
			memcpy(a, b, size);
			to0[i] = now_us() - t0;
			fresh = map_aligned(size, MADV_HUGEPAGE);
			bind_node(fresh, size, 1);
			t0 = now_us();
			if (madvise(fresh, size, MADV_POPULATE_WRITE))
				die("madvise(MADV_POPULATE_WRITE): %s", strerror(errno));
			zero[i] = now_us() - t0;
			munmap(fresh, size);
			t0 = now_us();
			rep[i] = rep_copy(b, a, size) ? now_us() - t0 : 0;
			t0 = now_us();
			stos[i] = rep_clear(b, size) ? now_us() - t0 : 0;
		}
		for (i = 0; i < pages; i += 97)
			if ((unsigned char)a[i * PAGE + 17] != ((i & 0xff) | 1))
				die("page %lu changed by the copies", i);
		h1 = huge_kb(a) + huge_kb(b);
	} else {
		/* move-thp: the first page of every 2 MiB; move-4k: every page. */
		unsigned long step = mode == MOVE_THP ? HUGE / PAGE : 1;

		for (nr = 0, i = 0; i < pages; i += step)
			addrs[nr++] = a + i * PAGE;
		move_all(addrs, nodes, status, nr, 0, mode == MOVE_THP);
		if (count_off(a, pages, scratch, status, 0))
			die("not every page reached node 0 before the timed moves");
		h0 = huge_kb(a);
		for (i = 0; i < 2 * (unsigned long)rounds; i++) {
			int node = i % 2 ? 0 : 1;

			t0 = now_us();
			move_all(addrs, nodes, status, nr, node, mode == MOVE_THP);
			*(node ? &to1[i / 2] : &to0[i / 2]) = now_us() - t0;
			not_moved += count_off(a, pages, scratch, status, node);
		}
		h1 = huge_kb(a);
	}
	for (i = 0; i < (unsigned long)rounds; i++) {
		us[2 * i] = to1[i];
		us[2 * i + 1] = to0[i];
	}
	printf(GUEST_PROG ": mode=%s pages=%lu rounds=%ld us=%llu us_to1=%llu us_to0=%llu huge_kb_before=%ld huge_kb_after=%ld not_moved=%lu",
	       names[mode], pages, rounds,
	       (unsigned long long)median(us, 2 * rounds),
	       (unsigned long long)median(to1, rounds),
	       (unsigned long long)median(to0, rounds), h0, h1, not_moved);
	if (mode == COPY)
		printf(" zero_us=%llu rep_us=%llu stos_us=%llu",
		       (unsigned long long)median(zero, rounds),
		       (unsigned long long)median(rep, rounds),
		       (unsigned long long)median(stos, rounds));
	putchar('\n');
	return not_moved ? 1 : 0;
}
