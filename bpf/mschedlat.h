/* SPDX-License-Identifier: GPL-2.0 */
/* mschedlat: log2 histograms its BPF side fills (mschedlat.bpf.c). */
#ifndef __MSCHEDLAT_H
#define __MSCHEDLAT_H

#define MSCHEDLAT_MAX_SLOTS	32
#define MSCHEDLAT_MAX_KEYS	4096
#define MSCHEDLAT_NAME_LEN	32

enum mschedlat_kind {
	MSCHEDLAT_SCAN,		/* msched_scan ns: one VM's scan (key id: pid) */
	MSCHEDLAT_MOVE,		/* msched_fs_move ns: one move batch (id: inode) */
	MSCHEDLAT_BALLOON,	/* msched_balloon_reached latency_us (id: pid) */
	MSCHEDLAT_SWAP_WRITE,	/* msched_swap_write_done write_ns: a batch (id: inode) */
	MSCHEDLAT_SWAP_IN,	/* msched_swap_in latency_ns: a fault (id: inode) */
	MSCHEDLAT_EPOCH_COMMIT,	/* rfo_epoch_commit latency_us: an epoch (name: replica) */
	MSCHEDLAT_EPOCH_APPLY,	/* rfo_epoch_apply latency_us (name: replica) */
	MSCHEDLAT_NR_KINDS,
};

struct mschedlat_key {
	__u64 id;
	__u32 kind;
	__u32 pad;
	char name[MSCHEDLAT_NAME_LEN];	/* epochs' replica (cut), else zeros */
};

/*
 * Cumulative since the tool started (a VM's are deleted when it detaches):
 * slot i counts values in [2^i, 2^(i+1)) usecs, but slot 0 also counts 0,
 * and the last slot every value from 2^(MAX_SLOTS-1) up.
 */
struct mschedlat_hist {
	__u32 slots[MSCHEDLAT_MAX_SLOTS];
};

#endif /* __MSCHEDLAT_H */
