// SPDX-License-Identifier: GPL-2.0
/*
 * balloon_guest: the transport, the AF_VSOCK connection to the host
 * (memsched.ko).
 *
 * One kthread owns the socket. It connects to {host_cid, balloon_port},
 * sends HELLO and tells its user (ops->up: the balloon starts a session,
 * one STATS and one CLASSES go out), then reads messages with the frame
 * reader (kmod/msched_frame.c; the codec is lib/msched_proto.c) and
 * dispatches each through the table ops->handle until the connection
 * breaks. Then ops->down deflates the whole balloon, since the host that
 * asked for it is gone, and the thread reconnects every reconnect_ms;
 * pages the host may still release (their INFLATED was not acknowledged)
 * are held until a host acknowledges the HELLO of a new connection
 * (ops->hello_acked, balloon.c). Connection failures are counted on every
 * attempt but logged once per change of state. This file calls no other
 * part of the module: what the messages do is in the table.
 *
 * Senders (this thread, the balloon work, the stats tick) are serialized by
 * send_lock and write one whole message each; a send that fails hangs up,
 * because a stream with half a message in it is useless. Lists of pages
 * carry the session they were logged in, so nothing logged for one
 * connection is ever sent on the next.
 *
 * Unload sets stopping, sends the thread SIGKILL (a blocked connect waits
 * for the peer or a signal, not for shutdown) and shuts the socket down (a
 * blocked receive or send returns), then stops the thread, which deflates
 * the balloon on its way out.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/nodemask.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/utsname.h>
#include <linux/vm_sockets.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "../msched_frame.h"
#include "balloon_guest.h"
#include "trace.h"

static unsigned int host_cid = VMADDR_CID_HOST;
module_param(host_cid, uint, 0444);
MODULE_PARM_DESC(host_cid, "AF_VSOCK CID of the host that runs memsched.ko (default 2)");

static unsigned int balloon_port = MSCHED_BALLOON_VSOCK_PORT;
module_param(balloon_port, uint, 0444);
MODULE_PARM_DESC(balloon_port, "AF_VSOCK port memsched.ko listens on (default 5150)");

/* A host that stops reading for this long is treated as gone. */
#define BGUEST_SEND_TIMEOUT	(10 * HZ)

/**
 * bguest_chan_connected() - whether the host is connected.
 * @bg: the driver
 *
 * Context: any.
 * Return: true between a successful HELLO and the end of that connection.
 */
bool bguest_chan_connected(struct bguest *bg)
{
	return READ_ONCE(bg->chan.connected);
}

/* Write @len bytes of tx on the socket; a failure hangs up. */
static int __bguest_chan_send(struct bguest *bg, size_t len)
{
	struct bguest_chan *c = &bg->chan;
	size_t done = 0;
	int ret;

	lockdep_assert_held(&c->send_lock);
	while (done < len) {
		struct kvec iov = {
			.iov_base = c->tx + done,
			.iov_len = len - done,
		};
		struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };

		ret = kernel_sendmsg(c->sock, &msg, &iov, 1, len - done);
		if (ret <= 0) {
			ret = ret ?: -EPIPE;
			pr_warn_ratelimited("send to host failed (%d); hanging up\n",
					    ret);
			kernel_sock_shutdown(c->sock, SHUT_RDWR);
			c->ready = false;
			return ret;
		}
		done += ret;
	}
	atomic64_inc(&bg->ctr.nr_messages_sent);
	return 0;
}

/**
 * bguest_chan_hangup() - drop the connection to the host.
 * @bg: the driver
 * @why: logged once
 *
 * The channel thread sees the end of the stream, deflates the balloon and
 * reconnects.
 *
 * Context: process context; takes the send lock.
 */
void bguest_chan_hangup(struct bguest *bg, const char *why)
{
	struct bguest_chan *c = &bg->chan;

	mutex_lock(&c->send_lock);
	if (c->ready) {
		pr_warn("%s; hanging up\n", why);
		kernel_sock_shutdown(c->sock, SHUT_RDWR);
		c->ready = false;
	}
	mutex_unlock(&c->send_lock);
}

