/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_SAMPLE_H
#define _CW_SAMPLE_H

#include <linux/uidgid.h>

void cw_sample_kick(void);
void cw_sample_now(void);
void cw_sample_policy_changed(void);
unsigned int cw_sample_uid_pct(kuid_t uid);
u64 cw_sample_count(void);
int cw_sample_init(void);
void cw_sample_stop(void);
void cw_sample_exit(void);

#endif /* _CW_SAMPLE_H */
