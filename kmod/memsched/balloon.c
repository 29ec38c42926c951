// SPDX-License-Identifier: GPL-2.0
/*
 * memsched: the guest balloon of each attached VM: its state, and what is
 * done with each message its guest sends.
 *
 * The guest's balloon driver (kmod/balloon_guest) reports the frames it took
 * from its own allocator (INFLATED) and gave back (DEFLATED). memsched keeps
 * the set of ballooned frames per VM and releases their host memory
 * (balloon_release.c). KVM's MMU notifier then drops the guest mapping, and
 * a later guest touch of a deflated frame faults in a fresh zeroed page.
 * Nothing has to be done on deflate beyond forgetting the frame.
 *
 * A guest can only name frames of its own VM: every frame must be below
 * the size it announced, be writable guest RAM in one of the VM's memslots
 * (translated by KVM, so the address is inside the VMM's own guest RAM), be
 * named once per message, and be in the balloon to be deflated or out of it
 * to be inflated. A message that breaks any rule is rejected whole.
 *
 * The transport (channel.c) reaches this file only through
 * msched_balloon_chan_ops: a connection is matched to the VM whose
 * balloon/cid is the peer's CID, and each message goes through a table from
 * message type to handler.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "balloon.h"
#include "trace.h"

/* Pages ballooned across all VMs; returns to zero when every set is gone. */
atomic64_t msched_live_ballooned = ATOMIC64_INIT(0);

/* Serializes cid changes so that two VMs never claim the same CID. */
static DEFINE_MUTEX(msched_balloon_cid_lock);

/* What balloon_get() looks for, and where it puts what it found. */
struct balloon_key {
	bool by_pid;
	pid_t pid;
	u32 cid;
	struct msched_balloon **found;
};

/*
 * msched_vm_get_by() match, under the VM list's lock: a VM on the list has
 * not been through its ->detach yet, so its balloon can be pinned here.
 */
static bool balloon_match_get(struct msched_vm *vm, const void *key)
{
	const struct balloon_key *k = key;
	struct msched_balloon *b = msched_balloon_of(vm);

	if (!b || (k->by_pid ? vm->pid != k->pid : READ_ONCE(b->cid) != k->cid))
		return false;
	kref_get(&b->ref);
	*k->found = b;
	return true;
}

static struct msched_balloon *balloon_get(struct balloon_key *k)
{
	struct msched_balloon *b = NULL;

	k->found = &b;
	return msched_vm_get_by(balloon_match_get, k) ? b : NULL;
}

/**
 * msched_balloon_get_by_pid() - find and pin the balloon of a VM.
 * @pid: the VM's pid
 *
 * The balloon stays valid until msched_balloon_put(), even if its VM is
 * detached meanwhile (then its chan is NULL and its vm is dead).
 *
 * Context: process context; takes the VM list's lock.
 * Return: the balloon, with a reference on it and on its VM, or NULL when
 * no VM with that pid is attached.
 */
struct msched_balloon *msched_balloon_get_by_pid(pid_t pid)
{
	struct balloon_key k = { .by_pid = true, .pid = pid };

	return balloon_get(&k);
}

static struct msched_balloon *balloon_get_by_cid(u32 cid)
{
	struct balloon_key k = { .cid = cid };

	return balloon_get(&k);
}

/**
 * msched_balloon_attach() - the balloon's ->attach: set up a VM's balloon.
 * @vm: the VM being attached
 *
 * Context: process context, attach; may sleep.
 * Return: 0 or -ENOMEM.
 */
int msched_balloon_attach(struct msched_vm *vm)
{
	struct msched_balloon *b;

	b = msched_fallible(kzalloc(sizeof(*b), GFP_KERNEL_ACCOUNT));
	if (!b)
		return -ENOMEM;
	b->vm = vm;
	kref_init(&b->ref);
	mutex_init(&b->lock);
	xa_init(&b->gfns);
	msched_vm_set_feature(vm, MSCHED_FEAT_BALLOON, b);
	return 0;
}

static void balloon_free(struct kref *ref)
{
	struct msched_balloon *b = container_of(ref, struct msched_balloon, ref);

	mutex_destroy(&b->lock);
	kfree(b);
}

