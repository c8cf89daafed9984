// SPDX-License-Identifier: GPL-2.0
/*
 * CPU sampling of tracked thread groups, and the detectors.
 *
 * One delayed work item does all periodic work, on a workqueue of its
 * own, unbound and high-priority: its workers run at nice -20, as a root
 * offender that renices itself to -20 on every CPU would leave a nice 0
 * worker a sliver of CPU and hold up the throttle's ticks for as long as
 * a second; and a long pass, with thousands of groups tracked, holds up
 * no other work.  Every period_ms it
 * charges each busy tracked group's CPU time (all its threads, live and
 * exited) to the group, to its program and to its uid, and runs the
 * detectors:
 *
 *   sustained  a group, or a program as a whole, over "threshold" percent
 *              of one CPU in every sample for "sustain" seconds;
 *   budget     a program over "budget" CPU-seconds within the sliding
 *              "budget_window";
 *   uid budget a uid's programs together over "uid_budget" CPU-seconds
 *              within it (sample_uids()).
 *
 * A group whose sustain runs out between two samples is judged then, on a
 * reading of the period so far that charges nothing.
 *
 * While a program is throttled the same work runs every
 * CW_THROTTLE_TICK jiffies to hold the cap (throttle.c).  It is armed
 * when the first record appears and stops re-arming itself when the last
 * one is gone, so with nothing tracked there is no periodic work at all.
 * Its cost is proportional to the tracked threads, never to the tasks on
 * the system; idle groups are read less often, and while all are idle
 * it dozes (below).
 * Being the only writer of detector and program state, it needs no lock
 * for them.
 */

#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/pid.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "action.h"
#include "policy.h"
#include "prog.h"
#include "probation.h"
#include "quarantine.h"
#include "sample.h"
#include "throttle.h"
#include "track.h"

static void sample_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(sample_work, sample_fn);
static struct workqueue_struct *sample_wq;
static bool stopping;
static u64 next_sample, next_due, last_full, idle_read;

/*
 * The sampler dozes, its work armed past the next period, while every
 * group is idle (below).  Whatever needs it sooner wakes it under
 * doze_lock, and counts in "wakes", so that a run that raced a wake-up
 * does not doze after it.
 */
static DEFINE_RAW_SPINLOCK(doze_lock);
static bool dozing;
static unsigned long wakes;

/* CPU per uid of tracked programs; the last full sample is kept. */
#define CW_UIDS 64

struct cw_uid_use {
	kuid_t uid;
	u64 ns;
};

static struct cw_uid_use uid_use[CW_UIDS], uid_last[CW_UIDS];
static unsigned int nr_uid, nr_uid_last;
static u64 uid_elapsed;

static u64 nr_samples;		/* full samples since load */

/* How many full samples the sampler took; for CPUWARDEN_A_SAMPLES. */
u64 cw_sample_count(void)
{
	return READ_ONCE(nr_samples);
}

/* Have the sampler run within @delay jiffies; a run due sooner stays. */
static void run_within(unsigned long delay)
{
	struct timer_list *timer = &sample_work.timer;

	lockdep_assert_held(&doze_lock);
	if (!delayed_work_pending(&sample_work) ||
	    (timer_pending(timer) && time_before(jiffies + delay, timer->expires)))
		mod_delayed_work(sample_wq, &sample_work, delay);
}

/*
 * Run within @delay jiffies if dozing, armed, or @start; a sampler that
 * is stopped stays stopped unless @start.
 */
static void wake(unsigned long delay, bool start)
{
	raw_spin_lock(&doze_lock);
	if (!READ_ONCE(stopping)) {
		wakes++;
		if (dozing || start || delayed_work_pending(&sample_work))
			run_within(delay);
		dozing = false;
	}
	raw_spin_unlock(&doze_lock);
}

/* A record appeared or died: it is sampled within one period. */
void cw_sample_kick(void)
{
	wake(msecs_to_jiffies(cw_policy_get(period_ms)), true);
}

