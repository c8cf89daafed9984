// SPDX-License-Identifier: GPL-2.0
/*
 * CPU sampling of tracked thread groups, and the sustained-use detector.
 *
 * One delayed work item walks the tracked records every period_ms; it is
 * armed when the first record appears and stops re-arming itself when the
 * last one is gone, so with nothing tracked there is no periodic work at
 * all.  Its cost is proportional to the tracked threads, never to the
 * tasks on the system.
 */

#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/pid.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/workqueue.h>

#include "action.h"
#include "policy.h"
#include "sample.h"
#include "track.h"

static void sample_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(sample_work, sample_fn);
static bool stopping;

void cw_sample_kick(void)
{
	if (!READ_ONCE(stopping))
		queue_delayed_work(system_unbound_wq, &sample_work,
				   msecs_to_jiffies(cw_policy_get(period_ms)));
}

/*
 * Over @threshold percent of one CPU in every interval since over_since,
 * for at least @sustain: abnormal.  The interval that first went over
 * counts from its start, so detection comes within one period of
 * sustain.
 */
static void sample_one(struct cw_track *rec, struct task_struct *leader,
		       u64 now, unsigned int threshold, u64 sustain_ns)
{
	u64 runtime = cw_track_runtime(leader);
	u64 elapsed = now - rec->last_ns;
	u64 used = runtime > rec->last_runtime ? runtime - rec->last_runtime : 0;
	unsigned int pct;

	if (!elapsed)
		return;
	pct = div64_u64(used * 100, elapsed);
	if (pct > threshold) {
		if (!rec->over_since)
			rec->over_since = rec->last_ns;
	} else {
		rec->over_since = 0;
	}
	rec->last_ns = now;
	rec->last_runtime = runtime;

	if (rec->over_since && now - rec->over_since >= sustain_ns)
		cw_action_abnormal(rec, leader, pct,
				   div64_u64(now - rec->over_since, NSEC_PER_SEC));
}

static void sample_fn(struct work_struct *work)
{
	unsigned int threshold = cw_policy_get(threshold);
	u64 sustain_ns = (u64)cw_policy_get(sustain) * NSEC_PER_SEC;
	struct task_struct *leader;
	struct cw_track *rec;
	u64 now = ktime_get_ns();

	rcu_read_lock();
	list_for_each_entry_rcu(rec, &cw_track_list, lnode) {
		if (rec->pending)
			continue;
		leader = pid_task(rec->tgid, PIDTYPE_TGID);
		if (leader)
			sample_one(rec, leader, now, threshold, sustain_ns);
	}
	rcu_read_unlock();

	if (cw_track_active())
		cw_sample_kick();
}

/* Hooks are unregistered: nothing kicks the sampler any more. */
void cw_sample_exit(void)
{
	WRITE_ONCE(stopping, true);
	cancel_delayed_work_sync(&sample_work);
}
