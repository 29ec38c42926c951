// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * msched_repl.c - rdma_failover wire protocol encoder, decoder, validator.
 *
 * Every field is read and written one byte at a time in little-endian
 * order, so the code is independent of host endianness and never performs
 * an unaligned access. Every length is checked before the bytes are
 * touched. The peer is not trusted: every value that later indexes memory
 * (slot counts, chunk layout, page indices) is range-checked here.
 */
#include "msched_repl.h"
#include "msched_le.h"

#define HDR_LEN		RFO_WIRE_HDR_LEN

/*
 * The exact length of a fixed-size type, 0 for REGIONS, PULL_LIST and
 * unknown types.
 */
static u32 fixed_len(u16 type)
{
	switch (type) {
	case RFO_WIRE_MSG_HELLO:
		return RFO_WIRE_HELLO_LEN;
	case RFO_WIRE_MSG_REJECT:
		return RFO_WIRE_REJECT_LEN;
	case RFO_WIRE_MSG_BATCH:
		return RFO_WIRE_BATCH_LEN;
	case RFO_WIRE_MSG_BATCH_ACK:
		return RFO_WIRE_BATCH_ACK_LEN;
	case RFO_WIRE_MSG_COMMIT:
		return RFO_WIRE_COMMIT_LEN;
	case RFO_WIRE_MSG_COMMIT_ACK:
		return RFO_WIRE_COMMIT_ACK_LEN;
	case RFO_WIRE_MSG_HEARTBEAT:
	case RFO_WIRE_MSG_HEARTBEAT_ACK:
		return RFO_WIRE_HEARTBEAT_LEN;
	case RFO_WIRE_MSG_WINDOW:
	case RFO_WIRE_MSG_WINDOW_ACK:
		return RFO_WIRE_WINDOW_LEN;
	case RFO_WIRE_MSG_PULL_DONE:
		return RFO_WIRE_PULL_DONE_LEN;
	default:
		return 0;
	}
}

/* Chunks must be 1..MAX, each non-empty, adding up to nr_slots. */
static int check_chunks(const u8 *raw, u32 nr_chunks, u32 nr_slots)
{
	u64 sum = 0;
	u32 k;

	if (!nr_chunks || nr_chunks > RFO_WIRE_MAX_CHUNKS ||
	    nr_chunks > nr_slots)
		return -MSCHED_REPL_ECHUNKS;
	for (k = 0; k < nr_chunks; k++) {
		u32 n = get_le32(raw + 16 * k + 12);

		if (!n || n > nr_slots)
			return -MSCHED_REPL_ECHUNKS;
		sum += n;
	}
	if (sum != nr_slots)
		return -MSCHED_REPL_ECHUNKS;
	return 0;
}

