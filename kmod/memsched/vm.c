// SPDX-License-Identifier: GPL-2.0
/*
 * memsched: attached VMs.
 *
 * Attaching pins the VM (struct kvm) and registers memsched's own MMU
 * notifier on the VMM's mm, so that the VM exiting, or memsched unloading
 * while attached, always ends in one teardown path: stop the scanner, remove
 * the sysfs directory, unregister the notifier, unpin the VM, free.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "memsched.h"
#include "trace.h"

static LIST_HEAD(msched_vms);
/* Guards msched_vms and every msched_vm.node; see docs/locking.rst. */
static DEFINE_MUTEX(msched_vms_lock);

struct workqueue_struct *msched_wq;

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
 * The VMM's address space is going away (the VM exits), or we unregister.
 * Teardown cannot run here (it unregisters this very notifier), so hand it
 * to a work item.
 */
static void msched_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct msched_vm *vm = container_of(mn, struct msched_vm, mn);

	WRITE_ONCE(vm->dead, true);
	queue_work(msched_wq, &vm->release_work);
}

static const struct mmu_notifier_ops msched_mn_ops = {
	.invalidate_range_start = msched_mn_invalidate_range_start,
	.release = msched_mn_release,
};

/*
 * Exactly one path tears a VM down: whoever claims it first (explicit detach,
 * module unload, the VM exiting, or a failed attach). Claiming is atomic, so
 * a release work that loses needs no lock to back off.
 */
static bool msched_vm_claim(struct msched_vm *vm)
{
	return !test_and_set_bit(MSCHED_VM_CLAIMED, &vm->flags);
}

/*
 * The one teardown path. The caller has claimed @vm and unlinked it from
 * msched_vms, and does not hold msched_vms_lock.
 */
static void msched_vm_teardown(struct msched_vm *vm, const char *reason,
			       bool from_release_work)
{
	mutex_lock(&vm->lock);
	WRITE_ONCE(vm->dead, true);
	mutex_unlock(&vm->lock);

	/* Drains sysfs callbacks in flight; none can re-arm the scan after. */
	kobject_del(&vm->kobj);
	/* Its channel can no longer reach kvm or mm after this. */
	msched_balloon_teardown_vm(vm);
	cancel_delayed_work_sync(&vm->scan_work);
	/* Waits for notifier callbacks in flight; may call ->release. */
	mmu_notifier_unregister(&vm->mn, vm->mm);
	if (!from_release_work)
		cancel_work_sync(&vm->release_work);

	trace_msched_detach(vm->pid, reason);
	pr_info("detached VM of pid %d (%s)\n", vm->pid, reason);

	msched_sample_teardown(vm);
	kvm_put_kvm(vm->kvm);
	mmdrop(vm->mm);
	kobject_put(&vm->kobj);
}

static void msched_vm_release_work(struct work_struct *work)
{
	struct msched_vm *vm = container_of(work, struct msched_vm, release_work);

	/* Otherwise a detach, the unload or a failed attach owns the teardown. */
	if (!msched_vm_claim(vm))
		return;
	mutex_lock(&msched_vms_lock);
	list_del_init(&vm->node);
	mutex_unlock(&msched_vms_lock);
	msched_vm_teardown(vm, "VM exited", true);
}

/**
 * msched_vm_attach() - attach memsched to the VM of a VMM process.
 * @pid: pid of the VMM (QEMU) that has the VM open.
 *
 * Context: process context, may sleep; takes msched_vms_lock.
 * Return: 0; -ESRCH for no such live process; -EINVAL when it has no KVM VM;
 * -EEXIST when that pid or VM is already attached; -ENOMEM.
 */
