// SPDX-License-Identifier: GPL-2.0
/*
 * memschedctl: export, every attached VM's and memschedfs file's values in
 * the Prometheus text format, for node_exporter's textfile collector.
 *
 * The metrics come from the tree at run time, by the ABI's naming rules
 * (sysfs-kernel-mm-memsched), so a new file appears without a change here:
 * - a file of an object's directory that reads one non-negative decimal
 *   number is a gauge, memsched_<object>_<file>;
 * - a file of a stats/ directory is a counter, nr_<what> becoming
 *   memsched_<object>_<what>_total;
 * - the unit at the end of a name becomes the base unit: _pages -> _bytes
 *   (4 KiB pages), _ns, _us, _ms -> _seconds, _mib_per_s ->
 *   _bytes_per_second; the value is converted exactly; but for the files
 *   of renamed[], whose suffix does not say what they hold;
 * - classes/<class> becomes memsched_<object>_class_bytes{class="..."};
 *   any other directory adds its name (balloon/ -> memsched_vm_balloon_,
 *   sched/ -> memsched_sched_ and memsched_vm_sched_);
 * - the files of labelled[] become one family with a label: the
 *   scheduler's reclaim counters per mechanism;
 * - a word of words[] (sched/policy) becomes an info gauge, 1, labelled
 *   with the word;
 * - the tables node_pages, guest_stats and guest_classes have a reader
 *   each; mrc and age_histogram are left out (see prometheus.rst).
 * VMs are labelled pid and name (QEMU's -name, else the process's comm),
 * memschedfs files ino and name (files/<ino>/name).
 *
 * rdma_failover's replicas (replicas/<name>/ of msctl_repl_root(), when
 * that module is loaded) are memsched_replica_*, labelled replica and role,
 * by the same rules (its last_* and dirty_pages are gauges of the
 * replica's directory, its counters are in stats/); state is one gauge
 * per state of the role, 1 for the one it is in; path and peer go in
 * memsched_replica_info.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmds.h"
#include "prom.h"
#include "sysfs.h"
#include "vm.h"

#define PAGE_BYTES		4096ULL
#define TEXTFILE_DIR		"/var/lib/prometheus/node-exporter"
#define TEXTFILE_NAME		"memsched.prom"
#define NAME_LEN		128
#define LABELS_LEN		(2 * PATH_MAX)
#define VALUE_LEN		48

/* One object's directory being exported. */
struct scope {
	struct msctl_prom *prom;
	char prefix[NAME_LEN];	/* "memsched_vm_", "memsched_vm_balloon_" */
	char rel[PATH_MAX];	/* for HELP: "vms/<pid>/balloon/" */
	const char *labels;	/* the object's label set */
};

/* A unit suffix of the ABI and the base unit it becomes. */
static const struct {
	const char *suffix;
	const char *base;
	u64 mul;		/* value * mul, or ... */
	int div_digits;		/* ... value / 10^div_digits */
} units[] = {
	{ "_mib_per_s", "_bytes_per_second", 1ULL << 20, 0 },
	{ "_pages", "_bytes", PAGE_BYTES, 0 },
	{ "_ns", "_seconds", 0, 9 },
	{ "_us", "_seconds", 0, 6 },
	{ "_ms", "_seconds", 0, 3 },
};

/*
 * Files whose unit suffix does not say what they hold: cpu_quota_ms is ms
 * of CPU per second (a ratio), nr_young_pages a count of sampled pages
 * (as nr_pages_scanned), not a size. @what: the name less nr_.
 */
static const struct {
	const char *what;
	const char *name;	/* the metric name less prefix and _total */
	int div_digits;		/* value / 10^div_digits */
} renamed[] = {
	{ "cpu_quota_ms", "cpu_quota_ratio", 3 },
	{ "young_pages", "young_pages", 0 },
	/* rdma_failover: the epoch's length (epoch is its number); COW copies made */
	{ "epoch_ms", "epoch_length_seconds", 3 },
	{ "epoch_cut_ns", "epoch_cut_timestamp_seconds", 9 },	/* CLOCK_REALTIME */
	{ "cow_pages", "cow_pages", 0 },
	/* pull recovery: a count beside pull_bytes (nr_pull_bytes), as pages beside bytes */
	{ "pull_pages", "pull_pages", 0 },
};

/* A replica's states per role (sysfs-kernel-rdma_failover), for the one-hot state gauge. */
static const char *const primary_states[] = {
	"stopped", "connecting", "syncing", "replicating", "reconnecting",
};
static const char *const standby_states[] = {
	"stopped", "listening", "syncing", "replicating", "primary_lost", "promoted",
};
static const char *const source_states[] = { "stopped", "listening", "serving" };
static const char *const recovery_states[] = { "stopped", "pulling", "recovered" };

