// SPDX-License-Identifier: GPL-2.0
/*
 * memsched: the AF_VSOCK endpoint that guests' balloon drivers dial.
 *
 * One listening stream socket on port `balloon_port` (any CID). Each
 * accepted connection gets a thread that reads framed messages (the frame
 * reader kmod/msched_frame.c, shared with the guest module, over the codec
 * lib/msched_proto.c), insists on HELLO first, matches the peer CID (set
 * by the transport, so a guest cannot claim another's) through its user's
 * ->connect (struct msched_chan_ops, chan.h), and hands every message to
 * its ->handle. The transport knows nothing of balloons or VMs.
 *
 * Every INFLATED and DEFLATED is acknowledged (ACK with status 0 or the
 * rejection code), other messages only when rejected.
 *
 * Hostile input: a frame the codec rejects (bad magic, version, type or
 * length, oversized, truncated) is counted, logged, acknowledged with its
 * code and the connection is closed; a well-framed message that breaks a
 * rule (a frame outside the guest, repeated, not ballooned...) is counted,
 * logged and acknowledged with its code, and the connection stays.
 *
 * Before HELLO a connection costs little: the listener keeps it on its own
 * pending list with a 48-byte buffer, reads what arrives without blocking,
 * and drops it unless its whole HELLO arrived within MSCHED_HELLO_TIMEOUT_MS
 * of the accept (one deadline, however slowly the bytes trickle in). Only a
 * well-formed HELLO gets a channel (the 32 KiB buffers) and a thread. At
 * most MSCHED_CHAN_PER_CID connections (pending or not) live per peer CID,
 * and MSCHED_CHAN_MAX in all, so one guest cannot crowd out the others.
 *
 * Lifetime: a finished thread marks its channel done and waits to be
 * stopped; the listener reaps done channels, and module unload shuts every
 * socket down and stops every thread before the code goes away.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/vm_sockets.h>
#include <net/sock.h>

#include "../msched_frame.h"
#include "chan.h"
#include "memsched.h"
#include "trace.h"

static unsigned int balloon_port = MSCHED_BALLOON_VSOCK_PORT;
module_param(balloon_port, uint, 0444);
MODULE_PARM_DESC(balloon_port, "AF_VSOCK port guests' balloon drivers connect to (default 5150)");

#define MSCHED_CHAN_MAX			256
#define MSCHED_CHAN_PER_CID		4
#define MSCHED_HELLO_TIMEOUT_MS		10000
#define MSCHED_ACCEPT_POLL_MS		200
#define MSCHED_PENDING_POLL_MS		20
#define MSCHED_SEND_TIMEOUT_MS		2000
#define MSCHED_HELLO_MSG_LEN	(MSCHED_BALLOON_HDR_LEN + MSCHED_BALLOON_HELLO_LEN)

/**
 * struct msched_chan - one guest connection.
 * @node: entry in msched_chans, guarded by msched_chans_lock.
 * @sock: the connected socket; released by whoever stops @thread.
 * @thread: reads and dispatches messages.
 * @cid: the peer's CID.
 * @done: @thread has finished and waits to be stopped.
 * @handle_lock: held by @thread while it acts on a message (from after it
 *	was read until its ACK went out), so that unload closes the socket
 *	only between two messages; guards @closing.
 * @closing: unload shut the socket down: a message @thread read before
 *	that but had not started on is dropped, not handled. So once the
 *	guest sees the channel close, nothing more is released for it.
 * @send_lock: serializes senders (the thread and sysfs writers) on @tx.
 * @hello: the guest's HELLO, received by the listener.
 * @hello_seq: its sequence number.
 * @seq: sequence number of the next message sent.
 * @rx: receive buffer, one whole message.
 * @tx: send buffer, one whole message.
 * @scratch: 2 * MSCHED_BALLOON_MAX_GFNS u64s for the user's ->handle.
 */
