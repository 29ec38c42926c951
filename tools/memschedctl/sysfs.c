// SPDX-License-Identifier: GPL-2.0
/*
 * memschedctl: sysfs access. Everything the tool knows of the tree's
 * layout is in the callers; this file only opens, reads, writes and lists,
 * and explains errno values in words.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uapi/memsched.h>

#include "sysfs.h"

#define SLURP_MAX	(1U << 20)

const char *msctl_sysfs_root = MEMSCHED_SYSFS_ROOT;
char msctl_sysfs_err_path[PATH_MAX];

int msctl_sysfs_path(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n, m;

	n = snprintf(buf, size, "%s/", msctl_sysfs_root);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	va_start(ap, fmt);
	m = vsnprintf(buf + n, size - (size_t)n, fmt, ap);
	va_end(ap);
	return m < 0 || (size_t)m >= size - (size_t)n ? -ENAMETOOLONG : 0;
}

bool msctl_sysfs_parse_u64(const char *s, u64 *v)
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

int msctl_sysfs_slurp(const char *path, char **bufp, size_t *lenp)
{
	size_t len = 0, size = 4096;
	char *buf = NULL, *tmp;
	int fd, ret;
	ssize_t n;

	snprintf(msctl_sysfs_err_path, sizeof(msctl_sysfs_err_path), "%s", path);
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

int msctl_sysfs_read_u64(const char *path, u64 *v)
{
	char *buf = NULL;
	int ret;

	ret = msctl_sysfs_slurp(path, &buf, NULL);
	if (!ret && !msctl_sysfs_parse_u64(buf, v))
		ret = -EBADMSG;
	free(buf);
	return ret;
}

int msctl_sysfs_read_line(const char *path, char *buf, size_t size)
{
	char *all = NULL;
	int ret;

	ret = msctl_sysfs_slurp(path, &all, NULL);
	if (!ret)
		snprintf(buf, size, "%.*s", (int)strcspn(all, "\n"), all);
	free(all);
	return ret;
}

int msctl_sysfs_write(const char *path, const char *str, bool *opened)
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

int msctl_sysfs_writef(const char *path, bool *opened, const char *fmt, ...)
{
	char val[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(val)) {
		*opened = false;
		return -EINVAL;
	}
	return msctl_sysfs_write(path, val, opened);
}

void msctl_sysfs_report(int ret)
{
	const char *path = msctl_sysfs_err_path;

	switch (-ret) {
	case ENOENT:
		msctl_err("%s: no such file; is memsched.ko loaded, and does its sysfs ABI match version %d? (ENOENT)",
			  path, MEMSCHED_ABI_VERSION);
		break;
	case EACCES:
	case EPERM:
		msctl_err("%s: permission denied; memsched's per-VM and per-file files are readable by root only (%s)",
			  path, msctl_errno_name(-ret));
		break;
	case EBADMSG:
		msctl_err("%s: unexpected contents, not what ABI version %d describes",
			  path, MEMSCHED_ABI_VERSION);
		break;
	default:
		msctl_err("%s: %s (%s)", path, strerror(-ret),
			  msctl_errno_name(-ret));
	}
}

/*
 * msctl_sysfs_check_tree() - a module's sysfs tree is there and speaks
 * ABI version @abi (a mismatch is a warning); @missing says what to do
 * when it is not there (printed after "ROOT: not found; ").
 */
int msctl_sysfs_check_tree(const char *root, int abi, const char *missing)
{
	char path[PATH_MAX];
	struct stat st;
	u64 version;
	int ret, n;

	if (stat(root, &st) || !S_ISDIR(st.st_mode)) {
		msctl_err("%s: not found; %s", root, missing);
		return -1;
	}
	n = snprintf(path, sizeof(path), "%s/version", root);
	ret = n < 0 || (size_t)n >= sizeof(path) ? -ENAMETOOLONG : 0;
	if (!ret)
		ret = msctl_sysfs_read_u64(path, &version);
	if (ret) {
		msctl_sysfs_report(ret);
		return -1;
	}
	if (version != (u64)abi)
		msctl_err("warning: %s speaks sysfs ABI version %llu, this tool knows version %d",
			  root, version, abi);
	return 0;
}

int msctl_sysfs_check_root(void)
{
	return msctl_sysfs_check_tree(msctl_sysfs_root, MEMSCHED_ABI_VERSION,
				      "is memsched.ko loaded? (-r ROOT or MEMSCHED_SYSFS select another tree)");
}

