/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memschedctl: the Prometheus text exposition format (version 0.0.4), as
 * node_exporter's textfile collector reads it. Samples are added in any
 * order; msctl_prom_write() groups them by family, each family once with
 * its # HELP and # TYPE lines, families sorted by name. This file knows
 * the format only, not memsched: cmd_export.c decides what goes in.
 */
#ifndef MSCTL_PROM_H
#define MSCTL_PROM_H

#include <stdio.h>

#include "msctl.h"

enum msctl_prom_type {
	MSCTL_PROM_GAUGE,
	MSCTL_PROM_COUNTER,
};

struct msctl_prom_family;
struct msctl_prom_sample;

/* A set of families and their samples. Zero-initialise before use. */
struct msctl_prom {
	struct msctl_prom_family *fams;
	size_t nr_fams, size_fams;
	struct msctl_prom_sample *samples;
	size_t nr_samples, size_samples;
};

/*
 * Appends ,KEY="VALUE" (the comma only after a first label) to the label
 * set @buf of @size bytes, VALUE escaped as the format wants (backslash,
 * double quote and newline) and made valid UTF-8 (a byte that does not
 * belong to a valid sequence becomes U+FFFD).
 * Return: 0, or -ENAMETOOLONG when it does not fit (@buf is left as it was).
 */
int msctl_prom_label(char *buf, size_t size, const char *key, const char *value);

/*
 * Adds one sample of family @name (a valid metric name: [a-zA-Z_:][a-zA-Z0-9_:]*)
 * with the label set @labels (from msctl_prom_label(), "" for none) and
 * @value (a number as text). The family is created at its first sample
 * with @type and @help; a later sample of another type is refused, and so
 * is a second sample with the same label set (node_exporter rejects a
 * file with duplicates): the first is kept.
 * Return: 0, -EINVAL (bad name, or the type differs), -EEXIST (the family
 * has a sample with @labels already) or -ENOMEM.
 */
int msctl_prom_add(struct msctl_prom *p, const char *name,
		   enum msctl_prom_type type, const char *help,
		   const char *labels, const char *value);

/* Writes every family to @f (sorting the samples). Return: 0 or -EIO. */
int msctl_prom_write(struct msctl_prom *p, FILE *f);

void msctl_prom_free(struct msctl_prom *p);

#endif /* MSCTL_PROM_H */
