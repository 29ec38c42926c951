// SPDX-License-Identifier: GPL-2.0
/* memschedctl: the JSON emitter of json.h. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

void msctl_json_init(struct msctl_json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

static void put_str(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* The comma and the key before a value at the current level. */
static void begin_value(struct msctl_json *j, const char *key)
{
	if (j->nonempty[j->depth])
		fputc(',', j->f);
	j->nonempty[j->depth] = true;
	if (key) {
		put_str(j->f, key);
		fputc(':', j->f);
	}
}

static void open_(struct msctl_json *j, const char *key, char c)
{
	begin_value(j, key);
	fputc(c, j->f);
	if (j->depth < MSCTL_JSON_MAX_DEPTH - 1)
		j->depth++;
	j->nonempty[j->depth] = false;
}

static void close_(struct msctl_json *j, char c)
{
	fputc(c, j->f);
	if (j->depth)
		j->depth--;
}

void msctl_json_obj_open(struct msctl_json *j, const char *key)
{
	open_(j, key, '{');
}

void msctl_json_obj_close(struct msctl_json *j)
{
	close_(j, '}');
}

void msctl_json_arr_open(struct msctl_json *j, const char *key)
{
	open_(j, key, '[');
}

void msctl_json_arr_close(struct msctl_json *j)
{
	close_(j, ']');
}

void msctl_json_u64(struct msctl_json *j, const char *key, u64 v)
{
	begin_value(j, key);
	fprintf(j->f, "%llu", v);
}

void msctl_json_s64(struct msctl_json *j, const char *key, s64 v)
{
	begin_value(j, key);
	fprintf(j->f, "%lld", v);
}

void msctl_json_double(struct msctl_json *j, const char *key, double v)
{
	begin_value(j, key);
	if (isfinite(v))
		fprintf(j->f, "%.10g", v);
	else
		fputs("null", j->f);
}

void msctl_json_bool(struct msctl_json *j, const char *key, bool v)
{
	begin_value(j, key);
	fputs(v ? "true" : "false", j->f);
}

void msctl_json_null(struct msctl_json *j, const char *key)
{
	begin_value(j, key);
	fputs("null", j->f);
}

void msctl_json_str(struct msctl_json *j, const char *key, const char *s)
{
	begin_value(j, key);
	put_str(j->f, s);
}

void msctl_json_value(struct msctl_json *j, const char *key, const char *s)
{
	const char *d = *s == '-' ? s + 1 : s;
	char *end;

	/* Digits only: a JSON number (no leading zeros but "0" itself). */
	if (isdigit((unsigned char)*d) && (d[0] != '0' || !d[1])) {
		errno = 0;
		strtoll(s, &end, 10);
		if (!*end && !errno) {
			begin_value(j, key);
			fputs(s, j->f);
			return;
		}
		errno = 0;
		strtoull(s, &end, 10);
		if (*s != '-' && !*end && !errno) {
			begin_value(j, key);
			fputs(s, j->f);
			return;
		}
	}
	msctl_json_str(j, key, s);
}

void msctl_json_end(struct msctl_json *j)
{
	fputc('\n', j->f);
	fflush(j->f);
}
