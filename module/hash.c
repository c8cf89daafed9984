// SPDX-License-Identifier: GPL-2.0
/*
 * SHA-256 of program content, computed at most once per version of a
 * file: a small cache remembers the digest by inode, validated by change
 * time and size, so a program started a thousand times is read once.
 *
 * Only candidates are hashed: unowned programs, and files whose size
 * matches quarantined content.  An exec holds writes off the file
 * (deny_write_access()), so the content cannot change under the hash.
 */

#include <crypto/sha2.h>
#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "hash.h"

#define CW_HASH_CACHE_BITS 8
#define CW_HASH_CHUNK (64 * 1024)

struct cw_hash_entry {
	const struct super_block *sb;	/* compared, never dereferenced */
	unsigned long ino;
	u32 gen;
	loff_t size;
	struct timespec64 ctime;
	u8 sha[CPUWARDEN_SHA256_LEN];
};

static struct cw_hash_entry cache[1 << CW_HASH_CACHE_BITS];
static DEFINE_SPINLOCK(cache_lock);

static struct cw_hash_entry *slot(const struct inode *inode)
{
	return &cache[hash_long((unsigned long)inode->i_sb ^ inode->i_ino,
				CW_HASH_CACHE_BITS)];
}

static void key(struct cw_hash_entry *e, const struct inode *inode)
{
	e->sb = inode->i_sb;
	e->ino = inode->i_ino;
	e->gen = inode->i_generation;
	e->size = i_size_read(inode);
	e->ctime = inode->i_ctime;
}

static bool same_key(const struct cw_hash_entry *a, const struct cw_hash_entry *b)
{
	return a->sb == b->sb && a->ino == b->ino && a->gen == b->gen &&
	       a->size == b->size && timespec64_equal(&a->ctime, &b->ctime);
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

	ret = digest(file, want.size, sha);
	if (ret)
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
