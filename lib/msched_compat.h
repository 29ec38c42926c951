/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * msched_compat.h - types and helpers shared by the memsched core.
 *
 * The core (lib/msched_*.c) is built both into the kernel module and into
 * native user-space unit tests.  This header is the only place that knows
 * the difference: everything else uses the u8/u16/u32/u64/s64/bool types and
 * the msched_* helpers below, never libc or kernel APIs directly.
 *
 * Rules for the core: no floating point, no VLAs, no recursion, no dynamic
 * allocation (callers pass memory sized by the *_mem_bytes() helpers).
 */
#ifndef MSCHED_COMPAT_H
#define MSCHED_COMPAT_H

#ifdef __KERNEL__

#include <linux/types.h>
#include <linux/math64.h>
#include <linux/string.h>
#include <linux/errno.h>

#define MSCHED_EINVAL	EINVAL

/**
 * msched_div_u64() - 64-bit by 64-bit unsigned division.
 * @a: dividend
 * @b: divisor, must not be zero
 *
 * Context: any.
 * Return: @a / @b
 */
static inline u64 msched_div_u64(u64 a, u64 b)
{
	return div64_u64(a, b);
}

/**
 * msched_div_u64_rem() - 64-bit by 64-bit unsigned division with remainder.
 * @a: dividend
 * @b: divisor, must not be zero
 * @rem: where to store @a % @b
 *
 * Context: any.
 * Return: @a / @b
 */
static inline u64 msched_div_u64_rem(u64 a, u64 b, u64 *rem)
{
	return div64_u64_rem(a, b, rem);
}

#define msched_memset(p, c, n)	memset((p), (c), (n))

#else /* !__KERNEL__ */

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;

#define MSCHED_EINVAL	22

static inline u64 msched_div_u64(u64 a, u64 b)
{
	return a / b;
}

static inline u64 msched_div_u64_rem(u64 a, u64 b, u64 *rem)
{
	*rem = a % b;
	return a / b;
}

#define msched_memset(p, c, n)	memset((p), (c), (n))

#endif /* __KERNEL__ */

#define MSCHED_U32_MAX		((u32)~0U)
#define MSCHED_U64_MAX		((u64)~0ULL)

/* Parts per million: fixed-point representation of a ratio in [0, 1]. */
#define MSCHED_PPM_ONE		1000000U

/*
 * Scan / batch numbers start at 1; 0 means "never accessed".  Shared by the
 * LRU engine (per-slot batch numbers) and the classifier (last-access scan).
 */
#define MSCHED_SCAN_NEVER	0ULL

/**
 * msched_mul_div_u64() - exact floor(@a * @b / @c) with a 128-bit product.
 * @a: first factor
 * @b: second factor
 * @c: divisor, must not be zero
 * @rem: if not NULL, receives (@a * @b) % @c
 *
 * The product is formed in 128 bits from 32-bit halves, so the result is
 * exact whenever it fits in 64 bits.  Only 64-bit adds, shifts and (in the
 * common case of a product below 2^64) one 64-bit division are used, so this
 * is usable in the kernel on any architecture.
 *
 * Context: any.
 * Return: the quotient, or MSCHED_U64_MAX (and remainder 0) if it does not
 * fit in 64 bits.
 */
static inline u64 msched_mul_div_u64(u64 a, u64 b, u64 c, u64 *rem)
{
	u64 a0 = (u32)a, a1 = a >> 32, b0 = (u32)b, b1 = b >> 32;
	u64 p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
	u64 mid = (p00 >> 32) + (u32)p01 + (u32)p10;
	u64 lo = (mid << 32) | (u32)p00;
	u64 hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
	u64 q = 0, r, dummy;
	int i;

	if (!rem)
		rem = &dummy;
	if (!hi)
		return msched_div_u64_rem(lo, c, rem);
	if (hi >= c) {
		*rem = 0;
		return MSCHED_U64_MAX;
	}
	/* Restoring long division of hi:lo by c; invariant r < c. */
	r = hi;
	for (i = 0; i < 64; i++) {
		u64 top = r >> 63;

		r = (r << 1) | (lo >> 63);
		lo <<= 1;
		q <<= 1;
		if (top || r >= c) {
			r -= c;
			q |= 1;
		}
	}
	*rem = r;
	return q;
}

/**
 * msched_ratio_ppm() - @num / @den in parts per million, rounded down.
 * @num: numerator
 * @den: denominator
 *
 * Context: any.
 * Return: floor(@num * 1000000 / @den) clamped to MSCHED_PPM_ONE;
 * MSCHED_PPM_ONE when @den is zero.
 */
static inline u32 msched_ratio_ppm(u64 num, u64 den)
{
	u64 v;

	if (!den || num >= den)
		return MSCHED_PPM_ONE;
	v = msched_mul_div_u64(num, MSCHED_PPM_ONE, den, NULL);
	return (u32)v;
}

#endif /* MSCHED_COMPAT_H */
