// SPDX-License-Identifier: GPL-2.0
/* What status, policy, ps, quarantine and events print. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "kselftest_harness.h"

/* 2026-11-23T10:11:12.345Z */
#define T_NS (1795428672ULL * 1000000000 + 345678901)

static char out[8192];

#define CAPTURE(call) ({					\
	FILE *f = fmemopen(out, sizeof(out), "w");		\
	call;							\
	fclose(f);						\
	out;							\
})

static void set(struct cw_policy *p, enum cw_key key, uint32_t v)
{
	p->keys |= CW_KEY_BIT(key);
	p->val[key] = v;
}

static struct cw_policy policy(void)
{
	struct cw_policy p = {};

	set(&p, CW_KEY_MODE, CPUWARDEN_MODE_THROTTLE);
	set(&p, CW_KEY_THRESHOLD, 50);
	set(&p, CW_KEY_SUSTAIN, 60);
	set(&p, CW_KEY_PERIOD_MS, 1000);
	set(&p, CW_KEY_BUDGET, 600);
	set(&p, CW_KEY_BUDGET_WINDOW, 3600);
	set(&p, CW_KEY_CAP, 10);
	set(&p, CW_KEY_ESCALATE, 0);
	set(&p, CW_KEY_QUIET, 300);
	set(&p, CW_KEY_HASH, 1);
	set(&p, CW_KEY_KILL_TREE, 0);
	p.keys |= CW_KEY_BIT(CW_KEY_WATCH);
	strcpy(p.watch, "/tmp,/var/tmp");
	return p;
}

static const struct cw_status status = {
	.version = "0.3.0",
	.nr_tracked = 3,
	.nr_programs = 2,
	.nr_throttled = 1,
	.nr_quarantined = 4,
	.nr_allow = 2,
};

TEST(time_and_duration)
{
	char buf[CW_TIME_LEN];

	cw_format_time(buf, T_NS);
	EXPECT_STREQ("2026-11-23T10:11:12.345Z", buf);
	cw_format_time(buf, 0);
	EXPECT_STREQ("1970-01-01T00:00:00.000Z", buf);
	cw_format_duration(buf, sizeof(buf), 12999);
	EXPECT_STREQ("12s", buf);
	cw_format_duration(buf, sizeof(buf), 59999);
	EXPECT_STREQ("59s", buf);
	cw_format_duration(buf, sizeof(buf), 185000);
	EXPECT_STREQ("3m05s", buf);
	cw_format_duration(buf, sizeof(buf), 3720000);
	EXPECT_STREQ("1h02m", buf);
	cw_format_duration(buf, sizeof(buf), 183600000);
	EXPECT_STREQ("2d03h", buf);
}

TEST(status_human)
{
	struct cw_policy p = policy();

	EXPECT_STREQ("cpuwarden 0.3.0, locked: no\n"
		     "mode throttle, threshold 50% for 60s, budget 600 CPU-s per 3600s, cap 10%\n"
		     "tracked 3 groups, 2 programs, 1 throttled; quarantine 4; allow rules 2; "
		     "packaged files 0\n"
		     "events lost 0, limited 0, groups not tracked 0\n",
		     CAPTURE(cw_format_status(f, &status, &p)));
	set(&p, CW_KEY_BUDGET, 0);
	EXPECT_STREQ("cpuwarden 0.3.0, locked: no\n"
		     "mode throttle, threshold 50% for 60s, budget off, cap 10%\n"
		     "tracked 3 groups, 2 programs, 1 throttled; quarantine 4; allow rules 2; "
		     "packaged files 0\n"
		     "events lost 0, limited 0, groups not tracked 0\n",
		     CAPTURE(cw_format_status(f, &status, &p)));
	set(&p, CW_KEY_UID_BUDGET, 1200);
	EXPECT_NE(NULL, strstr(CAPTURE(cw_format_status(f, &status, &p)),
			       "budget off, uid budget 1200 CPU-s, cap 10%\n"));
	set(&p, CW_KEY_UID_BUDGET, 0);
	EXPECT_NE(NULL, strstr(CAPTURE(cw_format_status(f, &status, &p)),
			       "budget off, uid budget off, cap 10%\n"));
}

