// SPDX-License-Identifier: GPL-2.0
/*
 * Tracked thread groups: their records, and how records follow fork,
 * exec and exit.
 *
 * Lookups are lockless (RCU) and happen only while at least one record
 * exists; cw_track_lock is taken only to add or remove a record.  An
 * untracked task costs one atomic read per fork, exec and exit.
 */

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/ktime.h>
#include <linux/mm_types.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "action.h"
#include "allow.h"
#include "compat/fs.h"
#include "fault.h"
#include "origin.h"
#include "prog.h"
#include "sample.h"
#include "track.h"

static DEFINE_HASHTABLE(cw_track_table, 10);
LIST_HEAD(cw_track_list);
LIST_HEAD(cw_track_held);
atomic_t cw_track_nr = ATOMIC_INIT(0);
atomic_t cw_track_gen = ATOMIC_INIT(0);	/* bumped as records come and go */
atomic_t cw_track_nr_demoted = ATOMIC_INIT(0);	/* CW_TRACK_DEMOTED records */
atomic_long_t cw_track_lost = ATOMIC_LONG_INIT(0);
static DEFINE_RAW_SPINLOCK(cw_track_lock);
static struct kmem_cache *cw_track_cache;

/* Caller holds rcu_read_lock() or cw_track_lock. */
struct cw_track *cw_track_lookup(const struct signal_struct *sig)
{
	struct cw_track *rec;

	hash_for_each_possible_rcu(cw_track_table, rec, hnode, (unsigned long)sig,
				   lockdep_is_held(&cw_track_lock))
		if (rec->sig == sig)
			return rec;
	return NULL;
}

/* Live threads plus those that exited.  Caller holds RCU. */
static u64 runtime_sum(struct task_struct *leader)
{
	struct task_struct *t;
	u64 sum = READ_ONCE(leader->signal->sum_sched_runtime);

	for_each_thread(leader, t)
		sum += READ_ONCE(t->se.sum_exec_runtime);
	return sum;
}

/*
 * CPU time of the whole thread group in ns.  stats_lock makes a thread's
 * exit, which moves its time into sum_sched_runtime and unlinks it, look
 * atomic.  Caller holds RCU.
 */
u64 cw_track_runtime(struct task_struct *leader)
{
	struct signal_struct *sig = leader->signal;
	unsigned int seq;
	u64 sum;

	do {
		seq = read_seqbegin(&sig->stats_lock);
		sum = runtime_sum(leader);
	} while (read_seqretry(&sig->stats_lock, seq));
	return sum;
}

/*
 * The CPU time of the group of @rec, which the caller saw !CW_TRACK_DEAD
 * under RCU, into *@runtime; false if it is exiting.  A group that has
 * only ever had one thread, as most idle programs have, is read from that
 * thread alone: the time of threads gone before the record was made
 * stays what it was, and a new thread sets CW_TRACK_THREADS before it
 * first runs.  That spares the pid, the signal_struct and the thread
 * list, most of what a record costs the sampler.
 */
bool cw_track_group_runtime(struct cw_track *rec, u64 *runtime)
{
	struct task_struct *leader;

	if (!test_bit(CW_TRACK_THREADS, &rec->flags)) {
		*runtime = rec->base_runtime +
			   READ_ONCE(rec->task->se.sum_exec_runtime);
		return true;
	}
	leader = pid_task(rec->tgid, PIDTYPE_TGID);
	if (!leader)
		return false;
	*runtime = cw_track_runtime(leader);
	return true;
}

/*
 * The same for tracepoint probes, which may not take the lock that
 * read_seqbegin() takes on PREEMPT_RT to wait for a preempted writer.
 * A bounded wait instead; past it, the sum read beside one thread's exit
 * may count that thread twice or not at all.  At fork and exec the group
 * has a single thread, so only the exit of a group's last thread can
 * meet a writer, and on PREEMPT_RT only.
 */
static u64 runtime_nolock(struct task_struct *leader)
{
	const seqcount_t *sc = &leader->signal->stats_lock.seqcount.seqcount;
	unsigned int seq, tries = 0;
	u64 sum;

	do {
		seq = raw_read_seqcount(sc);
		if (seq & 1) {
			cpu_relax();
			continue;
		}
		sum = runtime_sum(leader);
		if (!read_seqcount_retry(sc, seq))
			return sum;
	} while (++tries < 1000);
	return runtime_sum(leader);
}

/*
 * A zeroed record, to be filled by cw_track_fill().  Tracepoint probes run
 * with preemption off, where PREEMPT_RT must not allocate: records for
 * them come from the exec gate (gate.c), which may sleep, or from the
 * fork reserve below.
 */
struct cw_track *cw_track_alloc(gfp_t gfp)
{
	return kmem_cache_zalloc(cw_track_cache, gfp | __GFP_NOWARN);
}

/* A record that was never published.  Not from a tracepoint probe. */
void cw_track_free(struct cw_track *rec)
{
	if (rec)
		kmem_cache_free(cw_track_cache, rec);
}

/*
 * Make @rec, a zeroed record not yet published, the record of @task's
 * group; it takes over the caller's reference on @prog.  Never sleeps.
 * With no record to fill, the program goes untracked and cw_track_lost
 * says so.
 */
