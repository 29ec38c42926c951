// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_tier.c - DRAM <-> PMEM tiering policy.
 */
#include "test_util.h"
#include "msched_tier.h"

/* Default policy: heat 32 per access, 1/4 decay, band [60, 120). */
static struct msched_tier_params base_params(u64 budget)
{
	struct msched_tier_params p;

	memset(&p, 0, sizeof(p));
	p.dram_budget_pages = budget;
	p.promote_heat = 120;
	p.demote_heat = 60;
	p.heat_inc = 32;
	p.decay_shift = 2;
	return p;
}

/* A simulated VM: the page list, with pages[i].idx == i. */
struct sim {
	struct msched_tier t;
	u16 *heat;
	struct msched_tier_page *pages;
	struct msched_tier_move *moves;
	u8 *seen;
	u32 n;
};

static void sim_init(struct sim *s, const struct msched_tier_params *p, u32 n,
		     u32 nr_dram)
{
	u32 i;

	s->n = n;
	s->heat = tmalloc(msched_tier_mem_bytes(n));
	s->pages = tmalloc(sizeof(*s->pages) * n);
	s->moves = tmalloc(sizeof(*s->moves) * n);
	s->seen = tmalloc(n);
	assert_int_equal(msched_tier_init(&s->t, p, s->heat, n), 0);
	for (i = 0; i < n; i++) {
		s->pages[i].idx = i;
		s->pages[i].tier = i < nr_dram ? MSCHED_TIER_DRAM :
						 MSCHED_TIER_PMEM;
		s->pages[i].flags = 0;
		s->pages[i].heat = 0;
		s->pages[i].order = 0;
	}
}

static void sim_free(struct sim *s)
{
	free(s->heat);
	free(s->pages);
	free(s->moves);
	free(s->seen);
}

static u64 sim_dram(const struct sim *s)
{
	u64 d = 0;
	u32 i;

	for (i = 0; i < s->n; i++)
		d += s->pages[i].tier == MSCHED_TIER_DRAM;
	return d;
}

/*
 * Plan with capacity @cap and apply the moves in order, checking that every
 * move matches the page's tier, no page moves twice, demotions come first
 * and DRAM never goes above max(usage before, budget) along the way.
 * Return: number of moves.
 */
static u32 sim_step(struct sim *s, u32 cap)
{
	u64 before = sim_dram(s), d = before;
	u64 budget = s->t.p.dram_budget_pages;
	u64 lim = before > budget ? before : budget;
	bool promoted = false;
	int r;
	u32 i;

	assert_true(cap <= s->n);
	r = msched_tier_plan(&s->t, s->pages, s->n, s->moves, cap);
	assert_true(r >= 0 && (u32)r <= cap);
	memset(s->seen, 0, s->n);
	for (i = 0; i < (u32)r; i++) {
		struct msched_tier_move *m = &s->moves[i];
		struct msched_tier_page *pg = &s->pages[m->idx];

		assert_true(m->idx < s->n);
		assert_int_equal(s->seen[m->idx], 0);
		s->seen[m->idx] = 1;
		assert_int_equal(m->from, pg->tier);
		assert_int_equal(m->to, 1 - pg->tier);
		assert_true(pg->flags & MSCHED_TIER_PF_MOVED);
		assert_false(pg->flags & MSCHED_TIER_PF_PINNED);
		if (m->to == MSCHED_TIER_DRAM) {
			assert_true(m->heat >= s->t.p.promote_heat);
			promoted = true;
			d++;
		} else {
			assert_false(promoted);	/* demotions first */
			d--;
		}
		assert_true(d <= lim);
		pg->tier = m->to;
	}
	for (i = 0; i < s->n; i++)
		assert_int_equal(!!(s->pages[i].flags & MSCHED_TIER_PF_MOVED),
				 s->seen[i]);
	assert_int_equal(d, sim_dram(s));
	return (u32)r;
}

