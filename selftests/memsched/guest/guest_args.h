/* SPDX-License-Identifier: GPL-2.0 */
/*
 * guest_args.h - option parsing and errors shared by the static guest
 * workloads and the host-side test helpers (selftests/memsched/vmm/).
 * Each program defines GUEST_PROG (its name, for messages) before including.
 */
#ifndef GUEST_ARGS_H
#define GUEST_ARGS_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* Print "PROG: message" to stderr and exit 1. */
static inline void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, GUEST_PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* The value of --OPT: an integer in [min, max], or exit 1 with a message. */
static inline long parse(const char *opt, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || !*s || *end || v < min || v > max) {
		fprintf(stderr, GUEST_PROG ": --%s takes a number in [%ld, %ld], not '%s'\n",
			opt, min, max, s);
		exit(1);
	}
	return v;
}

#endif /* GUEST_ARGS_H */
