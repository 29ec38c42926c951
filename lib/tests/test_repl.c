// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_repl.c - unit tests of the rdma_failover wire codec (msched_repl.c):
 * round trips of every type, the golden byte layout, and every malformed
 * case rejected with its own code.
 */
#include "test_util.h"
#include "msched_repl.h"

#define BUFSZ	RFO_WIRE_MAX_MSG_LEN

static const struct msched_repl_chunk chunks3[] = {
	{ .addr = 0x1000, .rkey = 0x11, .nr_slots = 512 },
	{ .addr = 0x201000, .rkey = 0x22, .nr_slots = 500 },
	{ .addr = 0x400000, .rkey = 0x33, .nr_slots = 12 },
};

static void mk(struct msched_repl_msg *m, u16 type)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	switch (type) {
	case RFO_WIRE_MSG_HELLO:
		m->u.hello.page_size = RFO_WIRE_PAGE_SIZE;
		m->u.hello.nr_pages = 4096;
		m->u.hello.committed_epoch = 7;
		m->u.hello.generation = 0x1122334455667788ULL;
		break;
	case RFO_WIRE_MSG_REJECT:
		m->u.reject.reason = RFO_WIRE_REJ_NR_PAGES;
		m->u.reject.page_size = RFO_WIRE_PAGE_SIZE;
		m->u.reject.nr_pages = 2048;
		break;
	case RFO_WIRE_MSG_REGIONS:
		m->seq = 0;
		m->u.regions.nr_slots = 1024;
		m->u.regions.nr_chunks = 3;
		m->u.regions.applied_epoch = 7;
		m->u.regions.generation = 9;
		m->u.regions.list_addr = 0xabc000;
		m->u.regions.list_rkey = 0x44;
		m->u.regions.resync = 1;
		m->u.regions.chunks = chunks3;
		break;
	case RFO_WIRE_MSG_BATCH:
		m->seq = 3;
		m->u.batch.epoch = 8;
		m->u.batch.batch_seq = 2;
		m->u.batch.count = 1024;
		break;
	case RFO_WIRE_MSG_BATCH_ACK:
		m->seq = 3;
		m->u.batch.epoch = 8;
		m->u.batch.batch_seq = 2;
		break;
	case RFO_WIRE_MSG_COMMIT:
		m->seq = 4;
		m->u.commit.epoch = 8;
		m->u.commit.nr_pages = 3000;
		m->u.commit.cut_ns = 1234567890123ULL;
		m->u.commit.nr_batches = 3;
		m->u.commit.flags = RFO_WIRE_COMMIT_F_FULL;
		break;
	case RFO_WIRE_MSG_COMMIT_ACK:
		m->seq = 4;
		m->u.commit_ack.epoch = 8;
		m->u.commit_ack.apply_us = 99;
		break;
	case RFO_WIRE_MSG_HEARTBEAT:
	case RFO_WIRE_MSG_HEARTBEAT_ACK:
		m->seq = 5;
		m->u.heartbeat.epoch = 8;
		m->u.heartbeat.time_ns = 42;
		break;
	case RFO_WIRE_MSG_PULL_LIST:
		m->u.pull_list.nr_slots = 1024;
		m->u.pull_list.nr_chunks = 3;
		m->u.pull_list.epoch = 12;
		m->u.pull_list.nr_dirty = 3000;
		m->u.pull_list.list_addr = 0xdef000;
		m->u.pull_list.list_rkey = 0x55;
		m->u.pull_list.list_bytes = 1024;
		m->u.pull_list.chunks = chunks3;
		break;
	case RFO_WIRE_MSG_WINDOW:
		m->seq = 1;
		m->u.window.window = 2;
		m->u.window.count = 1000;
		break;
	case RFO_WIRE_MSG_WINDOW_ACK:
		m->seq = 2;
		m->u.window.window = 2;
		break;
	case RFO_WIRE_MSG_PULL_DONE:
		m->seq = 4;
		m->u.pull_done.nr_pages = 3000;
		m->u.pull_done.nr_windows = 3;
		m->u.pull_done.flags = RFO_WIRE_PULL_F_CHANGED;
		break;
	}
}

static int enc(u8 *buf, u16 type)
{
	struct msched_repl_msg m;

	mk(&m, type);
	return msched_repl_encode(buf, BUFSZ, &m);
}

static void put32(u8 *p, u32 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
	p[2] = (u8)(v >> 16);
	p[3] = (u8)(v >> 24);
}

