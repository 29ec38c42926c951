// SPDX-License-Identifier: GPL-2.0
/*
 * memschedctl: the replication command. rdma_failover.ko pushes
 * the pages of a memschedfs file to a standby host every epoch; its tree is
 * /sys/kernel/rdma_failover (Documentation/ABI/testing/
 * sysfs-kernel-rdma_failover), one replicas/<name>/ per replicated file.
 *
 * "repl" lists the replicas, "repl NAME" shows one; "repl add PATH",
 * "repl remove NAME", "repl set NAME KNOB VALUE" and
 * "repl start|stop|promote|reconnect|pull NAME" write the control files and
 * put the kernel's errno in words, with the replica's role and state.
 *
 * Roles: primary and standby (push replication, every epoch), source and
 * recovery (pull recovery: the source keeps a baseline image on shared
 * storage and a bitmap of the pages written since; the recovery host's
 * pull fills its file from the baseline and RDMA READs those pages).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>

#include <uapi/memsched.h>

#include "cmds.h"
#include "fmt.h"
#include "json.h"
#include "sysfs.h"

#define REPL_WORD_LEN		32
#define REPL_PEER_LEN		64

/* What repl and repl NAME say of a replica: replicas/<name>/. */
struct repl {
	char name[NAME_MAX + 1];
	char path[PATH_MAX];
	char role[REPL_WORD_LEN];
	char peer[REPL_PEER_LEN];
	char state[REPL_WORD_LEN];
	u64 epoch;
	u64 epoch_cut_ns;	/* standby: the primary's CLOCK_REALTIME at the cut; 0: none */
	struct msctl_sysfs_ent *knobs, *stats;
	struct msctl_sysfs_ent *gauges;	/* replicas/<name>/'s read-only values: last_*, dirty_pages, ... */
	size_t nr_knobs, nr_stats, nr_gauges;
};

/* The knobs the ABI documents, and what the kernel accepts, for messages. */
static const struct {
	const char *knob;
	const char *accepted;
} knob_ranges[] = {
	{ "role", "primary or standby (push replication), source or recovery (pull recovery), while the replica is stopped" },
	{ "peer", "IPV4:PORT (primary: the standby's address, e.g. 192.168.1.2:7471; standby and source: the address to listen on; recovery: the source's), or empty, while the replica is stopped" },
	{ "source", "IPV4, the address a primary or recovery replica connects from, or empty for any, while the replica is stopped" },
	{ "baseline", "an absolute path shorter than PATH_MAX (the baseline image, on storage both hosts share; source and recovery), or empty, while the replica is stopped" },
	{ "epoch_ms", "1..10000 (default 10)" },
	{ "heartbeat_ms", "10..10000 (default 100)" },
	{ "timeout_ms", "100..60000 (default 1000), more than 2 x heartbeat_ms (checked at start)" },
};

static const char *const commands[] = { "start", "stop", "promote", "reconnect", "pull" };

const char *msctl_repl_root(void)
{
	static char root[PATH_MAX];
	const char *env = getenv("RDMA_FAILOVER_SYSFS");
	size_t len;
	char *slash;

	if (env && *env)
		return env;
	if (!strcmp(msctl_sysfs_root, MEMSCHED_SYSFS_ROOT))
		return RDMA_FAILOVER_SYSFS_ROOT;
	/* memsched's tree moved (-r ROOT, $MEMSCHED_SYSFS: a test tree): beside it */
	snprintf(root, sizeof(root), "%s", msctl_sysfs_root);
	len = strlen(root);
	while (len > 1 && root[len - 1] == '/')
		root[--len] = '\0';
	slash = strrchr(root, '/');
	if (!slash)
		snprintf(root, sizeof(root), "rdma_failover");
	else if (slash - root + sizeof("/rdma_failover") <= sizeof(root))
		strcpy(slash + 1, "rdma_failover");
	return root;
}

/* @buf = the replication root "/" the printf of @fmt. Return: 0 or -ENAMETOOLONG. */
static __printf(3, 4) int repl_path(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n, m;

	n = snprintf(buf, size, "%s/", msctl_repl_root());
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	va_start(ap, fmt);
	m = vsnprintf(buf + n, size - (size_t)n, fmt, ap);
	va_end(ap);
	return m < 0 || (size_t)m >= size - (size_t)n ? -ENAMETOOLONG : 0;
}

/* The errno names the replication adds to msctl_errno_name()'s. */
static const char *errno_name(int e)
{
	switch (e) {
	case EDESTADDRREQ:	return "EDESTADDRREQ";
	case EOPNOTSUPP:	return "EOPNOTSUPP";
	case EADDRINUSE:	return "EADDRINUSE";
	case EADDRNOTAVAIL:	return "EADDRNOTAVAIL";
	case ENETUNREACH:	return "ENETUNREACH";
	case EHOSTUNREACH:	return "EHOSTUNREACH";
	case ECONNREFUSED:	return "ECONNREFUSED";
	case ETIMEDOUT:		return "ETIMEDOUT";
	case EALREADY:		return "EALREADY";
	case EISCONN:		return "EISCONN";
	case ENXIO:		return "ENXIO";
	case ENOSPC:		return "ENOSPC";
	case EPROTO:		return "EPROTO";
	case ESTALE:		return "ESTALE";
	}
	return msctl_errno_name(e);
}