static int decode_payload(const u8 *p, struct msched_repl_msg *m)
{
	switch (m->type) {
	case RFO_WIRE_MSG_HELLO:
		m->u.hello.page_size = get_le32(p);
		m->u.hello.flags = get_le32(p + 4);
		m->u.hello.nr_pages = get_le64(p + 8);
		m->u.hello.committed_epoch = get_le64(p + 16);
		m->u.hello.generation = get_le64(p + 24);
		if (m->u.hello.flags & ~(u32)RFO_WIRE_HELLO_F_PULL)
			return -MSCHED_REPL_ERESERVED;
		if (!m->u.hello.nr_pages)
			return -MSCHED_REPL_ENRPAGES;
		if (!m->u.hello.generation)
			return -MSCHED_REPL_EGEN;
		return 0;
	case RFO_WIRE_MSG_REJECT:
		m->u.reject.reason = p[0];
		if (p[1] || p[2] || p[3])
			return -MSCHED_REPL_ERESERVED;
		m->u.reject.page_size = get_le32(p + 4);
		m->u.reject.nr_pages = get_le64(p + 8);
		if (!m->u.reject.reason || m->u.reject.reason > RFO_WIRE_REJ_MAX)
			return -MSCHED_REPL_EREASON;
		return 0;
	case RFO_WIRE_MSG_REGIONS:
		m->u.regions.nr_slots = get_le32(p);
		m->u.regions.nr_chunks = get_le32(p + 4);
		m->u.regions.applied_epoch = get_le64(p + 8);
		m->u.regions.generation = get_le64(p + 16);
		m->u.regions.list_addr = get_le64(p + 24);
		m->u.regions.list_rkey = get_le32(p + 32);
		m->u.regions.resync = get_le32(p + 36);
		m->u.regions.chunks = NULL;
		m->u.regions.raw_chunks = p + 40;
		if (!m->u.regions.nr_slots ||
		    m->u.regions.nr_slots > RFO_WIRE_MAX_SLOTS)
			return -MSCHED_REPL_ESLOTS;
		if (m->u.regions.resync > 1)
			return -MSCHED_REPL_ERESERVED;
		return check_chunks(p + 40, m->u.regions.nr_chunks,
				    m->u.regions.nr_slots);
	case RFO_WIRE_MSG_BATCH:
	case RFO_WIRE_MSG_BATCH_ACK:
		m->u.batch.epoch = get_le64(p);
		m->u.batch.batch_seq = get_le32(p + 8);
		m->u.batch.count = get_le32(p + 12);
		if (m->type == RFO_WIRE_MSG_BATCH_ACK && m->u.batch.count)
			return -MSCHED_REPL_ERESERVED;
		if (m->type == RFO_WIRE_MSG_BATCH &&
		    (!m->u.batch.count || m->u.batch.count > RFO_WIRE_MAX_SLOTS))
			return -MSCHED_REPL_ECOUNT;
		if (!m->u.batch.epoch)
			return -MSCHED_REPL_EEPOCH;
		return 0;
	case RFO_WIRE_MSG_COMMIT:
		m->u.commit.epoch = get_le64(p);
		m->u.commit.nr_pages = get_le64(p + 8);
		m->u.commit.cut_ns = get_le64(p + 16);
		m->u.commit.nr_batches = get_le32(p + 24);
		m->u.commit.flags = get_le32(p + 28);
		if (m->u.commit.flags & ~(u32)RFO_WIRE_COMMIT_F_FULL)
			return -MSCHED_REPL_ERESERVED;
		if (!m->u.commit.epoch)
			return -MSCHED_REPL_EEPOCH;
		return 0;
	case RFO_WIRE_MSG_COMMIT_ACK:
		m->u.commit_ack.epoch = get_le64(p);
		m->u.commit_ack.apply_us = get_le64(p + 8);
		if (!m->u.commit_ack.epoch)
			return -MSCHED_REPL_EEPOCH;
		return 0;
	case RFO_WIRE_MSG_HEARTBEAT:
	case RFO_WIRE_MSG_HEARTBEAT_ACK:
		m->u.heartbeat.epoch = get_le64(p);
		m->u.heartbeat.time_ns = get_le64(p + 8);
		return 0;
	case RFO_WIRE_MSG_PULL_LIST:
		m->u.pull_list.nr_slots = get_le32(p);
		m->u.pull_list.nr_chunks = get_le32(p + 4);
		m->u.pull_list.epoch = get_le64(p + 8);
		m->u.pull_list.nr_dirty = get_le64(p + 16);
		m->u.pull_list.list_addr = get_le64(p + 24);
		m->u.pull_list.list_rkey = get_le32(p + 32);
		m->u.pull_list.list_bytes = get_le32(p + 36);
		m->u.pull_list.chunks = NULL;
		m->u.pull_list.raw_chunks = p + 40;
		if (!m->u.pull_list.nr_slots ||
		    m->u.pull_list.nr_slots > RFO_WIRE_MAX_SLOTS)
			return -MSCHED_REPL_ESLOTS;
		if (!m->u.pull_list.list_bytes)
			return -MSCHED_REPL_EBITMAP;
		return check_chunks(p + 40, m->u.pull_list.nr_chunks,
				    m->u.pull_list.nr_slots);
	case RFO_WIRE_MSG_WINDOW:
	case RFO_WIRE_MSG_WINDOW_ACK:
		m->u.window.window = get_le64(p);
		m->u.window.count = get_le32(p + 8);
		if (get_le32(p + 12))
			return -MSCHED_REPL_ERESERVED;
		if (m->type == RFO_WIRE_MSG_WINDOW_ACK && m->u.window.count)
			return -MSCHED_REPL_ERESERVED;
		if (m->type == RFO_WIRE_MSG_WINDOW &&
		    (!m->u.window.count ||
		     m->u.window.count > RFO_WIRE_MAX_SLOTS))
			return -MSCHED_REPL_ECOUNT;
		return 0;
	case RFO_WIRE_MSG_PULL_DONE:
		m->u.pull_done.nr_pages = get_le64(p);
		m->u.pull_done.nr_windows = get_le32(p + 8);
		m->u.pull_done.flags = get_le32(p + 12);
		if (m->u.pull_done.flags & ~(u32)RFO_WIRE_PULL_F_CHANGED)
			return -MSCHED_REPL_ERESERVED;
		return 0;
	}
	return -MSCHED_REPL_ETYPE;
}

/**
 * msched_repl_decode() - parse and validate one received message.
 * @buf: the received bytes
 * @len: how many (the completion's byte_len or the CM private data length)
 * @m: filled in on success; undefined on failure
 *
 * The header's length must equal @len exactly, except for CM private data
 * (HELLO, REJECT), which transports may pad with zeros: there @len may be
 * larger and the bytes beyond length are ignored.
 *
 * Context: any.
 * Return: the message length on success, a negative MSCHED_REPL_E* code.
 */
