// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * msched_tier.c - DRAM <-> PMEM tiering policy driven by access monitoring.
 */
#include "msched_tier.h"

/* Bit of a heat word marking "seen in the current plan". */
#define TIER_MARK	0x8000U
#define TIER_HEAT_MASK	0x7fffU

/* Histogram rows. */
#define TIER_H_DRAM	0
#define TIER_H_PMEM	1

static u64 tier_min(u64 a, u64 b)
{
	return a < b ? a : b;
}

/**
 * msched_tier_mem_bytes() - caller memory needed for the per-page heat.
 * @nr_pages: number of managed pages
 *
 * Context: any.
 * Return: bytes to pass as @mem to msched_tier_init() (2 per page,
 * alignment 2).
 */
u64 msched_tier_mem_bytes(u32 nr_pages)
{
	return (u64)nr_pages * sizeof(u16);
}

/**
 * msched_tier_validate() - check a parameter set.
 * @p: parameters
 *
 * Context: any.
 * Return: 0 if valid, -MSCHED_EINVAL if @p is NULL, @promote_heat is 0 or
 * above MSCHED_TIER_HEAT_MAX, @demote_heat >= @promote_heat, @heat_inc is
 * 0, @decay_shift > 15, or the rate limit is set with a zero or too large
 * interval, page size or rate.
 */
int msched_tier_validate(const struct msched_tier_params *p)
{
	if (!p || !p->promote_heat || p->promote_heat > MSCHED_TIER_HEAT_MAX ||
	    p->demote_heat >= p->promote_heat || !p->heat_inc ||
	    p->decay_shift > 15)
		return -MSCHED_EINVAL;
	if (p->rate_mib_per_s &&
	    (p->rate_mib_per_s > MSCHED_TIER_MAX_RATE_MIB_PER_S ||
	     !p->scan_interval_ms ||
	     p->scan_interval_ms > MSCHED_TIER_MAX_INTERVAL_MS ||
	     !p->page_size || p->page_size > MSCHED_TIER_MAX_PAGE_SIZE))
		return -MSCHED_EINVAL;
	return 0;
}

/* Derive the token bucket constants from @t->p; keeps tokens <= burst. */
static void tier_setup_bucket(struct msched_tier *t)
{
	const struct msched_tier_params *p = &t->p;

	if (!p->rate_mib_per_s) {
		t->refill_num = 0;
		t->refill_den = 1;
		t->burst = 0;
		t->tokens = 0;
		t->token_frac = 0;
		return;
	}
	/* MiB/s * ms -> bytes * 1000; < 2^20 * 2^20 * 2^22. */
	t->refill_num = ((u64)p->rate_mib_per_s << 20) * p->scan_interval_ms;
	t->refill_den = 1000ULL * p->page_size;
	if (p->burst_pages) {
		t->burst = p->burst_pages;
	} else {
		t->burst = msched_div_u64(t->refill_num + t->refill_den - 1,
					  t->refill_den);
		if (!t->burst)
			t->burst = 1;
	}
	if (t->tokens >= t->burst) {
		t->tokens = t->burst;
		t->token_frac = 0;
	} else if (t->token_frac >= t->refill_den) {
		t->token_frac = 0;
	}
}

/**
 * msched_tier_init() - initialise the policy for one VM.
 * @t: state to initialise
 * @p: parameters; copied into @t
 * @mem: msched_tier_mem_bytes(@nr_pages) bytes, 2-byte aligned, owned by
 *	 the caller for the lifetime of @t
 * @nr_pages: number of managed pages; page indices are 0..@nr_pages - 1
 *
 * All pages start with heat 0 and the token bucket starts full.
 *
 * Context: any.  O(@nr_pages).
 * Return: 0 on success, -MSCHED_EINVAL on invalid parameters or a NULL
 * pointer (@mem may be NULL only if @nr_pages is 0).
 */
int msched_tier_init(struct msched_tier *t, const struct msched_tier_params *p,
		     void *mem, u32 nr_pages)
{
	if (!t || msched_tier_validate(p) || (!mem && nr_pages))
		return -MSCHED_EINVAL;
	msched_memset(t, 0, sizeof(*t));
	t->p = *p;
	t->heat = mem;
	t->nr_pages = nr_pages;
	if (nr_pages)
		msched_memset(mem, 0, (size_t)msched_tier_mem_bytes(nr_pages));
	t->tokens = MSCHED_U64_MAX;
	tier_setup_bucket(t);
	return 0;
}

