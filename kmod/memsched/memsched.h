/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memsched: private declarations shared by the files of the host module.
 *
 * Lock rules are in docs/locking.rst.
 */
#ifndef _MEMSCHED_H
#define _MEMSCHED_H

#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "../fail_alloc.h"
#include "msched_class.h"
#include "msched_lru.h"
#include "msched_mrc.h"
#include "msched_proto.h"

struct kvm;

/* Knob limits; sysfs writes outside them get -EINVAL and one log line. */
#define MSCHED_PERIOD_MAX		1024U
#define MSCHED_INTERVAL_MIN_MS		10U
#define MSCHED_INTERVAL_MAX_MS		60000U
#define MSCHED_QUOTA_MAX_MS		1000U
#define MSCHED_SCANS_MAX		100000U
#define MSCHED_MRC_BUCKETS		256U
/*
 * Most sampled frames per VM: about 14 MiB of sampling state, whatever
 * address space the VMM declares. Bigger VMs are sampled more sparsely
 * than sample_period asks (sample_period_effective).
 */
#define MSCHED_SAMPLES_MAX		(1U << 18)

/**
 * struct msched_sample - one sampled guest page.
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

/**
 * struct msched_knobs - per-VM tunables, one sysfs file each (vm_sysfs.c
 * holds their ranges). All fields are guarded by msched_vm.lock.
 */
struct msched_knobs {
	u64 sample_period;
	u64 sample_seed;
	u64 scan_interval_ms;
	u64 cpu_quota_ms;
	u64 untrace_scans;
	u64 active_scans;
	u64 idle_scans;
	u64 wss_scans;
	u64 mrc_decay_scans;
};

/**
 * struct msched_stats - per-VM counters, guarded by msched_vm.lock.
 */
struct msched_stats {
	u64 nr_scans;
	u64 nr_truncated_scans;
	u64 nr_pages_scanned;
	u64 nr_young;
	u64 scan_ns_total;
	u64 last_scan_ns;
	u64 nr_rebuilds;
};

struct msched_chan;

/**
 * struct msched_balloon - the guest balloon of one VM (balloon.c).
 * @lock: guards everything below; nests inside nothing of memsched's and
 *	outside the VMM's mmap_lock (see docs/locking.rst).
 * @cid: knob: AF_VSOCK CID of the VM's guest (0 = none); a connection from
 *	that CID is this VM's channel.
 * @target_pages: knob: balloon size the guest is asked to reach.
 * @chan: the connected channel, or NULL.
 * @gfns: the ballooned guest frames (index gfn, value xa_mk_value(0)).
 * @actual_pages: number of entries in @gfns.
 * @guest_pages: from the guest's HELLO (0 until then).
 * @page_size: from HELLO.
 * @vm_id: from HELLO.
 * @target_ns: when @target_pages last changed; @target_pending until the
 *	guest reaches it, then @latency_us is how long that took.
 * @target_pending: see @target_ns.
 * @latency_us: see @target_ns.
 * @stats: the guest's last STATS values (@stats_present: which tags).
 * @stats_present: see @stats.
 * @stats_ns: when STATS last arrived (ktime_get_ns), 0 never.
 * @classes: the guest's last CLASSES values (@classes_present: which tags).
 * @classes_present: see @classes.
 * @nr_connects: channels matched to this VM.
 * @nr_messages: messages received from the guest.
 * @nr_rejects: messages rejected.
 * @nr_inflated: pages the guest reported inflated (accepted).
 * @nr_deflated: pages the guest reported deflated (accepted).
 * @nr_released: ballooned pages whose host memory was released.
 * @nr_release_skipped: ballooned pages whose backing cannot be released
 *	(hugetlb or special mappings); they stay ballooned all the same.
 */
struct msched_balloon {
	struct mutex lock;
	u64 cid;
	u64 target_pages;
	struct msched_chan *chan;
	struct xarray gfns;
	u64 actual_pages;
	u64 guest_pages;
	u32 page_size;
	u8 vm_id[MSCHED_BALLOON_VM_ID_LEN];
	u64 target_ns;
	bool target_pending;
	u64 latency_us;
	u64 stats[MSCHED_BALLOON_STAT_NR];
	u32 stats_present;
	u64 stats_ns;
	u64 classes[MSCHED_BALLOON_CLASS_NR];
	u32 classes_present;
	u64 nr_connects;
	u64 nr_messages;
	u64 nr_rejects;
	u64 nr_inflated;
	u64 nr_deflated;
	u64 nr_released;
	u64 nr_release_skipped;
};

