// SPDX-License-Identifier: GPL-2.0
/* memschedctl: reading vms/<pid>/ (layout in sysfs-kernel-mm-memsched). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysfs.h"
#include "vm.h"

const char *const msctl_class_names[MSCTL_NR_CLASSES] = {
	"active", "recently_idle", "idle", "never_touched",
};

const char *const msctl_class_labels[MSCTL_NR_CLASSES] = {
	"active", "recently idle", "idle", "never touched",
};

int msctl_vm_path(char *buf, size_t size, int pid, const char *file)
{
	if (file)
		return msctl_sysfs_path(buf, size, "vms/%d/%s", pid, file);
	return msctl_sysfs_path(buf, size, "vms/%d", pid);
}

bool msctl_vm_exists(int pid)
{
	char rel[32];

	snprintf(rel, sizeof(rel), "vms/%d", pid);
	return msctl_sysfs_is_dir(rel);
}

static void not_attached(int pid)
{
	msctl_err("pid %d is not attached (no %s/vms/%d; see '" PROG " list')",
		  pid, msctl_sysfs_root, pid);
}

int msctl_vm_check(int pid)
{
	if (msctl_sysfs_check_root())
		return -1;
	if (!msctl_vm_exists(pid)) {
		not_attached(pid);
		return -1;
	}
	return 0;
}

void msctl_vm_report(int ret, int pid)
{
	if (ret == -ENOENT && pid > 0 && !msctl_vm_exists(pid))
		not_attached(pid);
	else
		msctl_sysfs_report(ret);
}

int msctl_vm_read_u64(int pid, const char *file, u64 *v)
{
	char path[PATH_MAX];
	int ret;

	ret = msctl_vm_path(path, sizeof(path), pid, file);
	if (ret) {
		snprintf(msctl_sysfs_err_path, sizeof(msctl_sysfs_err_path), "%s", file);
		return ret;
	}
	return msctl_sysfs_read_u64(path, v);
}

#define FIELD(_file, _member) { _file, offsetof(struct msctl_vm, _member) }

static const struct {
	const char *file;
	size_t offset;
} vm_fields[] = {
	FIELD("guest_pages", guest_pages),
	FIELD("sampled_pages", sampled_pages),
	FIELD("wss_pages", wss_pages),
	FIELD("mrc_knee_pages", knee_pages),
	FIELD("last_scan_ns", last_scan_ns),
	FIELD("sample_period", sample_period),
	FIELD("scan_interval_ms", scan_interval_ms),
	FIELD("cpu_quota_ms", cpu_quota_ms),
	FIELD("active_scans", active_scans),
	FIELD("idle_scans", idle_scans),
	FIELD("wss_scans", wss_scans),
	FIELD("classes/active", class_pages[MSCTL_CLASS_ACTIVE]),
	FIELD("classes/recently_idle", class_pages[MSCTL_CLASS_RECENTLY_IDLE]),
	FIELD("classes/idle", class_pages[MSCTL_CLASS_IDLE]),
	FIELD("classes/never_touched", class_pages[MSCTL_CLASS_NEVER_TOUCHED]),
	FIELD("stats/nr_scans", nr_scans),
	FIELD("stats/nr_truncated_scans", nr_truncated_scans),
	FIELD("stats/nr_pages_scanned", nr_pages_scanned),
	FIELD("stats/nr_young_pages", nr_young_pages),
	FIELD("stats/nr_scan_ns", nr_scan_ns),
	FIELD("stats/nr_rebuilds", nr_rebuilds),
	FIELD("stats/nr_invalidations", nr_invalidations),
	FIELD("stats/nr_knob_conflicts", nr_knob_conflicts),
};

int msctl_vm_load(int pid, struct msctl_vm *vm)
{
	size_t i;
	int ret = 0;

	memset(vm, 0, sizeof(*vm));
	vm->pid = pid;
	for (i = 0; !ret && i < ARRAY_SIZE(vm_fields); i++)
		ret = msctl_vm_read_u64(pid, vm_fields[i].file,
					(u64 *)((char *)vm + vm_fields[i].offset));
	/* What the period and the granularity are in effect (newer modules). */
	if (!ret && msctl_vm_read_u64(pid, "sample_period_effective",
				      &vm->period_effective))
		vm->period_effective = vm->sample_period;
	if (!ret && msctl_vm_read_u64(pid, "sample_granularity_pages_effective",
				      &vm->granularity))
		vm->granularity = 1;
	return ret;
}

int msctl_vm_load_ages(int pid, struct msctl_age_bucket *b, size_t max,
		       size_t *nrp)
{
	char path[PATH_MAX], *buf = NULL, *line, *save, *sp;
	size_t nr = 0;
	int ret;

	ret = msctl_vm_path(path, sizeof(path), pid, "age_histogram");
	if (!ret)
		ret = msctl_sysfs_slurp(path, &buf, NULL);
	if (ret)
		goto cleanup;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		sp = strchr(line, ' ');
		if (!sp || nr == max) {
			ret = -EBADMSG;
			goto cleanup;
		}
		*sp++ = '\0';
		b[nr].never = !strcmp(line, "never");
		b[nr].min_scans = 0;
		if ((!b[nr].never && !msctl_sysfs_parse_u64(line, &b[nr].min_scans)) ||
		    !msctl_sysfs_parse_u64(sp, &b[nr].pages)) {
			ret = -EBADMSG;
			goto cleanup;
		}
		nr++;
	}
	*nrp = nr;
