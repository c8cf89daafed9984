/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_THROTTLE_H
#define _CW_THROTTLE_H

#include <linux/types.h>

struct cw_prog;
struct cw_track;
struct kretprobe;
struct task_struct;

extern struct kretprobe cw_throttle_migrate_kretprobe;
extern struct kretprobe cw_throttle_thaw_kretprobe;

/* While a throttled program may run, the sampler runs this often (jiffies). */
#define CW_THROTTLE_TICK 2

void cw_throttle_freeze(struct task_struct *task, bool freeze);
void cw_throttle_start(struct cw_prog *prog, u64 now);
void cw_throttle_stop(struct cw_prog *prog);
void cw_throttle_release(struct cw_track *rec);
unsigned long cw_throttle_tick(u64 now);
void cw_throttle_apply(void);
int cw_throttle_release_pid(pid_t nr);
unsigned int cw_throttle_count(void);
void cw_throttle_exit(void);

#endif /* _CW_THROTTLE_H */
