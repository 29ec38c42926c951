// SPDX-License-Identifier: GPL-2.0
/*
 * memsched: the guest balloon of each attached VM.
 *
 * The guest's balloon driver (kmod/balloon_guest) reports the frames it took
 * from its own allocator (INFLATED) and gave back (DEFLATED). memsched keeps
 * the set of ballooned frames per VM and releases their host memory:
 *  - anonymous or private VMM memory is zapped, as MADV_DONTNEED does;
 *  - shared file memory (memfd, tmpfs, hugetlbfs-less shmem) gets its
 *    pages punched out of the file, as MADV_REMOVE does; on memschedfs
 *    that drops the pages' page-cache entries, which frees them.
 * Either way KVM's MMU notifier drops the guest mapping, and a later guest
 * touch of a deflated frame faults in a fresh zeroed page. Nothing has to
 * be done on deflate beyond forgetting the frame.
 *
 * A guest can only name frames of its own VM: every frame must be below
 * the size it announced, be writable guest RAM in one of the VM's memslots
 * (translated by KVM, so the address is inside the VMM's own guest RAM), be
 * named once per message, and be in the balloon to be deflated or out of it
 * to be inflated. A message that breaks any rule is rejected whole.
 *
 * Every sysfs file is documented in
 * Documentation/ABI/testing/sysfs-kernel-mm-memsched.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sysfs.h>
#include <linux/timekeeping.h>

#include "../compat.h"
#include "memsched.h"
#include "trace.h"

#define to_vm(k) container_of(k, struct msched_vm, kobj)

/* Pages ballooned across all VMs; returns to zero when every set is gone. */
atomic64_t msched_live_ballooned = ATOMIC64_INIT(0);

/* Serializes cid changes so that two VMs never claim the same CID. */
static DEFINE_MUTEX(msched_balloon_cid_lock);

/* How long a transfer waits for the giving guest to inflate. */
#define MSCHED_TRANSFER_TIMEOUT_MS	30000U

/**
 * msched_balloon_init_vm() - set up the balloon state of a new VM.
 * @vm: the VM being attached
 *
 * Context: process context, attach.
 */