struct cw_track *cw_track_fill(struct cw_track *rec, struct task_struct *task,
			       struct file *exe, unsigned int origin,
			       unsigned int oflags, struct cw_prog *prog)
{
	if (!rec) {
		atomic_long_inc(&cw_track_lost);
		cw_prog_put(prog);
		return NULL;
	}
	rec->sig = task->signal;
	rec->tgid = get_pid(task_tgid(task));
	rec->exe = get_file(exe);
	rec->prog = prog;
	rec->uid = cw_prog_task_user(task);
	rec->origin = origin;
	rec->oflags = oflags;
	rec->start_ns = ktime_get_ns();
	rec->last_ns = rec->start_ns;
	rcu_read_lock();
	rec->last_runtime = runtime_nolock(task);
	rcu_read_unlock();
	/*
	 * At fork and exec the group has this one thread.  A group found
	 * running (by cw_track_scan()) may have more, or be making one that
	 * the fork probe cannot mark yet: it is read thread by thread.
	 */
	rec->task = task;
	rec->base_runtime = READ_ONCE(task->signal->sum_sched_runtime);
	if (oflags & CPUWARDEN_ORIGIN_F_LATE)
		__set_bit(CW_TRACK_THREADS, &rec->flags);
	rec->tick_runtime = rec->last_runtime;
	return rec;
}

/*
 * Records for the children of tracked programs, which sched_process_fork
 * may not allocate on PREEMPT_RT.  Filled by the exec gate before the
 * first program is tracked, and by a work item after every fork that
 * takes from it; given back by the sampler once it finds nothing left to
 * track.  A fork that finds it empty, as only a storm of forks faster
 * than a kworker gets the CPU can, allocates without sleeping where the
 * kernel allows it; on PREEMPT_RT it leaves the child untracked and
 * counts it in cw_track_lost.
 */
#define CW_TRACK_RESERVE 24

static LIST_HEAD(reserve);		/* by lnode */
static unsigned int nr_reserve;
static DEFINE_RAW_SPINLOCK(reserve_lock);
static bool reserve_stopping;

/*
 * Top the reserve up; with @tracking, only while something is tracked,
 * asked under the lock so that reserve_give_back() never misses a
 * record.  Sleeps.
 */
static void reserve_fill(bool tracking)
{
	struct cw_track *rec;
	bool kept;

	while (READ_ONCE(nr_reserve) < CW_TRACK_RESERVE) {
		if (tracking && !cw_track_active())
			return;
		rec = cw_track_alloc(GFP_KERNEL);
		if (!rec)
			return;
		raw_spin_lock(&reserve_lock);
		kept = !READ_ONCE(reserve_stopping) &&
		       (!tracking || cw_track_active()) &&
		       nr_reserve < CW_TRACK_RESERVE;
		if (kept) {
			list_add(&rec->lnode, &reserve);
			WRITE_ONCE(nr_reserve, nr_reserve + 1);
		}
		raw_spin_unlock(&reserve_lock);
		if (!kept) {
			cw_track_free(rec);
			return;
		}
	}
}

static void reserve_fn(struct work_struct *work)
{
	reserve_fill(true);
}

static DECLARE_WORK(reserve_work, reserve_fn);

static void reserve_refill(void)
{
	if (!READ_ONCE(reserve_stopping))
		queue_work(system_unbound_wq, &reserve_work);
}

/*
 * The exec gate, about to let a program be tracked: with nothing tracked
 * yet the reserve is empty, and the program's first fork may come before
 * any kworker runs.  Should the exec fail after all, the sampler finds
 * nothing tracked and gives the reserve back.  Sleeps.
 */
void cw_track_reserve_fill(void)
{
	if (cw_track_active())
		return;
	reserve_fill(false);
	cw_sample_kick();
}

static struct cw_track *reserve_take(void)
{
	struct cw_track *rec;

	raw_spin_lock(&reserve_lock);
	rec = list_first_entry_or_null(&reserve, struct cw_track, lnode);
	if (rec) {
		list_del(&rec->lnode);
		WRITE_ONCE(nr_reserve, nr_reserve - 1);
	}
	raw_spin_unlock(&reserve_lock);
	reserve_refill();
	if (!rec && !IS_ENABLED(CONFIG_PREEMPT_RT))
		rec = cw_track_alloc(GFP_NOWAIT);
	return rec;
}

/* Free the reserve: only if nothing is tracked, unless @all. */
static void reserve_give_back(bool all)
{
	struct cw_track *rec, *tmp;
	LIST_HEAD(spare);

	raw_spin_lock(&reserve_lock);
	if (all || !cw_track_active()) {
		list_splice_init(&reserve, &spare);
		WRITE_ONCE(nr_reserve, 0);
	}
	raw_spin_unlock(&reserve_lock);
	list_for_each_entry_safe(rec, tmp, &spare, lnode)
		cw_track_free(rec);
}

/*
 * Nothing is tracked: give the reserve back.  A record published meanwhile
 * queues a refill, which runs after us.  Sleepable context.
 */
void cw_track_reserve_drain(void)
{
	reserve_give_back(false);
}

static void track_free_rcu(struct rcu_head *head)
{
	struct cw_track *rec = container_of(head, struct cw_track, rcu);

	put_pid(rec->tgid);
	fput(rec->exe);
	cw_prog_put(rec->prog);
	cw_prog_put(rec->held_by);
	kmem_cache_free(cw_track_cache, rec);
}

/*
 * The group is gone or became another program: out of the table, so its
 * key may be reused, but left to the sampler to count its last CPU time.
 */
static void retire_locked(struct cw_track *rec, u64 runtime)
{
	hash_del_rcu(&rec->hnode);
	atomic_dec(&cw_track_nr);
	rec->final_runtime = runtime;
	smp_wmb();	/* final_runtime before the flag, for the sampler */
	set_bit(CW_TRACK_DEAD, &rec->flags);
}

/*
 * @rec's threads are SCHED_IDLE by the throttle's doing (@demoted), or
 * have their policy back.  Any context.
 */
