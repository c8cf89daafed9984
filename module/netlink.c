// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "cpuwarden": the cpuwarden tool reads and
 * changes the policy, the allow rules and the quarantine, lists tracked
 * programs, and follows events.  include/uapi/linux/cpuwarden.h is the
 * contract.
 *
 * The family exists in the initial network namespace only, and every
 * operation and the event group need CAP_SYS_ADMIN as well as
 * CAP_NET_ADMIN in the initial user namespace (lock also CAP_SYS_MODULE):
 * systemd-networkd and host-network pods hold CAP_NET_ADMIN, and events
 * name every user's programs.  The family is parallel_ops, so that
 * genl_mutex, which every other generic netlink family shares, is never
 * held while a path is resolved or RCU is waited for.  A path comes as
 * the sender's descriptor, or is resolved from the dentry cache alone
 * (cw_policy_lookup()): no command waits for a file system (a hung NFS
 * mount) with genl's cb_lock held, which a family that registers would
 * wait for, and every generic netlink message on the host behind it.
 * Operations that change state take the module's parameter lock, once
 * any path in them is resolved, so that netlink and sysfs writers never
 * interleave and a change never slips past a concurrent lock.
 *
 * Events are built and sent only while someone listens, with GFP_ATOMIC
 * and no queue of our own: a listener that does not keep up loses events,
 * and events_lost counts them.  Those that any user causes at exec are
 * rate-limited (the uapi header says how much), and events_limited counts
 * those dropped.
 */

#include <linux/atomic.h>
#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/jiffies.h>
#include <linux/limits.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pid.h>
#include <linux/rculist.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <net/genetlink.h>
#include <uapi/linux/cpuwarden.h>

#include "action.h"
#include "allow.h"
#include "compat/genetlink.h"
#include "netlink.h"
#include "origin.h"
#include "policy.h"
#include "prog.h"
#include "quarantine.h"
#include "sample.h"
#include "throttle.h"
#include "track.h"
#include "trust.h"
#include "version.h"

static struct genl_family family;
static bool registered;
static atomic64_t events_lost = ATOMIC64_INIT(0);
static atomic64_t events_limited = ATOMIC64_INIT(0);

static unsigned long exec_events_window;	/* jiffies / the interval */
static atomic_t exec_events_sent = ATOMIC_INIT(0);

/*
 * Whether an event of an exec may go out: CPUWARDEN_EXEC_EVENTS_BURST in
 * each window of CPUWARDEN_EXEC_EVENTS_INTERVAL_S seconds.  Lockless, for
 * any context, unlike __ratelimit(), which also refuses whenever another
 * CPU holds its lock.  Two CPUs crossing into a window at once may let a
 * few more through.
 */
static bool exec_event_allowed(void)
{
	unsigned long now = jiffies / (CPUWARDEN_EXEC_EVENTS_INTERVAL_S * HZ);
	unsigned long was = READ_ONCE(exec_events_window);

	if (now != was && cmpxchg(&exec_events_window, was, now) == was)
		atomic_set(&exec_events_sent, 0);
	return atomic_inc_return(&exec_events_sent) <=
	       CPUWARDEN_EXEC_EVENTS_BURST;
}

#define uint_range(name) \
static struct netlink_range_validation name##_range = { \
	.min = CPUWARDEN_##name##_MIN, .max = CPUWARDEN_##name##_MAX, \
}

uint_range(THRESHOLD);
uint_range(SUSTAIN);
uint_range(PERIOD_MS);
uint_range(BUDGET);
uint_range(BUDGET_WINDOW);
uint_range(CAP);
uint_range(ESCALATE);
uint_range(QUIET);
uint_range(PROBATION);
uint_range(UID_BUDGET);

#define RANGED(name) NLA_POLICY_FULL_RANGE(NLA_U32, &name##_range)

/* Commands that take no attribute refuse any: strict validation. */
static const struct nla_policy none_policy[CPUWARDEN_A_MAX + 1] = {};

static const struct nla_policy policy_policy[CPUWARDEN_A_MAX + 1] = {
	[CPUWARDEN_A_MODE] = NLA_POLICY_MAX(NLA_U32, CPUWARDEN_MODE_MAX),
	[CPUWARDEN_A_THRESHOLD] = RANGED(THRESHOLD),
	[CPUWARDEN_A_SUSTAIN] = RANGED(SUSTAIN),
	[CPUWARDEN_A_PERIOD_MS] = RANGED(PERIOD_MS),
	[CPUWARDEN_A_BUDGET] = RANGED(BUDGET),
	[CPUWARDEN_A_BUDGET_WINDOW] = RANGED(BUDGET_WINDOW),
	[CPUWARDEN_A_CAP] = RANGED(CAP),
	[CPUWARDEN_A_ESCALATE] = RANGED(ESCALATE),
	[CPUWARDEN_A_QUIET] = RANGED(QUIET),
	[CPUWARDEN_A_PROBATION] = RANGED(PROBATION),
	[CPUWARDEN_A_UID_BUDGET] = RANGED(UID_BUDGET),
	[CPUWARDEN_A_HASH] = NLA_POLICY_MAX(NLA_U32, 1),
	[CPUWARDEN_A_KILL_TREE] = NLA_POLICY_MAX(NLA_U32, 1),
	[CPUWARDEN_A_WRITABLE] = NLA_POLICY_MAX(NLA_U32, 1),
	[CPUWARDEN_A_MAPPED] = NLA_POLICY_MAX(NLA_U32, 1),
	[CPUWARDEN_A_PRIVATE] = NLA_POLICY_MAX(NLA_U32, 1),
	[CPUWARDEN_A_RANDOMX] = NLA_POLICY_MAX(NLA_U32, 1),
	[CPUWARDEN_A_UPPER] = NLA_POLICY_MAX(NLA_U32, 1),
	[CPUWARDEN_A_UNPACKAGED] = NLA_POLICY_MAX(NLA_U32, 1),
	[CPUWARDEN_A_WATCH] = { .type = NLA_NUL_STRING, .len = CPUWARDEN_WATCH_LEN - 1 },
	[CPUWARDEN_A_WATCH_FDS] = { .type = NLA_BINARY,
				    .len = CPUWARDEN_WATCH_MAX * sizeof(u32) },
};

