// SPDX-License-Identifier: GPL-2.0
/*
 * Global options after the command: "cpuwarden events --json" works as
 * "cpuwarden --json events" does, as users of ip, systemctl and kubectl
 * expect.  Only -j/--json moves: -h/--help after a command is that
 * command's own, and -V/--version means nothing there.
 */
#include <string.h>

#include "args.h"

/*
 * Take -j and --json out of a command's @argv (argv[0] is the command's
 * name), up to a "--", which stays for the command; set *@json if one
 * was there.  Returns the new argc; argv[argc] is NULL.
 */
int cw_take_global_opts(int argc, char *argv[], bool *json)
{
	int i, n = 1;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			while (i < argc)
				argv[n++] = argv[i++];
			break;
		}
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json"))
			*json = true;
		else
			argv[n++] = argv[i];
	}
	argv[n] = NULL;
	return n;
}
