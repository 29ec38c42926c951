// SPDX-License-Identifier: GPL-2.0
/*
 * memsched: attached VMs.
 *
 * Attaching pins the VM (struct kvm) and registers memsched's own MMU
 * notifier on the VMM's mm, so that the VM exiting, or memsched unloading
 * while attached, always ends in one teardown path: remove the sysfs
 * directories, detach the features, unregister the notifier, unpin the VM,
 * free. The VM knows nothing of its features: they plug in through
 * msched_vm_register_feature() (feature.h). vm.c owns msched_wq, vms/ and
 * the msched_live_vms counter.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "memsched.h"
#include "trace.h"

static LIST_HEAD(msched_vms);
/* Guards msched_vms and every msched_vm.node; see Documentation/design/locking.rst. */
static DEFINE_MUTEX(msched_vms_lock);

struct workqueue_struct *msched_wq;
static struct kobject *msched_vms_kobj;
/* The features, by id; registered at load, before any attach. */
static const struct msched_feature_ops *msched_features[MSCHED_NR_FEATURES];
/* VMs allocated and not yet freed; returns to zero when all is freed. */
atomic64_t msched_live_vms = ATOMIC64_INIT(0);

/*
 * A named feature's directory, vms/<pid>/<name>/. It holds a reference on
 * the VM's kobject (its parent) until it is released.
 */
struct msched_feature_dir {
	struct kobject kobj;
	struct msched_vm *vm;
};

static void msched_feature_dir_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct msched_feature_dir, kobj));
}

static const struct kobj_type msched_feature_dir_ktype = {
	.release = msched_feature_dir_release,
	.sysfs_ops = &kobj_sysfs_ops,
};

static ssize_t pid_show(struct kobject *kobj, struct kobj_attribute *attr,
			char *buf)
{
	return sysfs_emit(buf, "%d\n", msched_vm_of_kobj(kobj)->pid);
}
static struct kobj_attribute pid_attr = __ATTR_RO_MODE(pid, 0400);

static struct attribute *msched_vm_attrs[] = {
	&pid_attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(msched_vm);

static void msched_vm_kobj_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct msched_vm, kobj));
	atomic64_dec(&msched_live_vms);
}

static const struct kobj_type msched_vm_ktype = {
	.release = msched_vm_kobj_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = msched_vm_groups,
};

/**
 * msched_vm_of_kobj() - the VM of a sysfs callback's kobject.
 * @kobj: vms/<pid>/ or a feature's directory in it.
 *
 * Context: a sysfs callback of the VM's files (the VM outlives them).
 * Return: the VM.
 */
struct msched_vm *msched_vm_of_kobj(struct kobject *kobj)
{
	if (kobj->ktype == &msched_feature_dir_ktype)
		return container_of(kobj, struct msched_feature_dir, kobj)->vm;
	return container_of(kobj, struct msched_vm, kobj);
}