static const struct nla_policy rule_policy[CPUWARDEN_A_MAX + 1] = {
	[CPUWARDEN_A_SHA256] = NLA_POLICY_EXACT_LEN(CPUWARDEN_SHA256_LEN),
	[CPUWARDEN_A_PATH] = { .type = NLA_NUL_STRING, .len = CPUWARDEN_PATH_LEN - 1 },
	[CPUWARDEN_A_PATH_FD] = { .type = NLA_U32 },
	[CPUWARDEN_A_UID] = { .type = NLA_U32 },
};

/* Any number of them, each a whole number of struct cpuwarden_trust_id. */
static const struct nla_policy trust_policy[CPUWARDEN_A_MAX + 1] = {
	[CPUWARDEN_A_TRUST] = { .type = NLA_BINARY },
};

static const struct nla_policy pid_policy[CPUWARDEN_A_MAX + 1] = {
	[CPUWARDEN_A_PID] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* The unsigned knobs, by attribute. */
static const struct {
	u16 attr;
	const char *name;
	unsigned int *val;
} knobs[] = {
	{ CPUWARDEN_A_THRESHOLD, "threshold", &cw_policy.threshold },
	{ CPUWARDEN_A_SUSTAIN, "sustain", &cw_policy.sustain },
	{ CPUWARDEN_A_PERIOD_MS, "period_ms", &cw_policy.period_ms },
	{ CPUWARDEN_A_BUDGET, "budget", &cw_policy.budget },
	{ CPUWARDEN_A_BUDGET_WINDOW, "budget_window", &cw_policy.budget_window },
	{ CPUWARDEN_A_UID_BUDGET, "uid_budget", &cw_policy.uid_budget },
	{ CPUWARDEN_A_CAP, "cap", &cw_policy.cap },
	{ CPUWARDEN_A_ESCALATE, "escalate", &cw_policy.escalate },
	{ CPUWARDEN_A_QUIET, "quiet", &cw_policy.quiet },
	{ CPUWARDEN_A_PROBATION, "probation", &cw_policy.probation },
};

static const struct {
	u16 attr;
	const char *name;
	bool *val;
} flags[] = {
	{ CPUWARDEN_A_HASH, "hash", &cw_policy.hash },
	{ CPUWARDEN_A_KILL_TREE, "kill_tree", &cw_policy.kill_tree },
	{ CPUWARDEN_A_WRITABLE, "writable", &cw_policy.writable },
	{ CPUWARDEN_A_PRIVATE, "private", &cw_policy.private },
	{ CPUWARDEN_A_RANDOMX, "randomx", &cw_policy.randomx },
	{ CPUWARDEN_A_UPPER, "upper", &cw_policy.upper },
	{ CPUWARDEN_A_UNPACKAGED, "unpackaged", &cw_policy.unpackaged },
	{ CPUWARDEN_A_MAPPED, "mapped", &cw_policy.mapped },
};

bool cw_netlink_listening(void)
{
	return READ_ONCE(registered) && genl_has_listeners(&family, &init_net, 0);
}

static void multicast(struct sk_buff *skb, void *hdr, gfp_t gfp)
{
	genlmsg_end(skb, hdr);
	/* -ESRCH: the last listener left meanwhile; nobody missed it. */
	if (genlmsg_multicast(&family, skb, 0, 0, gfp) == -ENOBUFS)
		atomic64_inc(&events_lost);
}

static int put_who(struct sk_buff *skb, struct task_struct *task)
{
	char comm[TASK_COMM_LEN];
	pid_t ppid;

	rcu_read_lock();
	ppid = task_tgid_nr(rcu_dereference(task->real_parent));
	rcu_read_unlock();
	get_task_comm(comm, task);
	if (nla_put_u32(skb, CPUWARDEN_A_PID, task_tgid_nr(task)) ||
	    nla_put_u32(skb, CPUWARDEN_A_PPID, ppid) ||
	    nla_put_u32(skb, CPUWARDEN_A_UID,
			from_kuid_munged(&init_user_ns, task_uid(task))) ||
	    nla_put_string(skb, CPUWARDEN_A_COMM, comm))
		return -EMSGSIZE;
	return 0;
}

static int put_decision(struct sk_buff *skb, const struct cw_decision *d,
			const char *exe)
{
	bool measured = d->rule == CPUWARDEN_RULE_SUSTAINED ||
			d->rule == CPUWARDEN_RULE_BUDGET ||
			d->rule == CPUWARDEN_RULE_UID_BUDGET ||
			d->rule == CPUWARDEN_RULE_ESCALATE;
	bool lasted = d->rule == CPUWARDEN_RULE_SUSTAINED ||
		      d->rule == CPUWARDEN_RULE_ESCALATE ||
		      d->rule == CPUWARDEN_RULE_QUIET ||
		      d->rule == CPUWARDEN_RULE_PROBATION;

	if (nla_put_u32(skb, CPUWARDEN_A_EVENT, d->event) ||
	    nla_put_u64_64bit(skb, CPUWARDEN_A_TIME_NS, ktime_get_real_ns(),
			      CPUWARDEN_A_PAD) ||
	    nla_put_u32(skb, CPUWARDEN_A_UID, d->uid))
		return -EMSGSIZE;
	if (d->untold) {
		if (nla_put_u32(skb, CPUWARDEN_A_GROUPS_UNTOLD, d->untold))
			return -EMSGSIZE;
	} else if (nla_put_u32(skb, CPUWARDEN_A_PID, d->pid) ||
		   nla_put_u32(skb, CPUWARDEN_A_PPID, d->ppid) ||
		   nla_put_string(skb, CPUWARDEN_A_COMM, d->comm)) {
		return -EMSGSIZE;
	}
	if ((exe && nla_put_string(skb, CPUWARDEN_A_EXE, exe)) ||
	    nla_put_u32(skb, CPUWARDEN_A_ORIGIN, d->origin) ||
	    nla_put_u32(skb, CPUWARDEN_A_ORIGIN_FLAGS, d->oflags) ||
	    (d->hashed && nla_put(skb, CPUWARDEN_A_SHA256,
				  CPUWARDEN_SHA256_LEN, d->sha)) ||
	    (d->rule && nla_put_u32(skb, CPUWARDEN_A_RULE, d->rule)))
		return -EMSGSIZE;
	if (d->event == CPUWARDEN_EVENT_THRESHOLD_EXCEEDED ||
	    d->event == CPUWARDEN_EVENT_BUDGET_EXCEEDED ||
	    d->event == CPUWARDEN_EVENT_THROTTLED ||
	    d->event == CPUWARDEN_EVENT_KILLED)
		if (nla_put_u32(skb, CPUWARDEN_A_MODE, d->mode))
			return -EMSGSIZE;
	if (measured &&
	    (nla_put_u32(skb, CPUWARDEN_A_CPU_PCT, d->cpu_pct) ||
	     nla_put_u32(skb, CPUWARDEN_A_LIMIT, d->limit) ||
	     nla_put_u32(skb, CPUWARDEN_A_UID_CPU_PCT, d->uid_pct)))
		return -EMSGSIZE;
	if (lasted && nla_put_u32(skb, CPUWARDEN_A_FOR_S, d->for_s))
		return -EMSGSIZE;
	if ((d->rule == CPUWARDEN_RULE_BUDGET ||
	     d->rule == CPUWARDEN_RULE_UID_BUDGET) &&
	    (nla_put_u64_64bit(skb, CPUWARDEN_A_WINDOW_MS, d->used_ms,
			       CPUWARDEN_A_PAD) ||
	     nla_put_u32(skb, CPUWARDEN_A_BUDGET_WINDOW, d->window_s)))
		return -EMSGSIZE;
	return 0;
}

/* What a decision did, to the "events" group.  Any context. */
void cw_netlink_event(const struct cw_decision *d, const char *exe)
{
	struct sk_buff *skb;
	void *hdr;

	if (!cw_netlink_listening())
		return;
	if ((d->event == CPUWARDEN_EVENT_TRACKED ||
	     d->event == CPUWARDEN_EVENT_DENIED ||
	     d->event == CPUWARDEN_EVENT_SPARED) &&
	    !exec_event_allowed()) {
		atomic64_inc(&events_limited);
		return;
	}
	skb = genlmsg_new(512 + (exe ? strlen(exe) : 0), GFP_ATOMIC | __GFP_NOWARN);
	if (!skb)
		goto lost;
	hdr = genlmsg_put(skb, 0, 0, &family, 0, CPUWARDEN_CMD_EVENT);
	if (!hdr || put_decision(skb, d, exe)) {
		nlmsg_free(skb);
		goto lost;
	}
	multicast(skb, hdr, GFP_ATOMIC);
	return;
lost:
	atomic64_inc(&events_lost);
}

/* An administrator (current) changed something: say who and what. */
void cw_netlink_changed(const char *fmt, ...)
{
	struct sk_buff *skb;
	va_list args;
	char *change;
	void *hdr;

	if (!cw_netlink_listening())
		return;
	va_start(args, fmt);
	change = kvasprintf(GFP_KERNEL, fmt, args);
	va_end(args);
	skb = genlmsg_new(256 + (change ? strlen(change) : 0), GFP_KERNEL);
	if (!change || !skb)
		goto lost;
	hdr = genlmsg_put(skb, 0, 0, &family, 0, CPUWARDEN_CMD_EVENT);
	if (!hdr ||
	    nla_put_u32(skb, CPUWARDEN_A_EVENT, CPUWARDEN_EVENT_POLICY_CHANGED) ||
	    nla_put_u64_64bit(skb, CPUWARDEN_A_TIME_NS, ktime_get_real_ns(),
			      CPUWARDEN_A_PAD) ||
	    put_who(skb, current) ||
	    nla_put_string(skb, CPUWARDEN_A_CHANGE, strim(change)))
		goto lost;
	multicast(skb, hdr, GFP_KERNEL);
	kfree(change);
	return;
lost:
	nlmsg_free(skb);
	kfree(change);
	atomic64_inc(&events_lost);
}

static int refuse_if_locked(struct genl_info *info)
{
	int ret = cw_policy_refused();

	if (ret == -EPERM)
		GENL_SET_ERR_MSG(info, "cpuwarden is locked until reboot");
	else if (ret)
		GENL_SET_ERR_MSG(info, "cpuwarden is being unloaded");
	return ret;
}

/*
 * @skb's sender and the opener of its socket hold CAP_SYS_ADMIN, initially.
 * A missing capability is EACCES, with a message; EPERM with a message is
 * the module refusing a change (locked, a path rule anyone could swap).
 */
static int admin(const struct sk_buff *skb, struct netlink_ext_ack *extack)
{
	if (netlink_capable(skb, CAP_SYS_ADMIN))
		return 0;
	NL_SET_ERR_MSG(extack, "CAP_SYS_ADMIN in the initial user namespace is needed");
	return -EACCES;
}

/* GENL_ADMIN_PERM has checked CAP_NET_ADMIN; this, CAP_SYS_ADMIN. */
static int pre_doit(const struct cw_genl_doit_ops *ops, struct sk_buff *skb,
		    struct genl_info *info)
{
	return admin(skb, info->extack);
}

/*
 * Parts of a dump are at least this large, so that every entry fits one:
 * the longest is an allow rule or a tracked program with a path of
 * CPUWARDEN_PATH_LEN bytes.
 */
#define CW_DUMP_ALLOC (CPUWARDEN_PATH_LEN + 1024)

static int dump_start(struct netlink_callback *cb)
{
	cb->min_dump_alloc = CW_DUMP_ALLOC;
	return admin(cb->skb, cb->extack);
}

/* A reply to @info with the attributes @fill puts. */
static int reply(struct genl_info *info, int (*fill)(struct sk_buff *skb))
{
	struct sk_buff *skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	void *hdr;
	int ret;

	if (!skb)
		return -ENOMEM;
	hdr = genlmsg_put_reply(skb, info, &family, 0, info->genlhdr->cmd);
	ret = hdr ? fill(skb) : -EMSGSIZE;
	if (ret) {
		nlmsg_free(skb);
		return ret;
	}
	genlmsg_end(skb, hdr);
	return genlmsg_reply(skb, info);
}

static int fill_status(struct sk_buff *skb)
{
	if (nla_put_string(skb, CPUWARDEN_A_VERSION, CW_VERSION) ||
	    nla_put_u32(skb, CPUWARDEN_A_LOCKED, cw_policy_locked()) ||
	    nla_put_u32(skb, CPUWARDEN_A_NR_TRACKED, atomic_read(&cw_track_nr)) ||
	    nla_put_u32(skb, CPUWARDEN_A_NR_PROGRAMS, cw_prog_count()) ||
	    nla_put_u32(skb, CPUWARDEN_A_NR_THROTTLED, cw_throttle_count()) ||
	    nla_put_u32(skb, CPUWARDEN_A_NR_QUARANTINED, cw_quarantine_count()) ||
	    nla_put_u32(skb, CPUWARDEN_A_NR_ALLOW, cw_allow_count()) ||
	    nla_put_u32(skb, CPUWARDEN_A_NR_TRUSTED, cw_trust_count()) ||
	    nla_put_u64_64bit(skb, CPUWARDEN_A_EVENTS_LOST,
			      atomic64_read(&events_lost), CPUWARDEN_A_PAD) ||
	    nla_put_u64_64bit(skb, CPUWARDEN_A_TRACK_LOST,
			      atomic_long_read(&cw_track_lost), CPUWARDEN_A_PAD) ||
	    nla_put_u64_64bit(skb, CPUWARDEN_A_EVENTS_LIMITED,
			      atomic64_read(&events_limited), CPUWARDEN_A_PAD) ||
	    nla_put_u64_64bit(skb, CPUWARDEN_A_SAMPLES, cw_sample_count(),
			      CPUWARDEN_A_PAD))
		return -EMSGSIZE;
	return 0;
}

static int get_status(struct sk_buff *skb, struct genl_info *info)
{
	return reply(info, fill_status);
}

static int fill_policy(struct sk_buff *skb)
{
	char *watch = kmalloc(CPUWARDEN_WATCH_LEN, GFP_KERNEL);
	unsigned int i;
	int ret = -ENOMEM;

	if (!watch)
		return ret;
	cw_origin_watch_get(watch, CPUWARDEN_WATCH_LEN);
	ret = -EMSGSIZE;
	if (nla_put_u32(skb, CPUWARDEN_A_MODE, cw_policy_get(mode)) ||
	    nla_put_string(skb, CPUWARDEN_A_WATCH, watch))
		goto out;
	for (i = 0; i < ARRAY_SIZE(knobs); i++)
		if (nla_put_u32(skb, knobs[i].attr, READ_ONCE(*knobs[i].val)))
			goto out;
	for (i = 0; i < ARRAY_SIZE(flags); i++)
		if (nla_put_u32(skb, flags[i].attr, READ_ONCE(*flags[i].val)))
			goto out;
	ret = 0;
out:
	kfree(watch);
	return ret;
}

static int get_policy(struct sk_buff *skb, struct genl_info *info)
{
	return reply(info, fill_policy);
}

static void watch_error(struct genl_info *info, int err)
{
	const struct nlattr *attr = info->attrs[CPUWARDEN_A_WATCH];
	struct netlink_ext_ack *extack = info->extack;

	switch (err) {
	case -ENOENT:
		NL_SET_ERR_MSG_ATTR(extack, attr, "a watched directory does not exist");
		break;
	case -ENOTDIR:
		NL_SET_ERR_MSG_ATTR(extack, attr, "a watched path is not a directory");
		break;
	case -E2BIG:
		NL_SET_ERR_MSG_ATTR(extack, attr, "too many watched directories");
		break;
	case -EAGAIN:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "a watched directory is not in the dentry cache: pass descriptors");
		break;
	case -ERANGE:
		NL_SET_ERR_MSG_ATTR(extack, info->attrs[CPUWARDEN_A_WATCH_FDS],
				    "not one descriptor per watched directory");
		break;
	case -EBADF:
		NL_SET_ERR_MSG_ATTR(extack, info->attrs[CPUWARDEN_A_WATCH_FDS],
				    "a watched directory's descriptor is not open");
		break;
	case -EINVAL:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "not a comma-separated list of absolute directories");
		break;
	default:
		NL_SET_ERR_MSG_ATTR(extack, attr, "cannot resolve a watched directory");
		break;
	}
}