static void test_invalid_params(void **state)
{
	struct msched_tier_params p = base_params(10), q;
	struct msched_tier t;
	u16 heat[4];

	(void)state;
	assert_int_equal(msched_tier_mem_bytes(1000), 2000);
	assert_int_equal(msched_tier_validate(&p), 0);
	assert_int_equal(msched_tier_validate(NULL), -MSCHED_EINVAL);
	q = p; q.demote_heat = q.promote_heat;		/* no hysteresis */
	assert_int_equal(msched_tier_init(&t, &q, heat, 4), -MSCHED_EINVAL);
	q = p; q.demote_heat = 200;			/* inverted */
	assert_int_equal(msched_tier_init(&t, &q, heat, 4), -MSCHED_EINVAL);
	q = p; q.promote_heat = 0; q.demote_heat = 0;
	assert_int_equal(msched_tier_init(&t, &q, heat, 4), -MSCHED_EINVAL);
	q = p; q.promote_heat = MSCHED_TIER_HEAT_MAX + 1;
	assert_int_equal(msched_tier_init(&t, &q, heat, 4), -MSCHED_EINVAL);
	q = p; q.heat_inc = 0;
	assert_int_equal(msched_tier_init(&t, &q, heat, 4), -MSCHED_EINVAL);
	q = p; q.decay_shift = 16;
	assert_int_equal(msched_tier_init(&t, &q, heat, 4), -MSCHED_EINVAL);
	q = p; q.rate_mib_per_s = 10; q.page_size = 4096;	/* no interval */
	assert_int_equal(msched_tier_init(&t, &q, heat, 4), -MSCHED_EINVAL);
	q = p; q.rate_mib_per_s = 10; q.scan_interval_ms = 100;	/* no page */
	assert_int_equal(msched_tier_init(&t, &q, heat, 4), -MSCHED_EINVAL);
	q = p; q.rate_mib_per_s = MSCHED_TIER_MAX_RATE_MIB_PER_S + 1;
	q.scan_interval_ms = 100; q.page_size = 4096;
	assert_int_equal(msched_tier_init(&t, &q, heat, 4), -MSCHED_EINVAL);
	assert_int_equal(msched_tier_init(&t, &p, NULL, 4), -MSCHED_EINVAL);
	assert_int_equal(msched_tier_init(NULL, &p, heat, 4), -MSCHED_EINVAL);
	assert_int_equal(msched_tier_init(&t, &p, NULL, 0), 0);

	/* Valid init; invalid runtime change leaves the state unchanged. */
	assert_int_equal(msched_tier_init(&t, &p, heat, 4), 0);
	q = p; q.demote_heat = 130;
	assert_int_equal(msched_tier_set_params(&t, &q), -MSCHED_EINVAL);
	assert_int_equal(t.p.demote_heat, 60);
	assert_int_equal(msched_tier_plan(&t, NULL, 1, NULL, 0),
			 -MSCHED_EINVAL);
	assert_int_equal(msched_tier_plan(NULL, NULL, 0, NULL, 0),
			 -MSCHED_EINVAL);
	assert_int_equal(msched_tier_plan(&t, NULL, 0, NULL, 0), 0);
}

static void test_heat(void **state)
{
	struct msched_tier_params p = base_params(10);
	struct msched_tier t;
	u16 heat[2];
	u32 i, h;

	(void)state;
	assert_int_equal(msched_tier_init(&t, &p, heat, 2), 0);
	assert_int_equal(msched_tier_observe(&t, 0, true), 32);
	assert_int_equal(msched_tier_observe(&t, 0, true), 64);
	assert_int_equal(msched_tier_observe(&t, 0, false), 48);
	for (i = 0; i < 20; i++)
		msched_tier_observe(&t, 0, true);
	assert_int_equal(msched_tier_heat(&t, 0), MSCHED_TIER_HEAT_MAX);
	/* 255 -> 192 -> 144 -> 108 -> 81 -> ... -> 3 -> 2 -> 1 -> 0 */
	assert_int_equal(msched_tier_observe(&t, 0, false), 192);
	assert_int_equal(msched_tier_observe(&t, 0, false), 144);
	for (i = 0; i < 40; i++)
		h = msched_tier_observe(&t, 0, false);
	assert_int_equal(h, 0);
	assert_int_equal(msched_tier_observe(&t, 0, false), 0);
	assert_int_equal(msched_tier_observe(&t, 7, true), 0);	/* range */
	assert_int_equal(msched_tier_heat(&t, 7), 0);
	msched_tier_set_heat(&t, 1, 1000);
	assert_int_equal(msched_tier_heat(&t, 1), MSCHED_TIER_HEAT_MAX);
	/* Accessed every other scan: converges to a 96..128 cycle. */
	msched_tier_set_heat(&t, 1, 0);
	for (i = 0; i < 200; i++)
		h = msched_tier_observe(&t, 1, i & 1);
	assert_int_equal(h, 128);
	assert_int_equal(msched_tier_observe(&t, 1, false), 96);
}

