// SPDX-License-Identifier: GPL-2.0
/*
 * cond_poll: watch /dev/balloon_condition the way an application would. It
 * prints the snapshot, then polls; on a wake it prints "cond_poll: woke"
 * and the new snapshot, up to --count wakes (default 1); if --timeout-ms
 * passes first it prints "cond_poll: timeout" and exits 2. Static, so it
 * runs in a busybox initramfs.
 *
 *   cond_poll [--timeout-ms MS] [--count N] [--dev PATH]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GUEST_PROG "cond_poll"
#include "guest_args.h"

/* Re-read the snapshot from offset 0 and print it. */
static int show(int fd)
{
	char buf[512];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n < 0) {
		perror("cond_poll: pread");
		return -1;
	}
	buf[n] = 0;
	fputs(buf, stdout);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'c' },
		{ "dev", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dev = "/dev/balloon_condition";
	long timeout = -1, count = 1, woke = 0;
	struct pollfd pfd;
	int c, ret;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't': timeout = parse("timeout-ms", optarg, -1, 1L << 30); break;
		case 'c': count = parse("count", optarg, 1, 1L << 30); break;
		case 'd': dev = optarg; break;
		default:
			fprintf(stderr, "usage: cond_poll [--timeout-ms MS] [--count N] [--dev PATH]\n");
			return 1;
		}
	}
	pfd.fd = open(dev, O_RDONLY);
	if (pfd.fd < 0) {
		fprintf(stderr, "cond_poll: open %s: %s\n", dev, strerror(errno));
		return 1;
	}
	pfd.events = POLLIN;
	if (show(pfd.fd))
		return 1;
	while (woke < count) {
		ret = poll(&pfd, 1, timeout);
		if (ret < 0) {
			perror("cond_poll: poll");
			return 1;
		}
		if (!ret) {
			printf("cond_poll: timeout\n");
			return 2;
		}
		printf("cond_poll: woke\n");
		if (show(pfd.fd))
			return 1;
		woke++;
	}
	return 0;
}
