// SPDX-License-Identifier: GPL-2.0
/* Parsing of keys, values, rules, hashes, PIDs and cpuwarden.conf(5) files. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "kselftest_harness.h"

static char message[8192];

/* The messages @errs collected, one per line, or "" if none; @errs is emptied. */
static const char *messages(struct cw_errors *errs)
{
	size_t i, n = 0;

	message[0] = '\0';
	for (i = 0; i < errs->nr; i++)
		n += snprintf(message + n, sizeof(message) - n, "%s%s", i ? "\n" : "",
			      errs->msg[i]);
	cw_errors_free(errs);
	return message;
}

/* "" if @value is valid for @key (stored in @p), else the message. */
static const char *set(struct cw_policy *p, const char *key, const char *value)
{
	struct cw_errors errs = {};
	int k = cw_key_lookup(key);

	if (k < 0)
		return "no such key";
	cw_policy_parse(p, k, value, &errs);
	return messages(&errs);
}

TEST(key_names)
{
	static const char * const names[] = {
		"mode", "threshold", "sustain", "period_ms", "budget", "budget_window",
		"uid_budget", "cap", "escalate", "quiet", "probation", "hash", "kill_tree", "writable", "private", "randomx", "mapped", "upper", "unpackaged",
		"watch",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		EXPECT_EQ((int)i, cw_key_lookup(names[i]));
	EXPECT_EQ(-1, cw_key_lookup("foo"));
	EXPECT_EQ(-1, cw_key_lookup("Mode"));
	EXPECT_EQ(-1, cw_key_lookup("allow"));
	EXPECT_EQ(-1, cw_key_lookup("lock"));
	EXPECT_EQ(-1, cw_key_lookup(""));
}

TEST(threshold_range_verbatim)
{
	struct cw_policy p = {};

	EXPECT_STREQ("threshold: `0' is out of range 1-102400", set(&p, "threshold", "0"));
	EXPECT_STREQ("", set(&p, "threshold", "1"));
	EXPECT_EQ(1, p.val[CW_KEY_THRESHOLD]);
	EXPECT_STREQ("", set(&p, "threshold", "102400"));
	EXPECT_EQ(102400, p.val[CW_KEY_THRESHOLD]);
	EXPECT_STREQ("threshold: `102401' is out of range 1-102400",
		     set(&p, "threshold", "102401"));
	EXPECT_TRUE(p.keys & CW_KEY_BIT(CW_KEY_THRESHOLD));
}

/* min-1, min, max and max+1 of every numeric key, from the uapi constants. */
TEST(every_numeric_range_edge)
{
	static const struct {
		const char *key;
		long long min, max;
	} ranges[] = {
		{ "threshold", CPUWARDEN_THRESHOLD_MIN, CPUWARDEN_THRESHOLD_MAX },
		{ "sustain", CPUWARDEN_SUSTAIN_MIN, CPUWARDEN_SUSTAIN_MAX },
		{ "period_ms", CPUWARDEN_PERIOD_MS_MIN, CPUWARDEN_PERIOD_MS_MAX },
		{ "budget", CPUWARDEN_BUDGET_MIN, CPUWARDEN_BUDGET_MAX },
		{ "budget_window", CPUWARDEN_BUDGET_WINDOW_MIN, CPUWARDEN_BUDGET_WINDOW_MAX },
		{ "uid_budget", CPUWARDEN_UID_BUDGET_MIN, CPUWARDEN_UID_BUDGET_MAX },
		{ "cap", CPUWARDEN_CAP_MIN, CPUWARDEN_CAP_MAX },
		{ "escalate", CPUWARDEN_ESCALATE_MIN, CPUWARDEN_ESCALATE_MAX },
		{ "quiet", CPUWARDEN_QUIET_MIN, CPUWARDEN_QUIET_MAX },
	};
	char value[32], want[128];
	struct cw_policy p;
	size_t i;
	int key;

	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		const char *k = ranges[i].key;
		long long edges[] = { ranges[i].min - 1, ranges[i].max + 1 };
		size_t e;

		memset(&p, 0, sizeof(p));
		key = cw_key_lookup(k);
		ASSERT_LE(0, key);
		for (e = 0; e < 2; e++) {
			snprintf(value, sizeof(value), "%lld", edges[e]);
			snprintf(want, sizeof(want), "%s: `%s' is out of range %lld-%lld", k,
				 value, ranges[i].min, ranges[i].max);
			EXPECT_STREQ(want, set(&p, k, value)) TH_LOG("key %s", k);
		}
		EXPECT_FALSE(p.keys & CW_KEY_BIT(key));

		snprintf(value, sizeof(value), "%lld", ranges[i].min);
		EXPECT_STREQ("", set(&p, k, value)) TH_LOG("key %s", k);
		EXPECT_EQ(ranges[i].min, p.val[key]);
		snprintf(value, sizeof(value), "%lld", ranges[i].max);
		EXPECT_STREQ("", set(&p, k, value)) TH_LOG("key %s", k);
		EXPECT_EQ(ranges[i].max, p.val[key]);
	}
}

