// SPDX-License-Identifier: GPL-2.0
#include "nl.h"
#include "subcommands.h"

static const char usage[] = "Usage: cpuwarden lock\n";

int lock_main(int argc, char *argv[])
{
	struct cw_nl *nl;
	int ret;

	if (argc > 1)
		return cw_usage(argv[1], usage);
	ret = cw_nl_open(&nl);
	if (ret)
		return ret;
	ret = cw_nl_command(nl, CPUWARDEN_CMD_LOCK);
	cw_nl_close(nl);
	return ret;
}