/*
 * The replication root exists and its version file reads the
 * RDMA_FAILOVER_ABI_VERSION this tool was built for (else a warning).
 * Return: 0, or -1 after saying what is wrong.
 */
static int repl_check_root(void)
{
	return msctl_sysfs_check_tree(msctl_repl_root(), RDMA_FAILOVER_ABI_VERSION,
				      "is rdma_failover.ko loaded? (modprobe rdma_failover; $RDMA_FAILOVER_SYSFS selects another tree)");
}

static bool repl_exists(const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	return !repl_path(path, sizeof(path), "replicas/%s", name) &&
	       !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* A NAME operand: a directory name of replicas/, nothing that leaves it. */
static bool valid_name(const char *name)
{
	return *name && strlen(name) <= NAME_MAX && !strchr(name, '/') &&
	       strcmp(name, ".") && strcmp(name, "..");
}

/* NAME names an existing replica; else says so. Return: -1 to go on, else the exit status. */
static int check_name(const char *name, const struct msctl_cmd *cmd)
{
	if (!valid_name(name))
		return msctl_cli_usage_err(cmd, "invalid NAME '%s': want a replica's name (the file's base name)",
					   name);
	if (repl_check_root())
		return EXIT_ERR;
	if (!repl_exists(name)) {
		msctl_err("no replica '%s' (no %s/replicas/%s; see '" PROG " repl')",
			  name, msctl_repl_root(), name);
		return EXIT_ERR;
	}
	return -1;
}

static void repl_free(struct repl *r)
{
	free(r->knobs);
	free(r->stats);
	free(r->gauges);
	r->knobs = NULL;
	r->stats = NULL;
	r->gauges = NULL;
}

static int repl_load(const char *name, struct repl *r)
{
	static const struct {
		const char *file;
		size_t offset, size;
	} lines[] = {
		{ "path", offsetof(struct repl, path), PATH_MAX },
		{ "role", offsetof(struct repl, role), REPL_WORD_LEN },
		{ "peer", offsetof(struct repl, peer), REPL_PEER_LEN },
		{ "state", offsetof(struct repl, state), REPL_WORD_LEN },
	};
	char path[PATH_MAX];
	size_t i;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	for (i = 0; !ret && i < ARRAY_SIZE(lines); i++) {
		ret = repl_path(path, sizeof(path), "replicas/%s/%s", name, lines[i].file);
		if (!ret)
			ret = msctl_sysfs_read_line(path, (char *)r + lines[i].offset,
						    lines[i].size);
	}
	if (!ret)
		ret = repl_path(path, sizeof(path), "replicas/%s/epoch", name);
	if (!ret)
		ret = msctl_sysfs_read_u64(path, &r->epoch);
	/* epoch_cut_ns: optional (a module before it has none) */
	if (!ret && !repl_path(path, sizeof(path), "replicas/%s/epoch_cut_ns", name) &&
	    msctl_sysfs_read_u64(path, &r->epoch_cut_ns))
		r->epoch_cut_ns = 0;
	if (!ret)
		ret = repl_path(path, sizeof(path), "replicas/%s", name);
	if (!ret)
		ret = msctl_sysfs_list(path, MSCTL_SYSFS_KNOB, true, &r->knobs,
				       &r->nr_knobs);
	if (!ret)
		ret = msctl_sysfs_list(path, MSCTL_SYSFS_VALUE, true, &r->gauges,
				       &r->nr_gauges);
	if (!ret)
		ret = repl_path(path, sizeof(path), "replicas/%s/stats", name);
	if (!ret)
		ret = msctl_sysfs_list(path, MSCTL_SYSFS_VALUE, true, &r->stats,
				       &r->nr_stats);
	if (ret)
		repl_free(r);
	return ret;
}

/* Explains a failure (-errno) to read replica @name. */
static void repl_report(int ret, const char *name)
{
	if (ret == -ENOENT && !repl_exists(name))
		msctl_err("replica '%s' is gone (no %s/replicas/%s)", name,
			  msctl_repl_root(), name);
	else
		msctl_sysfs_report(ret);
}

/*
 * A counter of stats/ (nr_*) or a gauge of replicas/<name>/ (last_*,
 * dirty_pages); false when the file is absent or not a number.
 */
static bool stat_u64(const struct repl *r, const char *file, u64 *v)
{
	const struct msctl_sysfs_ent *e = msctl_sysfs_find(r->stats, r->nr_stats, file);

	if (!e)
		e = msctl_sysfs_find(r->gauges, r->nr_gauges, file);
	return e && msctl_sysfs_parse_u64(e->value, v);
}

static const char *knob_value(const struct repl *r, const char *knob)
{
	const struct msctl_sysfs_ent *e = msctl_sysfs_find(r->knobs, r->nr_knobs, knob);

	return e ? e->value : "?";
}

/* A stat_u64() value divided by @div (1e3: us -> ms), 3 decimals, or "-". */
static const char *fmt_div(char *buf, size_t size, const struct repl *r,
			   const char *file, double div)
{
	u64 v;

	if (stat_u64(r, file, &v))
		snprintf(buf, size, "%.3f", (double)v / div);
	else
		snprintf(buf, size, "-");
	return buf;
}

/* @ns of CLOCK_REALTIME as "2026-12-02 15:04:05.123 UTC". */
static const char *fmt_utc(char *buf, size_t size, u64 ns)
{
	time_t t = (time_t)(ns / 1000000000ULL);
	struct tm tm;
	char s[32];

	if (!gmtime_r(&t, &tm) || !strftime(s, sizeof(s), "%F %T", &tm))
		snprintf(s, sizeof(s), "?");
	snprintf(buf, size, "%s.%03llu UTC", s, ns / 1000000ULL % 1000);
	return buf;
}

/* Seconds from CLOCK_REALTIME @ns to now (negative if the clocks differ so). */
static double age_secs(u64 ns)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return (double)now.tv_sec - (double)(ns / 1000000000ULL) +
	       ((double)now.tv_nsec - (double)(ns % 1000000000ULL)) / 1e9;
}

