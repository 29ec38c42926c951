// SPDX-License-Identifier: GPL-2.0
/* memschedctl: the Prometheus text format of prom.h. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"

#define PROM_NAME_MAX	128

struct msctl_prom_family {
	char name[PROM_NAME_MAX];
	enum msctl_prom_type type;
	char *help;
	/* its samples' label sets (the samples' strings), to refuse a second */
	const char **labelsets;
	size_t nr_labelsets, size_labelsets;
};

struct msctl_prom_sample {
	size_t fam;		/* index in fams */
	size_t seq;		/* order of addition, to keep it within a family */
	char *labels;
	char *value;
};

/*
 * The length of the valid UTF-8 sequence at @s (1 to 4), or 0 when @s
 * does not start one (a stray continuation byte, an overlong form, a
 * surrogate, beyond U+10FFFF, or cut short).
 */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	for (i = 1; i < n; i++) {
		if (s[i] < lo || s[i] > hi)	/* also the string's end */
			return 0;
		lo = 0x80;
		hi = 0xbf;
	}
	return n;
}

int msctl_prom_label(char *buf, size_t size, const char *key, const char *value)
{
	size_t len = strlen(buf), start = len, need;
	const char *s, *esc;
	int n;

	n = snprintf(buf + len, size - len, "%s%s=\"", len ? "," : "", key);
	if (n < 0 || (size_t)n >= size - len)
		goto too_long;
	len += (size_t)n;
	for (s = value; *s; s += need) {
		esc = *s == '\\' ? "\\\\" : *s == '"' ? "\\\"" :
		      *s == '\n' ? "\\n" : NULL;
		need = esc ? 1 : utf8_len((const unsigned char *)s);
		/* a byte that is not UTF-8 becomes U+FFFD, as the format wants UTF-8 */
		if (!need)
			esc = "\xef\xbf\xbd";
		if (len + (esc ? strlen(esc) : need) >= size)
			goto too_long;
		if (esc) {
			memcpy(buf + len, esc, strlen(esc));
			len += strlen(esc);
			need = 1;
		} else {
			memcpy(buf + len, s, need);
			len += need;
		}
	}
	if (len + 2 > size)
		goto too_long;
	buf[len++] = '"';
	buf[len] = '\0';
	return 0;
too_long:
	buf[start] = '\0';
	return -ENAMETOOLONG;
}

static bool valid_name(const char *name)
{
	const char *s;

	if (!*name || isdigit((unsigned char)*name) || strlen(name) >= PROM_NAME_MAX)
		return false;
	for (s = name; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != ':')
			return false;
	return true;
}

/* The index of family @name, creating it; (size_t)-1 on error (*@err). */
static size_t family(struct msctl_prom *p, const char *name,
		     enum msctl_prom_type type, const char *help, int *err)
{
	struct msctl_prom_family *tmp;
	size_t i, size;

	for (i = 0; i < p->nr_fams; i++) {
		if (strcmp(p->fams[i].name, name))
			continue;
		if (p->fams[i].type != type) {
			*err = -EINVAL;
			return (size_t)-1;
		}
		return i;
	}
	if (p->nr_fams == p->size_fams) {
		size = p->size_fams ? 2 * p->size_fams : 32;
		tmp = realloc(p->fams, size * sizeof(*tmp));
		if (!tmp) {
			*err = -ENOMEM;
			return (size_t)-1;
		}
		p->fams = tmp;
		p->size_fams = size;
	}
	memset(&p->fams[i], 0, sizeof(p->fams[i]));
	snprintf(p->fams[i].name, sizeof(p->fams[i].name), "%s", name);
	p->fams[i].type = type;
	p->fams[i].help = strdup(help);
	if (!p->fams[i].help) {
		*err = -ENOMEM;
		return (size_t)-1;
	}
	p->nr_fams++;
	return i;
}

int msctl_prom_add(struct msctl_prom *p, const char *name,
		   enum msctl_prom_type type, const char *help,
		   const char *labels, const char *value)
{
	struct msctl_prom_sample *s, *tmp;
	struct msctl_prom_family *fm;
	const char **sets;
	size_t fam, i, size;
	int err = 0;

	if (!valid_name(name))
		return -EINVAL;
	fam = family(p, name, type, help, &err);
	if (err)
		return err;
	fm = &p->fams[fam];
	for (i = 0; i < fm->nr_labelsets; i++)
		if (!strcmp(fm->labelsets[i], labels))
			return -EEXIST;
	if (fm->nr_labelsets == fm->size_labelsets) {
		size = fm->size_labelsets ? 2 * fm->size_labelsets : 16;
		sets = realloc(fm->labelsets, size * sizeof(*sets));
		if (!sets)
			return -ENOMEM;
		fm->labelsets = sets;
		fm->size_labelsets = size;
	}
	if (p->nr_samples == p->size_samples) {
		size = p->size_samples ? 2 * p->size_samples : 128;
		tmp = realloc(p->samples, size * sizeof(*tmp));
		if (!tmp)
			return -ENOMEM;
		p->samples = tmp;
		p->size_samples = size;
	}
	s = &p->samples[p->nr_samples];
	s->fam = fam;
	s->seq = p->nr_samples;
	s->labels = strdup(labels);
	s->value = strdup(value);
	if (!s->labels || !s->value) {
		free(s->labels);
		free(s->value);
		return -ENOMEM;
	}
	fm->labelsets[fm->nr_labelsets++] = s->labels;
	p->nr_samples++;
	return 0;
}

/* HELP text: backslash and newline escaped. */
static void put_help(FILE *f, const char *help)
{
	for (; *help; help++) {
		if (*help == '\\')
			fputs("\\\\", f);
		else if (*help == '\n')
			fputs("\\n", f);
		else
			fputc(*help, f);
	}
}

static const struct msctl_prom *sort_prom;

/* By family name, then in the order added. */
static int cmp_sample(const void *a, const void *b)
{
	const struct msctl_prom_sample *x = a, *y = b;
	int c = strcmp(sort_prom->fams[x->fam].name, sort_prom->fams[y->fam].name);

	if (c)
		return c;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

int msctl_prom_write(struct msctl_prom *p, FILE *f)
{
	const struct msctl_prom_sample *s;
	size_t i, prev = (size_t)-1;

	if (p->nr_samples) {
		sort_prom = p;
		qsort(p->samples, p->nr_samples, sizeof(*p->samples), cmp_sample);
	}
	for (i = 0; i < p->nr_samples; i++) {
		s = &p->samples[i];
		if (s->fam != prev) {
			fprintf(f, "# HELP %s ", p->fams[s->fam].name);
			put_help(f, p->fams[s->fam].help);
			fprintf(f, "\n# TYPE %s %s\n", p->fams[s->fam].name,
				p->fams[s->fam].type == MSCTL_PROM_COUNTER ?
				"counter" : "gauge");
			prev = s->fam;
		}
		if (*s->labels)
			fprintf(f, "%s{%s} %s\n", p->fams[s->fam].name, s->labels,
				s->value);
		else
			fprintf(f, "%s %s\n", p->fams[s->fam].name, s->value);
	}
	return ferror(f) ? -EIO : 0;
}

void msctl_prom_free(struct msctl_prom *p)
{
	size_t i;

	for (i = 0; i < p->nr_fams; i++) {
		free(p->fams[i].help);
		free(p->fams[i].labelsets);
	}
	for (i = 0; i < p->nr_samples; i++) {
		free(p->samples[i].labels);
		free(p->samples[i].value);
	}
	free(p->fams);
	free(p->samples);
	memset(p, 0, sizeof(*p));
}