struct msched_chan {
	struct list_head node;
	struct socket *sock;
	struct task_struct *thread;
	u32 cid;
	bool done;
	struct mutex handle_lock;
	bool closing;
	struct mutex send_lock;
	struct msched_proto_hello hello;
	u32 hello_seq;
	u32 seq;
	u8 rx[MSCHED_BALLOON_MAX_MSG_LEN];
	u8 tx[MSCHED_BALLOON_MAX_MSG_LEN];
	u64 scratch[2 * MSCHED_BALLOON_MAX_GFNS];
};

atomic64_t msched_chan_unmatched = ATOMIC64_INIT(0);
atomic64_t msched_chan_rejects = ATOMIC64_INIT(0);
atomic64_t msched_live_chans = ATOMIC64_INIT(0);

/**
 * struct msched_pending - a connection that has not said HELLO yet.
 * @node: entry in msched_pendings.
 * @sock: the accepted socket.
 * @cid: the peer's CID.
 * @deadline: jiffies by which the whole HELLO must have arrived.
 * @len: bytes of @buf received so far.
 * @buf: the HELLO message being received (header and payload).
 *
 * Owned by the listener thread: only it touches the list and its entries.
 */
struct msched_pending {
	struct list_head node;
	struct socket *sock;
	u32 cid;
	unsigned long deadline;
	u32 len;
	u8 buf[MSCHED_HELLO_MSG_LEN];
};

/* The transport's user, from msched_chan_init(). */
static const struct msched_chan_ops *msched_chan_ops;
static struct socket *msched_listen_sock;
static struct task_struct *msched_listen_thread;
static LIST_HEAD(msched_chans);
/* Guards msched_chans and msched_chan.done; see Documentation/design/locking.rst. */
static DEFINE_SPINLOCK(msched_chans_lock);
/* The listener thread's own: connections waiting for their HELLO. */
static LIST_HEAD(msched_pendings);

static void chan_set_timeout(struct socket *sock, long *field, unsigned int ms)
{
	lock_sock(sock->sk);
	*field = ms ? msecs_to_jiffies(ms) : MAX_SCHEDULE_TIMEOUT;
	release_sock(sock->sk);
}

/*
 * Send @m (its seq is assigned here) as one whole message. 0 or -errno.
 * A send that fails may have left part of the frame in the stream, which
 * the guest could only misread: the socket is shut down then, so the guest
 * sees the channel end instead, and the thread closes it.
 */
static int chan_send(struct msched_chan *chan, struct msched_proto_msg *m)
{
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	struct kvec iov = { .iov_base = chan->tx };
	int len, n;

	mutex_lock(&chan->send_lock);
	m->seq = chan->seq++;
	len = msched_proto_encode(chan->tx, sizeof(chan->tx), m);
	if (len < 0) {
		n = -EINVAL;	/* our encoder refused: a memsched bug */
	} else {
		iov.iov_len = len;
		n = kernel_sendmsg(chan->sock, &msg, &iov, 1, len);
		n = n == len ? 0 : n < 0 ? n : -EPIPE;
		if (n) {
			pr_info_ratelimited("vsock CID %u: sending a message failed (%d); closing the channel\n",
					    chan->cid, n);
			kernel_sock_shutdown(chan->sock, SHUT_RDWR);
		}
	}
	mutex_unlock(&chan->send_lock);
	return n;
}

/**
 * msched_chan_send_target() - send SET_TARGET to the guest.
 * @chan: the channel
 * @target_pages: the balloon size asked for
 *
 * Context: process context; may sleep up to the send timeout (2 s).
 * Return: 0 or -errno (the socket is shut down then; its thread closes
 * the channel).
 */
int msched_chan_send_target(struct msched_chan *chan, u64 target_pages)
{
	struct msched_proto_msg m = {
		.type = MSCHED_BALLOON_MSG_SET_TARGET,
		.target_pages = target_pages,
	};

	return chan_send(chan, &m);
}

/**
 * msched_chan_send_stats_request() - ask the guest for STATS and CLASSES.
 * @chan: the channel
 *
 * Context: process context; may sleep up to the send timeout (2 s).
 * Return: 0 or -errno (the socket is shut down then).
 */
int msched_chan_send_stats_request(struct msched_chan *chan)
{
	struct msched_proto_msg m = { .type = MSCHED_BALLOON_MSG_STATS_REQUEST };

	return chan_send(chan, &m);
}

