// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_alloc.c - the memory scheduler's allocator: shares with an idle
 * tax (ESX, OSDI'02) and the miss-curve policy.
 */
#include "test_util.h"
#include "msched_alloc.h"

#define NO_TARGET	0xdeadULL

static void vm_set(struct msched_alloc_vm *v, u64 shares, u64 min, u64 max,
		   u64 active)
{
	memset(v, 0, sizeof(*v));
	v->shares = shares;
	v->min_pages = min;
	v->max_pages = max;
	v->active_pages = active;
	v->target_pages = NO_TARGET;
}

static void vm_curve(struct msched_alloc_vm *v, const u64 *miss, u32 nr,
		     u64 step)
{
	v->miss = miss;
	v->nr_miss = nr;
	v->miss_step_pages = step;
}

#define GUARD_BYTES	64

/*
 * msched_alloc() with its own scratch memory, filled with garbage and
 * followed by a guard that must stay untouched.
 */
static int run_alloc(u64 pool, u32 tax, u32 policy,
		     struct msched_alloc_vm *vms, u32 nr)
{
	struct msched_alloc_params p = {
		.pool_pages = pool, .idle_tax_pct = tax, .policy = policy,
	};
	size_t bytes = msched_alloc_mem_bytes(vms, nr), i;
	u8 *mem = tmalloc(bytes + GUARD_BYTES);
	int ret;

	assert_int_equal(bytes % 8, 0);
	memset(mem, 0x5a, bytes + GUARD_BYTES);
	ret = msched_alloc(&p, vms, nr, mem);
	for (i = bytes; i < bytes + GUARD_BYTES; i++)
		assert_int_equal(mem[i], 0x5a);
	free(mem);
	return ret;
}

static u64 sum_targets(const struct msched_alloc_vm *vms, u32 nr)
{
	u64 s = 0;
	u32 i;

	for (i = 0; i < nr; i++)
		s += vms[i].target_pages;
	return s;
}

/*
 * (100 - tau) * the VM's cost at its target: an active page costs 1, an
 * idle one k = 100 / (100 - tau) (so 100 here); a target below the active
 * pages counts every page as active.
 */
static u64 cost100(const struct msched_alloc_vm *v, u64 pages, u32 tax)
{
	u64 act = v->active_pages < v->max_pages ? v->active_pages :
						   v->max_pages;

	if (pages <= act)
		return (100 - tax) * pages;
	return (100 - tax) * act + 100 * (pages - act);
}

/*
 * rho_a = S_a / cost_a equals rho_b within one idle page of cost:
 * |S_b * cost_a - S_a * cost_b| <= 100 * max(S_a, S_b), exact integers.
 */
static void assert_rho_equal(const struct msched_alloc_vm *a,
			     const struct msched_alloc_vm *b, u32 tax)
{
	unsigned __int128 x = (unsigned __int128)b->shares *
			      cost100(a, a->target_pages, tax);
	unsigned __int128 y = (unsigned __int128)a->shares *
			      cost100(b, b->target_pages, tax);
	unsigned __int128 d = x > y ? x - y : y - x;
	u64 smax = a->shares > b->shares ? a->shares : b->shares;

	if (d > (unsigned __int128)100 * smax)
		fail_msg("rho differs: %llu/%llu vs %llu/%llu (tau %u)",
			 (unsigned long long)a->target_pages,
			 (unsigned long long)a->shares,
			 (unsigned long long)b->target_pages,
			 (unsigned long long)b->shares, tax);
}

static void assert_in(u64 v, u64 lo, u64 hi)
{
	if (v < lo || v > hi)
		fail_msg("%llu not in [%llu, %llu]", (unsigned long long)v,
			 (unsigned long long)lo, (unsigned long long)hi);
}

/*
 * OSDI'02 section 5.3's setting: two VMs of equal shares, one idle, one
 * with half its memory active.
 *
 * tau = 0: 500/500 whatever the activity.
 * tau = 50% (k = 2): idle gets X/2, active 500 + (X - 500)/2, sum
 *   X + 250 = 1000 -> X = 750: idle 375, active 625; costs 2*375 = 750
 *   and 500 + 2*125 = 750, so rho is equal.
 * tau = 75% (k = 4): X/4 + 500 + (X - 500)/4 = 1000 -> X = 1250: idle
 *   312.5, active 687.5.
 * Scaled by 262.144 (pool 262144): tau 50% 98304/163840, 75% 81920/180224
 * exactly.
 */
static void osdi_case(u64 pool, u32 tax, u64 idle_lo, u64 idle_hi)
{
	struct msched_alloc_vm v[2];
	u32 policy;

	for (policy = 0; policy < MSCHED_ALLOC_NR_POLICIES; policy++) {
		vm_set(&v[0], 1000, 0, pool, 0);
		vm_set(&v[1], 1000, 0, pool, pool / 2);
		assert_int_equal(run_alloc(pool, tax, policy, v, 2), 0);
		assert_in(v[0].target_pages, idle_lo, idle_hi);
		assert_in(v[1].target_pages, pool - idle_hi, pool - idle_lo);
		assert_int_equal(sum_targets(v, 2), pool);
		assert_rho_equal(&v[0], &v[1], tax);
		/* the same with the VMs swapped */
		vm_set(&v[1], 1000, 0, pool, 0);
		vm_set(&v[0], 1000, 0, pool, pool / 2);
		assert_int_equal(run_alloc(pool, tax, policy, v, 2), 0);
		assert_in(v[1].target_pages, idle_lo, idle_hi);
		assert_int_equal(sum_targets(v, 2), pool);
	}
}

static void test_osdi_idle_tax(void **state)
{
	(void)state;
	osdi_case(1000, 0, 499, 501);
	osdi_case(1000, 50, 375, 375);
	osdi_case(1000, 75, 312, 313);
	osdi_case(262144, 0, 131071, 131073);
	osdi_case(262144, 50, 98304, 98304);
	osdi_case(262144, 75, 81920, 81920);
	/* tau 99 (k = 100): X/100 + 500 + (X - 500)/100 = 1000 -> X = 25250 */
	osdi_case(1000, 99, 252, 253);
}

/* tau = 0, no bounds: proportional to shares. */
static void test_proportional(void **state)
{
	static const u64 sh[][4] = {
		{ 1000, 2000, 3000, 0 },
		{ 1, 2, 3, 0 },
		{ 1, 1, 1, 1 },
		{ 7, 13, 999999, 500000 },
		{ 1000000, 1, 1000000, 3 },
	};
	static const u64 pools[] = { 60000, 1000, 12345, 1ULL << 30 };
	struct msched_alloc_vm v[4];
	u32 c, k, i, nr;

	(void)state;
	for (c = 0; c < ARRAY_SIZE(sh); c++) {
		for (k = 0; k < ARRAY_SIZE(pools); k++) {
			u64 total = 0, pool = pools[k];

			nr = sh[c][3] ? 4 : 3;
			for (i = 0; i < nr; i++) {
				vm_set(&v[i], sh[c][i], 0, 1ULL << 36,
				       (i * 7919) % 5000);
				total += sh[c][i];
			}
			assert_int_equal(run_alloc(pool, 0, MSCHED_ALLOC_SHARES,
						   v, nr), 0);
			assert_int_equal(sum_targets(v, nr), pool);
			for (i = 0; i < nr; i++) {
				u64 exp = (u64)((unsigned __int128)pool *
						sh[c][i] / total);

				assert_in(v[i].target_pages,
					  exp > nr ? exp - nr : 0, exp + nr);
			}
		}
	}
	/* 1:2:3 with pool 60000 is exact. */
	vm_set(&v[0], 1000, 0, 1ULL << 36, 0);
	vm_set(&v[1], 2000, 0, 1ULL << 36, 50000);
	vm_set(&v[2], 3000, 0, 1ULL << 36, 7);
	assert_int_equal(run_alloc(60000, 0, MSCHED_ALLOC_SHARES, v, 3), 0);
	assert_int_equal(v[0].target_pages, 10000);
	assert_int_equal(v[1].target_pages, 20000);
	assert_int_equal(v[2].target_pages, 30000);
}

/*
 * Four VMs of equal shares, pool 10000: VM0's min of 5000 is above its
 * share, VM1's max of 500 below it; VM2 and VM3 split the 4500 left.
 * tau = 0: 2250 each.  tau = 75%, VM2 active 2000, VM3 idle:
 * 2000 + (X - 2000)/4 + X/4 = 4500 -> X = 6000: 3000 and 1500.
 */
static void test_min_max(void **state)
{
	struct msched_alloc_vm v[4];
	u32 policy;

	(void)state;
	for (policy = 0; policy < MSCHED_ALLOC_NR_POLICIES; policy++) {
		vm_set(&v[0], 1000, 5000, 10000, 0);
		vm_set(&v[1], 1000, 0, 500, 500);
		vm_set(&v[2], 1000, 0, 10000, 2000);
		vm_set(&v[3], 1000, 0, 10000, 0);
		assert_int_equal(run_alloc(10000, 0, policy, v, 4), 0);
		assert_int_equal(v[0].target_pages, 5000);
		assert_int_equal(v[1].target_pages, 500);
		assert_int_equal(v[2].target_pages, 2250);
		assert_int_equal(v[3].target_pages, 2250);

		assert_int_equal(run_alloc(10000, 75, policy, v, 4), 0);
		assert_int_equal(v[0].target_pages, 5000);
		assert_int_equal(v[1].target_pages, 500);
		assert_int_equal(v[2].target_pages, 3000);
		assert_int_equal(v[3].target_pages, 1500);
		assert_rho_equal(&v[2], &v[3], 75);

		/* Active above max counts as max: VM1 stays at 500. */
		v[1].active_pages = 1ULL << 40;
		assert_int_equal(run_alloc(10000, 75, policy, v, 4), 0);
		assert_int_equal(v[1].target_pages, 500);
		assert_int_equal(v[2].target_pages, 3000);

		/* Pool above the sum of the maxes: everyone at max. */
		assert_int_equal(run_alloc(1ULL << 20, 75, policy, v, 4), 0);
		assert_int_equal(v[0].target_pages, 10000);
		assert_int_equal(v[1].target_pages, 500);
		assert_int_equal(v[2].target_pages, 10000);
		assert_int_equal(v[3].target_pages, 10000);

		/* Pool 0, no mins: all 0. */
		v[0].min_pages = 0;
		assert_int_equal(run_alloc(0, 75, policy, v, 4), 0);
		assert_int_equal(sum_targets(v, 4), 0);
	}
}

static void test_overcommitted(void **state)
{
	struct msched_alloc_vm v[3];
	static const u64 miss[] = { 100, 50, 0 };
	u32 policy;

	(void)state;
	for (policy = 0; policy < MSCHED_ALLOC_NR_POLICIES; policy++) {
		vm_set(&v[0], 1000, 400, 1000, 1000);
		vm_set(&v[1], 5, 300, 300, 0);
		vm_set(&v[2], 999999, 301, 5000, 0);
		vm_curve(&v[2], miss, 3, 100);
		assert_int_equal(run_alloc(1000, 75, policy, v, 3),
				 MSCHED_ALLOC_OVERCOMMITTED);
		assert_int_equal(v[0].target_pages, 400);
		assert_int_equal(v[1].target_pages, 300);
		assert_int_equal(v[2].target_pages, 301);
		/* Mins exactly the pool: not overcommitted, targets = mins. */
		v[2].min_pages = 300;
		assert_int_equal(run_alloc(1000, 75, policy, v, 3), 0);
		assert_int_equal(v[0].target_pages, 400);
		assert_int_equal(v[1].target_pages, 300);
		assert_int_equal(v[2].target_pages, 300);
		/* Mins summing past U64_MAX. */
		v[0].min_pages = MSCHED_U64_MAX - 10;
		v[0].max_pages = MSCHED_U64_MAX - 10;
		v[1].min_pages = 100;
		v[1].max_pages = 100;
		assert_int_equal(run_alloc(MSCHED_U64_MAX - 1, 0, policy, v, 3),
				 MSCHED_ALLOC_OVERCOMMITTED);
		assert_int_equal(v[0].target_pages, MSCHED_U64_MAX - 10);
	}
}

static void expect_einval(const struct msched_alloc_params *p,
			  struct msched_alloc_vm *v, u32 nr, void *mem,
			  const char *what)
{
	u32 i;

	for (i = 0; i < nr; i++)
		v[i].target_pages = NO_TARGET;
	if (msched_alloc(p, v, nr, mem) != -MSCHED_EINVAL)
		fail_msg("%s: not refused", what);
	for (i = 0; i < nr; i++)
		assert_int_equal(v[i].target_pages, NO_TARGET);
}

static void test_bad_inputs(void **state)
{
	static u64 miss[4] = { 10, 5, 1, 0 };
	static u64 big[MSCHED_ALLOC_POINTS_MAX + 1];
	struct msched_alloc_params p = { .pool_pages = 1000, .idle_tax_pct = 75,
					 .policy = MSCHED_ALLOC_MRC };
	struct msched_alloc_vm v[2];
	u64 mem[256];

	(void)state;
	vm_set(&v[0], 1000, 0, 1000, 0);
	vm_set(&v[1], 1000, 0, 1000, 500);
	vm_curve(&v[1], miss, 4, 100);
	assert_true(msched_alloc_mem_bytes(v, 2) <= sizeof(mem));
	assert_int_equal(msched_alloc(&p, v, 2, mem), 0);

	v[0].shares = 0;
	expect_einval(&p, v, 2, mem, "shares 0");
	v[0].shares = MSCHED_ALLOC_SHARES_MAX + 1;
	expect_einval(&p, v, 2, mem, "shares above max");
	v[0].shares = MSCHED_ALLOC_SHARES_MAX;
	v[0].min_pages = 1001;
	expect_einval(&p, v, 2, mem, "min > max");
	v[0].min_pages = 1000;
	p.idle_tax_pct = 100;
	expect_einval(&p, v, 2, mem, "tax 100");
	p.idle_tax_pct = MSCHED_ALLOC_TAX_MAX_PCT;
	p.policy = MSCHED_ALLOC_NR_POLICIES;
	expect_einval(&p, v, 2, mem, "unknown policy");
	p.policy = MSCHED_ALLOC_MRC;
	v[1].nr_miss = 1;
	expect_einval(&p, v, 2, mem, "one point");
	v[1].nr_miss = 0;
	expect_einval(&p, v, 2, mem, "no points");
	v[1].nr_miss = 4;
	v[1].miss_step_pages = 0;
	expect_einval(&p, v, 2, mem, "step 0");
	v[1].miss_step_pages = 100;
	miss[2] = MSCHED_ALLOC_MISS_MAX + 1;
	expect_einval(&p, v, 2, mem, "miss above MISS_MAX");
	miss[2] = MSCHED_ALLOC_MISS_MAX;
	expect_einval(NULL, v, 2, mem, "no params");
	expect_einval(&p, v, 2, NULL, "mrc without memory");
	assert_int_equal(msched_alloc(&p, NULL, 2, mem), -MSCHED_EINVAL);
	/* The shares policy refuses the same curve errors. */
	p.policy = MSCHED_ALLOC_SHARES;
	v[1].miss_step_pages = 0;
	expect_einval(&p, v, 2, NULL, "shares: step 0");
	v[1].miss_step_pages = 100;
	v[1].miss = big;
	v[1].nr_miss = MSCHED_ALLOC_POINTS_MAX + 1;
	expect_einval(&p, v, 2, NULL, "too many points");

	/* The limits themselves are accepted. */
	v[1].nr_miss = MSCHED_ALLOC_POINTS_MAX;
	big[7] = MSCHED_ALLOC_MISS_MAX;
	assert_int_equal(msched_alloc(&p, v, 2, NULL), 0);
	assert_int_equal(sum_targets(v, 2), 1000);
	p.policy = MSCHED_ALLOC_MRC;
	assert_int_equal(run_alloc(1000, 99, MSCHED_ALLOC_MRC, v, 2), 0);
	assert_int_equal(sum_targets(v, 2), 1000);
	/* No VMs: fine, for either policy, without memory. */
	assert_int_equal(msched_alloc(&p, NULL, 0, NULL), 0);
	assert_int_equal(msched_alloc_mem_bytes(NULL, 0), 0);
	assert_int_equal(msched_alloc_mem_bytes(v, 0), 0);
}

/* Interpolation, the flat tail, and the weighted sum. */
static void test_miss_at(void **state)
{
	static const u64 down[] = { 100, 50, 50, 20 };
	static const u64 up[] = { 0, 10 };
	static const u64 fall[] = { 10, 0 };
	struct msched_alloc_vm v[3];

	(void)state;
	vm_set(&v[0], 3, 0, 100, 0);
	assert_int_equal(msched_alloc_miss_at(&v[0], 5), 0);	/* no curve */
	vm_curve(&v[0], down, 4, 10);
	assert_int_equal(msched_alloc_miss_at(&v[0], 0), 100);
	assert_int_equal(msched_alloc_miss_at(&v[0], 5), 75);
	assert_int_equal(msched_alloc_miss_at(&v[0], 10), 50);
	assert_int_equal(msched_alloc_miss_at(&v[0], 15), 50);
	assert_int_equal(msched_alloc_miss_at(&v[0], 21), 47);
	assert_int_equal(msched_alloc_miss_at(&v[0], 30), 20);
	assert_int_equal(msched_alloc_miss_at(&v[0], 1ULL << 62), 20);
	vm_set(&v[1], 5, 0, 100, 0);
	vm_curve(&v[1], up, 2, 4);
	assert_int_equal(msched_alloc_miss_at(&v[1], 1), 2);	/* 2.5 down */
	vm_set(&v[2], 7, 0, 100, 0);
	vm_curve(&v[2], fall, 2, 4);
	assert_int_equal(msched_alloc_miss_at(&v[2], 1), 8);	/* 7.5 up */
	assert_int_equal(msched_alloc_miss_at(&v[2], MSCHED_U64_MAX), 0);

	v[0].target_pages = 5;		/* 3 * 75 */
	v[1].target_pages = 4;		/* 5 * 10 */
	v[2].target_pages = 2;		/* 7 * 5 */
	assert_int_equal(msched_alloc_weighted_misses(v, 3), 225 + 50 + 35);
	assert_int_equal(msched_alloc_weighted_misses(v, 0), 0);
}

/*
 * mrc where it helps: equal shares, pool 1000.  VM0's curve falls from
 * 1000 to 0 over its first 100 pages (WSS 100), VM1's from 900 to 0 over
 * 900 pages.  Both have 500 active pages, so shares splits 500/500: VM1
 * then misses 400.  mrc gives 100/900: no misses at all.
 */
static void test_mrc_wins(void **state)
{
	static const u64 wss100[] = { 1000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const u64 lin900[] = { 900, 800, 700, 600, 500, 400, 300,
				      200, 100, 0, 0 };
	struct msched_alloc_vm v[2];
	u64 w_shares, w_mrc;

	(void)state;
	vm_set(&v[0], 1000, 0, 1000, 500);
	vm_set(&v[1], 1000, 0, 1000, 500);
	vm_curve(&v[0], wss100, ARRAY_SIZE(wss100), 100);
	vm_curve(&v[1], lin900, ARRAY_SIZE(lin900), 100);
	assert_int_equal(run_alloc(1000, 75, MSCHED_ALLOC_SHARES, v, 2), 0);
	assert_int_equal(v[0].target_pages, 500);
	assert_int_equal(v[1].target_pages, 500);
	w_shares = msched_alloc_weighted_misses(v, 2);
	assert_int_equal(w_shares, 1000 * 400);

	assert_int_equal(run_alloc(1000, 75, MSCHED_ALLOC_MRC, v, 2), 0);
	assert_int_equal(v[0].target_pages, 100);
	assert_int_equal(v[1].target_pages, 900);
	w_mrc = msched_alloc_weighted_misses(v, 2);
	assert_int_equal(w_mrc, 0);
	assert_true(w_mrc < w_shares);
	tdiag("mrc: 100/900 pages, weighted misses %llu (shares: 500/500, %llu)",
	      (unsigned long long)w_mrc, (unsigned long long)w_shares);

	/*
	 * Pool 1200: 200 pages no curve wants, shared by the shares policy
	 * above 100/900: VM0's cost is the lower, so all 200 go to it.
	 */
	assert_int_equal(run_alloc(1200, 75, MSCHED_ALLOC_MRC, v, 2), 0);
	assert_int_equal(v[0].target_pages, 300);
	assert_int_equal(v[1].target_pages, 900);
	assert_int_equal(msched_alloc_weighted_misses(v, 2), 0);

	/*
	 * The same with the VMs swapped: VM0 (linear) 900, VM1 100; the
	 * 200 pages no curve wants go by shares, all to VM1 (lower cost),
	 * not to whichever VM comes first.
	 */
	vm_curve(&v[1], wss100, ARRAY_SIZE(wss100), 100);
	vm_curve(&v[0], lin900, ARRAY_SIZE(lin900), 100);
	assert_int_equal(run_alloc(1200, 75, MSCHED_ALLOC_MRC, v, 2), 0);
	assert_int_equal(v[0].target_pages, 900);
	assert_int_equal(v[1].target_pages, 300);
	/*
	 * And by the idle tax: VM0 all active, VM1 idle, tau 99: at 900
	 * VM0 costs 900, VM1 at 100 idle pages 10000; VM0 is filled to its
	 * max (1000) first, VM1 gets the other 100.
	 */
	v[0].active_pages = 1000;
	v[1].active_pages = 0;
	assert_int_equal(run_alloc(1200, 99, MSCHED_ALLOC_MRC, v, 2), 0);
	assert_int_equal(v[0].target_pages, 1000);
	assert_int_equal(v[1].target_pages, 200);
	v[0].active_pages = 500;
	v[1].active_pages = 500;
	vm_curve(&v[0], wss100, ARRAY_SIZE(wss100), 100);
	vm_curve(&v[1], lin900, ARRAY_SIZE(lin900), 100);

	/*
	 * Shares weigh the gains: VM1 with 20x the shares saves 20000 a
	 * page against VM0's 10000 and gets the whole pool, 0/700 (misses
	 * 1000 * 1000 + 20000 * 200 = 5.0e6; shares' 33/667 would model
	 * 1000 * 670 + 20000 * 233 = 5.33e6).
	 */
	v[1].shares = 20000;
	assert_int_equal(run_alloc(700, 0, MSCHED_ALLOC_MRC, v, 2), 0);
	assert_int_equal(v[0].target_pages, 0);
	assert_int_equal(v[1].target_pages, 700);
	v[1].shares = 5000;	/* 10/page * 1000 vs 1/page * 5000: VM0 first */
	assert_int_equal(run_alloc(700, 0, MSCHED_ALLOC_MRC, v, 2), 0);
	assert_int_equal(v[0].target_pages, 100);
	assert_int_equal(v[1].target_pages, 600);
}

/*
 * A non-convex (cliff) curve: VM0 misses 1000 until 400 pages, 0 from
 * 500.  VM1 falls linearly from 1000 at 0 to 0 at 1000.  The hull of VM0
 * is the chord 0..500 (2 misses a page), steeper than VM1's 1 a page.
 */
static void test_mrc_cliff(void **state)
{
	static const u64 cliff[] = { 1000, 1000, 1000, 1000, 1000, 0 };
	static const u64 lin[] = { 1000, 900, 800, 700, 600, 500, 400, 300,
				   200, 100, 0 };
	struct msched_alloc_vm v[3];

	(void)state;
	vm_set(&v[0], 1000, 0, 1000, 1000);
	vm_set(&v[1], 1000, 0, 1000, 1000);
	vm_curve(&v[0], cliff, ARRAY_SIZE(cliff), 100);
	vm_curve(&v[1], lin, ARRAY_SIZE(lin), 100);
	/* Pool 600: VM0 takes its whole chord, VM1 the rest. */
	assert_int_equal(run_alloc(600, 0, MSCHED_ALLOC_MRC, v, 2), 0);
	assert_int_equal(v[0].target_pages, 500);
	assert_int_equal(v[1].target_pages, 100);
	assert_int_equal(msched_alloc_weighted_misses(v, 2), 1000 * 900);
	/*
	 * Pool 300: the greedy stops inside VM0's chord (300/0: misses
	 * 1000 + 1000), worse than shares' 150/150 (1000 + 850): the
	 * shares targets are kept.
	 */
	assert_int_equal(run_alloc(300, 0, MSCHED_ALLOC_MRC, v, 2), 0);
	assert_int_equal(v[0].target_pages, 150);
	assert_int_equal(v[1].target_pages, 150);
	assert_int_equal(msched_alloc_weighted_misses(v, 2), 1000 * 1850);

	/*
	 * A VM without a curve keeps its shares target (tau 0, pool 2500:
	 * 834/833/833, the odd page to the first VM); the curves compete for
	 * the 1467 pages above their mins (200, 0).  VM0's chord 200..500
	 * (1000/300 a page) goes first, then VM1's 1000 pages; the 167 left
	 * go by shares above 500/1000/833: all to VM0 (667).
	 */
	vm_set(&v[2], 1000, 0, 5000, 0);
	v[0].min_pages = 200;
	assert_int_equal(run_alloc(2500, 0, MSCHED_ALLOC_MRC, v, 3), 0);
	assert_int_equal(v[0].target_pages, 667);
	assert_int_equal(v[1].target_pages, 1000);
	assert_int_equal(v[2].target_pages, 833);
	assert_int_equal(msched_alloc_weighted_misses(v, 3), 0);
	assert_int_equal(run_alloc(2500, 0, MSCHED_ALLOC_SHARES, v, 3), 0);
	assert_int_equal(v[0].target_pages, 834);
	assert_int_equal(v[1].target_pages, 833);
	assert_int_equal(msched_alloc_weighted_misses(v, 3), 1000 * 167);
}

/*
 * Equal gains: VMs take turns segment by segment, the one with fewer
 * pages per share first, then the lower index.  Two equal VMs with the
 * same straight curve (1000 down to 0 over 1000 pages, points every 100),
 * pool 500: VM0, VM1, VM0, VM1, then half a segment to VM0: 300/200
 * (shares' 250/250 models as many misses, so mrc's result stays).  With
 * twice the shares, VM1's drops weigh twice: it gets everything.
 */
static void test_mrc_ties(void **state)
{
	static const u64 lin[] = { 1000, 900, 800, 700, 600, 500, 400, 300,
				   200, 100, 0 };
	struct msched_alloc_vm v[2];

	(void)state;
	vm_set(&v[0], 1000, 0, 1000, 1000);
	vm_set(&v[1], 1000, 0, 1000, 1000);
	vm_curve(&v[0], lin, ARRAY_SIZE(lin), 100);
	vm_curve(&v[1], lin, ARRAY_SIZE(lin), 100);
	assert_int_equal(run_alloc(500, 0, MSCHED_ALLOC_MRC, v, 2), 0);
	assert_int_equal(v[0].target_pages, 300);
	assert_int_equal(v[1].target_pages, 200);
	assert_int_equal(msched_alloc_weighted_misses(v, 2), 1000 * 1500);
	assert_int_equal(run_alloc(400, 0, MSCHED_ALLOC_MRC, v, 2), 0);
	assert_int_equal(v[0].target_pages, 200);
	assert_int_equal(v[1].target_pages, 200);
	v[1].shares = 2000;
	assert_int_equal(run_alloc(500, 0, MSCHED_ALLOC_MRC, v, 2), 0);
	assert_int_equal(v[0].target_pages, 0);
	assert_int_equal(v[1].target_pages, 500);
}

/* A random miss curve: convex, non-convex, rising parts, or flat. */
static u32 rand_curve(struct trng *r, u64 *miss, u32 room)
{
	u32 nr = 2 + (u32)trng_below(r, room - 1), j, kind = trng_below(r, 4);
	u64 y = trng_below(r, 2) ? trng_below(r, 1ULL << 20) :
				   MSCHED_ALLOC_MISS_MAX - trng_below(r, 100);

	for (j = 0; j < nr; j++) {
		miss[j] = y;
		switch (kind) {
		case 0:		/* convex-ish falling */
			y -= y / (2 + trng_below(r, 4));
			break;
		case 1:		/* falling with cliffs and plateaus */
			if (trng_below(r, 3) == 0)
				y -= trng_below(r, y + 1);
			break;
		case 2:		/* random walk, clamped */
			if (trng_below(r, 2))
				y -= trng_below(r, y / 2 + 1);
			else if (y < MSCHED_ALLOC_MISS_MAX / 2)
				y += trng_below(r, y / 4 + 10);
			break;
		default:	/* flat */
			break;
		}
	}
	return nr;
}

static u64 rand_pages(struct trng *r)
{
	switch (trng_below(r, 4)) {
	case 0:
		return trng_below(r, 100);
	case 1:
		return trng_below(r, 100000);
	case 2:
		return trng_below(r, 1ULL << 24);
	default:
		return trng_below(r, 1ULL << 34);
	}
}

#define RAND_CASES	3000
#define RAND_MAXVM	16
#define RAND_POINTS	40

static void check_bounds(const struct msched_alloc_vm *v, u32 nr, u64 pool,
			 int ret)
{
	u64 sum_min = 0, sum_max = 0;
	u32 i;

	for (i = 0; i < nr; i++) {
		sum_min += v[i].min_pages;
		sum_max += v[i].max_pages;
		assert_in(v[i].target_pages, v[i].min_pages, v[i].max_pages);
	}
	if (sum_min > pool) {
		assert_int_equal(ret, MSCHED_ALLOC_OVERCOMMITTED);
		for (i = 0; i < nr; i++)
			assert_int_equal(v[i].target_pages, v[i].min_pages);
		return;
	}
	assert_int_equal(ret, 0);
	/* Every page is handed out while some VM is below its max. */
	assert_int_equal(sum_targets(v, nr), sum_max < pool ? sum_max : pool);
}

/*
 * No VM could take a page from another and be closer to equal rho:
 * if a is below its max and b above its min, b's cost per share without
 * its last page is at most a's with one more page, give or take one page
 * of rounding (the allocator floors S * L and the taxed part).
 */
static void check_fair(const struct msched_alloc_vm *v, u32 nr, u32 tax)
{
	u32 a, b;

	for (a = 0; a < nr; a++) {
		if (v[a].target_pages >= v[a].max_pages)
			continue;
		for (b = 0; b < nr; b++) {
			unsigned __int128 ca, cb;

			if (b == a || v[b].target_pages <= v[b].min_pages)
				continue;
			/* cost_b(t_b - 1) / S_b <= cost_a(t_a + 2) / S_a */
			ca = (unsigned __int128)cost100(&v[a],
							v[a].target_pages + 2,
							tax) * v[b].shares;
			cb = (unsigned __int128)cost100(&v[b],
							v[b].target_pages - 1,
							tax) * v[a].shares;
			if (cb > ca) {
				u32 i;

				for (i = 0; i < nr; i++)
					tdiag("vm%u s %llu min %llu max %llu act %llu t %llu", i,
					      (unsigned long long)v[i].shares,
					      (unsigned long long)v[i].min_pages,
					      (unsigned long long)v[i].max_pages,
					      (unsigned long long)v[i].active_pages,
					      (unsigned long long)v[i].target_pages);
				fail_msg("unfair: vm%u %llu/%llu vs vm%u %llu/%llu tau %u",
					 a, (unsigned long long)v[a].target_pages,
					 (unsigned long long)v[a].shares, b,
					 (unsigned long long)v[b].target_pages,
					 (unsigned long long)v[b].shares, tax);
			}
		}
	}
}

static void test_random_properties(void **state)
{
	struct msched_alloc_vm v[RAND_MAXVM], w[RAND_MAXVM];
	u64 curves[RAND_MAXVM][RAND_POINTS], t_sh[RAND_MAXVM];
	u64 nr_over = 0, nr_better = 0, nr_curves = 0, c;
	struct trng r;

	(void)state;
	trng_seed(&r, 15);
	for (c = 0; c < RAND_CASES; c++) {
		u32 nr = 1 + (u32)trng_below(&r, RAND_MAXVM), i, j;
		u32 tax = trng_below(&r, 3) ? (u32)trng_below(&r, 100) :
				(trng_below(&r, 2) ? 0 : 99);
		u64 pool, sum_max = 0, w_sh, w_mrc, raised;
		int ret;

		for (i = 0; i < nr; i++) {
			u64 a = rand_pages(&r), b = rand_pages(&r);
			u64 s = trng_below(&r, 2) ?
				1 + trng_below(&r, MSCHED_ALLOC_SHARES_MAX) :
				1 + trng_below(&r, 4000);

			if (a > b) {
				u64 t = a;

				a = b;
				b = t;
			}
			if (trng_below(&r, 3) == 0)
				a = 0;
			vm_set(&v[i], s, a, b, trng_below(&r, 4) ?
			       trng_below(&r, b + 1) : rand_pages(&r));
			if (trng_below(&r, 4)) {
				vm_curve(&v[i], curves[i],
					 rand_curve(&r, curves[i], RAND_POINTS),
					 1 + rand_pages(&r) / 8);
				nr_curves++;
			}
			sum_max += b;
		}
		pool = trng_below(&r, 8) ? trng_below(&r, sum_max + 2) :
					   rand_pages(&r);

		ret = run_alloc(pool, tax, MSCHED_ALLOC_SHARES, v, nr);
		check_bounds(v, nr, pool, ret);
		if (ret)
			nr_over++;
		else
			check_fair(v, nr, tax);
		for (i = 0; i < nr; i++)
			t_sh[i] = v[i].target_pages;
		w_sh = msched_alloc_weighted_misses(v, nr);

		memcpy(w, v, sizeof(v[0]) * nr);
		ret = run_alloc(pool, tax, MSCHED_ALLOC_MRC, w, nr);
		check_bounds(w, nr, pool, ret);
		w_mrc = msched_alloc_weighted_misses(w, nr);
		if (w_mrc > w_sh)
			fail_msg("case %llu: mrc %llu > shares %llu",
				 (unsigned long long)c,
				 (unsigned long long)w_mrc,
				 (unsigned long long)w_sh);
		nr_better += w_mrc < w_sh;

		/* Raising one VM's shares never lowers its target. */
		j = (u32)trng_below(&r, nr);
		raised = v[j].shares +
			 trng_below(&r, MSCHED_ALLOC_SHARES_MAX - v[j].shares + 1);
		memcpy(w, v, sizeof(v[0]) * nr);
		w[j].shares = raised;
		ret = run_alloc(pool, tax, MSCHED_ALLOC_SHARES, w, nr);
		check_bounds(w, nr, pool, ret);
		if (w[j].target_pages < t_sh[j])
			fail_msg("case %llu: vm%u shares %llu -> %llu, target %llu -> %llu",
				 (unsigned long long)c, j,
				 (unsigned long long)v[j].shares,
				 (unsigned long long)raised,
				 (unsigned long long)t_sh[j],
				 (unsigned long long)w[j].target_pages);
	}
	tdiag("alloc: %u random cases (%llu curves), %llu overcommitted, mrc better in %llu",
	      RAND_CASES, (unsigned long long)nr_curves,
	      (unsigned long long)nr_over, (unsigned long long)nr_better);
	assert_true(nr_over > 0 && nr_better > 100);
}

/* The modelled misses at the targets, not weighted by shares. */
static u64 raw_misses(const struct msched_alloc_vm *v, u32 nr)
{
	u64 sum = 0;
	u32 i;

	for (i = 0; i < nr; i++)
		sum += msched_alloc_miss_at(&v[i], v[i].target_pages);
	return sum;
}

/*
 * mrc minimises misses weighted by shares; with equal shares that is the
 * raw total, so there mrc is never worse than shares on raw total misses
 * either. (With shares 1 .. 4000, misses up to MSCHED_ALLOC_MISS_MAX and
 * 16 VMs the weighted sum stays far below saturation, where the two
 * measures could part.)
 */
static void test_mrc_equal_shares_raw(void **state)
{
	struct msched_alloc_vm v[RAND_MAXVM], w[RAND_MAXVM];
	u64 curves[RAND_MAXVM][RAND_POINTS];
	u64 nr_better = 0, c;
	struct trng r;

	(void)state;
	trng_seed(&r, 1515);
	for (c = 0; c < RAND_CASES; c++) {
		u32 nr = 1 + (u32)trng_below(&r, RAND_MAXVM), i;
		u32 tax = (u32)trng_below(&r, 100);
		u64 s = 1 + trng_below(&r, 4000), pool, sum_max = 0;
		u64 raw_sh, raw_mrc;
		int ret;

		for (i = 0; i < nr; i++) {
			u64 a = rand_pages(&r), b = rand_pages(&r);

			if (a > b) {
				u64 t = a;

				a = b;
				b = t;
			}
			if (trng_below(&r, 3))
				a = 0;
			vm_set(&v[i], s, a, b, trng_below(&r, b + 1));
			if (trng_below(&r, 8))
				vm_curve(&v[i], curves[i],
					 rand_curve(&r, curves[i], RAND_POINTS),
					 1 + rand_pages(&r) / 8);
			sum_max += b;
		}
		pool = trng_below(&r, sum_max + 2);
		ret = run_alloc(pool, tax, MSCHED_ALLOC_SHARES, v, nr);
		check_bounds(v, nr, pool, ret);
		raw_sh = raw_misses(v, nr);
		memcpy(w, v, sizeof(v[0]) * nr);
		ret = run_alloc(pool, tax, MSCHED_ALLOC_MRC, w, nr);
		check_bounds(w, nr, pool, ret);
		raw_mrc = raw_misses(w, nr);
		if (raw_mrc > raw_sh)
			fail_msg("case %llu: equal shares %llu: mrc %llu raw misses > shares %llu",
				 (unsigned long long)c, (unsigned long long)s,
				 (unsigned long long)raw_mrc,
				 (unsigned long long)raw_sh);
		nr_better += raw_mrc < raw_sh;
	}
	tdiag("alloc: %u cases of equal shares, mrc fewer raw misses in %llu, never more",
	      RAND_CASES, (unsigned long long)nr_better);
	assert_true(nr_better > 100);
}

#define OPT_MAXVM	3
#define OPT_MAXPAGES	40

/*
 * For convex, non-increasing curves the greedy on the hulls is optimal:
 * against every allocation (brute force) the mrc targets model no more
 * weighted misses, up to the rounding of interpolated points (< 1 miss
 * per VM, so < the sum of shares), exactly when every step is 1 page.
 */
static void test_mrc_optimal_convex(void **state)
{
	u64 curves[OPT_MAXVM][12], g[OPT_MAXVM][OPT_MAXPAGES + 1];
	struct msched_alloc_vm v[OPT_MAXVM];
	u64 nr_exact = 0, nr_cases = 0, c;
	struct trng r;

	(void)state;
	trng_seed(&r, 1502);
	for (c = 0; c < 600; c++) {
		u32 nr = 2 + (u32)trng_below(&r, OPT_MAXVM - 1), i, j;
		u64 sum_min = 0, sum_max = 0, sum_s = 0, pool, opt, got;
		u64 t[OPT_MAXVM];
		bool unit = trng_below(&r, 2);

		for (i = 0; i < nr; i++) {
			u32 n = 2 + (u32)trng_below(&r, 11);
			u64 d[12], y = trng_below(&r, 50);
			u64 mx = 1 + trng_below(&r, OPT_MAXPAGES);
			u64 mn = trng_below(&r, 3) ? 0 : trng_below(&r, mx + 1);

			/* Drops in falling order: a convex curve. */
			for (j = 0; j < n; j++)
				d[j] = trng_below(&r, 1000);
			for (j = 1; j < n; j++) {
				u32 k = j;

				while (k && d[k] > d[k - 1]) {
					u64 tmp = d[k];

					d[k] = d[k - 1];
					d[k - 1] = tmp;
					k--;
				}
			}
			for (j = 0; j < n; j++)
				y += d[j];
			for (j = 0; j < n; j++) {
				curves[i][j] = y;
				y -= d[j];
			}
			vm_set(&v[i], 1 + trng_below(&r, 20), mn, mx,
			       trng_below(&r, mx + 1));
			vm_curve(&v[i], curves[i], n,
				 unit ? 1 : 1 + trng_below(&r, 6));
			for (j = 0; j <= mx; j++)
				g[i][j] = v[i].shares *
					  msched_alloc_miss_at(&v[i], j);
			sum_min += mn;
			sum_max += mx;
			sum_s += v[i].shares;
		}
		pool = sum_min + trng_below(&r, sum_max - sum_min + 1);

		/* Brute force over every allocation within the bounds. */
		opt = MSCHED_U64_MAX;
		for (i = 0; i < nr; i++)
			t[i] = v[i].min_pages;
		for (;;) {
			u64 used = 0, w = 0;

			for (i = 0; i < nr; i++) {
				used += t[i];
				w += g[i][t[i]];
			}
			if (used <= pool && w < opt)
				opt = w;
			for (i = 0; i < nr; i++) {
				if (t[i] < v[i].max_pages) {
					t[i]++;
					break;
				}
				t[i] = v[i].min_pages;
			}
			if (i == nr)
				break;
		}

		assert_int_equal(run_alloc(pool, (u32)trng_below(&r, 100),
					   MSCHED_ALLOC_MRC, v, nr), 0);
		check_bounds(v, nr, pool, 0);
		got = msched_alloc_weighted_misses(v, nr);
		assert_true(got >= opt);
		if (unit)
			assert_int_equal(got, opt);
		else if (got - opt >= sum_s)
			fail_msg("case %llu: mrc %llu, optimum %llu",
				 (unsigned long long)c,
				 (unsigned long long)got,
				 (unsigned long long)opt);
		nr_exact += got == opt;
		nr_cases++;
	}
	tdiag("mrc on convex curves: optimal in %llu of %llu cases, within rounding in all",
	      (unsigned long long)nr_exact, (unsigned long long)nr_cases);
}

static void test_smooth_active(void **state)
{
	u64 a = 1000, prev;
	u32 n = 0;

	(void)state;
	assert_int_equal(msched_alloc_smooth_active(0, 5000), 5000);
	assert_int_equal(msched_alloc_smooth_active(4999, 5000), 5000);
	assert_int_equal(msched_alloc_smooth_active(1000, 1000), 1000);
	assert_int_equal(msched_alloc_smooth_active(1000, 0), 750);
	assert_int_equal(msched_alloc_smooth_active(750, 0), 562);
	assert_int_equal(msched_alloc_smooth_active(1000, 600), 900);
	assert_int_equal(msched_alloc_smooth_active(10, 9), 9);
	assert_int_equal(msched_alloc_smooth_active(10, 8), 9);
	assert_int_equal(msched_alloc_smooth_active(MSCHED_U64_MAX, 0),
			 MSCHED_U64_MAX - (1ULL << 62));
	/* Falls by a quarter per call, never below, reaches the value. */
	while (a > 100) {
		prev = a;
		a = msched_alloc_smooth_active(a, 100);
		assert_true(a >= 100 && a < prev);
		assert_true(prev - a >= (prev - 100) / 4);
		n++;
	}
	assert_int_equal(a, 100);
	assert_true(n >= 10 && n <= 30);
	tdiag("smooth_active: 1000 -> 100 in %u periods", n);
	/* A rise in the middle of a fall is taken at once. */
	assert_int_equal(msched_alloc_smooth_active(500, 2000), 2000);
}

/*
 * The estimate is ready after a full window; before it the scheduler
 * counts every page held as active (no curve). Three equally busy VMs of
 * equal shares, one whose history was just wiped (a granularity change):
 * its near-empty working set would cut its target by half, the rule keeps
 * the three even.
 */
static void test_estimate_ready(void **state)
{
	struct msched_alloc_vm v[3];
	u64 held = 8192, wss[3] = { 8000, 8000, 300 }, scans[3] = { 40, 40, 2 };
	u32 i, mode;

	(void)state;
	assert_false(msched_alloc_estimate_ready(0, 5));
	assert_false(msched_alloc_estimate_ready(2, 5));
	assert_false(msched_alloc_estimate_ready(5, 5));
	assert_true(msched_alloc_estimate_ready(6, 5));
	/* wss_scans 1 (or 0): the old rule, from the second scan */
	assert_false(msched_alloc_estimate_ready(1, 1));
	assert_true(msched_alloc_estimate_ready(2, 1));
	assert_false(msched_alloc_estimate_ready(1, 0));
	assert_true(msched_alloc_estimate_ready(2, 0));
	assert_true(msched_alloc_estimate_ready(MSCHED_U64_MAX, MSCHED_U64_MAX - 1));
	for (mode = 0; mode < 2; mode++) {
		for (i = 0; i < 3; i++) {
			bool ready = msched_alloc_estimate_ready(scans[i], 5);

			v[i] = (struct msched_alloc_vm) {
				.shares = 1000, .min_pages = 0,
				.max_pages = 16384,
				.active_pages = !mode || ready ? wss[i] : held,
			};
		}
		assert_int_equal(run_alloc(3 * held, 75, MSCHED_ALLOC_SHARES,
					   v, 3), 0);
		tdiag("estimate %s: targets %llu %llu %llu",
		      mode ? "not ready, held pages count" : "taken as is",
		      (unsigned long long)v[0].target_pages,
		      (unsigned long long)v[1].target_pages,
		      (unsigned long long)v[2].target_pages);
		if (mode) {
			assert_true(v[2].target_pages >= v[0].target_pages - 2);
			assert_true(v[2].target_pages + 2 * held / 100 >=
				    held);
		} else {
			assert_true(v[2].target_pages * 10 <
				    v[0].target_pages * 7);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_osdi_idle_tax),
		cmocka_unit_test(test_estimate_ready),
		cmocka_unit_test(test_proportional),
		cmocka_unit_test(test_min_max),
		cmocka_unit_test(test_overcommitted),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_miss_at),
		cmocka_unit_test(test_mrc_wins),
		cmocka_unit_test(test_mrc_cliff),
		cmocka_unit_test(test_mrc_ties),
		cmocka_unit_test(test_random_properties),
		cmocka_unit_test(test_mrc_equal_shares_raw),
		cmocka_unit_test(test_mrc_optimal_convex),
		cmocka_unit_test(test_smooth_active),
	};

	return cmocka_run_group_tests_name("alloc", tests, NULL, NULL);
}
