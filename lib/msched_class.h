/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * msched_class.h - page-age histogram and usage classes from sampled pages.
 *
 * Streaming accumulator: the caller initialises it with the scan parameters,
 * feeds the last-access scan number of every sampled page one by one (under
 * whatever lock protects its sample), then finalises.  Finalisation scales
 * the sampled counts to the guest size with the largest-remainder method, so
 * the per-class page counts (and the age-histogram buckets) add up exactly
 * to the total number of guest pages.  No allocation, O(1) per page.
 *
 * Scan numbers start at 1; MSCHED_SCAN_NEVER (0) means never accessed.  The
 * age of a page is (now_scan - last_scan) scans; a page accessed in the
 * current scan has age 0.
 */
#ifndef MSCHED_CLASS_H
#define MSCHED_CLASS_H

#include "msched_compat.h"

/**
 * enum msched_class_id - usage class of a page.
 * @MSCHED_CLASS_ACTIVE: age < active_scans
 * @MSCHED_CLASS_RECENTLY_IDLE: active_scans <= age < idle_scans
 * @MSCHED_CLASS_IDLE: age >= idle_scans
 * @MSCHED_CLASS_NEVER_TOUCHED: never seen accessed
 * @MSCHED_NR_CLASSES: number of classes
 */
enum msched_class_id {
	MSCHED_CLASS_ACTIVE,
	MSCHED_CLASS_RECENTLY_IDLE,
	MSCHED_CLASS_IDLE,
	MSCHED_CLASS_NEVER_TOUCHED,
	MSCHED_NR_CLASSES,
};

/*
 * Age histogram: bucket 0 holds age 0, bucket b (1..MSCHED_CLASS_NR_LOG2-1)
 * holds ages in [2^(b-1), 2^b), the last log2 bucket also holds all larger
 * ages, and bucket MSCHED_CLASS_AGE_NEVER holds never-accessed pages.
 */
#define MSCHED_CLASS_NR_LOG2		32U
#define MSCHED_CLASS_AGE_NEVER		MSCHED_CLASS_NR_LOG2
#define MSCHED_CLASS_NR_AGE_BUCKETS	(MSCHED_CLASS_NR_LOG2 + 1)

/**
 * struct msched_class_params - inputs of one classification pass.
 * @now_scan: current scan number (>= 1)
 * @total_pages: number of guest pages the sample stands for
 * @active_scans: pages younger than this many scans are ACTIVE
 * @idle_scans: pages at least this many scans old are IDLE;
 *		must be >= @active_scans
 * @wss_scans: working set = pages accessed within the last @wss_scans
 *	       scans (age < @wss_scans)
 * @unit: pages one sampled page's accessed bit stands for (the sampling
 *	  granularity; 0 counts as 1): every class and age part is a
 *	  multiple of @unit except that the largest also takes
 *	  @total_pages % @unit, and the working set is rounded to the nearest
 *	  multiple of @unit, so no estimate claims a precision finer than the
 *	  bits it comes from
 */
struct msched_class_params {
	u64 now_scan;
	u64 total_pages;
	u64 active_scans;
	u64 idle_scans;
	u64 wss_scans;
	u64 unit;
};

/**
 * struct msched_class - classification accumulator and results.
 * @p: parameters given to msched_class_init()
 * @nr_sampled: number of sampled pages fed so far
 * @nr_class: sampled pages per class
 * @nr_age: sampled pages per age bucket
 * @nr_wss: sampled pages in the working set
 * @class_pages: estimated guest pages per class (after finalising);
 *		 sums exactly to @p.total_pages
 * @age_pages: estimated guest pages per age bucket (after finalising);
 *	       sums exactly to @p.total_pages
 * @wss_pages: estimated working-set size in pages, rounded to the nearest
 *	       multiple of @p.unit
 * @scratch: remainders for the largest-remainder method
 *
 * About 1 KiB; embed it in a long-lived structure rather than on the stack.
 */
struct msched_class {
	struct msched_class_params p;
	u64 nr_sampled;
	u64 nr_class[MSCHED_NR_CLASSES];
	u64 nr_age[MSCHED_CLASS_NR_AGE_BUCKETS];
	u64 nr_wss;
	u64 class_pages[MSCHED_NR_CLASSES];
	u64 age_pages[MSCHED_CLASS_NR_AGE_BUCKETS];
	u64 wss_pages;
	u64 scratch[MSCHED_CLASS_NR_AGE_BUCKETS];
};

u32 msched_class_age_bucket(u64 age_scans);
u64 msched_class_bucket_min_scans(u32 bucket);
int msched_class_init(struct msched_class *c,
		      const struct msched_class_params *p);
enum msched_class_id msched_class_add(struct msched_class *c, u64 last_scan);
void msched_class_finalize(struct msched_class *c);
void msched_class_scale(const u64 *counts, u64 *pages, u64 *scratch, u32 n,
			u64 total_pages, u64 nr_sampled);
void msched_class_scale_unit(const u64 *counts, u64 *pages, u64 *scratch,
			     u32 n, u64 total_pages, u64 nr_sampled, u64 unit);

#endif /* MSCHED_CLASS_H */
