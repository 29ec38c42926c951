// SPDX-License-Identifier: GPL-2.0
/* memschedctl: writing and reading the record file of record.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

int msctl_rec_write_header(FILE *f, int pid, double start_unix_s,
			   double interval_s)
{
	fprintf(f, "memschedctl-record %d\n", MSCTL_REC_FORMAT);
	fprintf(f, "# MRC, working set and page ages of one VM over time; 'memschedctl report FILE' draws them\n");
	fprintf(f, "pid %d\n", pid);
	fprintf(f, "start_unix_s %.3f\n", start_unix_s);
	fprintf(f, "interval_s %.3f\n", interval_s);
	return fflush(f) ? -errno : 0;
}

int msctl_rec_write_sample(FILE *f, double t, const struct msctl_vm *vm,
			   const struct msctl_mrc *m,
			   const struct msctl_age_bucket *ages, size_t nr_ages)
{
	size_t i;

	fprintf(f, "sample %.3f %llu %llu %llu %llu %llu\n", t, vm->guest_pages,
		vm->wss_pages, vm->knee_pages, vm->nr_scans, vm->scan_interval_ms);
	fprintf(f, "mrc %.3f", t);
	for (i = 0; i < m->nr; i++)
		fprintf(f, " %llu:%u", m->pages[i], m->ppm[i]);
	fprintf(f, "\nages %.3f", t);
	for (i = 0; i < nr_ages; i++) {
		if (ages[i].never)
			fprintf(f, " never:%llu", ages[i].pages);
		else
			fprintf(f, " %llu:%llu", ages[i].min_scans, ages[i].pages);
	}
	fputc('\n', f);
	return fflush(f) || ferror(f) ? -EIO : 0;
}

int msctl_rec_write_end(FILE *f, double t, const char *reason)
{
	fprintf(f, "end %.3f %s\n", t, reason);
	return fflush(f) || ferror(f) ? -EIO : 0;
}

void msctl_rec_free(struct msctl_rec *r)
{
	size_t i;

	for (i = 0; i < r->nr; i++)
		msctl_mrc_free(&r->samples[i].mrc);
	free(r->samples);
	memset(r, 0, sizeof(*r));
}

/* Splits "A:B" into two numbers; A may be "never" (then *@never). */
static bool parse_pair(const char *tok, u64 *a, u64 *b, bool *never)
{
	char *end;

	*never = !strncmp(tok, "never:", 6);
	if (*never) {
		*a = 0;
		tok += 5;
	} else {
		errno = 0;
		*a = strtoull(tok, &end, 10);
		if (errno || end == tok || *end != ':')
			return false;
		tok = end;
	}
	tok++;
	errno = 0;
	*b = strtoull(tok, &end, 10);
	return !errno && end != tok && !*end;
}

