/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_NL_H
#define _CW_NL_H

#include <libmnl/libmnl.h>

#include "config.h"
#include "format.h"

struct cw_nl;

/*
 * Open a generic netlink socket and resolve the cpuwarden family.
 * 0, or an exit code with the error already printed.
 */
int cw_nl_open(struct cw_nl **nlp);
void cw_nl_close(struct cw_nl *nl);

/* A request for @cmd with NLM_F_REQUEST and @flags, to fill with attributes. */
struct nlmsghdr *cw_nl_request(struct cw_nl *nl, uint8_t cmd, uint16_t flags);

/*
 * The same in @buf, of @size bytes, for a request larger than the
 * socket's own buffer; the socket is made to send that much.
 */
struct nlmsghdr *cw_nl_request_in(struct cw_nl *nl, void *buf, size_t size, uint8_t cmd,
				  uint16_t flags);

/*
 * Send @nlh and read the answer up to its acknowledgement, or to the end
 * of a dump, calling @cb (if not NULL) for each message.  0 or -errno;
 * the kernel's extended ack message is kept for cw_nl_error().
 */
int cw_nl_run(struct cw_nl *nl, const struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

/*
 * Print why @cmd failed, @err being what cw_nl_run() returned, and return
 * the exit code.  @subject names what the command was about, as
 * cw_error_message() wants it.
 */
int cw_nl_error(struct cw_nl *nl, int cmd, int err, const char *subject);

/* Run @cmd, which takes no attribute: 0, or the exit code, error printed. */
int cw_nl_command(struct cw_nl *nl, uint8_t cmd);

/* These return 0 or -errno, as cw_nl_run(). */
int cw_nl_get_status(struct cw_nl *nl, struct cw_status *s);
int cw_nl_get_policy(struct cw_nl *nl, struct cw_policy *p);
int cw_nl_get_allow(struct cw_nl *nl, struct cw_rules *rules);
int cw_nl_set_policy(struct cw_nl *nl, const struct cw_policy *p);
/* CPUWARDEN_CMD_ALLOW_ADD or CPUWARDEN_CMD_ALLOW_DEL */
int cw_nl_allow(struct cw_nl *nl, uint8_t cmd, const struct cw_rule *r);

/*
 * Join the events group with a receive buffer large enough for bursts.
 * 0, or an exit code with the error already printed.
 */
int cw_nl_subscribe(struct cw_nl *nl);
int cw_nl_fd(const struct cw_nl *nl);
/* Read one datagram and pass each event in it to @cb: 0 or -errno. */
int cw_nl_receive(struct cw_nl *nl, mnl_cb_t cb, void *data);

#endif /* _CW_NL_H */