/* A detector's knob changed: applied within one period. */
void cw_sample_policy_changed(void)
{
	wake(msecs_to_jiffies(cw_policy_get(period_ms)), false);
}

/* Run at once, for an admin's request or to trap a new thread. */
void cw_sample_now(void)
{
	wake(0, true);
}

static void uid_add(kuid_t uid, u64 ns)
{
	unsigned int i;

	for (i = 0; i < nr_uid; i++)
		if (uid_eq(uid_use[i].uid, uid))
			break;
	if (i == nr_uid) {
		if (nr_uid == CW_UIDS)
			return;
		uid_use[nr_uid].uid = uid;
		uid_use[nr_uid++].ns = 0;
	}
	uid_use[i].ns += ns;
}

/*
 * @used as a percentage of @elapsed: the product is taken in 128 bits,
 * as @used sums the threads of many CPUs over a long sustain, and the
 * quotient clamped to what an unsigned int holds.
 */
static unsigned int pct_of(u64 used, u64 elapsed)
{
	if (!elapsed)
		return 0;
	return min_t(u64, mul_u64_u64_div_u64(used, 100, elapsed), UINT_MAX);
}

/* CPU use of @uid's tracked programs in the last sample, in percent. */
unsigned int cw_sample_uid_pct(kuid_t uid)
{
	unsigned int i;

	for (i = 0; i < nr_uid_last; i++)
		if (uid_eq(uid_last[i].uid, uid))
			return pct_of(uid_last[i].ns, uid_elapsed);
	return 0;
}

/*
 * Over threshold in every sample since *@since: abnormal once that lasts
 * @sustain_ns.  The sample that first went over counts from its start,
 * so detection comes within one period of sustain; for a group, at
 * sustain (sample_due()).
 */
static bool sustained(u64 *since, u64 start, u64 now, unsigned int pct,
		      unsigned int threshold, u64 sustain_ns)
{
	if (pct <= threshold) {
		*since = 0;
		return false;
	}
	if (!*since)
		*since = start;
	return now - *since >= sustain_ns;
}

/*
 * A program is judged on its average: over threshold on average since
 * *@since, the start of the first sample over it, and abnormal once that
 * lasts @sustain_ns.  A sample under the threshold does not start the
 * count afresh, only an average that falls to it does: a miner that
 * sleeps for a sample now and then to slip under the detector (2.6 s
 * busy, 0.35 s asleep: 88% of a CPU) is caught at sustain all the same.
 * @used_ns is the CPU used over this sample, from @start to @now.
 */
static bool sustained_avg(u64 *since, u64 *over_ns, u64 start, u64 now,
			  u64 used_ns, unsigned int threshold, u64 sustain_ns)
{
	if (*since) {
		*over_ns += used_ns;
		if (pct_of(*over_ns, now - *since) > threshold)
			return now - *since >= sustain_ns;
		*since = 0;
	}
	if (pct_of(used_ns, now - start) <= threshold)
		return false;
	*since = start;
	*over_ns = used_ns;
	return now - start >= sustain_ns;
}

/* Slide budget window @w to @now and add @used_ns to it. */
static void window_add(struct cw_window *w, u64 now, u64 used_ns,
		       unsigned int window_s)
{
	u64 slot_ns = div_u64((u64)window_s * NSEC_PER_SEC, CW_BUDGET_SLOTS);
	unsigned int steps = 0;
	u64 used_ms;

	if (w->window_s != window_s || !w->slot_start) {
		memset(w->slot_ms, 0, sizeof(w->slot_ms));
		w->used_ms = 0;
		w->slot = 0;
		w->slot_start = now;
		w->window_s = window_s;
	}
	while (now - w->slot_start >= slot_ns) {
		if (++steps > CW_BUDGET_SLOTS) {
			memset(w->slot_ms, 0, sizeof(w->slot_ms));
			w->used_ms = 0;
			w->slot_start = now;
			break;
		}
		w->slot = (w->slot + 1) % CW_BUDGET_SLOTS;
		w->used_ms -= w->slot_ms[w->slot];
		w->slot_ms[w->slot] = 0;
		w->slot_start += slot_ns;
	}
	/* A slot holds 49 CPU-days: more is not counted, nor wraps. */
	used_ms = min_t(u64, div_u64(used_ns, NSEC_PER_MSEC),
			U32_MAX - w->slot_ms[w->slot]);
	w->slot_ms[w->slot] += used_ms;
	w->used_ms += used_ms;
}

