// SPDX-License-Identifier: GPL-2.0
/*
 * pattern_hold: hold memory whose every page carries a known pattern and
 * keep checking it, to prove that ballooning never corrupts guest memory.
 * It maps MB MiB, fills each 64-bit word with a value derived from the
 * page index and the word's offset (and --seed), prints "pattern_hold:
 * ready", then verifies every page each interval and prints
 * "pattern_hold: verify ok n=K" (K = verifications so far) or
 * "pattern_hold: MISMATCH page=P" and exits 1. When --stop-file exists it
 * verifies once more and exits 0. Static, so it runs in a busybox
 * initramfs.
 *
 *   pattern_hold --mb N [--stop-file F] [--interval-ms MS] [--seed S]
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define GUEST_PROG "pattern_hold"
#include "guest_args.h"

/* splitmix64: every (seed, page, word) gives a different, cheap value. */
static uint64_t pattern(uint64_t seed, uint64_t page, uint64_t word)
{
	uint64_t z = seed + page * 0x9e3779b97f4a7c15ULL + word;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Returns the first bad page, or -1. */
static long verify(const uint64_t *mem, size_t pages, size_t words, uint64_t seed)
{
	size_t p, w;

	for (p = 0; p < pages; p++)
		for (w = 0; w < words; w++)
			if (mem[p * words + w] != pattern(seed, p, w))
				return (long)p;
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mb", required_argument, NULL, 'm' },
		{ "stop-file", required_argument, NULL, 's' },
		{ "interval-ms", required_argument, NULL, 'i' },
		{ "seed", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	long mb = 64, interval_ms = 1000, page = sysconf(_SC_PAGESIZE), bad;
	const char *stop = NULL;
	unsigned long n = 0;
	size_t pages, words, p, w;
	uint64_t seed = 0, *mem;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm': mb = parse("mb", optarg, 1, 1 << 20); break;
		case 's': stop = optarg; break;
		case 'i': interval_ms = parse("interval-ms", optarg, 1, 3600000); break;
		case 'S': seed = (uint64_t)parse("seed", optarg, 0, 1L << 62); break;
		default:
			fprintf(stderr, "usage: pattern_hold --mb N [--stop-file F] [--interval-ms MS] [--seed S]\n");
			return 1;
		}
	}
	pages = ((size_t)mb << 20) / page;
	words = page / sizeof(uint64_t);
	mem = mmap(NULL, (size_t)mb << 20, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("pattern_hold: mmap");
		return 1;
	}
	for (p = 0; p < pages; p++)
		for (w = 0; w < words; w++)
			mem[p * words + w] = pattern(seed, p, w);
	printf("pattern_hold: ready mb=%ld\n", mb);
	fflush(stdout);

	for (;;) {
		int stopping = stop && access(stop, F_OK) == 0;

		bad = verify(mem, pages, words, seed);
		if (bad >= 0) {
			printf("pattern_hold: MISMATCH page=%ld\n", bad);
			fflush(stdout);
			return 1;
		}
		printf("pattern_hold: verify ok n=%lu\n", ++n);
		fflush(stdout);
		if (stopping)
			return 0;
		usleep(interval_ms * 1000);
	}
}