int msched_repl_decode(const void *buf, u32 len, struct msched_repl_msg *m)
{
	const u8 *p = buf;
	u32 want;
	int ret;

	if (!buf || !m)
		return -MSCHED_REPL_EINVAL;
	if (len < HDR_LEN)
		return -MSCHED_REPL_ESHORT;
	if (get_le32(p + RFO_WIRE_OFF_MAGIC) != RFO_WIRE_MAGIC)
		return -MSCHED_REPL_EMAGIC;
	if (get_le16(p + RFO_WIRE_OFF_VERSION) != RFO_WIRE_VERSION)
		return -MSCHED_REPL_EVERSION;
	m->type = get_le16(p + RFO_WIRE_OFF_TYPE);
	m->length = get_le32(p + RFO_WIRE_OFF_LEN);
	m->seq = get_le32(p + RFO_WIRE_OFF_SEQ);
	if (!m->type || m->type > RFO_WIRE_MSG_MAX)
		return -MSCHED_REPL_ETYPE;
	if (m->length > RFO_WIRE_MAX_MSG_LEN)
		return -MSCHED_REPL_ELEN;
	if (m->length > len)
		return -MSCHED_REPL_ESHORT;
	if (m->length != len && m->type != RFO_WIRE_MSG_HELLO &&
	    m->type != RFO_WIRE_MSG_REJECT)
		return -MSCHED_REPL_ELEN;
	if (m->type == RFO_WIRE_MSG_REGIONS ||
	    m->type == RFO_WIRE_MSG_PULL_LIST) {
		/* the same fixed part and chunk array */
		if (m->length < RFO_WIRE_REGIONS_FIXED_LEN)
			return -MSCHED_REPL_ELEN;
		/* nr_chunks is at payload offset 4 */
		want = get_le32(p + HDR_LEN + 4);
		if (want > RFO_WIRE_MAX_CHUNKS)
			return -MSCHED_REPL_ECHUNKS;
		want = RFO_WIRE_REGIONS_LEN(want);
	} else {
		want = fixed_len(m->type);
	}
	if (m->length != want)
		return -MSCHED_REPL_ELEN;
	if ((m->type == RFO_WIRE_MSG_HELLO || m->type == RFO_WIRE_MSG_REJECT) &&
	    m->seq)
		return -MSCHED_REPL_ESEQ;
	ret = decode_payload(p + HDR_LEN, m);
	if (ret)
		return ret;
	return (int)m->length;
}

/* Message bytes of @m; 0 if the type is unknown or its chunks are bad. */
static u32 encoded_len(const struct msched_repl_msg *m)
{
	if (m->type == RFO_WIRE_MSG_REGIONS) {
		if (m->u.regions.nr_chunks > RFO_WIRE_MAX_CHUNKS ||
		    !m->u.regions.chunks)
			return 0;
		return RFO_WIRE_REGIONS_LEN(m->u.regions.nr_chunks);
	}
	if (m->type == RFO_WIRE_MSG_PULL_LIST) {
		if (m->u.pull_list.nr_chunks > RFO_WIRE_MAX_CHUNKS ||
		    !m->u.pull_list.chunks)
			return 0;
		return RFO_WIRE_PULL_LIST_LEN(m->u.pull_list.nr_chunks);
	}
	return fixed_len(m->type);
}

/**
 * msched_repl_encode() - write one message.
 * @buf: output buffer
 * @size: its size
 * @m: the message (type, seq, payload; length is computed)
 *
 * The output is decoded again before returning, so nothing that
 * msched_repl_decode() rejects ever leaves.
 *
 * Context: any.
 * Return: the message length, or a negative MSCHED_REPL_E* code.
 */
