// SPDX-License-Identifier: GPL-2.0
/*
 * Where cpuwarden attaches to the kernel: one table of tracepoints, and
 * kprobes only where no tracepoint exists.  Registration follows the
 * table; teardown runs it backwards and then waits for every callback
 * still in flight.
 */

#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <trace/events/sched.h>

#include "deleted.h"
#include "exec.h"
#include "gate.h"
#include "mapped.h"
#include "hooks.h"
#include "throttle.h"
#include "track.h"

struct cw_tp_hook {
	const char *name;
	void *probe;
	struct tracepoint *tp;
};

/*
 * Fork and exit first, so every record an exec creates is freed at exit.
 * The exec gate (gate.c) is registered after all of these, when nothing
 * can fail any more, and unregistered before them: an exec sleeping in
 * the gate holds a reference on the module, which a failed init would
 * not wait for.
 */
CW_FITS(register_trace_sched_process_fork(cw_track_fork_probe, NULL));
CW_FITS(register_trace_sched_process_exit(cw_track_exit_probe, NULL));
CW_FITS(register_trace_sched_process_exit(cw_gate_exit_probe, NULL));
CW_FITS(register_trace_sched_process_exec(cw_exec_probe, NULL));

static struct cw_tp_hook tp_hooks[] = {
	{ "sched_process_fork", cw_track_fork_probe },
	{ "sched_process_exit", cw_track_exit_probe },
	{ "sched_process_exit", cw_gate_exit_probe },
	{ "sched_process_exec", cw_exec_probe },
};

/*
 * Without these the module still works, but misses files deleted after
 * exec, and a throttled task that a user moves between cgroups or thaws
 * runs until the next throttle tick.
 */
static struct kretprobe *kretprobes[] = {
	&cw_deleted_kretprobe,
	&cw_throttle_migrate_kretprobe,
	&cw_throttle_thaw_kretprobe,
};

static bool kretprobe_on[ARRAY_SIZE(kretprobes)];

/* Without these, unowned code that is mapped rather than exec'd runs untracked. */
static struct kprobe *kprobes[] = {
	&cw_mapped_mmap_kprobe,
	&cw_mapped_mprotect_kprobe,
};

static bool kprobe_on[ARRAY_SIZE(kprobes)];

static void find_tp(struct tracepoint *tp, void *priv)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tp_hooks); i++)
		if (!strcmp(tp->name, tp_hooks[i].name))
			tp_hooks[i].tp = tp;
}

static void tp_unregister(unsigned int n)
{
	while (n--)
		tracepoint_probe_unregister(tp_hooks[n].tp, tp_hooks[n].probe, NULL);
}

static void probes_register(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(kretprobes); i++) {
		ret = register_kretprobe(kretprobes[i]);
		kretprobe_on[i] = !ret;
		if (ret)
			pr_notice("kretprobe on %s unavailable (%d)\n",
				  kretprobes[i]->kp.symbol_name, ret);
	}
	for (i = 0; i < ARRAY_SIZE(kprobes); i++) {
		ret = register_kprobe(kprobes[i]);
		kprobe_on[i] = !ret;
		if (ret)
			pr_notice("kprobe on %s unavailable (%d)\n",
				  kprobes[i]->symbol_name, ret);
	}
}

static void probes_unregister(void)
{
	unsigned int i;

	for (i = ARRAY_SIZE(kprobes); i--; )
		if (kprobe_on[i])
			unregister_kprobe(kprobes[i]);
	for (i = ARRAY_SIZE(kretprobes); i--; )
		if (kretprobe_on[i])
			unregister_kretprobe(kretprobes[i]);
}

int cw_hooks_register(void)
{
	unsigned int i;
	int ret;

	for_each_kernel_tracepoint(find_tp, NULL);
	for (i = 0; i < ARRAY_SIZE(tp_hooks); i++) {
		if (!tp_hooks[i].tp) {
			pr_err("tracepoint %s not found\n", tp_hooks[i].name);
			ret = -ENOENT;
			goto fail;
		}
		ret = tracepoint_probe_register(tp_hooks[i].tp, tp_hooks[i].probe, NULL);
		if (ret) {
			pr_err("cannot attach to %s (%d)\n", tp_hooks[i].name, ret);
			goto fail;
		}
	}
	probes_register();
	cw_gate_register();
	return 0;

fail:
	tp_unregister(i);
	tracepoint_synchronize_unregister();
	return ret;
}

void cw_hooks_unregister(void)
{
	cw_gate_unregister();
	probes_unregister();
	tp_unregister(ARRAY_SIZE(tp_hooks));
	/* Callbacks that started before they were unregistered finish here. */
	tracepoint_synchronize_unregister();
}
