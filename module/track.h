/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_TRACK_H
#define _CW_TRACK_H

#include <linux/atomic.h>
#include <linux/limits.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <linux/uidgid.h>

struct cw_prog;
struct file;
struct pid;
struct signal_struct;
struct task_struct;

/* Bits of cw_track.flags */
enum {
	CW_TRACK_REPORTED,	/* abnormal on its own, already reported */
	CW_TRACK_EXEMPT,	/* an admin released its program, until exit */
	CW_TRACK_RELEASE,	/* an admin asked for a release */
	CW_TRACK_HELD,		/* on cw_track_held */
	CW_TRACK_DEAD,		/* gone; final_runtime is its last word */
	CW_TRACK_THREADS,	/* has had more than one thread */
	CW_TRACK_KILL,		/* to be killed by cw_action_flush() */
	CW_TRACK_KILLED,	/* SIGKILLed by it; so is a child it forks */
	CW_TRACK_DEMOTED,	/* made SCHED_IDLE; to restore once let go */
	CW_TRACK_SHARED,	/* its program runs for another uid too */
	CW_TRACK_DECIDED,	/* KILL: by a decision, which counted it */
};

/*
 * One tracked thread group: a program of unowned origin and, through
 * fork, its descendants.  Untracked tasks have none.  Records are found
 * by the group's signal_struct, which all threads share and which exec
 * keeps; they are published with RCU, and the identity fields never
 * change after publication: an exec replaces the whole record.
 *
 * A record whose group exits or execs leaves the table at once but stays
 * on the sampler's list, CW_TRACK_DEAD, until the sampler has counted
 * the CPU time it used since the last sample.
 */
struct cw_track {
	/*
	 * What the sampler reads of every record: the first 64 bytes, one
	 * cache line while objects are 64-byte aligned (192 B in plain SLUB).
	 */
	struct list_head lnode;		/* cw_track_list, for the sampler */
	unsigned long flags;		/* CW_TRACK_* bits */
	u8 idle;			/* samples in a row under 1% (sampler) */
	u8 origin;			/* enum cpuwarden_origin */
	u8 oflags;			/* CPUWARDEN_ORIGIN_F_* */
	u8 policy;			/* to restore after a hold */
	kuid_t uid;			/* its user, cw_prog_user() */
	struct cw_prog *prog;		/* its content, referenced; may be NULL */
	/*
	 * The group's one thread, while !CW_TRACK_THREADS; not referenced:
	 * it outlives an RCU reader that saw !CW_TRACK_DEAD.
	 */
	struct task_struct *task;

	/* Written by the sampler only. */
	u64 last_ns;
	u64 last_runtime;
	u64 base_runtime;		/* of threads gone before the record */
	u64 over_since;
	unsigned int pct;
	u32 restore_pos;		/* threads restored so far (throttle.c) */
	u64 tick_runtime;

	struct hlist_node hnode;	/* cw_track_table, by sig */
	struct list_head hold_node;	/* cw_track_held, while throttled */
	struct rcu_head rcu;
	const struct signal_struct *sig;	/* the key, never dereferenced */
	struct pid *tgid;		/* referenced: never a bare number */
	struct file *exe;		/* the unowned program (binary or script) */
	struct cw_prog *held_by;	/* the throttled program it answers to */
	u64 start_ns;
	u64 final_runtime;
};

extern struct list_head cw_track_list;
extern struct list_head cw_track_held;
extern atomic_t cw_track_nr;
extern atomic_t cw_track_gen;
extern atomic_t cw_track_nr_demoted;
extern atomic_long_t cw_track_lost;

/*
 * In a walk of the sampler's lists, which a tracked fork bomb makes long:
 * let the CPU go and RCU move on when the scheduler asks.  Only by the
 * sampler, under rcu_read_lock() and at the top of a loop body, where
 * nothing found under RCU is held: it alone takes records and programs
 * off its lists, so the one the walk stands on stays.
 */
static inline void cw_track_yield(void)
{
	if (!need_resched())
		return;
	rcu_read_unlock();
	cond_resched();
	rcu_read_lock();
}

/* Untracked tasks pay this one read on fork, exec and exit. */
static inline bool cw_track_active(void)
{
	return atomic_read(&cw_track_nr) != 0;
}

struct cw_track *cw_track_lookup(const struct signal_struct *sig);
struct cw_track *cw_track_alloc(gfp_t gfp);
void cw_track_free(struct cw_track *rec);
struct cw_track *cw_track_fill(struct cw_track *rec, struct task_struct *task,
			       struct file *exe, unsigned int origin,
			       unsigned int oflags, struct cw_prog *prog);
void cw_track_reserve_fill(void);
void cw_track_reserve_drain(void);
void cw_track_set(struct task_struct *task, struct cw_track *rec);
void cw_track_hold(struct cw_track *rec, struct cw_prog *prog);
struct cw_prog *cw_track_holder(const struct cw_track *rec);
void cw_track_unhold(struct cw_track *rec);
void cw_track_reap(struct cw_track *rec);
void cw_track_demoted(struct cw_track *rec, bool demoted);
struct file *cw_track_task_exe(struct task_struct *task);
bool cw_track_descends(struct task_struct *task, const struct cw_prog *prog);
u64 cw_track_runtime(struct task_struct *leader);
bool cw_track_group_runtime(struct cw_track *rec, u64 *runtime);

void cw_track_fork_probe(void *data, struct task_struct *parent,
			 struct task_struct *child);
void cw_track_exit_probe(void *data, struct task_struct *task);
void cw_track_adopt_lost(void);
u64 cw_track_adopt_strays(u64 now);
struct file *cw_track_group_exe(struct task_struct *task);
void cw_track_lost_killed(struct pid *parent);

#define CW_SCAN_ALL_DELETED UINT_MAX
struct inode;
void cw_track_scan(const struct inode *const *only, unsigned int nr);
void cw_track_adopt(struct task_struct *task, struct file *exe,
		    unsigned int origin, unsigned int oflags);
int cw_track_init(void);
void cw_track_exit(void);

#endif /* _CW_TRACK_H */
