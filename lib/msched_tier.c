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
		t->token_debt = 0;
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
 * @nr_pages: pages of moves from the last plan the caller did not perform
 *
 * A debt (struct msched_tier) is paid back first.
 *
 * Context: any; caller serialises access to @t.
 * Return: nothing.
 */
void msched_tier_refund(struct msched_tier *t, u32 nr_pages)
{
	u64 pay;

	if (!t->p.rate_mib_per_s)
		return;
	pay = tier_min(t->token_debt, nr_pages);
	t->token_debt -= pay;
	t->tokens = tier_min(t->tokens + (nr_pages - pay), t->burst);
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

/* Refill the token bucket for one scan interval; a debt is paid first. */
static void tier_refill(struct msched_tier *t)
{
	u64 rem, add, pay;

	if (!t->p.rate_mib_per_s)
		return;
	t->token_frac += t->refill_num;
	add = msched_div_u64_rem(t->token_frac, t->refill_den, &rem);
	t->token_frac = rem;
	pay = tier_min(t->token_debt, add);
	t->token_debt -= pay;
	t->tokens += add - pay;
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

/* The pages an entry stands for (its order checked in pass 1). */
static u32 tier_weight(const struct msched_tier_page *pg)
{
	return 1U << pg->order;
}

/*
 * Whether an entry of heat @h is selected by @s (coldest when @cold, else
 * hottest): beyond the threshold always (those pages sum to less than
 * wanted), at it while the pages taken there (@at_used, counted by the
 * caller for the entries it moves) are below @s->at_thr.
 */
static bool tier_sel_take(const struct tier_sel *s, bool cold, u32 h,
			  u64 at_used)
{
	if (cold ? h < s->thr : h > s->thr)
		return true;
	return h == s->thr && at_used < s->at_thr;
}

static void tier_emit(struct msched_tier_move *mv, struct msched_tier_page *pg,
		      u8 to)
{
	mv->idx = pg->idx;
	mv->from = pg->tier;
	mv->to = to;
	mv->heat = pg->heat;
	mv->order = pg->order;
	pg->flags |= MSCHED_TIER_PF_MOVED;
}

/**
 * msched_tier_plan() - compute this scan's migrations.
 * @t: initialised state
 * @pages: every managed page of the VM with its current tier; each index
 *	   should appear once (later duplicates are ignored).  The IGNORED
 *	   and MOVED flags and @heat of every entry are written.  An entry
 *	   of @order stands for its 1 << @order pages (a huge folio).
 * @nr: number of entries in @pages
 * @out: room for @cap moves
 * @cap: capacity of @out, in entries
 *
 * Refills the token bucket by one scan interval, then plans budget
 * demotions (coldest DRAM pages, any heat), promotions of the hottest PMEM
 * pages with heat >= promote_heat into free room and, for further hot
 * pages, pairs of (cold DRAM demotion, promotion), all limited by the
 * tokens, max_moves_per_scan and @cap.  Everything is counted in pages.
 * Each page moved consumes one token; the caller may give back tokens of
 * moves it could not perform with msched_tier_refund().  A promotion is
 * planned only when DRAM, after the planned demotions, has room for all
 * of the entry's pages.  Demotions are written first, then promotions,
 * each group in @pages order.  No page is moved twice.
 *
 * Context: any; caller serialises access to @t.  O(@nr +
 * MSCHED_TIER_HEAT_MAX), deterministic, no allocation.
 * Return: number of moves (entries) written to @out (at most @cap and at
 * most 2^31 - 1), or -MSCHED_EINVAL if a pointer is NULL (with @nr or @cap
 * non-zero).
 */
int msched_tier_plan(struct msched_tier *t, struct msched_tier_page *pages,
		     u32 nr, struct msched_tier_move *out, u32 cap)
{
	const u8 out_flags = MSCHED_TIER_PF_IGNORED | MSCHED_TIER_PF_MOVED;
	struct tier_counts c = { 0 };
	struct tier_shape want, capped, got;
	struct tier_sel cold, hot;
	u64 limit, ndem, npro, room, after, used, spent;
	u64 demoted = 0, promoted = 0, dropped = 0, dropped_pro;
	u32 i, h, w, maxw = 1, k = 0, promote = t ? t->p.promote_heat : 0;

	if (!t || (!pages && nr) || (!out && cap))
		return -MSCHED_EINVAL;

	tier_refill(t);
	msched_memset(t->hist, 0, sizeof(t->hist));

	/* Pass 1: validate, mark, snapshot heat, build histograms (pages). */
	for (i = 0; i < nr; i++) {
		struct msched_tier_page *pg = &pages[i];

		pg->flags &= (u8)~out_flags;
		if (pg->idx >= t->nr_pages || pg->tier > MSCHED_TIER_PMEM ||
		    pg->order > MSCHED_TIER_MAX_ORDER ||
		    (t->heat[pg->idx] & TIER_MARK)) {
			pg->flags |= MSCHED_TIER_PF_IGNORED;
			pg->heat = 0;
			t->stats.nr_ignored++;
			continue;
		}
		t->heat[pg->idx] |= TIER_MARK;
		h = t->heat[pg->idx] & TIER_HEAT_MASK;
		w = tier_weight(pg);
		maxw = w > maxw ? w : maxw;
		pg->heat = (u8)h;	/* at most MSCHED_TIER_HEAT_MAX */
		if (pg->tier == MSCHED_TIER_DRAM)
			c.dram += w;
		if (pg->flags & MSCHED_TIER_PF_PINNED)
			continue;
		if (pg->tier == MSCHED_TIER_DRAM) {
			t->hist[TIER_H_DRAM][h] += w;
			c.dram_movable += w;
			if (h < t->p.demote_heat)
				c.dram_cold += w;
		} else {
			t->hist[TIER_H_PMEM][h] += w;
			if (h >= promote)
				c.pmem_hot += w;
		}
	}
	t->dram_pages = c.dram;

	/*
	 * How many pages of each kind: wanted, capped (max_moves_per_scan;
	 * @cap entries hold at most @cap * the largest entry's pages, exact
	 * when every entry is one page; larger entries are held to @cap
	 * entry by entry below), and rate limited.
	 */
	limit = tier_min((u64)cap * maxw, 0x7fffffffULL * maxw);
	if (t->p.max_moves_per_scan)
		limit = tier_min(limit, t->p.max_moves_per_scan);
	tier_shape(&c, t->p.dram_budget_pages, MSCHED_U64_MAX, &want);
	tier_shape(&c, t->p.dram_budget_pages, limit, &capped);
	if (t->p.rate_mib_per_s)
		limit = tier_min(limit, t->tokens);
	tier_shape(&c, t->p.dram_budget_pages, limit, &got);

	ndem = got.budget_demote + got.cold_demote;
	npro = got.promote;
	tier_sel_coldest(t->hist[TIER_H_DRAM], ndem, &cold);
	tier_sel_hottest(t->hist[TIER_H_PMEM], npro, &hot);

	/* Pass 2: the demotions; clears the marks. */
	used = 0;
	for (i = 0; i < nr; i++) {
		struct msched_tier_page *pg = &pages[i];

		if (pg->flags & MSCHED_TIER_PF_IGNORED)
			continue;
		t->heat[pg->idx] &= (u16)TIER_HEAT_MASK;
		if ((pg->flags & MSCHED_TIER_PF_PINNED) ||
		    pg->tier != MSCHED_TIER_DRAM || !ndem)
			continue;
		w = tier_weight(pg);
		if (!tier_sel_take(&cold, true, pg->heat, used))
			continue;
		if (k >= cap || k >= 0x7fffffffU) {
			dropped += w;
			continue;
		}
		tier_emit(&out[k++], pg, MSCHED_TIER_PMEM);
		used += pg->heat == cold.thr ? w : 0;
		demoted += w;
	}

	dropped_pro = dropped;
	/*
	 * Pass 3: the promotions, each only when DRAM after the demotions
	 * has room for all its pages: never above max(usage, budget).
	 */
	after = c.dram - tier_min(demoted, c.dram);
	room = t->p.dram_budget_pages > after ?
	       t->p.dram_budget_pages - after : 0;
	used = 0;
	for (i = 0; i < nr && npro; i++) {
		struct msched_tier_page *pg = &pages[i];

		if (pg->flags & (MSCHED_TIER_PF_IGNORED | MSCHED_TIER_PF_PINNED) ||
		    pg->tier != MSCHED_TIER_PMEM)
			continue;
		w = tier_weight(pg);
		if (!tier_sel_take(&hot, false, pg->heat, used))
			continue;
		if (promoted + w > room)	/* smaller ones may still fit */
			continue;
		if (k >= cap || k >= 0x7fffffffU) {
			dropped += w;
			continue;
		}
		tier_emit(&out[k++], pg, MSCHED_TIER_DRAM);
		used += pg->heat == hot.thr ? w : 0;
		promoted += w;
	}

	spent = demoted + promoted;
	if (t->p.rate_mib_per_s) {
		t->token_debt += spent - tier_min(spent, t->tokens);
		t->tokens -= tier_min(spent, t->tokens);
	}
	t->stats.nr_plans++;
	t->stats.nr_demote += demoted;
	t->stats.nr_budget_demotions += tier_min(got.budget_demote, demoted);
	t->stats.nr_promote += promoted;
	t->stats.nr_cap_stalls += tier_shape_total(&want) -
				  tier_shape_total(&capped) + dropped;
	t->stats.nr_rate_stalls += tier_shape_total(&capped) -
				   tier_shape_total(&got);
	/* Hot pages a huge entry left without room, or the room unused. */
	dropped_pro = dropped - dropped_pro;
	t->stats.nr_no_room += want.no_room +
			       (npro > promoted + dropped_pro ?
				npro - promoted - dropped_pro : 0);
	return (int)k;
}