static void chan_send_ack(struct msched_chan *chan, u32 acked_seq, int status)
{
	struct msched_proto_msg m = {
		.type = MSCHED_BALLOON_MSG_ACK,
		.ack = { .seq = acked_seq, .status = status },
	};

	chan_send(chan, &m);
}

/**
 * msched_chan_kick() - make a channel's thread close it.
 * @chan: the channel; the caller guarantees it is alive (between its
 *	->connect and its ->disconnect)
 *
 * Context: any process context.
 */
void msched_chan_kick(struct msched_chan *chan)
{
	kernel_sock_shutdown(chan->sock, SHUT_RDWR);
}

/**
 * msched_chan_listening() - whether the endpoint is up.
 *
 * Context: any.
 * Return: true when memsched accepts balloon channels.
 */
bool msched_chan_listening(void)
{
	return READ_ONCE(msched_listen_sock) != NULL;
}

static bool is_proto_err(int ret)
{
	return ret <= -MSCHED_PROTO_EBASE;
}

/* A frame the codec refused: count, log, tell the peer, and hang up. */
static void chan_reject_frame(struct msched_chan *chan, int err)
{
	const u8 *p = chan->rx + MSCHED_BALLOON_OFF_SEQ;
	u32 seq = p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24;

	atomic64_inc(&msched_chan_rejects);
	trace_msched_balloon_reject(-1, chan->cid, 0, err);
	pr_info_ratelimited("vsock CID %u: rejected a message (%s); closing the channel\n",
			    chan->cid, msched_proto_strerror(err));
	chan_send_ack(chan, seq, err);
}

