// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_proto.c - balloon wire protocol: round trips, golden encodings and
 * every rejection path of msched_proto_*().
 */
#include "test_util.h"
#include "msched_proto.h"

#define HDR	MSCHED_BALLOON_HDR_LEN

static u8 buf[MSCHED_BALLOON_MAX_MSG_LEN + 64];

/* Decode header + payload of a complete message in @b. */
static int decode_all(const u8 *b, size_t len, struct msched_proto_msg *m)
{
	struct msched_proto_hdr h;
	int ret;

	ret = msched_proto_decode_header(b, len, &h);
	if (ret)
		return ret;
	return msched_proto_decode(&h, b + HDR, len - HDR, m);
}

static void put32(u8 *p, u32 v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static void put64(u8 *p, u64 v)
{
	put32(p, (u32)v);
	put32(p + 4, (u32)(v >> 32));
}

static const struct msched_proto_hello golden_hello = {
	.proto_version = 1,
	.flags = 0x0001,
	.page_size = 4096,
	.guest_pages = 0x0000000100000002ULL,
	.vm_id = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
		   0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff },
};

static const u8 golden_hello_bytes[] = {
	0x4d, 0x53, 0x42, 0x4c,		/* magic "MSBL" */
	0x01, 0x00,			/* version 1 */
	0x01, 0x00,			/* type HELLO */
	0x20, 0x00, 0x00, 0x00,		/* payload_len 32 */
	0x78, 0x56, 0x34, 0x12,		/* seq 0x12345678 */
	0x01, 0x00,			/* proto_version 1 */
	0x01, 0x00,			/* flags */
	0x00, 0x10, 0x00, 0x00,		/* page_size 4096 */
	0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, /* guest_pages */
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, /* vm_id */
};

static const u64 golden_gfns[] = { 0x10, 0x0102030405060708ULL };

static const u8 golden_inflated_bytes[] = {
	0x4d, 0x53, 0x42, 0x4c,
	0x01, 0x00,
	0x03, 0x00,			/* type INFLATED */
	0x14, 0x00, 0x00, 0x00,		/* payload_len 4 + 2 * 8 = 20 */
	0x02, 0x00, 0x00, 0x00,		/* seq 2 */
	0x02, 0x00, 0x00, 0x00,		/* nr 2 */
	0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
};

static void test_golden(void **state)
{
	int n;

	(void)state;
	n = msched_proto_encode_hello(buf, sizeof(buf), 0x12345678, &golden_hello);
	assert_int_equal(n, sizeof(golden_hello_bytes));
	assert_memory_equal(buf, golden_hello_bytes, sizeof(golden_hello_bytes));

	n = msched_proto_encode_gfns(buf, sizeof(buf), 2,
				     MSCHED_BALLOON_MSG_INFLATED, golden_gfns, 2);
	assert_int_equal(n, sizeof(golden_inflated_bytes));
	assert_memory_equal(buf, golden_inflated_bytes,
			    sizeof(golden_inflated_bytes));
}

static void test_roundtrip_hello(void **state)
{
	struct msched_proto_msg m;
	struct msched_proto_hdr h;
	int n;

	(void)state;
	n = msched_proto_encode_hello(buf, sizeof(buf), 77, &golden_hello);
	assert_int_equal(n, HDR + MSCHED_BALLOON_HELLO_LEN);
	assert_int_equal(msched_proto_decode_header(buf, n, &h), 0);
	assert_int_equal(h.version, MSCHED_BALLOON_VERSION);
	assert_int_equal(h.type, MSCHED_BALLOON_MSG_HELLO);
	assert_int_equal(h.payload_len, MSCHED_BALLOON_HELLO_LEN);
	assert_int_equal(h.seq, 77);
	assert_int_equal(msched_proto_decode(&h, buf + HDR, n - HDR, &m), 0);
	assert_int_equal(m.type, MSCHED_BALLOON_MSG_HELLO);
	assert_int_equal(m.seq, 77);
	assert_int_equal(m.hello.proto_version, 1);
	assert_int_equal(m.hello.flags, 1);
	assert_int_equal(m.hello.page_size, 4096);
	assert_true(m.hello.guest_pages == 0x0000000100000002ULL);
	assert_memory_equal(m.hello.vm_id, golden_hello.vm_id, 16);
	/* Accessors of other types refuse. */
	assert_true(msched_proto_gfn(&m, 0) == MSCHED_U64_MAX);
}

