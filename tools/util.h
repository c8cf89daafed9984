/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_UTIL_H
#define _CW_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROG_NAME "cpuwarden"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * A command-line tool has nothing sensible to do when memory runs out but
 * say so and stop; these keep that out of every caller.
 */
static inline void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (!p) {
		fputs(PROG_NAME ": out of memory\n", stderr);
		exit(1);
	}
	return p;
}

static inline void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p) {
		fputs(PROG_NAME ": out of memory\n", stderr);
		exit(1);
	}
	return p;
}

static inline char *xstrdup(const char *s)
{
	return strcpy(xrealloc(NULL, strlen(s) + 1), s);
}

#endif /* _CW_UTIL_H */
