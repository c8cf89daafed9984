/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_ACTION_H
#define _CW_ACTION_H

#include <linux/sched.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <uapi/linux/cpuwarden.h>

struct cw_prog;
struct cw_track;
struct file;

/*
 * Everything one decision is about, in one place: the log line is made
 * from it, and it is what an event to userspace will carry.
 */
struct cw_decision {
	u8 event;			/* enum cpuwarden_event */
	u8 rule;			/* enum cpuwarden_rule */
	u8 mode;			/* enum cpuwarden_mode */
	u8 origin;			/* enum cpuwarden_origin */
	u8 oflags;			/* CPUWARDEN_ORIGIN_F_* */
	bool hashed;			/* sha is valid */
	pid_t pid;			/* thread group, in the initial namespace */
	pid_t ppid;
	uid_t uid;
	char comm[TASK_COMM_LEN];
	u8 sha[CPUWARDEN_SHA256_LEN];
	u32 cpu_pct;			/* percent of one CPU, last sample */
	u32 limit;			/* threshold or cap (%), or budget (s) */
	u32 for_s;			/* seconds over threshold or at the cap */
	u64 used_ms;			/* CPU within the budget window */
	u32 window_s;
	u32 uid_pct;			/* all tracked programs of the uid */
	u32 untold;			/* groups not named: no pid, ppid, comm */
};

bool cw_action_tracked_prepare(struct cw_decision *d, bool *log,
			       struct cw_track *rec, struct task_struct *task);
void cw_action_tell(const struct cw_decision *d, const struct file *exe, bool log);
void cw_action_tracked(struct cw_track *rec, struct task_struct *task);
void cw_action_denied(struct file *file, const u8 *sha, struct task_struct *task);
void cw_action_spared(struct file *file, const u8 *sha, struct task_struct *task);
void cw_action_decide(struct cw_prog *prog, struct cw_track *rec,
		      struct cw_decision *d, u64 now);
void cw_action_uid_over(kuid_t uid, struct cw_decision *d, u64 now);
void cw_action_probation(struct cw_prog *prog, struct cw_track *rec,
			 u64 until, u64 now);
void cw_action_released(struct cw_track *rec, unsigned int rule,
			unsigned int for_s);
void cw_action_released_prog(struct cw_prog *prog, unsigned int rule,
			     unsigned int for_s);
void cw_action_kill_forked(struct cw_track *rec);
void cw_action_flush(void);
bool cw_action_count(unsigned int i, unsigned int *event, unsigned int *origin,
		     unsigned int *rule, u64 *n);

#endif /* _CW_ACTION_H */