static void put64(u8 *p, u64 v)
{
	put32(p, (u32)v);
	put32(p + 4, (u32)(v >> 32));
}

static void test_sizes(void **state __attribute__((unused)))
{
	assert_int_equal(sizeof(struct rfo_wire_hdr), RFO_WIRE_HDR_LEN);
	assert_int_equal(sizeof(struct rfo_wire_hello), RFO_WIRE_HELLO_LEN);
	assert_int_equal(sizeof(struct rfo_wire_reject), RFO_WIRE_REJECT_LEN);
	assert_int_equal(sizeof(struct rfo_wire_regions),
			 RFO_WIRE_REGIONS_FIXED_LEN);
	assert_int_equal(sizeof(struct rfo_wire_chunk), 16);
	assert_int_equal(sizeof(struct rfo_wire_batch), RFO_WIRE_BATCH_LEN);
	assert_int_equal(sizeof(struct rfo_wire_batch_ack),
			 RFO_WIRE_BATCH_ACK_LEN);
	assert_int_equal(sizeof(struct rfo_wire_commit), RFO_WIRE_COMMIT_LEN);
	assert_int_equal(sizeof(struct rfo_wire_commit_ack),
			 RFO_WIRE_COMMIT_ACK_LEN);
	assert_int_equal(sizeof(struct rfo_wire_heartbeat),
			 RFO_WIRE_HEARTBEAT_LEN);
	assert_int_equal(sizeof(struct rfo_wire_pull_list),
			 RFO_WIRE_PULL_LIST_FIXED_LEN);
	assert_int_equal(sizeof(struct rfo_wire_window), RFO_WIRE_WINDOW_LEN);
	assert_int_equal(sizeof(struct rfo_wire_pull_done),
			 RFO_WIRE_PULL_DONE_LEN);
	assert_true(RFO_WIRE_HELLO_LEN <= RFO_WIRE_MAX_CM_PRIVATE);
	assert_true(RFO_WIRE_REGIONS_LEN(RFO_WIRE_MAX_CHUNKS) <=
		    RFO_WIRE_MAX_MSG_LEN);
}

static void test_golden(void **state __attribute__((unused)))
{
	static const u8 want[] = {
		'M', 'S', 'R', 'F', 1, 0, RFO_WIRE_MSG_BATCH, 0,
		32, 0, 0, 0, 3, 0, 0, 0,
		8, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 4, 0, 0,
	};
	u8 buf[BUFSZ];

	assert_int_equal(enc(buf, RFO_WIRE_MSG_BATCH), 32);
	assert_memory_equal(buf, want, sizeof(want));
}

static void test_roundtrip(void **state __attribute__((unused)))
{
	u16 t;

	for (t = 1; t <= RFO_WIRE_MSG_MAX; t++) {
		struct msched_repl_msg a, b;
		u8 buf[BUFSZ];
		int len;

		mk(&a, t);
		memset(&b, 0, sizeof(b));
		len = msched_repl_encode(buf, BUFSZ, &a);
		assert_true(len >= RFO_WIRE_HDR_LEN);
		assert_int_equal(msched_repl_decode(buf, (u32)len, &b), len);
		assert_int_equal(b.type, t);
		assert_int_equal(b.seq, a.seq);
		assert_int_equal(b.length, (u32)len);
		if (t == RFO_WIRE_MSG_REGIONS) {
			struct msched_repl_chunk c;
			u64 off;
			u32 k;

			assert_int_equal(b.u.regions.nr_slots, 1024);
			assert_int_equal(b.u.regions.nr_chunks, 3);
			assert_int_equal(b.u.regions.applied_epoch, 7);
			assert_int_equal(b.u.regions.generation, 9);
			assert_int_equal(b.u.regions.list_addr, 0xabc000);
			assert_int_equal(b.u.regions.list_rkey, 0x44);
			assert_int_equal(b.u.regions.resync, 1);
			for (k = 0; k < 3; k++) {
				assert_int_equal(msched_repl_regions_chunk(&b, k, &c), 0);
				assert_int_equal(c.addr, chunks3[k].addr);
				assert_int_equal(c.rkey, chunks3[k].rkey);
				assert_int_equal(c.nr_slots, chunks3[k].nr_slots);
			}
			assert_int_equal(msched_repl_regions_chunk(&b, 3, &c),
					 -MSCHED_REPL_EINVAL);
			assert_int_equal(msched_repl_slot_chunk(&b, 0, &c, &off), 0);
			assert_int_equal(c.rkey, 0x11);
			assert_int_equal(off, 0);
			assert_int_equal(msched_repl_slot_chunk(&b, 513, &c, &off), 0);
			assert_int_equal(c.rkey, 0x22);
			assert_int_equal(off, 4096);
			assert_int_equal(msched_repl_slot_chunk(&b, 1023, &c, &off), 0);
			assert_int_equal(c.rkey, 0x33);
			assert_int_equal(off, 11 * 4096);
			assert_int_equal(msched_repl_slot_chunk(&b, 1024, &c, &off),
					 -MSCHED_REPL_EINVAL);
		} else if (t == RFO_WIRE_MSG_PULL_LIST) {
			struct msched_repl_chunk c;
			u64 off;

			assert_int_equal(b.u.pull_list.nr_slots, 1024);
			assert_int_equal(b.u.pull_list.nr_chunks, 3);
			assert_int_equal(b.u.pull_list.epoch, 12);
			assert_int_equal(b.u.pull_list.nr_dirty, 3000);
			assert_int_equal(b.u.pull_list.list_addr, 0xdef000);
			assert_int_equal(b.u.pull_list.list_rkey, 0x55);
			assert_int_equal(b.u.pull_list.list_bytes, 1024);
			assert_int_equal(msched_repl_regions_chunk(&b, 2, &c), 0);
			assert_int_equal(c.addr, chunks3[2].addr);
			assert_int_equal(msched_repl_slot_chunk(&b, 1012, &c, &off), 0);
			assert_int_equal(c.rkey, 0x33);
			assert_int_equal(off, 0);
			assert_int_equal(msched_repl_slot_chunk(&b, 1024, &c, &off),
					 -MSCHED_REPL_EINVAL);
		} else {
			/* The payload round-trips field for field. */
			assert_memory_equal(&a.u, &b.u, sizeof(a.u));
		}
	}
}

