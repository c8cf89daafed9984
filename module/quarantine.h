/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_QUARANTINE_H
#define _CW_QUARANTINE_H

#include <linux/types.h>
#include <linux/uidgid.h>
#include <uapi/linux/cpuwarden.h>

void cw_quarantine_add(const u8 sha[CPUWARDEN_SHA256_LEN], loff_t size,
		       kuid_t uid);
bool cw_quarantine_may_hold(loff_t size, bool owned);
bool cw_quarantine_has(const u8 sha[CPUWARDEN_SHA256_LEN], kuid_t uid);

enum cw_quarantine_verdict {
	CW_QUARANTINE_RUN,	/* not quarantined, or the host's own */
	CW_QUARANTINE_REPORT,	/* runs: first seen in an owned file */
	CW_QUARANTINE_REFUSE,
};

enum cw_quarantine_verdict cw_quarantine_judge(const u8 sha[CPUWARDEN_SHA256_LEN],
					       enum cpuwarden_origin origin,
					       kuid_t uid, kuid_t owner);
unsigned int cw_quarantine_count(void);
bool cw_quarantine_nth(unsigned int i, u8 sha[CPUWARDEN_SHA256_LEN],
		       loff_t *size, kuid_t *uid);
void cw_quarantine_clear(void);
void cw_quarantine_exit(void);

#endif /* _CW_QUARANTINE_H */
