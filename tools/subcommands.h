/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_SUBCOMMANDS_H
#define _CW_SUBCOMMANDS_H

#include <stdbool.h>

/* -j/--json was given. */
extern bool json_output;

/*
 * A subcommand got @arg it cannot take, or none when it needs one (@arg
 * NULL): print @usage and return the exit code.  -h and --help print it
 * on stdout and succeed.
 */
int cw_usage(const char *arg, const char *usage);

int status_main(int argc, char *argv[]);
int policy_main(int argc, char *argv[]);
int allow_main(int argc, char *argv[]);
int quarantine_main(int argc, char *argv[]);
int ps_main(int argc, char *argv[]);
int release_main(int argc, char *argv[]);
int events_main(int argc, char *argv[]);
int apply_main(int argc, char *argv[]);
int lock_main(int argc, char *argv[]);
int trust_main(int argc, char *argv[]);
int metrics_main(int argc, char *argv[]);

#endif /* _CW_SUBCOMMANDS_H */
