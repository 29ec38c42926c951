/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memschedctl: a VM as vms/<pid>/ shows it. Loaders return 0 or -errno;
 * msctl_vm_report() turns that into a message that says whether the VM is
 * still attached.
 */
#ifndef MSCTL_VM_H
#define MSCTL_VM_H

#include "msctl.h"

#define MSCTL_AGE_LOG2_LAST_MIN	(1ULL << 30)	/* last log2 age bucket: open */
#define MSCTL_MAX_AGE_BUCKETS	64

enum msctl_class {
	MSCTL_CLASS_ACTIVE,
	MSCTL_CLASS_RECENTLY_IDLE,
	MSCTL_CLASS_IDLE,
	MSCTL_CLASS_NEVER_TOUCHED,
	MSCTL_NR_CLASSES,
};

/* classes/<name> and how status says it. */
extern const char *const msctl_class_names[MSCTL_NR_CLASSES];
extern const char *const msctl_class_labels[MSCTL_NR_CLASSES];

/*
 * The single values of vms/<pid>/ that the commands explain. The knobs
 * among them are read by name for the explanations; the list of knobs
 * itself comes from the directory (msctl_vm_knobs()).
 */
struct msctl_vm {
	int pid;
	u64 guest_pages;
	u64 sampled_pages;
	u64 wss_pages;
	u64 knee_pages;
	u64 last_scan_ns;
	u64 sample_period;
	u64 period_effective;	/* optional files: sample_period, 1 if absent */
	u64 granularity;
	u64 scan_interval_ms;
	u64 cpu_quota_ms;
	u64 active_scans;
	u64 idle_scans;
	u64 wss_scans;
	u64 class_pages[MSCTL_NR_CLASSES];
	u64 nr_scans;
	u64 nr_truncated_scans;
	u64 nr_pages_scanned;
	u64 nr_young_pages;
	u64 nr_scan_ns;
	u64 nr_rebuilds;
	u64 nr_invalidations;
	u64 nr_knob_conflicts;
};

struct msctl_age_bucket {
	bool never;
	u64 min_scans;
	u64 pages;
};

struct msctl_mrc {
	size_t nr;
	u64 *pages;
	unsigned int *ppm;
};

struct msctl_sysfs_ent;

/* Whether vms/@pid/ exists. */
bool msctl_vm_exists(int pid);

/* The memsched root is there and @pid attached. Return: 0 or -1 (said). */
int msctl_vm_check(int pid);

/* Explains a failure (-errno) to read a file of VM @pid (0: none). */
void msctl_vm_report(int ret, int pid);

/* @buf = ROOT/vms/@pid/@file (@file NULL: the directory). */
int msctl_vm_path(char *buf, size_t size, int pid, const char *file);

int msctl_vm_read_u64(int pid, const char *file, u64 *v);
int msctl_vm_load(int pid, struct msctl_vm *vm);

/* age_histogram: "MIN_AGE_SCANS PAGES" lines, then "never PAGES". */
int msctl_vm_load_ages(int pid, struct msctl_age_bucket *b, size_t max,
		       size_t *nrp);

/* mrc: "MEM_PAGES MISS_PPM" lines, MEM_PAGES increasing. */
int msctl_vm_load_mrc(int pid, struct msctl_mrc *m);
void msctl_mrc_free(struct msctl_mrc *m);

/* Miss ratio (0..1) at @pages, linear between the curve's points. */
double msctl_mrc_ratio_at(const struct msctl_mrc *m, double pages);

/*
 * The VM's knobs: the regular files of vms/<pid>/ that are readable and
 * writable (S_IWUSR), with their values. Read-only files are estimates and
 * tables, write-only ones actions, counters are in stats/.
 */
int msctl_vm_knobs(int pid, struct msctl_sysfs_ent **entsp, size_t *nrp);

/* The counters of vms/<pid>/@dir (stats, balloon/stats) with values. */
int msctl_vm_counters(int pid, const char *dir, struct msctl_sysfs_ent **entsp,
		      size_t *nrp);

/*
 * The VM's name: QEMU's -name (guest=NAME,... or NAME,...; ",," is a
 * comma), else the process's comm, else "". export labels VMs with it and
 * sched shows it.
 */
void msctl_vm_name(int pid, char *buf, size_t size);

/* The attached pids, increasing. Return: 0 or -1 (said). */
int msctl_vm_list(int **pidsp, size_t *nrp);

/*
 * The inode of the memschedfs file of VM @pid's RAM (vms/<pid>/ram links
 * to ../../files/<ino>; cmd_vm.c); 0 when there is none.
 */
u64 msctl_vm_ram_ino(int pid);

/*
 * The guest CID of one QEMU -device argument of a vhost-vsock device, in
 * the keyval form (vhost-vsock-pci,guest-cid=N) or the JSON form libvirt
 * uses ({"driver":"vhost-vsock-pci","guest-cid":N}); 0 when none.
 */
u64 msctl_vsock_arg_cid(const char *arg);

#endif /* MSCTL_VM_H */
