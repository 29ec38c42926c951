// SPDX-License-Identifier: GPL-2.0
/*
 * wss_touch: a guest workload with a known working set. It maps TOTAL MiB of
 * anonymous memory, writes every page once (so it is really backed, not the
 * shared zero page), then keeps writing one word per page over the first WSS
 * MiB, forever or for SECONDS. The rest stays untouched. Static, so it runs in
 * a busybox initramfs.
 *
 *   wss_touch --total-mb T --wss-mb W [--seconds S] [--ready-file F]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "total-mb", required_argument, NULL, 't' },
		{ "wss-mb", required_argument, NULL, 'w' },
		{ "seconds", required_argument, NULL, 's' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	long total_mb = 128, wss_mb = 32, seconds = 0, page = sysconf(_SC_PAGESIZE);
	const char *ready = NULL;
	unsigned long sweeps = 0;
	size_t total, wss, off;
	double start;
	char *mem;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't': total_mb = parse("total-mb", optarg, 1, 1 << 20); break;
		case 'w': wss_mb = parse("wss-mb", optarg, 0, 1 << 20); break;
		case 's': seconds = parse("seconds", optarg, 0, 1 << 30); break;
		case 'r': ready = optarg; break;
		default:
			fprintf(stderr, "usage: wss_touch --total-mb T --wss-mb W [--seconds S] [--ready-file F]\n");
			return 1;
		}
	}
	if (wss_mb > total_mb) {
		fprintf(stderr, "wss_touch: --wss-mb (%ld) exceeds --total-mb (%ld)\n", wss_mb, total_mb);
		return 1;
	}
	total = (size_t)total_mb << 20;
	wss = (size_t)wss_mb << 20;
	mem = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("wss_touch: mmap");
		return 1;
	}
	madvise(mem, total, MADV_NOHUGEPAGE);
	for (off = 0; off < total; off += page)
		mem[off] = 1;

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
