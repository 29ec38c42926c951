/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memsched: private declarations shared by the files of the host module.
 */
#ifndef _MEMSCHED_H
#define _MEMSCHED_H

#include <linux/kobject.h>

/* sysfs.c: the /sys/kernel/mm/memsched tree */
int msched_sysfs_init(void);
void msched_sysfs_exit(void);

#endif /* _MEMSCHED_H */