static void release_admin(struct cw_track *rec)
{
	clear_bit(CW_TRACK_RELEASE, &rec->flags);
	/* A release that came as the kill was sent: it is dying, not let go. */
	if (test_bit(CW_TRACK_KILLED, &rec->flags))
		return;
	set_bit(CW_TRACK_EXEMPT, &rec->flags);
	if (test_bit(CW_TRACK_HELD, &rec->flags))
		cw_throttle_release(rec);
	cw_action_released(rec, CPUWARDEN_RULE_ADMIN, 0);
}

/*
 * Idle groups.  Reading a group's runtime touches its task, most of what
 * a group costs the sampler, and most tracked groups are idle most of
 * the time.  One under 1% of one CPU in each of its last CW_IDLE_AFTER
 * samples is idle: idle groups are read all together, once every "every"
 * periods (idle_every()).  Their CPU time is not lost, only charged late.
 * A group on hold, one an admin wants let go, and every group of a
 * program busy as a whole (a miner split into many small processes) are
 * read every time; the first read that finds a group busy makes it a
 * busy group again.  The sustained detector of a group woken from idle
 * counts from the last period only, so that it never acts early; it may
 * act up to every - 1 periods late.
 *
 * While every group is idle and nothing is held, there is nothing to do
 * until idle groups are next due, and the sampler dozes until then: a
 * few idle programs cost one run every "every" periods, not one every
 * period.  A new record, a group's exit, a change of a knob and an admin's
 * request wake it.
 */
#define CW_IDLE_AFTER	4
#define CW_IDLE_EVERY	16

#define CW_IDLE_READ	(BIT(CW_TRACK_DEAD) | BIT(CW_TRACK_HELD) | \
			 BIT(CW_TRACK_RELEASE))

/* The policy as one full sample sees it, and what the sample found. */
struct sample_ctx {
	u64 now;
	u64 period_ns;
	u64 sustain_ns;
	unsigned int threshold;
	unsigned int budget;
	unsigned int budget_window;
	unsigned int uid_budget;
	unsigned int every;		/* read idle groups every this many */
	bool read_idle;			/* idle groups are due */
	bool awake;			/* a group or program is not idle */
	u64 due;			/* the first group's sustain to run out */
};

static bool idle_skip(const struct cw_track *rec, const struct sample_ctx *c)
{
	return rec->idle == CW_IDLE_AFTER && !c->read_idle &&
	       !(READ_ONCE(rec->flags) & CW_IDLE_READ) &&
	       !(rec->prog && rec->prog->pct);
}

static void idle_note(struct cw_track *rec, struct sample_ctx *c)
{
	if (rec->pct)
		rec->idle = 0;
	else if (rec->idle < CW_IDLE_AFTER)
		rec->idle++;
	if (rec->idle < CW_IDLE_AFTER)
		c->awake = true;
}

/*
 * A group over the threshold in every sample since its over_since, whose
 * sustain runs out before the next sample, is judged again then
 * (sample_due()): a burner is stopped at sustain, not up to a period
 * later.  Not sooner than CW_DUE_MIN after its last sample, though: a
 * running task's CPU time moves only at its CPU's tick, and a reading of
 * a few ticks says little.  Nor for a group whose decision is taken.
 * Note the first such time in @c.
 */
#define CW_DUE_MIN	(100 * NSEC_PER_MSEC)

