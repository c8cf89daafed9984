// SPDX-License-Identifier: GPL-2.0
/*
 * Module parameters: the detector's knobs and the watched locations.
 *
 * Each write is checked against its documented range and refused as a
 * whole (-EINVAL, -ERANGE) without a log line: what userspace sends never
 * makes the kernel print anything.  Once the module is locked, every write
 * fails with -EPERM.  The netlink family changes the same values; the
 * module's parameter lock serialises it with these.
 */

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sysfs.h>
#include <linux/string.h>
#include <uapi/linux/cpuwarden.h>

#include "netlink.h"
#include "origin.h"
#include "policy.h"
#include "sample.h"
#include "throttle.h"

/*
 * Defaults: a miner keeps at least one CPU busy for hours, while the
 * programs people legitimately run from /tmp (installers, build and test
 * binaries) either stay under half a CPU or finish within a minute.  A
 * miner tuned to stay under the threshold still burns its CPU-hours: 600
 * CPU-seconds an hour is a sixth of a CPU around the clock, far more than
 * a /tmp program that is not a miner ever uses.  A throttled program gets
 * a tenth of a CPU: enough to keep a wrongly accused job alive and its
 * evidence intact.  It is released after five quiet minutes; a miner is
 * never quiet.  "monitor" first: a new install reports before it is
 * trusted to act.  Programs that a user or service account could have
 * written are tracked ("writable"): that is where intruders who avoid
 * /tmp put their miners, and a user's own program is only tracked, not
 * acted on, unless it uses CPU like a miner.
 */
struct cw_policy cw_policy = {
	.threshold = 50,
	.sustain = 60,
	.period_ms = 1000,
	.mode = CPUWARDEN_MODE_MONITOR,
	.budget = 600,
	.budget_window = 3600,
	.uid_budget = 1200,
	.cap = 10,
	.escalate = 0,
	.quiet = 300,
	.probation = 600,
	.hash = true,
	.kill_tree = true,
	.writable = true,
	.mapped = true,
	.private = true,
	.randomx = true,
	.upper = false,
};

bool cw_locked;
bool cw_stopping;

/*
 * From here on every parameter write fails: none can install state (a
 * watched mount, allow rules) after the exit path freed it.  Writers run
 * under the parameter lock, so none is half-way through when this returns.
 */
void cw_policy_stop(void)
{
	kernel_param_lock(THIS_MODULE);
	WRITE_ONCE(cw_stopping, true);
	kernel_param_unlock(THIS_MODULE);
}

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

	if (cw_policy_refused())
		return cw_policy_refused();
	ret = kstrtouint(val, 0, &v);
	if (ret)
		return ret;
	if (v < p->min || v > p->max)
		return -ERANGE;
	WRITE_ONCE(*p->val, v);
	cw_sample_policy_changed();
	cw_netlink_changed("%s=%u", kp->name, v);
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
	.val = &cw_policy.threshold,
	.min = CPUWARDEN_THRESHOLD_MIN, .max = CPUWARDEN_THRESHOLD_MAX,
};
module_param_cb(threshold, &uint_ops, &threshold_param, 0600);
MODULE_PARM_DESC(threshold,
		 "CPU use, in percent of one CPU, above which a tracked program is abnormal (1-102400, default 50)");

static struct cw_uint_param sustain_param = {
	.val = &cw_policy.sustain,
	.min = CPUWARDEN_SUSTAIN_MIN, .max = CPUWARDEN_SUSTAIN_MAX,
};
module_param_cb(sustain, &uint_ops, &sustain_param, 0600);
MODULE_PARM_DESC(sustain,
		 "Seconds a tracked program must stay above threshold before cpuwarden acts (1-86400, default 60)");

static struct cw_uint_param period_param = {
	.val = &cw_policy.period_ms,
	.min = CPUWARDEN_PERIOD_MS_MIN, .max = CPUWARDEN_PERIOD_MS_MAX,
};
module_param_cb(period_ms, &uint_ops, &period_param, 0600);
MODULE_PARM_DESC(period_ms, "Sampling period in milliseconds (100-60000, default 1000)");

static struct cw_uint_param budget_param = {
	.val = &cw_policy.budget,
	.min = CPUWARDEN_BUDGET_MIN, .max = CPUWARDEN_BUDGET_MAX,
};
module_param_cb(budget, &uint_ops, &budget_param, 0600);
MODULE_PARM_DESC(budget,
		 "CPU-seconds a program may use within budget_window; 0 turns the budget detector off (0-1000000, default 600)");

static struct cw_uint_param window_param = {
	.val = &cw_policy.budget_window,
	.min = CPUWARDEN_BUDGET_WINDOW_MIN, .max = CPUWARDEN_BUDGET_WINDOW_MAX,
};
module_param_cb(budget_window, &uint_ops, &window_param, 0600);
MODULE_PARM_DESC(budget_window, "Sliding window of the budget detector in seconds (10-604800, default 3600)");