/* Create each attached feature's files; undone by msched_vm_remove_files. */
static int msched_vm_add_files(struct msched_vm *vm)
{
	const struct msched_feature_ops *ops;
	struct msched_feature_dir *dir;
	unsigned int i;
	int ret;

	for (i = 0; i < vm->nr_attached; i++) {
		ops = msched_features[i];
		if (!ops || !ops->groups)
			continue;
		if (!ops->name) {
			ret = sysfs_create_groups(&vm->kobj, ops->groups);
			if (ret)
				return ret;
			continue;
		}
		dir = msched_fallible(kzalloc(sizeof(*dir), GFP_KERNEL_ACCOUNT));
		if (!dir)
			return -ENOMEM;
		dir->vm = vm;
		kobject_init(&dir->kobj, &msched_feature_dir_ktype);
		vm->feat_dir[i] = &dir->kobj;
		ret = kobject_add(&dir->kobj, &vm->kobj, "%s", ops->name);
		if (!ret)
			ret = sysfs_create_groups(&dir->kobj, ops->groups);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Remove every file of the VM, waiting for callbacks in flight: none can
 * start after this. Features' directories go first, then vms/<pid>/.
 */
static void msched_vm_remove_files(struct msched_vm *vm)
{
	unsigned int i;

	for (i = 0; i < MSCHED_NR_FEATURES; i++) {
		struct kobject *dir = vm->feat_dir[i];

		if (!dir)
			continue;
		vm->feat_dir[i] = NULL;
		if (dir->state_in_sysfs)
			kobject_del(dir);
		kobject_put(dir);
	}
	if (vm->kobj.state_in_sysfs)
		kobject_del(&vm->kobj);
}

/* Attach every feature in table order; on failure, the ones before go. */
static int msched_vm_attach_features(struct msched_vm *vm)
{
	int ret;

	while (vm->nr_attached < MSCHED_NR_FEATURES) {
		const struct msched_feature_ops *ops;

		ops = msched_features[vm->nr_attached];
		ret = ops && ops->attach ? ops->attach(vm) : 0;
		if (ret)
			return ret;
		vm->nr_attached++;
	}
	return 0;
}

static void msched_vm_detach_features(struct msched_vm *vm)
{
	const struct msched_feature_ops *ops;

	while (vm->nr_attached) {
		ops = msched_features[--vm->nr_attached];
		if (ops && ops->detach)
			ops->detach(vm);
	}
}

static struct msched_vm *__msched_vm_find(pid_t pid, struct kvm *kvm)
{
	struct msched_vm *vm;

	lockdep_assert_held(&msched_vms_lock);
	list_for_each_entry(vm, &msched_vms, node)
		if (vm->pid == pid || vm->kvm == kvm)
			return vm;
	return NULL;
}

/*
 * Invalidations of the VMM's mm (munmap, migration, reclaim, balloon) are
 * counted. The range may be non-blockable: only an atomic increment here.
 */
static int msched_mn_invalidate_range_start(struct mmu_notifier *mn,
					    const struct mmu_notifier_range *range)
{
	struct msched_vm *vm = container_of(mn, struct msched_vm, mn);

	atomic64_inc(&vm->nr_invalidations);
	return 0;
}

/*
 * Queue the release work unless some path already owns the teardown. A
 * queued release work holds a reference on the VM, so that no VM is ever
 * freed while its release work is queued or running (the work drops it).
 * The caller guarantees that the VM's base reference is held: the notifier
 * is unregistered (with a wait for callbacks in flight) before the teardown
 * drops it, and attach holds one of its own.
 */
static void msched_vm_queue_release(struct msched_vm *vm)
{
	if (test_bit(MSCHED_VM_CLAIMED, &vm->flags))
		return;
	kobject_get(&vm->kobj);
	if (!queue_work(msched_wq, &vm->release_work))
		kobject_put(&vm->kobj);		/* never the last one here */
}

/*
 * The VMM's address space is going away (the VM exits), or the teardown
 * unregisters the notifier. Teardown cannot run here (it unregisters this
 * very notifier), so hand it to a work item, unless the VM is claimed: then
 * its teardown is under way (this call may well come from its
 * mmu_notifier_unregister(), in the release work itself) or attach still
 * owns it and queues the work when it lets go (msched_vm_publish()).
 */
static void msched_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct msched_vm *vm = container_of(mn, struct msched_vm, mn);

	WRITE_ONCE(vm->dead, true);
	set_bit(MSCHED_VM_MM_GONE, &vm->flags);
	/* Pairs with msched_vm_publish(): one of the two sees the other. */
	smp_mb__after_atomic();
	msched_vm_queue_release(vm);
}

static const struct mmu_notifier_ops msched_mn_ops = {
	.invalidate_range_start = msched_mn_invalidate_range_start,
	.release = msched_mn_release,
};

/*
 * Exactly one path tears a VM down: whoever claims it first (explicit detach,
 * module unload, the VM exiting). An attach owns its VM (claimed) until it
 * publishes it or, failing, tears it down itself. Claiming is atomic, so a
 * release work that loses needs no lock to back off.
 */
static bool msched_vm_claim(struct msched_vm *vm)
{
	return !test_and_set_bit(MSCHED_VM_CLAIMED, &vm->flags);
}

/* Remove a claimed VM from msched_vms (it may already be off the list). */
static void msched_vm_unlink(struct msched_vm *vm)
{
	mutex_lock(&msched_vms_lock);
	list_del_init(&vm->node);
	mutex_unlock(&msched_vms_lock);
}

/*
 * The one teardown path, also for an attach that failed half-way (then only
 * what was set up is undone). The caller has claimed @vm and unlinked it
 * from msched_vms, and holds no memsched lock: kobject_del() waits for sysfs
 * callbacks of the VM's directories, which take the features' locks (and
 * msched_vms_lock, through msched_vm_get_by()).
 */
static void msched_vm_teardown(struct msched_vm *vm, const char *reason,
			       bool from_release_work)
{
	bool attached = test_bit(MSCHED_VM_REGISTERED, &vm->flags);

	WRITE_ONCE(vm->dead, true);
	/*
	 * Drains sysfs callbacks in flight; none can start new work after.
	 * A knob write may have armed a scan before, even during a failed
	 * attach: the features' ->detach cancel their work.
	 */
	msched_vm_remove_files(vm);
	/* The balloon's channel can no longer reach kvm or mm after this. */
	msched_vm_detach_features(vm);
	/*
	 * Waits for notifier callbacks in flight. The ->release it may call
	 * sees the VM claimed and queues nothing.
	 */
	if (attached)
		mmu_notifier_unregister(&vm->mn, vm->mm);
	/*
	 * A release callback that ran before the claim may have queued the
	 * work; drop its reference if it never ran. The release work itself
	 * drops its own when it returns.
	 */
	if (!from_release_work && cancel_work_sync(&vm->release_work))
		kobject_put(&vm->kobj);

	if (attached) {
		trace_msched_detach(vm->pid, reason);
		pr_info("detached VM of pid %d (%s)\n", vm->pid, reason);
	}

	kvm_put_kvm(vm->kvm);
	mmdrop(vm->mm);
	kobject_put(&vm->kobj);
}

static void msched_vm_release_work(struct work_struct *work)
{
	struct msched_vm *vm = container_of(work, struct msched_vm, release_work);

	/* Otherwise a detach or the unload owns the teardown. */
	if (msched_vm_claim(vm)) {
		msched_vm_unlink(vm);
		msched_vm_teardown(vm, "VM exited", true);
	}
	kobject_put(&vm->kobj);		/* the queued work's reference */
}

/*
 * Attach lets go of its claim: from here on the VM can be detached, and
 * its exit detaches it. When the mm went away while attach still owned the
 * VM, the release callback queued nothing, so queue the work here. The
 * caller holds a reference of its own: a detach may free the VM as soon as
 * the claim is cleared.
 */
static void msched_vm_publish(struct msched_vm *vm)
{
	/* msched_vm_get_by() then sees every feature's state stored. */
	smp_mb__before_atomic();
	clear_bit(MSCHED_VM_CLAIMED, &vm->flags);
	/* Pairs with msched_mn_release(): one of the two sees the other. */
	smp_mb__after_atomic();
	if (test_bit(MSCHED_VM_MM_GONE, &vm->flags))
		msched_vm_queue_release(vm);
}

/**
 * msched_vm_attach() - attach memsched to the VM of a VMM process.
 * @pid: pid of the VMM (QEMU) that has the VM open.
 *
 * The VM is linked into msched_vms first, claimed by the attach, so that
 * the same pid or VM cannot be attached twice while its features attach,
 * its directories are created and its notifier is registered with no
 * memsched lock held. A failure after that goes through the one teardown
 * path.
 *
 * Context: process context, may sleep; takes msched_vms_lock and the
 * features' locks (not together).
 * Return: 0; -ESRCH for no such live process (or its address space is
 * gone); -EINVAL when it has no KVM VM; -EEXIST when that pid or VM is
 * already attached (or being attached); -ENOMEM.
 */
int msched_vm_attach(pid_t pid)
{
	struct mm_struct *mm;
	struct msched_vm *vm;
	struct kvm *kvm;
	unsigned int i;
	int ret;

	kvm = msched_kvm_get_by_pid(pid, &mm);
	if (IS_ERR(kvm))
		return PTR_ERR(kvm);

	vm = msched_fallible(kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT));
	if (!vm) {
		ret = -ENOMEM;
		goto out_put_kvm;
	}
	atomic64_inc(&msched_live_vms);
	INIT_LIST_HEAD(&vm->node);
	vm->pid = pid;
	vm->kvm = kvm;
	vm->mm = mm;
	__set_bit(MSCHED_VM_CLAIMED, &vm->flags);	/* ours until published */
	INIT_WORK(&vm->release_work, msched_vm_release_work);
	kobject_init(&vm->kobj, &msched_vm_ktype);

	mutex_lock(&msched_vms_lock);
	if (__msched_vm_find(pid, kvm)) {
		mutex_unlock(&msched_vms_lock);
		ret = -EEXIST;
		goto out_put_kobj;
	}
	list_add_tail(&vm->node, &msched_vms);
	mutex_unlock(&msched_vms_lock);

	ret = msched_vm_attach_features(vm);
	if (ret)
		goto out_teardown;
	ret = kobject_add(&vm->kobj, msched_vms_kobj, "%d", pid);
	if (ret)
		goto out_teardown;
	ret = msched_vm_add_files(vm);
	if (ret)
		goto out_teardown;
	/* The notifier goes last: nothing can fail after it. */
	if (!mmget_not_zero(mm)) {	/* registration needs a live mm */
		ret = -ESRCH;
		goto out_teardown;
	}
	vm->mn.ops = &msched_mn_ops;
	ret = mmu_notifier_register(&vm->mn, mm);
	/*
	 * If QEMU exited meanwhile, the release callback runs in a worker:
	 * as it would had QEMU exited a moment later (publish handles both).
	 */
	mmput_async(mm);
	if (ret)
		goto out_teardown;
	set_bit(MSCHED_VM_REGISTERED, &vm->flags);

	for (i = 0; i < vm->nr_attached; i++)
		if (msched_features[i] && msched_features[i]->start)
			msched_features[i]->start(vm);

	kobject_get(&vm->kobj);
	msched_vm_publish(vm);
	kobject_put(&vm->kobj);

	trace_msched_attach(pid, vm->nr_attached);
	pr_info("attached VM of pid %d\n", pid);
	return 0;

out_teardown:
	msched_vm_unlink(vm);
	msched_vm_teardown(vm, "attach failed", false);	/* puts kvm and mm */
	return ret;
out_put_kobj:
	kobject_put(&vm->kobj);		/* frees vm */
out_put_kvm:
	kvm_put_kvm(kvm);
	mmdrop(mm);
	return ret;
}