/*
 * Hold the module while a path of @info's command is resolved, with no
 * lock held: then an rmmod fails at once instead of waiting for a lookup
 * on a dead NFS or FUSE server in genl_unregister_family(), where every
 * generic netlink family's messages would queue up behind it.
 */
static int hold_module(struct genl_info *info)
{
	if (try_module_get(THIS_MODULE))
		return 0;
	GENL_SET_ERR_MSG(info, "cpuwarden is being unloaded");
	return -ENODEV;
}

/*
 * Every value was checked by the policy; only the watch list can still
 * fail, so it is resolved first, and then nothing else can.  It is
 * resolved before the parameter lock (hold_module()), from the sender's
 * descriptors or the dentry cache: nothing waits for a file system.
 */
static int set_policy(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	size_t size = CPUWARDEN_WATCH_LEN + 256;
	struct cw_watch *watch = NULL;
	const struct nlattr *fds;
	char *change;
	unsigned int i;
	int ret, len = 0;

	ret = refuse_if_locked(info);
	if (ret)
		return ret;
	if (a[CPUWARDEN_A_WATCH_FDS] && (!a[CPUWARDEN_A_WATCH] ||
					 nla_len(a[CPUWARDEN_A_WATCH_FDS]) % sizeof(u32))) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[CPUWARDEN_A_WATCH_FDS],
				    "descriptors are u32s, one per watched directory");
		return -EINVAL;
	}
	if (a[CPUWARDEN_A_WATCH]) {
		ret = hold_module(info);
		if (ret)
			return ret;
		fds = a[CPUWARDEN_A_WATCH_FDS];
		watch = cw_origin_watch_resolve(nla_data(a[CPUWARDEN_A_WATCH]),
						fds ? nla_data(fds) : NULL,
						fds ? nla_len(fds) / sizeof(u32) : 0,
						&ret);
		module_put(THIS_MODULE);
		if (!watch) {
			watch_error(info, ret);
			return ret;
		}
	}
	change = kmalloc(size, GFP_KERNEL);
	if (!change) {
		cw_origin_watch_free(watch);
		return -ENOMEM;
	}
	kernel_param_lock(THIS_MODULE);
	/* Again: a lock or unload may have come while the paths resolved. */
	ret = refuse_if_locked(info);
	if (ret)
		goto out;
	if (watch) {
		/* As descriptors said it, which may differ from the string. */
		len += scnprintf(change + len, size - len, " watch=%s",
				 cw_origin_watch_spec(watch));
		cw_origin_watch_install(watch);
		watch = NULL;
	}
	if (a[CPUWARDEN_A_MODE]) {
		i = nla_get_u32(a[CPUWARDEN_A_MODE]);
		WRITE_ONCE(cw_policy.mode, i);
		len += scnprintf(change + len, size - len, " mode=%s",
				 cw_policy_mode_name(i));
	}
	for (i = 0; i < ARRAY_SIZE(knobs); i++) {
		if (!a[knobs[i].attr])
			continue;
		WRITE_ONCE(*knobs[i].val, nla_get_u32(a[knobs[i].attr]));
		len += scnprintf(change + len, size - len, " %s=%u",
				 knobs[i].name, nla_get_u32(a[knobs[i].attr]));
	}
	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		if (!a[flags[i].attr])
			continue;
		WRITE_ONCE(*flags[i].val, nla_get_u32(a[flags[i].attr]));
		len += scnprintf(change + len, size - len, " %s=%u",
				 flags[i].name, nla_get_u32(a[flags[i].attr]));
	}
	if (!len) {
		GENL_SET_ERR_MSG(info, "no policy attribute to set");
		ret = -EINVAL;
		goto out;
	}
	cw_sample_policy_changed();
	cw_netlink_changed("%s", change);
