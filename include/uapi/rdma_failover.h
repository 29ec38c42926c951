/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * rdma_failover wire protocol: messages exchanged between a primary host
 * (rdma_failover.ko, role primary, the rdma_cm client) and a standby host
 * (role standby, the rdma_cm server) over one reliable-connected QP.
 *
 * Every multi-byte field is little-endian on the wire, whatever the CPU.
 * The packed structures below document the layout; lib/msched_repl.c
 * encodes and decodes them byte by byte and validates every field before
 * anything uses it.
 *
 * A message is a 16-byte header followed by a payload:
 *
 *   offset size  field
 *   0      4     magic    RFO_WIRE_MAGIC ("MSRF" in memory order)
 *   4      2     version  RFO_WIRE_VERSION
 *   6      2     type     RFO_WIRE_MSG_*
 *   8      4     length   whole message in bytes, header included: exactly
 *                         the size its type requires (no trailing bytes)
 *   12     4     seq      per-direction message number: 0 for the first
 *                         SEND of a connection, +1 for each next SEND;
 *                         HELLO and REJECT (CM private data) carry 0
 *
 * Conversation (one connection):
 *
 *   primary                                  standby
 *   rdma_connect(private data = HELLO) --->  checks magic, version,
 *                                            page_size, nr_pages
 *                       <--- rdma_reject(private data = REJECT), or
 *                       <--- rdma_accept, then SEND REGIONS
 *   per epoch E (E = last committed + 1), per batch b = 0, 1, ...:
 *     RDMA WRITE pages into staging slots 0..count-1
 *     RDMA WRITE the count page indices into the list area
 *     SEND BATCH {E, b, count}  --------->   validates, undo-logs, applies
 *                       <--- SEND BATCH_ACK {E, b}
 *   SEND COMMIT {E, pages, batches} ----->   checks the totals, drops the
 *                                            undo log, applied := E
 *                       <--- SEND COMMIT_ACK {E}
 *   HEARTBEAT / HEARTBEAT_ACK when nothing else was sent for heartbeat_ms.
 *
 * A receiver drops the connection on any message that fails validation:
 * bad magic, version, unknown type, wrong length, seq != expected, epoch
 * != expected, batch_seq != expected, count 0 or above the standby's slot
 * count, a page index >= the file's page count, a page index repeated
 * within one epoch, or COMMIT totals that differ from what was received.
 * The standby then rolls the partial epoch back.
 *
 * Pull recovery (a second conversation, Documentation/design/replication.rst,
 * "Pull recovery"): a recovery host fills its file from the baseline image
 * the source wrote on shared storage, then pulls what changed since:
 *
 *   recovery                                 source
 *   rdma_connect(HELLO, flags PULL) ----->   checks as above, and that it is
 *                                            a source whose file nobody maps
 *                                            writable; else REJECT
 *                       <--- rdma_accept; the source cuts a last epoch
 *                       <--- SEND PULL_LIST {window slots and chunks, the
 *                            dirty bitmap's address, rkey, bytes, count}
 *   RDMA READ the dirty bitmap, validate it
 *   per window w = 0, 1, ... (the next <= nr_slots set bits, ascending):
 *                       <--- SEND WINDOW {w, count}: the pages are in the
 *                            window slots 0..count-1
 *     RDMA READ the count slots, write them into the file
 *     SEND WINDOW_ACK {w}  -------------->
 *                       <--- SEND PULL_DONE {pages, windows, flags}
 *
 * The recovery host derives every page index from the bitmap it read and
 * validated (no bit at or beyond its own page count, as many bits as
 * nr_dirty says); a source names no index, so it cannot make the recovery
 * host write outside its file.
 */
#ifndef _UAPI_RDMA_FAILOVER_H
#define _UAPI_RDMA_FAILOVER_H

#include <linux/types.h>

/*
 * The sysfs ABI version (RDMA_FAILOVER_ABI_VERSION) stays in
 * include/uapi/memsched.h with the other modules' versions; this file is
 * the wire protocol only (RFO_WIRE_VERSION).
 */

#define RFO_WIRE_MAGIC		0x4652534DU	/* 'M' 'S' 'R' 'F' */
#define RFO_WIRE_VERSION	1
#define RFO_WIRE_HDR_LEN	16
/* Every staging slot and every replicated page is this many bytes. */
#define RFO_WIRE_PAGE_SIZE	4096U
/* Staging slots the standby offers: 1..RFO_WIRE_MAX_SLOTS. */
#define RFO_WIRE_DEFAULT_SLOTS	1024U
#define RFO_WIRE_MAX_SLOTS	4096U
/* Memory regions (rkeys) that cover the staging slots: 1..this. */
#define RFO_WIRE_MAX_CHUNKS	64U
/* The largest message; receive buffers are this big. */
#define RFO_WIRE_MAX_MSG_LEN	2048U
/* rdma_cm's private data of a connect request on IB/RoCE holds 56 bytes. */
#define RFO_WIRE_MAX_CM_PRIVATE	56U
/* The standby listens here when peer gives no port (it always does). */
#define RFO_WIRE_DEFAULT_PORT	18515

/* Header field offsets. */
#define RFO_WIRE_OFF_MAGIC	0
#define RFO_WIRE_OFF_VERSION	4
#define RFO_WIRE_OFF_TYPE	6
#define RFO_WIRE_OFF_LEN	8
#define RFO_WIRE_OFF_SEQ	12

/**
 * struct rfo_wire_hdr - message header (16 bytes, little-endian).
 * @magic: RFO_WIRE_MAGIC
 * @version: RFO_WIRE_VERSION
 * @type: one of RFO_WIRE_MSG_*
 * @length: whole message length in bytes, header included
 * @seq: per-direction message number
 */
struct rfo_wire_hdr {
	__le32 magic;
	__le16 version;
	__le16 type;
	__le32 length;
	__le32 seq;
} __attribute__((packed));

/* Message types; 0 is never valid. */
enum rfo_wire_msg_type {
	RFO_WIRE_MSG_HELLO	   = 1,	/* primary -> standby, CM connect data */
	RFO_WIRE_MSG_REJECT	   = 2,	/* standby -> primary, CM reject data */
	RFO_WIRE_MSG_REGIONS	   = 3,	/* standby -> primary */
	RFO_WIRE_MSG_BATCH	   = 4,	/* primary -> standby */
	RFO_WIRE_MSG_BATCH_ACK	   = 5,	/* standby -> primary */
	RFO_WIRE_MSG_COMMIT	   = 6,	/* primary -> standby */
	RFO_WIRE_MSG_COMMIT_ACK	   = 7,	/* standby -> primary */
	RFO_WIRE_MSG_HEARTBEAT	   = 8,	/* primary -> standby */
	RFO_WIRE_MSG_HEARTBEAT_ACK = 9,	/* standby -> primary */
	RFO_WIRE_MSG_PULL_LIST	   = 10, /* source -> recovery */
	RFO_WIRE_MSG_WINDOW	   = 11, /* source -> recovery */
	RFO_WIRE_MSG_WINDOW_ACK	   = 12, /* recovery -> source */
	RFO_WIRE_MSG_PULL_DONE	   = 13, /* source -> recovery */
	RFO_WIRE_MSG_MAX	   = RFO_WIRE_MSG_PULL_DONE,
};

/*
 * HELLO (primary -> standby, private data of the connect request), 48 bytes.
 * committed_epoch and generation let the standby decide whether it can
 * continue from its image (same generation, applied == committed) or needs
 * a full resync (anything else).
 */
#define RFO_WIRE_HELLO_LEN	48
/* HELLO flags. */
#define RFO_WIRE_HELLO_F_PULL	0x1	/* a recovery host pulls from a source */

/**
 * struct rfo_wire_hello - HELLO (48 bytes).
 * @hdr: header, type RFO_WIRE_MSG_HELLO, seq 0
 * @page_size: RFO_WIRE_PAGE_SIZE
 * @flags: 0, or RFO_WIRE_HELLO_F_PULL (any other bit is rejected)
 * @nr_pages: the primary file's size in pages (> 0)
 * @committed_epoch: the last epoch the standby acknowledged (0: none)
 * @generation: random id of the primary's run (set at start, kept across
 *	reconnects; never 0)
 */
struct rfo_wire_hello {
	struct rfo_wire_hdr hdr;
	__le32 page_size;
	__le32 flags;
	__le64 nr_pages;
	__le64 committed_epoch;
	__le64 generation;
} __attribute__((packed));

/* REJECT reasons (the reason byte). */
enum rfo_wire_reject_reason {
	RFO_WIRE_REJ_MALFORMED	= 1,	/* HELLO did not decode */
	RFO_WIRE_REJ_VERSION	= 2,	/* protocol version not spoken */
	RFO_WIRE_REJ_PAGE_SIZE	= 3,	/* page_size != RFO_WIRE_PAGE_SIZE */
	RFO_WIRE_REJ_NR_PAGES	= 4,	/* standby file of another size */
	RFO_WIRE_REJ_BUSY	= 5,	/* already connected or not listening */
	RFO_WIRE_REJ_NOMEM	= 6,	/* no resources on the standby */
	RFO_WIRE_REJ_ROLE	= 7,	/* pull to a standby, push to a source */
	RFO_WIRE_REJ_IN_USE	= 8,	/* source file still mapped writable */
	RFO_WIRE_REJ_MAX	= RFO_WIRE_REJ_IN_USE,
};

/*
 * REJECT (standby -> primary, private data of rdma_reject()), 32 bytes.
 */
#define RFO_WIRE_REJECT_LEN	32

/**
 * struct rfo_wire_reject - REJECT (32 bytes).
 * @hdr: header, type RFO_WIRE_MSG_REJECT, seq 0
 * @reason: one of RFO_WIRE_REJ_*
 * @pad: zero
 * @page_size: the standby's page size
 * @nr_pages: the standby file's size in pages
 */
struct rfo_wire_reject {
	struct rfo_wire_hdr hdr;
	__u8 reason;
	__u8 pad[3];
	__le32 page_size;
	__le64 nr_pages;
} __attribute__((packed));

/*
 * REGIONS (standby -> primary, first SEND after ESTABLISHED):
 * 56 + 16 * nr_chunks bytes.
 *
 * The staging area is nr_slots slots of RFO_WIRE_PAGE_SIZE bytes, covered
 * by nr_chunks memory regions in slot order: chunk k holds slots
 * [first_k, first_k + nr_slots_k), first_0 = 0, first_(k+1) = first_k +
 * nr_slots_k, and the chunks' nr_slots add up to nr_slots exactly.
 * The list area is nr_slots little-endian u64 page indices.
 * resync is the standby's decision from HELLO (1: it expects the whole
 * file in the next epoch); the primary checks that it agrees.
 */
#define RFO_WIRE_REGIONS_FIXED_LEN	56
#define RFO_WIRE_REGIONS_LEN(nr_chunks) \
	(RFO_WIRE_REGIONS_FIXED_LEN + 16U * (nr_chunks))

/**
 * struct rfo_wire_chunk - one registered piece of the staging area (16 bytes).
 * @addr: remote address of the chunk's first slot
 * @rkey: the chunk's rkey
 * @nr_slots: slots in the chunk (>= 1)
 */
struct rfo_wire_chunk {
	__le64 addr;
	__le32 rkey;
	__le32 nr_slots;
} __attribute__((packed));

/**
 * struct rfo_wire_regions - REGIONS.
 * @hdr: header, type RFO_WIRE_MSG_REGIONS
 * @nr_slots: staging slots, 1..RFO_WIRE_MAX_SLOTS
 * @nr_chunks: entries in @chunks, 1..RFO_WIRE_MAX_CHUNKS
 * @applied_epoch: the standby's last applied (complete) epoch
 * @generation: the generation of that epoch (0: no image)
 * @list_addr: remote address of the list area (nr_slots x u64)
 * @list_rkey: its rkey
 * @resync: 1 if the next epoch must carry the whole file, else 0
 * @chunks: the staging chunks in slot order
 */
struct rfo_wire_regions {
	struct rfo_wire_hdr hdr;
	__le32 nr_slots;
	__le32 nr_chunks;
	__le64 applied_epoch;
	__le64 generation;
	__le64 list_addr;
	__le32 list_rkey;
	__le32 resync;
	struct rfo_wire_chunk chunks[];
} __attribute__((packed));

/*
 * BATCH (primary -> standby), 32 bytes: count pages are in staging slots
 * [0, count) and their indices in list entries [0, count).
 */
#define RFO_WIRE_BATCH_LEN	32

/**
 * struct rfo_wire_batch - BATCH (32 bytes).
 * @hdr: header, type RFO_WIRE_MSG_BATCH
 * @epoch: the epoch being sent (the standby's applied epoch + 1)
 * @batch_seq: 0 for the epoch's first batch, +1 for each next
 * @count: pages in this batch, 1..nr_slots
 */
struct rfo_wire_batch {
	struct rfo_wire_hdr hdr;
	__le64 epoch;
	__le32 batch_seq;
	__le32 count;
} __attribute__((packed));

/* BATCH_ACK (standby -> primary), 32 bytes, echoes epoch and batch_seq. */
#define RFO_WIRE_BATCH_ACK_LEN	32

/**
 * struct rfo_wire_batch_ack - BATCH_ACK (32 bytes).
 * @hdr: header, type RFO_WIRE_MSG_BATCH_ACK
 * @epoch: the BATCH's epoch
 * @batch_seq: the BATCH's batch_seq
 * @pad: zero
 */
struct rfo_wire_batch_ack {
	struct rfo_wire_hdr hdr;
	__le64 epoch;
	__le32 batch_seq;
	__le32 pad;
} __attribute__((packed));

/*
 * COMMIT (primary -> standby), 48 bytes: the epoch is complete.
 * An epoch may have 0 pages (then 0 batches).
 */
#define RFO_WIRE_COMMIT_LEN	48
/* COMMIT flags. */
#define RFO_WIRE_COMMIT_F_FULL	0x1	/* the epoch was the whole file */

/**
 * struct rfo_wire_commit - COMMIT (48 bytes).
 * @hdr: header, type RFO_WIRE_MSG_COMMIT
 * @epoch: the epoch
 * @nr_pages: pages sent in the epoch (sum of the batches' counts)
 * @cut_ns: the primary's CLOCK_REALTIME at the epoch's cut, in ns
 * @nr_batches: batches sent in the epoch
 * @flags: RFO_WIRE_COMMIT_F_* bits; unknown bits are rejected
 */
struct rfo_wire_commit {
	struct rfo_wire_hdr hdr;
	__le64 epoch;
	__le64 nr_pages;
	__le64 cut_ns;
	__le32 nr_batches;
	__le32 flags;
} __attribute__((packed));

/* COMMIT_ACK (standby -> primary), 32 bytes. */
#define RFO_WIRE_COMMIT_ACK_LEN	32

/**
 * struct rfo_wire_commit_ack - COMMIT_ACK (32 bytes).
 * @hdr: header, type RFO_WIRE_MSG_COMMIT_ACK
 * @epoch: the committed epoch
 * @apply_us: time the standby spent from the epoch's first BATCH to COMMIT
 */
struct rfo_wire_commit_ack {
	struct rfo_wire_hdr hdr;
	__le64 epoch;
	__le64 apply_us;
} __attribute__((packed));

/* HEARTBEAT (primary -> standby) and HEARTBEAT_ACK (back), 32 bytes each. */
#define RFO_WIRE_HEARTBEAT_LEN	32

/**
 * struct rfo_wire_heartbeat - HEARTBEAT and HEARTBEAT_ACK (32 bytes).
 * @hdr: header, type RFO_WIRE_MSG_HEARTBEAT or RFO_WIRE_MSG_HEARTBEAT_ACK
 * @epoch: the sender's last complete epoch
 * @time_ns: HEARTBEAT: the sender's clock; HEARTBEAT_ACK: echoed
 */
struct rfo_wire_heartbeat {
	struct rfo_wire_hdr hdr;
	__le64 epoch;
	__le64 time_ns;
} __attribute__((packed));

/*
 * PULL_LIST (source -> recovery, first SEND after ESTABLISHED):
 * 56 + 16 * nr_chunks bytes, laid out as REGIONS.
 *
 * The window is nr_slots slots of RFO_WIRE_PAGE_SIZE bytes in the source's
 * memory, registered for remote read, covered by nr_chunks chunks in slot
 * order (the REGIONS rules). The dirty bitmap has list_bytes bytes at
 * list_addr (rkey list_rkey, remote read): bit (i % 8) of byte i / 8 is
 * page i, set when the page was written since the baseline image;
 * list_bytes = ceil(file pages / 8) and nr_dirty bits are set.
 */
#define RFO_WIRE_PULL_LIST_FIXED_LEN	56
#define RFO_WIRE_PULL_LIST_LEN(nr_chunks) \
	(RFO_WIRE_PULL_LIST_FIXED_LEN + 16U * (nr_chunks))

/**
 * struct rfo_wire_pull_list - PULL_LIST.
 * @hdr: header, type RFO_WIRE_MSG_PULL_LIST
 * @nr_slots: window slots, 1..RFO_WIRE_MAX_SLOTS
 * @nr_chunks: entries in @chunks, 1..RFO_WIRE_MAX_CHUNKS
 * @epoch: the source's last cut, the one the bitmap includes
 * @nr_dirty: bits set in the bitmap
 * @list_addr: remote address of the bitmap
 * @list_rkey: its rkey
 * @list_bytes: its size in bytes (> 0)
 * @chunks: the window's chunks in slot order
 */
struct rfo_wire_pull_list {
	struct rfo_wire_hdr hdr;
	__le32 nr_slots;
	__le32 nr_chunks;
	__le64 epoch;
	__le64 nr_dirty;
	__le64 list_addr;
	__le32 list_rkey;
	__le32 list_bytes;
	struct rfo_wire_chunk chunks[];
} __attribute__((packed));

/*
 * WINDOW (source -> recovery) and WINDOW_ACK (back), 32 bytes each: the
 * window's count pages are in slots [0, count); they are the next count
 * pages of the bitmap in ascending order. WINDOW_ACK echoes window and has
 * count 0: the source may reuse the slots.
 */
#define RFO_WIRE_WINDOW_LEN	32

/**
 * struct rfo_wire_window - WINDOW and WINDOW_ACK (32 bytes).
 * @hdr: header, type RFO_WIRE_MSG_WINDOW or RFO_WIRE_MSG_WINDOW_ACK
 * @window: 0 for the first window of a pull, +1 for each next
 * @count: WINDOW: pages in it, 1..RFO_WIRE_MAX_SLOTS; WINDOW_ACK: 0
 * @pad: zero
 */
struct rfo_wire_window {
	struct rfo_wire_hdr hdr;
	__le64 window;
	__le32 count;
	__le32 pad;
} __attribute__((packed));

/* PULL_DONE (source -> recovery), 32 bytes: every window was sent. */
#define RFO_WIRE_PULL_DONE_LEN	32
/* PULL_DONE flags. */
#define RFO_WIRE_PULL_F_CHANGED	0x1	/* the file was written during the pull */

/**
 * struct rfo_wire_pull_done - PULL_DONE (32 bytes).
 * @hdr: header, type RFO_WIRE_MSG_PULL_DONE
 * @nr_pages: pages sent in all windows (= the bitmap's nr_dirty)
 * @nr_windows: windows sent
 * @flags: RFO_WIRE_PULL_F_* bits; unknown bits are rejected
 */
struct rfo_wire_pull_done {
	struct rfo_wire_hdr hdr;
	__le64 nr_pages;
	__le32 nr_windows;
	__le32 flags;
} __attribute__((packed));

#endif /* _UAPI_RDMA_FAILOVER_H */