void msched_balloon_init_vm(struct msched_vm *vm)
{
	mutex_init(&vm->balloon.lock);
	xa_init(&vm->balloon.gfns);
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
 * release nothing: msched_balloon_handle() acts only for the VM's current
 * channel, under this lock. A guest that then sees the channel end keeps
 * the frames it had not had acknowledged until a new channel's HELLO is
 * acknowledged (Documentation/design/balloon_guest.rst).
 */
static void __balloon_unlink_chan(struct msched_vm *vm, const char *why)
{
	struct msched_balloon *b = &vm->balloon;

	lockdep_assert_held(&b->lock);
	if (!b->chan)
		return;
	pr_info("pid %d: balloon channel %s; %llu ballooned pages return to the guest\n",
		vm->pid, why, b->actual_pages);
	trace_msched_balloon_channel(vm->pid, (u32)b->cid, why);
	msched_chan_kick(b->chan);
	b->chan = NULL;
	__balloon_clear(b);
	b->target_pending = false;
}

/**
 * msched_balloon_teardown_vm() - close the VM's channel and drop its set.
 * @vm: the VM being torn down (already marked dead)
 *
 * The channel's thread notices on its own and drops its reference; from
 * here on it cannot reach the VM's kvm or mm.
 *
 * Context: process context, the one teardown path; takes the balloon lock.
 */
void msched_balloon_teardown_vm(struct msched_vm *vm)
{
	struct msched_balloon *b = &vm->balloon;

	mutex_lock(&b->lock);
	__balloon_unlink_chan(vm, "closed (VM detached)");
	__balloon_clear(b);
	mutex_unlock(&b->lock);
}

/* The guest reached its target: record how long it took. */
static void __balloon_check_target(struct msched_vm *vm)
{
	struct msched_balloon *b = &vm->balloon;

	if (b->target_pending && b->actual_pages == b->target_pages) {
		b->target_pending = false;
		b->latency_us = div_u64(ktime_get_ns() - b->target_ns,
					NSEC_PER_USEC);
		trace_msched_balloon_reached(vm->pid, b->target_pages,
					     b->latency_us);
	}
}

/* Ask the guest for @target (bounded by its size); record when. */
static int __balloon_set_target(struct msched_vm *vm, u64 target)
{
	struct msched_balloon *b = &vm->balloon;

	lockdep_assert_held(&b->lock);
	b->target_pages = target;
	b->target_ns = ktime_get_ns();
	b->target_pending = b->actual_pages != target;
	if (!b->target_pending)
		b->latency_us = 0;
	trace_msched_balloon_target(vm->pid, target, b->actual_pages);
	return b->chan ? msched_chan_send_target(b->chan, target) : 0;
}

/**
 * msched_balloon_connect() - match a new channel to its VM.
 * @chan: the channel
 * @cid: the peer's AF_VSOCK CID, as the transport reported it
 * @hello: the guest's HELLO
 * @vmp: on success, the VM, with a reference for the channel to drop
 *	(msched_vm_put()) after msched_balloon_disconnect()
 *
 * The VM whose balloon/cid is @cid gets the channel; one it had before is
 * closed (the guest rebooted or reloaded its driver, and either way gave
 * its balloon back) and can release nothing after this returns. The
 * current target is sent at once. CID 0 never matches: it is the
 * hypervisor's, and the balloon/cid of every VM that has none.
 *
 * Context: process context (the channel's thread); takes the balloon lock.
 * Return: 0; -ENOENT when no attached VM has that CID, or @cid is 0 (the
 * guest will retry); -MSCHED_PROTO_EPAGESIZE when the guest's page size is not the
 * host's.
 */
int msched_balloon_connect(struct msched_chan *chan, u32 cid,
			   const struct msched_proto_hello *hello,
			   struct msched_vm **vmp)
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
	vm = cid ? msched_vm_get_by_cid(cid) : NULL;
	if (!vm) {
		atomic64_inc(&msched_chan_unmatched);
		pr_info_ratelimited("vsock CID %u: no attached VM has balloon/cid %u; closing (the guest retries)\n",
				    cid, cid);
		return -ENOENT;
	}
	b = &vm->balloon;
	mutex_lock(&b->lock);
	if (READ_ONCE(vm->dead) || b->cid != cid) {
		ret = -ENOENT;
		goto out_unlock;
	}
	__balloon_unlink_chan(vm, "replaced by a new channel from its CID");
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
		__balloon_set_target(vm, b->target_pages);
out_unlock:
	mutex_unlock(&b->lock);
	if (ret)
		msched_vm_put(vm);
	else
		*vmp = vm;
	return ret;
}

/**
 * msched_balloon_disconnect() - the channel of @vm went away.
 * @vm: the VM from msched_balloon_connect()
 * @chan: the channel
 *
 * The guest gives its whole balloon back when its channel drops, so the
 * set is forgotten. Nothing happens if @chan was already replaced or the
 * VM torn down.
 *
 * Context: process context (the channel's thread); takes the balloon lock.
 */
void msched_balloon_disconnect(struct msched_vm *vm, struct msched_chan *chan)
{
	struct msched_balloon *b = &vm->balloon;

	mutex_lock(&b->lock);
	if (b->chan == chan)
		__balloon_unlink_chan(vm, "down");
	mutex_unlock(&b->lock);
}

/*
 * Release the host memory behind [start, end) of the VMM's address space,
 * VMA by VMA, as madvise would: zap anonymous and private mappings, punch
 * shared writable file mappings. Returns the pages released; the rest are
 * added to *skipped. Takes and drops mmap_lock per VMA (punching a hole
 * must not hold it).
 */