void cw_track_demoted(struct cw_track *rec, bool demoted)
{
	if (demoted && !test_and_set_bit(CW_TRACK_DEMOTED, &rec->flags))
		atomic_inc(&cw_track_nr_demoted);
	else if (!demoted && test_and_clear_bit(CW_TRACK_DEMOTED, &rec->flags))
		atomic_dec(&cw_track_nr_demoted);
}

/* Called by the sampler once it has counted a dead record. */
void cw_track_reap(struct cw_track *rec)
{
	cw_track_demoted(rec, false);
	raw_spin_lock(&cw_track_lock);
	list_del_rcu(&rec->lnode);
	if (test_and_clear_bit(CW_TRACK_HELD, &rec->flags))
		list_del_rcu(&rec->hold_node);
	raw_spin_unlock(&cw_track_lock);
	call_rcu(&rec->rcu, track_free_rcu);
}

/*
 * @rec now answers to the throttled @prog; takes a reference on it.  A
 * group released before may be held again, by the same program or
 * another: lockless readers find a program that stays valid under RCU.
 */
void cw_track_hold(struct cw_track *rec, struct cw_prog *prog)
{
	struct cw_prog *old = NULL;

	raw_spin_lock(&cw_track_lock);
	if (!test_bit(CW_TRACK_HELD, &rec->flags) &&
	    !test_bit(CW_TRACK_DEAD, &rec->flags)) {
		old = rec->held_by;
		refcount_inc(&prog->ref);
		WRITE_ONCE(rec->held_by, prog);
		set_bit(CW_TRACK_HELD, &rec->flags);
		list_add_tail_rcu(&rec->hold_node, &cw_track_held);
	}
	raw_spin_unlock(&cw_track_lock);
	cw_prog_put(old);
}

/*
 * The throttled program @rec answers to, referenced, or NULL if it is not
 * held (any more).  Under RCU.
 */
struct cw_prog *cw_track_holder(const struct cw_track *rec)
{
	struct cw_prog *p;

	if (!test_bit(CW_TRACK_HELD, &rec->flags))
		return NULL;
	p = READ_ONCE(rec->held_by);
	return p && refcount_inc_not_zero(&p->ref) ? p : NULL;
}

/*
 * Off the throttled list.  held_by stays set, as readers may look at it,
 * and is put with the record or replaced by the next hold; CW_TRACK_HELD
 * says whether it still counts.
 */
void cw_track_unhold(struct cw_track *rec)
{
	raw_spin_lock(&cw_track_lock);
	if (test_and_clear_bit(CW_TRACK_HELD, &rec->flags))
		list_del_rcu(&rec->hold_node);
	raw_spin_unlock(&cw_track_lock);
}

/* Retire @rec, unless it was replaced or retired meanwhile. */
static void retire_if_hashed(struct cw_track *rec, u64 runtime)
{
	raw_spin_lock(&cw_track_lock);
	if (hash_hashed(&rec->hnode)) {
		atomic_inc(&cw_track_gen);
		retire_locked(rec, runtime);
	}
	raw_spin_unlock(&cw_track_lock);
}

/*
 * Make @rec the record of @task's thread group, replacing any it had if
 * @replace, else only if it had none (false then, and @rec is the
 * caller's); NULL untracks the group.
 */
static bool publish(struct task_struct *task, struct cw_track *rec,
		    bool replace)
{
	struct signal_struct *sig = task->signal;
	struct cw_track *old;
	bool start = false;
	u64 runtime;

	rcu_read_lock();
	runtime = runtime_nolock(task);
	rcu_read_unlock();

	raw_spin_lock(&cw_track_lock);
	old = cw_track_lookup(sig);
	if (old && !replace) {
		raw_spin_unlock(&cw_track_lock);
		return false;
	}
	atomic_inc(&cw_track_gen);
	if (old)
		retire_locked(old, runtime);
	if (rec) {
		hash_add_rcu(cw_track_table, &rec->hnode, (unsigned long)sig);
		list_add_tail_rcu(&rec->lnode, &cw_track_list);
		if (rec->held_by) {
			set_bit(CW_TRACK_HELD, &rec->flags);
			list_add_tail_rcu(&rec->hold_node, &cw_track_held);
		}
		start = atomic_inc_return(&cw_track_nr) == 1;
	}
	raw_spin_unlock(&cw_track_lock);
	if (old || rec)
		cw_sample_kick();
	/*
	 * Not only when the reserve looks short: a give-back that saw
	 * nothing tracked may empty it after we read it full.
	 */
	if (start)
		reserve_refill();
	if (!rec)
		return true;

	/*
	 * A group found by a scan may have died meanwhile.  Its exit path
	 * decrements ->live, then looks the record up; we publish, then
	 * read ->live.  With a full barrier on both sides one of us sees
	 * the other, so a dead group never keeps a record, whose key could
	 * be reused by a new process.
	 */
	smp_mb();
	if (!atomic_read(&sig->live))
		retire_if_hashed(rec, runtime);
	return true;
}

void cw_track_set(struct task_struct *task, struct cw_track *rec)
{
	publish(task, rec, true);
}

/*
 * Children of tracked groups that got no record at fork: the reserve was
 * empty (PREEMPT_RT) or memory short.  Untracked, such a child would run
 * on when its parent's program is throttled or killed.  Kept here by its
 * tgid, with what it inherits, until the sampler tracks it in a context
 * that may sleep (cw_track_adopt_lost()).  Only a fork storm fills the
 * table; a child that finds it full is counted in cw_track_lost, and is a
 * stray, looked for later (cw_track_adopt_strays()).
 *
 * A child is known by its image: the file its mm runs, which every fork
 * of one exec shares, the very struct file, and which an exec replaces
 * (the interpreter of a script, not the script).
 */
#define CW_TRACK_LOST_MAX 64

