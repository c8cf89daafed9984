// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nl.h"
#include "subcommands.h"
#include "util.h"

static const char usage[] =
	"Usage: cpuwarden [-j] allow [list]\n"
	"       cpuwarden allow add|del RULE\n"
	"RULE:  sha256:HEX | path:/PATH | uid:N | sha256 HEX | file PATH | path PATH | uid N|NAME\n";

/* "KIND:VALUE" in one argument, or "KIND VALUE" in two. */
static int parse_rule(struct cw_rule *r, int argc, char *argv[], struct cw_errors *errs)
{
	const char *kind = argv[0], *value = argv[1];

	if (argc == 1)
		return cw_rule_parse(r, kind, errs);
	if (!strcmp(kind, "sha256"))
		return cw_rule_parse_sha256(r, value, errs);
	if (!strcmp(kind, "file"))
		return cw_rule_parse_file(r, value, errs);
	if (!strcmp(kind, "path"))
		return cw_rule_parse_path(r, value, errs);
	if (!strcmp(kind, "uid"))
		return cw_rule_parse_uid(r, value, errs);
	cw_errors_add(errs, "unknown rule kind `%s' (sha256, file, path or uid)", kind);
	return -1;
}

/*
 * The module keeps a path rule after its file is removed, and deleting it
 * must not need the file: the path was stored resolved, so take it as given.
 */
static bool gone_path_rule(struct cw_rule *r, int argc, char *argv[])
{
	const char *path = NULL;
	struct stat st;

	if (argc == 1 && !strncmp(argv[0], "path:/", 6))
		path = argv[0] + 5;
	else if (argc == 2 && !strcmp(argv[0], "path") && argv[1][0] == '/')
		path = argv[1];
	if (!path || strlen(path) >= CPUWARDEN_PATH_LEN || !lstat(path, &st) || errno != ENOENT)
		return false;
	r->kind = CW_RULE_PATH;
	r->path = xstrdup(path);
	return true;
}

static int allow_change(uint8_t cmd, int argc, char *argv[])
{
	struct cw_errors errs = {};
	char text[CW_RULE_STRLEN];
	struct cw_rule rule;
	struct cw_nl *nl;
	int ret;

	if (argc == 0)
		return cw_usage(NULL, usage);
	if (argc > 2 || argv[0][0] == '-')
		return cw_usage(argc > 2 ? argv[2] : argv[0], usage);
	if (parse_rule(&rule, argc, argv, &errs) &&
	    !(cmd == CPUWARDEN_CMD_ALLOW_DEL && gone_path_rule(&rule, argc, argv))) {
		cw_errors_print(&errs);
		cw_errors_free(&errs);
		return CW_EXIT_USAGE;
	}
	cw_errors_free(&errs);
	cw_rule_format(text, &rule);
	ret = cw_nl_open(&nl);
	if (ret)
		goto out;
	ret = cw_nl_allow(nl, cmd, &rule);
	if (ret)
		ret = cw_nl_error(nl, cmd, ret, text);
	cw_nl_close(nl);
out:
	cw_rule_free(&rule);
	return ret;
}

static void print_rules(const struct cw_rules *rules)
{
	char text[CW_RULE_STRLEN];
	struct json j;
	size_t i;

	if (!json_output) {
		for (i = 0; i < rules->nr; i++) {
			cw_rule_format(text, &rules->rule[i]);
			puts(text);
		}
		return;
	}
	json_init(&j, stdout);
	json_array_begin(&j, NULL);
	for (i = 0; i < rules->nr; i++) {
		cw_rule_format(text, &rules->rule[i]);
		json_string(&j, NULL, text);
	}
	json_array_end(&j);
	putchar('\n');
}

static int allow_list(void)
{
	struct cw_rules rules = {};
	struct cw_nl *nl;
	int ret;

	ret = cw_nl_open(&nl);
	if (ret)
		return ret;
	ret = cw_nl_get_allow(nl, &rules);
	if (ret)
		ret = cw_nl_error(nl, CPUWARDEN_CMD_ALLOW_LIST, ret, NULL);
	else
		print_rules(&rules);
	cw_rules_free(&rules);
	cw_nl_close(nl);
	return ret;
}

int allow_main(int argc, char *argv[])
{
	const char *verb = argv[1];

	if (argc == 1)
		return allow_list();
	if (!strcmp(verb, "list"))
		return argc == 2 ? allow_list() : cw_usage(argv[2], usage);
	if (!strcmp(verb, "add"))
		return allow_change(CPUWARDEN_CMD_ALLOW_ADD, argc - 2, argv + 2);
	if (!strcmp(verb, "del") || !strcmp(verb, "delete") || !strcmp(verb, "rm"))
		return allow_change(CPUWARDEN_CMD_ALLOW_DEL, argc - 2, argv + 2);
	return cw_usage(verb, usage);
}