static bool is_standby(const struct repl *r)
{
	return !strcmp(r->role, "standby");
}

static bool is_source(const struct repl *r)
{
	return !strcmp(r->role, "source");
}

static bool is_recovery(const struct repl *r)
{
	return !strcmp(r->role, "recovery");
}

/* Pull recovery's roles: no epoch pushed, the pull counters instead. */
static bool is_pull_role(const struct repl *r)
{
	return is_source(r) || is_recovery(r);
}

/* A stat_u64() value in MiB, or 0 when absent. */
static double stat_mib(const struct repl *r, const char *file)
{
	u64 v;

	return stat_u64(r, file, &v) ? (double)v / (1 << 20) : 0.0;
}

/* Top-level values json_repl() emits by name, not among the gauges. */
static bool json_named(const char *file)
{
	return !strcmp(file, "path") || !strcmp(file, "state") ||
	       !strcmp(file, "epoch") || !strcmp(file, "epoch_cut_ns");
}

static void json_repl(struct msctl_json *j, const struct repl *r)
{
	size_t i;

	msctl_json_str(j, "name", r->name);
	msctl_json_str(j, "path", r->path);
	msctl_json_str(j, "role", r->role);
	msctl_json_str(j, "peer", r->peer);
	msctl_json_str(j, "state", r->state);
	msctl_json_u64(j, "epoch", r->epoch);
	msctl_json_u64(j, "epoch_cut_ns", r->epoch_cut_ns);
	for (i = 0; i < r->nr_gauges; i++)
		if (!json_named(r->gauges[i].name))
			msctl_json_value(j, r->gauges[i].name, r->gauges[i].value);
	msctl_json_obj_open(j, "knobs");
	for (i = 0; i < r->nr_knobs; i++)
		msctl_json_value(j, r->knobs[i].name, r->knobs[i].value);
	msctl_json_obj_close(j);
	msctl_json_obj_open(j, "stats");
	for (i = 0; i < r->nr_stats; i++)
		msctl_json_value(j, r->stats[i].name, r->stats[i].value);
	msctl_json_obj_close(j);
}

/* repl: one line per replica */
static int repl_list(void)
{
	struct msctl_sysfs_ent *names = NULL;
	char path[PATH_MAX], lat[32], stall[32];
	size_t nr = 0, i;
	struct msctl_json j;
	struct repl r;
	int ret;

	if (repl_check_root())
		return EXIT_ERR;
	ret = repl_path(path, sizeof(path), "replicas");
	if (!ret)
		ret = msctl_sysfs_list(path, MSCTL_SYSFS_DIR, false, &names, &nr);
	if (ret) {
		msctl_sysfs_report(ret);
		return EXIT_ERR;
	}
	msctl_json_init(&j, stdout);
	if (msctl_cli_json) {
		msctl_json_obj_open(&j, NULL);
		msctl_json_arr_open(&j, "replicas");
	} else {
		printf("%-16s %-8s %-12s %-21s %10s %8s %10s %8s %10s\n", "NAME",
		       "ROLE", "STATE", "PEER", "EPOCH", "EPOCH_MS", "LATENCY_MS",
		       "STALL_MS", "MiB");
	}
	for (i = 0; i < nr; i++) {
		ret = repl_load(names[i].name, &r);
		/* Removed while we were listing: not an error. */
		if (ret == -ENOENT && !repl_exists(names[i].name))
			continue;
		if (ret) {
			repl_report(ret, names[i].name);
			ret = EXIT_ERR;
			goto cleanup;
		}
		if (msctl_cli_json) {
			msctl_json_obj_open(&j, NULL);
			json_repl(&j, &r);
			msctl_json_obj_close(&j);
			repl_free(&r);
			continue;
		}
		/* pull recovery: no epoch goes out; MiB served or pulled */
		printf("%-16s %-8s %-12s %-21s %10llu %8s %10s %8s %10.1f\n", r.name,
		       r.role, r.state, *r.peer ? r.peer : "-", r.epoch,
		       knob_value(&r, "epoch_ms"),
		       is_pull_role(&r) ? "-" :
		       fmt_div(lat, sizeof(lat), &r, "last_epoch_latency_us", 1e3),
		       is_standby(&r) || is_pull_role(&r) ? "-" :
		       fmt_div(stall, sizeof(stall), &r, "last_writer_stall_max_ns", 1e6),
		       stat_mib(&r, is_pull_role(&r) ? "nr_pull_bytes" : "nr_bytes"));
		repl_free(&r);
	}
	if (msctl_cli_json) {
		msctl_json_arr_close(&j);
		msctl_json_obj_close(&j);
		msctl_json_end(&j);
	}
	ret = EXIT_OK;
cleanup:
	free(names);
	return ret;
}

