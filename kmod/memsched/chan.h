/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memsched: the AF_VSOCK transport that guests' balloon drivers dial
 * (channel.c). It frames, reads and writes messages and runs one thread
 * per connection; what a message means is its user's business, reached
 * through struct msched_chan_ops.
 */
#ifndef _MEMSCHED_CHAN_H
#define _MEMSCHED_CHAN_H

#include <linux/atomic.h>
#include <linux/types.h>

#include "msched_proto.h"

struct msched_chan;

/**
 * struct msched_chan_ops - what the transport's user does with a channel.
 * @connect: a connection said a well-formed HELLO: claim it. @cid is the
 *	peer's AF_VSOCK CID as the transport reported it. On success store
 *	in *@privp what @handle and @disconnect get. Context: process
 *	context (the channel's thread), may sleep. Return: 0; -ENOENT when
 *	nobody claims @cid (counted as unmatched; the connection is closed);
 *	a negative MSCHED_PROTO_E* code to refuse the HELLO (counted as a
 *	reject, acknowledged with that code, closed); another -errno to
 *	close the connection without a word.
 * @handle: act on one message received after HELLO. @scratch is
 *	2 * MSCHED_BALLOON_MAX_GFNS u64s of the channel's memory. Context:
 *	process context (the channel's thread), may sleep. Return: 0;
 *	-ENOTCONN to close the channel; a negative MSCHED_PROTO_E* code or
 *	another -errno to reject the message (counted; acknowledged with
 *	that code, or MSCHED_PROTO_ESTATE for an -errno; the channel stays).
 * @disconnect: the channel is closing; called once after a successful
 *	@connect, and @priv is not used again after it. Context: process
 *	context (the channel's thread), may sleep.
 */
struct msched_chan_ops {
	int (*connect)(struct msched_chan *chan, u32 cid,
		       const struct msched_proto_hello *hello, void **privp);
	int (*handle)(void *priv, struct msched_chan *chan,
		      const struct msched_proto_msg *m, u64 *scratch);
	void (*disconnect)(void *priv, struct msched_chan *chan);
};

/* channel.c: counters it owns (read by the balloon's sysfs files, debugfs) */
extern atomic64_t msched_chan_unmatched;
extern atomic64_t msched_chan_rejects;
extern atomic64_t msched_live_chans;

int msched_chan_send_target(struct msched_chan *chan, u64 target_pages);
int msched_chan_send_stats_request(struct msched_chan *chan);
void msched_chan_kick(struct msched_chan *chan);
bool msched_chan_listening(void);
int msched_chan_init(const struct msched_chan_ops *ops);
void msched_chan_exit(void);

#endif /* _MEMSCHED_CHAN_H */
