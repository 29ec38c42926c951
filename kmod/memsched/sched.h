/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memsched: the memory scheduler, a feature of every attached VM
 * (feature.h). Every period it divides the pool among the attached VMs
 * (lib/msched_alloc: shares with an idle-memory tax, or marginal gains on
 * the miss-rate curves) and moves each VM toward its target with one
 * mechanism, recording why. Its files call each other as a tree:
 *
 *   sched_sysfs.c   sched/ and vms/<pid>/sched/, and the feature ops
 *   sched.c         the period: inputs, allocation, one decision per VM
 *   sched_act.c     the mechanisms: balloon, demotion, swap
 *
 * See Documentation/design/scheduler.rst; lock rules in
 * Documentation/design/locking.rst.
 */
#ifndef _MEMSCHED_SCHED_H
#define _MEMSCHED_SCHED_H

#include <linux/list.h>
#include <linux/mutex.h>

#include "memsched.h"
#include "msched_alloc.h"

/* Knob limits; writes outside them get -EINVAL and one log line. */
#define MSCHED_SCHED_PERIOD_MIN_MS	100U
#define MSCHED_SCHED_PERIOD_MAX_MS	60000U
#define MSCHED_SCHED_STEP_MAX		(1ULL << 30)
#define MSCHED_SCHED_RATE_MAX		1048576U
#define MSCHED_SCHED_TIMEOUT_MIN_MS	1000U
#define MSCHED_SCHED_TIMEOUT_MAX_MS	600000U
#define MSCHED_SCHED_SHARES_DEFAULT	1000U
#define MSCHED_SCHED_NO_MAX		U64_MAX	/* max_pages "max" */

/* What a decision does, how, and why (the decision file's words). */
enum msched_sched_action { MSCHED_ACT_HOLD, MSCHED_ACT_RECLAIM,
			   MSCHED_ACT_RETURN, MSCHED_ACT_WITHDRAW };
enum msched_sched_mech { MSCHED_MECH_NONE, MSCHED_MECH_BALLOON,
			 MSCHED_MECH_DEMOTE, MSCHED_MECH_SWAP, MSCHED_NR_MECH };
enum msched_sched_reason {
	MSCHED_WHY_NONE,		/* no decision yet */
	MSCHED_WHY_GUEST_FREE,		/* balloon: guest has free/cache pages */
	MSCHED_WHY_GUEST_RECLAIMS,	/* balloon: the guest reclaims itself */
	MSCHED_WHY_PMEM_ROOM,		/* demote: the PMEM node has room */
	MSCHED_WHY_HOST_SWAP,		/* swap: a swap device is set */
	MSCHED_WHY_BALLOON_STALLED,	/* the balloon did not follow */
	MSCHED_WHY_TARGET_ABOVE,	/* return: deflate or promote */
	MSCHED_WHY_WITHIN_STEP,		/* hold: gap below min_step_pages */
	MSCHED_WHY_BALLOON_PENDING,	/* hold: a balloon request in flight */
	MSCHED_WHY_DEMOTE_PENDING,	/* hold: a lowered budget not reached */
	MSCHED_WHY_DEMOTE_STALLED,	/* tiering did not follow the budget */
	MSCHED_WHY_NO_MECHANISM,	/* hold: nothing can move pages */
	MSCHED_WHY_AT_MIN,		/* hold: at min_pages */
	MSCHED_WHY_DISABLED,		/* withdraw: the scheduler turned off */
	MSCHED_WHY_DETACHED,		/* withdraw: the VM detached */
	MSCHED_NR_WHY
};

/*
 * A mechanism that did not follow a request within balloon_timeout_ms is
 * skipped for this many timeouts, then tried again.
 */
#define MSCHED_SCHED_STALL_TIMEOUTS	6

