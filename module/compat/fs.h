/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The inode API where kernels differ.  The CW_HAVE_* macros come from
 * the feature probes in Kbuild, which read the headers built against.
 */
#ifndef _CW_COMPAT_FS_H
#define _CW_COMPAT_FS_H

#include <linux/fs.h>

/* @inode's ctime: 6.6 hid the field behind inode_get_ctime(). */
static inline struct timespec64 cw_inode_ctime(const struct inode *inode)
{
#ifdef CW_HAVE_INODE_GET_CTIME
	return inode_get_ctime(inode);
#else
	return inode->i_ctime;
#endif
}

#endif /* _CW_COMPAT_FS_H */
