// SPDX-License-Identifier: GPL-2.0
/*
 * What the tool prints, for people and as JSON.  Names of programs and
 * files come from whoever ran them: human output never passes a control
 * character through to the terminal, and JSON escapes everything.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "format.h"
#include "util.h"

static const char * const event_names[] = {
	[CPUWARDEN_EVENT_TRACKED] = "tracked",
	[CPUWARDEN_EVENT_THRESHOLD_EXCEEDED] = "threshold_exceeded",
	[CPUWARDEN_EVENT_BUDGET_EXCEEDED] = "budget_exceeded",
	[CPUWARDEN_EVENT_THROTTLED] = "throttled",
	[CPUWARDEN_EVENT_KILLED] = "killed",
	[CPUWARDEN_EVENT_DENIED] = "denied",
	[CPUWARDEN_EVENT_RELEASED] = "released",
	[CPUWARDEN_EVENT_POLICY_CHANGED] = "policy_changed",
	[CPUWARDEN_EVENT_SPARED] = "spared",
};

static const char * const origin_names[] = {
	[CPUWARDEN_ORIGIN_NONE] = "none",
	[CPUWARDEN_ORIGIN_WATCHED] = "watched",
	[CPUWARDEN_ORIGIN_FILELESS] = "fileless",
	[CPUWARDEN_ORIGIN_DELETED] = "deleted",
	[CPUWARDEN_ORIGIN_WRITABLE] = "writable",
	[CPUWARDEN_ORIGIN_PRIVATE] = "private",
	[CPUWARDEN_ORIGIN_RANDOMX] = "randomx",
	[CPUWARDEN_ORIGIN_UPPER] = "upper",
	[CPUWARDEN_ORIGIN_UNPACKAGED] = "unpackaged",
};

static const struct {
	uint32_t flag;
	const char *name;
} origin_flags[] = {
	{ CPUWARDEN_ORIGIN_F_SCRIPT, "script" },
	{ CPUWARDEN_ORIGIN_F_INHERITED, "inherited" },
	{ CPUWARDEN_ORIGIN_F_LATE, "late" },
	{ CPUWARDEN_ORIGIN_F_MAPPED, "mapped" },
};

static const char * const rule_names[] = {
	[CPUWARDEN_RULE_SUSTAINED] = "sustained",
	[CPUWARDEN_RULE_BUDGET] = "budget",
	[CPUWARDEN_RULE_ESCALATE] = "escalate",
	[CPUWARDEN_RULE_QUARANTINE] = "quarantine",
	[CPUWARDEN_RULE_ADMIN] = "admin",
	[CPUWARDEN_RULE_QUIET] = "quiet",
	[CPUWARDEN_RULE_PROBATION] = "probation",
	[CPUWARDEN_RULE_UID_BUDGET] = "uid_budget",
};

static const char * const state_names[] = {
	[CPUWARDEN_STATE_TRACKED] = "tracked",
	[CPUWARDEN_STATE_ABNORMAL] = "abnormal",
	[CPUWARDEN_STATE_THROTTLED] = "throttled",
	[CPUWARDEN_STATE_KILLED] = "killed",
	[CPUWARDEN_STATE_RELEASED] = "released",
};

/* The name of @v, NULL for a value this tool does not know (or NONE). */
#define NAME(names, v) ((v) < ARRAY_SIZE(names) ? (names)[v] : NULL)

/* For people: the name, or the number a newer module sent. */
static const char *name_or_number(char buf[16], const char *name, uint32_t v)
{
	if (name)
		return name;
	snprintf(buf, 16, "%u", v);
	return buf;
}

void cw_format_time(char buf[CW_TIME_LEN], uint64_t ns)
{
	time_t sec = ns / 1000000000;
	struct tm tm;
	size_t n;

	gmtime_r(&sec, &tm);
	n = strftime(buf, CW_TIME_LEN, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, CW_TIME_LEN - n, ".%03uZ", (unsigned int)(ns / 1000000 % 1000));
}

