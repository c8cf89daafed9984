/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_FAULT_H
#define _CW_FAULT_H

#include <linux/types.h>

/*
 * Delays that widen a race window, and failures that are rare otherwise,
 * for the selftests; built only with CW_FAULTS=y (see fault.c), else they
 * cost nothing.
 */
#ifdef CW_FAULTS
void cw_fault_kill_delay(void);
void cw_fault_fork_delay(void);
bool cw_fault_fork_lose(void);
bool cw_fault_fork_stray(void);
#else
static inline void cw_fault_kill_delay(void) { }
static inline void cw_fault_fork_delay(void) { }
static inline bool cw_fault_fork_lose(void) { return false; }
static inline bool cw_fault_fork_stray(void) { return false; }
#endif

#endif /* _CW_FAULT_H */
