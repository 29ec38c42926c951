// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_proto.c - libFuzzer target for the balloon wire protocol decoder.
 *
 * For arbitrary bytes: decode the header, then the payload (copied into a
 * heap buffer of exactly payload_len bytes so ASan flags any read past it),
 * read every element through the accessors, check the gfns, and for every
 * accepted message re-encode it and require the same bytes and an identical
 * re-decoded message.
 *
 * Built with -DFUZZ_PROTO_GEN_CORPUS instead, main() writes a seed corpus of
 * valid messages into the directory given as argument.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msched_proto.h"

#define HDR	MSCHED_BALLOON_HDR_LEN

#ifndef FUZZ_PROTO_GEN_CORPUS

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: check failed: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	CHECK(p);
	return p;
}

static void same_msg(const struct msched_proto_msg *a,
		     const struct msched_proto_msg *b)
{
	struct msched_proto_kv ka, kb;
	u32 i;

	CHECK(a->type == b->type && a->seq == b->seq);
	switch (a->type) {
	case MSCHED_BALLOON_MSG_HELLO:
		CHECK(!memcmp(&a->hello, &b->hello, sizeof(a->hello)));
		break;
	case MSCHED_BALLOON_MSG_SET_TARGET:
		CHECK(a->target_pages == b->target_pages);
		break;
	case MSCHED_BALLOON_MSG_INFLATED:
	case MSCHED_BALLOON_MSG_DEFLATED:
		CHECK(a->gfns.nr == b->gfns.nr);
		for (i = 0; i < a->gfns.nr; i++)
			CHECK(msched_proto_gfn(a, i) == msched_proto_gfn(b, i));
		break;
	case MSCHED_BALLOON_MSG_STATS:
	case MSCHED_BALLOON_MSG_CLASSES:
		CHECK(a->kvs.nr == b->kvs.nr);
		CHECK(a->kvs.nr_unknown == b->kvs.nr_unknown);
		CHECK(a->kvs.present == b->kvs.present);
		CHECK(!memcmp(a->kvs.val, b->kvs.val, sizeof(a->kvs.val)));
		for (i = 0; i < a->kvs.nr; i++) {
			CHECK(msched_proto_kv(a, i, &ka));
			CHECK(msched_proto_kv(b, i, &kb));
			CHECK(ka.tag == kb.tag && ka.value == kb.value);
		}
		break;
	case MSCHED_BALLOON_MSG_STATS_REQUEST:
		break;
	case MSCHED_BALLOON_MSG_ACK:
		CHECK(a->ack.seq == b->ack.seq && a->ack.status == b->ack.status);
		break;
	default:
		CHECK(0);
	}
}

