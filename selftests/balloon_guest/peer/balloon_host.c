// SPDX-License-Identifier: GPL-2.0
/*
 * balloon_host: plays memsched's end of the balloon channel for
 * balloon_guest.ko, from a script of commands on the command line. With
 * vsock_loopback loaded, balloon_guest.ko loaded in the lab host itself
 * (host_cid=1) connects to it, so the guest driver's protocol paths run on
 * the lab's kernel without a nested guest.
 *
 *   balloon_host [--port PORT] COMMAND...
 *
 * Commands (executed in order; any failed expectation exits 1):
 *   accept                 wait (60 s) for the next connection; the
 *                          previous one is closed
 *   expect-hello           read until HELLO; remember its seq
 *   ack-hello              ACK (status 0) the HELLO
 *   set-target N           SET_TARGET N
 *   read-inflated N        read until N more pages were reported INFLATED
 *                          (STATS, CLASSES are read and ignored; DEFLATED
 *                          fails); acknowledge nothing
 *   ack-last               ACK (status 0) the last INFLATED or DEFLATED read
 *   settle N               read INFLATED and DEFLATED, acknowledging each
 *                          (status 0), until the pages the guest reported
 *                          ballooned on this connection come to N (60 s);
 *                          prints "settled N"
 *   send-bad               send a header with a bad magic (a protocol error)
 *   expect-close           read (and ignore) until the guest closes (60 s)
 *   touch PATH             create PATH (tells the test where the script is)
 *   wait-file PATH         block until PATH exists (at most 120 s)
 * Every message received is printed, one line each; "inflated N unacked M"
 * after read-inflated gives the pages read since the last ack-last.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#include "../../../lib/msched_proto.h"

static int lfd = -1, fd = -1;
static u32 seq = 1, hello_seq, last_seq;
static u64 unacked, ballooned;
static u8 buf[MSCHED_BALLOON_MAX_MSG_LEN];

static void die(const char *what)
{
	printf("balloon_host: %s\n", what);
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
			return 1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

/* Receive one message; 0, 1 EOF, 2 timeout. */
static int recv_msg(struct msched_proto_msg *m, int ms)
{
	static u8 rx[MSCHED_BALLOON_MAX_MSG_LEN];
	struct msched_proto_hdr h;
	int ret;

	ret = recv_all(rx, MSCHED_BALLOON_HDR_LEN, ms);
	if (ret)
		return ret;
	if (msched_proto_decode_header(rx, MSCHED_BALLOON_HDR_LEN, &h))
		die("guest sent a bad header");
	ret = recv_all(rx + MSCHED_BALLOON_HDR_LEN, h.payload_len, ms);
	if (ret)
		return ret;
	if (msched_proto_decode(&h, rx + MSCHED_BALLOON_HDR_LEN, h.payload_len, m))
		die("guest sent a bad message");
	switch (m->type) {
	case MSCHED_BALLOON_MSG_HELLO:
		printf("recv HELLO seq=%u pages=%llu\n", m->seq,
		       (unsigned long long)m->hello.guest_pages);
		break;
	case MSCHED_BALLOON_MSG_INFLATED:
	case MSCHED_BALLOON_MSG_DEFLATED:
		printf("recv %s seq=%u nr=%u\n",
		       m->type == MSCHED_BALLOON_MSG_INFLATED ? "INFLATED" : "DEFLATED",
		       m->seq, m->gfns.nr);
		break;
	default:
		printf("recv type %u seq=%u\n", m->type, m->seq);
	}
	return 0;
}

static void send_ack(u32 acked)
{
	struct msched_proto_msg m = {
		.type = MSCHED_BALLOON_MSG_ACK,
		.seq = seq++,
		.ack = { .seq = acked, .status = 0 },
	};
	int len = msched_proto_encode(buf, sizeof(buf), &m);

	if (len < 0)
		die("encoding ACK");
	send_all(buf, len);
	printf("sent ACK seq=%u\n", acked);
}

static u64 num(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	if (*end)
		die("bad number");
	return v;
}

