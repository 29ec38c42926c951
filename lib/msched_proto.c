// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * msched_proto.c - memsched balloon wire protocol encoder and decoder.
 *
 * Every field is read and written one byte at a time in little-endian
 * order, so the code is independent of host endianness and never performs
 * an unaligned access.  Every length is checked before the bytes are
 * touched; a decoded message only points into the caller's payload buffer
 * and its accessors re-check indices.
 */
#include "msched_proto.h"
#include "msched_le.h"

#define HDR_LEN		MSCHED_BALLOON_HDR_LEN

static bool type_known(u16 type)
{
	return type >= MSCHED_BALLOON_MSG_HELLO &&
	       type <= MSCHED_BALLOON_MSG_MAX;
}

static bool type_is_gfns(u16 type)
{
	return type == MSCHED_BALLOON_MSG_INFLATED ||
	       type == MSCHED_BALLOON_MSG_DEFLATED;
}

static bool type_is_kvs(u16 type)
{
	return type == MSCHED_BALLOON_MSG_STATS ||
	       type == MSCHED_BALLOON_MSG_CLASSES;
}

/**
 * msched_proto_known_tags() - number of tags known for a STATS/CLASSES type.
 * @type: MSCHED_BALLOON_MSG_STATS or MSCHED_BALLOON_MSG_CLASSES
 *
 * Known tags are 0..n-1; larger tags are skipped by the decoder.
 *
 * Context: any.
 * Return: the number of known tags, 0 for any other type.
 */
u32 msched_proto_known_tags(u16 type)
{
	if (type == MSCHED_BALLOON_MSG_STATS)
		return MSCHED_BALLOON_STAT_NR;
	if (type == MSCHED_BALLOON_MSG_CLASSES)
		return MSCHED_BALLOON_CLASS_NR;
	return 0;
}

static int check_hello(const struct msched_proto_hello *hello)
{
	u32 ps = hello->page_size;

	if (!hello->proto_version)
		return -MSCHED_PROTO_EHELLOVER;
	if (ps < MSCHED_BALLOON_MIN_PAGE_SIZE ||
	    ps > MSCHED_BALLOON_MAX_PAGE_SIZE || (ps & (ps - 1)))
		return -MSCHED_PROTO_EPAGESIZE;
	if (!hello->guest_pages)
		return -MSCHED_PROTO_EPAGES;
	return 0;
}

static int check_header(u16 version, u16 type, u32 payload_len)
{
	if (version != MSCHED_BALLOON_VERSION)
		return -MSCHED_PROTO_EVERSION;
	if (!type_known(type))
		return -MSCHED_PROTO_ETYPE;
	if (payload_len > MSCHED_BALLOON_MAX_PAYLOAD)
		return -MSCHED_PROTO_ETOOBIG;
	return 0;
}

/**
 * msched_proto_decode_header() - parse and validate a message header.
 * @buf: received bytes, starting at a message boundary
 * @len: number of bytes available at @buf
 * @h: filled in on success
 *
 * Only the first MSCHED_BALLOON_HDR_LEN bytes are examined.  A bad magic is
 * reported as soon as the bytes received so far differ from it, so a
 * desynchronised stream is detected without waiting for a full header.
 *
 * Context: any.
 * Return: 0 on success; -MSCHED_PROTO_EAGAIN if @len is too short to decide;
 * -MSCHED_PROTO_EMAGIC, -MSCHED_PROTO_EVERSION, -MSCHED_PROTO_ETYPE or
 * -MSCHED_PROTO_ETOOBIG for an invalid header; -MSCHED_PROTO_EINVAL if
 * @buf or @h is NULL.
 */
int msched_proto_decode_header(const u8 *buf, size_t len,
			       struct msched_proto_hdr *h)
{
	u16 version, type;
	u32 plen;
	size_t i;
	int ret;