static void test_roundtrip_set_target(void **state)
{
	struct msched_proto_msg m;
	int n;

	(void)state;
	n = msched_proto_encode_set_target(buf, sizeof(buf), 5,
					   0xfedcba9876543210ULL);
	assert_int_equal(n, HDR + 8);
	assert_int_equal(decode_all(buf, n, &m), 0);
	assert_int_equal(m.type, MSCHED_BALLOON_MSG_SET_TARGET);
	assert_int_equal(m.seq, 5);
	assert_true(m.target_pages == 0xfedcba9876543210ULL);
}

static void roundtrip_gfns(u16 type)
{
	static u64 gfns[MSCHED_BALLOON_MAX_GFNS], scratch[MSCHED_BALLOON_MAX_GFNS];
	struct msched_proto_msg m;
	struct trng r;
	u32 i, nr;
	int n;

	trng_seed(&r, type);
	for (nr = 1; nr <= MSCHED_BALLOON_MAX_GFNS; nr += (nr < 4 ? 1 : 333)) {
		/* Distinct: a random permutation-ish stride over 2^40. */
		for (i = 0; i < nr; i++)
			gfns[i] = (trng_next(&r) & ~0x3ffULL) % (1ULL << 40) + i;
		n = msched_proto_encode_gfns(buf, sizeof(buf), nr, type, gfns, nr);
		assert_int_equal(n, HDR + 4 + 8 * nr);
		assert_int_equal(decode_all(buf, n, &m), 0);
		assert_int_equal(m.type, type);
		assert_int_equal(m.seq, nr);
		assert_int_equal(m.gfns.nr, nr);
		/* Not copied: points into the payload. */
		assert_ptr_equal(m.gfns.raw, buf + HDR + 4);
		for (i = 0; i < nr; i++)
			assert_true(msched_proto_gfn(&m, i) == gfns[i]);
		assert_true(msched_proto_gfn(&m, nr) == MSCHED_U64_MAX);
		assert_int_equal(msched_proto_check_gfns(&m, 1ULL << 40, scratch,
							 nr), 0);
		for (i = 1; i < nr; i++)
			assert_true(scratch[i - 1] < scratch[i]);
	}
}

static void test_roundtrip_inflated(void **state)
{
	(void)state;
	roundtrip_gfns(MSCHED_BALLOON_MSG_INFLATED);
}

static void test_roundtrip_deflated(void **state)
{
	(void)state;
	roundtrip_gfns(MSCHED_BALLOON_MSG_DEFLATED);
}

static void test_roundtrip_stats(void **state)
{
	struct msched_proto_kv kv[MSCHED_BALLOON_STAT_NR + 2], got;
	struct msched_proto_msg m;
	u32 i, nr = 0;
	int n;

	(void)state;
	for (i = 0; i < MSCHED_BALLOON_STAT_NR; i++) {
		kv[nr].tag = MSCHED_BALLOON_STAT_NR - 1 - i;
		kv[nr++].value = 0x1000000000ULL * (i + 1) + i;
	}
	kv[nr].tag = 0xffff;		/* unknown tags: skipped */
	kv[nr++].value = 1;
	kv[nr].tag = MSCHED_BALLOON_STAT_NR;
	kv[nr++].value = 2;
	n = msched_proto_encode_kvs(buf, sizeof(buf), 9,
				    MSCHED_BALLOON_MSG_STATS, kv, nr);
	assert_int_equal(n, HDR + 2 + 10 * nr);
	assert_int_equal(decode_all(buf, n, &m), 0);
	assert_int_equal(m.type, MSCHED_BALLOON_MSG_STATS);
	assert_int_equal(m.seq, 9);
	assert_int_equal(m.kvs.nr, nr);
	assert_int_equal(m.kvs.nr_unknown, 2);
	assert_int_equal(m.kvs.present, (1U << MSCHED_BALLOON_STAT_NR) - 1);
	for (i = 0; i < MSCHED_BALLOON_STAT_NR; i++)
		assert_true(m.kvs.val[kv[i].tag] == kv[i].value);
	assert_true(m.kvs.val[MSCHED_BALLOON_STAT_OOM_KILLS] ==
		    0x1000000000ULL * 2 + 1);
	for (i = 0; i < nr; i++) {
		assert_true(msched_proto_kv(&m, i, &got));
		assert_int_equal(got.tag, kv[i].tag);
		assert_true(got.value == kv[i].value);
	}
	assert_false(msched_proto_kv(&m, nr, &got));

	/* Empty list is valid. */
	n = msched_proto_encode_kvs(buf, sizeof(buf), 10,
				    MSCHED_BALLOON_MSG_STATS, NULL, 0);
	assert_int_equal(n, HDR + 2);
	assert_int_equal(decode_all(buf, n, &m), 0);
	assert_int_equal(m.kvs.nr, 0);
	assert_int_equal(m.kvs.present, 0);
}

