/* SPDX-License-Identifier: GPL-2.0 */
/*
 * balloon_guest: private declarations shared by the files of the module.
 */
#ifndef _BALLOON_GUEST_H
#define _BALLOON_GUEST_H

/* sysfs.c: the /sys/kernel/mm/balloon_guest tree */
int bguest_sysfs_init(void);
void bguest_sysfs_exit(void);

#endif /* _BALLOON_GUEST_H */
