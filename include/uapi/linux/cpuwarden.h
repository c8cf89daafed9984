/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * cpuwarden: the contract between the kernel module and userspace.
 *
 * The module tracks "unowned" programs: programs whose file no package or
 * administrator vouches for.  This header names why a program is tracked
 * and what the module does about it; the module's log lines and, later,
 * its generic netlink messages use these values.
 *
 * Origin of a tracked program (enum cpuwarden_origin):
 *
 *   CPUWARDEN_ORIGIN_WATCHED   its file lives below a watched location
 *                              (module parameter "watch", by default
 *                              /tmp, /var/tmp and /dev/shm), judged by
 *                              mount and dentry, never by path string
 *   CPUWARDEN_ORIGIN_FILELESS  its file has no path at all: memfd_create()
 *                              plus fexecve(), or another file of a
 *                              kernel-internal mount
 *   CPUWARDEN_ORIGIN_DELETED   its file was unlinked before it ran, or
 *                              while it ran
 *
 * Origin flags (CPUWARDEN_ORIGIN_F_*), set beside the origin:
 *
 *   F_SCRIPT     the unowned file is a "#!" script run by an owned
 *                interpreter
 *   F_INHERITED  the program was forked by a tracked program
 *   F_LATE       the origin was found after exec: the file was deleted
 *                while it ran, or the program was running already when
 *                the module was loaded
 *
 * Modes (enum cpuwarden_mode), module parameter "mode":
 *
 *   CPUWARDEN_MODE_MONITOR   report abnormal CPU use, never act
 *   CPUWARDEN_MODE_THROTTLE  hold the offender at or below "cap" percent
 *                            of one CPU and demote it to SCHED_IDLE
 *   CPUWARDEN_MODE_KILL      SIGKILL the offender and quarantine its
 *                            content
 *
 * The offender is the whole program: every thread group running the same
 * content (same SHA-256, or the same inode when hashing is off), plus
 * their tracked descendants.
 *
 * Events (enum cpuwarden_event): what a decision did.
 *
 *   TRACKED    a program of unowned origin started to be tracked
 *   ABNORMAL   a detector fired in monitor mode: reported only
 *   THROTTLED  the offender is held at the cap
 *   KILLED     the offender was sent SIGKILL
 *   DENIED     an exec of quarantined content was refused with EPERM
 *              before it ran any user-space instruction
 *   RELEASED   throttling ended
 *
 * Rules (enum cpuwarden_rule): why.
 *
 *   SUSTAINED   over "threshold" percent of one CPU for "sustain" seconds,
 *               by one thread group or by the program as a whole
 *   BUDGET      over "budget" CPU-seconds within "budget_window" seconds,
 *               by the program as a whole
 *   ESCALATE    throttled and at the cap for "escalate" seconds
 *   QUARANTINE  the content was killed before
 *   ADMIN       an administrator released it
 *   QUIET       it stayed under half the cap for "quiet" seconds
 */
#ifndef _UAPI_LINUX_CPUWARDEN_H
#define _UAPI_LINUX_CPUWARDEN_H

enum cpuwarden_origin {
	CPUWARDEN_ORIGIN_NONE,
	CPUWARDEN_ORIGIN_WATCHED,
	CPUWARDEN_ORIGIN_FILELESS,
	CPUWARDEN_ORIGIN_DELETED,

	__CPUWARDEN_ORIGIN_LAST
};

#define CPUWARDEN_ORIGIN_MAX (__CPUWARDEN_ORIGIN_LAST - 1)

enum cpuwarden_origin_flag {
	CPUWARDEN_ORIGIN_F_SCRIPT = 1U << 0,
	CPUWARDEN_ORIGIN_F_INHERITED = 1U << 1,
	CPUWARDEN_ORIGIN_F_LATE = 1U << 2,

	__CPUWARDEN_ORIGIN_F_ALL = CPUWARDEN_ORIGIN_F_SCRIPT |
				   CPUWARDEN_ORIGIN_F_INHERITED |
				   CPUWARDEN_ORIGIN_F_LATE
};

enum cpuwarden_mode {
	CPUWARDEN_MODE_MONITOR,
	CPUWARDEN_MODE_THROTTLE,
	CPUWARDEN_MODE_KILL,

	__CPUWARDEN_MODE_LAST
};

#define CPUWARDEN_MODE_MAX (__CPUWARDEN_MODE_LAST - 1)

enum cpuwarden_event {
	CPUWARDEN_EVENT_NONE,
	CPUWARDEN_EVENT_TRACKED,
	CPUWARDEN_EVENT_ABNORMAL,
	CPUWARDEN_EVENT_THROTTLED,
	CPUWARDEN_EVENT_KILLED,
	CPUWARDEN_EVENT_DENIED,
	CPUWARDEN_EVENT_RELEASED,

	__CPUWARDEN_EVENT_LAST
};

#define CPUWARDEN_EVENT_MAX (__CPUWARDEN_EVENT_LAST - 1)

enum cpuwarden_rule {
	CPUWARDEN_RULE_NONE,
	CPUWARDEN_RULE_SUSTAINED,
	CPUWARDEN_RULE_BUDGET,
	CPUWARDEN_RULE_ESCALATE,
	CPUWARDEN_RULE_QUARANTINE,
	CPUWARDEN_RULE_ADMIN,
	CPUWARDEN_RULE_QUIET,

	__CPUWARDEN_RULE_LAST
};

#define CPUWARDEN_RULE_MAX (__CPUWARDEN_RULE_LAST - 1)

/* Size of a content hash, SHA-256. */
#define CPUWARDEN_SHA256_LEN 32

#endif /* _UAPI_LINUX_CPUWARDEN_H */