static int msched_chan_thread(void *data)
{
	struct msched_chan *chan = data;
	const struct msched_chan_ops *ops = msched_chan_ops;
	struct msched_proto_msg m;
	void *priv = NULL;
	int ret;

	chan_set_timeout(chan->sock, &chan->sock->sk->sk_sndtimeo,
			 MSCHED_SEND_TIMEOUT_MS);
	ret = ops->connect(chan, chan->cid, &chan->hello, &priv);
	if (ret) {
		if (ret == -ENOENT) {
			atomic64_inc(&msched_chan_unmatched);
		} else if (is_proto_err(ret)) {
			atomic64_inc(&msched_chan_rejects);
			trace_msched_balloon_reject(-1, chan->cid,
						    MSCHED_BALLOON_MSG_HELLO, ret);
			chan_send_ack(chan, chan->hello_seq, ret);
		}
		goto out;
	}
	/*
	 * The ACK of HELLO tells the guest that no earlier channel from its
	 * CID will act any more: ->connect replaced it before returning.
	 */
	chan_send_ack(chan, chan->hello_seq, 0);

	while (!kthread_should_stop()) {
		ret = msched_frame_recv(chan->sock, chan->rx, &m);
		if (is_proto_err(ret)) {
			chan_reject_frame(chan, ret);
			break;
		}
		if (ret)
			break;		/* closed, kicked or broken */
		mutex_lock(&chan->handle_lock);
		if (chan->closing) {	/* read before unload closed it */
			mutex_unlock(&chan->handle_lock);
			break;
		}
		ret = ops->handle(priv, chan, &m, chan->scratch);
		if (ret == -ENOTCONN) {
			mutex_unlock(&chan->handle_lock);
			break;
		}
		if (ret)
			atomic64_inc(&msched_chan_rejects);
		/*
		 * Balloon changes are acknowledged either way: once the ACK of
		 * an INFLATED arrives, the guest knows the host memory of
		 * those frames is released and may hand them out again.
		 */
		if (ret || m.type == MSCHED_BALLOON_MSG_INFLATED ||
		    m.type == MSCHED_BALLOON_MSG_DEFLATED)
			chan_send_ack(chan, m.seq, is_proto_err(ret) ? ret :
				      ret ? -MSCHED_PROTO_ESTATE : 0);
		mutex_unlock(&chan->handle_lock);
	}
	ops->disconnect(priv, chan);
out:
	kernel_sock_shutdown(chan->sock, SHUT_RDWR);
	spin_lock(&msched_chans_lock);
	chan->done = true;
	spin_unlock(&msched_chans_lock);
	/* The listener (or unload) stops us and frees the channel. */
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static void chan_free(struct msched_chan *chan)
{
	kthread_stop(chan->thread);
	put_task_struct(chan->thread);
	sock_release(chan->sock);
	kvfree(chan);
	atomic64_dec(&msched_live_chans);
}

/* Stop and free channels whose thread finished (all of them if @all). */
static void chan_reap(bool all)
{
	struct msched_chan *chan, *tmp;
	LIST_HEAD(dead);

	spin_lock(&msched_chans_lock);
	list_for_each_entry_safe(chan, tmp, &msched_chans, node)
		if (all || chan->done)
			list_move(&chan->node, &dead);
	spin_unlock(&msched_chans_lock);
	list_for_each_entry_safe(chan, tmp, &dead, node) {
		list_del(&chan->node);
		if (all) {	/* between two messages (see @handle_lock) */
			mutex_lock(&chan->handle_lock);
			chan->closing = true;
			kernel_sock_shutdown(chan->sock, SHUT_RDWR);
			mutex_unlock(&chan->handle_lock);
		}
		chan_free(chan);
	}
}

/*
 * Give a connection that said HELLO its channel and thread. It keeps the
 * msched_live_chans count its pending entry had. Return: 0 or -errno (the
 * caller drops the connection).
 */
static int chan_start(struct msched_pending *p,
		      const struct msched_proto_msg *hello)
{
	struct msched_chan *chan;

	chan = msched_fallible(kvzalloc(sizeof(*chan), GFP_KERNEL));
	if (!chan)
		return -ENOMEM;
	chan->sock = p->sock;
	chan->cid = p->cid;
	chan->hello = hello->hello;
	chan->hello_seq = hello->seq;
	mutex_init(&chan->handle_lock);
	mutex_init(&chan->send_lock);
	chan->thread = kthread_create(msched_chan_thread, chan, "msched_ch/%u",
				      chan->cid);
	if (IS_ERR(chan->thread)) {
		kvfree(chan);
		return -ENOMEM;
	}
	get_task_struct(chan->thread);
	spin_lock(&msched_chans_lock);
	list_add_tail(&chan->node, &msched_chans);
	spin_unlock(&msched_chans_lock);
	wake_up_process(chan->thread);
	return 0;
}

/* Connections from @cid: pending ones and channels still running. */
static u32 chan_count_cid(u32 cid)
{
	struct msched_pending *p;
	struct msched_chan *chan;
	u32 n = 0;

	list_for_each_entry(p, &msched_pendings, node)
		n += p->cid == cid;
	spin_lock(&msched_chans_lock);
	list_for_each_entry(chan, &msched_chans, node)
		n += chan->cid == cid && !chan->done;
	spin_unlock(&msched_chans_lock);
	return n;
}

/* A new connection: keep it pending until its HELLO is in, if allowed. */
static void chan_accept(struct socket *sock)
{
	struct sockaddr_vm peer = {};
	struct msched_pending *p;
	const char *why = NULL;
	int ret;

	ret = kernel_getpeername(sock, (struct sockaddr *)&peer);
	if (ret < 0)
		why = "no peer address";
	else if (atomic64_read(&msched_live_chans) >= MSCHED_CHAN_MAX)
		why = "too many channels";
	else if (chan_count_cid(peer.svm_cid) >= MSCHED_CHAN_PER_CID)
		why = "too many channels from that CID";
	if (why) {
		pr_info_ratelimited("refused a balloon connection from vsock CID %u (%s; at most %u per CID, %u in all)\n",
				    peer.svm_cid, why, MSCHED_CHAN_PER_CID,
				    MSCHED_CHAN_MAX);
		goto out_release;
	}
	p = msched_fallible(kzalloc(sizeof(*p), GFP_KERNEL));
	if (!p)
		goto out_release;
	p->sock = sock;
	p->cid = peer.svm_cid;
	p->deadline = jiffies + msecs_to_jiffies(MSCHED_HELLO_TIMEOUT_MS);
	atomic64_inc(&msched_live_chans);
	list_add_tail(&p->node, &msched_pendings);
	return;

out_release:
	sock_release(sock);
}

static void pending_drop(struct msched_pending *p)
{
	list_del(&p->node);
	kernel_sock_shutdown(p->sock, SHUT_RDWR);
	sock_release(p->sock);
	kfree(p);
	atomic64_dec(&msched_live_chans);
}

/* A first message the codec refused, or not a HELLO: tell the peer, drop. */
static void pending_reject(struct msched_pending *p, int err)
{
	const u8 *q = p->buf + MSCHED_BALLOON_OFF_SEQ;
	struct msched_proto_msg m = {
		.type = MSCHED_BALLOON_MSG_ACK,
		.ack = {
			.seq = q[0] | q[1] << 8 | q[2] << 16 | (u32)q[3] << 24,
			.status = err,
		},
	};
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL | MSG_DONTWAIT };
	u8 buf[MSCHED_BALLOON_HDR_LEN + MSCHED_BALLOON_ACK_LEN];
	struct kvec iov = { .iov_base = buf };
	int len;

	atomic64_inc(&msched_chan_rejects);
	trace_msched_balloon_reject(-1, p->cid, 0, err);
	pr_info_ratelimited("vsock CID %u: rejected a message (%s); closing the channel\n",
			    p->cid, msched_proto_strerror(err));
	len = msched_proto_encode(buf, sizeof(buf), &m);
	if (len > 0) {
		iov.iov_len = len;
		kernel_sendmsg(p->sock, &msg, &iov, 1, len);
	}
	pending_drop(p);
}