TEST(status_json)
{
	struct cw_status s = status;
	struct cw_policy p = {};

	s.locked = 1;
	s.events_lost = 5;
	s.track_lost = 6;
	s.events_limited = 7;
	set(&p, CW_KEY_MODE, CPUWARDEN_MODE_KILL);
	EXPECT_STREQ("{\"version\":\"0.3.0\",\"locked\":true,\"nr_tracked\":3,\"nr_programs\":2,"
		     "\"nr_throttled\":1,\"nr_quarantined\":4,\"nr_allow\":2,\"nr_trusted\":0,\"events_lost\":5,"
		     "\"track_lost\":6,\"events_limited\":7,\"policy\":{\"mode\":\"kill\"}}\n",
		     CAPTURE(cw_format_status_json(f, &s, &p)));
}

TEST(policy_show)
{
	struct cw_policy p = policy();
	struct json j;

	EXPECT_STREQ("mode = throttle\nthreshold = 50\nsustain = 60\nperiod_ms = 1000\n"
		     "budget = 600\nbudget_window = 3600\ncap = 10\nescalate = 0\nquiet = 300\n"
		     "hash = yes\nkill_tree = no\nwatch = /tmp,/var/tmp\n",
		     CAPTURE(cw_format_policy(f, &p)));
	EXPECT_STREQ("{\"mode\":\"throttle\",\"threshold\":50,\"sustain\":60,\"period_ms\":1000,"
		     "\"budget\":600,\"budget_window\":3600,\"cap\":10,\"escalate\":0,"
		     "\"quiet\":300,\"hash\":true,\"kill_tree\":false,"
		     "\"watch\":[\"/tmp\",\"/var/tmp\"]}",
		     CAPTURE(json_init(&j, f); cw_format_policy_json(&j, NULL, &p)));
}

static struct cw_group group(uint32_t pid, uint32_t cpu)
{
	struct cw_group g = {
		.has = CW_HAS_BIT(CPUWARDEN_A_PID),
		.pid = pid,
		.ppid = 1,
		.uid = 1000,
		.threads = 4,
		.state = CPUWARDEN_STATE_THROTTLED,
		.origin = CPUWARDEN_ORIGIN_WATCHED,
		.origin_flags = CPUWARDEN_ORIGIN_F_SCRIPT | CPUWARDEN_ORIGIN_F_LATE,
		.cpu_pct = cpu,
		.prog_cpu_pct = 12,
		.budget = 600,
		.window_ms = 498000,
		.tracked_ms = 3720000,
		.comm = "xmrig",
		.exe = "/tmp/x",
	};

	return g;
}

TEST(ps_sorted_by_cpu_then_pid)
{
	struct cw_group g[] = { group(30, 5), group(20, 90), group(10, 5), group(40, 90) };
	size_t i;
	static const uint32_t want[] = { 20, 40, 10, 30 };

	qsort(g, 4, sizeof(g[0]), cw_group_cmp);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(want[i], g[i].pid);
}

TEST(ps_human)
{
	struct cw_group g[2] = { group(4242, 98), group(7, 0) };

	g[1].budget = 0;
	g[1].state = CPUWARDEN_STATE_TRACKED;
	g[1].origin = CPUWARDEN_ORIGIN_FILELESS;
	g[1].origin_flags = CPUWARDEN_ORIGIN_F_INHERITED;
	g[1].comm = "a\tb\x1b[31m";
	g[1].exe = "memfd:x (deleted)";
	g[1].tracked_ms = 12000;
	EXPECT_STREQ("    PID    PPID    UID STATE     CPU% PROG% BUDGET% TRACKED ORIGIN             COMM            EXE\n"
		     "   4242       1   1000 throttled   98    12      83   1h02m watched+script+late xmrig           /tmp/x\n"
		     "      7       1   1000 tracked      0    12       -     12s fileless+inherited a?b?[31m        memfd:x (deleted)\n",
		     CAPTURE(cw_format_ps(f, g, 2)));
}

