// SPDX-License-Identifier: GPL-2.0
/*
 * memschedctl - command-line front end to memsched's sysfs tree.
 *
 * Attaches VMs to memsched.ko, lists them, shows their working set, miss-rate
 * curve (MRC), usage classes and page ages, sets their knobs and watches them
 * change. Everything goes through /sys/kernel/mm/memsched (documented in
 * Documentation/ABI/testing/sysfs-kernel-mm-memsched); -r ROOT or the
 * environment variable MEMSCHED_SYSFS points it at another tree, e.g. the
 * fake one of tools/tests/test_memschedctl.sh.
 *
 * Exit status: 0 success, 1 error, 2 usage error.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <uapi/memsched.h>

#define PROG			"memschedctl"
#define EXIT_OK			0
#define EXIT_ERR		1
#define EXIT_USAGE		2

#define PAGES_PER_MIB		256	/* 4 KiB pages */
#define SLURP_MAX		(1U << 20)
#define AGE_LOG2_LAST_MIN	(1ULL << 30)	/* last log2 age bucket: open */
#define MAX_AGE_BUCKETS		64

#define MRC_DEF_WIDTH		61
#define MRC_DEF_HEIGHT		21
#define MRC_MIN_WIDTH		16
#define MRC_MAX_WIDTH		1000
#define MRC_MIN_HEIGHT		5
#define MRC_MAX_HEIGHT		200

#define __printf(a, b)		__attribute__((format(printf, a, b)))

typedef unsigned long long u64;

static const char *sysfs_root = MEMSCHED_SYSFS_ROOT;

/* The path of the file that the last failed read_u64()/slurp_at() was on. */
static char err_path[PATH_MAX];

enum knob_id {
	KNOB_SAMPLE_PERIOD,
	KNOB_SAMPLE_SEED,
	KNOB_SCAN_INTERVAL_MS,
	KNOB_CPU_QUOTA_MS,
	KNOB_UNTRACE_SCANS,
	KNOB_ACTIVE_SCANS,
	KNOB_IDLE_SCANS,
	KNOB_WSS_SCANS,
	KNOB_MRC_DECAY_SCANS,
	NR_KNOBS,
};

static const char *const knob_names[NR_KNOBS] = {
	"sample_period", "sample_seed", "scan_interval_ms", "cpu_quota_ms",
	"untrace_scans", "active_scans", "idle_scans", "wss_scans",
	"mrc_decay_scans",
};

enum class_id {
	CLASS_ACTIVE,
	CLASS_RECENTLY_IDLE,
	CLASS_IDLE,
	CLASS_NEVER_TOUCHED,
	NR_CLASSES,
};

static const char *const class_files[NR_CLASSES] = {
	"classes/active", "classes/recently_idle", "classes/idle",
	"classes/never_touched",
};

static const char *const class_labels[NR_CLASSES] = {
	"active", "recently idle", "idle", "never touched",
};

enum stat_id {
	STAT_NR_SCANS,
	STAT_NR_TRUNCATED_SCANS,
	STAT_NR_PAGES_SCANNED,
	STAT_NR_YOUNG,
	STAT_SCAN_NS_TOTAL,
	STAT_LAST_SCAN_NS,
	STAT_NR_REBUILDS,
	STAT_NR_INVALIDATIONS,
	NR_STATS,
};

static const char *const stat_files[NR_STATS] = {
	"stats/nr_scans", "stats/nr_truncated_scans", "stats/nr_pages_scanned",
	"stats/nr_young", "stats/scan_ns_total", "stats/last_scan_ns",
	"stats/nr_rebuilds", "stats/nr_invalidations",
};

/* Everything single-valued under vms/<pid>/. */
struct vm_info {
	int pid;
	u64 guest_pages;
	u64 sampled_pages;
	u64 wss_pages;
	u64 knee_pages;
	u64 knob[NR_KNOBS];
	u64 class_pages[NR_CLASSES];
	u64 stat[NR_STATS];
};

struct age_bucket {
	bool never;
	u64 min_scans;
	u64 pages;
};

struct mrc {
	size_t nr;
	u64 *pages;
	unsigned int *ppm;
};

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv, const struct cmd *cmd);
	const char *args;
	const char *summary;
	const char *help;
};

static __printf(1, 2) void errmsg(const char *fmt, ...);
static void errmsg(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const char *errno_name(int e)
{
	static char buf[32];

	switch (e) {
	case EPERM:	return "EPERM";
	case ENOENT:	return "ENOENT";
	case ESRCH:	return "ESRCH";
	case EIO:	return "EIO";
	case ENOMEM:	return "ENOMEM";
	case EACCES:	return "EACCES";
	case EBUSY:	return "EBUSY";
	case EEXIST:	return "EEXIST";
	case ENODEV:	return "ENODEV";
	case ENOTDIR:	return "ENOTDIR";
	case EISDIR:	return "EISDIR";
	case EINVAL:	return "EINVAL";
	case EFBIG:	return "EFBIG";
	case ENOSPC:	return "ENOSPC";
	case EROFS:	return "EROFS";
	case ERANGE:	return "ERANGE";
	case EBADMSG:	return "EBADMSG";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	}
	snprintf(buf, sizeof(buf), "errno %d", e);
	return buf;
}

static double mib(u64 pages)
{
	return (double)pages / PAGES_PER_MIB;
}

static double pct(u64 part, u64 whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* Formats @pages as an exact MiB value: "97.65625", "512". */
static const char *fmt_mib_exact(char *buf, size_t size, u64 pages)
{
	u64 frac = (pages % PAGES_PER_MIB) * 390625ULL;	/* 1e8 / 256 */
	size_t len;

	if (!frac) {
		snprintf(buf, size, "%llu", pages / PAGES_PER_MIB);
		return buf;
	}
	snprintf(buf, size, "%llu.%08llu", pages / PAGES_PER_MIB, frac);
	len = strlen(buf);
	while (len && buf[len - 1] == '0')
		buf[--len] = '\0';
	return buf;
}

/* Formats a duration of @ms milliseconds in seconds: "0.5", "2", "204.8". */
static const char *fmt_secs(char *buf, size_t size, u64 ms)
{
	size_t len;

	if (ms % 1000 == 0) {
		snprintf(buf, size, "%llu", ms / 1000);
		return buf;
	}
	snprintf(buf, size, "%llu.%03llu", ms / 1000, ms % 1000);
	len = strlen(buf);
	while (len && buf[len - 1] == '0')
		buf[--len] = '\0';
	return buf;
}

/* A decimal (or 0x-prefixed hexadecimal) unsigned 64-bit number. */
static bool parse_u64(const char *s, u64 *v)
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

/* A sysfs value: one decimal number followed by an optional newline. */
static bool parse_sysfs_u64(const char *s, u64 *v)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno)
		return false;
	if (*end == '\n')
		end++;
	return !*end;
}

static bool parse_pid(const char *s, int *pid)
{
	u64 v;

	if (!s || !isdigit((unsigned char)*s) || !parse_u64(s, &v) ||
	    v == 0 || v > INT_MAX)
		return false;
	*pid = (int)v;
	return true;
}

