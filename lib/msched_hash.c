// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * msched_hash.c - 64-bit mixing hash and SHARDS spatial sampling filter.
 *
 * SHARDS ("Efficient MRC Construction with SHARDS", Waldspurger et al.)
 * samples a fixed subset of the *locations* (here: guest frame numbers) by
 * hashing each location and keeping it iff the hash falls below a threshold.
 * Every reference to a kept location is processed, so reuse distances among
 * sampled locations are exact and only need to be scaled by the period.
 */
#include "msched_hash.h"

#define MSCHED_GOLDEN64	0x9e3779b97f4a7c15ULL

static inline u64 msched_mix64(u64 z)
{
	/* splitmix64 / Stafford "Mix13" finaliser: full 64-bit avalanche. */
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/**
 * msched_hash64() - mix a 64-bit key with a seed.
 * @key: value to hash (e.g. a guest frame number)
 * @seed: selects one of 2^64 independent-looking hash functions
 *
 * The seed is itself mixed before being combined with the key, so nearby
 * seeds (0, 1, 2, ...) give unrelated functions.
 *
 * Context: any.
 * Return: a well-mixed 64-bit hash of (@key, @seed).
 */
u64 msched_hash64(u64 key, u64 seed)
{
	u64 s = msched_mix64(seed + MSCHED_GOLDEN64);

	return msched_mix64(key + s + MSCHED_GOLDEN64);
}

/**
 * msched_hash_threshold() - hash threshold that keeps 1/@period of keys.
 * @period: sampling period; 0 is treated as 1, values above
 *	    MSCHED_HASH_MAX_PERIOD are clamped to it
 *
 * Callers that test many keys with the same period can compute this once
 * and use msched_hash_sampled_thr() to avoid a division per key.
 *
 * Context: any.
 * Return: the threshold; a key is sampled iff its hash is <= the threshold.
 */
u64 msched_hash_threshold(u32 period)
{
	if (period <= 1)
		return MSCHED_U64_MAX;
	if (period > MSCHED_HASH_MAX_PERIOD)
		period = MSCHED_HASH_MAX_PERIOD;
	return msched_div_u64(MSCHED_U64_MAX, period);
}

/**
 * msched_hash_sampled_thr() - SHARDS filter with a precomputed threshold.
 * @gfn: location (guest frame number) to test
 * @seed: hash seed; the same seed always selects the same set of locations
 * @threshold: value from msched_hash_threshold()
 *
 * Context: any.
 * Return: true if @gfn belongs to the sampled set.
 */
bool msched_hash_sampled_thr(u64 gfn, u64 seed, u64 threshold)
{
	return msched_hash64(gfn, seed) <= threshold;
}

/**
 * msched_hash_sampled() - SHARDS filter: is @gfn in the sampled set?
 * @gfn: location (guest frame number) to test
 * @seed: hash seed; the same seed always selects the same set of locations
 * @period: sampling period 1..MSCHED_HASH_MAX_PERIOD; about 1/@period of all
 *	    locations are selected, and period 1 selects every location
 *
 * Context: any.
 * Return: true if @gfn belongs to the sampled set.
 */
bool msched_hash_sampled(u64 gfn, u64 seed, u32 period)
{
	return msched_hash_sampled_thr(gfn, seed, msched_hash_threshold(period));
}