	if ((!buf && len) || !h)
		return -MSCHED_PROTO_EINVAL;
	for (i = 0; i < 4 && i < len; i++)
		if (buf[i] != (u8)(MSCHED_BALLOON_MAGIC >> (8 * i)))
			return -MSCHED_PROTO_EMAGIC;
	if (len < HDR_LEN)
		return -MSCHED_PROTO_EAGAIN;
	version = get_le16(buf + MSCHED_BALLOON_OFF_VERSION);
	type = get_le16(buf + MSCHED_BALLOON_OFF_TYPE);
	plen = get_le32(buf + MSCHED_BALLOON_OFF_LEN);
	ret = check_header(version, type, plen);
	if (ret)
		return ret;
	h->version = version;
	h->type = type;
	h->payload_len = plen;
	h->seq = get_le32(buf + MSCHED_BALLOON_OFF_SEQ);
	return 0;
}

static int decode_gfns(const u8 *p, u32 plen, struct msched_proto_gfns *g)
{
	u32 nr;

	if (plen < 4)
		return -MSCHED_PROTO_ELEN;
	nr = get_le32(p);
	if (!nr || nr > MSCHED_BALLOON_MAX_GFNS)
		return -MSCHED_PROTO_ENR;
	if (plen != MSCHED_BALLOON_GFNS_LEN(nr))
		return -MSCHED_PROTO_ENRLEN;
	g->nr = nr;
	g->raw = p + 4;
	return 0;
}

static int decode_kvs(u16 type, const u8 *p, u32 plen,
		      struct msched_proto_kvs *kv)
{
	u32 known = msched_proto_known_tags(type);
	u32 nr, i, j;

	if (plen < 2)
		return -MSCHED_PROTO_ELEN;
	nr = get_le16(p);
	if (nr > MSCHED_BALLOON_MAX_KV)
		return -MSCHED_PROTO_ENR;
	if (plen != MSCHED_BALLOON_KV_LEN(nr))
		return -MSCHED_PROTO_ENRLEN;
	msched_memset(kv, 0, sizeof(*kv));
	kv->nr = (u16)nr;
	kv->raw = p + 2;
	for (i = 0; i < nr; i++) {
		const u8 *e = kv->raw + i * MSCHED_BALLOON_KV_SIZE;
		u16 tag = get_le16(e);

		/* At most 64 entries: quadratic is cheaper than sorting. */
		for (j = 0; j < i; j++)
			if (get_le16(kv->raw + j * MSCHED_BALLOON_KV_SIZE) == tag)
				return -MSCHED_PROTO_ETAGDUP;
		if (tag < known) {
			kv->present |= 1U << tag;
			kv->val[tag] = get_le64(e + 2);
		} else {
			kv->nr_unknown++;
		}
	}
	return 0;
}

/**
 * msched_proto_decode() - parse and validate a message payload.
 * @h: header from msched_proto_decode_header()
 * @payload: the bytes following the header
 * @len: number of bytes available at @payload; only @h->payload_len of them
 *	 are used, the rest belong to the next message
 * @m: filled in on success; for INFLATED, DEFLATED, STATS and CLASSES it
 *     points into @payload, which must outlive it
 *
 * Checks that the payload length is exactly the one the type requires and
 * every field is in range.  Gfns are not checked against the guest size
 * here, see msched_proto_check_gfns().
 *
 * Context: any.
 * Return: 0 on success; -MSCHED_PROTO_EAGAIN if @len < @h->payload_len;
 * a negative MSCHED_PROTO_E* code naming the first problem otherwise.
 */
