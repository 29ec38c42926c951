// SPDX-License-Identifier: GPL-2.0
/*
 * memschedctl: the memschedfs commands: fs list, fs show, fs set, fs move.
 * A file is named by its path on a memschedfs mount (resolved to its inode
 * with stat(2)) or by its inode number, the name of its files/<ino>/.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <uapi/memsched.h>

#include "cmds.h"
#include "fmt.h"
#include "json.h"
#include "sysfs.h"

#define MAX_NODES		64

/* What fs list and fs show say of a file. */
struct fs_file {
	u64 ino;
	char name[NAME_MAX + 1];
	u64 size_pages;
	u64 resident_pages;
	size_t nr_nodes;
	struct {
		int node;
		u64 pages;
	} node_pages[MAX_NODES];
	char dram_budget[MSCTL_SYSFS_VALUE_MAX];	/* "max" or pages */
	char tiering[MSCTL_SYSFS_VALUE_MAX];
	char dram_node[MSCTL_SYSFS_VALUE_MAX];
	char pmem_node[MSCTL_SYSFS_VALUE_MAX];
};

static int file_path(char *buf, size_t size, u64 ino, const char *file)
{
	if (file)
		return msctl_sysfs_path(buf, size, "files/%llu/%s", ino, file);
	return msctl_sysfs_path(buf, size, "files/%llu", ino);
}

static bool file_exists(u64 ino)
{
	char rel[48];

	snprintf(rel, sizeof(rel), "files/%llu", ino);
	return msctl_sysfs_is_dir(rel);
}

/* Explains a failure (-errno) to read a file of files/@ino/. */
static void file_report(int ret, u64 ino)
{
	if (ret == -ENOENT && !file_exists(ino))
		msctl_err("memschedfs file %llu is gone (no %s/files/%llu)", ino,
			  msctl_sysfs_root, ino);
	else
		msctl_sysfs_report(ret);
}

/* node_pages: "NODE PAGES" lines. */
static int load_node_pages(u64 ino, struct fs_file *f)
{
	char path[PATH_MAX], *buf = NULL, *line, *save = NULL;
	int ret, node, n;
	u64 pages;

	ret = file_path(path, sizeof(path), ino, "node_pages");
	if (!ret)
		ret = msctl_sysfs_slurp(path, &buf, NULL);
	if (ret)
		goto cleanup;
	f->nr_nodes = 0;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%d %llu%n", &node, &pages, &n) != 2 ||
		    line[n] || node < 0 || f->nr_nodes == MAX_NODES) {
			ret = -EBADMSG;
			goto cleanup;
		}
		f->node_pages[f->nr_nodes].node = node;
		f->node_pages[f->nr_nodes].pages = pages;
		f->nr_nodes++;
	}
cleanup:
	free(buf);
	return ret;
}

static int load_file(u64 ino, struct fs_file *f)
{
	static const struct {
		const char *file;
		size_t offset;
	} lines[] = {
		{ "name", offsetof(struct fs_file, name) },
		{ "dram_budget_pages", offsetof(struct fs_file, dram_budget) },
		{ "tiering", offsetof(struct fs_file, tiering) },
		{ "dram_node", offsetof(struct fs_file, dram_node) },
		{ "pmem_node", offsetof(struct fs_file, pmem_node) },
	};
	char path[PATH_MAX];
	size_t i;
	int ret = 0;

	memset(f, 0, sizeof(*f));
	f->ino = ino;
	for (i = 0; !ret && i < ARRAY_SIZE(lines); i++) {
		ret = file_path(path, sizeof(path), ino, lines[i].file);
		if (!ret)
			ret = msctl_sysfs_read_line(path, (char *)f + lines[i].offset,
						    i ? MSCTL_SYSFS_VALUE_MAX : sizeof(f->name));
	}
	if (!ret)
		ret = file_path(path, sizeof(path), ino, "size_pages");
	if (!ret)
		ret = msctl_sysfs_read_u64(path, &f->size_pages);
	if (!ret)
		ret = file_path(path, sizeof(path), ino, "resident_pages");
	if (!ret)
		ret = msctl_sysfs_read_u64(path, &f->resident_pages);
	if (!ret)
		ret = load_node_pages(ino, f);
	return ret;
}

/*
 * FILE|INO: digits only are an inode number (write ./123 for a file named
 * 123); anything else is a path, whose inode is its files/<ino>/. The path
 * must be on memschedfs, unless the tree is not the kernel's (-r ROOT: a
 * test tree, whose files live on another file system).
 * Return: -1 to go on, else the exit status.
 */
