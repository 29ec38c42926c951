// SPDX-License-Identifier: GPL-2.0
/*
 * wss_touch: a guest workload with a known working set. It maps TOTAL MiB of
 * anonymous memory, writes every page once (so it is really backed, not the
 * shared zero page), then keeps writing one word per page over the first WSS
 * MiB, forever or for SECONDS. The rest stays untouched. Static, so it runs in
 * a busybox initramfs.
 *
 * With --file PATH the memory is instead a MAP_SHARED mapping of PATH
 * (opened O_RDWR|O_CREAT, extended to TOTAL MiB if it is smaller, e.g. a
 * memschedfs file); everything else is the same.
 *
 *   wss_touch --total-mb T --wss-mb W [--seconds S] [--ready-file F]
 *             [--file PATH] [--print-pfns]
 *
 * --print-pfns: after the first pass, print where the working set lives in
 * physical memory (runs of frame numbers, /proc/self/pagemap; needs root).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define GUEST_PROG "wss_touch"
#include "guest_args.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Print the physical frames behind [mem, mem + len) as runs, one line each:
 * "wss_touch: hot pfns FIRST-LAST" (from /proc/self/pagemap; needs root).
 * In a guest these are guest frame numbers: the host finds the pages at
 * those offsets of the guest's RAM file.
 */
static int print_pfn_runs(const char *mem, size_t len, long page)
{
	unsigned long long e, first = 0, last = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	size_t off;
	int runs = 0;

	if (fd < 0) {
		perror("wss_touch: /proc/self/pagemap");
		return 1;
	}
	for (off = 0; off <= len; off += page) {
		unsigned long long pfn = ~0ULL;

		if (off < len) {
			if (pread(fd, &e, sizeof(e), ((unsigned long)(mem + off) / page) * sizeof(e)) != sizeof(e) ||
			    !(e & (1ULL << 63)) || !(e & ((1ULL << 55) - 1))) {
				fprintf(stderr, "wss_touch: no frame for offset %zu (not root?)\n", off);
				close(fd);
				return 1;
			}
			pfn = e & ((1ULL << 55) - 1);
			if (off && pfn == last + 1) {
				last = pfn;
				continue;
			}
		}
		if (off) {
			printf("wss_touch: hot pfns %llu-%llu\n", first, last);
			runs++;
		}
		first = last = pfn;
	}
	printf("wss_touch: hot pfn runs %d\n", runs);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "total-mb", required_argument, NULL, 't' },
		{ "wss-mb", required_argument, NULL, 'w' },
		{ "seconds", required_argument, NULL, 's' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ "print-pfns", no_argument, NULL, 'p' },
		{ "file", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	long total_mb = 128, wss_mb = 32, seconds = 0, page = sysconf(_SC_PAGESIZE);
	const char *ready = NULL, *path = NULL;
	int print_pfns = 0;
	unsigned long sweeps = 0;
	size_t total, wss, off;
	double start;
	struct stat st;
	char *mem;
	int c, fd;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't': total_mb = parse("total-mb", optarg, 1, 1 << 20); break;
		case 'w': wss_mb = parse("wss-mb", optarg, 0, 1 << 20); break;
		case 's': seconds = parse("seconds", optarg, 0, 1 << 30); break;
		case 'r': ready = optarg; break;
		case 'f': path = optarg; break;
		case 'p': print_pfns = 1; break;
		default:
			fprintf(stderr, "usage: wss_touch --total-mb T --wss-mb W [--seconds S] [--ready-file F] [--file PATH] [--print-pfns]\n");
			return 1;
		}
	}
	if (wss_mb > total_mb) {
		fprintf(stderr, "wss_touch: --wss-mb (%ld) exceeds --total-mb (%ld)\n", wss_mb, total_mb);
		return 1;
	}
	total = (size_t)total_mb << 20;
	wss = (size_t)wss_mb << 20;
	if (path) {
		fd = open(path, O_RDWR | O_CREAT, 0600);
		if (fd < 0 || fstat(fd, &st)) {
			fprintf(stderr, "wss_touch: %s: %s\n", path, strerror(errno));
			return 1;
		}
		if (st.st_size < (off_t)total && ftruncate(fd, total)) {
			fprintf(stderr, "wss_touch: ftruncate %s: %s\n", path, strerror(errno));
			return 1;
		}
		mem = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
	} else {
		mem = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	}
	if (mem == MAP_FAILED) {
		perror("wss_touch: mmap");
		return 1;
	}
	madvise(mem, total, MADV_NOHUGEPAGE);
	for (off = 0; off < total; off += page)
		mem[off] = 1;

	if (print_pfns && print_pfn_runs(mem, wss, page))
		return 1;
	printf("wss_touch: ready total_mb=%ld wss_mb=%ld\n", total_mb, wss_mb);
	fflush(stdout);
	if (ready) {
		FILE *f = fopen(ready, "w");

		if (f) {
			fprintf(f, "%d\n", getpid());
			fclose(f);
		}
	}
	start = now_s();
	while (!seconds || now_s() - start < seconds) {
		for (off = 0; off < wss; off += page)
			((volatile char *)mem)[off]++;
		sweeps++;
		if (!wss)
			usleep(100000);
	}
	printf("wss_touch: done sweeps=%lu seconds=%.1f\n", sweeps, now_s() - start);
	return 0;
}
