// SPDX-License-Identifier: GPL-2.0
#include "format.h"
#include "nl.h"
#include "subcommands.h"

static const char usage[] = "Usage: cpuwarden [-j] status\n";

int status_main(int argc, char *argv[])
{
	struct cw_status status;
	struct cw_policy policy;
	struct cw_nl *nl;
	int ret;

	if (argc > 1)
		return cw_usage(argv[1], usage);
	ret = cw_nl_open(&nl);
	if (ret)
		return ret;
	ret = cw_nl_get_status(nl, &status);
	if (ret) {
		ret = cw_nl_error(nl, CPUWARDEN_CMD_GET_STATUS, ret, NULL);
		goto out;
	}
	ret = cw_nl_get_policy(nl, &policy);
	if (ret) {
		ret = cw_nl_error(nl, CPUWARDEN_CMD_GET_POLICY, ret, NULL);
		goto out;
	}
	if (json_output)
		cw_format_status_json(stdout, &status, &policy);
	else
		cw_format_status(stdout, &status, &policy);
out:
	cw_nl_close(nl);
	return ret;
}
