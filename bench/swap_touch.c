// SPDX-License-Identifier: GPL-2.0
/*
 * swap_touch: the process side of bench/swap.sh. It maps MB MiB, either
 * anonymous private memory (4 KiB pages: MADV_NOHUGEPAGE) or, with --file
 * PATH, a MAP_SHARED mapping of PATH (e.g. a memschedfs file, extended to
 * MB MiB if smaller), writes a pattern to every page and prints
 *   ready pages=N
 * Then it reads commands, one per line, on stdin, and answers each with
 * one line on stdout:
 *   pageout  madvise(MADV_PAGEOUT) over the whole mapping (the kernel's
 *            reclaim of the pages to swap), then wait until the writes it
 *            started completed: /proc/vmstat nr_writeback back to its value
 *            before the call (polled every 50 us). Answers
 *              pageout madvise_ns=T1 written_ns=T2 vmswap_kb=K
 *            (T2 includes T1; K: VmSwap of /proc/self/status after).
 *   touch    write to every page in ascending order, timing each access on
 *            its own (CLOCK_MONOTONIC around one store of the page's first
 *            word, with the value it already holds: a swapped-out page
 *            faults in, and is dirty afterwards on both sides, so the next
 *            swap-out writes it again), then verify every page. Answers
 *              touch pages=N mean_ns=A p50_ns=B p90_ns=C p99_ns=D
 *                    max_ns=E total_ns=F mismatches=M
 *   quit     exit 0.
 * Static, no libraries beyond libc.
 *
 *   swap_touch --mb N [--file PATH]
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
#include <time.h>
#include <unistd.h>

#define PAGE	4096UL
#define WORDS	(PAGE / sizeof(uint64_t))

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif

static uint64_t *mem;
static size_t pages;

static void die(const char *what)
{
	fprintf(stderr, "swap_touch: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* splitmix64 of (page, word): never 0 in practice, different per word */
static uint64_t pattern(uint64_t page, uint64_t word)
{
	uint64_t z = page * 0x9e3779b97f4a7c15ULL + word + 1;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A "KEY: VALUE" (proc_key_file) or "key value" (vmstat) number, -1 if absent. */
static long long proc_value(const char *path, const char *key)
{
	char line[256];
	size_t n = strlen(key);
	long long v = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && (line[n] == ':' || line[n] == ' ')) {
			v = strtoll(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static void pageout(void)
{
	long long wb0 = proc_value("/proc/vmstat", "nr_writeback");
	struct timespec pause = { 0, 50 * 1000 };
	uint64_t t0, t1, t2;

	t0 = now_ns();
	if (madvise(mem, pages * PAGE, MADV_PAGEOUT))
		die("madvise(MADV_PAGEOUT)");
	t1 = now_ns();
	while (proc_value("/proc/vmstat", "nr_writeback") > wb0)
		nanosleep(&pause, NULL);
	t2 = now_ns();
	printf("pageout madvise_ns=%" PRIu64 " written_ns=%" PRIu64 " vmswap_kb=%lld\n",
	       t1 - t0, t2 - t0, proc_value("/proc/self/status", "VmSwap"));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void touch(void)
{
	uint64_t *lat = malloc(pages * sizeof(*lat)), sum = 0, t0, t1;
	size_t p, w, bad = 0;

	if (!lat)
		die("malloc");
	for (p = 0; p < pages; p++) {
		volatile uint64_t *word = mem + p * WORDS;
		uint64_t v = pattern(p, 0);

		t0 = now_ns();
		*word = v;
		t1 = now_ns();
		lat[p] = t1 - t0;
		sum += lat[p];
	}
	for (p = 0; p < pages; p++)
		for (w = 0; w < WORDS; w++)
			if (mem[p * WORDS + w] != pattern(p, w)) {
				bad++;
				break;
			}
	qsort(lat, pages, sizeof(*lat), cmp_u64);
	printf("touch pages=%zu mean_ns=%" PRIu64 " p50_ns=%" PRIu64 " p90_ns=%" PRIu64
	       " p99_ns=%" PRIu64 " max_ns=%" PRIu64 " total_ns=%" PRIu64 " mismatches=%zu\n",
	       pages, sum / pages, lat[pages / 2], lat[pages * 90 / 100],
	       lat[pages * 99 / 100], lat[pages - 1], sum, bad);
	free(lat);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mb", required_argument, NULL, 'm' },
		{ "file", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	char cmd[64];
	long mb = 0;
	size_t p, w, len;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm': mb = strtol(optarg, NULL, 10); break;
		case 'f': path = optarg; break;
		default:
			fprintf(stderr, "usage: swap_touch --mb N [--file PATH]\n");
			return 1;
		}
	}
	if (mb <= 0 || mb > 65536) {
		fprintf(stderr, "swap_touch: --mb takes 1 to 65536\n");
		return 1;
	}
	len = (size_t)mb << 20;
	pages = len / PAGE;
	if (path) {
		struct stat st;
		int fd = open(path, O_RDWR | O_CREAT, 0600);

		if (fd < 0 || fstat(fd, &st))
			die(path);
		if ((size_t)st.st_size < len && ftruncate(fd, len))
			die("ftruncate");
		mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
	} else {
		mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem != MAP_FAILED && madvise(mem, len, MADV_NOHUGEPAGE))
			die("madvise(MADV_NOHUGEPAGE)");
	}
	if (mem == MAP_FAILED)
		die("mmap");
	for (p = 0; p < pages; p++)
		for (w = 0; w < WORDS; w++)
			mem[p * WORDS + w] = pattern(p, w);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready pages=%zu\n", pages);

	while (fgets(cmd, sizeof(cmd), stdin)) {
		cmd[strcspn(cmd, "\n")] = 0;
		if (!strcmp(cmd, "pageout"))
			pageout();
		else if (!strcmp(cmd, "touch"))
			touch();
		else if (!strcmp(cmd, "quit"))
			return 0;
		else
			printf("error unknown command '%s'\n", cmd);
	}
	return 0;
}
