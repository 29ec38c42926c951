/* SPDX-License-Identifier: GPL-2.0 */
/* memschedctl: numbers for people (MiB, percent, seconds) and table rows. */
#ifndef MSCTL_FMT_H
#define MSCTL_FMT_H

#include "msctl.h"

/* @pages of 4 KiB in MiB. */
double msctl_fmt_mib(u64 pages);

/* 100 * @part / @whole, 0 when @whole is 0. */
double msctl_fmt_pct(u64 part, u64 whole);

/* @pages as an exact MiB value: "97.65625", "512". */
const char *msctl_fmt_mib_exact(char *buf, size_t size, u64 pages);

/* A duration of @ms milliseconds in seconds: "0.5", "2", "204.8". */
const char *msctl_fmt_secs(char *buf, size_t size, u64 ms);

/* Prints @prefix and @len bytes of @buf without trailing blanks. */
void msctl_fmt_put_line(const char *prefix, const char *buf, int len);

/* "    NAME      VALUE" rows of a two-column table, the name padded. */
void msctl_fmt_row(const char *name, const char *value);

#endif /* MSCTL_FMT_H */