void cw_format_duration(char *buf, size_t len, uint64_t ms)
{
	uint64_t s = ms / 1000;

	if (s < 60)
		snprintf(buf, len, "%" PRIu64 "s", s);
	else if (s < 3600)
		snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m", s / 3600, s / 60 % 60);
	else
		snprintf(buf, len, "%" PRIu64 "d%02" PRIu64 "h", s / 86400, s / 3600 % 24);
}

/* "watched+script+late", as the module's log spells it. */
static void format_origin(char *buf, size_t len, uint32_t origin, uint32_t flags)
{
	char num[16];
	size_t i, n;

	n = snprintf(buf, len, "%s", name_or_number(num, NAME(origin_names, origin), origin));
	for (i = 0; i < ARRAY_SIZE(origin_flags) && n < len; i++)
		if (flags & origin_flags[i].flag)
			n += snprintf(buf + n, len - n, "+%s", origin_flags[i].name);
}

static void json_origin_flags(struct json *j, uint32_t flags)
{
	size_t i;

	json_array_begin(j, "origin_flags");
	for (i = 0; i < ARRAY_SIZE(origin_flags); i++)
		if (flags & origin_flags[i].flag)
			json_string(j, NULL, origin_flags[i].name);
	json_array_end(j);
}

const char *cw_event_action(const struct cw_event *e)
{
	switch (e->event) {
	case CPUWARDEN_EVENT_TRACKED:
		return "track";
	case CPUWARDEN_EVENT_THRESHOLD_EXCEEDED:
	case CPUWARDEN_EVENT_BUDGET_EXCEEDED:
		if (!CW_HAS(e, CPUWARDEN_A_MODE))
			return NULL;
		switch (e->mode) {
		case CPUWARDEN_MODE_MONITOR:
			return "report";
		case CPUWARDEN_MODE_THROTTLE:
			return "throttle";
		case CPUWARDEN_MODE_KILL:
			return "kill";
		}
		return NULL;
	case CPUWARDEN_EVENT_THROTTLED:
		return "throttle";
	case CPUWARDEN_EVENT_KILLED:
		return "kill";
	case CPUWARDEN_EVENT_DENIED:
		return "deny";
	case CPUWARDEN_EVENT_RELEASED:
		return "release";
	case CPUWARDEN_EVENT_POLICY_CHANGED:
		return "change";
	case CPUWARDEN_EVENT_SPARED:
		return "report";
	}
	return NULL;
}

void cw_format_status(FILE *f, const struct cw_status *s, const struct cw_policy *p)
{
	char mode[16];

	cw_policy_format(mode, sizeof(mode), p, CW_KEY_MODE);
	fprintf(f, "cpuwarden %s, locked: %s\n", s->version, s->locked ? "yes" : "no");
	fprintf(f, "mode %s, threshold %u%% for %us, ", mode, p->val[CW_KEY_THRESHOLD],
		p->val[CW_KEY_SUSTAIN]);
	if (p->val[CW_KEY_BUDGET])
		fprintf(f, "budget %u CPU-s per %us, ", p->val[CW_KEY_BUDGET],
			p->val[CW_KEY_BUDGET_WINDOW]);
	else
		fputs("budget off, ", f);
	/* A module before the uid budget has no such key. */
	if (p->keys & CW_KEY_BIT(CW_KEY_UID_BUDGET)) {
		if (p->val[CW_KEY_UID_BUDGET])
			fprintf(f, "uid budget %u CPU-s, ", p->val[CW_KEY_UID_BUDGET]);
		else
			fputs("uid budget off, ", f);
	}
	fprintf(f, "cap %u%%\n", p->val[CW_KEY_CAP]);
	fprintf(f, "tracked %u groups, %u programs, %u throttled; quarantine %u; allow rules %u; "
		"packaged files %u\n",
		s->nr_tracked, s->nr_programs, s->nr_throttled, s->nr_quarantined, s->nr_allow,
		s->nr_trusted);
	fprintf(f, "events lost %" PRIu64 ", limited %" PRIu64
		", groups not tracked %" PRIu64 "\n",
		s->events_lost, s->events_limited, s->track_lost);
}

