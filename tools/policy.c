// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "format.h"
#include "nl.h"
#include "subcommands.h"

static const char usage[] =
	"Usage: cpuwarden [-j] policy [show]\n"
	"       cpuwarden policy set KEY VALUE [KEY VALUE]...\n";

static int policy_show(void)
{
	struct cw_policy policy;
	struct cw_nl *nl;
	struct json j;
	int ret;

	ret = cw_nl_open(&nl);
	if (ret)
		return ret;
	ret = cw_nl_get_policy(nl, &policy);
	if (ret) {
		ret = cw_nl_error(nl, CPUWARDEN_CMD_GET_POLICY, ret, NULL);
	} else if (json_output) {
		json_init(&j, stdout);
		cw_format_policy_json(&j, NULL, &policy);
		putchar('\n');
	} else {
		cw_format_policy(stdout, &policy);
	}
	cw_nl_close(nl);
	return ret;
}

/* Every pair is checked before any is sent, and all go in one message. */
static int policy_set(int argc, char *argv[])
{
	struct cw_errors errs = {};
	struct cw_policy policy = {};
	struct cw_nl *nl;
	int i, key, ret;

	for (i = 0; i < argc; i += 2) {
		key = cw_key_lookup(argv[i]);
		if (key < 0)
			cw_errors_add(&errs, "unknown key `%s'", argv[i]);
		else if (i + 1 == argc)
			cw_errors_add(&errs, "%s: missing value", argv[i]);
		else if (policy.keys & CW_KEY_BIT(key))
			cw_errors_add(&errs, "duplicate key `%s'", argv[i]);
		else
			cw_policy_parse(&policy, key, argv[i + 1], &errs);
	}
	if (errs.nr) {
		cw_errors_print(&errs);
		cw_errors_free(&errs);
		return CW_EXIT_USAGE;
	}
	ret = cw_nl_open(&nl);
	if (ret)
		return ret;
	ret = cw_nl_set_policy(nl, &policy);
	if (ret)
		ret = cw_nl_error(nl, CPUWARDEN_CMD_SET_POLICY, ret, NULL);
	cw_nl_close(nl);
	return ret;
}

int policy_main(int argc, char *argv[])
{
	if (argc == 1)
		return policy_show();
	if (!strcmp(argv[1], "show"))
		return argc == 2 ? policy_show() : cw_usage(argv[2], usage);
	if (!strcmp(argv[1], "set"))
		return argc > 2 ? policy_set(argc - 2, argv + 2) : cw_usage(NULL, usage);
	return cw_usage(argv[1], usage);
}
