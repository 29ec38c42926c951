// SPDX-License-Identifier: GPL-2.0
/*
 * memschedctl: the scheduler command. "sched" shows the
 * scheduler's settings (sched/) and one row per attached VM: shares,
 * active %, DRAM target and actual, and the last decision's mechanism and reason
 * (vms/<pid>/sched/). "sched PID shares=N min=SIZE max=SIZE|max" sets a
 * VM's controls.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "fmt.h"
#include "json.h"
#include "sysfs.h"
#include "vm.h"

#define SCHED_WORD_LEN		32
#define SCHED_LINE_LEN		256
#define SCHED_NAME_LEN		256

/* The documented ranges, for the messages (the kernel checks them). */
#define SCHED_SHARES_RANGE	"1..1000000"

/* sched/: the settings the header line shows. */
struct sched_global {
	u64 enabled;
	char policy[SCHED_WORD_LEN];
	u64 pool_pages;
	u64 idle_tax_pct;
	u64 period_ms;
};

/* vms/<pid>/sched/decision: period=N action=A mechanism=M pages=N ... */
struct sched_decision {
	bool valid;		/* a period has decided for the VM */
	u64 period, pages, target_dram, actual_dram;
	char action[SCHED_WORD_LEN];
	char mechanism[SCHED_WORD_LEN];
	char reason[SCHED_WORD_LEN];
};

struct sched_vm {
	int pid;
	char name[SCHED_NAME_LEN];
	u64 shares, min_pages, target_dram_pages, actual_dram_pages, active_pages;
	bool max_unlimited;	/* max_pages reads "max" */
	u64 max_pages;
	struct sched_decision d;
};

/* ROOT/sched exists; else says that this module has no scheduler. */
static int sched_check(void)
{
	if (msctl_sysfs_check_root())
		return -1;
	if (!msctl_sysfs_is_dir("sched")) {
		msctl_err("%s/sched: no such directory: this memsched.ko has no scheduler (older than this tool?)",
			  msctl_sysfs_root);
		return -1;
	}
	return 0;
}

static int global_read_u64(const char *file, u64 *v)
{
	char path[PATH_MAX];
	int ret;

	ret = msctl_sysfs_path(path, sizeof(path), "sched/%s", file);
	return ret ? ret : msctl_sysfs_read_u64(path, v);
}

static int global_load(struct sched_global *g)
{
	char path[PATH_MAX];
	int ret;

	ret = global_read_u64("enabled", &g->enabled);
	if (!ret)
		ret = global_read_u64("pool_pages", &g->pool_pages);
	if (!ret)
		ret = global_read_u64("idle_tax_pct", &g->idle_tax_pct);
	if (!ret)
		ret = global_read_u64("period_ms", &g->period_ms);
	if (!ret)
		ret = msctl_sysfs_path(path, sizeof(path), "sched/policy");
	if (!ret)
		ret = msctl_sysfs_read_line(path, g->policy, sizeof(g->policy));
	return ret;
}

/* Copies the value of "KEY=" in @line into @buf; false when it is absent. */
static bool decision_field(const char *line, const char *key, char *buf,
			   size_t size)
{
	size_t klen = strlen(key), n;
	const char *p = line;

	while ((p = strstr(p, key))) {
		if ((p == line || p[-1] == ' ') && p[klen] == '=') {
			p += klen + 1;
			n = strcspn(p, " \n");
			if (n >= size)
				n = size - 1;
			memcpy(buf, p, n);
			buf[n] = '\0';
			return true;
		}
		p += klen;
	}
	return false;
}

static u64 decision_u64(const char *line, const char *key)
{
	char buf[SCHED_WORD_LEN];
	u64 v = 0;

	if (decision_field(line, key, buf, sizeof(buf)) &&
	    !msctl_sysfs_parse_u64(buf, &v))
		v = 0;
	return v;
}

