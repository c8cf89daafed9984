/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_GATE_H
#define _CW_GATE_H

#include <linux/types.h>
#include <uapi/linux/cpuwarden.h>

struct file;
struct linux_binprm;
struct task_struct;

/* What the gate learnt about an exec, for sched_process_exec. */
struct cw_gate_note {
	struct hlist_node hnode;
	struct rcu_head rcu;
	const struct task_struct *task;	/* the key, never dereferenced */
	struct file *file;		/* the unowned program */
	u8 origin;
	u8 oflags;
	bool hashed;
	bool allowed;
	u8 sha[CPUWARDEN_SHA256_LEN];
};

struct cw_gate_note *cw_gate_take(struct task_struct *task);
void cw_gate_note_drop(struct cw_gate_note *note);
void cw_gate_exit_probe(void *data, struct task_struct *task);
int cw_gate_register(void);
void cw_gate_unregister(void);

#endif /* _CW_GATE_H */
