// SPDX-License-Identifier: GPL-2.0
/*
 * memschedctl: the VM commands: attach, detach, list, status, knobs, set,
 * mrc, watch.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uapi/memsched.h>

#include "cmds.h"
#include "config.h"
#include "fmt.h"
#include "json.h"
#include "plot.h"
#include "sysfs.h"
#include "vm.h"

/*
 * The CID in one -device argument of a vhost-vsock device, in either form
 * QEMU takes: "vhost-vsock-pci,guest-cid=N,..." (keyval, as typed by hand)
 * or {"driver":"vhost-vsock-pci","guest-cid":N,...} (JSON, as libvirt
 * passes it; N may also be quoted). 0 when @arg has none.
 */
u64 msctl_vsock_arg_cid(const char *arg)
{
	const char *c;
	char num[24];
	size_t n;
	u64 cid;

	if (!strstr(arg, "vhost-vsock"))
		return 0;
	c = arg;
	while (*c == ' ' || *c == '\t')
		c++;
	if (*c == '{') {
		c = strstr(c, "\"guest-cid\"");
		if (!c)
			return 0;
		c += 11;
		c += strspn(c, " \t");
		if (*c++ != ':')
			return 0;
		c += strspn(c, " \t");
		if (*c == '"')
			c++;
		n = strspn(c, "0123456789");
	} else {
		for (c = strstr(arg, "guest-cid="); c && c != arg && c[-1] != ',';
		     c = strstr(c + 1, "guest-cid="))
			;
		if (!c)
			return 0;
		c += 10;
		n = strcspn(c, ",");
	}
	if (!n || n >= sizeof(num))
		return 0;
	memcpy(num, c, n);
	num[n] = 0;
	return msctl_cli_parse_u64(num, &cid) ? cid : 0;
}

/*
 * The guest CID of a QEMU with a vhost-vsock device (msctl_vsock_arg_cid),
 * from /proc/PID/cmdline; 0 when there is none.
 */
static u64 qemu_guest_cid(int pid)
{
	char path[64], *buf, *p;
	size_t len;
	u64 cid = 0, c;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	if (msctl_sysfs_slurp(path, &buf, &len))
		return 0;
	for (p = buf; p < buf + len; p += strlen(p) + 1) {
		c = msctl_vsock_arg_cid(p);
		if (c)
			cid = c;
	}
	free(buf);
	return cid;
}

/*
 * After attach: a QEMU with a vhost-vsock device gets its guest CID in
 * balloon/cid, so that the guest's balloon driver is matched to the VM.
 * Attaching has succeeded either way; a failure here is a warning.
 */
static void attach_balloon_cid(int pid)
{
	char path[PATH_MAX];
	u64 cid = qemu_guest_cid(pid);
	bool opened;
	int ret;

	if (!cid || msctl_vm_path(path, sizeof(path), pid, "balloon/cid"))
		return;
	ret = msctl_sysfs_writef(path, &opened, "%llu\n", cid);
	if (ret)
		fprintf(stderr, PROG ": attach %d: warning: balloon/cid %llu: %s (%s); set it with '" PROG " balloon %d cid CID'\n",
			pid, cid, ret == -EEXIST ? "another VM has this CID" :
			strerror(-ret), msctl_errno_name(-ret), pid);
	else
		printf("balloon: guest CID %llu (from the QEMU command line)\n", cid);
}

/*
 * The configuration file attach applies (config.h): --config FILE, else
 * DIR/NAME.conf when it exists (NAME: the libvirt domain named on the
 * command line, else QEMU's -name); "" for none.
 */
static int attach_config_path(int pid, const char *given, bool none,
			      char *buf, size_t size)
{
	char name[256];

	buf[0] = '\0';
	if (none)
		return 0;
	if (given) {
		snprintf(buf, size, "%s", given);
		return 0;
	}
	if (msctl_cli_domain[0])
		snprintf(name, sizeof(name), "%s", msctl_cli_domain);
	else
		msctl_vm_name(pid, name, sizeof(name));
	if (!name[0] || strchr(name, '/') || name[0] == '.')
		return 0;
	if (snprintf(buf, size, "%s/%s.conf", msctl_config_dir(), name) >= (int)size ||
	    access(buf, F_OK))
		buf[0] = '\0';
	return 0;
}