/*
 * Counters that are one family with a label: the pages the scheduler
 * reclaimed from a VM, per mechanism.
 */
static const struct {
	const char *rel;	/* the scope's directory, as in scope.rel */
	const char *file;
	const char *name;	/* the whole metric name */
	const char *key, *value;	/* the label */
} labelled[] = {
	{ "vms/<pid>/sched/stats/", "nr_balloon_pages",
	  "memsched_vm_sched_reclaimed_bytes_total", "mechanism", "balloon" },
	{ "vms/<pid>/sched/stats/", "nr_demoted_pages",
	  "memsched_vm_sched_reclaimed_bytes_total", "mechanism", "demote" },
	{ "vms/<pid>/sched/stats/", "nr_swapped_pages",
	  "memsched_vm_sched_reclaimed_bytes_total", "mechanism", "swap" },
};

/* Files that read a word: an info gauge 1 labelled with it. */
static const struct {
	const char *rel;
	const char *file;
	const char *name;
	const char *key;
} words[] = {
	{ "sched/", "policy", "memsched_sched_policy_info", "policy" },
};

/* Files that are labels or identifiers, not values. */
static const char *const skipped[] = { "pid", "name", "sample_seed", "version" };

/* guest_stats values that only grow (the guest's own event counters). */
static const char *const guest_counters[] = {
	"swap_in_bytes", "swap_out_bytes", "major_faults", "minor_faults",
	"oom_kills", "alloc_stalls",
};