static int resolve(const char *arg, const struct msctl_cmd *cmd, u64 *ino)
{
	struct statfs sfs;
	struct stat st;
	const char *p;

	for (p = arg; isdigit((unsigned char)*p); p++)
		;
	if (*arg && !*p) {
		if (!msctl_cli_parse_u64(arg, ino) || !*ino)
			return msctl_cli_usage_err(cmd, "invalid INO '%s'", arg);
	} else {
		if (stat(arg, &st)) {
			msctl_err("%s: %s (%s)", arg, strerror(errno),
				  msctl_errno_name(errno));
			return EXIT_ERR;
		}
		if (!strcmp(msctl_sysfs_root, MEMSCHED_SYSFS_ROOT) &&
		    (statfs(arg, &sfs) || sfs.f_type != MEMSCHEDFS_MAGIC)) {
			msctl_err("%s: not on a memschedfs mount (mount -t memschedfs none DIR)",
				  arg);
			return EXIT_ERR;
		}
		*ino = st.st_ino;
	}
	if (msctl_sysfs_check_root())
		return EXIT_ERR;
	if (!file_exists(*ino)) {
		msctl_err("no memschedfs file with inode %llu (no %s/files/%llu; see '" PROG " fs list')",
			  *ino, msctl_sysfs_root, *ino);
		return EXIT_ERR;
	}
	return -1;
}

static void json_file(struct msctl_json *j, const struct fs_file *f)
{
	size_t i;

	msctl_json_u64(j, "ino", f->ino);
	msctl_json_str(j, "name", f->name);
	msctl_json_u64(j, "size_pages", f->size_pages);
	msctl_json_u64(j, "resident_pages", f->resident_pages);
	msctl_json_arr_open(j, "node_pages");
	for (i = 0; i < f->nr_nodes; i++) {
		msctl_json_obj_open(j, NULL);
		msctl_json_s64(j, "node", f->node_pages[i].node);
		msctl_json_u64(j, "pages", f->node_pages[i].pages);
		msctl_json_obj_close(j);
	}
	msctl_json_arr_close(j);
	msctl_json_value(j, "dram_budget_pages", f->dram_budget);
	msctl_json_value(j, "tiering", f->tiering);
	msctl_json_value(j, "dram_node", f->dram_node);
	msctl_json_value(j, "pmem_node", f->pmem_node);
}

/* "0:16.0 1:48.0": MiB per node. */
static const char *fmt_nodes(char *buf, size_t size, const struct fs_file *f)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < f->nr_nodes && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%d:%.1f",
					i ? " " : "", f->node_pages[i].node,
					msctl_fmt_mib(f->node_pages[i].pages));
	return buf;
}

/* "max", or pages in MiB. */
static const char *fmt_budget(char *buf, size_t size, const char *budget)
{
	u64 pages;

	if (msctl_sysfs_parse_u64(budget, &pages))
		snprintf(buf, size, "%.1f", msctl_fmt_mib(pages));
	else
		snprintf(buf, size, "%s", budget);
	return buf;
}

/* fs list */
MSCTL_CMD_FN(fs_list)
{
	char path[PATH_MAX], nodes[256], budget[32];
	struct msctl_json j;
	struct fs_file f;
	u64 *inos = NULL;
	size_t nr = 0, i;
	int ret;

	ret = msctl_cli_parse_plain(argc, argv, cmd, 0);
	if (ret >= 0)
		return ret;
	if (msctl_sysfs_check_root())
		return EXIT_ERR;
	ret = msctl_sysfs_path(path, sizeof(path), "files");
	if (!ret)
		ret = msctl_sysfs_list_ids(path, &inos, &nr);
	if (ret) {
		msctl_sysfs_report(ret);
		return EXIT_ERR;
	}
	msctl_json_init(&j, stdout);
	if (msctl_cli_json) {
		msctl_json_obj_open(&j, NULL);
		msctl_json_arr_open(&j, "files");
	} else {
		printf("%8s %-16s %10s %12s %-8s %-20s %15s\n", "INO", "NAME",
		       "SIZE_MiB", "RESIDENT_MiB", "TIERING", "NODE:MiB",
		       "DRAM_BUDGET_MiB");
	}
	for (i = 0; i < nr; i++) {
		ret = load_file(inos[i], &f);
		/* Freed while we were listing: not an error. */
		if (ret == -ENOENT && !file_exists(inos[i]))
			continue;
		if (ret) {
			file_report(ret, inos[i]);
			ret = EXIT_ERR;
			goto cleanup;
		}
		if (msctl_cli_json) {
			msctl_json_obj_open(&j, NULL);
			json_file(&j, &f);
			msctl_json_obj_close(&j);
			continue;
		}
		printf("%8llu %-16s %10.1f %12.1f %-8s %-20s %15s\n", f.ino,
		       f.name, msctl_fmt_mib(f.size_pages),
		       msctl_fmt_mib(f.resident_pages),
		       strcmp(f.tiering, "0") ? "on" : "off",
		       fmt_nodes(nodes, sizeof(nodes), &f),
		       fmt_budget(budget, sizeof(budget), f.dram_budget));
	}
	if (msctl_cli_json) {
		msctl_json_arr_close(&j);
		msctl_json_obj_close(&j);
		msctl_json_end(&j);
	}
	ret = EXIT_OK;
cleanup:
	free(inos);
	return ret;
}

