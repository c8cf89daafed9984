// SPDX-License-Identifier: GPL-2.0
/*
 * runas - run a program with another uid and gid, without supplementary
 * groups.  Busybox's setpriv lacks --reuid/--regid, hence this helper.
 *
 * Usage: runas UID GID PROG [ARG...]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned int parse_id(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > 0xfffffffeUL) {
		fprintf(stderr, "runas: bad id '%s'\n", s);
		exit(126);
	}
	return v;
}

int main(int argc, char **argv)
{
	uid_t uid;
	gid_t gid;

	if (argc < 4) {
		fprintf(stderr, "usage: runas UID GID PROG [ARG...]\n");
		return 126;
	}
	uid = parse_id(argv[1]);
	gid = parse_id(argv[2]);

	if (setgroups(0, NULL) || setresgid(gid, gid, gid) ||
	    setresuid(uid, uid, uid)) {
		perror("runas");
		return 126;
	}
	execvp(argv[3], argv + 3);
	fprintf(stderr, "runas: %s: %s\n", argv[3], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
