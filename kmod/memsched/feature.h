/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memsched: what a feature of an attached VM plugs in.
 *
 * A VM (vm.c) is a pid, its KVM VM, its mm, a sysfs directory and a
 * reference count; it knows nothing of what is done with it. Each feature
 * (access sources, the sampler, the balloon, the scheduler; next
 * replication) has one struct msched_feature_ops, which main.c registers
 * with vm.c at load (msched_vm_register_feature()), as DAMON's operations
 * register with its core: vm.c calls the features and never names them.
 * vm.c calls every feature's ->attach in id order when a VM is attached
 * and every ->detach in reverse order when it goes, and creates and
 * removes the feature's sysfs files.
 */
#ifndef _MEMSCHED_FEATURE_H
#define _MEMSCHED_FEATURE_H

#include <linux/kobject.h>
#include <linux/sysfs.h>

struct msched_vm;

/* Feature ids: the attach order, and an index into msched_vm.feat[]. */
enum msched_feature_id {
	MSCHED_FEAT_ACCESS,	/* first: the others read accesses through it */
	MSCHED_FEAT_SAMPLE,
	MSCHED_FEAT_BALLOON,
	MSCHED_FEAT_SCHED,	/* last: reads the others */
	MSCHED_NR_FEATURES
};

/**
 * struct msched_feature_ops - one feature of an attached VM.
 * @name: the feature's sysfs directory under vms/<pid>/, or NULL to put
 *	its files in vms/<pid>/ itself.
 * @groups: NULL-terminated attribute groups created in that directory (a
 *	named group, such as "stats", is a subdirectory). Their callbacks
 *	find the VM with msched_vm_of_kobj(). Removed, with every callback
 *	drained, before ->detach is called.
 * @attach: optional; set up the feature's state for @vm and store it with
 *	msched_vm_set_feature(). Context: process context, may sleep; the VM
 *	is not yet visible to lookups and its sysfs files do not exist yet.
 *	Return: 0 or -errno, which fails the attach (the features attached
 *	before it are detached).
 * @start: optional; the VM is complete and visible: begin work (queue
 *	scans). Context: process context, may sleep. Cannot fail.
 * @detach: optional; undo @attach. After it returns nothing of the feature touches
 *	the VM. Context: process context, may sleep; sysfs files are gone.
 *	Called once for every successful @attach, before the VM drops its
 *	KVM and mm references.
 */
struct msched_feature_ops {
	const char *name;
	const struct attribute_group **groups;
	int (*attach)(struct msched_vm *vm);
	void (*start)(struct msched_vm *vm);
	void (*detach)(struct msched_vm *vm);
};

/* The features' ops, each defined by the feature. */
extern const struct msched_feature_ops msched_kvm_access_ops;
extern const struct msched_feature_ops msched_sample_ops;
extern const struct msched_feature_ops msched_balloon_ops;
extern const struct msched_feature_ops msched_sched_ops;

#endif /* _MEMSCHED_FEATURE_H */
