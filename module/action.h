/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_ACTION_H
#define _CW_ACTION_H

struct cw_track;
struct task_struct;

void cw_action_tracked(struct cw_track *rec, struct task_struct *task);
void cw_action_abnormal(struct cw_track *rec, struct task_struct *leader,
			unsigned int pct, unsigned int secs);

#endif /* _CW_ACTION_H */