/* "N" of stat_u64() @file, or "?" when it is absent. */
static const char *stat_str(char *buf, size_t size, const struct repl *r,
			    const char *file)
{
	u64 v;

	if (stat_u64(r, file, &v))
		snprintf(buf, size, "%llu", v);
	else
		snprintf(buf, size, "?");
	return buf;
}

/*
 * The pull counters' line: a source's (@done "served", @moved "served") or
 * a recovery replica's ("completed", "read by RDMA READ").
 */
static void show_pulls(const struct repl *r, const char *done,
		       const char *moved)
{
	char a[32], b[32], c[32], d[32];

	printf("  pulls         %s %s, %s failed, %s pages (%.1f MiB) %s, the last in %s s\n",
	       stat_str(a, sizeof(a), r, "nr_pulls"), done,
	       stat_str(b, sizeof(b), r, "nr_pull_errors"),
	       stat_str(c, sizeof(c), r, "nr_pull_pages"),
	       stat_mib(r, "nr_pull_bytes"), moved,
	       fmt_div(d, sizeof(d), r, "last_pull_ns", 1e9));
}

/* repl NAME of a source or recovery replica: baseline, epoch, pulls. */
static void show_pull(const struct repl *r)
{
	const char *baseline = knob_value(r, "baseline");
	char a[32], b[32], c[32];

	printf("  baseline      %s\n", *baseline ? baseline :
	       "(none; '" PROG " repl set NAME baseline PATH', on storage both hosts share)");
	if (is_source(r)) {
		printf("  epoch         %llu (the last cut merged into the dirty bitmap; %s epochs with writes)\n",
		       r->epoch, stat_str(a, sizeof(a), r, "nr_epochs"));
		printf("  written       %s pages to the baseline, the last baseline in %s s\n",
		       stat_str(a, sizeof(a), r, "nr_baseline_pages"),
		       fmt_div(b, sizeof(b), r, "last_baseline_ns", 1e9));
		printf("  dirty         %s pages written since the baseline (what a pull reads)\n",
		       stat_str(a, sizeof(a), r, "dirty_pages"));
		show_pulls(r, "served", "served");
	} else {
		printf("  filled        %s pages from the baseline, the last fill in %s s\n",
		       stat_str(a, sizeof(a), r, "nr_baseline_pages"),
		       fmt_div(b, sizeof(b), r, "last_baseline_ns", 1e9));
		show_pulls(r, "completed", "read by RDMA READ");
		if (!strcmp(r->state, "recovered"))
			printf("  recovered     the file is the source's file as of its last cut, for a VMM to start from\n");
	}
	printf("  link          %s bad messages, %s registration errors, %s connections refused\n",
	       stat_str(a, sizeof(a), r, "nr_bad_messages"),
	       stat_str(b, sizeof(b), r, "nr_registration_errors"),
	       stat_str(c, sizeof(c), r, "nr_rejects"));
}

/* repl NAME: the replica in full */
static int repl_show(const char *name)
{
	char a[48], b[32], c[32], d[32], e[32];
	struct msctl_json j;
	struct repl r;
	size_t i;
	int ret;
	u64 v;

	ret = repl_load(name, &r);
	if (ret) {
		repl_report(ret, name);
		return EXIT_ERR;
	}
	if (msctl_cli_json) {
		msctl_json_init(&j, stdout);
		msctl_json_obj_open(&j, NULL);
		json_repl(&j, &r);
		msctl_json_obj_close(&j);
		msctl_json_end(&j);
		repl_free(&r);
		return EXIT_OK;
	}
	printf("replica %s (%s)\n", r.name, r.role);
	printf("  file          %s\n", r.path);
	printf("  peer          %s\n", *r.peer ? r.peer : "(none; '" PROG " repl set NAME peer IPV4:PORT')");
	printf("  state         %s\n", r.state);
	if (is_pull_role(&r)) {
		show_pull(&r);
		goto knobs;
	}
	printf("  epoch         %llu (the last complete one: %s)\n", r.epoch,
	       is_standby(&r) ? "applied here" : "committed by the standby");
	if (is_standby(&r) && r.epoch_cut_ns)
		printf("  cut at        %s (%.3f s ago by this host's clock: at most what a failover now loses)\n",
		       fmt_utc(a, sizeof(a), r.epoch_cut_ns),
		       age_secs(r.epoch_cut_ns));
	printf("  last epoch    latency %s ms, cut %s ms",
	       fmt_div(a, sizeof(a), &r, "last_epoch_latency_us", 1e3),
	       fmt_div(b, sizeof(b), &r, "last_cut_ns", 1e6));
	if (!is_standby(&r))
		printf(", writer stall max %s ms",
		       fmt_div(c, sizeof(c), &r, "last_writer_stall_max_ns", 1e6));
	printf("\n");
	printf("  %-13s %s epochs, %s pages (%.1f MiB)", is_standby(&r) ? "received" : "sent",
	       stat_str(a, sizeof(a), &r, "nr_epochs"),
	       stat_str(b, sizeof(b), &r, "nr_pages"),
	       stat_u64(&r, "nr_bytes", &v) ? (double)v / (1 << 20) : 0.0);
	if (!is_standby(&r))
		printf(", %s COW copies, writer stall %s s in all",
		       stat_str(c, sizeof(c), &r, "nr_cow_pages"),
		       fmt_div(d, sizeof(d), &r, "nr_writer_stall_ns", 1e9));
	printf("\n");
	printf("  link          %s heartbeat timeouts, %s reconnects, %s resyncs, %s bad messages, %s registration errors",
	       stat_str(a, sizeof(a), &r, "nr_heartbeat_timeouts"),
	       stat_str(b, sizeof(b), &r, "nr_reconnects"),
	       stat_str(c, sizeof(c), &r, "nr_resyncs"),
	       stat_str(d, sizeof(d), &r, "nr_bad_messages"),
	       stat_str(e, sizeof(e), &r, "nr_registration_errors"));
	if (stat_u64(&r, "nr_rejects", &v))
		printf(", %llu connections refused", v);
	printf("\n");
	if (is_standby(&r))
		printf("  failover      %s partial epochs rolled back, last detection %s ms, last promotion %s ms\n",
		       stat_str(a, sizeof(a), &r, "nr_rollbacks"),
		       stat_str(b, sizeof(b), &r, "last_detect_ms"),
		       fmt_div(c, sizeof(c), &r, "last_promote_us", 1e3));
knobs:
	printf("  knobs ('" PROG " repl set %s KNOB VALUE'):\n", r.name);
	for (i = 0; i < r.nr_knobs; i++)
		msctl_fmt_row(r.knobs[i].name, r.knobs[i].value);
	printf("  stats ('echo 1 > %s/replicas/%s/reset' zeroes them and the last_* values):\n",
	       msctl_repl_root(), r.name);
	for (i = 0; i < r.nr_stats; i++)
		msctl_fmt_row(r.stats[i].name, r.stats[i].value);
	repl_free(&r);
	return EXIT_OK;
}