struct cw_lost {
	struct pid *tgid;		/* the child's, referenced */
	u64 exec_id;			/* its self_exec_id at fork */
	struct file *image;		/* its image, referenced */
	struct pid *parent;		/* its parent's, referenced */
	struct file *exe;		/* what the parent ran, referenced */
	struct cw_prog *prog;		/* the parent's program, referenced */
	struct cw_prog *held_by;	/* the parent's hold, referenced */
	unsigned int origin, oflags;
	u8 policy;			/* the parent's, to restore */
	bool demoted;
	bool kill;			/* the parent is killed */
	/* Strays only (tgid NULL in strays[]): */
	kuid_t user;			/* its parent's, cw_prog_user() */
	bool stray;			/* found by a look: its image must hold */
	bool touched;			/* kept again during a look */
	u64 since;			/* the start of its first stray */
};

static struct cw_lost lost[CW_TRACK_LOST_MAX];
static unsigned int nr_lost;
static DEFINE_RAW_SPINLOCK(lost_lock);

/*
 * Strays: children that found the table full too, and what they fork
 * before they have a record.  What each inherits is kept here, by the
 * image and user of the parent that forked it (tgid NULL), under
 * lost_lock, and the sampler looks at every process for it
 * (cw_track_adopt_strays()).  Past CW_STRAYS_MAX images at a time a
 * stray goes untracked.
 */
#define CW_STRAYS_MAX 16
#define CW_STRAYS_EVERY (2 * NSEC_PER_SEC)

static struct cw_lost strays[CW_STRAYS_MAX];
static unsigned int nr_strays;
static int strays_wake;		/* the first was kept: wake the sampler */

/* What lost_keep() did: the sampler is woken for the first child only. */
enum { LOST_NONE = -1, LOST_FULL, LOST_KEPT, LOST_FIRST };

/*
 * The image of the current task, which forks, referenced; NULL if it has
 * none to read.  Under RCU.
 */
static struct file *current_image(void)
{
	struct mm_struct *mm = current->mm;

	return mm ? cw_get_file_rcu(&mm->exe_file) : NULL;
}

/*
 * A slot for @child of the current task, under lost_lock, or NULL if the
 * table is full.
 */
static struct cw_lost *lost_slot(struct task_struct *child, int *ret)
{
	struct cw_lost *l;

	if (nr_lost == CW_TRACK_LOST_MAX || cw_fault_fork_stray()) {
		*ret = LOST_FULL;
		return NULL;
	}
	l = &lost[nr_lost];
	l->image = current_image();
	if (!l->image) {
		*ret = LOST_FULL;
		return NULL;
	}
	*ret = nr_lost ? LOST_KEPT : LOST_FIRST;
	WRITE_ONCE(nr_lost, nr_lost + 1);
	l->tgid = get_pid(task_tgid(child));
	l->exec_id = READ_ONCE(child->self_exec_id);
	return l;
}

/* What @l, a child kept, inherits: what @from says, with references of its own. */
static void inherit(struct cw_lost *l, const struct cw_lost *from)
{
	l->parent = get_pid(from->parent);
	l->exe = get_file(from->exe);
	l->prog = from->prog;
	if (l->prog)
		refcount_inc(&l->prog->ref);
	l->held_by = from->held_by;
	if (l->held_by)
		refcount_inc(&l->held_by->ref);
	l->origin = from->origin;
	l->oflags = from->oflags;
	l->demoted = from->demoted;
	l->policy = from->policy;
	l->kill = from->kill;
}

/*
 * The current task forked @child, which finds the lost table full: keep
 * what the child inherits, by the current task's image and user, unless
 * kept already (then its parent's kill is the latest word).  Under
 * lost_lock, in the fork probe.  Without an image to keep, or past
 * CW_STRAYS_MAX images, the child goes untracked.
 */
static void stray_add(struct task_struct *child, const struct cw_lost *from)
{
	struct mm_struct *mm = current->mm;
	kuid_t user = cw_prog_user(current_cred());
	struct cw_lost *l;
	unsigned int i;

	/*
	 * A program known by a mapping or how it computes was tracked late:
	 * its image may be run by relatives it never forked (a server's
	 * other workers), which no look may take for its strays.
	 */
	if (!mm || from->origin == CPUWARDEN_ORIGIN_RANDOMX ||
	    (from->oflags & CPUWARDEN_ORIGIN_F_MAPPED))
		return;
	for (i = 0; i < nr_strays; i++) {
		l = &strays[i];
		if (l->image == rcu_access_pointer(mm->exe_file) &&
		    uid_eq(l->user, user)) {
			l->kill |= from->kill;
			l->touched = true;
			l->since = min(l->since, child->start_time);
			return;
		}
	}
	if (nr_strays == CW_STRAYS_MAX)
		return;
	l = &strays[nr_strays];
	l->image = current_image();
	if (!l->image)
		return;
	if (!nr_strays)
		WRITE_ONCE(strays_wake, true);
	WRITE_ONCE(nr_strays, nr_strays + 1);
	l->tgid = NULL;
	l->user = user;
	inherit(l, from);
	l->touched = true;
	l->since = child->start_time;
}

/*
 * Keep @child of the current task, inheriting what @from says (its
 * parent, exe, program, hold and kill), with references of its own; or,
 * with the table full, keep its parent's image to look for it by.  Under
 * lost_lock, in the fork probe.
 */
static int lost_add(struct task_struct *child, const struct cw_lost *from)
{
	struct cw_lost *l;
	int ret;

	l = lost_slot(child, &ret);
	if (!l) {
		stray_add(child, from);
		return ret;
	}
	inherit(l, from);
	return ret;
}

/*
 * Keep @child of @prec, held by @held, for the sampler.  The parent's
 * kill is read under the lock, which the kill's flush takes after
 * marking it.
 */
