/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_NETLINK_H
#define _CW_NETLINK_H

#include <linux/compiler.h>
#include <linux/types.h>

struct cw_decision;

bool cw_netlink_listening(void);
void cw_netlink_event(const struct cw_decision *d, const char *exe);
__printf(1, 2) void cw_netlink_changed(const char *fmt, ...);

int cw_netlink_init(void);
void cw_netlink_exit(void);

#endif /* _CW_NETLINK_H */