/* HELP for the metrics memsched has now; others get a generic one. */
static const struct {
	const char *name;
	const char *help;
} helps[] = {
	{ "memsched_vm_guest_bytes",
	  "Guest memory: the VM's RAM memslots (guest RAM and ROM regions)." },
	{ "memsched_vm_sampled_bytes", "Guest memory that memsched samples." },
	{ "memsched_vm_wss_bytes", "Working set size estimate of the VM." },
	{ "memsched_vm_mrc_knee_bytes", "Memory at the knee of the VM's miss-rate curve." },
	{ "memsched_vm_last_scan_seconds", "How long the VM's last scan took." },
	{ "memsched_vm_class_bytes",
	  "Sampled guest memory per usage class (active, recently_idle, idle, never_touched)." },
	{ "memsched_vm_scans_total", "Scans of the VM's sampled pages completed." },
	{ "memsched_vm_truncated_scans_total", "Scans cut short by the CPU quota." },
	{ "memsched_vm_pages_scanned_total", "Sampled pages scanned (a count of 4 KiB pages)." },
	{ "memsched_vm_young_pages_total",
	  "Sampled pages found accessed (young) by scans (a count of 4 KiB pages)." },
	{ "memsched_vm_cpu_quota_ratio",
	  "CPU time the VM's scans may use per second of wall time (cpu_quota_ms / 1000)." },
	{ "memsched_vm_scan_seconds_total", "Time spent scanning the VM." },
	{ "memsched_vm_balloon_target_bytes",
	  "Balloon target: memory the guest is asked to give back." },
	{ "memsched_vm_balloon_actual_bytes",
	  "Memory in the guest's balloon now, as the guest reported it." },
	{ "memsched_vm_balloon_connected", "1 while a guest balloon channel is up, else 0." },
	{ "memsched_vm_balloon_inflated_bytes_total", "Memory the guest put into its balloon." },
	{ "memsched_vm_balloon_deflated_bytes_total", "Memory the guest took out of its balloon." },
	{ "memsched_vm_balloon_messages_total", "Messages received from the guest's balloon." },
	{ "memsched_vm_balloon_guest_class_bytes",
	  "Guest memory per class, as the guest's last CLASSES message reported it." },
	{ "memsched_sched_enabled", "1 while the memory scheduler runs, else 0." },
	{ "memsched_sched_policy_info", "The scheduler's allocation policy (shares or mrc), as a label; always 1." },
	{ "memsched_sched_pool_bytes", "Memory the scheduler divides among the attached VMs (the pool in effect)." },
	{ "memsched_sched_periods_total", "Scheduler periods run." },
	{ "memsched_sched_decisions_total", "Scheduler decisions to reclaim from or return memory to a VM (holds not counted)." },
	{ "memsched_sched_reclaimed_bytes_total", "Memory the scheduler reclaimed from VMs, by any mechanism." },
	{ "memsched_sched_returned_bytes_total", "Memory the scheduler gave back to VMs." },
	{ "memsched_sched_overcommitted_periods_total",
	  "Scheduler periods in which the VMs' minimums summed to more than the pool." },
	{ "memsched_vm_sched_shares", "The VM's scheduler shares." },
	{ "memsched_vm_sched_min_bytes", "The VM's reservation: memory never reclaimed from it (memory.min)." },
	{ "memsched_vm_sched_max_bytes", "The VM's limit (memory.max); absent while it is max." },
	{ "memsched_vm_sched_target_dram_bytes", "The VM's DRAM target from the scheduler's last period." },
	{ "memsched_vm_sched_actual_dram_bytes",
	  "Memory the VM holds in host DRAM as the scheduler counts it (guest RAM less ballooned, swapped and PMEM pages)." },
	{ "memsched_vm_sched_active_bytes", "The smoothed active memory of the VM that the scheduler's allocator used." },
	{ "memsched_vm_sched_decisions_total", "Scheduler decisions to reclaim from or return memory to the VM." },
	{ "memsched_vm_sched_reclaimed_bytes_total",
	  "Memory the scheduler reclaimed from the VM, per mechanism (balloon, demote, swap)." },
	{ "memsched_vm_sched_returned_bytes_total", "Memory the scheduler gave back to the VM (deflate, promote)." },
	{ "memsched_vm_sched_balloon_timeouts_total", "Balloon requests to the VM that the scheduler gave up." },
	{ "memsched_vm_sched_demote_timeouts_total",
	  "Lowered DRAM budgets of the VM's RAM file that the scheduler gave up (no progress in time)." },
	{ "memsched_file_size_bytes", "Size of the memschedfs file." },
	{ "memsched_file_resident_bytes", "Memory the memschedfs file holds now." },
	{ "memsched_file_node_bytes", "Memory of the memschedfs file per NUMA node." },
	{ "memsched_file_moved_bytes_total", "Memory of the file moved between NUMA nodes." },
	{ "memsched_file_promoted_bytes_total", "Memory of the file promoted to the DRAM node." },
	{ "memsched_file_demoted_bytes_total", "Memory of the file demoted to the PMEM node." },
	{ "memsched_replica_info",
	  "A replicated memschedfs file: its path and its peer (IPV4:PORT: the standby's, or the source's for pull recovery) as labels; always 1." },
	{ "memsched_replica_state",
	  "1 for the state the replica is in, 0 for the other states of its role." },
	{ "memsched_replica_epoch",
	  "The replica's last complete epoch (primary: committed by the standby; standby: applied)." },
	{ "memsched_replica_epoch_length_seconds", "The replica's epoch length (the epoch_ms knob)." },
	{ "memsched_replica_epoch_cut_timestamp_seconds",
	  "Standby: when the primary cut the epoch the file holds (Unix time; 0 before the first)." },
	{ "memsched_replica_heartbeat_seconds", "Heartbeat interval when no other message goes (heartbeat_ms)." },
	{ "memsched_replica_timeout_seconds", "Silence after which the peer is declared lost (timeout_ms)." },
	{ "memsched_replica_epochs_total", "Epochs completed (primary: committed; standby: applied)." },
	{ "memsched_replica_pages_total", "Pages shipped (primary) or applied (standby), a count of 4 KiB pages." },
	{ "memsched_replica_bytes_total", "Page bytes shipped (primary) or applied (standby)." },
	{ "memsched_replica_cow_pages_total",
	  "Pages copied aside because the guest wrote them before they were shipped (a count of 4 KiB pages)." },
	{ "memsched_replica_writer_stall_seconds_total",
	  "Time writers of the file waited for epoch cuts, summed over writers." },
	{ "memsched_replica_last_writer_stall_max_seconds",
	  "The longest time one writer waited for the last epoch cut." },
	{ "memsched_replica_last_epoch_latency_seconds",
	  "The last epoch's latency: cut to commit acknowledgement (primary), first batch received to applied (standby)." },
	{ "memsched_replica_last_cut_seconds", "How long the last epoch cut took." },
	{ "memsched_replica_heartbeat_timeouts_total", "Heartbeat timeouts (the peer went silent)." },
	{ "memsched_replica_reconnects_total", "Connections re-established after a link loss." },
	{ "memsched_replica_resyncs_total", "Full resynchronisations (every page shipped again) after a reconnect." },
	{ "memsched_replica_bad_messages_total", "Malformed or out-of-range messages from the peer (each drops the connection)." },
	{ "memsched_replica_registration_errors_total", "RDMA memory registration failures." },
	{ "memsched_replica_rollbacks_total", "Partial epochs undone on the standby." },
	{ "memsched_replica_rejects_total",
	  "Connections refused (standby: a bad HELLO, a file of another size; primary: refused by the standby)." },
	{ "memsched_replica_last_detect_seconds",
	  "Standby: time from the primary's last message to declaring it lost, the last time." },
	{ "memsched_replica_last_promote_seconds", "Standby: how long the last promotion took." },
	{ "memsched_replica_pulls_total",
	  "Pull recovery: pulls served to the end (source) or completed, state recovered (recovery)." },
	{ "memsched_replica_pull_errors_total",
	  "Pull recovery: pulls the source could not serve to the end, or pull commands that failed (recovery)." },
	{ "memsched_replica_pull_pages_total",
	  "Pull recovery: pages served in windows (source) or read by RDMA READ (recovery), a count of 4 KiB pages." },
	{ "memsched_replica_pull_bytes_total",
	  "Pull recovery: page bytes served (source) or read by RDMA READ (recovery)." },
	{ "memsched_replica_baseline_bytes_total",
	  "Pull recovery: bytes written to the baseline image (source) or filled from it (recovery)." },
	{ "memsched_replica_dirty_bytes",
	  "Source: memory of the file written since the baseline, now (what a pull reads)." },
	{ "memsched_replica_last_pull_seconds",
	  "Pull recovery: how long the last pull took to serve (source) or the last successful pull command, baseline fill included (recovery)." },
	{ "memsched_replica_last_baseline_seconds",
	  "Pull recovery: how long writing the baseline took, fsync included (source), or filling the file from it (recovery)." },
};

