// SPDX-License-Identifier: GPL-2.0
/*
 * Module parameters: the detector's knobs and the watched locations.
 *
 * Each write is checked against its documented range and refused as a
 * whole (-EINVAL, -ERANGE) without a log line: what userspace sends never
 * makes the kernel print anything.
 */

#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/sysfs.h>
#include <linux/string.h>
#include <uapi/linux/cpuwarden.h>

#include "origin.h"
#include "policy.h"

/*
 * Defaults: a miner keeps at least one CPU busy for hours, while the
 * programs people legitimately run from /tmp (installers, build and test
 * binaries) either stay under half a CPU or finish within a minute.
 * "monitor" first: a new install reports before it is trusted to kill.
 */
struct cw_policy cw_policy = {
	.threshold = 50,
	.sustain = 60,
	.period_ms = 1000,
	.mode = CPUWARDEN_MODE_MONITOR,
};

/* An unsigned knob with the range a write must fall into. */
struct cw_uint_param {
	unsigned int *val;
	unsigned int min;
	unsigned int max;
};

static int set_uint(const char *val, const struct kernel_param *kp)
{
	const struct cw_uint_param *p = kp->arg;
	unsigned int v;
	int ret;

	ret = kstrtouint(val, 0, &v);
	if (ret)
		return ret;
	if (v < p->min || v > p->max)
		return -ERANGE;
	WRITE_ONCE(*p->val, v);
	return 0;
}

static int get_uint(char *buf, const struct kernel_param *kp)
{
	const struct cw_uint_param *p = kp->arg;

	return sysfs_emit(buf, "%u\n", READ_ONCE(*p->val));
}

static const struct kernel_param_ops uint_ops = {
	.set = set_uint,
	.get = get_uint,
};

static struct cw_uint_param threshold_param = {
	.val = &cw_policy.threshold, .min = 1, .max = 102400,
};
module_param_cb(threshold, &uint_ops, &threshold_param, 0644);
MODULE_PARM_DESC(threshold,
		 "CPU use, in percent of one CPU, above which a tracked program is abnormal (1-102400, default 50)");

static struct cw_uint_param sustain_param = {
	.val = &cw_policy.sustain, .min = 1, .max = 86400,
};
module_param_cb(sustain, &uint_ops, &sustain_param, 0644);
MODULE_PARM_DESC(sustain,
		 "Seconds a tracked program must stay above threshold before cpuwarden acts (1-86400, default 60)");

static struct cw_uint_param period_param = {
	.val = &cw_policy.period_ms, .min = 100, .max = 60000,
};
module_param_cb(period_ms, &uint_ops, &period_param, 0644);
MODULE_PARM_DESC(period_ms, "Sampling period in milliseconds (100-60000, default 1000)");

static const char * const mode_names[] = {
	[CPUWARDEN_MODE_MONITOR] = "monitor",
	[CPUWARDEN_MODE_KILL] = "kill",
};

const char *cw_policy_mode_name(unsigned int mode)
{
	return mode < ARRAY_SIZE(mode_names) ? mode_names[mode] : "?";
}

static int set_mode(const char *val, const struct kernel_param *kp)
{
	int i = sysfs_match_string(mode_names, val);

	if (i < 0)
		return -EINVAL;
	WRITE_ONCE(cw_policy.mode, i);
	return 0;
}

static int get_mode(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", cw_policy_mode_name(READ_ONCE(cw_policy.mode)));
}

static const struct kernel_param_ops mode_ops = {
	.set = set_mode,
	.get = get_mode,
};

module_param_cb(mode, &mode_ops, NULL, 0644);
MODULE_PARM_DESC(mode, "What to do with a sustained abuser: monitor (log only, default) or kill");

/*
 * The module's parameter lock serialises these with each other; the
 * origin code publishes the resolved list with RCU for the exec path.
 */
static int set_watch(const char *val, const struct kernel_param *kp)
{
	return cw_origin_watch_set(val);
}

static int get_watch(char *buf, const struct kernel_param *kp)
{
	return cw_origin_watch_get(buf);
}

static const struct kernel_param_ops watch_ops = {
	.set = set_watch,
	.get = get_watch,
};

module_param_cb(watch, &watch_ops, NULL, 0644);
MODULE_PARM_DESC(watch,
		 "Comma-separated absolute directories whose programs are unowned (default /tmp,/var/tmp,/dev/shm)");
