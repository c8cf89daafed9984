/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_ALLOW_H
#define _CW_ALLOW_H

#include <linux/types.h>
#include <linux/uidgid.h>
#include <uapi/linux/cpuwarden.h>

struct file;

enum { CW_ALLOW_SHA, CW_ALLOW_PATH, CW_ALLOW_UID };

struct cw_allow_rule {
	u8 kind;			/* CW_ALLOW_* */
	bool by_fd;			/* to resolve: path is also fd */
	u32 fd;				/* the sender's (cw_policy_fd_path()) */
	kuid_t uid;
	u8 sha[CPUWARDEN_SHA256_LEN];
	char *path;
};

bool cw_allow_any(void);
bool cw_allow_match(struct file *file, const u8 *sha, kuid_t uid);
int cw_allow_resolve(const struct cw_allow_rule *rule, struct cw_allow_rule *r,
		     bool add);
int cw_allow_update(const struct cw_allow_rule *r, bool add);
void cw_allow_release(struct cw_allow_rule *r);
unsigned int cw_allow_count(void);
const struct cw_allow_rule *cw_allow_nth(unsigned int i);
int cw_allow_format(const struct cw_allow_rule *r, char *buf, size_t size);
void cw_allow_exit(void);

#endif /* _CW_ALLOW_H */
