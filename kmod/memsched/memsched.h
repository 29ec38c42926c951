/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memsched: private declarations shared by the files of the host module.
 *
 * Lock rules are in Documentation/design/locking.rst.
 */
#ifndef _MEMSCHED_H
#define _MEMSCHED_H

#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/mmu_notifier.h>
#include <linux/workqueue.h>

#include "../fail_alloc.h"
#include "feature.h"

struct kvm;

/*
 * Most sampled frames per VM: about 14 MiB of sampling state, whatever
 * address space the VMM declares. Bigger VMs are sampled more sparsely
 * than sample_period asks (sample_period_effective).
 */
#define MSCHED_SAMPLES_MAX		(1U << 18)
/* The sampling granularity of a VM KVM may map with 2 MiB entries, pages. */
#define MSCHED_GRAN_HUGE		(PMD_SIZE >> PAGE_SHIFT)

/**
 * struct msched_sample - one sampled guest page, as kvm.c lists them.
 * @gfn: guest frame number.
 * @hva: host virtual address of the frame in the VMM's mm.
 * @slot: its slot in the LRU engine.
 * @retrace_scan: 0 while traced; otherwise the scan at which a page that was
 *	found accessed is traced again (its accessed bit re-armed).
 */
struct msched_sample {
	u64 gfn;
	unsigned long hva;
	u32 slot;
	u32 retrace_scan;
};

#define MSCHED_VM_CLAIMED	0
#define MSCHED_VM_MM_GONE	1
#define MSCHED_VM_REGISTERED	2

/**
 * struct msched_vm - one attached VM: the core every feature plugs into.
 * @node: entry in vm.c's list of attached VMs.
 * @pid: the VMM's pid, the VM's name in sysfs.
 * @kvm: the VM (a reference).
 * @mm: the VMM's mm (a grab; mmget_not_zero() before touching pages).
 * @mn: memsched's MMU notifier on @mm.
 * @kobj: vms/<pid>/; its release frees the VM.
 * @release_work: tears the VM down after its mm went away.
 * @flags: MSCHED_VM_* bits.
 * @dead: set once teardown began; features stop starting new work.
 * @nr_invalidations: invalidations of @mm seen by @mn.
 * @feat: each feature's state (feature.h), set by its ->attach.
 * @feat_dir: each named feature's sysfs directory.
 * @nr_attached: features whose ->attach succeeded, in table order.
 */
struct msched_vm {
	struct list_head node;
	pid_t pid;
	struct kvm *kvm;
	struct mm_struct *mm;
	struct mmu_notifier mn;
	struct kobject kobj;
	struct work_struct release_work;
	unsigned long flags;
	bool dead;
	atomic64_t nr_invalidations;
	void *feat[MSCHED_NR_FEATURES];
	struct kobject *feat_dir[MSCHED_NR_FEATURES];
	unsigned int nr_attached;
};

/**
 * msched_vm_feature() - a feature's state in a VM.
 * @vm: an attached VM.
 * @id: the feature.
 *
 * Context: any; the state lives from the feature's ->attach to its ->detach.
 * Return: what the feature stored with msched_vm_set_feature().
 */
static inline void *msched_vm_feature(struct msched_vm *vm,
				      enum msched_feature_id id)
{
	return vm->feat[id];
}

/**
 * msched_vm_set_feature() - store a feature's state in a VM.
 * @vm: a VM being attached.
 * @id: the feature.
 * @state: its state.
 *
 * Context: the feature's ->attach.
 */
static inline void msched_vm_set_feature(struct msched_vm *vm,
					 enum msched_feature_id id, void *state)
{
	vm->feat[id] = state;
}

/* vm.c: attaching, detaching and finding VMs; owns msched_wq */
extern struct workqueue_struct *msched_wq;
extern atomic64_t msched_live_vms;
int msched_vm_attach(pid_t pid);
int msched_vm_detach(pid_t pid);
struct msched_vm *msched_vm_get_by(bool (*match)(struct msched_vm *vm,
						 const void *key),
				   const void *key);
void msched_vm_put(struct msched_vm *vm);
struct msched_vm *msched_vm_of_kobj(struct kobject *kobj);
void msched_vm_register_feature(enum msched_feature_id id,
				const struct msched_feature_ops *ops);
int msched_vm_init(struct kobject *root);
void msched_vm_exit(void);

/* kvm.c: KVM glue */
struct kvm *msched_kvm_get_by_pid(pid_t pid, struct mm_struct **mmp);
u64 msched_kvm_memslots_gen(struct kvm *kvm);
u64 msched_kvm_guest_pages(struct kvm *kvm);
int msched_kvm_collect_samples(struct kvm *kvm, u32 period, u32 gran,
			       u64 seed, struct msched_sample **samplesp,
			       u32 *nrp, u64 *guest_pagesp, u64 *periodp,
			       u32 *granp, u64 *genp);
bool msched_kvm_age_range(struct kvm *kvm, unsigned long hva,
			  unsigned long nr);
int msched_kvm_gfns_to_hvas(struct kvm *kvm, const u64 *gfns, u32 nr,
			    unsigned long *hvas);
struct file *msched_kvm_ram_file(struct kvm *kvm, struct mm_struct *mm,
				 bool (*match)(struct file *file),
				 unsigned long *hva0, pgoff_t *first, pgoff_t *nr);

/* debugfs.c: diagnostics; it only reads the live counters of their owners */
void msched_debugfs_init(void);
void msched_debugfs_exit(void);

/* sysfs.c: /sys/kernel/mm/memsched and its control files */
struct kobject *msched_sysfs_root(void);
int msched_sysfs_init(void);
int msched_sysfs_add_control(void);
void msched_sysfs_remove_control(void);
void msched_sysfs_exit(void);

/*
 * An allocation memsched makes after init: debugfs memsched/fail_alloc may
 * fail it (the debug kernel; see ../fail_alloc.h).
 */
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
extern struct fault_attr msched_fail_alloc_attr;
#endif
#define msched_fallible(expr)	MSCHED_FALLIBLE(&msched_fail_alloc_attr, expr)
#define msched_fallible_err(expr) \
	MSCHED_FALLIBLE_ERR(&msched_fail_alloc_attr, expr)

#endif /* _MEMSCHED_H */
