/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * msched_proto.h - encoder and decoder of the memsched balloon wire protocol
 * (include/uapi/memsched_balloon.h).
 *
 * Receiving: once MSCHED_BALLOON_HDR_LEN bytes are buffered, call
 * msched_proto_decode_header(); on success wait for h.payload_len more bytes
 * and call msched_proto_decode().  Variable-length arrays (gfns, tag/value
 * pairs) are not copied: the decoded message points into the payload
 * buffer, which must stay alive while the message is used, and is read
 * through msched_proto_gfn() / msched_proto_kv().  INFLATED and DEFLATED
 * additionally need msched_proto_check_gfns() once the guest size is known.
 *
 * Sending: msched_proto_encode_*() write a complete message (header and
 * payload) into a caller buffer and refuse to produce anything the decoder
 * would reject.
 *
 * All functions return 0 or a byte count on success and a negative
 * MSCHED_PROTO_E* code on failure; msched_proto_strerror() names them.
 */
#ifndef MSCHED_PROTO_H
#define MSCHED_PROTO_H

#include "msched_compat.h"
#include "../include/uapi/memsched_balloon.h"

/*
 * Error codes, returned negated.  They start well above the errno range so
 * that they cannot be mistaken for one; never return them to user space.
 */
#define MSCHED_PROTO_EBASE	1000
enum msched_proto_err {
	MSCHED_PROTO_EAGAIN = MSCHED_PROTO_EBASE, /* need more bytes */
	MSCHED_PROTO_EINVAL,	/* bad argument to an encoder or accessor */
	MSCHED_PROTO_ENOSPC,	/* output buffer too small */
	MSCHED_PROTO_EMAGIC,	/* bad magic */
	MSCHED_PROTO_EVERSION,	/* unsupported protocol version */
	MSCHED_PROTO_ETYPE,	/* unknown message type */
	MSCHED_PROTO_ETOOBIG,	/* payload_len above the maximum */
	MSCHED_PROTO_ELEN,	/* payload length wrong for the type */
	MSCHED_PROTO_ENR,	/* element count out of range */
	MSCHED_PROTO_ENRLEN,	/* payload length does not match the count */
	MSCHED_PROTO_EHELLOVER,	/* HELLO proto_version is 0 */
	MSCHED_PROTO_EPAGESIZE,	/* HELLO page_size invalid */
	MSCHED_PROTO_EPAGES,	/* HELLO guest_pages is 0 */
	MSCHED_PROTO_ETAGDUP,	/* STATS/CLASSES tag repeated */
	MSCHED_PROTO_EGFNRANGE,	/* gfn >= guest_pages */
	MSCHED_PROTO_EGFNDUP,	/* gfn repeated in one message */
	/* Semantic rejections decided by a receiver with state (the host): */
	MSCHED_PROTO_ESTATE,	/* message not allowed now (e.g. before HELLO) */
	MSCHED_PROTO_ENOTRAM,	/* gfn is not writable guest RAM */
	MSCHED_PROTO_EBALLOONED, /* INFLATED gfn already in the balloon */
	MSCHED_PROTO_ENOTBALLOONED, /* DEFLATED gfn not in the balloon */
	MSCHED_PROTO_ELAST = MSCHED_PROTO_ENOTBALLOONED,
};

/* Number of known-tag slots in struct msched_proto_kvs. */
#define MSCHED_PROTO_KV_KNOWN	16

/**
 * struct msched_proto_hdr - decoded message header.
 * @version: protocol version (MSCHED_BALLOON_VERSION)
 * @type: MSCHED_BALLOON_MSG_*
 * @payload_len: payload bytes following the header
 * @seq: sender's sequence number
 */
struct msched_proto_hdr {
	u16 version;
	u16 type;
	u32 payload_len;
	u32 seq;
};

/**
 * struct msched_proto_hello - HELLO contents.
 * @proto_version: highest protocol version the guest speaks
 * @flags: MSCHED_BALLOON_HELLO_F_* bits
 * @page_size: guest page size in bytes
 * @guest_pages: guest RAM size in pages
 * @vm_id: opaque guest identifier
 */
