// SPDX-License-Identifier: GPL-2.0
/*
 * What cpuwarden does about an abnormal program, by policy: report it,
 * throttle it or kill it.  Every decision is one struct cw_decision and
 * one key=value log line per thread group it touches, naming pid, uid,
 * comm, the program's path, why it is tracked, the measured figure and
 * the rule that fired: up to CPUWARDEN_GROUPS_TOLD groups, and one line
 * more that counts the others (struct tell).
 *
 * Tracking lines and decision lines are rate-limited separately, so a
 * flood of short-lived /tmp programs cannot hide a kill.  A decision is
 * taken whatever the rate limit lets through, and every one goes to the
 * netlink event listeners, if any.
 */

#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/limits.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/ratelimit.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uidgid.h>

#include "action.h"
#include "fault.h"
#include "hash.h"
#include "netlink.h"
#include "origin.h"
#include "policy.h"
#include "probation.h"
#include "prog.h"
#include "quarantine.h"
#include "sample.h"
#include "throttle.h"
#include "track.h"

/*
 * Log lines are limited quietly: without the flag, ___ratelimit() prints
 * a warning after every burst, and a user's execs would make the kernel
 * warn.  Events, limited far less (netlink.c), carry what they leave out.
 */
static struct ratelimit_state tracked_rs =
	RATELIMIT_STATE_INIT_FLAGS(tracked_rs, 5 * HZ, 10,
				   RATELIMIT_MSG_ON_RELEASE);
/* Denied and spared execs: a user's loop must not use up decision_rs. */
static struct ratelimit_state exec_rs =
	RATELIMIT_STATE_INIT_FLAGS(exec_rs, 5 * HZ, 10,
				   RATELIMIT_MSG_ON_RELEASE);
static struct ratelimit_state decision_rs =
	RATELIMIT_STATE_INIT_FLAGS(decision_rs, 5 * HZ, 40,
				   RATELIMIT_MSG_ON_RELEASE);

/*
 * A kill is decided under RCU in the sampler and carried out after it,
 * by cw_action_flush(): the decision marks each group to kill
 * (CW_TRACK_KILL) and queues its program here, so that the content is
 * quarantined before the kill and a relaunch that the dying program's
 * parent starts at once already finds it refused.  Nothing bounds how
 * many are killed at once.  Written by the sampler only.
 */
static LIST_HEAD(to_quarantine);	/* by cw_prog.qnode, referenced */
static bool kills_due;
static atomic_t kills_forked;		/* cw_action_kill_forked() marked one */
static u64 kill_round = 1;		/* of the next flush; cw_prog.kill_round */

/*
 * Content that was not hashed at exec (found running at load, or after
 * its file was deleted) is hashed after the kill by a thread of its own,
 * never by the sampler: a read that hangs on FUSE or NFS then stalls only
 * that thread.  It holds a reference on the module while it runs, so an
 * rmmod meanwhile fails at once rather than waiting for the file system.
 */
static LIST_HEAD(to_hash);		/* by cw_prog.qnode, referenced */
static DEFINE_SPINLOCK(to_hash_lock);
static bool hasher_running;

/*
 * @src as a quoted value of a log line: '"' and '\\' escaped with a
 * backslash, and every byte outside printable ASCII as \xNN, so that a
 * name an attacker chose (quotes, newlines, control bytes, anything not
 * UTF-8) can neither end the line nor forge a key.  Cut to fit @len.
 */
#define CW_ESCAPED_MAX(n) (4 * (n) + 1)

static void escape(char *dst, size_t len, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t n = 0;

	for (; *s && n + 4 < len; s++) {
		if (*s == '"' || *s == '\\') {
			dst[n++] = '\\';
			dst[n++] = *s;
		} else if (*s < 0x20 || *s >= 0x7f) {
			dst[n++] = '\\';
			dst[n++] = 'x';
			dst[n++] = hex_asc_hi(*s);
			dst[n++] = hex_asc_lo(*s);
		} else {
			dst[n++] = *s;
		}
	}
	dst[n] = '\0';
}

