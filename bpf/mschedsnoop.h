/* SPDX-License-Identifier: GPL-2.0 */
/* mschedsnoop: the decision events its BPF side sends (mschedsnoop.bpf.c). */
#ifndef __MSCHEDSNOOP_H
#define __MSCHEDSNOOP_H

#define MSCHEDSNOOP_REASON_LEN	32
#define MSCHEDSNOOP_WORD_LEN	16
/* msched_swap_out's below for "any heat" (MSCHED_SWAP_FORCE, lib/msched_swap.h) */
#define MSCHED_SWAP_BELOW_ANY	0xffffffffULL

enum mschedsnoop_type {
	MSCHEDSNOOP_PLAN,		/* msched_fs_plan: a tiering plan */
	MSCHEDSNOOP_BALLOON_TARGET,	/* msched_balloon_target */
	MSCHEDSNOOP_BALLOON_REACHED,	/* msched_balloon_reached */
	MSCHEDSNOOP_TRANSFER,		/* msched_balloon_transfer */
	MSCHEDSNOOP_ATTACH,		/* msched_attach */
	MSCHEDSNOOP_DETACH,		/* msched_detach */
	MSCHEDSNOOP_SWAP_OUT,		/* msched_swap_out: a selection */
	MSCHEDSNOOP_SWAP_WRITE,		/* msched_swap_write_done: a batch */
	MSCHEDSNOOP_SCHED_DECISION,	/* msched_sched_decision */
	MSCHEDSNOOP_SCHED_PERIOD,	/* msched_sched_period (with -P) */
	MSCHEDSNOOP_EPOCH_COMMIT,	/* rfo_epoch_commit (rdma_failover loaded) */
};

struct mschedsnoop_event {
	__u64 ts_ns;
	__u32 type;
	__s32 pid;		/* the VM; transfer: from */
	__s32 pid2;		/* transfer: to */
	__u32 pad;
	__u64 ino;		/* plan, swap_out, swap_write */
	__u64 v[7];		/* the event's values, in TP_PROTO order */
	char reason[MSCHEDSNOOP_REASON_LEN];	/* detach, sched_decision; epoch: replica */
	char action[MSCHEDSNOOP_WORD_LEN];	/* sched_decision */
	char mechanism[MSCHEDSNOOP_WORD_LEN];	/* sched_decision */
	char policy[MSCHEDSNOOP_WORD_LEN];	/* sched_period */
};

#endif /* __MSCHEDSNOOP_H */