static int root_path(char *buf, size_t size, const char *file)
{
	int n = snprintf(buf, size, "%s/%s", sysfs_root, file);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int vm_path(char *buf, size_t size, int pid, const char *file)
{
	int n;

	if (file)
		n = snprintf(buf, size, "%s/vms/%d/%s", sysfs_root, pid, file);
	else
		n = snprintf(buf, size, "%s/vms/%d", sysfs_root, pid);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/*
 * Reads all of @path into a NUL-terminated buffer the caller frees.
 * Return: 0 or -errno; on failure err_path names the file.
 */
static int slurp(const char *path, char **bufp, size_t *lenp)
{
	size_t len = 0, size = 4096;
	char *buf = NULL, *tmp;
	int fd, ret;
	ssize_t n;

	snprintf(err_path, sizeof(err_path), "%s", path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto cleanup;
	}
	buf = malloc(size + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto cleanup;
	}
	for (;;) {
		if (len == size) {
			if (size >= SLURP_MAX) {
				ret = -EFBIG;
				goto cleanup;
			}
			size *= 2;
			tmp = realloc(buf, size + 1);
			if (!tmp) {
				ret = -ENOMEM;
				goto cleanup;
			}
			buf = tmp;
		}
		n = read(fd, buf + len, size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto cleanup;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*bufp = buf;
	if (lenp)
		*lenp = len;
	buf = NULL;
	ret = 0;
cleanup:
	free(buf);
	if (fd >= 0)
		close(fd);
	return ret;
}

/* Return: 0, -errno, or -EBADMSG if @path does not hold one number. */
static int read_u64(const char *path, u64 *v)
{
	char *buf = NULL;
	int ret;

	ret = slurp(path, &buf, NULL);
	if (ret)
		goto cleanup;
	if (!parse_sysfs_u64(buf, v))
		ret = -EBADMSG;
cleanup:
	free(buf);
	return ret;
}

static int vm_read_u64(int pid, const char *file, u64 *v)
{
	char path[PATH_MAX];
	int ret;

	ret = vm_path(path, sizeof(path), pid, file);
	if (ret) {
		snprintf(err_path, sizeof(err_path), "%s", file);
		return ret;
	}
	return read_u64(path, v);
}

static bool vm_exists(int pid)
{
	char path[PATH_MAX];
	struct stat st;

	return !vm_path(path, sizeof(path), pid, NULL) &&
	       !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* Explains a failure (-errno) to read err_path, a file of VM @pid (or 0). */
static void report_read_err(int ret, int pid)
{
	if (ret == -ENOENT && pid > 0 && !vm_exists(pid)) {
		errmsg("pid %d is not attached (no %s/vms/%d; see '" PROG " list')",
		       pid, sysfs_root, pid);
		return;
	}
	switch (-ret) {
	case ENOENT:
		errmsg("%s: no such file; is memsched.ko loaded, and does its sysfs ABI match version %d? (ENOENT)",
		       err_path, MEMSCHED_ABI_VERSION);
		break;
	case EACCES:
	case EPERM:
		errmsg("%s: permission denied; memsched's per-VM files are readable by root only (%s)",
		       err_path, errno_name(-ret));
		break;
	case EBADMSG:
		errmsg("%s: unexpected contents, not what ABI version %d describes",
		       err_path, MEMSCHED_ABI_VERSION);
		break;
	default:
		errmsg("%s: %s (%s)", err_path, strerror(-ret), errno_name(-ret));
	}
}

/*
 * Writes @str to @path in one write(), as sysfs wants it. *@opened tells
 * whether the file could be opened, so that callers can tell a missing file
 * from a write the kernel refused.
 * Return: 0 or -errno.
 */
static int write_str(const char *path, const char *str, bool *opened)
{
	size_t len = strlen(str);
	ssize_t n;
	int fd, ret;

	*opened = false;
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto cleanup;
	}
	*opened = true;
	do {
		n = write(fd, str, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		ret = -errno;
	else
		ret = (size_t)n == len ? 0 : -EIO;
cleanup:
	if (fd >= 0 && close(fd) && !ret)
		ret = -errno;
	return ret;
}

/*
 * Checks that the sysfs root is there and speaks our ABI version; a
 * different version is only a warning.
 * Return: 0 or -1 (reported).
 */
static int check_root(void)
{
	char path[PATH_MAX];
	struct stat st;
	u64 version;
	int ret;

	if (stat(sysfs_root, &st) || !S_ISDIR(st.st_mode)) {
		errmsg("%s: not found; is memsched.ko loaded? (-r ROOT or MEMSCHED_SYSFS select another tree)",
		       sysfs_root);
		return -1;
	}
	ret = root_path(path, sizeof(path), "version");
	if (!ret)
		ret = read_u64(path, &version);
	if (ret) {
		report_read_err(ret, 0);
		return -1;
	}
	if (version != MEMSCHED_ABI_VERSION)
		errmsg("warning: %s speaks sysfs ABI version %llu, this tool knows version %d",
		       sysfs_root, version, MEMSCHED_ABI_VERSION);
	return 0;
}

/* Checks the root and that @pid is attached. Return: 0 or -1 (reported). */
static int check_vm(int pid)
{
	if (check_root())
		return -1;
	if (!vm_exists(pid)) {
		errmsg("pid %d is not attached (no %s/vms/%d; see '" PROG " list')",
		       pid, sysfs_root, pid);
		return -1;
	}
	return 0;
}

/* Reads every single-valued file of VM @pid. Return: 0 or -errno. */
static int load_vm(int pid, struct vm_info *vm)
{
	int ret, i;

	memset(vm, 0, sizeof(*vm));
	vm->pid = pid;
	ret = vm_read_u64(pid, "guest_pages", &vm->guest_pages);
	if (!ret)
		ret = vm_read_u64(pid, "sampled_pages", &vm->sampled_pages);
	if (!ret)
		ret = vm_read_u64(pid, "wss_pages", &vm->wss_pages);
	if (!ret)
		ret = vm_read_u64(pid, "mrc_knee_pages", &vm->knee_pages);
	for (i = 0; !ret && i < NR_KNOBS; i++)
		ret = vm_read_u64(pid, knob_names[i], &vm->knob[i]);
	for (i = 0; !ret && i < NR_CLASSES; i++)
		ret = vm_read_u64(pid, class_files[i], &vm->class_pages[i]);
	for (i = 0; !ret && i < NR_STATS; i++)
		ret = vm_read_u64(pid, stat_files[i], &vm->stat[i]);
	return ret;
}

/* Parses age_histogram: "MIN_AGE_SCANS PAGES" lines, then "never PAGES". */
static int load_age_histogram(int pid, struct age_bucket *b, size_t max,
			      size_t *nrp)
{
	char path[PATH_MAX], *buf = NULL, *line, *save, *sp;
	size_t nr = 0;
	int ret;

	ret = vm_path(path, sizeof(path), pid, "age_histogram");
	if (!ret)
		ret = slurp(path, &buf, NULL);
	if (ret)
		goto cleanup;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		sp = strchr(line, ' ');
		if (!sp || nr == max) {
			ret = -EBADMSG;
			goto cleanup;
		}
		*sp++ = '\0';
		b[nr].never = !strcmp(line, "never");
		if ((!b[nr].never && !parse_sysfs_u64(line, &b[nr].min_scans)) ||
		    !parse_sysfs_u64(sp, &b[nr].pages)) {
			ret = -EBADMSG;
			goto cleanup;
		}
		nr++;
	}
	*nrp = nr;
cleanup:
	free(buf);
	return ret;
}

static void mrc_free(struct mrc *m)
{
	free(m->pages);
	free(m->ppm);
	memset(m, 0, sizeof(*m));
}

/* Parses mrc: "MEM_PAGES MISS_PPM" lines with MEM_PAGES increasing. */
static int load_mrc(int pid, struct mrc *m)
{
	char path[PATH_MAX], *buf = NULL, *line, *save, *sp;
	size_t len, max;
	u64 pages, ppm;
	int ret;

	memset(m, 0, sizeof(*m));
	ret = vm_path(path, sizeof(path), pid, "mrc");
	if (!ret)
		ret = slurp(path, &buf, &len);
	if (ret)
		goto cleanup;
	max = len / 4 + 1;	/* shortest line: "0 0\n" */
	m->pages = calloc(max, sizeof(*m->pages));
	m->ppm = calloc(max, sizeof(*m->ppm));
	if (!m->pages || !m->ppm) {
		ret = -ENOMEM;
		goto cleanup;
	}
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		sp = strchr(line, ' ');
		if (!sp || m->nr == max) {
			ret = -EBADMSG;
			goto cleanup;
		}
		*sp++ = '\0';
		if (!parse_sysfs_u64(line, &pages) ||
		    !parse_sysfs_u64(sp, &ppm) || ppm > 1000000 ||
		    (m->nr && pages <= m->pages[m->nr - 1])) {
			ret = -EBADMSG;
			goto cleanup;
		}
		m->pages[m->nr] = pages;
		m->ppm[m->nr] = (unsigned int)ppm;
		m->nr++;
	}
cleanup:
	free(buf);
	if (ret)
		mrc_free(m);
	return ret;
}

/* Miss ratio (0..1) at @pages, linear between the curve's points. */
static double mrc_ratio_at(const struct mrc *m, double pages)
{
	double x0, x1, y0, y1;
	size_t i;

	if (pages <= (double)m->pages[0])
		return m->ppm[0] / 1e6;
	for (i = 1; i < m->nr; i++) {
		if (pages > (double)m->pages[i])
			continue;
		x0 = (double)m->pages[i - 1];
		x1 = (double)m->pages[i];
		y0 = m->ppm[i - 1] / 1e6;
		y1 = m->ppm[i] / 1e6;
		return y0 + (y1 - y0) * (pages - x0) / (x1 - x0);
	}
	return m->ppm[m->nr - 1] / 1e6;
}

/* ---- command line ---- */

static void cmd_usage(FILE *f, const struct cmd *cmd)
{
	fprintf(f, "Usage: " PROG " %s [-r ROOT] %s\n%s.\n%s", cmd->name,
		cmd->args, cmd->summary, cmd->help);
}

static __printf(2, 3) int usage_err(const struct cmd *cmd, const char *fmt, ...);
static int usage_err(const struct cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG "%s%s: ", cmd ? " " : "", cmd ? cmd->name : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '" PROG "%s%s -h' for help.\n",
		cmd ? " " : "", cmd ? cmd->name : "");
	return EXIT_USAGE;
}

/* Long-only options have codes above any character. */
enum {
	OPT_WIDTH = 256,
	OPT_HEIGHT,
	OPT_CSV,
};

static const struct option plain_opts[] = {
	{ "root", required_argument, NULL, 'r' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/*
 * Handles an option every command takes, or getopt's error codes.
 * Return: -1 to go on, else the exit status to return.
 */
static int common_opt(int c, char **argv, const struct cmd *cmd)
{
	switch (c) {
	case 'r':
		sysfs_root = optarg;
		return -1;
	case 'h':
		cmd_usage(stdout, cmd);
		return EXIT_OK;
	case ':':
		if (optopt > 0 && optopt < 256)
			return usage_err(cmd, "option '-%c' needs a value", optopt);
		return usage_err(cmd, "option '%s' needs a value", argv[optind - 1]);
	default:
		if (optopt > 0 && optopt < 256)
			return usage_err(cmd, "unknown option '-%c'", optopt);
		return usage_err(cmd, "unknown option '%s'", argv[optind - 1]);
	}
}

/*
 * Option parsing for a command without options of its own; checks that it
 * got @nargs operands, which are then argv[optind..].
 * Return: -1 to go on, else the exit status to return.
 */
static int parse_plain(int argc, char **argv, const struct cmd *cmd, int nargs)
{
	int c, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":r:h", plain_opts, NULL)) != -1) {
		ret = common_opt(c, argv, cmd);
		if (ret >= 0)
			return ret;
	}
	if (nargs >= 0 && argc - optind != nargs)	/* -1: any number */
		return usage_err(cmd, "%s", argc - optind < nargs ?
				 "missing arguments" : "too many arguments");
	return -1;
}

/* The PID operand. Return: -1 to go on, else the exit status to return. */
static int get_pid(const char *arg, const struct cmd *cmd, int *pid)
{
	if (!parse_pid(arg, pid))
		return usage_err(cmd, "invalid PID '%s': want a positive decimal number",
				 arg);
	return -1;
}

/* After option parsing: exactly one operand left, a PID. */
static int get_sole_pid(int argc, char **argv, const struct cmd *cmd, int *pid)
{
	if (argc - optind != 1)
		return usage_err(cmd, "%s", argc - optind < 1 ?
				 "missing PID" : "too many arguments");
	return get_pid(argv[optind], cmd, pid);
}

/* ---- commands ---- */

/*
 * The guest CID of a QEMU with -device vhost-vsock-pci,guest-cid=N, from
 * /proc/PID/cmdline; 0 when there is none.
 */
static u64 qemu_guest_cid(int pid)
{
	char path[64], *buf, *p;
	size_t len;
	u64 cid = 0;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	if (slurp(path, &buf, &len))
		return 0;
	for (p = buf; p < buf + len; p += strlen(p) + 1) {
		char *c = strstr(p, "guest-cid=");

		if (strstr(p, "vhost-vsock") && c) {
			char num[24];
			size_t n = strcspn(c + 10, ",");

			if (n && n < sizeof(num)) {
				memcpy(num, c + 10, n);
				num[n] = 0;
				if (!parse_u64(num, &cid))
					cid = 0;
			}
		}
	}
	free(buf);
	return cid;
}

/*
 * After attach: a QEMU with a vhost-vsock device gets its guest CID in
 * balloon/cid, so that the guest's balloon driver is matched to the VM.
 * Attaching has succeeded either way; a failure here is a warning.
 */
static void attach_balloon_cid(int pid)
{
	char path[PATH_MAX], val[32];
	bool opened;
	u64 cid = qemu_guest_cid(pid);
	int ret;

	if (!cid || vm_path(path, sizeof(path), pid, "balloon/cid"))
		return;
	snprintf(val, sizeof(val), "%llu\n", cid);
	ret = write_str(path, val, &opened);
	if (ret)
		fprintf(stderr, PROG ": attach %d: warning: balloon/cid %llu: %s (%s); set it with '" PROG " balloon %d cid CID'\n",
			pid, cid, ret == -EEXIST ? "another VM has this CID" :
			strerror(-ret), errno_name(-ret), pid);
	else
		printf("balloon: guest CID %llu (from the QEMU command line)\n", cid);
}

/* attach PID, detach PID */
static int cmd_attach(int argc, char **argv, const struct cmd *cmd)
{
	bool attach = !strcmp(cmd->name, "attach");
	char path[PATH_MAX], msg[PATH_MAX + 64], val[32];
	const char *why;
	bool opened;
	int ret, pid;

	ret = parse_plain(argc, argv, cmd, 1);
	if (ret < 0)
		ret = get_pid(argv[optind], cmd, &pid);
	if (ret >= 0)
		return ret;
	if (check_root())
		return EXIT_ERR;
	if (root_path(path, sizeof(path), cmd->name)) {
		errmsg("%s: path too long", sysfs_root);
		return EXIT_ERR;
	}
	snprintf(val, sizeof(val), "%d\n", pid);
	ret = write_str(path, val, &opened);
	if (!ret) {
		if (attach)
			attach_balloon_cid(pid);
		return EXIT_OK;
	}

	switch (-ret) {
	case EINVAL:
		why = attach ? "process has no KVM VM open" :
			"the kernel rejected the pid";
		break;
	case ESRCH:
		why = "no such process";
		break;
	case EEXIST:
		why = "already attached";
		break;
	case ENOENT:
		if (!opened) {
			snprintf(msg, sizeof(msg), "no %s; is memsched.ko loaded (or being unloaded)?",
				 path);
			why = msg;
		} else {
			why = attach ? strerror(-ret) : "not attached";
		}
		break;
	case EACCES:
	case EPERM:
		why = "permission denied; run as root";
		break;
	default:
		why = strerror(-ret);
	}
	errmsg("%s %d: %s (%s)", cmd->name, pid, why, errno_name(-ret));
	return EXIT_ERR;
}

static void print_classes_row(const struct vm_info *vm)
{
	int i;

	printf("%7d %10.1f %10.1f %10.1f", vm->pid, mib(vm->guest_pages),
	       mib(vm->wss_pages), mib(vm->knee_pages));
	for (i = 0; i < NR_CLASSES; i++)
		printf(" %10.1f", mib(vm->class_pages[i]));
	putchar('\n');
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* The attached pids in increasing order. Return: 0 or -1 (reported). */
static int list_pids(int **pidsp, size_t *nrp)
{
	char path[PATH_MAX];
	size_t nr = 0, size = 0;
	int *pids = NULL, *tmp, pid, ret = -1;
	struct dirent *de;
	DIR *dir = NULL;

	if (root_path(path, sizeof(path), "vms")) {
		errmsg("%s: path too long", sysfs_root);
		goto cleanup;
	}
	dir = opendir(path);
	if (!dir) {
		pid = -errno;
		snprintf(err_path, sizeof(err_path), "%s", path);
		report_read_err(pid, 0);
		goto cleanup;
	}
	while ((de = readdir(dir))) {
		if (!parse_pid(de->d_name, &pid))
			continue;
		if (nr == size) {
			size = size ? 2 * size : 16;
			tmp = realloc(pids, size * sizeof(*pids));
			if (!tmp) {
				errmsg("out of memory");
				goto cleanup;
			}
			pids = tmp;
		}
		pids[nr++] = pid;
	}
	if (nr)
		qsort(pids, nr, sizeof(*pids), cmp_int);
	*pidsp = pids;
	*nrp = nr;
	pids = NULL;
	ret = 0;
cleanup:
	if (dir)
		closedir(dir);
	free(pids);
	return ret;
}

/* list */
static int cmd_list(int argc, char **argv, const struct cmd *cmd)
{
	struct vm_info vm;
	int *pids = NULL, ret;
	size_t nr = 0, i;

	ret = parse_plain(argc, argv, cmd, 0);
	if (ret >= 0)
		return ret;
	ret = EXIT_ERR;
	if (check_root() || list_pids(&pids, &nr))
		goto cleanup;
	printf("%7s %10s %10s %10s %10s %10s %10s %10s\n", "PID", "GUEST_MiB",
	       "WSS_MiB", "KNEE_MiB", "ACTIVE_MiB", "RIDLE_MiB", "IDLE_MiB",
	       "NEVER_MiB");
	for (i = 0; i < nr; i++) {
		ret = load_vm(pids[i], &vm);
		/* Detached while we were listing: not an error. */
		if (ret == -ENOENT && !vm_exists(pids[i]))
			continue;
		if (ret) {
			report_read_err(ret, pids[i]);
			ret = EXIT_ERR;
			goto cleanup;
		}
		print_classes_row(&vm);
	}
	ret = EXIT_OK;
cleanup:
	free(pids);
	return ret;
}

static void print_age_histogram(const struct vm_info *vm,
				const struct age_bucket *b, size_t nr)
{
	u64 interval = vm->knob[KNOB_SCAN_INTERVAL_MS];
	char label[96], lo[32], hi[32];
	size_t i;

	printf("  age histogram (time since last access; scan interval %s s):\n",
	       fmt_secs(lo, sizeof(lo), interval));
	for (i = 0; i < nr; i++) {
		if (b[i].never)
			snprintf(label, sizeof(label), "never accessed");
		else if (b[i].min_scans >= AGE_LOG2_LAST_MIN)
			snprintf(label, sizeof(label), ">= %s s",
				 fmt_secs(lo, sizeof(lo), b[i].min_scans * interval));
		else
			snprintf(label, sizeof(label), "%s - %s s",
				 fmt_secs(lo, sizeof(lo), b[i].min_scans * interval),
				 fmt_secs(hi, sizeof(hi), (b[i].min_scans ?
					  2 * b[i].min_scans : 1) * interval));
		printf("    %-20s %9.1f MiB %6.1f%%\n", label, mib(b[i].pages),
		       pct(b[i].pages, vm->guest_pages));
	}
}

/* status PID */
static int cmd_status(int argc, char **argv, const struct cmd *cmd)
{
	struct age_bucket ages[MAX_AGE_BUCKETS];
	char s1[32], s2[32];
	const u64 *k, *st;
	struct vm_info vm;
	size_t nr_ages;
	int ret, pid, i;

	ret = parse_plain(argc, argv, cmd, 1);
	if (ret < 0)
		ret = get_pid(argv[optind], cmd, &pid);
	if (ret >= 0)
		return ret;
	if (check_vm(pid))
		return EXIT_ERR;
	ret = load_vm(pid, &vm);
	if (!ret)
		ret = load_age_histogram(pid, ages, MAX_AGE_BUCKETS, &nr_ages);
	if (ret) {
		report_read_err(ret, pid);
		return EXIT_ERR;
	}
	k = vm.knob;
	st = vm.stat;

	printf("memsched VM %d\n", pid);
	if (!st[STAT_NR_SCANS])
		printf("  (no scan has completed yet: the estimates are empty)\n");
	printf("   guest memory: %.1f MiB (%llu pages)\n", mib(vm.guest_pages),
	       vm.guest_pages);
	printf("  sampled pages: %llu (sample period %llu: 1 page in %llu)\n",
	       vm.sampled_pages, k[KNOB_SAMPLE_PERIOD], k[KNOB_SAMPLE_PERIOD]);
	printf("    working set: %.1f MiB (%.1f%% of guest; accessed in the last %llu scans = %s s)\n",
	       mib(vm.wss_pages), pct(vm.wss_pages, vm.guest_pages),
	       k[KNOB_WSS_SCANS],
	       fmt_secs(s1, sizeof(s1), k[KNOB_WSS_SCANS] * k[KNOB_SCAN_INTERVAL_MS]));
	printf("       MRC knee: %.1f MiB (%.1f%% of guest)\n",
	       mib(vm.knee_pages), pct(vm.knee_pages, vm.guest_pages));

	fmt_secs(s1, sizeof(s1), k[KNOB_ACTIVE_SCANS] * k[KNOB_SCAN_INTERVAL_MS]);
	fmt_secs(s2, sizeof(s2), k[KNOB_IDLE_SCANS] * k[KNOB_SCAN_INTERVAL_MS]);
	printf("  usage classes:\n");
	for (i = 0; i < NR_CLASSES; i++) {
		printf("    %-20s %9.1f MiB %6.1f%%", class_labels[i],
		       mib(vm.class_pages[i]),
		       pct(vm.class_pages[i], vm.guest_pages));
		switch (i) {
		case CLASS_ACTIVE:
			printf("   accessed < %s s ago\n", s1);
			break;
		case CLASS_RECENTLY_IDLE:
			printf("   accessed %s - %s s ago\n", s1, s2);
			break;
		case CLASS_IDLE:
			printf("   accessed >= %s s ago\n", s2);
			break;
		default:
			printf("   never seen accessed\n");
		}
	}

	print_age_histogram(&vm, ages, nr_ages);

	printf("  scan stats:\n");
	printf("    scans            %llu (%llu truncated by the %llu ms CPU quota)\n",
	       st[STAT_NR_SCANS], st[STAT_NR_TRUNCATED_SCANS],
	       k[KNOB_CPU_QUOTA_MS]);
	printf("    pages scanned    %llu", st[STAT_NR_PAGES_SCANNED]);
	if (st[STAT_NR_PAGES_SCANNED])
		printf(" (avg %.1f ns per page)\n",
		       (double)st[STAT_SCAN_NS_TOTAL] /
		       (double)st[STAT_NR_PAGES_SCANNED]);
	else
		putchar('\n');
	printf("    last scan        %.3f ms\n", st[STAT_LAST_SCAN_NS] / 1e6);
	printf("    young pages      %llu\n", st[STAT_NR_YOUNG]);
	printf("    rebuilds         %llu\n", st[STAT_NR_REBUILDS]);
	printf("    invalidations    %llu\n", st[STAT_NR_INVALIDATIONS]);
	return EXIT_OK;
}

/* set PID KNOB VALUE */
static int cmd_set(int argc, char **argv, const struct cmd *cmd)
{
	char path[PATH_MAX], val[32];
	const char *knob;
	bool opened;
	int ret, pid, i;
	u64 v;

	ret = parse_plain(argc, argv, cmd, 3);
	if (ret < 0)
		ret = get_pid(argv[optind], cmd, &pid);
	if (ret >= 0)
		return ret;
	knob = argv[optind + 1];
	if (!parse_u64(argv[optind + 2], &v))
		return usage_err(cmd, "invalid VALUE '%s': want a non-negative integer",
				 argv[optind + 2]);
	for (i = 0; i < NR_KNOBS; i++)
		if (!strcmp(knob, knob_names[i]))
			break;
	if (i == NR_KNOBS) {
		fprintf(stderr, PROG ": set: unknown knob '%s'; knobs:", knob);
		for (i = 0; i < NR_KNOBS; i++)
			fprintf(stderr, " %s", knob_names[i]);
		fputc('\n', stderr);
		return EXIT_ERR;
	}
	if (check_vm(pid))
		return EXIT_ERR;
	if (vm_path(path, sizeof(path), pid, knob)) {
		errmsg("%s: path too long", sysfs_root);
		return EXIT_ERR;
	}
	snprintf(val, sizeof(val), "%llu\n", v);
	ret = write_str(path, val, &opened);
	if (!ret)
		return EXIT_OK;

	if (ret == -EINVAL) {
		errmsg("set %d %s %llu: the kernel rejected the value (EINVAL); 'dmesg | tail' shows the accepted range%s",
		       pid, knob, v,
		       i == KNOB_ACTIVE_SCANS || i == KNOB_IDLE_SCANS ?
		       " (active_scans must also stay below idle_scans)" : "");
	} else if (ret == -ENOENT && !vm_exists(pid)) {
		errmsg("set %d %s: pid %d is not attached (any more)", pid,
		       knob, pid);
	} else if (ret == -ENOENT) {
		errmsg("set %d %s: %s: no such file; does the module's sysfs ABI match version %d? (ENOENT)",
		       pid, knob, path, MEMSCHED_ABI_VERSION);
	} else if (ret == -ENODEV) {
		errmsg("set %d %s: the VM is being detached (ENODEV)", pid, knob);
	} else if (ret == -EACCES || ret == -EPERM) {
		errmsg("set %d %s: permission denied; run as root (%s)", pid,
		       knob, errno_name(-ret));
	} else {
		errmsg("set %d %s %llu: %s (%s)", pid, knob, v, strerror(-ret),
		       errno_name(-ret));
	}
	return EXIT_ERR;
}

static void mrc_csv(const struct mrc *m)
{
	char buf[48];
	size_t i;

	printf("mem_mib,miss_ratio\n");
	for (i = 0; i < m->nr; i++)
		printf("%s,%u.%06u\n", fmt_mib_exact(buf, sizeof(buf), m->pages[i]),
		       m->ppm[i] / 1000000, m->ppm[i] % 1000000);
}

static int mrc_col(u64 pages, u64 guest_pages, int width)
{
	double col = (double)pages * (width - 1) / (double)guest_pages + 0.5;

	return col >= width - 1 ? width - 1 : (int)col;
}

static void put_label(char *line, int len, int at, const char *s)
{
	int n = (int)strlen(s);

	if (at + n > len)
		at = len - n;
	if (at < 0)
		at = 0;
	memcpy(line + at, s, (size_t)(n < len ? n : len));
}

static void fmt_axis_mib(char *buf, size_t size, double v)
{
	snprintf(buf, size, v >= 100 ? "%.0f" : "%.1f", v);
}

/* Prints @prefix and @len bytes of @buf without trailing blanks. */
static void put_line(const char *prefix, const char *buf, int len)
{
	while (len > 0 && buf[len - 1] == ' ')
		len--;
	printf("%s%.*s\n", prefix, len, buf);
}

static int ratio_row(double y, int height)
{
	int row = (int)((1.0 - y) * (height - 1) + 0.5);

	return row < 0 ? 0 : row >= height ? height - 1 : row;
}

/*
 * The curve on a @width x @height grid: x is memory from 0 to the guest's
 * size, y the miss ratio from 0 (bottom) to 100% (top). Column c stands for
 * the memory sizes around c / (@width - 1) of the guest and shows every miss
 * ratio the curve takes there, so that a step is a vertical line in the
 * column that holds it. The knee and the working set are vertical lines of
 * their own characters, marked K and W (X for both) under the x axis.
 */
static int mrc_plot(const struct vm_info *vm, const struct mrc *m, int width,
		    int height)
{
	int r, c, lo, hi, knee_col, wss_col, k, ret = -1;
	char *grid = NULL, *line = NULL, num[32];
	double step, x_lo, x_hi;

	grid = malloc((size_t)width * (size_t)height);
	line = malloc((size_t)width + 16);
	if (!grid || !line) {
		errmsg("out of memory");
		goto cleanup;
	}
	memset(grid, ' ', (size_t)width * (size_t)height);
	knee_col = mrc_col(vm->knee_pages, vm->guest_pages, width);
	wss_col = mrc_col(vm->wss_pages, vm->guest_pages, width);
	for (r = 0; r < height; r++) {
		grid[r * width + wss_col] = ':';
		grid[r * width + knee_col] = '|';
	}
	step = (double)vm->guest_pages / (width - 1);
	for (c = 0; c < width; c++) {
		x_lo = c ? (c - 0.5) * step : 0;
		x_hi = c < width - 1 ? (c + 0.5) * step : (double)vm->guest_pages;
		/* An LRU miss-rate curve never rises with more memory. */
		lo = ratio_row(mrc_ratio_at(m, x_lo), height);
		hi = ratio_row(mrc_ratio_at(m, x_hi), height);
		if (lo > hi) {
			r = lo;
			lo = hi;
			hi = r;
		}
		for (r = lo; r <= hi; r++)
			grid[r * width + c] = '*';
	}

	printf("miss-rate curve of VM %d: miss ratio vs. memory (guest %.1f MiB)\n",
	       vm->pid, mib(vm->guest_pages));
	for (r = 0; r < height; r++) {
		/* Label the rows closest to 100, 75, 50, 25 and 0%. */
		for (k = 0; k <= 4; k++)
			if (r == ((height - 1) * k * 2 + 4) / 8)
				break;
		if (k <= 4)
			snprintf(num, sizeof(num), "%4d%% |",
				 (200 * (height - 1 - r) / (height - 1) + 1) / 2);
		else
			snprintf(num, sizeof(num), "      |");
		put_line(num, grid + r * width, width);
	}
	memset(line, '-', (size_t)width);
	put_line("      +", line, width);

	memset(line, ' ', (size_t)width);
	line[wss_col] = 'W';
	line[knee_col] = knee_col == wss_col ? 'X' : 'K';
	put_line("       ", line, width);

	memset(line, ' ', (size_t)width + 8);
	put_label(line, width + 8, 0, "0");
	fmt_axis_mib(num, sizeof(num), mib(vm->guest_pages) / 2);
	put_label(line, width + 8, (width - 1) / 2 - (int)strlen(num) / 2, num);
	/* The guest's size ends at the last column, its unit after it. */
	fmt_axis_mib(num, sizeof(num), mib(vm->guest_pages));
	k = width - (int)strlen(num);
	strcat(num, " MiB");
	put_label(line, width + 8, k, num);
	put_line("       ", line, width + 8);

	printf("legend: * miss ratio   K | MRC knee %.1f MiB   W : working set %.1f MiB%s\n",
	       mib(vm->knee_pages), mib(vm->wss_pages),
	       knee_col == wss_col ? "   X knee and working set in one column" : "");
	ret = 0;
cleanup:
	free(grid);
	free(line);
	return ret;
}

/* mrc PID [--width N] [--height M] [--csv] */
static int cmd_mrc(int argc, char **argv, const struct cmd *cmd)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
	{ "help", no_argument, NULL, 'h' },
		{ "width", required_argument, NULL, OPT_WIDTH },
		{ "height", required_argument, NULL, OPT_HEIGHT },
		{ "csv", no_argument, NULL, OPT_CSV },
		{ NULL, 0, NULL, 0 },
	};
	int c, ret, err, pid, width = MRC_DEF_WIDTH, height = MRC_DEF_HEIGHT;
	struct mrc m = { 0 };
	struct vm_info vm;
	bool csv = false;
	u64 v;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":r:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_WIDTH:
			if (!parse_u64(optarg, &v) || v < MRC_MIN_WIDTH ||
			    v > MRC_MAX_WIDTH)
				return usage_err(cmd, "--width wants a number from %d to %d",
						 MRC_MIN_WIDTH, MRC_MAX_WIDTH);
			width = (int)v;
			break;
		case OPT_HEIGHT:
			if (!parse_u64(optarg, &v) || v < MRC_MIN_HEIGHT ||
			    v > MRC_MAX_HEIGHT)
				return usage_err(cmd, "--height wants a number from %d to %d",
						 MRC_MIN_HEIGHT, MRC_MAX_HEIGHT);
			height = (int)v;
			break;
		case OPT_CSV:
			csv = true;
			break;
		default:
			ret = common_opt(c, argv, cmd);
			if (ret >= 0)
				return ret;
		}
	}
	ret = get_sole_pid(argc, argv, cmd, &pid);
	if (ret >= 0)
		return ret;

	ret = EXIT_ERR;
	if (check_vm(pid))
		goto cleanup;
	err = load_vm(pid, &vm);
	if (!err)
		err = load_mrc(pid, &m);
	if (err) {
		report_read_err(err, pid);
		goto cleanup;
	}
	if (!m.nr) {
		errmsg("mrc %d: no miss-rate curve yet (no sampling state; see '" PROG " status %d')",
		       pid, pid);
		goto cleanup;
	}
	if (csv) {
		mrc_csv(&m);
	} else {
		if (!vm.guest_pages) {
			errmsg("mrc %d: the guest has no memory to plot", pid);
			goto cleanup;
		}
		if (mrc_plot(&vm, &m, width, height))
			goto cleanup;
	}
	ret = EXIT_OK;