/**
 * msched_tier_set_params() - change the parameters at run time.
 * @t: initialised state
 * @p: new parameters
 *
 * Heat values and statistics are kept; tokens are clamped to the new bucket
 * depth.  A lowered budget takes effect at the next plan, which demotes the
 * coldest DRAM pages first.
 *
 * Context: any; caller serialises access to @t.
 * Return: 0 on success, -MSCHED_EINVAL (and @t unchanged) if @p is invalid.
 */
int msched_tier_set_params(struct msched_tier *t,
			   const struct msched_tier_params *p)
{
	bool was_limited;

	if (!t || msched_tier_validate(p))
		return -MSCHED_EINVAL;
	was_limited = t->p.rate_mib_per_s != 0;
	t->p = *p;
	if (!was_limited)
		t->tokens = MSCHED_U64_MAX;	/* start full */
	tier_setup_bucket(t);
	return 0;
}

/**
 * msched_tier_observe() - feed one page's access bit for this scan.
 * @t: initialised state
 * @idx: page index
 * @accessed: whether the page was accessed since the previous scan
 *
 * Accessed: heat += heat_inc, saturating at MSCHED_TIER_HEAT_MAX.  Not
 * accessed: heat -= max(1, heat >> decay_shift), stopping at 0.
 *
 * Context: any; caller serialises access to @t.  O(1).
 * Return: the new heat, or 0 if @idx is out of range.
 */
u32 msched_tier_observe(struct msched_tier *t, u32 idx, bool accessed)
{
	u32 h, d;

	if (idx >= t->nr_pages)
		return 0;
	h = t->heat[idx] & TIER_HEAT_MASK;
	if (accessed) {
		h += t->p.heat_inc;
		if (h > MSCHED_TIER_HEAT_MAX)
			h = MSCHED_TIER_HEAT_MAX;
	} else if (h) {
		d = h >> t->p.decay_shift;
		h -= d ? d : 1;
	}
	t->heat[idx] = (u16)h;
	return h;
}

/**
 * msched_tier_heat() - current heat of a page.
 * @t: initialised state
 * @idx: page index
 *
 * Context: any.
 * Return: the heat, or 0 if @idx is out of range.
 */
u32 msched_tier_heat(const struct msched_tier *t, u32 idx)
{
	if (idx >= t->nr_pages)
		return 0;
	return t->heat[idx] & TIER_HEAT_MASK;
}

/**
 * msched_tier_set_heat() - overwrite a page's heat (e.g. page reused).
 * @t: initialised state
 * @idx: page index; ignored if out of range
 * @heat: new heat, clamped to MSCHED_TIER_HEAT_MAX
 *
 * Context: any; caller serialises access to @t.
 * Return: nothing.
 */
void msched_tier_set_heat(struct msched_tier *t, u32 idx, u32 heat)
{
	if (idx >= t->nr_pages)
		return;
	t->heat[idx] = (u16)(heat < MSCHED_TIER_HEAT_MAX ? heat :
			     MSCHED_TIER_HEAT_MAX);
}

/**
 * msched_tier_refund() - return tokens of planned moves that were not done.
 * @t: initialised state
 * @nr_moves: number of moves from the last plan the caller did not perform
 *
 * Context: any; caller serialises access to @t.
 * Return: nothing.
 */
void msched_tier_refund(struct msched_tier *t, u32 nr_moves)
{
	if (!t->p.rate_mib_per_s)
		return;
	t->tokens = tier_min(t->tokens + nr_moves, t->burst);
}

/* Page counts gathered by the first pass of a plan. */
struct tier_counts {
	u64 dram;		/* all DRAM pages, pinned included */
	u64 dram_movable;
	u64 dram_cold;		/* movable, heat < demote_heat */
	u64 pmem_hot;		/* movable, heat >= promote_heat */
};

/* Moves of a plan limited to @limit moves in total. */
struct tier_shape {
	u64 budget_demote;
	u64 cold_demote;
	u64 promote;
	u64 no_room;
};

static void tier_shape(const struct tier_counts *c, u64 budget, u64 limit,
		       struct tier_shape *s)
{
	u64 over = c->dram > budget ? c->dram - budget : 0;
	u64 after, room, p1, cold_left, k;