/*
 * Three pages, DRAM budget 2.  Page 0 is always hot; pages 1 and 2 are
 * accessed on alternate scans, so their heat cycles 96 <-> 128 out of phase:
 * one of them is always just above promote_heat (120) while the other is
 * just below it.  Returns the number of moves after a 60-scan warm-up.
 */
static u32 oscillate(u16 demote_heat, u32 *warm_moves)
{
	struct msched_tier_params p = base_params(2);
	struct sim s;
	u32 scan, moves = 0, warm = 0;

	p.demote_heat = demote_heat;
	sim_init(&s, &p, 3, 0);
	for (scan = 0; scan < 260; scan++) {
		u32 m;

		msched_tier_observe(&s.t, 0, true);
		msched_tier_observe(&s.t, 1, scan & 1);
		msched_tier_observe(&s.t, 2, !(scan & 1));
		m = sim_step(&s, 3);
		assert_true(sim_dram(&s) <= 2);
		if (scan < 60)
			warm += m;
		else
			moves += m;
	}
	*warm_moves = warm;
	sim_free(&s);
	return moves;
}

static void test_hysteresis(void **state)
{
	u32 warm, moves;

	(void)state;
	/* Band [60, 120): the trough (96) is inside it, nothing ping-pongs. */
	moves = oscillate(60, &warm);
	assert_int_equal(warm, 2);	/* page 0 and one of 1/2 promoted */
	assert_int_equal(moves, 0);
	/* Band [119, 120): effectively one threshold, pages swap every scan. */
	moves = oscillate(119, &warm);
	assert_int_equal(moves, 200 * 2);
	tdiag("hysteresis: 0 moves in 200 scans with band [60,120), "
	      "%u with [119,120)", moves);
}

static void test_single_page_oscillation(void **state)
{
	struct msched_tier_params p = base_params(1);
	struct sim s;
	u32 scan, moves = 0;

	(void)state;
	/* One page crossing promote_heat every other scan, DRAM has room. */
	sim_init(&s, &p, 1, 0);
	for (scan = 0; scan < 300; scan++) {
		msched_tier_observe(&s.t, 0, scan & 1);
		moves += sim_step(&s, 1);
	}
	assert_int_equal(moves, 1);
	assert_int_equal(s.pages[0].tier, MSCHED_TIER_DRAM);
	assert_int_equal(s.t.stats.nr_promote, 1);
	assert_int_equal(s.t.stats.nr_demote, 0);
	sim_free(&s);
}

static void test_convergence(void **state)
{
	struct msched_tier_params p = base_params(3000);
	const u32 n = 10000, nhot = 2000, max_scans = 30;
	struct sim s;
	struct trng r;
	u8 *hot = tmalloc(n);
	u32 i, scan, converged = 0, moves = 0, late_moves = 0, hot_dram;
	bool ok;

	(void)state;
	/* 16 MiB/s, 100 ms scans, 4 KiB pages: 409.6 moves per scan. */
	p.rate_mib_per_s = 16;
	p.scan_interval_ms = 100;
	p.page_size = 4096;
	sim_init(&s, &p, n, 3000);	/* pages 0..2999 start on DRAM */
	assert_int_equal(s.t.burst, 410);
	trng_seed(&r, 4242);
	memset(hot, 0, n);
	for (i = 0; i < nhot;) {
		u32 k = (u32)trng_below(&r, n);

		if (!hot[k]) {
			hot[k] = 1;
			i++;
		}
	}
	for (scan = 1; scan <= max_scans + 100; scan++) {
		u32 m;

		/* Hot pages: 90% access probability; cold: 2%. */
		for (i = 0; i < n; i++)
			msched_tier_observe(&s.t, i, hot[i] ?
					    trng_below(&r, 10) < 9 :
					    trng_below(&r, 50) == 0);
		m = sim_step(&s, n);
		assert_true(sim_dram(&s) <= 3000);
		if (converged)
			late_moves += m;
		else
			moves += m;
		hot_dram = 0;
		ok = true;
		for (i = 0; i < n; i++) {
			if (s.pages[i].tier == MSCHED_TIER_DRAM)
				hot_dram += hot[i];
			else if (hot[i] ||
				 msched_tier_heat(&s.t, i) >= p.promote_heat)
				ok = false;
		}
		if (converged) {
			/* Once converged, it stays converged. */
			assert_true(ok);
			assert_int_equal(hot_dram, nhot);
		} else if (ok) {
			assert_int_equal(hot_dram, nhot);
			converged = scan;
		}
	}
	assert_true(converged >= 1 && converged <= max_scans);
	assert_int_equal(late_moves, 0);
	assert_int_equal(sim_dram(&s), 3000);
	/* Every move was bounded by the tokens: <= 410 + 409.6 * (k - 1). */
	assert_true(moves <= 410 + (u64)4096 * (converged - 1) / 10);
	tdiag("convergence: 10000 pages, budget 3000, hot 2000: converged at "
	      "scan %u after %u moves (%llu promote, %llu demote, %llu rate "
	      "stalls); 0 moves in the next 100 scans", converged, moves,
	      (unsigned long long)s.t.stats.nr_promote,
	      (unsigned long long)s.t.stats.nr_demote,
	      (unsigned long long)s.t.stats.nr_rate_stalls);
	free(hot);
	sim_free(&s);
}