/* Every header defect, on every type. */
static void test_reject_header(void **state __attribute__((unused)))
{
	u16 t;

	for (t = 1; t <= RFO_WIRE_MSG_MAX; t++) {
		struct msched_repl_msg m;
		u8 buf[BUFSZ], bad[BUFSZ];
		int len = enc(buf, t);
		u32 l;

		assert_true(len > 0);
		for (l = 0; l < (u32)len; l++)
			if (l < RFO_WIRE_HDR_LEN)
				assert_int_equal(msched_repl_decode(buf, l, &m),
						 -MSCHED_REPL_ESHORT);
			else
				assert_true(msched_repl_decode(buf, l, &m) < 0);
		memcpy(bad, buf, (size_t)len);
		bad[0] ^= 1;
		assert_int_equal(msched_repl_decode(bad, (u32)len, &m),
				 -MSCHED_REPL_EMAGIC);
		memcpy(bad, buf, (size_t)len);
		bad[4] = 2;
		assert_int_equal(msched_repl_decode(bad, (u32)len, &m),
				 -MSCHED_REPL_EVERSION);
		memcpy(bad, buf, (size_t)len);
		bad[6] = 0;
		assert_int_equal(msched_repl_decode(bad, (u32)len, &m),
				 -MSCHED_REPL_ETYPE);
		bad[6] = RFO_WIRE_MSG_MAX + 1;
		assert_int_equal(msched_repl_decode(bad, (u32)len, &m),
				 -MSCHED_REPL_ETYPE);
		bad[6] = 0;
		bad[7] = 1;
		assert_int_equal(msched_repl_decode(bad, (u32)len, &m),
				 -MSCHED_REPL_ETYPE);
		/* length larger than the maximum */
		memcpy(bad, buf, (size_t)len);
		put32(bad + 8, RFO_WIRE_MAX_MSG_LEN + 1);
		assert_int_equal(msched_repl_decode(bad, BUFSZ, &m),
				 -MSCHED_REPL_ELEN);
		/* length larger than received */
		put32(bad + 8, (u32)len + 8);
		assert_int_equal(msched_repl_decode(bad, (u32)len, &m),
				 -MSCHED_REPL_ESHORT);
		/* length smaller than the type needs, and matching received */
		put32(bad + 8, (u32)len - 8);
		assert_true(msched_repl_decode(bad, (u32)len - 8, &m) ==
			    -MSCHED_REPL_ELEN ||
			    ((t == RFO_WIRE_MSG_REGIONS ||
			      t == RFO_WIRE_MSG_PULL_LIST) &&
			     msched_repl_decode(bad, (u32)len - 8, &m) < 0));
		/* trailing bytes: length right, more received */
		memset(bad, 0, sizeof(bad));
		memcpy(bad, buf, (size_t)len);
		if (t == RFO_WIRE_MSG_HELLO || t == RFO_WIRE_MSG_REJECT) {
			/* CM private data is padded by the transport */
			assert_int_equal(msched_repl_decode(bad, (u32)len + 8, &m), len);
			/* but they carry seq 0 */
			put32(bad + 12, 1);
			assert_int_equal(msched_repl_decode(bad, (u32)len, &m),
					 -MSCHED_REPL_ESEQ);
		} else {
			assert_int_equal(msched_repl_decode(bad, (u32)len + 8, &m),
					 -MSCHED_REPL_ELEN);
			/* length and received both grown: still wrong */
			put32(bad + 8, (u32)len + 8);
			assert_int_equal(msched_repl_decode(bad, (u32)len + 8, &m),
					 -MSCHED_REPL_ELEN);
		}
	}
	assert_int_equal(msched_repl_decode(NULL, 32, NULL), -MSCHED_REPL_EINVAL);
}