static bool in_list(const char *const *list, size_t nr, const char *s)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* @v / 10^@digits exactly: "0.000123", "2". */
static void fmt_div(char *buf, size_t size, u64 v, int digits)
{
	u64 pow = 1;
	size_t len;
	int i;

	for (i = 0; i < digits; i++)
		pow *= 10;
	if (v % pow == 0) {
		snprintf(buf, size, "%llu", v / pow);
		return;
	}
	if (snprintf(buf, size, "%llu.%0*llu", v / pow, digits, v % pow) >= (int)size)
		return;	/* cannot be: 20 + 1 + 9 digits */
	len = strlen(buf);
	while (buf[len - 1] == '0')
		buf[--len] = '\0';
}

/*
 * @what (a file's name less nr_) in base units: its metric name less the
 * prefix in @name, its value @v converted in @value.
 */
static void to_base(const char *what, u64 v, char *name, size_t name_size,
		    char *value, size_t value_size)
{
	size_t i, len = strlen(what);

	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if (!ends_with(what, units[i].suffix))
			continue;
		snprintf(name, name_size, "%.*s%s",
			 (int)(len - strlen(units[i].suffix)), what, units[i].base);
		if (units[i].div_digits)
			fmt_div(value, value_size, v, units[i].div_digits);
		else if (v <= UINT64_MAX / units[i].mul)
			snprintf(value, value_size, "%llu", v * units[i].mul);
		else
			snprintf(value, value_size, "%.17g", (double)v * (double)units[i].mul);
		return;
	}
	snprintf(name, name_size, "%s", what);
	snprintf(value, value_size, "%llu", v);
}

/* Adds a sample, the HELP from the table or one that names the file. */
static int add(struct scope *s, const char *name, enum msctl_prom_type type,
	       const char *file, const char *labels, const char *value)
{
	char help[PATH_MAX + 128];
	size_t i;
	int ret;

	snprintf(help, sizeof(help), "memsched %s%s%s.", s->rel, file,
		 type == MSCTL_PROM_COUNTER ? " (counter)" : "");
	for (i = 0; i < ARRAY_SIZE(helps); i++)
		if (!strcmp(helps[i].name, name))
			snprintf(help, sizeof(help), "%s", helps[i].help);
	ret = msctl_prom_add(s->prom, name, type, help, labels, value);
	if (ret == -EINVAL)
		msctl_err("warning: %s%s: metric %s: not a valid name, or another type already; left out",
			  s->rel, file, name);
	else if (ret == -EEXIST)	/* two files that map to one name: keep the first */
		msctl_err("warning: %s%s: metric %s{%s} exported already (from another file); left out",
			  s->rel, file, name, labels);
	return ret == -EINVAL || ret == -EEXIST ? 0 : ret;
}

/* s->labels plus KEY="VALUE" in @buf. */
static int with_label(struct scope *s, char *buf, size_t size, const char *key,
		      const char *value)
{
	snprintf(buf, size, "%s", s->labels);
	return msctl_prom_label(buf, size, key, value);
}

/* A file of labelled[]: its family, the label added. */
static int add_labelled(struct scope *s, const char *file, u64 v, size_t i)
{
	char labels[LABELS_LEN], value[VALUE_LEN];
	int ret;

	ret = with_label(s, labels, sizeof(labels), labelled[i].key, labelled[i].value);
	if (ret)
		return ret == -ENAMETOOLONG ? 0 : ret;
	to_base("_pages", v, value, sizeof(value), value, sizeof(value));
	return add(s, labelled[i].name, MSCTL_PROM_COUNTER, file, labels, value);
}

/* A word (@file reads @word): an info gauge of words[], or nothing. */
static int add_word(struct scope *s, const char *file, const char *word)
{
	char labels[LABELS_LEN];
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(words); i++) {
		if (strcmp(words[i].rel, s->rel) || strcmp(words[i].file, file))
			continue;
		ret = with_label(s, labels, sizeof(labels), words[i].key, word);
		if (ret)
			return ret == -ENAMETOOLONG ? 0 : ret;
		return add(s, words[i].name, MSCTL_PROM_GAUGE, file, labels, "1");
	}
	return 0;
}