static void test_rate_limit(void **state)
{
	struct msched_tier_params p = base_params(1000);
	struct sim s;
	u32 scan, i, m, total = 0, left = 2000;
	u64 stalls = 0;

	(void)state;
	/* 1 MiB/s, 40 ms scans, 4 KiB pages: 10.24 moves per scan. */
	p.rate_mib_per_s = 1;
	p.scan_interval_ms = 40;
	p.page_size = 4096;
	sim_init(&s, &p, 1000, 0);
	assert_int_equal(s.t.burst, 11);	/* default: ceil(10.24) */
	sim_free(&s);

	p.burst_pages = 20;
	p.dram_budget_pages = 2000;
	sim_init(&s, &p, 2000, 0);
	for (i = 0; i < 2000; i++)
		msched_tier_set_heat(&s.t, i, MSCHED_TIER_HEAT_MAX);
	for (scan = 1; scan <= 101; scan++) {
		m = sim_step(&s, 2000);
		/* Full bucket (20) first, then exactly 10.24 per scan. */
		if (scan == 1)
			assert_int_equal(m, 20);
		else
			assert_true(m == 10 || m == 11);
		stalls += left - m;
		left -= m;
		total += m;
		assert_int_equal(s.t.stats.nr_rate_stalls, stalls);
	}
	assert_int_equal(total, 20 + 1024);
	assert_int_equal(s.t.stats.nr_cap_stalls, 0);
	assert_int_equal(s.t.tokens, 0);

	/* Refund: unperformed moves give their tokens back. */
	msched_tier_refund(&s.t, 3);
	assert_int_equal(s.t.tokens, 3);
	msched_tier_refund(&s.t, 1000);
	assert_int_equal(s.t.tokens, 20);
	sim_free(&s);

	/* max_moves_per_scan and the output capacity also cap a plan. */
	p.max_moves_per_scan = 5;
	sim_init(&s, &p, 1000, 0);
	for (i = 0; i < 1000; i++)
		msched_tier_set_heat(&s.t, i, MSCHED_TIER_HEAT_MAX);
	for (scan = 0; scan < 10; scan++)
		assert_int_equal(sim_step(&s, 1000), 5);
	assert_int_equal(sim_step(&s, 3), 3);
	assert_int_equal(s.t.stats.nr_rate_stalls, 0);
	/* Bucket refilled to the burst (20) every scan, minus 3 moves. */
	assert_int_equal(s.t.tokens, 17);
	/* Cap stalls: (1000 - 5k) - 5 wanted but capped for k = 0..9. */
	assert_int_equal(s.t.stats.nr_cap_stalls,
			 (995 + 950) * 10 / 2 + (950 - 3));
	sim_free(&s);

	/* Swaps cost two tokens: odd token counts leave one unused. */
	p = base_params(10);
	p.rate_mib_per_s = 1;
	p.scan_interval_ms = 40;
	p.page_size = 4096;
	p.burst_pages = 5;
	sim_init(&s, &p, 20, 10);	/* DRAM full of cold pages */
	for (i = 10; i < 20; i++)
		msched_tier_set_heat(&s.t, i, 200);
	assert_int_equal(sim_step(&s, 20), 4);	/* 2 demote + 2 promote */
	assert_int_equal(s.t.tokens, 1);
	assert_int_equal(s.t.stats.nr_rate_stalls, 20 - 4);
	sim_free(&s);
}