static void sustain_due(struct sample_ctx *c, const struct cw_track *rec)
{
	u64 due = max(rec->over_since + c->sustain_ns, rec->last_ns + CW_DUE_MIN);

	if (!rec->over_since || due <= c->now || (c->due && c->due <= due))
		return;
	if (rec->prog ? READ_ONCE(rec->prog->state) != CW_PROG_NORMAL :
			test_bit(CW_TRACK_REPORTED, &rec->flags))
		return;
	c->due = due;
}

static void sustained_decide(struct cw_track *rec, unsigned int pct,
			     const struct sample_ctx *c)
{
	struct cw_decision d = {
		.rule = CPUWARDEN_RULE_SUSTAINED,
		.cpu_pct = pct,
		.limit = c->threshold,
		.for_s = div_u64(c->now - rec->over_since, NSEC_PER_SEC),
	};

	cw_action_decide(rec->prog, rec, &d, c->now);
}

static void sample_group(struct cw_track *rec, struct sample_ctx *c)
{
	u64 runtime, used, now = c->now, start = rec->last_ns;
	bool dead;

	dead = test_bit(CW_TRACK_DEAD, &rec->flags);
	if (dead) {
		smp_rmb();	/* pairs with retire_locked() */
		runtime = rec->final_runtime;
	} else if (!cw_track_group_runtime(rec, &runtime)) {
		return;	/* exiting: its exit probe comes */
	}
	used = runtime > rec->last_runtime ? runtime - rec->last_runtime : 0;
	rec->last_runtime = runtime;
	rec->last_ns = now;
	rec->pct = pct_of(used, now - start);
	if (rec->pct && rec->idle == CW_IDLE_AFTER && now > c->period_ns)
		start = max(start, now - c->period_ns);
	idle_note(rec, c);
	if (rec->prog)
		rec->prog->period_ns += used;
	/* An admin's release takes a group out of its uid's budget too. */
	if (!test_bit(CW_TRACK_EXEMPT, &rec->flags))
		uid_add(rec->uid, used);

	if (dead) {
		cw_track_reap(rec);
		return;
	}
	if (test_bit(CW_TRACK_RELEASE, &rec->flags))
		release_admin(rec);
	/*
	 * An exec or fork that saw its program throttled may publish its
	 * hold just after the program was let go: let it go too.
	 */
	if (test_bit(CW_TRACK_HELD, &rec->flags) &&
	    READ_ONCE(rec->held_by->state) != CW_PROG_THROTTLED)
		cw_throttle_release(rec);
	if (test_bit(CW_TRACK_EXEMPT, &rec->flags))
		return;
	/*
	 * A new program of a uid on probation starts at the cap; one it
	 * started before goes there when it goes over the threshold.  One
	 * over it already, as long as the program just killed, is left to
	 * its own sustain: in kill mode, killed as that one was.
	 */
	if (rec->prog && READ_ONCE(rec->prog->state) == CW_PROG_NORMAL &&
	    !test_bit(CW_TRACK_SHARED, &rec->flags)) {
		u64 until = cw_probation_until(rec->uid, rec->start_ns,
					       rec->pct > c->threshold &&
					       !rec->over_since, now);

		if (until) {
			cw_action_probation(rec->prog, rec, until, now);
			return;
		}
	}
	if (sustained(&rec->over_since, start, now, rec->pct, c->threshold,
		      c->sustain_ns))
		sustained_decide(rec, rec->pct, c);
	else
		sustain_due(c, rec);
}

/*
 * A throttled program: kill it after escalate, release it when quiet.
 * It is at the cap while it uses half of it; or, while its user's bucket
 * is in debt (throttle.c), half of its share of it: one copy of a miner
 * split over a bucket gets a share of the cap, and is no quieter for it,
 * but a program of the same user that draws on the bucket less than that
 * (one with no process left) is.
 */
