// SPDX-License-Identifier: GPL-2.0
/*
 * Throttling: hold an offending program at or below "cap" percent of one
 * CPU, and demote it to SCHED_IDLE so that it never competes with owned
 * work.
 *
 * The cap is a token bucket per user (cw_prog_user()), filled at cap
 * percent of wall time and drained by the CPU time of every thread group
 * that answers to one of the user's throttled programs: a miner split
 * into copies of different bytes, each throttled as a program of its
 * own, shares one cap, not one each.  While the bucket is in debt, each
 * of their threads is trapped the way the cgroup v2 freezer traps a
 * task: JOBCTL_TRAP_FREEZE makes it sleep in get_signal() on its next way
 * back to user space.  This is why the cap cannot be escaped:
 *
 *   - SIGCONT and every other signal but SIGKILL leave the trap in place:
 *     the task wakes, sees the bit, and sleeps again;
 *   - nice(), setpriority(), sched_setattr() and sched_setaffinity() change
 *     how it is scheduled, not whether it may run;
 *   - new threads and children are trapped by a tick run as soon as they
 *     are forked, and their CPU time is drawn from the same bucket;
 *   - exec keeps the group answering to the program (see exec.c).
 *
 * No code of this module runs in the throttled task's context, so unload
 * needs nothing more than clearing the bits and waking the sleepers.  If
 * the task's cgroup is frozen by the real freezer meanwhile, the kernel
 * sets the bit again itself (cgroup_leave_frozen()).
 *
 * The demotion is checked every tick and applied again if the offender
 * undid it; that needs sleeping, so it happens after the RCU walk, a
 * batch at a time.  It keeps each thread's nice value, and a released
 * group gets back the policy it had when it was first held (SCHED_NORMAL
 * or SCHED_BATCH) at its threads' nice values: every thread, however many
 * batches and ticks that takes, and on unload too (CW_TRACK_DEMOTED).
 */

#include <linux/cgroup.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/pid.h>
#include <linux/ptrace.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/sched/jobctl.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/types.h>
#include <linux/spinlock.h>
#include <uapi/linux/sched/types.h>

#include "action.h"
#include "hooks.h"
#include "policy.h"
#include "prog.h"
#include "sample.h"
#include "throttle.h"
#include "track.h"

/* Tasks to demote or restore per batch; the rest wait for the next one. */
#define CW_SCHED_BATCH 64

/* Largest credit, as wall time at the cap: bounds a burst after a rest. */
#define CW_THROTTLE_BURST_NS (100 * NSEC_PER_MSEC)

static struct task_struct *sched_batch[CW_SCHED_BATCH];
static u8 sched_policy[CW_SCHED_BATCH];
static unsigned int nr_sched;

/*
 * Whether the cgroup v2 freezer is freezing @task's cgroup (an admin's
 * cgroup.freeze, docker pause): the trap is then the freezer's, and
 * letting go of the task must leave it in place.  Mirrors the test of
 * CGRP_FREEZE in cgroup_freezer_migrate_task().
 */
static bool cgroup_freezing(struct task_struct *task)
{
	bool ret;

	rcu_read_lock();
	ret = test_bit(CGRP_FREEZE, &task_dfl_cgroup(task)->flags);
	rcu_read_unlock();
	return ret;
}

/* Under @task's siglock; whether it must be kicked into the kernel. */
static bool freeze_locked(struct task_struct *task, bool freeze)
{
	if (freeze && !(task->jobctl & JOBCTL_TRAP_FREEZE)) {
		task->jobctl |= JOBCTL_TRAP_FREEZE;
		set_tsk_thread_flag(task, TIF_SIGPENDING);
		return true;
	}
	if (!freeze && (task->jobctl & JOBCTL_TRAP_FREEZE) &&
	    !cgroup_freezing(task)) {
		task->jobctl &= ~JOBCTL_TRAP_FREEZE;
		/*
		 * Always, as cgroup_freeze_task() does: a task that saw the
		 * bit has set itself asleep under the siglock, but sets
		 * ->frozen only after dropping it (do_freezer_trap()), and
		 * would sleep for ever if only ->frozen ones were woken.
		 */
		wake_up_process(task);
	}
	return false;
}

