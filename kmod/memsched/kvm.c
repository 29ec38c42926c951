// SPDX-License-Identifier: GPL-2.0
/*
 * memsched: KVM glue.
 *
 * Finds a VM from its VMM's pid, pins it, lists the guest frames a VM's
 * memslots map, and reads (and clears) the accessed bits of the VM's
 * secondary MMU (EPT/NPT) through KVM's own MMU-notifier ops. The host's own
 * page tables never see those bits.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fdtable.h>
#include <linux/kvm_host.h>
#include <linux/sched/mm.h>

#include "../compat.h"
#include "memsched.h"
#include "fs.h"
#include "msched_hash.h"

struct msched_kvm_find {
	struct kvm *kvm;
};

/* Called by iterate_fd() under files->file_lock: must not sleep. */
static int msched_kvm_match_fd(const void *p, struct file *file, unsigned int fd)
{
	struct msched_kvm_find *find = (struct msched_kvm_find *)p;
	struct kvm *kvm;

	if (!file_is_kvm(file))
		return 0;
	kvm = file->private_data;
	/* A VM whose last reference is going away is not attachable. */
	if (!kvm_get_kvm_safe(kvm))
		return 0;
	find->kvm = kvm;
	return 1;
}

/**
 * msched_kvm_get_by_pid() - find and pin the KVM VM that a VMM process owns.
 * @pid: the VMM's pid in the caller's pid namespace.
 * @mmp: set to the VM's mm, grabbed with mmgrab().
 *
 * The VM is the first open file of the task for which file_is_kvm() holds.
 *
 * Context: process context; takes task_lock and files->file_lock briefly.
 * Return: the VM with a reference held (drop with kvm_put_kvm()), or
 * ERR_PTR(-ESRCH) for no such live process, ERR_PTR(-EINVAL) when the process
 * has no VM open.
 */
struct kvm *msched_kvm_get_by_pid(pid_t pid, struct mm_struct **mmp)
{
	struct msched_kvm_find find = {};
	struct task_struct *task;
	struct pid *p;

	p = find_get_pid(pid);
	if (!p)
		return ERR_PTR(-ESRCH);
	task = get_pid_task(p, PIDTYPE_PID);
	put_pid(p);
	if (!task)
		return ERR_PTR(-ESRCH);

	task_lock(task);
	if (task->files)
		iterate_fd(task->files, 0, msched_kvm_match_fd, &find);
	task_unlock(task);
	put_task_struct(task);

	if (!find.kvm)
		return ERR_PTR(-EINVAL);
	mmgrab(find.kvm->mm);
	*mmp = find.kvm->mm;
	return find.kvm;
}

/**
 * msched_kvm_memslots_gen() - generation of the VM's memslots.
 * @kvm: a pinned VM.
 *
 * Context: process context; takes kvm->srcu for reading.
 * Return: a number that changes whenever the memslots change.
 */
u64 msched_kvm_memslots_gen(struct kvm *kvm)
{
	u64 gen;
	int idx;

	idx = srcu_read_lock(&kvm->srcu);
	gen = kvm_memslots(kvm)->generation;
	srcu_read_unlock(&kvm->srcu, idx);
	return gen;
}

static bool msched_kvm_slot_is_guest_ram(const struct kvm_memory_slot *slot)
{
	/* Internal slots (APIC page, TSS) and slots being deleted are not RAM. */
	return slot->id < KVM_USER_MEM_SLOTS &&
	       !(slot->flags & KVM_MEMSLOT_INVALID);
}

/* Guest frames in the RAM memslots of @slots; the caller holds kvm->srcu. */
static u64 msched_kvm_ram_pages(struct kvm_memslots *slots)
{
	struct kvm_memory_slot *slot;
	u64 pages = 0;
	int bkt;

	kvm_for_each_memslot(slot, bkt, slots)
		if (msched_kvm_slot_is_guest_ram(slot))
			pages += slot->npages;
	return pages;
}

/*
 * The sampled frame of block @block: the first of a region of @gran frames
 * in the block (regions aligned on @gran), the region picked by a hash.
 */
static u64 msched_kvm_block_gfn(u64 block, u64 period, u32 gran, u64 seed)
{
	u64 off;

	if (period == gran)
		return block * period;
	div64_u64_rem(msched_hash64(block, seed), div_u64(period, gran), &off);
	return block * period + off * gran;
}