static void sample_throttled(struct cw_prog *p, u64 elapsed, u64 now)
{
	unsigned int escalate = cw_policy_get(escalate);
	unsigned int quiet = cw_policy_get(quiet);
	unsigned int cap = cw_policy_get(cap);
	struct cw_decision d = {};
	u64 half_cap = div_u64(elapsed * cap, 200);

	if (p->used_ns >= half_cap ||
	    (p->frozen && p->used_ns * p->bucket->members >= half_cap)) {
		p->at_cap_ns += elapsed;
		p->quiet_ns = 0;
	} else {
		p->quiet_ns += elapsed;
	}
	if (escalate && p->at_cap_ns >= (u64)escalate * NSEC_PER_SEC) {
		d.rule = CPUWARDEN_RULE_ESCALATE;
		d.cpu_pct = p->pct;
		d.limit = cap;
		d.for_s = div_u64(p->at_cap_ns, NSEC_PER_SEC);
		cw_action_decide(p, NULL, &d, now);
	} else if ((quiet && p->quiet_ns >= (u64)quiet * NSEC_PER_SEC) ||
		   (p->probation_until &&
		    (now >= p->probation_until || p->idle_since))) {
		/*
		 * Quiet, or its probation is over, or none of its processes is
		 * left (a relaunch starts on probation again, while its uid
		 * is): judged afresh from now, and forgotten like any idle
		 * program.  Held for the rest of the probation, every short
		 * program of a respawn loop would stay in memory that long.
		 */
		bool probation = !(quiet && p->quiet_ns >= (u64)quiet * NSEC_PER_SEC);

		cw_action_released_prog(p, probation ? CPUWARDEN_RULE_PROBATION :
						       CPUWARDEN_RULE_QUIET,
					div_u64(probation ? now - p->throttled_at :
							    p->quiet_ns, NSEC_PER_SEC));
		cw_throttle_stop(p);
		WRITE_ONCE(p->state, CW_PROG_NORMAL);
		p->over_since = 0;
		p->probation_until = 0;
		p->window.window_s = 0;	/* a fresh budget window */
	}
}

static void sample_prog(struct cw_prog *p, struct sample_ctx *c)
{
	u64 now = c->now, start = p->last_ns ? p->last_ns : now;
	struct cw_decision d = {};

	p->last_ns = now;
	p->pct = pct_of(p->period_ns, now - start);
	p->used_ns = p->period_ns;
	window_add(&p->window, now, p->period_ns, c->budget_window);
	p->period_ns = 0;
	if (refcount_read(&p->ref) > 1)
		p->idle_since = 0;
	else if (!p->idle_since)
		p->idle_since = now;

	if (p->pct)
		c->awake = true;
	if (p->state == CW_PROG_THROTTLED) {
		/*
		 * Time at the cap counts from the throttle's start.  A sample
		 * that began before it (the program was throttled by this very
		 * sample, or between two) mixes in CPU time from before it:
		 * the next one counts.
		 */
		if (p->throttled_at <= start && start < now)
			sample_throttled(p, now - start, now);
		return;
	}
	/*
	 * Content let out of quarantine is judged afresh, and so is a
	 * borrowed program (prog.h), as its relaunch is never refused: each
	 * relaunch must be killed again (or held, on probation).
	 */
	if (p->state == CW_PROG_KILLED && !READ_ONCE(p->borrowed) &&
	    !(p->hashed && !cw_quarantine_has(p->sha, p->uid)))
		return;
	if (p->state == CW_PROG_KILLED) {
		WRITE_ONCE(p->state, CW_PROG_NORMAL);
		p->over_since = 0;
		p->window.window_s = 0;
	}
	/*
	 * A sample that spans more than a period (the sampler dozed) counts
	 * from the last period only, as for a woken group.
	 */
	if (now - start > c->period_ns + c->period_ns / 2)
		start = now - c->period_ns;
	if (sustained_avg(&p->over_since, &p->over_ns, start, now,
			  div_u64((u64)p->pct * (now - start), 100),
			  c->threshold, c->sustain_ns)) {
		d.rule = CPUWARDEN_RULE_SUSTAINED;
		d.cpu_pct = p->pct;
		d.limit = c->threshold;
		d.for_s = div_u64(now - p->over_since, NSEC_PER_SEC);
	} else if (c->budget &&
		   p->window.used_ms > (u64)c->budget * MSEC_PER_SEC) {
		d.rule = CPUWARDEN_RULE_BUDGET;
		d.cpu_pct = p->pct;
		d.limit = c->budget;
		d.used_ms = p->window.used_ms;
		d.window_s = p->window.window_s;
	} else {
		return;
	}
	cw_action_decide(p, NULL, &d, now);
}

