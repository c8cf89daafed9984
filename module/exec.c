// SPDX-License-Identifier: GPL-2.0
/*
 * Every exec is classified here, afresh: a tracked program that execs an
 * owned binary is tracked no longer (runc re-executes itself from a memfd,
 * then execs the container's init), and an owned one that execs an
 * unowned binary becomes tracked.
 *
 * For a "#!" script the program is the script, not the interpreter.  By
 * the time sched_process_exec fires the script's file is already closed,
 * and no tracepoint fires while it is open, so a kprobe on
 * security_bprm_check(), which sees each file of the binfmt chain, notes
 * an unowned script in the group's record for this one exec.
 */

#include <linux/binfmts.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kprobes.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "action.h"
#include "exec.h"
#include "origin.h"
#include "track.h"

void cw_exec_probe(void *data, struct task_struct *task, pid_t old_pid,
		   struct linux_binprm *bprm)
{
	unsigned int origin = cw_origin_classify(bprm->file);
	struct file *exe = bprm->file;
	unsigned int oflags = 0;
	struct cw_track *old, *rec;

	if (!origin && !cw_track_active())
		return;

	rcu_read_lock();
	old = cw_track_lookup(task->signal);
	/* bprm->interp differs from ->filename only when a binfmt rewrote it. */
	if (old && old->pending_bprm == bprm && bprm->interp != bprm->filename) {
		exe = old->pending_file;
		origin = old->pending_origin;
		oflags = CPUWARDEN_ORIGIN_F_SCRIPT;
	}
	rec = origin ? cw_track_new(task, exe, origin, oflags) : NULL;
	rcu_read_unlock();

	/* Replaces, or drops, what the group had before this exec. */
	if (old || rec)
		cw_track_set(task, rec);
	if (rec)
		cw_action_tracked(rec, task);
}

static int script_check(struct kprobe *kp, struct pt_regs *regs)
{
	struct linux_binprm *bprm = (void *)regs_get_kernel_argument(regs, 0);
	struct cw_track *rec, *new = NULL;
	unsigned int origin;

	if (bprm->buf[0] != '#' || bprm->buf[1] != '!')
		return 0;
	origin = cw_origin_classify(bprm->file);
	if (!origin && !cw_track_active())
		return 0;

	/*
	 * The exec'ing thread holds cred_guard_mutex, so no other thread
	 * of the group touches the pending fields until sched_process_exec.
	 */
	rcu_read_lock();
	rec = cw_track_lookup(current->signal);
	if (!rec && origin) {
		new = cw_track_new(current, bprm->file, origin, 0);
		rec = new;
		if (new)
			new->pending = true;
	}
	if (rec) {
		if (rec->pending_file)
			fput(rec->pending_file);
		rec->pending_file = origin ? get_file(bprm->file) : NULL;
		rec->pending_origin = origin;
		rec->pending_bprm = origin ? bprm : NULL;
	}
	rcu_read_unlock();
	if (new)
		cw_track_set(current, new);
	return 0;
}

struct kprobe cw_exec_script_kprobe = {
	.symbol_name = "security_bprm_check",
	.pre_handler = script_check,
};
