// SPDX-License-Identifier: GPL-2.0
/*
 * fs_blocks: which memory blocks (/sys/devices/system/memory/memoryN) hold
 * the pages of a file, e.g. a memschedfs file, and a checksum of its
 * contents. Maps the file MAP_SHARED read-only, reads every page (mapping
 * it in; a page never written is allocated by the file system's fault
 * handler like any first touch), hashes the bytes (FNV-1a, 64 bits) and
 * looks each page's frame up in /proc/self/pagemap (root only: others read
 * frame 0). Prints:
 *
 *   block N PAGES      one line per memory block holding pages, N ascending
 *   pages P            pages looked up (the file size in pages)
 *   sum HEX            the checksum of all P pages
 *
 * A page not present after its read, or a frame of 0, is an error.
 *
 *   fs_blocks --file PATH
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PAGE 4096UL
#define PM_PRESENT (1ULL << 63)
#define PM_PFN_MASK ((1ULL << 55) - 1)
#define MAX_BLOCKS 65536

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "fs_blocks: ");
	fprintf(stderr, fmt, arg, strerror(errno));
	fprintf(stderr, "\n");
	exit(1);
}

static unsigned long block_bytes(void)
{
	const char *p = "/sys/devices/system/memory/block_size_bytes";
	unsigned long v;
	FILE *f = fopen(p, "r");

	if (!f || fscanf(f, "%lx", &v) != 1 || !v)
		die("%s: %s", p);
	fclose(f);
	return v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	static unsigned long count[MAX_BLOCKS];
	unsigned long npages, i, j, bb, pages_per_block;
	const char *path = NULL;
	uint64_t h = 0xcbf29ce484222325ULL, e;
	const unsigned char *mem;
	struct stat st;
	int fd, pm, c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'f') {
			fprintf(stderr, "usage: fs_blocks --file PATH\n");
			return 1;
		}
		path = optarg;
	}
	if (!path || optind != argc) {
		fprintf(stderr, "usage: fs_blocks --file PATH\n");
		return 1;
	}
	bb = block_bytes();
	pages_per_block = bb / PAGE;
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		die("%s: %s", path);
	npages = (st.st_size + PAGE - 1) / PAGE;
	if (!npages) {
		errno = EINVAL;
		die("%s: empty file: %s", path);
	}
	mem = mmap(NULL, npages * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		die("mmap %s: %s", path);
	pm = open("/proc/self/pagemap", O_RDONLY);
	if (pm < 0)
		die("%s: %s", "/proc/self/pagemap");
	for (i = 0; i < npages; i++) {
		const unsigned char *p = mem + i * PAGE;
		uint64_t pfn;

		for (j = 0; j < PAGE; j++)
			h = (h ^ p[j]) * 0x100000001b3ULL;
		if (pread(pm, &e, sizeof(e), ((uintptr_t)p / PAGE) * sizeof(e)) != sizeof(e))
			die("%s: %s", "pread /proc/self/pagemap");
		pfn = e & PM_PFN_MASK;
		if (!(e & PM_PRESENT) || !pfn) {
			fprintf(stderr, "fs_blocks: page %lu: no frame (pagemap %#" PRIx64 "; root needed)\n",
				i, e);
			return 1;
		}
		if (pfn / pages_per_block >= MAX_BLOCKS) {
			fprintf(stderr, "fs_blocks: page %lu: frame %#" PRIx64 " beyond block %d\n",
				i, pfn, MAX_BLOCKS - 1);
			return 1;
		}
		count[pfn / pages_per_block]++;
	}
	for (i = 0; i < MAX_BLOCKS; i++)
		if (count[i])
			printf("block %lu %lu\n", i, count[i]);
	printf("pages %lu\nsum %016" PRIx64 "\n", npages, h);
	return 0;
}
