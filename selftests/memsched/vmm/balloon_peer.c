// SPDX-License-Identifier: GPL-2.0
/*
 * balloon_peer: plays the guest end of memsched's balloon channel over
 * AF_VSOCK, well-behaved or hostile, from a script of commands on the
 * command line. With vsock_loopback loaded it talks to the host's own
 * memsched from CID 1 (VMADDR_CID_LOCAL), which a VM's balloon/cid can name.
 *
 *   balloon_peer [--cid CID] [--port PORT] [--rcvbuf BYTES] [--batch N]
 *                COMMAND...
 *
 * --batch limits the gfns per INFLATED/DEFLATED message of the -range and
 * -stride commands (default MSCHED_BALLOON_MAX_GFNS).
 * --rcvbuf sets the socket's receive buffer (SO_VM_SOCKETS_BUFFER_SIZE),
 * which is the credit the host may fill before its sends block.
 *
 * Commands (executed in order; any failed expectation exits 1):
 *   hello PAGES              HELLO announcing PAGES guest pages
 *   hello-ps PAGES PAGESIZE  HELLO with another page size
 *   inflate GFN,GFN,...      one INFLATED message with these gfns
 *   deflate GFN,GFN,...      one DEFLATED message
 *   inflate-range START N    INFLATED for START..START+N-1, in messages of
 *   deflate-range START N      up to MSCHED_BALLOON_MAX_GFNS
 *   inflate-stride START N S INFLATED for N frames START, START+S, ...
 *                            (frames apart cost the host one release each)
 *   stats                    a STATS message with every known tag (= tag+1)
 *   classes                  a CLASSES message with every known tag
 *   classes-free PAGES       a CLASSES message saying PAGES pages are free
 *                            (the free class alone; what the scheduler
 *                            counts as reclaimable by the balloon)
 *   set-target N             a host-only message type, from the guest
 *   raw HEX                  raw bytes as they are
 *   header MAGIC VER TYPE LEN  a 16-byte header only (values in decimal/0x)
 *   expect-ack CODE          read until the ACK of the last message sent;
 *                            its status must be -CODE, CODE a
 *                            MSCHED_PROTO_E* name without the prefix
 *                            (GFNDUP, ...) or 0
 *   count-acks               read until the host closes; print
 *                            "acked_pages N": the gfns of every INFLATED
 *                            the host acknowledged with status 0
 *   expect-target N          read until SET_TARGET; it must ask for N
 *   expect-close             the host must close the connection (EOF)
 *   expect-quiet MS          nothing may arrive within MS milliseconds
 *   churn ROUNDS START N     ROUNDS times: INFLATED START..START+N-1 and,
 *                            when accepted, DEFLATED of the same, each
 *                            waiting for its ACK; rejections are counted,
 *                            not fatal; prints "churn accepted A rejected B"
 *   silent N MS              open N more connections that say nothing,
 *                            wait MS milliseconds, print "silent open=A
 *                            closed=B" (B: closed by the host by then), and
 *                            close them
 *   wait-file PATH           block until PATH exists (at most 120 s)
 *   sleep MS
 * Every message sent and received is printed, one line each.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#include "../../../lib/msched_proto.h"

static int fd = -1;
static u32 seq = 1;
static u32 batch = MSCHED_BALLOON_MAX_GFNS;
static u8 buf[MSCHED_BALLOON_MAX_MSG_LEN];
/* gfns in the INFLATED sent with each seq (small seqs only), for count-acks */
#define MAX_TRACKED 4096
static u32 inflated_nr[MAX_TRACKED];

static void die(const char *what)
{
	fprintf(stderr, "balloon_peer: %s\n", what);
	exit(1);
}

static void send_all(const void *p, size_t len)
{
	const u8 *b = p;

	while (len) {
		ssize_t n = send(fd, b, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			printf("send: %s\n", strerror(errno));
			exit(1);
		}
		b += n;
		len -= n;
	}
}

static void send_msg(int len, const char *what)
{
	if (len < 0) {
		fprintf(stderr, "balloon_peer: encoding %s: %s\n", what,
			msched_proto_strerror(len));
		exit(1);
	}
	send_all(buf, len);
	printf("sent %s (%d bytes)\n", what, len);
}

/* Read exactly len bytes within ms; 0, 1 on EOF, 2 on timeout. */
static int recv_all(u8 *p, size_t len, int ms)
{
	while (len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, ms) == 0)
			return 2;
		n = recv(fd, p, len, 0);
		if (n == 0)
			return 1;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return 1;	/* reset counts as closed */
		}
		p += n;
		len -= n;
	}
	return 0;
}

