// SPDX-License-Identifier: GPL-2.0
/*
 * memsched scheduler: reaching a VM's target. Each period every VM gets one
 * decision: reclaim, return or hold, with one mechanism and one reason.
 *
 * Reclaim tries, in order: the balloon, when the guest driver is connected
 * and the guest reports free or cache pages; demotion to PMEM, when the
 * VM's RAM is a memschedfs file that tiers and its PMEM node has room
 * (the file's DRAM budget is lowered; its tiering scan moves the coldest
 * pages); hypervisor swap, when the RAM is a memschedfs file and a swap
 * device has room; and last the balloon anyway, where the guest reclaims
 * (swaps) itself. Return deflates the balloon first, then raises the DRAM
 * budget. A balloon request or a lowered budget is one request in flight
 * (struct msched_sched_pending): the VM waits for it, and one that makes no
 * progress within balloon_timeout_ms is given up (a balloon request is
 * withdrawn) and its mechanism skipped for MSCHED_SCHED_STALL_TIMEOUTS
 * timeouts.
 *
 * Everything here runs under msched_sched_lock, in the period (sched.c
 * holds it; this file sits below sched.c and does not name it).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/numa.h>

#include "sched.h"
#include "access.h"
#include "balloon.h"
#include "fs.h"
#include "trace.h"

const char *const msched_sched_action_names[] = {
	[MSCHED_ACT_HOLD]	= "hold",
	[MSCHED_ACT_RECLAIM]	= "reclaim",
	[MSCHED_ACT_RETURN]	= "return",
	[MSCHED_ACT_WITHDRAW]	= "withdraw",
};

const char *const msched_sched_mech_names[] = {
	[MSCHED_MECH_NONE]	= "none",
	[MSCHED_MECH_BALLOON]	= "balloon",
	[MSCHED_MECH_DEMOTE]	= "demote",
	[MSCHED_MECH_SWAP]	= "swap",
};

const char *const msched_sched_reason_names[] = {
	[MSCHED_WHY_NONE]		= "none",
	[MSCHED_WHY_GUEST_FREE]		= "guest_free_or_cache",
	[MSCHED_WHY_GUEST_RECLAIMS]	= "guest_reclaims",
	[MSCHED_WHY_PMEM_ROOM]		= "pmem_room",
	[MSCHED_WHY_HOST_SWAP]		= "host_swap",
	[MSCHED_WHY_BALLOON_STALLED]	= "balloon_unresponsive",
	[MSCHED_WHY_TARGET_ABOVE]	= "target_above_actual",
	[MSCHED_WHY_WITHIN_STEP]	= "within_step",
	[MSCHED_WHY_BALLOON_PENDING]	= "balloon_pending",
	[MSCHED_WHY_DEMOTE_PENDING]	= "demote_pending",
	[MSCHED_WHY_DEMOTE_STALLED]	= "demote_unresponsive",
	[MSCHED_WHY_NO_MECHANISM]	= "no_mechanism",
	[MSCHED_WHY_AT_MIN]		= "at_min",
	[MSCHED_WHY_DISABLED]		= "scheduler_disabled",
	[MSCHED_WHY_DETACHED]		= "vm_detached",
};

/* A decision in the opposite direction within this many periods needs twice the step. */
#define MSCHED_SCHED_SETTLE_PERIODS	3

/* What one VM offers this period. */
struct msched_sched_env {
	struct msched_balloon *b;
	struct msched_balloon_view bv;
	struct msched_file *mf;
	struct msched_fs_view fv;
};

static void sched_env(struct msched_sched_vm *sv, struct msched_sched_env *e)
{
	e->b = msched_balloon_of(sv->vm);
	msched_balloon_read(e->b, &e->bv);
	e->mf = msched_vm_ram(sv->vm);
	if (e->mf)
		msched_fs_read(e->mf, &e->fv);
}

/* Pages of the file that are resident but not on its DRAM node. */
static u64 sched_pmem_pages(const struct msched_fs_view *fv)
{
	return fv->resident_pages > fv->dram_pages ?
	       fv->resident_pages - fv->dram_pages : 0;
}

/**
 * msched_sched_actual() - the pages a VM holds in host DRAM, as the
 * scheduler counts them: its guest pages, minus ballooned pages, minus
 * (memschedfs RAM) pages out on the swap device or on the PMEM node.
 * @sv: the VM's state.
 * @guest_pages: the VM's size now.
 *
 * Context: process context; msched_sched_lock held; takes the balloon lock.
 * Return: the pages.
 */
