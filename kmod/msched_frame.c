// SPDX-License-Identifier: GPL-2.0
/*
 * msched_frame.c - the frame reader of the memsched balloon protocol:
 * header, decode the header, payload, decode the message, over a kernel
 * stream socket (AF_VSOCK). Both modules read their peer with it.
 */
#include <linux/errno.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <linux/uio.h>

#include "msched_frame.h"

/*
 * Read exactly @len bytes into @buf. Return: 0; -ESHUTDOWN if the stream
 * ended before any byte and @boundary (a clean close between messages);
 * -EPIPE if it ended after some; or the socket's -errno.
 */
static int msched_frame_read(struct socket *sock, u8 *buf, size_t len,
			     bool boundary)
{
	size_t done = 0;
	int ret;

	while (done < len) {
		struct kvec iov = {
			.iov_base = buf + done,
			.iov_len = len - done,
		};
		struct msghdr msg = {};

		ret = kernel_recvmsg(sock, &msg, &iov, 1, len - done,
				     MSG_WAITALL);
		if (ret < 0)
			return ret;
		if (!ret)
			return boundary && !done ? -ESHUTDOWN : -EPIPE;
		done += ret;
	}
	return 0;
}

/**
 * msched_frame_recv() - read and decode one whole message.
 * @sock: a connected stream socket
 * @buf: MSCHED_BALLOON_MAX_MSG_LEN bytes; receives the header and the
 *	payload, which @m points into (keep it while @m is used)
 * @m: the decoded message
 *
 * Reads MSCHED_BALLOON_HDR_LEN bytes, decodes the header (which bounds
 * the payload by MSCHED_BALLOON_MAX_PAYLOAD), reads the payload and
 * decodes the message. A short read is resumed; a
 * shutdown of @sock by another thread ends it like a close by the peer.
 *
 * Context: process context; may sleep until a whole message arrived, the
 * socket's receive timeout, a signal or a shutdown.
 * Return: 0 for a message; -ESHUTDOWN when the peer closed the stream
 * cleanly, at a message boundary; -EPIPE when it closed in the middle of a
 * message; another -errno from the socket; or a negative MSCHED_PROTO_E*
 * code (<= -MSCHED_PROTO_EBASE) for a frame the codec rejected, whose
 * header is then in @buf (its seq at MSCHED_BALLOON_OFF_SEQ).
 */
int msched_frame_recv(struct socket *sock, u8 *buf,
		      struct msched_proto_msg *m)
{
	struct msched_proto_hdr h;
	int ret;

	ret = msched_frame_read(sock, buf, MSCHED_BALLOON_HDR_LEN, true);
	if (ret)
		return ret;
	ret = msched_proto_decode_header(buf, MSCHED_BALLOON_HDR_LEN, &h);
	if (ret)
		return ret;
	ret = msched_frame_read(sock, buf + MSCHED_BALLOON_HDR_LEN,
				h.payload_len, false);
	if (ret)
		return ret;
	return msched_proto_decode(&h, buf + MSCHED_BALLOON_HDR_LEN,
				   h.payload_len, m);
}
