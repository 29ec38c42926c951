/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * memsched balloon wire protocol: messages exchanged between the guest
 * balloon driver (balloon_guest.ko, inside a VM) and the host module
 * (memsched.ko) over an AF_VSOCK stream.
 *
 * Every multi-byte field is little-endian on the wire, whatever the CPU.
 * Fields are not naturally aligned in the stream, so implementations must
 * read and write them byte by byte (lib/msched_proto.c does); the packed
 * structures below document the layout and are never dereferenced in
 * place by memsched itself.
 *
 * A message is a 16-byte header followed by payload_len payload bytes:
 *
 *   offset size  field
 *   0      4     magic        MSCHED_BALLOON_MAGIC ("MSBL" in memory order)
 *   4      2     version      MSCHED_BALLOON_VERSION
 *   6      2     type         MSCHED_BALLOON_MSG_*
 *   8      4     payload_len  0..MSCHED_BALLOON_MAX_PAYLOAD
 *   12     4     seq          sender's sequence number, echoed by ACK
 *
 * A receiver rejects (and drops the connection on) a bad magic, a version
 * it does not speak, an unknown type, a payload_len above the maximum, and
 * any payload whose length is not exactly the one its type requires.
 * Trailing bytes are never allowed: a later protocol revision that grows a
 * message bumps MSCHED_BALLOON_VERSION.
 */
#ifndef _UAPI_MEMSCHED_BALLOON_H
#define _UAPI_MEMSCHED_BALLOON_H

#include <linux/types.h>

#define MSCHED_BALLOON_MAGIC		0x4C42534DU	/* 'M' 'S' 'B' 'L' */
/* The host (memsched.ko) listens on this AF_VSOCK port; guests connect to
 * VMADDR_CID_HOST at it.  Both modules take a "balloon_port" parameter to
 * change it. */
#define MSCHED_BALLOON_VSOCK_PORT	5150
#define MSCHED_BALLOON_VERSION		1
#define MSCHED_BALLOON_HDR_LEN		16
#define MSCHED_BALLOON_MAX_PAYLOAD	8192
#define MSCHED_BALLOON_MAX_MSG_LEN	\
	(MSCHED_BALLOON_HDR_LEN + MSCHED_BALLOON_MAX_PAYLOAD)

/* Header field offsets. */
#define MSCHED_BALLOON_OFF_MAGIC	0
#define MSCHED_BALLOON_OFF_VERSION	4
#define MSCHED_BALLOON_OFF_TYPE		6
#define MSCHED_BALLOON_OFF_LEN		8
#define MSCHED_BALLOON_OFF_SEQ		12

/**
 * struct msched_balloon_hdr - message header (16 bytes, little-endian).
 * @magic: MSCHED_BALLOON_MAGIC
 * @version: MSCHED_BALLOON_VERSION
 * @type: one of MSCHED_BALLOON_MSG_*
 * @payload_len: number of payload bytes following the header
 * @seq: sequence number chosen by the sender; ACK echoes it
 */
struct msched_balloon_hdr {
	__le32 magic;
	__le16 version;
	__le16 type;
	__le32 payload_len;
	__le32 seq;
} __attribute__((packed));

/* Message types; 0 is never valid. */
enum msched_balloon_msg_type {
	MSCHED_BALLOON_MSG_HELLO	 = 1,	/* guest -> host */
	MSCHED_BALLOON_MSG_SET_TARGET	 = 2,	/* host -> guest */
	MSCHED_BALLOON_MSG_INFLATED	 = 3,	/* guest -> host */
	MSCHED_BALLOON_MSG_DEFLATED	 = 4,	/* guest -> host */
	MSCHED_BALLOON_MSG_STATS	 = 5,	/* guest -> host */
	MSCHED_BALLOON_MSG_CLASSES	 = 6,	/* guest -> host */
	MSCHED_BALLOON_MSG_STATS_REQUEST = 7,	/* host -> guest */
	MSCHED_BALLOON_MSG_ACK		 = 8,	/* either direction */
	MSCHED_BALLOON_MSG_MAX		 = MSCHED_BALLOON_MSG_ACK,
};

/*
 * HELLO (guest -> host), 32 bytes, the first message on a connection.
 *
 *   0  2   proto_version  highest protocol version the guest speaks (>= 1)
 *   2  2   flags          MSCHED_BALLOON_HELLO_F_*; unknown bits ignored
 *   4  4   page_size      guest page size in bytes: a power of two in
 *                         [MSCHED_BALLOON_MIN_PAGE_SIZE,
 *                          MSCHED_BALLOON_MAX_PAGE_SIZE]
 *   8  8   guest_pages    one past the highest guest frame number, in pages
 *                         of page_size (> 0; Linux guests send max_pfn);
 *                         every gfn in INFLATED/DEFLATED must be below it
 *   16 16  vm_id          opaque guest identifier (e.g. the SMBIOS UUID)
 */
#define MSCHED_BALLOON_HELLO_LEN	32
#define MSCHED_BALLOON_VM_ID_LEN	16
#define MSCHED_BALLOON_MIN_PAGE_SIZE	4096U
#define MSCHED_BALLOON_MAX_PAGE_SIZE	(1U << 30)
/* The guest can answer STATS_REQUEST with CLASSES as well as STATS. */
#define MSCHED_BALLOON_HELLO_F_CLASSES	0x0001

/**
 * struct msched_balloon_hello - HELLO payload (32 bytes).
 * @proto_version: highest protocol version the guest speaks
 * @flags: MSCHED_BALLOON_HELLO_F_* bits
 * @page_size: guest page size in bytes
 * @guest_pages: guest RAM size in pages
 * @vm_id: opaque guest identifier
 */
