// SPDX-License-Identifier: GPL-2.0
/*
 * cpuwarden metrics: the module's counters and gauges in Prometheus text
 * exposition, on stdout or, with -o, into a file replaced whole (written
 * beside it, then renamed), as node_exporter's textfile collector wants.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attr.h"
#include "errors.h"
#include "nl.h"
#include "subcommands.h"
#include "util.h"

static const char usage[] = "Usage: cpuwarden metrics [-o FILE]\n";

struct counts {
	struct cw_count *c;
	size_t nr;
};

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	struct counts *cs = data;
	struct cw_attrs a;

	if (cw_attr_parse(nlh, &a))
		return MNL_CB_ERROR;
	cs->c = xrealloc(cs->c, (cs->nr + 1) * sizeof(*cs->c));
	cw_attr_get_count(&a, &cs->c[cs->nr++]);
	return MNL_CB_OK;
}

/*
 * Ask the module; 0, or the exit code with the error printed.  A module
 * that is not loaded is not an error here: the metrics say so.  Looked
 * for in sysfs first: resolving the netlink family of a module that is
 * not loaded has the kernel load it, and a timer that brought back a
 * module the administrator unloaded would be worse than no metrics.
 */
static int gather(struct cw_status *s, struct cw_policy *p, struct counts *cs, bool *up)
{
	struct cw_nl *nl;
	int ret;

	*up = false;
	if (access("/sys/module/cpuwarden", F_OK))
		return 0;
	ret = cw_nl_open(&nl);
	if (ret)
		return ret == CW_EXIT_NO_MODULE ? 0 : ret;
	ret = cw_nl_get_status(nl, s);
	if (ret) {
		ret = cw_nl_error(nl, CPUWARDEN_CMD_GET_STATUS, ret, NULL);
		goto out;
	}
	ret = cw_nl_get_policy(nl, p);
	if (ret) {
		ret = cw_nl_error(nl, CPUWARDEN_CMD_GET_POLICY, ret, NULL);
		goto out;
	}
	ret = cw_nl_run(nl, cw_nl_request(nl, CPUWARDEN_CMD_COUNTS, NLM_F_DUMP), count_cb, cs);
	/* A module older than the tool (not rebooted since an upgrade). */
	if (ret == -EOPNOTSUPP)
		ret = 0;
	if (ret) {
		ret = cw_nl_error(nl, CPUWARDEN_CMD_COUNTS, ret, NULL);
		goto out;
	}
	*up = true;
out:
	cw_nl_close(nl);
	return ret;
}

/* Write the metrics to @path through a file beside it, renamed over it. */
static int write_file(const char *path, const struct cw_status *s,
		      const struct cw_policy *p, const struct counts *cs)
{
	size_t len = strlen(path) + 32;
	char *tmp = xrealloc(NULL, len);
	int fd, err = 0;
	FILE *f;

	snprintf(tmp, len, "%s.%d.tmp", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = errno;
		goto out;
	}
	f = fdopen(fd, "w");
	if (!f) {
		err = errno;
		close(fd);
		unlink(tmp);
		goto out;
	}
	cw_format_metrics(f, s, p, cs->c, cs->nr);
	if (fflush(f) || ferror(f) || fsync(fileno(f)))
		err = errno ?: EIO;
	if (fclose(f) && !err)
		err = errno;
	if (!err && rename(tmp, path))
		err = errno;
	if (err)
		unlink(tmp);
out:
	if (err)
		fprintf(stderr, PROG_NAME ": %s: %s\n", err == ENOENT ? path : tmp,
			strerror(err));
	free(tmp);
	return err ? CW_EXIT_FAIL : CW_EXIT_OK;
}

int metrics_main(int argc, char *argv[])
{
	struct counts cs = {};
	struct cw_status s;
	struct cw_policy p;
	const char *out = NULL;
	bool opt, up;
	int ret;

	opt = argc > 1 && (!strcmp(argv[1], "-o") || !strcmp(argv[1], "--output"));
	if (argc > 1 && !opt)
		return cw_usage(argv[1], usage);
	if (opt && argc != 3)
		return cw_usage(argc > 3 ? argv[3] : NULL, usage);
	if (opt)
		out = argv[2];
	ret = gather(&s, &p, &cs, &up);
	/* A file that stays would say the module is up: it says it is not. */
	if (ret && out) {
		write_file(out, NULL, &p, &cs);
		goto done;
	}
	if (ret)
		goto done;
	if (out) {
		ret = write_file(out, up ? &s : NULL, &p, &cs);
	} else {
		cw_format_metrics(stdout, up ? &s : NULL, &p, cs.c, cs.nr);
		ret = fflush(stdout) || ferror(stdout) ? CW_EXIT_FAIL : CW_EXIT_OK;
	}
done:
	free(cs.c);
	return ret;
}