/**
 * msched_balloon_put() - drop what msched_balloon_get_by_pid() took.
 * @b: the balloon
 *
 * Context: process context; may free the balloon and the VM.
 */
void msched_balloon_put(struct msched_balloon *b)
{
	struct msched_vm *vm = b->vm;

	kref_put(&b->ref, balloon_free);
	msched_vm_put(vm);
}

/* Forget every ballooned frame (the guest gave them all back). */
static void __balloon_clear(struct msched_balloon *b)
{
	lockdep_assert_held(&b->lock);
	xa_destroy(&b->gfns);
	atomic64_sub(b->actual_pages, &msched_live_ballooned);
	b->actual_pages = 0;
}

/*
 * Close @b's channel and forget its set. From here on that channel can
 * release nothing: balloon_handle() acts only for the VM's current
 * channel, under this lock. A guest that then sees the channel end keeps
 * the frames it had not had acknowledged until a new channel's HELLO is
 * acknowledged (Documentation/design/balloon_guest.rst).
 */
static void __balloon_unlink_chan(struct msched_balloon *b, const char *why)
{
	lockdep_assert_held(&b->lock);
	if (!b->chan)
		return;
	pr_info("pid %d: balloon channel %s; %llu ballooned pages return to the guest\n",
		b->vm->pid, why, b->actual_pages);
	trace_msched_balloon_channel(b->vm->pid, (u32)b->cid, why);
	msched_chan_kick(b->chan);
	b->chan = NULL;
	__balloon_clear(b);
	b->target_pending = false;
}

/**
 * msched_balloon_detach() - the balloon's ->detach: close the VM's channel,
 * drop its set and the VM's reference to the balloon.
 * @vm: the VM being torn down (already marked dead; its sysfs files gone)
 *
 * The channel's thread notices on its own and drops its reference when it
 * is done; from here on it cannot reach the VM's kvm or mm.
 *
 * Context: process context, the one teardown path; takes the balloon lock.
 */
void msched_balloon_detach(struct msched_vm *vm)
{
	struct msched_balloon *b = msched_balloon_of(vm);

	mutex_lock(&b->lock);
	__balloon_unlink_chan(b, "closed (VM detached)");
	__balloon_clear(b);
	mutex_unlock(&b->lock);
	msched_vm_set_feature(vm, MSCHED_FEAT_BALLOON, NULL);
	kref_put(&b->ref, balloon_free);
}

/* The guest reached its target: record how long it took. */
static void __balloon_check_target(struct msched_balloon *b)
{
	lockdep_assert_held(&b->lock);
	if (b->target_pending && b->actual_pages == b->target_pages) {
		b->target_pending = false;
		b->latency_us = div_u64(ktime_get_ns() - b->target_ns,
					NSEC_PER_USEC);
		trace_msched_balloon_reached(b->vm->pid, b->target_pages,
					     b->latency_us);
	}
}

/**
 * __msched_balloon_set_target() - ask the guest for a balloon size.
 * @b: the balloon
 * @target: pages; the caller checked it against the guest's size
 *
 * Records when, so that latency_us can say how long the guest took, and
 * sends SET_TARGET when a channel is up.
 *
 * Context: process context; the caller holds @b->lock; may sleep up to the
 * send timeout (2 s).
 * Return: 0 (also without a channel: the target is sent on connect), or
 * the -errno of a failed send (the channel is then closing).
 */
int __msched_balloon_set_target(struct msched_balloon *b, u64 target)
{
	lockdep_assert_held(&b->lock);
	b->target_pages = target;
	b->target_ns = ktime_get_ns();
	b->target_pending = b->actual_pages != target;
	if (!b->target_pending)
		b->latency_us = 0;
	trace_msched_balloon_target(b->vm->pid, target, b->actual_pages);
	return b->chan ? msched_chan_send_target(b->chan, target) : 0;
}

/*
 * The VM's memslot pages (KVM's count, now). Without a HELLO this is the
 * only size of the guest there is.
 */
static u64 balloon_vm_memslot_pages(struct msched_vm *vm)
{
	return msched_kvm_guest_pages(vm->kvm);
}

