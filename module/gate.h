/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_GATE_H
#define _CW_GATE_H

#include <linux/llist.h>
#include <linux/types.h>
#include <uapi/linux/cpuwarden.h>

#include "action.h"

struct cw_prog;
struct cw_track;
struct file;
struct linux_binprm;
struct task_struct;

/*
 * What the gate learnt about an exec, and what it allocated for it, for
 * sched_process_exec, which may not allocate.  Made for a program of
 * unowned origin, and for any exec by a tracked group.
 */
struct cw_gate_note {
	struct hlist_node hnode;
	union {
		struct rcu_head rcu;
		struct llist_node tell;	/* exec.c: an event to tell */
	};
	const struct task_struct *task;	/* the key, never dereferenced */
	struct file *file;		/* the program, or an owned file */
	struct cw_track *rec;		/* zeroed, for exec.c to fill */
	struct cw_prog *prog;		/* referenced, unless owned or allowed */
	u8 origin;			/* 0: owned */
	u8 oflags;
	bool hashed;
	bool allowed;
	u8 sha[CPUWARDEN_SHA256_LEN];
	bool log;			/* exec.c: log the event too */
	struct cw_decision event;	/* exec.c: what to tell */
};

struct cw_gate_note *cw_gate_take(struct task_struct *task);
void cw_gate_note_drop(struct cw_gate_note *note);
void cw_gate_note_free(struct cw_gate_note *note);
void cw_gate_exit_probe(void *data, struct task_struct *task);
int cw_gate_register(void);
void cw_gate_unregister(void);

#endif /* _CW_GATE_H */