out:
	kernel_param_unlock(THIS_MODULE);
	cw_origin_watch_free(watch);
	kfree(change);
	return ret;
}

/* The one rule attribute of @info into @rule; the path is not copied. */
static int get_rule(struct genl_info *info, struct cw_allow_rule *rule)
{
	struct nlattr **a = info->attrs;

	if (!!a[CPUWARDEN_A_SHA256] + !!a[CPUWARDEN_A_PATH] + !!a[CPUWARDEN_A_UID] != 1) {
		GENL_SET_ERR_MSG(info, "exactly one of sha256, path and uid is needed");
		return -EINVAL;
	}
	memset(rule, 0, sizeof(*rule));
	if (a[CPUWARDEN_A_SHA256]) {
		rule->kind = CW_ALLOW_SHA;
		nla_memcpy(rule->sha, a[CPUWARDEN_A_SHA256], CPUWARDEN_SHA256_LEN);
	} else if (a[CPUWARDEN_A_UID]) {
		rule->kind = CW_ALLOW_UID;
		rule->uid = make_kuid(&init_user_ns, nla_get_u32(a[CPUWARDEN_A_UID]));
		if (!uid_valid(rule->uid)) {
			NL_SET_ERR_MSG_ATTR(info->extack, a[CPUWARDEN_A_UID],
					    "not a valid uid");
			return -EINVAL;
		}
	} else {
		rule->kind = CW_ALLOW_PATH;
		rule->path = nla_data(a[CPUWARDEN_A_PATH]);
		if (a[CPUWARDEN_A_PATH_FD]) {
			rule->by_fd = true;
			rule->fd = nla_get_u32(a[CPUWARDEN_A_PATH_FD]);
		}
	}
	if (a[CPUWARDEN_A_PATH_FD] && !a[CPUWARDEN_A_PATH]) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[CPUWARDEN_A_PATH_FD],
				    "a descriptor without its path");
		return -EINVAL;
	}
	return 0;
}