/* The VMs whose vms/<pid>/ram links to files/@ino (the VM's RAM is it). */
static int file_vms(u64 ino, int *pids, size_t max, size_t *nrp)
{
	char path[PATH_MAX], target[PATH_MAX], want[48], *base;
	u64 *ids = NULL;
	size_t nr = 0, i;
	ssize_t n;
	int ret;

	*nrp = 0;
	ret = msctl_sysfs_path(path, sizeof(path), "vms");
	if (!ret)
		ret = msctl_sysfs_list_ids(path, &ids, &nr);
	if (ret)
		return ret;
	snprintf(want, sizeof(want), "%llu", ino);
	for (i = 0; i < nr && *nrp < max; i++) {
		if (msctl_sysfs_path(path, sizeof(path), "vms/%llu/ram", ids[i]))
			continue;
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		base = strrchr(target, '/');
		if (!strcmp(base ? base + 1 : target, want))
			pids[(*nrp)++] = (int)ids[i];
	}
	free(ids);
	return 0;
}

/* fs show FILE|INO */
MSCTL_CMD_FN(fs_show)
{
	struct msctl_sysfs_ent *knobs = NULL, *stats = NULL;
	size_t nr_knobs = 0, nr_stats = 0, nr_vms = 0, i;
	char path[PATH_MAX], budget[32];
	struct msctl_json j;
	struct fs_file f;
	int ret, vms[16];
	u64 ino;

	ret = msctl_cli_parse_plain(argc, argv, cmd, 1);
	if (ret < 0)
		ret = resolve(argv[optind], cmd, &ino);
	if (ret >= 0)
		return ret;
	ret = load_file(ino, &f);
	if (!ret)
		ret = file_path(path, sizeof(path), ino, NULL);
	if (!ret)
		ret = msctl_sysfs_list(path, MSCTL_SYSFS_KNOB, true, &knobs, &nr_knobs);
	if (!ret)
		ret = file_path(path, sizeof(path), ino, "stats");
	if (!ret)
		ret = msctl_sysfs_list(path, MSCTL_SYSFS_VALUE, true, &stats, &nr_stats);
	if (ret) {
		file_report(ret, ino);
		ret = EXIT_ERR;
		goto cleanup;
	}
	file_vms(ino, vms, ARRAY_SIZE(vms), &nr_vms);

	if (msctl_cli_json) {
		msctl_json_init(&j, stdout);
		msctl_json_obj_open(&j, NULL);
		json_file(&j, &f);
		msctl_json_arr_open(&j, "vms");
		for (i = 0; i < nr_vms; i++)
			msctl_json_s64(&j, NULL, vms[i]);
		msctl_json_arr_close(&j);
		msctl_json_obj_open(&j, "knobs");
		for (i = 0; i < nr_knobs; i++)
			msctl_json_value(&j, knobs[i].name, knobs[i].value);
		msctl_json_obj_close(&j);
		msctl_json_obj_open(&j, "stats");
		for (i = 0; i < nr_stats; i++)
			msctl_json_value(&j, stats[i].name, stats[i].value);
		msctl_json_obj_close(&j);
		msctl_json_obj_close(&j);
		msctl_json_end(&j);
		ret = EXIT_OK;
		goto cleanup;
	}
	printf("memschedfs file %s (inode %llu)\n", f.name, f.ino);
	printf("  size          %.1f MiB (%llu pages)\n",
	       msctl_fmt_mib(f.size_pages), f.size_pages);
	printf("  resident      %.1f MiB (%llu pages)\n",
	       msctl_fmt_mib(f.resident_pages), f.resident_pages);
	for (i = 0; i < f.nr_nodes; i++)
		printf("    node %-4d   %.1f MiB (%llu pages)\n",
		       f.node_pages[i].node, msctl_fmt_mib(f.node_pages[i].pages),
		       f.node_pages[i].pages);
	printf("  tiering       %s (DRAM node %s, PMEM node %s, DRAM budget %s%s)\n",
	       strcmp(f.tiering, "0") ? "on" : "off", f.dram_node, f.pmem_node,
	       fmt_budget(budget, sizeof(budget), f.dram_budget),
	       strcmp(f.dram_budget, "max") ? " MiB" : "");
	for (i = 0; i < nr_vms; i++)
		printf("  RAM of VM %d ('" PROG " status %d')\n", vms[i], vms[i]);
	printf("  knobs ('" PROG " fs set %llu KNOB VALUE'):\n", f.ino);
	for (i = 0; i < nr_knobs; i++)
		msctl_fmt_row(knobs[i].name, knobs[i].value);
	printf("  stats:\n");
	for (i = 0; i < nr_stats; i++)
		msctl_fmt_row(stats[i].name, stats[i].value);
	ret = EXIT_OK;
cleanup:
	free(knobs);
	free(stats);
	return ret;
}

