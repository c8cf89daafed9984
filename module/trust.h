/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_TRUST_H
#define _CW_TRUST_H

#include <linux/types.h>
#include <uapi/linux/cpuwarden.h>

struct cw_trust;
struct inode;

struct cw_trust *cw_trust_new(u32 nr);
int cw_trust_put(struct cw_trust *t, const struct cpuwarden_trust_id *id);
int cw_trust_prepare(struct cw_trust *t);
void cw_trust_install(struct cw_trust *t);
void cw_trust_free(struct cw_trust *t);

bool cw_trust_unpackaged(const struct inode *inode);
u32 cw_trust_count(void);
void cw_trust_exit(void);

#endif /* _CW_TRUST_H */