int msched_proto_decode(const struct msched_proto_hdr *h, const u8 *payload,
			size_t len, struct msched_proto_msg *m)
{
	u32 plen;
	int ret;

	if (!h || !m || (!payload && h->payload_len))
		return -MSCHED_PROTO_EINVAL;
	ret = check_header(h->version, h->type, h->payload_len);
	if (ret)
		return ret;
	plen = h->payload_len;
	if (len < plen)
		return -MSCHED_PROTO_EAGAIN;

	msched_memset(m, 0, sizeof(*m));
	m->type = h->type;
	m->seq = h->seq;
	switch (h->type) {
	case MSCHED_BALLOON_MSG_HELLO:
		if (plen != MSCHED_BALLOON_HELLO_LEN)
			return -MSCHED_PROTO_ELEN;
		m->hello.proto_version = get_le16(payload);
		m->hello.flags = get_le16(payload + 2);
		m->hello.page_size = get_le32(payload + 4);
		m->hello.guest_pages = get_le64(payload + 8);
		memcpy(m->hello.vm_id, payload + 16, MSCHED_BALLOON_VM_ID_LEN);
		return check_hello(&m->hello);
	case MSCHED_BALLOON_MSG_SET_TARGET:
		if (plen != MSCHED_BALLOON_SET_TARGET_LEN)
			return -MSCHED_PROTO_ELEN;
		m->target_pages = get_le64(payload);
		return 0;
	case MSCHED_BALLOON_MSG_INFLATED:
	case MSCHED_BALLOON_MSG_DEFLATED:
		return decode_gfns(payload, plen, &m->gfns);
	case MSCHED_BALLOON_MSG_STATS:
	case MSCHED_BALLOON_MSG_CLASSES:
		return decode_kvs(h->type, payload, plen, &m->kvs);
	case MSCHED_BALLOON_MSG_STATS_REQUEST:
		return plen ? -MSCHED_PROTO_ELEN : 0;
	case MSCHED_BALLOON_MSG_ACK:
		if (plen != MSCHED_BALLOON_ACK_LEN)
			return -MSCHED_PROTO_ELEN;
		m->ack.seq = get_le32(payload);
		m->ack.status = (int)get_le32(payload + 4);
		return 0;
	}
	return -MSCHED_PROTO_ETYPE;
}

/**
 * msched_proto_gfn() - read one gfn of a decoded INFLATED/DEFLATED message.
 * @m: message from msched_proto_decode()
 * @i: index, 0..@m->gfns.nr - 1
 *
 * Context: any.
 * Return: the gfn, or MSCHED_U64_MAX (never a valid gfn) if @m is not an
 * INFLATED/DEFLATED message or @i is out of range.
 */
u64 msched_proto_gfn(const struct msched_proto_msg *m, u32 i)
{
	if (!m || !type_is_gfns(m->type) || !m->gfns.raw || i >= m->gfns.nr)
		return MSCHED_U64_MAX;
	return get_le64(m->gfns.raw + (size_t)i * 8);
}

/**
 * msched_proto_kv() - read one pair of a decoded STATS/CLASSES message.
 * @m: message from msched_proto_decode()
 * @i: index, 0..@m->kvs.nr - 1, in wire order (unknown tags included)
 * @kv: filled in on success
 *
 * Context: any.
 * Return: true on success, false if @m is not a STATS/CLASSES message or
 * @i is out of range.
 */
bool msched_proto_kv(const struct msched_proto_msg *m, u32 i,
		     struct msched_proto_kv *kv)
{
	const u8 *e;

	if (!m || !kv || !type_is_kvs(m->type) || !m->kvs.raw || i >= m->kvs.nr)
		return false;
	e = m->kvs.raw + (size_t)i * MSCHED_BALLOON_KV_SIZE;
	kv->tag = get_le16(e);
	kv->value = get_le64(e + 2);
	return true;
}

static void sift_down(u64 *a, u32 root, u32 n)
{
	for (;;) {
		u32 child = 2 * root + 1;
		u64 t;

		if (child >= n)
			return;
		if (child + 1 < n && a[child + 1] > a[child])
			child++;
		if (a[root] >= a[child])
			return;
		t = a[root];
		a[root] = a[child];
		a[child] = t;
		root = child;
	}
}

/* In-place heapsort: O(n log n), no recursion, no extra memory. */
static void heapsort_u64(u64 *a, u32 n)
{
	u32 i;
	u64 t;

	if (n < 2)
		return;
	for (i = n / 2; i-- > 0;)
		sift_down(a, i, n);
	for (i = n - 1; i > 0; i--) {
		t = a[0];
		a[0] = a[i];
		a[i] = t;
		sift_down(a, 0, i);
	}
}