TEST(numbers_only)
{
	struct cw_policy p = {};

	EXPECT_STREQ("sustain: `12x' is not a number", set(&p, "sustain", "12x"));
	EXPECT_STREQ("sustain: `' is not a number", set(&p, "sustain", ""));
	EXPECT_STREQ("sustain: `+5' is not a number", set(&p, "sustain", "+5"));
	EXPECT_STREQ("sustain: ` 5' is not a number", set(&p, "sustain", " 5"));
	EXPECT_STREQ("sustain: `0x10' is not a number", set(&p, "sustain", "0x10"));
	EXPECT_STREQ("sustain: `99999999999999999999' is out of range 1-86400",
		     set(&p, "sustain", "99999999999999999999"));
	EXPECT_STREQ("sustain: `4294967297' is out of range 1-86400",
		     set(&p, "sustain", "4294967297"));
	EXPECT_STREQ("", set(&p, "sustain", "060"));
	EXPECT_EQ(60, p.val[CW_KEY_SUSTAIN]);
}

TEST(bools)
{
	static const char * const yes[] = { "yes", "true", "on", "1" };
	static const char * const no[] = { "no", "false", "off", "0" };
	struct cw_policy p = {};
	size_t i;

	for (i = 0; i < 4; i++) {
		EXPECT_STREQ("", set(&p, "hash", yes[i]));
		EXPECT_EQ(1, p.val[CW_KEY_HASH]);
		EXPECT_STREQ("", set(&p, "hash", no[i]));
		EXPECT_EQ(0, p.val[CW_KEY_HASH]);
		EXPECT_STREQ("", set(&p, "kill_tree", yes[i]));
		EXPECT_EQ(1, p.val[CW_KEY_KILL_TREE]);
		EXPECT_STREQ("", set(&p, "kill_tree", no[i]));
		EXPECT_EQ(0, p.val[CW_KEY_KILL_TREE]);
	}
	EXPECT_STREQ("hash: `maybe' is not one of yes, no, true, false, on, off, 1, 0",
		     set(&p, "hash", "maybe"));
	EXPECT_STREQ("kill_tree: `2' is not one of yes, no, true, false, on, off, 1, 0",
		     set(&p, "kill_tree", "2"));
}

TEST(modes)
{
	struct cw_policy p = {};

	EXPECT_STREQ("", set(&p, "mode", "monitor"));
	EXPECT_EQ(CPUWARDEN_MODE_MONITOR, p.val[CW_KEY_MODE]);
	EXPECT_STREQ("", set(&p, "mode", "throttle"));
	EXPECT_EQ(CPUWARDEN_MODE_THROTTLE, p.val[CW_KEY_MODE]);
	EXPECT_STREQ("", set(&p, "mode", "kill"));
	EXPECT_EQ(CPUWARDEN_MODE_KILL, p.val[CW_KEY_MODE]);
	EXPECT_STREQ("mode: `fast' is not one of monitor, throttle, kill",
		     set(&p, "mode", "fast"));
	EXPECT_STREQ("mode: `Kill' is not one of monitor, throttle, kill",
		     set(&p, "mode", "Kill"));
	EXPECT_STREQ("mode: `1' is not one of monitor, throttle, kill", set(&p, "mode", "1"));
}