static void test_reject_fields(void **state __attribute__((unused)))
{
	struct msched_repl_msg m;
	u8 buf[BUFSZ];
	int len;

	/* HELLO: flags (PULL is the only one), nr_pages 0, generation 0 */
	len = enc(buf, RFO_WIRE_MSG_HELLO);
	put32(buf + 20, RFO_WIRE_HELLO_F_PULL);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), len);
	assert_int_equal(m.u.hello.flags, RFO_WIRE_HELLO_F_PULL);
	put32(buf + 20, 2);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_ERESERVED);
	len = enc(buf, RFO_WIRE_MSG_HELLO);
	put64(buf + 24, 0);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_ENRPAGES);
	len = enc(buf, RFO_WIRE_MSG_HELLO);
	put64(buf + 40, 0);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_EGEN);

	/* REJECT: reason 0 and too big, pad */
	len = enc(buf, RFO_WIRE_MSG_REJECT);
	buf[16] = 0;
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_EREASON);
	buf[16] = RFO_WIRE_REJ_MAX + 1;
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_EREASON);
	len = enc(buf, RFO_WIRE_MSG_REJECT);
	buf[18] = 1;
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_ERESERVED);

	/* REGIONS: slots 0 / too many, resync 2, chunks bad */
	len = enc(buf, RFO_WIRE_MSG_REGIONS);
	put32(buf + 16, 0);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_ESLOTS);
	put32(buf + 16, RFO_WIRE_MAX_SLOTS + 1);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_ESLOTS);
	len = enc(buf, RFO_WIRE_MSG_REGIONS);
	put32(buf + 52, 2);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_ERESERVED);
	/* a chunk of 0 slots */
	len = enc(buf, RFO_WIRE_MSG_REGIONS);
	put32(buf + 56 + 16 * 2 + 12, 0);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_ECHUNKS);
	/* chunks that do not add up (short and long) */
	put32(buf + 56 + 16 * 2 + 12, 11);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_ECHUNKS);
	put32(buf + 56 + 16 * 2 + 12, 13);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_ECHUNKS);
	/* a chunk bigger than the staging, wrapping the sum in 32 bits */
	put32(buf + 56 + 12, 0xffffffffU);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_ECHUNKS);
	/* nr_chunks 0, and above the maximum */
	len = enc(buf, RFO_WIRE_MSG_REGIONS);
	put32(buf + 20, 0);
	put32(buf + 8, RFO_WIRE_REGIONS_LEN(0));
	assert_int_equal(msched_repl_decode(buf, RFO_WIRE_REGIONS_LEN(0), &m),
			 -MSCHED_REPL_ECHUNKS);
	put32(buf + 8, (u32)len);
	put32(buf + 20, RFO_WIRE_MAX_CHUNKS + 1);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_ECHUNKS);
	/* nr_chunks that disagrees with the length */
	len = enc(buf, RFO_WIRE_MSG_REGIONS);
	put32(buf + 20, 2);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_ELEN);
	/* more chunks than slots */
	len = enc(buf, RFO_WIRE_MSG_REGIONS);
	put32(buf + 16, 2);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_ECHUNKS);

	/* BATCH: count 0 and too big, epoch 0; BATCH_ACK count != 0 */
	len = enc(buf, RFO_WIRE_MSG_BATCH);
	put32(buf + 28, 0);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_ECOUNT);
	put32(buf + 28, RFO_WIRE_MAX_SLOTS + 1);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_ECOUNT);
	len = enc(buf, RFO_WIRE_MSG_BATCH);
	put64(buf + 16, 0);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_EEPOCH);
	len = enc(buf, RFO_WIRE_MSG_BATCH_ACK);
	put32(buf + 28, 1);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_ERESERVED);

	/* COMMIT: unknown flag, epoch 0; COMMIT_ACK epoch 0 */
	len = enc(buf, RFO_WIRE_MSG_COMMIT);
	put32(buf + 44, 2);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_ERESERVED);
	len = enc(buf, RFO_WIRE_MSG_COMMIT);
	put64(buf + 16, 0);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_EEPOCH);
	len = enc(buf, RFO_WIRE_MSG_COMMIT_ACK);
	put64(buf + 16, 0);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_EEPOCH);

	/* PULL_LIST: slots 0 / too many, list_bytes 0, chunks bad */
	len = enc(buf, RFO_WIRE_MSG_PULL_LIST);
	put32(buf + 16, 0);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_ESLOTS);
	put32(buf + 16, RFO_WIRE_MAX_SLOTS + 1);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_ESLOTS);
	len = enc(buf, RFO_WIRE_MSG_PULL_LIST);
	put32(buf + 52, 0);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_EBITMAP);
	len = enc(buf, RFO_WIRE_MSG_PULL_LIST);
	put32(buf + 56 + 16 * 2 + 12, 13);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_ECHUNKS);
	put32(buf + 56 + 12, 0xffffffffU);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_ECHUNKS);
	len = enc(buf, RFO_WIRE_MSG_PULL_LIST);
	put32(buf + 20, RFO_WIRE_MAX_CHUNKS + 1);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_ECHUNKS);

	/* WINDOW: count 0 / too big, pad; WINDOW_ACK count != 0 */
	len = enc(buf, RFO_WIRE_MSG_WINDOW);
	put32(buf + 24, 0);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_ECOUNT);
	put32(buf + 24, RFO_WIRE_MAX_SLOTS + 1);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_ECOUNT);
	len = enc(buf, RFO_WIRE_MSG_WINDOW);
	put32(buf + 28, 1);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_ERESERVED);
	len = enc(buf, RFO_WIRE_MSG_WINDOW_ACK);
	put32(buf + 24, 1);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_ERESERVED);

	/* PULL_DONE: unknown flag */
	len = enc(buf, RFO_WIRE_MSG_PULL_DONE);
	put32(buf + 28, 2);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), -MSCHED_REPL_ERESERVED);
}