void cw_format_status_json(FILE *f, const struct cw_status *s, const struct cw_policy *p)
{
	struct json j;

	json_init(&j, f);
	json_object_begin(&j, NULL);
	json_string(&j, "version", s->version);
	json_bool(&j, "locked", s->locked);
	json_uint(&j, "nr_tracked", s->nr_tracked);
	json_uint(&j, "nr_programs", s->nr_programs);
	json_uint(&j, "nr_throttled", s->nr_throttled);
	json_uint(&j, "nr_quarantined", s->nr_quarantined);
	json_uint(&j, "nr_allow", s->nr_allow);
	json_uint(&j, "nr_trusted", s->nr_trusted);
	json_uint(&j, "events_lost", s->events_lost);
	json_uint(&j, "track_lost", s->track_lost);
	json_uint(&j, "events_limited", s->events_limited);
	cw_format_policy_json(&j, "policy", p);
	json_object_end(&j);
	fputc('\n', f);
}

void cw_format_policy(FILE *f, const struct cw_policy *p)
{
	char value[CPUWARDEN_WATCH_LEN];
	int key;

	for (key = 0; key < CW_NR_KEYS; key++) {
		if (!(p->keys & CW_KEY_BIT(key)))
			continue;
		cw_policy_format(value, sizeof(value), p, key);
		fprintf(f, "%s = %s\n", cw_keys[key].name, value);
	}
}

static void json_watch(struct json *j, const char *list)
{
	char dir[CPUWARDEN_WATCH_LEN];
	const char *end;

	json_array_begin(j, "watch");
	while (*list) {
		end = strchrnul(list, ',');
		snprintf(dir, sizeof(dir), "%.*s", (int)(end - list), list);
		json_string(j, NULL, dir);
		list = *end ? end + 1 : end;
	}
	json_array_end(j);
}

void cw_format_policy_json(struct json *j, const char *key, const struct cw_policy *p)
{
	int k;

	json_object_begin(j, key);
	for (k = 0; k < CW_NR_KEYS; k++) {
		const char *name = cw_keys[k].name;
		uint32_t v = p->val[k];

		if (!(p->keys & CW_KEY_BIT(k)))
			continue;
		switch (cw_keys[k].type) {
		case CW_TYPE_MODE:
			json_string(j, name, cw_mode_name(v));
			break;
		case CW_TYPE_UINT:
			json_uint(j, name, v);
			break;
		case CW_TYPE_BOOL:
			json_bool(j, name, v);
			break;
		case CW_TYPE_WATCH:
			json_watch(j, p->watch);
			break;
		}
	}
	json_object_end(j);
}

int cw_group_cmp(const void *a, const void *b)
{
	const struct cw_group *x = a, *y = b;

	if (x->cpu_pct != y->cpu_pct)
		return x->cpu_pct > y->cpu_pct ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return 0;
}

/* @s with every control character shown as '?', as ps(1) does. */
static const char *printable(char *buf, size_t len, const char *s)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < len; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	buf[i] = '\0';
	return buf;
}

#define PS_FORMAT "%7s %7s %6s %-9s %4s %5s %7s %7s %-18s %-15s %s\n"