/*
 * Trap @task, or let it go.  A running task is sent into the kernel at
 * once; a sleeping one is trapped when it wakes, as it uses no CPU until
 * then.  Only a task sleeping in the trap (->frozen) is woken to leave it.
 * The siglock is taken as lock_task_sighand() does, whose slow path is
 * not exported.
 */
void cw_throttle_freeze(struct task_struct *task, bool freeze)
{
	struct sighand_struct *sighand;
	unsigned long flags;
	bool kick = false;

	if (!!(READ_ONCE(task->jobctl) & JOBCTL_TRAP_FREEZE) == freeze)
		return;
	rcu_read_lock();
	sighand = rcu_dereference(task->sighand);
	while (sighand) {
		spin_lock_irqsave(&sighand->siglock, flags);
		if (likely(sighand == rcu_access_pointer(task->sighand))) {
			kick = freeze_locked(task, freeze);
			spin_unlock_irqrestore(&sighand->siglock, flags);
			break;
		}
		spin_unlock_irqrestore(&sighand->siglock, flags);
		sighand = rcu_dereference(task->sighand);
	}
	rcu_read_unlock();
	if (kick)
		kick_process(task);
}

/* Set @task's policy to @policy at cw_throttle_apply(); false if full. */
static bool queue_sched(struct task_struct *task, unsigned int policy)
{
	if (nr_sched == CW_SCHED_BATCH)
		return false;
	get_task_struct(task);
	sched_policy[nr_sched] = policy;
	sched_batch[nr_sched++] = task;
	return true;
}

/* Every thread of @rec's group: trapped or not, demoted. */
static void hold_group(struct cw_track *rec, struct task_struct *leader,
		       bool freeze)
{
	struct task_struct *t;

	for_each_thread(leader, t) {
		if (t->flags & PF_EXITING)
			continue;
		cw_throttle_freeze(t, freeze);
		if (t->policy != SCHED_IDLE && queue_sched(t, SCHED_IDLE))
			cw_track_demoted(rec, true);
	}
}

/* cw_track.restore_pos once a sweep went through every thread. */
#define CW_RESTORED U32_MAX

/*
 * Queue the threads of @rec's group that are still SCHED_IDLE for their
 * policy back, from where the last batch stopped: one sweep, so that a
 * program that makes itself SCHED_IDLE again is not chased.  True once
 * the sweep was applied, at the pass after it: a child forked before
 * that inherits the mark (cw_track_fork_probe()).  Under RCU.
 */
static bool restore_group(struct cw_track *rec)
{
	struct task_struct *leader, *t;
	u32 n = 0;

	if (rec->restore_pos == CW_RESTORED ||
	    test_bit(CW_TRACK_DEAD, &rec->flags) || rec->policy == SCHED_IDLE)
		return true;
	leader = pid_task(rec->tgid, PIDTYPE_TGID);
	if (!leader)
		return true;
	for_each_thread(leader, t) {
		if (n++ < rec->restore_pos)
			continue;
		if (t->policy == SCHED_IDLE && !(t->flags & PF_EXITING) &&
		    !queue_sched(t, rec->policy)) {
			rec->restore_pos = n - 1;
			return false;
		}
	}
	rec->restore_pos = CW_RESTORED;
	return false;
}

/*
 * Restore what released groups had, as far as a batch goes; true while
 * any is left for a later pass.  Under RCU.
 */
static bool restore_pass(void)
{
	struct cw_track *rec;
	bool more = false;

	if (!atomic_read(&cw_track_nr_demoted))
		return false;
	list_for_each_entry_rcu(rec, &cw_track_list, lnode) {
		cw_track_yield();
		if (!test_bit(CW_TRACK_DEMOTED, &rec->flags) ||
		    test_bit(CW_TRACK_HELD, &rec->flags))
			continue;
		if (restore_group(rec)) {
			cw_track_demoted(rec, false);
			continue;
		}
		more = true;
		if (nr_sched == CW_SCHED_BATCH)
			break;
	}
	return more;
}

/*
 * Start holding @prog: every group running it, and the tracked
 * descendants of those.  Children forked later inherit the hold (see
 * cw_track_fork_probe()).  Called by the sampler under RCU.
 */
/* Programs on cw_prog_throttled; written by the sampler only. */
static unsigned int nr_throttled;

