// SPDX-License-Identifier: GPL-2.0
/*
 * memschedctl - command-line front end to memsched's sysfs tree.
 *
 * Attaches VMs to memsched.ko, lists them, shows their working set,
 * miss-rate curve (MRC), usage classes and page ages, sets their knobs,
 * watches and records them over time and draws the record; steers guest
 * balloons; lists and tunes memschedfs files; shows the memory scheduler
 * and sets a VM's shares, minimum and limit; lists, shows and drives the
 * replicas of rdma_failover.ko; exports everything for
 * Prometheus. Everything goes through
 * /sys/kernel/mm/memsched (Documentation/ABI/testing/sysfs-kernel-mm-memsched)
 * and /sys/kernel/rdma_failover (sysfs-kernel-rdma_failover);
 * -r ROOT or $MEMSCHED_SYSFS point it at another tree, e.g. the fake one of
 * tools/tests/test_memschedctl.sh. Documentation/admin-guide/memschedctl.rst
 * documents every command.
 *
 * This file holds the command table and dispatch; cmds.h says where each
 * command lives.
 *
 * Exit status: 0 success, 1 error, 2 usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uapi/memsched.h>

#include "cmds.h"
#include "sysfs.h"

static int cmd_group(int argc, char **argv, const struct msctl_cmd *cmd);

static const struct msctl_cmd fs_cmds[] = {
	{ "fs list", msctl_cmd_fs_list, "", "one line per memschedfs file",
	  "Columns: inode, name, size, resident memory, tiering on/off, MiB per\n"
	  "NUMA node, DRAM budget (MiB or max).\n", MSCTL_CMD_JSON, NULL },
	{ "fs show", msctl_cmd_fs_show, "FILE|INO", "show a memschedfs file",
	  "FILE is a path on a memschedfs mount, INO its inode number (digits\n"
	  "only; write ./123 for a file named 123). Shows size, residence per\n"
	  "node, tiering, the VM whose RAM it is, every knob and counter.\n",
	  MSCTL_CMD_JSON, NULL },
	{ "fs set", msctl_cmd_fs_set, "FILE|INO KNOB VALUE",
	  "set a knob of a memschedfs file",
	  "KNOB is a writable file of files/<ino>/ ('" PROG " fs show' lists them).\n"
	  "VALUE is a decimal or 0x-prefixed integer, -1 or max; the kernel\n"
	  "checks it and logs what it accepts (dmesg) when it refuses it.\n"
	  "Options go before FILE|INO (so that VALUE may be -1).\n",
	  MSCTL_CMD_OPTS_FIRST, NULL },
	{ "fs move", msctl_cmd_fs_move, "FILE|INO NODE",
	  "move every page of a memschedfs file to NUMA node NODE now",
	  "Returns when the move is done and prints the MiB per node after it.\n",
	  0, NULL },
	{ NULL, NULL, NULL, NULL, NULL, 0, NULL },
};

static const struct msctl_cmd cmds[] = {
	{ "attach", msctl_cmd_attach, "[--config FILE|--no-config] PID",
	  "attach memsched to the KVM VM of process PID",
	  "PID is the VMM's (e.g. QEMU's) process id, or a libvirt domain. A QEMU\n"
	  "with -device vhost-vsock-pci,guest-cid=N (or libvirt's JSON form,\n"
	  "-device {\"driver\":\"vhost-vsock-pci\",\"guest-cid\":N,...}) also gets N\n"
	  "as its balloon CID.\n"
	  "  --config FILE  apply FILE's settings after attaching (default:\n"
	  "                 $MEMSCHED_CONFIG_DIR, else " "/etc/memsched/vms" ", /NAME.conf\n"
	  "                 if it exists; NAME the domain, else QEMU's -name)\n"
	  "  --no-config    apply none\n"
	  "A bad line is refused with FILE:LINE before the VM is attached; a\n"
	  "setting the VM or the kernel refuses detaches it again.\n",
	  0, NULL },
	{ "detach", msctl_cmd_attach, "PID", "detach memsched from the VM of process PID",
	  "Drops the VM's sampling state and its vms/PID directory.\n", 0, NULL },
	{ "list", msctl_cmd_list, "", "one line per attached VM (sizes in MiB)",
	  "Columns: pid, guest memory, working set, MRC knee, then the usage\n"
	  "classes active, recently idle (RIDLE), idle and never touched.\n",
	  MSCTL_CMD_JSON, NULL },
	{ "status", msctl_cmd_status, "PID", "show what memsched estimates for a VM",
	  "Guest memory, the memschedfs file of its RAM, sampling, working set,\n"
	  "MRC knee, usage classes, page age histogram and scan statistics.\n"
	  "--json adds every knob and every counter of stats/.\n",
	  MSCTL_CMD_JSON, NULL },
	{ "knobs", msctl_cmd_knobs, "PID", "list a VM's knobs and their values",
	  "A knob is a file of vms/PID/ that is readable and writable; the list\n"
	  "comes from the module, not from this tool.\n", MSCTL_CMD_JSON, NULL },
	{ "set", msctl_cmd_set, "PID KNOB VALUE", "set a knob of a VM",
	  "KNOB is one of the VM's knobs ('" PROG " knobs PID' lists them).\n"
	  "VALUE is a decimal or 0x-prefixed integer; the kernel checks its range\n"
	  "and logs the accepted one (dmesg) when it rejects a value.\n"
	  "active_scans and idle_scans are checked when a scan uses them: a pair\n"
	  "with active_scans >= idle_scans leaves the classes as they are (a\n"
	  "warning says so).\n", 0, NULL },
	{ "mrc", msctl_cmd_mrc, "PID [--width N] [--height M] [--csv]",
	  "plot a VM's miss-rate curve",
	  "  --width N    plot columns (default 61)\n"
	  "  --height M   plot rows (default 21)\n"
	  "  --csv        print the curve's points as mem_mib,miss_ratio lines\n"
	  "Plot: x is memory from 0 to the guest's size, y the share of accesses\n"
	  "that miss with that much memory. K marks the MRC knee, W the working\n"
	  "set, X both when they fall in one column.\n", MSCTL_CMD_JSON, NULL },
	{ "watch", msctl_cmd_watch, "PID [-i SECONDS] [-n COUNT]",
	  "print a VM's estimates every interval",
	  "  -i, --interval SECONDS   time between lines (default 1, may be fractional)\n"
	  "  -n, --count COUNT        stop after COUNT lines (default: run until killed)\n"
	  "Columns: time, working set, MRC knee, active and idle classes (MiB),\n"
	  "scans so far, pages found young since the previous line. With --json,\n"
	  "one JSON object per line (JSON Lines).\n", MSCTL_CMD_JSON, NULL },
	{ "record", msctl_cmd_record, "PID -o FILE [-i SECONDS] [-d SECONDS]",
	  "record a VM's MRC, working set and page ages over time",
	  "  -o, --output FILE          the record (a text format, see the admin guide)\n"
	  "  -i, --interval SECONDS     time between samples (default 1)\n"
	  "  -d, --duration SECONDS     stop after this long (default: when the VM is\n"
	  "                             detached, or on SIGINT/SIGTERM)\n", 0, NULL },
	{ "report", msctl_cmd_report, "FILE [--out DIR] [--format png|svg|both]",
	  "draw a record: the MRC over time as a heatmap, the working set against time",
	  "  --out DIR        where the pictures go (default: FILE's directory)\n"
	  "  --format F       png, svg or both (default both)\n"
	  "Writes DIR/STEM-mrc.EXT and DIR/STEM-wss.EXT (STEM: FILE's name less\n"
	  "its suffix) through gnuplot, with the data and the gnuplot script\n"
	  "beside them, and prints the pictures' paths.\n", MSCTL_CMD_JSON, NULL },
	{ "balloon", msctl_cmd_balloon, "[PID [target MIB | cid CID | stats]]",
	  "show the host's balloon listener, or a VM's balloon; target: what the guest gives up",
	  "Without PID: whether memsched listens for guests, open channels and\n"
	  "refused connections. With PID and no action: the VM's balloon and the\n"
	  "guest's last stats.\n"
	  "  target MIB   what the guest GIVES UP: ask it to balloon MIB MiB (0:\n"
	  "               none); 'setmem' sets what it keeps instead\n"
	  "  cid CID      the guest's vsock CID (attach sets it from QEMU's\n"
	  "               -device vhost-vsock-pci,guest-cid=N, or its JSON form)\n"
	  "  stats        ask the guest for fresh stats now\n", MSCTL_CMD_JSON, NULL },
	{ "setmem", msctl_cmd_setmem, "PID SIZE",
	  "set what the guest keeps, as virsh setmem (the balloon takes the rest)",
	  "SIZE is in KiB, or has a unit as virsh takes it: b, K/KiB, KB (1000),\n"
	  "M/MiB, MB, G/GiB, GB, T/TiB, TB. The balloon's target becomes the\n"
	  "guest's memory (vms/PID/guest_pages) less SIZE, rounded to a whole\n"
	  "4 KiB page for the guest; SIZE above the guest's memory is refused.\n"
	  "('balloon PID target MIB' says what the guest gives up.)\n", 0, NULL },
	{ "dommemstat", msctl_cmd_dommemstat, "PID",
	  "a VM's balloon statistics under virsh dommemstat's names",
	  "NAME VALUE lines, in KiB (faults in counts): swap_in, swap_out,\n"
	  "major_fault, minor_fault, unused, available, usable, disk_caches (the\n"
	  "guest's last stats; left out until it has sent some), actual (the\n"
	  "guest's memory less the balloon), last_update_age_ms (the stats' age;\n"
	  "virsh's last_update is a time, this is an age) and rss (QEMU's VmRSS).\n",
	  MSCTL_CMD_JSON, NULL },
	{ "transfer", msctl_cmd_transfer, "FROM TO MIB",
	  "move MIB MiB of memory from one VM to another",
	  "Inflates FROM's balloon by MIB, waits for its guest (at most 30 s),\n"
	  "then deflates TO's balloon by what FROM gave.\n", 0, NULL },
	{ "sched", msctl_cmd_sched, "[PID [shares=N] [min=SIZE] [max=SIZE|max]]",
	  "show the memory scheduler, or set a VM's shares, minimum and limit",
	  "Without PID: a line with the scheduler's policy, whether it runs, the\n"
	  "pool, the idle-memory tax and the period, then one row per VM: PID,\n"
	  "NAME (QEMU's -name, else the process's name), SHARES, ACTIVE% (active\n"
	  "pages per page the VM holds, at most 100), TARGET and ACTUAL (MiB), and\n"
	  "the MECHANISM and REASON of the VM's last decision.\n"
	  "With PID, one or more of:\n"
	  "  shares=N     the VM's shares (the kernel accepts 1..1000000)\n"
	  "  min=SIZE     memory never reclaimed from the VM (cgroup's memory.min)\n"
	  "  max=SIZE     the most the VM is given (memory.max); max: no limit\n"
	  "SIZE is in MiB, or has a unit: K, M, G, T (KiB ... TiB) or p (4 KiB\n"
	  "pages): 512, 512M, 1G, 131072p. A value the kernel refuses is reported\n"
	  "with its errno and the accepted range.\n", MSCTL_CMD_JSON, NULL },
	{ "repl", msctl_cmd_repl,
	  "[NAME | ACTION ARGS]",
	  "list, show or drive the replicated memschedfs files (rdma_failover)",
	  "Without arguments: one line per replica: NAME (its file's base name),\n"
	  "ROLE, STATE, PEER (IPV4:PORT), EPOCH (the last complete one),\n"
	  "EPOCH_MS, LATENCY_MS (the last epoch, cut to commit), STALL_MS (the\n"
	  "longest writer stall of the last cut; primary) and MiB sent or applied\n"
	  "(source, recovery: served or pulled). With NAME (or show NAME): the\n"
	  "replica in full. ACTION:\n"
	  "  add PATH             replicate the memschedfs file PATH (a primary,\n"
	  "                       stopped; its name is PATH's base name)\n"
	  "  remove NAME          stop it and forget it (the file stays)\n"
	  "  set NAME KNOB VALUE  role (primary|standby|source|recovery), peer\n"
	  "                       (IPV4:PORT: the standby's, or the source's),\n"
	  "                       source (IPV4 to connect from),\n"
	  "                       baseline (absolute path on shared storage:\n"
	  "                       source, recovery), epoch_ms, heartbeat_ms,\n"
	  "                       timeout_ms; all but the last three only while\n"
	  "                       stopped\n"
	  "  start NAME           connect (primary), listen (standby), or write\n"
	  "                       the baseline and listen (source)\n"
	  "  stop NAME            disconnect; the standby keeps its last epoch\n"
	  "  promote NAME         standby: stop receiving, roll a partial epoch\n"
	  "                       back; the file then holds the last complete one\n"
	  "  reconnect NAME       primary: drop the connection, connect again now\n"
	  "  pull NAME            recovery: fill the file from the baseline, then\n"
	  "                       RDMA READ the pages the source wrote since;\n"
	  "                       returns when done (state recovered)\n"
	  "The tree: $RDMA_FAILOVER_SYSFS, else /sys/kernel/rdma_failover (a -r\n"
	  "ROOT tree: ROOT/../rdma_failover). The kernel's errors come back in\n"
	  "words with the replica's role and state.\n", MSCTL_CMD_JSON, NULL },
	{ "export", msctl_cmd_export, "[-o FILE|-] [--textfile-dir DIR]",
	  "write every VM's and file's values for Prometheus",
	  "  -o, --output FILE      write FILE (- for stdout)\n"
	  "  --textfile-dir DIR     write DIR/memsched.prom (default: DIR is\n"
	  "                         /var/lib/prometheus/node-exporter, where\n"
	  "                         node_exporter's textfile collector reads)\n"
	  "The Prometheus text format: memsched_vm_* labelled pid and name,\n"
	  "memsched_file_* labelled ino and name, memsched_balloon_*; sizes in\n"
	  "bytes, times in seconds, counters ending in _total. A file is written\n"
	  "to a temporary name in its directory and renamed over the old one.\n",
	  0, NULL },
	{ "fs", cmd_group, "list|show|set|move ...", "memschedfs files",
	  "", 0, fs_cmds },
	{ NULL, NULL, NULL, NULL, NULL, 0, NULL },
};

static void usage_table(FILE *f, const struct msctl_cmd *table)
{
	const struct msctl_cmd *c;

	for (c = table; c->name; c++) {
		if (c->sub) {
			usage_table(f, c->sub);
			continue;
		}
		if (strlen(c->name) + strlen(c->args) > 38 || strlen(c->name) > 8)
			fprintf(f, "  %s %s\n  %-39s %s\n", c->name, c->args, "",
				c->summary);
		else
			fprintf(f, "  %-8s %-30s %s\n", c->name, c->args, c->summary);
	}
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: " PROG " [-r ROOT] COMMAND [ARGS...]\n"
		"Control memsched, memory scheduling for KVM hosts.\n\n"
		"Commands:\n");
	usage_table(f, cmds);
	fprintf(f, "\nOptions (also accepted after COMMAND):\n"
		"  -r, --root ROOT  memsched's sysfs directory (default: $MEMSCHED_SYSFS,\n"
		"                   else " MEMSCHED_SYSFS_ROOT ")\n"
		"  --json           (commands that show values) one JSON object on stdout\n"
		"  -h, --help       show this help, or a command's with '" PROG " COMMAND -h'\n\n"
		"PID is a VMM's process id, or the name or UUID of a running libvirt\n"
		"domain (its QEMU's pid from /run/libvirt/qemu/NAME.pid; the directory\n"
		"is $MEMSCHED_LIBVIRT_RUN when set).\n"
		"Sizes are in MiB (1 MiB = 256 pages of 4 KiB).\n"
		"Exit status: 0 success, 1 error, 2 usage error.\n");
}

/* The last word of a command's name: what is typed to select it. */
static const char *cmd_word(const struct msctl_cmd *cmd)
{
	const char *sp = strrchr(cmd->name, ' ');

	return sp ? sp + 1 : cmd->name;
}