static int lost_keep(struct task_struct *child, struct cw_track *prec,
		     struct cw_prog *held)
{
	struct cw_lost from = {
		.parent = prec->tgid,
		.exe = prec->exe,
		.prog = prec->prog,
		.held_by = held,
		.origin = prec->origin,
		.oflags = prec->oflags | CPUWARDEN_ORIGIN_F_INHERITED,
		.demoted = test_bit(CW_TRACK_DEMOTED, &prec->flags),
		.policy = prec->policy,
	};
	int ret;

	raw_spin_lock(&lost_lock);
	from.kill = READ_ONCE(prec->flags) &
		    (BIT(CW_TRACK_KILL) | BIT(CW_TRACK_KILLED));
	ret = lost_add(child, &from);
	raw_spin_unlock(&lost_lock);
	return ret;
}

/*
 * Keep @child of @parent if @parent is itself kept, not tracked yet: it
 * inherits the same.  LOST_NONE if @parent is not.
 */
static int lost_keep_lineage(struct task_struct *child,
			     struct task_struct *parent)
{
	struct pid *ptgid = task_tgid(parent);
	struct cw_lost from;
	unsigned int i;
	int ret = LOST_NONE;

	raw_spin_lock(&lost_lock);
	for (i = 0; i < nr_lost && lost[i].tgid != ptgid; i++)
		;
	if (i < nr_lost) {
		from = lost[i];
		from.parent = lost[i].tgid;
		ret = lost_add(child, &from);
	}
	raw_spin_unlock(&lost_lock);
	return ret;
}

/* The group of @parent is killed: so are the children it lost. */
void cw_track_lost_killed(struct pid *parent)
{
	unsigned int i;

	/* No unlocked look at nr_lost: the lock orders us with lost_keep(). */
	raw_spin_lock(&lost_lock);
	for (i = 0; i < nr_lost; i++)
		if (lost[i].parent == parent)
			lost[i].kill = true;
	for (i = 0; i < nr_strays; i++)
		if (strays[i].parent == parent)
			strays[i].kill = true;
	raw_spin_unlock(&lost_lock);
}

/*
 * The oldest kept child, a parent before its children; it stays in the
 * table, where its own forks find it, until lost_done().  Only the
 * sampler takes children out (and the exit, once the sampler stopped),
 * so its references stay good meanwhile.
 */
static bool lost_peek(struct cw_lost *l)
{
	bool found = false;

	raw_spin_lock(&lost_lock);
	if (nr_lost) {
		*l = lost[0];
		found = true;
	}
	raw_spin_unlock(&lost_lock);
	return found;
}

/*
 * The child of @l is tracked now, or never will be: out of the table.
 * Whether it is to be killed, as its parent was meanwhile; if so, so are
 * the children it forked, kept after it.
 */
static bool lost_done(struct cw_lost *l)
{
	unsigned int i;
	bool kill = false;

	raw_spin_lock(&lost_lock);
	for (i = 0; i < nr_lost && lost[i].tgid != l->tgid; i++)
		;
	if (i < nr_lost) {
		kill = lost[i].kill;
		memmove(&lost[i], &lost[i + 1], (nr_lost - i - 1) * sizeof(lost[0]));
		WRITE_ONCE(nr_lost, nr_lost - 1);
	}
	for (i = 0; kill && i < nr_lost; i++)
		if (lost[i].parent == l->tgid)
			lost[i].kill = true;
	raw_spin_unlock(&lost_lock);
	return kill;
}

static void lost_put(struct cw_lost *l)
{
	put_pid(l->tgid);
	put_pid(l->parent);
	fput(l->image);
	fput(l->exe);
	cw_prog_put(l->prog);
	cw_prog_put(l->held_by);
}

/* Whether @task, of image @exe, has not exec'd since it was kept in @l. */
static bool same_exec(struct task_struct *task, struct file *exe,
		      const struct cw_lost *l)
{
	return READ_ONCE(task->self_exec_id) == l->exec_id && exe == l->image;
}

/*
 * The image of a live thread of @task's group, referenced: the leader
 * may have exited (pthread_exit()) and left no mm to read it from.
 */
struct file *cw_track_group_exe(struct task_struct *task)
{
	struct task_struct *t, *live = NULL;
	struct file *exe;

	rcu_read_lock();
	for_each_thread(task, t)
		if (READ_ONCE(t->mm)) {
			live = get_task_struct(t);
			break;
		}
	rcu_read_unlock();
	if (!live)
		return NULL;
	exe = cw_track_task_exe(live);
	put_task_struct(live);
	return exe;
}

/* Retire @rec, @task's record unless replaced or retired meanwhile. */
static void unpublish(struct task_struct *task, struct cw_track *rec)
{
	u64 runtime;

	rcu_read_lock();
	runtime = runtime_nolock(task);
	rcu_read_unlock();
	retire_if_hashed(rec, runtime);
}

/*
 * Track the lost child of @l as its parent's fork probe would have, if it
 * still runs what its parent ran: since its birth, so that the CPU it
 * used meanwhile is charged.  One that exec'd was judged by the gate.
 * The references of @l stay the table's.  Returns the record, or NULL.
 */
static struct cw_track *lost_adopt(const struct cw_lost *l)
{
	struct task_struct *task = get_pid_task(l->tgid, PIDTYPE_TGID);
	struct cw_track *rec = NULL;
	struct file *exe = NULL;
	bool held;