/* Receive one message; returns 0, 1 EOF, 2 timeout. */
static int recv_msg(struct msched_proto_msg *m, int ms)
{
	static u8 rx[MSCHED_BALLOON_MAX_MSG_LEN];
	struct msched_proto_hdr h;
	int ret;

	ret = recv_all(rx, MSCHED_BALLOON_HDR_LEN, ms);
	if (ret)
		return ret;
	if (msched_proto_decode_header(rx, MSCHED_BALLOON_HDR_LEN, &h))
		die("host sent a bad header");
	ret = recv_all(rx + MSCHED_BALLOON_HDR_LEN, h.payload_len, ms);
	if (ret)
		return ret;
	if (msched_proto_decode(&h, rx + MSCHED_BALLOON_HDR_LEN, h.payload_len, m))
		die("host sent a bad message");
	switch (m->type) {
	case MSCHED_BALLOON_MSG_ACK:
		printf("recv ACK seq=%u status=%d (%s)\n", m->ack.seq,
		       m->ack.status, msched_proto_strerror(m->ack.status));
		break;
	case MSCHED_BALLOON_MSG_SET_TARGET:
		printf("recv SET_TARGET %llu\n", (unsigned long long)m->target_pages);
		break;
	default:
		printf("recv type %u\n", m->type);
	}
	fflush(stdout);
	return 0;
}

static const char *const codes[] = {
	"AGAIN", "INVAL", "NOSPC", "MAGIC", "VERSION", "TYPE", "TOOBIG",
	"LEN", "NR", "NRLEN", "HELLOVER", "PAGESIZE", "PAGES", "TAGDUP",
	"GFNRANGE", "GFNDUP", "STATE", "NOTRAM", "BALLOONED", "NOTBALLOONED",
};

static int code_of(const char *name)
{
	unsigned int i;

	if (!strcmp(name, "0"))
		return 0;
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (!strcmp(name, codes[i]))
			return -(int)(MSCHED_PROTO_EBASE + i);
	die("unknown code name");
	return 0;
}

static u64 num(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	if (*end)
		die("bad number");
	return v;
}

static void send_gfns(u16 type, const u64 *g, u32 nr)
{
	char what[64];

	snprintf(what, sizeof(what), "%s nr=%u",
		 type == MSCHED_BALLOON_MSG_INFLATED ? "INFLATED" : "DEFLATED", nr);
	if (type == MSCHED_BALLOON_MSG_INFLATED && seq < MAX_TRACKED)
		inflated_nr[seq] = nr;
	send_msg(msched_proto_encode_gfns(buf, sizeof(buf), seq++, type, g, nr),
		 what);
}

static void gfn_list(u16 type, const char *list)
{
	u64 g[MSCHED_BALLOON_MAX_GFNS];
	char *copy = strdup(list), *tok, *save = NULL;
	u32 nr = 0;

	for (tok = strtok_r(copy, ",", &save); tok && nr < MSCHED_BALLOON_MAX_GFNS;
	     tok = strtok_r(NULL, ",", &save))
		g[nr++] = num(tok);
	free(copy);
	send_gfns(type, g, nr);
}

static void gfn_range(u16 type, u64 start, u64 n, u64 stride)
{
	static u64 g[MSCHED_BALLOON_MAX_GFNS];

	while (n) {
		u32 nr = n > batch ? batch : n, i;

		for (i = 0; i < nr; i++)
			g[i] = start + i * stride;
		send_gfns(type, g, nr);
		start += nr * stride;
		n -= nr;
	}
}

/* Wait for the ACK of the last message sent; its status. */
static int wait_ack(void)
{
	struct msched_proto_msg m;
	int ret;

	do {
		ret = recv_msg(&m, 10000);
		if (ret)
			die(ret == 1 ? "wait_ack: closed" : "wait_ack: timeout");
	} while (m.type != MSCHED_BALLOON_MSG_ACK || m.ack.seq != seq - 1);
	return m.ack.status;
}

static void send_kvs(u16 type, u32 nr_known)
{
	struct msched_proto_kv kv[MSCHED_BALLOON_MAX_KV];
	u32 i;

	for (i = 0; i < nr_known; i++) {
		kv[i].tag = i;
		kv[i].value = i + 1;
	}
	send_msg(msched_proto_encode_kvs(buf, sizeof(buf), seq++, type, kv, nr_known),
		 type == MSCHED_BALLOON_MSG_STATS ? "STATS" : "CLASSES");
}

static void send_raw(const char *hex)
{
	size_t n = strlen(hex) / 2, i;
	u8 *raw = malloc(n + 1);

	for (i = 0; i < n; i++)
		if (sscanf(hex + 2 * i, "%2hhx", &raw[i]) != 1)
			die("bad hex");
	send_all(raw, n);
	printf("sent raw (%zu bytes)\n", n);
	free(raw);
}

