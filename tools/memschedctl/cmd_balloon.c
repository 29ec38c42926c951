// SPDX-License-Identifier: GPL-2.0
/*
 * memschedctl: the balloon commands: balloon (the host's listener, or a
 * VM's balloon: show, target, cid, stats) and transfer.
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

/* The single values of vms/<pid>/balloon/ that balloon PID shows. */
enum {
	B_CONNECTED,
	B_CID,
	B_GUEST_REPORTED,
	B_TARGET,
	B_ACTUAL,
	B_PENDING,
	B_LATENCY,
	B_INFLATED,
	B_DEFLATED,
	B_RELEASED,
	B_RELEASE_SKIPPED,
	B_REJECTS,
	B_CONNECTS,
	B_MESSAGES,
	NR_B,
};

static const char *const balloon_files[NR_B] = {
	[B_CONNECTED] = "connected",
	[B_CID] = "cid",
	[B_GUEST_REPORTED] = "guest_reported_pages",
	[B_TARGET] = "target_pages",
	[B_ACTUAL] = "actual_pages",
	[B_PENDING] = "target_pending",
	[B_LATENCY] = "latency_us",
	[B_INFLATED] = "stats/nr_inflated_pages",
	[B_DEFLATED] = "stats/nr_deflated_pages",
	[B_RELEASED] = "stats/nr_released_pages",
	[B_RELEASE_SKIPPED] = "stats/nr_release_skipped_pages",
	[B_REJECTS] = "stats/nr_rejects",
	[B_CONNECTS] = "stats/nr_connects",
	[B_MESSAGES] = "stats/nr_messages",
};

/* Writes @val to a VM file; says what went wrong. */
static int vm_write(int pid, const char *file, const char *val,
		    const char *what)
{
	char path[PATH_MAX];
	bool opened;
	int ret;

	if (msctl_vm_path(path, sizeof(path), pid, file)) {
		msctl_err("%s: path too long", msctl_sysfs_root);
		return EXIT_ERR;
	}
	ret = msctl_sysfs_write(path, val, &opened);
	if (!ret)
		return EXIT_OK;
	if (ret == -ENOENT && !msctl_vm_exists(pid))
		msctl_err("%s: pid %d is not attached", what, pid);
	else if (ret == -EINVAL)
		msctl_err("%s: the kernel rejected the value (EINVAL); 'dmesg | tail' says what is accepted",
			  what);
	else if (ret == -EEXIST)
		msctl_err("%s: another VM has that CID (EEXIST)", what);
	else if (ret == -ENOTCONN)
		msctl_err("%s: no balloon driver is connected from the guest (ENOTCONN)",
			  what);
	else
		msctl_err("%s: %s (%s)", what, strerror(-ret), msctl_errno_name(-ret));
	return EXIT_ERR;
}

/*
 * A "name value" table (guest_stats, guest_classes): printed indented
 * (bytes in MiB), or as a JSON object. A file that cannot be read is
 * skipped (the guest may not have sent it yet).
 */
static void kv_table(int pid, const char *file, struct msctl_json *j)
{
	char path[PATH_MAX], *buf = NULL, *line, *save = NULL, name[64];
	size_t len = 0;
	u64 v;

	if (j)
		msctl_json_obj_open(j, strchr(file, '/') + 1);
	if (msctl_vm_path(path, sizeof(path), pid, file) ||
	    msctl_sysfs_slurp(path, &buf, &len))
		goto out;
	if (!len && !j)
		printf("    (none reported yet)\n");
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%63s %llu", name, &v) != 2)
			continue;
		if (j)
			msctl_json_u64(j, name, v);
		else if (strstr(name, "_bytes"))
			printf("    %-22s %10.1f MiB\n", name, v / 1048576.0);
		else
			printf("    %-22s %12llu\n", name, v);
	}
out:
	if (j)
		msctl_json_obj_close(j);
	free(buf);
}

