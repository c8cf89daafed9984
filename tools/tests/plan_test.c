// SPDX-License-Identifier: GPL-2.0
/* "apply": what differs between the module and a config file. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "plan.h"

static char out[8192];

static const char *print(const struct cw_plan *plan)
{
	FILE *f = fmemopen(out, sizeof(out), "w");

	cw_plan_print(f, plan);
	fclose(f);
	return out;
}

static void set(struct cw_policy *p, const char *key, const char *value)
{
	struct cw_errors errs = {};

	if (cw_policy_parse(p, cw_key_lookup(key), value, &errs))
		abort();
}

static void add_rule(struct cw_rules *rules, const char *s)
{
	struct cw_errors errs = {};
	struct cw_rule r;

	if (cw_rule_parse(&r, s, &errs))
		abort();
	cw_rules_add(rules, &r);
	cw_rule_free(&r);
}

/* A module as it might be: the whole policy, two rules, not locked. */
FIXTURE(plan)
{
	struct cw_state cur;
	struct cw_config want;
	struct cw_plan plan;
};

FIXTURE_SETUP(plan)
{
	memset(&self->cur, 0, sizeof(self->cur));
	memset(&self->want, 0, sizeof(self->want));
	set(&self->cur.policy, "mode", "monitor");
	set(&self->cur.policy, "threshold", "50");
	set(&self->cur.policy, "sustain", "60");
	set(&self->cur.policy, "period_ms", "1000");
	set(&self->cur.policy, "budget", "0");
	set(&self->cur.policy, "budget_window", "3600");
	set(&self->cur.policy, "cap", "10");
	set(&self->cur.policy, "escalate", "0");
	set(&self->cur.policy, "quiet", "300");
	set(&self->cur.policy, "hash", "yes");
	set(&self->cur.policy, "kill_tree", "no");
	set(&self->cur.policy, "watch", "/tmp,/var/tmp");
	add_rule(&self->cur.allow, "uid:0");
	add_rule(&self->cur.allow,
		 "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* The file keeps both rules unless a test says otherwise. */
	add_rule(&self->want.allow, "uid:0");
	add_rule(&self->want.allow,
		 "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

FIXTURE_TEARDOWN(plan)
{
	cw_plan_free(&self->plan);
	cw_rules_free(&self->cur.allow);
	cw_config_free(&self->want);
}

TEST_F(plan, same_values_no_changes)
{
	set(&self->want.policy, "mode", "monitor");
	set(&self->want.policy, "threshold", "50");
	set(&self->want.policy, "hash", "on");
	set(&self->want.policy, "watch", " /tmp , /var/tmp ");
	cw_plan_make(&self->plan, &self->cur, &self->want);
	EXPECT_TRUE(cw_plan_empty(&self->plan));
	EXPECT_STREQ("", print(&self->plan));
}

TEST_F(plan, absent_keys_left_alone)
{
	cw_plan_make(&self->plan, &self->cur, &self->want);
	EXPECT_TRUE(cw_plan_empty(&self->plan));
}

TEST_F(plan, changed_keys_only)
{
	set(&self->want.policy, "mode", "kill");
	set(&self->want.policy, "threshold", "80");
	set(&self->want.policy, "sustain", "60");
	set(&self->want.policy, "kill_tree", "yes");
	set(&self->want.policy, "watch", "/tmp");
	cw_plan_make(&self->plan, &self->cur, &self->want);
	EXPECT_FALSE(cw_plan_empty(&self->plan));
	EXPECT_EQ(CW_KEY_BIT(CW_KEY_MODE) | CW_KEY_BIT(CW_KEY_THRESHOLD) |
		  CW_KEY_BIT(CW_KEY_KILL_TREE) | CW_KEY_BIT(CW_KEY_WATCH), self->plan.set.keys);
	EXPECT_EQ(CPUWARDEN_MODE_KILL, self->plan.set.val[CW_KEY_MODE]);
	EXPECT_EQ(80, self->plan.set.val[CW_KEY_THRESHOLD]);
	EXPECT_STREQ("/tmp", self->plan.set.watch);
	EXPECT_STREQ("set mode monitor -> kill\n"
		     "set threshold 50 -> 80\n"
		     "set kill_tree no -> yes\n"
		     "set watch /tmp,/var/tmp -> /tmp\n",
		     print(&self->plan));
}

/* A module parameter set by hand may have spaces; the file's list is the same. */
TEST_F(plan, watch_compared_normalised)
{
	struct cw_errors errs = {};

	ASSERT_EQ(0, cw_watch_normalise(self->cur.policy.watch, "/tmp , /var/tmp", &errs));
	set(&self->want.policy, "watch", "/tmp,/var/tmp");
	cw_plan_make(&self->plan, &self->cur, &self->want);
	EXPECT_TRUE(cw_plan_empty(&self->plan));
	cw_plan_free(&self->plan);

	set(&self->want.policy, "watch", "/var/tmp,/tmp");
	cw_plan_make(&self->plan, &self->cur, &self->want);
	EXPECT_STREQ("set watch /tmp,/var/tmp -> /var/tmp,/tmp\n", print(&self->plan));
}

TEST_F(plan, allow_sets)
{
	cw_config_free(&self->want);
	memset(&self->want, 0, sizeof(self->want));
	add_rule(&self->want.allow, "uid:1001");
	add_rule(&self->want.allow, "uid:root");
	add_rule(&self->want.allow, "uid:1002");
	cw_plan_make(&self->plan, &self->cur, &self->want);
	ASSERT_EQ(2, self->plan.nr_add);
	ASSERT_EQ(1, self->plan.nr_del);
	EXPECT_EQ(1001, self->plan.add[0]->uid);
	EXPECT_EQ(1002, self->plan.add[1]->uid);
	EXPECT_EQ(CW_RULE_SHA256, self->plan.del[0]->kind);
	EXPECT_STREQ("allow add uid:1001\n"
		     "allow add uid:1002\n"
		     "allow del sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n",
		     print(&self->plan));
}

TEST_F(plan, no_allow_line_removes_all_rules)
{
	cw_config_free(&self->want);
	memset(&self->want, 0, sizeof(self->want));
	cw_plan_make(&self->plan, &self->cur, &self->want);
	EXPECT_EQ(0, self->plan.nr_add);
	EXPECT_EQ(2, self->plan.nr_del);
}

TEST_F(plan, lock)
{
	self->want.lock = true;
	cw_plan_make(&self->plan, &self->cur, &self->want);
	EXPECT_TRUE(self->plan.lock);
	EXPECT_STREQ("lock\n", print(&self->plan));
	cw_plan_free(&self->plan);

	self->cur.locked = true;
	cw_plan_make(&self->plan, &self->cur, &self->want);
	EXPECT_TRUE(cw_plan_empty(&self->plan));
	cw_plan_free(&self->plan);

	self->want.lock = false;
	cw_plan_make(&self->plan, &self->cur, &self->want);
	EXPECT_TRUE(cw_plan_empty(&self->plan));
}

/* The order apply makes them in: adds, one set, deletes, lock. */
TEST_F(plan, order)
{
	cw_rules_free(&self->want.allow);
	add_rule(&self->want.allow, "uid:0");
	add_rule(&self->want.allow, "uid:7");
	set(&self->want.policy, "cap", "5");
	set(&self->want.policy, "mode", "throttle");
	self->want.lock = true;
	cw_plan_make(&self->plan, &self->cur, &self->want);
	EXPECT_STREQ("allow add uid:7\n"
		     "set mode monitor -> throttle\n"
		     "set cap 10 -> 5\n"
		     "allow del sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n"
		     "lock\n",
		     print(&self->plan));
}

/* Applying the same file again: the module now holds what it asked for. */
TEST_F(plan, idempotent)
{
	size_t i;
	int key;

	cw_rules_free(&self->want.allow);
	add_rule(&self->want.allow, "uid:5");
	set(&self->want.policy, "threshold", "90");
	set(&self->want.policy, "watch", "/tmp");
	self->want.lock = true;
	cw_plan_make(&self->plan, &self->cur, &self->want);
	ASSERT_FALSE(cw_plan_empty(&self->plan));

	/* What the kernel would hold once the plan is applied. */
	for (key = 0; key < CW_NR_KEYS; key++)
		if (self->plan.set.keys & CW_KEY_BIT(key))
			self->cur.policy.val[key] = self->plan.set.val[key];
	strcpy(self->cur.policy.watch, self->plan.set.watch);
	for (i = 0; i < self->plan.nr_add; i++)
		cw_rules_add(&self->cur.allow, self->plan.add[i]);
	cw_plan_free(&self->plan);
	cw_rules_free(&self->cur.allow);
	add_rule(&self->cur.allow, "uid:5");
	self->cur.locked = true;

	cw_plan_make(&self->plan, &self->cur, &self->want);
	EXPECT_TRUE(cw_plan_empty(&self->plan));
}

TEST_HARNESS_MAIN