/* Paths longer than this are cut in the log: a line holds about 1 KiB. */
#define CW_LOG_PATH_MAX 512

static void log_line(const struct cw_decision *d, const char *path)
{
	char sha[2 * CPUWARDEN_SHA256_LEN + 1] = "";
	char comm[CW_ESCAPED_MAX(TASK_COMM_LEN)];
	char who[sizeof(comm) + 48];
	char detail[160] = "";
	char *exe;

	if (d->hashed)
		cw_hash_hex(d->sha, sha);

	switch (d->rule) {
	case CPUWARDEN_RULE_SUSTAINED:
		snprintf(detail, sizeof(detail),
			 " rule=sustained cpu=%u%% threshold=%u%% for=%us uid_cpu=%u%% mode=%s",
			 d->cpu_pct, d->limit, d->for_s, d->uid_pct,
			 cw_policy_mode_name(d->mode));
		break;
	case CPUWARDEN_RULE_BUDGET:
	case CPUWARDEN_RULE_UID_BUDGET:
		snprintf(detail, sizeof(detail),
			 " rule=%s cpu=%u%% used=%llu.%03llus %s=%us window=%us uid_cpu=%u%% mode=%s",
			 cw_policy_rule_name(d->rule), d->cpu_pct,
			 d->used_ms / 1000, d->used_ms % 1000,
			 cw_policy_rule_name(d->rule), d->limit, d->window_s,
			 d->uid_pct,
			 cw_policy_mode_name(d->mode));
		break;
	case CPUWARDEN_RULE_ESCALATE:
		snprintf(detail, sizeof(detail),
			 " rule=escalate cpu=%u%% cap=%u%% for=%us",
			 d->cpu_pct, d->limit, d->for_s);
		break;
	case CPUWARDEN_RULE_QUIET:
		snprintf(detail, sizeof(detail), " rule=quiet for=%us", d->for_s);
		break;
	case CPUWARDEN_RULE_PROBATION:
		snprintf(detail, sizeof(detail), " rule=probation for=%us mode=%s",
			 d->for_s, cw_policy_mode_name(d->mode));
		break;
	case CPUWARDEN_RULE_NONE:
		break;
	default:
		snprintf(detail, sizeof(detail), " rule=%s",
			 cw_policy_rule_name(d->rule));
		break;
	}
	if (d->event == CPUWARDEN_EVENT_THROTTLED)
		snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail),
			 " cap=%u%%", cw_policy_get(cap));

	escape(comm, sizeof(comm), d->comm);
	exe = kmalloc(CW_LOG_PATH_MAX, GFP_ATOMIC | __GFP_NOWARN);
	if (exe)
		escape(exe, CW_LOG_PATH_MAX, path);
	if (d->untold)
		snprintf(who, sizeof(who), "untold=%u uid=%u", d->untold, d->uid);
	else
		snprintf(who, sizeof(who), "pid=%d uid=%u comm=\"%s\"",
			 d->pid, d->uid, comm);
	pr_info("%s %s exe=\"%s\" origin=%s%s%s%s%s%s%s%s\n",
		cw_policy_event_name(d->event), who, exe ?: "?",
		cw_origin_name(d->origin),
		d->oflags & CPUWARDEN_ORIGIN_F_SCRIPT ? "+script" : "",
		d->oflags & CPUWARDEN_ORIGIN_F_INHERITED ? "+inherited" : "",
		d->oflags & CPUWARDEN_ORIGIN_F_LATE ? "+late" : "",
		d->oflags & CPUWARDEN_ORIGIN_F_MAPPED ? "+mapped" : "",
		d->hashed ? " sha256=" : "", sha, detail);
	kfree(exe);
}

/*
 * How many groups each kind of decision took, by event, origin and rule,
 * whether or not anyone was told: the counters of `cpuwarden metrics`
 * (CPUWARDEN_CMD_COUNTS).  Decisions are rare; an exec that is tracked
 * adds one atomic operation to the gate's work.
 */