static void format_group(FILE *f, const struct cw_group *g)
{
	char pid[16], ppid[16], uid[16], cpu[16], prog[16], budget[24], tracked[24];
	char state[16], origin[64], comm[64], exe[CPUWARDEN_PATH_LEN];

	snprintf(pid, sizeof(pid), "%u", g->pid);
	snprintf(ppid, sizeof(ppid), "%u", g->ppid);
	snprintf(uid, sizeof(uid), "%u", g->uid);
	snprintf(cpu, sizeof(cpu), "%u", g->cpu_pct);
	snprintf(prog, sizeof(prog), "%u", g->prog_cpu_pct);
	if (g->budget)
		snprintf(budget, sizeof(budget), "%" PRIu64, g->window_ms / ((uint64_t)g->budget * 10));
	else
		snprintf(budget, sizeof(budget), "-");
	cw_format_duration(tracked, sizeof(tracked), g->tracked_ms);
	format_origin(origin, sizeof(origin), g->origin, g->origin_flags);
	fprintf(f, PS_FORMAT, pid, ppid, uid,
		name_or_number(state, NAME(state_names, g->state), g->state),
		cpu, prog, budget, tracked, origin,
		printable(comm, sizeof(comm), g->comm ? g->comm : "-"),
		printable(exe, sizeof(exe), g->exe ? g->exe : "-"));
}

void cw_format_ps(FILE *f, const struct cw_group *g, size_t nr)
{
	size_t i;

	fprintf(f, PS_FORMAT, "PID", "PPID", "UID", "STATE", "CPU%", "PROG%", "BUDGET%",
		"TRACKED", "ORIGIN", "COMM", "EXE");
	for (i = 0; i < nr; i++)
		format_group(f, &g[i]);
}

void cw_format_ps_json(FILE *f, const struct cw_group *g, size_t nr)
{
	char hex[2 * CPUWARDEN_SHA256_LEN + 1];
	struct json j;
	size_t i;

	json_init(&j, f);
	json_array_begin(&j, NULL);
	for (i = 0; i < nr; i++) {
		json_object_begin(&j, NULL);
		json_uint(&j, "pid", g[i].pid);
		json_uint(&j, "ppid", g[i].ppid);
		json_uint(&j, "uid", g[i].uid);
		json_uint(&j, "threads", g[i].threads);
		json_string(&j, "state", NAME(state_names, g[i].state));
		json_uint(&j, "cpu_pct", g[i].cpu_pct);
		json_uint(&j, "prog_cpu_pct", g[i].prog_cpu_pct);
		json_uint(&j, "window_ms", g[i].window_ms);
		json_uint(&j, "budget", g[i].budget);
		json_uint(&j, "tracked_ms", g[i].tracked_ms);
		json_string(&j, "origin", NAME(origin_names, g[i].origin));
		json_origin_flags(&j, g[i].origin_flags);
		json_string(&j, "comm", g[i].comm);
		json_string(&j, "exe", g[i].exe);
		if (CW_HAS(&g[i], CPUWARDEN_A_SHA256)) {
			cw_sha256_format(hex, g[i].sha256);
			json_string(&j, "sha256", hex);
		}
		json_object_end(&j);
	}
	json_array_end(&j);
	fputc('\n', f);
}

void cw_format_quarantine(FILE *f, const struct cw_quarantine *q, size_t nr)
{
	char hex[2 * CPUWARDEN_SHA256_LEN + 1];
	size_t i;

	for (i = 0; i < nr; i++) {
		cw_sha256_format(hex, q[i].sha256);
		fprintf(f, "%s  %" PRIu64 "  uid=%" PRIu32 "\n", hex,
			q[i].size, q[i].uid);
	}
}

void cw_format_quarantine_json(FILE *f, const struct cw_quarantine *q, size_t nr)
{
	char hex[2 * CPUWARDEN_SHA256_LEN + 1];
	struct json j;
	size_t i;

	json_init(&j, f);
	json_array_begin(&j, NULL);
	for (i = 0; i < nr; i++) {
		cw_sha256_format(hex, q[i].sha256);
		json_object_begin(&j, NULL);
		json_string(&j, "sha256", hex);
		json_uint(&j, "size", q[i].size);
		json_uint(&j, "uid", q[i].uid);
		json_object_end(&j);
	}
	json_array_end(&j);
	fputc('\n', f);
}