static u64 balloon_release_range(struct mm_struct *mm, unsigned long start,
				 unsigned long end, u64 *skipped)
{
	u64 released = 0;

	while (start < end) {
		struct vm_area_struct *vma;
		unsigned long seg_end;
		struct file *file = NULL;
		loff_t off = 0;

		mmap_read_lock(mm);
		vma = find_vma(mm, start);
		if (!vma || vma->vm_start >= end) {
			mmap_read_unlock(mm);
			*skipped += (end - start) >> PAGE_SHIFT;
			break;
		}
		if (vma->vm_start > start) {
			*skipped += (vma->vm_start - start) >> PAGE_SHIFT;
			start = vma->vm_start;
		}
		seg_end = min(end, vma->vm_end);
		if (vma->vm_flags & (VM_LOCKED | VM_PFNMAP | VM_IO | VM_HUGETLB)) {
			*skipped += (seg_end - start) >> PAGE_SHIFT;
		} else if (vma->vm_file && (vma->vm_flags & VM_SHARED)) {
			if (vma->vm_flags & VM_WRITE) {
				file = get_file(vma->vm_file);
				off = ((loff_t)vma->vm_pgoff << PAGE_SHIFT) +
				      (start - vma->vm_start);
			} else {
				*skipped += (seg_end - start) >> PAGE_SHIFT;
			}
		} else {
			msched_compat_zap(vma, start, seg_end - start);
			released += (seg_end - start) >> PAGE_SHIFT;
		}
		mmap_read_unlock(mm);
		if (file) {
			if (vfs_fallocate(file, FALLOC_FL_PUNCH_HOLE |
					  FALLOC_FL_KEEP_SIZE, off,
					  seg_end - start))
				*skipped += (seg_end - start) >> PAGE_SHIFT;
			else
				released += (seg_end - start) >> PAGE_SHIFT;
			fput(file);
		}
		start = seg_end;
	}
	return released;
}

/*
 * Release the host memory of @nr frames at @hvas (in gfn order, so runs of
 * adjacent frames are mostly adjacent addresses and go in one call).
 */