static void test_roundtrip_classes(void **state)
{
	struct msched_proto_kv kv[MSCHED_BALLOON_CLASS_NR + 1], got;
	struct msched_proto_msg m;
	u32 i;
	int n;

	(void)state;
	for (i = 0; i < MSCHED_BALLOON_CLASS_NR; i++) {
		kv[i].tag = i;
		kv[i].value = (u64)(i + 1) << 32 | (i * 7);
	}
	/* STATS-only tag numbers beyond CLASS_NR are unknown here. */
	kv[i].tag = MSCHED_BALLOON_STAT_ALLOC_STALLS;
	kv[i].value = 99;
	n = msched_proto_encode_kvs(buf, sizeof(buf), 11,
				    MSCHED_BALLOON_MSG_CLASSES, kv, i + 1);
	assert_int_equal(n, HDR + 2 + 10 * (MSCHED_BALLOON_CLASS_NR + 1));
	assert_int_equal(decode_all(buf, n, &m), 0);
	assert_int_equal(m.type, MSCHED_BALLOON_MSG_CLASSES);
	assert_int_equal(m.seq, 11);
	assert_int_equal(m.kvs.nr, MSCHED_BALLOON_CLASS_NR + 1);
	assert_int_equal(m.kvs.nr_unknown, 1);
	assert_int_equal(m.kvs.present, (1U << MSCHED_BALLOON_CLASS_NR) - 1);
	for (i = 0; i < MSCHED_BALLOON_CLASS_NR; i++)
		assert_true(m.kvs.val[i] == kv[i].value);
	assert_true(m.kvs.val[MSCHED_BALLOON_CLASS_NR] == 0);
	for (i = 0; i <= MSCHED_BALLOON_CLASS_NR; i++) {
		assert_true(msched_proto_kv(&m, i, &got));
		assert_int_equal(got.tag, kv[i].tag);
		assert_true(got.value == kv[i].value);
	}
}

static void test_roundtrip_stats_request_ack(void **state)
{
	struct msched_proto_msg m;
	int n;

	(void)state;
	n = msched_proto_encode_stats_request(buf, sizeof(buf), 12);
	assert_int_equal(n, HDR);
	assert_int_equal(decode_all(buf, n, &m), 0);
	assert_int_equal(m.type, MSCHED_BALLOON_MSG_STATS_REQUEST);
	assert_int_equal(m.seq, 12);

	n = msched_proto_encode_ack(buf, sizeof(buf), 13, 0xdeadbeef,
				    -MSCHED_PROTO_EGFNDUP);
	assert_int_equal(n, HDR + 8);
	assert_int_equal(decode_all(buf, n, &m), 0);
	assert_int_equal(m.type, MSCHED_BALLOON_MSG_ACK);
	assert_int_equal(m.seq, 13);
	assert_int_equal(m.ack.seq, 0xdeadbeef);
	assert_int_equal(m.ack.status, -MSCHED_PROTO_EGFNDUP);

	n = msched_proto_encode_ack(buf, sizeof(buf), 14, 1, 0);
	assert_int_equal(decode_all(buf, n, &m), 0);
	assert_int_equal(m.ack.status, 0);
}

/* msched_proto_encode() of a decoded message reproduces the input bytes. */
static void test_reencode(void **state)
{
	static u8 out[sizeof(buf)];
	struct msched_proto_kv kv[2] = { { 3, 4 }, { 1000, 5 } };
	struct msched_proto_msg m;
	int n, i;

	(void)state;
	for (i = 0; i < 8; i++) {
		switch (i) {
		case 0:
			n = msched_proto_encode_hello(buf, sizeof(buf), 1, &golden_hello);
			break;
		case 1:
			n = msched_proto_encode_set_target(buf, sizeof(buf), 2, 3);
			break;
		case 2:
		case 3:
			n = msched_proto_encode_gfns(buf, sizeof(buf), 3,
						     i == 2 ? MSCHED_BALLOON_MSG_INFLATED :
						     MSCHED_BALLOON_MSG_DEFLATED,
						     golden_gfns, 2);
			break;
		case 4:
		case 5:
			n = msched_proto_encode_kvs(buf, sizeof(buf), 4,
						    i == 4 ? MSCHED_BALLOON_MSG_STATS :
						    MSCHED_BALLOON_MSG_CLASSES, kv, 2);
			break;
		case 6:
			n = msched_proto_encode_stats_request(buf, sizeof(buf), 5);
			break;
		default:
			n = msched_proto_encode_ack(buf, sizeof(buf), 6, 7, -1);
			break;
		}
		assert_true(n >= HDR);
		assert_int_equal(decode_all(buf, n, &m), 0);
		assert_int_equal(msched_proto_encode(out, n - 1, &m),
				 -MSCHED_PROTO_ENOSPC);
		assert_int_equal(msched_proto_encode(out, sizeof(out), &m), n);
		assert_memory_equal(out, buf, n);
	}
}

