/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_TRACK_H
#define _CW_TRACK_H

#include <linux/atomic.h>
#include <linux/limits.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

struct file;
struct linux_binprm;
struct pid;
struct signal_struct;
struct task_struct;

/* cw_track.flags */
enum {
	CW_TRACK_REPORTED = 1U << 0,	/* abnormal use was reported */
	CW_TRACK_KILLED = 1U << 1,	/* SIGKILL was sent */
};

/*
 * One tracked thread group: a program of unowned origin and, through
 * fork, its descendants.  Untracked tasks have none.  Records are found
 * by the group's signal_struct, which all threads share and which exec
 * keeps; they are published with RCU, and the identity fields never
 * change after publication: an exec replaces the whole record.
 */
struct cw_track {
	struct hlist_node hnode;	/* cw_track_table, by sig */
	struct list_head lnode;		/* cw_track_list, for the sampler */
	struct rcu_head rcu;
	const struct signal_struct *sig;	/* the key, never dereferenced */
	struct pid *tgid;		/* referenced: never a bare number */
	struct file *exe;		/* the unowned program (binary or script) */
	u64 start_ns;
	u8 origin;			/* enum cpuwarden_origin */
	u8 oflags;			/* CPUWARDEN_ORIGIN_F_* */
	bool pending;			/* only a script seen by an exec underway */

	/* Written by the sampler only. */
	u8 flags;			/* CW_TRACK_* */
	u64 last_ns;
	u64 last_runtime;
	u64 over_since;

	/* Written by the exec'ing thread only, under cred_guard_mutex. */
	const struct linux_binprm *pending_bprm;
	struct file *pending_file;
	u8 pending_origin;
};

extern struct list_head cw_track_list;
extern atomic_t cw_track_nr;
extern atomic_long_t cw_track_lost;

/* Untracked tasks pay this one read on fork, exec and exit. */
static inline bool cw_track_active(void)
{
	return atomic_read(&cw_track_nr) != 0;
}

struct cw_track *cw_track_lookup(const struct signal_struct *sig);
struct cw_track *cw_track_new(struct task_struct *task, struct file *exe,
			      unsigned int origin, unsigned int oflags);
void cw_track_set(struct task_struct *task, struct cw_track *rec);
struct file *cw_track_task_exe(struct task_struct *task);
u64 cw_track_runtime(struct task_struct *leader);

void cw_track_fork_probe(void *data, struct task_struct *parent,
			 struct task_struct *child);
void cw_track_exit_probe(void *data, struct task_struct *task);

#define CW_SCAN_ALL_DELETED UINT_MAX
struct inode;
void cw_track_scan(const struct inode *const *only, unsigned int nr);
int cw_track_init(void);
void cw_track_exit(void);

#endif /* _CW_TRACK_H */