int msched_repl_encode(void *buf, u32 size, const struct msched_repl_msg *m)
{
	struct msched_repl_msg check;
	u8 *p = buf, *q;
	u32 len, k;

	if (!buf || !m)
		return -MSCHED_REPL_EINVAL;
	len = encoded_len(m);
	if (!len)
		return -MSCHED_REPL_EINVAL;
	if (size < len)
		return -MSCHED_REPL_ENOSPC;
	msched_memset(p, 0, len);
	put_le32(p + RFO_WIRE_OFF_MAGIC, RFO_WIRE_MAGIC);
	put_le16(p + RFO_WIRE_OFF_VERSION, RFO_WIRE_VERSION);
	put_le16(p + RFO_WIRE_OFF_TYPE, m->type);
	put_le32(p + RFO_WIRE_OFF_LEN, len);
	put_le32(p + RFO_WIRE_OFF_SEQ, m->seq);
	q = p + HDR_LEN;
	switch (m->type) {
	case RFO_WIRE_MSG_HELLO:
		put_le32(q, m->u.hello.page_size);
		put_le32(q + 4, m->u.hello.flags);
		put_le64(q + 8, m->u.hello.nr_pages);
		put_le64(q + 16, m->u.hello.committed_epoch);
		put_le64(q + 24, m->u.hello.generation);
		break;
	case RFO_WIRE_MSG_REJECT:
		q[0] = m->u.reject.reason;
		put_le32(q + 4, m->u.reject.page_size);
		put_le64(q + 8, m->u.reject.nr_pages);
		break;
	case RFO_WIRE_MSG_REGIONS:
		put_le32(q, m->u.regions.nr_slots);
		put_le32(q + 4, m->u.regions.nr_chunks);
		put_le64(q + 8, m->u.regions.applied_epoch);
		put_le64(q + 16, m->u.regions.generation);
		put_le64(q + 24, m->u.regions.list_addr);
		put_le32(q + 32, m->u.regions.list_rkey);
		put_le32(q + 36, m->u.regions.resync);
		for (k = 0; k < m->u.regions.nr_chunks; k++) {
			const struct msched_repl_chunk *c =
				&m->u.regions.chunks[k];

			put_le64(q + 40 + 16 * k, c->addr);
			put_le32(q + 40 + 16 * k + 8, c->rkey);
			put_le32(q + 40 + 16 * k + 12, c->nr_slots);
		}
		break;
	case RFO_WIRE_MSG_BATCH:
	case RFO_WIRE_MSG_BATCH_ACK:
		put_le64(q, m->u.batch.epoch);
		put_le32(q + 8, m->u.batch.batch_seq);
		put_le32(q + 12, m->u.batch.count);
		break;
	case RFO_WIRE_MSG_COMMIT:
		put_le64(q, m->u.commit.epoch);
		put_le64(q + 8, m->u.commit.nr_pages);
		put_le64(q + 16, m->u.commit.cut_ns);
		put_le32(q + 24, m->u.commit.nr_batches);
		put_le32(q + 28, m->u.commit.flags);
		break;
	case RFO_WIRE_MSG_COMMIT_ACK:
		put_le64(q, m->u.commit_ack.epoch);
		put_le64(q + 8, m->u.commit_ack.apply_us);
		break;
	case RFO_WIRE_MSG_HEARTBEAT:
	case RFO_WIRE_MSG_HEARTBEAT_ACK:
		put_le64(q, m->u.heartbeat.epoch);
		put_le64(q + 8, m->u.heartbeat.time_ns);
		break;
	case RFO_WIRE_MSG_PULL_LIST:
		put_le32(q, m->u.pull_list.nr_slots);
		put_le32(q + 4, m->u.pull_list.nr_chunks);
		put_le64(q + 8, m->u.pull_list.epoch);
		put_le64(q + 16, m->u.pull_list.nr_dirty);
		put_le64(q + 24, m->u.pull_list.list_addr);
		put_le32(q + 32, m->u.pull_list.list_rkey);
		put_le32(q + 36, m->u.pull_list.list_bytes);
		for (k = 0; k < m->u.pull_list.nr_chunks; k++) {
			const struct msched_repl_chunk *c =
				&m->u.pull_list.chunks[k];

			put_le64(q + 40 + 16 * k, c->addr);
			put_le32(q + 40 + 16 * k + 8, c->rkey);
			put_le32(q + 40 + 16 * k + 12, c->nr_slots);
		}
		break;
	case RFO_WIRE_MSG_WINDOW:
	case RFO_WIRE_MSG_WINDOW_ACK:
		put_le64(q, m->u.window.window);
		put_le32(q + 8, m->u.window.count);
		break;
	case RFO_WIRE_MSG_PULL_DONE:
		put_le64(q, m->u.pull_done.nr_pages);
		put_le32(q + 8, m->u.pull_done.nr_windows);
		put_le32(q + 12, m->u.pull_done.flags);
		break;
	}
	return msched_repl_decode(buf, len, &check);
}

/* A decoded REGIONS' or PULL_LIST's slots and chunks; false for others. */
static bool chunk_view(const struct msched_repl_msg *m, u32 *nr_slots,
		       u32 *nr_chunks, const u8 **raw)
{
	if (!m)
		return false;
	if (m->type == RFO_WIRE_MSG_REGIONS) {
		*nr_slots = m->u.regions.nr_slots;
		*nr_chunks = m->u.regions.nr_chunks;
		*raw = m->u.regions.raw_chunks;
	} else if (m->type == RFO_WIRE_MSG_PULL_LIST) {
		*nr_slots = m->u.pull_list.nr_slots;
		*nr_chunks = m->u.pull_list.nr_chunks;
		*raw = m->u.pull_list.raw_chunks;
	} else {
		return false;
	}
	return *raw != NULL;
}

/**
 * msched_repl_regions_chunk() - read chunk @k of a decoded REGIONS or
 * PULL_LIST.
 * @m: a REGIONS or PULL_LIST that msched_repl_decode() accepted
 * @k: chunk number, < nr_chunks
 * @c: filled in
 *
 * Context: any.
 * Return: 0, or -MSCHED_REPL_EINVAL for a bad @m or @k.
 */
int msched_repl_regions_chunk(const struct msched_repl_msg *m, u32 k,
			      struct msched_repl_chunk *c)
{
	u32 nr_slots, nr_chunks;
	const u8 *p;

