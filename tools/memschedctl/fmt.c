// SPDX-License-Identifier: GPL-2.0
/* memschedctl: the number formats of fmt.h. */
#include <stdio.h>
#include <string.h>

#include "fmt.h"

double msctl_fmt_mib(u64 pages)
{
	return (double)pages / PAGES_PER_MIB;
}

double msctl_fmt_pct(u64 part, u64 whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static void trim_zeros(char *buf)
{
	size_t len = strlen(buf);

	while (len && buf[len - 1] == '0')
		buf[--len] = '\0';
}

const char *msctl_fmt_mib_exact(char *buf, size_t size, u64 pages)
{
	u64 frac = (pages % PAGES_PER_MIB) * 390625ULL;	/* 1e8 / 256 */

	if (!frac) {
		snprintf(buf, size, "%llu", pages / PAGES_PER_MIB);
		return buf;
	}
	snprintf(buf, size, "%llu.%08llu", pages / PAGES_PER_MIB, frac);
	trim_zeros(buf);
	return buf;
}

const char *msctl_fmt_secs(char *buf, size_t size, u64 ms)
{
	if (ms % 1000 == 0) {
		snprintf(buf, size, "%llu", ms / 1000);
		return buf;
	}
	snprintf(buf, size, "%llu.%03llu", ms / 1000, ms % 1000);
	trim_zeros(buf);
	return buf;
}

void msctl_fmt_put_line(const char *prefix, const char *buf, int len)
{
	while (len > 0 && buf[len - 1] == ' ')
		len--;
	printf("%s%.*s\n", prefix, len, buf);
}

void msctl_fmt_row(const char *name, const char *value)
{
	printf("    %-24s %s\n", name, value);
}