/**
 * msched_balloon_set_target() - the knob balloon/target_pages.
 * @b: the balloon
 * @target: pages, at most the guest's (from its HELLO while connected,
 *	the VM's memslot pages otherwise)
 *
 * Context: process context (a sysfs write); takes the balloon lock.
 * Return: 0, also when sending failed (the target is kept and sent on
 * reconnect; logged); -EINVAL out of range (logged); -ENODEV when the VM is
 * being detached.
 */
int msched_balloon_set_target(struct msched_balloon *b, u64 target)
{
	u64 max;
	int ret = 0, err;

	mutex_lock(&b->lock);
	/* Not dead: the VM's kvm stays pinned until after our lock is dropped. */
	if (READ_ONCE(b->vm->dead)) {
		ret = -ENODEV;
		goto out_unlock;
	}
	max = b->chan ? b->guest_pages : balloon_vm_memslot_pages(b->vm);
	if (target > max) {
		pr_info("pid %d: balloon/target_pages: accepted: 0 to %llu (the guest's pages)\n",
			b->vm->pid, max);
		ret = -EINVAL;
	} else {
		err = __msched_balloon_set_target(b, target);
		if (err)
			pr_info("pid %d: balloon/target_pages: stored, but sending it failed (%d); it is sent again on reconnect\n",
				b->vm->pid, err);
	}
out_unlock:
	mutex_unlock(&b->lock);
	return ret;
}

/**
 * msched_balloon_set_cid() - the knob balloon/cid.
 * @b: the balloon
 * @cid: 0 (none), 1 (VMADDR_CID_LOCAL, for tests), or a guest CID from 3;
 *	the caller checked the range
 *
 * A CID belongs to one VM at a time. Changing it closes the channel of the
 * old CID.
 *
 * Context: process context (a sysfs write); takes msched_balloon_cid_lock,
 * then (through msched_vm_get_by()) the VM list's lock, then the balloon
 * lock.
 * Return: 0; -EEXIST when another VM has @cid (logged); -ENODEV when the VM
 * is being detached.
 */
int msched_balloon_set_cid(struct msched_balloon *b, u64 cid)
{
	struct msched_vm *vm = b->vm;
	struct msched_balloon *other;
	int ret = 0;

	mutex_lock(&msched_balloon_cid_lock);
	other = cid ? balloon_get_by_cid((u32)cid) : NULL;
	if (other && other != b) {
		pr_info("pid %d: balloon/cid: CID %llu already belongs to pid %d\n",
			vm->pid, cid, other->vm->pid);
		ret = -EEXIST;
	} else {
		mutex_lock(&b->lock);
		if (READ_ONCE(vm->dead)) {
			ret = -ENODEV;
		} else if (b->cid != cid) {
			/* That channel belongs to the old CID. */
			__balloon_unlink_chan(b, "closed (balloon/cid changed)");
			WRITE_ONCE(b->cid, cid);
			trace_msched_knob(vm->pid, "balloon/cid", cid);
		}
		mutex_unlock(&b->lock);
	}
	if (other)
		msched_balloon_put(other);
	mutex_unlock(&msched_balloon_cid_lock);
	return ret;
}

/**
 * msched_balloon_read() - the balloon's state, for the scheduler.
 * @b: the balloon
 * @v: filled in
 *
 * Context: process context; takes the balloon lock.
 */
void msched_balloon_read(struct msched_balloon *b,
			 struct msched_balloon_view *v)
{
	u64 bytes = 0;

	mutex_lock(&b->lock);
	v->connected = b->chan != NULL;
	v->target_pages = b->target_pages;
	v->actual_pages = b->actual_pages;
	v->guest_pages = b->chan ? b->guest_pages :
				   balloon_vm_memslot_pages(b->vm);
	if (b->classes_present & BIT(MSCHED_BALLOON_CLASS_FREE)) {
		bytes = b->classes[MSCHED_BALLOON_CLASS_FREE];
		if (b->classes_present & BIT(MSCHED_BALLOON_CLASS_FILE_INACTIVE))
			bytes += b->classes[MSCHED_BALLOON_CLASS_FILE_INACTIVE];
		if (b->classes_present & BIT(MSCHED_BALLOON_CLASS_FILE_ACTIVE))
			bytes += b->classes[MSCHED_BALLOON_CLASS_FILE_ACTIVE];
	} else if (b->stats_present & BIT(MSCHED_BALLOON_STAT_FREE)) {
		bytes = b->stats[MSCHED_BALLOON_STAT_FREE];
		if (b->stats_present & BIT(MSCHED_BALLOON_STAT_CACHES))
			bytes += b->stats[MSCHED_BALLOON_STAT_CACHES];
	}
	v->reclaimable_pages = v->connected ? bytes >> PAGE_SHIFT : 0;
	mutex_unlock(&b->lock);
}