static void rule_error(struct genl_info *info, int err, bool add)
{
	switch (err) {
	case -EEXIST:
		GENL_SET_ERR_MSG(info, "the rule is there already");
		break;
	case -E2BIG:
		GENL_SET_ERR_MSG(info, "too many allow rules");
		break;
	case -ENOENT:
		if (add)
			GENL_SET_ERR_MSG(info, "no such file");
		else
			GENL_SET_ERR_MSG(info, "no such rule");
		break;
	case -EINVAL:
		GENL_SET_ERR_MSG(info, "not an absolute path to a regular file");
		break;
	case -EPERM:
		GENL_SET_ERR_MSG(info,
				 "the file and the directories above it must be root's and not group or world writable");
		break;
	case -EAGAIN:
		GENL_SET_ERR_MSG(info,
				 "the path is not in the dentry cache: pass a descriptor");
		break;
	case -EBADF:
		GENL_SET_ERR_MSG(info, "the path's descriptor is not open");
		break;
	case -ENOMEM:
		break;
	default:
		GENL_SET_ERR_MSG(info, "cannot resolve the path");
		break;
	}
}

/* A path is resolved before any lock, as the watch list in set_policy(). */
static int allow_change(struct genl_info *info, bool add)
{
	struct cw_allow_rule rule, r;
	int ret, refused = 0;
	char *text;

	ret = get_rule(info, &rule);
	if (ret)
		return ret;
	ret = refuse_if_locked(info);
	if (ret)
		return ret;
	text = kmalloc(CPUWARDEN_PATH_LEN + 8, GFP_KERNEL);
	if (!text)
		return -ENOMEM;
	ret = hold_module(info);
	if (ret) {
		kfree(text);
		return ret;
	}
	ret = cw_allow_resolve(&rule, &r, add);
	module_put(THIS_MODULE);
	if (!ret) {
		kernel_param_lock(THIS_MODULE);
		/* Again: a lock or unload may have come meanwhile. */
		refused = refuse_if_locked(info);
		ret = refused ?: cw_allow_update(&r, add);
		kernel_param_unlock(THIS_MODULE);
	}
	cw_allow_release(&r);
	if (!ret) {
		cw_allow_format(&rule, text, CPUWARDEN_PATH_LEN + 8);
		cw_netlink_changed("allow %s %s", add ? "add" : "del", text);
	} else if (!refused) {
		rule_error(info, ret, add);
	}
	kfree(text);
	return ret;
}