/**
 * struct msched_sched_pending - a request in flight: the balloon asked
 * for a size, or the RAM file's DRAM budget lowered below what it holds.
 * Further moves of the VM wait for it; one that makes no progress within
 * balloon_timeout_ms is given up.
 * @mech: MSCHED_MECH_BALLOON or MSCHED_MECH_DEMOTE; MSCHED_MECH_NONE when
 *	nothing is in flight.
 * @left: pages still to go when progress was last seen.
 * @min_progress: pages of progress that count as following (1/16 of the
 *	request, at least 1): a guest cannot hold a request open forever by
 *	moving a page now and then.
 * @moved_ns: when that progress was seen (or the request made).
 */
struct msched_sched_pending {
	u8 mech;
	u64 left;
	u64 min_progress;
	u64 moved_ns;
};

extern const char *const msched_sched_action_names[];
extern const char *const msched_sched_mech_names[];
extern const char *const msched_sched_reason_names[];

/**
 * struct msched_sched_decision - one VM's decision of one period.
 * @period: the period (stats/nr_periods when it was made).
 * @action: enum msched_sched_action.
 * @mech: enum msched_sched_mech.
 * @reason: enum msched_sched_reason.
 * @pages: pages asked of the mechanism.
 * @target_dram: the VM's target_dram_pages then.
 * @actual_dram: the VM's actual_dram_pages then.
 */
struct msched_sched_decision {
	u64 period;
	u8 action;
	u8 mech;
	u8 reason;
	u64 pages;
	u64 target_dram;
	u64 actual_dram;
};

/**
 * struct msched_sched_vm_stats - a VM's counters (vms/<pid>/sched/stats/).
 * @nr_decisions: reclaim and return decisions.
 * @nr_balloon_pages: pages reclaimed by inflating the balloon.
 * @nr_demoted_pages: pages reclaimed by lowering the RAM file's DRAM budget.
 * @nr_swapped_pages: pages reclaimed by swapping the RAM file out.
 * @nr_returned_pages: pages given back (deflate, promote).
 * @nr_balloon_timeouts: balloon requests given up.
 * @nr_demote_timeouts: lowered DRAM budgets that tiering did not follow in
 *	time.
 * @nr_unready_periods: periods in which the VM's sampled estimates did not
 *	cover their window yet (msched_alloc_estimate_ready()): every page
 *	it held counted as active, no miss curve.
 */
struct msched_sched_vm_stats {
	u64 nr_decisions;
	u64 nr_balloon_pages;
	u64 nr_demoted_pages;
	u64 nr_swapped_pages;
	u64 nr_returned_pages;
	u64 nr_balloon_timeouts;
	u64 nr_demote_timeouts;
	u64 nr_unready_periods;
};

/**
 * struct msched_sched_vm - the scheduler's state of one VM. Everything is
 * under msched_sched_lock.
 * @node: entry in msched_sched_vms.
 * @vm: the VM.
 * @shares: knob.
 * @min_pages: knob: reservation.
 * @max_pages: knob: limit, MSCHED_SCHED_NO_MAX for none.
 * @target_dram_pages: the VM's DRAM target of the last period.
 * @actual_dram_pages: the VM's pages in host DRAM at the last period
 *	(msched_sched_actual()).
 * @active_pages: the smoothed active estimate of the last period.
 * @guest_pages: the VM's size at the last period.
 * @last_young: the sampler's nr_young_pages at the last period.
 * @last_scans: the sampler's nr_scans at the last period.
 * @seen: a period has read the VM before.
 * @estimate_ready: the VM's estimates covered their window at the last
 *	period (msched_alloc_estimate_ready()).
 * @live: the VM is complete (->start ran); the period skips it until then.
 * @in_period: the VM takes part in the period running now (live, not
 *	dying when the period began).
 * @pending: the request in flight, if any.
 * @stalled_until_ns: per mechanism, until when it is skipped after a
 *	request it did not follow (0: usable).
 * @last_dir: the direction of the last reclaim (-1) or return (+1).
 * @last_dir_period: the period of that decision.
 * @budget_set: the scheduler has set the RAM file's DRAM budget.
 * @budget_orig: the file's budget before the scheduler first set it.
 * @budget_ours: the budget the scheduler set last; detach puts back
 *	@budget_orig if the file still has it (not if someone else set one).
 * @dec: the last decision.
 * @stats: counters.
 */
