// SPDX-License-Identifier: GPL-2.0
/*
 * The attributes of the cpuwarden family, as include/uapi/linux/cpuwarden.h
 * lays them out, to and from the tool's structures.
 */
#include <errno.h>
#include <linux/genetlink.h>
#include <string.h>

#include "attr.h"
#include "util.h"

static const enum mnl_attr_data_type types[CPUWARDEN_A_MAX + 1] = {
	[CPUWARDEN_A_VERSION] = MNL_TYPE_NUL_STRING,
	[CPUWARDEN_A_LOCKED] = MNL_TYPE_U32,
	[CPUWARDEN_A_NR_TRACKED] = MNL_TYPE_U32,
	[CPUWARDEN_A_NR_PROGRAMS] = MNL_TYPE_U32,
	[CPUWARDEN_A_NR_THROTTLED] = MNL_TYPE_U32,
	[CPUWARDEN_A_NR_QUARANTINED] = MNL_TYPE_U32,
	[CPUWARDEN_A_NR_ALLOW] = MNL_TYPE_U32,
	[CPUWARDEN_A_NR_TRUSTED] = MNL_TYPE_U32,
	[CPUWARDEN_A_EVENTS_LOST] = MNL_TYPE_U64,
	[CPUWARDEN_A_TRACK_LOST] = MNL_TYPE_U64,
	[CPUWARDEN_A_EVENTS_LIMITED] = MNL_TYPE_U64,
	[CPUWARDEN_A_GROUPS_UNTOLD] = MNL_TYPE_U32,
	[CPUWARDEN_A_MODE] = MNL_TYPE_U32,
	[CPUWARDEN_A_THRESHOLD] = MNL_TYPE_U32,
	[CPUWARDEN_A_SUSTAIN] = MNL_TYPE_U32,
	[CPUWARDEN_A_PERIOD_MS] = MNL_TYPE_U32,
	[CPUWARDEN_A_BUDGET] = MNL_TYPE_U32,
	[CPUWARDEN_A_BUDGET_WINDOW] = MNL_TYPE_U32,
	[CPUWARDEN_A_UID_BUDGET] = MNL_TYPE_U32,
	[CPUWARDEN_A_CAP] = MNL_TYPE_U32,
	[CPUWARDEN_A_ESCALATE] = MNL_TYPE_U32,
	[CPUWARDEN_A_QUIET] = MNL_TYPE_U32,
	[CPUWARDEN_A_HASH] = MNL_TYPE_U32,
	[CPUWARDEN_A_KILL_TREE] = MNL_TYPE_U32,
	[CPUWARDEN_A_WRITABLE] = MNL_TYPE_U32,
	[CPUWARDEN_A_MAPPED] = MNL_TYPE_U32,
	[CPUWARDEN_A_PROBATION] = MNL_TYPE_U32,
	[CPUWARDEN_A_PRIVATE] = MNL_TYPE_U32,
	[CPUWARDEN_A_RANDOMX] = MNL_TYPE_U32,
	[CPUWARDEN_A_UPPER] = MNL_TYPE_U32,
	[CPUWARDEN_A_UNPACKAGED] = MNL_TYPE_U32,
	[CPUWARDEN_A_WATCH] = MNL_TYPE_NUL_STRING,
	[CPUWARDEN_A_SHA256] = MNL_TYPE_BINARY,
	[CPUWARDEN_A_PATH] = MNL_TYPE_NUL_STRING,
	[CPUWARDEN_A_UID] = MNL_TYPE_U32,
	[CPUWARDEN_A_SIZE] = MNL_TYPE_U64,
	[CPUWARDEN_A_PID] = MNL_TYPE_U32,
	[CPUWARDEN_A_PPID] = MNL_TYPE_U32,
	[CPUWARDEN_A_THREADS] = MNL_TYPE_U32,
	[CPUWARDEN_A_COMM] = MNL_TYPE_NUL_STRING,
	[CPUWARDEN_A_EXE] = MNL_TYPE_NUL_STRING,
	[CPUWARDEN_A_ORIGIN] = MNL_TYPE_U32,
	[CPUWARDEN_A_ORIGIN_FLAGS] = MNL_TYPE_U32,
	[CPUWARDEN_A_STATE] = MNL_TYPE_U32,
	[CPUWARDEN_A_CPU_PCT] = MNL_TYPE_U32,
	[CPUWARDEN_A_PROG_CPU_PCT] = MNL_TYPE_U32,
	[CPUWARDEN_A_WINDOW_MS] = MNL_TYPE_U64,
	[CPUWARDEN_A_TRACKED_MS] = MNL_TYPE_U64,
	[CPUWARDEN_A_EVENT] = MNL_TYPE_U32,
	[CPUWARDEN_A_TIME_NS] = MNL_TYPE_U64,
	[CPUWARDEN_A_RULE] = MNL_TYPE_U32,
	[CPUWARDEN_A_LIMIT] = MNL_TYPE_U32,
	[CPUWARDEN_A_FOR_S] = MNL_TYPE_U32,
	[CPUWARDEN_A_UID_CPU_PCT] = MNL_TYPE_U32,
	[CPUWARDEN_A_CHANGE] = MNL_TYPE_NUL_STRING,
	[CPUWARDEN_A_SAMPLES] = MNL_TYPE_U64,
	[CPUWARDEN_A_COUNT] = MNL_TYPE_U64,
};