static int allow_add(struct sk_buff *skb, struct genl_info *info)
{
	return allow_change(info, true);
}

static int allow_del(struct sk_buff *skb, struct genl_info *info)
{
	return allow_change(info, false);
}

static void *dump_put(struct sk_buff *skb, struct netlink_callback *cb, u8 cmd)
{
	return genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			   &family, NLM_F_MULTI, cmd);
}

/*
 * What a dump callback returns: the length of what it put, or, when not
 * even the first entry fitted an empty buffer, -EMSGSIZE rather than an
 * end that looks like a complete, shorter list.
 */
static int dump_end(struct sk_buff *skb, bool more)
{
	return more && !skb->len ? -EMSGSIZE : skb->len;
}

/* cb->args[0]: the index of the next entry to put. */
static int allow_list(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct cw_allow_rule *r;
	bool more = false;
	unsigned int i;
	void *hdr;
	int ret;

	rcu_read_lock();
	for (i = cb->args[0]; (r = cw_allow_nth(i)); i++) {
		hdr = dump_put(skb, cb, CPUWARDEN_CMD_ALLOW_LIST);
		if (!hdr)
			break;
		if (r->kind == CW_ALLOW_SHA)
			ret = nla_put(skb, CPUWARDEN_A_SHA256, CPUWARDEN_SHA256_LEN, r->sha);
		else if (r->kind == CW_ALLOW_UID)
			ret = nla_put_u32(skb, CPUWARDEN_A_UID,
					  from_kuid_munged(&init_user_ns, r->uid));
		else
			ret = nla_put_string(skb, CPUWARDEN_A_PATH, r->path);
		if (ret) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	more = r;
	rcu_read_unlock();
	cb->args[0] = i;
	return dump_end(skb, more);
}

static int quarantine_list(struct sk_buff *skb, struct netlink_callback *cb)
{
	u8 sha[CPUWARDEN_SHA256_LEN];
	bool more = false;
	unsigned int i;
	loff_t size;
	kuid_t uid;
	void *hdr;

	for (i = cb->args[0]; cw_quarantine_nth(i, sha, &size, &uid); i++) {
		more = true;
		hdr = dump_put(skb, cb, CPUWARDEN_CMD_QUARANTINE_LIST);
		if (!hdr)
			break;
		if (nla_put(skb, CPUWARDEN_A_SHA256, CPUWARDEN_SHA256_LEN, sha) ||
		    nla_put_u64_64bit(skb, CPUWARDEN_A_SIZE, size, CPUWARDEN_A_PAD) ||
		    nla_put_u32(skb, CPUWARDEN_A_UID,
				from_kuid_munged(&init_user_ns, uid))) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		more = false;
	}
	cb->args[0] = i;
	return dump_end(skb, more);
}

/* cb->args[0]: the index of the next count, as cw_action_count() has it. */
static int counts(struct sk_buff *skb, struct netlink_callback *cb)
{
	unsigned int i, event, origin, rule;
	bool more = false;
	void *hdr;
	u64 n;

	for (i = cb->args[0]; cw_action_count(i, &event, &origin, &rule, &n); i++) {
		if (!n)
			continue;
		more = true;
		hdr = dump_put(skb, cb, CPUWARDEN_CMD_COUNTS);
		if (!hdr)
			break;
		if (nla_put_u32(skb, CPUWARDEN_A_EVENT, event) ||
		    nla_put_u32(skb, CPUWARDEN_A_ORIGIN, origin) ||
		    nla_put_u32(skb, CPUWARDEN_A_RULE, rule) ||
		    nla_put_u64_64bit(skb, CPUWARDEN_A_COUNT, n, CPUWARDEN_A_PAD)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		more = false;
	}
	cb->args[0] = i;
	return dump_end(skb, more);
}

static int quarantine_clear(struct sk_buff *skb, struct genl_info *info)
{
	int ret;

	kernel_param_lock(THIS_MODULE);
	ret = refuse_if_locked(info);
	if (!ret)
		cw_quarantine_clear();
	kernel_param_unlock(THIS_MODULE);
	if (!ret)
		cw_netlink_changed("quarantine clear");
	return ret;
}

/*
 * The packaged files, all of them, in any number of A_TRUST attributes
 * (each holds at most 64 KiB): the set is built whole, then replaces
 * the one in place, or nothing changes.
 */
static int trust_set(struct sk_buff *skb, struct genl_info *info)
{
	struct cpuwarden_trust_id id;
	const struct nlattr *nla;
	struct cw_trust *t;
	size_t nr = 0;
	int rem, ret;

	nla_for_each_attr(nla, genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr), rem) {
		if (nla_len(nla) % sizeof(id)) {
			NL_SET_ERR_MSG_ATTR(info->extack, nla,
					    "not a whole number of struct cpuwarden_trust_id");
			return -EINVAL;
		}
		nr += nla_len(nla) / sizeof(id);
	}
	if (nr > CPUWARDEN_TRUST_MAX) {
		GENL_SET_ERR_MSG(info, "more than CPUWARDEN_TRUST_MAX packaged files");
		return -E2BIG;
	}
	t = cw_trust_new(nr);
	if (!t) {
		GENL_SET_ERR_MSG(info, "no memory for the packaged files; the set in place stays");
		return -ENOMEM;
	}
	nla_for_each_attr(nla, genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr), rem) {
		const char *p = nla_data(nla), *end = p + nla_len(nla);

		for (; p < end; p += sizeof(id)) {
			memcpy(&id, p, sizeof(id));	/* nla_data() is 4-aligned */
			if (cw_trust_put(t, &id)) {
				NL_SET_ERR_MSG_ATTR(info->extack, nla,
						    "a packaged file's ctime_nsec, dev or reserved out of range");
				cw_trust_free(t);
				return -EINVAL;
			}
		}
	}
	ret = cw_trust_prepare(t);
	if (ret) {
		GENL_SET_ERR_MSG(info, "packaged files on too many file systems");
		cw_trust_free(t);
		return ret;
	}
	kernel_param_lock(THIS_MODULE);
	ret = refuse_if_locked(info);
	if (!ret) {
		cw_trust_install(t);
		nr = cw_trust_count();
	}
	kernel_param_unlock(THIS_MODULE);
	if (ret) {
		cw_trust_free(t);
		return ret;
	}
	cw_netlink_changed("trust set %zu", nr);
	return 0;
}

