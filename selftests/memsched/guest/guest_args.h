/* SPDX-License-Identifier: GPL-2.0 */
/*
 * guest_args.h - option parsing shared by the static guest workloads.
 * Each program defines GUEST_PROG (its name, for messages) before including.
 */
#ifndef GUEST_ARGS_H
#define GUEST_ARGS_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/* The value of --OPT: an integer in [min, max], or exit 1 with a message. */
static inline long parse(const char *opt, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || *end || v < min || v > max) {
		fprintf(stderr, GUEST_PROG ": --%s takes a number in [%ld, %ld], not '%s'\n",
			opt, min, max, s);
		exit(1);
	}
	return v;
}

#endif /* GUEST_ARGS_H */