/*
 * Whether KVM may map @slot with 2 MiB entries, so that one accessed bit
 * stands for 2 MiB: the slot is 2 MiB-congruent (guest and host addresses
 * agree modulo 2 MiB, KVM's own test in kvm_alloc_memslot_metadata()) and
 * the memory behind it comes in 2 MiB pages: hugetlbfs, a huge=always
 * memschedfs file, or a mapping madvised for THP (QEMU madvises all guest
 * RAM; with THP off that claims 2 MiB where the truth is 4 KiB, coarser,
 * never finer). A memschedfs file counts by its huge= alone. The caller
 * holds kvm->srcu and @mm's mmap_lock.
 */
static bool msched_kvm_slot_huge(struct kvm_memory_slot *slot,
				 struct mm_struct *mm)
{
	struct vm_area_struct *vma;

	if (slot->npages < MSCHED_GRAN_HUGE ||
	    ((slot->base_gfn ^ (slot->userspace_addr >> PAGE_SHIFT)) &
	     (MSCHED_GRAN_HUGE - 1)))
		return false;
	vma = vma_lookup(mm, slot->userspace_addr);
	if (!vma)
		return false;
	if (is_vm_hugetlb_page(vma))
		return true;
	if (vma->vm_file && msched_fs_is_file(vma->vm_file))
		return msched_fs_is_huge_file(vma->vm_file);
	return vma->vm_flags & VM_HUGEPAGE;
}

/*
 * The granularity of sample_granularity_pages=0 (auto): MSCHED_GRAN_HUGE
 * when any guest RAM memslot may be mapped with 2 MiB entries, else 1.
 * The caller holds kvm->srcu (KVM's order: then the mmap_lock) and the
 * sampler's lock; the mm reference is dropped with mmput_async(), as
 * everywhere in memsched (Documentation/design/locking.rst, "The VMM's mm").
 */
static u32 msched_kvm_auto_gran(struct kvm *kvm, struct kvm_memslots *slots)
{
	struct kvm_memory_slot *slot;
	u32 gran = 1;
	int bkt;

	if (!mmget_not_zero(kvm->mm))
		return 1;
	mmap_read_lock(kvm->mm);
	kvm_for_each_memslot(slot, bkt, slots)
		if (msched_kvm_slot_is_guest_ram(slot) &&
		    msched_kvm_slot_huge(slot, kvm->mm)) {
			gran = MSCHED_GRAN_HUGE;
			break;
		}
	mmap_read_unlock(kvm->mm);
	/*
	 * Callers hold msched_sampler.lock and kvm->srcu: if QEMU exited
	 * meanwhile, ours is the last reference, and __mmput() (exit_aio(),
	 * KVM's MMU-notifier release, the VMAs' teardown) must not run under
	 * them.
	 */
	mmput_async(kvm->mm);
	return gran;
}

/**
 * msched_kvm_guest_pages() - the guest frames in a VM's RAM memslots now.
 * @kvm: a pinned VM.
 *
 * Context: process context; takes kvm->srcu for reading.
 * Return: the number of frames.
 */
u64 msched_kvm_guest_pages(struct kvm *kvm)
{
	u64 pages;
	int idx;

	idx = srcu_read_lock(&kvm->srcu);
	pages = msched_kvm_ram_pages(kvm_memslots(kvm));
	srcu_read_unlock(&kvm->srcu, idx);
	return pages;
}

/**
 * msched_kvm_collect_samples() - list the sampled guest frames of a VM.
 * @kvm: a pinned VM.
 * @period: keep one frame in every block of @period frames (blocks aligned
 *	on guest frame numbers), at an offset chosen by hashing the block
 *	number: spatial sampling as in SHARDS, stratified, so that the sampled
 *	frames can be listed without visiting the others. The same seed picks
 *	the same frames. Raised when needed, so that no VM has more than
 *	MSCHED_SAMPLES_MAX sampled frames whatever address space it declares.
 * @gran: the sampling granularity: 1 (single frames), MSCHED_GRAN_HUGE
 *	(regions of that many frames, aligned, one per block, the period
 *	then rounded up to a multiple), or 0 (auto: MSCHED_GRAN_HUGE when
 *	KVM may map some guest RAM with 2 MiB entries, whose one accessed
 *	bit answers for 2 MiB). A sample then stands for its region, which
 *	is clipped at the start of its memslot; a region that runs past
 *	its memslot's end is not sampled (at most one per memslot).
 * @seed: hash seed.
 * @samplesp: set to a kvmalloc'ed array sorted by gfn (slot fields zero),
 *	charged to the current memcg; each entry is the first frame of its
 *	region.
 * @nrp: set to the array length.
 * @guest_pagesp: set to the number of guest frames in all RAM memslots.
 * @periodp: set to the period used (@period, or more).
 * @granp: set to the granularity used (1 or MSCHED_GRAN_HUGE).
 * @genp: set to the memslots generation the list was taken from.
 *
 * The work is bounded by the number of samples and memslots, not by the
 * size of the slots, and yields every 4096 samples.
 *
 * Context: process context, may sleep; takes kvm->srcu for reading, and
 * for @gran 0 the VMM's mmap_lock for reading inside it.
 * Return: 0 or -ENOMEM.
 */
