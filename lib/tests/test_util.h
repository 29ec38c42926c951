/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * test_util.h - helpers shared by the memsched core unit tests (user space).
 */
#ifndef MSCHED_TEST_UTIL_H
#define MSCHED_TEST_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "msched_compat.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Deterministic PRNG (xorshift64*), independent of libc rand(). */
struct trng {
	u64 s;
};

static inline void trng_seed(struct trng *r, u64 seed)
{
	r->s = seed * 0x9e3779b97f4a7c15ULL + 0x2545f4914f6cdd1dULL;
	if (!r->s)
		r->s = 1;
}

static inline u64 trng_next(struct trng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dULL;
}

/* Uniform in [0, n), n > 0 (bias negligible for the sizes used here). */
static inline u64 trng_below(struct trng *r, u64 n)
{
	return (u64)(((unsigned __int128)trng_next(r) * n) >> 64);
}

static inline double trng_unit(struct trng *r)
{
	return (double)(trng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Zipf(alpha) over ranks 0..n-1 by inverse CDF (binary search). */
struct tzipf {
	u32 n;
	double *cdf;
};

static inline void tzipf_init(struct tzipf *z, u32 n, double alpha)
{
	double sum = 0;
	u32 i;

	z->n = n;
	z->cdf = malloc(sizeof(double) * n);
	assert_non_null(z->cdf);
	for (i = 0; i < n; i++) {
		sum += 1.0 / pow((double)(i + 1), alpha);
		z->cdf[i] = sum;
	}
	for (i = 0; i < n; i++)
		z->cdf[i] /= sum;
}

static inline u32 tzipf_next(struct tzipf *z, struct trng *r)
{
	double u = trng_unit(r);
	u32 lo = 0, hi = z->n - 1;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (z->cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static inline void tzipf_free(struct tzipf *z)
{
	free(z->cdf);
	z->cdf = NULL;
}

/* malloc that is 8-byte aligned (always true for glibc) and checked. */
static inline void *tmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	assert_non_null(p);
	return p;
}

/* TAP diagnostic line (stdout, flushed so it interleaves with cmocka). */
static inline void tdiag(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static inline void tdiag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

#endif /* MSCHED_TEST_UTIL_H */