TEST(ps_json)
{
	struct cw_group g[2] = { group(4242, 98), group(7, 0) };

	g[0].has |= CW_HAS_BIT(CPUWARDEN_A_SHA256);
	memset(g[0].sha256, 0xab, sizeof(g[0].sha256));
	g[1].origin_flags = 0;
	EXPECT_STREQ("[{\"pid\":4242,\"ppid\":1,\"uid\":1000,\"threads\":4,\"state\":\"throttled\","
		     "\"cpu_pct\":98,\"prog_cpu_pct\":12,\"window_ms\":498000,\"budget\":600,"
		     "\"tracked_ms\":3720000,\"origin\":\"watched\","
		     "\"origin_flags\":[\"script\",\"late\"],\"comm\":\"xmrig\",\"exe\":\"/tmp/x\","
		     "\"sha256\":\"abababababababababababababababababababababababababababababababab\"},"
		     "{\"pid\":7,\"ppid\":1,\"uid\":1000,\"threads\":4,\"state\":\"throttled\","
		     "\"cpu_pct\":0,\"prog_cpu_pct\":12,\"window_ms\":498000,\"budget\":600,"
		     "\"tracked_ms\":3720000,\"origin\":\"watched\",\"origin_flags\":[],"
		     "\"comm\":\"xmrig\",\"exe\":\"/tmp/x\"}]\n",
		     CAPTURE(cw_format_ps_json(f, g, 2)));
	EXPECT_STREQ("[]\n", CAPTURE(cw_format_ps_json(f, g, 0)));
}

TEST(quarantine)
{
	struct cw_quarantine q[2] = { { .size = 4096, .uid = 1000 }, { .size = 1 } };

	q[0].sha256[0] = 0x12;
	q[1].sha256[31] = 0xff;
	EXPECT_STREQ("1200000000000000000000000000000000000000000000000000000000000000  4096  uid=1000\n"
		     "00000000000000000000000000000000000000000000000000000000000000ff  1  uid=0\n",
		     CAPTURE(cw_format_quarantine(f, q, 2)));
	EXPECT_STREQ("[{\"sha256\":\"1200000000000000000000000000000000000000000000000000000000000000\",\"size\":4096,\"uid\":1000},"
		     "{\"sha256\":\"00000000000000000000000000000000000000000000000000000000000000ff\",\"size\":1,\"uid\":0}]\n",
		     CAPTURE(cw_format_quarantine_json(f, q, 2)));
}

#define HAS(a) CW_HAS_BIT(CPUWARDEN_A_##a)

static struct cw_event throttled(void)
{
	struct cw_event e = {
		.has = HAS(EVENT) | HAS(TIME_NS) | HAS(PID) | HAS(PPID) | HAS(UID) | HAS(COMM) |
		       HAS(EXE) | HAS(ORIGIN) | HAS(ORIGIN_FLAGS) | HAS(RULE) | HAS(CPU_PCT) |
		       HAS(SHA256),
		.event = CPUWARDEN_EVENT_THROTTLED,
		.time_ns = T_NS,
		.pid = 4242,
		.ppid = 1,
		.uid = 1000,
		.comm = "xmrig",
		.exe = "/tmp/x",
		.origin = CPUWARDEN_ORIGIN_WATCHED,
		.rule = CPUWARDEN_RULE_SUSTAINED,
		.cpu_pct = 98,
	};

	e.sha256[0] = 0xab;
	e.sha256[1] = 0x12;
	return e;
}

