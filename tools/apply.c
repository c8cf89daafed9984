// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "nl.h"
#include "plan.h"
#include "subcommands.h"
#include "util.h"

static const char usage[] = "Usage: cpuwarden apply [-n|--dry-run] FILE\n";

/* The whole file is checked before the module is asked anything. */
static int read_config(struct cw_config *c, const char *file)
{
	struct cw_errors errs = {};
	FILE *f;
	int ret;

	f = fopen(file, "re");
	if (!f) {
		fprintf(stderr, PROG_NAME ": cannot open `%s': %s\n", file, strerror(errno));
		return CW_EXIT_FAIL;
	}
	ret = cw_config_read(c, f, file, &errs);
	fclose(f);
	if (ret) {
		cw_errors_print(&errs);
		cw_errors_free(&errs);
		cw_config_free(c);
		return CW_EXIT_USAGE;
	}
	return 0;
}

static int read_state(struct cw_nl *nl, struct cw_state *s)
{
	struct cw_status status;
	int ret;

	ret = cw_nl_get_status(nl, &status);
	if (ret)
		return cw_nl_error(nl, CPUWARDEN_CMD_GET_STATUS, ret, NULL);
	s->locked = status.locked;
	ret = cw_nl_get_policy(nl, &s->policy);
	if (ret)
		return cw_nl_error(nl, CPUWARDEN_CMD_GET_POLICY, ret, NULL);
	ret = cw_nl_get_allow(nl, &s->allow);
	if (ret)
		return cw_nl_error(nl, CPUWARDEN_CMD_ALLOW_LIST, ret, NULL);
	return 0;
}

static int allow(struct cw_nl *nl, uint8_t cmd, const struct cw_rule *r)
{
	char text[CW_RULE_STRLEN];
	int ret;

	ret = cw_nl_allow(nl, cmd, r);
	if (ret) {
		cw_rule_format(text, r);
		return cw_nl_error(nl, cmd, ret, text);
	}
	if (cmd == CPUWARDEN_CMD_ALLOW_ADD)
		cw_plan_print_add(stdout, r);
	else
		cw_plan_print_del(stdout, r);
	return 0;
}

/* Take back the first @nr rules this run added, newest first. */
static void undo_adds(struct cw_nl *nl, const struct cw_plan *plan, size_t nr)
{
	while (nr--)
		allow(nl, CPUWARDEN_CMD_ALLOW_DEL, plan->add[nr]);
}

/*
 * Rules are added before the policy changes and deleted after, so that
 * nothing allowed before or after is ever caught in between.
 */
static int execute(struct cw_nl *nl, const struct cw_plan *plan)
{
	size_t i;
	int ret;

	for (i = 0; i < plan->nr_add; i++) {
		ret = allow(nl, CPUWARDEN_CMD_ALLOW_ADD, plan->add[i]);
		if (ret) {
			undo_adds(nl, plan, i);
			return ret;
		}
	}
	if (plan->set.keys) {
		ret = cw_nl_set_policy(nl, &plan->set);
		if (ret) {
			ret = cw_nl_error(nl, CPUWARDEN_CMD_SET_POLICY, ret, NULL);
			undo_adds(nl, plan, plan->nr_add);
			return ret;
		}
		cw_plan_print_set(stdout, plan);
	}
	for (i = 0; i < plan->nr_del; i++) {
		ret = allow(nl, CPUWARDEN_CMD_ALLOW_DEL, plan->del[i]);
		if (ret)
			return ret;
	}
	if (plan->lock) {
		ret = cw_nl_command(nl, CPUWARDEN_CMD_LOCK);
		if (ret)
			return ret;
		puts("lock");
	}
	return 0;
}

int apply_main(int argc, char *argv[])
{
	static const struct option options[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct cw_state cur = {};
	struct cw_config want;
	struct cw_plan plan;
	bool dry_run = false;
	struct cw_nl *nl;
	int opt, ret;

	/* Each change is one line, out as soon as it is made. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	optind = 0;
	while ((opt = getopt_long(argc, argv, "+nh", options, NULL)) != -1) {
		if (opt == 'n')
			dry_run = true;
		else
			return cw_usage(opt == 'h' ? "--help" : argv[optind - 1], usage);
	}
	if (optind != argc - 1)
		return cw_usage(optind < argc ? argv[optind + 1] : NULL, usage);

	ret = read_config(&want, argv[optind]);
	if (ret)
		return ret;
	ret = cw_nl_open(&nl);
	if (ret)
		goto out_config;
	ret = read_state(nl, &cur);
	if (ret)
		goto out;

	cw_plan_make(&plan, &cur, &want);
	if (cw_plan_empty(&plan)) {
		puts("no changes");
	} else {
		if (dry_run)
			cw_plan_print(stdout, &plan);
		if (cur.locked) {
			fputs(PROG_NAME ": locked until reboot\n", stderr);
			ret = CW_EXIT_LOCKED;
		} else if (!dry_run) {
			ret = execute(nl, &plan);
		}
	}
	cw_plan_free(&plan);
out:
	cw_rules_free(&cur.allow);
	cw_nl_close(nl);
out_config:
	cw_config_free(&want);
	return ret;
}
