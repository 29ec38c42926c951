// SPDX-License-Identifier: GPL-2.0
/*
 * balloon_guest: the AF_VSOCK connection to the host (memsched.ko).
 *
 * One kthread owns the socket. It connects to {host_cid, port}, sends
 * HELLO, one STATS and one CLASSES, then reads framed messages (the codec is
 * lib/msched_proto.c) and dispatches them until the connection breaks. Then
 * it deflates the whole balloon, since the host that asked for it is gone,
 * and reconnects every reconnect_ms; pages the host may still release
 * (their INFLATED was not acknowledged) are held until a host acknowledges
 * the HELLO of a new connection (balloon.c). Connection failures are counted on
 * every attempt but logged once per change of state.
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

#include "balloon_guest.h"
#include "trace.h"

static unsigned int host_cid = VMADDR_CID_HOST;
module_param(host_cid, uint, 0444);
MODULE_PARM_DESC(host_cid, "AF_VSOCK CID of the host that runs memsched.ko (default 2)");

static unsigned int port = MSCHED_BALLOON_VSOCK_PORT;
module_param(port, uint, 0444);
MODULE_PARM_DESC(port, "AF_VSOCK port memsched.ko listens on (default 5150)");

unsigned int bguest_reconnect_ms = 1000;

/* A host that stops reading for this long is treated as gone. */
#define BGUEST_SEND_TIMEOUT	(10 * HZ)

/**
 * struct bguest_chan - the connection to the host.
 * @thread: connects, receives and dispatches; owns @sock.
 * @send_lock: serializes senders; guards @tx, @seq, @session and @ready,
 *	and keeps @sock alive while a sender uses it.
 * @sock_lock: guards @sock for unload, which shuts it down to wake the
 *	thread; nests inside @send_lock.
 * @sock: the connected socket, NULL between connections; written by
 *	@thread under both locks.
 * @session: number of the current connection, 0 between connections.
 * @nr_sessions: connections made so far; @thread only.
 * @seq: sequence number of the next message on this connection.
 * @ready: HELLO went out on this connection: other messages may follow.
 * @tx: send buffer, one whole message.
 * @rx: receive buffer, one whole message; @thread only.
 * @connected: HELLO went out on @sock; read locklessly.
 * @stopping: unload began; set once, read locklessly.
 */
struct bguest_chan {
	struct task_struct *thread;
	struct mutex send_lock;
	struct mutex sock_lock;
	struct socket *sock;
	u64 session;
	u64 nr_sessions;
	u32 seq;
	bool ready;
	u8 *tx;
	u8 *rx;
	bool connected;
	bool stopping;
};

static struct bguest_chan bguest_chan;

/**
 * bguest_chan_connected() - whether the host is connected.
 *
 * Context: any.
 * Return: true between a successful HELLO and the end of that connection.
 */
bool bguest_chan_connected(void)
{
	return READ_ONCE(bguest_chan.connected);
}

/* Write @len bytes of tx on the socket; a failure hangs up. */
static int __bguest_chan_send(size_t len)
{
	struct bguest_chan *c = &bguest_chan;
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
	atomic64_inc(&bguest_ctr.messages_sent);
	return 0;
}

/**
 * bguest_chan_hangup() - drop the connection to the host.
 * @why: logged once
 *
 * The channel thread sees the end of the stream, deflates the balloon and
 * reconnects.
 *
 * Context: process context; takes the send lock.
 */
void bguest_chan_hangup(const char *why)
{
	struct bguest_chan *c = &bguest_chan;

	mutex_lock(&c->send_lock);
	if (c->ready) {
		pr_warn("%s; hanging up\n", why);
		kernel_sock_shutdown(c->sock, SHUT_RDWR);
		c->ready = false;
	}
	mutex_unlock(&c->send_lock);
}

/* Send the message the encoder left in tx (@len bytes, or its error). */
static int __bguest_chan_send_msg(int len, u32 *seq)
{
	struct bguest_chan *c = &bguest_chan;

	lockdep_assert_held(&c->send_lock);
	/* Our own messages are always encodable. */
	if (WARN_ON_ONCE(len < 0))
		return -EINVAL;
	if (seq)
		*seq = c->seq;
	c->seq++;
	return __bguest_chan_send(len);
}