static atomic64_t counts[CPUWARDEN_EVENT_MAX + 1][CPUWARDEN_ORIGIN_MAX + 1]
			[CPUWARDEN_RULE_MAX + 1];

static void count(const struct cw_decision *d)
{
	if (d->event <= CPUWARDEN_EVENT_MAX && d->origin <= CPUWARDEN_ORIGIN_MAX &&
	    d->rule <= CPUWARDEN_RULE_MAX)
		atomic64_add(d->untold ?: 1, &counts[d->event][d->origin][d->rule]);
}

/*
 * The count of decisions @i, in the order event, origin, rule, or false
 * past the last.
 */
bool cw_action_count(unsigned int i, unsigned int *event, unsigned int *origin,
		     unsigned int *rule, u64 *n)
{
	const unsigned int origins = CPUWARDEN_ORIGIN_MAX + 1;
	const unsigned int rules = CPUWARDEN_RULE_MAX + 1;

	if (i >= ARRAY_SIZE(counts) * origins * rules)
		return false;
	*event = i / (origins * rules);
	*origin = i / rules % origins;
	*rule = i % rules;
	*n = atomic64_read(&counts[*event][*origin][*rule]);
	return true;
}

/*
 * Tell the event listeners about @d, and the log when @log (the caller's
 * rate limit let it through).  Events are not rate-limited: a listener
 * that falls behind loses them, and they are counted.
 */
static void emit(const struct cw_decision *d, const struct file *exe, bool log)
{
	bool listen = cw_netlink_listening();
	const char *path = NULL;
	char *buf;

	count(d);
	if (!listen && !log)
		return;
	buf = exe ? kmalloc(PATH_MAX, GFP_ATOMIC | __GFP_NOWARN) : NULL;
	if (buf) {
		path = d_path(&exe->f_path, buf, PATH_MAX);
		if (IS_ERR(path))
			path = NULL;
	}
	if (listen)
		cw_netlink_event(d, path);
	if (log)
		log_line(d, path ?: "?");
	kfree(buf);
}

/* The process of a decision: @task's group.  Under RCU. */
static void fill_who(struct cw_decision *d, struct task_struct *task)
{
	d->pid = task_tgid_nr(task);
	d->ppid = task_tgid_nr(rcu_dereference(task->real_parent));
	d->uid = from_kuid(&init_user_ns, task_uid(task));
	/*
	 * Not get_task_comm(): its task_lock() may sleep on PREEMPT_RT, and
	 * the exec probe fills decisions.  A rename racing with the copy can
	 * tear the name, never its terminating NUL.
	 */
	memcpy(d->comm, task->comm, TASK_COMM_LEN);
	d->comm[TASK_COMM_LEN - 1] = '\0';
}

/* The who of a decision: @task's group, as @rec knows it. */
static void fill(struct cw_decision *d, const struct cw_track *rec,
		 struct task_struct *task)
{
	const struct cw_prog *prog = rec->prog;

	fill_who(d, task);
	d->origin = rec->origin;
	d->oflags = rec->oflags;
	d->hashed = prog && prog->hashed;
	if (d->hashed)
		memcpy(d->sha, prog->sha, CPUWARDEN_SHA256_LEN);
	d->uid_pct = cw_sample_uid_pct(rec->uid);
}

/*
 * The event of @task's group being tracked as @rec, filled in now without
 * sleeping; whether anyone is to be told, and the log (@log) too.  Told by
 * cw_action_tell(), later when the caller is a tracepoint probe: telling
 * allocates and takes the netlink locks, which PREEMPT_RT does not allow
 * there.
 */
bool cw_action_tracked_prepare(struct cw_decision *d, bool *log,
			       struct cw_track *rec, struct task_struct *task)
{
	*d = (struct cw_decision){
		.event = CPUWARDEN_EVENT_TRACKED,
		.origin = rec->origin,
	};
	*log = __ratelimit(&tracked_rs);
	if (!*log && !cw_netlink_listening()) {
		count(d);
		return false;
	}
	rcu_read_lock();
	fill(d, rec, task);
	rcu_read_unlock();
	return true;
}

