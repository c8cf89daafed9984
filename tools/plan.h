/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_PLAN_H
#define _CW_PLAN_H

#include <stdbool.h>
#include <stdio.h>

#include "config.h"

/* What the module has now. */
struct cw_state {
	struct cw_policy policy;
	struct cw_rules allow;
	bool locked;
};

/*
 * What "apply" changes, in the order it changes it: allow rules to add,
 * the policy keys to set (all in one message), rules to delete, the lock.
 * The rules point into the state and the config the plan was made from.
 */
struct cw_plan {
	const struct cw_policy *cur;
	struct cw_policy set;
	const struct cw_rule **add;
	size_t nr_add;
	const struct cw_rule **del;
	size_t nr_del;
	bool lock;
};

void cw_plan_make(struct cw_plan *plan, const struct cw_state *cur,
		  const struct cw_config *want);
bool cw_plan_empty(const struct cw_plan *plan);
void cw_plan_free(struct cw_plan *plan);

/* One line per change, as "apply" prints them while it makes them. */
void cw_plan_print_add(FILE *f, const struct cw_rule *r);
void cw_plan_print_set(FILE *f, const struct cw_plan *plan);
void cw_plan_print_del(FILE *f, const struct cw_rule *r);
void cw_plan_print(FILE *f, const struct cw_plan *plan);

#endif /* _CW_PLAN_H */