int msched_kvm_collect_samples(struct kvm *kvm, u32 period, u32 gran,
			       u64 seed, struct msched_sample **samplesp,
			       u32 *nrp, u64 *guest_pagesp, u64 *periodp,
			       u32 *granp, u64 *genp)
{
	struct msched_sample *samples = NULL;
	struct kvm_memslot_iter iter;
	struct kvm_memory_slot *slot;
	struct kvm_memslots *slots;
	u64 guest_pages, max_nr = 0, eff, block, last, gfn, end;
	u32 n = 0;
	int idx, bkt, ret = 0;

	idx = srcu_read_lock(&kvm->srcu);
	slots = kvm_memslots(kvm);
	guest_pages = msched_kvm_ram_pages(slots);
	if (!gran)
		gran = msched_kvm_auto_gran(kvm, slots);
	eff = max_t(u64, max(period, 1U),
		    DIV_ROUND_UP_ULL(guest_pages, MSCHED_SAMPLES_MAX));
	eff = roundup(eff, gran);
	/* Blocks per slot, partial ones at both ends included. */
	kvm_for_each_memslot(slot, bkt, slots)
		if (msched_kvm_slot_is_guest_ram(slot))
			max_nr += div64_u64(slot->npages, eff) + 2;
	/* At most MSCHED_SAMPLES_MAX + 2 per memslot (KVM has 32764). */
	if (max_nr) {
		samples = msched_fallible(kvmalloc_array(max_nr,
				sizeof(*samples), GFP_KERNEL_ACCOUNT | __GFP_ZERO));
		if (!samples) {
			ret = -ENOMEM;
			goto out_unlock;
		}
	}
	/* In gfn order: the list comes out sorted. */
	kvm_for_each_memslot_in_gfn_range(&iter, slots, 0, U64_MAX) {
		slot = iter.slot;
		if (!msched_kvm_slot_is_guest_ram(slot) || !slot->npages)
			continue;
		last = div64_u64(slot->base_gfn + slot->npages - 1, eff);
		for (block = div64_u64(slot->base_gfn, eff); block <= last; block++) {
			gfn = msched_kvm_block_gfn(block, eff, gran, seed);
			end = gfn + gran;
			if (end <= slot->base_gfn ||
			    end > slot->base_gfn + slot->npages)
				continue;
			if (WARN_ON_ONCE(n == max_nr))
				break;
			gfn = max(gfn, slot->base_gfn);
			samples[n].gfn = gfn;
			samples[n].hva = __gfn_to_hva_memslot(slot, gfn);
			if (!(++n & 4095))
				cond_resched();
		}
	}
	*genp = slots->generation;
out_unlock:
	srcu_read_unlock(&kvm->srcu, idx);
	if (ret)
		return ret;
	*samplesp = samples;
	*nrp = n;
	*guest_pagesp = guest_pages;
	*periodp = eff;
	*granp = gran;
	return 0;
}

/**
 * msched_kvm_age_range() - test and clear the accessed bits of @nr guest
 * pages at once: a page, a sampled region, or a 2 MiB folio of a
 * huge=always memschedfs file, which KVM may map with one 2 MiB entry or
 * with 512 4 KiB ones (it clears every entry that overlaps the range).
 * @kvm: a pinned VM.
 * @hva: host virtual address of the first page in the VMM's mm.
 * @nr: pages.
 *
 * Goes through KVM's own notifier ops (clear_young), which age the VM's
 * secondary MMU without flushing TLBs.
 *
 * Context: process context; KVM takes kvm->mmu_lock inside. Must not be
 * called from an MMU-notifier callback.
 * Return: true if any of the pages was accessed since the previous call.
 */
