// SPDX-License-Identifier: GPL-2.0
/* Global options before or after the command. */
#include "args.h"
#include "kselftest_harness.h"

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })

/* @argv after cw_take_global_opts(), as one string, and its json flag. */
static const char *taken(char *argv[], bool *json)
{
	static char buf[256];
	int argc = 0, i;

	while (argv[argc])
		argc++;
	*json = false;
	argc = cw_take_global_opts(argc, argv, json);
	buf[0] = '\0';
	for (i = 0; i < argc; i++) {
		if (i)
			strcat(buf, " ");
		strcat(buf, argv[i]);
	}
	return argv[argc] ? "(no NULL at the end)" : buf;
}

TEST(json_after_the_command)
{
	bool json;

	EXPECT_STREQ("events", taken(ARGV("events", "--json"), &json));
	EXPECT_TRUE(json);
	EXPECT_STREQ("ps", taken(ARGV("ps", "-j"), &json));
	EXPECT_TRUE(json);
	EXPECT_STREQ("allow list", taken(ARGV("allow", "--json", "list"), &json));
	EXPECT_TRUE(json);
	EXPECT_STREQ("policy set cap=5", taken(ARGV("policy", "set", "-j", "cap=5"), &json));
	EXPECT_TRUE(json);
}

TEST(nothing_else_moves)
{
	bool json;

	EXPECT_STREQ("status", taken(ARGV("status"), &json));
	EXPECT_FALSE(json);
	/* The command's own help, and what it does not know, stay its own. */
	EXPECT_STREQ("events --help", taken(ARGV("events", "--help"), &json));
	EXPECT_FALSE(json);
	EXPECT_STREQ("ps -jV", taken(ARGV("ps", "-jV"), &json));
	EXPECT_FALSE(json);
	EXPECT_STREQ("release --jsonx 42", taken(ARGV("release", "--jsonx", "42"), &json));
	EXPECT_FALSE(json);
}

TEST(not_after_a_double_dash)
{
	bool json;

	EXPECT_STREQ("allow add -- -j", taken(ARGV("allow", "add", "--", "-j"), &json));
	EXPECT_FALSE(json);
	EXPECT_STREQ("ps --", taken(ARGV("ps", "-j", "--"), &json));
	EXPECT_TRUE(json);
}

TEST_HARNESS_MAIN
