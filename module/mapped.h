/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_MAPPED_H
#define _CW_MAPPED_H

struct kprobe;

extern struct kprobe cw_mapped_mmap_kprobe;
extern struct kprobe cw_mapped_mprotect_kprobe;

void cw_mapped_exit(void);

#endif /* _CW_MAPPED_H */
