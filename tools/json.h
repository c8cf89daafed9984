/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_JSON_H
#define _CW_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 8

/*
 * A writer of compact JSON that places the commas.  @key names the member
 * inside an object and is NULL inside an array or for the outermost value.
 */
struct json {
	FILE *f;
	unsigned int depth;
	bool more[JSON_MAX_DEPTH];	/* a value was written at this depth */
};

void json_init(struct json *j, FILE *f);
void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);
/* A NULL @s is written as null. */
void json_string(struct json *j, const char *key, const char *s);
void json_uint(struct json *j, const char *key, uint64_t v);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);

#endif /* _CW_JSON_H */
