// SPDX-License-Identifier: GPL-2.0
/*
 * fs_nodes: which NUMA node holds each page of a file (e.g. a memschedfs
 * file), as the kernel sees it. Maps the file MAP_SHARED read-only, reads
 * one byte per page (mapping it in; a page never written is allocated by
 * the file system's fault handler like any first touch) and asks
 * move_pages(2) in query mode (nodes == NULL) where each page is. Prints
 * runs of consecutive pages on one node, one per line:
 *
 *   FIRST LAST NODE
 *
 * with page indexes (file offset / 4096) and NODE < 0 for an error status
 * (-errno). With --count FIRST:LAST (repeatable) it prints instead, per
 * range, "FIRST LAST N0 N1 OTHER": pages of that range on node 0, node 1
 * and elsewhere. With --ranges FILE (lines "FIRST-LAST") it prints one line
 * "N0 N1 OTHER" summed over all those ranges; a malformed line or a range
 * beyond the file is an error, not skipped. Only pages inside the ranges
 * are touched when ranges are given.
 *
 *   fs_nodes --file PATH [--count FIRST:LAST]... [--ranges FILE]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE 4096UL
#define CHUNK 1024UL
#define MAX_RANGES 64

static void usage(void)
{
	fprintf(stderr, "usage: fs_nodes --file PATH [--count FIRST:LAST]... [--ranges FILE]\n");
	exit(1);
}

static char *mem;
static void *addrs[CHUNK];

/* Map in and look up pages [first, last] (clamped to npages) into status. */
static int query(unsigned long first, unsigned long last, unsigned long npages,
		 int *status)
{
	volatile char sink;
	unsigned long i, j;

	if (last >= npages)
		last = npages - 1;
	for (i = first; i <= last && i < npages; i += CHUNK) {
		unsigned long n = last + 1 - i < CHUNK ? last + 1 - i : CHUNK;

		for (j = 0; j < n; j++) {
			addrs[j] = mem + (i + j) * PAGE;
			sink = *(char *)addrs[j];
		}
		if (syscall(SYS_move_pages, 0, n, addrs, NULL, status + i, 0)) {
			fprintf(stderr, "fs_nodes: move_pages: %s\n", strerror(errno));
			return 1;
		}
	}
	(void)sink;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "count", required_argument, NULL, 'c' },
		{ "ranges", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long first[MAX_RANGES], last[MAX_RANGES], cnt[MAX_RANGES][3];
	unsigned long npages, i, run_first = 0;
	int nranges = 0, fd, c, *status, run_node = 0;
	const char *path = NULL, *ranges = NULL;
	unsigned long sum[3] = { 0, 0, 0 }, a, b;
	char line[64], nl;
	struct stat st;
	FILE *rf;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			path = optarg;
			break;
		case 'c':
			if (nranges == MAX_RANGES ||
			    sscanf(optarg, "%lu:%lu", &first[nranges], &last[nranges]) != 2 ||
			    last[nranges] < first[nranges]) {
				fprintf(stderr, "fs_nodes: --count takes FIRST:LAST page indexes, FIRST <= LAST (at most %d)\n",
					MAX_RANGES);
				return 1;
			}
			memset(cnt[nranges], 0, sizeof(cnt[nranges]));
			nranges++;
			break;
		case 'r':
			ranges = optarg;
			break;
		default:
			usage();
		}
	}
	if (!path || optind != argc)
		usage();
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, "fs_nodes: %s: %s\n", path, strerror(errno));
		return 1;
	}
	npages = (st.st_size + PAGE - 1) / PAGE;
	if (!npages) {
		fprintf(stderr, "fs_nodes: %s: empty file\n", path);
		return 1;
	}
	mem = mmap(NULL, npages * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		fprintf(stderr, "fs_nodes: mmap %s: %s\n", path, strerror(errno));
		return 1;
	}
	status = calloc(npages, sizeof(*status));
	if (!status) {
		fprintf(stderr, "fs_nodes: out of memory\n");
		return 1;
	}
	if (ranges) {
		rf = fopen(ranges, "r");
		if (!rf) {
			fprintf(stderr, "fs_nodes: %s: %s\n", ranges, strerror(errno));
			return 1;
		}
		while (fgets(line, sizeof(line), rf)) {
			if (sscanf(line, "%lu-%lu%c", &a, &b, &nl) != 3 || nl != '\n' ||
			    b < a || b >= npages) {
				fprintf(stderr, "fs_nodes: %s: '%.*s': want FIRST-LAST, page indexes below %lu\n",
					ranges, (int)strcspn(line, "\n"), line, npages);
				return 1;
			}
			if (query(a, b, npages, status))
				return 1;
			for (i = a; i <= b && i < npages; i++)
				sum[status[i] == 0 ? 0 : status[i] == 1 ? 1 : 2]++;
		}
		fclose(rf);
		printf("%lu %lu %lu\n", sum[0], sum[1], sum[2]);
		return 0;
	}
	for (c = 0; c < nranges; c++)
		if (query(first[c], last[c], npages, status))
			return 1;
	if (!nranges && query(0, npages - 1, npages, status))
		return 1;
	if (nranges) {
		for (c = 0; c < nranges; c++) {
			for (i = first[c]; i <= last[c] && i < npages; i++)
				cnt[c][status[i] == 0 ? 0 : status[i] == 1 ? 1 : 2]++;
			printf("%lu %lu %lu %lu %lu\n", first[c], last[c],
			       cnt[c][0], cnt[c][1], cnt[c][2]);
		}
		return 0;
	}
	for (i = 0; i <= npages; i++) {
		if (i == npages || (i && status[i] != run_node)) {
			printf("%lu %lu %d\n", run_first, i - 1, run_node);
			run_first = i;
		}
		if (i < npages)
			run_node = status[i];
	}
	return 0;
}
