// SPDX-License-Identifier: GPL-2.0
/*
 * move_pages_peer: the kernel's own page migration, timed, as the reference
 * for memsched's moves (bench/tiering.sh). It maps N MiB, anonymous
 * MAP_PRIVATE (no THP, so every page is 4 KiB) or, with --file, MAP_SHARED
 * of PATH (opened O_RDWR|O_CREAT, extended to N MiB if smaller), writes every
 * page, moves them all to node 0 once untimed, then R times moves every page
 * node 0 -> node 1 and back with move_pages(2) (pid 0, MPOL_MF_MOVE, 1024
 * pages per call; the raw syscall, so no libnuma is needed). After each move
 * it counts the pages whose status is not the target node.
 *
 *   move_pages_peer --mb N --rounds R [--file PATH]
 *
 * Prints one line:
 *   move_pages_peer: pages=P rounds=R us_per_round=U not_moved=X
 * U is the median wall time of one direction (all P pages) over the 2R
 * timed moves, in microseconds (for an even count, the lower middle value);
 * X is the number of pages off target summed over those moves.
 * Exit: 0 all moved, 1 error or X > 0, 4 (kselftest SKIP) when NUMA node 1
 * does not exist.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/mempolicy.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PROG		"move_pages_peer"
#define GUEST_PROG	PROG
#include "../guest/guest_args.h"
#define PAGE		4096UL
#define CHUNK		1024UL
#define MAX_MB		(1L << 20)
#define MAX_ROUNDS	100000
#define KSFT_SKIP	4
#define NODE1		"/sys/devices/system/node/node1"
#define USAGE		"usage: " PROG " --mb N --rounds R [--file PATH]"

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

/* Move all NR pages to NODE (NODES[] already says NODE), CHUNK per call. */
static void move_all(void **addrs, const int *nodes, int *status,
		     unsigned long nr, int node)
{
	unsigned long i, n;

	for (i = 0; i < nr; i += n) {
		n = nr - i < CHUNK ? nr - i : CHUNK;
		if (syscall(SYS_move_pages, 0, n, addrs + i, nodes + i,
			    status + i, MPOL_MF_MOVE) < 0)
			die("move_pages to node %d: %s", node, strerror(errno));
	}
}

/*
 * The number of pages whose status is not NODE after a move; the first
 * such page is reported once per program run.
 */
static unsigned long count_off(const int *status, unsigned long nr, int node)
{
	static int reported;
	unsigned long i, off = 0;

	for (i = 0; i < nr; i++) {
		if (status[i] == node)
			continue;
		if (!reported++)
			fprintf(stderr, PROG ": page %lu not moved to node %d: status %d%s%s\n",
				i, node, status[i], status[i] < 0 ? " " : "",
				status[i] < 0 ? strerror(-status[i]) : "");
		off++;
	}
	return off;
}

/* Set every page's target to NODE and poison the status array. */
static void prepare(int *nodes, int *status, unsigned long nr, int node)
{
	unsigned long i;

	for (i = 0; i < nr; i++) {
		nodes[i] = node;
		status[i] = INT32_MIN;
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mb", required_argument, NULL, 'm' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "file", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long pages, i, not_moved = 0;
	long mb = 0, rounds = 0;
	const char *path = NULL;
	uint64_t *us, t0;
	int *nodes, *status;
	void **addrs;
	struct stat st;
	size_t size;
	char *mem;
	int c, fd;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'm': mb = parse("mb", optarg, 1, MAX_MB); break;
		case 'r': rounds = parse("rounds", optarg, 1, MAX_ROUNDS); break;
		case 'f': path = optarg; break;
		case 'h': puts(USAGE); return 0;
		default: die("option '%s' is unknown or lacks its value; " USAGE, argv[optind - 1]);
		}
	}
	if (optind < argc)
		die("unexpected argument '%s'", argv[optind]);
	if (!mb || !rounds)
		die("--mb N and --rounds R are required");
	if (path && !*path)
		die("--file: empty path");
	if (access(NODE1, F_OK)) {
		fprintf(stderr, PROG ": NUMA node 1 does not exist (no %s), nothing to move to\n",
			NODE1);
		return KSFT_SKIP;
	}

	size = (size_t)mb << 20;
	pages = size / PAGE;
	if (path) {
		fd = open(path, O_RDWR | O_CREAT, 0600);
		if (fd < 0)
			die("%s: %s", path, strerror(errno));
		if (fstat(fd, &st))
			die("fstat %s: %s", path, strerror(errno));
		if (st.st_size < (off_t)size && ftruncate(fd, size))
			die("ftruncate %s: %s", path, strerror(errno));
		mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
	} else {
		mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem != MAP_FAILED)
			madvise(mem, size, MADV_NOHUGEPAGE);
	}
	if (mem == MAP_FAILED)
		die("mmap: %s", strerror(errno));

	addrs = calloc(pages, sizeof(*addrs));
	nodes = calloc(pages, sizeof(*nodes));
	status = calloc(pages, sizeof(*status));
	us = calloc(2 * rounds, sizeof(*us));
	if (!addrs || !nodes || !status || !us)
		die("out of memory");
	for (i = 0; i < pages; i++) {
		addrs[i] = mem + i * PAGE;
		((volatile char *)mem)[i * PAGE] = 1;
	}

	/* start from node 0, untimed */
	prepare(nodes, status, pages, 0);
	move_all(addrs, nodes, status, pages, 0);
	for (i = 0; i < 2 * (unsigned long)rounds; i++) {
		int node = i % 2 ? 0 : 1;

		prepare(nodes, status, pages, node);
		t0 = now_us();
		move_all(addrs, nodes, status, pages, node);
		us[i] = now_us() - t0;
		not_moved += count_off(status, pages, node);
	}
	qsort(us, 2 * rounds, sizeof(*us), cmp_u64);
	printf(PROG ": pages=%lu rounds=%ld us_per_round=%llu not_moved=%lu\n",
	       pages, rounds, (unsigned long long)us[(2 * rounds - 1) / 2], not_moved);
	return not_moved ? 1 : 0;
}
