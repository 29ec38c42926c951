// SPDX-License-Identifier: GPL-2.0
/*
 * frag_hog: leaves a NUMA node's free memory in 4 KiB pieces only, for the
 * fallback test of selftests/memsched/hugepage.sh.
 *
 *   frag_hog --node N --ready-file F [--keep K] [--margin-mb M]
 *
 *  1. Maps the node's free memory (MemFree of nodeN/meminfo) plus M MiB
 *     (default 64) of anonymous memory in 4 KiB pages (MADV_NOHUGEPAGE),
 *     with MPOL_PREFERRED for node N, and writes it all
 *     (MADV_POPULATE_WRITE): the node fills up to its watermark, the rest
 *     lands on other nodes.
 *  2. Asks where every page is (move_pages(2), nodes NULL) and frees
 *     (MADV_DONTNEED) every page that is not on node N, and every K-th
 *     (default 4) of those on node N. What it frees on node N are single
 *     pages whose neighbours it holds: no free block of node N grows past
 *     4 KiB, and the node has free memory above its watermarks again.
 *  3. Prints
 *       frag_hog: node=N held_pages=H freed_pages=P
 *     (pages held and freed on node N), creates F, and holds its memory
 *     until SIGTERM or SIGINT; exit 0.
 * Its pages are movable: compaction could undo the fragmentation, so the
 * test turns proactive compaction off meanwhile, and memschedfs' huge
 * allocations never compact (GFP_TRANSHUGE_LIGHT). Exit 1 on an error, 4
 * (kselftest SKIP) when node N does not exist. The raw syscalls: no libnuma.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/mempolicy.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define GUEST_PROG	"frag_hog"
#include "../guest/guest_args.h"

#define PAGE		4096UL
#define CHUNK		1024UL
#define KSFT_SKIP	4
#define USAGE		"usage: " GUEST_PROG " --node N --ready-file F [--keep K] [--margin-mb M]"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* MemFree of node NODE in kB, or -1 when the node does not exist. */
static long node_free_kb(int node)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo", node);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Node %*d MemFree: %ld kB", &kb) == 1)
			break;
	fclose(f);
	if (kb < 0)
		die("%s: no MemFree", path);
	return kb;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "node", required_argument, NULL, 'n' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ "keep", required_argument, NULL, 'k' },
		{ "margin-mb", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long pages, i, n, held = 0, freed = 0, mask;
	long node = -1, keep = 4, margin = 64, kb;
	const char *ready = NULL;
	struct sigaction sa;
	void **addrs;
	int *status;
	char tmp[4096];
	size_t size;
	char *mem;
	int c, fd;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': node = parse("node", optarg, 0, 63); break;
		case 'r': ready = optarg; break;
		case 'k': keep = parse("keep", optarg, 2, 512); break;
		case 'm': margin = parse("margin-mb", optarg, 0, 1 << 20); break;
		case 'h': puts(USAGE); return 0;
		default: die("option '%s' is unknown or lacks its value; " USAGE, argv[optind - 1]);
		}
	}
	if (optind < argc)
		die("unexpected argument '%s'", argv[optind]);
	if (node < 0 || !ready || !*ready)
		die("--node and --ready-file are required; " USAGE);
	kb = node_free_kb(node);
	if (kb < 0) {
		fprintf(stderr, GUEST_PROG ": NUMA node %ld does not exist\n", node);
		return KSFT_SKIP;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	size = ((size_t)kb << 10) + ((size_t)margin << 20);
	pages = size / PAGE;
	size = pages * PAGE;
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap %zu bytes: %s", size, strerror(errno));
	if (madvise(mem, size, MADV_NOHUGEPAGE))
		die("madvise(MADV_NOHUGEPAGE): %s", strerror(errno));
	mask = 1UL << node;
	if (syscall(SYS_mbind, mem, size, MPOL_PREFERRED, &mask, sizeof(mask) * 8, 0))
		die("mbind(MPOL_PREFERRED, node %ld): %s", node, strerror(errno));
	if (madvise(mem, size, MADV_POPULATE_WRITE))
		die("madvise(MADV_POPULATE_WRITE) of %zu bytes: %s", size, strerror(errno));

	addrs = calloc(CHUNK, sizeof(*addrs));
	status = calloc(CHUNK, sizeof(*status));
	if (!addrs || !status)
		die("out of memory");
	for (i = 0; i < pages; i += n) {
		unsigned long j;

		n = pages - i < CHUNK ? pages - i : CHUNK;
		for (j = 0; j < n; j++)
			addrs[j] = mem + (i + j) * PAGE;
		if (syscall(SYS_move_pages, 0, n, addrs, NULL, status, 0) < 0)
			die("move_pages (query): %s", strerror(errno));
		for (j = 0; j < n; j++) {
			int on = status[j] == node;

			if (on && (i + j) % keep) {
				held++;
				continue;
			}
			if (madvise(addrs[j], PAGE, MADV_DONTNEED))
				die("madvise(MADV_DONTNEED): %s", strerror(errno));
			freed += on;
		}
	}

	printf(GUEST_PROG ": node=%ld held_pages=%lu freed_pages=%lu\n", node, held, freed);
	fflush(stdout);
	snprintf(tmp, sizeof(tmp), "%s.tmp", ready);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "ready\n", 6) != 6 || close(fd) || rename(tmp, ready))
		die("%s: %s", ready, strerror(errno));
	while (!stop)
		pause();
	return 0;
}