/*
 * key=value as the module's log writes it; a value that would not read
 * back as one token is quoted, with '"', '\' and control characters escaped.
 */
static void put_value(FILE *f, const char *key, const char *s)
{
	const unsigned char *p;
	bool quote = !*s;

	for (p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p == '"' || *p == '\\' || *p == 0x7f)
			quote = true;
	fprintf(f, " %s=", key);
	if (!quote) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < ' ' || *p == 0x7f)
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

void cw_format_event(FILE *f, const struct cw_event *e)
{
	char time[CW_TIME_LEN], origin[64], num[16], hex[2 * CPUWARDEN_SHA256_LEN + 1];
	const char *action = cw_event_action(e);

	if (CW_HAS(e, CPUWARDEN_A_TIME_NS))
		cw_format_time(time, e->time_ns);
	else
		snprintf(time, sizeof(time), "-");
	fprintf(f, "%s %s", time, name_or_number(num, NAME(event_names, e->event), e->event));
	if (CW_HAS(e, CPUWARDEN_A_GROUPS_UNTOLD))
		fprintf(f, " untold=%u", e->groups_untold);
	if (CW_HAS(e, CPUWARDEN_A_PID))
		fprintf(f, " pid=%u", e->pid);
	if (CW_HAS(e, CPUWARDEN_A_PPID))
		fprintf(f, " ppid=%u", e->ppid);
	if (CW_HAS(e, CPUWARDEN_A_UID))
		fprintf(f, " uid=%u", e->uid);
	if (CW_HAS(e, CPUWARDEN_A_COMM))
		put_value(f, "comm", e->comm);
	if (CW_HAS(e, CPUWARDEN_A_EXE))
		put_value(f, "exe", e->exe);
	if (CW_HAS(e, CPUWARDEN_A_ORIGIN)) {
		format_origin(origin, sizeof(origin), e->origin, e->origin_flags);
		fprintf(f, " origin=%s", origin);
	}
	if (CW_HAS(e, CPUWARDEN_A_RULE) && e->rule != CPUWARDEN_RULE_NONE)
		fprintf(f, " rule=%s", name_or_number(num, NAME(rule_names, e->rule), e->rule));
	if (CW_HAS(e, CPUWARDEN_A_CPU_PCT))
		fprintf(f, " cpu=%u%%", e->cpu_pct);
	if (action)
		fprintf(f, " action=%s", action);
	if (CW_HAS(e, CPUWARDEN_A_SHA256)) {
		cw_sha256_format(hex, e->sha256);
		fprintf(f, " sha256=%s", hex);
	}
	if (CW_HAS(e, CPUWARDEN_A_MODE))
		fprintf(f, " mode=%s", name_or_number(num, cw_mode_name(e->mode), e->mode));
	if (CW_HAS(e, CPUWARDEN_A_LIMIT))
		fprintf(f, " limit=%u%s", e->limit,
			e->rule == CPUWARDEN_RULE_BUDGET ||
			e->rule == CPUWARDEN_RULE_UID_BUDGET ? "s" : "%");
	if (CW_HAS(e, CPUWARDEN_A_FOR_S))
		fprintf(f, " for=%us", e->for_s);
	if (CW_HAS(e, CPUWARDEN_A_WINDOW_MS))
		fprintf(f, " window_ms=%" PRIu64, e->window_ms);
	if (CW_HAS(e, CPUWARDEN_A_BUDGET_WINDOW))
		fprintf(f, " budget_window=%us", e->budget_window);
	if (CW_HAS(e, CPUWARDEN_A_UID_CPU_PCT))
		fprintf(f, " uid_cpu=%u%%", e->uid_cpu_pct);
	if (CW_HAS(e, CPUWARDEN_A_CHANGE))
		put_value(f, "change", e->change);
	fputc('\n', f);
}

