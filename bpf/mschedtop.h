/* SPDX-License-Identifier: GPL-2.0 */
/* mschedtop: what its BPF side counts, per VM and per memschedfs file. */
#ifndef __MSCHEDTOP_H
#define __MSCHEDTOP_H

#define MSCHEDTOP_MAX_VMS	1024
#define MSCHEDTOP_MAX_FILES	1024
#define MSCHEDTOP_MECH_LEN	8
#define MSCHEDTOP_MAX_REPLICAS	256
#define MSCHEDTOP_NAME_LEN	32

/* Per VM (key: pid), cumulative since the tool started. */
struct mschedtop_vm {
	__u64 nr_scans;
	__u64 nr_pages_scanned;
	__u64 nr_young_pages;
	__u64 wss_pages;		/* after the last scan */
	__u64 nr_balloon_msgs;		/* INFLATED, DEFLATED and STATS messages */
	__u64 nr_inflated_pages;
	__u64 nr_deflated_pages;
	__u64 nr_sched_decisions;	/* msched_sched_decision: reclaim or return */
	char sched_mechanism[MSCHEDTOP_MECH_LEN];	/* ... the last one's */
};

/* Per memschedfs file (key: inode number), cumulative. */
struct mschedtop_file {
	__u64 nr_move_batches;
	__u64 nr_moved_pages;
	__u64 move_ns;
	__u64 nr_swap_write_batches;	/* msched_swap_batch */
	__u64 nr_swapped_out_pages;	/* msched_swap_write_done: written and freed */
	__u64 nr_swap_write_errors;	/* msched_swap_write_done: pages */
	__u64 nr_swapped_in_pages;	/* msched_swap_in, read-ahead included */
};

/*
 * Per rdma_failover replica and side (key), cumulative: the primary's
 * committed epochs (rfo_epoch_commit), the standby's applied ones
 * (rfo_epoch_apply). A name longer than MSCHEDTOP_NAME_LEN - 1 is cut.
 */
enum mschedtop_side { MSCHEDTOP_PRIMARY, MSCHEDTOP_STANDBY };

struct mschedtop_replica_key {
	char name[MSCHEDTOP_NAME_LEN];
	__u32 side;
};

struct mschedtop_replica {
	__u64 nr_epochs;
	__u64 nr_pages;
	__u64 nr_full_epochs;	/* whole-file (first or resync) epochs */
	__u64 latency_us;	/* summed: cut to COMMIT_ACK; standby: first batch to applied */
	__u64 last_epoch;
};

#endif /* __MSCHEDTOP_H */