/* A single value: @file (nr_<what> when @counter) reading @v. */
static int add_value(struct scope *s, const char *file, u64 v, bool counter)
{
	char base[NAME_LEN], name[2 * NAME_LEN], value[VALUE_LEN];
	const char *what = file;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(labelled); i++)
		if (!strcmp(labelled[i].rel, s->rel) && !strcmp(labelled[i].file, file))
			return add_labelled(s, file, v, i);
	if (counter && !strncmp(file, "nr_", 3))
		what = file + 3;
	for (i = 0; i < ARRAY_SIZE(renamed); i++)
		if (!strcmp(renamed[i].what, what))
			break;
	if (i < ARRAY_SIZE(renamed)) {
		snprintf(base, sizeof(base), "%s", renamed[i].name);
		fmt_div(value, sizeof(value), v, renamed[i].div_digits);
	} else {
		to_base(what, v, base, sizeof(base), value, sizeof(value));
	}
	if (snprintf(name, sizeof(name), "%s%s%s", s->prefix, base,
		     counter ? "_total" : "") >= (int)sizeof(name))
		return 0;	/* too long for a metric name: left out */
	return add(s, name, counter ? MSCTL_PROM_COUNTER : MSCTL_PROM_GAUGE,
		   file, s->labels, value);
}

/*
 * A table of "KEY VALUE" lines, @file of directory @dir: node_pages (NODE
 * PAGES), guest_stats and guest_classes (NAME VALUE, bytes or counts).
 */
static int add_table(struct scope *s, const char *dir, const char *file)
{
	char path[PATH_MAX], labels[LABELS_LEN], name[2 * NAME_LEN];
	char value[VALUE_LEN], key[NAME_LEN], *buf = NULL, *line, *save = NULL;
	bool counter;
	u64 v;
	int ret, n;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	ret = msctl_sysfs_slurp(path, &buf, NULL);
	if (ret)
		goto cleanup;
	for (line = strtok_r(buf, "\n", &save); line && !ret;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%127s %llu%n", key, &v, &n) != 2 || line[n]) {
			ret = -EBADMSG;
			break;
		}
		if (!strcmp(file, "node_pages")) {
			snprintf(name, sizeof(name), "%snode_bytes", s->prefix);
			ret = with_label(s, labels, sizeof(labels), "node", key);
			to_base("_pages", v, value, sizeof(value), value, sizeof(value));
			if (!ret)
				ret = add(s, name, MSCTL_PROM_GAUGE, file, labels, value);
		} else if (!strcmp(file, "guest_classes")) {
			snprintf(name, sizeof(name), "%sguest_class_bytes", s->prefix);
			if (ends_with(key, "_bytes"))
				key[strlen(key) - 6] = '\0';
			ret = with_label(s, labels, sizeof(labels), "class", key);
			snprintf(value, sizeof(value), "%llu", v);
			if (!ret)
				ret = add(s, name, MSCTL_PROM_GAUGE, file, labels, value);
		} else {	/* guest_stats */
			counter = in_list(guest_counters, ARRAY_SIZE(guest_counters), key);
			if (snprintf(name, sizeof(name), "%sguest_%s%s", s->prefix, key,
				     counter ? "_total" : "") >= (int)sizeof(name))
				continue;	/* too long: left out */
			snprintf(value, sizeof(value), "%llu", v);
			ret = add(s, name, counter ? MSCTL_PROM_COUNTER : MSCTL_PROM_GAUGE,
				  file, s->labels, value);
		}
	}
	if (ret == -ENAMETOOLONG)
		ret = 0;	/* a label that does not fit: that sample left out */
cleanup:
	free(buf);
	return ret;
}

static bool is_table(const char *file)
{
	return !strcmp(file, "node_pages") || !strcmp(file, "guest_stats") ||
	       !strcmp(file, "guest_classes");
}

/* classes/<class>: pages per class, one family with a class label. */
static int add_classes(struct scope *s, const char *dir)
{
	char name[2 * NAME_LEN], labels[LABELS_LEN], value[VALUE_LEN];
	struct msctl_sysfs_ent *ents = NULL;
	size_t nr = 0, i;
	u64 v;
	int ret;

	ret = msctl_sysfs_list(dir, MSCTL_SYSFS_VALUE, true, &ents, &nr);
	snprintf(name, sizeof(name), "%sclass_bytes", s->prefix);
	for (i = 0; !ret && i < nr; i++) {
		if (!msctl_sysfs_parse_u64(ents[i].value, &v))
			continue;
		ret = with_label(s, labels, sizeof(labels), "class", ents[i].name);
		to_base("_pages", v, value, sizeof(value), value, sizeof(value));
		if (!ret)
			ret = add(s, name, MSCTL_PROM_GAUGE, "classes/", labels, value);
	}
	free(ents);
	return ret;
}