/**
 * msched_proto_check_gfns() - validate the gfns of INFLATED/DEFLATED.
 * @m: decoded INFLATED or DEFLATED message
 * @guest_pages: guest size from its HELLO; every gfn must be below it
 * @scratch: caller memory for at least @m->gfns.nr u64s (8 KiB suffices
 *	     for any message); overwritten with the sorted gfns
 * @scratch_nr: capacity of @scratch in u64s
 *
 * Range is checked first, so a message with both an out-of-range and a
 * repeated gfn reports the range error.
 *
 * Context: any; O(nr log nr), no allocation.
 * Return: 0 if all gfns are below @guest_pages and distinct;
 * -MSCHED_PROTO_EGFNRANGE or -MSCHED_PROTO_EGFNDUP otherwise;
 * -MSCHED_PROTO_EINVAL if @m is not INFLATED/DEFLATED or @scratch is
 * missing or too small.
 */
int msched_proto_check_gfns(const struct msched_proto_msg *m, u64 guest_pages,
			    u64 *scratch, u32 scratch_nr)
{
	u32 i, nr;

	if (!m || !type_is_gfns(m->type) || !m->gfns.raw || !scratch)
		return -MSCHED_PROTO_EINVAL;
	nr = m->gfns.nr;
	if (nr > scratch_nr || nr > MSCHED_BALLOON_MAX_GFNS)
		return -MSCHED_PROTO_EINVAL;
	for (i = 0; i < nr; i++) {
		scratch[i] = msched_proto_gfn(m, i);
		if (scratch[i] >= guest_pages)
			return -MSCHED_PROTO_EGFNRANGE;
	}
	heapsort_u64(scratch, nr);
	for (i = 1; i < nr; i++)
		if (scratch[i] == scratch[i - 1])
			return -MSCHED_PROTO_EGFNDUP;
	return 0;
}

/* Checks capacity and writes the header; returns total length or error. */
static int put_header(u8 *buf, size_t cap, u16 type, u32 plen, u32 seq)
{
	if (!buf)
		return -MSCHED_PROTO_EINVAL;
	if (cap < HDR_LEN + (size_t)plen)
		return -MSCHED_PROTO_ENOSPC;
	put_le32(buf + MSCHED_BALLOON_OFF_MAGIC, MSCHED_BALLOON_MAGIC);
	put_le16(buf + MSCHED_BALLOON_OFF_VERSION, MSCHED_BALLOON_VERSION);
	put_le16(buf + MSCHED_BALLOON_OFF_TYPE, type);
	put_le32(buf + MSCHED_BALLOON_OFF_LEN, plen);
	put_le32(buf + MSCHED_BALLOON_OFF_SEQ, seq);
	return (int)(HDR_LEN + plen);
}

/**
 * msched_proto_encode_hello() - encode a HELLO message.
 * @buf: output buffer
 * @cap: capacity of @buf in bytes
 * @seq: sequence number for the header
 * @hello: contents; must pass the same checks as the decoder applies
 *
 * Context: any.
 * Return: number of bytes written (header included); -MSCHED_PROTO_ENOSPC
 * if @cap is too small; the decoder's error code for invalid contents;
 * -MSCHED_PROTO_EINVAL for NULL pointers.
 */
int msched_proto_encode_hello(u8 *buf, size_t cap, u32 seq,
			      const struct msched_proto_hello *hello)
{
	u8 *p = buf + HDR_LEN;
	int ret;

	if (!hello)
		return -MSCHED_PROTO_EINVAL;
	ret = check_hello(hello);
	if (ret)
		return ret;
	ret = put_header(buf, cap, MSCHED_BALLOON_MSG_HELLO,
			 MSCHED_BALLOON_HELLO_LEN, seq);
	if (ret < 0)
		return ret;
	put_le16(p, hello->proto_version);
	put_le16(p + 2, hello->flags);
	put_le32(p + 4, hello->page_size);
	put_le64(p + 8, hello->guest_pages);
	memcpy(p + 16, hello->vm_id, MSCHED_BALLOON_VM_ID_LEN);
	return ret;
}