cleanup:
	mrc_free(&m);
	return ret;
}

static void sleep_secs(double secs)
{
	struct timespec ts;

	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* watch PID [-i SECONDS] [-n COUNT] */
static int cmd_watch(int argc, char **argv, const struct cmd *cmd)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
	{ "help", no_argument, NULL, 'h' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	u64 count = 0, n, prev_young = 0;
	double interval = 1.0;
	struct vm_info vm;
	char when[16], *end;
	int c, ret, pid;
	time_t now;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":r:hi:n:", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			errno = 0;
			interval = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(interval > 0) ||
			    interval > 86400)
				return usage_err(cmd, "-i wants seconds, more than 0 and at most 86400");
			break;
		case 'n':
			if (!parse_u64(optarg, &count) || !count)
				return usage_err(cmd, "-n wants a positive count");
			break;
		default:
			ret = common_opt(c, argv, cmd);
			if (ret >= 0)
				return ret;
		}
	}
	ret = get_sole_pid(argc, argv, cmd, &pid);
	if (ret >= 0)
		return ret;
	if (check_vm(pid))
		return EXIT_ERR;

	printf("%-8s %10s %10s %10s %10s %10s %12s\n", "TIME", "WSS_MiB",
	       "KNEE_MiB", "ACTIVE_MiB", "IDLE_MiB", "SCANS", "YOUNG_DELTA");
	for (n = 0; !count || n < count; n++) {
		if (n)
			sleep_secs(interval);
		ret = load_vm(pid, &vm);
		if (ret) {
			report_read_err(ret, pid);
			return EXIT_ERR;
		}
		now = time(NULL);
		strftime(when, sizeof(when), "%H:%M:%S", localtime(&now));
		printf("%-8s %10.1f %10.1f %10.1f %10.1f %10llu ", when,
		       mib(vm.wss_pages), mib(vm.knee_pages),
		       mib(vm.class_pages[CLASS_ACTIVE]),
		       mib(vm.class_pages[CLASS_IDLE]), vm.stat[STAT_NR_SCANS]);
		/* A reset zeroes the counters: show the new count then. */
		if (!n)
			printf("%12s\n", "-");
		else
			printf("%12llu\n", vm.stat[STAT_NR_YOUNG] >= prev_young ?
			       vm.stat[STAT_NR_YOUNG] - prev_young :
			       vm.stat[STAT_NR_YOUNG]);
		prev_young = vm.stat[STAT_NR_YOUNG];
		fflush(stdout);
	}
	return EXIT_OK;
}

