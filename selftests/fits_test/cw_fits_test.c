// SPDX-License-Identifier: GPL-2.0
/*
 * Built by make check only to fail: CW_FITS() (module/hooks.h) must turn
 * a tracepoint probe whose prototype is not the tracepoint's TP_PROTO
 * into a build error, as a kernel that changed a tracepoint would.  With
 * CW_FITS_SAME=y the probe has the right prototype and the module must
 * build, so that the failure is the mismatch's and nothing else's.
 */
#include <linux/module.h>
#include <linux/sched.h>
#include <trace/events/sched.h>

#include "hooks.h"

#ifdef CW_FITS_SAME
static void __maybe_unused probe(void *data, struct task_struct *parent,
				 struct task_struct *child)
{
}
#else
/* One argument short: sched_process_fork passes parent and child. */
static void __maybe_unused probe(void *data, struct task_struct *parent)
{
}
#endif

CW_FITS(register_trace_sched_process_fork(probe, NULL));

MODULE_DESCRIPTION("cpuwarden: CW_FITS() build test, never loaded");
MODULE_LICENSE("GPL");
