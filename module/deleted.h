/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_DELETED_H
#define _CW_DELETED_H

struct kretprobe;

extern struct kretprobe cw_deleted_kretprobe;

void cw_deleted_exit(void);

#endif /* _CW_DELETED_H */