/*
 * Every value of directory @dir (full path) and of its subdirectories, but
 * the top-level ones named in @skip_dirs (NULL-ended). Return: 0 or -errno.
 */
static int export_dir(struct scope *s, const char *dir, bool counters,
		      const char *const *skip_dirs)
{
	struct msctl_sysfs_ent *ents = NULL, *subdirs = NULL;
	char sub[PATH_MAX];
	const char *const *skip;
	size_t nr = 0, nr_sub = 0, i;
	struct scope child;
	u64 v;
	int ret;

	ret = msctl_sysfs_list(dir, MSCTL_SYSFS_VALUE | MSCTL_SYSFS_KNOB, true,
			       &ents, &nr);
	for (i = 0; !ret && i < nr; i++) {
		if (in_list(skipped, ARRAY_SIZE(skipped), ents[i].name))
			continue;
		if (is_table(ents[i].name))
			ret = add_table(s, dir, ents[i].name);
		else if (msctl_sysfs_parse_u64(ents[i].value, &v))
			ret = add_value(s, ents[i].name, v, counters);
		else
			ret = add_word(s, ents[i].name, ents[i].value);
		/* a table of its own, -1, "max", other words: not a number */
	}
	if (!ret)
		ret = msctl_sysfs_list(dir, MSCTL_SYSFS_DIR, false, &subdirs, &nr_sub);
	for (i = 0; !ret && i < nr_sub; i++) {
		for (skip = skip_dirs; skip && *skip; skip++)
			if (!strcmp(*skip, subdirs[i].name))
				break;
		if (skip && *skip)
			continue;
		child = *s;
		if (snprintf(sub, sizeof(sub), "%s/%s", dir, subdirs[i].name) >= (int)sizeof(sub) ||
		    snprintf(child.rel, sizeof(child.rel), "%s%s/", s->rel,
			     subdirs[i].name) >= (int)sizeof(child.rel)) {
			ret = -ENAMETOOLONG;
			break;
		}
		if (!strcmp(subdirs[i].name, "stats")) {
			ret = export_dir(&child, sub, true, NULL);
		} else if (!strcmp(subdirs[i].name, "classes")) {
			ret = add_classes(&child, sub);
		} else {
			if (snprintf(child.prefix, sizeof(child.prefix), "%s%s_",
				     s->prefix, subdirs[i].name) >= (int)sizeof(child.prefix)) {
				ret = -ENAMETOOLONG;
				break;
			}
			ret = export_dir(&child, sub, counters, NULL);
		}
	}
	free(subdirs);
	free(ents);
	return ret;
}

static int export_vms(struct msctl_prom *prom)
{
	char dir[PATH_MAX], labels[LABELS_LEN], pid_s[16], name[256];
	struct scope s = { .prom = prom };
	int *pids = NULL, ret = 0;
	size_t nr, i;

	if (msctl_vm_list(&pids, &nr))
		return -1;
	for (i = 0; !ret && i < nr; i++) {
		msctl_vm_name(pids[i], name, sizeof(name));
		snprintf(pid_s, sizeof(pid_s), "%d", pids[i]);
		labels[0] = '\0';
		ret = msctl_prom_label(labels, sizeof(labels), "pid", pid_s);
		if (!ret)
			ret = msctl_prom_label(labels, sizeof(labels), "name", name);
		if (!ret)
			ret = msctl_vm_path(dir, sizeof(dir), pids[i], NULL);
		snprintf(s.prefix, sizeof(s.prefix), "memsched_vm_");
		snprintf(s.rel, sizeof(s.rel), "vms/<pid>/");
		s.labels = labels;
		if (!ret)
			ret = export_dir(&s, dir, false, NULL);
		if (ret == -ENOENT && !msctl_vm_exists(pids[i]))
			ret = 0;	/* detached while we read it */
	}
	if (ret)
		msctl_vm_report(ret, pids[i - 1]);
	free(pids);
	return ret ? -1 : 0;
}

