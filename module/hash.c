// SPDX-License-Identifier: GPL-2.0
/*
 * SHA-256 of program content, computed at most once per version of a
 * file: a small cache remembers the digest by inode, validated by change
 * time and size, so a program started a thousand times is read once.
 *
 * Only candidates are hashed: unowned programs, and files whose size
 * matches quarantined content.  An exec holds writes off the file
 * (deny_write_access()), so the content cannot change under the hash.
 *
 * A cached digest must never be handed to other content.  Where the file
 * system keeps an i_version, any change after the digest moves it.
 * Otherwise the change time tells, but only at its granularity: a file
 * rewritten with as many bytes within the same tick keeps its ctime.  So
 * a digest is cached only once the ctime it was taken at lies in the
 * past at that granularity; a file changed since then has a later ctime.
 */

#include <crypto/sha2.h>
#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/iversion.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "compat/fs.h"
#include "hash.h"

#define CW_HASH_CACHE_BITS 8
#define CW_HASH_CHUNK (64 * 1024)

struct cw_hash_entry {
	const struct super_block *sb;	/* compared, never dereferenced */
	unsigned long ino;
	u32 gen;
	loff_t size;
	struct timespec64 ctime;
	u64 version;			/* i_version, where kept */
	u8 sha[CPUWARDEN_SHA256_LEN];
};

static struct cw_hash_entry cache[1 << CW_HASH_CACHE_BITS];
static DEFINE_SPINLOCK(cache_lock);

static struct cw_hash_entry *slot(const struct inode *inode)
{
	return &cache[hash_long((unsigned long)inode->i_sb ^ inode->i_ino,
				CW_HASH_CACHE_BITS)];
}

static void key(struct cw_hash_entry *e, struct inode *inode)
{
	e->sb = inode->i_sb;
	e->ino = inode->i_ino;
	e->gen = inode->i_generation;
	e->size = i_size_read(inode);
	e->ctime = cw_inode_ctime(inode);
	e->version = IS_I_VERSION(inode) ? inode_query_iversion(inode) : 0;
}

static bool same_key(const struct cw_hash_entry *a, const struct cw_hash_entry *b)
{
	return a->sb == b->sb && a->ino == b->ino && a->gen == b->gen &&
	       a->size == b->size && a->version == b->version &&
	       timespec64_equal(&a->ctime, &b->ctime);
}

/*
 * Whether the digest of @inode read from @start on, under the key @e, may
 * be cached: its key did not change meanwhile, and a change after it
 * would show in the key.  Where the file system keeps no i_version, that
 * needs the ctime to lie before @start at its granularity.  (An exec
 * holds writes off the file, but the hasher of killed content does not.)
 */
static bool cacheable(const struct cw_hash_entry *e, struct inode *inode,
		      struct timespec64 start)
{
	struct cw_hash_entry now;

	key(&now, inode);
	if (!same_key(e, &now))
		return false;
	if (IS_I_VERSION(inode))
		return true;
	start = timestamp_truncate(start, inode);
	return timespec64_compare(&e->ctime, &start) < 0;
}

static int digest(struct file *file, loff_t size, u8 *sha)
{
	struct sha256_state *st;
	loff_t pos = 0;
	ssize_t n = 0;
	void *buf;

	buf = kmalloc(CW_HASH_CHUNK, GFP_KERNEL);
	st = kmalloc(sizeof(*st), GFP_KERNEL);
	if (!buf || !st) {
		n = -ENOMEM;
		goto out;
	}
	sha256_init(st);
	while (pos < size) {
		n = kernel_read(file, buf, min_t(loff_t, CW_HASH_CHUNK, size - pos), &pos);
		if (n <= 0)
			break;
		sha256_update(st, buf, n);
		if (fatal_signal_pending(current)) {
			n = -EINTR;
			break;
		}
	}
	if (pos == size)
		sha256_final(st, sha);
	else if (n >= 0)
		n = -EIO;	/* the file shrank under us */
out:
	kfree_sensitive(st);
	kfree(buf);
	return n < 0 ? n : 0;
}

/*
 * The SHA-256 of @file's content.  Sleeps; -EFBIG for files too large to
 * be worth reading at exec.
 */
int cw_hash_file(struct file *file, u8 sha[CPUWARDEN_SHA256_LEN])
{
	struct inode *inode = file_inode(file);
	struct cw_hash_entry want, *e = slot(inode);
	struct timespec64 start;
	int ret;

	key(&want, inode);
	if (want.size > CPUWARDEN_HASH_MAX_SIZE)
		return -EFBIG;
	spin_lock(&cache_lock);
	ret = same_key(e, &want);
	if (ret)
		memcpy(sha, e->sha, CPUWARDEN_SHA256_LEN);
	spin_unlock(&cache_lock);
	if (ret)
		return 0;

	ktime_get_coarse_real_ts64(&start);
	ret = digest(file, want.size, sha);
	if (ret || !cacheable(&want, inode, start))
		return ret;
	memcpy(want.sha, sha, CPUWARDEN_SHA256_LEN);
	spin_lock(&cache_lock);
	*e = want;
	spin_unlock(&cache_lock);
	return 0;
}

void cw_hash_hex(const u8 sha[CPUWARDEN_SHA256_LEN],
		 char hex[2 * CPUWARDEN_SHA256_LEN + 1])
{
	bin2hex(hex, sha, CPUWARDEN_SHA256_LEN);
	hex[2 * CPUWARDEN_SHA256_LEN] = '\0';
}