static struct cw_uint_param uid_budget_param = {
	.val = &cw_policy.uid_budget,
	.min = CPUWARDEN_UID_BUDGET_MIN, .max = CPUWARDEN_UID_BUDGET_MAX,
};
module_param_cb(uid_budget, &uint_ops, &uid_budget_param, 0600);
MODULE_PARM_DESC(uid_budget,
		 "CPU-seconds the tracked programs of one uid together may use within budget_window; 0: off (0-1000000, default 1200)");

static struct cw_uint_param cap_param = {
	.val = &cw_policy.cap,
	.min = CPUWARDEN_CAP_MIN, .max = CPUWARDEN_CAP_MAX,
};
module_param_cb(cap, &uint_ops, &cap_param, 0600);
MODULE_PARM_DESC(cap, "CPU use the throttled programs of one user are held to, together, in percent of one CPU (1-100, default 10)");

static struct cw_uint_param escalate_param = {
	.val = &cw_policy.escalate,
	.min = CPUWARDEN_ESCALATE_MIN, .max = CPUWARDEN_ESCALATE_MAX,
};
module_param_cb(escalate, &uint_ops, &escalate_param, 0600);
MODULE_PARM_DESC(escalate,
		 "Seconds a throttled program may spend at the cap before it is killed; 0: never (0-86400, default 0)");

static struct cw_uint_param quiet_param = {
	.val = &cw_policy.quiet,
	.min = CPUWARDEN_QUIET_MIN, .max = CPUWARDEN_QUIET_MAX,
};
module_param_cb(quiet, &uint_ops, &quiet_param, 0600);
MODULE_PARM_DESC(quiet,
		 "Seconds under half the cap after which a throttled program is released; 0: only by an admin (0-86400, default 300)");

static struct cw_uint_param probation_param = {
	.val = &cw_policy.probation,
	.min = CPUWARDEN_PROBATION_MIN, .max = CPUWARDEN_PROBATION_MAX,
};
module_param_cb(probation, &uint_ops, &probation_param, 0600);
MODULE_PARM_DESC(probation,
		 "Seconds a uid's new unowned programs start throttled after one of its programs was killed or throttled; 0: never (0-86400, default 600)");

static int set_bool(const char *val, const struct kernel_param *kp)
{
	bool v;
	int ret;

	if (cw_policy_refused())
		return cw_policy_refused();
	ret = kstrtobool(val, &v);
	if (ret)
		return ret;
	WRITE_ONCE(*(bool *)kp->arg, v);
	cw_netlink_changed("%s=%u", kp->name, v);
	return 0;
}

static const struct kernel_param_ops bool_ops = {
	.set = set_bool,
	.get = param_get_bool,
};

module_param_cb(hash, &bool_ops, &cw_policy.hash, 0600);
MODULE_PARM_DESC(hash, "Identify programs by the SHA-256 of their content (default Y)");

module_param_cb(kill_tree, &bool_ops, &cw_policy.kill_tree, 0600);
MODULE_PARM_DESC(kill_tree, "Kill the tracked descendants of a killed program too (default Y)");

module_param_cb(writable, &bool_ops, &cw_policy.writable, 0600);
MODULE_PARM_DESC(writable,
		 "Track programs whose file or a directory above it another uid than root could write (default Y)");

module_param_cb(private, &bool_ops, &cw_policy.private, 0600);
MODULE_PARM_DESC(private,
		 "Track programs on a file system mounted from a user namespace, or on a tmpfs other than the watched ones and / (default Y)");

module_param_cb(randomx, &bool_ops, &cw_policy.randomx, 0600);
MODULE_PARM_DESC(randomx,
		 "Track programs that compute like a RandomX miner, wherever their file: a busy group caught with a directed SSE rounding mode in two surveys in a row (default Y)");

module_param_cb(upper, &bool_ops, &cw_policy.upper, 0600);
MODULE_PARM_DESC(upper,
		 "Track programs whose content was written into the upper layer of an overlayfs other than /: a container's drift from its image (default N)");

module_param_cb(unpackaged, &bool_ops, &cw_policy.unpackaged, 0600);
MODULE_PARM_DESC(unpackaged,
		 "Track programs whose file is root's and no package's, once \"cpuwarden trust sync\" loaded the packaged files (default N)");

module_param_cb(mapped, &bool_ops, &cw_policy.mapped, 0600);
MODULE_PARM_DESC(mapped,
		 "Track programs that map an unowned file executable: ld.so FILE, LD_PRELOAD (default Y)");

