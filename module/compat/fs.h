/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The inode API where kernels differ.  The CW_HAVE_* macros come from
 * the feature probes in Kbuild, which read the headers built against.
 */
#ifndef _CW_COMPAT_FS_H
#define _CW_COMPAT_FS_H

#include <linux/fs.h>
#include <linux/rcupdate.h>

/* @inode's ctime: 6.6 hid the field behind inode_get_ctime(). */
static inline struct timespec64 cw_inode_ctime(const struct inode *inode)
{
#ifdef CW_HAVE_INODE_GET_CTIME
	return inode_get_ctime(inode);
#else
	return inode->i_ctime;
#endif
}

/*
 * A reference on the file at @fp, which RCU protects, or NULL if it is
 * gone; under rcu_read_lock().  6.7 made get_file_rcu() take the
 * pointer's address and retry while the file is replaced (files are
 * SLAB_TYPESAFE_BY_RCU since); before, it took the file.
 */
static inline struct file *cw_get_file_rcu(struct file __rcu **fp)
{
#ifdef CW_HAVE_GET_FILE_RCU_PTR
	return get_file_rcu(fp);
#else
	struct file *file = rcu_dereference(*fp);

	return file && get_file_rcu(file) ? file : NULL;
#endif
}

#endif /* _CW_COMPAT_FS_H */