unsigned int cw_throttle_count(void)
{
	return READ_ONCE(nr_throttled);
}

/*
 * A user's bucket is kept by the first of its programs throttled, which
 * comes before the others on cw_prog_throttled and counts them; when that
 * one is let go, by the next of them, with the tokens it had.
 */
static struct cw_prog *bucket_of(kuid_t uid)
{
	struct cw_prog *p;

	list_for_each_entry(p, &cw_prog_throttled, tnode)
		if (p->bucket == p && uid_eq(p->uid, uid))
			return p;
	return NULL;
}

static void bucket_pass_on(struct cw_prog *prog)
{
	struct cw_prog *p, *heir = NULL;

	if (prog->bucket != prog) {
		prog->bucket->members--;
		return;
	}
	list_for_each_entry(p, &cw_prog_throttled, tnode) {
		if (p == prog || p->bucket != prog)
			continue;
		if (!heir) {
			heir = p;
			heir->tokens_ns = prog->tokens_ns;
			heir->tick_at = prog->tick_at;
			heir->members = prog->members - 1;
		}
		p->bucket = heir;
	}
}

void cw_throttle_start(struct cw_prog *prog, u64 now)
{
	struct task_struct *leader;
	struct cw_track *rec;

	prog->bucket = bucket_of(prog->uid) ?: prog;
	if (prog->bucket == prog)
		prog->members = 1;
	else
		prog->bucket->members++;
	WRITE_ONCE(prog->state, CW_PROG_THROTTLED);
	prog->throttled_at = now;
	prog->tick_at = now;
	prog->tick_ns = 0;
	prog->tokens_ns = 0;
	prog->at_cap_ns = 0;
	prog->quiet_ns = 0;
	WRITE_ONCE(prog->frozen, false);
	list_add_tail(&prog->tnode, &cw_prog_throttled);
	WRITE_ONCE(nr_throttled, nr_throttled + 1);

	list_for_each_entry_rcu(rec, &cw_track_list, lnode) {
		cw_track_yield();
		if (test_bit(CW_TRACK_DEAD, &rec->flags) ||
		    test_bit(CW_TRACK_EXEMPT, &rec->flags))
			continue;
		leader = pid_task(rec->tgid, PIDTYPE_TGID);
		if (!leader)
			continue;
		if (rec->prog == prog || cw_track_descends(leader, prog)) {
			rec->tick_runtime = cw_track_runtime(leader);
			/* What to give back; a policy of its own choice stays. */
			if (!test_bit(CW_TRACK_DEMOTED, &rec->flags))
				rec->policy = leader->policy == SCHED_BATCH ||
					      leader->policy == SCHED_IDLE ?
					      leader->policy : SCHED_NORMAL;
			cw_track_hold(rec, prog);
		}
	}
}

/*
 * Let @rec's group go; its scheduling is restored by the next restore
 * passes (cw_throttle_tick()).  Under RCU.
 */
void cw_throttle_release(struct cw_track *rec)
{
	struct task_struct *leader, *t;

	leader = pid_task(rec->tgid, PIDTYPE_TGID);
	if (leader)
		for_each_thread(leader, t)
			cw_throttle_freeze(t, false);
	rec->restore_pos = 0;
	cw_track_unhold(rec);
}

/* Let every group answering to @prog go.  Under RCU. */
void cw_throttle_stop(struct cw_prog *prog)
{
	struct cw_track *rec;

	if (!list_empty(&prog->tnode)) {
		bucket_pass_on(prog);
		WRITE_ONCE(nr_throttled, nr_throttled - 1);
	}
	list_del_init(&prog->tnode);
	WRITE_ONCE(prog->frozen, false);
	list_for_each_entry_rcu(rec, &cw_track_held, hold_node)
		if (rec->held_by == prog)
			cw_throttle_release(rec);
}

/*
 * One tick of the cap, under RCU: charge each user's bucket with the CPU
 * its programs' groups used since the last tick, then trap or free them.
 * Returns the jiffies until the next tick is due: a program in debt
 * needs none until it has paid it off, so a program held at a small cap
 * costs a few ticks a second, not one per CW_THROTTLE_TICK.  0 when
 * nothing is held: a throttled program none of whose processes is left
 * keeps its state, for a relaunch to join, but needs no tick.
 */
