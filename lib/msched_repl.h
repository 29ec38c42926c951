/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * msched_repl.h - encoder, decoder and validator of the rdma_failover wire
 * protocol (include/uapi/rdma_failover.h), shared by rdma_failover.ko and
 * user-space tools and tests.
 *
 * Receiving: msched_repl_decode() checks everything a message says about
 * itself (magic, version, type, exact length, reserved fields, limits,
 * REGIONS' chunk layout). Then the receiver checks what depends on its
 * state: msched_repl_check_seq(), msched_repl_check_hello(),
 * msched_repl_check_batch(), msched_repl_check_index(), ...
 * A receiver uses no field before both passed.
 *
 * Sending: msched_repl_encode() writes a complete message and refuses to
 * produce anything msched_repl_decode() would reject.
 *
 * All functions return 0 or a byte count on success and a negative
 * MSCHED_REPL_E* code on failure; msched_repl_strerror() names them.
 */
#ifndef MSCHED_REPL_H
#define MSCHED_REPL_H

#include "msched_compat.h"
#include "../include/uapi/rdma_failover.h"

/* Error codes, returned negated; above the errno range and MSCHED_PROTO_E*. */
#define MSCHED_REPL_EBASE	1100
enum msched_repl_err {
	MSCHED_REPL_EINVAL = MSCHED_REPL_EBASE, /* bad argument */
	MSCHED_REPL_ENOSPC,	/* output buffer too small */
	MSCHED_REPL_ESHORT,	/* fewer bytes than a header or than length */
	MSCHED_REPL_EMAGIC,	/* bad magic */
	MSCHED_REPL_EVERSION,	/* protocol version not spoken */
	MSCHED_REPL_ETYPE,	/* unknown type, or not expected here */
	MSCHED_REPL_ELEN,	/* length wrong for the type or != received */
	MSCHED_REPL_ERESERVED,	/* a pad, flags or reserved field is not 0 */
	MSCHED_REPL_ESEQ,	/* message seq != expected */
	MSCHED_REPL_EPAGESIZE,	/* page size != RFO_WIRE_PAGE_SIZE */
	MSCHED_REPL_ENRPAGES,	/* nr_pages 0 or != the receiver's file */
	MSCHED_REPL_EGEN,	/* generation 0 where one is required */
	MSCHED_REPL_EREASON,	/* unknown REJECT reason */
	MSCHED_REPL_ESLOTS,	/* nr_slots out of 1..RFO_WIRE_MAX_SLOTS */
	MSCHED_REPL_ECHUNKS,	/* nr_chunks out of range or chunks bad */
	MSCHED_REPL_EEPOCH,	/* epoch != expected */
	MSCHED_REPL_EBATCHSEQ,	/* batch_seq != expected */
	MSCHED_REPL_ECOUNT,	/* batch count 0 or above the slot count */
	MSCHED_REPL_EINDEX,	/* page index >= nr_pages */
	MSCHED_REPL_EDUP,	/* page index repeated within an epoch */
	MSCHED_REPL_ETOTAL,	/* COMMIT totals differ from what came */
	MSCHED_REPL_ERESYNC,	/* REGIONS' resync disagrees */
	MSCHED_REPL_EWINDOW,	/* window number or count != expected */
	MSCHED_REPL_EBITMAP,	/* dirty bitmap: size, stray bit, or count */
	MSCHED_REPL_ELAST = MSCHED_REPL_EBITMAP,
};

/**
 * struct msched_repl_chunk - one staging chunk (host order).
 * @addr: remote address of its first slot
 * @rkey: rkey
 * @nr_slots: slots in it
 */
struct msched_repl_chunk {
	u64 addr;
	u32 rkey;
	u32 nr_slots;
};

/**
 * struct msched_repl_msg - one message, in host byte order.
 * @type: RFO_WIRE_MSG_*
 * @length: whole message length (set by decode; computed by encode)
 * @seq: header seq
 * @u: the payload of @type
 */
struct msched_repl_msg {
	u16 type;
	u32 length;
	u32 seq;
	union {
		struct {
			u32 page_size;
			u32 flags;
			u64 nr_pages;
			u64 committed_epoch;
			u64 generation;
		} hello;
		struct {
			u8 reason;
			u32 page_size;
			u64 nr_pages;
		} reject;
		struct {
			u32 nr_slots;
			u32 nr_chunks;
			u64 applied_epoch;
			u64 generation;
			u64 list_addr;
			u32 list_rkey;
			u32 resync;
			/* encode: the chunks to write (nr_chunks entries) */
			const struct msched_repl_chunk *chunks;
			/* decode: the raw chunk bytes inside the buffer */
			const u8 *raw_chunks;
		} regions;
		/* BATCH and BATCH_ACK */
		struct {
			u64 epoch;
			u32 batch_seq;
			u32 count;	/* BATCH only; 0 in BATCH_ACK */
		} batch;
		struct {
			u64 epoch;
			u64 nr_pages;
			u64 cut_ns;
			u32 nr_batches;
			u32 flags;
		} commit;
		struct {
			u64 epoch;
			u64 apply_us;
		} commit_ack;
		/* HEARTBEAT and HEARTBEAT_ACK */
		struct {
			u64 epoch;
			u64 time_ns;
		} heartbeat;
		/* PULL_LIST: the first six fields as REGIONS' */
		struct {
			u32 nr_slots;
			u32 nr_chunks;
			u64 epoch;
			u64 nr_dirty;
			u64 list_addr;
			u32 list_rkey;
			u32 list_bytes;
			const struct msched_repl_chunk *chunks;
			const u8 *raw_chunks;
		} pull_list;
		/* WINDOW and WINDOW_ACK */
		struct {
			u64 window;
			u32 count;	/* WINDOW only; 0 in WINDOW_ACK */
		} window;
		struct {
			u64 nr_pages;
			u32 nr_windows;
			u32 flags;
		} pull_done;
	} u;
};

int msched_repl_encode(void *buf, u32 size, const struct msched_repl_msg *m);
int msched_repl_decode(const void *buf, u32 len, struct msched_repl_msg *m);
int msched_repl_regions_chunk(const struct msched_repl_msg *m, u32 k,
			      struct msched_repl_chunk *c);
int msched_repl_slot_chunk(const struct msched_repl_msg *m, u32 slot,
			   struct msched_repl_chunk *c, u64 *offset);
int msched_repl_check_seq(const struct msched_repl_msg *m, u32 expected);
int msched_repl_check_hello(const struct msched_repl_msg *m, u64 nr_pages,
			    u8 *reason);
int msched_repl_check_batch(const struct msched_repl_msg *m, u64 epoch,
			    u32 batch_seq, u32 nr_slots);
int msched_repl_check_batch_ack(const struct msched_repl_msg *m, u64 epoch,
				u32 batch_seq);
int msched_repl_check_commit(const struct msched_repl_msg *m, u64 epoch,
			     u64 nr_pages, u32 nr_batches);
int msched_repl_check_commit_ack(const struct msched_repl_msg *m, u64 epoch);
int msched_repl_check_index(const void *list, u32 i, u64 nr_pages,
			    u8 *seen, u64 *idx);
bool msched_repl_need_resync(u64 std_generation, u64 std_applied,
			     u64 pri_generation, u64 pri_committed);
void msched_repl_put_index(void *list, u32 i, u64 idx);
int msched_repl_check_pull_list(const struct msched_repl_msg *m,
				u64 nr_pages);
int msched_repl_check_window(const struct msched_repl_msg *m, u64 window,
			     u32 count);
int msched_repl_check_window_ack(const struct msched_repl_msg *m, u64 window);
int msched_repl_check_pull_done(const struct msched_repl_msg *m,
				u64 nr_pages, u32 nr_windows);
u32 msched_repl_bitmap_bytes(u64 nr_pages);
bool msched_repl_bitmap_set(void *bitmap, u64 idx);
u64 msched_repl_bitmap_next(const void *bitmap, u64 nr_pages, u64 from);
int msched_repl_bitmap_check(const void *bitmap, u32 bytes, u64 nr_pages,
			     u64 nr_dirty);
const char *msched_repl_strerror(int err);
const char *msched_repl_type_name(u16 type);
const char *msched_repl_reason_name(u8 reason);

#endif /* MSCHED_REPL_H */
