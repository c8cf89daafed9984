// SPDX-License-Identifier: GPL-2.0
/*
 * A miner known by how it computes, wherever its file: root's drop in a
 * root-owned directory, the host's own python3 mining through ctypes, a
 * copy of the host's xmrig.  RandomX, the proof of work Monero is mined
 * with, sets the SSE rounding mode (MXCSR.RC, bits 13-14) from random
 * data with its CFROUND instruction, once per few hundred instructions,
 * so a thread that is switched out while hashing has saved a mode other
 * than round-to-nearest three times in four.  Ordinary programs round to
 * nearest all their life; the few that round up or down (interval
 * arithmetic) do so for moments.
 *
 * Every CW_SURVEY_MS a work item walks every thread group once, under
 * RCU, reading counters only: the scheduler's running average of each
 * thread's CPU use (PELT's util_avg) and, for a group busy over a
 * quarter of a CPU, the MXCSR each thread saved at its last switch-out.
 * Nothing is hooked per context switch, and an untracked task costs
 * nothing between surveys.  A group caught with a directed rounding mode
 * in CW_SURVEY_HITS surveys in a row is tracked with origin
 * CPUWARDEN_ORIGIN_RANDOMX; from then on the sampler measures it and the
 * policy decides, as for any tracked program.  Its file is the group's
 * exe_file, borrowed (prog.h): never quarantined, as it may be the
 * host's interpreter.
 *
 * Reads another task's FPU state without stopping it: the saved copy may
 * be a switch-out old (harmless: a sample), and a buffer the task freed
 * meanwhile (an AMX state reallocation) is read with
 * copy_from_kernel_nofault().  x86 only; elsewhere there is no survey.
 */

#include <linux/file.h>
#include <linux/jiffies.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <uapi/linux/cpuwarden.h>
#ifdef CONFIG_X86
#include <asm/fpu/types.h>
#endif

#include "fingerprint.h"
#include "policy.h"
#include "track.h"

#define CW_SURVEY_MS 4000
#define CW_SURVEY_HITS 2
/* Groups caught once and waiting for the next survey. */
#define CW_SUSPECTS 32
/* A group's summed util_avg, of SCHED_CAPACITY_SCALE per CPU. */
#define CW_SURVEY_BUSY (SCHED_CAPACITY_SCALE / 4)
#define CW_MXCSR_RC (3U << 13)

struct cw_suspect {
	const struct signal_struct *sig;	/* the key, never dereferenced */
	struct pid *tgid;			/* referenced: the identity */
	unsigned int hits;
	bool seen;				/* caught in this survey */
};

/* The work item's alone: it runs one survey at a time. */
static struct cw_suspect suspects[CW_SUSPECTS];
static bool stopping;

static void survey_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(survey_work, survey_fn);

/*
 * Whether @t saved a rounding mode other than round-to-nearest.  A KVM
 * vCPU thread has its guest's state in ->fpstate for as long as it runs
 * the guest, and its own in ->__task_fpstate then: a guest's user must
 * not get the host's QEMU judged by what it computes.
 */
static bool directed_rounding(struct task_struct *t)
{
#ifdef CONFIG_X86
	struct fpstate *fps = READ_ONCE(t->thread.fpu.__task_fpstate);
	u32 mxcsr;

	if (!fps)
		fps = READ_ONCE(t->thread.fpu.fpstate);

	if (!fps || copy_from_kernel_nofault(&mxcsr, &fps->regs.fxsave.mxcsr,
					     sizeof(mxcsr)))
		return false;
	return mxcsr & CW_MXCSR_RC;
#else
	return false;
#endif
}

/* Whether @p's group is busy and computes like RandomX.  Under RCU. */
static bool computes_like_randomx(struct task_struct *p)
{
	unsigned long util = 0;
	struct task_struct *t;

	for_each_thread(p, t)
		util += READ_ONCE(t->se.avg.util_avg);
	if (util < CW_SURVEY_BUSY)
		return false;
	for_each_thread(p, t)
		if (directed_rounding(t))
			return true;
	return false;
}

/* Count a hit for @p's group: a new suspect, unless the table is full. */
static void suspect(struct task_struct *p)
{
	struct cw_suspect *free = NULL;
	struct pid *tgid = task_tgid(p);
	unsigned int i;

	for (i = 0; i < CW_SUSPECTS; i++) {
		struct cw_suspect *s = &suspects[i];

		if (s->sig == p->signal && s->tgid == tgid) {
			s->hits++;
			s->seen = true;
			return;
		}
		if (!s->tgid && !free)
			free = s;
	}
	if (free)
		*free = (struct cw_suspect) {
			.sig = p->signal,
			.tgid = get_pid(tgid),
			.hits = 1,
			.seen = true,
		};
}

/* Track @s's group, unless it is gone, tracked already or allowed. */
static void adopt(const struct cw_suspect *s)
{
	struct task_struct *task = get_pid_task(s->tgid, PIDTYPE_TGID);
	struct file *exe;

	if (!task)
		return;
	/* The same group still, not a reused pid's. */
	exe = task->signal == s->sig ? cw_track_group_exe(task) : NULL;
	if (exe) {
		cw_track_adopt(task, exe, CPUWARDEN_ORIGIN_RANDOMX, 0);
		fput(exe);
	}
	put_task_struct(task);
}

static void forget(struct cw_suspect *s)
{
	put_pid(s->tgid);
	*s = (struct cw_suspect) {};
}

static void survey(void)
{
	struct task_struct *p;
	unsigned int i;

	for (i = 0; i < CW_SUSPECTS; i++)
		suspects[i].seen = false;
	rcu_read_lock();
	for_each_process(p) {
		if (p->flags & PF_KTHREAD)
			continue;
		if (cw_track_active() && cw_track_lookup(p->signal))
			continue;
		if (computes_like_randomx(p))
			suspect(p);
	}
	rcu_read_unlock();

	/* Hits must come in a row: a moment of directed rounding is not one. */
	for (i = 0; i < CW_SUSPECTS; i++) {
		struct cw_suspect *s = &suspects[i];

		if (!s->tgid)
			continue;
		if (s->seen && s->hits >= CW_SURVEY_HITS && !READ_ONCE(stopping))
			adopt(s);
		if (!s->seen || s->hits >= CW_SURVEY_HITS)
			forget(s);
		cond_resched();
	}
}

static void forget_all(void)
{
	unsigned int i;

	for (i = 0; i < CW_SUSPECTS; i++)
		if (suspects[i].tgid)
			forget(&suspects[i]);
}

static void survey_fn(struct work_struct *work)
{
	/* Off, the hits so far lapse: two in a row means two surveys apart. */
	if (cw_policy_get(randomx))
		survey();
	else
		forget_all();
	if (!READ_ONCE(stopping))
		queue_delayed_work(system_unbound_wq, &survey_work,
				   msecs_to_jiffies(CW_SURVEY_MS));
}

/* The hooks are registered: the groups it tracks are followed. */
void cw_fingerprint_start(void)
{
	queue_delayed_work(system_unbound_wq, &survey_work,
			   msecs_to_jiffies(CW_SURVEY_MS));
}

/* Before the records go: no survey runs or will. */
void cw_fingerprint_exit(void)
{
	WRITE_ONCE(stopping, true);
	cancel_delayed_work_sync(&survey_work);
	forget_all();
}
