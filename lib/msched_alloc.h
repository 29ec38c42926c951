/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * msched_alloc.h - dividing a pool of host pages among VMs: the memory
 * scheduler's two policies (ESX, Waldspurger OSDI'02).
 *
 *  - MSCHED_ALLOC_SHARES: shares with an idle-memory tax.  A VM of S shares
 *    holding P pages of which A are active pays one unit per active page
 *    and k = 1 / (1 - tau) units per idle page, so its shares-per-page
 *    ratio is rho = S / (A + k * (P - A)) (the paper's S / (P * (f + k *
 *    (1 - f))) with f = A / P; P < A counts every page as active).  The
 *    targets give every VM that is not held at its min or max the same
 *    rho: reclaiming from the lowest rho until they are equal.  With
 *    tau = 0 that is a split proportional to shares.  1 / rho is found
 *    as a level in steps of 2^-20 pages per share, up to 2^44: a VM is
 *    within a page or two of its exact share, the pages below the pool
 *    after the level search go to the first VMs in array order that grow
 *    at the next level, and a VM's target never falls when only its
 *    shares rise.  (A VM of S shares can be given a cost A + k * (P - A)
 *    of up to S * 2^44 pages; past that, far beyond any real VM, the
 *    targets may sum to less than the pool.)
 *
 *  - MSCHED_ALLOC_MRC: each VM first gets its min (and a VM without a
 *    miss curve its shares target); the pages above go, page run by page
 *    run, where they save the most modelled misses per page weighted by
 *    shares: marginal gains along the lower convex hull of each VM's
 *    curve between its min and max.  Segments of equal gain go first to
 *    the VM holding fewer pages per share, then to the lower index; the
 *    last segment may be given in part.  Pages no curve wants are then
 *    shared out by the shares policy, above what each VM holds by then.
 *    If the result models more weighted misses than the shares policy's
 *    targets (msched_alloc_weighted_misses()), the shares targets are
 *    used: the policy is never worse than MSCHED_ALLOC_SHARES on its own
 *    measure.  For convex curves the greedy is optimal (up to rounding of
 *    interpolated points); for others the hull can overrate a partly
 *    given segment, which the comparison with shares bounds.  What it
 *    maximises is the shares-weighted miss savings (the sum of shares *
 *    misses saved), which is the raw total of misses saved only when
 *    the shares are equal: with unequal shares it may model more misses
 *    in total than the shares policy, never more weighted ones.
 *
 * A miss curve is points miss[j] = modelled misses (per unit of time, in
 * any unit common to all VMs, at most MSCHED_ALLOC_MISS_MAX) when the VM
 * holds j * miss_step_pages pages, j = 0 .. nr_miss - 1; between points it
 * is linear, beyond the last point it stays at the last value.
 *
 * Pure C shared by the kernel module and the native tests: no floating
 * point, no allocation (the caller passes memory sized by
 * msched_alloc_mem_bytes()), no locking.
 */
#ifndef MSCHED_ALLOC_H
#define MSCHED_ALLOC_H

#include "msched_compat.h"

/* Limits of the inputs; msched_alloc() refuses anything outside. */
#define MSCHED_ALLOC_SHARES_MAX		1000000U
#define MSCHED_ALLOC_TAX_MAX_PCT	99U
#define MSCHED_ALLOC_MISS_MAX		(1ULL << 40)
#define MSCHED_ALLOC_POINTS_MAX		65536U

/* msched_alloc() returns this (> 0) when the mins alone exceed the pool. */
#define MSCHED_ALLOC_OVERCOMMITTED	1

enum msched_alloc_policy {
	MSCHED_ALLOC_SHARES = 0,
	MSCHED_ALLOC_MRC = 1,
	MSCHED_ALLOC_NR_POLICIES
};

/**
 * struct msched_alloc_vm - one VM as the allocator sees it.
 * @shares: its shares, 1 .. MSCHED_ALLOC_SHARES_MAX.
 * @min_pages: reservation: the target is never below it.
 * @max_pages: limit: the target is never above it; >= @min_pages (the
 *	caller caps it at the VM's size).
 * @active_pages: pages the VM actively uses (from sampling); values above
 *	@max_pages are treated as @max_pages.
 * @miss: the VM's miss curve (see above), or NULL for none.
 * @nr_miss: points in @miss, 2 .. MSCHED_ALLOC_POINTS_MAX when @miss is set.
 * @miss_step_pages: pages between two points, > 0 when @miss is set.
 * @target_pages: out: the VM's target.
 */
struct msched_alloc_vm {
	u64 shares;
	u64 min_pages;
	u64 max_pages;
	u64 active_pages;
	const u64 *miss;
	u32 nr_miss;
	u64 miss_step_pages;
	u64 target_pages;
};

/**
 * struct msched_alloc_params - what is divided, and how.
 * @pool_pages: pages to divide.
 * @idle_tax_pct: tau in percent, 0 .. MSCHED_ALLOC_TAX_MAX_PCT.
 * @policy: enum msched_alloc_policy.
 */
struct msched_alloc_params {
	u64 pool_pages;
	u32 idle_tax_pct;
	u32 policy;
};

/*
 * Scratch memory msched_alloc() needs for these VMs (a multiple of 8; 0
 * for no VMs): O(nr + the curves' points).  Only the VMs' miss and
 * nr_miss count, so it may be called before the other fields are set.
 */
size_t msched_alloc_mem_bytes(const struct msched_alloc_vm *vms, u32 nr);

/*
 * Set every vms[i].target_pages.  Returns 0; MSCHED_ALLOC_OVERCOMMITTED
 * when the mins sum to more than the pool (every target is then its min);
 * or -MSCHED_EINVAL for an input outside the limits above, a NULL @p, a
 * NULL @vms with @nr > 0 or a NULL @mem for MSCHED_ALLOC_MRC (targets are
 * then unchanged).  Otherwise the targets sum to at most the pool: to
 * exactly min(pool, sum of the maxes), with both policies.  @mem: 8-byte
 * aligned scratch of msched_alloc_mem_bytes(@vms, @nr) bytes, not needed
 * (may be NULL) for MSCHED_ALLOC_SHARES.  @nr == 0 returns 0.
 */
int msched_alloc(const struct msched_alloc_params *p,
		 struct msched_alloc_vm *vms, u32 nr, void *mem);

/*
 * The modelled misses of @v at @pages (0 without a curve); between two
 * points the linear value rounded up on a falling part, down on a rising
 * one.
 */
u64 msched_alloc_miss_at(const struct msched_alloc_vm *v, u64 pages);

/* sum of shares * misses at each VM's target, saturating at U64_MAX. */
u64 msched_alloc_weighted_misses(const struct msched_alloc_vm *vms, u32 nr);

/*
 * ESX's estimate of active memory: rises at once, falls by a quarter of
 * the difference per period.  Returns the smoothed value from the previous
 * one and this period's measurement: @now if @now >= @prev, else
 * @prev - ceil((@prev - @now) / 4) (at least one page, never below @now).
 */
u64 msched_alloc_smooth_active(u64 prev, u64 now);

/*
 * Whether a VM's working set and miss curve cover their whole window:
 * more than @wss_scans scans (0 counts as 1) since the sampler's history
 * began (the first one only re-arms).  Until then the scheduler counts
 * every page the VM holds as active and gives it no curve.
 */
bool msched_alloc_estimate_ready(u64 nr_scans, u64 wss_scans);

#endif /* MSCHED_ALLOC_H */