TEST(policy_format)
{
	struct cw_policy p = {};
	char buf[CPUWARDEN_WATCH_LEN];

	set(&p, "mode", "throttle");
	set(&p, "hash", "on");
	set(&p, "kill_tree", "off");
	set(&p, "cap", "10");
	set(&p, "watch", "/tmp , /");
	cw_policy_format(buf, sizeof(buf), &p, CW_KEY_MODE);
	EXPECT_STREQ("throttle", buf);
	cw_policy_format(buf, sizeof(buf), &p, CW_KEY_HASH);
	EXPECT_STREQ("yes", buf);
	cw_policy_format(buf, sizeof(buf), &p, CW_KEY_KILL_TREE);
	EXPECT_STREQ("no", buf);
	cw_policy_format(buf, sizeof(buf), &p, CW_KEY_CAP);
	EXPECT_STREQ("10", buf);
	cw_policy_format(buf, sizeof(buf), &p, CW_KEY_WATCH);
	EXPECT_STREQ("/tmp,/", buf);
	cw_policy_format(buf, sizeof(buf), &p, CW_KEY_QUIET);
	EXPECT_STREQ("-", buf);
}

static const char *normalise(char out[CPUWARDEN_WATCH_LEN], const char *list)
{
	struct cw_errors errs = {};

	if (cw_watch_normalise(out, list, &errs))
		return messages(&errs);
	return out;
}

TEST(watch_normalisation)
{
	char out[CPUWARDEN_WATCH_LEN];

	EXPECT_STREQ("/tmp,/var/tmp,/dev/shm", normalise(out, "/tmp,/var/tmp,/dev/shm"));
	EXPECT_STREQ("/tmp,/var/tmp", normalise(out, "  /tmp ,\t/var/tmp  "));
	EXPECT_STREQ("/a b", normalise(out, " /a b "));
	EXPECT_STREQ("watch: `tmp' is not an absolute path", normalise(out, "/x, tmp"));
	EXPECT_STREQ("watch: empty directory in `/tmp,,/var/tmp'",
		     normalise(out, "/tmp,,/var/tmp"));
	EXPECT_STREQ("watch: empty directory in `/tmp,'", normalise(out, "/tmp,"));
	EXPECT_STREQ("watch: empty directory in `'", normalise(out, ""));
}

TEST(watch_limits)
{
	char list[2 * CPUWARDEN_WATCH_LEN], out[CPUWARDEN_WATCH_LEN], want[sizeof(list) + 64];
	char dir[300];
	size_t n = 0;
	int i;

	/* CPUWARDEN_WATCH_MAX entries pass, one more does not. */
	for (i = 0; i < CPUWARDEN_WATCH_MAX; i++)
		n += snprintf(list + n, sizeof(list) - n, "%s/", i ? "," : "");
	EXPECT_STREQ(list, normalise(out, list));
	strcat(list, ",/");
	snprintf(want, sizeof(want), "watch: more than 16 directories in `%s'", list);
	EXPECT_STREQ(want, normalise(out, list));

	/* 4095 bytes pass, 4096 do not: CPUWARDEN_WATCH_LEN counts the NUL. */
	memset(dir, 'd', sizeof(dir));
	dir[0] = '/';
	n = 0;
	for (i = 0; i < 15; i++)
		n += snprintf(list + n, sizeof(list) - n, "%s%.*s", i ? "," : "", 255, dir);
	/* 15 * 255 + 14 commas = 3839; one more entry of 255 bytes leaves 1. */
	n += snprintf(list + n, sizeof(list) - n, ",%.*s", 255, dir);
	ASSERT_EQ(4095, n);
	EXPECT_STREQ(list, normalise(out, list));
	strcat(list, "d");
	snprintf(want, sizeof(want), "watch: `%s' is longer than 4095 bytes", list);
	EXPECT_STREQ(want, normalise(out, list));
}

TEST(watch_directories_must_exist)
{
	struct cw_policy p = {};

	EXPECT_STREQ("", set(&p, "watch", " / , /tmp"));
	EXPECT_STREQ("/,/tmp", p.watch);
	EXPECT_STREQ("watch: `/nonexistent-cw-dir': No such file or directory",
		     set(&p, "watch", "/tmp,/nonexistent-cw-dir"));
	EXPECT_STREQ("watch: `/proc/self/status': Not a directory",
		     set(&p, "watch", "/proc/self/status"));
	EXPECT_STREQ("/,/tmp", p.watch);
}