/*
 * The uid budget: the CPU time of each uid's tracked programs together,
 * in a sliding window like a program's budget.  A miner split into
 * copies of different bytes, each under the threshold and under its own
 * budget, is one consumer here.  The uid is the user's (cw_prog_user()):
 * a user's subordinate uids are that user.  When more uids than it holds
 * use CPU, the one that used least in its window makes room, so that
 * idle uids cannot crowd a busy one out.
 */
struct cw_uid_window {
	kuid_t uid;
	struct cw_window win;
};

static struct cw_uid_window uid_win[CW_UIDS];
static unsigned int nr_uid_win;

static struct cw_uid_window *uid_window(kuid_t uid, u64 now,
					unsigned int window_s)
{
	struct cw_uid_window *w, *least = NULL;
	unsigned int i;

	for (i = 0; i < nr_uid_win; i++)
		if (uid_eq(uid_win[i].uid, uid))
			return &uid_win[i];
	if (nr_uid_win < CW_UIDS) {
		w = &uid_win[nr_uid_win++];
	} else {
		/* Least as the windows stand now, not when last charged. */
		for (i = 0; i < CW_UIDS; i++) {
			w = &uid_win[i];
			window_add(&w->win, now, 0, window_s);
			if (!least || w->win.used_ms < least->win.used_ms)
				least = w;
		}
		w = least;
	}
	*w = (struct cw_uid_window){ .uid = uid };
	return w;
}

/*
 * Charge each uid's CPU of this sample, @elapsed long, to its window.  A
 * uid over "uid_budget" in its window that also uses more, in this
 * sample, than the budget allows on average (uid_budget over
 * budget_window: a third of a CPU by default) has every program of it
 * that used CPU acted on (cw_action_uid_over()).  Once its miner is
 * gone, the rest of its programs are left alone, though the window
 * stays over for a while.
 */
static void sample_uids(struct sample_ctx *c, u64 elapsed)
{
	struct cw_uid_window *w;
	unsigned int i;

	for (i = 0; i < nr_uid; i++) {
		w = uid_window(uid_use[i].uid, c->now, c->budget_window);
		window_add(&w->win, c->now, uid_use[i].ns, c->budget_window);
		if (c->uid_budget &&
		    w->win.used_ms > (u64)c->uid_budget * MSEC_PER_SEC &&
		    uid_use[i].ns * c->budget_window >
		    (u64)c->uid_budget * elapsed) {
			struct cw_decision d = {
				.rule = CPUWARDEN_RULE_UID_BUDGET,
				.limit = c->uid_budget,
				.used_ms = w->win.used_ms,
				.window_s = w->win.window_s,
			};

			cw_action_uid_over(w->uid, &d, c->now);
		}
	}
}

/*
 * How often idle groups are read: at most a quarter of sustain apart
 * (sustain * 250 ms), and with a budget at most one slot of its window
 * apart (budget_window * 1000 / CW_BUDGET_SLOTS ms), so that time
 * charged late sits in the window no longer than the window's own
 * granularity allows.
 */
static unsigned int idle_every(const struct sample_ctx *c,
			       unsigned int period_ms, unsigned int sustain)
{
	unsigned int every = sustain * 250 / period_ms;

	if (c->budget || c->uid_budget)
		every = min(every, c->budget_window * 1000U / CW_BUDGET_SLOTS /
			    period_ms);
	return clamp_t(unsigned int, every, 1, CW_IDLE_EVERY);
}

