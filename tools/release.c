// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "nl.h"
#include "subcommands.h"

static const char usage[] = "Usage: cpuwarden release PID\n";

int release_main(int argc, char *argv[])
{
	struct cw_errors errs = {};
	char subject[16];
	struct nlmsghdr *nlh;
	struct cw_nl *nl;
	uint32_t pid;
	int ret;

	if (argc != 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return cw_usage(argc > 2 ? argv[2] : argv[1], usage);
	if (cw_pid_parse(&pid, argv[1], &errs)) {
		cw_errors_print(&errs);
		cw_errors_free(&errs);
		return CW_EXIT_USAGE;
	}
	snprintf(subject, sizeof(subject), "%u", pid);
	ret = cw_nl_open(&nl);
	if (ret)
		return ret;
	nlh = cw_nl_request(nl, CPUWARDEN_CMD_RELEASE, NLM_F_ACK);
	mnl_attr_put_u32(nlh, CPUWARDEN_A_PID, pid);
	ret = cw_nl_run(nl, nlh, NULL, NULL);
	if (ret)
		ret = cw_nl_error(nl, CPUWARDEN_CMD_RELEASE, ret, subject);
	cw_nl_close(nl);
	return ret;
}