/**
 * msched_proto_encode_set_target() - encode a SET_TARGET message.
 * @buf: output buffer
 * @cap: capacity of @buf in bytes
 * @seq: sequence number for the header
 * @target_pages: balloon target in guest pages
 *
 * Context: any.
 * Return: number of bytes written; -MSCHED_PROTO_ENOSPC if @cap is too
 * small; -MSCHED_PROTO_EINVAL if @buf is NULL.
 */
int msched_proto_encode_set_target(u8 *buf, size_t cap, u32 seq,
				   u64 target_pages)
{
	int ret = put_header(buf, cap, MSCHED_BALLOON_MSG_SET_TARGET,
			     MSCHED_BALLOON_SET_TARGET_LEN, seq);

	if (ret < 0)
		return ret;
	put_le64(buf + HDR_LEN, target_pages);
	return ret;
}

/**
 * msched_proto_encode_gfns() - encode an INFLATED or DEFLATED message.
 * @buf: output buffer
 * @cap: capacity of @buf in bytes
 * @seq: sequence number for the header
 * @type: MSCHED_BALLOON_MSG_INFLATED or MSCHED_BALLOON_MSG_DEFLATED
 * @gfns: the guest frame numbers
 * @nr: number of gfns, 1..MSCHED_BALLOON_MAX_GFNS
 *
 * Range and uniqueness of the gfns are the sender's responsibility; the
 * receiver checks them with msched_proto_check_gfns().
 *
 * Context: any.
 * Return: number of bytes written; -MSCHED_PROTO_ENR if @nr is out of
 * range; -MSCHED_PROTO_ENOSPC if @cap is too small; -MSCHED_PROTO_EINVAL
 * for a wrong @type or NULL pointers.
 */
int msched_proto_encode_gfns(u8 *buf, size_t cap, u32 seq, u16 type,
			     const u64 *gfns, u32 nr)
{
	u32 i;
	int ret;

	if (!type_is_gfns(type) || !gfns)
		return -MSCHED_PROTO_EINVAL;
	if (!nr || nr > MSCHED_BALLOON_MAX_GFNS)
		return -MSCHED_PROTO_ENR;
	ret = put_header(buf, cap, type, MSCHED_BALLOON_GFNS_LEN(nr), seq);
	if (ret < 0)
		return ret;
	put_le32(buf + HDR_LEN, nr);
	for (i = 0; i < nr; i++)
		put_le64(buf + HDR_LEN + 4 + (size_t)i * 8, gfns[i]);
	return ret;
}

/**
 * msched_proto_encode_kvs() - encode a STATS or CLASSES message.
 * @buf: output buffer
 * @cap: capacity of @buf in bytes
 * @seq: sequence number for the header
 * @type: MSCHED_BALLOON_MSG_STATS or MSCHED_BALLOON_MSG_CLASSES
 * @kv: the (tag, value) pairs, written in this order; tags must be unique
 * @nr: number of pairs, 0..MSCHED_BALLOON_MAX_KV
 *
 * Context: any.
 * Return: number of bytes written; -MSCHED_PROTO_ENR if @nr is too large;
 * -MSCHED_PROTO_ETAGDUP for a repeated tag; -MSCHED_PROTO_ENOSPC if @cap
 * is too small; -MSCHED_PROTO_EINVAL for a wrong @type or NULL pointers.
 */
int msched_proto_encode_kvs(u8 *buf, size_t cap, u32 seq, u16 type,
			    const struct msched_proto_kv *kv, u32 nr)
{
	u8 *e;
	u32 i, j;
	int ret;

	if (!type_is_kvs(type) || (!kv && nr))
		return -MSCHED_PROTO_EINVAL;
	if (nr > MSCHED_BALLOON_MAX_KV)
		return -MSCHED_PROTO_ENR;
	for (i = 0; i < nr; i++)
		for (j = 0; j < i; j++)
			if (kv[i].tag == kv[j].tag)
				return -MSCHED_PROTO_ETAGDUP;
	ret = put_header(buf, cap, type, MSCHED_BALLOON_KV_LEN(nr), seq);
	if (ret < 0)
		return ret;
	put_le16(buf + HDR_LEN, (u16)nr);
	for (i = 0; i < nr; i++) {
		e = buf + HDR_LEN + 2 + (size_t)i * MSCHED_BALLOON_KV_SIZE;
		put_le16(e, kv[i].tag);
		put_le64(e + 2, kv[i].value);
	}
	return ret;
}