TEST(event_human)
{
	struct cw_event e = throttled();

	EXPECT_STREQ("2026-11-23T10:11:12.345Z throttled pid=4242 ppid=1 uid=1000 comm=xmrig "
		     "exe=/tmp/x origin=watched rule=sustained cpu=98% action=throttle "
		     "sha256=ab12000000000000000000000000000000000000000000000000000000000000\n",
		     CAPTURE(cw_format_event(f, &e)));

	e.origin_flags = CPUWARDEN_ORIGIN_F_INHERITED;
	e.comm = "my miner";
	e.exe = "/tmp/\"q\"\\\n";
	e.has &= ~(HAS(SHA256) | HAS(PPID));
	e.has |= HAS(MODE) | HAS(LIMIT) | HAS(FOR_S) | HAS(UID_CPU_PCT);
	e.mode = CPUWARDEN_MODE_THROTTLE;
	e.limit = 10;
	e.for_s = 60;
	e.uid_cpu_pct = 120;
	EXPECT_STREQ("2026-11-23T10:11:12.345Z throttled pid=4242 uid=1000 comm=\"my miner\" "
		     "exe=\"/tmp/\\\"q\\\"\\\\\\x0a\" origin=watched+inherited rule=sustained "
		     "cpu=98% action=throttle mode=throttle limit=10% for=60s uid_cpu=120%\n",
		     CAPTURE(cw_format_event(f, &e)));
}

TEST(event_human_policy_changed)
{
	struct cw_event e = {
		.has = HAS(EVENT) | HAS(TIME_NS) | HAS(PID) | HAS(UID) | HAS(COMM) | HAS(CHANGE),
		.event = CPUWARDEN_EVENT_POLICY_CHANGED,
		.time_ns = T_NS,
		.pid = 99,
		.uid = 0,
		.comm = "cpuwarden",
		.change = "threshold=80 cap=5",
	};

	EXPECT_STREQ("2026-11-23T10:11:12.345Z policy_changed pid=99 uid=0 comm=cpuwarden "
		     "action=change change=\"threshold=80 cap=5\"\n",
		     CAPTURE(cw_format_event(f, &e)));
}

TEST(event_json_field_order)
{
	struct cw_event e = throttled();

	EXPECT_STREQ("{\"event\":\"throttled\",\"time\":\"2026-11-23T10:11:12.345Z\",\"pid\":4242,"
		     "\"ppid\":1,\"uid\":1000,\"comm\":\"xmrig\",\"exe\":\"/tmp/x\","
		     "\"origin\":\"watched\",\"cpu_pct\":98,\"rule\":\"sustained\","
		     "\"action\":\"throttle\","
		     "\"sha256\":\"ab12000000000000000000000000000000000000000000000000000000000000\","
		     "\"origin_flags\":[],\"time_ns\":1795428672345678901}\n",
		     CAPTURE(cw_format_event_json(f, &e)));
}

TEST(event_json_nulls_and_extras)
{
	struct cw_event e = {
		.has = HAS(EVENT) | HAS(TIME_NS) | HAS(PID) | HAS(UID) | HAS(COMM) | HAS(RULE) |
		       HAS(MODE) | HAS(LIMIT) | HAS(FOR_S) | HAS(WINDOW_MS) |
		       HAS(BUDGET_WINDOW) | HAS(UID_CPU_PCT) | HAS(CHANGE) | HAS(ORIGIN_FLAGS),
		.event = CPUWARDEN_EVENT_BUDGET_EXCEEDED,
		.time_ns = T_NS,
		.pid = 1,
		.uid = 2,
		.comm = "c",
		.rule = CPUWARDEN_RULE_NONE,
		.mode = CPUWARDEN_MODE_MONITOR,
		.origin_flags = CPUWARDEN_ORIGIN_F_SCRIPT | CPUWARDEN_ORIGIN_F_INHERITED |
				CPUWARDEN_ORIGIN_F_LATE,
		.limit = 600,
		.for_s = 3,
		.window_ms = 600001,
		.budget_window = 3600,
		.uid_cpu_pct = 250,
		.change = "x",
	};

	EXPECT_STREQ("{\"event\":\"budget_exceeded\",\"time\":\"2026-11-23T10:11:12.345Z\","
		     "\"pid\":1,\"ppid\":null,\"uid\":2,\"comm\":\"c\",\"exe\":null,"
		     "\"origin\":null,\"cpu_pct\":null,\"rule\":null,\"action\":\"report\","
		     "\"origin_flags\":[\"script\",\"inherited\",\"late\"],\"mode\":\"monitor\","
		     "\"limit\":600,\"for_s\":3,\"window_ms\":600001,\"budget_window\":3600,"
		     "\"uid_cpu_pct\":250,\"change\":\"x\",\"time_ns\":1795428672345678901}\n",
		     CAPTURE(cw_format_event_json(f, &e)));

	e.has = HAS(EVENT);
	e.event = 77;
	EXPECT_STREQ("{\"event\":null,\"time\":null,\"pid\":null,\"ppid\":null,\"uid\":null,"
		     "\"comm\":null,\"exe\":null,\"origin\":null,\"cpu_pct\":null,\"rule\":null,"
		     "\"action\":null}\n",
		     CAPTURE(cw_format_event_json(f, &e)));
}