	if (!c || !chunk_view(m, &nr_slots, &nr_chunks, &p) || k >= nr_chunks)
		return -MSCHED_REPL_EINVAL;
	p += 16 * k;
	c->addr = get_le64(p);
	c->rkey = get_le32(p + 8);
	c->nr_slots = get_le32(p + 12);
	return 0;
}

/**
 * msched_repl_slot_chunk() - where a staging (or window) slot is in a
 * decoded REGIONS (or PULL_LIST).
 * @m: a REGIONS or PULL_LIST that msched_repl_decode() accepted
 * @slot: slot number, < nr_slots
 * @c: the chunk holding @slot
 * @offset: byte offset of @slot in that chunk
 *
 * Context: any.
 * Return: 0, or -MSCHED_REPL_EINVAL for a bad @m or @slot.
 */
int msched_repl_slot_chunk(const struct msched_repl_msg *m, u32 slot,
			   struct msched_repl_chunk *c, u64 *offset)
{
	u32 k, first = 0, nr_slots, nr_chunks;
	const u8 *raw;

	if (!offset || !chunk_view(m, &nr_slots, &nr_chunks, &raw) ||
	    slot >= nr_slots)
		return -MSCHED_REPL_EINVAL;
	for (k = 0; k < nr_chunks; k++) {
		int ret = msched_repl_regions_chunk(m, k, c);

		if (ret)
			return ret;
		if (slot < first + c->nr_slots) {
			*offset = (u64)(slot - first) * RFO_WIRE_PAGE_SIZE;
			return 0;
		}
		first += c->nr_slots;
	}
	return -MSCHED_REPL_EINVAL;
}

/**
 * msched_repl_check_seq() - is this the message number the receiver expects?
 * @m: a decoded message
 * @expected: the next seq from this peer on this connection
 *
 * Context: any.
 * Return: 0, or -MSCHED_REPL_ESEQ.
 */
int msched_repl_check_seq(const struct msched_repl_msg *m, u32 expected)
{
	return m->seq == expected ? 0 : -MSCHED_REPL_ESEQ;
}

/**
 * msched_repl_check_hello() - may the standby accept this HELLO?
 * @m: a decoded HELLO
 * @nr_pages: the standby file's size in pages
 * @reason: the RFO_WIRE_REJ_* to send when it may not
 *
 * Context: any.
 * Return: 0, or a negative MSCHED_REPL_E* code (and *@reason set).
 */
int msched_repl_check_hello(const struct msched_repl_msg *m, u64 nr_pages,
			    u8 *reason)
{
	*reason = RFO_WIRE_REJ_MALFORMED;
	if (m->type != RFO_WIRE_MSG_HELLO)
		return -MSCHED_REPL_ETYPE;
	if (m->u.hello.page_size != RFO_WIRE_PAGE_SIZE) {
		*reason = RFO_WIRE_REJ_PAGE_SIZE;
		return -MSCHED_REPL_EPAGESIZE;
	}
	if (m->u.hello.nr_pages != nr_pages) {
		*reason = RFO_WIRE_REJ_NR_PAGES;
		return -MSCHED_REPL_ENRPAGES;
	}
	*reason = 0;
	return 0;
}

/**
 * msched_repl_check_batch() - is this BATCH the one the standby expects?
 * @m: a decoded message
 * @epoch: the epoch being received (applied + 1)
 * @batch_seq: the next batch number of that epoch
 * @nr_slots: the standby's staging slots
 *
 * Context: any.
 * Return: 0, or a negative MSCHED_REPL_E* code.
 */
int msched_repl_check_batch(const struct msched_repl_msg *m, u64 epoch,
			    u32 batch_seq, u32 nr_slots)
{
	if (m->type != RFO_WIRE_MSG_BATCH)
		return -MSCHED_REPL_ETYPE;
	if (m->u.batch.epoch != epoch)
		return -MSCHED_REPL_EEPOCH;
	if (m->u.batch.batch_seq != batch_seq)
		return -MSCHED_REPL_EBATCHSEQ;
	if (!m->u.batch.count || m->u.batch.count > nr_slots)
		return -MSCHED_REPL_ECOUNT;
	return 0;
}

/**
 * msched_repl_check_batch_ack() - is this the BATCH_ACK the primary awaits?
 * @m: a decoded message
 * @epoch: the epoch being sent
 * @batch_seq: the batch just sent
 *
 * Context: any.
 * Return: 0, or a negative MSCHED_REPL_E* code.
 */
int msched_repl_check_batch_ack(const struct msched_repl_msg *m, u64 epoch,
				u32 batch_seq)
{
	if (m->type != RFO_WIRE_MSG_BATCH_ACK)
		return -MSCHED_REPL_ETYPE;
	if (m->u.batch.epoch != epoch)
		return -MSCHED_REPL_EEPOCH;
	if (m->u.batch.batch_seq != batch_seq)
		return -MSCHED_REPL_EBATCHSEQ;
	return 0;
}

/**
 * msched_repl_check_commit() - does this COMMIT close the epoch received?
 * @m: a decoded message
 * @epoch: the epoch being received
 * @nr_pages: pages received in it
 * @nr_batches: batches received in it
 *
 * Context: any.
 * Return: 0, or a negative MSCHED_REPL_E* code.
 */