static void balloon_release(struct msched_vm *vm, const unsigned long *hvas,
			    u32 nr, u64 *released, u64 *skipped)
{
	u32 i = 0, j;

	if (!mmget_not_zero(vm->mm)) {	/* the VMM is exiting anyway */
		*skipped += nr;
		return;
	}
	while (i < nr) {
		for (j = i + 1; j < nr && hvas[j] == hvas[j - 1] + PAGE_SIZE; j++)
			;
		*released += balloon_release_range(vm->mm, hvas[i],
						   hvas[j - 1] + PAGE_SIZE,
						   skipped);
		i = j;
	}
	mmput(vm->mm);
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
static int __balloon_inflate(struct msched_vm *vm,
			     const struct msched_proto_msg *m, u64 *gfns,
			     unsigned long *hvas)
{
	struct msched_balloon *b = &vm->balloon;
	u64 released = 0, skipped = 0, t0 = ktime_get_ns();
	u32 i, nr = m->gfns.nr;
	int ret, idx;

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

	balloon_release(vm, hvas, nr, &released, &skipped);
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
static int __balloon_deflate(struct msched_vm *vm,
			     const struct msched_proto_msg *m, u64 *gfns)
{
	struct msched_balloon *b = &vm->balloon;
	u64 t0 = ktime_get_ns();
	u32 i, nr = m->gfns.nr;
	int ret;

	ret = balloon_check_gfns(b, m, gfns, true);
	if (ret)
		return ret;
	for (i = 0; i < nr; i++)
		xa_erase(&b->gfns, gfns[i]);
	b->actual_pages -= nr;
	b->nr_deflated += nr;
	atomic64_sub(nr, &msched_live_ballooned);
	trace_msched_balloon_batch(vm->pid, false, nr, 0, ktime_get_ns() - t0);
	return 0;
}

static void __balloon_store_kvs(const struct msched_proto_msg *m, u64 *vals,
				u32 *present, u32 nr_known)
{
	u32 t;

	*present = m->kvs.present & (BIT(nr_known) - 1);
	for (t = 0; t < nr_known; t++)
		vals[t] = m->kvs.val[t];
}

/**
 * msched_balloon_handle() - act on one decoded message from a VM's guest.
 * @vm: the VM from msched_balloon_connect()
 * @chan: the channel it came on
 * @m: the message
 * @scratch: 2 * MSCHED_BALLOON_MAX_GFNS u64s of caller memory
 *
 * Context: process context (the channel's thread); takes the balloon lock
 * and, for INFLATED, kvm->srcu (read) inside it and the VMM's mmap_lock or
 * its RAM file's locks inside that.
 * Return: 0; -ENOTCONN when @chan is no longer the VM's channel (the caller
 * closes it); a negative MSCHED_PROTO_E* code or -ENOMEM when the message
 * is rejected (counted and logged here; the caller acknowledges it with
 * that status and keeps the channel).
 */
int msched_balloon_handle(struct msched_vm *vm, struct msched_chan *chan,
			  const struct msched_proto_msg *m, u64 *scratch)
{
	struct msched_balloon *b = &vm->balloon;
	int ret = 0;

	mutex_lock(&b->lock);
	if (b->chan != chan || READ_ONCE(vm->dead)) {
		mutex_unlock(&b->lock);
		return -ENOTCONN;
	}
	b->nr_messages++;
	switch (m->type) {
	case MSCHED_BALLOON_MSG_INFLATED:
		ret = __balloon_inflate(vm, m, scratch,
					(unsigned long *)scratch +
					MSCHED_BALLOON_MAX_GFNS);
		break;
	case MSCHED_BALLOON_MSG_DEFLATED:
		ret = __balloon_deflate(vm, m, scratch);
		break;
	case MSCHED_BALLOON_MSG_STATS:
		__balloon_store_kvs(m, b->stats, &b->stats_present,
				    MSCHED_BALLOON_STAT_NR);
		b->stats_ns = ktime_get_ns();
		trace_msched_balloon_stats(vm->pid, m->type, m->kvs.nr);
		break;
	case MSCHED_BALLOON_MSG_CLASSES:
		__balloon_store_kvs(m, b->classes, &b->classes_present,
				    MSCHED_BALLOON_CLASS_NR);
		trace_msched_balloon_stats(vm->pid, m->type, m->kvs.nr);
		break;
	case MSCHED_BALLOON_MSG_ACK:
		break;
	default:	/* HELLO again, or host-to-guest types */
		ret = -MSCHED_PROTO_ESTATE;
		break;
	}
	if (ret) {
		b->nr_rejects++;
		atomic64_inc(&msched_chan_rejects);
		trace_msched_balloon_reject(vm->pid, (u32)b->cid, m->type, ret);
		pr_info_ratelimited("pid %d: rejected balloon message type %u seq %u: %s\n",
				    vm->pid, m->type, m->seq,
				    ret == -ENOMEM ? "out of memory" :
				    msched_proto_strerror(ret));
	} else {
		__balloon_check_target(vm);
	}
	mutex_unlock(&b->lock);
	return ret;
}

/* Wait until @vm's guest holds at least @want pages, or give up. */
static void balloon_wait_actual(struct msched_vm *vm, u64 want)
{
	unsigned long end = jiffies + msecs_to_jiffies(MSCHED_TRANSFER_TIMEOUT_MS);

	while (time_before(jiffies, end) && !fatal_signal_pending(current)) {
		bool done;

		mutex_lock(&vm->balloon.lock);
		done = vm->balloon.actual_pages >= want || !vm->balloon.chan;
		mutex_unlock(&vm->balloon.lock);
		if (done)
			break;
		msleep(20);
	}
}

/**
 * msched_balloon_transfer() - move memory from one VM to another.
 * @from: pid of the VM that gives memory (its balloon inflates)
 * @to: pid of the VM that receives it (its balloon deflates)
 * @pages: how many pages
 *
 * Inflates @from's balloon by @pages, waits (up to 30 s) for its guest to
 * hand them over, then deflates @to's balloon by as many pages as @from
 * actually gave, so host memory in use never grows on the way.
 *
 * Context: process context (a sysfs write); sleeps; takes each VM's balloon
 * lock in turn, never both.
 * Return: 0; -ENOENT for a pid that is not attached; -EINVAL for the same
 * VM twice, 0 pages, or a target outside a guest's size or balloon;
 * -ENOTCONN when either guest has no channel; -EAGAIN when @from gave
 * nothing in time (its target is put back).
 */
int msched_balloon_transfer(pid_t from, pid_t to, u64 pages)
{
	struct msched_vm *a, *b;
	u64 a_before, a_target, got;
	u64 t0 = ktime_get_ns();
	int ret = 0;

	a = msched_vm_get_by_pid(from);
	b = msched_vm_get_by_pid(to);
	if (!a || !b) {
		pr_info("balloon_transfer: pid %d is not attached\n", a ? to : from);
		ret = -ENOENT;
		goto out_put;
	}
	if (a == b || !pages) {
		pr_info("balloon_transfer: accepted: FROM_PID TO_PID PAGES, two different VMs, PAGES > 0\n");
		ret = -EINVAL;
		goto out_put;
	}

	mutex_lock(&b->balloon.lock);
	if (!b->balloon.chan) {
		ret = -ENOTCONN;
	} else if (b->balloon.target_pages < pages) {
		pr_info("balloon_transfer: pid %d has only %llu pages of balloon target to give back\n",
			to, b->balloon.target_pages);
		ret = -EINVAL;
	}
	mutex_unlock(&b->balloon.lock);
	if (ret)
		goto out_log;

	mutex_lock(&a->balloon.lock);
	a_before = a->balloon.actual_pages;
	a_target = a->balloon.target_pages;
	if (!a->balloon.chan) {
		ret = -ENOTCONN;
	} else if (a_target > a->balloon.guest_pages ||
		   pages > a->balloon.guest_pages - a_target) {
		/* Written so that neither side can wrap around. */
		pr_info("balloon_transfer: pid %d: target %llu + %llu above its %llu guest pages\n",
			from, a_target, pages, a->balloon.guest_pages);
		ret = -EINVAL;
	} else {
		ret = __balloon_set_target(a, a_target + pages);
	}
	mutex_unlock(&a->balloon.lock);
	if (ret)
		goto out_log;

	/* A guest may announce up to U64_MAX pages: saturate. */
	balloon_wait_actual(a, pages > U64_MAX - a_before ? U64_MAX :
			    a_before + pages);

	mutex_lock(&a->balloon.lock);
	got = a->balloon.actual_pages > a_before ?
	      min(a->balloon.actual_pages - a_before, pages) : 0;
	if (got < pages && a->balloon.chan) {
		/*
		 * Do not leave the giver chasing pages that were not moved. Its
		 * target may have been lowered meanwhile: never below 0.
		 */
		u64 t = a->balloon.target_pages;

		__balloon_set_target(a, t > pages - got ? t - (pages - got) : 0);
	}
	mutex_unlock(&a->balloon.lock);
	if (!got) {
		ret = -EAGAIN;
		goto out_log;
	}

	mutex_lock(&b->balloon.lock);
	got = min(got, b->balloon.target_pages);
	__balloon_set_target(b, b->balloon.target_pages - got);
	mutex_unlock(&b->balloon.lock);

	trace_msched_balloon_transfer(from, to, pages, got);
	pr_info("balloon_transfer: pid %d gave %llu of %llu pages to pid %d in %llu ms\n",
		from, got, pages, to, div_u64(ktime_get_ns() - t0, NSEC_PER_MSEC));
out_log:
	if (ret == -ENOTCONN)
		pr_info("balloon_transfer: both VMs need a connected balloon driver\n");
	else if (ret == -EAGAIN)
		pr_info("balloon_transfer: pid %d gave no pages within %u ms\n",
			from, MSCHED_TRANSFER_TIMEOUT_MS);
out_put:
	if (a)
		msched_vm_put(a);
	if (b)
		msched_vm_put(b);
	return ret;
}

/* ---- sysfs: vms/<pid>/balloon/ ---- */

#define MSCHED_BALLOON_RO(_name, _fmt, _expr)				\
static ssize_t _name##_show(struct kobject *kobj,			\
			    struct kobj_attribute *attr, char *buf)	\
{									\
	struct msched_vm *vm = to_vm(kobj);				\
	struct msched_balloon *b = &vm->balloon;			\
	ssize_t ret;							\
									\
	mutex_lock(&b->lock);						\
	ret = sysfs_emit(buf, _fmt "\n", _expr);			\
	mutex_unlock(&b->lock);						\
	return ret;							\
}									\
static struct kobj_attribute _name##_attr = __ATTR_RO_MODE(_name, 0400)

MSCHED_BALLOON_RO(connected, "%d", b->chan ? 1 : 0);
MSCHED_BALLOON_RO(actual_pages, "%llu", b->actual_pages);
MSCHED_BALLOON_RO(guest_pages, "%llu", b->guest_pages);
MSCHED_BALLOON_RO(latency_us, "%llu", b->latency_us);
MSCHED_BALLOON_RO(target_pending, "%d", b->target_pending ? 1 : 0);
MSCHED_BALLOON_RO(nr_connects, "%llu", b->nr_connects);
MSCHED_BALLOON_RO(nr_messages, "%llu", b->nr_messages);
MSCHED_BALLOON_RO(nr_rejects, "%llu", b->nr_rejects);
MSCHED_BALLOON_RO(nr_inflated, "%llu", b->nr_inflated);
MSCHED_BALLOON_RO(nr_deflated, "%llu", b->nr_deflated);
MSCHED_BALLOON_RO(nr_released, "%llu", b->nr_released);
MSCHED_BALLOON_RO(nr_release_skipped, "%llu", b->nr_release_skipped);
MSCHED_BALLOON_RO(stats_age_ms, "%lld", b->stats_ns ?
		  (s64)div_u64(ktime_get_ns() - b->stats_ns, NSEC_PER_MSEC) : -1LL);

static ssize_t cid_show(struct kobject *kobj, struct kobj_attribute *attr,
			char *buf)
{
	struct msched_vm *vm = to_vm(kobj);

	return sysfs_emit(buf, "%llu\n", READ_ONCE(vm->balloon.cid));
}

/* 0 = none, 1 = VMADDR_CID_LOCAL (vsock_loopback, for tests), 3.. guests. */
static ssize_t cid_store(struct kobject *kobj, struct kobj_attribute *attr,
			 const char *buf, size_t count)
{
	struct msched_vm *vm = to_vm(kobj), *other;
	struct msched_balloon *b = &vm->balloon;
	u64 v;
	int ret = count;

	if (kstrtou64(buf, 0, &v) || v == 2 || v >= U32_MAX) {
		pr_info("pid %d: balloon/cid: accepted: 0 (none), 1 (local), or a guest CID from 3 to %u\n",
			vm->pid, U32_MAX - 1);
		return -EINVAL;
	}
	mutex_lock(&msched_balloon_cid_lock);
	other = v ? msched_vm_get_by_cid((u32)v) : NULL;
	if (other && other != vm) {
		pr_info("pid %d: balloon/cid: CID %llu already belongs to pid %d\n",
			vm->pid, v, other->pid);
		ret = -EEXIST;
	} else {
		mutex_lock(&b->lock);
		if (READ_ONCE(vm->dead)) {
			ret = -ENODEV;
		} else if (b->cid != v) {
			/* That channel belongs to the old CID. */
			__balloon_unlink_chan(vm, "closed (balloon/cid changed)");
			WRITE_ONCE(b->cid, v);
			trace_msched_knob(vm->pid, "balloon/cid", v);
		}
		mutex_unlock(&b->lock);
	}
	if (other)
		msched_vm_put(other);
	mutex_unlock(&msched_balloon_cid_lock);
	return ret;
}
static struct kobj_attribute cid_attr = __ATTR(cid, 0600, cid_show, cid_store);

static ssize_t target_pages_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	struct msched_vm *vm = to_vm(kobj);
	ssize_t ret;

	mutex_lock(&vm->balloon.lock);
	ret = sysfs_emit(buf, "%llu\n", vm->balloon.target_pages);
	mutex_unlock(&vm->balloon.lock);
	return ret;
}