static int export_files(struct msctl_prom *prom)
{
	char dir[PATH_MAX], labels[LABELS_LEN], ino_s[24], name[NAME_MAX + 1];
	struct scope s = { .prom = prom };
	u64 *inos = NULL;
	size_t nr = 0, i;
	int ret;

	ret = msctl_sysfs_path(dir, sizeof(dir), "files");
	if (!ret)
		ret = msctl_sysfs_list_ids(dir, &inos, &nr);
	if (ret == -ENOENT && !msctl_sysfs_is_dir("files"))
		ret = 0;	/* a tree without memschedfs files */
	for (i = 0; !ret && i < nr; i++) {
		snprintf(ino_s, sizeof(ino_s), "%llu", inos[i]);
		ret = msctl_sysfs_path(dir, sizeof(dir), "files/%llu/name", inos[i]);
		if (!ret)
			ret = msctl_sysfs_read_line(dir, name, sizeof(name));
		if (!ret)
			ret = msctl_sysfs_path(dir, sizeof(dir), "files/%llu", inos[i]);
		labels[0] = '\0';
		if (!ret)
			ret = msctl_prom_label(labels, sizeof(labels), "ino", ino_s);
		if (!ret)
			ret = msctl_prom_label(labels, sizeof(labels), "name", name);
		snprintf(s.prefix, sizeof(s.prefix), "memsched_file_");
		snprintf(s.rel, sizeof(s.rel), "files/<ino>/");
		s.labels = labels;
		if (!ret)
			ret = export_dir(&s, dir, false, NULL);
		if (ret == -ENOENT && access(dir, F_OK))
			ret = 0;	/* unlinked while we read it */
	}
	free(inos);
	if (ret)
		msctl_sysfs_report(ret);
	return ret ? -1 : 0;
}

/* memsched_replica_state{state=...}: 1 for @state, 0 for the role's others. */
static int add_replica_state(struct scope *s, const char *role, const char *state)
{
	const char *const *states = primary_states;
	size_t nr = ARRAY_SIZE(primary_states), i;
	char labels[LABELS_LEN];
	bool known = false;
	int ret = 0;

	if (!strcmp(role, "standby")) {
		states = standby_states;
		nr = ARRAY_SIZE(standby_states);
	} else if (!strcmp(role, "source")) {
		states = source_states;
		nr = ARRAY_SIZE(source_states);
	} else if (!strcmp(role, "recovery")) {
		states = recovery_states;
		nr = ARRAY_SIZE(recovery_states);
	}
	for (i = 0; !ret && i < nr; i++) {
		known |= !strcmp(states[i], state);
		ret = with_label(s, labels, sizeof(labels), "state", states[i]);
		if (!ret)
			ret = add(s, "memsched_replica_state", MSCTL_PROM_GAUGE, "state",
				  labels, strcmp(states[i], state) ? "0" : "1");
	}
	/* a state this tool does not know: still shown */
	if (!ret && !known && *state) {
		ret = with_label(s, labels, sizeof(labels), "state", state);
		if (!ret)
			ret = add(s, "memsched_replica_state", MSCTL_PROM_GAUGE, "state",
				  labels, "1");
	}
	return ret == -ENAMETOOLONG ? 0 : ret;
}