/* The recovery side's checks: a lying source names no page of its own. */
static void test_pull(void **state __attribute__((unused)))
{
	struct msched_repl_msg m;
	u8 bm[8], buf[BUFSZ];
	int len;

	/* PULL_LIST against the recovery file's size */
	len = enc(buf, RFO_WIRE_MSG_PULL_LIST);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), len);
	assert_int_equal(msched_repl_check_pull_list(&m, 8192), 0);
	assert_int_equal(msched_repl_check_pull_list(&m, 8185), 0);
	assert_int_equal(msched_repl_check_pull_list(&m, 8200),
			 -MSCHED_REPL_EBITMAP);
	assert_int_equal(msched_repl_check_pull_list(&m, 4096),
			 -MSCHED_REPL_EBITMAP);
	m.u.pull_list.nr_dirty = 8193;
	assert_int_equal(msched_repl_check_pull_list(&m, 8192),
			 -MSCHED_REPL_EBITMAP);

	/* WINDOW, WINDOW_ACK, PULL_DONE against what was expected */
	len = enc(buf, RFO_WIRE_MSG_WINDOW);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), len);
	assert_int_equal(msched_repl_check_window(&m, 2, 1000), 0);
	assert_int_equal(msched_repl_check_window(&m, 3, 1000), -MSCHED_REPL_EWINDOW);
	assert_int_equal(msched_repl_check_window(&m, 2, 999), -MSCHED_REPL_EWINDOW);
	assert_int_equal(msched_repl_check_window_ack(&m, 2), -MSCHED_REPL_EWINDOW);
	len = enc(buf, RFO_WIRE_MSG_WINDOW_ACK);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), len);
	assert_int_equal(msched_repl_check_window_ack(&m, 2), 0);
	assert_int_equal(msched_repl_check_window_ack(&m, 1), -MSCHED_REPL_EWINDOW);
	len = enc(buf, RFO_WIRE_MSG_PULL_DONE);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), len);
	assert_int_equal(msched_repl_check_pull_done(&m, 3000, 3), 0);
	assert_int_equal(msched_repl_check_pull_done(&m, 2999, 3), -MSCHED_REPL_ETOTAL);
	assert_int_equal(msched_repl_check_pull_done(&m, 3000, 4), -MSCHED_REPL_ETOTAL);

	/* bitmaps */
	assert_int_equal(msched_repl_bitmap_bytes(0), 0);
	assert_int_equal(msched_repl_bitmap_bytes(1), 1);
	assert_int_equal(msched_repl_bitmap_bytes(8), 1);
	assert_int_equal(msched_repl_bitmap_bytes(9), 2);
	assert_int_equal(msched_repl_bitmap_bytes(0xffffffffULL * 8 + 1), 0);
	memset(bm, 0, sizeof(bm));
	assert_true(msched_repl_bitmap_set(bm, 0));
	assert_false(msched_repl_bitmap_set(bm, 0));
	assert_true(msched_repl_bitmap_set(bm, 9));
	assert_true(msched_repl_bitmap_set(bm, 60));
	assert_int_equal(bm[0], 1);
	assert_int_equal(bm[1], 2);
	assert_int_equal(bm[7], 0x10);
	assert_int_equal(msched_repl_bitmap_next(bm, 61, 0), 0);
	assert_int_equal(msched_repl_bitmap_next(bm, 61, 1), 9);
	assert_int_equal(msched_repl_bitmap_next(bm, 61, 10), 60);
	assert_int_equal(msched_repl_bitmap_next(bm, 61, 61), 61);
	assert_int_equal(msched_repl_bitmap_next(bm, 60, 10), 60);
	assert_int_equal(msched_repl_bitmap_check(bm, 8, 61, 3), 0);
	assert_int_equal(msched_repl_bitmap_check(bm, 8, 64, 3), 0);
	/* a count that lies, a size that differs */
	assert_int_equal(msched_repl_bitmap_check(bm, 8, 61, 2), -MSCHED_REPL_EBITMAP);
	assert_int_equal(msched_repl_bitmap_check(bm, 8, 61, 4), -MSCHED_REPL_EBITMAP);
	assert_int_equal(msched_repl_bitmap_check(bm, 7, 61, 3), -MSCHED_REPL_EBITMAP);
	assert_int_equal(msched_repl_bitmap_check(NULL, 8, 61, 3), -MSCHED_REPL_EBITMAP);
	/* a bit at or beyond the file's pages: page 60 of a 60-page file */
	assert_int_equal(msched_repl_bitmap_check(bm, 8, 60, 3), -MSCHED_REPL_EBITMAP);
	bm[7] = 0x80;
	assert_int_equal(msched_repl_bitmap_check(bm, 8, 63, 3), -MSCHED_REPL_EBITMAP);
	assert_int_equal(msched_repl_bitmap_check(bm, 8, 64, 3), 0);
}

