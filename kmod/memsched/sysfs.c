// SPDX-License-Identifier: GPL-2.0
/*
 * memsched: the /sys/kernel/mm/memsched control plane.
 *
 * One value per file. Every file is documented in
 * Documentation/ABI/testing/sysfs-kernel-mm-memsched.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kobject.h>
#include <linux/mm.h>
#include <linux/sysfs.h>

#include <uapi/memsched.h>
#include "memsched.h"
#include "fs.h"

static struct kobject *msched_kobj;

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%d\n", MEMSCHED_ABI_VERSION);
}
static struct kobj_attribute version_attr = __ATTR_RO_MODE(version, 0444);

/* attach and detach take a pid, a positive decimal number. */
static int msched_parse_pid(const char *file, const char *buf, pid_t *pid)
{
	int v;

	if (kstrtoint(buf, 10, &v) || v <= 0) {
		pr_info("%s: accepted: the pid of a running VMM (e.g. QEMU) as a positive decimal number\n",
			file);
		return -EINVAL;
	}
	*pid = v;
	return 0;
}

static ssize_t attach_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	pid_t pid;
	int ret;

	ret = msched_parse_pid("attach", buf, &pid);
	if (ret)
		return ret;
	ret = msched_vm_attach(pid);
	switch (ret) {
	case 0:
		return count;
	case -ESRCH:
		pr_info("attach: no running process with pid %d\n", pid);
		break;
	case -EINVAL:
		pr_info("attach: pid %d has no KVM VM open (accepted: the pid of a VMM such as QEMU)\n",
			pid);
		break;
	case -EEXIST:
		pr_info("attach: the VM of pid %d is already attached\n", pid);
		break;
	default:
		pr_info("attach: pid %d: error %d\n", pid, ret);
	}
	return ret;
}
static struct kobj_attribute attach_attr = __ATTR_WO(attach);

static ssize_t detach_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	pid_t pid;
	int ret;

	ret = msched_parse_pid("detach", buf, &pid);
	if (ret)
		return ret;
	ret = msched_vm_detach(pid);
	if (ret) {
		pr_info("detach: pid %d is not attached (see vms/)\n", pid);
		return ret;
	}
	return count;
}
static struct kobj_attribute detach_attr = __ATTR_WO(detach);

static struct attribute *msched_root_attrs[] = {
	&version_attr.attr,
	&attach_attr.attr,
	&detach_attr.attr,
	NULL,
};

static const struct attribute_group msched_root_group = {
	.attrs = msched_root_attrs,
};

/**
 * msched_sysfs_root() - /sys/kernel/mm/memsched, the parent of the
 * directories other files own (vms/ in vm.c, balloon/ in balloon_sysfs.c).
 *
 * Context: between msched_sysfs_init() and msched_sysfs_exit().
 * Return: the root kobject.
 */
struct kobject *msched_sysfs_root(void)
{
	return msched_kobj;
}

/**
 * msched_sysfs_init() - create /sys/kernel/mm/memsched and files/, without
 * the control files (msched_sysfs_add_control() adds them last).
 *
 * Context: process context, module init; may sleep.
 * Return: 0 on success, -errno on failure (nothing is left behind).
 */
int msched_sysfs_init(void)
{
	int ret;

	msched_kobj = kobject_create_and_add("memsched", mm_kobj);
	if (!msched_kobj)
		return -ENOMEM;

	ret = msched_fs_sysfs_init(msched_kobj);
	if (ret) {
		kobject_put(msched_kobj);
		msched_kobj = NULL;
	}
	return ret;
}

/**
 * msched_sysfs_add_control() - add version, attach and detach: from here
 * on VMs can be attached, so everything they need must be up.
 *
 * Context: process context, the end of module init; may sleep.
 * Return: 0 or -errno.
 */
int msched_sysfs_add_control(void)
{
	return sysfs_create_group(msched_kobj, &msched_root_group);
}

/**
 * msched_sysfs_remove_control() - remove attach and detach, so that no new
 * VM can be attached while the module goes away.
 *
 * Context: process context, module exit; may sleep. Waits for attach and
 * detach writes in flight.
 */
void msched_sysfs_remove_control(void)
{
	sysfs_remove_group(msched_kobj, &msched_root_group);
}

/**
 * msched_sysfs_exit() - remove /sys/kernel/mm/memsched. The directories
 * other files own (vms/, balloon/) must be gone already.
 *
 * Context: process context, module exit; may sleep.
 */
void msched_sysfs_exit(void)
{
	msched_fs_sysfs_exit();
	kobject_put(msched_kobj);
	msched_kobj = NULL;
}
