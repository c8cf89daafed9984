/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_SAMPLE_H
#define _CW_SAMPLE_H

void cw_sample_kick(void);
void cw_sample_exit(void);

#endif /* _CW_SAMPLE_H */
