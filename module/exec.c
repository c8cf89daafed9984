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
#include <linux/llist.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/workqueue.h>

#include "action.h"
#include "exec.h"
#include "gate.h"
#include "prog.h"
#include "track.h"

/*
 * Tracked events of execs, told from a work item: the probe may neither
 * allocate nor take the netlink locks on PREEMPT_RT.  Each rides on its
 * gate note, which the teller frees.
 */
static LLIST_HEAD(untold);

static void tell_fn(struct work_struct *work)
{
	struct llist_node *list = llist_reverse_order(llist_del_all(&untold));
	struct cw_gate_note *note, *tmp;

	llist_for_each_entry_safe(note, tmp, list, tell) {
		cw_action_tell(&note->event, note->file, note->log);
		cw_gate_note_free(note);
	}
}

static DECLARE_WORK(tell_work, tell_fn);

/* Hooks are gone: tell what is left. */
void cw_exec_exit(void)
{
	flush_work(&tell_work);
}

/*
 * Never allocates: the gate made the record and found the program.  A
 * program the gate had no memory for goes untracked, counted in
 * cw_track_lost.  An exec that passed the gate's place in the list just
 * before the module registered it goes untracked too, unless the scan of
 * running programs at load (cw_track_scan()) comes after it.
 */
void cw_exec_probe(void *data, struct task_struct *task, pid_t old_pid,
		   struct linux_binprm *bprm)
{
	struct cw_gate_note *note = cw_gate_take(task);
	unsigned int origin, oflags = 0;
	struct file *exe = bprm->file;
	struct cw_track *old, *rec = NULL, *spare = NULL;
	struct cw_prog *prog = NULL, *held;

	if (note) {
		exe = note->file;
		origin = note->allowed ? CPUWARDEN_ORIGIN_NONE : note->origin;
		oflags = note->oflags;
		prog = note->prog;
		note->prog = NULL;
		spare = note->rec;
	} else {
		/* The gate found it owned, or counted it lost. */
		origin = CPUWARDEN_ORIGIN_NONE;
	}
	if (!origin && !cw_track_active())
		goto out;

	rcu_read_lock();
	old = cw_track_lookup(task->signal);
	held = old ? cw_track_holder(old) : NULL;
	if (held && !origin && !spare) {
		/*
		 * No record to move to (the gate had no memory, or the group
		 * was tracked after it passed): the old one, and its hold,
		 * stay as they are.
		 */
		rcu_read_unlock();
		cw_prog_put(held);
		goto out;
	}
	if (held && !origin) {
		/* Throttled: exec'ing an owned program changes nothing. */
		exe = old->exe;
		origin = old->origin;
		oflags = old->oflags;
		prog = old->prog;
		if (prog)
			refcount_inc(&prog->ref);
	}
	if (origin) {
		rec = cw_track_fill(spare, task, exe, origin, oflags, prog);
		if (note)
			note->rec = NULL;
	}
	/*
	 * An admin released a program, not a process: one that execs
	 * another program (a build job turned miner) is judged afresh.
	 * What it maps, or a script's interpreter, is not its program.
	 */
	if (rec && old && test_bit(CW_TRACK_EXEMPT, &old->flags) &&
	    rec->prog && rec->prog == old->prog)
		set_bit(CW_TRACK_EXEMPT, &rec->flags);
	if (rec && held) {
		rec->held_by = held;
		held = NULL;
	} else if (rec && rec->prog && !test_bit(CW_TRACK_EXEMPT, &rec->flags) &&
		   READ_ONCE(rec->prog->state) == CW_PROG_THROTTLED) {
		/* Another copy of a throttled program joins its hold. */
		refcount_inc(&rec->prog->ref);
		rec->held_by = rec->prog;
	}
	/* Exec keeps the threads' policy: and what to restore of it. */
	if (rec && old && test_bit(CW_TRACK_DEMOTED, &old->flags)) {
		rec->policy = old->policy;
		cw_track_demoted(rec, true);
	}
	rcu_read_unlock();
	cw_prog_put(held);

	/* Replaces, or drops, what the group had before this exec. */
	if (old || rec)
		cw_track_set(task, rec);
	/* A record comes only with a note, which carries the event. */
	if (rec && cw_action_tracked_prepare(&note->event, &note->log, rec, task)) {
		if (note->file != rec->exe) {
			fput(note->file);
			note->file = get_file(rec->exe);
		}
		llist_add(&note->tell, &untold);
		schedule_work(&tell_work);
		return;
	}
out:
	if (note)
		cw_gate_note_drop(note);
}