	if (task)
		exe = cw_track_group_exe(task);
	if (!exe || !atomic_read(&task->signal->live))
		goto out;
	if (l->prog)
		refcount_inc(&l->prog->ref);
	rec = cw_track_fill(cw_track_alloc(GFP_KERNEL), task, l->exe,
			    l->origin, l->oflags, l->prog);
	if (!rec)
		goto out;
	rec->start_ns = task->start_time;
	rec->last_ns = rec->start_ns;
	rec->last_runtime = 0;
	rec->tick_runtime = 0;
	/* Its parent's hold, or the program's, joined as an exec would. */
	rec->held_by = l->held_by;
	if (!rec->held_by && rec->prog &&
	    READ_ONCE(rec->prog->state) == CW_PROG_THROTTLED)
		rec->held_by = rec->prog;
	if (rec->held_by)
		refcount_inc(&rec->held_by->ref);
	held = rec->held_by;
	/* Its threads, started before the record, are read one by one. */
	__set_bit(CW_TRACK_THREADS, &rec->flags);
	/*
	 * It still runs what its parent ran, or it exec'd since and the gate
	 * judged that: unless held, as an exec of an owned program changes
	 * nothing for a held group (cw_exec_probe()).  An exec since is the
	 * gate's to judge: its record stays.
	 */
	if (((!held || l->stray) && !same_exec(task, exe, l)) ||
	    !publish(task, rec, false)) {
		track_free_rcu(&rec->rcu);
		rec = NULL;
		goto out;
	}
	fput(exe);
	/*
	 * An exec may have come between the look at its file and the
	 * record.  Its probe looks the record up after the switch to the new
	 * file, and we look at the file after publishing, with a full
	 * barrier: one of us sees the other.  If it was not the probe, it
	 * is us.
	 */
	smp_mb();
	exe = cw_track_group_exe(task);
	if (!exe || ((!held || l->stray) && !same_exec(task, exe, l))) {
		unpublish(task, rec);
		rec = NULL;
		goto out;
	}
	if (l->demoted) {
		rec->policy = l->policy;
		cw_track_demoted(rec, true);
	}
out:
	if (exe)
		fput(exe);
	if (task)
		put_task_struct(task);
	return rec;
}

/*
 * Track the children that got no record at fork, oldest first, at most
 * a table's worth a run: a fork storm cannot keep the sampler here.  By
 * the sampler, which alone takes children out of the table.
 */
void cw_track_adopt_lost(void)
{
	struct cw_track *rec;
	unsigned int n;
	struct cw_lost l;

	for (n = 0; n < CW_TRACK_LOST_MAX && READ_ONCE(nr_lost) && lost_peek(&l); n++) {
		rec = lost_adopt(&l);
		/* Published before it leaves the table: its forks find one. */
		if (lost_done(&l) && rec)
			cw_action_kill_forked(rec);
		else if (rec && rec->held_by)
			cw_sample_now();
		lost_put(&l);
	}
}

static u64 strays_last;

/* Whether @p, of @user, may be a stray of @s: by what it costs to say. */
static bool match(const struct cw_lost *s, const struct task_struct *p,
		  kuid_t user)
{
	return uid_eq(s->user, user) && p->start_time >= s->since;
}

/*
 * Which of the @n strays' images @p runs, for the same user, with no
 * record; -1 if none.  Under RCU.
 */
static int stray_of(struct task_struct *p, const struct cw_lost *s,
		    unsigned int n)
{
	struct file *image;
	unsigned int i;
	int found = -1;
	kuid_t user;

	if ((p->flags & PF_KTHREAD) || !atomic_read(&p->signal->live) ||
	    cw_track_lookup(p->signal))
		return -1;
	user = cw_prog_user(__task_cred(p));
	for (i = 0; i < n && !match(&s[i], p, user); i++)
		;
	if (i == n)
		return -1;
	image = cw_track_group_exe(p);
	if (!image)
		return -1;
	for (; i < n && found < 0; i++)
		if (s[i].image == image && match(&s[i], p, user))
			found = i;
	fput(image);
	return found;
}

/*
 * Look at every process for strays (above), at most every
 * CW_STRAYS_EVERY, and track each found as a lost child, a table's worth
 * at most a look; an image no process was found running by a whole look
 * is forgotten.  The image is the very file of the exec that the parent
 * and its fork images share: a process that runs the same program for
 * the same user from an exec of its own, whatever the gate made of it,
 * is never taken for a stray, and a stray is found reparented too.  Of
 * that exec's family, only what started since the first stray: not the
 * relatives the parent did not fork.  It costs, only while strays are
 * kept, a lookup per process and a file read per process of the same
 * user started since.  Returns when the next look is due, 0 if none.
 * Not inlined: make bench times each look with the function_graph
 * tracer.
 */