/*
 * Read what arrived of @p's HELLO without blocking; act on a whole one, a
 * bad one, a closed connection, or a missed deadline.
 */
static void pending_poll(struct msched_pending *p)
{
	struct msched_proto_msg m;
	struct msched_proto_hdr h;
	u32 want = MSCHED_BALLOON_HDR_LEN;
	int ret;

	for (;;) {
		struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
		struct kvec iov;

		if (p->len >= MSCHED_BALLOON_HDR_LEN) {
			ret = msched_proto_decode_header(p->buf,
							 MSCHED_BALLOON_HDR_LEN, &h);
			if (!ret && h.type != MSCHED_BALLOON_MSG_HELLO)
				ret = -MSCHED_PROTO_ESTATE;
			if (!ret && h.payload_len != MSCHED_BALLOON_HELLO_LEN)
				ret = -MSCHED_PROTO_ELEN;
			if (ret) {
				pending_reject(p, ret);
				return;
			}
			want = MSCHED_HELLO_MSG_LEN;
		}
		if (p->len == want)
			break;
		iov.iov_base = p->buf + p->len;
		iov.iov_len = want - p->len;
		ret = kernel_recvmsg(p->sock, &msg, &iov, 1, iov.iov_len,
				     MSG_DONTWAIT);
		if (ret == -EAGAIN) {
			if (time_after(jiffies, p->deadline)) {
				pr_info_ratelimited("vsock CID %u: no HELLO within %u ms; closing\n",
						    p->cid, MSCHED_HELLO_TIMEOUT_MS);
				pending_drop(p);
			}
			return;
		}
		if (ret <= 0) {
			pr_info_ratelimited("vsock CID %u: closed before HELLO (%d)\n",
					    p->cid, ret);
			pending_drop(p);
			return;
		}
		p->len += ret;
	}

	ret = msched_proto_decode(&h, p->buf + MSCHED_BALLOON_HDR_LEN,
				  h.payload_len, &m);
	if (ret) {
		pending_reject(p, ret);
		return;
	}
	list_del(&p->node);
	if (chan_start(p, &m)) {
		list_add(&p->node, &msched_pendings);
		pending_drop(p);
		return;
	}
	kfree(p);
}

static void pending_poll_all(void)
{
	struct msched_pending *p, *tmp;

	list_for_each_entry_safe(p, tmp, &msched_pendings, node)
		pending_poll(p);
}

