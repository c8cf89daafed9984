/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_HASH_H
#define _CW_HASH_H

#include <linux/types.h>
#include <uapi/linux/cpuwarden.h>

struct file;

int cw_hash_file(struct file *file, u8 sha[CPUWARDEN_SHA256_LEN]);
void cw_hash_hex(const u8 sha[CPUWARDEN_SHA256_LEN],
		 char hex[2 * CPUWARDEN_SHA256_LEN + 1]);

#endif /* _CW_HASH_H */