int msched_vm_attach(pid_t pid)
{
	struct mm_struct *mm;
	struct msched_vm *vm;
	struct kvm *kvm;
	int ret;

	kvm = msched_kvm_get_by_pid(pid, &mm);
	if (IS_ERR(kvm))
		return PTR_ERR(kvm);

	mutex_lock(&msched_vms_lock);
	if (__msched_vm_find(pid, kvm)) {
		ret = -EEXIST;
		goto out_unlock;
	}
	vm = kzalloc(sizeof(*vm), GFP_KERNEL);
	if (!vm) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	atomic64_inc(&msched_live_vms);
	INIT_LIST_HEAD(&vm->node);
	vm->pid = pid;
	vm->kvm = kvm;
	vm->mm = mm;
	mutex_init(&vm->lock);
	INIT_DELAYED_WORK(&vm->scan_work, msched_sample_work);
	INIT_WORK(&vm->release_work, msched_vm_release_work);
	kobject_init(&vm->kobj, &msched_vm_ktype);
	msched_balloon_init_vm(vm);

	ret = msched_sample_setup(vm);
	if (ret)
		goto out_put_kobj;

	ret = kobject_add(&vm->kobj, msched_vms_kobj, "%d", pid);
	if (ret)
		goto out_teardown_sample;

	/*
	 * The notifier goes last: nothing can fail after it, so a failed
	 * attach never races a release work.
	 */
	if (!mmget_not_zero(mm)) {	/* registration needs a live mm */
		ret = -ESRCH;
		goto out_del_kobj;
	}
	vm->mn.ops = &msched_mn_ops;
	ret = mmu_notifier_register(&vm->mn, mm);
	mmput(mm);
	if (ret)
		goto out_del_kobj;

	list_add_tail(&vm->node, &msched_vms);
	queue_delayed_work(msched_wq, &vm->scan_work, 0);
	mutex_unlock(&msched_vms_lock);

	trace_msched_attach(pid, vm->guest_pages, vm->nr_samples);
	pr_info("attached VM of pid %d: %llu guest pages, %u sampled (1/%llu)\n",
		pid, vm->guest_pages, vm->nr_samples, vm->knobs.sample_period);
	return 0;

out_del_kobj:
	kobject_del(&vm->kobj);
out_teardown_sample:
	msched_sample_teardown(vm);
out_put_kobj:
	kobject_put(&vm->kobj);		/* frees vm */
out_unlock:
	mutex_unlock(&msched_vms_lock);
	kvm_put_kvm(kvm);
	mmdrop(mm);
	return ret;
}

/**
 * msched_vm_detach() - detach memsched from the VM of a VMM process.
 * @pid: the pid it was attached with.
 *
 * Context: process context, may sleep; takes msched_vms_lock.
 * Return: 0, or -ENOENT when that pid is not attached (or is already being
 * detached because its VM exited).
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

/**
 * msched_vm_detach_all() - detach every VM (module unload).
 *
 * Context: process context, may sleep; takes msched_vms_lock.
 */
void msched_vm_detach_all(void)
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
 * msched_vm_get_by_cid() - find the attached VM whose balloon/cid is @cid.
 * @cid: an AF_VSOCK CID (not 0)
 *
 * Context: process context; takes msched_vms_lock.
 * Return: the VM with a reference (drop it with msched_vm_put()), or NULL.
 * The VM may be torn down meanwhile; its struct stays valid.
 */
struct msched_vm *msched_vm_get_by_cid(u32 cid)
{
	struct msched_vm *vm, *found = NULL;

	mutex_lock(&msched_vms_lock);
	list_for_each_entry(vm, &msched_vms, node)
		if (READ_ONCE(vm->balloon.cid) == cid) {
			found = vm;
			kobject_get(&vm->kobj);
			break;
		}
	mutex_unlock(&msched_vms_lock);
	return found;
}

/**
 * msched_vm_get_by_pid() - find the attached VM of a VMM pid.
 * @pid: the pid it was attached with
 *
 * Context: process context; takes msched_vms_lock.
 * Return: the VM with a reference (drop it with msched_vm_put()), or NULL.
 */
struct msched_vm *msched_vm_get_by_pid(pid_t pid)
{
	struct msched_vm *vm;

	mutex_lock(&msched_vms_lock);
	vm = __msched_vm_find(pid, NULL);
	if (vm)
		kobject_get(&vm->kobj);
	mutex_unlock(&msched_vms_lock);
	return vm;
}

/**
 * msched_vm_put() - drop a reference from msched_vm_get_by_*().
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
 * msched_vm_init() - create the workqueue that scans and tears down VMs.
 *
 * Context: process context, module init.
 * Return: 0 or -ENOMEM.
 */
int msched_vm_init(void)
{
	msched_wq = alloc_workqueue("memsched", WQ_UNBOUND, 0);
	return msched_wq ? 0 : -ENOMEM;
}

/**
 * msched_vm_exit() - detach every VM and destroy the workqueue.
 *
 * Context: process context, module exit. The sysfs tree is already gone, so
 * no new attach can start.
 */
void msched_vm_exit(void)
{
	msched_vm_detach_all();
	/* Release works of VMs torn down above have been cancelled or ran. */
	destroy_workqueue(msched_wq);
}