/* Send the message the encoder left in tx (@len bytes, or its error). */
static int __bguest_chan_send_msg(struct bguest *bg, int len, u32 *seq)
{
	struct bguest_chan *c = &bg->chan;

	lockdep_assert_held(&c->send_lock);
	/* Our own messages are always encodable. */
	if (WARN_ON_ONCE(len < 0))
		return -EINVAL;
	if (seq)
		*seq = c->seq;
	c->seq++;
	return __bguest_chan_send(bg, len);
}

/**
 * bguest_chan_send_gfns() - send an INFLATED or DEFLATED message.
 * @bg: the driver
 * @session: the connection the pages were logged in
 * @type: MSCHED_BALLOON_MSG_INFLATED or MSCHED_BALLOON_MSG_DEFLATED
 * @gfns: the page frame numbers
 * @nr: how many, 1..MSCHED_BALLOON_MAX_GFNS
 * @seq: where to store the sequence number the message went out with
 *
 * Context: process context; takes send_lock; may sleep (up to the send
 * timeout if the host stops reading).
 * Return: 0 on success; -ENOTCONN if that connection is gone; -errno if
 * the send failed (the connection is then hung up).
 */
int bguest_chan_send_gfns(struct bguest *bg, u64 session, u16 type,
			  const u64 *gfns, u32 nr, u32 *seq)
{
	struct bguest_chan *c = &bg->chan;
	int len, ret = -ENOTCONN;

	mutex_lock(&c->send_lock);
	if (c->ready && c->session == session) {
		len = msched_proto_encode_gfns(c->tx, MSCHED_BALLOON_MAX_MSG_LEN,
					       c->seq, type, gfns, nr);
		ret = __bguest_chan_send_msg(bg, len, seq);
	}
	mutex_unlock(&c->send_lock);
	return ret;
}

/**
 * bguest_chan_send_kvs() - send a STATS or CLASSES message.
 * @bg: the driver
 * @type: MSCHED_BALLOON_MSG_STATS or MSCHED_BALLOON_MSG_CLASSES
 * @kv: the (tag, value) pairs
 * @nr: how many
 *
 * Context: process context; takes send_lock; may sleep.
 * Return: 0 on success; -ENOTCONN if not connected; -errno if the send
 * failed (the connection is then hung up).
 */
int bguest_chan_send_kvs(struct bguest *bg, u16 type,
			 const struct msched_proto_kv *kv, u32 nr)
{
	struct bguest_chan *c = &bg->chan;
	int len, ret = -ENOTCONN;

	mutex_lock(&c->send_lock);
	if (c->ready) {
		len = msched_proto_encode_kvs(c->tx, MSCHED_BALLOON_MAX_MSG_LEN,
					      c->seq, type, kv, nr);
		ret = __bguest_chan_send_msg(bg, len, NULL);
	}
	mutex_unlock(&c->send_lock);
	return ret;
}

/*
 * One past the highest page frame of any online node: what max_pfn holds,
 * but max_pfn is not exported to modules.
 */
static u64 bguest_chan_guest_pages(void)
{
	u64 end = 0;
	int nid;

	for_each_online_node(nid)
		end = max_t(u64, end, node_end_pfn(nid));
	return end;
}

static int bguest_chan_send_hello(struct bguest *bg, u32 *seq)
{
	struct bguest_chan *c = &bg->chan;
	struct msched_proto_hello hello = {
		.proto_version = MSCHED_BALLOON_VERSION,
		.flags = MSCHED_BALLOON_HELLO_F_CLASSES,
		.page_size = PAGE_SIZE,
		.guest_pages = bguest_chan_guest_pages(),
	};
	const char *name = utsname()->nodename;
	int ret;

	memcpy(hello.vm_id, name, strnlen(name, MSCHED_BALLOON_VM_ID_LEN));
	mutex_lock(&c->send_lock);
	ret = msched_proto_encode_hello(c->tx, MSCHED_BALLOON_MAX_MSG_LEN,
					c->seq, &hello);
	ret = __bguest_chan_send_msg(bg, ret, seq);
	c->ready = !ret;
	mutex_unlock(&c->send_lock);
	return ret;
}

/* A message the host must not send, or that did not decode: hang up. */
static int bguest_chan_protocol_error(struct bguest *bg, int err, char *why,
				      size_t size)
{
	atomic64_inc(&bg->ctr.nr_protocol_errors);
	snprintf(why, size, "protocol error: %s", msched_proto_strerror(err));
	return -EPROTO;
}