/* Print a file of "name value" lines indented, or a note when empty. */
static void print_kv_file(int pid, const char *file, bool bytes)
{
	char path[PATH_MAX], *buf, *line, *save = NULL;
	size_t len;

	if (vm_path(path, sizeof(path), pid, file) || slurp(path, &buf, &len))
		return;
	if (!len)
		printf("    (none reported yet)\n");
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[64];
		u64 v;

		if (sscanf(line, "%63s %llu", name, &v) != 2)
			continue;
		if (bytes && strstr(name, "_bytes"))
			printf("    %-22s %10.1f MiB\n", name, v / 1048576.0);
		else
			printf("    %-22s %12llu\n", name, v);
	}
	free(buf);
}

/* Write VALUE to a VM file; prints the error. */
static int vm_write(int pid, const char *file, const char *val,
		    const char *what)
{
	char path[PATH_MAX];
	bool opened;
	int ret;

	if (vm_path(path, sizeof(path), pid, file)) {
		errmsg("%s: path too long", sysfs_root);
		return EXIT_ERR;
	}
	ret = write_str(path, val, &opened);
	if (!ret)
		return EXIT_OK;
	if (ret == -ENOENT && !vm_exists(pid))
		errmsg("%s: pid %d is not attached", what, pid);
	else if (ret == -EINVAL)
		errmsg("%s: the kernel rejected the value (EINVAL); 'dmesg | tail' says what is accepted",
		       what);
	else if (ret == -EEXIST)
		errmsg("%s: another VM has that CID (EEXIST)", what);
	else if (ret == -ENOTCONN)
		errmsg("%s: no balloon driver is connected from the guest (ENOTCONN)",
		       what);
	else
		errmsg("%s: %s (%s)", what, strerror(-ret), errno_name(-ret));
	return EXIT_ERR;
}