void cw_action_tell(const struct cw_decision *d, const struct file *exe, bool log)
{
	emit(d, exe, log);
}

void cw_action_tracked(struct cw_track *rec, struct task_struct *task)
{
	struct cw_decision d;
	bool log;

	if (cw_action_tracked_prepare(&d, &log, rec, task))
		emit(&d, rec->exe, log);
}

/* An exec of quarantined content, by @task, which is still the caller. */
static void quarantine_match(unsigned int event, struct file *file,
			     const u8 *sha, struct task_struct *task)
{
	struct cw_decision d = {
		.event = event,
		.rule = CPUWARDEN_RULE_QUARANTINE,
		.hashed = sha,
		.origin = cw_origin_classify(file),
	};
	bool log = __ratelimit(&exec_rs);

	if (!log && !cw_netlink_listening()) {
		count(&d);
		return;
	}
	rcu_read_lock();
	fill_who(&d, task);
	rcu_read_unlock();
	if (sha)
		memcpy(d.sha, sha, CPUWARDEN_SHA256_LEN);
	emit(&d, file, log);
}

/* Refused: the file is unowned. */
void cw_action_denied(struct file *file, const u8 *sha, struct task_struct *task)
{
	quarantine_match(CPUWARDEN_EVENT_DENIED, file, sha, task);
}

/* Let run: the file is owned, and only reported. */
void cw_action_spared(struct file *file, const u8 *sha, struct task_struct *task)
{
	quarantine_match(CPUWARDEN_EVENT_SPARED, file, sha, task);
}

/* Tell of @d on @rec's group; false if the group has no leader left. */
static bool report(struct cw_decision *d, struct cw_track *rec)
{
	struct task_struct *leader = pid_task(rec->tgid, PIDTYPE_TGID);

	if (!leader)
		return false;
	fill(d, rec, leader);
	emit(d, rec->exe, __ratelimit(&decision_rs));
	return true;
}

/*
 * The telling of one decision on a program, which may act on any number
 * of groups: a tracked fork bomb is thousands, all held or killed in one
 * sample.  The group a detector fired on is named first (tell_first()),
 * so that decoys started before it cannot take its place; then the first
 * found, up to CPUWARDEN_GROUPS_TOLD in all, each in an event and a log
 * line; the rest are counted, and tell_end() says how many in one more.
 * So one decision costs the sampler, the listeners and the log the same
 * whatever a user forks, and a kill is not lost in the flood.
 */
struct tell {
	struct cw_decision *d;
	struct cw_track *first;		/* named already */
	unsigned int told;
	u32 untold;
};

static void tell_group(struct tell *t, struct cw_track *rec)
{
	if (rec == t->first)
		return;
	if (t->told >= CPUWARDEN_GROUPS_TOLD)
		t->untold++;
	else if (report(t->d, rec))
		t->told++;
}

/* Before the walk: @rec, the group a detector fired on, if given. */
static void tell_first(struct tell *t, struct cw_track *rec)
{
	if (!rec)
		return;
	tell_group(t, rec);
	t->first = rec;
}

/*
 * After the groups of @prog: how many went untold, if any, with the
 * program's own uid, content and uid_cpu (the last group named may be a
 * descendant running other content).
 */
static void tell_end(struct tell *t, struct cw_prog *prog)
{
	struct cw_decision *d = t->d;

	if (!t->untold)
		return;
	d->untold = t->untold;
	d->pid = 0;
	d->ppid = 0;
	d->comm[0] = '\0';
	d->uid = from_kuid(&init_user_ns, prog->uid);
	d->uid_pct = cw_sample_uid_pct(prog->uid);
	d->hashed = prog->hashed;
	if (d->hashed)
		memcpy(d->sha, prog->sha, CPUWARDEN_SHA256_LEN);
	emit(d, prog->file, __ratelimit(&decision_rs));
	d->untold = 0;
}

