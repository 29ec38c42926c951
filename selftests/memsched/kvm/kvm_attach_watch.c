// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_attach_watch - run a program and keep memsched attached to every KVM
 * VM it creates, one after the other.
 *
 *   kvm_attach_watch [--root DIR] [--period N] [--interval-ms N]
 *                    [--poll-us N] [--summary FILE] -- PROG [ARGS...]
 *
 * memsched attaches by VMM pid, to the first VM file the process has open,
 * and refuses a second attach of the same pid (-EEXIST) while the first VM
 * is attached. It also pins the VM: a VM the program has closed stays
 * attached (and alive) until it is detached or the process exits. The
 * kernel's KVM selftests create several VMs in sequence, often reusing the
 * same fd number, so this watcher tells VMs apart by their struct file: it
 * holds a duplicate of the attached VM's file (pidfd_getfd()) and compares
 * it with the program's current first VM file (kcmp(KCMP_FILE), or a mark
 * on the file where the kernel has no kcmp()). When they
 * differ, or the program has no VM file any more, the old VM is detached
 * and the new one attached, and its knobs are set (sample_period
 * --period, default 1; scan_interval_ms --interval-ms, default 10).
 *
 * When the program exits, the attached VM is left for memsched to detach
 * on its own (the VMM's mm going away), as with any VMM that exits.
 *
 * Every event goes to stderr with the time since the start. The summary
 * line "attached=N detached=N vanished=N errors=N" goes to stderr and to
 * --summary FILE: vanished counts attaches or knob writes that found the VM
 * already gone (the program closed it between the poll and the write),
 * errors counts every other failed write. Exit status: the program's
 * (128 + signal when killed), or 1 when the watcher itself fails. SIGTERM
 * or SIGINT kills the program (SIGKILL) and reports as above.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROG "kvm_attach_watch"

static const char *root = "/sys/kernel/mm/memsched";
static struct timespec t0;
static unsigned int nr_attached, nr_detached, nr_vanished, nr_errors;
static volatile sig_atomic_t stop;

/* SIGTERM (a timeout) or SIGINT: kill the program too, then report. */
static void on_signal(int sig)
{
	stop = sig;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	struct timespec t;
	va_list ap;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &t);
	ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
	va_start(ap, fmt);
	fprintf(stderr, PROG ": +%ldms ", ms);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, PROG ": ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static long parse_num(const char *opt, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		die("%s takes a number from %ld to %ld, not '%s'", opt, min, max, s);
	return v;
}

/*
 * Our duplicate of a VM file is often the last reference to the VM once the
 * program closed it, so closing it destroys the VM: with thousands of
 * memslots that takes a second or more under TCG, during which the program
 * may create and close more VMs. Dropped files are closed by this thread.
 */
static int closer_pipe[2];

static void *closer(void *arg)
{
	int fd;

	(void)arg;
	while (read(closer_pipe[0], &fd, sizeof(fd)) == sizeof(fd))
		close(fd);
	return NULL;
}

static void drop_file(int fd)
{
	if (write(closer_pipe[1], &fd, sizeof(fd)) != sizeof(fd))
		close(fd);
}

/* Write @val to @path like `echo`; 0 or the errno of the failed write. */
static int write_file(const char *path, long val)
{
	char buf[32];
	int fd, len, ret = 0;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return errno;
	len = snprintf(buf, sizeof(buf), "%ld\n", val);
	if (write(fd, buf, len) != len)
		ret = errno ? errno : EIO;
	close(fd);
	return ret;
}

/* The program's lowest-numbered open KVM VM file (what memsched attaches), or -1. */
static int first_vm_fd(pid_t pid)
{
	char dir[64], path[384], link[64];
	struct dirent *de;
	int best = -1;
	ssize_t n;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	d = opendir(dir);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		int fd;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		fd = atoi(de->d_name);
		if (best >= 0 && fd > best)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		if (!strcmp(link, "anon_inode:kvm-vm"))
			best = fd;
	}
	closedir(d);
	return best;
}

/*
 * Without kcmp() (CONFIG_KCMP is off, as in defconfig-based kernels), a
 * held VM file is marked instead: O_APPEND, which a VM file (ioctls only)
 * never uses and a new VM file never has, and which /proc/PID/fdinfo shows.
 */
static int have_kcmp = 1;

static void mark_file(int mine)
{
	if (!have_kcmp)
		fcntl(mine, F_SETFL, fcntl(mine, F_GETFL) | O_APPEND);
}

static int fd_marked(pid_t pid, int fd)
{
	unsigned int flags = 0;
	char path[64], line[128];
	int marked = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "flags: %o", &flags) == 1) {
			marked = !!(flags & O_APPEND);
			break;
		}
	fclose(f);
	return marked;
}

/* Is the program's @fd the same open file as our @mine? */
static int same_file(pid_t pid, int fd, int mine)
{
	if (have_kcmp) {
		long r = syscall(SYS_kcmp, getpid(), pid, KCMP_FILE, mine, fd);

		if (r >= 0 || errno != ENOSYS)
			return r == 0;
		have_kcmp = 0;
		say("no kcmp(): VM files are told apart by an O_APPEND mark");
		mark_file(mine);
	}
	return fd_marked(pid, fd);
}