/* stats_age_ms: -1 (never) reads as *@never. */
static int read_stats_age(int pid, u64 *ms, bool *never)
{
	char path[PATH_MAX], line[32];
	int ret;

	ret = msctl_vm_path(path, sizeof(path), pid, "balloon/stats_age_ms");
	if (!ret)
		ret = msctl_sysfs_read_line(path, line, sizeof(line));
	if (ret)
		return ret;
	*never = !strcmp(line, "-1");
	if (!*never && !msctl_sysfs_parse_u64(line, ms))
		return -EBADMSG;
	return 0;
}

static void balloon_json(int pid, const u64 *v, u64 age_ms, bool never)
{
	struct msctl_json j;
	int i;

	msctl_json_init(&j, stdout);
	msctl_json_obj_open(&j, NULL);
	msctl_json_s64(&j, "pid", pid);
	for (i = 0; i < NR_B; i++)
		if (!strchr(balloon_files[i], '/'))
			msctl_json_u64(&j, balloon_files[i], v[i]);
	if (never)
		msctl_json_null(&j, "stats_age_ms");
	else
		msctl_json_u64(&j, "stats_age_ms", age_ms);
	msctl_json_obj_open(&j, "stats");
	for (i = 0; i < NR_B; i++)
		if (strchr(balloon_files[i], '/'))
			msctl_json_u64(&j, strchr(balloon_files[i], '/') + 1, v[i]);
	msctl_json_obj_close(&j);
	kv_table(pid, "balloon/guest_stats", &j);
	kv_table(pid, "balloon/guest_classes", &j);
	msctl_json_obj_close(&j);
	msctl_json_end(&j);
}

static void balloon_text(int pid, const u64 *v, u64 age_ms, bool never)
{
	printf("VM %d balloon:\n", pid);
	printf("  guest channel    %s (vsock CID %llu)\n",
	       v[B_CONNECTED] ? "connected" : "not connected", v[B_CID]);
	printf("  guest memory     %.1f MiB (as the guest reported it)\n",
	       msctl_fmt_mib(v[B_GUEST_REPORTED]));
	printf("  target           %.1f MiB%s\n", msctl_fmt_mib(v[B_TARGET]),
	       v[B_PENDING] ? " (guest not there yet)" : "");
	printf("  ballooned now    %.1f MiB\n", msctl_fmt_mib(v[B_ACTUAL]));
	printf("  last target took %.3f s\n", v[B_LATENCY] / 1e6);
	printf("  inflated/deflated %.1f / %.1f MiB since attach\n",
	       msctl_fmt_mib(v[B_INFLATED]), msctl_fmt_mib(v[B_DEFLATED]));
	printf("  host memory released for %.1f MiB, kept for %.1f MiB\n",
	       msctl_fmt_mib(v[B_RELEASED]), msctl_fmt_mib(v[B_RELEASE_SKIPPED]));
	printf("  messages %llu, rejected %llu, connections %llu\n",
	       v[B_MESSAGES], v[B_REJECTS], v[B_CONNECTS]);
	if (never)
		printf("  guest stats: never received\n");
	else
		printf("  guest stats (%.1f s old):\n", age_ms / 1000.0);
	kv_table(pid, "balloon/guest_stats", NULL);
	printf("  guest usage classes:\n");
	kv_table(pid, "balloon/guest_classes", NULL);
}

static int balloon_show(int pid)
{
	u64 v[NR_B], age_ms = 0;
	char file[64];
	bool never = true;
	int ret = 0, i;

	for (i = 0; !ret && i < NR_B; i++) {
		snprintf(file, sizeof(file), "balloon/%s", balloon_files[i]);
		ret = msctl_vm_read_u64(pid, file, &v[i]);
	}
	if (!ret)
		ret = read_stats_age(pid, &age_ms, &never);
	if (ret) {
		msctl_vm_report(ret, pid);
		return EXIT_ERR;
	}
	if (msctl_cli_json)
		balloon_json(pid, v, age_ms, never);
	else
		balloon_text(pid, v, age_ms, never);
	return EXIT_OK;
}