static void test_checks(void **state __attribute__((unused)))
{
	struct msched_repl_msg m;
	u8 buf[BUFSZ], reason;
	int len;

	len = enc(buf, RFO_WIRE_MSG_HELLO);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), len);
	assert_int_equal(msched_repl_check_hello(&m, 4096, &reason), 0);
	assert_int_equal(reason, 0);
	assert_int_equal(msched_repl_check_hello(&m, 4095, &reason),
			 -MSCHED_REPL_ENRPAGES);
	assert_int_equal(reason, RFO_WIRE_REJ_NR_PAGES);
	m.u.hello.page_size = 65536;
	assert_int_equal(msched_repl_check_hello(&m, 4096, &reason),
			 -MSCHED_REPL_EPAGESIZE);
	assert_int_equal(reason, RFO_WIRE_REJ_PAGE_SIZE);

	len = enc(buf, RFO_WIRE_MSG_BATCH);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), len);
	assert_int_equal(msched_repl_check_seq(&m, 3), 0);
	assert_int_equal(msched_repl_check_seq(&m, 4), -MSCHED_REPL_ESEQ);
	assert_int_equal(msched_repl_check_batch(&m, 8, 2, 1024), 0);
	assert_int_equal(msched_repl_check_batch(&m, 9, 2, 1024), -MSCHED_REPL_EEPOCH);
	assert_int_equal(msched_repl_check_batch(&m, 8, 1, 1024), -MSCHED_REPL_EBATCHSEQ);
	assert_int_equal(msched_repl_check_batch(&m, 8, 2, 1023), -MSCHED_REPL_ECOUNT);
	assert_int_equal(msched_repl_check_batch_ack(&m, 8, 2), -MSCHED_REPL_ETYPE);
	assert_int_equal(msched_repl_check_commit(&m, 8, 0, 0), -MSCHED_REPL_ETYPE);

	len = enc(buf, RFO_WIRE_MSG_BATCH_ACK);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), len);
	assert_int_equal(msched_repl_check_batch_ack(&m, 8, 2), 0);
	assert_int_equal(msched_repl_check_batch_ack(&m, 7, 2), -MSCHED_REPL_EEPOCH);
	assert_int_equal(msched_repl_check_batch_ack(&m, 8, 3), -MSCHED_REPL_EBATCHSEQ);
	assert_int_equal(msched_repl_check_batch(&m, 8, 2, 1024), -MSCHED_REPL_ETYPE);

	len = enc(buf, RFO_WIRE_MSG_COMMIT);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), len);
	assert_int_equal(msched_repl_check_commit(&m, 8, 3000, 3), 0);
	assert_int_equal(msched_repl_check_commit(&m, 8, 2999, 3), -MSCHED_REPL_ETOTAL);
	assert_int_equal(msched_repl_check_commit(&m, 8, 3000, 4), -MSCHED_REPL_ETOTAL);
	assert_int_equal(msched_repl_check_commit(&m, 9, 3000, 3), -MSCHED_REPL_EEPOCH);

	len = enc(buf, RFO_WIRE_MSG_COMMIT_ACK);
	assert_int_equal(msched_repl_decode(buf, (u32)len, &m), len);
	assert_int_equal(msched_repl_check_commit_ack(&m, 8), 0);
	assert_int_equal(msched_repl_check_commit_ack(&m, 7), -MSCHED_REPL_EEPOCH);

	assert_false(msched_repl_need_resync(5, 7, 5, 7));
	assert_true(msched_repl_need_resync(5, 8, 5, 7));
	assert_true(msched_repl_need_resync(6, 7, 5, 7));
	assert_true(msched_repl_need_resync(0, 0, 5, 0));
	assert_true(msched_repl_need_resync(5, 0, 5, 0));
}