/*
 * The decision line. Before the VM's first period it reads period=0 and
 * reason=none (no decision yet: not valid).
 */
static void decision_parse(const char *line, struct sched_decision *d)
{
	char reason[SCHED_WORD_LEN];

	memset(d, 0, sizeof(*d));
	if (!decision_field(line, "action", d->action, sizeof(d->action)))
		return;
	if (!decision_u64(line, "period") &&
	    decision_field(line, "reason", reason, sizeof(reason)) &&
	    !strcmp(reason, "none"))
		return;
	d->valid = true;
	if (!decision_field(line, "mechanism", d->mechanism, sizeof(d->mechanism)))
		snprintf(d->mechanism, sizeof(d->mechanism), "-");
	if (!decision_field(line, "reason", d->reason, sizeof(d->reason)))
		snprintf(d->reason, sizeof(d->reason), "-");
	d->period = decision_u64(line, "period");
	d->pages = decision_u64(line, "pages");
	d->target_dram = decision_u64(line, "target_dram");
	d->actual_dram = decision_u64(line, "actual_dram");
}

static int vm_load(int pid, struct sched_vm *v)
{
	char path[PATH_MAX], line[SCHED_LINE_LEN];
	int ret;

	memset(v, 0, sizeof(*v));
	v->pid = pid;
	ret = msctl_vm_read_u64(pid, "sched/shares", &v->shares);
	if (!ret)
		ret = msctl_vm_read_u64(pid, "sched/min_pages", &v->min_pages);
	if (!ret)
		ret = msctl_vm_read_u64(pid, "sched/target_dram_pages", &v->target_dram_pages);
	if (!ret)
		ret = msctl_vm_read_u64(pid, "sched/actual_dram_pages", &v->actual_dram_pages);
	if (!ret)
		ret = msctl_vm_read_u64(pid, "sched/active_pages", &v->active_pages);
	if (!ret)
		ret = msctl_vm_path(path, sizeof(path), pid, "sched/max_pages");
	if (!ret)
		ret = msctl_sysfs_read_line(path, line, sizeof(line));
	if (!ret) {
		v->max_unlimited = !strcmp(line, "max");
		if (!v->max_unlimited && !msctl_sysfs_parse_u64(line, &v->max_pages))
			ret = -EBADMSG;
	}
	if (!ret)
		ret = msctl_vm_path(path, sizeof(path), pid, "sched/decision");
	if (!ret)
		ret = msctl_sysfs_read_line(path, line, sizeof(line));
	if (ret)
		return ret;
	decision_parse(line, &v->d);
	msctl_vm_name(pid, v->name, sizeof(v->name));
	return 0;
}

static bool vm_has_sched(int pid)
{
	char rel[48];

	snprintf(rel, sizeof(rel), "vms/%d/sched", pid);
	return msctl_sysfs_is_dir(rel);
}

/* ACTIVE%: 100 * active / actual DRAM, at most 100. */
static double active_pct(const struct sched_vm *v)
{
	double pct = msctl_fmt_pct(v->active_pages, v->actual_dram_pages);

	return pct > 100.0 ? 100.0 : pct;
}

static void vm_json(struct msctl_json *j, const struct sched_vm *v)
{
	msctl_json_obj_open(j, NULL);
	msctl_json_s64(j, "pid", v->pid);
	msctl_json_str(j, "name", v->name);
	msctl_json_u64(j, "shares", v->shares);
	msctl_json_u64(j, "min_pages", v->min_pages);
	if (v->max_unlimited)
		msctl_json_str(j, "max_pages", "max");
	else
		msctl_json_u64(j, "max_pages", v->max_pages);
	msctl_json_u64(j, "target_dram_pages", v->target_dram_pages);
	msctl_json_u64(j, "actual_dram_pages", v->actual_dram_pages);
	msctl_json_u64(j, "active_pages", v->active_pages);
	msctl_json_double(j, "active_pct", active_pct(v));
	if (!v->d.valid) {
		msctl_json_null(j, "decision");
	} else {
		msctl_json_obj_open(j, "decision");
		msctl_json_u64(j, "period", v->d.period);
		msctl_json_str(j, "action", v->d.action);
		msctl_json_str(j, "mechanism", v->d.mechanism);
		msctl_json_u64(j, "pages", v->d.pages);
		msctl_json_u64(j, "target_dram", v->d.target_dram);
		msctl_json_u64(j, "actual_dram", v->d.actual_dram);
		msctl_json_str(j, "reason", v->d.reason);
		msctl_json_obj_close(j);
	}
	msctl_json_obj_close(j);
}