static int parse_mrc(struct msctl_mrc *m, char *rest)
{
	char *tok, *save = NULL;
	size_t max = 1;
	bool never;
	u64 pages, ppm;

	for (tok = rest; *tok; tok++)
		max += *tok == ' ';
	msctl_mrc_free(m);
	m->pages = calloc(max, sizeof(*m->pages));
	m->ppm = calloc(max, sizeof(*m->ppm));
	if (!m->pages || !m->ppm)
		return -ENOMEM;
	for (tok = strtok_r(rest, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (!parse_pair(tok, &pages, &ppm, &never) || never ||
		    ppm > 1000000 || m->nr == max ||
		    (m->nr && pages <= m->pages[m->nr - 1]))
			return -EBADMSG;
		m->pages[m->nr] = pages;
		m->ppm[m->nr] = (unsigned int)ppm;
		m->nr++;
	}
	return 0;
}

static int parse_ages(struct msctl_rec_sample *s, char *rest)
{
	char *tok, *save = NULL;
	struct msctl_age_bucket *b;

	s->nr_ages = 0;
	for (tok = strtok_r(rest, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (s->nr_ages == MSCTL_MAX_AGE_BUCKETS)
			return -EBADMSG;
		b = &s->ages[s->nr_ages];
		if (!parse_pair(tok, &b->min_scans, &b->pages, &b->never))
			return -EBADMSG;
		s->nr_ages++;
	}
	return 0;
}

/* One line (newline cut) into @r. Return: 0, -EBADMSG or -ENOMEM. */
static int parse_line(struct msctl_rec *r, char *line, size_t *size)
{
	struct msctl_rec_sample *s, *tmp;
	char key[32], reason[32];
	double t;
	int n = 0;

	if (!*line || *line == '#')
		return 0;
	if (sscanf(line, "%31s %n", key, &n) != 1)
		return -EBADMSG;
	if (!strcmp(key, "pid"))
		return sscanf(line + n, "%d", &r->pid) == 1 ? 0 : -EBADMSG;
	if (!strcmp(key, "start_unix_s"))
		return sscanf(line + n, "%lf", &r->start_unix_s) == 1 ? 0 : -EBADMSG;
	if (!strcmp(key, "interval_s"))
		return sscanf(line + n, "%lf", &r->interval_s) == 1 ? 0 : -EBADMSG;
	if (!strcmp(key, "end")) {
		if (sscanf(line + n, "%lf %31s", &t, reason) != 2)
			return -EBADMSG;
		snprintf(r->end_reason, sizeof(r->end_reason), "%s", reason);
		return 0;
	}
	if (!strcmp(key, "sample")) {
		if (r->nr == *size) {
			*size = *size ? 2 * *size : 64;
			tmp = realloc(r->samples, *size * sizeof(*tmp));
			if (!tmp)
				return -ENOMEM;
			r->samples = tmp;
		}
		s = &r->samples[r->nr];
		memset(s, 0, sizeof(*s));
		if (sscanf(line + n, "%lf %llu %llu %llu %llu %llu", &s->t,
			   &s->guest_pages, &s->wss_pages, &s->knee_pages,
			   &s->nr_scans, &s->scan_interval_ms) != 6)
			return -EBADMSG;
		r->nr++;
		return 0;
	}
	if (strcmp(key, "mrc") && strcmp(key, "ages"))
		return 0;	/* a later version's line */
	/* mrc and ages belong to the sample line with their T before them. */
	line += n;
	n = 0;
	if (sscanf(line, "%lf%n", &t, &n) != 1 || !r->nr ||
	    r->samples[r->nr - 1].t != t)
		return -EBADMSG;
	for (line += n; *line == ' '; line++)
		;
	s = &r->samples[r->nr - 1];
	return key[0] == 'm' ? parse_mrc(&s->mrc, line) : parse_ages(s, line);
}

int msctl_rec_read(const char *path, struct msctl_rec *r, char *err,
		   size_t errsize)
{
	size_t size = 0, cap = 0, lineno = 0;
	char *line = NULL;
	ssize_t len;
	int ret = -1, format;
	FILE *f;

	memset(r, 0, sizeof(*r));
	f = fopen(path, "r");
	if (!f) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (lineno == 1) {
			if (sscanf(line, "memschedctl-record %d", &format) != 1) {
				snprintf(err, errsize, "%s: not a memschedctl record file (no 'memschedctl-record' line first)",
					 path);
				goto cleanup;
			}
			if (format != MSCTL_REC_FORMAT) {
				snprintf(err, errsize, "%s: record format %d, this tool reads format %d",
					 path, format, MSCTL_REC_FORMAT);
				goto cleanup;
			}
			continue;
		}
		switch (parse_line(r, line, &size)) {
		case 0:
			continue;
		case -ENOMEM:
			snprintf(err, errsize, "out of memory");
			goto cleanup;
		default:
			snprintf(err, errsize, "%s:%zu: malformed line: %.60s",
				 path, lineno, line);
			goto cleanup;
		}
	}
	if (!lineno) {
		snprintf(err, errsize, "%s: empty file", path);
		goto cleanup;
	}
	ret = 0;
cleanup:
	free(line);
	fclose(f);
	if (ret)
		msctl_rec_free(r);
	return ret;
}
