/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memschedctl: libvirt domains where a PID is taken. A running domain is
 * found through libvirt's runtime directory, $MEMSCHED_LIBVIRT_RUN (tests)
 * else /run/libvirt/qemu: NAME.pid holds its QEMU's pid, NAME.xml its
 * status XML with <uuid>. A UUID not found there is asked of
 * 'virsh domname' when virsh is installed. libvirtd need not run.
 */
#ifndef MSCTL_LIBVIRT_H
#define MSCTL_LIBVIRT_H

#include "msctl.h"

#define MSCTL_LIBVIRT_RUN	"/run/libvirt/qemu"

/* libvirt's QEMU runtime directory: $MEMSCHED_LIBVIRT_RUN, else the default. */
const char *msctl_libvirt_run_dir(void);

/* Whether @s is a UUID (8-4-4-4-12 hexadecimal digits). */
bool msctl_libvirt_is_uuid(const char *s);

/*
 * The pid of the QEMU of running domain @dom (a name or UUID) in *@pid,
 * its name in @name. Return: 0, or -1 after one message on stderr (no
 * libvirt, no such running domain, a stale pid file).
 */
int msctl_libvirt_pid(const char *dom, int *pid, char *name, size_t size);

#endif /* MSCTL_LIBVIRT_H */
