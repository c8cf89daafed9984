// SPDX-License-Identifier: GPL-2.0
/*
 * The exec gate: a binary format handler at the head of the list, which
 * the kernel asks first about every file an exec loads (a "#!" script,
 * then its interpreter) and which always declines to load it.  It runs
 * in the exec'ing task, may sleep, and comes before the point of no
 * return, so it is where cpuwarden:
 *
 *   - refuses quarantined content in an unowned file with -EPERM: the
 *     exec fails and not one instruction of the program runs (an owned
 *     file of the same content runs, and is reported once; from then
 *     on the content is refused only in a watched location);
 *   - hashes programs of unowned origin, at most once per version of the
 *     file (hash.c), and files whose size matches quarantined content;
 *   - applies the allow rules;
 *   - notes a "#!" script of unowned origin, since by sched_process_exec
 *     only the interpreter is left to see;
 *   - refuses a relaunch of content killed before that was not hashed;
 *   - allocates what sched_process_exec will need to track the program:
 *     its probe runs with preemption off, where PREEMPT_RT must not
 *     allocate.
 *
 * What it learnt goes to sched_process_exec (exec.c) in a note keyed by
 * task.  An exec of an owned program with an empty quarantine costs a
 * classification, and a lookup while anything is tracked.  The kernel
 * holds a reference on the module while it calls the gate, so unload
 * never races with it.
 */

#include <linux/binfmts.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "action.h"
#include "allow.h"
#include "gate.h"
#include "hash.h"
#include "origin.h"
#include "policy.h"
#include "prog.h"
#include "quarantine.h"
#include "track.h"

static DEFINE_HASHTABLE(notes, 6);
static DEFINE_RAW_SPINLOCK(notes_lock);
static atomic_t nr_notes = ATOMIC_INIT(0);

/* Free a note, and what it holds.  Not from a tracepoint probe. */
void cw_gate_note_free(struct cw_gate_note *note)
{
	fput(note->file);
	cw_track_free(note->rec);
	cw_prog_put(note->prog);
	kfree(note);
}

static void note_free_rcu(struct rcu_head *head)
{
	cw_gate_note_free(container_of(head, struct cw_gate_note, rcu));
}

/*
 * Free a note taken from the table.  Tracepoint probes run with
 * preemption off, where PREEMPT_RT must not free memory: after a grace
 * period, from RCU's callbacks.
 */
void cw_gate_note_drop(struct cw_gate_note *note)
{
	call_rcu(&note->rcu, note_free_rcu);
}

/* Take @task's note out of the table; the caller frees it. */
struct cw_gate_note *cw_gate_take(struct task_struct *task)
{
	struct cw_gate_note *note;

	if (!atomic_read(&nr_notes))
		return NULL;
	raw_spin_lock(&notes_lock);
	hash_for_each_possible(notes, note, hnode, (unsigned long)task)
		if (note->task == task) {
			hash_del(&note->hnode);
			atomic_dec(&nr_notes);
			raw_spin_unlock(&notes_lock);
			return note;
		}
	raw_spin_unlock(&notes_lock);
	return NULL;
}

static void note_put(struct cw_gate_note *note)
{
	raw_spin_lock(&notes_lock);
	hash_add(notes, &note->hnode, (unsigned long)note->task);
	atomic_inc(&nr_notes);
	raw_spin_unlock(&notes_lock);
}

/* An exec that failed after the gate leaves a note until the task exits. */
void cw_gate_exit_probe(void *data, struct task_struct *task)
{
	struct cw_gate_note *note = cw_gate_take(task);

	if (note)
		cw_gate_note_drop(note);
}

