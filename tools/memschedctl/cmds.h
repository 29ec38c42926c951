/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memschedctl: the commands, one file per group: cmd_vm.c (attach, detach,
 * list, status, knobs, set, mrc, watch), cmd_balloon.c (balloon, transfer,
 * setmem, dommemstat),
 * cmd_fs.c (fs list/show/set/move), cmd_record.c (record, report), cmd_export.c (export), cmd_sched.c
 * (sched), cmd_repl.c (repl). main.c
 * holds the table.
 */
#ifndef MSCTL_CMDS_H
#define MSCTL_CMDS_H

#include "cli.h"

#define MSCTL_CMD_FN(name) \
	int msctl_cmd_##name(int argc, char **argv, const struct msctl_cmd *cmd)

MSCTL_CMD_FN(attach);	/* attach and detach */
MSCTL_CMD_FN(list);
MSCTL_CMD_FN(status);
MSCTL_CMD_FN(knobs);
MSCTL_CMD_FN(set);
MSCTL_CMD_FN(mrc);
MSCTL_CMD_FN(watch);
MSCTL_CMD_FN(balloon);
MSCTL_CMD_FN(transfer);
MSCTL_CMD_FN(setmem);
MSCTL_CMD_FN(dommemstat);
MSCTL_CMD_FN(fs_list);
MSCTL_CMD_FN(fs_show);
MSCTL_CMD_FN(fs_set);
MSCTL_CMD_FN(fs_move);
MSCTL_CMD_FN(record);
MSCTL_CMD_FN(report);
MSCTL_CMD_FN(export);
MSCTL_CMD_FN(sched);
MSCTL_CMD_FN(repl);

/*
 * rdma_failover's sysfs directory (cmd_repl.c): $RDMA_FAILOVER_SYSFS, else
 * /sys/kernel/rdma_failover; but when memsched's root was moved (-r ROOT,
 * $MEMSCHED_SYSFS: a test tree), the directory rdma_failover beside it.
 */
const char *msctl_repl_root(void);

/*
 * sched PID KEY=VALUE... (cmd_sched.c): sets shares, min and max of
 * attached VM @pid from @args ("shares=N", "min=SIZE", "max=SIZE|max").
 * Return: the exit status (said).
 */
int msctl_sched_set(int pid, int nargs, char **args, const struct msctl_cmd *cmd);

#endif /* MSCTL_CMDS_H */