/* The groups of a decision past the named ones: counted, not named. */
TEST(event_groups_untold)
{
	struct cw_event e = throttled();

	e.event = CPUWARDEN_EVENT_KILLED;
	e.has &= ~(HAS(PID) | HAS(PPID) | HAS(COMM) | HAS(SHA256) | HAS(CPU_PCT));
	e.has |= HAS(GROUPS_UNTOLD);
	e.groups_untold = 9992;
	EXPECT_STREQ("2026-11-23T10:11:12.345Z killed untold=9992 uid=1000 exe=/tmp/x "
		     "origin=watched rule=sustained action=kill\n",
		     CAPTURE(cw_format_event(f, &e)));
	EXPECT_STREQ("{\"event\":\"killed\",\"time\":\"2026-11-23T10:11:12.345Z\",\"pid\":null,"
		     "\"ppid\":null,\"uid\":1000,\"comm\":null,\"exe\":\"/tmp/x\","
		     "\"origin\":\"watched\",\"cpu_pct\":null,\"rule\":\"sustained\","
		     "\"action\":\"kill\",\"origin_flags\":[],\"groups_untold\":9992,"
		     "\"time_ns\":1795428672345678901}\n",
		     CAPTURE(cw_format_event_json(f, &e)));
}

TEST(event_json_invalid_utf8)
{
	struct cw_event e = throttled();

	e.comm = "x\xff\x01";
	e.exe = "/tmp/\xc3\xa9\xed\xa0\x80";
	CAPTURE(cw_format_event_json(f, &e));
	EXPECT_NE(NULL, strstr(out, "\"comm\":\"x\\ufffd\\u0001\",\"exe\":\"/tmp/\xc3\xa9\\ufffd\\ufffd\\ufffd\""));
}