/* balloon PID [target MIB | cid CID | stats] */
static int cmd_balloon(int argc, char **argv, const struct cmd *cmd)
{
	static const char *const rows[] = {
		"connected", "cid", "guest_pages", "target_pages",
		"actual_pages", "target_pending", "latency_us", "nr_inflated",
		"nr_deflated", "nr_released", "nr_release_skipped",
		"nr_rejects", "nr_connects", "stats_age_ms",
	};
	u64 v[sizeof(rows) / sizeof(rows[0])];
	char file[64], val[32];
	int ret, pid, nargs;
	size_t i;

	ret = parse_plain(argc, argv, cmd, -1);
	if (ret >= 0)
		return ret;
	nargs = argc - optind;
	if (nargs != 1 && nargs != 2 && nargs != 3)
		return usage_err(cmd, "want PID, PID target MIB, PID cid CID or PID stats");
	ret = get_pid(argv[optind], cmd, &pid);
	if (ret >= 0)
		return ret;
	if (check_vm(pid))
		return EXIT_ERR;
	if (nargs == 3 && !strcmp(argv[optind + 1], "target")) {
		u64 mib;

		if (!parse_u64(argv[optind + 2], &mib) || mib > (1ULL << 40))
			return usage_err(cmd, "invalid MIB '%s'", argv[optind + 2]);
		snprintf(val, sizeof(val), "%llu\n", mib * PAGES_PER_MIB);
		return vm_write(pid, "balloon/target_pages", val, "balloon target");
	}
	if (nargs == 3 && !strcmp(argv[optind + 1], "cid")) {
		u64 cid;

		if (!parse_u64(argv[optind + 2], &cid))
			return usage_err(cmd, "invalid CID '%s'", argv[optind + 2]);
		snprintf(val, sizeof(val), "%llu\n", cid);
		return vm_write(pid, "balloon/cid", val, "balloon cid");
	}
	if (nargs == 2 && !strcmp(argv[optind + 1], "stats"))
		return vm_write(pid, "balloon/request_stats", "1\n",
				"balloon stats request");
	if (nargs != 1)
		return usage_err(cmd, "unknown balloon action '%s'", argv[optind + 1]);

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(file, sizeof(file), "balloon/%s", rows[i]);
		ret = vm_read_u64(pid, file, &v[i]);
		if (ret && !strcmp(rows[i], "stats_age_ms")) {
			v[i] = ~0ULL;	/* -1: never */
			continue;
		}
		if (ret) {
			report_read_err(ret, pid);
			return EXIT_ERR;
		}
	}
	printf("VM %d balloon:\n", pid);
	printf("  guest channel    %s (vsock CID %llu)\n",
	       v[0] ? "connected" : "not connected", v[1]);
	printf("  guest memory     %.1f MiB\n", mib(v[2]));
	printf("  target           %.1f MiB%s\n", mib(v[3]),
	       v[5] ? " (guest not there yet)" : "");
	printf("  ballooned now    %.1f MiB\n", mib(v[4]));
	printf("  last target took %.3f s\n", v[6] / 1e6);
	printf("  inflated/deflated %.1f / %.1f MiB since attach\n", mib(v[7]),
	       mib(v[8]));
	printf("  host memory released for %.1f MiB, kept for %.1f MiB\n",
	       mib(v[9]), mib(v[10]));
	printf("  rejected messages %llu, connections %llu\n", v[11], v[12]);
	if (v[13] == ~0ULL)
		printf("  guest stats: never received\n");
	else
		printf("  guest stats (%.1f s old):\n", v[13] / 1000.0);
	print_kv_file(pid, "balloon/guest_stats", true);
	printf("  guest usage classes:\n");
	print_kv_file(pid, "balloon/guest_classes", true);
	return EXIT_OK;
}