static void check_elements(const struct msched_proto_msg *m)
{
	struct msched_proto_kv kv;
	u32 i, j, nr_unknown = 0, present = 0, known;
	u64 *scratch, maxg = 0, g;
	bool dup = false;
	int ret;

	if (m->type == MSCHED_BALLOON_MSG_INFLATED ||
	    m->type == MSCHED_BALLOON_MSG_DEFLATED) {
		CHECK(m->gfns.nr >= 1 && m->gfns.nr <= MSCHED_BALLOON_MAX_GFNS);
		CHECK(msched_proto_gfn(m, m->gfns.nr) == MSCHED_U64_MAX);
		for (i = 0; i < m->gfns.nr; i++) {
			g = msched_proto_gfn(m, i);
			if (g > maxg)
				maxg = g;
			for (j = 0; j < i; j++)
				dup |= msched_proto_gfn(m, j) == g;
		}
		/* Exactly sized, so an overflow of the scratch is caught. */
		scratch = xmalloc(m->gfns.nr * sizeof(u64));
		CHECK(msched_proto_check_gfns(m, MSCHED_U64_MAX, scratch,
					      m->gfns.nr - 1) ==
		      -MSCHED_PROTO_EINVAL);
		ret = msched_proto_check_gfns(m, MSCHED_U64_MAX, scratch,
					      m->gfns.nr);
		if (maxg == MSCHED_U64_MAX)
			CHECK(ret == -MSCHED_PROTO_EGFNRANGE);
		else
			CHECK(ret == (dup ? -MSCHED_PROTO_EGFNDUP : 0));
		/* Sorted ascending after a successful check. */
		if (!ret)
			for (i = 1; i < m->gfns.nr; i++)
				CHECK(scratch[i - 1] < scratch[i]);
		/* The largest gfn is out of range for guest_pages == maxg. */
		CHECK(msched_proto_check_gfns(m, maxg, scratch, m->gfns.nr) ==
		      -MSCHED_PROTO_EGFNRANGE);
		free(scratch);
	} else if (m->type == MSCHED_BALLOON_MSG_STATS ||
		   m->type == MSCHED_BALLOON_MSG_CLASSES) {
		known = msched_proto_known_tags(m->type);
		CHECK(m->kvs.nr <= MSCHED_BALLOON_MAX_KV);
		CHECK(!msched_proto_kv(m, m->kvs.nr, &kv));
		for (i = 0; i < m->kvs.nr; i++) {
			CHECK(msched_proto_kv(m, i, &kv));
			if (kv.tag < known) {
				present |= 1U << kv.tag;
				CHECK(m->kvs.val[kv.tag] == kv.value);
			} else {
				nr_unknown++;
			}
		}
		CHECK(present == m->kvs.present);
		CHECK(nr_unknown == m->kvs.nr_unknown);
	} else {
		CHECK(msched_proto_gfn(m, 0) == MSCHED_U64_MAX);
		CHECK(!msched_proto_kv(m, 0, &kv));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msched_proto_hdr h, h2;
	struct msched_proto_msg m, m2;
	u8 *payload, *out;
	size_t total;
	int ret;

	ret = msched_proto_decode_header(data, size, &h);
	if (size < HDR)
		CHECK(ret == -MSCHED_PROTO_EAGAIN || ret == -MSCHED_PROTO_EMAGIC);
	else
		CHECK(ret != -MSCHED_PROTO_EAGAIN);
	if (ret) {
		CHECK(msched_proto_strerror(ret) &&
		      strcmp(msched_proto_strerror(ret), "unknown error"));
		return 0;
	}
	CHECK(h.payload_len <= MSCHED_BALLOON_MAX_PAYLOAD);

	ret = msched_proto_decode(&h, data + HDR, size - HDR, &m);
	if (ret == -MSCHED_PROTO_EAGAIN) {
		CHECK(size - HDR < h.payload_len);
		return 0;
	}
	if (size - HDR < h.payload_len)
		return 0;
	/* Decode again from an exactly sized copy: ASan catches over-reads. */
	payload = xmalloc(h.payload_len);
	memcpy(payload, data + HDR, h.payload_len);
	CHECK(msched_proto_decode(&h, payload, h.payload_len, &m) == ret);
	CHECK(strcmp(msched_proto_strerror(ret), "unknown error"));
	if (ret) {
		free(payload);
		return 0;
	}
	check_elements(&m);

	/* Round trip: the encoding is canonical, so bytes must match. */
	total = HDR + h.payload_len;
	out = xmalloc(total);
	CHECK(msched_proto_encode(out, total - 1, &m) == -MSCHED_PROTO_ENOSPC);
	CHECK(msched_proto_encode(out, total, &m) == (int)total);
	CHECK(!memcmp(out, data, total));
	CHECK(msched_proto_decode_header(out, total, &h2) == 0);
	CHECK(!memcmp(&h, &h2, sizeof(h)));
	CHECK(msched_proto_decode(&h2, out + HDR, h2.payload_len, &m2) == 0);
	same_msg(&m, &m2);
	free(out);
	free(payload);
	return 0;
}

#else /* FUZZ_PROTO_GEN_CORPUS */

static void emit(const char *dir, const char *name, const u8 *buf, int len)
{
	char path[4096];
	FILE *f;

	if (len <= 0) {
		fprintf(stderr, "encoding %s failed: %d\n", name, len);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, (size_t)len, f) != (size_t)len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	static const u64 gfns[] = { 7, 0, 0x12345, 3, 0xfffff };
	static const struct msched_proto_kv stats[] = {
		{ MSCHED_BALLOON_STAT_FREE, 1ULL << 30 },
		{ MSCHED_BALLOON_STAT_TOTAL, 4ULL << 30 },
		{ 200, 42 },	/* unknown tag, skipped */
		{ MSCHED_BALLOON_STAT_MAJOR_FAULTS, 12345 },
	};
	static const struct msched_proto_kv classes[] = {
		{ MSCHED_BALLOON_CLASS_ANON_ACTIVE, 100 << 20 },
		{ MSCHED_BALLOON_CLASS_FILE_INACTIVE, 300 << 20 },
		{ MSCHED_BALLOON_CLASS_SLAB, 20 << 20 },
	};
	struct msched_proto_hello hello = {
		.proto_version = 1, .flags = MSCHED_BALLOON_HELLO_F_CLASSES,
		.page_size = 4096, .guest_pages = 1 << 20,
		.vm_id = "0123456789abcdef",
	};
	u8 buf[MSCHED_BALLOON_MAX_MSG_LEN];
	const char *d;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	d = argv[1];
	emit(d, "hello", buf, msched_proto_encode_hello(buf, sizeof(buf), 1, &hello));
	emit(d, "set_target", buf,
	     msched_proto_encode_set_target(buf, sizeof(buf), 2, 1000));
	emit(d, "inflated", buf,
	     msched_proto_encode_gfns(buf, sizeof(buf), 3,
				      MSCHED_BALLOON_MSG_INFLATED, gfns, 5));
	emit(d, "deflated", buf,
	     msched_proto_encode_gfns(buf, sizeof(buf), 4,
				      MSCHED_BALLOON_MSG_DEFLATED, gfns, 1));
	emit(d, "stats", buf,
	     msched_proto_encode_kvs(buf, sizeof(buf), 5, MSCHED_BALLOON_MSG_STATS,
				     stats, 4));
	emit(d, "classes", buf,
	     msched_proto_encode_kvs(buf, sizeof(buf), 6,
				     MSCHED_BALLOON_MSG_CLASSES, classes, 3));
	emit(d, "stats_request", buf,
	     msched_proto_encode_stats_request(buf, sizeof(buf), 7));
	emit(d, "ack", buf, msched_proto_encode_ack(buf, sizeof(buf), 8, 3,
						   -MSCHED_PROTO_EGFNDUP));
	return 0;
}

#endif /* FUZZ_PROTO_GEN_CORPUS */