u64 msched_sched_actual(struct msched_sched_vm *sv, u64 guest_pages)
{
	struct msched_sched_env e;
	u64 held, off;

	sched_env(sv, &e);
	held = guest_pages - min(guest_pages, e.bv.actual_pages);
	if (e.mf) {
		off = e.fv.swapped_pages + sched_pmem_pages(&e.fv);
		held -= min(held, off);
		/* Pages the guest never touched hold no DRAM. */
		held = min(held, e.fv.dram_pages);
	}
	return held;
}

static void sched_decide(struct msched_sched_vm *sv, u64 period,
			 struct msched_sched_stats *st,
			 enum msched_sched_action action,
			 enum msched_sched_mech mech,
			 enum msched_sched_reason reason, u64 pages)
{
	bool repeat = sv->dec.action == action && sv->dec.mech == mech &&
		      sv->dec.reason == reason;
	bool move = action == MSCHED_ACT_RECLAIM || action == MSCHED_ACT_RETURN;

	sv->dec = (struct msched_sched_decision) {
		.period = period, .action = action, .mech = mech,
		.reason = reason, .pages = pages,
		.target_dram = sv->target_dram_pages,
		.actual_dram = sv->actual_dram_pages,
	};
	if (move) {
		sv->last_dir = action == MSCHED_ACT_RECLAIM ? -1 : 1;
		sv->last_dir_period = period;
		sv->stats.nr_decisions++;
		st->nr_decisions++;
	}
	if (action == MSCHED_ACT_RECLAIM) {
		st->nr_reclaimed_pages += pages;
		if (mech == MSCHED_MECH_BALLOON)
			sv->stats.nr_balloon_pages += pages;
		else if (mech == MSCHED_MECH_DEMOTE)
			sv->stats.nr_demoted_pages += pages;
		else
			sv->stats.nr_swapped_pages += pages;
	} else if (action == MSCHED_ACT_RETURN) {
		st->nr_returned_pages += pages;
		sv->stats.nr_returned_pages += pages;
	} else if (action == MSCHED_ACT_HOLD && repeat) {
		return;	/* a hold is traced when its reason is new */
	}
	trace_msched_sched_decision(sv->vm->pid, period,
				    msched_sched_action_names[action],
				    msched_sched_mech_names[mech], pages,
				    sv->target_dram_pages, sv->actual_dram_pages,
				    msched_sched_reason_names[reason]);
}

static u64 sched_dist(u64 a, u64 b)
{
	return a > b ? a - b : b - a;
}

/* Pages the request in flight still has to go. */
static u64 sched_pending_left(const struct msched_sched_vm *sv,
			      const struct msched_sched_env *e)
{
	if (sv->pending.mech == MSCHED_MECH_BALLOON)
		return e->bv.connected ? sched_dist(e->bv.target_pages,
						    e->bv.actual_pages) : 0;
	if (!e->mf || !e->fv.tiering ||
	    e->fv.dram_budget == MSCHED_FS_BUDGET_MAX)
		return 0;
	return e->fv.dram_pages > e->fv.dram_budget ?
	       e->fv.dram_pages - e->fv.dram_budget : 0;
}

static void sched_pending_start(struct msched_sched_vm *sv,
				enum msched_sched_mech mech, u64 left)
{
	sv->pending = (struct msched_sched_pending) {
		.mech = mech,
		.left = left,
		.min_progress = max_t(u64, 1, left / 16),
		.moved_ns = ktime_get_ns(),
	};
}

static bool sched_usable(const struct msched_sched_vm *sv,
			 enum msched_sched_mech mech)
{
	u64 until = sv->stalled_until_ns[mech];

	return !until || ktime_get_ns() >= until;
}

/*
 * Follow the request in flight: done when it arrived; progress when it
 * came closer by min_progress; given up when it did not within the
 * timeout (a balloon request is withdrawn: the target goes back to where
 * the balloon is). Return: the mechanism that was given up now, or
 * MSCHED_MECH_NONE.
 */