/**
 * msched_vm_detach() - detach memsched from the VM of a VMM process.
 * @pid: the pid it was attached with.
 *
 * Context: process context, may sleep; takes msched_vms_lock.
 * Return: 0, or -ENOENT when that pid is not attached (or is still being
 * attached, or is already being detached because its VM exited).
 */
int msched_vm_detach(pid_t pid)
{
	struct msched_vm *vm;

	mutex_lock(&msched_vms_lock);
	vm = __msched_vm_find(pid, NULL);
	if (vm && msched_vm_claim(vm))
		list_del_init(&vm->node);
	else
		vm = NULL;
	mutex_unlock(&msched_vms_lock);
	if (!vm)
		return -ENOENT;
	msched_vm_teardown(vm, "detached", false);
	return 0;
}

/*
 * Detach every VM (module unload).
 *
 * Context: process context, may sleep; takes msched_vms_lock.
 */
static void msched_vm_detach_all(void)
{
	struct msched_vm *vm, *found;
	bool empty;

	for (;;) {
		found = NULL;
		mutex_lock(&msched_vms_lock);
		list_for_each_entry(vm, &msched_vms, node) {
			if (msched_vm_claim(vm)) {
				list_del_init(&vm->node);
				found = vm;
				break;
			}
		}
		empty = list_empty(&msched_vms);
		mutex_unlock(&msched_vms_lock);
		if (found) {
			msched_vm_teardown(found, "module unload", false);
			continue;
		}
		if (empty)
			break;
		/* The rest are being torn down by their release works. */
		flush_workqueue(msched_wq);
	}
}

