// SPDX-License-Identifier: GPL-2.0
/*
 * What cpuwarden does about a tracked program: report it, and in kill
 * mode kill it.  Every line names pid, uid, comm, the program's path and
 * why it is tracked, as key=value pairs for log pipelines.
 *
 * Tracking lines and decision lines are rate-limited separately, so a
 * flood of short-lived /tmp programs cannot hide a kill.
 */

#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/limits.h>
#include <linux/pid.h>
#include <linux/ratelimit.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uidgid.h>

#include "action.h"
#include "origin.h"
#include "policy.h"
#include "track.h"

static DEFINE_RATELIMIT_STATE(tracked_rs, 5 * HZ, 10);
static DEFINE_RATELIMIT_STATE(decision_rs, 5 * HZ, 20);

static void log_line(const char *what, struct cw_track *rec,
		     struct task_struct *task, const char *detail)
{
	char *buf = kmalloc(PATH_MAX, GFP_ATOMIC | __GFP_NOWARN);
	const char *path = "?";

	if (buf) {
		path = d_path(&rec->exe->f_path, buf, PATH_MAX);
		if (IS_ERR(path))
			path = "?";
	}
	pr_info("%s pid=%d uid=%u comm=\"%s\" exe=\"%s\" origin=%s%s%s%s%s\n",
		what, pid_nr(rec->tgid),
		from_kuid(&init_user_ns, task_uid(task)), task->comm, path,
		cw_origin_name(rec->origin),
		rec->oflags & CPUWARDEN_ORIGIN_F_SCRIPT ? "+script" : "",
		rec->oflags & CPUWARDEN_ORIGIN_F_INHERITED ? "+inherited" : "",
		rec->oflags & CPUWARDEN_ORIGIN_F_LATE ? "+late" : "",
		detail);
	kfree(buf);
}

void cw_action_tracked(struct cw_track *rec, struct task_struct *task)
{
	if (__ratelimit(&tracked_rs))
		log_line("tracking", rec, task, "");
}

/* Called by the sampler, the only writer of rec->flags. */
void cw_action_abnormal(struct cw_track *rec, struct task_struct *leader,
			unsigned int pct, unsigned int secs)
{
	unsigned int mode = cw_policy_get(mode);
	const char *what;
	char detail[80];

	if (mode == CPUWARDEN_MODE_KILL && !(rec->flags & CW_TRACK_KILLED)) {
		/* By struct pid: a recycled pid number is never hit. */
		kill_pid(rec->tgid, SIGKILL, 1);
		rec->flags |= CW_TRACK_KILLED;
		what = "killed";
	} else if (mode == CPUWARDEN_MODE_MONITOR &&
		   !(rec->flags & CW_TRACK_REPORTED)) {
		rec->flags |= CW_TRACK_REPORTED;
		what = "abnormal";
	} else {
		return;
	}
	if (!__ratelimit(&decision_rs))
		return;
	snprintf(detail, sizeof(detail),
		 " cpu=%u%% threshold=%u%% for=%us mode=%s", pct,
		 cw_policy_get(threshold), secs, cw_policy_mode_name(mode));
	log_line(what, rec, leader, detail);
}