/* The host's listener: balloon/listening, channels and its counters. */
static int balloon_host(void)
{
	static const char *const files[] = {
		"listening", "channels", "stats/nr_unmatched", "stats/nr_rejects",
	};
	u64 v[ARRAY_SIZE(files)];
	char path[PATH_MAX];
	struct msctl_json j;
	size_t i;
	int ret = 0;

	if (msctl_sysfs_check_root())
		return EXIT_ERR;
	for (i = 0; !ret && i < ARRAY_SIZE(files); i++) {
		ret = msctl_sysfs_path(path, sizeof(path), "balloon/%s", files[i]);
		if (!ret)
			ret = msctl_sysfs_read_u64(path, &v[i]);
	}
	if (ret) {
		msctl_sysfs_report(ret);
		return EXIT_ERR;
	}
	if (msctl_cli_json) {
		msctl_json_init(&j, stdout);
		msctl_json_obj_open(&j, NULL);
		msctl_json_bool(&j, "listening", v[0]);
		msctl_json_u64(&j, "channels", v[1]);
		msctl_json_obj_open(&j, "stats");
		msctl_json_u64(&j, "nr_unmatched", v[2]);
		msctl_json_u64(&j, "nr_rejects", v[3]);
		msctl_json_obj_close(&j);
		msctl_json_obj_close(&j);
		msctl_json_end(&j);
		return EXIT_OK;
	}
	printf("balloon listener: %s\n", v[0] ?
	       "listening on AF_VSOCK (module parameter balloon_port)" :
	       "not listening (no AF_VSOCK at load: modprobe vhost_vsock, reload memsched)");
	printf("  channels open now         %llu\n", v[1]);
	printf("  unmatched connections     %llu (no VM has the peer's CID)\n", v[2]);
	printf("  rejected messages         %llu\n", v[3]);
	return EXIT_OK;
}

/* balloon [PID [target MIB | cid CID | stats]] */
MSCTL_CMD_FN(balloon)
{
	int ret, pid, nargs;
	char val[32];
	u64 n;

	ret = msctl_cli_parse_plain(argc, argv, cmd, -1);
	if (ret >= 0)
		return ret;
	nargs = argc - optind;
	if (nargs > 3 || (nargs == 2 && strcmp(argv[optind + 1], "stats")))
		return msctl_cli_usage_err(cmd, "want nothing, PID, PID target MIB, PID cid CID or PID stats");
	if (!nargs)
		return balloon_host();
	ret = msctl_cli_get_pid(argv[optind], cmd, &pid);
	if (ret >= 0)
		return ret;
	if (nargs > 1 && msctl_cli_json)
		return msctl_cli_usage_err(cmd, "--json is for showing the balloon");
	if (nargs == 3 && strcmp(argv[optind + 1], "target") &&
	    strcmp(argv[optind + 1], "cid"))
		return msctl_cli_usage_err(cmd, "unknown balloon action '%s'", argv[optind + 1]);
	if (nargs == 3 && (!msctl_cli_parse_u64(argv[optind + 2], &n) ||
			   n > (1ULL << 40)))
		return msctl_cli_usage_err(cmd, "invalid %s '%s'",
					   argv[optind + 1][0] == 't' ? "MIB" : "CID",
					   argv[optind + 2]);
	if (msctl_vm_check(pid))
		return EXIT_ERR;
	if (nargs == 3 && !strcmp(argv[optind + 1], "target")) {
		snprintf(val, sizeof(val), "%llu\n", n * PAGES_PER_MIB);
		return vm_write(pid, "balloon/target_pages", val, "balloon target");
	}
	if (nargs == 3) {
		snprintf(val, sizeof(val), "%llu\n", n);
		return vm_write(pid, "balloon/cid", val, "balloon cid");
	}
	if (nargs == 2)
		return vm_write(pid, "balloon/request_stats", "1\n",
				"balloon stats request");
	return balloon_show(pid);
}