/**
 * struct msched_vm - one attached VM.
 * @node: entry in msched_vms; guarded by msched_vms_lock.
 * @pid: the VMM's pid (the name of its sysfs directory).
 * @kvm: the VM, pinned with kvm_get_kvm_safe() for as long as we are attached.
 * @mm: the VMM's mm, grabbed (mmgrab) for the notifier.
 * @mn: memsched's own notifier on @mm: observes invalidations and release.
 * @kobj: /sys/kernel/mm/memsched/vms/<pid>; its release frees the struct.
 * @lock: guards everything below it.
 * @scan_work: the periodic scan.
 * @release_work: detaches the VM after its mm went away; holds a kobject
 *	reference while queued or running.
 * @flags: MSCHED_VM_CLAIMED: set by the attach until it publishes the VM,
 *	then by the one path that tears the VM down. MSCHED_VM_MM_GONE: the
 *	notifier's ->release ran. MSCHED_VM_REGISTERED: the notifier is
 *	registered (set once, by attach, before it publishes the VM).
 * @dead: set once, when the VM is being detached; the scan stops at it.
 * @nr_priming: after a reset, sampled pages whose accessed bit still has to
 *	be re-armed before anything is recorded: one full pass (over as many
 *	scans as the CPU quota needs), so that the history starts at the reset
 *	and not at whatever the bits held before it.
 * @snap: usage classes, page ages and working set as of the last scan (or
 *	reset, or class-knob change), so that all sysfs files read between two
 *	scans agree with each other.
 * @nr_invalidations: invalidations of @mm seen by @mn (atomic: callbacks
 *	may not block).
 * @period_eff: the sampling period in use: knobs.sample_period, or more
 *	when the VM declares more than MSCHED_SAMPLES_MAX times as many
 *	frames; each sampled access stands for this many.
 */
#define MSCHED_VM_CLAIMED	0
#define MSCHED_VM_MM_GONE	1
#define MSCHED_VM_REGISTERED	2

struct msched_vm {
	struct list_head node;
	pid_t pid;
	struct kvm *kvm;
	struct mm_struct *mm;
	struct mmu_notifier mn;
	struct kobject kobj;
	struct delayed_work scan_work;
	struct work_struct release_work;
	unsigned long flags;
	bool dead;
	atomic64_t nr_invalidations;

	struct mutex lock;		/* guards everything below */
	struct msched_knobs knobs;
	struct msched_stats stats;
	u64 memslots_gen;
	u64 guest_pages;
	u64 period_eff;
	struct msched_sample *samples;
	u32 nr_samples;
	u32 scan_cursor;
	u32 nr_priming;
	u32 *free_slots;
	u32 nr_free_slots;
	struct msched_lru lru;
	void *lru_mem;
	struct msched_mrc mrc;
	void *mrc_mem;
	size_t state_bytes;
	struct msched_class snap;

	struct msched_balloon balloon;	/* has its own lock */
};

/* vm.c: attaching, detaching and the list of attached VMs */
extern struct workqueue_struct *msched_wq;
int msched_vm_attach(pid_t pid);
int msched_vm_detach(pid_t pid);
void msched_vm_detach_all(void);
int msched_vm_init(void);
void msched_vm_exit(void);

/* kvm.c: KVM glue */
struct kvm *msched_kvm_get_by_pid(pid_t pid, struct mm_struct **mmp);
u64 msched_kvm_memslots_gen(struct kvm *kvm);
int msched_kvm_collect_samples(struct kvm *kvm, u32 period, u64 seed,
			       struct msched_sample **samplesp, u32 *nrp,
			       u64 *guest_pagesp, u64 *periodp, u64 *genp);
bool msched_kvm_age_page(struct kvm *kvm, unsigned long hva);
int msched_kvm_gfns_to_hvas(struct kvm *kvm, const u64 *gfns, u32 nr,
			    unsigned long *hvas);

/* sample.c: the scanner and what it estimates */
int msched_sample_setup(struct msched_vm *vm);
void msched_sample_teardown(struct msched_vm *vm);
void msched_sample_work(struct work_struct *work);
int __msched_sample_reset(struct msched_vm *vm);
void __msched_sample_snapshot(struct msched_vm *vm);

/* balloon.c: the guest balloon of each VM */
void msched_balloon_init_vm(struct msched_vm *vm);
void msched_balloon_teardown_vm(struct msched_vm *vm);
int msched_balloon_connect(struct msched_chan *chan, u32 cid,
			   const struct msched_proto_hello *hello,
			   struct msched_vm **vmp);
void msched_balloon_disconnect(struct msched_vm *vm, struct msched_chan *chan);
int msched_balloon_handle(struct msched_vm *vm, struct msched_chan *chan,
			  const struct msched_proto_msg *m, u64 *scratch);
int msched_balloon_transfer(pid_t from, pid_t to, u64 pages);
extern const struct attribute_group msched_balloon_group;
extern atomic64_t msched_live_ballooned;

/* channel.c: the AF_VSOCK endpoint that guests' balloon drivers dial */
extern atomic64_t msched_chan_unmatched;
extern atomic64_t msched_chan_rejects;
extern atomic64_t msched_live_chans;
int msched_chan_send_target(struct msched_chan *chan, u64 target_pages);
int msched_chan_send_stats_request(struct msched_chan *chan);
void msched_chan_kick(struct msched_chan *chan);
bool msched_chan_listening(void);
int msched_chan_init(void);
void msched_chan_exit(void);

/* vm.c: lookup for the channel */
struct msched_vm *msched_vm_get_by_cid(u32 cid);
struct msched_vm *msched_vm_get_by_pid(pid_t pid);
void msched_vm_put(struct msched_vm *vm);

/* debugfs.c: diagnostics; live counters return to zero when all is freed */
extern atomic64_t msched_live_vms;
extern atomic64_t msched_live_bytes;
void msched_debugfs_init(void);
void msched_debugfs_exit(void);

/* sysfs.c: the /sys/kernel/mm/memsched tree */
extern struct kobject *msched_vms_kobj;
int msched_sysfs_init(void);
void msched_sysfs_remove_control(void);
void msched_sysfs_exit(void);

/* vm_sysfs.c: one directory per attached VM */
extern const struct kobj_type msched_vm_ktype;

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
