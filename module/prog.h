/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_PROG_H
#define _CW_PROG_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <uapi/linux/cpuwarden.h>

struct cred;
struct task_struct;

struct file;

/* Slots of the sliding budget window. */
#define CW_BUDGET_SLOTS 32

/* A sliding budget window: CPU time in ms per slot (sample.c). */
struct cw_window {
	u32 slot_ms[CW_BUDGET_SLOTS];
	u64 used_ms;			/* the sum of the slots */
	u64 slot_start;
	unsigned int slot;
	unsigned int window_s;		/* the window the slots were cut for */
};

/* cw_prog.state */
enum {
	CW_PROG_NORMAL,
	CW_PROG_REPORTED,	/* abnormal, reported in monitor mode */
	CW_PROG_THROTTLED,
	CW_PROG_KILLED,
};

/*
 * A program: the same content run by the same uid, whatever its path,
 * name or PID.  Its CPU use is the sum over every thread group that runs
 * it, including groups that exited, so a miner split over four processes
 * or one that re-execs every 30 s is one consumer.  Identified by
 * SHA-256 when hashing is on, else by inode; and by the user of the task
 * that exec'd or mapped it (cw_prog_user()), so that what one user does
 * with a copy of another user's program (burn CPU, get it killed or
 * throttled) never reaches the other user's processes.  A program
 * outlives its processes for a while, so that a relaunch carries on its
 * history.
 *
 * Everything below the identity is written by the sampler only.
 */
struct cw_prog {
	struct hlist_node hnode;	/* prog_table */
	struct list_head lnode;		/* cw_prog_list */
	struct rcu_head rcu;
	refcount_t ref;			/* records, and one for the table */
	struct file *file;		/* the first file seen with it */
	bool hashed;
	kuid_t uid;			/* cw_prog_user() of its groups */
	u8 sha[CPUWARDEN_SHA256_LEN];
	const void *sb;			/* identity when not hashed */
	unsigned long ino;
	u32 gen;
	loff_t size;
	/*
	 * Known only through an executable mapping (mapped.c) or how it
	 * computes (fingerprint.c), set once: its file may be anyone's, as
	 * a user may map any file it can read and mine in the host's
	 * python3, so it is never quarantined nor refused by inode.
	 */
	bool borrowed;

	u64 period_ns;			/* CPU in the current sample */
	u64 last_ns;			/* time of the last sample */
	u64 over_since;
	u64 over_ns;			/* CPU used since over_since */
	u64 idle_since;			/* no group left */
	struct list_head qnode;		/* killed: content to quarantine */
	u64 kill_round;			/* killed by this flush (action.c), never again */
	u8 state;			/* CW_PROG_* */
	u8 rule;			/* enum cpuwarden_rule of its kill */
	unsigned int pct;		/* use in the last sample */
	u64 used_ns;			/* CPU in the last sample */

	struct cw_window window;	/* of the budget detector */

	/* Throttling. */
	struct list_head tnode;		/* cw_prog_throttled */
	struct cw_prog *bucket;		/* whose tokens it draws (throttle.c) */
	unsigned int members;		/* of the bucket it keeps, itself too */
	s64 tokens_ns;
	u64 tick_ns;			/* CPU since the last tick */
	u64 tick_at;
	u64 throttled_at;
	u64 probation_until;		/* held for probation.c until then */
	u64 at_cap_ns;
	u64 quiet_ns;
	bool frozen;
};

extern struct list_head cw_prog_list;
extern struct list_head cw_prog_throttled;

kuid_t cw_prog_user(const struct cred *cred);
kuid_t cw_prog_task_user(struct task_struct *task);
struct cw_prog *cw_prog_get(struct file *file, const u8 *sha, kuid_t uid,
			    gfp_t gfp);
void cw_prog_put(struct cw_prog *prog);
void cw_prog_evict(u64 now, u64 keep_ns);
unsigned int cw_prog_count(void);
int cw_prog_init(void);
void cw_prog_exit(void);

#endif /* _CW_PROG_H */