/* A hand-written little-endian buffer decodes the same on any host. */
static void test_endianness(void **state)
{
	static const u8 msg[] = {
		'M', 'S', 'B', 'L', 1, 0, 4, 0,		/* DEFLATED */
		12, 0, 0, 0, 0xef, 0xbe, 0xad, 0xde,	/* len 12, seq */
		1, 0, 0, 0,				/* nr 1 */
		0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
	};
	static const u8 ack[] = {
		'M', 'S', 'B', 'L', 1, 0, 8, 0,
		8, 0, 0, 0, 0, 0, 0, 0x80,
		0x01, 0x02, 0x03, 0x04,
		0xfe, 0xff, 0xff, 0xff,			/* -2 */
	};
	struct msched_proto_msg m;
	struct msched_proto_hdr h;
	u8 *unaligned = buf + 1;

	(void)state;
	assert_int_equal(msched_proto_decode_header(msg, sizeof(msg), &h), 0);
	assert_int_equal(h.type, MSCHED_BALLOON_MSG_DEFLATED);
	assert_int_equal(h.payload_len, 12);
	assert_int_equal(h.seq, 0xdeadbeef);
	/* Odd address: decoding must not depend on alignment. */
	memcpy(unaligned, msg, sizeof(msg));
	assert_int_equal(decode_all(unaligned, sizeof(msg), &m), 0);
	assert_int_equal(m.gfns.nr, 1);
	assert_true(msched_proto_gfn(&m, 0) == 0x1122334455667788ULL);

	assert_int_equal(decode_all(ack, sizeof(ack), &m), 0);
	assert_int_equal(m.seq, 0x80000000U);
	assert_int_equal(m.ack.seq, 0x04030201);
	assert_int_equal(m.ack.status, -2);
}

static void test_reject_header(void **state)
{
	struct msched_proto_hdr h;
	size_t i;

	(void)state;
	memcpy(buf, golden_hello_bytes, sizeof(golden_hello_bytes));
	/* Truncated header: every prefix needs more bytes. */
	for (i = 0; i < HDR; i++)
		assert_int_equal(msched_proto_decode_header(buf, i, &h),
				 -MSCHED_PROTO_EAGAIN);
	assert_int_equal(msched_proto_decode_header(buf, HDR, &h), 0);

	/* Bad magic, also detected from a partial header. */
	buf[2] ^= 0x20;
	assert_int_equal(msched_proto_decode_header(buf, HDR, &h),
			 -MSCHED_PROTO_EMAGIC);
	assert_int_equal(msched_proto_decode_header(buf, 3, &h),
			 -MSCHED_PROTO_EMAGIC);
	assert_int_equal(msched_proto_decode_header(buf, 2, &h),
			 -MSCHED_PROTO_EAGAIN);
	buf[2] ^= 0x20;

	/* Byte-swapped magic (big-endian sender) is rejected. */
	buf[0] = 0x4c; buf[1] = 0x42; buf[2] = 0x53; buf[3] = 0x4d;
	assert_int_equal(msched_proto_decode_header(buf, HDR, &h),
			 -MSCHED_PROTO_EMAGIC);
	memcpy(buf, golden_hello_bytes, HDR);

	buf[4] = 2;
	assert_int_equal(msched_proto_decode_header(buf, HDR, &h),
			 -MSCHED_PROTO_EVERSION);
	buf[4] = 0;
	assert_int_equal(msched_proto_decode_header(buf, HDR, &h),
			 -MSCHED_PROTO_EVERSION);
	buf[4] = 1;
	buf[5] = 1;		/* version 0x101 */
	assert_int_equal(msched_proto_decode_header(buf, HDR, &h),
			 -MSCHED_PROTO_EVERSION);
	buf[5] = 0;

	buf[6] = 0;
	assert_int_equal(msched_proto_decode_header(buf, HDR, &h),
			 -MSCHED_PROTO_ETYPE);
	buf[6] = MSCHED_BALLOON_MSG_MAX + 1;
	assert_int_equal(msched_proto_decode_header(buf, HDR, &h),
			 -MSCHED_PROTO_ETYPE);
	buf[6] = 1;
	buf[7] = 1;		/* type 0x101 */
	assert_int_equal(msched_proto_decode_header(buf, HDR, &h),
			 -MSCHED_PROTO_ETYPE);
	buf[7] = 0;

	put32(buf + 8, MSCHED_BALLOON_MAX_PAYLOAD);
	assert_int_equal(msched_proto_decode_header(buf, HDR, &h), 0);
	put32(buf + 8, MSCHED_BALLOON_MAX_PAYLOAD + 1);
	assert_int_equal(msched_proto_decode_header(buf, HDR, &h),
			 -MSCHED_PROTO_ETOOBIG);
	put32(buf + 8, 0xffffffff);
	assert_int_equal(msched_proto_decode_header(buf, HDR, &h),
			 -MSCHED_PROTO_ETOOBIG);

	assert_int_equal(msched_proto_decode_header(NULL, 0, &h),
			 -MSCHED_PROTO_EAGAIN);
	assert_int_equal(msched_proto_decode_header(buf, HDR, NULL),
			 -MSCHED_PROTO_EINVAL);
}

