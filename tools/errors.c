// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <uapi/linux/cpuwarden.h>

#include "errors.h"
#include "util.h"

void cw_errors_add(struct cw_errors *errs, const char *fmt, ...)
{
	char *msg, *line;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (ret < 0)
		msg = NULL;
	if (msg && errs->file) {
		ret = asprintf(&line, "%s:%u: %s", errs->file, errs->line, msg);
		free(msg);
		msg = ret < 0 ? NULL : line;
	}
	if (!msg) {
		fputs(PROG_NAME ": out of memory\n", stderr);
		exit(CW_EXIT_FAIL);
	}
	errs->msg = xrealloc(errs->msg, (errs->nr + 1) * sizeof(*errs->msg));
	errs->msg[errs->nr++] = msg;
}

void cw_errors_print(const struct cw_errors *errs)
{
	size_t i;

	for (i = 0; i < errs->nr; i++)
		fprintf(stderr, PROG_NAME ": %s\n", errs->msg[i]);
}

void cw_errors_free(struct cw_errors *errs)
{
	size_t i;

	for (i = 0; i < errs->nr; i++)
		free(errs->msg[i]);
	free(errs->msg);
	errs->msg = NULL;
	errs->nr = 0;
}

static const char * const cmd_names[] = {
	[CPUWARDEN_CMD_GET_STATUS] = "status",
	[CPUWARDEN_CMD_GET_POLICY] = "policy",
	[CPUWARDEN_CMD_SET_POLICY] = "policy set",
	[CPUWARDEN_CMD_ALLOW_ADD] = "allow add",
	[CPUWARDEN_CMD_ALLOW_DEL] = "allow del",
	[CPUWARDEN_CMD_ALLOW_LIST] = "allow list",
	[CPUWARDEN_CMD_QUARANTINE_LIST] = "quarantine list",
	[CPUWARDEN_CMD_QUARANTINE_CLEAR] = "quarantine clear",
	[CPUWARDEN_CMD_PS] = "ps",
	[CPUWARDEN_CMD_RELEASE] = "release",
	[CPUWARDEN_CMD_LOCK] = "lock",
	[CPUWARDEN_CMD_TRUST_SET] = "trust",
	[CPUWARDEN_CMD_COUNTS] = "metrics",
};

int cw_exit_code(int cmd, int err, bool extack, bool locked)
{
	switch (err) {
	case 0:
		return CW_EXIT_OK;
	case EACCES:
	case EPERM:
		/*
		 * genetlink refuses a caller without CAP_NET_ADMIN before the
		 * module sees the message, so without a reason; the module
		 * refuses one without CAP_SYS_ADMIN (or CAP_SYS_MODULE, to
		 * lock) with EACCES and says which; its EPERM with a reason
		 * is a change it will not make, as once locked.
		 */
		if (!extack || err == EACCES)
			return CW_EXIT_PERM;
		return err == EPERM && locked ? CW_EXIT_LOCKED : CW_EXIT_FAIL;
	case ESRCH:
		return cmd == CPUWARDEN_CMD_RELEASE ? CW_EXIT_NOT_FOUND : CW_EXIT_FAIL;
	case ENOENT:
		return cmd == CPUWARDEN_CMD_ALLOW_DEL ? CW_EXIT_NOT_FOUND : CW_EXIT_FAIL;
	default:
		return CW_EXIT_FAIL;
	}
}

int cw_error_message(char *buf, size_t len, int cmd, int err, const char *extack,
		     bool locked, const char *subject)
{
	bool has_extack = extack && *extack;
	int code = cw_exit_code(cmd, err, has_extack, locked);
	const char *name = NULL;

	if (cmd >= 0 && (size_t)cmd < ARRAY_SIZE(cmd_names))
		name = cmd_names[cmd];
	if (!subject)
		subject = "?";

	if (code == CW_EXIT_PERM && has_extack)
		snprintf(buf, len, "permission denied: %s", extack);
	else if (code == CW_EXIT_PERM)
		snprintf(buf, len, "permission denied: needs CAP_SYS_ADMIN and CAP_NET_ADMIN in the initial user namespace");
	else if (code == CW_EXIT_LOCKED)
		snprintf(buf, len, "locked until reboot");
	else if (code == CW_EXIT_NOT_FOUND && cmd == CPUWARDEN_CMD_RELEASE)
		snprintf(buf, len, "PID %s is not tracked", subject);
	else if (code == CW_EXIT_NOT_FOUND)
		snprintf(buf, len, "no such allow rule `%s'", subject);
	else if (cmd == CPUWARDEN_CMD_ALLOW_ADD && err == EEXIST)
		snprintf(buf, len, "allow rule `%s' is already present", subject);
	else
		snprintf(buf, len, "%s: %s%s%s", name ? name : "netlink", strerror(err),
			 has_extack ? ": " : "", has_extack ? extack : "");
	return code;
}
