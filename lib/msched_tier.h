/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * msched_tier.h - DRAM <-> PMEM tiering policy driven by access monitoring.
 *
 * A pure decision engine for one VM's managed memory.  The caller owns the
 * page list and performs the migrations; the engine keeps one heat value
 * per page (in caller-provided memory sized by msched_tier_mem_bytes()),
 * updated from accessed / not-accessed observations, and once per scan
 * turns the current placement into a bounded list of moves:
 *
 *  1. if DRAM holds more pages than the budget, demote the coldest DRAM
 *     pages regardless of heat until it fits ("budget demotions");
 *  2. promote the hottest PMEM pages with heat >= promote_heat into free
 *     DRAM room;
 *  3. if more hot PMEM pages remain, demote one cold DRAM page (heat <
 *     demote_heat, coldest first) for each further promotion.
 *
 * The gap between promote_heat and demote_heat is the hysteresis band: a
 * page whose heat stays inside it is never moved for room, so pages hovering
 * around one threshold do not ping-pong.  Every page moved costs one token
 * of a token bucket refilled by the configured migration bandwidth each
 * scan.  Applying the moves in order (all demotions come first) never takes
 * DRAM above max(current usage, budget), and after the whole plan is
 * applied DRAM usage is at most the budget unless pinned pages alone exceed
 * it or the rate limit deferred budget demotions.
 *
 * An entry may stand for several pages that move together (a 2 MiB folio:
 * 512 pages of 4 KiB, order 9: @order of struct msched_tier_page, the
 * entry weighing 1 << @order pages).  Budget,
 * counters, tokens and max_moves_per_scan all count pages.  Such an entry
 * is promoted only when DRAM has room for all its pages; a demotion may
 * take up to one entry more than the pages wanted (a budget overrun of 100
 * pages held by one 512-page entry demotes the 512), and a move may take
 * more tokens than are left (one entry's worth at most): the excess is a
 * debt the next refills pay first, so over time the rate holds.
 *
 * Coldest/hottest selection uses heat histograms (counting-sort style
 * thresholds), so a plan is O(nr + MSCHED_TIER_HEAT_MAX), deterministic
 * (ties are broken by position in the caller's array), needs no allocation
 * and no recursion.
 */
#ifndef MSCHED_TIER_H
#define MSCHED_TIER_H

#include "msched_compat.h"

/* Tiers. */
#define MSCHED_TIER_DRAM		0
#define MSCHED_TIER_PMEM		1

/* Heat is in [0, MSCHED_TIER_HEAT_MAX]. */
#define MSCHED_TIER_HEAT_MAX		255U
#define MSCHED_TIER_NR_HEAT		(MSCHED_TIER_HEAT_MAX + 1)

/* Limits accepted by msched_tier_init() (keep the refill product < 2^63). */
#define MSCHED_TIER_MAX_RATE_MIB_PER_S		(1U << 20)	/* MiB/s */
#define MSCHED_TIER_MAX_INTERVAL_MS	(1U << 22)
#define MSCHED_TIER_MAX_PAGE_SIZE	(1U << 30)

/* Largest struct msched_tier_page.order accepted (a weight fits a u32). */
#define MSCHED_TIER_MAX_ORDER		31U

/* struct msched_tier_page.flags */
#define MSCHED_TIER_PF_PINNED	0x01	/* in: page must not be moved */
#define MSCHED_TIER_PF_IGNORED	0x40	/* out: bad idx/tier or duplicate */
#define MSCHED_TIER_PF_MOVED	0x80	/* out: a move was planned */

/**
 * struct msched_tier_page - one managed page as seen by msched_tier_plan().
 * @idx: page index, < nr_pages given to msched_tier_init()
 * @tier: MSCHED_TIER_DRAM or MSCHED_TIER_PMEM, where the page is now
 * @flags: MSCHED_TIER_PF_* (PINNED is input, IGNORED/MOVED are output)
 * @heat: output: the page's heat when the plan was made (at most
 *	  MSCHED_TIER_HEAT_MAX, 255)
 * @order: the entry stands for 1 << @order pages, moved together (0 for
 *	   one page, 9 for a 2 MiB folio of 4 KiB pages); above
 *	   MSCHED_TIER_MAX_ORDER the entry is ignored.  The sum of the
 *	   weights over all entries of one plan must stay below 2^32.
 *
 * 8 bytes: one is kept per resident entry per scan.
 */
struct msched_tier_page {
	u32 idx;
	u8 tier;
	u8 flags;
	u8 heat;
	u8 order;
};

/**
 * struct msched_tier_move - one planned migration (8 bytes).
 * @idx: page index
 * @from: source tier
 * @to: destination tier
 * @heat: heat of the page when the plan was made
 * @order: the entry's order (struct msched_tier_page): 1 << @order pages
 */
struct msched_tier_move {
	u32 idx;
	u8 from;
	u8 to;
	u8 heat;
	u8 order;
};

_Static_assert(sizeof(struct msched_tier_page) == 8,
	       "struct msched_tier_page is 8 bytes per entry");
_Static_assert(sizeof(struct msched_tier_move) == 8,
	       "struct msched_tier_move is 8 bytes per entry");
_Static_assert(MSCHED_TIER_HEAT_MAX <= 255, "heat fits the u8 of an entry");

/**
 * msched_tier_move_pages() - the pages a planned move stands for.
 * @mv: a move written by msched_tier_plan()
 *
 * Context: any.
 * Return: 1 << @mv->order.
 */
static inline u32 msched_tier_move_pages(const struct msched_tier_move *mv)
{
	return 1U << mv->order;
}

/**
 * struct msched_tier_params - policy configuration.
 * @dram_budget_pages: maximum number of managed pages on DRAM
 * @promote_heat: PMEM pages with heat >= this are promoted;
 *		  1..MSCHED_TIER_HEAT_MAX
 * @demote_heat: DRAM pages with heat < this may be demoted to make room;
 *		 must be < @promote_heat (the gap is the hysteresis band)
 * @heat_inc: heat added when a page was accessed in a scan (saturating at
 *	      MSCHED_TIER_HEAT_MAX); >= 1
 * @decay_shift: when not accessed, heat -= max(1, heat >> @decay_shift)
 *		 (an EWMA with weight 2^-@decay_shift); 0..15
 * @rate_mib_per_s: migration bandwidth in MiB/s; 0 means unlimited
 * @scan_interval_ms: time between two plans; >= 1 when rate limited
 * @page_size: bytes per page; >= 1 when rate limited
 * @burst_pages: token bucket depth in pages; 0 means one scan's refill
 *		 (rounded up)
 * @max_moves_per_scan: hard cap on pages moved per plan; 0 means no cap
 */
struct msched_tier_params {
	u64 dram_budget_pages;
	u16 promote_heat;
	u16 demote_heat;
	u16 heat_inc;
	u16 decay_shift;
	u32 rate_mib_per_s;
	u32 scan_interval_ms;
	u32 page_size;
	u32 burst_pages;
	u32 max_moves_per_scan;
};

/**
 * struct msched_tier_stats - cumulative counters, in pages (an entry of
 * several pages counts each of them) except @nr_plans and @nr_ignored.
 * @nr_plans: plans made
 * @nr_promote: promotions planned
 * @nr_demote: demotions planned (including budget demotions)
 * @nr_budget_demotions: demotions planned because DRAM was over budget
 * @nr_rate_stalls: moves wanted but deferred for lack of tokens
 * @nr_cap_stalls: moves wanted but deferred by max_moves_per_scan or by
 *		   the caller's output capacity (in entries, counted here
 *		   in their pages)
 * @nr_no_room: hot PMEM pages (summed over plans) left in place because
 *		DRAM had no room and no cold page to demote
 * @nr_ignored: page entries ignored (bad index or tier, duplicates)
 */
struct msched_tier_stats {
	u64 nr_plans;
	u64 nr_promote;
	u64 nr_demote;
	u64 nr_budget_demotions;
	u64 nr_rate_stalls;
	u64 nr_cap_stalls;
	u64 nr_no_room;
	u64 nr_ignored;
};

/**
 * struct msched_tier - policy state for one VM.
 * @p: current parameters
 * @heat: caller-provided per-page heat, @nr_pages entries
 * @nr_pages: number of entries in @heat
 * @burst: effective token bucket depth in pages
 * @tokens: whole tokens available (unused when not rate limited)
 * @token_debt: tokens taken beyond @tokens by the last entry of a plan
 *		(at most one entry's pages less one); refills pay it first
 * @token_frac: fractional token, in units of 1 / @refill_den pages
 * @refill_num: refill per scan, in units of 1 / @refill_den pages
 * @refill_den: 1000 * page_size
 * @dram_pages: DRAM pages seen by the last plan, before its moves
 * @stats: cumulative counters
 * @hist: scratch heat histograms in pages (DRAM movable, PMEM movable)
 *
 * About 2 KiB; embed it in a long-lived structure rather than on the stack.
 */
struct msched_tier {
	struct msched_tier_params p;
	u16 *heat;
	u32 nr_pages;
	u64 burst;
	u64 tokens;
	u64 token_debt;
	u64 token_frac;
	u64 refill_num;
	u64 refill_den;
	u64 dram_pages;
	struct msched_tier_stats stats;
	u32 hist[2][MSCHED_TIER_NR_HEAT];
};

u64 msched_tier_mem_bytes(u32 nr_pages);
int msched_tier_validate(const struct msched_tier_params *p);
int msched_tier_init(struct msched_tier *t, const struct msched_tier_params *p,
		     void *mem, u32 nr_pages);
int msched_tier_set_params(struct msched_tier *t,
			   const struct msched_tier_params *p);
u32 msched_tier_observe(struct msched_tier *t, u32 idx, bool accessed);
u32 msched_tier_heat(const struct msched_tier *t, u32 idx);
void msched_tier_set_heat(struct msched_tier *t, u32 idx, u32 heat);
void msched_tier_refund(struct msched_tier *t, u32 nr_pages);
int msched_tier_plan(struct msched_tier *t, struct msched_tier_page *pages,
		     u32 nr, struct msched_tier_move *out, u32 cap);

#endif /* MSCHED_TIER_H */