/**
 * msched_balloon_request_stats() - ask the guest for STATS and CLASSES now.
 * @b: the balloon
 *
 * Context: process context (a sysfs write); takes the balloon lock; may
 * sleep up to the send timeout (2 s).
 * Return: 0; -ENOTCONN without a channel; the -errno of a failed send.
 */
int msched_balloon_request_stats(struct msched_balloon *b)
{
	int ret;

	mutex_lock(&b->lock);
	ret = b->chan ? msched_chan_send_stats_request(b->chan) : -ENOTCONN;
	mutex_unlock(&b->lock);
	return ret;
}

/*
 * chan ->connect: the VM whose balloon/cid is @cid gets the channel; one it
 * had before is closed (the guest rebooted or reloaded its driver, and
 * either way gave its balloon back) and can release nothing after this
 * returns. The current target is sent at once. CID 0 never matches: it is
 * the hypervisor's, and the balloon/cid of every VM that has none. On
 * success *@privp is the balloon, with a reference on it and on its VM
 * (balloon_get_by_cid()) that balloon_disconnect() drops. Returns 0;
 * -ENOENT when no attached VM has that CID, or the VM lost it meanwhile
 * (counted as unmatched; the guest retries); -MSCHED_PROTO_EPAGESIZE when the guest's page size is not the host's.
 */
static int balloon_connect(struct msched_chan *chan, u32 cid,
			   const struct msched_proto_hello *hello, void **privp)
{
	struct msched_balloon *b;
	struct msched_vm *vm;
	int ret = 0;

	if (hello->page_size != PAGE_SIZE) {
		pr_info_ratelimited("vsock CID %u: guest page size %u, accepted: %lu\n",
				    cid, hello->page_size, PAGE_SIZE);
		return -MSCHED_PROTO_EPAGESIZE;
	}
	/* CID 0 is the hypervisor's, and the cid of every VM without one. */
	b = cid ? balloon_get_by_cid(cid) : NULL;
	if (!b) {
		pr_info_ratelimited("vsock CID %u: no attached VM has balloon/cid %u; closing (the guest retries)\n",
				    cid, cid);
		return -ENOENT;
	}
	vm = b->vm;
	mutex_lock(&b->lock);
	if (READ_ONCE(vm->dead) || b->cid != cid) {
		ret = -ENOENT;	/* it lost the CID meanwhile: unmatched */
		goto out_unlock;
	}
	__balloon_unlink_chan(b, "replaced by a new channel from its CID");
	__balloon_clear(b);
	b->chan = chan;
	b->guest_pages = hello->guest_pages;
	b->page_size = hello->page_size;
	memcpy(b->vm_id, hello->vm_id, sizeof(b->vm_id));
	b->nr_connects++;
	trace_msched_balloon_channel(vm->pid, cid, "connected");
	pr_info("pid %d: balloon channel up (vsock CID %u, guest %llu pages, protocol %u)\n",
		vm->pid, cid, hello->guest_pages, hello->proto_version);
	if (b->target_pages > b->guest_pages) {
		pr_info("pid %d: balloon target %llu above the guest's %llu pages; lowered\n",
			vm->pid, b->target_pages, b->guest_pages);
		b->target_pages = b->guest_pages;
	}
	if (b->target_pages)
		__msched_balloon_set_target(b, b->target_pages);
out_unlock:
	mutex_unlock(&b->lock);
	if (ret)
		msched_balloon_put(b);
	else
		*privp = b;
	return ret;
}

/*
 * chan ->disconnect: the guest gives its whole balloon back when its
 * channel drops, so the set is forgotten. Nothing happens to the balloon
 * if @chan was already replaced or the VM torn down. Drops the references
 * balloon_connect() took.
 */