/* transfer FROM TO MIB */
static int cmd_transfer(int argc, char **argv, const struct cmd *cmd)
{
	char path[PATH_MAX], val[64];
	int ret, from, to;
	bool opened;
	u64 mib;

	ret = parse_plain(argc, argv, cmd, 3);
	if (ret < 0)
		ret = get_pid(argv[optind], cmd, &from);
	if (ret < 0)
		ret = get_pid(argv[optind + 1], cmd, &to);
	if (ret >= 0)
		return ret;
	if (!parse_u64(argv[optind + 2], &mib) || !mib || mib > (1ULL << 40))
		return usage_err(cmd, "invalid MIB '%s': want a positive integer",
				 argv[optind + 2]);
	if (check_root())
		return EXIT_ERR;
	if (root_path(path, sizeof(path), "balloon_transfer")) {
		errmsg("%s: path too long", sysfs_root);
		return EXIT_ERR;
	}
	snprintf(val, sizeof(val), "%d %d %llu\n", from, to, mib * PAGES_PER_MIB);
	ret = write_str(path, val, &opened);
	if (!ret) {
		printf("moved up to %llu MiB from VM %d to VM %d ('dmesg | tail' has the exact amount)\n",
		       mib, from, to);
		return EXIT_OK;
	}
	errmsg("transfer %d -> %d: %s (%s); 'dmesg | tail' says why", from, to,
	       ret == -ENOENT ? "a pid is not attached" :
	       ret == -ENOTCONN ? "a guest has no connected balloon driver" :
	       ret == -EAGAIN ? "the giving guest released nothing in time" :
	       strerror(-ret), errno_name(-ret));
	return EXIT_ERR;
}