int msched_repl_check_commit(const struct msched_repl_msg *m, u64 epoch,
			     u64 nr_pages, u32 nr_batches)
{
	if (m->type != RFO_WIRE_MSG_COMMIT)
		return -MSCHED_REPL_ETYPE;
	if (m->u.commit.epoch != epoch)
		return -MSCHED_REPL_EEPOCH;
	if (m->u.commit.nr_pages != nr_pages ||
	    m->u.commit.nr_batches != nr_batches)
		return -MSCHED_REPL_ETOTAL;
	return 0;
}

/**
 * msched_repl_check_commit_ack() - is this the COMMIT_ACK the primary awaits?
 * @m: a decoded message
 * @epoch: the epoch just committed
 *
 * Context: any.
 * Return: 0, or a negative MSCHED_REPL_E* code.
 */
int msched_repl_check_commit_ack(const struct msched_repl_msg *m, u64 epoch)
{
	if (m->type != RFO_WIRE_MSG_COMMIT_ACK)
		return -MSCHED_REPL_ETYPE;
	if (m->u.commit_ack.epoch != epoch)
		return -MSCHED_REPL_EEPOCH;
	return 0;
}

/**
 * msched_repl_check_index() - read and validate entry @i of a page list.
 * @list: the list area (little-endian u64 page indices)
 * @i: entry number (the caller checked it against the batch count)
 * @nr_pages: the file's size in pages
 * @seen: bitmap of @nr_pages bits, the indices already received in this
 *	epoch; the index is marked in it on success
 * @idx: the page index, on success
 *
 * Context: any.
 * Return: 0, -MSCHED_REPL_EINDEX (>= @nr_pages), -MSCHED_REPL_EDUP.
 */
int msched_repl_check_index(const void *list, u32 i, u64 nr_pages,
			    u8 *seen, u64 *idx)
{
	u64 v = get_le64((const u8 *)list + 8 * (u64)i);
	u8 bit;

	if (v >= nr_pages)
		return -MSCHED_REPL_EINDEX;
	bit = (u8)(1U << (v & 7));
	if (seen[v >> 3] & bit)
		return -MSCHED_REPL_EDUP;
	seen[v >> 3] |= bit;
	*idx = v;
	return 0;
}

/**
 * msched_repl_put_index() - write entry @i of a page list.
 * @list: the list area
 * @i: entry number
 * @idx: the page index
 *
 * Context: any.
 */
void msched_repl_put_index(void *list, u32 i, u64 idx)
{
	put_le64((u8 *)list + 8 * (u64)i, idx);
}

/**
 * msched_repl_check_pull_list() - may the recovery host use this PULL_LIST?
 * @m: a decoded PULL_LIST
 * @nr_pages: the recovery file's size in pages
 *
 * The bitmap must be exactly ceil(@nr_pages / 8) bytes and cannot name
 * more pages than the file has.
 *
 * Context: any.
 * Return: 0, or -MSCHED_REPL_EBITMAP.
 */
int msched_repl_check_pull_list(const struct msched_repl_msg *m,
				u64 nr_pages)
{
	if (m->u.pull_list.list_bytes != msched_repl_bitmap_bytes(nr_pages) ||
	    !m->u.pull_list.list_bytes || m->u.pull_list.nr_dirty > nr_pages)
		return -MSCHED_REPL_EBITMAP;
	return 0;
}

/**
 * msched_repl_check_window() - is this the WINDOW the recovery host expects?
 * @m: a decoded WINDOW
 * @window: the expected window number
 * @count: the expected page count (the pages left, at most the slots)
 *
 * Context: any.
 * Return: 0, or -MSCHED_REPL_EWINDOW.
 */
int msched_repl_check_window(const struct msched_repl_msg *m, u64 window,
			     u32 count)
{
	if (m->type != RFO_WIRE_MSG_WINDOW || m->u.window.window != window ||
	    m->u.window.count != count)
		return -MSCHED_REPL_EWINDOW;
	return 0;
}

/**
 * msched_repl_check_window_ack() - does a WINDOW_ACK acknowledge @window?
 * @m: a decoded WINDOW_ACK
 * @window: the window sent
 *
 * Context: any.
 * Return: 0, or -MSCHED_REPL_EWINDOW.
 */
int msched_repl_check_window_ack(const struct msched_repl_msg *m, u64 window)
{
	if (m->type != RFO_WIRE_MSG_WINDOW_ACK || m->u.window.window != window)
		return -MSCHED_REPL_EWINDOW;
	return 0;
}

/**
 * msched_repl_check_pull_done() - do PULL_DONE's totals match what came?
 * @m: a decoded PULL_DONE
 * @nr_pages: pages received in all windows
 * @nr_windows: windows received
 *
 * Context: any.
 * Return: 0, or -MSCHED_REPL_ETOTAL.
 */
