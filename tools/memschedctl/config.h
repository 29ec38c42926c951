/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memschedctl: a VM's configuration file, applied by attach. One file per
 * VM, $MEMSCHED_CONFIG_DIR (else /etc/memsched/vms) /NAME.conf, NAME the
 * libvirt domain's or QEMU's -name. "KEY = VALUE" lines, '#' comments:
 * knob.NAME (a knob of vms/PID/), shares, min, max (sched), dram_budget
 * and tiering (the VM's RAM file, files/INO/). Documented in
 * Documentation/admin-guide/vm-config.rst.
 */
#ifndef MSCTL_CONFIG_H
#define MSCTL_CONFIG_H

#include "cli.h"

#define MSCTL_CONFIG_DIR	"/etc/memsched/vms"
#define MSCTL_CONFIG_MAX	64	/* settings in one file */

enum msctl_config_kind {
	MSCTL_CONF_KNOB,
	MSCTL_CONF_SCHED,	/* shares, min, max: as 'sched PID' takes them */
	MSCTL_CONF_DRAM_BUDGET,
	MSCTL_CONF_TIERING,
};

struct msctl_config_item {
	enum msctl_config_kind kind;
	unsigned int line;
	char key[64];		/* the knob's name, or the key */
	char value[64];		/* as written to sysfs (sched: KEY=VALUE) */
};

struct msctl_config {
	char path[4096];
	size_t nr;
	struct msctl_config_item items[MSCTL_CONFIG_MAX];
};

/* The configuration directory: $MEMSCHED_CONFIG_DIR, else the default. */
const char *msctl_config_dir(void);

/*
 * Reads and checks @path into @conf; nothing is written. Return: 0, or -1
 * after "PATH:LINE: what is wrong; accepted: ..." on stderr.
 */
int msctl_config_load(const char *path, struct msctl_config *conf);

/*
 * Applies @conf to attached VM @pid: first checks that every knob is one
 * of the VM's and that the VM has what sched and RAM-file keys need, then
 * writes. Return: 0, or -1 (said, with PATH:LINE); nothing of @conf is
 * left written except what a failed restore said it left.
 */
int msctl_config_apply(int pid, const struct msctl_config *conf,
		       const struct msctl_cmd *cmd);

#endif /* MSCTL_CONFIG_H */