static enum msched_sched_mech sched_follow(struct msched_sched_vm *sv,
					   struct msched_sched_env *e,
					   const struct msched_sched_knobs *k)
{
	u64 now = ktime_get_ns(), timeout_ns, left;
	enum msched_sched_mech mech = sv->pending.mech;

	if (mech == MSCHED_MECH_NONE)
		return MSCHED_MECH_NONE;
	left = sched_pending_left(sv, e);
	if (!left) {
		sv->pending.mech = MSCHED_MECH_NONE;
		return MSCHED_MECH_NONE;
	}
	if (left + sv->pending.min_progress <= sv->pending.left) {
		sv->pending.left = left;
		sv->pending.moved_ns = now;
	}
	timeout_ns = (u64)k->balloon_timeout_ms * NSEC_PER_MSEC;
	if (now - sv->pending.moved_ns <= timeout_ns)
		return MSCHED_MECH_NONE;
	sv->pending.mech = MSCHED_MECH_NONE;
	sv->stalled_until_ns[mech] = now + MSCHED_SCHED_STALL_TIMEOUTS * timeout_ns;
	if (mech == MSCHED_MECH_BALLOON) {
		sv->stats.nr_balloon_timeouts++;
		pr_info_ratelimited("pid %d: scheduler: the balloon did not follow for %u ms (at %llu pages, asked %llu); trying the next mechanism\n",
				    sv->vm->pid, k->balloon_timeout_ms,
				    e->bv.actual_pages, e->bv.target_pages);
		msched_balloon_set_target(e->b, e->bv.actual_pages);
		e->bv.target_pages = e->bv.actual_pages;
	} else {
		sv->stats.nr_demote_timeouts++;
		pr_info_ratelimited("pid %d: scheduler: tiering did not bring the RAM file under its DRAM budget for %u ms (%llu pages, budget %llu); trying the next mechanism\n",
				    sv->vm->pid, k->balloon_timeout_ms,
				    e->fv.dram_pages, e->fv.dram_budget);
	}
	return mech;
}

/*
 * Set the RAM file's DRAM budget for the scheduler, remembering the
 * budget the file had before the scheduler first set one (detach puts it
 * back) and the one set now.
 */
static int sched_set_budget(struct msched_sched_vm *sv,
			    const struct msched_sched_env *e, u64 budget)
{
	int ret = msched_fs_set_dram_budget(e->mf, budget);

	if (ret)
		return ret;
	if (!sv->budget_set) {
		sv->budget_set = true;
		sv->budget_orig = e->fv.dram_budget;
	}
	sv->budget_ours = budget;
	return 0;
}

/* Ask the balloon for @target pages and wait for it. */
static bool sched_balloon_ask(struct msched_sched_vm *sv,
			      struct msched_sched_env *e, u64 target)
{
	if (msched_balloon_set_target(e->b, target))
		return false;
	sched_pending_start(sv, MSCHED_MECH_BALLOON,
			    sched_dist(target, e->bv.actual_pages));
	return true;
}

/*
 * Lower the RAM file's DRAM budget to @need below the DRAM it holds now,
 * and wait for the tiering scan to get there.
 */
static bool sched_demote(struct msched_sched_vm *sv,
			 struct msched_sched_env *e, u64 need)
{
	u64 dram = e->fv.dram_pages;

	if (!e->fv.tiering || !sched_usable(sv, MSCHED_MECH_DEMOTE) ||
	    e->fv.pmem_free_pages < need || dram < need)
		return false;
	if (sched_set_budget(sv, e, dram - need))
		return false;
	sched_pending_start(sv, MSCHED_MECH_DEMOTE, need);
	return true;
}

static void sched_reclaim(struct msched_sched_vm *sv, u64 period,
			  const struct msched_sched_knobs *k,
			  struct msched_sched_stats *st,
			  struct msched_sched_env *e, u64 need,
			  enum msched_sched_reason stalled)
{
	bool balloon = e->bv.connected && sched_usable(sv, MSCHED_MECH_BALLOON);
	enum msched_sched_reason why;
	u64 out = 0, room;

	if (sv->actual_dram_pages < sv->min_pages + need)
		need = sv->actual_dram_pages > sv->min_pages ?
		       sv->actual_dram_pages - sv->min_pages : 0;
	if (!need) {
		sched_decide(sv, period, st, MSCHED_ACT_HOLD, MSCHED_MECH_NONE,
			     MSCHED_WHY_AT_MIN, 0);
		return;
	}
	/* The balloon can take what the host's memslots hold, no more. */
	room = sv->guest_pages - min(sv->guest_pages, e->bv.actual_pages);
	if (balloon && need <= room &&
	    e->bv.reclaimable_pages >= min(need, k->min_step_pages) &&
	    sched_balloon_ask(sv, e, e->bv.actual_pages + need)) {
		sched_decide(sv, period, st, MSCHED_ACT_RECLAIM,
			     MSCHED_MECH_BALLOON, MSCHED_WHY_GUEST_FREE, need);
		return;
	}
	if (e->mf && sched_demote(sv, e, need)) {
		sched_decide(sv, period, st, MSCHED_ACT_RECLAIM,
			     MSCHED_MECH_DEMOTE, stalled ?: MSCHED_WHY_PMEM_ROOM,
			     need);
		return;
	}
	if (e->mf && e->fv.swap_free_pages) {
		msched_fs_swap_out(e->mf, min(need, e->fv.swap_free_pages),
				   MSCHED_FS_SWAP_FORCE | MSCHED_FS_SWAP_QUIET |
				   MSCHED_FS_SWAP_DRAM | MSCHED_FS_SWAP_MAX,
				   &out);
		if (out) {
			sched_decide(sv, period, st, MSCHED_ACT_RECLAIM,
				     MSCHED_MECH_SWAP,
				     stalled ?: MSCHED_WHY_HOST_SWAP, out);
			return;
		}
	}
	if (balloon && need <= room &&
	    sched_balloon_ask(sv, e, e->bv.actual_pages + need)) {
		sched_decide(sv, period, st, MSCHED_ACT_RECLAIM,
			     MSCHED_MECH_BALLOON, MSCHED_WHY_GUEST_RECLAIMS,
			     need);
		return;
	}
	why = stalled;
	if (!why && e->bv.connected && !balloon)
		why = MSCHED_WHY_BALLOON_STALLED;
	sched_decide(sv, period, st, MSCHED_ACT_HOLD, MSCHED_MECH_NONE,
		     why ?: MSCHED_WHY_NO_MECHANISM, 0);
}

