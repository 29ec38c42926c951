/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memschedctl: what every file of the tool shares (types, exit codes, the
 * diagnostics of msg.c). The root of the include tree: it includes no
 * header of the tool.
 */
#ifndef MSCTL_H
#define MSCTL_H

#include <stdbool.h>
#include <stddef.h>

#define PROG			"memschedctl"
#define EXIT_OK			0
#define EXIT_ERR		1
#define EXIT_USAGE		2

#define PAGES_PER_MIB		256	/* 4 KiB pages */

#define __printf(a, b)		__attribute__((format(printf, a, b)))
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

typedef unsigned long long u64;
typedef long long s64;

/* "memschedctl: " FMT "\n" on stderr. */
__printf(1, 2) void msctl_err(const char *fmt, ...);

/* The symbolic name of errno @e ("ENOENT"), or "errno N". */
const char *msctl_errno_name(int e);

#endif /* MSCTL_H */