/**
 * msched_vm_get_by() - find an attached VM by a feature's key.
 * @match: returns true for the VM wanted; called under the list's lock
 *	(msched_vms_lock), so it must not sleep or take memsched locks.
 * @key: passed to @match.
 *
 * Context: process context; takes msched_vms_lock.
 * Only VMs whose attach completed are offered to @match: their features
 * are all attached and stay so while msched_vms_lock is held.
 *
 * Return: the first VM @match accepts, with a reference (drop it with
 * msched_vm_put()), or NULL.
 */
struct msched_vm *msched_vm_get_by(bool (*match)(struct msched_vm *vm,
						 const void *key),
				   const void *key)
{
	struct msched_vm *vm, *found = NULL;

	mutex_lock(&msched_vms_lock);
	list_for_each_entry(vm, &msched_vms, node)
		/* A claimed VM on the list is still attaching: not yet. */
		if (!test_bit_acquire(MSCHED_VM_CLAIMED, &vm->flags) &&
		    match(vm, key)) {
			found = vm;
			kobject_get(&vm->kobj);
			break;
		}
	mutex_unlock(&msched_vms_lock);
	return found;
}

/**
 * msched_vm_put() - drop a reference from msched_vm_get_by().
 * @vm: the VM
 *
 * Context: process context; may free @vm (never its kvm or mm, which the
 * teardown path releases).
 */