static int msched_listen_fn(void *data)
{
	unsigned int poll_ms = MSCHED_ACCEPT_POLL_MS, want_ms;
	struct msched_pending *p, *tmp;
	struct socket *sock;
	int ret;

	while (!kthread_should_stop()) {
		/* Waiting HELLOs are read every 20 ms, between accepts. */
		want_ms = list_empty(&msched_pendings) ? MSCHED_ACCEPT_POLL_MS :
			  MSCHED_PENDING_POLL_MS;
		if (want_ms != poll_ms) {
			poll_ms = want_ms;
			chan_set_timeout(msched_listen_sock,
					 &msched_listen_sock->sk->sk_rcvtimeo,
					 poll_ms);
		}
		ret = kernel_accept(msched_listen_sock, &sock, 0);
		if (!ret)
			chan_accept(sock);
		else if (ret != -EAGAIN && ret != -EINTR && ret != -ERESTARTSYS)
			msleep(MSCHED_ACCEPT_POLL_MS);	/* do not spin on errors */
		pending_poll_all();
		chan_reap(false);
	}
	list_for_each_entry_safe(p, tmp, &msched_pendings, node)
		pending_drop(p);
	return 0;
}

/**
 * msched_chan_init() - listen for balloon drivers.
 * @ops: what to do with a connection that said HELLO and with its
 *	messages; must stay valid until msched_chan_exit() returns.
 *
 * Without AF_VSOCK (no vsock transport module) memsched works without the
 * channel; the log says how to get it.
 *
 * Context: process context, module init.
 * Return: 0 (also when the channel is unavailable), or -errno on a bad
 * balloon_port or when the listener thread cannot start.
 */
int msched_chan_init(const struct msched_chan_ops *ops)
{
	struct sockaddr_vm addr = {
		.svm_family = AF_VSOCK,
		.svm_cid = VMADDR_CID_ANY,
		.svm_port = balloon_port,
	};
	struct socket *sock;
	int ret;

	if (!balloon_port || balloon_port == VMADDR_PORT_ANY) {
		pr_info("balloon_port=%u: accepted: 1 to %u\n", balloon_port,
			VMADDR_PORT_ANY - 1);
		return -EINVAL;
	}
	msched_chan_ops = ops;
	ret = sock_create_kern(&init_net, AF_VSOCK, SOCK_STREAM, 0, &sock);
	if (ret) {
		pr_info("balloon channel unavailable: no AF_VSOCK (%d); modprobe vhost_vsock and reload memsched\n",
			ret);
		return 0;
	}
	ret = kernel_bind(sock, (struct sockaddr *)&addr, sizeof(addr));
	if (!ret)
		ret = kernel_listen(sock, 64);
	if (ret) {
		pr_info("balloon channel unavailable: cannot listen on vsock port %u (%d)\n",
			balloon_port, ret);
		sock_release(sock);
		return 0;
	}
	/* accept() wakes up this often to notice kthread_stop(). */
	chan_set_timeout(sock, &sock->sk->sk_rcvtimeo, MSCHED_ACCEPT_POLL_MS);
	msched_listen_sock = sock;
	msched_listen_thread = kthread_run(msched_listen_fn, NULL,
					   "msched_vsock");
	if (IS_ERR(msched_listen_thread)) {
		ret = PTR_ERR(msched_listen_thread);
		msched_listen_thread = NULL;
		msched_listen_sock = NULL;
		sock_release(sock);
		return ret;
	}
	pr_info("balloon channel listening on vsock port %u\n", balloon_port);
	return 0;
}

/**
 * msched_chan_exit() - close the endpoint and every channel.
 *
 * Context: process context, module exit (or a failed init).
 */
void msched_chan_exit(void)
{
	if (msched_listen_thread) {
		kthread_stop(msched_listen_thread);
		msched_listen_thread = NULL;
	}
	chan_reap(true);
	if (msched_listen_sock) {
		sock_release(msched_listen_sock);
		WRITE_ONCE(msched_listen_sock, NULL);
	}
}
