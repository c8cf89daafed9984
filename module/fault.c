// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection for the selftests: delays that open a race window wide
 * enough for a test to hit it every time, and failures that only memory
 * pressure or a fork storm would cause.  Built only with CW_FAULTS=y,
 * as the VM runner builds the module it tests; DKMS and the packages do
 * not, and their module has no such parameter.
 */

#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>

#include "fault.h"

/* Longest delay: the sampler stands still meanwhile. */
#define CW_FAULT_DELAY_MAX_MS 10000U

static unsigned int fault_kill_delay_ms;
module_param(fault_kill_delay_ms, uint, 0600);
MODULE_PARM_DESC(fault_kill_delay_ms,
		 "test only: ms from a kill's decision to the kill (0-10000)");

/* Between a kill's decision and the kill (cw_action_flush()). */
void cw_fault_kill_delay(void)
{
	unsigned int ms = READ_ONCE(fault_kill_delay_ms);

	if (ms)
		msleep(min(ms, CW_FAULT_DELAY_MAX_MS));
}

/*
 * Longest fork delay: it busy-waits in a tracepoint probe, with
 * preemption off, far below the soft lockup and RCU stall timeouts.
 * On PREEMPT_RT it holds up its CPU's softirq threads, and the timers
 * queued there, as long.
 */
#define CW_FAULT_FORK_DELAY_MAX_MS 8000U

static unsigned int fault_fork_delay_ms;
module_param(fault_fork_delay_ms, uint, 0600);
MODULE_PARM_DESC(fault_fork_delay_ms,
		 "test only: ms the next tracked fork waits before its child's record is published, once (0-8000)");

/*
 * In the fork probe, before the child's record is published: the window
 * in which a kill's walk finds the parent and not yet the child.  Only
 * the next fork of a tracked group waits; the parameter is 0 after it.
 */
void cw_fault_fork_delay(void)
{
	unsigned int ms;

	/* Read first: every tracked fork comes here, and asks once. */
	if (!READ_ONCE(fault_fork_delay_ms))
		return;
	ms = xchg(&fault_fork_delay_ms, 0);
	if (ms)
		mdelay(min(ms, CW_FAULT_FORK_DELAY_MAX_MS));
}

/* Whether *@left, a count of failures to come, had one left; takes it. */
static bool take_one(unsigned int *left)
{
	unsigned int n = READ_ONCE(*left);

	while (n && !try_cmpxchg(left, &n, n - 1))
		;
	return n;
}

static unsigned int fault_fork_lose;
module_param(fault_fork_lose, uint, 0600);
MODULE_PARM_DESC(fault_fork_lose,
		 "test only: how many of the next tracked forks find no record for their child");

/*
 * In the fork probe: whether this child finds no record, as when the
 * reserve is empty on PREEMPT_RT or memory is short.
 */
bool cw_fault_fork_lose(void)
{
	return take_one(&fault_fork_lose);
}

static unsigned int fault_fork_stray;
module_param(fault_fork_stray, uint, 0600);
MODULE_PARM_DESC(fault_fork_stray,
		 "test only: how many of the next children without a record find the table of lost children full");

/*
 * In the fork probe: whether this child, with no record, finds the table
 * of lost children full too, as in a fork storm that outran it.
 */
bool cw_fault_fork_stray(void)
{
	return take_one(&fault_fork_stray);
}