static void test_over_budget(void **state)
{
	struct msched_tier_params p = base_params(100);
	struct sim s;
	u32 i, r, prev_max = 0;
	u8 demoted[100];

	(void)state;
	/* All 100 pages on DRAM and warm (>= demote_heat): heat 60 + i / 4. */
	sim_init(&s, &p, 100, 100);
	for (i = 0; i < 100; i++)
		msched_tier_set_heat(&s.t, (i * 37) % 100, 60 + i / 4);
	s.pages[3].flags = MSCHED_TIER_PF_PINNED;	/* idx 3: heat 64 */
	s.pages[0].flags = MSCHED_TIER_PF_PINNED;	/* idx 0: coldest, 60 */
	assert_int_equal(msched_tier_heat(&s.t, 3), 64);
	assert_int_equal(sim_step(&s, 100), 0);	/* fits, nothing cold */

	/* Lower the budget to 60 at run time, 15 moves per scan. */
	p.dram_budget_pages = 60;
	p.max_moves_per_scan = 15;
	assert_int_equal(msched_tier_set_params(&s.t, &p), 0);
	memset(demoted, 0, sizeof(demoted));
	for (r = 0; r < 3; r++) {
		u32 m = sim_step(&s, 100), mn = 1000, mx = 0;

		assert_int_equal(m, r < 2 ? 15 : 10);
		for (i = 0; i < m; i++) {
			assert_int_equal(s.moves[i].to, MSCHED_TIER_PMEM);
			if (s.moves[i].heat < mn)
				mn = s.moves[i].heat;
			if (s.moves[i].heat > mx)
				mx = s.moves[i].heat;
			demoted[s.moves[i].idx] = 1;
		}
		assert_true(mn >= prev_max);	/* coldest first across scans */
		prev_max = mx;
	}
	assert_int_equal(sim_dram(&s), 60);
	assert_int_equal(s.t.stats.nr_budget_demotions, 40);
	assert_int_equal(s.t.stats.nr_cap_stalls, 25 + 10);
	/* Exactly the 40 coldest movable pages went, pinned ones stayed. */
	assert_int_equal(demoted[0], 0);
	assert_int_equal(s.pages[0].tier, MSCHED_TIER_DRAM);
	for (i = 0; i < 100; i++) {
		u32 h = msched_tier_heat(&s.t, i);

		if (i == 0 || i == 3)
			continue;
		/*
		 * 98 movable pages, four per heat from 60; without the
		 * pinned ones (heat 60 and 64) the 40 coldest are all 38
		 * of heat 60..69 and two of heat 70.
		 */
		if (h < 70)
			assert_int_equal(demoted[i], 1);
		else if (h > 70)
			assert_int_equal(demoted[i], 0);
	}
	assert_int_equal(sim_step(&s, 100), 0);
	sim_free(&s);
}

static void test_no_double_move(void **state)
{
	struct msched_tier_params p = base_params(2);
	struct msched_tier t;
	struct msched_tier_page pg[6];
	struct msched_tier_move mv[6];
	u16 heat[4];
	u8 seen[4] = { 0 };
	int r, i;

	(void)state;
	assert_int_equal(msched_tier_init(&t, &p, heat, 4), 0);
	msched_tier_set_heat(&t, 0, 0);		/* cold on DRAM */
	msched_tier_set_heat(&t, 1, 0);		/* cold on DRAM */
	msched_tier_set_heat(&t, 2, 200);	/* hot on PMEM */
	msched_tier_set_heat(&t, 3, 250);	/* hot on PMEM */
	pg[0] = (struct msched_tier_page){ .idx = 0, .tier = 0 };
	pg[1] = (struct msched_tier_page){ .idx = 2, .tier = 1 };
	pg[2] = (struct msched_tier_page){ .idx = 2, .tier = 0 };	/* dup */
	pg[3] = (struct msched_tier_page){ .idx = 9, .tier = 1 };	/* range */
	pg[4] = (struct msched_tier_page){ .idx = 1, .tier = 7 };	/* tier */
	pg[5] = (struct msched_tier_page){ .idx = 3, .tier = 1 };
	r = msched_tier_plan(&t, pg, 6, mv, 6);
	/* DRAM: page 0 only (1 of 2): one promotion into room, one swap. */
	assert_int_equal(r, 3);
	assert_int_equal(t.stats.nr_ignored, 3);
	assert_true(pg[2].flags & MSCHED_TIER_PF_IGNORED);
	assert_true(pg[3].flags & MSCHED_TIER_PF_IGNORED);
	assert_true(pg[4].flags & MSCHED_TIER_PF_IGNORED);
	assert_int_equal(mv[0].idx, 0);
	assert_int_equal(mv[0].to, MSCHED_TIER_PMEM);
	assert_int_equal(mv[1].idx, 2);
	assert_int_equal(mv[2].idx, 3);
	for (i = 0; i < r; i++) {
		assert_int_equal(seen[mv[i].idx], 0);
		seen[mv[i].idx] = 1;
	}
	/* Marks are cleared: the same list gives the same answer again. */
	r = msched_tier_plan(&t, pg, 6, mv, 6);
	assert_int_equal(r, 3);
	assert_int_equal(msched_tier_heat(&t, 2), 200);
}

