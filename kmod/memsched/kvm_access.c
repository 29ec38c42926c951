// SPDX-License-Identifier: GPL-2.0
/*
 * memsched: KVM's accessed bits as an access source (access.h), the first
 * feature of every attached VM.
 *
 * The VM's source answers for host virtual pages: the sampler asks it about
 * the pages it sampled. When the VM's guest RAM is a memschedfs file, the
 * feature also lends the file a second source keyed by the file's page
 * index, so that the file's tiering reads KVM's accessed bits instead of
 * unmapping every page each pass (the fault trap), and it links
 * vms/<pid>/ram to files/<ino>/: one VM, one place.
 *
 * Both sources test and clear the same bits. A hit the sampler takes is
 * handed to the file: a sampled page (or 2 MiB region) found young is also
 * marked touched in the file, and the file's source reads both KVM's bit
 * and the touched bit. A hit the file's scan takes is not handed to the
 * sampler, which then sees only the accesses since that scan: its
 * estimates run low for a guest that touches its pages seldom.
 * Host accesses (the VMM's own reads and writes of guest RAM) are not seen
 * by KVM's bits; faults still mark pages touched.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "memsched.h"
#include "access.h"
#include "fs.h"
#include "trace.h"

/**
 * struct msched_kvm_access - KVM's accessed bits for one VM.
 * @vm: the VM.
 * @vm_src: keys are host virtual page numbers of the VMM.
 * @file_src: keys are page indexes of @ram.
 * @ram: the memschedfs file of the guest RAM (a reference), or NULL.
 * @hva0: the VMM's address of @ram's page 0 (in its mapping's terms).
 * @first: the first page of @ram the mapping covers.
 * @nr: how many pages it covers.
 * @lent: @file_src is the file's access source.
 */
struct msched_kvm_access {
	struct msched_vm *vm;
	struct msched_access_src vm_src;
	struct msched_access_src file_src;
	struct file *ram;
	unsigned long hva0;
	pgoff_t first;
	pgoff_t nr;
	bool lent;
};

static struct msched_file *ka_file(struct msched_kvm_access *ka)
{
	return MSCHED_FILE(file_inode(ka->ram));
}

static bool ka_vm_young(struct msched_access_src *src, u64 key, u32 nr)
{
	struct msched_kvm_access *ka = container_of(src, struct msched_kvm_access,
						    vm_src);
	unsigned long hva = key << PAGE_SHIFT;
	u64 start, end;

	if (!msched_kvm_age_range(ka->vm->kvm, hva, nr))
		return false;
	/* Hand the hit to the file's tiering, which would now miss it. */
	if (ka->ram && hva >= ka->hva0) {
		start = max_t(u64, (hva - ka->hva0) >> PAGE_SHIFT, ka->first);
		end = min_t(u64, ((hva - ka->hva0) >> PAGE_SHIFT) + nr,
			    ka->first + ka->nr);
		if (start < end)
			msched_fs_mark_touched_range(ka_file(ka), start,
						     end - start);
	}
	return true;
}

/* @nr is not used: the tiering's heat is per folio, aged whole here. */
static bool ka_file_young(struct msched_access_src *src, u64 idx, u32 nr)
{
	struct msched_kvm_access *ka = container_of(src, struct msched_kvm_access,
						    file_src);
	u64 start, end;
	bool young = false;

	/*
	 * A huge folio's heat is kept at its first index: age its whole
	 * 2 MiB, mapped by KVM with one entry or (a range that was ever
	 * PTE-mapped) with 512, clipped at both ends to the file's part in
	 * guest RAM (a memslot may begin or end inside the folio).
	 */
	start = max_t(u64, idx, ka->first);
	end = min_t(u64, idx + msched_fs_heat_pages(ka_file(ka), idx),
		    ka->first + ka->nr);
	if (start < end)
		young = msched_kvm_age_range(ka->vm->kvm,
					     ka->hva0 + (start << PAGE_SHIFT),
					     end - start);
	/* Faults, and hits the sampler took, marked the page touched. */
	return msched_fs_test_and_clear_touched(ka_file(ka), idx) || young;
}