/* @d of each group of @prog's that is held, and of how many went untold. */
static void tell_held(struct cw_decision *d, struct cw_prog *prog)
{
	struct tell t = { .d = d };
	struct cw_track *r;

	list_for_each_entry_rcu(r, &cw_track_held, hold_node)
		if (r->held_by == prog)
			tell_group(&t, r);
	tell_end(&t, prog);
}

static u8 exceeded(const struct cw_decision *d)
{
	return d->rule == CPUWARDEN_RULE_BUDGET ||
	       d->rule == CPUWARDEN_RULE_UID_BUDGET ?
	       CPUWARDEN_EVENT_BUDGET_EXCEEDED : CPUWARDEN_EVENT_THRESHOLD_EXCEEDED;
}

/*
 * Before acting on a detector's word, tell the listeners what it found,
 * once, naming @rec, the group it fired on (if any is left).
 */
static void announce(struct cw_decision *d, struct cw_track *rec)
{
	struct task_struct *leader;

	if (!rec)
		return;
	d->event = exceeded(d);
	d->origin = rec->origin;
	leader = cw_netlink_listening() ? pid_task(rec->tgid, PIDTYPE_TGID) : NULL;
	if (!leader) {
		count(d);	/* told to no one, counted all the same */
		return;
	}
	fill(d, rec, leader);
	emit(d, rec->exe, false);
}

/*
 * A target of an action on @prog: it runs it, or descends from it.  Not
 * a group that had its SIGKILL: it is dying, however long that takes
 * (a fork or an exit_mmap() under way), and is told of once.
 */
static bool target(struct cw_track *rec, struct cw_prog *prog, bool tree)
{
	struct task_struct *leader;

	if (READ_ONCE(rec->flags) & (BIT(CW_TRACK_DEAD) | BIT(CW_TRACK_EXEMPT) |
				     BIT(CW_TRACK_KILLED)))
		return false;
	if (rec->prog == prog ||
	    (test_bit(CW_TRACK_HELD, &rec->flags) && rec->held_by == prog))
		return true;
	if (!tree)
		return false;
	leader = pid_task(rec->tgid, PIDTYPE_TGID);
	return leader && cw_track_descends(leader, prog);
}

/* Killed by cw_action_flush(), if it still runs what was decided on. */
static void kill_one(struct cw_track *rec, struct tell *t, u64 now)
{
	cw_probation_start(rec->uid, now);
	set_bit(CW_TRACK_DECIDED, &rec->flags);
	set_bit(CW_TRACK_KILL, &rec->flags);
	/*
	 * Marked before the walk reads on: a fork under way that it does
	 * not see looks at its parent once published (cw_track_fork_probe()).
	 */
	smp_mb__after_atomic();
	kills_due = true;
	tell_group(t, rec);
}

/* @prog's step up to @mode is taken already. */
static bool taken(const struct cw_prog *prog, unsigned int mode)
{
	switch (mode) {
	case CPUWARDEN_MODE_MONITOR:
		return prog->state != CW_PROG_NORMAL;
	case CPUWARDEN_MODE_THROTTLE:
		return prog->state >= CW_PROG_THROTTLED;
	default:
		return prog->state == CW_PROG_KILLED;
	}
}

/*
 * The group a detector that judges all of @prog fired on: its busiest in
 * the last sample, so that the decision names the burner, not copies of
 * it started earlier to idle in its place.
 */
static struct cw_track *busiest(struct cw_prog *prog)
{
	struct cw_track *r, *top = NULL;

	list_for_each_entry_rcu(r, &cw_track_list, lnode) {
		cw_track_yield();
		if (target(r, prog, false) && (!top || r->pct > top->pct))
			top = r;
	}
	return top;
}

/*
 * A detector fired for @prog (@rec NULL: on all its groups together), or
 * for @rec's group alone when its program is unknown.  Act by policy,
 * once per step up: report, throttle, kill.
 * Called by the sampler, the only writer of program state, under RCU.
 */