/*
 * Hand one message to its handler in the table. The ACK of this
 * connection's HELLO is the transport's own: the host matched us, and no
 * earlier connection of ours can release anything any more.
 * Return: 0, or -EPROTO (@why says why) to hang up.
 */
static int bguest_chan_dispatch(struct bguest *bg,
				const struct msched_proto_msg *m, char *why,
				size_t size)
{
	struct bguest_chan *c = &bg->chan;
	const struct bguest_chan_ops *ops = c->ops;
	bguest_msg_fn fn = NULL;
	int ret;
	u64 nr;

	if (m->type == MSCHED_BALLOON_MSG_ACK && !c->hello_acked &&
	    m->ack.seq == c->hello_seq) {
		c->hello_acked = true;
		if (m->ack.status >= 0) {
			nr = ops->hello_acked(bg);
			if (nr)
				pr_info("host acknowledged HELLO: gave back %llu held pages\n",
					nr);
			return 0;
		}
		/* A rejected HELLO goes to the ACK handler like any rejection. */
	}
	if (m->type < ARRAY_SIZE(ops->handle))
		fn = ops->handle[m->type];
	if (!fn) {
		atomic64_inc(&bg->ctr.nr_protocol_errors);
		snprintf(why, size,
			 "protocol error: unexpected message type %u from the host",
			 m->type);
		return -EPROTO;
	}
	ret = fn(bg, m);
	if (ret)
		return bguest_chan_protocol_error(bg, ret, why, size);
	return 0;
}

/*
 * Run one connection until it breaks; @why says how, for the log.
 * Return: the error that ended it (0 when the host closed it).
 */
static int bguest_chan_session(struct bguest *bg, struct socket *sock,
			       char *why, size_t size)
{
	struct bguest_chan *c = &bg->chan;
	struct msched_proto_msg m;
	int ret;

	c->hello_acked = false;
	ret = bguest_chan_send_hello(bg, &c->hello_seq);
	if (ret) {
		snprintf(why, size, "sending HELLO failed");
		return ret;
	}
	WRITE_ONCE(c->connected, true);
	bguest_publish(bg, BGUEST_EV_CONNECTED);
	trace_bguest_channel("up", c->host_cid, c->port, 0);
	pr_info("connected to host cid %u port %u\n", c->host_cid, c->port);
	c->ops->up(bg, c->session);

	for (;;) {
		ret = msched_frame_recv(sock, c->rx, &m);
		if (ret)
			break;
		atomic64_inc(&bg->ctr.nr_messages_received);
		ret = bguest_chan_dispatch(bg, &m, why, size);
		if (ret)
			return ret;
	}
	if (ret <= -MSCHED_PROTO_EBASE)
		return bguest_chan_protocol_error(bg, ret, why, size);
	if (ret == -ESHUTDOWN)
		ret = 0;
	if (READ_ONCE(c->stopping))
		snprintf(why, size, "module unload");
	else if (!ret)
		snprintf(why, size, "host closed the connection");
	else
		snprintf(why, size, "receive failed");
	return ret;
}

static int bguest_chan_connect(struct bguest_chan *c, struct socket **sockp)
{
	struct sockaddr_vm addr = {
		.svm_family = AF_VSOCK,
		.svm_cid = c->host_cid,
		.svm_port = c->port,
	};
	struct socket *sock;
	int ret;

	ret = sock_create_kern(&init_net, AF_VSOCK, SOCK_STREAM, 0, &sock);
	if (ret)
		return ret;
	sock->sk->sk_sndtimeo = BGUEST_SEND_TIMEOUT;
	ret = kernel_connect(sock, (struct sockaddr *)&addr, sizeof(addr), 0);
	if (ret) {
		sock_release(sock);
		return ret;
	}
	*sockp = sock;
	return 0;
}

/* Make @sock the current connection, or (NULL) end it. */
static void bguest_chan_publish(struct bguest_chan *c, struct socket *sock)
{
	mutex_lock(&c->send_lock);
	mutex_lock(&c->sock_lock);
	c->sock = sock;
	c->session = sock ? ++c->nr_sessions : 0;
	c->seq = 0;
	c->ready = false;
	mutex_unlock(&c->sock_lock);
	mutex_unlock(&c->send_lock);
}

static void bguest_chan_sleep(unsigned int ms)
{
	/* Interrupted by kthread_stop() and by unload's signal. */
	schedule_timeout_interruptible(msecs_to_jiffies(ms));
}

