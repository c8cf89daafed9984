/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_FAULT_H
#define _CW_FAULT_H

/*
 * Delays that widen a race window for the selftests, built only with
 * CW_FAULTS=y (see fault.c); otherwise they cost nothing.
 */
#ifdef CW_FAULTS
void cw_fault_kill_delay(void);
void cw_fault_fork_delay(void);
#else
static inline void cw_fault_kill_delay(void) { }
static inline void cw_fault_fork_delay(void) { }
#endif

#endif /* _CW_FAULT_H */
