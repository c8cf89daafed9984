// SPDX-License-Identifier: GPL-2.0
/*
 * The exec gate: a binary format handler at the head of the list, which
 * the kernel asks first about every file an exec loads (a "#!" script,
 * then its interpreter) and which always declines to load it.  It runs
 * in the exec'ing task, may sleep, and comes before the point of no
 * return, so it is where cpuwarden:
 *
 *   - refuses quarantined content with -EPERM: the exec fails and not one
 *     instruction of the program runs;
 *   - hashes programs of unowned origin, at most once per version of the
 *     file (hash.c), and files whose size matches quarantined content;
 *   - applies the allow rules;
 *   - notes a "#!" script of unowned origin, since by sched_process_exec
 *     only the interpreter is left to see.
 *
 * What it learnt goes to sched_process_exec (exec.c) in a note keyed by
 * task.  An exec of an owned program with an empty quarantine costs a
 * classification and nothing else.  The kernel holds a reference on the
 * module while it calls the gate, so unload never races with it.
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
#include "quarantine.h"

static DEFINE_HASHTABLE(notes, 6);
static DEFINE_RAW_SPINLOCK(notes_lock);
static atomic_t nr_notes = ATOMIC_INIT(0);

static void note_free(struct cw_gate_note *note)
{
	fput(note->file);
	kfree(note);
}

static void note_free_rcu(struct rcu_head *head)
{
	note_free(container_of(head, struct cw_gate_note, rcu));
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
	unsigned int origin = cw_origin_classify(file);
	struct cw_gate_note *note, *prev = NULL;
	u8 sha[CPUWARDEN_SHA256_LEN];
	bool hashed = false;

	/*
	 * The first file of an exec has the name it was called by; a
	 * binfmt that hands on to an interpreter renames it.  A note left
	 * by an earlier exec that failed is stale.
	 */
	prev = cw_gate_take(current);
	if (prev && bprm->interp == bprm->filename) {
		note_free(prev);
		prev = NULL;
	}

	if ((origin && cw_policy_get(hash)) ||
	    cw_quarantine_may_hold(i_size_read(file_inode(file))))
		hashed = !cw_hash_file(file, sha);

	if (hashed && cw_quarantine_has(sha) &&
	    !(cw_allow_any() && cw_allow_match(file, sha, current_uid()))) {
		cw_action_denied(file, sha, current);
		if (prev)
			note_free(prev);
		return -EPERM;
	}

	/* A script of unowned origin stays the program behind its interpreter. */
	if (prev || !origin) {
		if (prev)
			note_put(prev);
		return -ENOEXEC;
	}

	note = kzalloc(sizeof(*note), GFP_KERNEL);
	if (!note)
		return -ENOEXEC;	/* exec goes on; exec.c classifies alone */
	note->task = current;
	note->file = get_file(file);
	note->origin = origin;
	if (bprm->buf[0] == '#' && bprm->buf[1] == '!')
		note->oflags = CPUWARDEN_ORIGIN_F_SCRIPT;
	note->hashed = hashed;
	if (hashed)
		memcpy(note->sha, sha, CPUWARDEN_SHA256_LEN);
	note->allowed = cw_allow_any() &&
			cw_allow_match(file, hashed ? sha : NULL, current_uid());
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