unsigned long cw_throttle_tick(u64 now)
{
	u64 wait_ns = NSEC_PER_SEC;
	unsigned int cap = cw_policy_get(cap);
	struct task_struct *leader;
	struct cw_track *rec;
	struct cw_prog *p;
	u64 runtime;

	/* Threads left to restore: the next batch at the next tick. */
	if (restore_pass())
		wait_ns = 0;
	else if (list_empty(&cw_prog_throttled) || list_empty(&cw_track_held))
		return 0;

	list_for_each_entry_rcu(rec, &cw_track_held, hold_node) {
		cw_track_yield();
		if (test_bit(CW_TRACK_DEAD, &rec->flags)) {
			smp_rmb();	/* pairs with retire_locked() */
			runtime = rec->final_runtime;
		} else {
			leader = pid_task(rec->tgid, PIDTYPE_TGID);
			runtime = leader ? cw_track_runtime(leader) : rec->tick_runtime;
		}
		if (runtime > rec->tick_runtime)
			rec->held_by->tick_ns += runtime - rec->tick_runtime;
		rec->tick_runtime = runtime;
	}

	/* Fill each bucket, drain it by each of its programs, then judge. */
	list_for_each_entry(p, &cw_prog_throttled, tnode) {
		if (p->bucket != p)
			continue;
		p->tokens_ns += div_u64((now - p->tick_at) * cap, 100);
		p->tick_at = now;
	}
	list_for_each_entry(p, &cw_prog_throttled, tnode) {
		p->bucket->tokens_ns -= p->tick_ns;
		p->tick_ns = 0;
	}
	list_for_each_entry(p, &cw_prog_throttled, tnode) {
		s64 burst = div_u64(CW_THROTTLE_BURST_NS * cap, 100);
		struct cw_prog *b = p->bucket;

		/* The keeper comes first: its bucket is capped before use. */
		if (b == p && b->tokens_ns > burst)
			b->tokens_ns = burst;
		WRITE_ONCE(p->frozen, b->tokens_ns < 0);
		if (p->frozen)
			wait_ns = min(wait_ns, div_u64(-b->tokens_ns * 100, cap));
		else
			wait_ns = 0;
	}

	list_for_each_entry_rcu(rec, &cw_track_held, hold_node) {
		cw_track_yield();
		/* A hold that came in late is dropped by the next sample. */
		if (test_bit(CW_TRACK_DEAD, &rec->flags) ||
		    READ_ONCE(rec->held_by->state) != CW_PROG_THROTTLED)
			continue;
		leader = pid_task(rec->tgid, PIDTYPE_TGID);
		if (leader)
			hold_group(rec, leader, rec->held_by->frozen);
	}
	return max_t(unsigned long, CW_THROTTLE_TICK, nsecs_to_jiffies(wait_ns));
}

/*
 * The cgroup v2 freezer lets go of a task in the trap in two ways that
 * any user with a delegated subtree can take as often as it likes: a
 * move to another css_set (cgroup.procs, or cgroup.subtree_control),
 * where cgroup_freezer_migrate_task() clears the bit of a ->frozen task,
 * and a thaw (cgroup.freeze 0), which clears it for every task below.
 * No tracepoint comes after either (cgroup_attach_task misses the
 * subtree_control path, cgroup_unfreeze fires before the thaw), so two
 * kretprobes trap a held group in debt again as those functions return.
 * Their handlers run with preemption off: on PREEMPT_RT, where the
 * siglock may sleep, they run a throttle tick at once instead.
 */
static void retrap(struct task_struct *task, bool *tick)
{
	struct cw_track *rec;
	struct cw_prog *held;
	struct task_struct *t;

	rec = cw_track_lookup(task->signal);
	held = rec ? cw_track_holder(rec) : NULL;
	if (held && READ_ONCE(held->frozen)) {
		if (IS_ENABLED(CONFIG_PREEMPT_RT))
			*tick = true;
		else
			for_each_thread(task, t)
				cw_throttle_freeze(t, true);
	}
	cw_prog_put(held);
}