void cw_action_decide(struct cw_prog *prog, struct cw_track *rec,
		      struct cw_decision *d, u64 now)
{
	unsigned int mode = cw_policy_get(mode);
	bool tree = cw_policy_get(kill_tree);
	struct tell t = { .d = d };
	struct cw_track *r;

	/* Dying of an earlier kill: its program is judged by its others. */
	if (rec && test_bit(CW_TRACK_KILLED, &rec->flags))
		return;
	d->mode = mode;
	if (d->rule == CPUWARDEN_RULE_ESCALATE)
		mode = CPUWARDEN_MODE_KILL;
	/* Without a program there is no bucket to throttle with. */
	if (!prog && mode == CPUWARDEN_MODE_THROTTLE)
		mode = CPUWARDEN_MODE_MONITOR;

	if (!prog) {
		if (test_and_set_bit(CW_TRACK_REPORTED, &rec->flags))
			return;
		if (mode != CPUWARDEN_MODE_KILL) {
			d->event = exceeded(d);
			report(d, rec);
			return;
		}
		announce(d, rec);
		d->event = CPUWARDEN_EVENT_KILLED;
		kill_one(rec, &t, now);
		return;
	}

	if (taken(prog, mode))
		return;
	if (!rec)
		rec = busiest(prog);

	switch (mode) {
	case CPUWARDEN_MODE_MONITOR:
		WRITE_ONCE(prog->state, CW_PROG_REPORTED);
		d->event = exceeded(d);
		if (rec && target(rec, prog, false))
			tell_first(&t, rec);
		list_for_each_entry_rcu(r, &cw_track_list, lnode) {
			cw_track_yield();
			if (target(r, prog, false))
				tell_group(&t, r);
		}
		tell_end(&t, prog);
		return;
	case CPUWARDEN_MODE_THROTTLE:
		announce(d, rec);
		cw_throttle_start(prog, now);
		d->event = CPUWARDEN_EVENT_THROTTLED;
		if (rec && test_bit(CW_TRACK_HELD, &rec->flags) &&
		    rec->held_by == prog)
			tell_first(&t, rec);
		list_for_each_entry_rcu(r, &cw_track_held, hold_node)
			if (r->held_by == prog) {
				cw_probation_start(r->uid, now);
				tell_group(&t, r);
			}
		tell_end(&t, prog);
		return;
	default:
		if (d->rule != CPUWARDEN_RULE_ESCALATE)
			announce(d, rec);
		if (prog->state == CW_PROG_THROTTLED)
			cw_throttle_stop(prog);
		WRITE_ONCE(prog->state, CW_PROG_KILLED);
		d->event = CPUWARDEN_EVENT_KILLED;
		if (rec && target(rec, prog, tree))
			tell_first(&t, rec);
		list_for_each_entry_rcu(r, &cw_track_list, lnode) {
			cw_track_yield();
			if (target(r, prog, tree))
				kill_one(r, &t, now);
		}
		tell_end(&t, prog);
		if (list_empty(&prog->qnode) && !READ_ONCE(prog->borrowed)) {
			refcount_inc(&prog->ref);
			list_add_tail(&prog->qnode, &to_quarantine);
		}
		prog->kill_round = kill_round;
		prog->rule = d->rule;
		kills_due = true;
		return;
	}
}

/*
 * @uid's tracked programs together went over the uid budget (@d says by
 * how much): act on each of them that used CPU in the last sample and
 * that this mode has not acted on yet, all at once, so that a miner
 * split into many copies cannot keep the rest running while one a
 * sample is taken.  Programs that used none are left alone.  Called by
 * the sampler under RCU; the program list holds a reference on each
 * program, and only the sampler, after its walk, evicts them.
 */
void cw_action_uid_over(kuid_t uid, struct cw_decision *d, u64 now)
{
	unsigned int mode = cw_policy_get(mode);
	struct cw_decision each;
	struct cw_prog *p;

	list_for_each_entry_rcu(p, &cw_prog_list, lnode) {
		cw_track_yield();
		/* idle_since: this sample found no group of it left. */
		if (!uid_eq(p->uid, uid) || !p->used_ns || p->idle_since ||
		    taken(p, mode))
			continue;
		each = *d;
		each.cpu_pct = p->pct;
		cw_action_decide(p, NULL, &each, now);
	}
}

