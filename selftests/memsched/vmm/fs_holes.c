// SPDX-License-Identifier: GPL-2.0
/*
 * fs_holes: which pages of a file are in memory, by 2 MiB range, without
 * touching any. Maps the file MAP_SHARED read-only and asks mincore(2),
 * which looks pages up in the file's page cache (no fault, nothing is
 * allocated or read in). Prints one line:
 *
 *   fs_holes: pages=P holes=H whole=W partial=K
 *
 * P: the file's pages (its size / 4096, rounded up); H: those not in
 * memory; W: 2 MiB-aligned ranges of 512 pages with no page in memory;
 * K: such ranges with some pages in memory and some not. A last range
 * shorter than 512 pages counts as whole or partial the same way.
 *
 *   fs_holes --file PATH
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PAGE 4096UL
#define RANGE 512UL	/* pages in 2 MiB */

static void usage(void)
{
	fprintf(stderr, "usage: fs_holes --file PATH\n");
	exit(1);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long npages, i, r, holes = 0, whole = 0, partial = 0;
	const char *path = NULL;
	unsigned char *vec;
	struct stat st;
	void *mem;
	int fd, c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'f')
			path = optarg;
		else
			usage();
	}
	if (!path || optind != argc)
		usage();
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st)) {
		perror(path);
		return 1;
	}
	npages = (st.st_size + PAGE - 1) / PAGE;
	if (!npages) {
		printf("fs_holes: pages=0 holes=0 whole=0 partial=0\n");
		return 0;
	}
	mem = mmap(NULL, npages * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	vec = malloc(npages);
	if (mem == MAP_FAILED || !vec) {
		perror("mmap");
		return 1;
	}
	if (mincore(mem, npages * PAGE, vec)) {
		perror("mincore");
		return 1;
	}
	for (r = 0; r < npages; r += RANGE) {
		unsigned long n = npages - r < RANGE ? npages - r : RANGE, out = 0;

		for (i = r; i < r + n; i++)
			out += !(vec[i] & 1);
		holes += out;
		if (out == n)
			whole++;
		else if (out)
			partial++;
	}
	printf("fs_holes: pages=%lu holes=%lu whole=%lu partial=%lu\n",
	       npages, holes, whole, partial);
	return 0;
}