static const struct cmd cmds[] = {
	{ "attach", cmd_attach, "PID", "attach memsched to the KVM VM of process PID",
	  "PID is the VMM's (e.g. QEMU's) process id.\n" },
	{ "detach", cmd_attach, "PID", "detach memsched from the VM of process PID",
	  "Drops the VM's sampling state and its vms/PID directory.\n" },
	{ "list", cmd_list, "", "one line per attached VM (sizes in MiB)",
	  "Columns: pid, guest memory, working set, MRC knee, then the usage\n"
	  "classes active, recently idle (RIDLE), idle and never touched.\n" },
	{ "status", cmd_status, "PID", "show what memsched estimates for a VM",
	  "Guest memory, sampling, working set, MRC knee, usage classes, page\n"
	  "age histogram and scan statistics.\n" },
	{ "set", cmd_set, "PID KNOB VALUE", "set a knob of a VM",
	  "KNOB is one of sample_period sample_seed scan_interval_ms cpu_quota_ms\n"
	  "untrace_scans active_scans idle_scans wss_scans mrc_decay_scans.\n"
	  "VALUE is a decimal or 0x-prefixed integer; the kernel checks its range\n"
	  "and logs the accepted one (dmesg) when it rejects a value.\n" },
	{ "mrc", cmd_mrc, "PID [--width N] [--height M] [--csv]",
	  "plot a VM's miss-rate curve",
	  "  --width N    plot columns (default 61)\n"
	  "  --height M   plot rows (default 21)\n"
	  "  --csv        print the curve's points as mem_mib,miss_ratio lines\n"
	  "Plot: x is memory from 0 to the guest's size, y the share of accesses\n"
	  "that miss with that much memory. K marks the MRC knee, W the working\n"
	  "set, X both when they fall in one column.\n" },
	{ "watch", cmd_watch, "PID [-i SECONDS] [-n COUNT]",
	  "print a VM's estimates every interval",
	  "  -i, --interval SECONDS   time between lines (default 1, may be fractional)\n"
	  "  -n, --count COUNT        stop after COUNT lines (default: run until killed)\n"
	  "Columns: time, working set, MRC knee, active and idle classes (MiB),\n"
	  "scans so far, pages found young since the previous line.\n" },
	{ "balloon", cmd_balloon, "PID [target MIB | cid CID | stats]",
	  "show or steer a VM's guest balloon",
	  "Without an action: the balloon's state and the guest's last stats.\n"
	  "  target MIB   ask the guest to balloon MIB MiB (0: none)\n"
	  "  cid CID      the guest's vsock CID (attach sets it from QEMU's\n"
	  "               -device vhost-vsock-pci,guest-cid=N)\n"
	  "  stats        ask the guest for fresh stats now\n" },
	{ "transfer", cmd_transfer, "FROM TO MIB",
	  "move MIB MiB of memory from one VM to another",
	  "Inflates FROM's balloon by MIB, waits for its guest (at most 30 s),\n"
	  "then deflates TO's balloon by what FROM gave.\n" },
	{ NULL, NULL, NULL, NULL, NULL },
};

