/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memschedctl: the record file, a line-oriented text format (documented in
 * Documentation/admin-guide/memschedctl.rst):
 *
 *   # comment
 *   memschedctl-record 1                 format version, the first line
 *   pid PID
 *   start_unix_s SECONDS                 wall clock at t = 0
 *   interval_s SECONDS                   the sampling interval asked for
 *   sample T GUEST WSS KNEE SCANS SCAN_INTERVAL_MS
 *   mrc T PAGES:PPM PAGES:PPM ...        the curve at T (may be empty)
 *   ages T MIN_AGE_SCANS:PAGES ... never:PAGES
 *   end T REASON                         duration, detached or signal
 *
 * T is seconds since start (3 decimals); sizes are 4 KiB pages. A sample
 * is its sample line and the mrc and ages lines with the same T that
 * follow it. Readers ignore keywords they do not know and fields past the
 * ones they know, so later versions can add both.
 */
#ifndef MSCTL_RECORD_H
#define MSCTL_RECORD_H

#include <stdio.h>

#include "vm.h"

#define MSCTL_REC_FORMAT	1

struct msctl_rec_sample {
	double t;
	u64 guest_pages;
	u64 wss_pages;
	u64 knee_pages;
	u64 nr_scans;
	u64 scan_interval_ms;
	struct msctl_mrc mrc;
	size_t nr_ages;
	struct msctl_age_bucket ages[MSCTL_MAX_AGE_BUCKETS];
};

struct msctl_rec {
	int pid;
	double start_unix_s;
	double interval_s;
	size_t nr;
	struct msctl_rec_sample *samples;
	char end_reason[32];	/* "" if the file has no end line */
};

int msctl_rec_write_header(FILE *f, int pid, double start_unix_s,
			   double interval_s);
int msctl_rec_write_sample(FILE *f, double t, const struct msctl_vm *vm,
			   const struct msctl_mrc *m,
			   const struct msctl_age_bucket *ages, size_t nr_ages);
int msctl_rec_write_end(FILE *f, double t, const char *reason);

/*
 * Reads a record file. Return: 0, or -1 with what is wrong (and on which
 * line) in @err.
 */
int msctl_rec_read(const char *path, struct msctl_rec *r, char *err,
		   size_t errsize);
void msctl_rec_free(struct msctl_rec *r);

#endif /* MSCTL_RECORD_H */
