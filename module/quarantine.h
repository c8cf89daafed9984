/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_QUARANTINE_H
#define _CW_QUARANTINE_H

#include <linux/types.h>
#include <uapi/linux/cpuwarden.h>

void cw_quarantine_add(const u8 sha[CPUWARDEN_SHA256_LEN], loff_t size);
bool cw_quarantine_may_hold(loff_t size);
bool cw_quarantine_has(const u8 sha[CPUWARDEN_SHA256_LEN]);
bool cw_quarantine_spare_first(const u8 sha[CPUWARDEN_SHA256_LEN]);
unsigned int cw_quarantine_count(void);
bool cw_quarantine_nth(unsigned int i, u8 sha[CPUWARDEN_SHA256_LEN], loff_t *size);
void cw_quarantine_clear(void);
void cw_quarantine_exit(void);

#endif /* _CW_QUARANTINE_H */