static void balloon_disconnect(void *priv, struct msched_chan *chan)
{
	struct msched_balloon *b = priv;

	mutex_lock(&b->lock);
	if (b->chan == chan)
		__balloon_unlink_chan(b, "down");
	mutex_unlock(&b->lock);
	msched_balloon_put(b);
}

/*
 * Decode and check a message's frames (in range, no duplicates), and that
 * each one is ballooned already (@ballooned) or not yet (!@ballooned).
 */
static int balloon_check_gfns(struct msched_balloon *b,
			      const struct msched_proto_msg *m, u64 *gfns,
			      bool ballooned)
{
	u32 i;
	int ret;

	ret = msched_proto_check_gfns(m, b->guest_pages, gfns,
				      MSCHED_BALLOON_MAX_GFNS);
	if (ret)
		return ret;
	for (i = 0; i < m->gfns.nr; i++)
		if (!!xa_load(&b->gfns, gfns[i]) != ballooned)
			return ballooned ? -MSCHED_PROTO_ENOTBALLOONED :
					   -MSCHED_PROTO_EBALLOONED;
	return 0;
}

/* INFLATED: validate the whole message, then record and release. */
static int __balloon_on_inflated(struct msched_balloon *b,
				 const struct msched_proto_msg *m, u64 *scratch)
{
	unsigned long *hvas = (unsigned long *)scratch + MSCHED_BALLOON_MAX_GFNS;
	struct msched_vm *vm = b->vm;
	u64 released = 0, skipped = 0, t0 = ktime_get_ns();
	u64 *gfns = scratch;
	u32 i, nr = m->gfns.nr;
	int ret, idx;

	lockdep_assert_held(&b->lock);
	ret = balloon_check_gfns(b, m, gfns, false);
	if (ret)
		return ret;
	/*
	 * The addresses stay the frames' only while this SRCU read section
	 * lasts (a memslot is deleted or moved after synchronize_srcu()), so
	 * it spans translating and releasing. SRCU readers may sleep; the
	 * VMM's mmap_lock and its RAM file's locks nest inside.
	 */
	idx = srcu_read_lock(&vm->kvm->srcu);
	if (msched_kvm_gfns_to_hvas(vm->kvm, gfns, nr, hvas)) {
		ret = -MSCHED_PROTO_ENOTRAM;
		goto out_unlock;
	}
	for (i = 0; i < nr; i++) {
		if (msched_fallible_err(xa_err(xa_store(&b->gfns, gfns[i],
							xa_mk_value(0),
							GFP_KERNEL)))) {
			while (i--)
				xa_erase(&b->gfns, gfns[i]);
			ret = -ENOMEM;
			goto out_unlock;
		}
	}
	b->actual_pages += nr;
	b->nr_inflated += nr;
	atomic64_add(nr, &msched_live_ballooned);

	msched_balloon_release(vm->mm, hvas, nr, &released, &skipped);
	srcu_read_unlock(&vm->kvm->srcu, idx);
	b->nr_released += released;
	b->nr_release_skipped += skipped;
	trace_msched_balloon_batch(vm->pid, true, nr, released,
				   ktime_get_ns() - t0);
	return 0;

out_unlock:
	srcu_read_unlock(&vm->kvm->srcu, idx);
	return ret;
}

/* DEFLATED: every frame must be ballooned; then forget them. */
static int __balloon_on_deflated(struct msched_balloon *b,
				 const struct msched_proto_msg *m, u64 *scratch)
{
	u64 t0 = ktime_get_ns();
	u64 *gfns = scratch;
	u32 i, nr = m->gfns.nr;
	int ret;

	lockdep_assert_held(&b->lock);
	ret = balloon_check_gfns(b, m, gfns, true);
	if (ret)
		return ret;
	for (i = 0; i < nr; i++)
		xa_erase(&b->gfns, gfns[i]);
	b->actual_pages -= nr;
	b->nr_deflated += nr;
	atomic64_sub(nr, &msched_live_ballooned);
	trace_msched_balloon_batch(b->vm->pid, false, nr, 0,
				   ktime_get_ns() - t0);
	return 0;
}