static void detach(pid_t pid, const char *why)
{
	char path[256];
	int err;

	snprintf(path, sizeof(path), "%s/detach", root);
	err = write_file(path, pid);
	if (!err) {
		nr_detached++;
		say("detached pid %d (%s)", pid, why);
	} else if (err == ENOENT) {
		say("detach pid %d (%s): not attached any more", pid, why);
	} else {
		nr_errors++;
		say("detach pid %d (%s): %s", pid, why, strerror(err));
	}
}

/* A knob of the attached VM; a VM already detached again only counts as vanished. */
static void set_knob(pid_t pid, const char *knob, long val)
{
	char path[256];
	int err;

	snprintf(path, sizeof(path), "%s/vms/%d/%s", root, pid, knob);
	err = write_file(path, val);
	if (!err)
		return;
	if (err == ENOENT || err == ENODEV) {	/* detached, or being torn down */
		nr_vanished++;
		say("%s: the VM is gone (%s)", knob, strerror(err));
	} else {
		nr_errors++;
		say("%s = %ld: %s", knob, val, strerror(err));
	}
}

/* Attach the program's current VM; 0 when memsched attached it. */
static int attach(pid_t pid, int fd, long period, long interval_ms)
{
	char path[256];
	int err;

	snprintf(path, sizeof(path), "%s/attach", root);
	err = write_file(path, pid);
	switch (err) {
	case 0:
		nr_attached++;
		say("attached VM #%u of pid %d (fd %d)", nr_attached, pid, fd);
		set_knob(pid, "sample_period", period);
		set_knob(pid, "scan_interval_ms", interval_ms);
		return 0;
	case EINVAL:	/* no VM open any more */
	case ESRCH:	/* the program is exiting */
		nr_vanished++;
		say("attach pid %d (fd %d): %s (the VM is gone)", pid, fd, strerror(err));
		return -1;
	default:
		nr_errors++;
		say("attach pid %d (fd %d): %s", pid, fd, strerror(err));
		return -1;
	}
}

int main(int argc, char **argv)
{
	long period = 1, interval_ms = 10, poll_us = 1000;
	const char *summary = NULL;
	int held = -1, pidfd, status, i, fd;
	pthread_t closer_thread;
	pid_t pid;
	FILE *f;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--") && i + 1 < argc) {
			i++;
			break;
		} else if (i + 1 >= argc) {
			die("usage: " PROG " [--root DIR] [--period N] [--interval-ms N] [--poll-us N] [--summary FILE] -- PROG [ARGS...]");
		} else if (!strcmp(argv[i], "--root")) {
			root = argv[++i];
		} else if (!strcmp(argv[i], "--period")) {
			period = parse_num(argv[i], argv[i + 1], 1, 1024);
			i++;
		} else if (!strcmp(argv[i], "--interval-ms")) {
			interval_ms = parse_num(argv[i], argv[i + 1], 10, 60000);
			i++;
		} else if (!strcmp(argv[i], "--poll-us")) {
			poll_us = parse_num(argv[i], argv[i + 1], 100, 1000000);
			i++;
		} else if (!strcmp(argv[i], "--summary")) {
			summary = argv[++i];
		} else {
			die("unknown option '%s'", argv[i]);
		}
	}
	if (i >= argc)
		die("no program to run (usage: ... -- PROG [ARGS...])");

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (pipe2(closer_pipe, O_CLOEXEC) || pthread_create(&closer_thread, NULL, closer, NULL))
		die("closer thread: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		execvp(argv[i], &argv[i]);
		fprintf(stderr, PROG ": exec %s: %s\n", argv[i], strerror(errno));
		_exit(127);
	}
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		die("pidfd_open: %s", strerror(errno));
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	for (;;) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		if (stop) {
			say("signal %d: killing pid %d", (int)stop, pid);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		fd = first_vm_fd(pid);
		if (held >= 0 && (fd < 0 || !same_file(pid, fd, held))) {
			/* The VM we attached is closed (or no longer the first). */
			detach(pid, fd < 0 ? "the program closed its VM" : "a new VM");
			drop_file(held);
			held = -1;
		}
		if (held < 0 && fd >= 0) {
			held = syscall(SYS_pidfd_getfd, pidfd, fd, 0);
			if (held >= 0)
				mark_file(held);
			if (held >= 0 && attach(pid, fd, period, interval_ms)) {
				drop_file(held);	/* try again at the next poll */
				held = -1;
			}
		}
		usleep(poll_us);
	}
	/* memsched detaches the VM itself: the program's mm is gone. */
	if (held >= 0)
		drop_file(held);
	close(closer_pipe[1]);
	pthread_join(closer_thread, NULL);

	say("program exited (%s %d); attached=%u detached=%u vanished=%u errors=%u",
	    WIFEXITED(status) ? "status" : "signal",
	    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
	    nr_attached, nr_detached, nr_vanished, nr_errors);
	if (summary) {
		f = fopen(summary, "w");
		if (!f)
			die("%s: %s", summary, strerror(errno));
		fprintf(f, "attached=%u detached=%u vanished=%u errors=%u\n",
			nr_attached, nr_detached, nr_vanished, nr_errors);
		fclose(f);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
