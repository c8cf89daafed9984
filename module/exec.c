// SPDX-License-Identifier: GPL-2.0
/*
 * Every exec is classified here, afresh: a tracked program that execs an
 * owned binary is tracked no longer (runc re-executes itself from a memfd,
 * then execs the container's init), and an owned one that execs an
 * unowned binary becomes tracked.
 *
 * Two things outlast an exec, as an offender must not shed them by
 * exec'ing something else: being throttled, and being released by an
 * admin.
 *
 * The exec gate (gate.c) has already seen the files of this exec; its
 * note says which one is the program (a "#!" script rather than its
 * interpreter), its content hash, and whether a rule allows it.
 */

#include <linux/binfmts.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "action.h"
#include "exec.h"
#include "gate.h"
#include "origin.h"
#include "prog.h"
#include "track.h"

void cw_exec_probe(void *data, struct task_struct *task, pid_t old_pid,
		   struct linux_binprm *bprm)
{
	struct cw_gate_note *note = cw_gate_take(task);
	unsigned int origin, oflags = 0;
	struct file *exe = bprm->file;
	struct cw_track *old, *rec = NULL;
	struct cw_prog *prog = NULL, *held;
	const u8 *sha = NULL;
	bool killed = false;

	if (note) {
		exe = note->file;
		origin = note->allowed ? CPUWARDEN_ORIGIN_NONE : note->origin;
		oflags = note->oflags;
		sha = note->hashed ? note->sha : NULL;
	} else {
		origin = cw_origin_classify(exe);
	}
	if (!origin && !cw_track_active())
		goto out;

	rcu_read_lock();
	old = cw_track_lookup(task->signal);
	held = old ? cw_track_holder(old) : NULL;
	if (held && !origin) {
		/* Throttled: exec'ing an owned program changes nothing. */
		exe = old->exe;
		origin = old->origin;
		oflags = old->oflags;
		prog = old->prog;
		if (prog)
			refcount_inc(&prog->ref);
	} else if (origin) {
		prog = cw_prog_get(exe, sha);
	}
	if (origin)
		rec = cw_track_new(task, exe, origin, oflags, prog);
	if (rec && held) {
		rec->held_by = held;
		held = NULL;
	} else if (rec && rec->prog &&
		   READ_ONCE(rec->prog->state) == CW_PROG_THROTTLED) {
		/* Another copy of a throttled program joins its hold. */
		refcount_inc(&rec->prog->ref);
		rec->held_by = rec->prog;
	}
	if (rec && old && test_bit(CW_TRACK_EXEMPT, &old->flags))
		set_bit(CW_TRACK_EXEMPT, &rec->flags);
	/*
	 * Content killed before, that the gate could not tell by hash
	 * (hash=N): the quarantine of hashed content is the gate's.
	 */
	killed = rec && rec->prog && !rec->prog->hashed &&
		 READ_ONCE(rec->prog->state) == CW_PROG_KILLED &&
		 !test_bit(CW_TRACK_EXEMPT, &rec->flags);
	rcu_read_unlock();
	cw_prog_put(held);

	/* Replaces, or drops, what the group had before this exec. */
	if (old || rec)
		cw_track_set(task, rec);
	if (killed) {
		send_sig(SIGKILL, task, 1);
		cw_action_denied(rec->exe, NULL, task);
	} else if (rec) {
		cw_action_tracked(rec, task);
	}
out:
	if (note)
		cw_gate_note_drop(note);
}
