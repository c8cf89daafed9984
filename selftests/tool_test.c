// SPDX-License-Identifier: GPL-2.0
/*
 * The cpuwarden tool end to end, against the module: every subcommand,
 * its exit codes, the JSON event stream, apply, privileges and lock.
 *
 * The last test locks the module until reboot: keep it last, and run
 * this program last in its boot.
 */

#include "common.h"

#include <ctype.h>
#include <uapi/linux/cpuwarden.h>

#include "kselftest_harness.h"

#include "fuse.h"

#define TOOL "/usr/sbin/cpuwarden"
#define WORK "/tmp/cwt"
#define OUT WORK "/out"
#define ERR WORK "/err"

static char out[65536], err[4096];

static void slurp(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, size - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
}

/* Run the tool with @args (shell words); its exit status, out and err filled. */
static int tool(const char *fmt, ...)
{
	char args[1024], cmd[1400];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "%s >%s 2>%s", args, OUT, ERR);
	ret = cw_sh(cmd);
	slurp(OUT, out, sizeof(out));
	slurp(ERR, err, sizeof(err));
	return ret;
}

#define TOOL_OK(...) do {						\
	int ret_ = tool(__VA_ARGS__);					\
									\
	ASSERT_EQ(0, ret_) {						\
		TH_LOG("%s", err);					\
	}								\
} while (0)

/*
 * A JSON value starting at *@p, skipped; false if it is not valid JSON.
 * Enough of RFC 8259 to hold the tool to it: objects, arrays, strings
 * with escapes, numbers, true, false, null.
 */
static bool json_value(const char **p, int depth);

static void ws(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
		(*p)++;
}

static bool json_string(const char **p)
{
	const char *s = *p;

	if (*s++ != '"')
		return false;
	for (; *s != '"'; s++) {
		if ((unsigned char)*s < 0x20)
			return false;
		if (*s != '\\')
			continue;
		s++;
		if (*s == 'u') {
			for (int i = 1; i <= 4; i++)
				if (!isxdigit((unsigned char)s[i]))
					return false;
			s += 4;
		} else if (!strchr("\"\\/bfnrt", *s) || !*s) {
			return false;
		}
	}
	*p = s + 1;
	return true;
}

static bool json_number(const char **p)
{
	const char *s = *p;

	if (*s == '-')
		s++;
	if (!isdigit((unsigned char)*s))
		return false;
	while (isdigit((unsigned char)*s) || *s == '.' || *s == 'e' ||
	       *s == 'E' || *s == '+' || *s == '-')
		s++;
	*p = s;
	return true;
}

static bool json_list(const char **p, char close, bool object, int depth)
{
	(*p)++;
	ws(p);
	if (**p == close) {
		(*p)++;
		return true;
	}
	for (;;) {
		ws(p);
		if (object) {
			if (!json_string(p))
				return false;
			ws(p);
			if (*(*p)++ != ':')
				return false;
		}
		if (!json_value(p, depth + 1))
			return false;
		ws(p);
		if (**p == close) {
			(*p)++;
			return true;
		}
		if (*(*p)++ != ',')
			return false;
	}
}

static bool json_value(const char **p, int depth)
{
	static const char *const words[] = { "true", "false", "null" };

	if (depth > 32)
		return false;
	ws(p);
	if (**p == '{')
		return json_list(p, '}', true, depth);
	if (**p == '[')
		return json_list(p, ']', false, depth);
	if (**p == '"')
		return json_string(p);
	for (int i = 0; i < 3; i++)
		if (!strncmp(*p, words[i], strlen(words[i]))) {
			*p += strlen(words[i]);
			return true;
		}
	return json_number(p);
}

/* @text is exactly one JSON value. */
static bool json_valid(const char *text)
{
	const char *p = text;

	if (!json_value(&p, 0))
		return false;
	ws(&p);
	return !*p;
}

