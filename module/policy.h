/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_POLICY_H
#define _CW_POLICY_H

#include <linux/capability.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/path.h>
#include <linux/types.h>

/*
 * The knobs of the detector.  They are module parameters, writable at
 * runtime through /sys/module/cpuwarden/parameters; readers take a
 * snapshot of each value with READ_ONCE() and never hold a lock.
 */
struct cw_policy {
	unsigned int threshold;		/* percent of one CPU */
	unsigned int sustain;		/* seconds */
	unsigned int period_ms;		/* sampling period */
	unsigned int mode;		/* enum cpuwarden_mode */
	unsigned int budget;		/* CPU-seconds per window, 0: off */
	unsigned int budget_window;	/* seconds */
	unsigned int uid_budget;	/* CPU-seconds per uid and window, 0: off */
	unsigned int cap;		/* throttle, percent of one CPU */
	unsigned int escalate;		/* seconds at the cap, 0: never */
	unsigned int quiet;		/* seconds, 0: only an admin releases */
	unsigned int probation;		/* seconds, 0: off (probation.c) */
	bool hash;			/* identify content by SHA-256 */
	bool kill_tree;			/* kill tracked descendants too */
	bool writable;			/* track CPUWARDEN_ORIGIN_WRITABLE */
	bool mapped;			/* track CPUWARDEN_ORIGIN_F_MAPPED */
	bool private;			/* track CPUWARDEN_ORIGIN_PRIVATE */
	bool randomx;			/* track CPUWARDEN_ORIGIN_RANDOMX */
	bool upper;			/* track CPUWARDEN_ORIGIN_UPPER */
	bool unpackaged;		/* track CPUWARDEN_ORIGIN_UNPACKAGED */
};

extern struct cw_policy cw_policy;
extern bool cw_locked;
extern bool cw_stopping;

#define cw_policy_get(field) READ_ONCE(cw_policy.field)

/* Locked: nothing changes until reboot.  Set under the parameter lock. */
static inline bool cw_policy_locked(void)
{
	return READ_ONCE(cw_locked);
}

/*
 * Why a module parameter write is refused, or 0: -EPERM once locked, or
 * once loaded from a writer without CAP_SYS_ADMIN (as netlink asks: root
 * stripped of its capabilities owns the files but may not change the
 * policy); -ENODEV once the module is on its way out (cw_policy_stop()),
 * as sysfs writes may come until its parameters are removed after exit.
 * Called under the parameter lock.
 */
static inline int cw_policy_refused(void)
{
	if (READ_ONCE(cw_locked))
		return -EPERM;
	if (READ_ONCE(cw_stopping))
		return -ENODEV;
	if (THIS_MODULE->state == MODULE_STATE_LIVE && !capable(CAP_SYS_ADMIN))
		return -EPERM;
	return 0;
}

/*
 * Lookup flags for a path a writer names (a watched directory, an allow
 * rule) without a file descriptor for it: once loaded, LOOKUP_CACHED, so
 * that no lookup waits for a file system (a dead NFS or FUSE server)
 * while the writer holds generic netlink's cb_lock or the module's
 * parameter lock: a genl family that registers meanwhile would wait for
 * the one, and then every generic netlink message on the host for it;
 * every other writer waits for the other.  A path not all in the dentry
 * cache is -EAGAIN, as is one whose walk a concurrent mount anywhere got
 * in the way of.  The tool passes descriptors (cw_policy_fd_path()).
 * At load, parameters are resolved as they come.
 */
static inline unsigned int cw_policy_lookup(void)
{
	return THIS_MODULE->state == MODULE_STATE_LIVE ? LOOKUP_CACHED : 0;
}

int cw_policy_fd_path(u32 fd, struct path *path);

void cw_policy_stop(void);

const char *cw_policy_mode_name(unsigned int mode);
const char *cw_policy_rule_name(unsigned int rule);
const char *cw_policy_event_name(unsigned int event);

#endif /* _CW_POLICY_H */