static noinline u64 strays_look(u64 now)
{
	/* The sampler's alone. */
	static struct cw_lost s[CW_STRAYS_MAX];
	static struct pid *found[CW_TRACK_LOST_MAX];
	static u64 exec_id[CW_TRACK_LOST_MAX];
	static u8 of[CW_TRACK_LOST_MAX];
	bool seen[CW_STRAYS_MAX] = { false }, forget[CW_STRAYS_MAX] = { false };
	unsigned int n, nr = 0, i, j;
	bool truncated = false, kept;
	struct task_struct *p;
	struct cw_track *rec;
	struct cw_lost l;
	int g;

	/* A copy: the references stay the table's, which only we shrink. */
	raw_spin_lock(&lost_lock);
	n = nr_strays;
	for (i = 0; i < n; i++)
		strays[i].touched = false;
	memcpy(s, strays, n * sizeof(s[0]));
	raw_spin_unlock(&lost_lock);

	rcu_read_lock();
	for_each_process(p) {
		g = stray_of(p, s, n);
		if (g < 0)
			continue;
		seen[g] = true;
		if (nr == CW_TRACK_LOST_MAX) {
			truncated = true;
			break;
		}
		found[nr] = get_pid(task_tgid(p));
		exec_id[nr] = READ_ONCE(p->self_exec_id);
		of[nr++] = g;
	}
	rcu_read_unlock();

	for (i = 0; i < nr; i++) {
		l = s[of[i]];
		l.tgid = found[i];
		l.exec_id = exec_id[i];
		l.stray = true;
		raw_spin_lock(&lost_lock);
		/* Its parent's kill may have come since the copy. */
		for (j = 0; j < nr_strays && (strays[j].image != l.image ||
					      !uid_eq(strays[j].user, l.user)); j++)
			;
		if (j < nr_strays)
			l.kill |= strays[j].kill;
		/* A lost child still in the table is adopted from there. */
		for (j = 0; j < nr_lost && lost[j].tgid != l.tgid; j++)
			;
		kept = j < nr_lost;
		raw_spin_unlock(&lost_lock);
		rec = kept ? NULL : lost_adopt(&l);
		if (rec && l.kill)
			cw_action_kill_forked(rec);
		else if (rec && rec->held_by)
			cw_sample_now();
		put_pid(found[i]);
	}

	/*
	 * Forget the images no process ran, unless kept again since the
	 * copy, or the look stopped short of some processes.
	 */
	raw_spin_lock(&lost_lock);
	for (i = 0, j = 0; i < nr_strays; i++) {
		if (i >= n || seen[i] || truncated || strays[i].touched) {
			strays[j++] = strays[i];
			continue;
		}
		s[i] = strays[i];
		forget[i] = true;
	}
	WRITE_ONCE(nr_strays, j);
	raw_spin_unlock(&lost_lock);
	for (i = 0; i < n; i++)
		if (forget[i])
			lost_put(&s[i]);
	return j ? now + CW_STRAYS_EVERY : 0;
}

/* By the sampler: look if due; when the next look is due, 0 if none. */
u64 cw_track_adopt_strays(u64 now)
{
	if (!READ_ONCE(nr_strays))
		return 0;
	if (now - strays_last < CW_STRAYS_EVERY)
		return strays_last + CW_STRAYS_EVERY;
	strays_last = now;
	return strays_look(now);
}

/*
 * A child of a tracked program is tracked as that program, and one of a
 * throttled program answers to its hold.  While that program is trapped
 * in debt, a new thread or child must be trapped too: the siglock that
 * takes may sleep on PREEMPT_RT, so the throttle ticks at once instead,
 * and traps it as soon as a kworker gets the CPU.  Whatever it ran before
 * is drawn from the same bucket.
 */
void cw_track_fork_probe(void *data, struct task_struct *parent,
			 struct task_struct *child)
{
	struct cw_track *prec, *rec = NULL;
	struct cw_prog *held;
	bool trap = false;

	/* A kept child's forks count too, though nothing else is tracked. */
	if (!cw_track_active() && !READ_ONCE(nr_lost))
		return;
	rcu_read_lock();
	prec = cw_track_lookup(parent->signal);
	held = prec ? cw_track_holder(prec) : NULL;
	if (held)
		trap = READ_ONCE(held->frozen);
	if (child->signal == parent->signal) {
		/* Before the new thread first runs: see cw_track_group_runtime(). */
		if (prec && !test_bit(CW_TRACK_THREADS, &prec->flags))
			set_bit(CW_TRACK_THREADS, &prec->flags);
		rcu_read_unlock();
		cw_prog_put(held);
		goto out;
	}
	if (prec)
		rec = cw_fault_fork_lose() ? NULL : reserve_take();
	/* No record for it, or its parent is a kept child itself. */
	if ((prec && !rec) || (!prec && READ_ONCE(nr_lost))) {
		int kept = prec ? lost_keep(child, prec, held) :
				  lost_keep_lineage(child, parent);

		if (kept != LOST_FULL) {
			rcu_read_unlock();
			cw_prog_put(held);
			if (kept == LOST_FIRST)
				cw_sample_now();
			goto out;
		}
		/* The table is full: a stray, unless past the strays too. */
		if (!prec)
			atomic_long_inc(&cw_track_lost);
		if (READ_ONCE(strays_wake) && xchg(&strays_wake, false))
			trap = true;	/* wakes the sampler */
	}
	if (prec && prec->prog)
		refcount_inc(&prec->prog->ref);
	if (prec)
		rec = cw_track_fill(rec, child, prec->exe, prec->origin,
				    prec->oflags | CPUWARDEN_ORIGIN_F_INHERITED,
				    prec->prog);
	if (rec && held)
		rec->held_by = held;
	else
		cw_prog_put(held);
	/* The child inherits its parent's policy, and what to restore. */
	if (rec && test_bit(CW_TRACK_DEMOTED, &prec->flags)) {
		rec->policy = prec->policy;
		cw_track_demoted(rec, true);
	}
	if (rec) {
		cw_fault_fork_delay();
		cw_track_set(child, rec);
		/*
		 * A parent marked to be killed, or killed, since its decision
		 * or the flush walked past: the child runs what it ran, and
		 * neither may have seen it.  We publish, then look; the flush
		 * marks, then kills and reads on.  With a full barrier on
		 * both sides one of us sees the other.
		 */
		smp_mb();
		if (READ_ONCE(prec->flags) & (BIT(CW_TRACK_KILL) | BIT(CW_TRACK_KILLED)))
			cw_action_kill_forked(rec);
	}
	rcu_read_unlock();
out:
	if (trap)
		cw_sample_now();
}

void cw_track_exit_probe(void *data, struct task_struct *task)
{
	bool tracked;

	/* Only the last thread to exit finds ->live at zero. */
	if (!cw_track_active() || atomic_read(&task->signal->live))
		return;
	rcu_read_lock();
	tracked = cw_track_lookup(task->signal);
	rcu_read_unlock();
	if (tracked)
		cw_track_set(task, NULL);
}