/**
 * msched_proto_encode_stats_request() - encode a STATS_REQUEST message.
 * @buf: output buffer
 * @cap: capacity of @buf in bytes
 * @seq: sequence number for the header
 *
 * Context: any.
 * Return: number of bytes written; -MSCHED_PROTO_ENOSPC if @cap is too
 * small; -MSCHED_PROTO_EINVAL if @buf is NULL.
 */
int msched_proto_encode_stats_request(u8 *buf, size_t cap, u32 seq)
{
	return put_header(buf, cap, MSCHED_BALLOON_MSG_STATS_REQUEST, 0, seq);
}

/**
 * msched_proto_encode_ack() - encode an ACK message.
 * @buf: output buffer
 * @cap: capacity of @buf in bytes
 * @seq: sequence number for the header
 * @acked_seq: sequence number of the message being acknowledged
 * @status: 0 for accepted, or the negative MSCHED_PROTO_E* rejection code
 *
 * Context: any.
 * Return: number of bytes written; -MSCHED_PROTO_ENOSPC if @cap is too
 * small; -MSCHED_PROTO_EINVAL if @buf is NULL.
 */
int msched_proto_encode_ack(u8 *buf, size_t cap, u32 seq, u32 acked_seq,
			    int status)
{
	int ret = put_header(buf, cap, MSCHED_BALLOON_MSG_ACK,
			     MSCHED_BALLOON_ACK_LEN, seq);

	if (ret < 0)
		return ret;
	put_le32(buf + HDR_LEN, acked_seq);
	put_le32(buf + HDR_LEN + 4, (u32)status);
	return ret;
}

/**
 * msched_proto_encode() - re-encode a decoded message.
 * @buf: output buffer
 * @cap: capacity of @buf in bytes
 * @m: message from msched_proto_decode(); gfn and tag/value arrays are
 *     read from the payload buffer it points into (which must not overlap
 *     @buf)
 *
 * Context: any.
 * Return: number of bytes written, or the error of the type's encoder.
 */
int msched_proto_encode(u8 *buf, size_t cap, const struct msched_proto_msg *m)
{
	struct msched_proto_kv kv;
	u32 i, nr, plen;
	u8 *e;
	int ret;

	if (!m)
		return -MSCHED_PROTO_EINVAL;
	switch (m->type) {
	case MSCHED_BALLOON_MSG_HELLO:
		return msched_proto_encode_hello(buf, cap, m->seq, &m->hello);
	case MSCHED_BALLOON_MSG_SET_TARGET:
		return msched_proto_encode_set_target(buf, cap, m->seq,
						      m->target_pages);
	case MSCHED_BALLOON_MSG_INFLATED:
	case MSCHED_BALLOON_MSG_DEFLATED:
		nr = m->gfns.nr;
		if (!m->gfns.raw)
			return -MSCHED_PROTO_EINVAL;
		if (!nr || nr > MSCHED_BALLOON_MAX_GFNS)
			return -MSCHED_PROTO_ENR;
		ret = put_header(buf, cap, m->type,
				 MSCHED_BALLOON_GFNS_LEN(nr), m->seq);
		if (ret < 0)
			return ret;
		put_le32(buf + HDR_LEN, nr);
		for (i = 0; i < nr; i++)
			put_le64(buf + HDR_LEN + 4 + (size_t)i * 8,
				 msched_proto_gfn(m, i));
		return ret;
	case MSCHED_BALLOON_MSG_STATS:
	case MSCHED_BALLOON_MSG_CLASSES:
		nr = m->kvs.nr;
		if (!m->kvs.raw && nr)
			return -MSCHED_PROTO_EINVAL;
		if (nr > MSCHED_BALLOON_MAX_KV)
			return -MSCHED_PROTO_ENR;
		plen = MSCHED_BALLOON_KV_LEN(nr);
		/* Tags were checked unique when @m was decoded. */
		ret = put_header(buf, cap, m->type, plen, m->seq);
		if (ret < 0)
			return ret;
		put_le16(buf + HDR_LEN, (u16)nr);
		for (i = 0; i < nr && msched_proto_kv(m, i, &kv); i++) {
			e = buf + HDR_LEN + 2 + (size_t)i * MSCHED_BALLOON_KV_SIZE;
			put_le16(e, kv.tag);
			put_le64(e + 2, kv.value);
		}
		return ret;
	case MSCHED_BALLOON_MSG_STATS_REQUEST:
		return msched_proto_encode_stats_request(buf, cap, m->seq);
	case MSCHED_BALLOON_MSG_ACK:
		return msched_proto_encode_ack(buf, cap, m->seq, m->ack.seq,
					       m->ack.status);
	}
	return -MSCHED_PROTO_EINVAL;
}

