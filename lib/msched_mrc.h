/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * msched_mrc.h - reuse-distance histogram and LRU miss-rate curve (MRC).
 *
 * Distances come from the LRU engine (msched_lru.h) over SHARDS-sampled
 * pages.  With sampling period P (rate 1/P) a sampled stack position d
 * stands for a distance of about d * P pages, and each sampled reference
 * stands for P references, so both are scaled by P here.
 *
 * Bucket i (0-based) counts references whose scaled distance D satisfies
 * i * bucket_pages < D <= (i + 1) * bucket_pages.  References with a scaled
 * distance beyond nr_buckets * bucket_pages go to an overflow counter, first
 * touches (position 0) to the cold counter.  An LRU memory of M pages hits a
 * reference iff its distance D <= M, so the curve is exact at every bucket
 * boundary M = k * bucket_pages.
 *
 * Normalisation: by default ratios are divided by nr_refs, the weighted
 * count of sampled references (an estimate of all references).  With skewed
 * popularity that estimate is noisy: whether a few hot pages happen to be
 * sampled moves it by tens of percent.  A caller that can count *all*
 * references (sampled or not) reports them with msched_mrc_add_total_refs();
 * ratios are then divided by that exact count, which is the SHARDS-adj
 * correction (the difference is treated as distance-0 hits, so a memory of
 * size 0 still misses everything).
 */
#ifndef MSCHED_MRC_H
#define MSCHED_MRC_H

#include "msched_compat.h"

#define MSCHED_MRC_MAX_BUCKETS	65536U

/**
 * struct msched_mrc - weighted reuse-distance histogram.
 * @nr_buckets: number of distance buckets
 * @bucket_pages: memory size covered by one bucket, in pages
 * @nr_refs: weighted number of references seen (sum of all counters)
 * @nr_cold: weighted number of first touches (compulsory misses)
 * @nr_overflow: weighted references with distance > nr_buckets*bucket_pages
 * @nr_total_refs: all references reported by msched_mrc_add_total_refs(),
 *		   sampled or not; 0 if the caller does not report them
 * @buckets: weighted reference counts per distance bucket
 *
 * Weights are sampling periods, so all counters estimate real references.
 * Memory for @buckets is caller-provided, see msched_mrc_mem_bytes().
 */
struct msched_mrc {
	u32 nr_buckets;
	u64 bucket_pages;
	u64 nr_refs;
	u64 nr_cold;
	u64 nr_overflow;
	u64 nr_total_refs;
	u64 *buckets;
};

size_t msched_mrc_mem_bytes(u32 nr_buckets);
int msched_mrc_init(struct msched_mrc *h, void *mem, u32 nr_buckets,
		    u64 bucket_pages);
void msched_mrc_reset(struct msched_mrc *h);
void msched_mrc_add(struct msched_mrc *h, u64 position, u32 period);
void msched_mrc_add_total_refs(struct msched_mrc *h, u64 nr_refs);
void msched_mrc_decay(struct msched_mrc *h);
u32 msched_mrc_miss_ppm(const struct msched_mrc *h, u64 mem_pages);
u32 msched_mrc_curve(const struct msched_mrc *h, u32 *ppm, u32 nr_points);
u64 msched_mrc_knee_pages(const struct msched_mrc *h, u32 tolerance_ppm);
u32 msched_mrc_mae_ppm(const struct msched_mrc *a, const struct msched_mrc *b);

#endif /* MSCHED_MRC_H */
