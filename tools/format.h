/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_FORMAT_H
#define _CW_FORMAT_H

#include <stdint.h>
#include <stdio.h>

#include <uapi/linux/cpuwarden.h>

#include "config.h"
#include "json.h"

/* Which CPUWARDEN_A_* attributes a message carried, one bit each. */
#define CW_HAS(x, attr) (((x)->has >> (attr)) & 1)
#define CW_HAS_BIT(attr) (1ULL << (attr))
_Static_assert(CPUWARDEN_A_MAX < 64, "attributes do not fit a u64 mask");

struct cw_status {
	char version[32];
	uint32_t locked;
	uint32_t nr_tracked;
	uint32_t nr_programs;
	uint32_t nr_throttled;
	uint32_t nr_quarantined;
	uint32_t nr_allow;
	uint32_t nr_trusted;		/* packaged files */
	uint64_t events_lost;
	uint64_t track_lost;
	uint64_t events_limited;
	uint64_t samples;		/* full samples since load */
};

/* How many thread groups one kind of decision took since load. */
struct cw_count {
	uint32_t event;
	uint32_t origin;
	uint32_t rule;
	uint64_t n;
};

/* One tracked thread group; the strings are owned by whoever fills it. */
struct cw_group {
	uint64_t has;
	uint32_t pid;
	uint32_t ppid;
	uint32_t uid;
	uint32_t threads;
	uint32_t state;
	uint32_t origin;
	uint32_t origin_flags;
	uint32_t cpu_pct;
	uint32_t prog_cpu_pct;
	uint32_t budget;
	uint64_t window_ms;
	uint64_t tracked_ms;
	const char *comm;
	const char *exe;
	uint8_t sha256[CPUWARDEN_SHA256_LEN];
};

/* One event; the strings point into the message it came in. */
struct cw_event {
	uint64_t has;
	uint32_t event;
	uint32_t pid;
	uint32_t ppid;
	uint32_t uid;
	uint32_t origin;
	uint32_t origin_flags;
	uint32_t rule;
	uint32_t mode;
	uint32_t cpu_pct;
	uint32_t limit;
	uint32_t for_s;
	uint32_t budget_window;
	uint32_t uid_cpu_pct;
	uint32_t groups_untold;
	uint64_t time_ns;
	uint64_t window_ms;
	const char *comm;
	const char *exe;
	const char *change;
	uint8_t sha256[CPUWARDEN_SHA256_LEN];
};

struct cw_quarantine {
	uint8_t sha256[CPUWARDEN_SHA256_LEN];
	uint64_t size;
	uint32_t uid;
};

/* "2026-11-23T10:11:12.345Z" */
#define CW_TIME_LEN sizeof("2026-11-23T10:11:12.345Z")
void cw_format_time(char buf[CW_TIME_LEN], uint64_t ns);
/* "12s", "3m05s", "1h02m", "2d03h" */
void cw_format_duration(char *buf, size_t len, uint64_t ms);

/* What the tool calls the action an event stands for, or NULL. */
const char *cw_event_action(const struct cw_event *e);

void cw_format_status(FILE *f, const struct cw_status *s, const struct cw_policy *p);
void cw_format_status_json(FILE *f, const struct cw_status *s, const struct cw_policy *p);
void cw_format_policy(FILE *f, const struct cw_policy *p);
void cw_format_policy_json(struct json *j, const char *key, const struct cw_policy *p);

/* Highest CPU first, then by PID: a qsort() comparison of struct cw_group. */
int cw_group_cmp(const void *a, const void *b);
void cw_format_ps(FILE *f, const struct cw_group *g, size_t nr);
void cw_format_ps_json(FILE *f, const struct cw_group *g, size_t nr);

void cw_format_quarantine(FILE *f, const struct cw_quarantine *q, size_t nr);
void cw_format_quarantine_json(FILE *f, const struct cw_quarantine *q, size_t nr);

/*
 * Prometheus text exposition, as node_exporter's textfile collector reads
 * it: the module's counters and gauges, @nr counts and the policy; or,
 * with @s NULL, only that the module did not answer.
 */
void cw_format_metrics(FILE *f, const struct cw_status *s, const struct cw_policy *p,
		       const struct cw_count *c, size_t nr);

void cw_format_event(FILE *f, const struct cw_event *e);
void cw_format_event_json(FILE *f, const struct cw_event *e);
void cw_format_lost_json(FILE *f, uint64_t now_ns);

#endif /* _CW_FORMAT_H */