static unsigned int state_of(const struct cw_track *rec)
{
	const struct cw_prog *prog = rec->prog;
	u8 state = prog ? READ_ONCE(prog->state) : CW_PROG_NORMAL;

	if (test_bit(CW_TRACK_EXEMPT, &rec->flags))
		return CPUWARDEN_STATE_RELEASED;
	if (test_bit(CW_TRACK_HELD, &rec->flags))
		return CPUWARDEN_STATE_THROTTLED;
	if (state == CW_PROG_KILLED)
		return CPUWARDEN_STATE_KILLED;
	if (state == CW_PROG_REPORTED || test_bit(CW_TRACK_REPORTED, &rec->flags))
		return CPUWARDEN_STATE_ABNORMAL;
	return CPUWARDEN_STATE_TRACKED;
}

/* One tracked group; under RCU.  @buf holds PATH_MAX bytes. */
static int put_group(struct sk_buff *skb, const struct cw_track *rec,
		     struct task_struct *leader, char *buf)
{
	const struct cw_prog *prog = rec->prog;
	char comm[TASK_COMM_LEN];
	const char *exe;

	exe = rec->exe ? d_path(&rec->exe->f_path, buf, PATH_MAX) : ERR_PTR(-ENOENT);
	get_task_comm(comm, leader);
	if (nla_put_u32(skb, CPUWARDEN_A_PID, pid_nr(rec->tgid)) ||
	    nla_put_u32(skb, CPUWARDEN_A_PPID,
			task_tgid_nr(rcu_dereference(leader->real_parent))) ||
	    nla_put_u32(skb, CPUWARDEN_A_UID,
			from_kuid_munged(&init_user_ns, task_uid(leader))) ||
	    nla_put_u32(skb, CPUWARDEN_A_THREADS, get_nr_threads(leader)) ||
	    nla_put_string(skb, CPUWARDEN_A_COMM, comm) ||
	    (!IS_ERR(exe) && nla_put_string(skb, CPUWARDEN_A_EXE, exe)) ||
	    nla_put_u32(skb, CPUWARDEN_A_ORIGIN, rec->origin) ||
	    nla_put_u32(skb, CPUWARDEN_A_ORIGIN_FLAGS, rec->oflags) ||
	    nla_put_u32(skb, CPUWARDEN_A_STATE, state_of(rec)) ||
	    nla_put_u32(skb, CPUWARDEN_A_CPU_PCT, READ_ONCE(rec->pct)) ||
	    nla_put_u32(skb, CPUWARDEN_A_BUDGET, cw_policy_get(budget)) ||
	    nla_put_u64_64bit(skb, CPUWARDEN_A_TRACKED_MS,
			      div_u64(ktime_get_ns() - rec->start_ns, NSEC_PER_MSEC),
			      CPUWARDEN_A_PAD))
		return -EMSGSIZE;
	if (prog &&
	    ((prog->hashed &&
	      nla_put(skb, CPUWARDEN_A_SHA256, CPUWARDEN_SHA256_LEN, prog->sha)) ||
	     nla_put_u32(skb, CPUWARDEN_A_PROG_CPU_PCT, READ_ONCE(prog->pct)) ||
	     nla_put_u64_64bit(skb, CPUWARDEN_A_WINDOW_MS,
			       READ_ONCE(prog->window.used_ms), CPUWARDEN_A_PAD)))
		return -EMSGSIZE;
	return 0;
}

/*
 * cb->args[0]: live records put so far, in list order.  A record that
 * comes or goes between two parts of the dump may be missed or told
 * twice: the part after it carries NLM_F_DUMP_INTR.
 */