/* Long random simulation; fills @log with every plan when non-NULL. */
static void random_sim(u64 seed, u32 *log, u32 log_len, u32 *log_used)
{
	struct msched_tier_params p = base_params(500);
	const u32 n = 2000;
	struct sim s;
	struct trng r;
	u32 scan, i, used = 0, hot_lo = 0, over = 0;

	trng_seed(&r, seed);
	sim_init(&s, &p, n, 700);	/* starts over budget */
	for (i = 0; i < 10; i++)	/* a few pinned pages */
		s.pages[trng_below(&r, n)].flags = MSCHED_TIER_PF_PINNED;
	for (scan = 0; scan < 3000; scan++) {
		u32 m, cap = n;
		u64 before = sim_dram(&s);
		bool unlimited;

		if (trng_below(&r, 100) == 0) {	/* runtime reconfiguration */
			p.dram_budget_pages = 50 + trng_below(&r, 1500);
			p.demote_heat = (u16)trng_below(&r, 200);
			p.promote_heat = (u16)(p.demote_heat + 1 +
					       trng_below(&r, 55));
			p.rate_mib_per_s = (u32)trng_below(&r, 3) * 8;
			p.scan_interval_ms = 50;
			p.page_size = 4096;
			p.max_moves_per_scan = (u32)trng_below(&r, 2) * 300;
			assert_int_equal(msched_tier_set_params(&s.t, &p), 0);
		}
		if (trng_below(&r, 50) == 0)	/* hot set drifts */
			hot_lo = (u32)trng_below(&r, n - 400);
		if (trng_below(&r, 10) == 0)
			cap = (u32)trng_below(&r, 50);
		for (i = 0; i < n; i++) {
			bool hot = i >= hot_lo && i < hot_lo + 400;

			msched_tier_observe(&s.t, i, hot ?
					    trng_below(&r, 4) != 0 :
					    trng_below(&r, 30) == 0);
		}
		unlimited = !p.rate_mib_per_s && !p.max_moves_per_scan &&
			    cap == n;
		m = sim_step(&s, cap);
		/* Never above budget after a plan unless it was already over
		 * (then it only shrinks); with no limits always within. */
		if (before <= p.dram_budget_pages || unlimited)
			assert_true(sim_dram(&s) <= p.dram_budget_pages);
		else
			assert_true(sim_dram(&s) <= before);
		over += sim_dram(&s) > p.dram_budget_pages;
		if (log) {
			assert_true(used + 1 + 2 * m <= log_len);
			log[used++] = m;
			for (i = 0; i < m; i++) {
				log[used++] = s.moves[i].idx;
				log[used++] = s.moves[i].to;
			}
		}
	}
	if (log_used)
		*log_used = used;
	if (!log)
		tdiag("random sim: 3000 scans, %llu promote, %llu demote "
		      "(%llu budget), %llu rate stalls, %u scans over budget "
		      "while draining a lowered budget",
		      (unsigned long long)s.t.stats.nr_promote,
		      (unsigned long long)s.t.stats.nr_demote,
		      (unsigned long long)s.t.stats.nr_budget_demotions,
		      (unsigned long long)s.t.stats.nr_rate_stalls, over);
	assert_true(s.t.stats.nr_promote > 1000);
	assert_true(s.t.stats.nr_budget_demotions > 0);
	sim_free(&s);
}

static void test_budget_random(void **state)
{
	(void)state;
	random_sim(1, NULL, 0, NULL);
	random_sim(2, NULL, 0, NULL);
}

