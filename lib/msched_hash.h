/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * msched_hash.h - 64-bit mixing hash and SHARDS spatial sampling filter.
 */
#ifndef MSCHED_HASH_H
#define MSCHED_HASH_H

#include "msched_compat.h"

/* Largest supported sampling period (sampling rate 1/1024). */
#define MSCHED_HASH_MAX_PERIOD	1024U

u64 msched_hash64(u64 key, u64 seed);
u64 msched_hash_threshold(u32 period);
bool msched_hash_sampled_thr(u64 gfn, u64 seed, u64 threshold);
bool msched_hash_sampled(u64 gfn, u64 seed, u32 period);

#endif /* MSCHED_HASH_H */
