// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>

#include "attr.h"
#include "nl.h"
#include "subcommands.h"
#include "util.h"

static const char usage[] = "Usage: cpuwarden [-j] ps\n";

struct groups {
	struct cw_group *g;
	size_t nr;
};

/* The receive buffer is reused: keep copies of the strings. */
static int group_cb(const struct nlmsghdr *nlh, void *data)
{
	struct groups *groups = data;
	struct cw_attrs a;
	struct cw_group *g;

	if (cw_attr_parse(nlh, &a))
		return MNL_CB_ERROR;
	groups->g = xrealloc(groups->g, (groups->nr + 1) * sizeof(*groups->g));
	g = &groups->g[groups->nr++];
	cw_attr_get_group(&a, g);
	g->comm = g->comm ? xstrdup(g->comm) : NULL;
	g->exe = g->exe ? xstrdup(g->exe) : NULL;
	return MNL_CB_OK;
}

static void groups_free(struct groups *groups)
{
	size_t i;

	for (i = 0; i < groups->nr; i++) {
		free((char *)groups->g[i].comm);
		free((char *)groups->g[i].exe);
	}
	free(groups->g);
}

int ps_main(int argc, char *argv[])
{
	struct groups groups = {};
	struct cw_nl *nl;
	int ret;

	if (argc > 1)
		return cw_usage(argv[1], usage);
	ret = cw_nl_open(&nl);
	if (ret)
		return ret;
	ret = cw_nl_run(nl, cw_nl_request(nl, CPUWARDEN_CMD_PS, NLM_F_DUMP), group_cb, &groups);
	if (ret) {
		ret = cw_nl_error(nl, CPUWARDEN_CMD_PS, ret, NULL);
		goto out;
	}
	qsort(groups.g, groups.nr, sizeof(*groups.g), cw_group_cmp);
	if (json_output)
		cw_format_ps_json(stdout, groups.g, groups.nr);
	else
		cw_format_ps(stdout, groups.g, groups.nr);
out:
	groups_free(&groups);
	cw_nl_close(nl);
	return ret;
}
