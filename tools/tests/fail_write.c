// SPDX-License-Identifier: GPL-2.0
/*
 * fail_write.so, for the tool tests (test_memschedctl.sh, test_libvirt.sh):
 * an LD_PRELOAD shim that fails the write(2) to a file whose path ends in
 * $FAKE_ERRNO_FILE with errno $FAKE_ERRNO, as the kernel would refuse a
 * value (the fake sysfs tree accepts every write).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
ssize_t write(int fd, const void *buf, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);
	const char *file = getenv("FAKE_ERRNO_FILE"), *e = getenv("FAKE_ERRNO");
	char link[64], path[PATH_MAX];
	ssize_t len;

	if (!real)
		real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, path, sizeof(path) - 1);
	if (file && e && len > 0) {
		path[len] = '\0';
		if (strlen(path) >= strlen(file) &&
		    !strcmp(path + strlen(path) - strlen(file), file)) {
			errno = atoi(e);
			return -1;
		}
	}
	return real(fd, buf, n);
}
