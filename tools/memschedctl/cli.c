// SPDX-License-Identifier: GPL-2.0
/* memschedctl: option parsing and usage messages shared by the commands. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "libvirt.h"
#include "sysfs.h"
#include "vm.h"

bool msctl_cli_json;
char msctl_cli_domain[256];

/* "Usage: memschedctl CMD [-r ROOT] [--json] ARGS" */
static void cmd_synopsis(FILE *f, const struct msctl_cmd *cmd)
{
	fprintf(f, "Usage: " PROG " %s [-r ROOT]%s %s\n", cmd->name,
		cmd->flags & MSCTL_CMD_JSON ? " [--json]" : "", cmd->args);
}

void msctl_cli_cmd_usage(FILE *f, const struct msctl_cmd *cmd)
{
	cmd_synopsis(f, cmd);
	fprintf(f, "%s.\n%s", cmd->summary, cmd->help);
	if (cmd->flags & MSCTL_CMD_JSON)
		fprintf(f, "  --json       print one JSON object on stdout instead of text\n");
}

int msctl_cli_usage_err(const struct msctl_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG "%s%s: ", cmd ? " " : "", cmd ? cmd->name : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	/* the command's synopsis, as -h prints it first */
	if (cmd)
		cmd_synopsis(stderr, cmd);
	fprintf(stderr, "Try '" PROG "%s%s -h' for help.\n",
		cmd ? " " : "", cmd ? cmd->name : "");
	return EXIT_USAGE;
}

int msctl_cli_common_opt(int c, char **argv, const struct msctl_cmd *cmd)
{
	switch (c) {
	case 'r':
		msctl_sysfs_root = optarg;
		return -1;
	case 'h':
		msctl_cli_cmd_usage(stdout, cmd);
		return EXIT_OK;
	case MSCTL_OPT_JSON:
		if (!(cmd->flags & MSCTL_CMD_JSON))
			return msctl_cli_usage_err(cmd, "--json is for commands that read (this one does not print values)");
		msctl_cli_json = true;
		return -1;
	case ':':
		if (optopt > 0 && optopt < 256)
			return msctl_cli_usage_err(cmd, "option '-%c' needs a value", optopt);
		return msctl_cli_usage_err(cmd, "option '%s' needs a value", argv[optind - 1]);
	default:
		if (optopt > 0 && optopt < 256)
			return msctl_cli_usage_err(cmd, "unknown option '-%c'", optopt);
		return msctl_cli_usage_err(cmd, "unknown option '%s'", argv[optind - 1]);
	}
}

int msctl_cli_parse_plain(int argc, char **argv, const struct msctl_cmd *cmd,
			  int nargs)
{
	static const struct option opts[] = {
		MSCTL_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char *shorts = cmd->flags & MSCTL_CMD_OPTS_FIRST ?
			     "+" MSCTL_CLI_COMMON_SHORT : MSCTL_CLI_COMMON_SHORT;
	int c, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, shorts, opts, NULL)) != -1) {
		ret = msctl_cli_common_opt(c, argv, cmd);
		if (ret >= 0)
			return ret;
	}
	if (nargs >= 0 && argc - optind != nargs)
		return msctl_cli_usage_err(cmd, "%s", argc - optind < nargs ?
					   "missing arguments" : "too many arguments");
	return -1;
}

bool msctl_cli_parse_u64(const char *s, u64 *v)
{
	int base = 10;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || isspace((unsigned char)*s))
		return false;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!isxdigit((unsigned char)*s))
			return false;
	}
	errno = 0;
	*v = strtoull(s, &end, base);
	return !errno && end != s && !*end;
}

bool msctl_cli_parse_units(const char *s, const struct msctl_cli_unit *units,
			   size_t nr_units, u64 *bytes)
{
	char *end;
	size_t i;
	u64 v;

	if (!s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return false;
	for (i = 0; i < nr_units; i++) {
		if (strcasecmp(end, units[i].name))
			continue;
		if (v > ~0ULL / units[i].bytes)
			return false;
		*bytes = v * units[i].bytes;
		return true;
	}
	return false;
}

bool msctl_cli_parse_size(const char *s, u64 *pages)
{
	static const struct msctl_cli_unit units[] = {
		{ "", 1ULL << 20 }, { "k", 1ULL << 10 }, { "kib", 1ULL << 10 },
		{ "m", 1ULL << 20 }, { "mib", 1ULL << 20 },
		{ "g", 1ULL << 30 }, { "gib", 1ULL << 30 },
		{ "t", 1ULL << 40 }, { "tib", 1ULL << 40 },
		{ "p", 4096 }, { "pages", 4096 },
	};
	u64 bytes;

	if (!msctl_cli_parse_units(s, units, ARRAY_SIZE(units), &bytes) ||
	    bytes % 4096)
		return false;
	*pages = bytes / 4096;
	return true;
}

bool msctl_cli_parse_secs_max(const char *s, double max, double *secs)
{
	char *end;

	errno = 0;
	*secs = strtod(s, &end);
	return !errno && end != s && !*end && *secs > 0 && *secs <= max;
}

bool msctl_cli_parse_secs(const char *s, double *secs)
{
	return msctl_cli_parse_secs_max(s, 86400, secs);
}

int msctl_cli_get_pid(const char *arg, const struct msctl_cmd *cmd, int *pid)
{
	const char *p;
	u64 v;

	if (!arg || !*arg)
		return msctl_cli_usage_err(cmd, "missing PID or DOMAIN");
	for (p = arg; isdigit((unsigned char)*p); p++)
		;
	/* Not all digits: a libvirt domain's name or UUID. */
	if (*p) {
		if (msctl_libvirt_pid(arg, pid, msctl_cli_domain,
				      sizeof(msctl_cli_domain)))
			return EXIT_ERR;
		return -1;
	}
	if (!msctl_cli_parse_u64(arg, &v) || !v || v > INT_MAX)
		return msctl_cli_usage_err(cmd, "invalid PID '%s': want a positive decimal number or a libvirt domain",
					   arg);
	msctl_cli_domain[0] = '\0';
	*pid = (int)v;
	return -1;
}

int msctl_cli_vm_arg(int argc, char **argv, const struct msctl_cmd *cmd,
		     int nargs, int *pid, msctl_cli_check_fn *check, void *arg)
{
	int ret;

	if (nargs != MSCTL_CLI_OPTS_PARSED) {
		ret = msctl_cli_parse_plain(argc, argv, cmd, nargs);
		if (ret >= 0)
			return ret;
	} else if (argc - optind != 1) {
		return msctl_cli_usage_err(cmd, "%s", argc - optind < 1 ?
					   "missing PID" : "too many arguments");
	}
	ret = msctl_cli_get_pid(argv[optind], cmd, pid);
	if (ret < 0 && check)
		ret = check(argv + optind + 1, cmd, arg);
	if (ret < 0 && msctl_vm_check(*pid))
		ret = EXIT_ERR;
	return ret;
}