static void test_reject_truncated_payload(void **state)
{
	struct msched_proto_msg m;
	struct msched_proto_hdr h;
	size_t i;

	(void)state;
	memcpy(buf, golden_hello_bytes, sizeof(golden_hello_bytes));
	assert_int_equal(msched_proto_decode_header(buf, HDR, &h), 0);
	for (i = 0; i < h.payload_len; i++)
		assert_int_equal(msched_proto_decode(&h, buf + HDR, i, &m),
				 -MSCHED_PROTO_EAGAIN);
	assert_int_equal(msched_proto_decode(&h, buf + HDR, i, &m), 0);
	/* Extra bytes after the payload belong to the next message. */
	assert_int_equal(msched_proto_decode(&h, buf + HDR, i + 5, &m), 0);
	/* A forged header is re-validated. */
	h.payload_len = MSCHED_BALLOON_MAX_PAYLOAD + 1;
	assert_int_equal(msched_proto_decode(&h, buf + HDR, sizeof(buf) - HDR, &m),
			 -MSCHED_PROTO_ETOOBIG);
}

/* Build an INFLATED message with a given nr field and payload length. */
static size_t raw_gfns(u32 nr, u32 plen)
{
	u32 i;

	memcpy(buf, golden_inflated_bytes, HDR);
	put32(buf + 8, plen);
	put32(buf + HDR, nr);
	for (i = 0; 4 + 8 * i + 8 <= plen; i++)
		put64(buf + HDR + 4 + 8 * i, i);
	return HDR + plen;
}

static void test_reject_gfns(void **state)
{
	static u64 scratch[MSCHED_BALLOON_MAX_GFNS];
	struct msched_proto_msg m;
	size_t n;

	(void)state;
	n = raw_gfns(0, 4);
	assert_int_equal(decode_all(buf, n, &m), -MSCHED_PROTO_ENR);
	n = raw_gfns(1001, 4 + 8 * 1001);
	assert_int_equal(decode_all(buf, n, &m), -MSCHED_PROTO_ENR);
	n = raw_gfns(1000, 4 + 8 * 1000);
	assert_int_equal(decode_all(buf, n, &m), 0);
	/* Length mismatch by one byte either way. */
	n = raw_gfns(3, 4 + 8 * 3 - 1);
	assert_int_equal(decode_all(buf, n, &m), -MSCHED_PROTO_ENRLEN);
	n = raw_gfns(3, 4 + 8 * 3 + 1);
	assert_int_equal(decode_all(buf, n, &m), -MSCHED_PROTO_ENRLEN);
	/* Shorter than the count field. */
	n = raw_gfns(1, 3);
	assert_int_equal(decode_all(buf, n, &m), -MSCHED_PROTO_ELEN);
	n = raw_gfns(1, 0);
	assert_int_equal(decode_all(buf, n, &m), -MSCHED_PROTO_ELEN);

	/* gfns 0, 1, 2 */
	n = raw_gfns(3, 4 + 8 * 3);
	assert_int_equal(decode_all(buf, n, &m), 0);
	assert_int_equal(msched_proto_check_gfns(&m, 3, scratch, 3), 0);
	assert_int_equal(msched_proto_check_gfns(&m, 2, scratch, 3),
			 -MSCHED_PROTO_EGFNRANGE);
	assert_int_equal(msched_proto_check_gfns(&m, 0, scratch, 3),
			 -MSCHED_PROTO_EGFNRANGE);
	/* Scratch too small or missing. */
	assert_int_equal(msched_proto_check_gfns(&m, 3, scratch, 2),
			 -MSCHED_PROTO_EINVAL);
	assert_int_equal(msched_proto_check_gfns(&m, 3, NULL, 3),
			 -MSCHED_PROTO_EINVAL);
	/* Duplicate, not adjacent in the message: gfns 0, 1, 0. */
	put64(buf + HDR + 4 + 16, 0);
	assert_int_equal(decode_all(buf, n, &m), 0);
	assert_int_equal(msched_proto_check_gfns(&m, 3, scratch, 3),
			 -MSCHED_PROTO_EGFNDUP);
	/* Out of range wins over duplicate. */
	put64(buf + HDR + 4 + 8, MSCHED_U64_MAX);
	assert_int_equal(msched_proto_check_gfns(&m, 3, scratch, 3),
			 -MSCHED_PROTO_EGFNRANGE);
	/* Wrong message type. */
	msched_proto_encode_set_target(buf, sizeof(buf), 1, 1);
	assert_int_equal(decode_all(buf, HDR + 8, &m), 0);
	assert_int_equal(msched_proto_check_gfns(&m, 3, scratch, 3),
			 -MSCHED_PROTO_EINVAL);

	/* Encoder refuses counts the decoder would reject. */
	assert_int_equal(msched_proto_encode_gfns(buf, sizeof(buf), 1,
						  MSCHED_BALLOON_MSG_INFLATED,
						  scratch, 0), -MSCHED_PROTO_ENR);
	assert_int_equal(msched_proto_encode_gfns(buf, sizeof(buf), 1,
						  MSCHED_BALLOON_MSG_DEFLATED,
						  scratch, 1001), -MSCHED_PROTO_ENR);
	assert_int_equal(msched_proto_encode_gfns(buf, sizeof(buf), 1,
						  MSCHED_BALLOON_MSG_STATS,
						  scratch, 1), -MSCHED_PROTO_EINVAL);
}