/* Writes @val to files/@ino/@file; says what went wrong. */
static int file_write(u64 ino, const char *file, const char *val)
{
	char path[PATH_MAX];
	bool opened;
	int ret;

	if (file_path(path, sizeof(path), ino, file)) {
		msctl_err("%s: path too long", msctl_sysfs_root);
		return EXIT_ERR;
	}
	ret = msctl_sysfs_write(path, val, &opened);
	if (!ret)
		return EXIT_OK;
	if (ret == -ENOENT && !file_exists(ino))
		msctl_err("%s of file %llu: the file is gone", file, ino);
	else if (ret == -EINVAL)
		msctl_err("%s of file %llu: the kernel rejected the value (EINVAL); 'dmesg | tail' says what is accepted",
			  file, ino);
	else if (ret == -EBUSY)
		msctl_err("%s of file %llu: busy (EBUSY); 'dmesg | tail' says why",
			  file, ino);
	else if (ret == -EACCES || ret == -EPERM)
		msctl_err("%s of file %llu: permission denied; run as root (%s)",
			  file, ino, msctl_errno_name(-ret));
	else
		msctl_err("%s of file %llu: %s (%s)", file, ino, strerror(-ret),
			  msctl_errno_name(-ret));
	return EXIT_ERR;
}

/* fs set FILE|INO KNOB VALUE */
MSCTL_CMD_FN(fs_set)
{
	struct msctl_sysfs_ent *knobs = NULL;
	const char *knob, *arg;
	char path[PATH_MAX], val[64], owner[48];
	size_t nr = 0;
	int ret;
	u64 ino, v;

	ret = msctl_cli_parse_plain(argc, argv, cmd, 3);
	if (ret < 0)
		ret = resolve(argv[optind], cmd, &ino);
	if (ret >= 0)
		return ret;
	knob = argv[optind + 1];
	arg = argv[optind + 2];
	/* Numbers go in decimal; "max" and -1 as they are. */
	if (msctl_cli_parse_u64(arg, &v))
		snprintf(val, sizeof(val), "%llu\n", v);
	else if (!strcmp(arg, "max") || !strcmp(arg, "-1"))
		snprintf(val, sizeof(val), "%s\n", arg);
	else
		return msctl_cli_usage_err(cmd, "invalid VALUE '%s': want a non-negative integer, -1 or max",
					   arg);
	ret = file_path(path, sizeof(path), ino, NULL);
	if (!ret)
		ret = msctl_sysfs_list(path, MSCTL_SYSFS_KNOB, false, &knobs, &nr);
	if (ret) {
		file_report(ret, ino);
		return EXIT_ERR;
	}
	snprintf(owner, sizeof(owner), "file %llu", ino);
	if (!msctl_sysfs_knob_known(knobs, nr, knob, "fs set", owner)) {
		free(knobs);
		return EXIT_ERR;
	}
	free(knobs);
	return file_write(ino, knob, val);
}

/* fs move FILE|INO NODE */
MSCTL_CMD_FN(fs_move)
{
	char val[32], nodes[256];
	struct fs_file f;
	int ret;
	u64 ino, node;

	ret = msctl_cli_parse_plain(argc, argv, cmd, 2);
	if (ret < 0)
		ret = resolve(argv[optind], cmd, &ino);
	if (ret >= 0)
		return ret;
	if (!msctl_cli_parse_u64(argv[optind + 1], &node) || node > 1U << 20)
		return msctl_cli_usage_err(cmd, "invalid NODE '%s': want a node id",
					   argv[optind + 1]);
	snprintf(val, sizeof(val), "%llu\n", node);
	ret = file_write(ino, "move", val);
	if (ret)
		return ret;
	ret = load_file(ino, &f);
	if (ret) {
		file_report(ret, ino);
		return EXIT_ERR;
	}
	printf("%s: moved to node %llu; MiB per node now %s\n", f.name, node,
	       fmt_nodes(nodes, sizeof(nodes), &f));
	return EXIT_OK;
}