cleanup:
	free(buf);
	return ret;
}

void msctl_mrc_free(struct msctl_mrc *m)
{
	free(m->pages);
	free(m->ppm);
	memset(m, 0, sizeof(*m));
}

int msctl_vm_load_mrc(int pid, struct msctl_mrc *m)
{
	char path[PATH_MAX], *buf = NULL, *line, *save, *sp;
	size_t len, max;
	u64 pages, ppm;
	int ret;

	memset(m, 0, sizeof(*m));
	ret = msctl_vm_path(path, sizeof(path), pid, "mrc");
	if (!ret)
		ret = msctl_sysfs_slurp(path, &buf, &len);
	if (ret)
		goto cleanup;
	max = len / 4 + 1;	/* shortest line: "0 0\n" */
	m->pages = calloc(max, sizeof(*m->pages));
	m->ppm = calloc(max, sizeof(*m->ppm));
	if (!m->pages || !m->ppm) {
		ret = -ENOMEM;
		goto cleanup;
	}
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		sp = strchr(line, ' ');
		if (!sp || m->nr == max) {
			ret = -EBADMSG;
			goto cleanup;
		}
		*sp++ = '\0';
		if (!msctl_sysfs_parse_u64(line, &pages) ||
		    !msctl_sysfs_parse_u64(sp, &ppm) || ppm > 1000000 ||
		    (m->nr && pages <= m->pages[m->nr - 1])) {
			ret = -EBADMSG;
			goto cleanup;
		}
		m->pages[m->nr] = pages;
		m->ppm[m->nr] = (unsigned int)ppm;
		m->nr++;
	}
cleanup:
	free(buf);
	if (ret)
		msctl_mrc_free(m);
	return ret;
}

double msctl_mrc_ratio_at(const struct msctl_mrc *m, double pages)
{
	double x0, x1, y0, y1;
	size_t i;

	if (pages <= (double)m->pages[0])
		return m->ppm[0] / 1e6;
	for (i = 1; i < m->nr; i++) {
		if (pages > (double)m->pages[i])
			continue;
		x0 = (double)m->pages[i - 1];
		x1 = (double)m->pages[i];
		y0 = m->ppm[i - 1] / 1e6;
		y1 = m->ppm[i] / 1e6;
		return y0 + (y1 - y0) * (pages - x0) / (x1 - x0);
	}
	return m->ppm[m->nr - 1] / 1e6;
}

int msctl_vm_knobs(int pid, struct msctl_sysfs_ent **entsp, size_t *nrp)
{
	char path[PATH_MAX];
	int ret;

	ret = msctl_vm_path(path, sizeof(path), pid, NULL);
	if (!ret)
		ret = msctl_sysfs_list(path, MSCTL_SYSFS_KNOB, true, entsp, nrp);
	return ret;
}

int msctl_vm_counters(int pid, const char *dir, struct msctl_sysfs_ent **entsp,
		      size_t *nrp)
{
	char path[PATH_MAX];
	int ret;

	ret = msctl_vm_path(path, sizeof(path), pid, dir);
	if (!ret)
		ret = msctl_sysfs_list(path, MSCTL_SYSFS_VALUE, true, entsp, nrp);
	return ret;
}

int msctl_vm_list(int **pidsp, size_t *nrp)
{
	char path[PATH_MAX];
	u64 *ids = NULL;
	int *pids = NULL;
	size_t nr = 0, i;
	int ret;

	ret = msctl_sysfs_path(path, sizeof(path), "vms");
	if (!ret)
		ret = msctl_sysfs_list_ids(path, &ids, &nr);
	if (ret) {
		msctl_sysfs_report(ret);
		return -1;
	}
	pids = calloc(nr ? nr : 1, sizeof(*pids));
	if (!pids) {
		free(ids);
		msctl_err("out of memory");
		return -1;
	}
	for (i = 0; i < nr; i++)
		pids[i] = (int)ids[i];
	free(ids);
	*pidsp = pids;
	*nrp = nr;
	return 0;
}

void msctl_vm_name(int pid, char *buf, size_t size)
{
	char path[64], *all = NULL, *arg, *end, *o;
	size_t len = 0;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	if (!msctl_sysfs_slurp(path, &all, &len)) {
		for (arg = all; arg < all + len; arg += strlen(arg) + 1) {
			if (strcmp(arg, "-name") && strcmp(arg, "--name"))
				continue;
			arg += strlen(arg) + 1;
			if (arg >= all + len)
				break;
			if (!strncmp(arg, "guest=", 6))
				arg += 6;
			else if (strstr(arg, ",guest="))
				arg = strstr(arg, ",guest=") + 7;
			for (end = arg, o = arg; *end; end++, o++) {
				if (*end == ',' && end[1] != ',')
					break;
				*o = *end;
				if (*end == ',')
					end++;
			}
			*o = '\0';
			snprintf(buf, size, "%s", arg);
			break;
		}
		free(all);
	}
	if (buf[0])
		return;
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	if (msctl_sysfs_read_line(path, buf, size))
		buf[0] = '\0';
}
