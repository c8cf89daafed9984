/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_ERRORS_H
#define _CW_ERRORS_H

#include <stdbool.h>
#include <stddef.h>

/* Exit codes, documented in cpuwarden(8). */
enum cw_exit {
	CW_EXIT_OK = 0,
	CW_EXIT_FAIL = 1,
	CW_EXIT_USAGE = 2,
	CW_EXIT_NO_MODULE = 3,
	CW_EXIT_PERM = 4,
	CW_EXIT_NOT_FOUND = 5,
	CW_EXIT_LOCKED = 6,
};

/* Errors in user input, collected so that all of them can be reported. */
struct cw_errors {
	const char *file;	/* when set, each message starts "FILE:LINE: " */
	unsigned int line;
	char **msg;
	size_t nr;
};

void cw_errors_add(struct cw_errors *errs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cw_errors_print(const struct cw_errors *errs);
void cw_errors_free(struct cw_errors *errs);

/*
 * The kernel refused @cmd (a CPUWARDEN_CMD_*) with the positive errno @err.
 * @extack tells whether it gave a reason, @locked whether the module
 * reports being locked.
 */
int cw_exit_code(int cmd, int err, bool extack, bool locked);

/*
 * The message for that refusal, without the program name, into @buf; the
 * exit code is returned.  @subject names what the command was about (a
 * rule, a PID) for the messages that quote it, and may be NULL otherwise.
 */
int cw_error_message(char *buf, size_t len, int cmd, int err, const char *extack,
		     bool locked, const char *subject);

#endif /* _CW_ERRORS_H */