/* transfer FROM TO MIB */
MSCTL_CMD_FN(transfer)
{
	char path[PATH_MAX];
	int ret, from, to;
	bool opened;
	u64 mib;

	ret = msctl_cli_parse_plain(argc, argv, cmd, 3);
	if (ret < 0)
		ret = msctl_cli_get_pid(argv[optind], cmd, &from);
	if (ret < 0)
		ret = msctl_cli_get_pid(argv[optind + 1], cmd, &to);
	if (ret >= 0)
		return ret;
	if (!msctl_cli_parse_u64(argv[optind + 2], &mib) || !mib || mib > (1ULL << 40))
		return msctl_cli_usage_err(cmd, "invalid MIB '%s': want a positive integer",
					   argv[optind + 2]);
	if (msctl_sysfs_check_root())
		return EXIT_ERR;
	if (msctl_sysfs_path(path, sizeof(path), "balloon/transfer")) {
		msctl_err("%s: path too long", msctl_sysfs_root);
		return EXIT_ERR;
	}
	ret = msctl_sysfs_writef(path, &opened, "%d %d %llu\n", from, to,
				 mib * PAGES_PER_MIB);
	if (!ret) {
		printf("moved up to %llu MiB from VM %d to VM %d ('dmesg | tail' has the exact amount)\n",
		       mib, from, to);
		return EXIT_OK;
	}
	msctl_err("transfer %d -> %d: %s (%s); 'dmesg | tail' says why", from, to,
		  ret == -ENOENT ? "a pid is not attached" :
		  ret == -ENOTCONN ? "a guest has no connected balloon driver" :
		  ret == -EAGAIN ? "the giving guest released nothing in time" :
		  strerror(-ret), msctl_errno_name(-ret));
	return EXIT_ERR;
}

/*
 * A size as virsh setmem takes it, in bytes: a decimal number in KiB, or
 * with a unit (any case): b/bytes, k/KiB, KB (1000), M/MiB, MB, G/GiB, GB,
 * T/TiB, TB.
 */
static bool parse_virsh_size(const char *s, u64 *bytes)
{
	static const struct msctl_cli_unit units[] = {
		{ "", 1ULL << 10 }, { "b", 1 }, { "bytes", 1 },
		{ "k", 1ULL << 10 }, { "kib", 1ULL << 10 }, { "kb", 1000 },
		{ "m", 1ULL << 20 }, { "mib", 1ULL << 20 }, { "mb", 1000000 },
		{ "g", 1ULL << 30 }, { "gib", 1ULL << 30 }, { "gb", 1000000000 },
		{ "t", 1ULL << 40 }, { "tib", 1ULL << 40 }, { "tb", 1000000000000ULL },
	};

	return msctl_cli_parse_units(s, units, ARRAY_SIZE(units), bytes);
}

/* setmem's SIZE, @ops[0], in bytes, *@bytes */
static int setmem_size(char **ops, const struct msctl_cmd *cmd, void *bytes)
{
	if (!parse_virsh_size(ops[0], bytes) || !*(u64 *)bytes)
		return msctl_cli_usage_err(cmd, "invalid SIZE '%s': want a positive integer in KiB, or with a unit (b, K, KiB, KB, M, MiB, MB, G, GiB, GB, T, TiB, TB)",
					   ops[0]);
	return -1;
}

/* setmem PID SIZE: the guest keeps SIZE; the balloon takes the rest. */
MSCTL_CMD_FN(setmem)
{
	u64 bytes, keep, guest;
	char val[32];
	int ret, pid;

	ret = msctl_cli_vm_arg(argc, argv, cmd, 2, &pid, setmem_size, &bytes);
	if (ret >= 0)
		return ret;
	ret = msctl_vm_read_u64(pid, "guest_pages", &guest);
	if (ret) {
		msctl_vm_report(ret, pid);
		return EXIT_ERR;
	}
	/*
	 * what the guest keeps, rounded up to a whole 4 KiB page (not as
	 * (bytes + 4095) / 4096: that wraps from 2^64 - 4095 bytes)
	 */
	keep = bytes / 4096 + !!(bytes % 4096);
	if (keep > guest) {
		msctl_err("setmem %d: %llu KiB is more than the guest's memory, %llu KiB",
			  pid, bytes / 1024 + !!(bytes % 1024), guest * 4);
		return EXIT_ERR;
	}
	snprintf(val, sizeof(val), "%llu\n", guest - keep);
	ret = vm_write(pid, "balloon/target_pages", val, "setmem");
	if (!ret)
		printf("VM %d: the guest keeps %.1f MiB of %.1f MiB (balloon target %.1f MiB)\n",
		       pid, msctl_fmt_mib(keep), msctl_fmt_mib(guest),
		       msctl_fmt_mib(guest - keep));
	return ret;
}