static void test_indices(void **state __attribute__((unused)))
{
	u8 list[8 * 8], seen[16];
	u64 idx;
	u32 i;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < 8; i++)
		msched_repl_put_index(list, i, 100 + i);
	for (i = 0; i < 8; i++) {
		assert_int_equal(msched_repl_check_index(list, i, 128, seen, &idx), 0);
		assert_int_equal(idx, 100 + i);
	}
	/* the same again in the epoch: duplicates */
	for (i = 0; i < 8; i++)
		assert_int_equal(msched_repl_check_index(list, i, 128, seen, &idx),
				 -MSCHED_REPL_EDUP);
	/* out of range, including huge values that would wrap */
	msched_repl_put_index(list, 0, 128);
	assert_int_equal(msched_repl_check_index(list, 0, 128, seen, &idx),
			 -MSCHED_REPL_EINDEX);
	msched_repl_put_index(list, 0, ~0ULL);
	assert_int_equal(msched_repl_check_index(list, 0, 128, seen, &idx),
			 -MSCHED_REPL_EINDEX);
	msched_repl_put_index(list, 0, 1ULL << 63);
	assert_int_equal(msched_repl_check_index(list, 0, 128, seen, &idx),
			 -MSCHED_REPL_EINDEX);
	/* a duplicate inside one batch */
	memset(seen, 0, sizeof(seen));
	msched_repl_put_index(list, 0, 5);
	msched_repl_put_index(list, 1, 5);
	assert_int_equal(msched_repl_check_index(list, 0, 128, seen, &idx), 0);
	assert_int_equal(msched_repl_check_index(list, 1, 128, seen, &idx),
			 -MSCHED_REPL_EDUP);
}

/* Random bytes and random single-byte corruptions never crash the decoder,
 * and whatever it accepts re-encodes to the same bytes. */