static void usage(FILE *f)
{
	const struct cmd *c;

	fprintf(f, "Usage: " PROG " [-r ROOT] COMMAND [ARGS...]\n"
		"Control memsched, memory scheduling for KVM hosts.\n\n"
		"Commands:\n");
	for (c = cmds; c->name; c++) {
		if (strlen(c->args) > 30)
			fprintf(f, "  %-8s %s\n  %-8s %-30s %s\n", c->name,
				c->args, "", "", c->summary);
		else
			fprintf(f, "  %-8s %-30s %s\n", c->name, c->args,
				c->summary);
	}
	fprintf(f, "\nOptions (also accepted after COMMAND):\n"
		"  -r, --root ROOT  memsched's sysfs directory (default: $MEMSCHED_SYSFS,\n"
		"                   else " MEMSCHED_SYSFS_ROOT ")\n"
		"  -h, --help       show this help, or a command's with '" PROG " COMMAND -h'\n\n"
		"Sizes are in MiB (1 MiB = 256 pages of 4 KiB).\n"
		"Exit status: 0 success, 1 error, 2 usage error.\n");
}

int main(int argc, char **argv)
{
	const struct cmd *cmd;
	const char *env;
	int c;

	env = getenv("MEMSCHED_SYSFS");
	if (env && *env)
		sysfs_root = env;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:r:h", plain_opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			sysfs_root = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case ':':
			return usage_err(NULL, "option '%s' needs a value",
					 argv[optind - 1]);
		default:
			return usage_err(NULL, "unknown option '%s'",
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
	return usage_err(NULL, "unknown command '%s'", argv[optind]);
}
