// SPDX-License-Identifier: GPL-2.0
/*
 * Programs by content and uid.  Found by the exec gate, which may sleep,
 * and by the scans of running programs, which may not; kept for a while
 * after their last process is gone, so that a relaunch carries on the
 * history of its predecessor.
 */

#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/user_namespace.h>

#include "prog.h"

/* Idle programs beyond this are forgotten first. */
#define CW_PROG_MAX 4096

static DEFINE_HASHTABLE(prog_table, 8);
LIST_HEAD(cw_prog_list);
LIST_HEAD(cw_prog_throttled);
static DEFINE_RAW_SPINLOCK(prog_lock);
static unsigned int nr_progs;
static struct kmem_cache *prog_cache;

static unsigned long prog_key(const struct inode *inode, const u8 *sha,
			      kuid_t uid)
{
	unsigned long k;

	if (!sha)
		return ((unsigned long)inode->i_sb ^ inode->i_ino) + __kuid_val(uid);
	memcpy(&k, sha, sizeof(k));
	return k + __kuid_val(uid);
}

static bool prog_match(const struct cw_prog *p, const struct inode *inode,
		       const u8 *sha, kuid_t uid)
{
	if (!uid_eq(p->uid, uid))
		return false;
	if (sha)
		return p->hashed && !memcmp(p->sha, sha, CPUWARDEN_SHA256_LEN);
	return !p->hashed && p->sb == inode->i_sb && p->ino == inode->i_ino &&
	       p->gen == inode->i_generation;
}

static struct cw_prog *lookup(const struct inode *inode, const u8 *sha,
			      kuid_t uid)
{
	struct cw_prog *p;

	hash_for_each_possible_rcu(prog_table, p, hnode,
				   prog_key(inode, sha, uid),
				   lockdep_is_held(&prog_lock))
		if (prog_match(p, inode, sha, uid))
			return p;
	return NULL;
}

/*
 * The user a task's programs are charged to, as a uid of the initial
 * namespace: its real uid, unless it runs in a user namespace that a user
 * other than root made.  That user controls every uid mapped into it (its
 * 65,536 subordinate uids, through newuidmap), so a kit spreading its
 * copies over them stays that user's: the owner of the outermost
 * namespace below the initial one.  A namespace root made (a
 * container's) charges each real uid for itself: containers may share
 * one range of uids, and one container must not answer for another.
 */
kuid_t cw_prog_user(const struct cred *cred)
{
	struct user_namespace *ns = cred->user_ns, *top = NULL;

	for (; ns != &init_user_ns; ns = ns->parent)
		top = ns;
	if (top && !uid_eq(top->owner, GLOBAL_ROOT_UID))
		return top->owner;
	return cred->uid;
}

kuid_t cw_prog_task_user(struct task_struct *task)
{
	kuid_t uid;

	rcu_read_lock();
	uid = cw_prog_user(__task_cred(task));
	rcu_read_unlock();
	return uid;
}

/*
 * The program @file runs for @uid (its user), referenced: by @sha when it was
 * hashed, else by inode.  NULL when memory is short; the group is then
 * judged alone.  Allocates with @gfp.
 */
struct cw_prog *cw_prog_get(struct file *file, const u8 *sha, kuid_t uid,
			    gfp_t gfp)
{
	struct inode *inode = file_inode(file);
	struct cw_prog *p, *new;

	rcu_read_lock();
	p = lookup(inode, sha, uid);
	if (p && !refcount_inc_not_zero(&p->ref))
		p = NULL;
	rcu_read_unlock();
	if (p)
		return p;

	new = kmem_cache_zalloc(prog_cache, gfp | __GFP_NOWARN);
	if (!new)
		return NULL;
	refcount_set(&new->ref, 2);	/* the table's and the caller's */
	new->file = get_file(file);
	new->hashed = sha;
	new->uid = uid;
	if (sha)
		memcpy(new->sha, sha, CPUWARDEN_SHA256_LEN);
	new->sb = inode->i_sb;
	new->ino = inode->i_ino;
	new->gen = inode->i_generation;
	new->size = i_size_read(inode);
	INIT_LIST_HEAD(&new->tnode);
	INIT_LIST_HEAD(&new->qnode);

	raw_spin_lock(&prog_lock);
	p = lookup(inode, sha, uid);
	if (p && refcount_inc_not_zero(&p->ref)) {
		raw_spin_unlock(&prog_lock);
		fput(new->file);
		kmem_cache_free(prog_cache, new);
		return p;
	}
	hash_add_rcu(prog_table, &new->hnode, prog_key(inode, sha, uid));
	list_add_tail_rcu(&new->lnode, &cw_prog_list);
	WRITE_ONCE(nr_progs, nr_progs + 1);
	raw_spin_unlock(&prog_lock);
	return new;
}

static void prog_free_rcu(struct rcu_head *head)
{
	struct cw_prog *p = container_of(head, struct cw_prog, rcu);

	fput(p->file);
	kmem_cache_free(prog_cache, p);
}

/* Programs known, running or idle. */
unsigned int cw_prog_count(void)
{
	return READ_ONCE(nr_progs);
}

void cw_prog_put(struct cw_prog *prog)
{
	if (prog && refcount_dec_and_test(&prog->ref))
		call_rcu(&prog->rcu, prog_free_rcu);
}

static void unlink_locked(struct cw_prog *p)
{
	hash_del_rcu(&p->hnode);
	list_del_rcu(&p->lnode);
	WRITE_ONCE(nr_progs, nr_progs - 1);
	call_rcu(&p->rcu, prog_free_rcu);
}

/*
 * Forget programs no process has run for @keep_ns, or idle ones at all
 * when there are too many.  Only the table's reference is left on an idle
 * program, and a lookup racing with us either took its reference first
 * or finds none and makes a new program.  Called by the sampler.
 */
void cw_prog_evict(u64 now, u64 keep_ns)
{
	struct cw_prog *p, *tmp;

	raw_spin_lock(&prog_lock);
	list_for_each_entry_safe(p, tmp, &cw_prog_list, lnode) {
		if (refcount_read(&p->ref) != 1 || !p->idle_since ||
		    p->state == CW_PROG_THROTTLED)
			continue;
		if (nr_progs <= CW_PROG_MAX && now - p->idle_since < keep_ns)
			continue;
		if (refcount_dec_if_one(&p->ref))
			unlink_locked(p);
	}
	raw_spin_unlock(&prog_lock);
}

int cw_prog_init(void)
{
	prog_cache = KMEM_CACHE(cw_prog, 0);
	return prog_cache ? 0 : -ENOMEM;
}

/* Every record is gone, so only the table holds programs. */
void cw_prog_exit(void)
{
	struct cw_prog *p, *tmp;

	raw_spin_lock(&prog_lock);
	list_for_each_entry_safe(p, tmp, &cw_prog_list, lnode) {
		if (refcount_dec_and_test(&p->ref)) {
			hash_del_rcu(&p->hnode);
			list_del_rcu(&p->lnode);
			WRITE_ONCE(nr_progs, nr_progs - 1);
			call_rcu(&p->rcu, prog_free_rcu);
		}
	}
	raw_spin_unlock(&prog_lock);
	rcu_barrier();
	kmem_cache_destroy(prog_cache);
}
