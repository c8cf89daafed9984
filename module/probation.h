/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_PROBATION_H
#define _CW_PROBATION_H

#include <linux/types.h>
#include <linux/uidgid.h>

void cw_probation_start(kuid_t uid, u64 now);
u64 cw_probation_until(kuid_t uid, u64 start_ns, bool over, u64 now);

#endif /* _CW_PROBATION_H */
