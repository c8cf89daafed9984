// SPDX-License-Identifier: GPL-2.0
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "errors.h"
#include "subcommands.h"
#include "util.h"

bool json_output;

static int help_main(int argc, char *argv[]);

static const struct {
	const char *name;
	int (*fn)(int argc, char *argv[]);
	const char *description;
} subcommands[] = {
	{ "status", status_main, "show the module's state, policy and counters" },
	{ "policy", policy_main, "show the policy, or set keys of it" },
	{ "allow", allow_main, "list, add or delete allow rules" },
	{ "quarantine", quarantine_main, "list or clear the quarantined contents" },
	{ "ps", ps_main, "list the tracked thread groups, highest CPU first" },
	{ "metrics", metrics_main, "print counters and gauges for Prometheus" },
	{ "release", release_main, "stop throttling a PID and exempt it while it runs that program" },
	{ "events", events_main, "follow the event stream until interrupted" },
	{ "apply", apply_main, "bring the module to a cpuwarden.conf(5) file" },
	{ "trust", trust_main, "load the packaged files, for policy unpackaged" },
	{ "lock", lock_main, "lock the policy and the module until reboot" },
	{ "help", help_main, "show this help" },
};

static void show_usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: %s [-j|--json] [-h|--help] [-V|--version] COMMAND [ARG]...\n",
		PROG_NAME);
	fputs("  -j, --json may also follow COMMAND.\n\n", f);
	fputs("Commands:\n", f);
	for (i = 0; i < ARRAY_SIZE(subcommands); i++)
		fprintf(f, "  %-11s %s\n", subcommands[i].name, subcommands[i].description);
	fprintf(f, "\nRun `%s COMMAND --help' for the arguments of a command.\n", PROG_NAME);
}

static int help_main(int argc, char *argv[])
{
	if (argc > 1)
		return cw_usage(argv[1], "Usage: " PROG_NAME " help\n");
	show_usage(stdout);
	return CW_EXIT_OK;
}

int cw_usage(const char *arg, const char *usage)
{
	if (arg && (!strcmp(arg, "-h") || !strcmp(arg, "--help"))) {
		fputs(usage, stdout);
		return CW_EXIT_OK;
	}
	if (arg)
		fprintf(stderr, PROG_NAME ": unexpected argument `%s'\n", arg);
	fputs(usage, stderr);
	return CW_EXIT_USAGE;
}

int main(int argc, char *argv[])
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	int opt, ret;
	size_t i;

	opterr = 0;
	/* '+': options after the command are the command's. */
	while ((opt = getopt_long(argc, argv, "+jhV", options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json_output = true;
			break;
		case 'h':
			show_usage(stdout);
			return CW_EXIT_OK;
		case 'V':
			printf("%s %s\n", PROG_NAME, CPUWARDEN_VERSION);
			return CW_EXIT_OK;
		default:
			if (optopt)
				fprintf(stderr, PROG_NAME ": unknown option `-%c'\n", optopt);
			else
				fprintf(stderr, PROG_NAME ": unknown option `%s'\n", argv[optind - 1]);
			show_usage(stderr);
			return CW_EXIT_USAGE;
		}
	}
	if (optind == argc) {
		show_usage(stderr);
		return CW_EXIT_USAGE;
	}
	for (i = 0; i < ARRAY_SIZE(subcommands); i++) {
		if (strcmp(argv[optind], subcommands[i].name))
			continue;
		argc = optind + cw_take_global_opts(argc - optind, argv + optind,
						    &json_output);
		ret = subcommands[i].fn(argc - optind, argv + optind);
		/* A full disk or a closed pipe must not pass for success. */
		if (fflush(stdout) || ferror(stdout)) {
			perror(PROG_NAME ": write error");
			return CW_EXIT_FAIL;
		}
		return ret;
	}
	fprintf(stderr, PROG_NAME ": unknown command `%s'\n", argv[optind]);
	show_usage(stderr);
	return CW_EXIT_USAGE;
}