int msched_repl_check_pull_done(const struct msched_repl_msg *m,
				u64 nr_pages, u32 nr_windows)
{
	if (m->type != RFO_WIRE_MSG_PULL_DONE ||
	    m->u.pull_done.nr_pages != nr_pages ||
	    m->u.pull_done.nr_windows != nr_windows)
		return -MSCHED_REPL_ETOTAL;
	return 0;
}

/**
 * msched_repl_bitmap_bytes() - the size of a dirty bitmap.
 * @nr_pages: the file's size in pages
 *
 * Context: any.
 * Return: ceil(@nr_pages / 8), or 0 if that does not fit in 32 bits.
 */
u32 msched_repl_bitmap_bytes(u64 nr_pages)
{
	u64 n = (nr_pages + 7) / 8;

	return n > 0xffffffffULL ? 0 : (u32)n;
}

/**
 * msched_repl_bitmap_set() - set the bit of page @idx.
 * @bitmap: a dirty bitmap (wire layout: bit idx % 8 of byte idx / 8)
 * @idx: the page, below the bitmap's page count (the caller's to check)
 *
 * Context: any.
 * Return: true if the bit was clear.
 */
bool msched_repl_bitmap_set(void *bitmap, u64 idx)
{
	u8 *p = (u8 *)bitmap + (idx >> 3);
	u8 bit = (u8)(1U << (idx & 7));

	if (*p & bit)
		return false;
	*p |= bit;
	return true;
}

/**
 * msched_repl_bitmap_next() - the first set bit at or after @from.
 * @bitmap: a dirty bitmap
 * @nr_pages: its page count
 * @from: where to start
 *
 * Context: any.
 * Return: the page index, or @nr_pages when there is none.
 */
u64 msched_repl_bitmap_next(const void *bitmap, u64 nr_pages, u64 from)
{
	const u8 *p = bitmap;

	while (from < nr_pages) {
		u8 b = p[from >> 3] >> (from & 7);

		if (!b) {
			from = (from | 7) + 1;
			continue;
		}
		while (!(b & 1)) {
			b >>= 1;
			from++;
		}
		return from < nr_pages ? from : nr_pages;
	}
	return nr_pages;
}

/**
 * msched_repl_bitmap_check() - validate a dirty bitmap read from a source.
 * @bitmap: the bitmap
 * @bytes: its size: must be msched_repl_bitmap_bytes(@nr_pages)
 * @nr_pages: the receiver's file size in pages
 * @nr_dirty: the number of set bits the source announced
 *
 * Context: any.
 * Return: 0, or -MSCHED_REPL_EBITMAP (wrong size, a bit at or beyond
 * @nr_pages, or another number of set bits).
 */
int msched_repl_bitmap_check(const void *bitmap, u32 bytes, u64 nr_pages,
			     u64 nr_dirty)
{
	const u8 *p = bitmap;
	u64 n = 0;
	u32 i;

	if (!bitmap || !bytes || bytes != msched_repl_bitmap_bytes(nr_pages))
		return -MSCHED_REPL_EBITMAP;
	if ((nr_pages & 7) && (p[bytes - 1] >> (nr_pages & 7)))
		return -MSCHED_REPL_EBITMAP;
	for (i = 0; i < bytes; i++) {
		u8 b = p[i];

		while (b) {
			b &= (u8)(b - 1);
			n++;
		}
	}
	return n == nr_dirty ? 0 : -MSCHED_REPL_EBITMAP;
}

/**
 * msched_repl_need_resync() - must the next epoch carry the whole file?
 * @std_generation: the generation of the standby's image (0: none)
 * @std_applied: the standby's last applied epoch
 * @pri_generation: the primary's generation
 * @pri_committed: the primary's last committed epoch
 *
 * Both sides compute this from HELLO and REGIONS and must agree.
 *
 * Context: any.
 * Return: false only when the standby's image is the primary's last
 * committed epoch of the same generation.
 */
bool msched_repl_need_resync(u64 std_generation, u64 std_applied,
			     u64 pri_generation, u64 pri_committed)
{
	return !std_generation || std_generation != pri_generation ||
	       std_applied != pri_committed || !pri_committed;
}

