// SPDX-License-Identifier: GPL-2.0
/* The JSON writer: structure, escaping, and what is not UTF-8. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "json.h"
#include "kselftest_harness.h"

static char out[4096];

/* @s written as a JSON string. */
static const char *quoted(const char *s)
{
	FILE *f = fmemopen(out, sizeof(out), "w");
	struct json j;

	json_init(&j, f);
	json_string(&j, NULL, s);
	fclose(f);
	return out;
}

TEST(structure)
{
	FILE *f = fmemopen(out, sizeof(out), "w");
	struct json j;

	json_init(&j, f);
	json_object_begin(&j, NULL);
	json_uint(&j, "a", 1);
	json_array_begin(&j, "b");
	json_uint(&j, NULL, 18446744073709551615ULL);
	json_string(&j, NULL, "x");
	json_object_begin(&j, NULL);
	json_object_end(&j);
	json_array_end(&j);
	json_object_begin(&j, "c");
	json_null(&j, "d");
	json_string(&j, "e", NULL);
	json_object_end(&j);
	json_bool(&j, "f", true);
	json_bool(&j, "g", false);
	json_array_begin(&j, "h");
	json_array_end(&j);
	json_object_end(&j);
	fclose(f);
	EXPECT_STREQ("{\"a\":1,\"b\":[18446744073709551615,\"x\",{}],"
		     "\"c\":{\"d\":null,\"e\":null},\"f\":true,\"g\":false,\"h\":[]}", out);
}

TEST(escaping)
{
	EXPECT_STREQ("\"plain\"", quoted("plain"));
	EXPECT_STREQ("\"\"", quoted(""));
	EXPECT_STREQ("\"a\\\"b\\\\c\"", quoted("a\"b\\c"));
	EXPECT_STREQ("\"\\u0001\\u000a\\u0009\\u001f\"", quoted("\x01\n\t\x1f"));
	EXPECT_STREQ("\"/tmp/x y\"", quoted("/tmp/x y"));
	/* DEL is valid in a JSON string. */
	EXPECT_STREQ("\"\x7f\"", quoted("\x7f"));
}

TEST(valid_utf8_kept)
{
	EXPECT_STREQ("\"caf\xc3\xa9\"", quoted("caf\xc3\xa9"));
	EXPECT_STREQ("\"\xe2\x82\xac\"", quoted("\xe2\x82\xac"));
	EXPECT_STREQ("\"\xf0\x9f\x98\x80\"", quoted("\xf0\x9f\x98\x80"));
	EXPECT_STREQ("\"\xef\xbf\xbf\"", quoted("\xef\xbf\xbf"));
	EXPECT_STREQ("\"\xf4\x8f\xbf\xbf\"", quoted("\xf4\x8f\xbf\xbf"));
}

TEST(invalid_utf8_replaced)
{
	/* A lone continuation byte, and bytes that never start a sequence. */
	EXPECT_STREQ("\"a\\ufffdb\"", quoted("a\x80" "b"));
	EXPECT_STREQ("\"\\ufffd\\ufffd\"", quoted("\xff\xfe"));
	/* Overlong encodings of '/' and of U+0000. */
	EXPECT_STREQ("\"\\ufffd\\ufffd\"", quoted("\xc0\xaf"));
	EXPECT_STREQ("\"\\ufffd\\ufffd\\ufffd\"", quoted("\xe0\x80\xaf"));
	EXPECT_STREQ("\"\\ufffd\\ufffd\\ufffd\\ufffd\"", quoted("\xf0\x80\x80\xaf"));
	/* A UTF-16 surrogate, and beyond U+10FFFF. */
	EXPECT_STREQ("\"\\ufffd\\ufffd\\ufffd\"", quoted("\xed\xa0\x80"));
	EXPECT_STREQ("\"\\ufffd\\ufffd\\ufffd\\ufffd\"", quoted("\xf4\x90\x80\x80"));
	/* Cut short, by the end or by another character. */
	EXPECT_STREQ("\"x\\ufffd\\ufffd\"", quoted("x\xe2\x82"));
	EXPECT_STREQ("\"\\ufffd\\ufffdA\"", quoted("\xe2\x82" "A"));
	EXPECT_STREQ("\"\\ufffd\\u000a\"", quoted("\xc3\n"));
}

TEST_HARNESS_MAIN