static ssize_t target_pages_store(struct kobject *kobj,
				  struct kobj_attribute *attr,
				  const char *buf, size_t count)
{
	struct msched_vm *vm = to_vm(kobj);
	struct msched_balloon *b = &vm->balloon;
	u64 v, max;
	int ret;

	mutex_lock(&b->lock);
	max = b->chan ? b->guest_pages : vm->guest_pages;
	if (kstrtou64(buf, 0, &v) || v > max) {
		mutex_unlock(&b->lock);
		pr_info("pid %d: balloon/target_pages: accepted: 0 to %llu (the guest's pages)\n",
			vm->pid, max);
		return -EINVAL;
	}
	if (READ_ONCE(vm->dead)) {
		ret = -ENODEV;
	} else {
		ret = __balloon_set_target(vm, v);
		if (ret)
			pr_info("pid %d: balloon/target_pages: stored, but sending it failed (%d); it is sent again on reconnect\n",
				vm->pid, ret);
		ret = 0;	/* stored: the guest gets it when it reconnects */
	}
	mutex_unlock(&b->lock);
	return ret ? ret : count;
}
static struct kobj_attribute target_pages_attr =
	__ATTR(target_pages, 0600, target_pages_show, target_pages_store);

static ssize_t request_stats_store(struct kobject *kobj,
				   struct kobj_attribute *attr,
				   const char *buf, size_t count)
{
	struct msched_vm *vm = to_vm(kobj);
	int ret;

	if (!sysfs_streq(buf, "1")) {
		pr_info("pid %d: balloon/request_stats: accepted: 1\n", vm->pid);
		return -EINVAL;
	}
	mutex_lock(&vm->balloon.lock);
	ret = vm->balloon.chan ?
	      msched_chan_send_stats_request(vm->balloon.chan) : -ENOTCONN;
	mutex_unlock(&vm->balloon.lock);
	return ret ? ret : count;
}
static struct kobj_attribute request_stats_attr =
	__ATTR(request_stats, 0200, NULL, request_stats_store);