static int attr_cb(const struct nlattr *attr, void *data)
{
	unsigned int type = mnl_attr_get_type(attr);
	struct cw_attrs *a = data;
	int ret;

	/* Padding, or an attribute of a newer module: not ours to judge. */
	if (type > CPUWARDEN_A_MAX || types[type] == MNL_TYPE_UNSPEC)
		return MNL_CB_OK;
	if (type == CPUWARDEN_A_SHA256)
		ret = mnl_attr_validate2(attr, MNL_TYPE_BINARY, CPUWARDEN_SHA256_LEN);
	else
		ret = mnl_attr_validate(attr, types[type]);
	if (ret < 0) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	a->tb[type] = attr;
	a->has |= CW_HAS_BIT(type);
	return MNL_CB_OK;
}

int cw_attr_parse(const struct nlmsghdr *nlh, struct cw_attrs *a)
{
	memset(a, 0, sizeof(*a));
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), attr_cb, a) != MNL_CB_OK) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

static uint32_t u32(const struct cw_attrs *a, int type)
{
	return a->tb[type] ? mnl_attr_get_u32(a->tb[type]) : 0;
}

static uint64_t u64(const struct cw_attrs *a, int type)
{
	return a->tb[type] ? mnl_attr_get_u64(a->tb[type]) : 0;
}

static const char *str(const struct cw_attrs *a, int type)
{
	return a->tb[type] ? mnl_attr_get_str(a->tb[type]) : NULL;
}

static void sha256(const struct cw_attrs *a, uint8_t sha[CPUWARDEN_SHA256_LEN])
{
	if (a->tb[CPUWARDEN_A_SHA256])
		memcpy(sha, mnl_attr_get_payload(a->tb[CPUWARDEN_A_SHA256]),
		       CPUWARDEN_SHA256_LEN);
}

void cw_attr_get_status(const struct cw_attrs *a, struct cw_status *s)
{
	const char *version = str(a, CPUWARDEN_A_VERSION);

	snprintf(s->version, sizeof(s->version), "%s", version ? version : "?");
	s->locked = u32(a, CPUWARDEN_A_LOCKED);
	s->nr_tracked = u32(a, CPUWARDEN_A_NR_TRACKED);
	s->nr_programs = u32(a, CPUWARDEN_A_NR_PROGRAMS);
	s->nr_throttled = u32(a, CPUWARDEN_A_NR_THROTTLED);
	s->nr_quarantined = u32(a, CPUWARDEN_A_NR_QUARANTINED);
	s->nr_allow = u32(a, CPUWARDEN_A_NR_ALLOW);
	s->nr_trusted = u32(a, CPUWARDEN_A_NR_TRUSTED);
	s->events_lost = u64(a, CPUWARDEN_A_EVENTS_LOST);
	s->track_lost = u64(a, CPUWARDEN_A_TRACK_LOST);
	s->events_limited = u64(a, CPUWARDEN_A_EVENTS_LIMITED);
	s->samples = u64(a, CPUWARDEN_A_SAMPLES);
}

void cw_attr_get_count(const struct cw_attrs *a, struct cw_count *c)
{
	c->event = u32(a, CPUWARDEN_A_EVENT);
	c->origin = u32(a, CPUWARDEN_A_ORIGIN);
	c->rule = u32(a, CPUWARDEN_A_RULE);
	c->n = u64(a, CPUWARDEN_A_COUNT);
}

void cw_attr_get_policy(const struct cw_attrs *a, struct cw_policy *p)
{
	struct cw_errors ignored = {};
	int key;

	memset(p, 0, sizeof(*p));
	for (key = 0; key < CW_NR_KEYS; key++) {
		const struct nlattr *attr = a->tb[cw_keys[key].attr];

		if (!attr)
			continue;
		p->keys |= CW_KEY_BIT(key);
		if (cw_keys[key].type != CW_TYPE_WATCH) {
			p->val[key] = mnl_attr_get_u32(attr);
			continue;
		}
		/* Set through the module parameter, it is as the admin wrote it. */
		if (cw_watch_normalise(p->watch, mnl_attr_get_str(attr), &ignored))
			snprintf(p->watch, sizeof(p->watch), "%s", mnl_attr_get_str(attr));
		cw_errors_free(&ignored);
	}
}

