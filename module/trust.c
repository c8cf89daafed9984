// SPDX-License-Identifier: GPL-2.0
/*
 * The packaged files: what "cpuwarden trust sync" read from dpkg's
 * database, loaded with CPUWARDEN_CMD_TRUST_SET.  With policy
 * "unpackaged", an exec of a root-owned file that is none of them, on a
 * file system that holds some of them, is unowned
 * (CPUWARDEN_ORIGIN_UNPACKAGED): root's drop into /, /usr/local or /opt,
 * which no other class sees.
 *
 * A file is known by (device, inode, ctime).  One that was rewritten,
 * chmod'ed or replaced by rename since the sync has another ctime; one on
 * another file system (a container's overlay, a user's FUSE mount, whose
 * server says what inode and times it likes) has another device.  File
 * systems with no packaged file are not judged at all: a container's
 * programs are no package's of the host's.
 *
 * The set is one sorted array, replaced whole under RCU: 24 bytes per
 * file, and a binary search per exec of a root-owned file while the
 * policy is on.  Nothing is judged before the first sync.
 */

#include <linux/bsearch.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uidgid.h>

#include "compat/fs.h"
#include "trust.h"

struct cw_trust_file {
	u64 ino;
	s64 sec;
	u32 nsec;
	u32 dev;			/* dev_t, as the super block's s_dev */
};

struct cw_trust {
	struct rcu_head rcu;
	u32 nr;
	u32 nr_devs;
	u32 devs[CPUWARDEN_TRUST_DEVS];
	struct cw_trust_file files[];
};

static struct cw_trust __rcu *cw_trust;
static DEFINE_MUTEX(cw_trust_mutex);	/* serialises writers */

static int cmp_file(const void *a, const void *b)
{
	const struct cw_trust_file *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	if (x->sec != y->sec)
		return x->sec < y->sec ? -1 : 1;
	if (x->nsec != y->nsec)
		return x->nsec < y->nsec ? -1 : 1;
	return 0;
}

/* A set for @nr files, to fill with cw_trust_put(); NULL: no memory. */
struct cw_trust *cw_trust_new(u32 nr)
{
	struct cw_trust *t;

	return kvzalloc(struct_size(t, files, nr), GFP_KERNEL);
}

void cw_trust_free(struct cw_trust *t)
{
	kvfree(t);
}

/* Add @id, as the uapi lays it out, to @t: 0, or -EINVAL if malformed. */
int cw_trust_put(struct cw_trust *t, const struct cpuwarden_trust_id *id)
{
	if (id->ctime_nsec >= NSEC_PER_SEC || id->dev_major >= (1U << (32 - MINORBITS)) ||
	    id->dev_minor >= (1U << MINORBITS) || id->reserved)
		return -EINVAL;
	t->files[t->nr++] = (struct cw_trust_file){
		.ino = id->ino,
		.sec = id->ctime_sec,
		.nsec = id->ctime_nsec,
		.dev = MKDEV(id->dev_major, id->dev_minor),
	};
	return 0;
}

/*
 * Sort @t, drop duplicates and note its file systems, before any lock:
 * 0, or -E2BIG if the files are on more than CPUWARDEN_TRUST_DEVS.
 */
int cw_trust_prepare(struct cw_trust *t)
{
	u32 i, n = 0;

	sort(t->files, t->nr, sizeof(t->files[0]), cmp_file, NULL);
	for (i = 0; i < t->nr; i++) {
		if (n && !cmp_file(&t->files[n - 1], &t->files[i]))
			continue;
		t->files[n++] = t->files[i];
		if (t->nr_devs && t->devs[t->nr_devs - 1] == t->files[i].dev)
			continue;
		if (t->nr_devs == CPUWARDEN_TRUST_DEVS)
			return -E2BIG;
		t->devs[t->nr_devs++] = t->files[i].dev;
	}
	t->nr = n;
	return 0;
}

/* Make @t, prepared, the set (an empty one: none); it is the set's now. */
void cw_trust_install(struct cw_trust *t)
{
	struct cw_trust *old;

	if (!t->nr) {
		kvfree(t);
		t = NULL;
	}
	mutex_lock(&cw_trust_mutex);
	old = rcu_replace_pointer(cw_trust, t, lockdep_is_held(&cw_trust_mutex));
	mutex_unlock(&cw_trust_mutex);
	if (old)
		kvfree_rcu(old, rcu);
}

/*
 * @inode, being exec'd, is root's and not a packaged file, on a file
 * system that holds packaged files.  Mappings are never asked about
 * (cw_origin_classify_mapping()).
 */
bool cw_trust_unpackaged(const struct inode *inode)
{
	struct timespec64 ctime;
	struct cw_trust_file key;
	struct cw_trust *t;
	bool ret = false;
	u32 i;

	if (!uid_eq(inode->i_uid, GLOBAL_ROOT_UID) || !S_ISREG(inode->i_mode))
		return false;
	ctime = cw_inode_ctime(inode);
	key = (struct cw_trust_file){
		.ino = inode->i_ino,
		.sec = ctime.tv_sec,
		.nsec = ctime.tv_nsec,
		.dev = inode->i_sb->s_dev,
	};
	rcu_read_lock();
	t = rcu_dereference(cw_trust);
	for (i = 0; t && i < t->nr_devs; i++)
		if (t->devs[i] == key.dev) {
			ret = !bsearch(&key, t->files, t->nr, sizeof(key), cmp_file);
			break;
		}
	rcu_read_unlock();
	return ret;
}

u32 cw_trust_count(void)
{
	struct cw_trust *t;
	u32 nr;

	rcu_read_lock();
	t = rcu_dereference(cw_trust);
	nr = t ? t->nr : 0;
	rcu_read_unlock();
	return nr;
}

/* After every reader is gone: the hooks and the netlink family. */
void cw_trust_exit(void)
{
	kvfree(rcu_dereference_protected(cw_trust, true));
	RCU_INIT_POINTER(cw_trust, NULL);
}