static const char * const msched_proto_errstr[] = {
	[MSCHED_PROTO_EAGAIN - MSCHED_PROTO_EBASE] = "truncated message",
	[MSCHED_PROTO_EINVAL - MSCHED_PROTO_EBASE] = "invalid argument",
	[MSCHED_PROTO_ENOSPC - MSCHED_PROTO_EBASE] = "output buffer too small",
	[MSCHED_PROTO_EMAGIC - MSCHED_PROTO_EBASE] = "bad magic",
	[MSCHED_PROTO_EVERSION - MSCHED_PROTO_EBASE] = "unsupported protocol version",
	[MSCHED_PROTO_ETYPE - MSCHED_PROTO_EBASE] = "unknown message type",
	[MSCHED_PROTO_ETOOBIG - MSCHED_PROTO_EBASE] = "payload too large",
	[MSCHED_PROTO_ELEN - MSCHED_PROTO_EBASE] = "wrong payload length for message type",
	[MSCHED_PROTO_ENR - MSCHED_PROTO_EBASE] = "element count out of range",
	[MSCHED_PROTO_ENRLEN - MSCHED_PROTO_EBASE] = "payload length does not match element count",
	[MSCHED_PROTO_EHELLOVER - MSCHED_PROTO_EBASE] = "HELLO proto_version is 0",
	[MSCHED_PROTO_EPAGESIZE - MSCHED_PROTO_EBASE] = "HELLO page_size invalid",
	[MSCHED_PROTO_EPAGES - MSCHED_PROTO_EBASE] = "HELLO guest_pages is 0",
	[MSCHED_PROTO_ETAGDUP - MSCHED_PROTO_EBASE] = "duplicate tag",
	[MSCHED_PROTO_EGFNRANGE - MSCHED_PROTO_EBASE] = "gfn beyond guest memory",
	[MSCHED_PROTO_EGFNDUP - MSCHED_PROTO_EBASE] = "duplicate gfn",
	[MSCHED_PROTO_ESTATE - MSCHED_PROTO_EBASE] = "message not allowed in this state",
	[MSCHED_PROTO_ENOTRAM - MSCHED_PROTO_EBASE] = "gfn is not guest RAM",
	[MSCHED_PROTO_EBALLOONED - MSCHED_PROTO_EBASE] = "gfn already in the balloon",
	[MSCHED_PROTO_ENOTBALLOONED - MSCHED_PROTO_EBASE] = "gfn not in the balloon",
};

/**
 * msched_proto_strerror() - describe a protocol error code.
 * @err: a MSCHED_PROTO_E* code, negated or not, or 0
 *
 * Context: any.
 * Return: a static string; "ok" for 0, "unknown error" for anything that
 * is not a protocol error code.
 */
const char *msched_proto_strerror(int err)
{
	if (!err)
		return "ok";
	if (err < 0 && err >= -MSCHED_PROTO_ELAST)
		err = -err;
	if (err < MSCHED_PROTO_EBASE || err > MSCHED_PROTO_ELAST)
		return "unknown error";
	return msched_proto_errstr[err - MSCHED_PROTO_EBASE];
}
