/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_EXEC_H
#define _CW_EXEC_H

struct linux_binprm;
struct task_struct;

void cw_exec_probe(void *data, struct task_struct *task, pid_t old_pid,
		   struct linux_binprm *bprm);
void cw_exec_exit(void);

#endif /* _CW_EXEC_H */