	s->budget_demote = tier_min(tier_min(over, c->dram_movable), limit);
	limit -= s->budget_demote;
	after = c->dram - s->budget_demote;
	room = budget > after ? budget - after : 0;
	p1 = tier_min(tier_min(c->pmem_hot, room), limit);
	limit -= p1;
	/* The budget demotions took the coldest pages first. */
	cold_left = c->dram_cold - tier_min(s->budget_demote, c->dram_cold);
	k = tier_min(tier_min(c->pmem_hot - p1, cold_left), limit / 2);
	s->cold_demote = k;
	s->promote = p1 + k;
	s->no_room = c->pmem_hot - p1 - tier_min(c->pmem_hot - p1, cold_left);
}

static u64 tier_shape_total(const struct tier_shape *s)
{
	return s->budget_demote + s->cold_demote + s->promote;
}

/* Refill the token bucket for one scan interval. */
static void tier_refill(struct msched_tier *t)
{
	u64 rem;

	if (!t->p.rate_mib_per_s)
		return;
	t->token_frac += t->refill_num;
	t->tokens += msched_div_u64_rem(t->token_frac, t->refill_den, &rem);
	t->token_frac = rem;
	if (t->tokens >= t->burst) {
		t->tokens = t->burst;
		t->token_frac = 0;
	}
}

/*
 * Selection threshold: the pages selected are those with heat strictly on
 * the selected side of @thr, plus the first @at_thr (in array order) with
 * heat == @thr.
 */
struct tier_sel {
	u32 thr;
	u64 at_thr;
};

/* Coldest @n pages of histogram @hist. */
static void tier_sel_coldest(const u32 *hist, u64 n, struct tier_sel *s)
{
	u64 cum = 0;
	u32 h;

	s->thr = 0;
	s->at_thr = 0;
	if (!n)
		return;
	for (h = 0; h < MSCHED_TIER_NR_HEAT; h++) {
		if (cum + hist[h] >= n) {
			s->thr = h;
			s->at_thr = n - cum;
			return;
		}
		cum += hist[h];
	}
}

/* Hottest @n pages of histogram @hist (all of them with heat >= @floor). */
static void tier_sel_hottest(const u32 *hist, u64 n, struct tier_sel *s)
{
	u64 cum = 0;
	u32 h;

	s->thr = MSCHED_TIER_HEAT_MAX;
	s->at_thr = 0;
	if (!n)
		return;
	for (h = MSCHED_TIER_NR_HEAT; h-- > 0;) {
		if (cum + hist[h] >= n) {
			s->thr = h;
			s->at_thr = n - cum;
			return;
		}
		cum += hist[h];
	}
}

/**
 * msched_tier_plan() - compute this scan's migrations.
 * @t: initialised state
 * @pages: every managed page of the VM with its current tier; each index
 *	   should appear once (later duplicates are ignored).  The IGNORED
 *	   and MOVED flags and @heat of every entry are written.
 * @nr: number of entries in @pages
 * @out: room for @cap moves
 * @cap: capacity of @out
 *
 * Refills the token bucket by one scan interval, then plans budget
 * demotions (coldest DRAM pages, any heat), promotions of the hottest PMEM
 * pages with heat >= promote_heat into free room and, for further hot
 * pages, pairs of (cold DRAM demotion, promotion), all limited by the
 * tokens, max_moves_per_scan and @cap.  Each planned move consumes one
 * token; the caller may give back tokens of moves it could not perform
 * with msched_tier_refund().  Demotions are written first, then
 * promotions, each group in @pages order.  No page is moved twice.
 *
 * Context: any; caller serialises access to @t.  O(@nr +
 * MSCHED_TIER_HEAT_MAX), deterministic, no allocation.
 * Return: number of moves written to @out (at most @cap and at most
 * 2^31 - 1), or -MSCHED_EINVAL if a pointer is NULL (with @nr or @cap
 * non-zero).
 */