/**
 * bguest_chan_send_gfns() - send an INFLATED or DEFLATED message.
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
int bguest_chan_send_gfns(u64 session, u16 type, const u64 *gfns, u32 nr,
			  u32 *seq)
{
	struct bguest_chan *c = &bguest_chan;
	int len, ret = -ENOTCONN;

	mutex_lock(&c->send_lock);
	if (c->ready && c->session == session) {
		len = msched_proto_encode_gfns(c->tx, MSCHED_BALLOON_MAX_MSG_LEN,
					       c->seq, type, gfns, nr);
		ret = __bguest_chan_send_msg(len, seq);
	}
	mutex_unlock(&c->send_lock);
	return ret;
}

/**
 * bguest_chan_send_kvs() - send a STATS or CLASSES message.
 * @type: MSCHED_BALLOON_MSG_STATS or MSCHED_BALLOON_MSG_CLASSES
 * @kv: the (tag, value) pairs
 * @nr: how many
 *
 * Context: process context; takes send_lock; may sleep.
 * Return: 0 on success; -ENOTCONN if not connected; -errno if the send
 * failed (the connection is then hung up).
 */
int bguest_chan_send_kvs(u16 type, const struct msched_proto_kv *kv, u32 nr)
{
	struct bguest_chan *c = &bguest_chan;
	int len, ret = -ENOTCONN;

	mutex_lock(&c->send_lock);
	if (c->ready) {
		len = msched_proto_encode_kvs(c->tx, MSCHED_BALLOON_MAX_MSG_LEN,
					      c->seq, type, kv, nr);
		ret = __bguest_chan_send_msg(len, NULL);
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

static int bguest_chan_send_hello(u32 *seq)
{
	struct bguest_chan *c = &bguest_chan;
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
	ret = __bguest_chan_send_msg(ret, seq);
	c->ready = !ret;
	mutex_unlock(&c->send_lock);
	return ret;
}

/* Read exactly @len bytes. Return: @len; 0 on EOF before any; -errno. */
static int bguest_chan_recv(struct socket *sock, u8 *buf, size_t len)
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
			return done ? -EPIPE : 0;
		done += ret;
	}
	return len;
}

static void bguest_chan_acked(const struct msched_proto_msg *m)
{
	bguest_balloon_acked(m->ack.seq);
	if (m->ack.status >= 0)
		return;
	atomic64_inc(&bguest_ctr.host_rejects);
	pr_warn_ratelimited("host rejected message seq %u: %s\n", m->ack.seq,
			    msched_proto_strerror(m->ack.status));
}

/*
 * Run one connection until it breaks; @why says how, for the log.
 * Return: the error that ended it (0 when the host closed it).
 */
static int bguest_chan_session(struct socket *sock, char *why, size_t size)
{
	struct bguest_chan *c = &bguest_chan;
	struct msched_proto_hdr h;
	struct msched_proto_msg m;
	bool hello_acked = false;
	u32 hello_seq = 0;
	u64 nr;
	int ret;

	ret = bguest_chan_send_hello(&hello_seq);
	if (ret) {
		snprintf(why, size, "sending HELLO failed");
		return ret;
	}
	WRITE_ONCE(c->connected, true);
	bguest_balloon_connect(c->session);
	bguest_cond_bump();
	trace_bguest_channel("up", host_cid, port, 0);
	pr_info("connected to host cid %u port %u\n", host_cid, port);
	bguest_stats_send();

	for (;;) {
		ret = bguest_chan_recv(sock, c->rx, MSCHED_BALLOON_HDR_LEN);
		if (ret <= 0)
			break;
		ret = msched_proto_decode_header(c->rx, MSCHED_BALLOON_HDR_LEN,
						 &h);
		if (ret)
			goto bad_message;
		if (h.payload_len) {
			ret = bguest_chan_recv(sock,
					       c->rx + MSCHED_BALLOON_HDR_LEN,
					       h.payload_len);
			if (ret <= 0) {
				ret = ret ?: -EPIPE;
				break;
			}
		}
		ret = msched_proto_decode(&h, c->rx + MSCHED_BALLOON_HDR_LEN,
					  h.payload_len, &m);
		if (ret)
			goto bad_message;
		atomic64_inc(&bguest_ctr.messages_received);

		switch (m.type) {
		case MSCHED_BALLOON_MSG_SET_TARGET:
			bguest_balloon_set_target(m.target_pages);
			break;
		case MSCHED_BALLOON_MSG_STATS_REQUEST:
			bguest_stats_send();
			break;
		case MSCHED_BALLOON_MSG_ACK:
			if (hello_acked || m.ack.seq != hello_seq) {
				bguest_chan_acked(&m);
				break;
			}
			/*
			 * The host matched us, and no earlier connection of
			 * ours can release anything any more.
			 */
			hello_acked = true;
			if (m.ack.status < 0) {
				bguest_chan_acked(&m);
				break;
			}
			nr = bguest_balloon_host_confirmed();
			if (nr)
				pr_info("host acknowledged HELLO: gave back %llu held pages\n",
					nr);
			break;
		default:
			atomic64_inc(&bguest_ctr.protocol_errors);
			snprintf(why, size,
				 "protocol error: unexpected message type %u from the host",
				 m.type);
			return -EPROTO;
		}
	}
	if (READ_ONCE(c->stopping))
		snprintf(why, size, "module unload");
	else if (!ret)
		snprintf(why, size, "host closed the connection");
	else
		snprintf(why, size, "receive failed");
	return ret;

bad_message:
	atomic64_inc(&bguest_ctr.protocol_errors);
	snprintf(why, size, "protocol error: %s", msched_proto_strerror(ret));
	return -EPROTO;
}