/* A "name value" line of balloon/guest_stats, in *@v; false if absent. */
static bool guest_stat(const char *buf, const char *name, u64 *v)
{
	size_t n = strlen(name);
	const char *p;

	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, name, n) && p[n] == ' ')
			return sscanf(p + n + 1, "%llu", v) == 1;
	return false;
}

/* The QEMU's resident set in KiB (VmRSS of /proc/PID/status). */
static bool qemu_rss_kib(int pid, u64 *kib)
{
	char path[64], *buf, *p;
	size_t len;
	bool ok = false;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (msctl_sysfs_slurp(path, &buf, &len))
		return false;
	p = strstr(buf, "\nVmRSS:");
	if (p)
		ok = sscanf(p + 7, "%llu", kib) == 1;
	free(buf);
	return ok;
}

/*
 * dommemstat PID: the balloon's values under virsh dommemstat's names, in
 * KiB (faults as counts). A name without data here is left out, as virsh
 * leaves out what the guest did not report.
 */
MSCTL_CMD_FN(dommemstat)
{
	static const struct {
		const char *name;	/* virsh's */
		const char *stat;	/* balloon/guest_stats' */
		bool bytes;
	} map[] = {
		{ "swap_in", "swap_in_bytes", true },
		{ "swap_out", "swap_out_bytes", true },
		{ "major_fault", "major_faults", false },
		{ "minor_fault", "minor_faults", false },
		{ "unused", "free_bytes", true },
		{ "available", "total_bytes", true },
		{ "usable", "available_bytes", true },
		{ "disk_caches", "caches_bytes", true },
	};
	char path[PATH_MAX], *buf = NULL;
	u64 guest, ballooned, v, age_ms = 0;
	struct msctl_json j;
	bool never = true;
	size_t len = 0, i;
	int ret, pid;

	ret = msctl_cli_vm_arg(argc, argv, cmd, 1, &pid, NULL, NULL);
	if (ret >= 0)
		return ret;
	ret = msctl_vm_read_u64(pid, "guest_pages", &guest);
	if (!ret)
		ret = msctl_vm_read_u64(pid, "balloon/actual_pages", &ballooned);
	if (!ret)
		ret = read_stats_age(pid, &age_ms, &never);
	if (ret) {
		msctl_vm_report(ret, pid);
		return EXIT_ERR;
	}
	if (!msctl_vm_path(path, sizeof(path), pid, "balloon/guest_stats"))
		msctl_sysfs_slurp(path, &buf, &len);
	if (msctl_cli_json) {
		msctl_json_init(&j, stdout);
		msctl_json_obj_open(&j, NULL);
	}
#define DMS(name, val) do {						\
		if (msctl_cli_json)					\
			msctl_json_u64(&j, name, val);			\
		else							\
			printf("%s %llu\n", name, (u64)(val));		\
	} while (0)
	for (i = 0; buf && !never && i < ARRAY_SIZE(map); i++)
		if (guest_stat(buf, map[i].stat, &v))
			DMS(map[i].name, map[i].bytes ? v / 1024 : v);
	DMS("actual", (guest - (ballooned < guest ? ballooned : guest)) * 4);
	if (!never)
		DMS("last_update_age_ms", age_ms);
	if (qemu_rss_kib(pid, &v))
		DMS("rss", v);
#undef DMS
	if (msctl_cli_json) {
		msctl_json_obj_close(&j);
		msctl_json_end(&j);
	}
	free(buf);
	return EXIT_OK;
}