static void test_determinism(void **state)
{
	const u32 len = 1U << 23;
	u32 *a = tmalloc(sizeof(u32) * len), *b = tmalloc(sizeof(u32) * len);
	u32 ua, ub;

	(void)state;
	random_sim(77, a, len, &ua);
	random_sim(77, b, len, &ub);
	assert_int_equal(ua, ub);
	assert_true(ua > 3000);
	assert_int_equal(memcmp(a, b, sizeof(u32) * ua), 0);
	free(a);
	free(b);
}

/*
 * Huge entries: 4 entries of 512 pages (2 MiB folios, at their first
 * index) and 100 of one page. Plan, apply and check in pages: DRAM never
 * above max(usage before, budget), tokens spent in pages.
 * Return: pages moved by the plan.
 */
#define HUGE_ORDER	9U
#define HUGE_NR		(1U << HUGE_ORDER)
#define HUGE_ENTRIES	4U
#define SMALL_ENTRIES	100U
#define HUGE_N		(HUGE_ENTRIES + SMALL_ENTRIES)

static void huge_init(struct msched_tier *t, u16 *heat,
		      struct msched_tier_page *pg,
		      const struct msched_tier_params *p, u8 tier, u32 h)
{
	u32 i;

	assert_int_equal(msched_tier_init(t, p, heat, HUGE_ENTRIES * HUGE_NR +
					  SMALL_ENTRIES), 0);
	for (i = 0; i < HUGE_N; i++) {
		pg[i].idx = i < HUGE_ENTRIES ? i * HUGE_NR :
			    HUGE_ENTRIES * HUGE_NR + (i - HUGE_ENTRIES);
		pg[i].tier = tier;
		pg[i].flags = 0;
		pg[i].heat = 0;
		pg[i].order = i < HUGE_ENTRIES ? HUGE_ORDER : 0;
		msched_tier_set_heat(t, pg[i].idx, h);
	}
}

static u64 huge_dram(const struct msched_tier_page *pg)
{
	u64 d = 0;
	u32 i;

	for (i = 0; i < HUGE_N; i++)
		if (pg[i].tier == MSCHED_TIER_DRAM)
			d += 1U << pg[i].order;
	return d;
}

static u64 huge_step(struct msched_tier *t, struct msched_tier_page *pg,
		     struct msched_tier_move *mv)
{
	u64 d = huge_dram(pg), budget = t->p.dram_budget_pages;
	u64 lim = d > budget ? d : budget, moved = 0;
	int r, i, j;

	r = msched_tier_plan(t, pg, HUGE_N, mv, HUGE_N);
	assert_true(r >= 0);
	for (i = 0; i < r; i++) {
		for (j = 0; j < (int)HUGE_N && pg[j].idx != mv[i].idx; j++)
			;
		assert_true(j < (int)HUGE_N);
		assert_int_equal(mv[i].order, pg[j].order);
		assert_int_equal(mv[i].from, pg[j].tier);
		if (mv[i].to == MSCHED_TIER_DRAM)
			d += msched_tier_move_pages(&mv[i]);
		else
			d -= msched_tier_move_pages(&mv[i]);
		assert_true(d <= lim);
		pg[j].tier = mv[i].to;
		moved += msched_tier_move_pages(&mv[i]);
	}
	return moved;
}