static const char *sha_error(const char *hex, uint8_t sha[CPUWARDEN_SHA256_LEN])
{
	struct cw_errors errs = {};

	cw_sha256_parse(sha, hex, &errs);
	return messages(&errs);
}

TEST(sha256_parsing)
{
	static const char lower[] =
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	static const char upper[] =
		"BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD";
	uint8_t a[CPUWARDEN_SHA256_LEN], b[CPUWARDEN_SHA256_LEN];
	char hex[2 * CPUWARDEN_SHA256_LEN + 1], bad[80];

	EXPECT_STREQ("", sha_error(lower, a));
	EXPECT_EQ(0xba, a[0]);
	EXPECT_EQ(0xad, a[31]);
	EXPECT_STREQ("", sha_error(upper, b));
	EXPECT_EQ(0, memcmp(a, b, sizeof(a)));
	cw_sha256_format(hex, b);
	EXPECT_STREQ(lower, hex);

	EXPECT_STREQ("malformed SHA-256 `abc': expected 64 hex digits", sha_error("abc", a));
	snprintf(bad, sizeof(bad), "%.63s", lower);
	EXPECT_STREQ("malformed SHA-256 `ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a': expected 64 hex digits",
		     sha_error(bad, a));
	snprintf(bad, sizeof(bad), "%s0", lower);
	EXPECT_STREQ("malformed SHA-256 `ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad0': expected 64 hex digits",
		     sha_error(bad, a));
	snprintf(bad, sizeof(bad), "%.63sg", lower);
	EXPECT_STREQ("malformed SHA-256 `ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ag': expected 64 hex digits",
		     sha_error(bad, a));
	EXPECT_STREQ("malformed SHA-256 `': expected 64 hex digits", sha_error("", a));
	/* A failed parse leaves the old value. */
	EXPECT_EQ(0, memcmp(a, b, sizeof(a)));
}

TEST(pids)
{
	struct cw_errors errs = {};
	uint32_t pid;

	EXPECT_EQ(0, cw_pid_parse(&pid, "1", &errs));
	EXPECT_EQ(1, pid);
	EXPECT_EQ(0, cw_pid_parse(&pid, "4194304", &errs));
	EXPECT_EQ(4194304, pid);
	EXPECT_EQ(0, errs.nr);
	EXPECT_EQ(-1, cw_pid_parse(&pid, "12x", &errs));
	EXPECT_STREQ("`12x' is not a PID", messages(&errs));
	EXPECT_EQ(-1, cw_pid_parse(&pid, "0", &errs));
	EXPECT_STREQ("`0' is not a PID", messages(&errs));
	EXPECT_EQ(-1, cw_pid_parse(&pid, "4194305", &errs));
	EXPECT_STREQ("`4194305' is not a PID", messages(&errs));
	EXPECT_EQ(-1, cw_pid_parse(&pid, "-1", &errs));
	EXPECT_STREQ("`-1' is not a PID", messages(&errs));
	EXPECT_EQ(-1, cw_pid_parse(&pid, "", &errs));
	EXPECT_STREQ("`' is not a PID", messages(&errs));
}

/* A directory with a file and a symbolic link to it, for path rules. */
FIXTURE(files)
{
	char dir[64];
	char file[128];
	char link[128];
	char sub[128];
	char relative[160];
};