/* One replica: replicas/@name/ of the replication root. */
static int export_replica(struct msctl_prom *prom, const char *root, const char *name)
{
	char dir[PATH_MAX], path[PATH_MAX + 16], labels[LABELS_LEN], info[LABELS_LEN];
	char role[32], state[32], file[PATH_MAX], peer[64];
	struct scope s = { .prom = prom, .prefix = "memsched_replica_",
			   .rel = "replicas/<name>/", .labels = labels };
	static const char *const files[] = { "role", "state", "path", "peer" };
	char *bufs[] = { role, state, file, peer };
	size_t sizes[] = { sizeof(role), sizeof(state), sizeof(file), sizeof(peer) };
	size_t i;
	int ret = 0;

	if (snprintf(dir, sizeof(dir), "%s/replicas/%s", root, name) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	for (i = 0; !ret && i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		ret = msctl_sysfs_read_line(path, bufs[i], sizes[i]);
	}
	labels[0] = '\0';
	if (!ret)
		ret = msctl_prom_label(labels, sizeof(labels), "replica", name);
	if (!ret)
		ret = msctl_prom_label(labels, sizeof(labels), "role", role);
	if (!ret)
		ret = export_dir(&s, dir, false, NULL);
	if (!ret)
		ret = add_replica_state(&s, role, state);
	snprintf(info, sizeof(info), "%s", labels);
	if (!ret && !msctl_prom_label(info, sizeof(info), "path", file) &&
	    !msctl_prom_label(info, sizeof(info), "peer", peer))
		ret = add(&s, "memsched_replica_info", MSCTL_PROM_GAUGE, "path", info, "1");
	return ret == -ENAMETOOLONG ? 0 : ret;
}

/* rdma_failover's replicas, when that module is loaded. */
static int export_replicas(struct msctl_prom *prom)
{
	const char *root = msctl_repl_root();
	struct msctl_sysfs_ent *names = NULL;
	char dir[PATH_MAX], gone[PATH_MAX + NAME_MAX + 16];
	size_t nr = 0, i;
	int ret;

	if (snprintf(dir, sizeof(dir), "%s/replicas", root) >= (int)sizeof(dir))
		return 0;
	if (access(dir, F_OK))
		return 0;	/* rdma_failover.ko not loaded: no replicas */
	ret = msctl_sysfs_list(dir, MSCTL_SYSFS_DIR, false, &names, &nr);
	for (i = 0; !ret && i < nr; i++) {
		ret = export_replica(prom, root, names[i].name);
		snprintf(gone, sizeof(gone), "%s/%s", dir, names[i].name);
		if (ret == -ENOENT && access(gone, F_OK))
			ret = 0;	/* removed while we read it */
	}
	free(names);
	if (ret)
		msctl_sysfs_report(ret);
	return ret ? -1 : 0;
}

/* The values at the top of the tree and in its other directories (balloon/). */
static int export_host(struct msctl_prom *prom)
{
	static const char *const objects[] = { "vms", "files", NULL };
	struct scope s = { .prom = prom, .prefix = "memsched_", .labels = "" };
	char dir[PATH_MAX];
	int ret;

	ret = msctl_sysfs_path(dir, sizeof(dir), "%s", "");
	if (!ret) {
		dir[strlen(dir) - 1] = '\0';	/* no trailing slash */
		ret = export_dir(&s, dir, false, objects);
	}
	if (ret)
		msctl_sysfs_report(ret);
	return ret ? -1 : 0;
}

/*
 * Writes @prom to @path through a temporary file of the same directory
 * and rename(2), so a reader (node_exporter) sees the old file or the new
 * one, never half of one; @path "-" is stdout. The temporary name starts
 * with a dot and does not end in .prom: the textfile collector skips it.
 * Return: 0 or -1 (said).
 */
static int write_prom(struct msctl_prom *prom, const char *path)
{
	char tmp[PATH_MAX], dir[PATH_MAX], base[PATH_MAX];
	FILE *f = NULL;
	int fd = -1, ret = -1, err;

	if (!strcmp(path, "-")) {
		if (msctl_prom_write(prom, stdout) || fflush(stdout)) {
			msctl_err("stdout: %s", strerror(errno));
			return -1;
		}
		return 0;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	snprintf(base, sizeof(base), "%s", path);
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dirname(dir),
		     basename(base)) >= (int)sizeof(tmp)) {
		msctl_err("%s: name too long", path);
		return -1;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = errno;
		msctl_err("%s: cannot create a file in this directory: %s (%s)",
			  dir, strerror(err), msctl_errno_name(err));
		return -1;
	}
	/* node_exporter runs as its own user: the file must be readable */
	if (fchmod(fd, 0644))
		goto write_err;
	f = fdopen(fd, "w");
	if (!f)
		goto write_err;
	fd = -1;
	if (msctl_prom_write(prom, f) || fflush(f) || fsync(fileno(f)))
		goto write_err;
	err = fclose(f);
	f = NULL;
	if (err)
		goto write_err;
	if (rename(tmp, path)) {
		err = errno;
		msctl_err("%s: cannot rename %s to it: %s (%s)", path, tmp,
			  strerror(err), msctl_errno_name(err));
		goto cleanup;
	}
	ret = 0;
	goto cleanup;
write_err:
	err = errno;
	msctl_err("%s: cannot write: %s (%s)", tmp, strerror(err),
		  msctl_errno_name(err));
cleanup:
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	if (ret)
		unlink(tmp);
	return ret;
}

int msctl_cmd_export(int argc, char **argv, const struct msctl_cmd *cmd)
{
	static const struct option opts[] = {
		MSCTL_CLI_COMMON_OPTS,
		{ "output", required_argument, NULL, 'o' },
		{ "textfile-dir", required_argument, NULL, MSCTL_OPT_TEXTFILE_DIR },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *textdir = NULL;
	struct msctl_prom prom = { 0 };
	char path[PATH_MAX];
	int c, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, MSCTL_CLI_COMMON_SHORT "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case MSCTL_OPT_TEXTFILE_DIR:
			textdir = optarg;
			break;
		default:
			ret = msctl_cli_common_opt(c, argv, cmd);
			if (ret >= 0)
				return ret;
		}
	}
	if (argc != optind)
		return msctl_cli_usage_err(cmd, "too many arguments");
	if (out && textdir)
		return msctl_cli_usage_err(cmd, "-o and --textfile-dir exclude each other");
	if (!out) {
		if (snprintf(path, sizeof(path), "%s/" TEXTFILE_NAME,
			     textdir ? textdir : TEXTFILE_DIR) >= (int)sizeof(path))
			return msctl_cli_usage_err(cmd, "--textfile-dir: name too long");
		out = path;
	}
	if (msctl_sysfs_check_root())
		return EXIT_ERR;
	ret = EXIT_ERR;
	if (export_host(&prom) || export_vms(&prom) || export_files(&prom) ||
	    export_replicas(&prom) || write_prom(&prom, out))
		goto cleanup;
	ret = EXIT_OK;
cleanup:
	msctl_prom_free(&prom);
	return ret;
}