bool msched_kvm_age_range(struct kvm *kvm, unsigned long hva,
			  unsigned long nr)
{
	return msched_compat_clear_young(&kvm->mmu_notifier, kvm->mm, hva,
					 hva + (nr << PAGE_SHIFT));
}

/**
 * msched_kvm_gfns_to_hvas() - translate guest frames to the VMM's addresses.
 * @kvm: the VM (pinned by the caller)
 * @gfns: guest frame numbers
 * @nr: number of entries in @gfns and @hvas
 * @hvas: filled with the host virtual address of each frame
 *
 * Only writable guest RAM translates: frames in no memslot, in a read-only
 * slot (ROM, firmware), in a slot being deleted or moved, or in one of
 * KVM's private slots do not. Nothing is changed on failure.
 *
 * The addresses are only good while the caller stays in the same
 * kvm->srcu read-side section: a memslot is deleted or moved (and its
 * memory may be unmapped by the VMM) only after KVM's synchronize_srcu(),
 * so whoever acts on @hvas (zaps or punches them) does so before dropping
 * it.
 *
 * Context: process context; the caller holds kvm->srcu for reading.
 * Return: 0, or -ENOENT when any frame is not writable guest RAM; then
 * *@hvas is undefined.
 */
int msched_kvm_gfns_to_hvas(struct kvm *kvm, const u64 *gfns, u32 nr,
			    unsigned long *hvas)
{
	struct kvm_memory_slot *slot;
	u32 i;

	WARN_ON_ONCE(!srcu_read_lock_held(&kvm->srcu));
	for (i = 0; i < nr; i++) {
		slot = gfn_to_memslot(kvm, gfns[i]);
		if (!slot || slot->id >= KVM_USER_MEM_SLOTS ||
		    (slot->flags & (KVM_MEM_READONLY | KVM_MEMSLOT_INVALID)))
			return -ENOENT;
		hvas[i] = __gfn_to_hva_memslot(slot, gfns[i]);
	}
	return 0;
}

/**
 * msched_kvm_ram_file() - the file that backs a VM's guest RAM.
 * @kvm: the VM.
 * @mm: its VMM's mm.
 * @match: which files count (e.g. memschedfs files).
 * @hva0: set to the VMM's address of the file's page 0, in the terms of
 *	the mapping found (page @first is at @hva0 + @first * PAGE_SIZE).
 * @first: set to the first page of the file that mapping covers.
 * @nr: set to the number of pages it covers.
 *
 * Looks up the VMA at the start of each guest RAM memslot, in gfn order.
 * @mm is pinned for the lookup and let go with mmput_async(), so the
 * caller may hold any lock: if the VMM exited meanwhile, its address
 * space is torn down in a kernel worker, not here.
 *
 * Context: process context, may sleep; takes kvm->srcu for reading, then
 * @mm's mmap_lock for reading (KVM's own order).
 * Return: a reference to the first such file that @match accepts (fput()
 * it), or NULL.
 */
struct file *msched_kvm_ram_file(struct kvm *kvm, struct mm_struct *mm,
				 bool (*match)(struct file *file),
				 unsigned long *hva0, pgoff_t *first, pgoff_t *nr)
{
	struct kvm_memslot_iter iter;
	struct vm_area_struct *vma;
	struct file *found = NULL;
	int idx;

	if (!mmget_not_zero(mm))
		return NULL;
	idx = srcu_read_lock(&kvm->srcu);
	mmap_read_lock(mm);
	kvm_for_each_memslot_in_gfn_range(&iter, kvm_memslots(kvm), 0, U64_MAX) {
		if (!msched_kvm_slot_is_guest_ram(iter.slot))
			continue;
		vma = vma_lookup(mm, iter.slot->userspace_addr);
		if (vma && vma->vm_file && match(vma->vm_file)) {
			found = get_file(vma->vm_file);
			*first = vma->vm_pgoff;
			*nr = vma_pages(vma);
			*hva0 = vma->vm_start - (vma->vm_pgoff << PAGE_SHIFT);
			break;
		}
	}
	mmap_read_unlock(mm);
	srcu_read_unlock(&kvm->srcu, idx);
	mmput_async(mm);	/* maybe the last reference: QEMU exited */
	return found;
}