FIXTURE_SETUP(files)
{
	FILE *f;

	strcpy(self->dir, "/tmp/cw-config-test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->file, sizeof(self->file), "%s/prog", self->dir);
	snprintf(self->link, sizeof(self->link), "%s/link", self->dir);
	snprintf(self->sub, sizeof(self->sub), "%s/sub", self->dir);
	snprintf(self->relative, sizeof(self->relative), "%s/../prog", self->sub);
	f = fopen(self->file, "w");
	ASSERT_NE(NULL, f);
	fclose(f);
	ASSERT_EQ(0, symlink("prog", self->link));
	ASSERT_EQ(0, mkdir(self->sub, 0700));
}

FIXTURE_TEARDOWN(files)
{
	rmdir(self->sub);
	unlink(self->link);
	unlink(self->file);
	rmdir(self->dir);
}

static const char *rule(struct cw_rule *r, const char *s, char text[CW_RULE_STRLEN])
{
	struct cw_errors errs = {};

	text[0] = '\0';
	if (cw_rule_parse(r, s, &errs))
		return messages(&errs);
	cw_rule_format(text, r);
	return "";
}

TEST_F(files, rules)
{
	char text[CW_RULE_STRLEN], s[CW_RULE_STRLEN], want[CW_RULE_STRLEN];
	struct cw_rule r, r2;

	EXPECT_STREQ("", rule(&r, "sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", text));
	EXPECT_EQ(CW_RULE_SHA256, r.kind);
	EXPECT_STREQ("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", text);

	EXPECT_STREQ("", rule(&r, "uid:1001", text));
	EXPECT_EQ(CW_RULE_UID, r.kind);
	EXPECT_EQ(1001, r.uid);
	EXPECT_STREQ("uid:1001", text);
	EXPECT_STREQ("", rule(&r, "uid:root", text));
	EXPECT_STREQ("uid:0", text);
	EXPECT_STREQ("", rule(&r, "uid:4294967294", text));
	EXPECT_STREQ("`4294967295' is not a UID", rule(&r, "uid:4294967295", text));
	EXPECT_STREQ("`-1' is not a UID", rule(&r, "uid:-1", text));
	EXPECT_STREQ("unknown user `no-such-user-cw'", rule(&r, "uid:no-such-user-cw", text));

	snprintf(s, sizeof(s), "path:%s", self->link);
	EXPECT_STREQ("", rule(&r, s, text));
	EXPECT_EQ(CW_RULE_PATH, r.kind);
	EXPECT_STREQ(self->file, r.path);
	snprintf(s, sizeof(s), "path:%s", self->relative);
	EXPECT_STREQ("", rule(&r2, s, text));
	EXPECT_TRUE(cw_rule_equal(&r, &r2));
	snprintf(s, sizeof(s), "path:%s", self->file);
	EXPECT_STREQ(s, text);
	cw_rule_free(&r);
	cw_rule_free(&r2);
	EXPECT_STREQ("`/nonexistent-cw': No such file or directory",
		     rule(&r, "path:/nonexistent-cw", text));
	snprintf(s, sizeof(s), "path:%s", self->sub);
	snprintf(want, sizeof(want), "`%s': not a regular file", self->sub);
	EXPECT_STREQ(want, rule(&r, s, text));

	EXPECT_STREQ("malformed rule `xyz' (sha256:HEX, path:/PATH or uid:N)", rule(&r, "xyz", text));
	EXPECT_STREQ("malformed rule `path:tmp/x' (sha256:HEX, path:/PATH or uid:N)",
		     rule(&r, "path:tmp/x", text));
	EXPECT_STREQ("malformed rule `uid:' (sha256:HEX, path:/PATH or uid:N)", rule(&r, "uid:", text));
	EXPECT_STREQ("malformed rule `SHA256:ab' (sha256:HEX, path:/PATH or uid:N)",
		     rule(&r, "SHA256:ab", text));
	EXPECT_STREQ("malformed SHA-256 `abc': expected 64 hex digits", rule(&r, "sha256:abc", text));
}

/* "file PATH" hashes the content as the module would; too large is refused. */
TEST_F(files, file_rule)
{
	struct cw_errors errs = {};
	char text[CW_RULE_STRLEN], big[160], want[320];
	struct cw_rule r;
	FILE *f;

	f = fopen(self->file, "w");
	ASSERT_NE(NULL, f);
	fputs("abc", f);
	fclose(f);
	ASSERT_EQ(0, cw_rule_parse_file(&r, self->link, &errs));
	cw_rule_format(text, &r);
	EXPECT_STREQ("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", text);

	EXPECT_EQ(-1, cw_rule_parse_file(&r, self->sub, &errs));
	snprintf(want, sizeof(want), "`%s': Is a directory", self->sub);
	EXPECT_STREQ(want, messages(&errs));

	snprintf(big, sizeof(big), "%s/big", self->dir);
	ASSERT_EQ(0, truncate(self->file, 0));
	ASSERT_EQ(0, rename(self->file, big));
	ASSERT_EQ(0, truncate(big, CPUWARDEN_HASH_MAX_SIZE + 1LL));
	EXPECT_EQ(-1, cw_rule_parse_file(&r, big, &errs));
	snprintf(want, sizeof(want),
		 "`%s': larger than 256 MiB, which the module identifies by inode, never by content; allow it by path",
		 big);
	EXPECT_STREQ(want, messages(&errs));
	ASSERT_EQ(0, rename(big, self->file));
}

TEST_F(files, relative_path_rule)
{
	struct cw_errors errs = {};
	struct cw_rule r;

	ASSERT_EQ(0, chdir(self->dir));
	ASSERT_EQ(0, cw_rule_parse_path(&r, "link", &errs));
	EXPECT_STREQ(self->file, r.path);
	cw_rule_free(&r);
}

TEST(rule_equality)
{
	struct cw_rule a = { .kind = CW_RULE_UID, .uid = 1 }, b = a;

	EXPECT_TRUE(cw_rule_equal(&a, &b));
	b.uid = 2;
	EXPECT_FALSE(cw_rule_equal(&a, &b));
	b.kind = CW_RULE_SHA256;
	b.uid = 1;
	EXPECT_FALSE(cw_rule_equal(&a, &b));
}

static const char *read_config(struct cw_config *c, const char *text)
{
	struct cw_errors errs = {};
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	ret = cw_config_read(c, f, "test.conf", &errs);
	fclose(f);
	if (ret == 0 && errs.nr)
		return "returned 0 with errors";
	if (ret && !errs.nr)
		return "failed without errors";
	return messages(&errs);
}

TEST_F(files, good_file)
{
	char text[4096], rule_text[CW_RULE_STRLEN];
	struct cw_config c;

	snprintf(text, sizeof(text),
		 "# cpuwarden.conf\n"
		 "\n"
		 "   # indented comment\n"
		 "mode = throttle\n"
		 "threshold=80\n"
		 "\tsustain\t=\t30\t\n"
		 "watch =  /tmp , /var/tmp\n"
		 "hash = yes\n"
		 "kill_tree = off\n"
		 "allow = uid:0\n"
		 "allow = sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n"
		 "allow = path:%s\n"
		 "lock = yes\n"
		 "budget = 0", self->link);
	ASSERT_STREQ("", read_config(&c, text));
	EXPECT_EQ(CW_KEY_BIT(CW_KEY_MODE) | CW_KEY_BIT(CW_KEY_THRESHOLD) |
		  CW_KEY_BIT(CW_KEY_SUSTAIN) | CW_KEY_BIT(CW_KEY_WATCH) |
		  CW_KEY_BIT(CW_KEY_HASH) | CW_KEY_BIT(CW_KEY_KILL_TREE) |
		  CW_KEY_BIT(CW_KEY_BUDGET), c.policy.keys);
	EXPECT_EQ(CPUWARDEN_MODE_THROTTLE, c.policy.val[CW_KEY_MODE]);
	EXPECT_EQ(80, c.policy.val[CW_KEY_THRESHOLD]);
	EXPECT_EQ(30, c.policy.val[CW_KEY_SUSTAIN]);
	EXPECT_STREQ("/tmp,/var/tmp", c.policy.watch);
	EXPECT_EQ(1, c.policy.val[CW_KEY_HASH]);
	EXPECT_EQ(0, c.policy.val[CW_KEY_KILL_TREE]);
	EXPECT_EQ(0, c.policy.val[CW_KEY_BUDGET]);
	EXPECT_TRUE(c.lock);
	ASSERT_EQ(3, c.allow.nr);
	cw_rule_format(rule_text, &c.allow.rule[0]);
	EXPECT_STREQ("uid:0", rule_text);
	EXPECT_EQ(CW_RULE_SHA256, c.allow.rule[1].kind);
	EXPECT_STREQ(self->file, c.allow.rule[2].path);
	cw_config_free(&c);
}

TEST(empty_file)
{
	struct cw_config c;

	ASSERT_STREQ("", read_config(&c, "# nothing\n\n"));
	EXPECT_EQ(0, c.policy.keys);
	EXPECT_EQ(0, c.allow.nr);
	EXPECT_FALSE(c.lock);
	ASSERT_STREQ("", read_config(&c, "lock = no\n"));
	EXPECT_FALSE(c.lock);
}

TEST(each_error_verbatim)
{
	struct cw_config c;

	EXPECT_STREQ("test.conf:1: threshold: `0' is out of range 1-102400",
		     read_config(&c, "threshold = 0\n"));
	EXPECT_STREQ("test.conf:2: unknown key `foo'", read_config(&c, "\nfoo = 1\n"));
	EXPECT_STREQ("test.conf:1: expected KEY = VALUE", read_config(&c, "threshold 50\n"));
	EXPECT_STREQ("test.conf:1: expected KEY = VALUE", read_config(&c, "threshold =\n"));
	EXPECT_STREQ("test.conf:1: expected KEY = VALUE", read_config(&c, " = 50\n"));
	EXPECT_STREQ("test.conf:5: duplicate key `threshold' (first on line 3)",
		     read_config(&c, "#\n\nthreshold = 50\nmode = kill\nthreshold = 60\n"));
	EXPECT_STREQ("test.conf:2: duplicate key `lock' (first on line 1)",
		     read_config(&c, "lock = yes\nlock = no\n"));
	EXPECT_STREQ("test.conf:1: allow: malformed rule `xyz' (sha256:HEX, path:/PATH or uid:N)",
		     read_config(&c, "allow = xyz\n"));
	EXPECT_STREQ("test.conf:1: allow: `/x-cw-missing': No such file or directory",
		     read_config(&c, "allow = path:/x-cw-missing\n"));
	EXPECT_STREQ("test.conf:1: allow: malformed SHA-256 `12': expected 64 hex digits",
		     read_config(&c, "allow = sha256:12\n"));
	EXPECT_STREQ("test.conf:3: allow: duplicate rule `uid:0' (first on line 1)",
		     read_config(&c, "allow = uid:0\nallow = uid:1\nallow = uid:root\n"));
	EXPECT_STREQ("test.conf:1: mode: `fast' is not one of monitor, throttle, kill",
		     read_config(&c, "mode = fast\n"));
	EXPECT_STREQ("test.conf:1: lock: `soon' is not one of yes, no, true, false, on, off, 1, 0",
		     read_config(&c, "lock = soon\n"));
	/* '#' starts a comment only at the start of a line. */
	EXPECT_STREQ("test.conf:1: threshold: `50 # percent' is not a number",
		     read_config(&c, "threshold = 50 # percent\n"));
}

TEST(every_error_reported)
{
	struct cw_config c;

	EXPECT_STREQ("test.conf:1: threshold: `0' is out of range 1-102400\n"
		     "test.conf:2: unknown key `foo'\n"
		     "test.conf:3: expected KEY = VALUE\n"
		     "test.conf:4: duplicate key `threshold' (first on line 1)\n"
		     "test.conf:5: allow: malformed rule `xyz' (sha256:HEX, path:/PATH or uid:N)\n"
		     "test.conf:7: cap: `101' is out of range 1-100",
		     read_config(&c,
				 "threshold = 0\n"
				 "foo = 1\n"
				 "garbage\n"
				 "threshold = 50\n"
				 "allow = xyz\n"
				 "mode = kill\n"
				 "cap = 101\n"));
}

TEST(too_many_rules)
{
	size_t size = 32 * (CPUWARDEN_ALLOW_MAX + 2), n = 0;
	char *text = malloc(size);
	struct cw_config c;
	int i;

	ASSERT_NE(NULL, text);
	for (i = 0; i < CPUWARDEN_ALLOW_MAX; i++)
		n += snprintf(text + n, size - n, "allow = uid:%d\n", 1000 + i);
	EXPECT_STREQ("", read_config(&c, text));
	EXPECT_EQ(CPUWARDEN_ALLOW_MAX, c.allow.nr);
	cw_config_free(&c);
	for (; i < CPUWARDEN_ALLOW_MAX + 2; i++)
		n += snprintf(text + n, size - n, "allow = uid:%d\n", 1000 + i);
	EXPECT_STREQ("test.conf:257: allow: more than 256 rules", read_config(&c, text));
	free(text);
}

TEST_HARNESS_MAIN