/* Undoes an attach whose configuration could not be applied. */
static void attach_undo(int pid, const char *conf)
{
	char path[PATH_MAX];
	bool opened;
	int ret = -ENAMETOOLONG;

	if (!msctl_sysfs_path(path, sizeof(path), "detach"))
		ret = msctl_sysfs_writef(path, &opened, "%d\n", pid);
	if (ret)
		msctl_err("attach %d: %s not applied, and detaching again failed (%s): 'memschedctl detach %d'",
			  pid, conf, msctl_errno_name(-ret), pid);
	else
		msctl_err("attach %d: detached again: nothing of %s is applied", pid, conf);
}

/* attach [--config FILE|--no-config] PID, detach PID */
MSCTL_CMD_FN(attach)
{
	static const struct option opts[] = {
		MSCTL_CLI_COMMON_OPTS,
		{ "config", required_argument, NULL, 'c' },
		{ "no-config", no_argument, NULL, MSCTL_OPT_NO_CONFIG },
		{ NULL, 0, NULL, 0 },
	};
	bool attach = !strcmp(cmd->name, "attach"), opened, no_config = false;
	char path[PATH_MAX], msg[PATH_MAX + 64], conf_path[PATH_MAX];
	static struct msctl_config conf;
	const char *why, *given = NULL;
	int ret, pid, c;

	optind = 0;
	while ((c = getopt_long(argc, argv, MSCTL_CLI_COMMON_SHORT "c:", opts, NULL)) != -1) {
		if (c == 'c' || c == MSCTL_OPT_NO_CONFIG) {
			if (!attach)
				return msctl_cli_usage_err(cmd, "detach takes no configuration");
			if (c == 'c')
				given = optarg;
			else
				no_config = true;
			continue;
		}
		ret = msctl_cli_common_opt(c, argv, cmd);
		if (ret >= 0)
			return ret;
	}
	if (given && no_config)
		return msctl_cli_usage_err(cmd, "--config and --no-config together");
	if (argc - optind != 1)
		return msctl_cli_usage_err(cmd, "%s", argc - optind < 1 ?
					   "missing PID" : "too many arguments");
	ret = msctl_cli_get_pid(argv[optind], cmd, &pid);
	if (ret >= 0)
		return ret;
	conf_path[0] = '\0';
	if (attach) {
		attach_config_path(pid, given, no_config, conf_path, sizeof(conf_path));
		/* a bad file is refused before the VM is attached */
		if (conf_path[0] && msctl_config_load(conf_path, &conf))
			return EXIT_ERR;
	}
	if (msctl_sysfs_check_root())
		return EXIT_ERR;
	if (msctl_sysfs_path(path, sizeof(path), "%s", cmd->name)) {
		msctl_err("%s: path too long", msctl_sysfs_root);
		return EXIT_ERR;
	}
	ret = msctl_sysfs_writef(path, &opened, "%d\n", pid);
	if (!ret) {
		if (!attach)
			return EXIT_OK;
		attach_balloon_cid(pid);
		if (!conf_path[0])
			return EXIT_OK;
		if (msctl_config_apply(pid, &conf, cmd)) {
			attach_undo(pid, conf_path);
			return EXIT_ERR;
		}
		printf("config: %s applied (%zu setting%s)\n", conf_path, conf.nr,
		       conf.nr == 1 ? "" : "s");
		return EXIT_OK;
	}

	switch (-ret) {
	case EINVAL:
		why = attach ? "process has no KVM VM open" :
			"the kernel rejected the pid";
		break;
	case ESRCH:
		why = "no such process";
		break;
	case EEXIST:
		why = "already attached";
		break;
	case ENOENT:
		if (!opened) {
			snprintf(msg, sizeof(msg), "no %s; is memsched.ko loaded (or being unloaded)?",
				 path);
			why = msg;
		} else {
			why = attach ? strerror(-ret) : "not attached";
		}
		break;
	case EACCES:
	case EPERM:
		why = "permission denied; run as root";
		break;
	default:
		why = strerror(-ret);
	}
	msctl_err("%s %d: %s (%s)", cmd->name, pid, why, msctl_errno_name(-ret));
	return EXIT_ERR;
}