/*
 * @prog, a program of @rec's uid started while that uid is on probation
 * (probation.c), starts held at the cap until @until, unless the mode
 * is monitor.  Called by the sampler under RCU.
 */
void cw_action_probation(struct cw_prog *prog, struct cw_track *rec,
			 u64 until, u64 now)
{
	struct cw_decision d = {
		.event = CPUWARDEN_EVENT_THROTTLED,
		.rule = CPUWARDEN_RULE_PROBATION,
		.mode = cw_policy_get(mode),
		.limit = cw_policy_get(cap),
		.for_s = div_u64(until - now + NSEC_PER_SEC - 1, NSEC_PER_SEC),
	};
	struct cw_track *r;

	if (d.mode == CPUWARDEN_MODE_MONITOR || prog->state != CW_PROG_NORMAL)
		return;
	/*
	 * Never hold another uid's groups for this one's probation: a user
	 * would run a copy of a service's program to have it held.  Checked
	 * once per group.
	 */
	list_for_each_entry_rcu(r, &cw_track_list, lnode) {
		cw_track_yield();
		if (r->prog == prog && !uid_eq(r->uid, rec->uid) &&
		    !test_bit(CW_TRACK_DEAD, &r->flags)) {
			set_bit(CW_TRACK_SHARED, &rec->flags);
			return;
		}
	}
	cw_throttle_start(prog, now);
	prog->probation_until = until;
	tell_held(&d, prog);
}

static struct cw_decision released(unsigned int rule, unsigned int for_s)
{
	return (struct cw_decision){
		.event = CPUWARDEN_EVENT_RELEASED,
		.rule = rule,
		.for_s = for_s,
	};
}

/* @rec's group alone was let go, by an admin. */
void cw_action_released(struct cw_track *rec, unsigned int rule,
			unsigned int for_s)
{
	struct cw_decision d = released(rule, for_s);

	report(&d, rec);
}

/*
 * @prog is to be let go, by @rule: tell of each of its held groups.
 * Called by the sampler under RCU, before it releases them.
 */
void cw_action_released_prog(struct cw_prog *prog, unsigned int rule,
			     unsigned int for_s)
{
	struct cw_decision d = released(rule, for_s);

	tell_held(&d, prog);
}

static int hasher(void *unused)
{
	u8 sha[CPUWARDEN_SHA256_LEN];
	struct cw_prog *p;

	for (;;) {
		spin_lock(&to_hash_lock);
		p = list_first_entry_or_null(&to_hash, struct cw_prog, qnode);
		if (p)
			list_del_init(&p->qnode);
		else
			hasher_running = false;
		spin_unlock(&to_hash_lock);
		if (!p)
			break;
		if (!cw_hash_file(p->file, sha))
			cw_quarantine_add(sha, p->size, p->uid);
		cw_prog_put(p);
	}
	module_put_and_kthread_exit(0);
}

/* Hash @p and quarantine it, later; takes over the caller's reference. */
static void hash_later(struct cw_prog *p)
{
	struct cw_prog *tmp;
	struct task_struct *t;
	LIST_HEAD(undone);
	bool start;

	spin_lock(&to_hash_lock);
	list_add_tail(&p->qnode, &to_hash);
	start = !hasher_running;
	hasher_running = true;
	spin_unlock(&to_hash_lock);
	if (!start)
		return;
	/* An unload under way: the content stays unhashed. */
	t = try_module_get(THIS_MODULE) ?
	    kthread_run(hasher, NULL, "cpuwarden-hash") : ERR_PTR(-ENODEV);
	if (!IS_ERR(t))
		return;
	if (PTR_ERR(t) != -ENODEV)
		module_put(THIS_MODULE);
	spin_lock(&to_hash_lock);
	list_splice_init(&to_hash, &undone);
	hasher_running = false;
	spin_unlock(&to_hash_lock);
	list_for_each_entry_safe(p, tmp, &undone, qnode) {
		list_del_init(&p->qnode);
		cw_prog_put(p);
	}
}

