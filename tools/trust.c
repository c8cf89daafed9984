// SPDX-License-Identifier: GPL-2.0
/*
 * "cpuwarden trust": load the packaged files into the module, for policy
 * "unpackaged".  The set goes in one message, replacing the one in
 * place whole, so that no exec is judged against half a set.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/genetlink.h>
#include <string.h>

#include "errors.h"
#include "nl.h"
#include "packages.h"
#include "subcommands.h"
#include "util.h"

static const char usage[] =
	"Usage: cpuwarden trust sync [--admindir DIR]\n"
	"       cpuwarden trust clear\n";

/* What one attribute holds: its length is 16 bits, with its header. */
#define PER_ATTR ((UINT16_MAX - MNL_ATTR_HDRLEN) / sizeof(struct cpuwarden_trust_id))

static int trust_set(const struct cw_packaged *p)
{
	size_t size = MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)) +
		      (p->nr / PER_ATTR + 1) * (MNL_ATTR_HDRLEN + UINT16_MAX);
	struct cw_status status;
	struct nlmsghdr *nlh;
	struct cw_nl *nl;
	size_t i, n;
	void *buf;
	int ret;

	ret = cw_nl_open(&nl);
	if (ret)
		return ret;
	buf = xcalloc(1, size);
	nlh = cw_nl_request_in(nl, buf, size, CPUWARDEN_CMD_TRUST_SET, NLM_F_ACK);
	for (i = 0; i < p->nr; i += n) {
		n = p->nr - i < PER_ATTR ? p->nr - i : PER_ATTR;
		mnl_attr_put(nlh, CPUWARDEN_A_TRUST, n * sizeof(p->id[0]), &p->id[i]);
	}
	ret = cw_nl_run(nl, nlh, NULL, NULL);
	free(buf);
	if (ret) {
		ret = cw_nl_error(nl, CPUWARDEN_CMD_TRUST_SET, ret, NULL);
	} else if (p->listed) {
		ret = cw_nl_get_status(nl, &status);
		if (ret)
			ret = cw_nl_error(nl, CPUWARDEN_CMD_GET_STATUS, ret, NULL);
		else
			printf("trusted %" PRIu32 " packaged files (%zu paths listed, %zu unreadable)\n",
			       status.nr_trusted, p->listed, p->unreadable);
	}
	cw_nl_close(nl);
	return ret;
}

/*
 * A hard link changes a file's ctime.  Without fs.protected_hardlinks any
 * user may link a packaged program, root's python3 say, and have it
 * judged as no package's until the next sync.
 */
static void check_hardlinks(void)
{
	FILE *f = fopen("/proc/sys/fs/protected_hardlinks", "re");
	int on = 1;

	if (!f)
		return;
	if (fscanf(f, "%d", &on) != 1)
		on = 1;
	fclose(f);
	if (!on)
		fputs(PROG_NAME ": warning: fs.protected_hardlinks is 0: any user can make "
		      "a packaged file unpackaged by linking it\n", stderr);
}

static int trust_sync(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "admindir", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *admindir = CW_DPKG_ADMINDIR;
	struct cw_packaged p;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			admindir = optarg;
			break;
		case 'h':
			return cw_usage("--help", usage);
		default:
			return cw_usage(NULL, usage);
		}
	}
	if (optind < argc)
		return cw_usage(argv[optind], usage);
	check_hardlinks();
	if (cw_packages_read_dpkg(admindir, &p))
		return CW_EXIT_FAIL;
	ret = trust_set(&p);
	free(p.id);
	return ret;
}

int trust_main(int argc, char *argv[])
{
	struct cw_packaged none = {};

	if (argc < 2)
		return cw_usage(NULL, usage);
	if (!strcmp(argv[1], "sync"))
		return trust_sync(argc - 1, argv + 1);
	if (argc > 2)
		return cw_usage(argv[2], usage);
	if (!strcmp(argv[1], "clear"))
		return trust_set(&none);
	return cw_usage(argv[1], usage);
}
