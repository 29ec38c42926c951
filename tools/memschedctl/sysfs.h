/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memschedctl: access to memsched's sysfs tree. Paths are built under the
 * root (-r ROOT, $MEMSCHED_SYSFS, else /sys/kernel/mm/memsched); reads and
 * writes return 0 or -errno, and a failed read leaves the file's path in
 * msctl_sysfs_err_path for the message.
 */
#ifndef MSCTL_SYSFS_H
#define MSCTL_SYSFS_H

#include <limits.h>
#include <sys/types.h>

#include "msctl.h"

/* The root of the tree; main() sets it from -r or $MEMSCHED_SYSFS. */
extern const char *msctl_sysfs_root;

/* The file the last failed read was on. */
extern char msctl_sysfs_err_path[PATH_MAX];

/* @buf = ROOT "/" the printf of @fmt. Return: 0 or -ENAMETOOLONG. */
__printf(3, 4) int msctl_sysfs_path(char *buf, size_t size, const char *fmt, ...);

/* A sysfs number: decimal digits and an optional newline, nothing else. */
bool msctl_sysfs_parse_u64(const char *s, u64 *v);

/* All of @path, NUL-terminated, in *@bufp (the caller frees it). */
int msctl_sysfs_slurp(const char *path, char **bufp, size_t *lenp);

/* @path holds one decimal number and a newline; -EBADMSG if it does not. */
int msctl_sysfs_read_u64(const char *path, u64 *v);

/* The first line of @path without its newline, cut to @size - 1 bytes. */
int msctl_sysfs_read_line(const char *path, char *buf, size_t size);

/*
 * Writes @str to @path in one write(), as sysfs wants it. *@opened says
 * whether the file could be opened, to tell a missing file from a write the
 * kernel refused.
 */
int msctl_sysfs_write(const char *path, const char *str, bool *opened);

/* The printf of @fmt to @path, as msctl_sysfs_write(). */
__printf(3, 4) int msctl_sysfs_writef(const char *path, bool *opened, const char *fmt, ...);

/* Explains a failed read (-errno) of msctl_sysfs_err_path on stderr. */
void msctl_sysfs_report(int ret);

/*
 * Checks that the root exists and that its version file reads the
 * MEMSCHED_ABI_VERSION this tool was built for (else only a warning).
 * Return: 0, or -1 after saying what is wrong.
 */
/*
 * The same for any module's tree: ROOT exists and ROOT/version reads ABI;
 * MISSING says what to do when ROOT is not there.
 */
int msctl_sysfs_check_tree(const char *root, int abi, const char *missing);

int msctl_sysfs_check_root(void);

/* Whether ROOT/@rel is a directory. */
bool msctl_sysfs_is_dir(const char *rel);

/* What an entry of the tree is, from its mode. */
enum msctl_sysfs_kind {
	MSCTL_SYSFS_VALUE = 1 << 0,	/* readable, not writable: a value or table */
	MSCTL_SYSFS_KNOB = 1 << 1,	/* readable and writable (S_IWUSR): a knob */
	MSCTL_SYSFS_ACTION = 1 << 2,	/* writable only: an action (reset, move) */
	MSCTL_SYSFS_DIR = 1 << 3,	/* a directory (never read as a value) */
};

#define MSCTL_SYSFS_VALUE_MAX	80

struct msctl_sysfs_ent {
	char name[NAME_MAX + 1];
	enum msctl_sysfs_kind kind;
	char value[MSCTL_SYSFS_VALUE_MAX];	/* first line, if read */
};

/*
 * The regular files and directories of directory @dir (a full path) whose
 * kind is in @kinds, sorted by name, in *@entsp (the caller frees it); with
 * @read_values, the first line of each readable file. Symbolic links are
 * left out. Return: 0 or -errno (a file that went away while listing is
 * -ENOENT).
 */
int msctl_sysfs_list(const char *dir, unsigned int kinds, bool read_values,
		     struct msctl_sysfs_ent **entsp, size_t *nrp);

/* The entry named @name of a list, or NULL. */
const struct msctl_sysfs_ent *msctl_sysfs_find(const struct msctl_sysfs_ent *ents,
					       size_t nr, const char *name);

/*
 * Whether @knob is one of @knobs; if not, says so on stderr ("PROG: CMD:
 * unknown knob 'K'; the knobs of OWNER: ...", the list) and returns false.
 */
bool msctl_sysfs_knob_known(const struct msctl_sysfs_ent *knobs, size_t nr,
			    const char *knob, const char *cmd, const char *owner);

/*
 * The entries of @dir named by a positive decimal number (vms/, files/),
 * increasing, in *@idsp (the caller frees it). Return: 0 or -errno.
 */
int msctl_sysfs_list_ids(const char *dir, u64 **idsp, size_t *nrp);

#endif /* MSCTL_SYSFS_H */