/* The string value of "@key" in a one-line object, or "" (null, absent). */
static void json_get(const char *line, const char *key, char *val, size_t size)
{
	char needle[64];
	const char *s;
	size_t n = 0;

	snprintf(needle, sizeof(needle), "\"%s\":", key);
	val[0] = '\0';
	s = strstr(line, needle);
	if (!s)
		return;
	s += strlen(needle);
	while (*s == ' ')
		s++;
	if (*s == '"')
		for (s++; *s && *s != '"' && n + 1 < size; s++)
			val[n++] = *s;
	else if (strncmp(s, "null", 4))
		for (; *s && *s != ',' && *s != '}' && n + 1 < size; s++)
			val[n++] = *s;
	val[n] = '\0';
}

static void put(struct __test_metadata *_metadata, const char *path,
		const char *tag)
{
	char full[96];

	snprintf(full, sizeof(full), "\ncpuwarden tool test %s %d\n", tag, getpid());
	ASSERT_EQ(0, cw_copy_tagged(CW_BURN_SRC, path, 0755, full));
}

static pid_t burn(struct __test_metadata *_metadata, const char *path)
{
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid) {
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Wait until "cpuwarden ps" shows @pid in @state. */
static bool ps_shows(pid_t pid, const char *state, int seconds)
{
	double end = cw_now() + seconds;
	char needle[32], *line;

	snprintf(needle, sizeof(needle), "%d ", pid);
	while (cw_now() < end) {
		if (tool(TOOL " ps") == 0)
			for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
				if (!strncmp(line + strspn(line, " "), needle, strlen(needle)) &&
				    strstr(line, state))
					return true;
		usleep(200 * 1000);
	}
	return false;
}

static const char *const defaults[][2] = {
	{ "mode", "monitor" }, { "threshold", "50" }, { "sustain", "60" },
	{ "period_ms", "1000" }, { "budget", "600" }, { "budget_window", "3600" }, { "uid_budget", "1200" },
	{ "cap", "10" }, { "escalate", "0" }, { "quiet", "300" }, { "probation", "600" }, { "hash", "Y" },
	{ "kill_tree", "Y" }, { "writable", "Y" }, { "private", "Y" }, { "randomx", "Y" }, { "mapped", "Y" },
	{ "upper", "N" }, { "unpackaged", "N" }, { "watch", "/tmp,/var/tmp,/dev/shm" },
	{ "allow", "" },
};

FIXTURE(tool) {
	pid_t burner;
	mode_t root_mode;
	struct cw_fuse *fuse;
};

FIXTURE_SETUP(tool)
{
	self->burner = 0;
	self->root_mode = 0;
	self->fuse = NULL;
	CW_REQUIRE_MODULE();
	ASSERT_EQ(0, cw_sh("mkdir -p " WORK));
	for (size_t i = 0; i < ARRAY_SIZE(defaults); i++)
		ASSERT_EQ(0, cw_param_set(defaults[i][0], defaults[i][1]));
	/* One test's kill or throttle would hold the next test's burner. */
	ASSERT_EQ(0, cw_param_set("probation", "0"));
	ASSERT_EQ(0, cw_param_set("quarantine", "clear"));
}

FIXTURE_TEARDOWN(tool)
{
	cw_reap(self->burner);
	cw_fuse_end(self->fuse);
	cw_param_set("allow", "");
	if (self->root_mode)
		chmod("/", self->root_mode);
}

TEST_F(tool, status_reports)
{
	char version[32];

	TOOL_OK(TOOL " status");
	ASSERT_EQ(0, cw_sh("cat /sys/module/cpuwarden/version >" WORK "/v"));
	slurp(WORK "/v", version, sizeof(version));
	version[strcspn(version, "\n")] = '\0';
	EXPECT_NE(NULL, strstr(out, version)) {
		TH_LOG("no version %s in: %s", version, out);
	}
	EXPECT_NE(NULL, strstr(out, "locked: no"));
	TOOL_OK(TOOL " --json status");
	EXPECT_TRUE(json_valid(out)) {
		TH_LOG("not JSON: %s", out);
	}
}

TEST_F(tool, policy_set_and_show)
{
	char val[64];

	TOOL_OK(TOOL " policy set threshold 77 sustain 9 mode throttle kill_tree no");
	ASSERT_EQ(0, cw_param_get("threshold", val, sizeof(val)));
	EXPECT_STREQ("77", val);
	ASSERT_EQ(0, cw_param_get("sustain", val, sizeof(val)));
	EXPECT_STREQ("9", val);
	ASSERT_EQ(0, cw_param_get("mode", val, sizeof(val)));
	EXPECT_STREQ("throttle", val);
	ASSERT_EQ(0, cw_param_get("kill_tree", val, sizeof(val)));
	EXPECT_STREQ("N", val);

	TOOL_OK(TOOL " policy show");
	EXPECT_NE(NULL, strstr(out, "threshold = 77\n"));
	EXPECT_NE(NULL, strstr(out, "mode = throttle\n"));
	EXPECT_NE(NULL, strstr(out, "watch = /tmp,/var/tmp,/dev/shm\n"));
	TOOL_OK(TOOL " -j policy show");
	EXPECT_TRUE(json_valid(out));

	/* Refused as a whole: the good pair before the bad one is not applied. */
	EXPECT_EQ(2, tool(TOOL " policy set sustain 20 threshold 0"));
	EXPECT_NE(NULL, strstr(err, "1-102400")) {
		TH_LOG("%s", err);
	}
	ASSERT_EQ(0, cw_param_get("sustain", val, sizeof(val)));
	EXPECT_STREQ("9", val);
	EXPECT_EQ(2, tool(TOOL " policy set colour blue"));
	EXPECT_NE(NULL, strstr(err, "colour")) {
		TH_LOG("%s", err);
	}
	EXPECT_EQ(2, tool(TOOL " policy set mode fast"));
	EXPECT_EQ(2, tool(TOOL " policy set threshold"));
	EXPECT_EQ(2, tool(TOOL " frobnicate"));
	EXPECT_EQ(2, tool(TOOL " policy set watch /no/such/dir"));
}

TEST_F(tool, allow_add_list_del)
{
	static const char hex[] =
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
	char bb[65], val[1024];
	struct stat root;

	/* The initramfs's / is writable by all, which no path rule accepts. */
	ASSERT_EQ(0, stat("/", &root));
	self->root_mode = root.st_mode & 07777;
	ASSERT_EQ(0, chmod("/", 0755));
	ASSERT_EQ(0, cw_sha256_hex("/bin/busybox", bb));
	TOOL_OK(TOOL " allow add uid 4242");
	TOOL_OK(TOOL " allow add sha256:%s", hex);
	TOOL_OK(TOOL " allow add file /bin/busybox");
	TOOL_OK(TOOL " allow add path /bin/busybox");
	TOOL_OK(TOOL " allow list");
	EXPECT_NE(NULL, strstr(out, "uid:4242\n"));
	EXPECT_NE(NULL, strstr(out, hex));
	EXPECT_NE(NULL, strstr(out, bb));
	EXPECT_NE(NULL, strstr(out, "path:/bin/busybox\n"));
	ASSERT_EQ(0, cw_param_get("allow", val, sizeof(val)));
	EXPECT_NE(NULL, strstr(val, "uid:4242"));
	TOOL_OK(TOOL " -j allow list");
	EXPECT_TRUE(json_valid(out));

	EXPECT_EQ(1, tool(TOOL " allow add uid 4242"));	/* there already */
	EXPECT_EQ(2, tool(TOOL " allow add sha256:abc"));
	EXPECT_NE(NULL, strstr(err, "abc"));
	EXPECT_EQ(2, tool(TOOL " allow add sha256:%.63sg", hex));
	/* /tmp is writable by all: whoever can write there may swap the file. */
	ASSERT_EQ(0, cw_sh("cp /bin/busybox " WORK "/mine"));
	EXPECT_EQ(1, tool(TOOL " allow add path " WORK "/mine"));
	EXPECT_NE(NULL, strstr(err, "root")) {
		TH_LOG("%s", err);
	}

	TOOL_OK(TOOL " allow del uid 4242");
	TOOL_OK(TOOL " allow del sha256:%s", hex);
	TOOL_OK(TOOL " allow del file /bin/busybox");
	TOOL_OK(TOOL " allow del path /bin/busybox");
	TOOL_OK(TOOL " allow list");
	EXPECT_STREQ("", out);
	EXPECT_EQ(5, tool(TOOL " allow del uid 4242"));
}

/*
 * The tool names paths by descriptor: the module looks none up, so that
 * none waits for a file system, and takes them from the dentry cache
 * alone otherwise.  A file on FUSE whose entry expires at once, which the
 * cache never holds, is resolved, and refused for its owner, uid 1000.
 */
TEST_F(tool, allow_path_by_descriptor)
{
	if (access("/dev/fuse", F_OK))
		SKIP(return, "no /dev/fuse: this kernel has no FUSE");
	self->fuse = cw_fuse_start();
	ASSERT_NE(NULL, self->fuse) {
		TH_LOG("cannot serve " CW_FUSE_DIR ": %s", strerror(errno));
	}
	EXPECT_EQ(1, tool(TOOL " allow add path " CW_FUSE_DIR "/expire"));
	EXPECT_NE(NULL, strstr(err, "root")) {
		TH_LOG("%s", err);
	}
	EXPECT_NE(0, tool(TOOL " allow add path " CW_FUSE_DIR "/none"));
	EXPECT_NE(NULL, strstr(err, "No such file")) {
		TH_LOG("%s", err);
	}
	TOOL_OK(TOOL " allow list");
	EXPECT_STREQ("", out);
}

TEST_F(tool, ps_and_release)
{
	char line[64];

	put(_metadata, WORK "/spin", "release");
	TOOL_OK(TOOL " policy set mode throttle threshold 50 sustain 2 quiet 0");
	self->burner = burn(_metadata, WORK "/spin");
	ASSERT_TRUE(ps_shows(self->burner, "throttled", CW_DEADLINE)) {
		TH_LOG("pid %d never throttled: %s", self->burner, out);
	}
	TOOL_OK(TOOL " -j ps");
	EXPECT_TRUE(json_valid(out)) {
		TH_LOG("not JSON: %s", out);
	}
	snprintf(line, sizeof(line), "\"pid\":%d", self->burner);
	EXPECT_NE(NULL, strstr(out, line));
	TOOL_OK(TOOL " release %d", self->burner);
	ASSERT_TRUE(ps_shows(self->burner, "released", 10)) {
		TH_LOG("%s", out);
	}
	EXPECT_EQ(5, tool(TOOL " release 4194000"));
	EXPECT_NE(NULL, strstr(err, "not tracked")) {
		TH_LOG("%s", err);
	}
	EXPECT_EQ(2, tool(TOOL " release 12x"));
	EXPECT_EQ(2, tool(TOOL " release"));
}

TEST_F(tool, quarantine_list_and_clear)
{
	char hex[65];

	put(_metadata, WORK "/bad", "quarantine");
	ASSERT_EQ(0, cw_sha256_hex(WORK "/bad", hex));
	TOOL_OK(TOOL " policy set mode kill threshold 50 sustain 2");
	self->burner = burn(_metadata, WORK "/bad");
	ASSERT_TRUE(cw_killed(cw_wait(self->burner, CW_DEADLINE)));
	self->burner = 0;
	TOOL_OK(TOOL " quarantine list");
	EXPECT_NE(NULL, strstr(out, hex)) {
		TH_LOG("%s not in: %s", hex, out);
	}
	/* Killed for root, whom the burner ran as. */
	EXPECT_NE(NULL, strstr(out, "  uid=0\n")) {
		TH_LOG("no uid in: %s", out);
	}
	TOOL_OK(TOOL " -j quarantine list");
	EXPECT_TRUE(json_valid(out));
	TOOL_OK(TOOL " quarantine clear");
	TOOL_OK(TOOL " quarantine list");
	EXPECT_STREQ("", out);
}

/*
 * A kill counts once in cpuwarden_decisions_total, by its event, origin
 * and rule; -o replaces the file whole and leaves nothing beside it.
 */
TEST_F(tool, metrics_count_kills)
{
	static const char killed[] =
		"cpuwarden_decisions_total{event=\"killed\",origin=\"watched\",rule=\"sustained\"}";
	long long before, after;
	char file[65536];

	TOOL_OK(TOOL " metrics");
	EXPECT_EQ(1, cw_metric_in(out, "cpuwarden_up"));
	EXPECT_LT(0, cw_metric_in(out, "cpuwarden_samples_total"));
	EXPECT_EQ(1, cw_metric_in(out, "cpuwarden_policy_mode{mode=\"monitor\"}"));
	EXPECT_EQ(50, cw_metric_in(out, "cpuwarden_policy{key=\"threshold\"}"));
	before = cw_metric_in(out, killed);

	put(_metadata, WORK "/metered", "metrics");
	TOOL_OK(TOOL " policy set mode kill threshold 50 sustain 2");
	self->burner = burn(_metadata, WORK "/metered");
	ASSERT_TRUE(cw_killed(cw_wait(self->burner, CW_DEADLINE)));
	self->burner = 0;

	ASSERT_EQ(0, cw_sh("rm -rf " WORK "/prom && mkdir " WORK "/prom"));
	TOOL_OK(TOOL " metrics -o " WORK "/prom/cpuwarden.prom");
	EXPECT_STREQ("", out);
	slurp(WORK "/prom/cpuwarden.prom", file, sizeof(file));
	after = cw_metric_in(file, killed);
	EXPECT_EQ(before < 0 ? 1 : before + 1, after) {
		TH_LOG("%s: %lld before the kill, %lld after", killed, before, after);
	}
	EXPECT_EQ(1, cw_metric_in(file, "cpuwarden_policy_mode{mode=\"kill\"}"));
	EXPECT_EQ(0, cw_sh("[ \"$(ls " WORK "/prom)\" = cpuwarden.prom ]"));
	EXPECT_EQ(2, tool(TOOL " metrics -o"));
}

/*
 * Start "cpuwarden events --json" with its output in @path, and return
 * once it is subscribed: when it reports a change we make.  The option
 * after the command, as users type it (status_reports puts it before).
 */
static pid_t listen_events(struct __test_metadata *_metadata, const char *path)
{
	char ev[4096];
	double end;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 1);
		execl(TOOL, TOOL, "events", "--json", (char *)NULL);
		_exit(127);
	}
	end = cw_now() + 10;
	do {
		usleep(100 * 1000);
		ASSERT_EQ(0, cw_param_set("sustain", "2"));
		slurp(path, ev, sizeof(ev));
	} while (!strstr(ev, "policy_changed") && cw_now() < end);
	ASSERT_NE(NULL, strstr(ev, "policy_changed")) {
		kill(pid, SIGKILL);
	}
	return pid;
}

