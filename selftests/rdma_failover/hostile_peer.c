// SPDX-License-Identifier: GPL-2.0
/*
 * hostile_peer: a primary that lies, for hostile.sh. It connects to a
 * standby (rdma_failover.ko, role standby) through rdma_cm and either
 *   - offers a bad HELLO (CM private data) and reports the REJECT, or
 *   - offers a good HELLO, reads the standby's REGIONS (decoded by
 *     lib/msched_repl.c, the module's own codec), then sends one bad
 *     message (RDMA WRITEs of the index list where the case needs it) and
 *     reports whether the standby dropped the connection.
 *
 *   hostile_peer ADDR PORT NR_PAGES CASE [SRC]
 *
 * SRC: the address to connect from (both ends in one host: the rxe device
 * of SRC, as rdma_failover's source knob).
 *
 * Prints one line "result rejected reason N", "result accepted",
 * "result dropped", "result acked" (the standby acknowledged a bad BATCH),
 * "result alive" (not dropped within 10 s) or "result regions ..." (case
 * good), plus "# ..." notes; exits 0, or 2 when the tool itself failed.
 * Messages are built by hand from include/uapi/rdma_failover.h (the
 * codec's encoder refuses to build bad ones).
 *
 * Cases:
 *   hello-magic hello-short hello-version hello-pagesize hello-nrpages
 *   hello-gen0 good count0 count-big index dup epoch batch-seq seq type
 *   len magic commit dir
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <rdma/rdma_cma.h>
#include <infiniband/verbs.h>

#include "../../lib/msched_repl.h"

#define BUF_BYTES	(64 * 1024)
#define RECV_OFF	0		/* 4 receive buffers of MAX_MSG_LEN */
#define NR_RECV		4
#define SEND_OFF	(8 * 1024)
#define LIST_OFF	(16 * 1024)	/* up to 4096 u64 indices: 32 KiB */
#define WAIT_MS		10000

static struct rdma_event_channel *ec;
static struct rdma_cm_id *id;
static struct ibv_pd *pd;
static struct ibv_cq *cq;
static struct ibv_mr *mr;
static char *buf;

static void fail(const char *what)
{
	printf("# hostile_peer: %s: %s\n", what, strerror(errno));
	exit(2);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* wait_event: the next CM event within ms, or NULL */
static struct rdma_cm_event *wait_event(int ms)
{
	struct rdma_cm_event *ev;
	struct pollfd p = { .fd = ec->fd, .events = POLLIN };

	if (poll(&p, 1, ms) <= 0)
		return NULL;
	if (rdma_get_cm_event(ec, &ev))
		fail("rdma_get_cm_event");
	return ev;
}

static void expect_event(enum rdma_cm_event_type type)
{
	struct rdma_cm_event *ev = wait_event(WAIT_MS);

	if (!ev) {
		printf("# hostile_peer: no %s within %d ms\n", rdma_event_str(type), WAIT_MS);
		exit(2);
	}
	if (ev->event != type) {
		printf("# hostile_peer: got %s (status %d), wanted %s\n",
		       rdma_event_str(ev->event), ev->status, rdma_event_str(type));
		exit(2);
	}
	rdma_ack_cm_event(ev);
}

static void post_recv(int i)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)(buf + RECV_OFF + i * RFO_WIRE_MAX_MSG_LEN),
		.length = RFO_WIRE_MAX_MSG_LEN,
		.lkey = mr->lkey,
	};
	struct ibv_recv_wr wr = { .wr_id = i, .sg_list = &sge, .num_sge = 1 }, *bad;

	if (ibv_post_recv(id->qp, &wr, &bad))
		fail("ibv_post_recv");
}

/* post_send: SEND len bytes of the send buffer, or RDMA WRITE len bytes at
 * local offset off to (raddr, rkey) */
static void post(int write, uint32_t off, uint32_t len, uint64_t raddr, uint32_t rkey)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)(buf + off), .length = len, .lkey = mr->lkey,
	};
	struct ibv_send_wr wr = {
		.wr_id = 100 + write, .sg_list = &sge, .num_sge = 1,
		.opcode = write ? IBV_WR_RDMA_WRITE : IBV_WR_SEND,
		.send_flags = IBV_SEND_SIGNALED,
	}, *bad;

	if (write) {
		wr.wr.rdma.remote_addr = raddr;
		wr.wr.rdma.rkey = rkey;
	}
	if (ibv_post_send(id->qp, &wr, &bad))
		fail("ibv_post_send");
}