static int bguest_chan_connect(struct socket **sockp)
{
	struct sockaddr_vm addr = {
		.svm_family = AF_VSOCK,
		.svm_cid = host_cid,
		.svm_port = port,
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
static void bguest_chan_publish(struct socket *sock)
{
	struct bguest_chan *c = &bguest_chan;

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
	struct bguest_chan *c = &bguest_chan;
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

		ret = bguest_chan_connect(&sock);
		if (ret) {
			atomic64_inc(&bguest_ctr.connect_failures);
			if (!down_logged) {
				trace_bguest_channel("down", host_cid, port, ret);
				pr_info("host cid %u port %u unreachable (%d); retrying every %u ms\n",
					host_cid, port, ret,
					READ_ONCE(bguest_reconnect_ms));
				down_logged = true;
			}
			bguest_chan_sleep(READ_ONCE(bguest_reconnect_ms));
			continue;
		}

		bguest_chan_publish(sock);
		ret = bguest_chan_session(sock, why, sizeof(why));
		WRITE_ONCE(c->connected, false);
		/* Wake senders blocked on the socket, wait for them, free it. */
		kernel_sock_shutdown(sock, SHUT_RDWR);
		bguest_chan_publish(NULL);
		sock_release(sock);

		nr = bguest_balloon_disconnect(&held);
		bguest_cond_bump();
		trace_bguest_channel("lost", host_cid, port, ret);
		pr_info("connection to host lost: %s (%d); deflated %llu pages, holding %llu until a host acknowledges HELLO\n",
			why, ret, nr, held);
		down_logged = true;
		if (!READ_ONCE(c->stopping))
			bguest_chan_sleep(READ_ONCE(bguest_reconnect_ms));
	}
	return 0;
}

/**
 * bguest_chan_init() - start connecting to the host.
 *
 * Context: process context, module init; may sleep.
 * Return: 0 on success, -errno on failure (nothing is left behind).
 */
int bguest_chan_init(void)
{
	struct bguest_chan *c = &bguest_chan;
	int ret = -ENOMEM;

	mutex_init(&c->send_lock);
	mutex_init(&c->sock_lock);
	c->tx = kmalloc(MSCHED_BALLOON_MAX_MSG_LEN, GFP_KERNEL);
	if (!c->tx)
		return ret;
	c->rx = kmalloc(MSCHED_BALLOON_MAX_MSG_LEN, GFP_KERNEL);
	if (!c->rx)
		goto out_free_tx;
	c->thread = kthread_run(bguest_chan_thread, NULL, "balloon_guest");
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
 *
 * Interrupts a blocked connect, receive or send; the thread deflates the
 * balloon before it stops.
 *
 * Context: process context, module exit; may sleep.
 */
void bguest_chan_exit(void)
{
	struct bguest_chan *c = &bguest_chan;

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
