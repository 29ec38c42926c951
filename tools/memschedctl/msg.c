// SPDX-License-Identifier: GPL-2.0
/* memschedctl: diagnostics on stderr. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "msctl.h"

void msctl_err(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *msctl_errno_name(int e)
{
	static char buf[32];

	switch (e) {
	case EPERM:	return "EPERM";
	case ENOENT:	return "ENOENT";
	case ESRCH:	return "ESRCH";
	case EINTR:	return "EINTR";
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
	case EAGAIN:	return "EAGAIN";
	case EBADMSG:	return "EBADMSG";
	case ENOTCONN:	return "ENOTCONN";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	}
	snprintf(buf, sizeof(buf), "errno %d", e);
	return buf;
}