struct msched_balloon_hello {
	__le16 proto_version;
	__le16 flags;
	__le32 page_size;
	__le64 guest_pages;
	__u8 vm_id[MSCHED_BALLOON_VM_ID_LEN];
} __attribute__((packed));

/*
 * SET_TARGET (host -> guest), 8 bytes.
 *
 *   0  8   target_pages   balloon size the guest should converge to, in
 *                         guest pages
 */
#define MSCHED_BALLOON_SET_TARGET_LEN	8

/*
 * INFLATED / DEFLATED (guest -> host): pages given to / taken back from
 * the balloon.  payload_len must be exactly 4 + 8 * nr.
 *
 *   0  4   nr             number of gfns, 1..MSCHED_BALLOON_MAX_GFNS
 *   4  8*nr gfns          guest frame numbers (u64 each), each below
 *                         guest_pages and none repeated in one message
 */
#define MSCHED_BALLOON_MAX_GFNS		1000U
#define MSCHED_BALLOON_GFNS_LEN(nr)	(4U + 8U * (nr))

/**
 * struct msched_balloon_gfns - INFLATED/DEFLATED payload.
 * @nr: number of entries in @gfns
 * @gfns: guest frame numbers
 */
struct msched_balloon_gfns {
	__le32 nr;
	__le64 gfns[];
} __attribute__((packed));

/*
 * STATS and CLASSES (guest -> host): a list of (tag, value) pairs.
 * payload_len must be exactly 2 + 10 * nr.
 *
 *   0  2   nr             number of pairs, 0..MSCHED_BALLOON_MAX_KV
 *   2  10*nr pairs        { tag u16, value u64 }
 *
 * A tag may appear at most once per message.  Tags the receiver does not
 * know are skipped, so a newer guest can report more than an older host
 * understands.  Memory amounts are in bytes, events are counts since boot.
 */
#define MSCHED_BALLOON_MAX_KV		64U
#define MSCHED_BALLOON_KV_SIZE		10U
#define MSCHED_BALLOON_KV_LEN(nr)	(2U + MSCHED_BALLOON_KV_SIZE * (nr))

/**
 * struct msched_balloon_kv - one STATS/CLASSES entry (10 bytes).
 * @tag: MSCHED_BALLOON_STAT_* or MSCHED_BALLOON_CLASS_*
 * @value: the value
 */
struct msched_balloon_kv {
	__le16 tag;
	__le64 value;
} __attribute__((packed));

/* STATS tags. */
enum msched_balloon_stat_tag {
	MSCHED_BALLOON_STAT_SWAP_IN	 = 0,	/* bytes swapped in */
	MSCHED_BALLOON_STAT_SWAP_OUT	 = 1,	/* bytes swapped out */
	MSCHED_BALLOON_STAT_MAJOR_FAULTS = 2,	/* count */
	MSCHED_BALLOON_STAT_MINOR_FAULTS = 3,	/* count */
	MSCHED_BALLOON_STAT_FREE	 = 4,	/* bytes */
	MSCHED_BALLOON_STAT_TOTAL	 = 5,	/* bytes */
	MSCHED_BALLOON_STAT_AVAILABLE	 = 6,	/* bytes */
	MSCHED_BALLOON_STAT_CACHES	 = 7,	/* bytes */
	MSCHED_BALLOON_STAT_OOM_KILLS	 = 8,	/* count */
	MSCHED_BALLOON_STAT_ALLOC_STALLS = 9,	/* count */
	MSCHED_BALLOON_STAT_NR		 = 10,	/* number of known tags */
};

/* CLASSES tags (all in bytes). */
enum msched_balloon_class_tag {
	MSCHED_BALLOON_CLASS_ANON_ACTIVE   = 0,
	MSCHED_BALLOON_CLASS_ANON_INACTIVE = 1,
	MSCHED_BALLOON_CLASS_FILE_ACTIVE   = 2,
	MSCHED_BALLOON_CLASS_FILE_INACTIVE = 3,
	MSCHED_BALLOON_CLASS_DIRTY	   = 4,
	MSCHED_BALLOON_CLASS_FREE	   = 5,
	MSCHED_BALLOON_CLASS_SLAB	   = 6,
	MSCHED_BALLOON_CLASS_NR		   = 7,	/* number of known tags */
};

/* STATS_REQUEST (host -> guest): empty payload, answered with STATS. */

/*
 * ACK (either direction), 8 bytes. The host acknowledges every INFLATED
 * and DEFLATED (status 0 once the frames' host memory is released, or the
 * rejection), HELLO (status 0 once the connection is matched to its VM:
 * from then on no earlier connection from the same guest releases any
 * frame), and any other message only when it rejects it. A guest must
 * not reuse an inflated frame before the ACK of its INFLATED (or of a later
 * message) arrived, or, when the connection ended first, before the ACK of
 * a later connection's HELLO.
 *
 *   0  4   seq            seq of the message being acknowledged
 *   4  4   status         s32: 0 = accepted, negative = rejection code
 *                         (MSCHED_PROTO_E* from lib/msched_proto.h)
 */
#define MSCHED_BALLOON_ACK_LEN		8

/**
 * struct msched_balloon_ack - ACK payload (8 bytes).
 * @seq: sequence number of the acknowledged message
 * @status: 0 or a negative rejection code
 */
struct msched_balloon_ack {
	__le32 seq;
	__le32 status;
} __attribute__((packed));

#endif /* _UAPI_MEMSCHED_BALLOON_H */
