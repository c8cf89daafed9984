// SPDX-License-Identifier: GPL-2.0
/*
 * Quarantine: the content of programs cpuwarden killed.  An exec of the
 * same content, under any path, name or uid, is refused before it runs
 * a single user-space instruction (see gate.c).
 *
 * The set is published with RCU as one array and replaced as a whole on
 * every change, which is rare; an exec only reads it.  Each entry keeps
 * the size of the file it came from, so that a file of another size is
 * never hashed just to learn it is not quarantined.
 *
 * Module parameter "quarantine": reading lists the SHA-256 of each entry,
 * one per line, as many as a page holds; writing "clear" empties it.  The
 * netlink family lists them all.
 */

#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "hash.h"
#include "netlink.h"
#include "policy.h"
#include "quarantine.h"

struct cw_qentry {
	u8 sha[CPUWARDEN_SHA256_LEN];
	loff_t size;
	unsigned long spared;		/* bit 0: an owned match was reported */
};

struct cw_qset {
	struct rcu_head rcu;
	unsigned int nr;
	struct cw_qentry e[];
};

static struct cw_qset __rcu *qset;
static DEFINE_MUTEX(qset_mutex);

static bool has(const struct cw_qset *q, const u8 *sha)
{
	unsigned int i;

	for (i = 0; q && i < q->nr; i++)
		if (!memcmp(q->e[i].sha, sha, CPUWARDEN_SHA256_LEN))
			return true;
	return false;
}

/* Remember @sha; sleeps.  Out of memory, the content is not remembered. */
void cw_quarantine_add(const u8 sha[CPUWARDEN_SHA256_LEN], loff_t size)
{
	struct cw_qset *old, *new;
	unsigned int keep;

	mutex_lock(&qset_mutex);
	old = rcu_dereference_protected(qset, lockdep_is_held(&qset_mutex));
	if (has(old, sha))
		goto out;
	keep = old ? min(old->nr, CPUWARDEN_QUARANTINE_MAX - 1U) : 0;
	new = kmalloc(struct_size(new, e, keep + 1), GFP_KERNEL);
	if (!new)
		goto out;
	new->nr = keep + 1;
	if (keep)
		memcpy(new->e, old->e + old->nr - keep, keep * sizeof(new->e[0]));
	memcpy(new->e[keep].sha, sha, CPUWARDEN_SHA256_LEN);
	new->e[keep].size = size;
	new->e[keep].spared = 0;
	rcu_assign_pointer(qset, new);
	if (old)
		kfree_rcu(old, rcu);
out:
	mutex_unlock(&qset_mutex);
}

/*
 * Whether content of @size may be quarantined, the cheap test before a
 * hash.  For an @owned file, only content not yet seen in an owned file
 * counts: owned files are hashed only to learn that, so that a user who
 * got content of a host binary's size killed makes the host hash that
 * binary once, not at every exec.
 */
bool cw_quarantine_may_hold(loff_t size, bool owned)
{
	const struct cw_qset *q;
	bool ret = false;
	unsigned int i;

	if (!rcu_access_pointer(qset))
		return false;
	rcu_read_lock();
	q = rcu_dereference(qset);
	for (i = 0; q && i < q->nr && !ret; i++)
		ret = q->e[i].size == size &&
		      !(owned && test_bit(0, &q->e[i].spared));
	rcu_read_unlock();
	return ret;
}

/* The entry of @sha, under RCU; NULL if it is not quarantined. */
static struct cw_qentry *find(const u8 *sha)
{
	struct cw_qset *q = rcu_dereference(qset);
	unsigned int i;

	for (i = 0; q && i < q->nr; i++)
		if (!memcmp(q->e[i].sha, sha, CPUWARDEN_SHA256_LEN))
			return &q->e[i];
	return NULL;
}

/*
 * What an exec of quarantined content @sha, from a file of @origin, may
 * do.  From an owned file it runs, and the content is marked as the
 * host's own: reported the first time only (a user could otherwise flood
 * the log and the event stream through the host's /bin/sh), and from then
 * on refused only from a watched, user-writable or user-mounted location,
 * where an intruder chose to put it: a host program that re-executes
 * itself from a memfd (runc) or from its deleted file keeps working.  A
 * copy run that way is tracked and judged like any other, just not
 * refused at exec.  A change of the set meanwhile may lose the mark once.
 */