/*
 * @rec, just published, is the child of a group marked to be killed or
 * killed already (cw_track_fork_probe()): its fork was under way as the
 * decision or cw_action_flush() passed its parent, so that neither saw
 * it.  It runs what its parent ran: killed by the next flush, untold
 * (the decision told of its parent's program), which runs at once.
 * Called by the fork probe, in atomic context.
 */
void cw_action_kill_forked(struct cw_track *rec)
{
	set_bit(CW_TRACK_KILL, &rec->flags);
	smp_mb__after_atomic();		/* the bit, then the word */
	atomic_set(&kills_forked, 1);
	cw_sample_now();
}

/*
 * @rec, killed by the flush: unless a decision named or counted it, it
 * was forked, or exec'd the same content again, since its program's
 * decision.  Counted then as a kill of that decision's rule, so that the
 * counters say how many groups were killed.
 */
static void count_killed_since(const struct cw_track *rec)
{
	struct cw_decision d = {
		.event = CPUWARDEN_EVENT_KILLED,
		.origin = rec->origin,
		.rule = rec->prog ? rec->prog->rule : CPUWARDEN_RULE_NONE,
	};

	if (!test_bit(CW_TRACK_DECIDED, &rec->flags))
		count(&d);
}

/*
 * What a decision left to do in a context that may sleep, by the sampler
 * after its RCU walk: quarantine the content of killed programs, then
 * kill each group marked, unless it no longer runs what was decided on:
 * a group that exec'd another program since (an installer that moved on
 * to dpkg) or exited has a dead record then, and is spared.  So is one
 * an admin released meanwhile: the next sample tells of the release,
 * and the admin's word is the last (the content stays quarantined).  And kill
 * every group that runs a program killed now without having been marked:
 * one that re-exec'd the same content, or was forked, since the decision
 * (a miner that re-execs itself in a loop to slip through).  Only the
 * sampler reaps records, so every one marked is still on the list.
 */
void cw_action_flush(void)
{
	struct cw_prog *p, *tmp;
	struct cw_track *rec;
	bool forked, first;

	/* Full barrier: a child marked before the word is seen by the walk. */
	forked = atomic_read(&kills_forked) && atomic_xchg(&kills_forked, 0);
	if (!forked && !kills_due)
		return;
	kills_due = false;
	list_for_each_entry_safe(p, tmp, &to_quarantine, qnode) {
		list_del_init(&p->qnode);
		if (p->hashed) {
			cw_quarantine_add(p->sha, p->size, p->uid);
		} else if (cw_policy_get(hash)) {
			hash_later(p);
			continue;
		}
		cw_prog_put(p);
	}
	cw_fault_kill_delay();
	rcu_read_lock();
	list_for_each_entry_rcu(rec, &cw_track_list, lnode) {
		cw_track_yield();
		if (!test_bit(CW_TRACK_KILL, &rec->flags) &&
		    !(rec->prog && rec->prog->kill_round == kill_round))
			continue;
		if (!(READ_ONCE(rec->flags) & (BIT(CW_TRACK_DEAD) |
					       BIT(CW_TRACK_RELEASE) |
					       BIT(CW_TRACK_EXEMPT)))) {
			first = !test_and_set_bit(CW_TRACK_KILLED, &rec->flags);
			/*
			 * Killed before it is unmarked, and marked before the
			 * walk reads on: a fork under way that the walk does
			 * not see publishes its child, then looks at its
			 * parent (cw_track_fork_probe()).
			 */
			smp_mb__after_atomic();
			kill_pid(rec->tgid, SIGKILL, 1);
			cw_track_lost_killed(rec->tgid);
			/* A group still dying at a later flush counts once. */
			if (first)
				count_killed_since(rec);
		}
		clear_bit(CW_TRACK_KILL, &rec->flags);
	}
	rcu_read_unlock();
	kill_round++;
}
