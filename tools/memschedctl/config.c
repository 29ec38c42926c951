// SPDX-License-Identifier: GPL-2.0
/* memschedctl: a VM's configuration file (config.h). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmds.h"
#include "config.h"
#include "sysfs.h"
#include "vm.h"

#define ACCEPTED "knob.NAME = N (a knob of the VM: 'memschedctl knobs PID'), shares = N, min = SIZE, max = SIZE|max, dram_budget = SIZE|max, tiering = on|off (SIZE in MiB or with a unit: 512M, 2G, 4096p)"

const char *msctl_config_dir(void)
{
	const char *env = getenv("MEMSCHED_CONFIG_DIR");

	return env && *env ? env : MSCTL_CONFIG_DIR;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

__printf(3, 4) static int bad(const char *path, unsigned int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": %s:%u: ", path, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/* One "KEY = VALUE" into @it. Return: 0 or -1 (said). */
static int parse_item(const char *path, unsigned int ln, char *key, char *val,
		      struct msctl_config_item *it)
{
	u64 v;

	it->line = ln;
	if (!strncmp(key, "knob.", 5)) {
		const char *k = key + 5;

		if (!*k || strlen(k) >= sizeof(it->key) ||
		    strspn(k, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(k))
			return bad(path, ln, "invalid knob name '%s'; accepted: knob.NAME, NAME of lower-case letters, digits and _", k);
		if (!msctl_cli_parse_u64(val, &v))
			return bad(path, ln, "knob %s: invalid value '%s'; accepted: a decimal or 0x-prefixed integer", k, val);
		it->kind = MSCTL_CONF_KNOB;
		strcpy(it->key, k);
		snprintf(it->value, sizeof(it->value), "%llu", v);
		return 0;
	}
	if (!strcmp(key, "shares")) {
		if (!msctl_cli_parse_u64(val, &v) || !v)
			return bad(path, ln, "shares: invalid value '%s'; accepted: a positive integer (the kernel takes 1..1000000)", val);
		it->kind = MSCTL_CONF_SCHED;
		snprintf(it->value, sizeof(it->value), "shares=%llu", v);
	} else if (!strcmp(key, "min") || !strcmp(key, "max")) {
		if ((key[1] == 'i' || strcmp(val, "max")) && !msctl_cli_parse_size(val, &v))
			return bad(path, ln, "%s: invalid size '%s'; accepted: MiB, or with a unit: 512M, 2G, 4096p%s", key, val,
				   key[1] == 'a' ? ", or max" : "");
		it->kind = MSCTL_CONF_SCHED;
		snprintf(it->value, sizeof(it->value), "%s=%s", key, val);
	} else if (!strcmp(key, "dram_budget")) {
		if (strcmp(val, "max") && !msctl_cli_parse_size(val, &v))
			return bad(path, ln, "dram_budget: invalid size '%s'; accepted: MiB, or with a unit: 512M, 2G, 4096p, or max", val);
		it->kind = MSCTL_CONF_DRAM_BUDGET;
		if (strcmp(val, "max"))
			snprintf(it->value, sizeof(it->value), "%llu", v);
		else
			strcpy(it->value, "max");
	} else if (!strcmp(key, "tiering")) {
		if (!strcasecmp(val, "on") || !strcmp(val, "1"))
			strcpy(it->value, "1");
		else if (!strcasecmp(val, "off") || !strcmp(val, "0"))
			strcpy(it->value, "0");
		else
			return bad(path, ln, "tiering: invalid value '%s'; accepted: on, off, 1, 0", val);
		it->kind = MSCTL_CONF_TIERING;
	} else {
		return bad(path, ln, "unknown key '%s'; accepted: " ACCEPTED, key);
	}
	strcpy(it->key, key);
	return 0;
}

/* min above max in one file: refused on max's line, as sched refuses it. */
static int check_min_max(const struct msctl_config *conf)
{
	const struct msctl_config_item *min = NULL, *max = NULL;
	u64 lo, hi;
	size_t i;

	for (i = 0; i < conf->nr; i++) {
		if (conf->items[i].kind != MSCTL_CONF_SCHED)
			continue;
		if (!strcmp(conf->items[i].key, "min"))
			min = &conf->items[i];
		if (!strcmp(conf->items[i].key, "max"))
			max = &conf->items[i];
	}
	if (!min || !max || !strcmp(max->value, "max=max") ||
	    !msctl_cli_parse_size(min->value + 4, &lo) ||
	    !msctl_cli_parse_size(max->value + 4, &hi) || lo <= hi)
		return 0;
	return bad(conf->path, max->line, "max (%llu pages) is below min (%llu pages, line %u)",
		   hi, lo, min->line);
}

int msctl_config_load(const char *path, struct msctl_config *conf)
{
	char line[512], *p, *eq, *key, *val;
	unsigned int ln = 0;
	size_t i;
	FILE *f;
	int ret = 0;

	memset(conf, 0, sizeof(*conf));
	snprintf(conf->path, sizeof(conf->path), "%s", path);
	f = fopen(path, "r");
	if (!f) {
		msctl_err("config %s: %s (%s)", path, strerror(errno), msctl_errno_name(errno));
		return -1;
	}
	while (!ret && fgets(line, sizeof(line), f)) {
		ln++;
		if (!strchr(line, '\n') && !feof(f)) {
			ret = bad(path, ln, "line longer than %zu characters", sizeof(line) - 2);
			break;
		}
		p = strchr(line, '#');
		if (p)
			*p = '\0';
		p = trim(line);
		if (!*p)
			continue;
		eq = strchr(p, '=');
		if (!eq) {
			ret = bad(path, ln, "'%s': want KEY = VALUE; accepted: " ACCEPTED, p);
			break;
		}
		*eq = '\0';
		key = trim(p);
		val = trim(eq + 1);
		if (!*key || !*val || strlen(val) >= 48) {
			ret = bad(path, ln, "want KEY = VALUE, both non-empty (VALUE under 48 characters); accepted: " ACCEPTED);
			break;
		}
		if (conf->nr == MSCTL_CONFIG_MAX) {
			ret = bad(path, ln, "more than %d settings", MSCTL_CONFIG_MAX);
			break;
		}
		ret = parse_item(path, ln, key, val, &conf->items[conf->nr]);
		if (ret)
			break;
		for (i = 0; i < conf->nr; i++)
			if (conf->items[i].kind == conf->items[conf->nr].kind &&
			    !strcmp(conf->items[i].key, conf->items[conf->nr].key)) {
				ret = bad(path, ln, "%s given twice (first on line %u)",
					  key, conf->items[i].line);
				break;
			}
		conf->nr++;
	}
	if (!ret && ferror(f))
		ret = bad(path, ln, "read error");
	if (!ret)
		ret = check_min_max(conf);
	fclose(f);
	return ret;
}

/* files/INO/@knob of the VM's RAM file, in @path. */
static int ram_path(int pid, const char *knob, char *path, size_t size)
{
	u64 ino = msctl_vm_ram_ino(pid);

	if (!ino)
		return -ENOENT;
	return msctl_sysfs_path(path, size, "files/%llu/%s", ino, knob) ? -ENAMETOOLONG : 0;
}

/* Checks what @conf needs before anything is written. Return: 0 or -1. */
static int config_check(int pid, const struct msctl_config *conf)
{
	struct msctl_sysfs_ent *knobs = NULL;
	char rel[64], path[PATH_MAX];
	size_t nr = 0, i, k;
	int ret;

	ret = msctl_vm_knobs(pid, &knobs, &nr);
	if (ret) {
		msctl_vm_report(ret, pid);
		return -1;
	}
	for (i = 0; !ret && i < conf->nr; i++) {
		const struct msctl_config_item *it = &conf->items[i];

		switch (it->kind) {
		case MSCTL_CONF_KNOB:
			for (k = 0; k < nr; k++)
				if (!strcmp(knobs[k].name, it->key))
					break;
			if (k == nr) {
				fprintf(stderr, PROG ": %s:%u: unknown knob '%s'; the knobs of VM %d:",
					conf->path, it->line, it->key, pid);
				for (k = 0; k < nr; k++)
					fprintf(stderr, " %s", knobs[k].name);
				fputc('\n', stderr);
				ret = -1;
			}
			break;
		case MSCTL_CONF_SCHED:
			snprintf(rel, sizeof(rel), "vms/%d/sched", pid);
			if (!msctl_sysfs_is_dir(rel))
				ret = bad(conf->path, it->line, "%s: this memsched.ko has no scheduler (no %s)",
					  it->key, rel);
			break;
		case MSCTL_CONF_DRAM_BUDGET:
		case MSCTL_CONF_TIERING:
			if (ram_path(pid, it->kind == MSCTL_CONF_TIERING ?
				     "tiering" : "dram_budget_pages", path, sizeof(path)))
				ret = bad(conf->path, it->line, "%s: VM %d's RAM is not a memschedfs file (no vms/%d/ram)",
					  it->key, pid, pid);
			break;
		}
	}
	free(knobs);
	return ret;
}

int msctl_config_apply(int pid, const struct msctl_config *conf,
		       const struct msctl_cmd *cmd)
{
	char *sched_args[MSCTL_CONFIG_MAX], path[PATH_MAX];
	char old[2][MSCTL_SYSFS_VALUE_MAX] = { "", "" };
	const char *files[2] = { "dram_budget_pages", "tiering" };
	unsigned int lines[2] = { 0, 0 };
	const char *vals[2] = { NULL, NULL };
	int nr_sched = 0, ret, f;
	bool opened;
	size_t i;

	if (config_check(pid, conf))
		return -1;
	/* the VM's own settings: a detach drops them if a later one fails */
	for (i = 0; i < conf->nr; i++) {
		const struct msctl_config_item *it = &conf->items[i];

		if (it->kind == MSCTL_CONF_SCHED)
			sched_args[nr_sched++] = (char *)it->value;
		if (it->kind == MSCTL_CONF_DRAM_BUDGET || it->kind == MSCTL_CONF_TIERING) {
			f = it->kind == MSCTL_CONF_TIERING;
			vals[f] = it->value;
			lines[f] = it->line;
		}
		if (it->kind != MSCTL_CONF_KNOB)
			continue;
		if (msctl_vm_path(path, sizeof(path), pid, it->key))
			return bad(conf->path, it->line, "path too long");
		ret = msctl_sysfs_writef(path, &opened, "%s\n", it->value);
		if (ret)
			return bad(conf->path, it->line, "knob %s = %s: the kernel refused it (%s); 'dmesg | tail' says what is accepted",
				   it->key, it->value, msctl_errno_name(-ret));
	}
	if (nr_sched && msctl_sched_set(pid, nr_sched, sched_args, cmd)) {
		fprintf(stderr, PROG ": %s: the sched settings above were refused\n", conf->path);
		return -1;
	}
	/* the RAM file's: it outlives the VM, so a failure restores them */
	for (f = 0; f < 2; f++) {
		if (!vals[f])
			continue;
		if (ram_path(pid, files[f], path, sizeof(path)) ||
		    msctl_sysfs_read_line(path, old[f], sizeof(old[f])))
			return bad(conf->path, lines[f], "cannot read %s", path);
		ret = msctl_sysfs_writef(path, &opened, "%s\n", vals[f]);
		if (!ret)
			continue;
		bad(conf->path, lines[f], "%s = %s: the kernel refused it (%s); 'dmesg | tail' says what is accepted",
		    files[f], vals[f], msctl_errno_name(-ret));
		while (--f >= 0)
			if (vals[f] && !ram_path(pid, files[f], path, sizeof(path)) &&
			    msctl_sysfs_writef(path, &opened, "%s\n", old[f]))
				msctl_err("warning: %s could not be restored to %s", path, old[f]);
		return -1;
	}
	return 0;
}