static void json_u32_or_null(struct json *j, const char *key, const struct cw_event *e,
			     int attr, uint32_t v)
{
	if (CW_HAS(e, attr))
		json_uint(j, key, v);
	else
		json_null(j, key);
}

void cw_format_event_json(FILE *f, const struct cw_event *e)
{
	char time[CW_TIME_LEN], hex[2 * CPUWARDEN_SHA256_LEN + 1];
	struct json j;

	json_init(&j, f);
	json_object_begin(&j, NULL);
	json_string(&j, "event", NAME(event_names, e->event));
	if (CW_HAS(e, CPUWARDEN_A_TIME_NS)) {
		cw_format_time(time, e->time_ns);
		json_string(&j, "time", time);
	} else {
		json_null(&j, "time");
	}
	json_u32_or_null(&j, "pid", e, CPUWARDEN_A_PID, e->pid);
	json_u32_or_null(&j, "ppid", e, CPUWARDEN_A_PPID, e->ppid);
	json_u32_or_null(&j, "uid", e, CPUWARDEN_A_UID, e->uid);
	json_string(&j, "comm", CW_HAS(e, CPUWARDEN_A_COMM) ? e->comm : NULL);
	json_string(&j, "exe", CW_HAS(e, CPUWARDEN_A_EXE) ? e->exe : NULL);
	json_string(&j, "origin",
		    CW_HAS(e, CPUWARDEN_A_ORIGIN) ? NAME(origin_names, e->origin) : NULL);
	json_u32_or_null(&j, "cpu_pct", e, CPUWARDEN_A_CPU_PCT, e->cpu_pct);
	json_string(&j, "rule", CW_HAS(e, CPUWARDEN_A_RULE) ? NAME(rule_names, e->rule) : NULL);
	json_string(&j, "action", cw_event_action(e));

	if (CW_HAS(e, CPUWARDEN_A_SHA256)) {
		cw_sha256_format(hex, e->sha256);
		json_string(&j, "sha256", hex);
	}
	if (CW_HAS(e, CPUWARDEN_A_ORIGIN_FLAGS))
		json_origin_flags(&j, e->origin_flags);
	if (CW_HAS(e, CPUWARDEN_A_MODE))
		json_string(&j, "mode", cw_mode_name(e->mode));
	if (CW_HAS(e, CPUWARDEN_A_LIMIT))
		json_uint(&j, "limit", e->limit);
	if (CW_HAS(e, CPUWARDEN_A_FOR_S))
		json_uint(&j, "for_s", e->for_s);
	if (CW_HAS(e, CPUWARDEN_A_WINDOW_MS))
		json_uint(&j, "window_ms", e->window_ms);
	if (CW_HAS(e, CPUWARDEN_A_BUDGET_WINDOW))
		json_uint(&j, "budget_window", e->budget_window);
	if (CW_HAS(e, CPUWARDEN_A_UID_CPU_PCT))
		json_uint(&j, "uid_cpu_pct", e->uid_cpu_pct);
	if (CW_HAS(e, CPUWARDEN_A_CHANGE))
		json_string(&j, "change", e->change);
	if (CW_HAS(e, CPUWARDEN_A_GROUPS_UNTOLD))
		json_uint(&j, "groups_untold", e->groups_untold);
	if (CW_HAS(e, CPUWARDEN_A_TIME_NS))
		json_uint(&j, "time_ns", e->time_ns);
	json_object_end(&j);
	fputc('\n', f);
}

void cw_format_lost_json(FILE *f, uint64_t now_ns)
{
	char time[CW_TIME_LEN];
	struct json j;

	cw_format_time(time, now_ns);
	json_init(&j, f);
	json_object_begin(&j, NULL);
	json_string(&j, "event", "lost");
	json_string(&j, "time", time);
	json_object_end(&j);
	fputc('\n', f);
}