static const char * const msched_stat_names[MSCHED_BALLOON_STAT_NR] = {
	[MSCHED_BALLOON_STAT_SWAP_IN] = "swap_in_bytes",
	[MSCHED_BALLOON_STAT_SWAP_OUT] = "swap_out_bytes",
	[MSCHED_BALLOON_STAT_MAJOR_FAULTS] = "major_faults",
	[MSCHED_BALLOON_STAT_MINOR_FAULTS] = "minor_faults",
	[MSCHED_BALLOON_STAT_FREE] = "free_bytes",
	[MSCHED_BALLOON_STAT_TOTAL] = "total_bytes",
	[MSCHED_BALLOON_STAT_AVAILABLE] = "available_bytes",
	[MSCHED_BALLOON_STAT_CACHES] = "caches_bytes",
	[MSCHED_BALLOON_STAT_OOM_KILLS] = "oom_kills",
	[MSCHED_BALLOON_STAT_ALLOC_STALLS] = "alloc_stalls",
};

static const char * const msched_class_names[MSCHED_BALLOON_CLASS_NR] = {
	[MSCHED_BALLOON_CLASS_ANON_ACTIVE] = "anon_active_bytes",
	[MSCHED_BALLOON_CLASS_ANON_INACTIVE] = "anon_inactive_bytes",
	[MSCHED_BALLOON_CLASS_FILE_ACTIVE] = "file_active_bytes",
	[MSCHED_BALLOON_CLASS_FILE_INACTIVE] = "file_inactive_bytes",
	[MSCHED_BALLOON_CLASS_DIRTY] = "dirty_bytes",
	[MSCHED_BALLOON_CLASS_FREE] = "free_bytes",
	[MSCHED_BALLOON_CLASS_SLAB] = "slab_bytes",
};