static const struct msched_access_ops msched_kvm_vm_access_ops = {
	.name = "kvm",
	.young = ka_vm_young,
};

static const struct msched_access_ops msched_kvm_file_access_ops = {
	.name = "kvm",
	.young = ka_file_young,
};

/**
 * msched_vm_access() - the access source of a VM's guest pages.
 * @vm: an attached VM.
 *
 * Context: any, between the VM's attach and detach of the access feature
 * (which attaches first and detaches last).
 * Return: the source; keys are host virtual page numbers of the VMM.
 */
struct msched_access_src *msched_vm_access(struct msched_vm *vm)
{
	struct msched_kvm_access *ka = msched_vm_feature(vm, MSCHED_FEAT_ACCESS);

	return &ka->vm_src;
}

/**
 * msched_vm_ram() - the memschedfs file that holds a VM's guest RAM.
 * @vm: an attached VM.
 *
 * Context: any, between the access feature's attach and detach (it
 * attaches first and detaches last, and holds a reference on the file).
 * Return: the file, or NULL when no memslot of the VM is a memschedfs file.
 */
struct msched_file *msched_vm_ram(struct msched_vm *vm)
{
	struct msched_kvm_access *ka = msched_vm_feature(vm, MSCHED_FEAT_ACCESS);

	return ka->ram ? ka_file(ka) : NULL;
}

static bool msched_kvm_access_match(struct file *file)
{
	return msched_fs_is_file(file);
}

static int msched_kvm_access_attach(struct msched_vm *vm)
{
	struct msched_kvm_access *ka;

	ka = msched_fallible(kzalloc(sizeof(*ka), GFP_KERNEL_ACCOUNT));
	if (!ka)
		return -ENOMEM;
	ka->vm = vm;
	ka->vm_src.ops = &msched_kvm_vm_access_ops;
	ka->file_src.ops = &msched_kvm_file_access_ops;
	ka->ram = msched_kvm_ram_file(vm->kvm, vm->mm, msched_kvm_access_match,
				      &ka->hva0, &ka->first, &ka->nr);
	msched_vm_set_feature(vm, MSCHED_FEAT_ACCESS, ka);
	return 0;
}

/* The VM is visible: link its RAM file and lend the file our source. */
static void msched_kvm_access_start(struct msched_vm *vm)
{
	struct msched_kvm_access *ka = msched_vm_feature(vm, MSCHED_FEAT_ACCESS);
	int ret;

	if (!ka->ram)
		return;
	ret = msched_fs_sysfs_link(ka_file(ka), &vm->kobj, "ram");
	if (ret)
		pr_info("pid %d: no vms/%d/ram link to its memschedfs file (error %d)\n",
			vm->pid, vm->pid, ret);
	ka->lent = msched_fs_lend_access(ka_file(ka), &ka->file_src);
	if (!ka->lent) {
		pr_info("pid %d: its guest RAM file (ino %lu) already reads another VM's accessed bits; it keeps them\n",
			vm->pid, file_inode(ka->ram)->i_ino);
		return;
	}
	trace_msched_access_source(vm->pid, file_inode(ka->ram)->i_ino,
				   ka->file_src.ops->name);
}

static void msched_kvm_access_detach(struct msched_vm *vm)
{
	struct msched_kvm_access *ka = msched_vm_feature(vm, MSCHED_FEAT_ACCESS);

	if (ka->lent) {
		/* Waits for a tiering pass that may be using it. */
		msched_fs_return_access(ka_file(ka), &ka->file_src);
		trace_msched_access_source(vm->pid, file_inode(ka->ram)->i_ino,
					   "trap");
	}
	if (ka->ram)
		fput(ka->ram);
	kfree(ka);
	msched_vm_set_feature(vm, MSCHED_FEAT_ACCESS, NULL);
}

const struct msched_feature_ops msched_kvm_access_ops = {
	.attach = msched_kvm_access_attach,
	.start = msched_kvm_access_start,
	.detach = msched_kvm_access_detach,
};