void msched_vm_put(struct msched_vm *vm)
{
	kobject_put(&vm->kobj);
}

/**
 * msched_vm_register_feature() - plug a feature into every VM attached from
 * now on.
 * @id: its id, which orders attach (and, reversed, detach).
 * @ops: its ops; @ops->start, and @ops->attach and @ops->detach, may be NULL.
 *
 * Context: module init, before attach can be written.
 */
void msched_vm_register_feature(enum msched_feature_id id,
				const struct msched_feature_ops *ops)
{
	msched_features[id] = ops;
}

/**
 * msched_vm_init() - create the workqueue that scans and tears down VMs,
 * and the vms/ directory.
 * @root: /sys/kernel/mm/memsched.
 *
 * Context: process context, module init.
 * Return: 0 or -ENOMEM.
 */
int msched_vm_init(struct kobject *root)
{
	msched_wq = alloc_workqueue("memsched", WQ_UNBOUND, 0);
	if (!msched_wq)
		return -ENOMEM;
	msched_vms_kobj = kobject_create_and_add("vms", root);
	if (!msched_vms_kobj) {
		destroy_workqueue(msched_wq);
		return -ENOMEM;
	}
	return 0;
}

/**
 * msched_vm_exit() - detach every VM, then remove vms/ and the workqueue.
 *
 * Context: process context, module exit (or a failed init); attach can no
 * longer be written.
 */
void msched_vm_exit(void)
{
	msched_vm_detach_all();
	/* Release works of VMs torn down above have been cancelled or ran. */
	destroy_workqueue(msched_wq);
	kobject_put(msched_vms_kobj);
	msched_vms_kobj = NULL;
}