/* Role and state of @name for a message: "role standby, state listening". */
static const char *role_state(char *buf, size_t size, const char *name)
{
	char path[PATH_MAX], role[REPL_WORD_LEN] = "?", state[REPL_WORD_LEN] = "?";

	if (!repl_path(path, sizeof(path), "replicas/%s/role", name))
		msctl_sysfs_read_line(path, role, sizeof(role));
	if (!repl_path(path, sizeof(path), "replicas/%s/state", name))
		msctl_sysfs_read_line(path, state, sizeof(state));
	snprintf(buf, size, "role %s, state %s", role, state);
	return buf;
}

/* The first line of replicas/@name/@file, or "?". */
static const char *read_word(char *buf, size_t size, const char *name,
			     const char *file)
{
	char path[PATH_MAX];

	if (repl_path(path, sizeof(path), "replicas/%s/%s", name, file) ||
	    msctl_sysfs_read_line(path, buf, size))
		snprintf(buf, size, "?");
	return buf;
}

/* The common errno: -1 when not one of them, else said. */
static int common_err(int ret, const char *what)
{
	switch (-ret) {
	case EACCES:
	case EPERM:
		msctl_err("%s: permission denied; run as root (%s)", what,
			  errno_name(-ret));
		return 0;
	case ENODEV:
		msctl_err("%s: the replica is being removed, or rdma_failover.ko unloaded (ENODEV)",
			  what);
		return 0;
	}
	return -1;
}

/* Writes @val into @rel of the replication tree. Return: 0 or -errno. */
static int repl_write(const char *rel, const char *val)
{
	char path[PATH_MAX];
	bool opened;

	if (repl_path(path, sizeof(path), "%s", rel))
		return -ENAMETOOLONG;
	return msctl_sysfs_writef(path, &opened, "%s\n", val);
}

/* repl add PATH */
static int repl_add(const char *arg)
{
	char path[PATH_MAX], what[PATH_MAX + 16];
	const char *name;
	struct statfs sfs;
	struct stat st;
	int ret;

	if (!realpath(arg, path)) {
		msctl_err("%s: %s (%s)", arg, strerror(errno), errno_name(errno));
		return EXIT_ERR;
	}
	if (stat(path, &st) || !S_ISREG(st.st_mode)) {
		msctl_err("%s: not a regular file: a replica is a memschedfs file", arg);
		return EXIT_ERR;
	}
	/* as fs show: a test tree's files live on another file system */
	if (!strcmp(msctl_repl_root(), RDMA_FAILOVER_SYSFS_ROOT) &&
	    (statfs(path, &sfs) || sfs.f_type != MEMSCHEDFS_MAGIC)) {
		msctl_err("%s: not on a memschedfs mount: only memschedfs files are replicated (mount -t memschedfs none DIR)",
			  path);
		return EXIT_ERR;
	}
	name = strrchr(path, '/') + 1;
	if (repl_check_root())
		return EXIT_ERR;
	snprintf(what, sizeof(what), "repl add %s", path);
	ret = repl_write("add", path);
	if (!ret) {
		printf("%s: replica %s added (role primary, stopped); next: '" PROG " repl set %s peer IPV4:PORT'\n",
		       path, name, name);
		return EXIT_OK;
	}
	if (!common_err(ret, what))
		return EXIT_ERR;
	switch (-ret) {
	case EEXIST:
		msctl_err("%s: a replica named %s exists already: a replica is named after its file's base name, which must be unique (EEXIST)",
			  what, name);
		break;
	case EBUSY:
		msctl_err("%s: the file's pages are tracked already (replicated under another name?) (EBUSY)",
			  what);
		break;
	case EINVAL:
		msctl_err("%s: the kernel refused it (EINVAL): not a memschedfs file, or the name is not usable; 'dmesg | tail' says which",
			  what);
		break;
	case ENOENT:
		msctl_err("%s: the kernel cannot open the file (ENOENT): is it in this mount namespace?",
			  what);
		break;
	default:
		msctl_err("%s: %s (%s); 'dmesg | tail' may say more", what,
			  strerror(-ret), errno_name(-ret));
	}
	return EXIT_ERR;
}