static int bguest_chan_thread(void *data)
{
	struct bguest *bg = data;
	struct bguest_chan *c = &bg->chan;
	bool down_logged = false;
	struct socket *sock;
	char why[96];
	u64 nr, held;
	int ret;

	allow_signal(SIGKILL);
	while (!kthread_should_stop()) {
		if (READ_ONCE(c->stopping)) {
			/* Wait for kthread_stop(); signals do not wake TASK_IDLE. */
			set_current_state(TASK_IDLE);
			if (!kthread_should_stop())
				schedule();
			__set_current_state(TASK_RUNNING);
			continue;
		}
		if (signal_pending(current)) {
			/* Not unload's (stopping is set before it is sent). */
			flush_signals(current);
			continue;
		}

		ret = bguest_chan_connect(c, &sock);
		if (ret) {
			atomic64_inc(&bg->ctr.nr_connect_failures);
			if (!down_logged) {
				trace_bguest_channel("down", c->host_cid,
						     c->port, ret);
				pr_info("host cid %u port %u unreachable (%d); retrying every %u ms\n",
					c->host_cid, c->port, ret,
					READ_ONCE(c->reconnect_ms));
				down_logged = true;
			}
			bguest_chan_sleep(READ_ONCE(c->reconnect_ms));
			continue;
		}

		bguest_chan_publish(c, sock);
		ret = bguest_chan_session(bg, sock, why, sizeof(why));
		WRITE_ONCE(c->connected, false);
		/* Wake senders blocked on the socket, wait for them, free it. */
		kernel_sock_shutdown(sock, SHUT_RDWR);
		bguest_chan_publish(c, NULL);
		sock_release(sock);

		nr = c->ops->down(bg, &held);
		bguest_publish(bg, BGUEST_EV_DISCONNECTED);
		trace_bguest_channel("lost", c->host_cid, c->port, ret);
		pr_info("connection to host lost: %s (%d); deflated %llu pages, holding %llu until a host acknowledges HELLO\n",
			why, ret, nr, held);
		down_logged = true;
		if (!READ_ONCE(c->stopping))
			bguest_chan_sleep(READ_ONCE(c->reconnect_ms));
	}
	return 0;
}

/**
 * bguest_chan_init() - start connecting to the host.
 * @bg: the driver
 * @ops: what the connection's events and the host's messages do; every
 *	callback and every handler the host may send must be set
 *
 * Context: process context, module init; may sleep.
 * Return: 0 on success, -errno on failure (nothing is left behind).
 */
int bguest_chan_init(struct bguest *bg, const struct bguest_chan_ops *ops)
{
	struct bguest_chan *c = &bg->chan;
	int ret = -ENOMEM;

	c->ops = ops;
	c->host_cid = host_cid;
	c->port = balloon_port;
	c->reconnect_ms = 1000;
	mutex_init(&c->send_lock);
	mutex_init(&c->sock_lock);
	c->tx = kmalloc(MSCHED_BALLOON_MAX_MSG_LEN, GFP_KERNEL);
	if (!c->tx)
		return ret;
	c->rx = kmalloc(MSCHED_BALLOON_MAX_MSG_LEN, GFP_KERNEL);
	if (!c->rx)
		goto out_free_tx;
	c->thread = kthread_run(bguest_chan_thread, bg, "balloon_guest");
	if (IS_ERR(c->thread)) {
		ret = PTR_ERR(c->thread);
		goto out_free_rx;
	}
	return 0;

out_free_rx:
	kfree(c->rx);
out_free_tx:
	kfree(c->tx);
	return ret;
}

/**
 * bguest_chan_exit() - close the connection and stop its thread.
 * @bg: the driver
 *
 * Interrupts a blocked connect, receive or send; the thread deflates the
 * balloon (ops->down) before it stops.
 *
 * Context: process context, module exit; may sleep.
 */
void bguest_chan_exit(struct bguest *bg)
{
	struct bguest_chan *c = &bg->chan;

	WRITE_ONCE(c->stopping, true);
	send_sig(SIGKILL, c->thread, 1);
	mutex_lock(&c->sock_lock);
	if (c->sock)
		kernel_sock_shutdown(c->sock, SHUT_RDWR);
	mutex_unlock(&c->sock_lock);
	kthread_stop(c->thread);
	kfree(c->rx);
	kfree(c->tx);
}