int main(int argc, char **argv)
{
	struct sockaddr_vm addr = {
		.svm_family = AF_VSOCK,
		.svm_cid = VMADDR_CID_ANY,
		.svm_port = MSCHED_BALLOON_VSOCK_PORT,
	};
	struct msched_proto_msg m;
	int i = 1, ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 2 && !strcmp(argv[1], "--port")) {
		addr.svm_port = num(argv[2]);
		i = 3;
	}
	lfd = socket(AF_VSOCK, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(lfd, 4)) {
		printf("listen: %s\n", strerror(errno));
		return 2;
	}
	printf("listening on port %u\n", addr.svm_port);

	for (; i < argc; i++) {
		const char *c = argv[i];
		const char *a1 = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(c, "accept")) {
			struct pollfd pfd = { .fd = lfd, .events = POLLIN };

			if (fd >= 0)
				close(fd);
			if (poll(&pfd, 1, 60000) != 1)
				die("accept: timeout");
			fd = accept(lfd, NULL, NULL);
			if (fd < 0)
				die("accept");
			seq = 1;
			unacked = 0;
			ballooned = 0;
			printf("accepted\n");
		} else if (!strcmp(c, "expect-hello")) {
			do {
				if (recv_msg(&m, 30000))
					die("expect-hello: closed or timeout");
			} while (m.type != MSCHED_BALLOON_MSG_HELLO);
			hello_seq = m.seq;
		} else if (!strcmp(c, "ack-hello")) {
			send_ack(hello_seq);
		} else if (!strcmp(c, "set-target") && a1) {
			int len = msched_proto_encode_set_target(buf, sizeof(buf),
								 seq++, num(a1));

			if (len < 0)
				die("encoding SET_TARGET");
			send_all(buf, len);
			printf("sent SET_TARGET %s\n", a1);
			i++;
		} else if (!strcmp(c, "read-inflated") && a1) {
			u64 want = num(a1), got = 0;

			while (got < want) {
				ret = recv_msg(&m, 30000);
				if (ret)
					die(ret == 1 ? "read-inflated: closed" : "read-inflated: timeout");
				if (m.type == MSCHED_BALLOON_MSG_DEFLATED)
					die("read-inflated: a DEFLATED");
				if (m.type != MSCHED_BALLOON_MSG_INFLATED)
					continue;
				got += m.gfns.nr;
				unacked += m.gfns.nr;
				ballooned += m.gfns.nr;
				last_seq = m.seq;
			}
			printf("inflated %llu unacked %llu\n", (unsigned long long)got,
			       (unsigned long long)unacked);
			i++;
		} else if (!strcmp(c, "settle") && a1) {
			u64 want = num(a1);

			while (ballooned != want) {
				ret = recv_msg(&m, 60000);
				if (ret)
					die(ret == 1 ? "settle: closed" : "settle: timeout");
				if (m.type == MSCHED_BALLOON_MSG_INFLATED)
					ballooned += m.gfns.nr;
				else if (m.type == MSCHED_BALLOON_MSG_DEFLATED)
					ballooned -= m.gfns.nr;
				else
					continue;
				send_ack(m.seq);
			}
			printf("settled %llu\n", (unsigned long long)ballooned);
			i++;
		} else if (!strcmp(c, "ack-last")) {
			send_ack(last_seq);
			unacked = 0;
		} else if (!strcmp(c, "send-bad")) {
			memset(buf, 0xee, MSCHED_BALLOON_HDR_LEN);
			send_all(buf, MSCHED_BALLOON_HDR_LEN);
			printf("sent a bad header\n");
		} else if (!strcmp(c, "expect-close")) {
			while (!(ret = recv_msg(&m, 60000)))
				;
			if (ret != 1)
				die("expect-close: still open");
			printf("closed by guest\n");
		} else if (!strcmp(c, "touch") && a1) {
			int t = open(a1, O_CREAT | O_WRONLY, 0644);

			if (t < 0)
				die("touch");
			close(t);
			i++;
		} else if (!strcmp(c, "wait-file") && a1) {
			struct stat st;
			int t;

			for (t = 0; t < 1200 && stat(a1, &st); t++)
				usleep(100000);
			if (t == 1200)
				die("wait-file: timeout");
			i++;
		} else {
			printf("balloon_host: bad command '%s'\n", c);
			return 2;
		}
	}
	if (fd >= 0)
		close(fd);
	close(lfd);
	printf("done\n");
	return 0;
}