enum cw_quarantine_verdict cw_quarantine_judge(const u8 sha[CPUWARDEN_SHA256_LEN],
					       enum cpuwarden_origin origin)
{
	enum cw_quarantine_verdict v = CW_QUARANTINE_RUN;
	struct cw_qentry *e;

	rcu_read_lock();
	e = find(sha);
	if (e && origin == CPUWARDEN_ORIGIN_NONE)
		v = test_and_set_bit(0, &e->spared) ? CW_QUARANTINE_RUN :
						      CW_QUARANTINE_REPORT;
	else if (e && (origin == CPUWARDEN_ORIGIN_WATCHED ||
		       origin == CPUWARDEN_ORIGIN_WRITABLE ||
		       origin == CPUWARDEN_ORIGIN_PRIVATE ||
		       !test_bit(0, &e->spared)))
		v = CW_QUARANTINE_REFUSE;
	rcu_read_unlock();
	return v;
}

bool cw_quarantine_has(const u8 sha[CPUWARDEN_SHA256_LEN])
{
	bool ret;

	rcu_read_lock();
	ret = has(rcu_dereference(qset), sha);
	rcu_read_unlock();
	return ret;
}

void cw_quarantine_clear(void)
{
	struct cw_qset *old;

	mutex_lock(&qset_mutex);
	old = rcu_dereference_protected(qset, lockdep_is_held(&qset_mutex));
	RCU_INIT_POINTER(qset, NULL);
	mutex_unlock(&qset_mutex);
	if (old)
		kfree_rcu(old, rcu);
}

static int set_quarantine(const char *val, const struct kernel_param *kp)
{
	if (cw_policy_refused())
		return cw_policy_refused();
	if (!sysfs_streq(val, "clear"))
		return -EINVAL;
	cw_quarantine_clear();
	cw_netlink_changed("quarantine clear");
	return 0;
}

/* As many entries as a page holds; the netlink dump has them all. */
static int get_quarantine(char *buf, const struct kernel_param *kp)
{
	char hex[2 * CPUWARDEN_SHA256_LEN + 1];
	const struct cw_qset *q;
	unsigned int i;
	int len = 0;

	rcu_read_lock();
	q = rcu_dereference(qset);
	for (i = 0; q && i < q->nr && len + sizeof(hex) < PAGE_SIZE; i++) {
		cw_hash_hex(q->e[i].sha, hex);
		len += sysfs_emit_at(buf, len, "%s\n", hex);
	}
	rcu_read_unlock();
	return len;
}

static const struct kernel_param_ops quarantine_ops = {
	.set = set_quarantine,
	.get = get_quarantine,
};

module_param_cb(quarantine, &quarantine_ops, NULL, 0600);
MODULE_PARM_DESC(quarantine,
		 "SHA-256 of killed content whose exec is refused, one per line; write \"clear\" to empty it");

unsigned int cw_quarantine_count(void)
{
	const struct cw_qset *q;
	unsigned int nr;

	rcu_read_lock();
	q = rcu_dereference(qset);
	nr = q ? q->nr : 0;
	rcu_read_unlock();
	return nr;
}

/* Entry @i, oldest first: false past the end. */
bool cw_quarantine_nth(unsigned int i, u8 sha[CPUWARDEN_SHA256_LEN], loff_t *size)
{
	const struct cw_qset *q;
	bool ret;

	rcu_read_lock();
	q = rcu_dereference(qset);
	ret = q && i < q->nr;
	if (ret) {
		memcpy(sha, q->e[i].sha, CPUWARDEN_SHA256_LEN);
		*size = q->e[i].size;
	}
	rcu_read_unlock();
	return ret;
}

/* Nothing reads the set any more. */
void cw_quarantine_exit(void)
{
	cw_quarantine_clear();
	rcu_barrier();
}
