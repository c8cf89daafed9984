// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "attr.h"
#include "nl.h"
#include "subcommands.h"
#include "util.h"

static const char usage[] =
	"Usage: cpuwarden [-j] quarantine [list]\n"
	"       cpuwarden quarantine clear\n";

struct entries {
	struct cw_quarantine *q;
	size_t nr;
};

static int entry_cb(const struct nlmsghdr *nlh, void *data)
{
	struct entries *e = data;
	struct cw_attrs a;

	if (cw_attr_parse(nlh, &a))
		return MNL_CB_ERROR;
	e->q = xrealloc(e->q, (e->nr + 1) * sizeof(*e->q));
	cw_attr_get_quarantine(&a, &e->q[e->nr++]);
	return MNL_CB_OK;
}

static int quarantine_list(void)
{
	struct entries e = {};
	struct cw_nl *nl;
	int ret;

	ret = cw_nl_open(&nl);
	if (ret)
		return ret;
	ret = cw_nl_run(nl, cw_nl_request(nl, CPUWARDEN_CMD_QUARANTINE_LIST, NLM_F_DUMP),
			entry_cb, &e);
	if (ret)
		ret = cw_nl_error(nl, CPUWARDEN_CMD_QUARANTINE_LIST, ret, NULL);
	else if (json_output)
		cw_format_quarantine_json(stdout, e.q, e.nr);
	else
		cw_format_quarantine(stdout, e.q, e.nr);
	free(e.q);
	cw_nl_close(nl);
	return ret;
}

static int quarantine_clear(void)
{
	struct cw_nl *nl;
	int ret;

	ret = cw_nl_open(&nl);
	if (ret)
		return ret;
	ret = cw_nl_command(nl, CPUWARDEN_CMD_QUARANTINE_CLEAR);
	cw_nl_close(nl);
	return ret;
}

int quarantine_main(int argc, char *argv[])
{
	if (argc == 1)
		return quarantine_list();
	if (argc > 2)
		return cw_usage(argv[2], usage);
	if (!strcmp(argv[1], "list"))
		return quarantine_list();
	if (!strcmp(argv[1], "clear"))
		return quarantine_clear();
	return cw_usage(argv[1], usage);
}