/* cgroup_freezer_migrate_task(task, src, dst) lets go only a ->frozen task. */
CW_FITS(cgroup_freezer_migrate_task((struct task_struct *)NULL,
				    (struct cgroup *)NULL, (struct cgroup *)NULL));

static int migrate_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct task_struct *task = (void *)regs_get_kernel_argument(regs, 0);

	if (!cw_track_active() || !task->frozen)
		return 1;
	*(struct task_struct **)ri->data = task;
	return 0;
}

static int migrate_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	bool tick = false;

	rcu_read_lock();
	retrap(*(struct task_struct **)ri->data, &tick);
	rcu_read_unlock();
	if (tick)
		cw_sample_now();
	return 0;
}

struct kretprobe cw_throttle_migrate_kretprobe = {
	.kp.symbol_name = "cgroup_freezer_migrate_task",
	.entry_handler = migrate_entry,
	.handler = migrate_return,
	.data_size = sizeof(struct task_struct *),
};

/* cgroup_freeze(cgrp, freeze): only a thaw, only while something is held. */
CW_FITS(cgroup_freeze((struct cgroup *)NULL, true));

static int thaw_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	return regs_get_kernel_argument(regs, 1) || !READ_ONCE(nr_throttled);
}

static int thaw_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct task_struct *leader;
	struct cw_track *rec;
	bool tick = false;

	rcu_read_lock();
	list_for_each_entry_rcu(rec, &cw_track_held, hold_node) {
		leader = pid_task(rec->tgid, PIDTYPE_TGID);
		if (leader && !test_bit(CW_TRACK_DEAD, &rec->flags))
			retrap(leader, &tick);
	}
	rcu_read_unlock();
	if (tick)
		cw_sample_now();
	return 0;
}

struct kretprobe cw_throttle_thaw_kretprobe = {
	.kp.symbol_name = "cgroup_freeze",
	.entry_handler = thaw_entry,
	.handler = thaw_return,
};

/*
 * Demote or restore what the last tick found, outside RCU: it sleeps.
 * Each thread keeps its nice value, which SCHED_IDLE ignores.
 */
void cw_throttle_apply(void)
{
	struct sched_attr attr = { .size = sizeof(attr) };
	unsigned int i;

	for (i = 0; i < nr_sched; i++) {
		attr.sched_policy = sched_policy[i];
		attr.sched_nice = task_nice(sched_batch[i]);
		sched_setattr_nocheck(sched_batch[i], &attr);
		put_task_struct(sched_batch[i]);
	}
	nr_sched = 0;
}

/*
 * An admin releases a tracked program: the sampler lets it go and
 * exempts it until it exits.  -ESRCH unless @nr is a tracked process.
 */
int cw_throttle_release_pid(pid_t nr)
{
	struct task_struct *task;
	struct cw_track *rec = NULL;

	rcu_read_lock();
	task = pid_task(find_pid_ns(nr, &init_pid_ns), PIDTYPE_TGID);
	if (task)
		rec = cw_track_lookup(task->signal);
	if (rec)
		set_bit(CW_TRACK_RELEASE, &rec->flags);
	rcu_read_unlock();
	if (!rec)
		return -ESRCH;
	cw_sample_now();
	return 0;
}

/*
 * The sampler is stopped; hooks are gone.  Let every trapped task go, and
 * give every demoted thread its policy back, a batch at a time.
 */
void cw_throttle_exit(void)
{
	unsigned int batches = 0;
	struct cw_prog *p, *tmp;
	struct cw_track *rec;
	bool more;

	rcu_read_lock();
	/* Last first: a bucket's keeper goes after the programs it keeps. */
	list_for_each_entry_safe_reverse(p, tmp, &cw_prog_throttled, tnode)
		cw_throttle_stop(p);
	/*
	 * And the groups held by a program that is throttled no more: a
	 * child forked from a held parent while its program was let go
	 * comes held, for the next sample to let go, which will not come.
	 */
	list_for_each_entry_rcu(rec, &cw_track_held, hold_node)
		cw_throttle_release(rec);
	rcu_read_unlock();
	/* Each batch restores what it queued; a bound all the same. */
	do {
		rcu_read_lock();
		more = restore_pass();
		rcu_read_unlock();
		cw_throttle_apply();
	} while (more && ++batches < 100000);
}