static void put_le(u8 *p, u64 v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		p[i] = v >> (8 * i);
}

int main(int argc, char **argv)
{
	struct sockaddr_vm addr = {
		.svm_family = AF_VSOCK,
		.svm_cid = VMADDR_CID_LOCAL,
		.svm_port = MSCHED_BALLOON_VSOCK_PORT,
	};
	struct msched_proto_msg m;
	unsigned long long rcvbuf = 0;
	int i = 1, ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (; i + 1 < argc && !strncmp(argv[i], "--", 2); i += 2) {
		if (!strcmp(argv[i], "--cid"))
			addr.svm_cid = num(argv[i + 1]);
		else if (!strcmp(argv[i], "--port"))
			addr.svm_port = num(argv[i + 1]);
		else if (!strcmp(argv[i], "--rcvbuf"))
			rcvbuf = num(argv[i + 1]);
		else if (!strcmp(argv[i], "--batch") && num(argv[i + 1]) &&
			 num(argv[i + 1]) <= MSCHED_BALLOON_MAX_GFNS)
			batch = num(argv[i + 1]);
		else
			die("usage: balloon_peer [--cid CID] [--port PORT] [--rcvbuf BYTES] [--batch N] COMMAND...");
	}
	fd = socket(AF_VSOCK, SOCK_STREAM, 0);
	if (fd >= 0 && rcvbuf &&
	    setsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_BUFFER_SIZE, &rcvbuf,
		       sizeof(rcvbuf)))
		die("setsockopt SO_VM_SOCKETS_BUFFER_SIZE");
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		printf("connect: %s\n", strerror(errno));
		return 2;
	}
	printf("connected\n");

	for (; i < argc; i++) {
		const char *c = argv[i];
		const char *a1 = i + 1 < argc ? argv[i + 1] : NULL;
		const char *a2 = i + 2 < argc ? argv[i + 2] : NULL;

		if ((!strcmp(c, "hello") && a1) || (!strcmp(c, "hello-ps") && a2)) {
			struct msched_proto_hello h = {
				.proto_version = MSCHED_BALLOON_VERSION,
				.page_size = c[5] ? num(a2) : 4096,
				.guest_pages = num(a1),
				.vm_id = "balloon_peer",
			};

			send_msg(msched_proto_encode_hello(buf, sizeof(buf), seq++, &h),
				 "HELLO");
			i += c[5] ? 2 : 1;
		} else if (!strcmp(c, "inflate") && a1) {
			gfn_list(MSCHED_BALLOON_MSG_INFLATED, a1);
			i++;
		} else if (!strcmp(c, "deflate") && a1) {
			gfn_list(MSCHED_BALLOON_MSG_DEFLATED, a1);
			i++;
		} else if (!strcmp(c, "inflate-range") && a2) {
			gfn_range(MSCHED_BALLOON_MSG_INFLATED, num(a1), num(a2), 1);
			i += 2;
		} else if (!strcmp(c, "inflate-stride") && i + 3 < argc) {
			gfn_range(MSCHED_BALLOON_MSG_INFLATED, num(a1), num(a2),
				  num(argv[i + 3]));
			i += 3;
		} else if (!strcmp(c, "deflate-range") && a2) {
			gfn_range(MSCHED_BALLOON_MSG_DEFLATED, num(a1), num(a2), 1);
			i += 2;
		} else if (!strcmp(c, "stats")) {
			send_kvs(MSCHED_BALLOON_MSG_STATS, MSCHED_BALLOON_STAT_NR);
		} else if (!strcmp(c, "classes")) {
			send_kvs(MSCHED_BALLOON_MSG_CLASSES, MSCHED_BALLOON_CLASS_NR);
		} else if (!strcmp(c, "classes-free") && a1) {
			struct msched_proto_kv kv = {
				.tag = MSCHED_BALLOON_CLASS_FREE,
				.value = num(a1) * 4096,
			};

			send_msg(msched_proto_encode_kvs(buf, sizeof(buf), seq++,
							 MSCHED_BALLOON_MSG_CLASSES,
							 &kv, 1), "CLASSES");
			i++;
		} else if (!strcmp(c, "set-target") && a1) {
			send_msg(msched_proto_encode_set_target(buf, sizeof(buf), seq++,
								num(a1)), "SET_TARGET");
			i++;
		} else if (!strcmp(c, "raw") && a1) {
			send_raw(a1);
			i++;
		} else if (!strcmp(c, "header") && i + 4 < argc) {
			u8 h[MSCHED_BALLOON_HDR_LEN];

			put_le(h + MSCHED_BALLOON_OFF_MAGIC, num(argv[i + 1]), 4);
			put_le(h + MSCHED_BALLOON_OFF_VERSION, num(argv[i + 2]), 2);
			put_le(h + MSCHED_BALLOON_OFF_TYPE, num(argv[i + 3]), 2);
			put_le(h + MSCHED_BALLOON_OFF_LEN, num(argv[i + 4]), 4);
			put_le(h + MSCHED_BALLOON_OFF_SEQ, seq++, 4);
			send_all(h, sizeof(h));
			printf("sent header\n");
			i += 4;
		} else if (!strcmp(c, "expect-ack") && a1) {
			int want = code_of(a1);

			/* ACKs of earlier messages (HELLO's too) are skipped. */
			do {
				ret = recv_msg(&m, 5000);
				if (ret)
					die(ret == 1 ? "expect-ack: closed" : "expect-ack: timeout");
			} while (m.type != MSCHED_BALLOON_MSG_ACK ||
				 m.ack.seq != seq - 1);
			if (m.ack.status != want) {
				printf("expect-ack: got %d, wanted %d\n", m.ack.status, want);
				return 1;
			}
			i++;
		} else if (!strcmp(c, "expect-target") && a1) {
			u64 want = num(a1);

			do {
				ret = recv_msg(&m, 10000);
				if (ret)
					die(ret == 1 ? "expect-target: closed" : "expect-target: timeout");
			} while (m.type != MSCHED_BALLOON_MSG_SET_TARGET);
			if (m.target_pages != want) {
				printf("expect-target: got %llu\n",
				       (unsigned long long)m.target_pages);
				return 1;
			}
			i++;
		} else if (!strcmp(c, "count-acks")) {
			unsigned long long pages = 0;

			while (!(ret = recv_msg(&m, 30000)))
				if (m.type == MSCHED_BALLOON_MSG_ACK &&
				    !m.ack.status && m.ack.seq < MAX_TRACKED)
					pages += inflated_nr[m.ack.seq];
			if (ret != 1)
				die("count-acks: still open");
			printf("closed by host\nacked_pages %llu\n", pages);
		} else if (!strcmp(c, "expect-close")) {
			do {
				ret = recv_msg(&m, 15000);
			} while (!ret);
			if (ret != 1)
				die("expect-close: still open");
			printf("closed by host\n");
		} else if (!strcmp(c, "expect-quiet") && a1) {
			ret = recv_msg(&m, num(a1));
			if (ret != 2)
				die(ret == 1 ? "expect-quiet: closed" : "expect-quiet: got a message");
			i++;
		} else if (!strcmp(c, "wait-file") && a1) {
			struct stat st;
			int t;

			for (t = 0; t < 1200 && stat(a1, &st); t++)
				usleep(100000);
			if (t == 1200)
				die("wait-file: timeout");
			i++;
		} else if (!strcmp(c, "churn") && i + 3 < argc) {
			u64 rounds = num(a1), start = num(a2), n = num(argv[i + 3]), r;
			u64 ok = 0, bad = 0;

			for (r = 0; r < rounds; r++) {
				gfn_range(MSCHED_BALLOON_MSG_INFLATED, start, n, 1);
				if (wait_ack()) {
					bad++;
					continue;
				}
				ok++;
				gfn_range(MSCHED_BALLOON_MSG_DEFLATED, start, n, 1);
				wait_ack();
			}
			printf("churn accepted %llu rejected %llu\n",
			       (unsigned long long)ok, (unsigned long long)bad);
			i += 3;
		} else if (!strcmp(c, "silent") && a2) {
			int n = num(a1), k, open_n = 0, closed = 0, *fds;

			fds = calloc(n, sizeof(*fds));
			for (k = 0; k < n; k++) {
				fds[k] = socket(AF_VSOCK, SOCK_STREAM, 0);
				if (fds[k] < 0 ||
				    connect(fds[k], (struct sockaddr *)&addr, sizeof(addr)))
					die("silent: connect");
			}
			usleep(num(a2) * 1000);
			for (k = 0; k < n; k++) {
				struct pollfd pfd = { .fd = fds[k], .events = POLLIN };
				char c1;

				if (poll(&pfd, 1, 0) == 1 && recv(fds[k], &c1, 1, MSG_DONTWAIT) <= 0)
					closed++;
				else
					open_n++;
				close(fds[k]);
			}
			free(fds);
			printf("silent open=%d closed=%d\n", open_n, closed);
			i += 2;
		} else if (!strcmp(c, "sleep") && a1) {
			usleep(num(a1) * 1000);
			i++;
		} else {
			fprintf(stderr, "balloon_peer: bad command '%s'\n", c);
			return 2;
		}
	}
	close(fd);
	printf("done\n");
	return 0;
}