bool msctl_sysfs_is_dir(const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	return !msctl_sysfs_path(path, sizeof(path), "%s", rel) &&
	       !stat(path, &st) && S_ISDIR(st.st_mode);
}

static int cmp_ent(const void *a, const void *b)
{
	return strcmp(((const struct msctl_sysfs_ent *)a)->name,
		      ((const struct msctl_sysfs_ent *)b)->name);
}

static enum msctl_sysfs_kind kind_of(mode_t mode)
{
	if (S_ISDIR(mode))
		return MSCTL_SYSFS_DIR;
	if ((mode & S_IRUSR) && (mode & S_IWUSR))
		return MSCTL_SYSFS_KNOB;
	if (mode & S_IWUSR)
		return MSCTL_SYSFS_ACTION;
	return MSCTL_SYSFS_VALUE;
}

int msctl_sysfs_list(const char *dir, unsigned int kinds, bool read_values,
		     struct msctl_sysfs_ent **entsp, size_t *nrp)
{
	char path[PATH_MAX];
	struct msctl_sysfs_ent *ents = NULL, *tmp;
	size_t nr = 0, size = 0;
	enum msctl_sysfs_kind kind;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int ret = 0;

	snprintf(msctl_sysfs_err_path, sizeof(msctl_sysfs_err_path), "%s", dir);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
			continue;
		kind = kind_of(st.st_mode);
		if (!(kinds & kind))
			continue;
		if (nr == size) {
			size = size ? 2 * size : 32;
			tmp = realloc(ents, size * sizeof(*ents));
			if (!tmp) {
				ret = -ENOMEM;
				goto cleanup;
			}
			ents = tmp;
		}
		snprintf(ents[nr].name, sizeof(ents[nr].name), "%s", de->d_name);
		ents[nr].kind = kind;
		ents[nr].value[0] = '\0';
		nr++;
	}
	for (size_t i = 0; read_values && i < nr; i++) {
		if (ents[i].kind & (MSCTL_SYSFS_ACTION | MSCTL_SYSFS_DIR))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, ents[i].name) >=
		    (int)sizeof(path)) {
			ret = -ENAMETOOLONG;
			goto cleanup;
		}
		ret = msctl_sysfs_read_line(path, ents[i].value,
					    sizeof(ents[i].value));
		if (ret)
			goto cleanup;
	}
	if (nr)
		qsort(ents, nr, sizeof(*ents), cmp_ent);
	*entsp = ents;
	*nrp = nr;
	ents = NULL;
cleanup:
	closedir(d);
	free(ents);
	return ret;
}

const struct msctl_sysfs_ent *msctl_sysfs_find(const struct msctl_sysfs_ent *ents,
					       size_t nr, const char *name)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (!strcmp(ents[i].name, name))
			return &ents[i];
	return NULL;
}

bool msctl_sysfs_knob_known(const struct msctl_sysfs_ent *knobs, size_t nr,
			    const char *knob, const char *cmd, const char *owner)
{
	size_t i;

	if (msctl_sysfs_find(knobs, nr, knob))
		return true;
	fprintf(stderr, PROG ": %s: unknown knob '%s'; the knobs of %s:", cmd,
		knob, owner);
	for (i = 0; i < nr; i++)
		fprintf(stderr, " %s", knobs[i].name);
	fputc('\n', stderr);
	return false;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return (x > y) - (x < y);
}

int msctl_sysfs_list_ids(const char *dir, u64 **idsp, size_t *nrp)
{
	size_t nr = 0, size = 0;
	u64 *ids = NULL, *tmp, id;
	struct dirent *de;
	int ret = 0;
	DIR *d;

	snprintf(msctl_sysfs_err_path, sizeof(msctl_sysfs_err_path), "%s", dir);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!msctl_sysfs_parse_u64(de->d_name, &id) || !id ||
		    strchr(de->d_name, '\n'))
			continue;
		if (nr == size) {
			size = size ? 2 * size : 16;
			tmp = realloc(ids, size * sizeof(*ids));
			if (!tmp) {
				ret = -ENOMEM;
				goto cleanup;
			}
			ids = tmp;
		}
		ids[nr++] = id;
	}
	if (nr)
		qsort(ids, nr, sizeof(*ids), cmp_u64);
	*idsp = ids;
	*nrp = nr;
	ids = NULL;
cleanup:
	closedir(d);
	free(ids);
	return ret;
}
