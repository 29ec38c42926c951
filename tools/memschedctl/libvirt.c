// SPDX-License-Identifier: GPL-2.0
/* memschedctl: libvirt domain names and UUIDs to QEMU pids (libvirt.h). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libvirt.h"
#include "sysfs.h"

const char *msctl_libvirt_run_dir(void)
{
	const char *env = getenv("MEMSCHED_LIBVIRT_RUN");

	return env && *env ? env : MSCTL_LIBVIRT_RUN;
}

bool msctl_libvirt_is_uuid(const char *s)
{
	static const int groups[] = { 8, 4, 4, 4, 12 };
	size_t g;
	int i;

	for (g = 0; g < ARRAY_SIZE(groups); g++) {
		for (i = 0; i < groups[g]; i++, s++)
			if (!isxdigit((unsigned char)*s))
				return false;
		if (g + 1 < ARRAY_SIZE(groups) && *s++ != '-')
			return false;
	}
	return !*s;
}

/* The <uuid> of a status XML file equals @uuid (any case). */
static bool xml_has_uuid(const char *path, const char *uuid)
{
	char *buf, *p;
	size_t len;
	bool found = false;

	if (msctl_sysfs_slurp(path, &buf, &len))
		return false;
	/* domstatus holds one <domain>, whose first <uuid> is the domain's */
	p = strstr(buf, "<uuid>");
	if (p) {
		p += 6;
		while (isspace((unsigned char)*p))
			p++;
		found = !strncasecmp(p, uuid, 36) &&
			(p[36] == '<' || isspace((unsigned char)p[36]));
	}
	free(buf);
	return found;
}

/* A UUID to a name through DIR/NAME.xml. Return: 0 or -ENOENT. */
static int uuid_from_xml(const char *dir, const char *uuid, char *name, size_t size)
{
	char path[PATH_MAX];
	struct dirent *de;
	int ret = -ENOENT;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (n <= 4 || strcmp(de->d_name + n - 4, ".xml") || n - 4 >= size)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (!xml_has_uuid(path, uuid))
			continue;
		memcpy(name, de->d_name, n - 4);
		name[n - 4] = '\0';
		ret = 0;
		break;
	}
	closedir(d);
	return ret;
}

/* 'virsh domname UUID' when virsh is on PATH. Return: 0 or -ENOENT. */
static int uuid_from_virsh(const char *uuid, char *name, size_t size)
{
	char cmd[128], line[256];
	FILE *f;
	int st;

	if (system("command -v virsh >/dev/null 2>&1"))
		return -ENOENT;
	snprintf(cmd, sizeof(cmd), "virsh -q domname '%s' 2>/dev/null", uuid);
	f = popen(cmd, "r");
	if (!f)
		return -ENOENT;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	st = pclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	if (st || !line[0] || strlen(line) >= size || strchr(line, '/'))
		return -ENOENT;
	strcpy(name, line);
	return 0;
}

int msctl_libvirt_pid(const char *dom, int *pid, char *name, size_t size)
{
	const char *dir = msctl_libvirt_run_dir();
	char path[PATH_MAX], line[32];
	struct stat st;
	u64 v;
	int ret;

	if (!*dom || strchr(dom, '/') || strlen(dom) >= size) {
		msctl_err("'%s' is neither a PID nor a libvirt domain name or UUID", dom);
		return -1;
	}
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		msctl_err("domain '%s': libvirt is not running here (no %s; a PID works without libvirt; $MEMSCHED_LIBVIRT_RUN moves the directory)",
			  dom, dir);
		return -1;
	}
	if (msctl_libvirt_is_uuid(dom)) {
		ret = uuid_from_xml(dir, dom, name, size);
		if (ret)
			ret = uuid_from_virsh(dom, name, size);
		if (ret) {
			msctl_err("domain '%s': no running libvirt domain has this UUID (no %s/*.xml with it; virsh domname did not know it)",
				  dom, dir);
			return -1;
		}
	} else {
		strcpy(name, dom);
	}
	snprintf(path, sizeof(path), "%s/%s.pid", dir, name);
	ret = msctl_sysfs_read_line(path, line, sizeof(line));
	if (ret == -ENOENT) {
		msctl_err("domain '%s': no running libvirt domain of that name (no %s; 'virsh list' shows the running ones)",
			  dom, path);
		return -1;
	}
	if (ret || !msctl_sysfs_parse_u64(line, &v) || !v || v > INT_MAX) {
		msctl_err("domain '%s': %s: %s", dom, path,
			  ret ? strerror(-ret) : "not a pid");
		return -1;
	}
	snprintf(path, sizeof(path), "/proc/%llu", v);
	if (stat(path, &st)) {
		msctl_err("domain '%s': its QEMU (pid %llu, from %s/%s.pid) is not running: a stale pid file",
			  dom, v, dir, name);
		return -1;
	}
	*pid = (int)v;
	return 0;
}
