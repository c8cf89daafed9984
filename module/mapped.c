// SPDX-License-Identifier: GPL-2.0
/*
 * Unowned code run without an exec of it: "ld.so /tmp/x", LD_PRELOAD of
 * an unowned library, or mmap() or mprotect() with PROT_EXEC of any
 * unowned file.  The file exec'd is owned (the loader, or the program a
 * library is injected into), so the exec gate lets it be; the unowned
 * file shows only when it is mapped executable.
 *
 * No tracepoint fires on a mapping with its file, so one kprobe on each
 * LSM entry point, security_mmap_file() and security_file_mprotect(),
 * sees every mapping.  A mapping without PROT_EXEC or without a file
 * costs a test and a return; an executable one by an untracked group
 * costs cw_origin_classify_mapping(), about what an exec does (all but
 * "unpackaged").  An unowned file is noted with its group, at most once
 * per group until a work item, which may sleep, tracks the group with
 * origin flag F_MAPPED and the file as its program.
 */

#include <linux/file.h>
#include <linux/kprobes.h>
#include <linux/mman.h>
#include <linux/mm_types.h>
#include <linux/personality.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/security.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "hooks.h"
#include "mapped.h"
#include "origin.h"
#include "policy.h"
#include "track.h"

/*
 * Groups noted and not yet tracked.  The kprobes run with preemption
 * off, where a PREEMPT_RT kernel allows no allocation: a fixed table,
 * which a kworker empties within moments.  A note that finds it full is
 * counted as a lost track (cpuwarden status).
 */
#define CW_MAPPED_SLOTS 128

struct cw_mapped_note {
	const struct signal_struct *sig;	/* the key, never dereferenced */
	struct pid *tgid;
	struct file *file;
	unsigned int origin;
};

static struct cw_mapped_note slots[CW_MAPPED_SLOTS];
static unsigned int nr_slots;
static DEFINE_RAW_SPINLOCK(slots_lock);
static bool stopped;

static void mapped_fn(struct work_struct *work);
static DECLARE_WORK(mapped_work, mapped_fn);

/* Track the group of @note's task, unless it is tracked, allowed or gone. */
static void adopt(const struct cw_mapped_note *note)
{
	struct task_struct *task = get_pid_task(note->tgid, PIDTYPE_TGID);

	if (!task)
		return;
	cw_track_adopt(task, note->file, note->origin, CPUWARDEN_ORIGIN_F_MAPPED);
	put_task_struct(task);
}

/* Take the last note, if any, into @note. */
static bool take(struct cw_mapped_note *note)
{
	bool ret = false;

	raw_spin_lock(&slots_lock);
	if (nr_slots) {
		*note = slots[--nr_slots];
		ret = true;
	}
	raw_spin_unlock(&slots_lock);
	return ret;
}

static void mapped_fn(struct work_struct *work)
{
	struct cw_mapped_note note;

	while (take(&note)) {
		if (!READ_ONCE(stopped))
			adopt(&note);
		put_pid(note.tgid);
		fput(note.file);
		cond_resched();
	}
}

/*
 * @file is being mapped executable by current.  From a kprobe: no
 * sleeping, no allocation.
 */
static void mapped_exec(struct file *file)
{
	struct signal_struct *sig = current->signal;
	struct mm_struct *mm = current->mm;
	unsigned int origin, i;
	bool queue = false;

	if (!file || (current->flags & (PF_KTHREAD | PF_EXITING)) ||
	    !cw_policy_get(mapped))
		return;
	/*
	 * The program's own file, as exec maps it: the gate's.  Only in
	 * exec, as prctl(PR_SET_MM_MAP) lets a user namespace's root make
	 * any file its exe_file.
	 */
	if (current->in_execve && mm && file == rcu_access_pointer(mm->exe_file))
		return;
	if (cw_track_active()) {
		rcu_read_lock();
		queue = cw_track_lookup(sig);
		rcu_read_unlock();
		if (queue)
			return;
	}
	/*
	 * Not a memfd: JITs map their code from one (.NET's double mapping,
	 * libffi's closures), in every process of theirs, root's too.  An
	 * exec from a memfd is the gate's.
	 */
	origin = cw_origin_classify_mapping(file);
	if (!origin || origin == CPUWARDEN_ORIGIN_FILELESS)
		return;

	raw_spin_lock(&slots_lock);
	for (i = 0; i < nr_slots; i++)
		if (slots[i].sig == sig)
			break;
	if (stopped || i < nr_slots) {
		/* Noted already, or too late. */
	} else if (nr_slots == CW_MAPPED_SLOTS) {
		atomic_long_inc(&cw_track_lost);
	} else {
		slots[nr_slots++] = (struct cw_mapped_note) {
			.sig = sig,
			.tgid = get_pid(task_tgid(current)),
			.file = get_file(file),
			.origin = origin,
		};
		queue = true;
	}
	raw_spin_unlock(&slots_lock);
	if (queue)
		queue_work(system_unbound_wq, &mapped_work);
}

/*
 * security_mmap_file(struct file *file, unsigned long prot, unsigned long flags)
 *
 * prot is as the caller asked: under personality(READ_IMPLIES_EXEC) a
 * readable mapping is executable too (mmap_prot(), which also spares
 * noexec mounts: any readable one is taken here).
 */
CW_FITS(security_mmap_file((struct file *)NULL, 1UL, 1UL));

static int mmap_pre(struct kprobe *kp, struct pt_regs *regs)
{
	unsigned long prot = regs_get_kernel_argument(regs, 1);

	if ((prot & PROT_EXEC) ||
	    ((prot & PROT_READ) && (current->personality & READ_IMPLIES_EXEC)))
		mapped_exec((struct file *)regs_get_kernel_argument(regs, 0));
	return 0;
}

/*
 * security_file_mprotect(struct vm_area_struct *vma, unsigned long reqprot,
 *			  unsigned long prot)
 */
CW_FITS(security_file_mprotect((struct vm_area_struct *)NULL, 1UL, 1UL));

static int mprotect_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct vm_area_struct *vma;

	if (!(regs_get_kernel_argument(regs, 2) & PROT_EXEC))
		return 0;
	vma = (struct vm_area_struct *)regs_get_kernel_argument(regs, 0);
	mapped_exec(vma->vm_file);
	return 0;
}

struct kprobe cw_mapped_mmap_kprobe = {
	.symbol_name = "security_mmap_file",
	.pre_handler = mmap_pre,
};

struct kprobe cw_mapped_mprotect_kprobe = {
	.symbol_name = "security_file_mprotect",
	.pre_handler = mprotect_pre,
};

/*
 * The kprobes are unregistered: no note comes any more.  Those pending
 * are dropped, not tracked: the module is on its way out.
 */
void cw_mapped_exit(void)
{
	raw_spin_lock(&slots_lock);
	WRITE_ONCE(stopped, true);
	raw_spin_unlock(&slots_lock);
	cancel_work_sync(&mapped_work);
	mapped_fn(NULL);
}