struct msched_sched_vm {
	struct list_head node;
	struct msched_vm *vm;
	u64 shares;
	u64 min_pages;
	u64 max_pages;
	u64 target_dram_pages;
	u64 actual_dram_pages;
	u64 active_pages;
	u64 guest_pages;
	u64 last_young;
	u64 last_scans;
	bool seen;
	bool estimate_ready;
	bool live;
	bool in_period;
	struct msched_sched_pending pending;
	u64 stalled_until_ns[MSCHED_NR_MECH];
	int last_dir;
	u64 last_dir_period;
	bool budget_set;
	u64 budget_orig;
	u64 budget_ours;
	struct msched_sched_decision dec;
	struct msched_sched_vm_stats stats;
};

/**
 * struct msched_sched_knobs - the global knobs (sched/).
 * @enabled: the period runs.
 * @policy: enum msched_alloc_policy.
 * @period_ms: time between two periods.
 * @pool_pages: the pool, 0 for auto (msched_sched_pool()).
 * @idle_tax_pct: tau.
 * @min_step_pages: the smallest gap acted on.
 * @rate_limit_mib_per_s: most memory moved per VM per second.
 * @balloon_timeout_ms: how long a balloon that does not move is waited for.
 */
struct msched_sched_knobs {
	bool enabled;
	u32 policy;
	u32 period_ms;
	u64 pool_pages;
	u32 idle_tax_pct;
	u64 min_step_pages;
	u32 rate_limit_mib_per_s;
	u32 balloon_timeout_ms;
};

/**
 * struct msched_sched_stats - global counters (sched/stats/).
 * @nr_periods: periods run.
 * @nr_decisions: reclaim and return decisions.
 * @nr_reclaimed_pages: pages reclaimed by any mechanism.
 * @nr_returned_pages: pages given back.
 * @nr_overcommitted_periods: periods where the mins exceeded the pool.
 */
struct msched_sched_stats {
	u64 nr_periods;
	u64 nr_decisions;
	u64 nr_reclaimed_pages;
	u64 nr_returned_pages;
	u64 nr_overcommitted_periods;
};

/* sched.c: the period; these are guarded by msched_sched_lock */
extern struct mutex msched_sched_lock;
extern struct list_head msched_sched_vms;
extern struct msched_sched_knobs msched_sched_knobs;
extern struct msched_sched_stats msched_sched_stats;
u64 msched_sched_pool(void);
u64 msched_sched_auto_pool(void);
u64 msched_sched_min_sum(const struct msched_sched_vm *except);
void msched_sched_kick(void);
void msched_sched_off(void);
int msched_sched_vm_attach(struct msched_vm *vm);
void msched_sched_vm_start(struct msched_vm *vm);
void msched_sched_vm_detach(struct msched_vm *vm);
void msched_sched_setup(void);
void msched_sched_stop(void);

/* sched_act.c: reaching a target */
void msched_sched_act(struct msched_sched_vm *sv, u64 period,
		      const struct msched_sched_knobs *k,
		      struct msched_sched_stats *st);
u64 msched_sched_actual(struct msched_sched_vm *sv, u64 guest_pages);
void msched_sched_forget(struct msched_sched_vm *sv);
void msched_sched_withdraw(struct msched_sched_vm *sv, u64 period);
void msched_sched_release(struct msched_sched_vm *sv, u64 period);

/* sched_sysfs.c: the files and the module-wide start and stop */
int msched_sched_init(struct kobject *root);
void msched_sched_exit(void);

/**
 * msched_sched_of() - the scheduler's state of a VM.
 * @vm: an attached VM.
 *
 * Context: any; from the feature's ->attach to its ->detach.
 * Return: the state.
 */
static inline struct msched_sched_vm *msched_sched_of(struct msched_vm *vm)
{
	return msched_vm_feature(vm, MSCHED_FEAT_SCHED);
}

#endif /* _MEMSCHED_SCHED_H */
