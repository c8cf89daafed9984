// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "util.h"

static bool rules_contain(const struct cw_rules *rules, const struct cw_rule *r)
{
	size_t i;

	for (i = 0; i < rules->nr; i++)
		if (cw_rule_equal(&rules->rule[i], r))
			return true;
	return false;
}

/* The rules of @from that @other lacks. */
static size_t rules_missing(const struct cw_rule ***out, const struct cw_rules *from,
			    const struct cw_rules *other)
{
	size_t i, nr = 0;

	*out = xcalloc(from->nr, sizeof(**out));
	for (i = 0; i < from->nr; i++)
		if (!rules_contain(other, &from->rule[i]))
			(*out)[nr++] = &from->rule[i];
	return nr;
}

void cw_plan_make(struct cw_plan *plan, const struct cw_state *cur,
		  const struct cw_config *want)
{
	int key;

	memset(plan, 0, sizeof(*plan));
	plan->cur = &cur->policy;
	for (key = 0; key < CW_NR_KEYS; key++) {
		if (!(want->policy.keys & CW_KEY_BIT(key)) ||
		    cw_policy_equal(&want->policy, &cur->policy, key))
			continue;
		plan->set.keys |= CW_KEY_BIT(key);
		plan->set.val[key] = want->policy.val[key];
	}
	if (plan->set.keys & CW_KEY_BIT(CW_KEY_WATCH))
		strcpy(plan->set.watch, want->policy.watch);
	plan->nr_add = rules_missing(&plan->add, &want->allow, &cur->allow);
	plan->nr_del = rules_missing(&plan->del, &cur->allow, &want->allow);
	plan->lock = want->lock && !cur->locked;
}

bool cw_plan_empty(const struct cw_plan *plan)
{
	return !plan->set.keys && !plan->nr_add && !plan->nr_del && !plan->lock;
}

void cw_plan_free(struct cw_plan *plan)
{
	free(plan->add);
	free(plan->del);
	plan->add = plan->del = NULL;
}

static void print_rule(FILE *f, const char *what, const struct cw_rule *r)
{
	char text[CW_RULE_STRLEN];

	cw_rule_format(text, r);
	fprintf(f, "allow %s %s\n", what, text);
}

void cw_plan_print_add(FILE *f, const struct cw_rule *r)
{
	print_rule(f, "add", r);
}

void cw_plan_print_del(FILE *f, const struct cw_rule *r)
{
	print_rule(f, "del", r);
}

void cw_plan_print_set(FILE *f, const struct cw_plan *plan)
{
	char from[CPUWARDEN_WATCH_LEN], to[CPUWARDEN_WATCH_LEN];
	int key;

	for (key = 0; key < CW_NR_KEYS; key++) {
		if (!(plan->set.keys & CW_KEY_BIT(key)))
			continue;
		cw_policy_format(from, sizeof(from), plan->cur, key);
		cw_policy_format(to, sizeof(to), &plan->set, key);
		fprintf(f, "set %s %s -> %s\n", cw_keys[key].name, from, to);
	}
}

void cw_plan_print(FILE *f, const struct cw_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->nr_add; i++)
		cw_plan_print_add(f, plan->add[i]);
	cw_plan_print_set(f, plan);
	for (i = 0; i < plan->nr_del; i++)
		cw_plan_print_del(f, plan->del[i]);
	if (plan->lock)
		fputs("lock\n", f);
}