static void vm_text(const struct sched_vm *v)
{
	printf("%7d %-16.16s %7llu %7.1f %10.1f %10.1f %-9s %s\n", v->pid,
	       *v->name ? v->name : "-", v->shares, active_pct(v),
	       msctl_fmt_mib(v->target_dram_pages), msctl_fmt_mib(v->actual_dram_pages),
	       v->d.valid ? v->d.mechanism : "-", v->d.valid ? v->d.reason : "-");
}

/* sched: the header line and one row per VM. */
static int sched_show(void)
{
	struct sched_global g;
	struct sched_vm v;
	struct msctl_json j;
	int *pids = NULL, ret;
	size_t nr = 0, i;
	char pool[32];

	if (sched_check())
		return EXIT_ERR;
	ret = global_load(&g);
	if (ret) {
		msctl_sysfs_report(ret);
		return EXIT_ERR;
	}
	if (msctl_vm_list(&pids, &nr))
		return EXIT_ERR;
	msctl_json_init(&j, stdout);
	if (msctl_cli_json) {
		msctl_json_obj_open(&j, NULL);
		msctl_json_bool(&j, "enabled", g.enabled);
		msctl_json_str(&j, "policy", g.policy);
		msctl_json_u64(&j, "pool_pages", g.pool_pages);
		msctl_json_u64(&j, "idle_tax_pct", g.idle_tax_pct);
		msctl_json_u64(&j, "period_ms", g.period_ms);
		msctl_json_arr_open(&j, "vms");
	} else {
		printf("policy=%s enabled=%llu pool=%sMiB idle_tax=%llu%% period=%llums\n",
		       g.policy, g.enabled,
		       msctl_fmt_mib_exact(pool, sizeof(pool), g.pool_pages),
		       g.idle_tax_pct, g.period_ms);
		printf("%7s %-16s %7s %7s %10s %10s %-9s %s\n", "PID", "NAME",
		       "SHARES", "ACTIVE%", "TARGET", "ACTUAL", "MECHANISM", "REASON");
	}
	for (i = 0; i < nr; i++) {
		ret = vm_load(pids[i], &v);
		/*
		 * Detached while we were listing, or between attach and the
		 * scheduler's part of it (no vms/PID/sched/ yet): left out.
		 */
		if (ret == -ENOENT && (!msctl_vm_exists(pids[i]) || !vm_has_sched(pids[i])))
			continue;
		if (ret) {
			msctl_vm_report(ret, pids[i]);
			ret = EXIT_ERR;
			goto cleanup;
		}
		if (msctl_cli_json)
			vm_json(&j, &v);
		else
			vm_text(&v);
	}
	if (msctl_cli_json) {
		msctl_json_arr_close(&j);
		msctl_json_obj_close(&j);
		msctl_json_end(&j);
	}
	ret = EXIT_OK;
cleanup:
	free(pids);
	return ret;
}

/* What "sched PID" sets: one KEY=VALUE operand each. */
struct sched_set {
	bool has_shares, has_min, has_max;
	u64 shares, min_pages, max_pages;
	bool max_unlimited;
};