static const char *const msched_repl_errstr[] = {
	[MSCHED_REPL_EINVAL - MSCHED_REPL_EBASE] = "invalid argument",
	[MSCHED_REPL_ENOSPC - MSCHED_REPL_EBASE] = "buffer too small",
	[MSCHED_REPL_ESHORT - MSCHED_REPL_EBASE] = "message truncated",
	[MSCHED_REPL_EMAGIC - MSCHED_REPL_EBASE] = "bad magic",
	[MSCHED_REPL_EVERSION - MSCHED_REPL_EBASE] = "unsupported version",
	[MSCHED_REPL_ETYPE - MSCHED_REPL_EBASE] = "unexpected message type",
	[MSCHED_REPL_ELEN - MSCHED_REPL_EBASE] = "bad length",
	[MSCHED_REPL_ERESERVED - MSCHED_REPL_EBASE] = "reserved field not zero",
	[MSCHED_REPL_ESEQ - MSCHED_REPL_EBASE] = "bad message sequence",
	[MSCHED_REPL_EPAGESIZE - MSCHED_REPL_EBASE] = "bad page size",
	[MSCHED_REPL_ENRPAGES - MSCHED_REPL_EBASE] = "file size differs",
	[MSCHED_REPL_EGEN - MSCHED_REPL_EBASE] = "generation 0",
	[MSCHED_REPL_EREASON - MSCHED_REPL_EBASE] = "unknown reject reason",
	[MSCHED_REPL_ESLOTS - MSCHED_REPL_EBASE] = "bad slot count",
	[MSCHED_REPL_ECHUNKS - MSCHED_REPL_EBASE] = "bad chunk layout",
	[MSCHED_REPL_EEPOCH - MSCHED_REPL_EBASE] = "unexpected epoch",
	[MSCHED_REPL_EBATCHSEQ - MSCHED_REPL_EBASE] = "unexpected batch",
	[MSCHED_REPL_ECOUNT - MSCHED_REPL_EBASE] = "bad batch count",
	[MSCHED_REPL_EINDEX - MSCHED_REPL_EBASE] = "page index out of range",
	[MSCHED_REPL_EDUP - MSCHED_REPL_EBASE] = "page index repeated",
	[MSCHED_REPL_ETOTAL - MSCHED_REPL_EBASE] = "commit totals differ",
	[MSCHED_REPL_ERESYNC - MSCHED_REPL_EBASE] = "resync disagreement",
	[MSCHED_REPL_EWINDOW - MSCHED_REPL_EBASE] = "unexpected window",
	[MSCHED_REPL_EBITMAP - MSCHED_REPL_EBASE] = "bad dirty bitmap",
};

/**
 * msched_repl_strerror() - describe a protocol error code.
 * @err: a MSCHED_REPL_E* code, negated or not, or 0
 *
 * Context: any.
 * Return: a static string; "ok" for 0, "unknown error" otherwise.
 */
const char *msched_repl_strerror(int err)
{
	if (!err)
		return "ok";
	if (err < 0)
		err = -err;
	if (err < MSCHED_REPL_EBASE || err > MSCHED_REPL_ELAST)
		return "unknown error";
	return msched_repl_errstr[err - MSCHED_REPL_EBASE];
}

static const char *const msched_repl_types[] = {
	[RFO_WIRE_MSG_HELLO] = "HELLO",
	[RFO_WIRE_MSG_REJECT] = "REJECT",
	[RFO_WIRE_MSG_REGIONS] = "REGIONS",
	[RFO_WIRE_MSG_BATCH] = "BATCH",
	[RFO_WIRE_MSG_BATCH_ACK] = "BATCH_ACK",
	[RFO_WIRE_MSG_COMMIT] = "COMMIT",
	[RFO_WIRE_MSG_COMMIT_ACK] = "COMMIT_ACK",
	[RFO_WIRE_MSG_HEARTBEAT] = "HEARTBEAT",
	[RFO_WIRE_MSG_HEARTBEAT_ACK] = "HEARTBEAT_ACK",
	[RFO_WIRE_MSG_PULL_LIST] = "PULL_LIST",
	[RFO_WIRE_MSG_WINDOW] = "WINDOW",
	[RFO_WIRE_MSG_WINDOW_ACK] = "WINDOW_ACK",
	[RFO_WIRE_MSG_PULL_DONE] = "PULL_DONE",
};

/**
 * msched_repl_type_name() - name of a message type.
 * @type: RFO_WIRE_MSG_*
 *
 * Context: any.
 * Return: a static string, "?" for an unknown type.
 */
const char *msched_repl_type_name(u16 type)
{
	if (!type || type > RFO_WIRE_MSG_MAX)
		return "?";
	return msched_repl_types[type];
}

static const char *const msched_repl_reasons[] = {
	[RFO_WIRE_REJ_MALFORMED] = "malformed hello",
	[RFO_WIRE_REJ_VERSION] = "version",
	[RFO_WIRE_REJ_PAGE_SIZE] = "page size",
	[RFO_WIRE_REJ_NR_PAGES] = "file size",
	[RFO_WIRE_REJ_BUSY] = "busy",
	[RFO_WIRE_REJ_NOMEM] = "no memory",
	[RFO_WIRE_REJ_ROLE] = "wrong role (pull to a standby or push to a source)",
	[RFO_WIRE_REJ_IN_USE] = "the source file is still mapped writable",
};

/**
 * msched_repl_reason_name() - name of a REJECT reason.
 * @reason: RFO_WIRE_REJ_*
 *
 * Context: any.
 * Return: a static string, "?" for an unknown reason.
 */
const char *msched_repl_reason_name(u8 reason)
{
	if (!reason || reason > RFO_WIRE_REJ_MAX)
		return "?";
	return msched_repl_reasons[reason];
}