/* Large random duplicate search exercises the heapsort. */
static void test_gfn_dup_random(void **state)
{
	static u64 gfns[MSCHED_BALLOON_MAX_GFNS], scratch[MSCHED_BALLOON_MAX_GFNS];
	struct msched_proto_msg m;
	struct trng r;
	u32 i, round, a, b;
	int n;

	(void)state;
	trng_seed(&r, 4242);
	for (round = 0; round < 200; round++) {
		u32 nr = 2 + trng_below(&r, MSCHED_BALLOON_MAX_GFNS - 1);

		for (i = 0; i < nr; i++)
			gfns[i] = (u64)i * 1000003 % 1000033;	/* distinct */
		n = msched_proto_encode_gfns(buf, sizeof(buf), round,
					     MSCHED_BALLOON_MSG_INFLATED, gfns, nr);
		assert_int_equal(decode_all(buf, n, &m), 0);
		assert_int_equal(msched_proto_check_gfns(&m, 1000033, scratch, nr), 0);
		a = trng_below(&r, nr);
		b = trng_below(&r, nr - 1);
		if (b >= a)
			b++;
		gfns[b] = gfns[a];
		n = msched_proto_encode_gfns(buf, sizeof(buf), round,
					     MSCHED_BALLOON_MSG_INFLATED, gfns, nr);
		assert_int_equal(decode_all(buf, n, &m), 0);
		assert_int_equal(msched_proto_check_gfns(&m, 1000033, scratch, nr),
				 -MSCHED_PROTO_EGFNDUP);
	}
}

static size_t raw_kvs(u16 type, u16 nr, u32 plen)
{
	u32 i;

	memcpy(buf, golden_inflated_bytes, HDR);
	buf[6] = type;
	put32(buf + 8, plen);
	buf[HDR] = nr;
	buf[HDR + 1] = nr >> 8;
	for (i = 0; 2 + 10 * i + 10 <= plen; i++) {
		buf[HDR + 2 + 10 * i] = i;
		buf[HDR + 3 + 10 * i] = 0;
		put64(buf + HDR + 4 + 10 * i, 100 + i);
	}
	return HDR + plen;
}