/*
 * One full sample.  Returns 0 if anything is awake, or else when idle
 * groups are next due.
 */
static u64 sample_all(u64 now, u64 elapsed)
{
	unsigned int period_ms = cw_policy_get(period_ms);
	unsigned int sustain = cw_policy_get(sustain);
	struct sample_ctx c = {
		.now = now,
		.period_ns = (u64)period_ms * NSEC_PER_MSEC,
		.sustain_ns = (u64)sustain * NSEC_PER_SEC,
		.threshold = cw_policy_get(threshold),
		.budget = cw_policy_get(budget),
		.budget_window = cw_policy_get(budget_window),
		.uid_budget = cw_policy_get(uid_budget),
	};
	struct cw_track *rec;
	struct cw_prog *p;
	u64 every_ns;

	c.every = idle_every(&c, period_ms, sustain);
	/* Half a period early: a sample on time may come a little early. */
	every_ns = c.every * c.period_ns - c.period_ns / 2;
	c.read_idle = !idle_read || now - idle_read >= every_ns;
	if (c.read_idle)
		idle_read = now;

	nr_uid = 0;
	list_for_each_entry_rcu(rec, &cw_track_list, lnode) {
		cw_track_yield();
		if (!idle_skip(rec, &c))
			sample_group(rec, &c);
	}
	list_for_each_entry_rcu(p, &cw_prog_list, lnode) {
		cw_track_yield();
		sample_prog(p, &c);
	}
	memcpy(uid_last, uid_use, sizeof(uid_use[0]) * nr_uid);
	nr_uid_last = nr_uid;
	uid_elapsed = elapsed;
	sample_uids(&c, elapsed);
	next_due = c.due;
	return c.awake ? 0 : idle_read + every_ns;
}

/*
 * Between two samples, when a group's sustain runs out (sustain_due()):
 * if it has been over the threshold since its last sample too, it is
 * judged now.  Nothing is charged or reset; the next sample reads the
 * whole period as usual.  Programs as a whole wait for the next sample.
 * An admin's release is granted first, so that no decision about its
 * program takes that group along.  Returns when the next group's sustain
 * runs out, or 0.
 */
static u64 sample_due(u64 now)
{
	struct sample_ctx c = {
		.now = now,
		.sustain_ns = (u64)cw_policy_get(sustain) * NSEC_PER_SEC,
		.threshold = cw_policy_get(threshold),
	};
	struct cw_track *rec;
	unsigned int pct;
	u64 runtime;

	list_for_each_entry_rcu(rec, &cw_track_list, lnode)
		if (!test_bit(CW_TRACK_DEAD, &rec->flags) &&
		    test_bit(CW_TRACK_RELEASE, &rec->flags))
			release_admin(rec);

	list_for_each_entry_rcu(rec, &cw_track_list, lnode) {
		cw_track_yield();
		/* Due at its last sample: judged by it, or by the next one. */
		if (!rec->over_since ||
		    rec->over_since + c.sustain_ns <= rec->last_ns ||
		    (READ_ONCE(rec->flags) &
		     (BIT(CW_TRACK_DEAD) | BIT(CW_TRACK_EXEMPT))))
			continue;
		if (now - rec->over_since < c.sustain_ns ||
		    now - rec->last_ns < CW_DUE_MIN) {
			sustain_due(&c, rec);
			continue;
		}
		if (!cw_track_group_runtime(rec, &runtime))
			continue;
		pct = pct_of(runtime > rec->last_runtime ?
			     runtime - rec->last_runtime : 0, now - rec->last_ns);
		if (pct > c.threshold)
			sustained_decide(rec, pct, &c);
	}
	return c.due;
}

/*
 * Run again within @delay jiffies, or doze until @until if that is
 * later, unless the sampler was woken since its run began (@seen).
 */
