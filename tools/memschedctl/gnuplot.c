// SPDX-License-Identifier: GPL-2.0
/* memschedctl: running gnuplot (gnuplot.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gnuplot.h"

#define GP_NOT_FOUND	127

static const char *gp_bin(void)
{
	const char *bin = getenv("GNUPLOT");

	return bin && *bin ? bin : "gnuplot";
}

/*
 * gnuplot with @args, stdout and (if @quiet) stderr to /dev/null.
 * Return: its exit status, GP_NOT_FOUND if it could not be run, -1 on
 * fork failure.
 */
static int gp_exec(char *const args[], bool quiet)
{
	int status, fd;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			if (quiet)
				dup2(fd, STDERR_FILENO);
		}
		execvp(args[0], args);
		_exit(GP_NOT_FOUND);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void not_found(const char *bin)
{
	msctl_err("cannot run %s: install Debian's gnuplot-nox (scripts/deps.sh), or set GNUPLOT",
		  bin);
}

bool msctl_gp_check(void)
{
	char *args[] = { (char *)gp_bin(), "--version", NULL };
	int ret = gp_exec(args, true);

	if (ret == GP_NOT_FOUND)
		not_found(args[0]);
	else if (ret)
		msctl_err("%s --version failed (status %d)", args[0], ret);
	return !ret;
}

bool msctl_gp_has_terminal(const char *name)
{
	char cmd[64];
	char *args[] = { (char *)gp_bin(), "-e", cmd, NULL };

	snprintf(cmd, sizeof(cmd), "set terminal %s", name);
	return gp_exec(args, true) == 0;
}

void msctl_gp_put_str(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s, f);
	}
	fputc('\'', f);
}

int msctl_gp_run(const char *script)
{
	char *args[] = { (char *)gp_bin(), (char *)script, NULL };
	int ret;

	ret = gp_exec(args, false);
	if (!ret)
		return 0;
	if (ret == GP_NOT_FOUND)
		not_found(args[0]);
	else
		msctl_err("%s %s failed (status %d)", args[0], script, ret);
	return -1;
}
