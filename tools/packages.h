/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_PACKAGES_H
#define _CW_PACKAGES_H

#include <stddef.h>

#include <uapi/linux/cpuwarden.h>

/* dpkg's database, unless --admindir says otherwise. */
#define CW_DPKG_ADMINDIR "/var/lib/dpkg"

/* The packaged files, as CPUWARDEN_CMD_TRUST_SET takes them. */
struct cw_packaged {
	struct cpuwarden_trust_id *id;
	size_t nr;
	size_t listed;			/* paths read from the lists */
	size_t unreadable;		/* listed, but statx() failed other than ENOENT */
};

/*
 * Read the files that dpkg installed, from @admindir/info/\*.list: each
 * that is root's, regular, and executable by anyone, identified as the
 * kernel knows it (mountinfo's device, inode, ctime).  0, or -errno with
 * the error printed.  Free @p->id after.
 */
int cw_packages_read_dpkg(const char *admindir, struct cw_packaged *p);

#endif /* _CW_PACKAGES_H */