static void json_classes(struct msctl_json *j, const struct msctl_vm *vm)
{
	int i;

	msctl_json_obj_open(j, "classes");
	for (i = 0; i < MSCTL_NR_CLASSES; i++)
		msctl_json_u64(j, msctl_class_names[i], vm->class_pages[i]);
	msctl_json_obj_close(j);
}

/* list */
MSCTL_CMD_FN(list)
{
	struct msctl_json j;
	struct msctl_vm vm;
	int *pids = NULL, ret, c;
	size_t nr = 0, i;

	ret = msctl_cli_parse_plain(argc, argv, cmd, 0);
	if (ret >= 0)
		return ret;
	ret = EXIT_ERR;
	if (msctl_sysfs_check_root() || msctl_vm_list(&pids, &nr))
		goto cleanup;
	msctl_json_init(&j, stdout);
	if (msctl_cli_json) {
		msctl_json_obj_open(&j, NULL);
		msctl_json_arr_open(&j, "vms");
	} else {
		printf("%7s %10s %10s %10s %10s %10s %10s %10s\n", "PID",
		       "GUEST_MiB", "WSS_MiB", "KNEE_MiB", "ACTIVE_MiB",
		       "RIDLE_MiB", "IDLE_MiB", "NEVER_MiB");
	}
	for (i = 0; i < nr; i++) {
		ret = msctl_vm_load(pids[i], &vm);
		/* Detached while we were listing: not an error. */
		if (ret == -ENOENT && !msctl_vm_exists(pids[i]))
			continue;
		if (ret) {
			msctl_vm_report(ret, pids[i]);
			ret = EXIT_ERR;
			goto cleanup;
		}
		if (msctl_cli_json) {
			msctl_json_obj_open(&j, NULL);
			msctl_json_s64(&j, "pid", vm.pid);
			msctl_json_u64(&j, "guest_pages", vm.guest_pages);
			msctl_json_u64(&j, "wss_pages", vm.wss_pages);
			msctl_json_u64(&j, "mrc_knee_pages", vm.knee_pages);
			json_classes(&j, &vm);
			msctl_json_obj_close(&j);
			continue;
		}
		printf("%7d %10.1f %10.1f %10.1f", vm.pid,
		       msctl_fmt_mib(vm.guest_pages), msctl_fmt_mib(vm.wss_pages),
		       msctl_fmt_mib(vm.knee_pages));
		for (c = 0; c < MSCTL_NR_CLASSES; c++)
			printf(" %10.1f", msctl_fmt_mib(vm.class_pages[c]));
		putchar('\n');
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

/*
 * The inode of the memschedfs file that backs the VM's RAM (vms/<pid>/ram
 * links to ../../files/<ino>); 0 when there is none.
 */
u64 msctl_vm_ram_ino(int pid)
{
	char path[PATH_MAX], target[PATH_MAX], *base;
	ssize_t n;
	u64 ino;

	if (msctl_vm_path(path, sizeof(path), pid, "ram"))
		return 0;
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return 0;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	return msctl_sysfs_parse_u64(base, &ino) ? ino : 0;
}

static void print_ages(const struct msctl_vm *vm,
		       const struct msctl_age_bucket *b, size_t nr)
{
	u64 interval = vm->scan_interval_ms;
	char label[96], lo[32], hi[32];
	size_t i;

	printf("  age histogram (time since last access; scan interval %s s):\n",
	       msctl_fmt_secs(lo, sizeof(lo), interval));
	for (i = 0; i < nr; i++) {
		if (b[i].never)
			snprintf(label, sizeof(label), "never accessed");
		else if (b[i].min_scans >= MSCTL_AGE_LOG2_LAST_MIN)
			snprintf(label, sizeof(label), ">= %s s",
				 msctl_fmt_secs(lo, sizeof(lo), b[i].min_scans * interval));
		else
			snprintf(label, sizeof(label), "%s - %s s",
				 msctl_fmt_secs(lo, sizeof(lo), b[i].min_scans * interval),
				 msctl_fmt_secs(hi, sizeof(hi), (b[i].min_scans ?
						2 * b[i].min_scans : 1) * interval));
		printf("    %-20s %9.1f MiB %6.1f%%\n", label,
		       msctl_fmt_mib(b[i].pages),
		       msctl_fmt_pct(b[i].pages, vm->guest_pages));
	}
}

static void json_ents(struct msctl_json *j, const char *key,
		      const struct msctl_sysfs_ent *ents, size_t nr)
{
	size_t i;

	msctl_json_obj_open(j, key);
	for (i = 0; i < nr; i++)
		msctl_json_value(j, ents[i].name, ents[i].value);
	msctl_json_obj_close(j);
}

static void status_json(const struct msctl_vm *vm, u64 ram_ino,
			const struct msctl_age_bucket *ages, size_t nr_ages,
			const struct msctl_sysfs_ent *knobs, size_t nr_knobs,
			const struct msctl_sysfs_ent *stats, size_t nr_stats)
{
	struct msctl_json j;
	size_t i;

	msctl_json_init(&j, stdout);
	msctl_json_obj_open(&j, NULL);
	msctl_json_s64(&j, "pid", vm->pid);
	msctl_json_u64(&j, "guest_pages", vm->guest_pages);
	msctl_json_u64(&j, "sampled_pages", vm->sampled_pages);
	msctl_json_u64(&j, "wss_pages", vm->wss_pages);
	msctl_json_u64(&j, "mrc_knee_pages", vm->knee_pages);
	msctl_json_u64(&j, "last_scan_ns", vm->last_scan_ns);
	if (ram_ino)
		msctl_json_u64(&j, "ram_ino", ram_ino);
	else
		msctl_json_null(&j, "ram_ino");
	json_ents(&j, "knobs", knobs, nr_knobs);
	json_classes(&j, vm);
	msctl_json_arr_open(&j, "age_histogram");
	for (i = 0; i < nr_ages; i++) {
		msctl_json_obj_open(&j, NULL);
		if (ages[i].never)
			msctl_json_bool(&j, "never", true);
		else
			msctl_json_u64(&j, "min_age_scans", ages[i].min_scans);
		msctl_json_u64(&j, "pages", ages[i].pages);
		msctl_json_obj_close(&j);
	}
	msctl_json_arr_close(&j);
	json_ents(&j, "stats", stats, nr_stats);
	msctl_json_obj_close(&j);
	msctl_json_end(&j);
}

static void status_text(const struct msctl_vm *vm, u64 ram_ino,
			const struct msctl_age_bucket *ages, size_t nr_ages)
{
	char s1[32], s2[32], name[NAME_MAX + 1] = "", path[PATH_MAX];
	int i;

	printf("memsched VM %d\n", vm->pid);
	if (!vm->nr_scans)
		printf("  (no scan has completed yet: the estimates are empty)\n");
	printf("   guest memory: %.1f MiB (%llu pages)\n",
	       msctl_fmt_mib(vm->guest_pages), vm->guest_pages);
	if (ram_ino) {
		if (!msctl_sysfs_path(path, sizeof(path), "files/%llu/name", ram_ino))
			msctl_sysfs_read_line(path, name, sizeof(name));
		printf("      guest RAM: memschedfs file %s (inode %llu; '" PROG " fs show %llu')\n",
		       *name ? name : "?", ram_ino, ram_ino);
	}
	if (vm->granularity > 1)
		printf("  sampled pages: %llu (sample period %llu: one region of %llu pages in %llu; estimates in multiples of %llu pages)\n",
		       vm->sampled_pages, vm->sample_period, vm->granularity,
		       vm->period_effective, vm->granularity);
	else
		printf("  sampled pages: %llu (sample period %llu: 1 page in %llu)\n",
		       vm->sampled_pages, vm->sample_period,
		       vm->period_effective);
	printf("    working set: %.1f MiB (%.1f%% of guest; accessed in the last %llu scans = %s s)\n",
	       msctl_fmt_mib(vm->wss_pages),
	       msctl_fmt_pct(vm->wss_pages, vm->guest_pages), vm->wss_scans,
	       msctl_fmt_secs(s1, sizeof(s1), vm->wss_scans * vm->scan_interval_ms));
	printf("       MRC knee: %.1f MiB (%.1f%% of guest)\n",
	       msctl_fmt_mib(vm->knee_pages),
	       msctl_fmt_pct(vm->knee_pages, vm->guest_pages));

	msctl_fmt_secs(s1, sizeof(s1), vm->active_scans * vm->scan_interval_ms);
	msctl_fmt_secs(s2, sizeof(s2), vm->idle_scans * vm->scan_interval_ms);
	printf("  usage classes:\n");
	for (i = 0; i < MSCTL_NR_CLASSES; i++) {
		printf("    %-20s %9.1f MiB %6.1f%%", msctl_class_labels[i],
		       msctl_fmt_mib(vm->class_pages[i]),
		       msctl_fmt_pct(vm->class_pages[i], vm->guest_pages));
		switch (i) {
		case MSCTL_CLASS_ACTIVE:
			printf("   accessed < %s s ago\n", s1);
			break;
		case MSCTL_CLASS_RECENTLY_IDLE:
			printf("   accessed %s - %s s ago\n", s1, s2);
			break;
		case MSCTL_CLASS_IDLE:
			printf("   accessed >= %s s ago\n", s2);
			break;
		default:
			printf("   never seen accessed\n");
		}
	}

	print_ages(vm, ages, nr_ages);

	printf("  scan stats:\n");
	printf("    scans            %llu (%llu truncated by the %llu ms CPU quota)\n",
	       vm->nr_scans, vm->nr_truncated_scans, vm->cpu_quota_ms);
	printf("    pages scanned    %llu", vm->nr_pages_scanned);
	if (vm->nr_pages_scanned)
		printf(" (avg %.1f ns per page)\n",
		       (double)vm->nr_scan_ns / (double)vm->nr_pages_scanned);
	else
		putchar('\n');
	printf("    last scan        %.3f ms\n", vm->last_scan_ns / 1e6);
	printf("    young pages      %llu\n", vm->nr_young_pages);
	printf("    rebuilds         %llu\n", vm->nr_rebuilds);
	printf("    invalidations    %llu\n", vm->nr_invalidations);
	printf("    knob conflicts   %llu%s\n", vm->nr_knob_conflicts,
	       vm->active_scans >= vm->idle_scans ?
	       " (now: active_scans >= idle_scans, the classes are not updated)" : "");
}

/* status PID */
MSCTL_CMD_FN(status)
{
	struct msctl_age_bucket ages[MSCTL_MAX_AGE_BUCKETS];
	struct msctl_sysfs_ent *knobs = NULL, *stats = NULL;
	size_t nr_ages, nr_knobs = 0, nr_stats = 0;
	struct msctl_vm vm;
	int ret, pid;

	ret = msctl_cli_vm_arg(argc, argv, cmd, 1, &pid, NULL, NULL);
	if (ret >= 0)
		return ret;
	ret = msctl_vm_load(pid, &vm);
	if (!ret)
		ret = msctl_vm_load_ages(pid, ages, MSCTL_MAX_AGE_BUCKETS, &nr_ages);
	if (!ret && msctl_cli_json)
		ret = msctl_vm_knobs(pid, &knobs, &nr_knobs);
	if (!ret && msctl_cli_json)
		ret = msctl_vm_counters(pid, "stats", &stats, &nr_stats);
	if (ret) {
		msctl_vm_report(ret, pid);
		ret = EXIT_ERR;
		goto cleanup;
	}
	if (msctl_cli_json)
		status_json(&vm, msctl_vm_ram_ino(pid), ages, nr_ages, knobs, nr_knobs,
			    stats, nr_stats);
	else
		status_text(&vm, msctl_vm_ram_ino(pid), ages, nr_ages);
	ret = EXIT_OK;
cleanup:
	free(knobs);
	free(stats);
	return ret;
}

/* knobs PID */
MSCTL_CMD_FN(knobs)
{
	struct msctl_sysfs_ent *knobs = NULL;
	struct msctl_json j;
	size_t nr = 0, i;
	int ret, pid;

	ret = msctl_cli_vm_arg(argc, argv, cmd, 1, &pid, NULL, NULL);
	if (ret >= 0)
		return ret;
	ret = msctl_vm_knobs(pid, &knobs, &nr);
	if (ret) {
		msctl_vm_report(ret, pid);
		return EXIT_ERR;
	}
	if (msctl_cli_json) {
		msctl_json_init(&j, stdout);
		msctl_json_obj_open(&j, NULL);
		msctl_json_s64(&j, "pid", pid);
		json_ents(&j, "knobs", knobs, nr);
		msctl_json_obj_close(&j);
		msctl_json_end(&j);
	} else {
		printf("%-24s %s\n", "KNOB", "VALUE");
		for (i = 0; i < nr; i++)
			printf("%-24s %s\n", knobs[i].name, knobs[i].value);
	}
	free(knobs);
	return EXIT_OK;
}

/*
 * active_scans and idle_scans are checked when a scan uses them, not when
 * they are written: say so when the pair conflicts after a write.
 */
static void warn_knob_conflict(int pid)
{
	u64 active, idle;

	if (msctl_vm_read_u64(pid, "active_scans", &active) ||
	    msctl_vm_read_u64(pid, "idle_scans", &idle) || active < idle)
		return;
	msctl_err("warning: VM %d: active_scans %llu >= idle_scans %llu: scans leave the usage classes as they are (stats/nr_knob_conflicts) until active_scans < idle_scans",
		  pid, active, idle);
}

/* set's VALUE, @ops[1], in *@v */
static int set_value(char **ops, const struct msctl_cmd *cmd, void *v)
{
	if (!msctl_cli_parse_u64(ops[1], v))
		return msctl_cli_usage_err(cmd, "invalid VALUE '%s': want a non-negative integer",
					   ops[1]);
	return -1;
}

/* set PID KNOB VALUE */
MSCTL_CMD_FN(set)
{
	struct msctl_sysfs_ent *knobs = NULL;
	char path[PATH_MAX], owner[96];
	const char *knob;
	size_t nr = 0;
	bool opened;
	int ret, pid;
	u64 v;

	ret = msctl_cli_vm_arg(argc, argv, cmd, 3, &pid, set_value, &v);
	if (ret >= 0)
		return ret;
	knob = argv[optind + 1];
	ret = msctl_vm_knobs(pid, &knobs, &nr);
	if (ret) {
		msctl_vm_report(ret, pid);
		return EXIT_ERR;
	}
	snprintf(owner, sizeof(owner), "VM %d ('" PROG " knobs %d')", pid, pid);
	if (!msctl_sysfs_knob_known(knobs, nr, knob, "set", owner)) {
		free(knobs);
		return EXIT_ERR;
	}
	free(knobs);
	if (msctl_vm_path(path, sizeof(path), pid, knob)) {
		msctl_err("%s: path too long", msctl_sysfs_root);
		return EXIT_ERR;
	}
	ret = msctl_sysfs_writef(path, &opened, "%llu\n", v);
	if (!ret) {
		if (!strcmp(knob, "active_scans") || !strcmp(knob, "idle_scans"))
			warn_knob_conflict(pid);
		return EXIT_OK;
	}

	if (ret == -EINVAL) {
		msctl_err("set %d %s %llu: the kernel rejected the value (EINVAL); 'dmesg | tail' shows the accepted range",
			  pid, knob, v);
	} else if (ret == -ENOENT && !msctl_vm_exists(pid)) {
		msctl_err("set %d %s: pid %d is not attached (any more)", pid,
			  knob, pid);
	} else if (ret == -ENOENT) {
		msctl_err("set %d %s: %s: no such file; does the module's sysfs ABI match version %d? (ENOENT)",
			  pid, knob, path, MEMSCHED_ABI_VERSION);
	} else if (ret == -ENODEV) {
		msctl_err("set %d %s: the VM is being detached (ENODEV)", pid, knob);
	} else if (ret == -EACCES || ret == -EPERM) {
		msctl_err("set %d %s: permission denied; run as root (%s)", pid,
			  knob, msctl_errno_name(-ret));
	} else {
		msctl_err("set %d %s %llu: %s (%s)", pid, knob, v, strerror(-ret),
			  msctl_errno_name(-ret));
	}
	return EXIT_ERR;
}

static void mrc_json(const struct msctl_vm *vm, const struct msctl_mrc *m)
{
	struct msctl_json j;
	size_t i;

	msctl_json_init(&j, stdout);
	msctl_json_obj_open(&j, NULL);
	msctl_json_s64(&j, "pid", vm->pid);
	msctl_json_u64(&j, "guest_pages", vm->guest_pages);
	msctl_json_u64(&j, "wss_pages", vm->wss_pages);
	msctl_json_u64(&j, "mrc_knee_pages", vm->knee_pages);
	msctl_json_arr_open(&j, "points");
	for (i = 0; i < m->nr; i++) {
		msctl_json_obj_open(&j, NULL);
		msctl_json_u64(&j, "pages", m->pages[i]);
		msctl_json_u64(&j, "miss_ppm", m->ppm[i]);
		msctl_json_obj_close(&j);
	}
	msctl_json_arr_close(&j);
	msctl_json_obj_close(&j);
	msctl_json_end(&j);
}

/* mrc's options: --csv (*@csv) or --json */
static int mrc_check(char **ops, const struct msctl_cmd *cmd, void *csv)
{
	(void)ops;
	if (*(bool *)csv && msctl_cli_json)
		return msctl_cli_usage_err(cmd, "--csv and --json: choose one");
	return -1;
}

/* mrc PID [--width N] [--height M] [--csv] */
MSCTL_CMD_FN(mrc)
{
	static const struct option opts[] = {
		MSCTL_CLI_COMMON_OPTS,
		{ "width", required_argument, NULL, MSCTL_OPT_WIDTH },
		{ "height", required_argument, NULL, MSCTL_OPT_HEIGHT },
		{ "csv", no_argument, NULL, MSCTL_OPT_CSV },
		{ NULL, 0, NULL, 0 },
	};
	int c, ret, err, pid;
	int width = MSCTL_MRC_DEF_WIDTH, height = MSCTL_MRC_DEF_HEIGHT;
	struct msctl_mrc m = { 0 };
	struct msctl_vm vm;
	bool csv = false;
	u64 v;

	optind = 0;
	while ((c = getopt_long(argc, argv, MSCTL_CLI_COMMON_SHORT, opts, NULL)) != -1) {
		switch (c) {
		case MSCTL_OPT_WIDTH:
			if (!msctl_cli_parse_u64(optarg, &v) || v < MSCTL_MRC_MIN_WIDTH ||
			    v > MSCTL_MRC_MAX_WIDTH)
				return msctl_cli_usage_err(cmd, "--width wants a number from %d to %d",
							   MSCTL_MRC_MIN_WIDTH, MSCTL_MRC_MAX_WIDTH);
			width = (int)v;
			break;
		case MSCTL_OPT_HEIGHT:
			if (!msctl_cli_parse_u64(optarg, &v) || v < MSCTL_MRC_MIN_HEIGHT ||
			    v > MSCTL_MRC_MAX_HEIGHT)
				return msctl_cli_usage_err(cmd, "--height wants a number from %d to %d",
							   MSCTL_MRC_MIN_HEIGHT, MSCTL_MRC_MAX_HEIGHT);
			height = (int)v;
			break;
		case MSCTL_OPT_CSV:
			csv = true;
			break;
		default:
			ret = msctl_cli_common_opt(c, argv, cmd);
			if (ret >= 0)
				return ret;
		}
	}
	ret = msctl_cli_vm_arg(argc, argv, cmd, MSCTL_CLI_OPTS_PARSED, &pid,
			       mrc_check, &csv);
	if (ret >= 0)
		return ret;

	ret = EXIT_ERR;
	err = msctl_vm_load(pid, &vm);
	if (!err)
		err = msctl_vm_load_mrc(pid, &m);
	if (err) {
		msctl_vm_report(err, pid);
		goto cleanup;
	}
	if (!m.nr) {
		msctl_err("mrc %d: no miss-rate curve yet (no sampling state; see '" PROG " status %d')",
			  pid, pid);
		goto cleanup;
	}
	if (msctl_cli_json) {
		mrc_json(&vm, &m);
	} else if (csv) {
		msctl_plot_mrc_csv(&m);
	} else {
		if (!vm.guest_pages) {
			msctl_err("mrc %d: the guest has no memory to plot", pid);
			goto cleanup;
		}
		if (msctl_plot_mrc(&vm, &m, width, height))
			goto cleanup;
	}
	ret = EXIT_OK;
cleanup:
	msctl_mrc_free(&m);
	return ret;
}

static void sleep_secs(double secs)
{
	struct timespec ts;

	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void watch_json(const struct msctl_vm *vm, time_t now, bool first,
		       u64 young_delta)
{
	struct msctl_json j;

	msctl_json_init(&j, stdout);
	msctl_json_obj_open(&j, NULL);
	msctl_json_s64(&j, "time_unix_s", (s64)now);
	msctl_json_u64(&j, "wss_pages", vm->wss_pages);
	msctl_json_u64(&j, "mrc_knee_pages", vm->knee_pages);
	msctl_json_u64(&j, "active_pages", vm->class_pages[MSCTL_CLASS_ACTIVE]);
	msctl_json_u64(&j, "idle_pages", vm->class_pages[MSCTL_CLASS_IDLE]);
	msctl_json_u64(&j, "nr_scans", vm->nr_scans);
	if (first)
		msctl_json_null(&j, "young_pages_delta");
	else
		msctl_json_u64(&j, "young_pages_delta", young_delta);
	msctl_json_obj_close(&j);
	msctl_json_end(&j);
}

/* watch PID [-i SECONDS] [-n COUNT] */
MSCTL_CMD_FN(watch)
{
	static const struct option opts[] = {
		MSCTL_CLI_COMMON_OPTS,
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	u64 count = 0, n, prev_young = 0, delta;
	double interval = 1.0;
	struct msctl_vm vm;
	char when[16];
	int c, ret, pid;
	time_t now;

	optind = 0;
	while ((c = getopt_long(argc, argv, MSCTL_CLI_COMMON_SHORT "i:n:", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (!msctl_cli_parse_secs(optarg, &interval))
				return msctl_cli_usage_err(cmd, "-i wants seconds, more than 0 and at most 86400");
			break;
		case 'n':
			if (!msctl_cli_parse_u64(optarg, &count) || !count)
				return msctl_cli_usage_err(cmd, "-n wants a positive count");
			break;
		default:
			ret = msctl_cli_common_opt(c, argv, cmd);
			if (ret >= 0)
				return ret;
		}
	}
	ret = msctl_cli_vm_arg(argc, argv, cmd, MSCTL_CLI_OPTS_PARSED, &pid,
			       NULL, NULL);
	if (ret >= 0)
		return ret;

	if (!msctl_cli_json)
		printf("%-8s %10s %10s %10s %10s %10s %12s\n", "TIME", "WSS_MiB",
		       "KNEE_MiB", "ACTIVE_MiB", "IDLE_MiB", "SCANS", "YOUNG_DELTA");
	for (n = 0; !count || n < count; n++) {
		if (n)
			sleep_secs(interval);
		ret = msctl_vm_load(pid, &vm);
		if (ret) {
			msctl_vm_report(ret, pid);
			return EXIT_ERR;
		}
		now = time(NULL);
		/* A reset zeroes the counters: show the new count then. */
		delta = vm.nr_young_pages >= prev_young ?
			vm.nr_young_pages - prev_young : vm.nr_young_pages;
		prev_young = vm.nr_young_pages;
		if (msctl_cli_json) {
			watch_json(&vm, now, !n, delta);
			continue;
		}
		strftime(when, sizeof(when), "%H:%M:%S", localtime(&now));
		printf("%-8s %10.1f %10.1f %10.1f %10.1f %10llu ", when,
		       msctl_fmt_mib(vm.wss_pages), msctl_fmt_mib(vm.knee_pages),
		       msctl_fmt_mib(vm.class_pages[MSCTL_CLASS_ACTIVE]),
		       msctl_fmt_mib(vm.class_pages[MSCTL_CLASS_IDLE]), vm.nr_scans);
		if (!n)
			printf("%12s\n", "-");
		else
			printf("%12llu\n", delta);
		fflush(stdout);
	}
	return EXIT_OK;
}
