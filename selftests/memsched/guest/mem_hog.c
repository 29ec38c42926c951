// SPDX-License-Identifier: GPL-2.0
/*
 * mem_hog: take memory for real. It mallocs MB MiB, writes every page (so
 * the memory is backed, not the shared zero page), prints "mem_hog: touched
 * N MiB" and exits; with --hold-seconds S it holds the memory S seconds
 * first (-1: until killed); --free-after frees it explicitly before
 * exiting. Used to push a guest into memory pressure; an OOM kill shows as
 * exit status 137. Static, so it runs in a busybox initramfs.
 *
 *   mem_hog --mb N [--hold-seconds S] [--free-after]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define GUEST_PROG "mem_hog"
#include "guest_args.h"

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mb", required_argument, NULL, 'm' },
		{ "hold-seconds", required_argument, NULL, 'h' },
		{ "free-after", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	long mb = 0, hold = 0, page = sysconf(_SC_PAGESIZE);
	int free_after = 0, c;
	size_t size, off;
	char *mem;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm': mb = parse("mb", optarg, 1, 1 << 20); break;
		case 'h': hold = parse("hold-seconds", optarg, -1, 1 << 30); break;
		case 'f': free_after = 1; break;
		default:
			fprintf(stderr, "usage: mem_hog --mb N [--hold-seconds S] [--free-after]\n");
			return 1;
		}
	}
	if (!mb) {
		fprintf(stderr, "mem_hog: --mb is required\n");
		return 1;
	}
	size = (size_t)mb << 20;
	mem = malloc(size);
	if (!mem) {
		fprintf(stderr, "mem_hog: malloc of %ld MiB failed\n", mb);
		return 1;
	}
	for (off = 0; off < size; off += page)
		((volatile char *)mem)[off] = (char)(off / page) | 1;
	printf("mem_hog: touched %ld MiB\n", mb);
	fflush(stdout);
	if (hold < 0)
		for (;;)
			pause();
	sleep(hold);
	if (free_after)
		free(mem);
	return 0;
}
