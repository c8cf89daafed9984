/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_FINGERPRINT_H
#define _CW_FINGERPRINT_H

void cw_fingerprint_start(void);
void cw_fingerprint_exit(void);

#endif /* _CW_FINGERPRINT_H */