static int gate(struct linux_binprm *bprm)
{
	struct file *file = bprm->file;
	unsigned int origin = cw_origin_classify(file), qorigin;
	struct cw_gate_note *note, *prev = NULL;
	enum cw_quarantine_verdict verdict;
	u8 sha[CPUWARDEN_SHA256_LEN];
	bool hashed = false, tracked, to_track;
	const struct cw_prog *exempt = NULL;	/* what an admin released */
	struct cw_track *old;

	/*
	 * The first file of an exec has the name it was called by; a
	 * binfmt that hands on to an interpreter renames it.  A note left
	 * by an earlier exec that failed is stale.
	 */
	prev = cw_gate_take(current);
	if (prev && bprm->interp == bprm->filename) {
		cw_gate_note_free(prev);
		prev = NULL;
	}

	if ((origin && cw_policy_get(hash)) ||
	    cw_quarantine_may_hold(i_size_read(file_inode(file)), !origin))
		hashed = !cw_hash_file(file, sha);

	/*
	 * Quarantine refuses unowned files only.  Content an intruder copied
	 * from the host (bash, busybox, runc) and got killed from /tmp must
	 * still run from where the host keeps it, and from where the host
	 * runs it besides (runc's memfd): an owned match is reported, and
	 * the content is refused from then on only in a watched or
	 * user-writable location.  Root's file on a private tmpfs (a
	 * container's, or the host's /run), in a container's upper layer
	 * (which may have installed the same package as another), or of no
	 * package (a container or chroot kept in a host directory, which
	 * installed its own) counts as owned here.
	 */
	qorigin = (origin == CPUWARDEN_ORIGIN_PRIVATE ||
		   origin == CPUWARDEN_ORIGIN_UPPER ||
		   origin == CPUWARDEN_ORIGIN_UNPACKAGED) &&
		  !cw_origin_user_placed(file) ? CPUWARDEN_ORIGIN_NONE : origin;
	verdict = hashed ? cw_quarantine_judge(sha, qorigin,
					       cw_prog_user(current_cred()),
					       file_inode(file)->i_uid) :
			   CW_QUARANTINE_RUN;
	if (verdict == CW_QUARANTINE_REPORT)
		cw_action_spared(file, sha, current);
	if (verdict == CW_QUARANTINE_REFUSE &&
	    !(cw_allow_any() && cw_allow_match(file, sha, current_uid()))) {
		cw_action_denied(file, sha, current);
		if (prev)
			cw_gate_note_free(prev);
		return -EPERM;
	}

	/* A script of unowned origin stays the program behind its interpreter. */
	if (prev && (prev->origin || !origin)) {
		note_put(prev);
		return -ENOEXEC;
	}
	/* An owned script of a tracked group, with an unowned interpreter. */
	if (prev)
		cw_gate_note_free(prev);

	rcu_read_lock();
	old = cw_track_active() ? cw_track_lookup(current->signal) : NULL;
	tracked = old;
	/* Its program, stable while the group execs: compared, not read. */
	if (old && test_bit(CW_TRACK_EXEMPT, &old->flags))
		exempt = old->prog;
	rcu_read_unlock();
	if (!origin && !tracked)
		return -ENOEXEC;

	note = kzalloc(sizeof(*note), GFP_KERNEL);
	if (!note) {
		/* The exec goes on, untracked. */
		if (origin)
			atomic_long_inc(&cw_track_lost);
		return -ENOEXEC;
	}
	note->task = current;
	note->file = get_file(file);
	note->origin = origin;
	if (origin && bprm->buf[0] == '#' && bprm->buf[1] == '!')
		note->oflags = CPUWARDEN_ORIGIN_F_SCRIPT;
	note->hashed = hashed;
	if (hashed)
		memcpy(note->sha, sha, CPUWARDEN_SHA256_LEN);
	note->allowed = origin && cw_allow_any() &&
			cw_allow_match(file, hashed ? sha : NULL, current_uid());
	to_track = origin && !note->allowed;
	if (to_track)
		note->prog = cw_prog_get(file, hashed ? sha : NULL,
					 cw_prog_user(current_cred()),
					 GFP_KERNEL);
	/*
	 * Content killed before, that the quarantine cannot tell as it was
	 * not hashed (hash=N): known by its inode.  Not a borrowed program
	 * (prog.h): its file may be anyone's.  Nor the program an admin
	 * released, run again by the group released.
	 */
	if (note->prog && !note->prog->hashed && note->prog != exempt &&
	    !READ_ONCE(note->prog->borrowed) &&
	    READ_ONCE(note->prog->state) == CW_PROG_KILLED) {
		cw_action_denied(file, NULL, current);
		cw_gate_note_free(note);
		return -EPERM;
	}
	note->rec = cw_track_alloc(GFP_KERNEL);
	if (to_track)
		cw_track_reserve_fill();
	note_put(note);
	return -ENOEXEC;
}

static struct linux_binfmt gate_format = {
	.module = THIS_MODULE,
	.load_binary = gate,
};

int cw_gate_register(void)
{
	insert_binfmt(&gate_format);
	return 0;
}

/* Returns once no exec is inside the gate. */
void cw_gate_unregister(void)
{
	struct cw_gate_note *note;
	struct hlist_node *tmp;
	unsigned int bkt;

	unregister_binfmt(&gate_format);
	raw_spin_lock(&notes_lock);
	hash_for_each_safe(notes, bkt, tmp, note, hnode) {
		hash_del(&note->hnode);
		atomic_dec(&nr_notes);
		call_rcu(&note->rcu, note_free_rcu);
	}
	raw_spin_unlock(&notes_lock);
}