static int ps(struct sk_buff *skb, struct netlink_callback *cb)
{
	char *buf = kmalloc(PATH_MAX, GFP_KERNEL);
	struct task_struct *leader;
	struct cw_track *rec;
	unsigned long n = 0;
	bool more = false;
	void *hdr;

	if (!buf)
		return -ENOMEM;
	cb->seq = atomic_read(&cw_track_gen);
	rcu_read_lock();
	list_for_each_entry_rcu(rec, &cw_track_list, lnode) {
		leader = pid_task(rec->tgid, PIDTYPE_TGID);
		if (test_bit(CW_TRACK_DEAD, &rec->flags) || !leader)
			continue;
		if (n++ < cb->args[0])
			continue;
		more = true;
		hdr = dump_put(skb, cb, CPUWARDEN_CMD_PS);
		if (!hdr)
			break;
		genl_dump_check_consistent(cb, hdr);
		if (put_group(skb, rec, leader, buf)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = n;
		more = false;
	}
	rcu_read_unlock();
	kfree(buf);
	return dump_end(skb, more);
}

static int release_pid(struct sk_buff *skb, struct genl_info *info)
{
	u32 pid;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, CPUWARDEN_A_PID)) {
		GENL_SET_ERR_MSG(info, "the PID to release is missing");
		return -EINVAL;
	}
	pid = nla_get_u32(info->attrs[CPUWARDEN_A_PID]);
	kernel_param_lock(THIS_MODULE);
	ret = refuse_if_locked(info);
	if (!ret)
		ret = pid > PID_MAX_LIMIT ? -ESRCH : cw_throttle_release_pid(pid);
	kernel_param_unlock(THIS_MODULE);
	if (ret == -ESRCH)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[CPUWARDEN_A_PID],
				    "no tracked program has this PID");
	if (!ret)
		cw_netlink_changed("release pid=%u", pid);
	return ret;
}

/* Until reboot: the reference is never dropped, so rmmod fails. */
static int lock_module(struct sk_buff *skb, struct genl_info *info)
{
	bool was;

	if (!netlink_capable(skb, CAP_SYS_MODULE)) {
		GENL_SET_ERR_MSG(info, "locking pins the module: CAP_SYS_MODULE is needed too");
		return -EACCES;
	}
	kernel_param_lock(THIS_MODULE);
	if (READ_ONCE(cw_stopping)) {
		kernel_param_unlock(THIS_MODULE);
		GENL_SET_ERR_MSG(info, "cpuwarden is being unloaded");
		return -ENODEV;
	}
	was = cw_policy_locked();
	/*
	 * dpkg's hooks load the packaged files anew around every package
	 * change; locked, they could not, and the programs an upgrade runs
	 * (its maintainer scripts, a DKMS build) would be unpackaged.
	 */
	if (!was && cw_policy_get(unpackaged)) {
		kernel_param_unlock(THIS_MODULE);
		GENL_SET_ERR_MSG(info, "unpackaged is on: locked, it could not follow dpkg");
		return -EINVAL;
	}
	if (!was) {
		__module_get(THIS_MODULE);
		WRITE_ONCE(cw_locked, true);
	}
	kernel_param_unlock(THIS_MODULE);
	if (!was)
		cw_netlink_changed("lock");
	return 0;
}

#define DOIT(c, fn, pol) {						\
	.cmd = CPUWARDEN_CMD_##c, .doit = fn, .policy = pol,		\
	.maxattr = CPUWARDEN_A_MAX, .flags = GENL_ADMIN_PERM,		\
}

#define DUMPIT(c, fn) {							\
	.cmd = CPUWARDEN_CMD_##c, .start = dump_start, .dumpit = fn,	\
	.policy = none_policy, .maxattr = CPUWARDEN_A_MAX,		\
	.flags = GENL_ADMIN_PERM,					\
}

static const struct genl_ops ops[] = {
	DOIT(GET_STATUS, get_status, none_policy),
	DOIT(GET_POLICY, get_policy, none_policy),
	DOIT(SET_POLICY, set_policy, policy_policy),
	DOIT(ALLOW_ADD, allow_add, rule_policy),
	DOIT(ALLOW_DEL, allow_del, rule_policy),
	DUMPIT(ALLOW_LIST, allow_list),
	DUMPIT(QUARANTINE_LIST, quarantine_list),
	DOIT(QUARANTINE_CLEAR, quarantine_clear, none_policy),
	DUMPIT(PS, ps),
	DOIT(RELEASE, release_pid, pid_policy),
	DOIT(LOCK, lock_module, none_policy),
	DOIT(TRUST_SET, trust_set, trust_policy),
	DUMPIT(COUNTS, counts),
};

static const struct genl_multicast_group mcgrps[] = {
	{
		.name = CPUWARDEN_GENL_MCGRP_EVENTS,
		.flags = GENL_MCAST_CAP_NET_ADMIN | GENL_MCAST_CAP_SYS_ADMIN,
	},
};

static struct genl_family family __ro_after_init = {
	.name = CPUWARDEN_GENL_NAME,
	.version = CPUWARDEN_GENL_VERSION,
	.module = THIS_MODULE,
	.parallel_ops = true,
	.pre_doit = pre_doit,
	.ops = ops,
	.n_ops = ARRAY_SIZE(ops),
	.mcgrps = mcgrps,
	.n_mcgrps = ARRAY_SIZE(mcgrps),
};

int __init cw_netlink_init(void)
{
	int ret = genl_register_family(&family);

	if (!ret)
		WRITE_ONCE(registered, true);
	return ret;
}

void cw_netlink_exit(void)
{
	WRITE_ONCE(registered, false);
	genl_unregister_family(&family);
}

MODULE_ALIAS_GENL_FAMILY(CPUWARDEN_GENL_NAME);