/* Every line parses, and a /tmp burner shows tracked, exceeded, throttled. */
TEST_F(tool, events_json_sequence)
{
	static const char *const fields[] = {
		"event", "time", "pid", "ppid", "uid", "comm", "exe", "origin",
		"cpu_pct", "rule", "action",
	};
	static const char *const want[] = {
		"tracked", "threshold_exceeded", "throttled",
	};
	char ev[65536], *line, *save, val[128], pid[16];
	unsigned int next = 0, lines = 0;
	pid_t listener;
	int status;

	put(_metadata, WORK "/seq", "events");
	listener = listen_events(_metadata, WORK "/events");
	TOOL_OK(TOOL " policy set mode throttle threshold 50");
	self->burner = burn(_metadata, WORK "/seq");
	snprintf(pid, sizeof(pid), "%d", self->burner);
	ASSERT_TRUE(ps_shows(self->burner, "throttled", CW_DEADLINE));
	usleep(500 * 1000);
	ASSERT_EQ(0, kill(listener, SIGINT));
	ASSERT_EQ(listener, waitpid(listener, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		TH_LOG("events ended with status %#x", status);
	}

	slurp(WORK "/events", ev, sizeof(ev));
	for (line = strtok_r(ev, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lines++;
		ASSERT_TRUE(json_valid(line)) {
			TH_LOG("not JSON: %s", line);
		}
		for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
			char needle[32];

			snprintf(needle, sizeof(needle), "\"%s\":", fields[i]);
			ASSERT_NE(NULL, strstr(line, needle)) {
				TH_LOG("no %s in %s", fields[i], line);
			}
		}
		json_get(line, "pid", val, sizeof(val));
		if (strcmp(val, pid) || next == ARRAY_SIZE(want))
			continue;
		json_get(line, "event", val, sizeof(val));
		if (strcmp(val, want[next]))
			continue;
		if (next == 0) {
			json_get(line, "sha256", val, sizeof(val));
			EXPECT_EQ(64U, strlen(val));
			json_get(line, "origin", val, sizeof(val));
			EXPECT_STREQ("watched", val);
			json_get(line, "exe", val, sizeof(val));
			EXPECT_STREQ(WORK "/seq", val);
		} else {
			json_get(line, "rule", val, sizeof(val));
			EXPECT_STREQ("sustained", val);
			json_get(line, "action", val, sizeof(val));
			EXPECT_STREQ("throttle", val);
		}
		next++;
	}
	EXPECT_EQ(ARRAY_SIZE(want), next) {
		TH_LOG("saw %u of tracked, exceeded, throttled in %u lines", next, lines);
	}

	/* SIGTERM, as systemd stops it, is as clean an end. */
	listener = listen_events(_metadata, WORK "/events2");
	ASSERT_EQ(0, kill(listener, SIGTERM));
	ASSERT_EQ(listener, waitpid(listener, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		TH_LOG("events ended with status %#x on SIGTERM", status);
	}
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

TEST_F(tool, apply_idempotent)
{
	char val[256];

	write_file(WORK "/cw.conf",
		   "# cpuwarden\n"
		   "mode = throttle\n"
		   "threshold = 66\n"
		   "sustain=7\n"
		   "watch = /tmp, /var/tmp\n"
		   "allow = uid:4343\n"
		   "allow = sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n");
	TOOL_OK(TOOL " apply --dry-run " WORK "/cw.conf");
	EXPECT_NE(NULL, strstr(out, "threshold")) {
		TH_LOG("dry run says: %s", out);
	}
	ASSERT_EQ(0, cw_param_get("threshold", val, sizeof(val)));
	EXPECT_STREQ("50", val);

	TOOL_OK(TOOL " apply " WORK "/cw.conf");
	ASSERT_EQ(0, cw_param_get("threshold", val, sizeof(val)));
	EXPECT_STREQ("66", val);
	ASSERT_EQ(0, cw_param_get("mode", val, sizeof(val)));
	EXPECT_STREQ("throttle", val);
	ASSERT_EQ(0, cw_param_get("watch", val, sizeof(val)));
	EXPECT_STREQ("/tmp,/var/tmp", val);
	ASSERT_EQ(0, cw_param_get("allow", val, sizeof(val)));
	EXPECT_NE(NULL, strstr(val, "uid:4343"));

	TOOL_OK(TOOL " apply " WORK "/cw.conf");
	EXPECT_STREQ("no changes\n", out);
	TOOL_OK(TOOL " apply -n " WORK "/cw.conf");
	EXPECT_STREQ("no changes\n", out);
}

TEST_F(tool, apply_bad_line_changes_nothing)
{
	char before[1024], after[1024], val[256];

	ASSERT_EQ(0, cw_param_set("allow", "uid:77"));
	write_file(WORK "/bad.conf",
		   "threshold = 90\n"
		   "allow = uid:88\n"
		   "sustain = 0\n"
		   "mode = kill\n");
	ASSERT_EQ(0, cw_sh("cat /sys/module/cpuwarden/parameters/* >" WORK "/before 2>/dev/null; true"));
	slurp(WORK "/before", before, sizeof(before));
	EXPECT_EQ(2, tool(TOOL " apply " WORK "/bad.conf"));
	EXPECT_NE(NULL, strstr(err, WORK "/bad.conf:3:")) {
		TH_LOG("%s", err);
	}
	EXPECT_NE(NULL, strstr(err, "sustain"));
	EXPECT_NE(NULL, strstr(err, "1-86400"));
	ASSERT_EQ(0, cw_sh("cat /sys/module/cpuwarden/parameters/* >" WORK "/before 2>/dev/null; true"));
	slurp(WORK "/before", after, sizeof(after));
	EXPECT_STREQ(before, after);
	ASSERT_EQ(0, cw_param_get("allow", val, sizeof(val)));
	EXPECT_STREQ("uid:77", val);

	write_file(WORK "/bad.conf", "threshold = 90\nflavour = mint\n");
	EXPECT_EQ(2, tool(TOOL " apply " WORK "/bad.conf"));
	EXPECT_NE(NULL, strstr(err, ":2:")) {
		TH_LOG("%s", err);
	}
	EXPECT_NE(NULL, strstr(err, "flavour"));
	ASSERT_EQ(0, cw_param_get("threshold", val, sizeof(val)));
	EXPECT_STREQ("50", val);
}

TEST_F(tool, unprivileged_refused)
{
	char val[64];

	EXPECT_EQ(4, tool("runas-user " TOOL " policy set threshold 60"));
	EXPECT_NE(NULL, strstr(err, "permission denied")) {
		TH_LOG("%s", err);
	}
	EXPECT_EQ(4, tool("runas-user " TOOL " events"));
	EXPECT_EQ(4, tool("runas-user " TOOL " status"));
	EXPECT_EQ(4, tool("runas-user unshare -U -r " TOOL " policy set threshold 60"));
	EXPECT_EQ(4, tool("runas-user unshare -U -r " TOOL " events"));
	EXPECT_EQ(4, tool("unshare -U -r " TOOL " policy set threshold 60"));
	ASSERT_EQ(0, cw_param_get("threshold", val, sizeof(val)));
	EXPECT_STREQ("50", val);
}

TEST_F(tool, module_not_loaded)
{
	int i;

	for (i = 0; i < 50 && cw_sh("rmmod cpuwarden 2>/dev/null"); i++)
		usleep(100 * 1000);
	ASSERT_FALSE(cw_module_loaded());
	EXPECT_EQ(3, tool(TOOL " status"));
	EXPECT_NE(NULL, strstr(err, "not loaded")) {
		TH_LOG("%s", err);
	}
	EXPECT_EQ(3, tool(TOOL " policy set threshold 60"));
	/* For a scraper this is a value, not an error. */
	EXPECT_EQ(0, tool(TOOL " metrics"));
	EXPECT_NE(NULL, strstr(out, "\ncpuwarden_up 0\n"));
	ASSERT_EQ(0, cw_sh("insmod $CW_MODULE"));
}

/* Last: nothing undoes it but a reboot. */
TEST_F(tool, lock_holds_until_reboot)
{
	char val[64];

	TOOL_OK(TOOL " lock");
	TOOL_OK(TOOL " status");
	EXPECT_NE(NULL, strstr(out, "locked: yes"));
	EXPECT_EQ(6, tool(TOOL " policy set threshold 60"));
	EXPECT_EQ(6, tool(TOOL " allow add uid 4444"));
	EXPECT_EQ(6, tool(TOOL " quarantine clear"));
	EXPECT_EQ(6, tool(TOOL " trust clear"));
	EXPECT_EQ(-EPERM, cw_param_set("threshold", "60"));
	ASSERT_EQ(0, cw_param_get("threshold", val, sizeof(val)));
	EXPECT_STREQ("50", val);
	EXPECT_NE(0, cw_sh("rmmod cpuwarden 2>/dev/null"));
	EXPECT_TRUE(cw_module_loaded());
	TOOL_OK(TOOL " lock");
}

TEST_HARNESS_MAIN
