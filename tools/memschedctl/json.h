/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memschedctl: a tiny JSON emitter for --json. It writes one compact
 * document to a stream as it goes, putting the commas and escapes in; the
 * caller opens and closes objects and arrays in the right order. Inside an
 * object every value takes a @key; inside an array (or at the top) @key is
 * NULL.
 */
#ifndef MSCTL_JSON_H
#define MSCTL_JSON_H

#include <stdio.h>

#include "msctl.h"

#define MSCTL_JSON_MAX_DEPTH	16

struct msctl_json {
	FILE *f;
	int depth;
	bool nonempty[MSCTL_JSON_MAX_DEPTH];
};

void msctl_json_init(struct msctl_json *j, FILE *f);
void msctl_json_obj_open(struct msctl_json *j, const char *key);
void msctl_json_obj_close(struct msctl_json *j);
void msctl_json_arr_open(struct msctl_json *j, const char *key);
void msctl_json_arr_close(struct msctl_json *j);
void msctl_json_u64(struct msctl_json *j, const char *key, u64 v);
void msctl_json_s64(struct msctl_json *j, const char *key, s64 v);
/* A non-finite @v is written as null. */
void msctl_json_double(struct msctl_json *j, const char *key, double v);
void msctl_json_bool(struct msctl_json *j, const char *key, bool v);
void msctl_json_null(struct msctl_json *j, const char *key);
void msctl_json_str(struct msctl_json *j, const char *key, const char *s);
/*
 * A sysfs value as it reads, newline cut: a number when it is an integer
 * ("42", "-1"), else a string ("max").
 */
void msctl_json_value(struct msctl_json *j, const char *key, const char *s);
/* Ends the document (with a newline) once the top level is closed. */
void msctl_json_end(struct msctl_json *j);

#endif /* MSCTL_JSON_H */