/* The accepted values of @file, as far as the tool can say it now. */
static void accepted(int pid, const char *file, char *buf, size_t size)
{
	struct sched_global g;
	struct sched_vm v;

	if (!strcmp(file, "shares")) {
		snprintf(buf, size, SCHED_SHARES_RANGE);
		return;
	}
	if (vm_load(pid, &v) || global_load(&g)) {
		snprintf(buf, size, "%s", !strcmp(file, "min_pages") ?
			 "0..max_pages, the VMs' min_pages summed at most the pool" :
			 "max, or an integer from 1, at least min_pages");
		return;
	}
	if (!strcmp(file, "min_pages") && v.max_unlimited)
		snprintf(buf, size, "0..max_pages (max now), and the attached VMs' min_pages summed at most the pool (%llu pages)",
			 g.pool_pages);
	else if (!strcmp(file, "min_pages"))
		snprintf(buf, size, "0..max_pages (%llu pages now), and the attached VMs' min_pages summed at most the pool (%llu pages)",
			 v.max_pages, g.pool_pages);
	else
		snprintf(buf, size, "max, or an integer from 1, at least min_pages (%llu pages now)",
			 v.min_pages);
}

/* Writes @val (pages, or "max") to vms/@pid/sched/@file; says what failed. */
static int sched_write(int pid, const char *file, const char *val)
{
	char path[PATH_MAX], range[256];
	bool opened;
	int ret;

	if (msctl_vm_path(path, sizeof(path), pid, "sched")) {
		msctl_err("%s: path too long", msctl_sysfs_root);
		return EXIT_ERR;
	}
	if (snprintf(path + strlen(path), sizeof(path) - strlen(path), "/%s", file) >=
	    (int)(sizeof(path) - strlen(path))) {
		msctl_err("%s: path too long", msctl_sysfs_root);
		return EXIT_ERR;
	}
	ret = msctl_sysfs_writef(path, &opened, "%s\n", val);
	if (!ret)
		return EXIT_OK;
	if (ret == -EINVAL || ret == -ERANGE) {
		accepted(pid, file, range, sizeof(range));
		msctl_err("sched %d: the kernel refused %s %s (%s); accepted: %s ('dmesg | tail' has the kernel's line)",
			  pid, file, val, msctl_errno_name(-ret), range);
	} else if (ret == -ENOENT && !msctl_vm_exists(pid)) {
		msctl_err("sched %d: pid %d is not attached (any more)", pid, pid);
	} else if (ret == -ENOENT) {
		msctl_err("sched %d: %s: no such file: this memsched.ko has no scheduler (ENOENT)",
			  pid, path);
	} else if (ret == -ENODEV) {
		msctl_err("sched %d: the VM is being detached (ENODEV)", pid);
	} else if (ret == -EACCES || ret == -EPERM) {
		msctl_err("sched %d: %s: permission denied; run as root (%s)", pid, file,
			  msctl_errno_name(-ret));
	} else {
		msctl_err("sched %d: %s %s: %s (%s)", pid, file, val, strerror(-ret),
			  msctl_errno_name(-ret));
	}
	return EXIT_ERR;
}

