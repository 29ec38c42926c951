/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memsched: where accesses to pages are seen, behind one ops table, as
 * DAMON's struct damon_operations hides how a target is monitored.
 *
 * Two sources exist:
 *  - KVM's accessed bits (kvm_access.c): the accessed bits of the VM's
 *    secondary MMU, tested and cleared through KVM's MMU notifier. Used by
 *    the sampler of every attached VM, and by the tiering of a memschedfs
 *    file while it is the guest RAM of an attached VM.
 *  - the memschedfs fault trap (fs_tier.c): each pass unmaps the file's
 *    pages, so the next access to a page, from a process or a guest,
 *    faults and is recorded. Used by the tiering of every other file.
 *
 * A consumer asks ->young() for each page it watches, once per pass, then
 * calls ->rearm() (if the source has one) for the pages it passed over.
 * Keys are the consumer's page numbers: file page indexes for tiering, host
 * virtual page numbers (hva >> PAGE_SHIFT) for the sampler.
 */
#ifndef _MEMSCHED_ACCESS_H
#define _MEMSCHED_ACCESS_H

#include <linux/types.h>

struct msched_access_src;

/**
 * struct msched_access_ops - one kind of access source.
 * @name: shown in sysfs (files/<ino>/access_source).
 * @young: whether any of the @nr pages from @key was accessed since the
 *	last ->young() for them (or since the source was set up); clears
 *	that record. A source whose records are per folio already (the
 *	file's) answers for the folio at @key and may ignore @nr. Context:
 *	process context, may sleep; the consumer's own lock held.
 * @rearm: optional; after a pass over pages [@start, @start + @nr): make
 *	the next accesses to them visible. Context: as @young.
 */
struct msched_access_ops {
	const char *name;
	bool (*young)(struct msched_access_src *src, u64 key, u32 nr);
	void (*rearm)(struct msched_access_src *src, u64 start, u64 nr);
};

/**
 * struct msched_access_src - an access source: its ops; the source that
 * embeds it keeps its own state.
 * @ops: its kind.
 */
struct msched_access_src {
	const struct msched_access_ops *ops;
};

/**
 * msched_access_young() - ask a source whether pages were accessed.
 * @src: the source.
 * @key: the first page, in the source's keys.
 * @nr: pages from @key (1, or a sampled region of the sampling
 *	granularity).
 *
 * Context: see &msched_access_ops.young.
 * Return: true if any of them was accessed since the last call for them.
 */
static inline bool msched_access_young(struct msched_access_src *src, u64 key,
				       u32 nr)
{
	return src->ops->young(src, key, nr);
}

struct msched_vm;
struct msched_file;
/*
 * kvm_access.c: the source of an attached VM's pages (host page numbers),
 * and the memschedfs file of its guest RAM
 */
struct msched_access_src *msched_vm_access(struct msched_vm *vm);
struct msched_file *msched_vm_ram(struct msched_vm *vm);

#endif /* _MEMSCHED_ACCESS_H */