struct msched_proto_hello {
	u16 proto_version;
	u16 flags;
	u32 page_size;
	u64 guest_pages;
	u8 vm_id[MSCHED_BALLOON_VM_ID_LEN];
};

/**
 * struct msched_proto_gfns - INFLATED/DEFLATED contents.
 * @nr: number of gfns, 1..MSCHED_BALLOON_MAX_GFNS
 * @raw: first gfn inside the payload buffer; use msched_proto_gfn()
 */
struct msched_proto_gfns {
	u32 nr;
	const u8 *raw;
};

/**
 * struct msched_proto_kv - one STATS/CLASSES (tag, value) pair.
 * @tag: MSCHED_BALLOON_STAT_* or MSCHED_BALLOON_CLASS_* (or unknown)
 * @value: the value
 */
struct msched_proto_kv {
	u16 tag;
	u64 value;
};

/**
 * struct msched_proto_kvs - STATS/CLASSES contents.
 * @nr: number of pairs in the message, 0..MSCHED_BALLOON_MAX_KV
 * @nr_unknown: how many of them carry a tag this side does not know
 * @present: bit t set iff known tag t was present
 * @val: value of known tag t (0 if absent)
 * @raw: first pair inside the payload buffer; use msched_proto_kv()
 */
struct msched_proto_kvs {
	u16 nr;
	u16 nr_unknown;
	u32 present;
	u64 val[MSCHED_PROTO_KV_KNOWN];
	const u8 *raw;
};

/**
 * struct msched_proto_ack - ACK contents.
 * @seq: sequence number of the acknowledged message
 * @status: 0 or a negative MSCHED_PROTO_E* code
 */
struct msched_proto_ack {
	u32 seq;
	int status;
};

/**
 * struct msched_proto_msg - a decoded message.
 * @type: MSCHED_BALLOON_MSG_*, selects the union member
 * @seq: sequence number from the header
 * @hello: MSCHED_BALLOON_MSG_HELLO
 * @target_pages: MSCHED_BALLOON_MSG_SET_TARGET
 * @gfns: MSCHED_BALLOON_MSG_INFLATED and MSCHED_BALLOON_MSG_DEFLATED
 * @kvs: MSCHED_BALLOON_MSG_STATS and MSCHED_BALLOON_MSG_CLASSES
 * @ack: MSCHED_BALLOON_MSG_ACK
 *
 * MSCHED_BALLOON_MSG_STATS_REQUEST has no contents.
 */
struct msched_proto_msg {
	u16 type;
	u32 seq;
	union {
		struct msched_proto_hello hello;
		u64 target_pages;
		struct msched_proto_gfns gfns;
		struct msched_proto_kvs kvs;
		struct msched_proto_ack ack;
	};
};

int msched_proto_decode_header(const u8 *buf, size_t len,
			       struct msched_proto_hdr *h);
int msched_proto_decode(const struct msched_proto_hdr *h, const u8 *payload,
			size_t len, struct msched_proto_msg *m);
u64 msched_proto_gfn(const struct msched_proto_msg *m, u32 i);
bool msched_proto_kv(const struct msched_proto_msg *m, u32 i,
		     struct msched_proto_kv *kv);
int msched_proto_check_gfns(const struct msched_proto_msg *m, u64 guest_pages,
			    u64 *scratch, u32 scratch_nr);
u32 msched_proto_known_tags(u16 type);

int msched_proto_encode_hello(u8 *buf, size_t cap, u32 seq,
			      const struct msched_proto_hello *hello);
int msched_proto_encode_set_target(u8 *buf, size_t cap, u32 seq,
				   u64 target_pages);
int msched_proto_encode_gfns(u8 *buf, size_t cap, u32 seq, u16 type,
			     const u64 *gfns, u32 nr);
int msched_proto_encode_kvs(u8 *buf, size_t cap, u32 seq, u16 type,
			    const struct msched_proto_kv *kv, u32 nr);
int msched_proto_encode_stats_request(u8 *buf, size_t cap, u32 seq);
int msched_proto_encode_ack(u8 *buf, size_t cap, u32 seq, u32 acked_seq,
			    int status);
int msched_proto_encode(u8 *buf, size_t cap, const struct msched_proto_msg *m);

const char *msched_proto_strerror(int err);

#endif /* MSCHED_PROTO_H */
