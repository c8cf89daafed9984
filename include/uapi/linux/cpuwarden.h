/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * cpuwarden: the contract between the kernel module and userspace.
 *
 * The module tracks "unowned" programs: programs whose file no package or
 * administrator vouches for.  This header names why a program is tracked
 * and what the module does about it, and lays out the generic netlink
 * family through which the cpuwarden tool reads and sets all of it.
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
 *   CPUWARDEN_ORIGIN_WRITABLE  someone other than root could have put its
 *                              content there: the file, or a directory
 *                              above it on its mount, belongs to another
 *                              uid, or the file is writable by group or
 *                              other, or such a directory is without the
 *                              sticky bit (module parameter "writable")
 *   CPUWARDEN_ORIGIN_PRIVATE   its file system was not mounted by the host
 *                              for itself: mounted from a user namespace,
 *                              or a tmpfs or ramfs other than the watched
 *                              ones and the root file system (a
 *                              container's /tmp; module parameter
 *                              "private")
 *   CPUWARDEN_ORIGIN_RANDOMX   wherever its file, it computes like a
 *                              RandomX miner: a thread busy over a
 *                              quarter of a CPU was caught with a
 *                              directed SSE rounding mode in two surveys
 *                              in a row, a few seconds apart (module
 *                              parameter "randomx"); never quarantined,
 *                              as its file may be the host's (python3)
 *   CPUWARDEN_ORIGIN_UPPER     its content was written through an overlayfs
 *                              mount other than the root file system,
 *                              into its upper layer: a container's file
 *                              written (or copied up whole) since the
 *                              container started, not its image's
 *                              (module parameter "upper")
 *   CPUWARDEN_ORIGIN_UNPACKAGED
 *                              its file is root's, on a file system that
 *                              holds packaged files, and is none of them:
 *                              no package installed it, or it changed
 *                              since (module parameter "unpackaged", and
 *                              only once CPUWARDEN_CMD_TRUST_SET loaded
 *                              the packaged files)
 *
 * Origin flags (CPUWARDEN_ORIGIN_F_*), set beside the origin:
 *
 *   F_SCRIPT     the unowned file is a "#!" script run by an owned
 *                interpreter
 *   F_INHERITED  the program was forked by a tracked program
 *   F_LATE       the origin was found after exec: the file was deleted
 *                while it ran, or the program was running already when
 *                the module was loaded
 *   F_MAPPED     the unowned file was not exec'd but mapped executable
 *                by an owned program: "ld.so FILE", LD_PRELOAD, or
 *                mmap()/mprotect() with PROT_EXEC (module parameter
 *                "mapped"); the file is the program
 *
 * Modes (enum cpuwarden_mode), module parameter "mode":
 *
 *   CPUWARDEN_MODE_MONITOR   report abnormal CPU use, never act
 *   CPUWARDEN_MODE_THROTTLE  hold the offender at or below "cap" percent
 *                            of one CPU, with the user's other throttled
 *                            programs, and demote it to SCHED_IDLE
 *   CPUWARDEN_MODE_KILL      SIGKILL the offender and quarantine its
 *                            content
 *
 * The offender is the whole program: every thread group running the same
 * content (same SHA-256, or the same inode when hashing is off), plus
 * their tracked descendants.
 *
 * Events (enum cpuwarden_event): what happened.
 *
 *   TRACKED             a program of unowned origin started to be tracked
 *   THRESHOLD_EXCEEDED  a thread group or program stayed over "threshold"
 *                       for "sustain" seconds
 *   BUDGET_EXCEEDED     a program used over "budget" CPU-seconds within
 *                       "budget_window" seconds
 *                       (each of the two is followed, by mode, by nothing
 *                       more, a THROTTLED or a KILLED event)
 *   THROTTLED           the offender is held at the cap
 *   KILLED              the offender was sent SIGKILL
 *   DENIED              an exec of quarantined content in an unowned file,
 *                       by the uid it was killed for or from a file that
 *                       uid owns, was refused with EPERM before it ran
 *                       any user-space instruction
 *   RELEASED            throttling ended
 *   POLICY_CHANGED      an administrator changed the policy, the allow
 *                       rules or the quarantine, locked them, or
 *                       released a program, through netlink or sysfs
 *   SPARED              an exec of quarantined content was let run, as
 *                       its file is owned: quarantine refuses unowned
 *                       files only, so that content copied from the host
 *                       (bash, busybox) and killed in /tmp never stops
 *                       the host's own copy.  Once per quarantined
 *                       content, which from then on is refused only
 *                       from a watched or user-writable location (a
 *                       memfd copy, as runc runs itself, is not
 *                       refused).
 *
 * Rules (enum cpuwarden_rule): why.
 *
 *   SUSTAINED   over "threshold" percent of one CPU for "sustain" seconds,
 *               by one thread group or by the program as a whole
 *   BUDGET      over "budget" CPU-seconds within "budget_window" seconds,
 *               by the program as a whole
 *   UID_BUDGET  over "uid_budget" CPU-seconds within "budget_window"
 *               seconds, by all the tracked programs of its user
 *               together (its uid, with the uids of user namespaces it
 *               made; in a namespace root made, each uid is its own
 *               user), which also use more than that allows on average: it
 *               used CPU in the last sample.  A_WINDOW_MS and A_LIMIT are
 *               the user's, A_CPU_PCT the program's
 *   ESCALATE    throttled and at the cap for "escalate" seconds
 *   QUARANTINE  the content was killed before
 *   ADMIN       an administrator released it
 *   QUIET       it stayed under half the cap for "quiet" seconds
 *   PROBATION   THROTTLED: a new program of a uid whose program was
 *               killed or throttled less than "probation" seconds ago,
 *               or an older one of that uid over the threshold then;
 *               RELEASED: that probation ended (A_FOR_S: for how long
 *               it was held, or, in THROTTLED, how long it will be)
 *
 * State of a tracked thread group (enum cpuwarden_state): TRACKED (CPU
 * use normal), ABNORMAL (reported in monitor mode), THROTTLED, KILLED
 * (SIGKILL sent, not yet reaped) and RELEASED (exempt until it exits or
 * execs another program; what it maps is not another program).
 *
 * Generic netlink family CPUWARDEN_GENL_NAME, version CPUWARDEN_GENL_VERSION,
 * in the initial network namespace only.  Every command needs
 * CAP_NET_ADMIN and CAP_SYS_ADMIN in the initial user namespace (LOCK also
 * CAP_SYS_MODULE), and so does joining the multicast group
 * CPUWARDEN_GENL_MCGRP_EVENTS: root in a container or a user namespace,
 * or a daemon with CAP_NET_ADMIN alone, can neither read nor change
 * anything.  Without CAP_NET_ADMIN genetlink refuses with EPERM; without
 * the others the module refuses with EACCES and says which is missing.  Attributes are
 * validated strictly: an unknown attribute, a wrong type or length, or a
 * value out of range refuses the whole message with an extended ack that
 * names the attribute; nothing is applied in part.  Integers are u32
 * unless marked u64.  Once the module is locked (CPUWARDEN_CMD_LOCK), every
 * command that changes state fails with EPERM until reboot.
 *
 * CPUWARDEN_CMD_GET_STATUS          -> A_VERSION, A_LOCKED, A_NR_TRACKED,
 *                                      A_NR_PROGRAMS, A_NR_THROTTLED,
 *                                      A_NR_QUARANTINED, A_NR_ALLOW,
 *                                      A_EVENTS_LOST (u64),
 *                                      A_TRACK_LOST (u64),
 *                                      A_EVENTS_LIMITED (u64),
 *                                      A_NR_TRUSTED, A_SAMPLES (u64:
 *                                      full samples since load)
 * CPUWARDEN_CMD_GET_POLICY          -> every policy attribute below
 * CPUWARDEN_CMD_SET_POLICY          <- any non-empty set of policy
 *                                      attributes, applied all or none
 *   A_MODE           enum cpuwarden_mode
 *   A_THRESHOLD      percent of one CPU         CPUWARDEN_THRESHOLD_MIN..MAX
 *   A_SUSTAIN        seconds                    CPUWARDEN_SUSTAIN_MIN..MAX
 *   A_PERIOD_MS      milliseconds               CPUWARDEN_PERIOD_MS_MIN..MAX
 *   A_BUDGET         CPU-seconds, 0: off        CPUWARDEN_BUDGET_MIN..MAX
 *   A_BUDGET_WINDOW  seconds                    CPUWARDEN_BUDGET_WINDOW_MIN..MAX
 *   A_UID_BUDGET     CPU-seconds, 0: off        CPUWARDEN_UID_BUDGET_MIN..MAX
 *   A_CAP            percent of one CPU         CPUWARDEN_CAP_MIN..MAX
 *   A_ESCALATE       seconds, 0: never          CPUWARDEN_ESCALATE_MIN..MAX
 *   A_QUIET          seconds, 0: admin only     CPUWARDEN_QUIET_MIN..MAX
 *   A_HASH           0 or 1
 *   A_KILL_TREE      0 or 1
 *   A_WATCH          string: comma-separated absolute directories, at
 *                    most CPUWARDEN_WATCH_MAX of them and
 *                    CPUWARDEN_WATCH_LEN bytes with the NUL; each must
 *                    exist (ENOENT) and be a directory (ENOTDIR)
 *   A_WATCH_FDS      with A_WATCH: __u32[], a file descriptor of the
 *                    sender's for each directory of A_WATCH, in order
 *                    (ERANGE if the counts differ, EBADF if one is not
 *                    open, ENOTDIR if not a directory; O_PATH will do).
 *                    The module takes the directories from them, looks
 *                    no path up, and keeps the list as their paths are
 *                    from the sender's root, which is what GET_POLICY
 *                    shows and a refresh after a mount looks up again
 *                    (EINVAL for a path with a comma, ENOENT for a
 *                    directory removed).
 *                    Without it, it looks A_WATCH up in the dentry
 *                    cache alone, never asking a file system, which
 *                    might hang: EAGAIN for a path not all there, or
 *                    one a concurrent mount got in the way of.
 * CPUWARDEN_CMD_ALLOW_ADD           <- exactly one of
 *   A_SHA256         binary, CPUWARDEN_SHA256_LEN bytes: this content
 *   A_PATH           string, absolute, < CPUWARDEN_PATH_LEN bytes: this
 *                    file, while it and every directory above it are
 *                    root's and writable by no group or other (EPERM
 *                    otherwise, ENOENT if missing); stored resolved
 *   A_PATH_FD        with A_PATH: a file descriptor of the sender's
 *                    for that file (EBADF if not open), as A_WATCH_FDS:
 *                    the rule is the descriptor's file; without it, as
 *                    A_WATCH without A_WATCH_FDS
 *   A_UID            every program run by this real uid
 *                    EEXIST if the rule is there; E2BIG beyond
 *                    CPUWARDEN_ALLOW_MAX rules
 * CPUWARDEN_CMD_ALLOW_DEL           <- the same; ENOENT if no such rule.
 *                                      A path that does not resolve is
 *                                      matched as given
 * CPUWARDEN_CMD_ALLOW_LIST  (dump)  -> one message per rule, as for ADD
 * CPUWARDEN_CMD_QUARANTINE_LIST (dump)
 *                                   -> one message per entry: A_SHA256,
 *                                      A_SIZE (u64, bytes), A_UID (the
 *                                      user it was killed for: a uid,
 *                                      or the owner of its user
 *                                      namespace if not root),
 *                                      oldest first; the same content
 *                                      killed for two uids is two
 *                                      entries
 * CPUWARDEN_CMD_QUARANTINE_CLEAR    forget every entry
 * CPUWARDEN_CMD_PS  (dump)          -> one message per tracked thread group:
 *   A_PID            thread group id (what ps(1) calls PID), initial
 *                    PID namespace
 *   A_PPID, A_UID (real), A_THREADS, A_COMM, A_EXE (path, or the name
 *   of a fileless or deleted file as the kernel shows it),
 *   A_ORIGIN, A_ORIGIN_FLAGS, A_STATE, A_SHA256 (when hashed),
 *   A_CPU_PCT        the group, over the last sample
 *   A_PROG_CPU_PCT   the whole program, over the last sample
 *   A_WINDOW_MS      u64: CPU the program used within the budget window
 *   A_BUDGET         the budget it is measured against (CPU-seconds)
 *   A_TRACKED_MS     u64: since the group started to be tracked
 * CPUWARDEN_CMD_TRUST_SET          <- any number of A_TRUST, each an
 *                                      array of struct
 *                                      cpuwarden_trust_id, together
 *                                      at most CPUWARDEN_TRUST_MAX
 *                                      files on at most
 *                                      CPUWARDEN_TRUST_DEVS file
 *                                      systems: the packaged files, all
 *                                      of them, replacing the set in
 *                                      place (none: forget it);
 *                                      EINVAL, naming the attribute,
 *                                      for one that is not a whole
 *                                      number of them or holds one
 *                                      out of range; E2BIG past
 *                                      either limit
 * CPUWARDEN_CMD_COUNTS  (dump)      -> one message per kind of decision
 *                                      taken since load: A_EVENT,
 *                                      A_ORIGIN, A_RULE (RULE_NONE for
 *                                      TRACKED), A_COUNT (u64: thread
 *                                      groups it took, told or not;
 *                                      TRACKED counts execs and groups
 *                                      found running, not forks).  Only
 *                                      kinds taken at least once.
 * CPUWARDEN_CMD_RELEASE             <- A_PID: stop throttling the group
 *                                      and exempt it until it exits or
 *                                      execs another program;
 *                                      ESRCH if it is not tracked
 * CPUWARDEN_CMD_LOCK                make the policy, the allow rules and
 *                                   the quarantine immutable, refuse
 *                                   releases, and pin the module, until
 *                                   reboot.  Module parameters become
 *                                   read-only too.  EINVAL while
 *                                   "unpackaged" is on: locked, the
 *                                   packaged files could not follow
 *                                   dpkg.
 * CPUWARDEN_CMD_EVENT  (multicast, group "events")
 *   A_EVENT, A_TIME_NS (u64, CLOCK_REALTIME), A_PID, A_PPID, A_UID,
 *   A_COMM, and as known: A_EXE, A_ORIGIN, A_ORIGIN_FLAGS, A_SHA256,
 *   A_RULE, A_MODE (the mode that decided), A_CPU_PCT, A_LIMIT (the
 *   threshold or cap in percent, or the budget in CPU-seconds), A_FOR_S,
 *   A_WINDOW_MS, A_BUDGET_WINDOW, A_UID_CPU_PCT (all tracked programs of
 *   its user, as for UID_BUDGET).  A_UID is the group's real uid, and a
 *   program's user for a program.  For POLICY_CHANGED, A_PID, A_UID and A_COMM name who made
 *   the change, and A_CHANGE (string) says what changed, as
 *   "key=value ...", "allow add RULE", "allow del RULE",
 *   "quarantine clear", "trust set N" or "lock".
 *   A decision on a program names each thread group it acted on in an
 *   event of its own, up to CPUWARDEN_GROUPS_TOLD of them; past those,
 *   one more event of the same kind counts the groups not named in
 *   A_GROUPS_UNTOLD, with A_UID (the program's) and no A_PID, A_PPID or
 *   A_COMM.  So a fork bomb of thousands of groups costs the listeners,
 *   the log and the module a few events per decision, not thousands.
 *   An event that cannot be delivered (no memory, a listener's receive
 *   buffer full) is dropped and counted in A_EVENTS_LOST; a listener
 *   whose buffer overran gets ENOBUFS from recv().
 *   TRACKED, DENIED and SPARED, which any user causes as fast as it
 *   execs, are limited to CPUWARDEN_EXEC_EVENTS_BURST in each window of
 *   CPUWARDEN_EXEC_EVENTS_INTERVAL_S seconds (the windows are fixed: up
 *   to twice that across a window's end), all users together; the
 *   others are dropped and counted in A_EVENTS_LIMITED.  So a flood of
 *   them cannot bury a decision in a journal that rate-limits (journald
 *   lets 10,000 lines of a unit through in 30 s by default).  Decisions
 *   (THRESHOLD_EXCEEDED, BUDGET_EXCEEDED, THROTTLED, KILLED, RELEASED)
 *   and POLICY_CHANGED are never limited.
 */
#ifndef _UAPI_LINUX_CPUWARDEN_H
#define _UAPI_LINUX_CPUWARDEN_H

#include <linux/types.h>

enum cpuwarden_origin {
	CPUWARDEN_ORIGIN_NONE,
	CPUWARDEN_ORIGIN_WATCHED,
	CPUWARDEN_ORIGIN_FILELESS,
	CPUWARDEN_ORIGIN_DELETED,
	CPUWARDEN_ORIGIN_WRITABLE,
	CPUWARDEN_ORIGIN_PRIVATE,
	CPUWARDEN_ORIGIN_RANDOMX,
	CPUWARDEN_ORIGIN_UPPER,
	CPUWARDEN_ORIGIN_UNPACKAGED,

	__CPUWARDEN_ORIGIN_LAST
};

#define CPUWARDEN_ORIGIN_MAX (__CPUWARDEN_ORIGIN_LAST - 1)

enum cpuwarden_origin_flag {
	CPUWARDEN_ORIGIN_F_SCRIPT = 1U << 0,
	CPUWARDEN_ORIGIN_F_INHERITED = 1U << 1,
	CPUWARDEN_ORIGIN_F_LATE = 1U << 2,
	CPUWARDEN_ORIGIN_F_MAPPED = 1U << 3,

	__CPUWARDEN_ORIGIN_F_ALL = CPUWARDEN_ORIGIN_F_SCRIPT |
				   CPUWARDEN_ORIGIN_F_INHERITED |
				   CPUWARDEN_ORIGIN_F_LATE |
				   CPUWARDEN_ORIGIN_F_MAPPED
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
	CPUWARDEN_EVENT_THRESHOLD_EXCEEDED,
	CPUWARDEN_EVENT_BUDGET_EXCEEDED,
	CPUWARDEN_EVENT_THROTTLED,
	CPUWARDEN_EVENT_KILLED,
	CPUWARDEN_EVENT_DENIED,
	CPUWARDEN_EVENT_RELEASED,
	CPUWARDEN_EVENT_POLICY_CHANGED,
	CPUWARDEN_EVENT_SPARED,

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
	CPUWARDEN_RULE_PROBATION,
	CPUWARDEN_RULE_UID_BUDGET,

	__CPUWARDEN_RULE_LAST
};

#define CPUWARDEN_RULE_MAX (__CPUWARDEN_RULE_LAST - 1)

enum cpuwarden_state {
	CPUWARDEN_STATE_TRACKED,
	CPUWARDEN_STATE_ABNORMAL,
	CPUWARDEN_STATE_THROTTLED,
	CPUWARDEN_STATE_KILLED,
	CPUWARDEN_STATE_RELEASED,

	__CPUWARDEN_STATE_LAST
};

#define CPUWARDEN_STATE_MAX (__CPUWARDEN_STATE_LAST - 1)

/* Size of a content hash, SHA-256. */
#define CPUWARDEN_SHA256_LEN 32

/*
 * Programs larger than this are identified by inode, never hashed: no
 * sha256 rule or quarantine entry matches them.  256 MiB.
 */
#define CPUWARDEN_HASH_MAX_SIZE (256 << 20)

/* Ranges of the policy; the module parameters take the same. */
#define CPUWARDEN_THRESHOLD_MIN 1
#define CPUWARDEN_THRESHOLD_MAX 102400
#define CPUWARDEN_SUSTAIN_MIN 1
#define CPUWARDEN_SUSTAIN_MAX 86400
#define CPUWARDEN_PERIOD_MS_MIN 100
#define CPUWARDEN_PERIOD_MS_MAX 60000
#define CPUWARDEN_BUDGET_MIN 0
#define CPUWARDEN_BUDGET_MAX 1000000
#define CPUWARDEN_BUDGET_WINDOW_MIN 10
#define CPUWARDEN_BUDGET_WINDOW_MAX 604800
#define CPUWARDEN_CAP_MIN 1
#define CPUWARDEN_CAP_MAX 100
#define CPUWARDEN_ESCALATE_MIN 0
#define CPUWARDEN_ESCALATE_MAX 86400
#define CPUWARDEN_QUIET_MIN 0
#define CPUWARDEN_QUIET_MAX 86400
#define CPUWARDEN_PROBATION_MIN 0
#define CPUWARDEN_PROBATION_MAX 86400
#define CPUWARDEN_UID_BUDGET_MIN 0
#define CPUWARDEN_UID_BUDGET_MAX 1000000

/* Thread groups named one by one in the events of one decision, at most. */
#define CPUWARDEN_GROUPS_TOLD 8

/* TRACKED, DENIED and SPARED events sent in each window of seconds, at most. */
#define CPUWARDEN_EXEC_EVENTS_BURST 200
#define CPUWARDEN_EXEC_EVENTS_INTERVAL_S 5

/* Watched directories at most, and the length of their list with the NUL. */
#define CPUWARDEN_WATCH_MAX 16
#define CPUWARDEN_WATCH_LEN 4096

/* Allow rules at most, and the length of a path rule with the NUL. */
#define CPUWARDEN_ALLOW_MAX 256
#define CPUWARDEN_PATH_LEN 4096

/* Quarantined contents at most; the oldest is forgotten first. */
#define CPUWARDEN_QUARANTINE_MAX 1024

/*
 * A packaged file, as statx() and /proc/self/mountinfo show it: the
 * major and minor of its file system as mountinfo has them (which are
 * the super block's, where st_dev may name a btrfs subvolume instead),
 * its inode number and its ctime.  Any change to the file (a rewrite, a
 * chmod, a replacement by rename) gives it a new ctime.
 */
struct cpuwarden_trust_id {
	__u64 ino;
	__s64 ctime_sec;
	__u32 ctime_nsec;		/* below 1000000000 */
	__u32 dev_major;		/* below 4096 */
	__u32 dev_minor;		/* below 1048576 */
	__u32 reserved;			/* 0 */
};

/* Packaged files at most, and the file systems they may be on. */
#define CPUWARDEN_TRUST_MAX (1 << 18)
#define CPUWARDEN_TRUST_DEVS 16

#define CPUWARDEN_GENL_NAME "cpuwarden"
#define CPUWARDEN_GENL_VERSION 1
#define CPUWARDEN_GENL_MCGRP_EVENTS "events"

enum cpuwarden_cmd {
	CPUWARDEN_CMD_UNSPEC,
	CPUWARDEN_CMD_GET_STATUS,
	CPUWARDEN_CMD_GET_POLICY,
	CPUWARDEN_CMD_SET_POLICY,
	CPUWARDEN_CMD_ALLOW_ADD,
	CPUWARDEN_CMD_ALLOW_DEL,
	CPUWARDEN_CMD_ALLOW_LIST,
	CPUWARDEN_CMD_QUARANTINE_LIST,
	CPUWARDEN_CMD_QUARANTINE_CLEAR,
	CPUWARDEN_CMD_PS,
	CPUWARDEN_CMD_RELEASE,
	CPUWARDEN_CMD_LOCK,
	CPUWARDEN_CMD_EVENT,
	CPUWARDEN_CMD_TRUST_SET,
	CPUWARDEN_CMD_COUNTS,

	__CPUWARDEN_CMD_LAST
};

#define CPUWARDEN_CMD_MAX (__CPUWARDEN_CMD_LAST - 1)

enum cpuwarden_attr {
	CPUWARDEN_A_UNSPEC,
	CPUWARDEN_A_PAD,

	/* Status */
	CPUWARDEN_A_VERSION,		/* string, the module's version */
	CPUWARDEN_A_LOCKED,		/* 0 or 1 */
	CPUWARDEN_A_NR_TRACKED,		/* thread groups */
	CPUWARDEN_A_NR_PROGRAMS,	/* contents known, running or not */
	CPUWARDEN_A_NR_THROTTLED,	/* programs */
	CPUWARDEN_A_NR_QUARANTINED,
	CPUWARDEN_A_NR_ALLOW,
	CPUWARDEN_A_EVENTS_LOST,	/* u64 */
	CPUWARDEN_A_TRACK_LOST,		/* u64, groups not tracked: no memory */

	/* Policy */
	CPUWARDEN_A_MODE,
	CPUWARDEN_A_THRESHOLD,
	CPUWARDEN_A_SUSTAIN,
	CPUWARDEN_A_PERIOD_MS,
	CPUWARDEN_A_BUDGET,
	CPUWARDEN_A_BUDGET_WINDOW,
	CPUWARDEN_A_CAP,
	CPUWARDEN_A_ESCALATE,
	CPUWARDEN_A_QUIET,
	CPUWARDEN_A_HASH,
	CPUWARDEN_A_KILL_TREE,
	CPUWARDEN_A_WATCH,

	/* Rules and content */
	CPUWARDEN_A_SHA256,
	CPUWARDEN_A_PATH,
	CPUWARDEN_A_UID,
	CPUWARDEN_A_SIZE,		/* u64 */

	/* Programs and events */
	CPUWARDEN_A_PID,
	CPUWARDEN_A_PPID,
	CPUWARDEN_A_THREADS,
	CPUWARDEN_A_COMM,
	CPUWARDEN_A_EXE,
	CPUWARDEN_A_ORIGIN,
	CPUWARDEN_A_ORIGIN_FLAGS,
	CPUWARDEN_A_STATE,
	CPUWARDEN_A_CPU_PCT,
	CPUWARDEN_A_PROG_CPU_PCT,
	CPUWARDEN_A_WINDOW_MS,		/* u64 */
	CPUWARDEN_A_TRACKED_MS,		/* u64 */
	CPUWARDEN_A_EVENT,
	CPUWARDEN_A_TIME_NS,		/* u64 */
	CPUWARDEN_A_RULE,
	CPUWARDEN_A_LIMIT,
	CPUWARDEN_A_FOR_S,
	CPUWARDEN_A_UID_CPU_PCT,
	CPUWARDEN_A_CHANGE,

	/* Policy, continued */
	CPUWARDEN_A_WRITABLE,		/* 0 or 1: ORIGIN_WRITABLE is tracked */
	CPUWARDEN_A_MAPPED,		/* 0 or 1: ORIGIN_F_MAPPED is tracked */
	CPUWARDEN_A_PROBATION,		/* seconds, 0: off */
	CPUWARDEN_A_PRIVATE,		/* 0 or 1: ORIGIN_PRIVATE is tracked */
	CPUWARDEN_A_RANDOMX,		/* 0 or 1: ORIGIN_RANDOMX is tracked */

	/* Status, continued */
	CPUWARDEN_A_EVENTS_LIMITED,	/* u64 */

	/* Events, continued */
	CPUWARDEN_A_GROUPS_UNTOLD,	/* thread groups a decision did not name */

	/* Policy, continued */
	CPUWARDEN_A_UPPER,		/* 0 or 1: ORIGIN_UPPER is tracked */
	CPUWARDEN_A_UNPACKAGED,		/* 0 or 1: ORIGIN_UNPACKAGED is tracked */

	/* Packaged files */
	CPUWARDEN_A_TRUST,		/* binary: struct cpuwarden_trust_id[] */
	CPUWARDEN_A_NR_TRUSTED,		/* status: packaged files loaded */

	/* Policy, continued */
	CPUWARDEN_A_UID_BUDGET,		/* CPU-seconds, 0: off */

	/* Counters */
	CPUWARDEN_A_SAMPLES,		/* u64 */
	CPUWARDEN_A_COUNT,		/* u64 */

	/* Paths, as the sender's file descriptors */
	CPUWARDEN_A_WATCH_FDS,		/* binary: __u32[], one per A_WATCH entry */
	CPUWARDEN_A_PATH_FD,		/* u32: the file A_PATH names */

	__CPUWARDEN_A_LAST
};

#define CPUWARDEN_A_MAX (__CPUWARDEN_A_LAST - 1)

#endif /* _UAPI_LINUX_CPUWARDEN_H */