static void test_huge_entries(void **state)
{
	struct msched_tier_params p = base_params(1100);
	struct msched_tier_page pg[HUGE_N];
	struct msched_tier_move mv[HUGE_N];
	struct msched_tier t;
	u16 *heat = tmalloc(msched_tier_mem_bytes(HUGE_ENTRIES * HUGE_NR +
						  SMALL_ENTRIES));
	u64 moved, total, scan;

	(void)state;
	/*
	 * All hot on PMEM, budget 1100 pages, no rate limit: two huge
	 * entries (1024 pages) fit, the other two do not (no room for 512),
	 * and 76 small pages fill the budget exactly.
	 */
	huge_init(&t, heat, pg, &p, MSCHED_TIER_PMEM, MSCHED_TIER_HEAT_MAX);
	assert_int_equal(huge_step(&t, pg, mv), 1100);
	assert_int_equal(huge_dram(pg), 1100);
	assert_int_equal(pg[0].tier, MSCHED_TIER_DRAM);
	assert_int_equal(pg[1].tier, MSCHED_TIER_DRAM);
	assert_int_equal(pg[2].tier, MSCHED_TIER_PMEM);
	assert_int_equal(pg[3].tier, MSCHED_TIER_PMEM);
	assert_int_equal(t.stats.nr_promote, 1100);
	/* Hot pages left on PMEM: 2148 - 1100. */
	assert_int_equal(t.stats.nr_no_room, 1048);
	assert_int_equal(huge_step(&t, pg, mv), 0);	/* full: stable */

	/* An order whose weight does not fit a u32 is ignored, not moved. */
	huge_init(&t, heat, pg, &p, MSCHED_TIER_PMEM, MSCHED_TIER_HEAT_MAX);
	pg[0].order = MSCHED_TIER_MAX_ORDER + 1;
	assert_int_equal(huge_step(&t, pg, mv), 1100);
	assert_true(pg[0].flags & MSCHED_TIER_PF_IGNORED);
	assert_int_equal(pg[0].tier, MSCHED_TIER_PMEM);
	assert_int_equal(t.stats.nr_ignored, 1);

	/*
	 * All cold on DRAM (2148 pages), budget 1100: 1048 over. The
	 * coldest entries in order are huge: three of them (1536 pages) go,
	 * the third since 1024 < 1048; the budget holds after one plan.
	 */
	huge_init(&t, heat, pg, &p, MSCHED_TIER_DRAM, 0);
	assert_int_equal(huge_step(&t, pg, mv), 3 * HUGE_NR);
	assert_int_equal(huge_dram(pg), HUGE_NR + SMALL_ENTRIES);
	assert_int_equal(t.stats.nr_demote, 3 * HUGE_NR);
	assert_int_equal(t.stats.nr_budget_demotions, 1048);

	/*
	 * Rate limited: 1 MiB/s, 1 s scans, 4 KiB pages: 256 pages (tokens)
	 * a scan, bucket 256. A huge entry takes 512 tokens: it moves on a
	 * full bucket and the 256 it lacked are a debt the next refill
	 * pays, so a huge entry moves every other scan and the pages moved
	 * never run ahead of the rate by more than one entry less a page.
	 */
	p.rate_mib_per_s = 1;
	p.scan_interval_ms = 1000;
	p.page_size = 4096;
	huge_init(&t, heat, pg, &p, MSCHED_TIER_PMEM, MSCHED_TIER_HEAT_MAX);
	assert_int_equal(t.burst, 256);
	total = 0;
	for (scan = 1; scan <= 10; scan++) {
		moved = huge_step(&t, pg, mv);
		total += moved;
		if (scan == 1 || scan == 3)
			assert_int_equal(moved, HUGE_NR);
		else if (scan == 2 || scan == 4)
			assert_int_equal(moved, 0);
		assert_true(total <= 256 * scan + HUGE_NR - 1);
	}
	/* Then the 76 small pages that fit: the budget is met exactly. */
	assert_int_equal(total, 1100);
	assert_int_equal(huge_dram(pg), 1100);
	assert_int_equal(t.stats.nr_promote, 1100);
	assert_true(t.stats.nr_rate_stalls > 0);

	/* A refund pays a debt first. */
	t.tokens = 0;
	t.token_debt = 100;
	msched_tier_refund(&t, 150);
	assert_int_equal(t.token_debt, 0);
	assert_int_equal(t.tokens, 50);

	/* Rate limited demotion of the over-budget DRAM: 512 every other scan. */
	huge_init(&t, heat, pg, &p, MSCHED_TIER_DRAM, 0);
	total = 0;
	for (scan = 1; scan <= 6; scan++) {
		moved = huge_step(&t, pg, mv);
		total += moved;
		assert_int_equal(moved, scan & 1 ? HUGE_NR : 0);
		assert_true(total <= 256 * scan + HUGE_NR - 1);
	}
	assert_int_equal(huge_dram(pg), HUGE_NR + SMALL_ENTRIES);
	assert_int_equal(huge_step(&t, pg, mv), 0);
	free(heat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invalid_params),
		cmocka_unit_test(test_heat),
		cmocka_unit_test(test_hysteresis),
		cmocka_unit_test(test_single_page_oscillation),
		cmocka_unit_test(test_convergence),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_over_budget),
		cmocka_unit_test(test_no_double_move),
		cmocka_unit_test(test_budget_random),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_huge_entries),
	};

	return cmocka_run_group_tests_name("tier", tests, NULL, NULL);
}