/* repl remove NAME */
static int repl_remove(const char *name, const struct msctl_cmd *cmd)
{
	char what[NAME_MAX + 32];
	int ret;

	ret = check_name(name, cmd);
	if (ret >= 0)
		return ret;
	snprintf(what, sizeof(what), "repl remove %s", name);
	ret = repl_write("remove", name);
	if (!ret) {
		printf("%s: stopped and removed (the file itself is untouched)\n", name);
		return EXIT_OK;
	}
	if (!common_err(ret, what))
		return EXIT_ERR;
	if (ret == -ENOENT || ret == -EINVAL)
		msctl_err("%s: no such replica (any more) (%s)", what, errno_name(-ret));
	else
		msctl_err("%s: %s (%s)", what, strerror(-ret), errno_name(-ret));
	return EXIT_ERR;
}

/* repl set NAME KNOB VALUE */
static int repl_set(const char *name, const char *knob, const char *val,
		    const struct msctl_cmd *cmd)
{
	struct msctl_sysfs_ent *knobs = NULL;
	char path[PATH_MAX], rel[PATH_MAX], what[512], rs[96], owner[320];
	const char *accepted = "see 'dmesg | tail'";
	size_t nr = 0, i;
	int ret;

	ret = check_name(name, cmd);
	if (ret >= 0)
		return ret;
	if (!*val || strchr(val, '\n'))
		return msctl_cli_usage_err(cmd, "invalid VALUE: empty or more than one line");
	ret = repl_path(path, sizeof(path), "replicas/%s", name);
	if (!ret)
		ret = msctl_sysfs_list(path, MSCTL_SYSFS_KNOB, false, &knobs, &nr);
	if (ret) {
		repl_report(ret, name);
		return EXIT_ERR;
	}
	snprintf(owner, sizeof(owner), "replica %s", name);
	if (!msctl_sysfs_knob_known(knobs, nr, knob, "repl set", owner)) {
		free(knobs);
		return EXIT_ERR;
	}
	free(knobs);
	for (i = 0; i < ARRAY_SIZE(knob_ranges); i++)
		if (!strcmp(knob_ranges[i].knob, knob))
			accepted = knob_ranges[i].accepted;
	snprintf(rel, sizeof(rel), "replicas/%s/%s", name, knob);
	snprintf(what, sizeof(what), "repl set %s %s %s", name, knob, val);
	ret = repl_write(rel, val);
	if (!ret)
		return EXIT_OK;
	if (!common_err(ret, what))
		return EXIT_ERR;
	switch (-ret) {
	case EBUSY:
		msctl_err("%s: %s is set only while the replica is stopped (%s; '" PROG " repl stop %s' first) (EBUSY)",
			  what, knob, role_state(rs, sizeof(rs), name), name);
		break;
	case EINVAL:
	case ERANGE:
		msctl_err("%s: the kernel refused the value (%s); accepted: %s ('dmesg | tail' has the kernel's line)",
			  what, errno_name(-ret), accepted);
		break;
	case ENOENT:
		msctl_err("%s: the replica is gone (ENOENT)", what);
		break;
	default:
		msctl_err("%s: %s (%s)", what, strerror(-ret), errno_name(-ret));
	}
	return EXIT_ERR;
}

/* After a command: what the replica says now. */
static void say_done(const char *name, const char *command)
{
	char state[REPL_WORD_LEN], epoch[32], rs[96], lat[32], det[32];
	struct repl r;

	read_word(state, sizeof(state), name, "state");
	read_word(epoch, sizeof(epoch), name, "epoch");
	if (strcmp(command, "promote")) {
		printf("%s: %s done (%s)\n", name, command,
		       role_state(rs, sizeof(rs), name));
		return;
	}
	if (repl_load(name, &r)) {
		printf("%s: promoted (state %s): the file holds epoch %s\n", name, state, epoch);
		return;
	}
	printf("%s: promoted (state %s): the file holds epoch %llu, the last complete one; promotion took %s ms, detection %s ms\n",
	       name, r.state, r.epoch, fmt_div(lat, sizeof(lat), &r, "last_promote_us", 1e3),
	       stat_str(det, sizeof(det), &r, "last_detect_ms"));
	repl_free(&r);
}

/* replicas/@name/@file (stats/nr_* or a gauge, last_*), or 0. */
static u64 read_stat(const char *name, const char *file)
{
	char path[PATH_MAX];
	u64 v;

	if (repl_path(path, sizeof(path), "replicas/%s/%s", name, file) ||
	    msctl_sysfs_read_u64(path, &v))
		return 0;
	return v;
}

/* The pull counters before a pull, for what this one did. */
struct pull_before {
	u64 baseline_pages, pull_pages, pull_bytes;
};

static void pull_before_read(const char *name, struct pull_before *b)
{
	b->baseline_pages = read_stat(name, "stats/nr_baseline_pages");
	b->pull_pages = read_stat(name, "stats/nr_pull_pages");
	b->pull_bytes = read_stat(name, "stats/nr_pull_bytes");
}