static void sched_return(struct msched_sched_vm *sv, u64 period,
			 struct msched_sched_stats *st,
			 struct msched_sched_env *e, u64 give)
{
	u64 budget;

	if (e->bv.connected && e->bv.target_pages &&
	    sched_usable(sv, MSCHED_MECH_BALLOON)) {
		give = min(give, e->bv.target_pages);
		if (sched_balloon_ask(sv, e, e->bv.target_pages - give)) {
			sched_decide(sv, period, st, MSCHED_ACT_RETURN,
				     MSCHED_MECH_BALLOON,
				     MSCHED_WHY_TARGET_ABOVE, give);
			return;
		}
	}
	if (e->mf && e->fv.tiering && e->fv.dram_budget != MSCHED_FS_BUDGET_MAX) {
		budget = max(e->fv.dram_budget, e->fv.dram_pages) + give;
		if (budget >= sv->guest_pages)
			budget = MSCHED_FS_BUDGET_MAX;
		if (!sched_set_budget(sv, e, budget)) {
			sched_decide(sv, period, st, MSCHED_ACT_RETURN,
				     MSCHED_MECH_DEMOTE,
				     MSCHED_WHY_TARGET_ABOVE, give);
			return;
		}
	}
	sched_decide(sv, period, st, MSCHED_ACT_HOLD, MSCHED_MECH_NONE,
		     MSCHED_WHY_NO_MECHANISM, 0);
}

/**
 * msched_sched_forget() - drop a VM's request in flight and stalls, as
 * when the scheduler is turned on again: old requests are not timed out
 * against a clock that stood still.
 * @sv: the VM's state.
 *
 * Context: msched_sched_lock held.
 */
void msched_sched_forget(struct msched_sched_vm *sv)
{
	sv->pending.mech = MSCHED_MECH_NONE;
	memset(sv->stalled_until_ns, 0, sizeof(sv->stalled_until_ns));
}

/**
 * msched_sched_withdraw() - the scheduler is turned off: withdraw the
 * VM's request in flight, so that nothing moves any more. A balloon
 * request: the balloon's target goes back to its size now. A lowered DRAM
 * budget: it goes up to the pages the file holds on DRAM now (the tiering
 * scan, which holds the file's move_lock while it moves, then has nothing
 * to demote; what was demoted stays demoted). One decision (action
 * withdraw, reason scheduler_disabled) for each withdrawn request.
 * @sv: the VM's state.
 * @period: the number of the last period.
 *
 * Context: process context, may sleep (a balloon message);
 * msched_sched_lock held.
 */
void msched_sched_withdraw(struct msched_sched_vm *sv, u64 period)
{
	enum msched_sched_mech mech = sv->pending.mech;
	struct msched_sched_env e;
	u64 left, budget;
	int ret;

	if (mech == MSCHED_MECH_NONE)
		return;
	sched_env(sv, &e);
	left = sched_pending_left(sv, &e);	/* reads pending.mech */
	sv->pending.mech = MSCHED_MECH_NONE;
	if (!left)
		return;
	if (mech == MSCHED_MECH_BALLOON) {
		ret = msched_balloon_set_target(e.b, e.bv.actual_pages);
	} else {
		ret = msched_fs_hold_dram_budget(e.mf, &budget);
		if (!ret && sv->budget_set)
			sv->budget_ours = budget;	/* for detach */
	}
	if (ret) {
		pr_info_ratelimited("pid %d: scheduler: turned off, but its %s request could not be withdrawn (error %d)\n",
				    sv->vm->pid, msched_sched_mech_names[mech], ret);
		return;
	}
	sched_decide(sv, period, NULL, MSCHED_ACT_WITHDRAW, mech,
		     MSCHED_WHY_DISABLED, left);
}

