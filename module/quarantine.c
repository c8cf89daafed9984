// SPDX-License-Identifier: GPL-2.0
/*
 * Quarantine: the content of programs cpuwarden killed, and whose.  An
 * exec of the same content, under any path or name, by the uid it was
 * killed for or from a file that uid owns, is refused before it runs a
 * single user-space instruction (see gate.c).  The uid is the user's
 * (cw_prog_user()): a relaunch as another of the user's subordinate
 * uids is refused too.  Another user's copy of
 * the same bytes, which the killed uid could neither place nor run,
 * stays that user's business: a user who gets a copy of someone else's
 * program killed must not get the original refused.
 *
 * The set is published with RCU as one array and replaced as a whole on
 * every change, which is rare; an exec only reads it.  Each entry keeps
 * the size of the file it came from, so that a file of another size is
 * never hashed just to learn it is not quarantined.
 *
 * Module parameter "quarantine": reading lists the SHA-256 of each entry,
 * one per line, as many as a page holds; writing "clear" empties it.  The
 * netlink family lists them all, with their uids.
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
	kuid_t uid;			/* the user it was killed for */
	unsigned long spared;		/* bit 0: an owned match was reported */
};

struct cw_qset {
	struct rcu_head rcu;
	unsigned int nr;
	struct cw_qentry e[];
};

static struct cw_qset __rcu *qset;
static DEFINE_MUTEX(qset_mutex);

static bool has(const struct cw_qset *q, const u8 *sha, kuid_t uid)
{
	unsigned int i;

	for (i = 0; q && i < q->nr; i++)
		if (!memcmp(q->e[i].sha, sha, CPUWARDEN_SHA256_LEN) &&
		    uid_eq(q->e[i].uid, uid))
			return true;
	return false;
}

/*
 * Remember @sha, killed for @uid; sleeps.  Out of memory, the content is
 * not remembered.
 */
void cw_quarantine_add(const u8 sha[CPUWARDEN_SHA256_LEN], loff_t size,
		       kuid_t uid)
{
	struct cw_qset *old, *new;
	unsigned int keep;

	mutex_lock(&qset_mutex);
	old = rcu_dereference_protected(qset, lockdep_is_held(&qset_mutex));
	if (has(old, sha, uid))
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
	new->e[keep].uid = uid;
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

/*
 * What an exec of content @sha by @uid, from a file of @origin that
 * @owner owns, may do.  From an owned file it runs, and the content is
 * marked as the host's own: reported the first time only (a user could
 * otherwise flood the log and the event stream through the host's
 * /bin/sh), and from then on refused only from a watched, user-writable
 * or user-mounted location, where an intruder chose to put it: a host
 * program that re-executes itself from a memfd (runc) or from its
 * deleted file keeps working.  A copy run that way is tracked and judged
 * like any other, just not refused at exec.  A change of the set
 * meanwhile may lose the mark once.
 *
 * From an unowned file, only the uid the content was killed for is
 * refused, running it or having placed the file: another uid's copy,
 * which that uid could not have written, runs and is judged like any
 * other.
 */
enum cw_quarantine_verdict cw_quarantine_judge(const u8 sha[CPUWARDEN_SHA256_LEN],
					       enum cpuwarden_origin origin,
					       kuid_t uid, kuid_t owner)
{
	bool owned = origin == CPUWARDEN_ORIGIN_NONE;
	bool refuse = false, marked = false, newly = false;
	struct cw_qset *q;
	unsigned int i;

	rcu_read_lock();
	q = rcu_dereference(qset);
	for (i = 0; q && i < q->nr; i++) {
		struct cw_qentry *e = &q->e[i];

		if (memcmp(e->sha, sha, CPUWARDEN_SHA256_LEN))
			continue;
		/* The mark is the content's: set on each of its entries. */
		if (owned)
			newly |= !test_and_set_bit(0, &e->spared);
		else
			marked |= test_bit(0, &e->spared);
		refuse |= uid_eq(e->uid, uid) || uid_eq(e->uid, owner);
	}
	rcu_read_unlock();
	if (owned)
		return newly ? CW_QUARANTINE_REPORT : CW_QUARANTINE_RUN;
	if (refuse && (origin == CPUWARDEN_ORIGIN_WATCHED ||
		       origin == CPUWARDEN_ORIGIN_WRITABLE ||
		       origin == CPUWARDEN_ORIGIN_PRIVATE || !marked))
		return CW_QUARANTINE_REFUSE;
	return CW_QUARANTINE_RUN;
}

bool cw_quarantine_has(const u8 sha[CPUWARDEN_SHA256_LEN], kuid_t uid)
{
	bool ret;

	rcu_read_lock();
	ret = has(rcu_dereference(qset), sha, uid);
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
bool cw_quarantine_nth(unsigned int i, u8 sha[CPUWARDEN_SHA256_LEN],
		       loff_t *size, kuid_t *uid)
{
	const struct cw_qset *q;
	bool ret;

	rcu_read_lock();
	q = rcu_dereference(qset);
	ret = q && i < q->nr;
	if (ret) {
		memcpy(sha, q->e[i].sha, CPUWARDEN_SHA256_LEN);
		*size = q->e[i].size;
		*uid = q->e[i].uid;
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