/* After a pull: what it took, from the counters' growth and last_*_ns. */
static void say_pulled(const char *name, const struct pull_before *b)
{
	char state[REPL_WORD_LEN];

	read_word(state, sizeof(state), name, "state");
	printf("%s: pull done (state %s): %llu pages from the baseline in %.3f s, %llu pages (%.1f MiB) read from the source by RDMA READ; the pull took %.3f s%s\n",
	       name, state,
	       read_stat(name, "stats/nr_baseline_pages") - b->baseline_pages,
	       (double)read_stat(name, "last_baseline_ns") / 1e9,
	       read_stat(name, "stats/nr_pull_pages") - b->pull_pages,
	       (double)(read_stat(name, "stats/nr_pull_bytes") - b->pull_bytes) / (1 << 20),
	       (double)read_stat(name, "last_pull_ns") / 1e9,
	       strcmp(state, "recovered") ? "" :
	       "; the file is the source's file as of its last cut, for a VMM to start from");
}

/*
 * The pull command's errors (rfo_recovery_pull()): -1 when not one of
 * them, else said. A failed pull leaves the file partly filled.
 */
static int pull_err(int ret, const char *what, const char *name, const char *rs)
{
	char role[REPL_WORD_LEN], base[PATH_MAX], peer[REPL_PEER_LEN];
	static const char again[] = "the file is partly filled: pull again";

	read_word(role, sizeof(role), name, "role");
	read_word(base, sizeof(base), name, "baseline");
	read_word(peer, sizeof(peer), name, "peer");
	switch (-ret) {
	case EINVAL:
		if (strcmp(role, "recovery"))
			msctl_err("%s: pull is for a replica of role recovery (%s; '" PROG " repl set %s role recovery' while stopped) (EINVAL)",
				  what, rs, name);
		else if (!*base || !strcmp(base, "?"))
			msctl_err("%s: no baseline: set the baseline image's path first ('" PROG " repl set %s baseline PATH') (EINVAL)",
				  what, name);
		else
			msctl_err("%s: the baseline %s is not the size of the file (EINVAL): give the baseline the source wrote for this file; 'dmesg | tail' names both sizes",
				  what, base);
		return 0;
	case EBUSY:
		msctl_err("%s: a pull runs only on a stopped replica (%s; '" PROG " repl stop %s' first) (EBUSY)",
			  what, rs, name);
		return 0;
	case EDESTADDRREQ:
		msctl_err("%s: no peer: set the source's address first ('" PROG " repl set %s peer IPV4:PORT') (EDESTADDRREQ)",
			  what, name);
		return 0;
	case ENOENT:
		msctl_err("%s: no baseline file %s (ENOENT): is the shared storage mounted here, and did the source's start write it?",
			  what, base);
		return 0;
	case ECONNREFUSED:
		msctl_err("%s: no source at %s, or it refused the pull (%s) (ECONNREFUSED): not started, its file of another size, still mapped writable by a process (its VMM still runs), or busy with another pull; 'dmesg | tail' says which; %s",
			  what, peer, rs, again);
		return 0;
	case ETIMEDOUT:
		msctl_err("%s: the source at %s did not answer in time (ETIMEDOUT; each wait is bounded by timeout_ms); %s",
			  what, peer, again);
		return 0;
	case EPROTO:
		msctl_err("%s: the source sent a bad message or dirty bitmap (EPROTO; stats/nr_bad_messages, 'dmesg | tail'); %s",
			  what, again);
		return 0;
	case ESTALE:
		msctl_err("%s: the source's file was written during the pull, so the image is not one instant (ESTALE): stop its VMM, then pull again",
			  what);
		return 0;
	}
	return -1;
}