/* "name value" per tag the guest reported, in tag order. */
static ssize_t emit_kvs(struct msched_vm *vm, char *buf, const u64 *vals,
			u32 present, const char * const *names, u32 nr)
{
	ssize_t len = 0;
	u32 t;

	mutex_lock(&vm->balloon.lock);
	for (t = 0; t < nr; t++)
		if (present & BIT(t))
			len += sysfs_emit_at(buf, len, "%s %llu\n", names[t],
					     vals[t]);
	mutex_unlock(&vm->balloon.lock);
	return len;
}

static ssize_t guest_stats_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	struct msched_vm *vm = to_vm(kobj);

	return emit_kvs(vm, buf, vm->balloon.stats, vm->balloon.stats_present,
			msched_stat_names, MSCHED_BALLOON_STAT_NR);
}
static struct kobj_attribute guest_stats_attr =
	__ATTR_RO_MODE(guest_stats, 0400);

static ssize_t guest_classes_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	struct msched_vm *vm = to_vm(kobj);

	return emit_kvs(vm, buf, vm->balloon.classes,
			vm->balloon.classes_present, msched_class_names,
			MSCHED_BALLOON_CLASS_NR);
}
static struct kobj_attribute guest_classes_attr =
	__ATTR_RO_MODE(guest_classes, 0400);

static struct attribute *msched_balloon_attrs[] = {
	&cid_attr.attr,
	&target_pages_attr.attr,
	&request_stats_attr.attr,
	&connected_attr.attr,
	&actual_pages_attr.attr,
	&guest_pages_attr.attr,
	&latency_us_attr.attr,
	&target_pending_attr.attr,
	&nr_connects_attr.attr,
	&nr_messages_attr.attr,
	&nr_rejects_attr.attr,
	&nr_inflated_attr.attr,
	&nr_deflated_attr.attr,
	&nr_released_attr.attr,
	&nr_release_skipped_attr.attr,
	&stats_age_ms_attr.attr,
	&guest_stats_attr.attr,
	&guest_classes_attr.attr,
	NULL,
};

const struct attribute_group msched_balloon_group = {
	.name = "balloon",
	.attrs = msched_balloon_attrs,
};