/* A group (fs): its first operand selects one of its commands. */
static int cmd_group(int argc, char **argv, const struct msctl_cmd *group)
{
	const struct msctl_cmd *c;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fprintf(argc < 2 ? stderr : stdout, "Usage: " PROG " %s COMMAND ...\nCommands:\n",
			group->name);
		usage_table(argc < 2 ? stderr : stdout, group->sub);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	for (c = group->sub; c->name; c++)
		if (!strcmp(argv[1], cmd_word(c)))
			return c->fn(argc - 1, argv + 1, c);
	return msctl_cli_usage_err(group, "unknown command '%s'", argv[1]);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct msctl_cmd *cmd;
	const char *env;
	int c;

	env = getenv("MEMSCHED_SYSFS");
	if (env && *env)
		msctl_sysfs_root = env;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:r:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			msctl_sysfs_root = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case ':':
			return msctl_cli_usage_err(NULL, "option '%s' needs a value",
						   argv[optind - 1]);
		default:
			return msctl_cli_usage_err(NULL, "unknown option '%s'",
						   argv[optind - 1]);
		}
	}
	if (optind == argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (cmd = cmds; cmd->name; cmd++)
		if (!strcmp(argv[optind], cmd->name))
			return cmd->fn(argc - optind, argv + optind, cmd);
	return msctl_cli_usage_err(NULL, "unknown command '%s'", argv[optind]);
}
