// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "attr.h"
#include "nl.h"
#include "subcommands.h"
#include "util.h"

static const char usage[] = "Usage: cpuwarden [-j] events\n";

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct cw_event e;
	struct cw_attrs a;

	(void)data;
	if (cw_attr_parse(nlh, &a))
		return MNL_CB_ERROR;
	cw_attr_get_event(&a, &e);
	if (json_output)
		cw_format_event_json(stdout, &e);
	else
		cw_format_event(stdout, &e);
	return MNL_CB_OK;
}

static void report_lost(void)
{
	struct timespec now;

	fputs(PROG_NAME ": events lost: receive buffer overran\n", stderr);
	if (json_output) {
		clock_gettime(CLOCK_REALTIME, &now);
		cw_format_lost_json(stdout, now.tv_sec * 1000000000ULL + now.tv_nsec);
	}
}

/*
 * SIGINT and SIGTERM stay blocked but while ppoll() waits, so that one
 * arriving between two events cannot be missed: ppoll() returns EINTR.
 */
static int follow(struct cw_nl *nl)
{
	struct sigaction sa = { .sa_handler = on_signal };	/* no SA_RESTART */
	struct pollfd pfd = { .fd = cw_nl_fd(nl), .events = POLLIN };
	sigset_t block, wait_mask;
	int ret;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	while (!stop) {
		if (ppoll(&pfd, 1, NULL, &wait_mask) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, PROG_NAME ": poll: %s\n", strerror(errno));
			return CW_EXIT_FAIL;
		}
		ret = cw_nl_receive(nl, event_cb, NULL);
		if (ret == -ENOBUFS) {
			report_lost();
		} else if (ret) {
			fprintf(stderr, PROG_NAME ": events: %s\n", strerror(-ret));
			return CW_EXIT_FAIL;
		}
		/* Each line reaches journald or a pipe as it happens. */
		if (fflush(stdout)) {
			fprintf(stderr, PROG_NAME ": write error: %s\n", strerror(errno));
			return CW_EXIT_FAIL;
		}
	}
	return CW_EXIT_OK;
}

int events_main(int argc, char *argv[])
{
	struct cw_nl *nl;
	int ret;

	if (argc > 1)
		return cw_usage(argv[1], usage);
	ret = cw_nl_open(&nl);
	if (ret)
		return ret;
	ret = cw_nl_subscribe(nl);
	if (!ret)
		ret = follow(nl);
	cw_nl_close(nl);
	return ret;
}