int msched_tier_plan(struct msched_tier *t, struct msched_tier_page *pages,
		     u32 nr, struct msched_tier_move *out, u32 cap)
{
	const u8 out_flags = MSCHED_TIER_PF_IGNORED | MSCHED_TIER_PF_MOVED;
	struct tier_counts c = { 0 };
	struct tier_shape want, capped, got;
	struct tier_sel cold, hot;
	u64 limit, ndem, npro, di = 0, pi = 0;
	u32 i, h, promote = t ? t->p.promote_heat : 0;

	if (!t || (!pages && nr) || (!out && cap))
		return -MSCHED_EINVAL;

	tier_refill(t);
	msched_memset(t->hist, 0, sizeof(t->hist));

	/* Pass 1: validate, mark, snapshot heat, build histograms. */
	for (i = 0; i < nr; i++) {
		struct msched_tier_page *pg = &pages[i];

		pg->flags &= (u8)~out_flags;
		if (pg->idx >= t->nr_pages || pg->tier > MSCHED_TIER_PMEM ||
		    (t->heat[pg->idx] & TIER_MARK)) {
			pg->flags |= MSCHED_TIER_PF_IGNORED;
			pg->heat = 0;
			t->stats.nr_ignored++;
			continue;
		}
		t->heat[pg->idx] |= TIER_MARK;
		h = t->heat[pg->idx] & TIER_HEAT_MASK;
		pg->heat = (u16)h;
		if (pg->tier == MSCHED_TIER_DRAM)
			c.dram++;
		if (pg->flags & MSCHED_TIER_PF_PINNED)
			continue;
		if (pg->tier == MSCHED_TIER_DRAM) {
			t->hist[TIER_H_DRAM][h]++;
			c.dram_movable++;
			if (h < t->p.demote_heat)
				c.dram_cold++;
		} else {
			t->hist[TIER_H_PMEM][h]++;
			if (h >= promote)
				c.pmem_hot++;
		}
	}
	t->dram_pages = c.dram;

	/* How many moves of each kind: wanted, capped, and rate limited. */
	limit = tier_min(cap, 0x7fffffffU);
	if (t->p.max_moves_per_scan)
		limit = tier_min(limit, t->p.max_moves_per_scan);
	tier_shape(&c, t->p.dram_budget_pages, MSCHED_U64_MAX, &want);
	tier_shape(&c, t->p.dram_budget_pages, limit, &capped);
	if (t->p.rate_mib_per_s)
		limit = tier_min(limit, t->tokens);
	tier_shape(&c, t->p.dram_budget_pages, limit, &got);

	ndem = got.budget_demote + got.cold_demote;
	npro = got.promote;
	if (t->p.rate_mib_per_s)
		t->tokens -= ndem + npro;
	t->stats.nr_plans++;
	t->stats.nr_demote += ndem;
	t->stats.nr_budget_demotions += got.budget_demote;
	t->stats.nr_promote += npro;
	t->stats.nr_cap_stalls += tier_shape_total(&want) -
				  tier_shape_total(&capped);
	t->stats.nr_rate_stalls += tier_shape_total(&capped) -
				   tier_shape_total(&got);
	t->stats.nr_no_room += want.no_room;

	tier_sel_coldest(t->hist[TIER_H_DRAM], ndem, &cold);
	tier_sel_hottest(t->hist[TIER_H_PMEM], npro, &hot);

	/* Pass 2: emit the selected moves and clear the marks. */
	for (i = 0; i < nr; i++) {
		struct msched_tier_page *pg = &pages[i];
		struct msched_tier_move *mv;

		if (pg->flags & MSCHED_TIER_PF_IGNORED)
			continue;
		t->heat[pg->idx] &= (u16)TIER_HEAT_MASK;
		if (pg->flags & MSCHED_TIER_PF_PINNED)
			continue;
		h = pg->heat;
		if (pg->tier == MSCHED_TIER_DRAM) {
			if (h > cold.thr || (h == cold.thr && !cold.at_thr) ||
			    di >= ndem)
				continue;
			if (h == cold.thr)
				cold.at_thr--;
			mv = &out[di++];
			mv->from = MSCHED_TIER_DRAM;
			mv->to = MSCHED_TIER_PMEM;
		} else {
			if (h < hot.thr || (h == hot.thr && !hot.at_thr) ||
			    pi >= npro)
				continue;
			if (h == hot.thr)
				hot.at_thr--;
			mv = &out[ndem + pi++];
			mv->from = MSCHED_TIER_PMEM;
			mv->to = MSCHED_TIER_DRAM;
		}
		mv->idx = pg->idx;
		mv->heat = pg->heat;
		pg->flags |= MSCHED_TIER_PF_MOVED;
	}
	return (int)(ndem + npro);
}