/* repl start|stop|promote|reconnect|pull NAME */
static int repl_command(const char *command, const char *name,
			const struct msctl_cmd *cmd)
{
	char rel[PATH_MAX], what[NAME_MAX + 32], rs[96], hb[32], to[32];
	char role[REPL_WORD_LEN], base[PATH_MAX];
	bool pull = !strcmp(command, "pull");
	struct pull_before before = {};
	int ret;

	ret = check_name(name, cmd);
	if (ret >= 0)
		return ret;
	snprintf(rel, sizeof(rel), "replicas/%s/command", name);
	snprintf(what, sizeof(what), "repl %s %s", command, name);
	if (pull)
		pull_before_read(name, &before);
	ret = repl_write(rel, command);
	if (!ret) {
		if (pull)
			say_pulled(name, &before);
		else
			say_done(name, command);
		return EXIT_OK;
	}
	if (!common_err(ret, what))
		return EXIT_ERR;
	role_state(rs, sizeof(rs), name);
	if (pull && !pull_err(ret, what, name, rs))
		return EXIT_ERR;
	read_word(role, sizeof(role), name, "role");
	if (ret == -EINVAL && !strcmp(command, "start") && !strcmp(role, "recovery")) {
		msctl_err("%s: a recovery replica is not started: it takes '" PROG " repl pull %s' (%s) (EINVAL)",
			  what, name, rs);
	} else if (ret == -EINVAL && !strcmp(command, "start") && !strcmp(role, "source") &&
		   (!*read_word(base, sizeof(base), name, "baseline") || !strcmp(base, "?"))) {
		msctl_err("%s: a source needs a baseline: set its path first ('" PROG " repl set %s baseline PATH', on storage both hosts share) (EINVAL)",
			  what, name);
	} else if (ret == -EDESTADDRREQ) {
		msctl_err("%s: no peer: set %s first ('" PROG " repl set %s peer IPV4:PORT') (EDESTADDRREQ)",
			  what, !strcmp(role, "primary") ? "the standby's address" :
			  "the address to listen on", name);
	} else if (ret == -EAGAIN && !strcmp(command, "promote")) {
		msctl_err("%s: no complete epoch yet: this standby holds no consistent image to promote (%s) (EAGAIN)",
			  what, rs);
	} else if (ret == -EBUSY && !strcmp(command, "start")) {
		msctl_err("%s: not stopped, or the file's writes are tracked already (another replica of it?) (%s) (EBUSY); 'dmesg | tail' says which",
			  what, rs);
	} else if (ret == -EBUSY || ret == -EALREADY || ret == -EISCONN) {
		msctl_err("%s: not now (%s) (%s); 'dmesg | tail' says why",
			  what, rs, errno_name(-ret));
	} else if (ret == -EINVAL && !strcmp(command, "start")) {
		msctl_err("%s: the kernel refused it (%s) (EINVAL): timeout_ms must be more than 2 x heartbeat_ms (now %s and %s), a standby needs rdma_failover's staging_slots parameter in range, a source a baseline; 'dmesg | tail' says which",
			  what, rs, read_word(to, sizeof(to), name, "timeout_ms"),
			  read_word(hb, sizeof(hb), name, "heartbeat_ms"));
	} else if ((ret == -EINVAL || ret == -EPERM || ret == -EOPNOTSUPP) &&
		   !strcmp(command, "promote")) {
		msctl_err("%s: promote is for a standby in state listening, syncing, replicating or primary_lost (%s) (%s)",
			  what, rs, errno_name(-ret));
	} else if ((ret == -EINVAL || ret == -EPERM || ret == -EOPNOTSUPP) &&
		   !strcmp(command, "reconnect")) {
		msctl_err("%s: reconnect is for a started primary (connecting, syncing, replicating or reconnecting) (%s) (%s)",
			  what, rs, errno_name(-ret));
	} else if (ret == -EADDRINUSE || ret == -EADDRNOTAVAIL) {
		msctl_err("%s: the peer address cannot be used here (%s): a standby listens on its peer address, which must be one of this host's, on a free port (%s)",
			  what, rs, errno_name(-ret));
	} else if (ret == -ENETUNREACH || ret == -EHOSTUNREACH || ret == -ENXIO) {
		msctl_err("%s: no RDMA device reaches the peer (%s): 'rdma link show' lists the RDMA links (%s)",
			  what, rs, errno_name(-ret));
	} else if (ret == -ENOENT) {
		msctl_err("%s: the replica is gone (ENOENT)", what);
	} else {
		msctl_err("%s: the kernel refused it (%s): %s (%s); 'dmesg | tail' says why",
			  what, rs, strerror(-ret), errno_name(-ret));
	}
	return EXIT_ERR;
}

static bool is_command(const char *s)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i], s))
			return true;
	return false;
}

/* nargs operands after the action word, else a usage error. */
static int want_args(int have, int want, const struct msctl_cmd *cmd,
		     const char *action, const char *args)
{
	if (have == want)
		return -1;
	return msctl_cli_usage_err(cmd, "%s: %s (want '%s %s')", action,
				   have < want ? "missing arguments" : "too many arguments",
				   action, args);
}

/* repl [NAME] | repl show NAME | repl add PATH | ... */
MSCTL_CMD_FN(repl)
{
	const char *action;
	char **args;
	int nargs, ret;

	ret = msctl_cli_parse_plain(argc, argv, cmd, -1);
	if (ret >= 0)
		return ret;
	nargs = argc - optind;
	args = argv + optind;
	if (!nargs)
		return repl_list();
	action = args[0];
	if (msctl_cli_json && (!strcmp(action, "add") || !strcmp(action, "remove") ||
			       !strcmp(action, "set") || is_command(action)))
		return msctl_cli_usage_err(cmd, "--json is for showing replicas ('repl', 'repl NAME')");
	if (!strcmp(action, "add")) {
		ret = want_args(nargs - 1, 1, cmd, "add", "PATH");
		return ret >= 0 ? ret : repl_add(args[1]);
	}
	if (!strcmp(action, "remove")) {
		ret = want_args(nargs - 1, 1, cmd, "remove", "NAME");
		return ret >= 0 ? ret : repl_remove(args[1], cmd);
	}
	if (!strcmp(action, "set")) {
		ret = want_args(nargs - 1, 3, cmd, "set", "NAME KNOB VALUE");
		return ret >= 0 ? ret : repl_set(args[1], args[2], args[3], cmd);
	}
	if (is_command(action)) {
		ret = want_args(nargs - 1, 1, cmd, action, "NAME");
		return ret >= 0 ? ret : repl_command(action, args[1], cmd);
	}
	/* "show NAME" for a replica named like an action */
	if (!strcmp(action, "show")) {
		ret = want_args(nargs - 1, 1, cmd, "show", "NAME");
		if (ret >= 0)
			return ret;
		action = args[1];
	} else if (nargs > 1) {
		return msctl_cli_usage_err(cmd, "unknown action '%s': want add, remove, set, start, stop, promote, reconnect, pull or a replica's NAME",
					   action);
	}
	ret = check_name(action, cmd);
	return ret >= 0 ? ret : repl_show(action);
}
