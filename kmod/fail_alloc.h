/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault injection at a module's own allocation call sites, shared by the
 * memsched modules.
 *
 * failslab and fail_page_alloc fail allocations anywhere in the kernel;
 * their stack-trace filter, which would limit them to one module's call
 * sites, "depends on !X86_64" in 6.1. So each module owns a fault_attr of
 * the same framework, with the same debugfs knobs (probability, interval,
 * times, space, verbose, task-filter; Documentation/fault-injection/), at
 * <debugfs>/<module>/fail_alloc, and every allocation the module makes
 * after init asks it first:
 *
 *	vm = MSCHED_FALLIBLE(&msched_fail_alloc_attr,
 *			     kzalloc(sizeof(*vm), GFP_KERNEL));
 *
 * (each module wraps that in its own short macro: msched_fallible()).
 *
 * An injected failure looks to the caller exactly like the allocator's
 * NULL. Without CONFIG_FAULT_INJECTION_DEBUG_FS (Debian's kernel) it all
 * compiles away.
 */
#ifndef _MEMSCHED_FAIL_ALLOC_H
#define _MEMSCHED_FAIL_ALLOC_H

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fault-inject.h>

#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS

#define MSCHED_FAIL_ALLOC_DEFINE(name)	DECLARE_FAULT_ATTR(name)

/* Create <parent>/fail_alloc; failure is not fatal (debugfs is optional). */
#define msched_fail_alloc_debugfs(attr, parent) \
	fault_create_debugfs_attr("fail_alloc", parent, attr)

/* @expr (an allocation returning NULL on failure), or an injected NULL. */
#define MSCHED_FALLIBLE(attr, expr) \
	(should_fail(attr, 1) ? NULL : (expr))

/* The same for an allocation that returns an errno (0 on success). */
#define MSCHED_FALLIBLE_ERR(attr, expr) \
	(should_fail(attr, 1) ? -ENOMEM : (expr))

#else

#define MSCHED_FAIL_ALLOC_DEFINE(name)	struct name##_unused
#define msched_fail_alloc_debugfs(attr, parent)	do { } while (0)
#define MSCHED_FALLIBLE(attr, expr)		(expr)
#define MSCHED_FALLIBLE_ERR(attr, expr)		(expr)

#endif

#endif /* _MEMSCHED_FAIL_ALLOC_H */