/*
 * poll_wc: the next completion within ms: 1 and *wc, 0 on timeout.
 */
static int poll_wc(struct ibv_wc *wc, int ms)
{
	struct timespec t0, d = { 0, 1000000 };
	int n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		n = ibv_poll_cq(cq, 1, wc);
		if (n < 0)
			fail("ibv_poll_cq");
		if (n)
			return 1;
		nanosleep(&d, NULL);
	} while (ms_since(&t0) < ms);
	return 0;
}

static void hdr(void *p, uint16_t type, uint32_t len, uint32_t seq)
{
	struct rfo_wire_hdr *h = p;

	h->magic = htole32(RFO_WIRE_MAGIC);
	h->version = htole16(RFO_WIRE_VERSION);
	h->type = htole16(type);
	h->length = htole32(len);
	h->seq = htole32(seq);
}

int main(int argc, char **argv)
{
	struct rfo_wire_hello hello;
	struct rdma_conn_param cp;
	struct ibv_qp_init_attr qa;
	struct msched_repl_msg regions;
	struct rdma_cm_event *ev;
	struct addrinfo *ai, *src = NULL;
	struct ibv_wc wc;
	struct timespec t0;
	const char *c;
	uint64_t nr_pages, epoch;
	uint32_t hello_len = RFO_WIRE_HELLO_LEN, len, nslots;
	int i, err;

	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: hostile_peer ADDR PORT NR_PAGES CASE [SRC]\n");
		return 2;
	}
	nr_pages = strtoull(argv[3], NULL, 0);
	c = argv[4];
	setvbuf(stdout, NULL, _IOLBF, 0);

	memset(&hello, 0, sizeof(hello));
	hdr(&hello, RFO_WIRE_MSG_HELLO, RFO_WIRE_HELLO_LEN, 0);
	hello.page_size = htole32(RFO_WIRE_PAGE_SIZE);
	hello.nr_pages = htole64(nr_pages);
	hello.committed_epoch = 0;
	hello.generation = htole64(0x4057494c45ULL ^ (uint64_t)getpid() << 20 ^ time(NULL));
	if (!strcmp(c, "hello-magic"))
		hello.hdr.magic = htole32(0x21212121);
	else if (!strcmp(c, "hello-short"))
		hello_len = RFO_WIRE_HELLO_LEN - 8;
	else if (!strcmp(c, "hello-version"))
		hello.hdr.version = htole16(RFO_WIRE_VERSION + 1);
	else if (!strcmp(c, "hello-pagesize"))
		hello.page_size = htole32(2 * RFO_WIRE_PAGE_SIZE);
	else if (!strcmp(c, "hello-nrpages"))
		hello.nr_pages = htole64(nr_pages + 1);
	else if (!strcmp(c, "hello-gen0"))
		hello.generation = 0;
	if (!strcmp(c, "hello-short"))
		hello.hdr.length = htole32(hello_len);

	ec = rdma_create_event_channel();
	if (!ec)
		fail("rdma_create_event_channel");
	if (rdma_create_id(ec, &id, NULL, RDMA_PS_TCP))
		fail("rdma_create_id");
	err = getaddrinfo(argv[1], argv[2], NULL, &ai);
	if (err) {
		printf("# hostile_peer: %s:%s: %s\n", argv[1], argv[2], gai_strerror(err));
		return 2;
	}
	if (argc == 6) {
		err = getaddrinfo(argv[5], NULL, NULL, &src);
		if (err) {
			printf("# hostile_peer: %s: %s\n", argv[5], gai_strerror(err));
			return 2;
		}
	}
	if (rdma_resolve_addr(id, src ? src->ai_addr : NULL, ai->ai_addr, 2000))
		fail("rdma_resolve_addr");
	expect_event(RDMA_CM_EVENT_ADDR_RESOLVED);
	if (rdma_resolve_route(id, 2000))
		fail("rdma_resolve_route");
	expect_event(RDMA_CM_EVENT_ROUTE_RESOLVED);

	pd = ibv_alloc_pd(id->verbs);
	if (!pd)
		fail("ibv_alloc_pd");
	cq = ibv_create_cq(id->verbs, 32, NULL, NULL, 0);
	if (!cq)
		fail("ibv_create_cq");
	memset(&qa, 0, sizeof(qa));
	qa.send_cq = qa.recv_cq = cq;
	qa.qp_type = IBV_QPT_RC;
	qa.cap.max_send_wr = 8;
	qa.cap.max_recv_wr = 8;
	qa.cap.max_send_sge = qa.cap.max_recv_sge = 1;
	if (rdma_create_qp(id, pd, &qa))
		fail("rdma_create_qp");
	buf = aligned_alloc(4096, BUF_BYTES);
	if (!buf)
		fail("aligned_alloc");
	memset(buf, 0, BUF_BYTES);
	mr = ibv_reg_mr(pd, buf, BUF_BYTES, IBV_ACCESS_LOCAL_WRITE);
	if (!mr)
		fail("ibv_reg_mr");
	for (i = 0; i < NR_RECV; i++)
		post_recv(i);

	memset(&cp, 0, sizeof(cp));
	cp.private_data = &hello;
	cp.private_data_len = hello_len;
	cp.responder_resources = 1;
	cp.initiator_depth = 1;
	cp.retry_count = 7;
	cp.rnr_retry_count = 7;
	if (rdma_connect(id, &cp))
		fail("rdma_connect");
	ev = wait_event(WAIT_MS);
	if (!ev) {
		printf("# hostile_peer: no answer to the connect within %d ms\n", WAIT_MS);
		return 2;
	}
	if (ev->event == RDMA_CM_EVENT_REJECTED) {
		const uint8_t *pd8 = ev->param.conn.private_data;

		if (pd8 && ev->param.conn.private_data_len >= RFO_WIRE_REJECT_LEN) {
			struct msched_repl_msg rej;

			err = msched_repl_decode(pd8, RFO_WIRE_REJECT_LEN, &rej);
			if (err < 0)
				printf("# the REJECT's private data does not decode: %s\n",
				       msched_repl_strerror(err));
			else
				printf("# REJECT: %s, standby nr_pages %" PRIu64 "\n",
				       msched_repl_reason_name(rej.u.reject.reason),
				       (uint64_t)rej.u.reject.nr_pages);
			printf("result rejected reason %u\n", pd8[16]);
		} else {
			printf("result rejected reason none (status %d, private data %u bytes)\n",
			       ev->status, ev->param.conn.private_data_len);
		}
		rdma_ack_cm_event(ev);
		return 0;
	}
	if (ev->event != RDMA_CM_EVENT_ESTABLISHED) {
		printf("# hostile_peer: connect: %s (status %d)\n", rdma_event_str(ev->event), ev->status);
		printf("result error %s\n", rdma_event_str(ev->event));
		rdma_ack_cm_event(ev);
		return 0;
	}
	rdma_ack_cm_event(ev);
	if (!strncmp(c, "hello-", 6)) {
		printf("result accepted\n");
		rdma_disconnect(id);
		return 0;
	}

	/* REGIONS */
	if (!poll_wc(&wc, WAIT_MS) || wc.status != IBV_WC_SUCCESS || wc.opcode != IBV_WC_RECV) {
		printf("# hostile_peer: no REGIONS (wc status %d opcode %d)\n", wc.status, wc.opcode);
		return 2;
	}
	err = msched_repl_decode(buf + RECV_OFF + wc.wr_id * RFO_WIRE_MAX_MSG_LEN, wc.byte_len, &regions);
	if (err < 0 || regions.type != RFO_WIRE_MSG_REGIONS) {
		printf("# hostile_peer: the first message is no REGIONS: %s\n",
		       err < 0 ? msched_repl_strerror(err) : msched_repl_type_name(regions.type));
		return 2;
	}
	post_recv(wc.wr_id);
	nslots = regions.u.regions.nr_slots;
	epoch = regions.u.regions.applied_epoch + 1;
	printf("# REGIONS: nr_slots %u nr_chunks %u applied_epoch %" PRIu64 " resync %u\n",
	       nslots, regions.u.regions.nr_chunks, (uint64_t)regions.u.regions.applied_epoch,
	       regions.u.regions.resync);
	if (!strcmp(c, "good")) {
		printf("result regions nr_slots %u applied_epoch %" PRIu64 "\n", nslots,
		       (uint64_t)regions.u.regions.applied_epoch);
		rdma_disconnect(id);
		return 0;
	}

	/* the index list, where the case reads it */
	if (!strcmp(c, "index") || !strcmp(c, "dup") || !strcmp(c, "epoch") ||
	    !strcmp(c, "batch-seq") || !strcmp(c, "seq")) {
		uint64_t *list = (uint64_t *)(buf + LIST_OFF);

		list[0] = htole64(!strcmp(c, "index") ? nr_pages : 0);
		list[1] = htole64(0);
		post(1, LIST_OFF, 16, regions.u.regions.list_addr, regions.u.regions.list_rkey);
		if (!poll_wc(&wc, WAIT_MS) || wc.status != IBV_WC_SUCCESS) {
			printf("# hostile_peer: RDMA WRITE of the list failed (status %d)\n", wc.status);
			return 2;
		}
	}

	/* the bad message */
	memset(buf + SEND_OFF, 0, RFO_WIRE_MAX_MSG_LEN);
	len = RFO_WIRE_BATCH_LEN;
	{
		struct rfo_wire_batch *b = (void *)(buf + SEND_OFF);
		uint32_t count = 1, bseq = 0, hseq = 0;
		uint64_t e = epoch;
		uint16_t type = RFO_WIRE_MSG_BATCH;

		if (!strcmp(c, "count0"))
			count = 0;
		else if (!strcmp(c, "count-big"))
			count = nslots + 1;
		else if (!strcmp(c, "dup"))
			count = 2;
		else if (!strcmp(c, "epoch"))
			e = epoch + 5;
		else if (!strcmp(c, "batch-seq"))
			bseq = 3;
		else if (!strcmp(c, "seq"))
			hseq = 7;
		else if (!strcmp(c, "type"))
			type = 99;
		else if (!strcmp(c, "len"))
			len = RFO_WIRE_BATCH_LEN + 1;
		else if (strcmp(c, "index") && strcmp(c, "magic") && strcmp(c, "commit") &&
			 strcmp(c, "dir")) {
			printf("# hostile_peer: unknown case '%s'\n", c);
			return 2;
		}
		hdr(b, type, len, hseq);
		b->epoch = htole64(e);
		b->batch_seq = htole32(bseq);
		b->count = htole32(count);
		if (!strcmp(c, "magic"))
			b->hdr.magic = htole32(0x46525353);
		if (!strcmp(c, "commit")) {
			struct rfo_wire_commit *cm = (void *)(buf + SEND_OFF);

			len = RFO_WIRE_COMMIT_LEN;
			hdr(cm, RFO_WIRE_MSG_COMMIT, len, 0);
			cm->epoch = htole64(epoch);
			cm->nr_pages = htole64(5);	/* 5 pages in 0 batches */
			cm->nr_batches = 0;
		}
		if (!strcmp(c, "dir")) {
			struct rfo_wire_commit_ack *ca = (void *)(buf + SEND_OFF);

			len = RFO_WIRE_COMMIT_ACK_LEN;
			hdr(ca, RFO_WIRE_MSG_COMMIT_ACK, len, 0);
			ca->epoch = htole64(epoch);
		}
	}
	post(0, SEND_OFF, len, 0, 0);

	/* dropped? a DISCONNECTED event (or a flushed/failed completion) */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (ms_since(&t0) < WAIT_MS) {
		ev = wait_event(10);
		if (ev) {
			enum rdma_cm_event_type t = ev->event;

			rdma_ack_cm_event(ev);
			if (t == RDMA_CM_EVENT_DISCONNECTED) {
				printf("# dropped after %ld ms\n", ms_since(&t0));
				printf("result dropped\n");
				return 0;
			}
			printf("# event %s\n", rdma_event_str(t));
		}
		while (ibv_poll_cq(cq, 1, &wc) == 1) {
			if (wc.status == IBV_WC_SUCCESS && wc.opcode == IBV_WC_RECV) {
				struct msched_repl_msg m;

				err = msched_repl_decode(buf + RECV_OFF + wc.wr_id * RFO_WIRE_MAX_MSG_LEN,
							 wc.byte_len, &m);
				printf("# received %s\n", err < 0 ? msched_repl_strerror(err) :
				       msched_repl_type_name(m.type));
				if (err >= 0 && (m.type == RFO_WIRE_MSG_BATCH_ACK ||
						 m.type == RFO_WIRE_MSG_COMMIT_ACK)) {
					printf("result acked\n");
					return 0;
				}
				post_recv(wc.wr_id);
			} else if (wc.status != IBV_WC_SUCCESS) {
				printf("# completion status %s\n", ibv_wc_status_str(wc.status));
			}
		}
	}
	printf("result alive\n");
	rdma_disconnect(id);
	return 0;
}
