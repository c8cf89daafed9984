/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_EXEC_H
#define _CW_EXEC_H

struct kprobe;
struct linux_binprm;
struct task_struct;

void cw_exec_probe(void *data, struct task_struct *task, pid_t old_pid,
		   struct linux_binprm *bprm);

extern struct kprobe cw_exec_script_kprobe;

#endif /* _CW_EXEC_H */