static void test_reject_kvs(void **state)
{
	struct msched_proto_kv kv[2] = { { 1, 1 }, { 1, 2 } };
	struct msched_proto_msg m;
	u16 types[] = { MSCHED_BALLOON_MSG_STATS, MSCHED_BALLOON_MSG_CLASSES };
	size_t n;
	u32 t;

	(void)state;
	for (t = 0; t < 2; t++) {
		n = raw_kvs(types[t], 3, 2 + 30);
		assert_int_equal(decode_all(buf, n, &m), 0);
		assert_int_equal(m.kvs.present, 7);
		assert_true(m.kvs.val[2] == 102);
		/* Duplicate tag, also far apart. */
		buf[HDR + 2 + 20] = 0;
		assert_int_equal(decode_all(buf, n, &m), -MSCHED_PROTO_ETAGDUP);
		/* Duplicate unknown tag is still a duplicate. */
		n = raw_kvs(types[t], 2, 2 + 20);
		buf[HDR + 2] = 0x34; buf[HDR + 3] = 0x12;
		buf[HDR + 12] = 0x34; buf[HDR + 13] = 0x12;
		assert_int_equal(decode_all(buf, n, &m), -MSCHED_PROTO_ETAGDUP);
		/* Odd lengths: off by one, not a multiple of 10. */
		n = raw_kvs(types[t], 3, 2 + 30 - 1);
		assert_int_equal(decode_all(buf, n, &m), -MSCHED_PROTO_ENRLEN);
		n = raw_kvs(types[t], 3, 2 + 30 + 1);
		assert_int_equal(decode_all(buf, n, &m), -MSCHED_PROTO_ENRLEN);
		n = raw_kvs(types[t], 0, 7);
		assert_int_equal(decode_all(buf, n, &m), -MSCHED_PROTO_ENRLEN);
		n = raw_kvs(types[t], 0, 1);
		assert_int_equal(decode_all(buf, n, &m), -MSCHED_PROTO_ELEN);
		n = raw_kvs(types[t], MSCHED_BALLOON_MAX_KV + 1,
			    MSCHED_BALLOON_KV_LEN(MSCHED_BALLOON_MAX_KV + 1));
		assert_int_equal(decode_all(buf, n, &m), -MSCHED_PROTO_ENR);
		n = raw_kvs(types[t], MSCHED_BALLOON_MAX_KV,
			    MSCHED_BALLOON_KV_LEN(MSCHED_BALLOON_MAX_KV));
		assert_int_equal(decode_all(buf, n, &m), 0);
		assert_int_equal(m.kvs.nr_unknown, MSCHED_BALLOON_MAX_KV -
				 msched_proto_known_tags(types[t]));
		/* Encoder refuses duplicates. */
		assert_int_equal(msched_proto_encode_kvs(buf, sizeof(buf), 1,
							 types[t], kv, 2),
				 -MSCHED_PROTO_ETAGDUP);
	}
	assert_int_equal(msched_proto_encode_kvs(buf, sizeof(buf), 1,
						 MSCHED_BALLOON_MSG_ACK, kv, 1),
			 -MSCHED_PROTO_EINVAL);
	assert_int_equal(msched_proto_encode_kvs(buf, sizeof(buf), 1,
						 MSCHED_BALLOON_MSG_STATS, kv,
						 MSCHED_BALLOON_MAX_KV + 1),
			 -MSCHED_PROTO_ENR);
}

/* Fixed-size messages with a payload one byte off, and bad HELLO fields. */
static void test_reject_fixed(void **state)
{
	static const struct {
		u16 type;
		u32 len;
	} fixed[] = {
		{ MSCHED_BALLOON_MSG_HELLO, MSCHED_BALLOON_HELLO_LEN },
		{ MSCHED_BALLOON_MSG_SET_TARGET, MSCHED_BALLOON_SET_TARGET_LEN },
		{ MSCHED_BALLOON_MSG_STATS_REQUEST, 0 },
		{ MSCHED_BALLOON_MSG_ACK, MSCHED_BALLOON_ACK_LEN },
	};
	struct msched_proto_hello hello = golden_hello;
	struct msched_proto_msg m;
	u32 i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(fixed); i++) {
		memcpy(buf, golden_hello_bytes, sizeof(golden_hello_bytes));
		buf[6] = fixed[i].type;
		put32(buf + 8, fixed[i].len + 1);
		assert_int_equal(decode_all(buf, HDR + fixed[i].len + 1, &m),
				 -MSCHED_PROTO_ELEN);
		if (!fixed[i].len)
			continue;
		put32(buf + 8, fixed[i].len - 1);
		assert_int_equal(decode_all(buf, HDR + fixed[i].len - 1, &m),
				 -MSCHED_PROTO_ELEN);
	}

	memcpy(buf, golden_hello_bytes, sizeof(golden_hello_bytes));
	buf[HDR] = 0;				/* proto_version 0 */
	assert_int_equal(decode_all(buf, sizeof(golden_hello_bytes), &m),
			 -MSCHED_PROTO_EHELLOVER);
	memcpy(buf, golden_hello_bytes, sizeof(golden_hello_bytes));
	put32(buf + HDR + 4, 4096 + 1);		/* not a power of two */
	assert_int_equal(decode_all(buf, sizeof(golden_hello_bytes), &m),
			 -MSCHED_PROTO_EPAGESIZE);
	put32(buf + HDR + 4, 2048);		/* too small */
	assert_int_equal(decode_all(buf, sizeof(golden_hello_bytes), &m),
			 -MSCHED_PROTO_EPAGESIZE);
	put32(buf + HDR + 4, 1U << 31);		/* too large */
	assert_int_equal(decode_all(buf, sizeof(golden_hello_bytes), &m),
			 -MSCHED_PROTO_EPAGESIZE);
	put32(buf + HDR + 4, 1U << 21);		/* 2 MiB pages are fine */
	assert_int_equal(decode_all(buf, sizeof(golden_hello_bytes), &m), 0);
	put64(buf + HDR + 8, 0);
	assert_int_equal(decode_all(buf, sizeof(golden_hello_bytes), &m),
			 -MSCHED_PROTO_EPAGES);

	/* The encoder applies the same checks. */
	hello.page_size = 12345;
	assert_int_equal(msched_proto_encode_hello(buf, sizeof(buf), 1, &hello),
			 -MSCHED_PROTO_EPAGESIZE);
	hello = golden_hello;
	hello.guest_pages = 0;
	assert_int_equal(msched_proto_encode_hello(buf, sizeof(buf), 1, &hello),
			 -MSCHED_PROTO_EPAGES);
	hello = golden_hello;
	hello.proto_version = 0;
	assert_int_equal(msched_proto_encode_hello(buf, sizeof(buf), 1, &hello),
			 -MSCHED_PROTO_EHELLOVER);
}