static void test_random(void **state __attribute__((unused)))
{
	struct trng r;
	int n;

	trng_seed(&r, 16);
	for (n = 0; n < 200000; n++) {
		struct msched_repl_msg m, m2;
		u8 buf[BUFSZ], out[BUFSZ];
		u16 t = (u16)(1 + trng_below(&r, RFO_WIRE_MSG_MAX));
		int len = enc(buf, t), got;
		u32 k, flips = (u32)(1 + trng_below(&r, 3));

		for (k = 0; k < flips; k++)
			buf[trng_below(&r, (u64)len)] = (u8)trng_next(&r);
		got = msched_repl_decode(buf, (u32)len, &m);
		if (got < 0) {
			assert_true(-got >= MSCHED_REPL_EBASE &&
				    -got <= MSCHED_REPL_ELAST);
			continue;
		}
		if (m.type == RFO_WIRE_MSG_REGIONS) {
			struct msched_repl_chunk c[RFO_WIRE_MAX_CHUNKS];

			for (k = 0; k < m.u.regions.nr_chunks; k++)
				assert_int_equal(msched_repl_regions_chunk(&m, k, &c[k]), 0);
			m.u.regions.chunks = c;
			assert_int_equal(msched_repl_encode(out, BUFSZ, &m), got);
		} else if (m.type == RFO_WIRE_MSG_PULL_LIST) {
			struct msched_repl_chunk c[RFO_WIRE_MAX_CHUNKS];

			for (k = 0; k < m.u.pull_list.nr_chunks; k++)
				assert_int_equal(msched_repl_regions_chunk(&m, k, &c[k]), 0);
			m.u.pull_list.chunks = c;
			assert_int_equal(msched_repl_encode(out, BUFSZ, &m), got);
		} else {
			assert_int_equal(msched_repl_encode(out, BUFSZ, &m), got);
		}
		assert_memory_equal(out, buf, (size_t)got);
		assert_int_equal(msched_repl_decode(out, (u32)got, &m2), got);
	}
}

static void test_encode_refuses(void **state __attribute__((unused)))
{
	struct msched_repl_msg m;
	u8 buf[BUFSZ];

	mk(&m, RFO_WIRE_MSG_BATCH);
	assert_int_equal(msched_repl_encode(buf, 31, &m), -MSCHED_REPL_ENOSPC);
	m.u.batch.count = 0;
	assert_int_equal(msched_repl_encode(buf, BUFSZ, &m), -MSCHED_REPL_ECOUNT);
	mk(&m, RFO_WIRE_MSG_HELLO);
	m.u.hello.generation = 0;
	assert_int_equal(msched_repl_encode(buf, BUFSZ, &m), -MSCHED_REPL_EGEN);
	mk(&m, RFO_WIRE_MSG_REGIONS);
	m.u.regions.chunks = NULL;
	assert_int_equal(msched_repl_encode(buf, BUFSZ, &m), -MSCHED_REPL_EINVAL);
	mk(&m, RFO_WIRE_MSG_REGIONS);
	m.u.regions.nr_slots = 1025;
	assert_int_equal(msched_repl_encode(buf, BUFSZ, &m), -MSCHED_REPL_ECHUNKS);
	mk(&m, 0);
	assert_int_equal(msched_repl_encode(buf, BUFSZ, &m), -MSCHED_REPL_EINVAL);
	mk(&m, RFO_WIRE_MSG_MAX + 1);
	assert_int_equal(msched_repl_encode(buf, BUFSZ, &m), -MSCHED_REPL_EINVAL);
}

static void test_names(void **state __attribute__((unused)))
{
	int e, f;
	u16 t;

	assert_string_equal(msched_repl_strerror(0), "ok");
	assert_string_equal(msched_repl_strerror(-1), "unknown error");
	for (e = MSCHED_REPL_EBASE; e <= MSCHED_REPL_ELAST; e++) {
		assert_non_null(msched_repl_strerror(-e));
		assert_string_not_equal(msched_repl_strerror(-e), "unknown error");
		for (f = MSCHED_REPL_EBASE; f < e; f++)
			assert_string_not_equal(msched_repl_strerror(-e),
						msched_repl_strerror(-f));
	}
	for (t = 1; t <= RFO_WIRE_MSG_MAX; t++)
		assert_string_not_equal(msched_repl_type_name(t), "?");
	assert_string_equal(msched_repl_type_name(0), "?");
	for (t = 1; t <= RFO_WIRE_REJ_MAX; t++)
		assert_string_not_equal(msched_repl_reason_name((u8)t), "?");
	assert_string_equal(msched_repl_reason_name(0), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_reject_header),
		cmocka_unit_test(test_reject_fields),
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_pull),
		cmocka_unit_test(test_indices),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_encode_refuses),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests_name("repl", tests, NULL, NULL);
}