/* One KEY=VALUE operand into @s; a usage error says what is accepted. */
static int parse_assignment(const char *arg, struct sched_set *s,
			    const struct msctl_cmd *cmd)
{
	const char *val = strchr(arg, '=');
	size_t klen = val ? (size_t)(val - arg) : 0;

	if (!val)
		return msctl_cli_usage_err(cmd, "'%s': want shares=N, min=SIZE or max=SIZE|max", arg);
	val++;
	if (klen == 6 && !strncmp(arg, "shares", 6)) {
		if (s->has_shares)
			return msctl_cli_usage_err(cmd, "shares= given twice");
		if (!msctl_cli_parse_u64(val, &s->shares))
			return msctl_cli_usage_err(cmd, "invalid shares '%s': want an integer (the kernel accepts " SCHED_SHARES_RANGE ")",
						   val);
		s->has_shares = true;
	} else if (klen == 3 && !strncmp(arg, "min", 3)) {
		if (s->has_min)
			return msctl_cli_usage_err(cmd, "min= given twice");
		if (!msctl_cli_parse_size(val, &s->min_pages))
			return msctl_cli_usage_err(cmd, "invalid min '%s': want a size (MiB, or with a unit: 512M, 2G, 4096p)",
						   val);
		s->has_min = true;
	} else if (klen == 3 && !strncmp(arg, "max", 3)) {
		if (s->has_max)
			return msctl_cli_usage_err(cmd, "max= given twice");
		s->max_unlimited = !strcmp(val, "max");
		if (!s->max_unlimited && !msctl_cli_parse_size(val, &s->max_pages))
			return msctl_cli_usage_err(cmd, "invalid max '%s': want a size (MiB, or with a unit: 512M, 2G, 4096p) or max",
						   val);
		s->has_max = true;
	} else {
		return msctl_cli_usage_err(cmd, "unknown control '%.*s': want shares, min or max",
					   (int)klen, arg);
	}
	return -1;
}

/*
 * sched PID KEY=VALUE...: shares, then min and max in the order that keeps
 * min_pages <= max_pages after each write (the kernel refuses a write
 * that breaks it): max first when the new max is at least the current min.
 */
int msctl_sched_set(int pid, int nargs, char **args, const struct msctl_cmd *cmd)
{
	struct sched_set s = { 0 };
	char val[32];
	bool max_first = true;
	struct sched_vm cur;
	int i, ret;

	for (i = 0; i < nargs; i++) {
		ret = parse_assignment(args[i], &s, cmd);
		if (ret >= 0)
			return ret;
	}
	if (s.has_min && s.has_max && !s.max_unlimited && s.min_pages > s.max_pages)
		return msctl_cli_usage_err(cmd, "min (%llu pages) is above max (%llu pages)",
					   s.min_pages, s.max_pages);
	if (sched_check() || msctl_vm_check(pid))
		return EXIT_ERR;
	if (s.has_shares) {
		snprintf(val, sizeof(val), "%llu", s.shares);
		ret = sched_write(pid, "shares", val);
		if (ret)
			return ret;
	}
	if (s.has_min && s.has_max && !s.max_unlimited) {
		ret = vm_load(pid, &cur);
		if (ret) {
			msctl_vm_report(ret, pid);
			return EXIT_ERR;
		}
		max_first = s.max_pages >= cur.min_pages;
	}
	for (i = 0; i < 2; i++) {
		bool do_max = (i == 0) == max_first;

		if (do_max && s.has_max) {
			if (s.max_unlimited)
				snprintf(val, sizeof(val), "max");
			else
				snprintf(val, sizeof(val), "%llu", s.max_pages);
			ret = sched_write(pid, "max_pages", val);
		} else if (!do_max && s.has_min) {
			snprintf(val, sizeof(val), "%llu", s.min_pages);
			ret = sched_write(pid, "min_pages", val);
		} else {
			ret = EXIT_OK;
		}
		if (ret)
			return ret;
	}
	return EXIT_OK;
}

/* sched [PID KEY=VALUE...] */
MSCTL_CMD_FN(sched)
{
	int ret, pid;

	ret = msctl_cli_parse_plain(argc, argv, cmd, -1);
	if (ret >= 0)
		return ret;
	if (argc == optind)
		return sched_show();
	ret = msctl_cli_get_pid(argv[optind], cmd, &pid);
	if (ret >= 0)
		return ret;
	if (msctl_cli_json)
		return msctl_cli_usage_err(cmd, "--json is for showing the scheduler");
	if (argc - optind < 2)
		return msctl_cli_usage_err(cmd, "PID without a control: want shares=N, min=SIZE or max=SIZE|max");
	return msctl_sched_set(pid, argc - optind - 1, argv + optind + 1, cmd);
}
