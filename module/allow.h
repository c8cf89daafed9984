/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_ALLOW_H
#define _CW_ALLOW_H

#include <linux/types.h>
#include <linux/uidgid.h>

struct file;

/* Rules at most in the "allow" list. */
#define CW_ALLOW_MAX 64

bool cw_allow_any(void);
bool cw_allow_match(struct file *file, const u8 *sha, kuid_t uid);
void cw_allow_exit(void);

#endif /* _CW_ALLOW_H */