static void test_encode_capacity(void **state)
{
	(void)state;
	assert_int_equal(msched_proto_encode_hello(buf, HDR + 31, 1, &golden_hello),
			 -MSCHED_PROTO_ENOSPC);
	assert_int_equal(msched_proto_encode_hello(buf, HDR + 32, 1, &golden_hello),
			 HDR + 32);
	assert_int_equal(msched_proto_encode_stats_request(buf, HDR - 1, 1),
			 -MSCHED_PROTO_ENOSPC);
	assert_int_equal(msched_proto_encode_set_target(buf, HDR + 7, 1, 1),
			 -MSCHED_PROTO_ENOSPC);
	assert_int_equal(msched_proto_encode_ack(buf, HDR + 7, 1, 1, 0),
			 -MSCHED_PROTO_ENOSPC);
	assert_int_equal(msched_proto_encode_gfns(buf, HDR + 4 + 15, 1,
						  MSCHED_BALLOON_MSG_INFLATED,
						  golden_gfns, 2),
			 -MSCHED_PROTO_ENOSPC);
	assert_int_equal(msched_proto_encode_kvs(buf, HDR + 1, 1,
						 MSCHED_BALLOON_MSG_STATS, NULL, 0),
			 -MSCHED_PROTO_ENOSPC);
	assert_int_equal(msched_proto_encode_set_target(NULL, 100, 1, 1),
			 -MSCHED_PROTO_EINVAL);
	assert_int_equal(msched_proto_encode_hello(buf, sizeof(buf), 1, NULL),
			 -MSCHED_PROTO_EINVAL);
}

static void test_strerror(void **state)
{
	int e, f;

	(void)state;
	assert_string_equal(msched_proto_strerror(0), "ok");
	assert_string_equal(msched_proto_strerror(-1), "unknown error");
	assert_string_equal(msched_proto_strerror(-MSCHED_PROTO_ELAST - 1),
			    "unknown error");
	assert_string_equal(msched_proto_strerror(-MSCHED_PROTO_EBASE + 1),
			    "unknown error");
	assert_string_equal(msched_proto_strerror(-MSCHED_PROTO_EGFNDUP),
			    "duplicate gfn");
	/* Every code has its own message. */
	for (e = MSCHED_PROTO_EBASE; e <= MSCHED_PROTO_ELAST; e++) {
		assert_non_null(msched_proto_strerror(-e));
		assert_string_not_equal(msched_proto_strerror(-e), "unknown error");
		assert_string_equal(msched_proto_strerror(-e),
				    msched_proto_strerror(e));
		for (f = MSCHED_PROTO_EBASE; f < e; f++)
			assert_string_not_equal(msched_proto_strerror(-e),
						msched_proto_strerror(-f));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_roundtrip_hello),
		cmocka_unit_test(test_roundtrip_set_target),
		cmocka_unit_test(test_roundtrip_inflated),
		cmocka_unit_test(test_roundtrip_deflated),
		cmocka_unit_test(test_roundtrip_stats),
		cmocka_unit_test(test_roundtrip_classes),
		cmocka_unit_test(test_roundtrip_stats_request_ack),
		cmocka_unit_test(test_reencode),
		cmocka_unit_test(test_endianness),
		cmocka_unit_test(test_reject_header),
		cmocka_unit_test(test_reject_truncated_payload),
		cmocka_unit_test(test_reject_gfns),
		cmocka_unit_test(test_gfn_dup_random),
		cmocka_unit_test(test_reject_kvs),
		cmocka_unit_test(test_reject_fixed),
		cmocka_unit_test(test_encode_capacity),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}