static void sample_arm(unsigned long delay, u64 now, u64 period_ns,
		       u64 until, unsigned long seen)
{
	u64 at = next_sample;

	raw_spin_lock(&doze_lock);
	/* Woken meanwhile, maybe for a shorter period: within one of it. */
	if (wakes != seen)
		delay = min(delay, msecs_to_jiffies(cw_policy_get(period_ms)));
	dozing = until > at && wakes == seen;
	if (dozing) {
		/* The first run on the period's grid at or after @until. */
		at += div64_u64(until - at + period_ns - 1, period_ns) * period_ns;
		delay = nsecs_to_jiffies(at - now) + 1;
	}
	run_within(delay);
	raw_spin_unlock(&doze_lock);
}

static void sample_fn(struct work_struct *work)
{
	u64 period_ns = (u64)cw_policy_get(period_ms) * NSEC_PER_MSEC;
	u64 now = ktime_get_ns();
	unsigned long tick, delay, seen;
	u64 budget_keep, strays, until = 0;
	bool full, due;

	/* The period shrank: the next sample is one new period after the last. */
	if (last_full && next_sample > last_full + period_ns)
		next_sample = last_full + period_ns;
	full = now >= next_sample;
	due = !full && next_due && now >= next_due;

	raw_spin_lock(&doze_lock);
	seen = wakes;
	raw_spin_unlock(&doze_lock);
	cw_track_adopt_lost();
	strays = cw_track_adopt_strays(now);
	rcu_read_lock();
	/* First the cap, so that it charges exited groups before reaping. */
	tick = cw_throttle_tick(now);
	if (full)
		until = sample_all(now, last_full ? now - last_full : period_ns);
	else if (due)
		next_due = sample_due(now);
	/* A program throttled just now is judged at the next tick. */
	if (!tick && !list_empty(&cw_track_held))
		tick = CW_THROTTLE_TICK;
	rcu_read_unlock();
	cw_throttle_apply();
	cw_action_flush();

	if (full) {
		WRITE_ONCE(nr_samples, nr_samples + 1);
		last_full = now;
		/*
		 * On the period's grid, so that late wake-ups do not add up;
		 * after a doze or a late run, its next point.
		 */
		next_sample += period_ns;
		if (next_sample <= now)
			next_sample += (div64_u64(now - next_sample, period_ns) + 1) *
				       period_ns;
		budget_keep = max(cw_policy_get(budget_window), cw_policy_get(sustain));
		cw_prog_evict(now, budget_keep * NSEC_PER_SEC);
	}
	if (READ_ONCE(stopping))
		return;
	if (list_empty(&cw_track_list) && !tick && !strays) {
		/* Idle until the next record: untracked tasks cost nothing. */
		cw_track_reserve_drain();
		return;
	}
	delay = max(1UL, nsecs_to_jiffies(next_sample - now));
	/* A jiffy late rather than early: sustain must have run out. */
	if (next_due > now && next_due < next_sample)
		delay = min(delay, nsecs_to_jiffies(next_due - now) + 1);
	if (tick)
		delay = min(delay, tick);
	/* Strays to look for: at their time, without a doze. */
	if (strays)
		delay = min(delay, nsecs_to_jiffies(strays - now) + 1);
	sample_arm(delay, now, period_ns, tick || strays ? 0 : until, seen);
}

int cw_sample_init(void)
{
	sample_wq = alloc_workqueue("cpuwarden", WQ_UNBOUND | WQ_HIGHPRI, 0);
	return sample_wq ? 0 : -ENOMEM;
}

/* Hooks are unregistered: nothing kicks the sampler any more. */
void cw_sample_stop(void)
{
	raw_spin_lock(&doze_lock);
	WRITE_ONCE(stopping, true);
	raw_spin_unlock(&doze_lock);
	cancel_delayed_work_sync(&sample_work);
}

/* Stopped again, as an error path may not have: nothing left queued. */
void cw_sample_exit(void)
{
	cw_sample_stop();
	destroy_workqueue(sample_wq);
}