int cw_attr_get_rule(const struct cw_attrs *a, struct cw_rule *r)
{
	memset(r, 0, sizeof(*r));
	if (a->tb[CPUWARDEN_A_SHA256]) {
		r->kind = CW_RULE_SHA256;
		sha256(a, r->sha256);
	} else if (a->tb[CPUWARDEN_A_PATH]) {
		r->kind = CW_RULE_PATH;
		r->path = xstrdup(str(a, CPUWARDEN_A_PATH));
	} else if (a->tb[CPUWARDEN_A_UID]) {
		r->kind = CW_RULE_UID;
		r->uid = u32(a, CPUWARDEN_A_UID);
	} else {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

void cw_attr_get_group(const struct cw_attrs *a, struct cw_group *g)
{
	memset(g, 0, sizeof(*g));
	g->has = a->has;
	g->pid = u32(a, CPUWARDEN_A_PID);
	g->ppid = u32(a, CPUWARDEN_A_PPID);
	g->uid = u32(a, CPUWARDEN_A_UID);
	g->threads = u32(a, CPUWARDEN_A_THREADS);
	g->state = u32(a, CPUWARDEN_A_STATE);
	g->origin = u32(a, CPUWARDEN_A_ORIGIN);
	g->origin_flags = u32(a, CPUWARDEN_A_ORIGIN_FLAGS);
	g->cpu_pct = u32(a, CPUWARDEN_A_CPU_PCT);
	g->prog_cpu_pct = u32(a, CPUWARDEN_A_PROG_CPU_PCT);
	g->budget = u32(a, CPUWARDEN_A_BUDGET);
	g->window_ms = u64(a, CPUWARDEN_A_WINDOW_MS);
	g->tracked_ms = u64(a, CPUWARDEN_A_TRACKED_MS);
	g->comm = str(a, CPUWARDEN_A_COMM);
	g->exe = str(a, CPUWARDEN_A_EXE);
	sha256(a, g->sha256);
}

void cw_attr_get_event(const struct cw_attrs *a, struct cw_event *e)
{
	memset(e, 0, sizeof(*e));
	e->has = a->has;
	e->event = u32(a, CPUWARDEN_A_EVENT);
	e->pid = u32(a, CPUWARDEN_A_PID);
	e->ppid = u32(a, CPUWARDEN_A_PPID);
	e->uid = u32(a, CPUWARDEN_A_UID);
	e->origin = u32(a, CPUWARDEN_A_ORIGIN);
	e->origin_flags = u32(a, CPUWARDEN_A_ORIGIN_FLAGS);
	e->rule = u32(a, CPUWARDEN_A_RULE);
	e->mode = u32(a, CPUWARDEN_A_MODE);
	e->cpu_pct = u32(a, CPUWARDEN_A_CPU_PCT);
	e->limit = u32(a, CPUWARDEN_A_LIMIT);
	e->for_s = u32(a, CPUWARDEN_A_FOR_S);
	e->budget_window = u32(a, CPUWARDEN_A_BUDGET_WINDOW);
	e->uid_cpu_pct = u32(a, CPUWARDEN_A_UID_CPU_PCT);
	e->groups_untold = u32(a, CPUWARDEN_A_GROUPS_UNTOLD);
	e->time_ns = u64(a, CPUWARDEN_A_TIME_NS);
	e->window_ms = u64(a, CPUWARDEN_A_WINDOW_MS);
	e->comm = str(a, CPUWARDEN_A_COMM);
	e->exe = str(a, CPUWARDEN_A_EXE);
	e->change = str(a, CPUWARDEN_A_CHANGE);
	sha256(a, e->sha256);
}

void cw_attr_get_quarantine(const struct cw_attrs *a, struct cw_quarantine *q)
{
	memset(q, 0, sizeof(*q));
	sha256(a, q->sha256);
	q->size = u64(a, CPUWARDEN_A_SIZE);
	q->uid = u32(a, CPUWARDEN_A_UID);
}

void cw_attr_put_policy(struct nlmsghdr *nlh, const struct cw_policy *p)
{
	int key;

	for (key = 0; key < CW_NR_KEYS; key++) {
		if (!(p->keys & CW_KEY_BIT(key)))
			continue;
		if (cw_keys[key].type == CW_TYPE_WATCH)
			mnl_attr_put_strz(nlh, cw_keys[key].attr, p->watch);
		else
			mnl_attr_put_u32(nlh, cw_keys[key].attr, p->val[key]);
	}
}

void cw_attr_put_rule(struct nlmsghdr *nlh, const struct cw_rule *r)
{
	switch (r->kind) {
	case CW_RULE_SHA256:
		mnl_attr_put(nlh, CPUWARDEN_A_SHA256, CPUWARDEN_SHA256_LEN, r->sha256);
		break;
	case CW_RULE_PATH:
		mnl_attr_put_strz(nlh, CPUWARDEN_A_PATH, r->path);
		break;
	case CW_RULE_UID:
		mnl_attr_put_u32(nlh, CPUWARDEN_A_UID, r->uid);
		break;
	}
}
