/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_ATTR_H
#define _CW_ATTR_H

#include <libmnl/libmnl.h>

#include "config.h"
#include "format.h"

/* The attributes of one cpuwarden message, each checked against its type. */
struct cw_attrs {
	const struct nlattr *tb[CPUWARDEN_A_MAX + 1];
	uint64_t has;
};

/* 0, or -1 with errno EPROTO when an attribute is malformed. */
int cw_attr_parse(const struct nlmsghdr *nlh, struct cw_attrs *a);

void cw_attr_get_status(const struct cw_attrs *a, struct cw_status *s);
void cw_attr_get_policy(const struct cw_attrs *a, struct cw_policy *p);
/* The rule's path is allocated; -1 with errno EPROTO if there is no rule. */
int cw_attr_get_rule(const struct cw_attrs *a, struct cw_rule *r);
/* The strings point into the message. */
void cw_attr_get_group(const struct cw_attrs *a, struct cw_group *g);
void cw_attr_get_event(const struct cw_attrs *a, struct cw_event *e);
void cw_attr_get_quarantine(const struct cw_attrs *a, struct cw_quarantine *q);
void cw_attr_get_count(const struct cw_attrs *a, struct cw_count *c);

void cw_attr_put_policy(struct nlmsghdr *nlh, const struct cw_policy *p);
void cw_attr_put_rule(struct nlmsghdr *nlh, const struct cw_rule *r);

#endif /* _CW_ATTR_H */