/*
 * Whether a tracked ancestor of @task runs @prog.  Under RCU; only when a
 * program is acted on, so the walk up the tree costs nothing otherwise.
 */
bool cw_track_descends(struct task_struct *task, const struct cw_prog *prog)
{
	struct task_struct *p = task;
	struct cw_track *rec;
	unsigned int depth;

	for (depth = 0; depth < 64; depth++) {
		p = rcu_dereference(p->real_parent);
		if (!p || p->pid <= 1)
			return false;
		rec = cw_track_lookup(p->signal);
		if (rec && rec->prog == prog)
			return true;
	}
	return false;
}

/* The file @task runs, referenced, or NULL for a kernel thread. */
struct file *cw_track_task_exe(struct task_struct *task)
{
	struct file *exe = NULL;
	struct mm_struct *mm;

	task_lock(task);
	mm = task->mm;
	if (mm && !(task->flags & PF_KTHREAD)) {
		rcu_read_lock();
		exe = cw_get_file_rcu(&mm->exe_file);
		rcu_read_unlock();
	}
	task_unlock(task);
	return exe;
}

/*
 * Track @task's group, found running with @exe as its program, of
 * @origin and @oflags: through a mapping (mapped.c) or how it computes
 * (fingerprint.c).  The program is borrowed (prog.h), as @exe may be
 * anyone's file.  Not a group tracked already, one whose threads all
 * exited, or an allowed one.  May sleep.
 */
void cw_track_adopt(struct task_struct *task, struct file *exe,
		    unsigned int origin, unsigned int oflags)
{
	kuid_t uid = task_uid(task);
	struct cw_track *rec;
	struct cw_prog *prog;
	bool tracked;

	rcu_read_lock();
	tracked = cw_track_lookup(task->signal);
	rcu_read_unlock();
	/* The leader may have exited (pthread_exit()) and its threads not. */
	if (tracked || !atomic_read(&task->signal->live) ||
	    (cw_allow_any() && cw_allow_match(exe, NULL, uid)))
		return;
	prog = cw_prog_get(exe, NULL, cw_prog_task_user(task), GFP_KERNEL);
	if (prog)
		WRITE_ONCE(prog->borrowed, true);
	rec = cw_track_fill(cw_track_alloc(GFP_KERNEL), task, exe, origin,
			    oflags, prog);
	if (!rec)
		return;
	/* Its threads may all be running already: read each. */
	__set_bit(CW_TRACK_THREADS, &rec->flags);
	cw_track_set(task, rec);
	cw_action_tracked(rec, task);
}

static bool listed(const struct inode *inode, const struct inode *const *only,
		   unsigned int nr)
{
	while (nr--)
		if (only[nr] == inode)
			return true;
	return false;
}

/*
 * Track running programs that no exec told us about.  With @only NULL,
 * once at load: programs already running when the module arrives, as a
 * miner would be on the host an admin installs cpuwarden on.  Deleted
 * files count as at exec: a root-owned binary outside the watched
 * locations may have been replaced by a package upgrade
 * (cw_origin_classify()).  After unlinks of running programs, @only lists
 * their inodes, or @nr is CW_SCAN_ALL_DELETED when too many came at once.
 */
void cw_track_scan(const struct inode *const *only, unsigned int nr)
{
	struct task_struct *p;
	struct cw_track *rec;
	struct file *exe;
	unsigned int origin;

	rcu_read_lock();
	for_each_process(p) {
		if (p->flags & PF_KTHREAD || cw_track_lookup(p->signal))
			continue;
		exe = cw_track_task_exe(p);
		if (!exe)
			continue;
		origin = cw_origin_classify(exe);
		if (nr == CW_SCAN_ALL_DELETED)
			origin = origin == CPUWARDEN_ORIGIN_DELETED ? origin : 0;
		else if (only)
			origin = listed(file_inode(exe), only, nr) ? origin : 0;
		rec = origin ? cw_track_fill(cw_track_alloc(GFP_NOWAIT), p, exe,
					     origin, CPUWARDEN_ORIGIN_F_LATE,
					     cw_prog_get(exe, NULL,
							 cw_prog_task_user(p),
							 GFP_NOWAIT)) : NULL;
		if (rec) {
			cw_track_set(p, rec);
			cw_action_tracked(rec, p);
		}
		fput(exe);
	}
	rcu_read_unlock();
}

int cw_track_init(void)
{
	cw_track_cache = KMEM_CACHE(cw_track, 0);
	return cw_track_cache ? 0 : -ENOMEM;
}

/*
 * Hooks are gone, the sampler stopped and every throttled task thawed:
 * nothing else touches records.
 */
void cw_track_exit(void)
{
	struct cw_track *rec, *tmp;
	struct cw_lost l;

	raw_spin_lock(&cw_track_lock);
	list_for_each_entry_safe(rec, tmp, &cw_track_list, lnode) {
		if (hash_hashed(&rec->hnode))
			retire_locked(rec, 0);
		list_del_rcu(&rec->lnode);
		if (test_and_clear_bit(CW_TRACK_HELD, &rec->flags))
			list_del_rcu(&rec->hold_node);
		call_rcu(&rec->rcu, track_free_rcu);
	}
	raw_spin_unlock(&cw_track_lock);
	WRITE_ONCE(reserve_stopping, true);
	cancel_work_sync(&reserve_work);
	reserve_give_back(true);
	while (lost_peek(&l)) {
		lost_done(&l);
		lost_put(&l);
	}
	while (nr_strays)
		lost_put(&strays[--nr_strays]);
	rcu_barrier();
	kmem_cache_destroy(cw_track_cache);
}