/**
 * msched_sched_release() - the VM detaches: put back the DRAM budget its
 * RAM file had before the scheduler set one, unless someone else has set
 * another since, so that a VM that exits mid-reclaim leaves no lowered
 * budget behind. One decision (action withdraw, mechanism demote, reason
 * vm_detached) when a budget is put back.
 * @sv: the VM's state.
 * @period: the number of the last period.
 *
 * Context: process context, may sleep; msched_sched_lock held; the VM's
 * access feature still attached (msched_vm_ram()).
 */
void msched_sched_release(struct msched_sched_vm *sv, u64 period)
{
	struct msched_sched_env e = { .mf = msched_vm_ram(sv->vm) };
	u64 orig = sv->budget_orig, was, pages;

	sv->pending.mech = MSCHED_MECH_NONE;
	if (!e.mf || !sv->budget_set)
		return;
	msched_fs_read(e.mf, &e.fv);
	if (e.fv.dram_budget != sv->budget_ours ||
	    e.fv.dram_budget == sv->budget_orig)
		return;
	if (msched_fs_set_dram_budget(e.mf, sv->budget_orig)) {
		pr_info_ratelimited("pid %d: scheduler: the RAM file's DRAM budget (%llu pages) could not be put back on detach\n",
				    sv->vm->pid, e.fv.dram_budget);
		return;
	}
	sv->budget_set = false;
	/* pages: how far the budget goes up (to the VM's size for none) */
	was = e.fv.dram_budget;
	if (orig == MSCHED_FS_BUDGET_MAX)
		orig = max(sv->guest_pages, was);
	pages = orig > was ? orig - was : 0;
	sched_decide(sv, period, NULL, MSCHED_ACT_WITHDRAW, MSCHED_MECH_DEMOTE,
		     MSCHED_WHY_DETACHED, pages);
}

/**
 * msched_sched_act() - make this period's decision for one VM and carry it
 * out: move it toward sv->target_dram_pages by at most the rate limit.
 * @sv: the VM's state, with target_dram_pages and actual_dram_pages of
 *	this period.
 * @period: the period's number.
 * @k: the knobs.
 * @st: the global counters.
 *
 * Context: process context, may sleep (a balloon message, a swap-out);
 * msched_sched_lock held.
 */
void msched_sched_act(struct msched_sched_vm *sv, u64 period,
		      const struct msched_sched_knobs *k,
		      struct msched_sched_stats *st)
{
	u64 target = sv->target_dram_pages, actual = sv->actual_dram_pages, gap, step;
	enum msched_sched_reason stalled = MSCHED_WHY_NONE;
	bool reclaim = actual > target, settling;
	struct msched_sched_env e;

	sched_env(sv, &e);
	switch (sched_follow(sv, &e, k)) {
	case MSCHED_MECH_BALLOON:
		stalled = MSCHED_WHY_BALLOON_STALLED;
		break;
	case MSCHED_MECH_DEMOTE:
		stalled = MSCHED_WHY_DEMOTE_STALLED;
		break;
	default:
		break;
	}
	if (sv->pending.mech != MSCHED_MECH_NONE) {
		sched_decide(sv, period, st, MSCHED_ACT_HOLD, sv->pending.mech,
			     sv->pending.mech == MSCHED_MECH_BALLOON ?
			     MSCHED_WHY_BALLOON_PENDING :
			     MSCHED_WHY_DEMOTE_PENDING, 0);
		return;
	}
	gap = reclaim ? actual - target : target - actual;
	/* Turning back soon after a move needs twice the step: no ping-pong. */
	settling = sv->last_dir == (reclaim ? 1 : -1) &&
		   period - sv->last_dir_period < MSCHED_SCHED_SETTLE_PERIODS;
	if (gap < k->min_step_pages * (settling ? 2 : 1)) {
		sched_decide(sv, period, st, MSCHED_ACT_HOLD, MSCHED_MECH_NONE,
			     MSCHED_WHY_WITHIN_STEP, 0);
		return;
	}
	step = max_t(u64, 1, div_u64((u64)k->rate_limit_mib_per_s *
				     k->period_ms << (20 - PAGE_SHIFT), 1000));
	gap = min(gap, step);
	if (reclaim)
		sched_reclaim(sv, period, k, st, &e, gap, stalled);
	else
		sched_return(sv, period, st, &e, gap);
}
