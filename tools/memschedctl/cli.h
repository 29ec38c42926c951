/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memschedctl: the command line. A command is a row of a table (cmds.h);
 * a group (fs) holds a table of its own. Option parsers return -1 to go on,
 * else the exit status the command returns.
 */
#ifndef MSCTL_CLI_H
#define MSCTL_CLI_H

#include <getopt.h>

#include "msctl.h"

enum msctl_cmd_flags {
	MSCTL_CMD_JSON = 1 << 0,	/* takes --json */
	MSCTL_CMD_OPTS_FIRST = 1 << 1,	/* options before operands (VALUE may be -1) */
};

struct msctl_cmd {
	const char *name;	/* as typed: "status", "fs list" */
	int (*fn)(int argc, char **argv, const struct msctl_cmd *cmd);
	const char *args;
	const char *summary;
	const char *help;
	unsigned int flags;
	const struct msctl_cmd *sub;	/* a group's commands, NULL-ended */
};

/* Long-only options have codes above any character. */
enum {
	MSCTL_OPT_JSON = 256,
	MSCTL_OPT_WIDTH,
	MSCTL_OPT_HEIGHT,
	MSCTL_OPT_CSV,
	MSCTL_OPT_DURATION,
	MSCTL_OPT_OUT,
	MSCTL_OPT_FORMAT,
	MSCTL_OPT_TEXTFILE_DIR,
	MSCTL_OPT_NO_CONFIG,
};

/* The options every command takes: put first in a command's table. */
#define MSCTL_CLI_COMMON_OPTS					\
	{ "root", required_argument, NULL, 'r' },		\
	{ "help", no_argument, NULL, 'h' },			\
	{ "json", no_argument, NULL, MSCTL_OPT_JSON }
#define MSCTL_CLI_COMMON_SHORT	":r:h"

/* --json was given (to a command that takes it). */
extern bool msctl_cli_json;

/* The libvirt domain the last PID operand named ("" if a pid was given). */
extern char msctl_cli_domain[256];

void msctl_cli_cmd_usage(FILE *f, const struct msctl_cmd *cmd);
__printf(2, 3) int msctl_cli_usage_err(const struct msctl_cmd *cmd, const char *fmt, ...);

/* Handles a common option, or getopt's error codes, after getopt_long(). */
int msctl_cli_common_opt(int c, char **argv, const struct msctl_cmd *cmd);

/*
 * Parses the options of a command without options of its own and checks
 * that it got @nargs operands (-1: any number), argv[optind...].
 */
int msctl_cli_parse_plain(int argc, char **argv, const struct msctl_cmd *cmd,
			  int nargs);

/* A decimal or 0x-prefixed hexadecimal unsigned 64-bit number. */
bool msctl_cli_parse_u64(const char *s, u64 *v);

/* A unit of a size: msctl_cli_parse_units() */
struct msctl_cli_unit {
	const char *name;	/* matched in any case; "" for a bare number */
	u64 bytes;		/* bytes in one of it, not 0 */
};

/*
 * A size with a unit, in bytes, *@bytes: decimal digits (no sign, space or
 * 0x), then the name of one of the @nr_units @units, any case ("" for a
 * bare number). Return: false if @s is empty or NULL, the unit is not in
 * @units, or the number or the bytes are above 2^64 - 1; then *@bytes is
 * left as it was.
 */
bool msctl_cli_parse_units(const char *s, const struct msctl_cli_unit *units,
			   size_t nr_units, u64 *bytes);

/*
 * A size in 4 KiB pages, *@pages: a decimal number in MiB (the tool's unit)
 * or with a unit: K, M, G, T (KiB, MiB, GiB, TiB; also written KiB, MiB,
 * ...; any case) or p / pages (pages). It must be a whole number of pages:
 * 6K is refused, 8K is 2 pages.
 */
bool msctl_cli_parse_size(const char *s, u64 *pages);

/* Seconds, more than 0 and at most @max, may be fractional. */
bool msctl_cli_parse_secs_max(const char *s, double max, double *secs);

/* Seconds, more than 0 and at most 86400 (an interval), may be fractional. */
bool msctl_cli_parse_secs(const char *s, double *secs);

/*
 * The PID operand @arg in *@pid: a decimal pid, else the name or UUID of a
 * running libvirt domain (libvirt.h), whose name is then in
 * msctl_cli_domain. Return: -1 to go on, else the exit status (2: a bad
 * pid, 1: no such domain or no libvirt; said).
 */
int msctl_cli_get_pid(const char *arg, const struct msctl_cmd *cmd, int *pid);

/*
 * A command's own checks for msctl_cli_vm_arg(): of the operands after the
 * PID, @ops, or of its options, with what it parses put in @arg. Return:
 * -1 to go on, else the exit status (a usage error, said).
 */
typedef int msctl_cli_check_fn(char **ops, const struct msctl_cmd *cmd,
			       void *arg);

/* @nargs of msctl_cli_vm_arg(): the command parsed its options itself. */
#define MSCTL_CLI_OPTS_PARSED	0

/*
 * The prologue of a command on one attached VM, PID its first operand.
 * With @nargs > 0: msctl_cli_parse_plain() (exactly @nargs operands, else
 * "missing arguments" or "too many arguments"); with MSCTL_CLI_OPTS_PARSED
 * (after the command's own getopt loop): exactly one operand (else
 * "missing PID" or "too many arguments"). Then the PID operand
 * (msctl_cli_get_pid()) in *@pid, then @check(argv + optind + 1, @cmd,
 * @arg) unless @check is NULL, so that usage errors come before the VM is
 * looked at, then msctl_vm_check() (the root is there and the VM attached).
 * Return: -1 to go on, else the exit status (2: a usage error, 1: no such
 * domain, no root or the VM not attached; said).
 */
int msctl_cli_vm_arg(int argc, char **argv, const struct msctl_cmd *cmd,
		     int nargs, int *pid, msctl_cli_check_fn *check, void *arg);

#endif /* MSCTL_CLI_H */