TEST(actions)
{
	static const struct {
		uint32_t event;
		int mode;	/* -1: none */
		const char *action;
	} cases[] = {
		{ CPUWARDEN_EVENT_TRACKED, -1, "track" },
		{ CPUWARDEN_EVENT_THRESHOLD_EXCEEDED, CPUWARDEN_MODE_MONITOR, "report" },
		{ CPUWARDEN_EVENT_THRESHOLD_EXCEEDED, CPUWARDEN_MODE_THROTTLE, "throttle" },
		{ CPUWARDEN_EVENT_THRESHOLD_EXCEEDED, CPUWARDEN_MODE_KILL, "kill" },
		{ CPUWARDEN_EVENT_THRESHOLD_EXCEEDED, -1, NULL },
		{ CPUWARDEN_EVENT_BUDGET_EXCEEDED, CPUWARDEN_MODE_KILL, "kill" },
		{ CPUWARDEN_EVENT_BUDGET_EXCEEDED, 9, NULL },
		{ CPUWARDEN_EVENT_THROTTLED, -1, "throttle" },
		{ CPUWARDEN_EVENT_KILLED, -1, "kill" },
		{ CPUWARDEN_EVENT_DENIED, -1, "deny" },
		{ CPUWARDEN_EVENT_RELEASED, -1, "release" },
		{ CPUWARDEN_EVENT_POLICY_CHANGED, -1, "change" },
		{ CPUWARDEN_EVENT_SPARED, -1, "report" },
		{ CPUWARDEN_EVENT_NONE, -1, NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cw_event e = { .event = cases[i].event };
		const char *action;

		if (cases[i].mode >= 0) {
			e.has = HAS(MODE);
			e.mode = cases[i].mode;
		}
		action = cw_event_action(&e);
		EXPECT_STREQ(cases[i].action ? cases[i].action : "(null)",
			     action ? action : "(null)") TH_LOG("case %zu", i);
	}
}

TEST(lost)
{
	EXPECT_STREQ("{\"event\":\"lost\",\"time\":\"2026-11-23T10:11:12.345Z\"}\n",
		     CAPTURE(cw_format_lost_json(f, T_NS)));
}

TEST(metrics)
{
	const struct cw_count c[2] = {
		{ CPUWARDEN_EVENT_TRACKED, CPUWARDEN_ORIGIN_WATCHED, CPUWARDEN_RULE_NONE, 7 },
		{ CPUWARDEN_EVENT_KILLED, CPUWARDEN_ORIGIN_WRITABLE, CPUWARDEN_RULE_UID_BUDGET, 3 },
	};
	struct cw_status s = status;
	struct cw_policy p = policy();

	snprintf(s.version, sizeof(s.version), "0.\"3\\\n");
	s.samples = 12345678901ULL;
	CAPTURE(cw_format_metrics(f, &s, &p, c, 2));
	EXPECT_TRUE(!!strstr(out, "# TYPE cpuwarden_up gauge\ncpuwarden_up 1\n"));
	/* A label value escapes what would end it or the line. */
	EXPECT_TRUE(!!strstr(out, "cpuwarden_info{version=\"0.\\\"3\\\\\\n\"} 1\n"));
	EXPECT_TRUE(!!strstr(out, "cpuwarden_tracked_groups 3\n"));
	EXPECT_TRUE(!!strstr(out, "cpuwarden_throttled_programs 1\n"));
	EXPECT_TRUE(!!strstr(out, "# TYPE cpuwarden_samples_total counter\n"
			       "cpuwarden_samples_total 12345678901\n"));
	EXPECT_TRUE(!!strstr(out, "cpuwarden_decisions_total{event=\"tracked\",origin=\"watched\","
			       "rule=\"none\"} 7\n"));
	EXPECT_TRUE(!!strstr(out, "cpuwarden_decisions_total{event=\"killed\",origin=\"writable\","
			       "rule=\"uid_budget\"} 3\n"));
	EXPECT_TRUE(!!strstr(out, "cpuwarden_policy_mode{mode=\"throttle\"} 1\n"));
	EXPECT_TRUE(!!strstr(out, "cpuwarden_policy{key=\"threshold\"} 50\n"));
	EXPECT_TRUE(!!strstr(out, "cpuwarden_policy{key=\"hash\"} 1\n"));
	/* Not a number: no sample of it. */
	EXPECT_FALSE(!!strstr(out, "key=\"watch\""));
	EXPECT_FALSE(!!strstr(out, "key=\"mode\""));
}

TEST(metrics_module_not_loaded)
{
	struct cw_policy p = {};

	EXPECT_STREQ("# HELP cpuwarden_up Whether the cpuwarden module answered (1) or is not loaded (0).\n"
		     "# TYPE cpuwarden_up gauge\n"
		     "cpuwarden_up 0\n",
		     CAPTURE(cw_format_metrics(f, NULL, &p, NULL, 0)));
}

TEST_HARNESS_MAIN