static void balloon_store_kvs(const struct msched_proto_msg *m, u64 *vals,
			      u32 *present, u32 nr_known)
{
	u32 t;

	*present = m->kvs.present & (BIT(nr_known) - 1);
	for (t = 0; t < nr_known; t++)
		vals[t] = m->kvs.val[t];
}

/* STATS: keep the guest's values and when they came. */
static int __balloon_on_stats(struct msched_balloon *b,
			      const struct msched_proto_msg *m, u64 *scratch)
{
	lockdep_assert_held(&b->lock);
	balloon_store_kvs(m, b->stats, &b->stats_present,
			  MSCHED_BALLOON_STAT_NR);
	b->stats_ns = ktime_get_ns();
	trace_msched_balloon_stats(b->vm->pid, m->type, m->kvs.nr);
	return 0;
}

/* CLASSES: keep the guest's values. */
static int __balloon_on_classes(struct msched_balloon *b,
				const struct msched_proto_msg *m, u64 *scratch)
{
	lockdep_assert_held(&b->lock);
	balloon_store_kvs(m, b->classes, &b->classes_present,
			  MSCHED_BALLOON_CLASS_NR);
	trace_msched_balloon_stats(b->vm->pid, m->type, m->kvs.nr);
	return 0;
}

/* ACK (of SET_TARGET or STATS_REQUEST): nothing to do. */
static int __balloon_on_ack(struct msched_balloon *b,
			    const struct msched_proto_msg *m, u64 *scratch)
{
	lockdep_assert_held(&b->lock);
	return 0;
}

/*
 * What the host does with each message type a guest may send after HELLO,
 * called under the balloon lock. A type without a handler (HELLO again, or
 * a host-to-guest type) is rejected with MSCHED_PROTO_ESTATE.
 */
static int (*const msched_balloon_handlers[MSCHED_BALLOON_MSG_MAX + 1])
	(struct msched_balloon *b, const struct msched_proto_msg *m,
	 u64 *scratch) = {
	[MSCHED_BALLOON_MSG_INFLATED]	= __balloon_on_inflated,
	[MSCHED_BALLOON_MSG_DEFLATED]	= __balloon_on_deflated,
	[MSCHED_BALLOON_MSG_STATS]	= __balloon_on_stats,
	[MSCHED_BALLOON_MSG_CLASSES]	= __balloon_on_classes,
	[MSCHED_BALLOON_MSG_ACK]	= __balloon_on_ack,
};

/*
 * chan ->handle: act on one decoded message from the balloon's guest.
 * Takes the balloon lock and, for INFLATED, kvm->srcu (read) inside it and
 * the VMM's mmap_lock or its RAM file's locks inside that. Returns 0;
 * -ENOTCONN when @chan is no longer the VM's channel (the transport closes
 * it); a negative MSCHED_PROTO_E* code or -ENOMEM when the message is
 * rejected (counted and logged here; the transport acknowledges it with
 * that status and keeps the channel).
 */
static int balloon_handle(void *priv, struct msched_chan *chan,
			  const struct msched_proto_msg *m, u64 *scratch)
{
	struct msched_balloon *b = priv;
	int ret = -MSCHED_PROTO_ESTATE;

	mutex_lock(&b->lock);
	if (b->chan != chan || READ_ONCE(b->vm->dead)) {
		mutex_unlock(&b->lock);
		return -ENOTCONN;
	}
	b->nr_messages++;
	if (m->type < ARRAY_SIZE(msched_balloon_handlers) &&
	    msched_balloon_handlers[m->type])
		ret = msched_balloon_handlers[m->type](b, m, scratch);
	if (ret) {
		b->nr_rejects++;
		trace_msched_balloon_reject(b->vm->pid, (u32)b->cid, m->type,
					    ret);
		pr_info_ratelimited("pid %d: rejected balloon message type %u seq %u: %s\n",
				    b->vm->pid, m->type, m->seq,
				    ret == -ENOMEM ? "out of memory" :
				    msched_proto_strerror(ret));
	} else {
		__balloon_check_target(b);
	}
	mutex_unlock(&b->lock);
	return ret;
}

/* The transport's user: how channels reach the balloons. */
const struct msched_chan_ops msched_balloon_chan_ops = {
	.connect	= balloon_connect,
	.handle		= balloon_handle,
	.disconnect	= balloon_disconnect,
};