/* A Prometheus label value: backslash, double quote and newline escaped. */
static void put_label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void metric_head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void metric(FILE *f, const char *name, const char *type, const char *help,
		   uint64_t v)
{
	metric_head(f, name, type, help);
	fprintf(f, "%s %" PRIu64 "\n", name, v);
}

void cw_format_metrics(FILE *f, const struct cw_status *s, const struct cw_policy *p,
		       const struct cw_count *c, size_t nr)
{
	char num[3][16];
	size_t i;
	int key;

	metric(f, "cpuwarden_up", "gauge",
	       "Whether the cpuwarden module answered (1) or is not loaded (0).", !!s);
	if (!s)
		return;
	metric_head(f, "cpuwarden_info", "gauge", "The module's version, as a label.");
	fputs("cpuwarden_info{version=\"", f);
	put_label(f, s->version);
	fputs("\"} 1\n", f);
	metric(f, "cpuwarden_locked", "gauge",
	       "Whether the policy and the module are locked until reboot.", s->locked);
	metric(f, "cpuwarden_tracked_groups", "gauge",
	       "Thread groups tracked now.", s->nr_tracked);
	metric(f, "cpuwarden_programs", "gauge",
	       "Programs (content run by one user) known now.", s->nr_programs);
	metric(f, "cpuwarden_throttled_programs", "gauge",
	       "Programs held at the cap now.", s->nr_throttled);
	metric(f, "cpuwarden_quarantined_contents", "gauge",
	       "Contents in quarantine, refused at exec.", s->nr_quarantined);
	metric(f, "cpuwarden_allow_rules", "gauge", "Allow rules.", s->nr_allow);
	metric(f, "cpuwarden_packaged_files", "gauge",
	       "Packaged files loaded by cpuwarden trust.", s->nr_trusted);
	metric(f, "cpuwarden_samples_total", "counter",
	       "Full samples the sampler took since the module loaded.", s->samples);
	metric(f, "cpuwarden_events_lost_total", "counter",
	       "Events no listener could be sent.", s->events_lost);
	metric(f, "cpuwarden_events_limited_total", "counter",
	       "Events dropped by the rate limit of those any user causes at exec.",
	       s->events_limited);
	metric(f, "cpuwarden_groups_untracked_total", "counter",
	       "Thread groups of unowned programs left untracked for want of memory.",
	       s->track_lost);

	metric_head(f, "cpuwarden_decisions_total", "counter",
		    "Thread groups each kind of decision took since the module loaded, told or not.");
	for (i = 0; i < nr; i++)
		fprintf(f, "cpuwarden_decisions_total{event=\"%s\",origin=\"%s\",rule=\"%s\"} %"
			PRIu64 "\n",
			name_or_number(num[0], NAME(event_names, c[i].event), c[i].event),
			name_or_number(num[1], NAME(origin_names, c[i].origin), c[i].origin),
			c[i].rule ? name_or_number(num[2], NAME(rule_names, c[i].rule),
						   c[i].rule) : "none",
			c[i].n);

	metric_head(f, "cpuwarden_policy_mode", "gauge", "The mode in force, as a label.");
	fprintf(f, "cpuwarden_policy_mode{mode=\"%s\"} 1\n",
		cw_mode_name(p->val[CW_KEY_MODE]) ?: "unknown");
	metric_head(f, "cpuwarden_policy", "gauge",
		    "Each number and switch of the policy, by its name in cpuwarden.conf(5).");
	for (key = 0; key < CW_NR_KEYS; key++) {
		if (!(p->keys & CW_KEY_BIT(key)) ||
		    (cw_keys[key].type != CW_TYPE_UINT && cw_keys[key].type != CW_TYPE_BOOL))
			continue;
		fprintf(f, "cpuwarden_policy{key=\"%s\"} %u\n", cw_keys[key].name, p->val[key]);
	}
}