/* Write-only: a PID whose throttling ends, exempt until it exits. */
static int set_release(const char *val, const struct kernel_param *kp)
{
	int pid, ret;

	if (cw_policy_refused())
		return cw_policy_refused();
	ret = kstrtoint(val, 10, &pid);
	if (ret)
		return ret;
	if (pid <= 0)
		return -EINVAL;
	ret = cw_throttle_release_pid(pid);
	if (!ret)
		cw_netlink_changed("release pid=%d", pid);
	return ret;
}

static const struct kernel_param_ops release_ops = {
	.set = set_release,
};

module_param_cb(release, &release_ops, NULL, 0200);
MODULE_PARM_DESC(release,
		 "Write a PID to stop throttling it and exempt it until it exits (ESRCH: not tracked)");

static const char * const mode_names[] = {
	[CPUWARDEN_MODE_MONITOR] = "monitor",
	[CPUWARDEN_MODE_THROTTLE] = "throttle",
	[CPUWARDEN_MODE_KILL] = "kill",
};

static const char * const rule_names[] = {
	[CPUWARDEN_RULE_NONE] = "none",
	[CPUWARDEN_RULE_SUSTAINED] = "sustained",
	[CPUWARDEN_RULE_BUDGET] = "budget",
	[CPUWARDEN_RULE_ESCALATE] = "escalate",
	[CPUWARDEN_RULE_QUARANTINE] = "quarantine",
	[CPUWARDEN_RULE_ADMIN] = "admin",
	[CPUWARDEN_RULE_QUIET] = "quiet",
	[CPUWARDEN_RULE_PROBATION] = "probation",
	[CPUWARDEN_RULE_UID_BUDGET] = "uid_budget",
};

static const char * const event_names[] = {
	[CPUWARDEN_EVENT_NONE] = "none",
	[CPUWARDEN_EVENT_TRACKED] = "tracking",
	[CPUWARDEN_EVENT_THRESHOLD_EXCEEDED] = "abnormal",
	[CPUWARDEN_EVENT_BUDGET_EXCEEDED] = "abnormal",
	[CPUWARDEN_EVENT_THROTTLED] = "throttled",
	[CPUWARDEN_EVENT_KILLED] = "killed",
	[CPUWARDEN_EVENT_DENIED] = "denied",
	[CPUWARDEN_EVENT_RELEASED] = "released",
	[CPUWARDEN_EVENT_POLICY_CHANGED] = "policy",
	[CPUWARDEN_EVENT_SPARED] = "spared",
};

/*
 * @path, referenced, from the file descriptor @fd of the sender of a
 * netlink command, which runs in its context: a path it resolved itself,
 * where waiting for a file system stalled no one else.  -EBADF if @fd is
 * not open; an O_PATH descriptor will do.
 */
int cw_policy_fd_path(u32 fd, struct path *path)
{
	struct file *file = fget_raw(fd);

	if (!file)
		return -EBADF;
	*path = file->f_path;
	path_get(path);
	fput(file);
	return 0;
}

const char *cw_policy_mode_name(unsigned int mode)
{
	return mode < ARRAY_SIZE(mode_names) ? mode_names[mode] : "?";
}

const char *cw_policy_rule_name(unsigned int rule)
{
	return rule < ARRAY_SIZE(rule_names) ? rule_names[rule] : "?";
}

const char *cw_policy_event_name(unsigned int event)
{
	return event < ARRAY_SIZE(event_names) ? event_names[event] : "?";
}

static int set_mode(const char *val, const struct kernel_param *kp)
{
	int i = sysfs_match_string(mode_names, val);

	if (cw_policy_refused())
		return cw_policy_refused();
	if (i < 0)
		return -EINVAL;
	WRITE_ONCE(cw_policy.mode, i);
	cw_netlink_changed("mode=%s", mode_names[i]);
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

module_param_cb(mode, &mode_ops, NULL, 0600);
MODULE_PARM_DESC(mode,
		 "What to do with an abnormal program: monitor (report only, default), throttle or kill");

/*
 * The module's parameter lock serialises these with each other; the
 * origin code publishes the resolved list with RCU for the exec path.
 */
static int set_watch(const char *val, const struct kernel_param *kp)
{
	int ret;

	if (cw_policy_refused())
		return cw_policy_refused();
	ret = cw_origin_watch_set(val);
	if (!ret)
		cw_netlink_changed("watch=%s", val);
	return ret;
}

static int get_watch(char *buf, const struct kernel_param *kp)
{
	int len = cw_origin_watch_get(buf, PAGE_SIZE - 1);

	return len + sysfs_emit_at(buf, len, "\n");
}

static const struct kernel_param_ops watch_ops = {
	.set = set_watch,
	.get = get_watch,
};

module_param_cb(watch, &watch_ops, NULL, 0600);
MODULE_PARM_DESC(watch,
		 "Comma-separated absolute directories whose programs are unowned (default /tmp,/var/tmp,/dev/shm)");
