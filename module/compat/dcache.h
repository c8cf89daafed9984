/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The dcache API where kernels differ.  The CW_HAVE_* macros come from
 * the feature probes in Kbuild, which read the headers built against.
 */
#ifndef _CW_COMPAT_DCACHE_H
#define _CW_COMPAT_DCACHE_H

#include <linux/dcache.h>

/*
 * The dentry that holds @dentry's data: itself, or on overlayfs the
 * upper or lower layer's.  6.10 replaced d_real()'s inode argument with
 * enum d_real_type.
 */
static inline struct dentry *cw_d_real_data(struct dentry *dentry)
{
#ifdef CW_HAVE_D_REAL_TYPE
	return d_real(dentry, D_REAL_DATA);
#else
	return d_real(dentry, NULL);
#endif
}

#endif /* _CW_COMPAT_DCACHE_H */
